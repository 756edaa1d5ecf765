package web_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
)

// cannedGraph answers alerts_v2 list requests from memory with a body
// captured once from the emulator, so that a benchmark measures graphsec's
// own work (session, token, request building, decoding, rendering) and not
// Graph's.
type cannedGraph struct {
	next   http.RoundTripper
	suffix string // the path it answers: "/security/alerts_v2"
	mu     sync.Mutex
	body   []byte
}

func (c *cannedGraph) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	body := c.body
	c.mu.Unlock()
	if body == nil || !strings.HasSuffix(r.URL.Path, c.suffix) {
		return c.next.RoundTrip(r)
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Request-Id": {"bench"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: r,
	}, nil
}

// BenchmarkAlertsPageRender is the server time of GET /alerts?top=100 with
// Graph's answer (100 alerts with evidence) served from memory: session
// lookup, token, query building, decoding and rendering.
func BenchmarkAlertsPageRender(b *testing.B) {
	for _, n := range []int{100, 25} {
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) {
			h, page := cannedPage(b, harnessOptions{emulator: emulator.Options{Alerts: 400}}, "/security/alerts_v2",
				fmt.Sprintf("/v1.0/security/alerts_v2?$top=%d&$count=true", n), fmt.Sprintf("/alerts?top=%d", n))
			check := httptest.NewRecorder()
			h.handler.ServeHTTP(check, page)
			if check.Code != http.StatusOK || rowCount(check.Body.String()) != n {
				b.Fatalf("warm-up: %d, %d rows", check.Code, rowCount(check.Body.String()))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.handler.ServeHTTP(rec, page)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// cannedPage starts a harness whose console gets Graph's answer for
// requests ending in suffix from memory: the answer the emulator gives to
// graphPath, captured once. It returns the harness and a request for the
// console's pagePath carrying a signed-in session.
func cannedPage(b *testing.B, ho harnessOptions, suffix, graphPath, pagePath string) (*harness, *http.Request) {
	b.Helper()
	canned := &cannedGraph{suffix: suffix}
	ho.graphTransport = func(rt http.RoundTripper) http.RoundTripper { canned.next = rt; return canned }
	h := newHarness(b, ho)
	br, _ := h.signIn(h.user("Security Reader"), "/alerts")
	tok, err := h.emu.AppToken()
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, h.emu.URL()+graphPath, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	canned.mu.Lock()
	canned.body = body
	canned.mu.Unlock()
	page := httptest.NewRequest(http.MethodGet, pagePath, nil)
	for _, c := range br.Client.Jar.Cookies(mustURL(h.url)) {
		page.AddCookie(c)
	}
	return h, page
}

// BenchmarkAlertsPageEmulator is a full GET /alerts (25 alerts, the default
// page, with a filter) over HTTP, through the console and the embedded
// emulator, as a user's browser makes it. It reports the median and p95.
func BenchmarkAlertsPageEmulator(b *testing.B) {
	h := newHarness(b)
	br, _ := h.signIn(h.user("Security Reader"), "/alerts")
	u := h.url + "/alerts?severity=high&severity=medium&status=new&status=inProgress"
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		p, err := br.Get(u)
		if err != nil || p.Status != http.StatusOK {
			b.Fatalf("%v %v", err, p)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}
