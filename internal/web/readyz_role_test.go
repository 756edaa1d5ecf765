package web_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/graphsec/graphsec/internal/lease"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// fakeLease is a replica's election whose state the test sets.
type fakeLease struct {
	mu sync.Mutex
	st lease.State
}

func (f *fakeLease) State() lease.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fakeLease) set(st lease.State) {
	f.mu.Lock()
	f.st = st
	f.mu.Unlock()
}

// TestReadyzRole: /readyz says the replica's role as it is now, also
// while the rest of its answer comes from the cache, and a standby is
// ready all the same; it does not name the replica (a public answer).
func TestReadyzRole(t *testing.T) {
	fl := &fakeLease{}
	h := webtest.New(t, webtest.Options{Lease: fl})
	tests := []struct {
		name     string
		state    lease.State
		wantRole string
	}{
		{"standby", lease.State{ID: "r2", Holder: "r1", Epoch: 3}, "standby"},
		{"leader", lease.State{Leader: true, ID: "r2", Holder: "r2", Epoch: 4}, "leader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl.set(tt.state)
			res, err := http.Get(h.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var answer struct {
				Ready   bool   `json:"ready"`
				Role    string `json:"role"`
				Epoch   int64  `json:"epoch"`
				Replica string `json:"replica"`
			}
			if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusOK || !answer.Ready {
				t.Errorf("status %d, ready %v: a %s is ready", res.StatusCode, answer.Ready, tt.name)
			}
			if answer.Role != tt.wantRole || answer.Epoch != tt.state.Epoch || answer.Replica != "" {
				t.Errorf("answer %+v, want role %s of %+v", answer, tt.wantRole, tt.state)
			}
		})
	}
}
