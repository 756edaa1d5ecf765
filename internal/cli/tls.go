package cli

import (
	"crypto/x509"
	"errors"
)

// rootCAs is the pool the console's HTTP client verifies servers with: the
// system's roots plus extra PEM certificates (GRAPHSEC_CA_FILE, the
// embedded emulator's CA). With no extras it is nil, which means the
// system's roots, so that nothing changes for a console that needs none.
func rootCAs(extra ...[]byte) (*x509.CertPool, error) {
	var pems [][]byte
	for _, p := range extra {
		if len(p) > 0 {
			pems = append(pems, p)
		}
	}
	if len(pems) == 0 {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// No system pool (some platforms): the extras alone.
		pool = x509.NewCertPool()
	}
	for _, p := range pems {
		if !pool.AppendCertsFromPEM(p) {
			return nil, errors.New("console: a CA file holds no PEM certificate")
		}
	}
	return pool, nil
}
