package notify

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
)

// TestFollowLifecycle: the replica Graph delivers a lifecycle
// notification to only stores it (its receiver has no upkeep); the
// leader's FollowLifecycle hears of it through the broker and its upkeep
// reauthorizes. A leader elected after a reauthorizationRequired was
// stored, and before anyone acted on it, acts on it too (the look back).
func TestFollowLifecycle(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{Lifetime: 4 * time.Hour})
	ctx := context.Background()
	f := e.create("severity=high", false)
	e.recv.setUpkeep(nil) // this replica's receiver only stores
	hub, err := NewHub(HubOptions{Store: e.st})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	pending := func() bool {
		e.u.mu.Lock()
		defer e.u.mu.Unlock()
		return slices.Contains(e.u.pending[f.ID], EventReauthorizationRequired)
	}
	reauthorized := func() time.Time {
		sub, _ := e.graphSub(f.GraphID)
		return sub.LastReauthorizedDateTime
	}
	follow := func() context.CancelFunc {
		fctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := e.u.FollowLifecycle(fctx, hub, e.st); err != nil {
				t.Errorf("FollowLifecycle: %v", err)
			}
		}()
		return func() { cancel(); <-done }
	}
	waitPending := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !pending() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the upkeep was not handed reauthorizationRequired", what)
			}
			hub.MissAll() // the broker says "read the store"
			time.Sleep(5 * time.Millisecond)
		}
	}

	t.Run("live", func(t *testing.T) {
		stop := follow()
		defer stop()
		before := reauthorized()
		e.clk.Advance(20 * time.Minute)
		e.deliver()
		e.recv.awaitEvent(EventReauthorizationRequired)
		waitPending("following")
		e.u.Check(ctx)
		if !reauthorized().After(before) {
			t.Fatal("not reauthorized")
		}
	})
	t.Run("look back", func(t *testing.T) {
		before := reauthorized()
		e.clk.Advance(20 * time.Minute)
		e.deliver()
		e.recv.awaitEvent(EventReauthorizationRequired)
		if pending() {
			t.Fatal("handed over with no leader following")
		}
		stop := follow() // a new leader
		defer stop()
		waitPending("a new leader")
		e.u.Check(ctx)
		if !reauthorized().After(before) {
			t.Fatal("not reauthorized")
		}
		// Handled: a later leader does not handle it again.
		stop()
		stop2 := follow()
		defer stop2()
		time.Sleep(50 * time.Millisecond)
		if pending() {
			t.Error("a reauthorization already acted on was handed over again")
		}
	})
}
