package notify

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/internal/store"
)

// TestSubscriptionRenewal: the emulator's clock moves 22 days (before
// three quarters of the lifetime: nothing to do) and then a day more
// (past it: renewed to a full lifetime from then), over tokens that
// expired long before.
func TestSubscriptionRenewal(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{})
	ctx := context.Background()
	f := e.create("severity=medium", false)
	threeQuarters := f.ExpiresAt.Add(-DefaultLifetime / 4)
	e.clk.Set(threeQuarters.Add(-time.Hour))
	e.u.Check(ctx)
	if sub, _ := e.graphSub(f.GraphID); !sub.ExpirationDateTime.Equal(f.ExpiresAt) {
		t.Fatalf("renewed early: %v", sub.ExpirationDateTime)
	}
	e.clk.Set(threeQuarters.Add(time.Minute))
	e.u.Check(ctx)
	sub, ok := e.graphSub(f.GraphID)
	want := e.clk.Now().Add(DefaultLifetime)
	if !ok || !sub.ExpirationDateTime.Equal(want) {
		t.Fatalf("after three quarters: expires %v, want %v", sub.ExpirationDateTime, want)
	}
	if g, _ := e.st.Feed(ctx, f.ID); !g.ExpiresAt.Equal(want) || g.State != StateActive {
		t.Errorf("the record says %+v", g)
	}
}

// TestSubscriptionReauthorize: a subscription with a short lifetime gets
// reauthorizationRequired every 15 minutes (Graph's cadence); each is
// answered with POST /subscriptions/{id}/reauthorize, and the
// subscription keeps delivering.
func TestSubscriptionReauthorize(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{Lifetime: 4 * time.Hour})
	ctx := context.Background()
	f := e.create("severity=high", false)
	created, _ := e.graphSub(f.GraphID)
	e.clk.Advance(20 * time.Minute)
	e.deliver()
	e.recv.awaitEvent(EventReauthorizationRequired)
	e.u.Check(ctx)
	sub, _ := e.graphSub(f.GraphID)
	if !sub.LastReauthorizedDateTime.After(created.LastReauthorizedDateTime) {
		t.Fatalf("not reauthorized: %v", sub.LastReauthorizedDateTime)
	}
	if !sub.ExpirationDateTime.Equal(created.ExpirationDateTime) {
		t.Error("reauthorizing moved the expiry (a renewal was not due)")
	}
	high := e.legacy("high")
	e.deliver()
	if _, byAlert := e.itemsBySource(f.ID); byAlert[strings.ToLower(high)] != 1 {
		t.Errorf("no notification after the reauthorization: %v", byAlert)
	}
}

// TestSubscriptionRemovedRecreated: Graph removes the subscription
// (subscriptionRemoved); the upkeep creates a new one for the same feed,
// with a new clientState, and catches up: a change made while there was
// no subscription appears (as a catch-up item), one the webhook
// delivered is not repeated.
func TestSubscriptionRemovedRecreated(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{})
	ctx := context.Background()
	f := e.create("severity=high", false)
	e.clk.Advance(time.Minute)
	before := e.legacy("high")
	e.deliver()
	e.control("POST", "/_emulator/subscriptions/"+f.GraphID+"/remove", "")
	e.deliver()
	e.recv.awaitEvent(EventSubscriptionRemoved)
	e.clk.Advance(time.Minute)
	during := e.legacy("high") // no subscription: never notified
	e.u.Check(ctx)
	// The catch-up left the change, younger than Settle, to a webhook
	// that might still come; the next check stores it as missed.
	e.clk.Advance(DefaultSettle + time.Second)
	e.u.Check(ctx)
	g, err := e.st.Feed(ctx, f.ID)
	if err != nil || g.GraphID == f.GraphID || g.State != StateActive || string(g.ClientStateHash) == string(f.ClientStateHash) {
		t.Fatalf("after removal: %+v, %v", g, err)
	}
	if _, ok := e.graphSub(g.GraphID); !ok {
		t.Fatal("Graph has no new subscription")
	}
	bySource, byAlert := e.itemsBySource(f.ID)
	if byAlert[strings.ToLower(before)] != 1 || byAlert[strings.ToLower(during)] != 1 || bySource[store.SourceWatch] != 1 {
		t.Errorf("items by alert %v, by source %v: want the webhook's and the catch-up's, once each", byAlert, bySource)
	}
	after := e.legacy("high")
	e.deliver()
	if _, byAlert := e.itemsBySource(f.ID); byAlert[strings.ToLower(after)] != 1 {
		t.Errorf("the new subscription does not deliver: %v", byAlert)
	}
}

// TestCatchUpLeavesRecentChangesToWebhooks: a catch-up that reads a
// change before its webhook arrives stores nothing for it yet (a webhook
// carries no version, so both would be shown); the next catch-up, once
// the webhook is in, leaves it out: the change is shown once.
func TestCatchUpLeavesRecentChangesToWebhooks(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{})
	ctx := context.Background()
	f := e.create("severity=high", false)
	e.clk.Advance(time.Minute)
	id := e.legacy("high")
	if err := e.u.catchUp(ctx, f); err != nil {
		t.Fatal(err)
	}
	if bySource, _ := e.itemsBySource(f.ID); bySource[store.SourceWatch] != 0 {
		t.Fatalf("the catch-up stored a change younger than Settle: %v", bySource)
	}
	e.deliver()
	e.clk.Advance(DefaultSettle + time.Second)
	e.u.Check(ctx) // the catch-up queued by the first one
	bySource, byAlert := e.itemsBySource(f.ID)
	if byAlert[strings.ToLower(id)] != 1 || bySource[store.SourceWebhook] != 1 || bySource[store.SourceWatch] != 0 {
		t.Errorf("items by alert %v, by source %v: want the webhook's alone", byAlert, bySource)
	}
}

// TestSubscriptionConsentRevoked: an administrator revokes graphsec's
// consent. Graph pauses the subscription and asks for reauthorization,
// which Graph refuses: the feed is paused, saying why. After the grace
// period Graph removes it; recreating it is refused too: failed. Once
// consent is granted again, the next attempt recreates it and catches up
// on what changed during the outage.
func TestSubscriptionConsentRevoked(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{})
	ctx := context.Background()
	f := e.create("severity=high", false)
	e.control("POST", "/_emulator/consent", `{"granted":false}`)
	e.clk.Advance(time.Minute)
	e.deliver()
	e.recv.awaitEvent(EventReauthorizationRequired)
	e.u.Check(ctx)
	g, _ := e.st.Feed(ctx, f.ID)
	if g.State != StatePaused || !strings.Contains(g.LastError, "consent") {
		t.Fatalf("after the revocation: state %q, %q", g.State, g.LastError)
	}
	lost := e.legacy("high") // paused: not delivered
	e.clk.Advance(90 * time.Minute)
	e.deliver() // past the grace period: removed
	e.recv.awaitEvent(EventSubscriptionRemoved)
	e.u.Check(ctx)
	if g, _ = e.st.Feed(ctx, f.ID); g.State != StateFailed {
		t.Fatalf("after the removal: state %q, %q", g.State, g.LastError)
	}
	e.control("POST", "/_emulator/consent", `{"granted":true}`)
	e.clk.Advance(DefaultRetryEvery + rolesTTL)
	e.u.Check(ctx)
	if g, _ = e.st.Feed(ctx, f.ID); g.State != StateActive || g.GraphID == f.GraphID || g.LastError != "" {
		t.Fatalf("after consent came back: %+v", g)
	}
	if _, byAlert := e.itemsBySource(f.ID); byAlert[strings.ToLower(lost)] != 1 {
		t.Errorf("the change made during the outage was not caught up: %v", byAlert)
	}
}

// TestUpkeepRestart: the console is down while Graph removes its
// subscription and alerts change; the new console's Start finds the
// subscription gone, recreates it and catches up; for a subscription
// Graph still has, Start only catches up (nothing twice).
func TestUpkeepRestart(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{})
	ctx := context.Background()
	kept := e.create("severity=high", false)
	removed := e.create("severity=medium", false)
	e.clk.Advance(time.Minute)
	delivered := e.legacy("high")
	e.deliver()
	e.recv.down.Store(true) // the console stops
	e.clk.Advance(time.Minute)
	e.control("POST", "/_emulator/subscriptions/"+removed.GraphID+"/remove", "")
	medium := e.legacy("medium")
	e.deliver()
	e.clk.Advance(30 * time.Minute)
	e.recv.down.Store(false)
	e.restart(UpkeepOptions{})
	e.u.Start(ctx)
	g, _ := e.st.Feed(ctx, removed.ID)
	if g.GraphID == removed.GraphID || g.State != StateActive {
		t.Fatalf("the removed subscription: %+v", g)
	}
	if _, byAlert := e.itemsBySource(removed.ID); byAlert[strings.ToLower(medium)] != 1 {
		t.Errorf("the change made while down was not caught up: %v", byAlert)
	}
	if g, _ := e.st.Feed(ctx, kept.ID); g.GraphID != kept.GraphID {
		t.Errorf("a subscription Graph still had was replaced")
	}
	if _, byAlert := e.itemsBySource(kept.ID); byAlert[strings.ToLower(delivered)] != 1 {
		t.Errorf("the webhook's change was repeated or lost by the catch-up: %v", byAlert)
	}
}

// appLacksPermission is Credentials whose app holds no application
// permission, so that feeds act with their creator's sign-in.
type appLacksPermission struct{ Credentials }

func (appLacksPermission) AppRoles(context.Context) ([]string, error) { return nil, nil }

// TestSubscriptionDelegated: when the app lacks the application
// permission, the subscription acts with its creator's sign-in, sealed in
// the feed: it is created as the user, and renewed after the user signed
// out and the access token expired (the sealed refresh token is
// redeemed, and stored again rotated).
func TestSubscriptionDelegated(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{})
	e.opts.Credentials = appLacksPermission{e.am}
	e.restart(UpkeepOptions{})
	ctx := context.Background()
	sess, user := e.signIn()
	owner := Owner{ID: sess.UserID, Name: sess.DisplayName, UPN: sess.UserPrincipalName, Creator: sess}
	if c, err := e.u.AuthFor(ctx, owner); err != nil || c.Mode != AuthDelegated || !strings.Contains(c.Reason, "does not hold") {
		t.Fatalf("AuthFor = %+v, %v", c, err)
	}
	if _, err := e.u.AuthFor(ctx, analyst); err == nil {
		t.Fatal("AuthFor without a sign-in succeeded")
	}
	f, err := e.u.Create(ctx, owner, "severity=high", false)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := e.graphSub(f.GraphID)
	if f.Auth != AuthDelegated || len(f.Tokens) == 0 || !sub.Delegated || sub.CreatorID != user {
		t.Fatalf("feed %+v, Graph's subscription %+v", f, sub)
	}
	sealed := f.Tokens
	e.clk.Set(f.ExpiresAt.Add(-DefaultLifetime/4 + time.Minute))
	e.restart(UpkeepOptions{}) // also a new process: nothing in memory
	e.u.Check(ctx)
	g, _ := e.st.Feed(ctx, f.ID)
	if sub, _ := e.graphSub(f.GraphID); !g.ExpiresAt.After(f.ExpiresAt) || !sub.ExpirationDateTime.Equal(g.ExpiresAt) || g.State != StateActive {
		t.Fatalf("not renewed with the sealed sign-in: %+v (Graph %v)", g, sub.ExpirationDateTime)
	}
	if bytes.Equal(g.Tokens, sealed) {
		t.Error("the refreshed sign-in was not stored")
	}
}

// TestCatchUpFailureIsRetried: a catch-up Graph refuses on an active
// subscription is queued again for the next check (a window is retried,
// never skipped); on a paused one it is not (its recovery catches up).
func TestCatchUpFailureIsRetried(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{Settle: -1})
	ctx := context.Background()
	f := e.create("severity=high", false)
	e.clk.Advance(time.Minute)
	pending := func() []string {
		e.u.mu.Lock()
		defer e.u.mu.Unlock()
		return slices.Clone(e.u.pending[f.ID])
	}
	e.u.Check(ctx) // the creation's own catch-up
	for _, state := range []string{StateActive, StatePaused} {
		if err := e.emu.Faults().Add(graphapi.Fault{Method: "GET", Path: "/security/alerts", Status: 400, Count: 1}); err != nil {
			t.Fatal(err)
		}
		g := f
		g.State = state
		if err := e.u.catchUp(ctx, g); err == nil {
			t.Fatalf("%s: the catch-up did not see Graph's refusal", state)
		}
		got := slices.Contains(pending(), EventMissed)
		if want := state == StateActive; got != want {
			t.Errorf("%s: catch-up queued again %v, want %v", state, got, want)
		}
		e.u.Check(ctx) // runs the queued catch-up, now without the fault
		if p := pending(); len(p) != 0 {
			t.Errorf("%s: still pending after the retry: %v", state, p)
		}
	}
}
