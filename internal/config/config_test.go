package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaultsEmbedded(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Embedded() || c.Addr != "localhost:5000" || c.PublicURL != "http://localhost:5000" || c.RedirectURL != "http://localhost:5000/login/authorized" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.AuthorityURL != DefaultAuthorityURL || c.GraphURL != DefaultGraphURL || c.DB != DefaultDB || c.EmulatorSeed != 1 {
		t.Fatalf("defaults: %+v", c)
	}
	if c.NotificationRetention != 30*24*time.Hour || c.MetricsToken != "" {
		t.Fatalf("live defaults: retention %v, metrics token %q", c.NotificationRetention, c.MetricsToken)
	}
	if c.WatchInterval != 15*time.Second || c.WatchOverlap != 10*time.Minute || c.WatchAudit != time.Hour || c.WatchBudget != 120 {
		t.Fatalf("live alerts defaults: %+v", c)
	}
}

func TestLoadWatchSettings(t *testing.T) {
	c, err := Load([]string{"-watch-audit", "30m"}, env(map[string]string{"GRAPHSEC_WATCH_INTERVAL": "30s", "GRAPHSEC_WATCH_OVERLAP": "20m", "GRAPHSEC_WATCH_BUDGET": "60"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.WatchInterval != 30*time.Second || c.WatchOverlap != 20*time.Minute || c.WatchAudit != 30*time.Minute || c.WatchBudget != 60 {
		t.Fatalf("%+v", c)
	}
}

func TestLoadTenant(t *testing.T) {
	e := map[string]string{
		"GRAPHSEC_CLIENT_ID":     "6731de76-14a6-49ae-97bc-6eba6914391e",
		"GRAPHSEC_CLIENT_SECRET": "s3cret~value",
		"GRAPHSEC_TENANT":        "contoso.onmicrosoft.com",
		"GRAPHSEC_PUBLIC_URL":    "https://soc.example.com/",
		"GRAPHSEC_ADDR":          ":8080",
		"GRAPHSEC_SESSION_KEY":   "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	}
	c, err := Load([]string{"-db", "/var/lib/graphsec/g.db"}, env(e), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Embedded() || c.RedirectURL != "https://soc.example.com/login/authorized" || c.DB != "/var/lib/graphsec/g.db" || string(c.SessionKey) != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("%+v", c)
	}
	if red := fmt.Sprint(c.Redacted()...); strings.Contains(red, "s3cret") || !strings.Contains(red, "(set)") {
		t.Fatalf("Redacted: %s", red)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad client id", map[string]string{"GRAPHSEC_CLIENT_ID": "abc", "GRAPHSEC_CLIENT_SECRET": "x", "GRAPHSEC_TENANT": "organizations"}, nil, "GRAPHSEC_CLIENT_ID"},
		{"missing secret", map[string]string{"GRAPHSEC_CLIENT_ID": "6731de76-14a6-49ae-97bc-6eba6914391e", "GRAPHSEC_TENANT": "organizations"}, nil, "GRAPHSEC_CLIENT_SECRET"},
		{"common tenant", map[string]string{"GRAPHSEC_CLIENT_ID": "6731de76-14a6-49ae-97bc-6eba6914391e", "GRAPHSEC_CLIENT_SECRET": "x", "GRAPHSEC_TENANT": "common"}, nil, "GRAPHSEC_TENANT"},
		{"secret without id", map[string]string{"GRAPHSEC_CLIENT_SECRET": "x"}, nil, "GRAPHSEC_CLIENT_ID"},
		{"bad addr", map[string]string{"GRAPHSEC_ADDR": "5000"}, nil, "GRAPHSEC_ADDR"},
		{"http public url", map[string]string{"GRAPHSEC_PUBLIC_URL": "http://soc.example.com"}, nil, "GRAPHSEC_PUBLIC_URL"},
		{"bad redirect path", map[string]string{"GRAPHSEC_REDIRECT_URL": "http://localhost:5000/callback"}, nil, "GRAPHSEC_REDIRECT_URL"},
		{"bad graph url", map[string]string{"GRAPHSEC_GRAPH_URL": "graph.microsoft.com"}, nil, "GRAPHSEC_GRAPH_URL"},
		{"bad seed", map[string]string{"GRAPHSEC_EMULATOR_SEED": "x"}, nil, "GRAPHSEC_EMULATOR_SEED"},
		{"bad lifetime", nil, []string{"-session-lifetime", "1s"}, "GRAPHSEC_SESSION_LIFETIME"},
		{"short session key", map[string]string{"GRAPHSEC_SESSION_KEY": "c2hvcnQ="}, nil, "GRAPHSEC_SESSION_KEY"},
		{"bad bool", map[string]string{"GRAPHSEC_EMULATOR_UNCONSENTED": "perhaps"}, nil, "GRAPHSEC_EMULATOR_UNCONSENTED"},
		{"bad tls bool", map[string]string{"GRAPHSEC_EMULATOR_TLS": "on-ish"}, nil, "GRAPHSEC_EMULATOR_TLS"},
		{"missing CA file", map[string]string{"GRAPHSEC_CA_FILE": "/nonexistent/ca.pem"}, nil, "GRAPHSEC_CA_FILE"},
		{"CA file without certificates", nil, []string{"-ca-file", "config_test.go"}, "--ca-file (GRAPHSEC_CA_FILE): config_test.go holds no PEM certificate"},
		{"flag named as given", nil, []string{"--session-lifetime", "1s"}, "--session-lifetime (GRAPHSEC_SESSION_LIFETIME): \"1s\" must be"},
		{"variable named as given", map[string]string{"GRAPHSEC_SESSION_LIFETIME": "1s"}, nil, "GRAPHSEC_SESSION_LIFETIME (--session-lifetime): \"1s\" must be"},
		{"bad addr flag", nil, []string{"-addr", "5000"}, "--addr (GRAPHSEC_ADDR)"},
		{"extra args", nil, []string{"extra"}, "unexpected arguments"},
		{"retention not a duration", map[string]string{"GRAPHSEC_NOTIFICATION_RETENTION": "30d"}, nil, "GRAPHSEC_NOTIFICATION_RETENTION"},
		{"retention too short", nil, []string{"-notification-retention", "5m"}, "GRAPHSEC_NOTIFICATION_RETENTION"},
		{"short metrics token", map[string]string{"GRAPHSEC_METRICS_TOKEN": "short"}, nil, "GRAPHSEC_METRICS_TOKEN"},
		{"watch interval too short", map[string]string{"GRAPHSEC_WATCH_INTERVAL": "1s"}, nil, "GRAPHSEC_WATCH_INTERVAL"},
		{"overlap below 10 minutes", map[string]string{"GRAPHSEC_WATCH_OVERLAP": "5m"}, nil, "GRAPHSEC_WATCH_OVERLAP"},
		{"audit not a duration", map[string]string{"GRAPHSEC_WATCH_AUDIT": "hourly"}, nil, "GRAPHSEC_WATCH_AUDIT"},
		{"trusted proxy not an address", map[string]string{"GRAPHSEC_TRUSTED_PROXIES": "10.0.0.0/8, balancer.internal"}, nil, "GRAPHSEC_TRUSTED_PROXIES"},
		{"postgres URL that does not parse", map[string]string{"GRAPHSEC_DB": "postgres://u:hunter2@[::1/db"}, nil, "GRAPHSEC_DB"},
		{"budget above Graph's limit", map[string]string{"GRAPHSEC_WATCH_BUDGET": "200"}, nil, "GRAPHSEC_WATCH_BUDGET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, env(tt.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to name %s", err, tt.want)
			}
		})
	}
}

func TestLoadHelp(t *testing.T) {
	var out strings.Builder
	_, err := Load([]string{"-h"}, env(map[string]string{"GRAPHSEC_CLIENT_SECRET": "topsecret",
		"GRAPHSEC_DB": "postgres://graphsec:dbsecret@db.example.com/graphsec"}), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(out.String(), "topsecret") || strings.Contains(out.String(), "dbsecret") ||
		!strings.Contains(out.String(), "GRAPHSEC_CLIENT_SECRET") || !strings.Contains(out.String(), "postgres://graphsec:xxxxx@db.example.com/graphsec") {
		t.Fatalf("help output:\n%s", out.String())
	}
}

func TestLoadTLSSettings(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, testCAPEM(t), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(nil, env(map[string]string{"GRAPHSEC_EMULATOR_TLS": "true", "GRAPHSEC_EMULATOR_TLS_DIR": dir, "GRAPHSEC_CA_FILE": caFile}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.EmulatorTLS || c.EmulatorTLSDir != dir || c.CAFile != caFile || !x509.NewCertPool().AppendCertsFromPEM(c.CAPEM) {
		t.Fatalf("%+v", c)
	}
	if c, _ := Load(nil, env(nil), io.Discard); c.EmulatorTLS || c.CAFile != "" || c.CAPEM != nil {
		t.Fatalf("defaults: %+v", c)
	}
}

// testCAPEM is a throwaway self-signed certificate in PEM form.
func testCAPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestRedactDB(t *testing.T) {
	tests := []struct {
		db, want string
	}{
		{"graphsec.db", "graphsec.db"},
		{"postgres://graphsec@db:5432/g?sslmode=require", "postgres://graphsec@db:5432/g?sslmode=require"},
		{"postgres://graphsec:hunter2@db:5432/g", "postgres://graphsec:xxxxx@db:5432/g"},
		{"postgresql://graphsec@db/g?password=hunter2&sslmode=verify-full", "postgresql://graphsec@db/g?password=xxxxx&sslmode=verify-full"},
		{"postgres://u:hunter2@[::1/db", "(a postgres:// URL that does not parse)"},
	}
	for _, tt := range tests {
		t.Run(tt.db, func(t *testing.T) {
			got := RedactDB(tt.db)
			if got != tt.want {
				t.Errorf("RedactDB(%q) = %q, want %q", tt.db, got, tt.want)
			}
			if strings.Contains(got, "hunter2") {
				t.Errorf("RedactDB(%q) shows the password", tt.db)
			}
		})
	}
}

func TestLoadPostgres(t *testing.T) {
	c, err := Load([]string{"--db", "postgresql://graphsec:pw@db.example.com/graphsec"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !IsPostgres(c.DB) {
		t.Errorf("DB %q is not PostgreSQL", c.DB)
	}
	for i := 0; i+1 < len(c.Redacted()); i += 2 {
		if c.Redacted()[i] == "db" && c.Redacted()[i+1] != "postgresql://graphsec:xxxxx@db.example.com/graphsec" {
			t.Errorf("start-up log shows db = %v", c.Redacted()[i+1])
		}
	}
}

func TestLoadTrustedProxies(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"GRAPHSEC_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.10 ,2001:db8::1/32,::ffff:198.51.100.2"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.10/32", "2001:db8::/32", "198.51.100.2/32"}
	if got := fmt.Sprint(c.TrustedProxies); got != fmt.Sprint(want) {
		t.Errorf("TrustedProxies = %v, want %v", got, want)
	}
}
