package emulator_test

import (
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/graphsec/graphsec/emulator"
)

// bigEmulator is shared by the 100,000-alert benchmarks: generating the
// data takes seconds, and the benchmarks only read it.
var bigEmulator = sync.OnceValues(func() (*emulator.Emulator, error) {
	return emulator.New(emulator.Options{Seed: 7, Alerts: 100_000})
})

// BenchmarkQuery100k runs, over HTTP, the query the README quotes: enum
// equality plus an evidence lambda with a cast, ordered, top 50, over
// 100,000 alerts_v2. Each op is one complete request: token check, parse,
// filter, order, encode.
func BenchmarkQuery100k(b *testing.B) {
	emu, err := bigEmulator()
	if err != nil {
		b.Fatal(err)
	}
	tok, err := emu.AppToken()
	if err != nil {
		b.Fatal(err)
	}
	q := url.Values{
		"$filter":  {"severity eq 'high' and status ne 'resolved' and evidence/any(e: e/microsoft.graph.security.deviceEvidence/osPlatform eq 'Windows11')"},
		"$orderby": {"createdDateTime desc"},
		"$top":     {"50"},
	}
	u := emu.URL() + "/v1.0/security/alerts_v2?" + q.Encode()
	get(b, u, tok) // warm up and check
	b.ResetTimer()
	for b.Loop() {
		get(b, u, tok)
	}
}

func get(b *testing.B, u, tok string) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("status %d", res.StatusCode)
	}
}

// BenchmarkAlertsTop10 measures authenticated GET
// /v1.0/security/alerts_v2?$top=10 with parallel clients on the default
// data set; ns/op is the inverse of throughput (1e9/ns per second).
func BenchmarkAlertsTop10(b *testing.B) {
	emu, err := emulator.New(emulator.Options{Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	defer emu.Close()
	tok, err := emu.AppToken()
	if err != nil {
		b.Fatal(err)
	}
	u := emu.URL() + "/v1.0/security/alerts_v2?$top=10"
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = 64
	get(b, u, tok)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, u, tok)
		}
	})
}
