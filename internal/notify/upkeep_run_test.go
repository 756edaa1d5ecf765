package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/store"
)

// fastForward is a Sleeper for the background loops: it moves the shared
// clock by d and waits a thousandth of it for real, so that the loops
// run as they do in production, a thousand times faster.
func (e *liveEnv) fastForward(ctx context.Context, d time.Duration) error {
	e.clk.Advance(d)
	return SleepTimer(ctx, d/1000)
}

// eventually waits (for real, a minute at most) until cond holds; on
// failure it says what the watcher and the upkeep were doing.
func (e *upkeepEnv) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			feeds, _ := e.st.ListFeeds(context.Background(), store.FeedFilter{})
			for _, f := range feeds {
				t.Logf("feed %s %s %s state %q error %q; stats %+v", f.ID, f.Kind, f.Target, f.State, f.LastError, e.w.Stats(f.ID))
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRunLoops: Watcher.Run and Upkeep.Run as the console runs them: a
// watch created while they run is polled, a subscription delivers, a
// subscription Graph removes is recreated from the lifecycle event alone,
// a deleted watch stops, and both return when their context ends.
func TestRunLoops(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{})
	e.opts.Sleep = e.fastForward
	e.restart(UpkeepOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { _ = e.w.Run(ctx); done <- struct{}{} }()
	go func() { _ = e.u.Run(ctx); done <- struct{}{} }()

	f := e.watch(e.w, TargetAlerts, "status=")
	sub := e.create("severity=high", false)
	ids := e.raise(3, e.clk.Now())
	high := e.legacy("high")
	e.eventually(t, "the watch's items", func() bool { return len(e.st.itemsOf(f.ID)) == len(ids) })
	// The webhook delivers it. (Run also catches up right after the
	// creation, and at its start: a catch-up that reads the change before
	// the webhook arrives stores it too, the documented race.)
	e.eventually(t, "the webhook's item", func() bool {
		for _, it := range e.st.itemsOf(sub.ID) {
			if it.Source == store.SourceWebhook && strings.EqualFold(it.ResourceID, high) {
				return true
			}
		}
		return false
	})
	// The poll counts its items once they are stored: a moment after.
	e.eventually(t, "the watch's stats", func() bool {
		st := e.w.Stats(f.ID)
		return !st.LastSuccess.IsZero() && st.Items == 3
	})

	e.control("POST", "/_emulator/subscriptions/"+sub.GraphID+"/remove", "")
	e.eventually(t, "the subscription recreated", func() bool {
		g, err := e.st.Feed(ctx, sub.ID)
		return err == nil && g.GraphID != sub.GraphID && g.State == StateActive
	})

	// What they did is in /metrics.
	value := func(c interface{ Write(*dto.Metric) error }) float64 {
		var m dto.Metric
		if err := c.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	if n := value(e.metrics.WatcherRequests.WithLabelValues(TargetAlerts, "ok")); n < 1 {
		t.Errorf("watch requests counted: %v", n)
	}
	if lag := value(e.metrics.WatcherLag.WithLabelValues(TargetAlerts)); lag < 0 || lag > 3600 {
		t.Errorf("watch lag %v s", lag)
	}
	for _, action := range []string{"create", "recreate", "catchup"} {
		if n := value(e.metrics.Renewals.WithLabelValues(action, "ok")); n < 1 {
			t.Errorf("upkeep %s counted %v times", action, n)
		}
	}
	if err := e.w.DeleteWatch(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Feed(ctx, f.ID); err != store.ErrNotFound {
		t.Errorf("deleted watch: %v", err)
	}
	cancel()
	for range 2 {
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
}
