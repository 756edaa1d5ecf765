package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // "" for valid, else part of the error
	}{
		{"notify with db", []string{"-url", "http://localhost:5000/listen", "-db", "g.db"}, ""},
		{"notify with a subscription", []string{"--url", "https://x.example/listen", "--subscription-id", "s", "--client-state", "c", "--batch", "100"}, ""},
		{"get", []string{"--mode", "get", "-url", "http://127.0.0.1:5801/v1.0/me", "-token-from", "http://127.0.0.1:5801/_emulator/tokens", "-c", "8", "-d", "1s"}, ""},
		{"no url", []string{"-db", "g.db"}, "--url"},
		{"relative url", []string{"-url", "/listen", "-db", "g.db"}, "--url"},
		{"ftp url", []string{"-url", "ftp://x/listen", "-db", "g.db"}, "--url"},
		{"bad mode", []string{"-mode", "put", "-url", "http://x/"}, "--mode"},
		{"no db nor subscription", []string{"-url", "http://x/listen"}, "--db"},
		{"subscription without state", []string{"-url", "http://x/listen", "-subscription-id", "s"}, "--client-state"},
		{"quote in state", []string{"-url", "http://x/listen", "-subscription-id", "s", "-client-state", `a"b`}, "quotes"},
		{"zero workers", []string{"-url", "http://x/listen", "-db", "g", "-c", "0"}, "-c"},
		{"too many workers", []string{"-url", "http://x/listen", "-db", "g", "-c", "100000"}, "-c"},
		{"zero duration", []string{"-url", "http://x/listen", "-db", "g", "-d", "0s"}, "-d"},
		{"negative warm-up", []string{"-url", "http://x/listen", "-db", "g", "-warmup", "-1s"}, "-warmup"},
		{"batch too big", []string{"-url", "http://x/listen", "-db", "g", "-batch", "1001"}, "--batch"},
		{"zero rounds", []string{"-url", "http://x/listen", "-db", "g", "-rounds", "0"}, "--rounds"},
		{"rounds too short", []string{"-url", "http://x/listen", "-db", "g", "-d", "100ms", "-rounds", "20"}, "--rounds"},
		{"get with db", []string{"-mode", "get", "-url", "http://x/", "-db", "g"}, "--mode notify"},
		{"extra argument", []string{"-url", "http://x/listen", "-db", "g", "extra"}, "unexpected"},
		{"unknown flag", []string{"-url", "http://x/listen", "-db", "g", "-nope"}, "not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFlags(tt.args, env(nil), io.Discard)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one about %q", err, tt.want)
			}
		})
	}
	c, _ := ParseFlags([]string{"-url", "http://x/listen", "-db", "g"}, env(map[string]string{"GRAPHSEC_EMULATOR_CONTROL_TOKEN": "tok"}), io.Discard)
	if c.Mode != ModeNotify || c.Concurrency != 32 || c.Duration != 10*time.Second || c.Batch != 10 || c.ControlToken != "tok" {
		t.Errorf("defaults: %+v", c)
	}
}

// FuzzParseFlags: any command line parses or fails without panicking,
// and what parses is a valid run.
func FuzzParseFlags(f *testing.F) {
	f.Add("-url http://localhost:5000/listen -db g.db -c 4 -d 1s -batch 100 -compare-bare")
	f.Add("--mode get -url http://h/ -token t")
	f.Add("-url http://x/ -subscription-id s -client-state c -warmup 0s")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseFlags(strings.Fields(line), env(nil), io.Discard)
		if err != nil {
			return
		}
		if c.validate() != nil || c.Concurrency < 1 || c.Duration <= 0 || (c.Mode == ModeNotify && (c.Batch < 1 || c.Batch > MaxBatch)) {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// TestRunAgainstAReceiver runs the notify mode against graphsec's real
// receiver (as NewLive wires it: the journal, indexed after the answer;
// SQLite file) and a bare handler, and checks the verification: every
// acknowledged notification stored, none lost.
func TestRunAgainstAReceiver(t *testing.T) {
	db, url := startReceiver(t)
	var out strings.Builder
	c := Config{Mode: ModeNotify, URL: url, Concurrency: 4, Duration: 300 * time.Millisecond,
		Warmup: 50 * time.Millisecond, Batch: 5, DB: db, CompareBare: true, Rounds: 3, DrainTimeout: 500 * time.Millisecond}
	if err := Run(context.Background(), c, &out); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"target ", "bare ", "ratio ", "target/bare", ", 0 lost", "p99", "sustained "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A receiver that acknowledges without storing is caught.
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer liar.Close()
	out.Reset()
	c.URL, c.CompareBare = liar.URL, false
	if err := Run(context.Background(), c, &out); err == nil || !strings.Contains(err.Error(), "not stored") {
		t.Errorf("a receiver that stores nothing passed: %v\n%s", err, out.String())
	}
}

// startReceiver serves graphsec's receiver as NewLive wires it (journal,
// SQLite file) at url until the test ends; db is the file's path.
func startReceiver(tb testing.TB) (db, url string) {
	db = filepath.Join(tb.TempDir(), "g.db")
	st, err := sqlite.Open(tb.Context(), db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	live, err := notify.NewLive(notify.LiveOptions{Store: st, Registry: prometheus.NewRegistry()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(live.Close)
	mux := http.NewServeMux()
	mux.Handle("POST /listen", live.Receiver.Notifications())
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return db, srv.URL + "/listen"
}
