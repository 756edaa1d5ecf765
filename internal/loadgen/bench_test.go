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
			Warmup: 0, Batch: 10, DB: db, CompareBare: false, Rounds: 1, DrainTimeout: 30 * time.Second}
		if err := Run(context.Background(), c, &out); err != nil {
			b.Fatalf("Run: %v\n%s", err, out.String())
		}
		io.WriteString(b.Output(), out.String())
	}
}
