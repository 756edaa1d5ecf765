package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/config"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// browserTrusting is a scripted browser whose only root is the CA in
// caFile, as a browser told to trust it would be.
func browserTrusting(t *testing.T, caFile string) *emutest.Browser {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in", caFile)
	}
	b := emutest.NewBrowser()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	b.Client.Transport = tr
	return b
}

// userWithRole is the id of a demo user holding role.
func userWithRole(t *testing.T, emu *emulator.Emulator, role string) string {
	t.Helper()
	for _, u := range emu.Users() {
		for _, r := range u.Roles {
			if r == role {
				return u.ID
			}
		}
	}
	t.Fatalf("no %s", role)
	return ""
}

// waitFor polls until out contains want.
func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if strings.Contains(out.String(), want) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("output lacks %q:\n%s", want, out.String())
}

// `graphsec emulator --tls` serves https and says where its CA is.
func TestEmulatorCommandTLS(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"emulator", "--addr", addr, "--tls", "--tls-dir", dir}, env(nil), &out, io.Discard)
	}()
	caFile := filepath.Join(dir, "ca.pem")
	waitFor(t, &out, "Press Ctrl+C")
	for _, want := range []string{
		"graphsec emulator listening on https://" + addr, "Token endpoint         https://", "Graph                  https://",
		"TLS CA certificate     " + caFile, "SSL_CERT_FILE=" + caFile, "NODE_EXTRA_CA_CERTS=" + caFile,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	b := browserTrusting(t, caFile)
	p, err := b.Get("https://" + addr + "/_emulator/info")
	if err != nil || p.Status != 200 || !strings.Contains(p.Body, `"caFile"`) {
		t.Errorf("info over TLS: %v %+v", err, p)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d", code)
	}

	// The environment turns it on too.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	out = syncBuffer{}
	go func() {
		done <- Main(ctx, []string{"emulator", "--addr", freeAddr(t)}, env(map[string]string{"GRAPHSEC_EMULATOR_TLS": "true", "GRAPHSEC_EMULATOR_TLS_DIR": dir}), &out, io.Discard)
	}()
	waitFor(t, &out, "Press Ctrl+C")
	if !strings.Contains(out.String(), "listening on https://") || !strings.Contains(out.String(), caFile) {
		t.Errorf("banner:\n%s", out.String())
	}
	cancel()
	<-done
}

// GRAPHSEC_EMULATOR_TLS=true runs the embedded emulator over https, and
// the console trusts its CA for sign-in and Graph: a user signs in and
// sees alerts.
func TestConsoleEmbeddedTLS(t *testing.T) {
	dir := t.TempDir()
	addr, emuAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"--addr", addr, "--emulator-addr", emuAddr, "--db", filepath.Join(t.TempDir(), "g.db")},
			env(map[string]string{"GRAPHSEC_EMULATOR_TLS": "true", "GRAPHSEC_EMULATOR_TLS_DIR": dir}), &out, io.Discard)
	}()
	defer func() {
		cancel()
		<-done
	}()
	waitFor(t, &out, "Press Ctrl+C")
	_, emuPort, _ := net.SplitHostPort(emuAddr)
	caFile := filepath.Join(dir, "ca.pem")
	for _, want := range []string{"embedded emulator  https://localhost:" + emuPort, "emulator TLS CA    " + caFile} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	_, port, _ := net.SplitHostPort(addr)
	console := "http://localhost:" + port
	b := browserTrusting(t, caFile)
	user := embeddedUser(t, b, "https://localhost:"+emuPort)
	p, err := webtest.SignIn(b, console+"/alerts", user, emutest.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != 200 || p.URL.Path != "/alerts" || !strings.Contains(p.Body, `href="/alerts/`) {
		t.Fatalf("after sign-in: %s %d\n%.2000s", p.URL, p.Status, p.Body)
	}
}

// embeddedUser picks a Security Reader from the emulator's directory,
// read through its control plane.
func embeddedUser(t *testing.T, b *emutest.Browser, emuURL string) string {
	t.Helper()
	p, err := b.Get(emuURL + "/_emulator/users")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string][]struct {
		ID    string   `json:"id"`
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal([]byte(p.Body), &body); err != nil {
		t.Fatal(err)
	}
	for _, list := range body {
		for _, u := range list {
			if slices.Contains(u.Roles, "Security Reader") {
				return u.ID
			}
		}
	}
	t.Fatalf("no Security Reader in %.500s", p.Body)
	return ""
}

// GRAPHSEC_CA_FILE makes a console configured for a tenant trust another
// CA: here a separate emulator serving TLS. Without it, sign-in fails on
// the certificate.
func TestConsoleCAFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		caFile bool
	}{{"with GRAPHSEC_CA_FILE", true}, {"without", false}} {
		t.Run(tc.name, func(t *testing.T) {
			addr := freeAddr(t)
			_, port, _ := net.SplitHostPort(addr)
			console := "http://localhost:" + port
			emu, err := emulator.New(emulator.Options{TLS: true, TLSDir: dir, RedirectURIs: []string{console + "/login/authorized", console + "/signed-out"}})
			if err != nil {
				t.Fatal(err)
			}
			defer emu.Close()
			e := map[string]string{
				"GRAPHSEC_CLIENT_ID": emu.ClientID(), "GRAPHSEC_CLIENT_SECRET": emu.ClientSecret(), "GRAPHSEC_TENANT": emu.TenantID(),
				"GRAPHSEC_AUTHORITY_URL": emu.URL(), "GRAPHSEC_GRAPH_URL": emu.URL(), "GRAPHSEC_ADDR": addr,
				"GRAPHSEC_DB": filepath.Join(t.TempDir(), "g.db"),
			}
			if tc.caFile {
				e["GRAPHSEC_CA_FILE"] = emu.CAFile()
			}
			cfg, err := config.Load(nil, env(e), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			app, err := startConsole(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			b := browserTrusting(t, emu.CAFile())
			p, err := webtest.SignIn(b, console+"/alerts", userWithRole(t, emu, "Security Reader"), emutest.SignInOptions{})
			ok := err == nil && p.Status == 200 && p.URL.Path == "/alerts" && strings.Contains(p.Body, `href="/alerts/`)
			if ok != tc.caFile {
				var status int
				var body string
				if p != nil {
					status, body = p.Status, p.Body
				}
				t.Fatalf("signed in and listed alerts: %v, want %v (%v, %d)\n%.1500s", ok, tc.caFile, err, status, body)
			}
			// Without it the console cannot redeem the code: the identity
			// platform's certificate is from an unknown authority.
			if !tc.caFile && (p == nil || p.Status != http.StatusBadGateway || !strings.Contains(p.Body, "could not reach the Microsoft identity platform")) {
				t.Fatalf("without the CA: %v %+v", err, p)
			}
		})
	}
}
