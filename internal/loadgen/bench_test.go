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

// BenchmarkReceiverLoad runs the notify mode for 5 s against the receiver
// as NewLive wires it (journal, SQLite file), in this process (for
// -cpuprofile), and prints loadgen's report; it fails if anything
// acknowledged was not stored. `graphsec loadgen --compare-bare` against
// a running console is the figure of record (README, Performance).
func BenchmarkReceiverLoad(b *testing.B) {
	db := filepath.Join(b.TempDir(), "g.db")
	st, err := sqlite.Open(b.Context(), db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	live, err := notify.NewLive(notify.LiveOptions{Store: st, Registry: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	defer live.Close()
	mux := http.NewServeMux()
	mux.Handle("POST /listen", live.Receiver.Notifications())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for b.Loop() {
		var out strings.Builder
		c := Config{Mode: ModeNotify, URL: srv.URL + "/listen", Concurrency: 32, Duration: 5 * time.Second,
			Batch: 10, DB: db, Rounds: 1, DrainTimeout: 30 * time.Second}
		if err := Run(context.Background(), c, &out); err != nil {
			b.Fatalf("Run: %v\n%s", err, out.String())
		}
		io.WriteString(b.Output(), out.String())
	}
}
