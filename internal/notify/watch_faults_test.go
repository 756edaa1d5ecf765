package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/graph"
)

// incidentVersions returns every incident's current version.
func (e *liveEnv) incidentVersions(since time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for i := 0; ; i++ {
		doc, _, ok := e.emu.Store().Nth(change.Incidents, i)
		if !ok {
			return out
		}
		if v := doc["lastUpdateDateTime"].(odata.Time).Time.UTC(); !v.Before(since) {
			out[doc["id"].(string)] = v
		}
	}
}

// TestWatchThrottling: Graph's limit of 150 requests a minute (the
// emulator's throttle) against a catch-up of 200 incident pages. Within
// the default budget (120 a minute) no request is throttled; with a
// budget above Graph's limit, Graph answers 429 and the Retry-After holds
// every request until then; either way every version arrives once.
func TestWatchThrottling(t *testing.T) {
	for _, tt := range []struct {
		name          string
		perMinute     int
		wantThrottled bool
	}{{"default budget", DefaultBudgetPerMinute, false}, {"budget above Graph's limit", 1000, true}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newLiveEnv(t, emulator.Options{ThrottlePerMinute: GraphSecurityPerMinute}, func(o *Options) {
				o.Budget = NewBudget(tt.perMinute, o.Clock, o.Sleep)
			})
			w := e.watcher()
			f := e.watch(w, TargetIncidents, "")
			start := e.clk.Now()
			e.clk.Advance(time.Minute)
			for range 100 {
				e.raise(100, e.clk.Now())
				e.clk.Advance(time.Second)
			}
			e.clk.Set(start.Add(time.Hour)) // a clean minute for the throttle
			before, _ := e.wire.counts()
			mustPoll(t, w, f.ID)
			sent, throttled := e.wire.counts()
			sent -= before
			exactlyOnce(t, e.st, f.ID, e.incidentVersions(start))
			if sent < 200 {
				t.Errorf("%d requests for 10,000 incidents in pages of 50", sent)
			}
			took := e.clk.Now().Sub(start.Add(time.Hour))
			bs := w.Budget().Stats()
			t.Logf("%d requests, %d throttled, %v of emulated time; budget %+v", sent, throttled, took, bs)
			if got := throttled > 0; got != tt.wantThrottled {
				t.Errorf("throttled %d times", throttled)
			}
			if !tt.wantThrottled && float64(sent)/took.Minutes() > float64(tt.perMinute)*1.15 {
				t.Errorf("%d requests in %v: more than the budget of %d a minute", sent, took, tt.perMinute)
			}
			if tt.wantThrottled && bs.Throttled != int64(throttled) {
				t.Errorf("the budget saw %d 429s, the wire %d", bs.Throttled, throttled)
			}
		})
	}
}

// TestWatchRetryAfterAndFaults: a 429 asking for two hours (past the
// Graph client's usual two minutes of waiting) is honoured in full, 503s
// are retried, and a window whose retries run out fails without moving
// the checkpoint and is read again at the next poll.
func TestWatchRetryAfterAndFaults(t *testing.T) {
	e := newLiveEnv(t, emulator.Options{}, nil)
	w := e.watcher()
	ctx := context.Background()
	f := e.watch(w, TargetAlerts, "status=")
	e.clk.Advance(time.Minute)
	ids := e.raise(30, e.clk.Now())
	e.control("POST", "/_emulator/faults", `{"path":"/security/alerts_v2","status":429,"retryAfter":"7200","count":1}`)
	e.control("POST", "/_emulator/faults", `{"path":"/security/alerts_v2","status":503,"count":2}`)
	start := e.clk.Now()
	mustPoll(t, w, f.ID)
	if waited := e.clk.Now().Sub(start); waited < 2*time.Hour {
		t.Errorf("the poll waited %v after Retry-After: 7200", waited)
	}
	if n := len(e.st.itemsOf(f.ID)); n != len(ids) {
		t.Fatalf("%d items after the faults, want %d", n, len(ids))
	}

	// Retries run out: the poll fails, the checkpoint stays.
	e.clk.Advance(time.Minute)
	more := e.raise(5, e.clk.Now())
	cp, _ := e.st.Checkpoint(ctx, f.ID)
	e.control("POST", "/_emulator/faults", `{"path":"/security/alerts_v2","status":503,"count":6}`)
	err := w.PollNow(ctx, f.ID)
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.StatusCode != 503 {
		t.Fatalf("poll with six 503s: %v", err)
	}
	if cp2, _ := e.st.Checkpoint(ctx, f.ID); !cp2.At.Equal(cp.At) {
		t.Fatalf("a failed window moved the checkpoint from %v to %v", cp.At, cp2.At)
	}
	if st := w.Stats(f.ID); st.Errors != 1 || !strings.Contains(st.LastError, "503") {
		t.Errorf("stats after the failure: %+v", st)
	}
	mustPoll(t, w, f.ID)
	if n := len(e.st.itemsOf(f.ID)); n != len(ids)+len(more) {
		t.Fatalf("%d items after the retried window, want %d", n, len(ids)+len(more))
	}
	if st := w.Stats(f.ID); st.LastError != "" {
		t.Errorf("a success did not clear the error: %+v", st)
	}

	// The store fails: the same.
	e.clk.Advance(time.Minute)
	last := e.raise(4, e.clk.Now())
	e.st.failAppends(1)
	if err := w.PollNow(ctx, f.ID); !errors.Is(err, errAppendFailed) {
		t.Fatalf("poll with the store failing: %v", err)
	}
	mustPoll(t, w, f.ID)
	if n := len(e.st.itemsOf(f.ID)); n != len(ids)+len(more)+len(last) {
		t.Fatalf("%d items after the store came back, want %d", n, len(ids)+len(more)+len(last))
	}
}

// TestWatchLearnsPageSize: Graph refuses the page size with its 400
// ("The limit of '100' for Top query has been exceeded"); the watcher
// lowers it for the target, reads the same window again, and keeps it.
func TestWatchLearnsPageSize(t *testing.T) {
	e := newLiveEnv(t, emulator.Options{}, nil)
	w := e.watcher()
	f := e.watch(w, TargetAlerts, "status=")
	e.clk.Advance(time.Minute)
	for range 5 {
		e.raise(100, e.clk.Now())
		e.clk.Advance(time.Second)
	}
	msg := "The limit of '100' for Top query has been exceeded. The value from the incoming request is '1000'."
	e.control("POST", "/_emulator/faults", fmt.Sprintf(`{"path":"/security/alerts_v2","status":400,"code":"BadRequest","message":%q,"count":1}`, msg))
	before, _ := e.wire.counts()
	mustPoll(t, w, f.ID)
	sent, _ := e.wire.counts()
	if n := len(e.st.itemsOf(f.ID)); n != 500 {
		t.Fatalf("%d items, want 500", n)
	}
	if st := w.Stats(f.ID); st.PageSize != 100 {
		t.Errorf("page size %d, want 100", st.PageSize)
	}
	// 1 refused + 5 pages of 100 + the last window's empty check at most.
	if got := sent - before; got < 6 || got > 8 {
		t.Errorf("%d requests", got)
	}
	// Incidents: the emulator's own limit of 50 (the client already sends
	// no more than that).
	fi := e.watch(w, TargetIncidents, "")
	e.clk.Advance(time.Minute)
	e.raise(120, e.clk.Now())
	mustPoll(t, w, fi.ID)
	if n := len(e.st.itemsOf(fi.ID)); n != 120 {
		t.Fatalf("%d incident items, want 120", n)
	}
}
