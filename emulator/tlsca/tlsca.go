// Package tlsca is the emulator's local certificate authority: a CA made
// once per machine (or per directory) and kept on disk, and the server
// certificates it issues for the emulator's https listener.
//
// Microsoft's clients talk to the identity platform and Graph only over
// https (Kiota's authentication provider refuses to attach a token to an
// http URL), so an emulator they can use unmodified must serve https with
// a certificate they trust. Clients trust a local CA the usual way
// (SSL_CERT_FILE for Go, Python and OpenSSL, NODE_EXTRA_CA_CERTS for
// Node, the system store for the rest), which works once: the CA outlives
// restarts and only the short-lived server certificate is re-issued.
//
// Files in the directory:
//
//	ca.pem          the CA certificate, to trust (0644)
//	ca-key.pem      the CA's private key and certificate (0600)
//	server-key.pem  the server certificate and its private key (0600)
//
// Two processes starting at once with an empty directory must end with
// one CA, so the CA's key file (which also holds the CA certificate, so
// that key and certificate cannot come from different processes) is
// published with a hard link, which fails if the file exists: the first
// process wins and the other reads the winner's. Every other file is
// derived, written to a temporary file and renamed into place, so a
// reader never sees half a file.
package tlsca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
)

// File names inside the directory.
const (
	CAFile     = "ca.pem"
	caKeyFile  = "ca-key.pem"
	serverFile = "server-key.pem"
)

// Lifetimes. The CA lives long because every client has to be told to
// trust it; the server certificate is short enough for every platform's
// limit on server certificates (Apple's 398 days for ones issued by any
// CA) and is re-issued automatically.
const (
	CALifetime     = 10 * 365 * 24 * time.Hour
	ServerLifetime = 397 * 24 * time.Hour
	// RenewBefore is how long before expiry a certificate is replaced.
	RenewBefore = 30 * 24 * time.Hour
	// backdate covers clocks that run a little behind the one that
	// issued the certificate.
	backdate = time.Hour
)

// DefaultDir is where the emulator keeps its CA unless told otherwise:
// the user's cache directory, so that the CA is shared by every emulator
// the user starts.
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("tlsca: no user cache directory (%w); choose a directory for the emulator's CA", err)
	}
	return filepath.Join(d, "graphsec", "emulator-tls"), nil
}

// Authority is a CA loaded from (or created in) a directory.
type Authority struct {
	dir   string
	clock clock.Clock
	cert  *x509.Certificate
	key   *ecdsa.PrivateKey
	pem   []byte // the CA certificate, PEM
}

// Open loads the CA kept in dir, creating the directory and the CA when
// they do not exist yet, or replacing the CA when it has expired (or is
// about to: clients would start failing mid-session). clk dates the
// certificates (nil: the system clock).
func Open(dir string, clk clock.Clock) (*Authority, error) {
	if clk == nil {
		clk = clock.System{}
	}
	if dir == "" {
		return nil, errors.New("tlsca: no directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tlsca: %w", err)
	}
	a := &Authority{dir: dir, clock: clk}
	for attempt := 0; ; attempt++ {
		err := a.load()
		if err == nil && a.cert.NotAfter.After(clk.Now().Add(RenewBefore)) {
			break
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if attempt > 0 {
			return nil, fmt.Errorf("tlsca: the CA in %s could not be created", dir)
		}
		if err == nil {
			// Expiring: set it aside (a concurrent process may already
			// have done so) and create a new one below. Two processes
			// doing this at the same moment can end with different CAs;
			// it happens once in the CA's ten years, and a restart
			// settles it.
			if err := os.Rename(a.path(caKeyFile), a.path(caKeyFile+".expired")); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("tlsca: %w", err)
			}
		}
		if err := a.create(); err != nil {
			return nil, err
		}
	}
	if err := a.publish(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Authority) path(name string) string { return filepath.Join(a.dir, name) }

// CAFile is the path of the CA certificate clients should trust.
func (a *Authority) CAFile() string { return a.path(CAFile) }

// CertPEM is the CA certificate in PEM form.
func (a *Authority) CertPEM() []byte { return slices.Clone(a.pem) }

// Certificate is the CA certificate.
func (a *Authority) Certificate() *x509.Certificate { return a.cert }

// Pool is a certificate pool holding only the CA: a client using it as
// RootCAs trusts the emulator and nothing else.
func (a *Authority) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.cert)
	return p
}

// load reads the CA from its key file.
func (a *Authority) load() error {
	raw, err := os.ReadFile(a.path(caKeyFile))
	if err != nil {
		return err
	}
	cert, key, err := parsePair(raw)
	if err != nil {
		return fmt.Errorf("tlsca: %s: %w (delete the directory to start over with a new CA)", a.path(caKeyFile), err)
	}
	if !cert.IsCA {
		return fmt.Errorf("tlsca: %s does not hold a CA certificate", a.path(caKeyFile))
	}
	a.cert, a.key = cert, key
	a.pem = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	return nil
}

// create makes a new CA and publishes its key file, unless another process
// got there first; either way the CA is then loaded from the file.
func (a *Authority) create() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("tlsca: %w", err)
	}
	now := a.clock.Now()
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject: pkix.Name{
			CommonName:         "graphsec emulator local CA " + now.UTC().Format("2006-01-02 15:04:05"),
			Organization:       []string{"graphsec emulator"},
			OrganizationalUnit: []string{strings.TrimSpace(host)},
		},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CALifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("tlsca: %w", err)
	}
	body, err := encodePair(der, key)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(a.dir, caKeyFile, body, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// A link, not a rename: it fails when the file exists, so of two
	// processes creating a CA at once exactly one publishes its own.
	if err := os.Link(tmp, a.path(caKeyFile)); err != nil && !errors.Is(err, fs.ErrExist) {
		// A file system without hard links: rename unless a CA appeared
		// meanwhile (a narrower race, on unusual systems only).
		if _, serr := os.Stat(a.path(caKeyFile)); errors.Is(serr, fs.ErrNotExist) {
			if err := os.Rename(tmp, a.path(caKeyFile)); err != nil {
				return fmt.Errorf("tlsca: %w", err)
			}
		}
	}
	return a.load()
}

// publish writes ca.pem from the loaded CA when it is missing or differs.
func (a *Authority) publish() error {
	if cur, err := os.ReadFile(a.CAFile()); err == nil && bytes.Equal(cur, a.pem) {
		return nil
	}
	return writeFile(a.dir, CAFile, a.pem, 0o644)
}

// ServerCertificate returns a certificate for the emulator's listener,
// valid for localhost, 127.0.0.1, ::1 and hosts (host names or IP
// addresses; unspecified addresses such as 0.0.0.0 are left out). The one
// kept in the directory is reused while it was issued by this CA, covers
// every name and is not about to expire; otherwise a new one is issued and
// kept.
func (a *Authority) ServerCertificate(hosts ...string) (tls.Certificate, error) {
	dns, ips := serverNames(hosts)
	now := a.clock.Now()
	if raw, err := os.ReadFile(a.path(serverFile)); err == nil {
		if cert, key, err := parsePair(raw); err == nil && a.reusable(cert, dns, ips, now) {
			return tlsCertificate(cert, key, a.cert), nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsca: %w", err)
	}
	cn := "localhost"
	if len(dns) > 0 {
		cn = dns[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"graphsec emulator"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(ServerLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsca: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsca: %w", err)
	}
	body, err := encodePair(der, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	// Two processes issuing at once each keep a valid certificate of their
	// own; the file ends up holding one of them, whole.
	if err := writeFile(a.dir, serverFile, body, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	return tlsCertificate(cert, key, a.cert), nil
}

// reusable reports whether a kept server certificate can serve again.
func (a *Authority) reusable(cert *x509.Certificate, dns []string, ips []net.IP, now time.Time) bool {
	if cert.CheckSignatureFrom(a.cert) != nil || now.Before(cert.NotBefore) || !cert.NotAfter.After(now.Add(RenewBefore)) {
		return false
	}
	for _, d := range dns {
		if cert.VerifyHostname(d) != nil {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// serverNames splits the names a server certificate must carry into DNS
// names and IP addresses, the loopback ones first, without duplicates.
func serverNames(hosts []string) ([]string, []net.IP) {
	dns := []string{"localhost"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.Trim(strings.TrimSpace(h), "[]"), ".")
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			if ip.IsUnspecified() || slices.ContainsFunc(ips, ip.Equal) {
				continue
			}
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			ips = append(ips, ip)
			continue
		}
		h = strings.ToLower(h)
		if !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

func tlsCertificate(cert *x509.Certificate, key *ecdsa.PrivateKey, ca *x509.Certificate) tls.Certificate {
	// The chain includes the CA: clients given only the CA as a root do
	// not need it, but tools that check the chain they were sent do.
	return tls.Certificate{Certificate: [][]byte{cert.Raw, ca.Raw}, PrivateKey: key, Leaf: cert}
}

// encodePair is a certificate followed by its private key, in PEM.
func encodePair(der []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("tlsca: %w", err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(b, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})...), nil
}

// parsePair reads what encodePair wrote, checking that the key belongs to
// the certificate.
func parsePair(raw []byte) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	var cert *x509.Certificate
	var key *ecdsa.PrivateKey
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, err
			}
			cert = c
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, err
			}
			ek, ok := k.(*ecdsa.PrivateKey)
			if !ok {
				return nil, nil, errors.New("the private key is not ECDSA")
			}
			key = ek
		}
	}
	if cert == nil || key == nil {
		return nil, nil, errors.New("a certificate and a private key are expected")
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, errors.New("the private key does not match the certificate")
	}
	return cert, key, nil
}

// writeFile replaces dir/name with data through a temporary file and a
// rename, so that readers see the old file or the new one, never part.
func writeFile(dir, name string, data []byte, mode os.FileMode) error {
	tmp, err := writeTemp(dir, name, data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tlsca: %w", err)
	}
	return nil
}

// writeTemp writes data to a new temporary file in dir with mode and
// returns its path.
func writeTemp(dir, name string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("tlsca: %w", err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Chmod(mode)
	}
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("tlsca: %w", werr)
	}
	return f.Name(), nil
}

// serial is a random 128-bit serial number, as CAs must use (unique, and
// unpredictable).
func serial() *big.Int {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[0] &= 0x7f // positive
	return new(big.Int).SetBytes(b)
}

// keyID is the subject key identifier: SHA-1 of the public key (RFC 5280
// §4.2.1.2, method 1). Strict verifiers (Python 3.13's default) want it on
// the CA, and Go then writes the matching authority key id into the
// certificates it issues.
func keyID(pub *ecdsa.PublicKey) []byte {
	// RFC 5280 hashes the subjectPublicKey BIT STRING: for an EC key, the
	// uncompressed point.
	ek, err := pub.ECDH()
	if err != nil {
		return nil // Go then computes one itself
	}
	sum := sha1.Sum(ek.Bytes())
	return sum[:]
}
