package webtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/emutest"
)

// ServeLoop is a benchmark's loop over one request to handler (the
// console's server time): every answer must be 200.
func ServeLoop(b *testing.B, handler http.Handler, req *http.Request) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// LatencyLoop is a benchmark's loop over full requests of a browser to
// url (through the console and the emulator, over HTTP); it reports the
// median and the 95th percentile.
func LatencyLoop(b *testing.B, br *emutest.Browser, url string) {
	b.Helper()
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		p, err := br.Get(url)
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

// Submit posts form (with its own csrf field) to the console as a
// same-origin page would, without following a redirect, and returns the
// status and body. It reports failures as an error, so that fuzz targets
// can call it.
func (h *Harness) Submit(b *emutest.Browser, path string, form url.Values) (int, string, error) {
	res, err := b.Client.Do(h.formRequest(path, "", form))
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}

// PostLoop is a benchmark's loop over form posts through the console
// (following the answer's redirect), cycling through forms; every page
// must be 200.
func (h *Harness) PostLoop(b *testing.B, br *emutest.Browser, path, csrf string, forms ...url.Values) {
	b.Helper()
	i := 0
	for b.Loop() {
		if p := h.Post(br, path, csrf, forms[i%len(forms)]); p.Status != http.StatusOK {
			b.Fatalf("%s: %d", path, p.Status)
		}
		i++
	}
}
