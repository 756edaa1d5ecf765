package notify

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
)

// testReceiver stands in for the console's /listen and /listen/lifecycle
// (built elsewhere) in the upkeep's tests: the validation handshake,
// clientState checked against the feed's stored hash, webhook items
// stored, lifecycle events handed to the upkeep's hook.
type testReceiver struct {
	t   testing.TB
	e   *liveEnv
	srv *httptest.Server

	mu        sync.Mutex
	upkeep    *Upkeep
	down      bool // answer 503 to everything (a console that is down)
	lifecycle []string
	rejected  int
}

func newTestReceiver(t testing.TB, e *liveEnv) *testReceiver {
	r := &testReceiver{t: t, e: e}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /listen", r.listen)
	mux.HandleFunc("POST /listen/lifecycle", r.listen)
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *testReceiver) setUpkeep(u *Upkeep) {
	r.mu.Lock()
	r.upkeep = u
	r.mu.Unlock()
}

func (r *testReceiver) setDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
}

func (r *testReceiver) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lifecycle...)
}

func (r *testReceiver) listen(w http.ResponseWriter, req *http.Request) {
	if tok := req.URL.Query().Get("validationToken"); tok != "" {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(tok))
		return
	}
	r.mu.Lock()
	down, u := r.down, r.upkeep
	r.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	c, err := graph.DecodeChangeNotifications(req.Body, 0)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := context.Background()
	var items []store.Notification
	for _, n := range c.Value {
		f, err := r.e.st.FeedByGraphID(ctx, n.SubscriptionID)
		sum := sha256.Sum256([]byte(n.ClientState))
		if err != nil || subtle.ConstantTimeCompare(sum[:], f.ClientStateHash) != 1 {
			r.mu.Lock()
			r.rejected++
			r.mu.Unlock()
			continue
		}
		if n.LifecycleEvent != "" {
			r.mu.Lock()
			r.lifecycle = append(r.lifecycle, string(n.LifecycleEvent))
			r.mu.Unlock()
			if u != nil {
				u.HandleLifecycle(ctx, f, Item{Source: SourceLifecycle, Feed: f.ID, LifecycleEvent: string(n.LifecycleEvent)})
			}
			continue
		}
		id, _ := n.ResourceData["id"].(string)
		items = append(items, store.Notification{
			ID: n.ID, Source: store.SourceWebhook, Feed: f.ID, Owner: f.Owner, Shared: f.Shared,
			ChangeType: string(n.ChangeType), Resource: n.Resource, ResourceID: id, ReceivedAt: r.e.clk.Now(),
		})
	}
	if len(items) > 0 {
		if _, err := r.e.st.Append(ctx, items); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusAccepted)
}
