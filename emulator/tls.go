package emulator

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"

	"github.com/graphsec/graphsec/emulator/tlsca"
)

// serverTLS opens (or creates) the local CA and gets a server certificate
// for every name a client may use to reach this emulator: loopback, the
// listen address and the public URL's host.
func (e *Emulator) serverTLS() (*tls.Config, error) {
	dir := e.opts.TLSDir
	if dir == "" {
		var err error
		if dir, err = tlsca.DefaultDir(); err != nil {
			return nil, fmt.Errorf("emulator: %w", err)
		}
	}
	// Certificates are dated by the wall clock, not the emulator's
	// adjustable one: a test moving the emulator's time must not make
	// clients see an expired certificate.
	ca, err := tlsca.Open(dir, nil)
	if err != nil {
		return nil, fmt.Errorf("emulator: TLS: %w", err)
	}
	var hosts []string
	if h, _, err := net.SplitHostPort(e.ln.Addr().String()); err == nil {
		hosts = append(hosts, h)
	}
	if u, err := url.Parse(e.url); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	cert, err := ca.ServerCertificate(hosts...)
	if err != nil {
		return nil, fmt.Errorf("emulator: TLS: %w", err)
	}
	e.ca = ca
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// serve serves on ln, with TLS when it is configured.
func (e *Emulator) serve(ln net.Listener) error {
	if e.srv.TLSConfig != nil {
		return e.srv.ServeTLS(ln, "", "")
	}
	return e.srv.Serve(ln)
}

// CAFile is the path of the CA certificate that clients must trust to
// reach an emulator serving TLS (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, or
// their own setting); "" without TLS.
func (e *Emulator) CAFile() string {
	if e.ca == nil {
		return ""
	}
	return e.ca.CAFile()
}

// CACertPEM is that CA certificate in PEM form; nil without TLS.
func (e *Emulator) CACertPEM() []byte {
	if e.ca == nil {
		return nil
	}
	return e.ca.CertPEM()
}

// RootCAs is a pool holding only the emulator's CA, for a client that
// should trust the emulator and nothing else; nil without TLS.
func (e *Emulator) RootCAs() *x509.CertPool {
	if e.ca == nil {
		return nil
	}
	return e.ca.Pool()
}
