package tlsca

import (
	"bytes"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
)

var base = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func open(t *testing.T, dir string, clk clock.Clock) *Authority {
	t.Helper()
	a, err := Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestCACreatedOnceAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	clk := clock.NewFake(base)
	a := open(t, dir, clk)
	ca := a.Certificate()
	if !ca.IsCA || ca.PublicKeyAlgorithm != x509.ECDSA || ca.NotAfter.Sub(base) < 9*365*24*time.Hour || len(ca.SubjectKeyId) == 0 {
		t.Fatalf("CA: isCA %v alg %v notAfter %v ski %x", ca.IsCA, ca.PublicKeyAlgorithm, ca.NotAfter, ca.SubjectKeyId)
	}
	pemFile, err := os.ReadFile(a.CAFile())
	if err != nil || !bytes.Equal(pemFile, a.CertPEM()) || filepath.Base(a.CAFile()) != "ca.pem" {
		t.Fatalf("ca.pem: %v", err)
	}
	if runtime.GOOS != "windows" {
		if m := mode(t, a.CAFile()); m != 0o644 {
			t.Errorf("ca.pem mode %o", m)
		}
		if m := mode(t, filepath.Join(dir, caKeyFile)); m != 0o600 {
			t.Errorf("ca-key.pem mode %o", m)
		}
		if m := mode(t, dir); m != 0o700 {
			t.Errorf("directory mode %o", m)
		}
	}
	clk.Advance(400 * 24 * time.Hour)
	again := open(t, dir, clk)
	if !again.Certificate().Equal(ca) {
		t.Fatal("a second Open made a new CA")
	}
	// A deleted ca.pem is written again from the key file.
	os.Remove(a.CAFile())
	if open(t, dir, clk); !fileEquals(t, a.CAFile(), a.CertPEM()) {
		t.Fatal("ca.pem was not restored")
	}
}

func fileEquals(t *testing.T, path string, want []byte) bool {
	t.Helper()
	got, err := os.ReadFile(path)
	return err == nil && bytes.Equal(got, want)
}

func TestCAReplacedWhenExpiring(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(base)
	old := open(t, dir, clk).Certificate()
	clk.Advance(CALifetime - RenewBefore + time.Hour)
	a := open(t, dir, clk)
	if a.Certificate().Equal(old) {
		t.Fatal("an expiring CA was kept")
	}
	if _, err := os.Stat(filepath.Join(dir, caKeyFile+".expired")); err != nil {
		t.Fatalf("the old CA was not set aside: %v", err)
	}
	if !fileEquals(t, a.CAFile(), a.CertPEM()) {
		t.Fatal("ca.pem is not the new CA")
	}
}

func TestDamagedCAIsAnError(t *testing.T) {
	for name, body := range map[string][]byte{
		"garbage":        []byte("not pem"),
		"key only":       []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
		"server pair":    nil, // filled below: a leaf is not a CA
		"mismatched key": nil,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			switch name {
			case "server pair":
				src := t.TempDir()
				a := open(t, src, nil)
				if _, err := a.ServerCertificate(); err != nil {
					t.Fatal(err)
				}
				body, _ = os.ReadFile(filepath.Join(src, serverFile))
			case "mismatched key":
				one, _ := os.ReadFile(filepath.Join(open(t, t.TempDir(), nil).dir, caKeyFile))
				two, _ := os.ReadFile(filepath.Join(open(t, t.TempDir(), nil).dir, caKeyFile))
				i, j := bytes.Index(one, []byte("-----BEGIN PRIVATE KEY")), bytes.Index(two, []byte("-----BEGIN PRIVATE KEY"))
				body = append(append([]byte{}, one[:i]...), two[j:]...)
			}
			if err := os.WriteFile(filepath.Join(dir, caKeyFile), body, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(dir, nil); err == nil {
				t.Fatal("a damaged CA file was accepted")
			}
		})
	}
}

// Processes starting together with an empty directory agree on one CA.
// Goroutines stand in for processes: the race is on the files.
func TestConcurrentOpen(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	cas := make([]*x509.Certificate, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a, err := Open(dir, nil)
			if err != nil {
				errs[i] = err
				return
			}
			cas[i] = a.Certificate()
			// Each issues (or reuses) a server certificate at the same time.
			c, err := a.ServerCertificate("emulator.test")
			if err == nil {
				_, err = c.Leaf.Verify(x509.VerifyOptions{Roots: a.Pool(), DNSName: "emulator.test", CurrentTime: time.Now()})
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("process %d: %v", i, errs[i])
		}
		if !cas[i].Equal(cas[0]) {
			t.Fatalf("process %d has another CA", i)
		}
	}
	final := open(t, dir, nil)
	if !final.Certificate().Equal(cas[0]) || !fileEquals(t, final.CAFile(), final.CertPEM()) {
		t.Fatal("the directory does not hold the CA everyone uses")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestServerCertificate(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(base)
	a := open(t, dir, clk)
	first, err := a.ServerCertificate("127.0.0.1", "emulator.local", "0.0.0.0", "[::1]", "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	leaf := first.Leaf
	for _, name := range []string{"localhost", "emulator.local", "127.0.0.1", "::1", "10.1.2.3"} {
		opts := x509.VerifyOptions{Roots: a.Pool(), CurrentTime: base, DNSName: name}
		if _, err := leaf.Verify(opts); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, ip := range leaf.IPAddresses {
		if ip.IsUnspecified() {
			t.Errorf("unspecified address %s in the certificate", ip)
		}
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || leaf.IsCA ||
		!bytes.Equal(leaf.AuthorityKeyId, a.Certificate().SubjectKeyId) || leaf.NotAfter.Sub(base) > 398*24*time.Hour {
		t.Errorf("leaf: eku %v isCA %v aki %x notAfter %v", leaf.ExtKeyUsage, leaf.IsCA, leaf.AuthorityKeyId, leaf.NotAfter)
	}
	if len(first.Certificate) != 2 {
		t.Errorf("chain of %d certificates, want leaf and CA", len(first.Certificate))
	}
	if runtime.GOOS != "windows" {
		if m := mode(t, filepath.Join(dir, serverFile)); m != 0o600 {
			t.Errorf("server key mode %o", m)
		}
	}

	cases := []struct {
		name    string
		prepare func()
		hosts   []string
		reissue bool
	}{
		{"same names", nil, []string{"emulator.local"}, false},
		{"fewer names", nil, nil, false},
		{"case and trailing dot", nil, []string{"Emulator.Local."}, false},
		{"a new host name", nil, []string{"other.local"}, true},
		{"a new IP address", nil, []string{"192.0.2.7"}, true},
		{"far from expiry", func() { clk.Advance(300 * 24 * time.Hour) }, []string{"192.0.2.7"}, false},
		{"expiring within 30 days", func() { clk.Advance(80 * 24 * time.Hour) }, []string{"192.0.2.7"}, true},
		{"missing", func() { os.Remove(filepath.Join(dir, serverFile)) }, nil, true},
		{"damaged", func() { os.WriteFile(filepath.Join(dir, serverFile), []byte("x"), 0o600) }, nil, true},
		{"issued by another CA", func() {
			other := open(t, t.TempDir(), clk)
			if _, err := other.ServerCertificate(); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(other.dir, serverFile))
			os.WriteFile(filepath.Join(dir, serverFile), b, 0o600)
		}, nil, true},
	}
	prev := leaf
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != nil {
				tc.prepare()
			}
			c, err := a.ServerCertificate(tc.hosts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := !c.Leaf.Equal(prev); got != tc.reissue {
				t.Fatalf("re-issued %v, want %v", got, tc.reissue)
			}
			for _, h := range tc.hosts {
				if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: a.Pool(), CurrentTime: clk.Now(), DNSName: h}); err != nil {
					t.Errorf("%s: %v", h, err)
				}
			}
			// A restarted emulator (a new Authority) finds the same one.
			again, err := open(t, dir, clk).ServerCertificate(tc.hosts...)
			if err != nil || !again.Leaf.Equal(c.Leaf) {
				t.Fatalf("the kept certificate was not reused: %v", err)
			}
			prev = c.Leaf
		})
	}
}

func TestServerNames(t *testing.T) {
	dns, ips := serverNames([]string{"LOCALHOST", "::", "[fe80::1]", "127.0.0.1", "Host.Example.", " "})
	if len(dns) != 2 || dns[0] != "localhost" || dns[1] != "host.example" {
		t.Errorf("dns %v", dns)
	}
	if len(ips) != 3 || !ips[2].Equal(net.ParseIP("fe80::1")) {
		t.Errorf("ips %v", ips)
	}
}

// FuzzParsePair reads arbitrary bytes as a kept certificate file: it never
// panics, and whatever it accepts is a certificate with its own key.
func FuzzParsePair(f *testing.F) {
	a, err := Open(f.TempDir(), nil)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := a.ServerCertificate(); err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{caKeyFile, serverFile} {
		b, _ := os.ReadFile(filepath.Join(a.dir, name))
		f.Add(b)
	}
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		cert, key, err := parsePair(raw)
		if err != nil {
			return
		}
		if cert == nil || key == nil || !key.PublicKey.Equal(cert.PublicKey) {
			t.Fatal("accepted a pair whose key does not match")
		}
	})
}
