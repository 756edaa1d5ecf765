package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// testReceiver is the console's receiver (POST /listen and
// /listen/lifecycle) on a loopback server, reading the environment's feed
// cache and storing through its sink, with the upkeep as its lifecycle
// hook. down makes it answer 503 to everything (a console that is down).
type testReceiver struct {
	t    testing.TB
	rc   *Receiver
	srv  *httptest.Server
	down atomic.Bool

	mu     sync.Mutex
	upkeep *Upkeep
	events chan string // lifecycle events handed to the upkeep
}

func newTestReceiver(t testing.TB, e *liveEnv) *testReceiver {
	t.Helper()
	r := &testReceiver{t: t, events: make(chan string, 1000)}
	rc, err := NewReceiver(ReceiverOptions{Feeds: e.feeds, Sink: e.st, Lifecycle: r, Metrics: e.metrics, Clock: e.clk})
	if err != nil {
		t.Fatal(err)
	}
	r.rc = rc
	mux := http.NewServeMux()
	mux.Handle("POST /listen", rc.Notifications())
	mux.Handle("POST /listen/lifecycle", rc.Lifecycle())
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, req)
	}))
	t.Cleanup(func() { r.srv.Close(); rc.Close() })
	return r
}

func (r *testReceiver) setUpkeep(u *Upkeep) {
	r.mu.Lock()
	r.upkeep = u
	r.mu.Unlock()
}

// HandleLifecycle hands the event to the current upkeep and records it.
func (r *testReceiver) HandleLifecycle(ctx context.Context, feed store.Feed, it Item) {
	r.mu.Lock()
	u := r.upkeep
	r.mu.Unlock()
	if u != nil {
		u.HandleLifecycle(ctx, feed, it)
	}
	r.events <- it.LifecycleEvent
}

// awaitEvent waits until the upkeep was handed event (the receiver calls
// its hook in a goroutine of its own).
func (r *testReceiver) awaitEvent(event string) {
	r.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-r.events:
			if got == event {
				return
			}
		case <-deadline:
			r.t.Fatalf("the receiver handed no %s to the upkeep", event)
		}
	}
}
