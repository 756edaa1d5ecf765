package webtest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// cannedGraph answers list requests from memory with bodies captured once
// from the emulator, so that a benchmark measures graphsec's own work
// (session, token, request building, decoding, rendering) and not Graph's.
type cannedGraph struct {
	next http.RoundTripper
	mu   sync.Mutex
	// bodies by the path suffix they answer ("/security/alerts_v2"), or
	// the suffix of path and query ("/security/secureScores?$top=1").
	bodies map[string][]byte
}

func (c *cannedGraph) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	c.mu.Lock()
	best := 0
	for suffix, b := range c.bodies {
		target := r.URL.Path
		if strings.Contains(suffix, "?") {
			target += "?" + r.URL.RawQuery
		}
		if strings.HasSuffix(target, suffix) && len(suffix) > best {
			body, best = b, len(suffix)
		}
	}
	c.mu.Unlock()
	if body == nil {
		return c.next.RoundTrip(r)
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Request-Id": {"bench"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: r,
	}, nil
}

// Canned starts a harness whose console gets Graph's answer to requests
// whose path ends in suffix from memory: the answer the emulator gives to
// graphPath (an app-only GET), captured once. It returns the harness and a
// request for the console's pagePath carrying a signed-in Security
// Reader's session, to send to h.Handler.
func Canned(b *testing.B, o Options, suffix, graphPath, pagePath string) (*Harness, *http.Request) {
	b.Helper()
	return CannedAll(b, o, map[string]string{suffix: graphPath}, pagePath)
}

// CannedAll is Canned for a page that reads several lists: answers maps
// each path suffix to the request whose answer serves it.
func CannedAll(b *testing.B, o Options, answers map[string]string, pagePath string) (*Harness, *http.Request) {
	b.Helper()
	canned := &cannedGraph{}
	o.GraphTransport = func(rt http.RoundTripper) http.RoundTripper { canned.next = rt; return canned }
	h := New(b, o)
	br, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	tok, err := h.Emu.AppToken()
	if err != nil {
		b.Fatal(err)
	}
	bodies := map[string][]byte{}
	for suffix, graphPath := range answers {
		req, _ := http.NewRequest(http.MethodGet, h.Emu.URL()+graphPath, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		bodies[suffix] = body
	}
	canned.mu.Lock()
	canned.bodies = bodies
	canned.mu.Unlock()
	return h, h.Cookies(br, httptest.NewRequest(http.MethodGet, pagePath, nil))
}
