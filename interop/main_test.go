package interop

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/tlsca"
)

// tlsDirEnv carries the CA directory from TestMain to the tests, so that
// every emulator the tests start serves a certificate from the one CA the
// process trusts.
const tlsDirEnv = "GRAPHSEC_INTEROP_TLS_DIR"

// TestMain makes the emulator's CA and trusts it the way a user would:
// SSL_CERT_FILE, read by Go when it first loads the system roots, which
// nothing has done yet. Microsoft's SDKs then verify the emulator's
// certificate with their default transports, unconfigured.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "graphsec-interop-tls-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ca, err := tlsca.Open(dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	empty, err := os.MkdirTemp("", "graphsec-interop-roots-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(empty)
	os.Setenv("SSL_CERT_FILE", ca.CAFile())
	os.Setenv("SSL_CERT_DIR", empty) // no other roots: only the emulator is trusted
	os.Setenv(tlsDirEnv, dir)
	return m.Run()
}

// startEmulator runs an https emulator for one test; options adjust the
// defaults.
func startEmulator(t *testing.T, options ...func(*emulator.Options)) *emulator.Emulator {
	t.Helper()
	o := emulator.Options{
		TLS: true, TLSDir: os.Getenv(tlsDirEnv), Seed: 7,
		WebhookClient: &http.Client{Timeout: 5 * time.Second},
	}
	for _, f := range options {
		f(&o)
	}
	emu, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu
}

// wireRequest is what the SDK put on the wire, seen below its middleware.
type wireRequest struct {
	method, path, query      string
	contentType, encoding    string
	prefer, accept, clientID string
	body                     []byte // as sent (compressed when encoding says so)
	status                   int
}

// recorder is the SDK's base transport with a record of every request: the
// SDK's own middleware (compression, retries, headers) runs above it, as
// in the default pipeline, which only lets a caller choose the transport.
// It leaves the request alone, as a RoundTripper must: the retry handler
// rewinds the same body to send it again.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []wireRequest
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	w := wireRequest{
		method: req.Method, path: req.URL.Path, query: req.URL.RawQuery,
		contentType: req.Header.Get("Content-Type"), encoding: req.Header.Get("Content-Encoding"),
		prefer: strings.Join(req.Header.Values("Prefer"), ", "), accept: req.Header.Get("Accept"), clientID: req.Header.Get("client-request-id"),
	}
	out := req
	var body *lockedBuffer
	if req.Body != nil && req.Body != http.NoBody {
		body = &lockedBuffer{}
		out = req.Clone(req.Context())
		out.Body = teeBody{Reader: io.TeeReader(req.Body, body), Closer: req.Body}
	}
	res, err := r.next.RoundTrip(out)
	if res != nil {
		w.status = res.StatusCode
	}
	if body != nil {
		w.body = body.bytes()
	}
	r.mu.Lock()
	r.seen = append(r.seen, w)
	r.mu.Unlock()
	return res, err
}

// teeBody copies what the transport reads of a body.
type teeBody struct {
	io.Reader
	io.Closer
}

// lockedBuffer is written by the transport's body writer (a goroutine of
// its own with HTTP/2) and read once the response is in.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (r *recorder) requests() []wireRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// last is the most recent request with the method whose path ends in
// suffix (case-insensitive).
func (r *recorder) last(method, suffix string) (wireRequest, bool) {
	seen := r.requests()
	for i := len(seen) - 1; i >= 0; i-- {
		if seen[i].method == method && strings.HasSuffix(strings.ToLower(seen[i].path), strings.ToLower(suffix)) {
			return seen[i], true
		}
	}
	return wireRequest{}, false
}

// webhook is a subscriber's notification endpoint on loopback. It answers
// the validation handshake with the decoded token as text/plain, as the
// docs ask, and keeps whatever it is sent.
type webhook struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

func newWebhook(t *testing.T) *webhook {
	t.Helper()
	h := &webhook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.hits = append(h.hits, r.Method+" "+r.URL.RequestURI())
		h.mu.Unlock()
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, tok)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *webhook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.hits)
}
