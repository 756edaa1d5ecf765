package notify

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/internal/store"
)

// upkeepEnv is a liveEnv with a receiver on loopback and an upkeep whose
// public URL is the receiver's (the emulator delivers to loopback http).
type upkeepEnv struct {
	*liveEnv
	recv *testReceiver
	w    *Watcher
	u    *Upkeep
}

func newUpkeepEnv(t *testing.T, eo emulator.Options, uo UpkeepOptions) *upkeepEnv {
	t.Helper()
	e := &upkeepEnv{liveEnv: newLiveEnv(t, eo, nil)}
	e.recv = newTestReceiver(t, e.liveEnv)
	e.restart(uo)
	return e
}

// restart builds a new Watcher and Upkeep on the same store (a console
// restarted) and points the receiver at them.
func (e *upkeepEnv) restart(uo UpkeepOptions) {
	e.t.Helper()
	e.w = e.watcher()
	if uo.PublicURL == "" {
		uo.PublicURL = e.recv.srv.URL
		uo.Emulator = true
	}
	u, err := NewUpkeep(e.w, uo)
	if err != nil {
		e.t.Fatal(err)
	}
	e.u = u
	e.recv.setUpkeep(u)
}

// deliver waits until the emulator has delivered what is due.
func (e *upkeepEnv) deliver() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.emu.Delivery().Flush(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// legacy raises a legacy alert of the given severity now.
func (e *upkeepEnv) legacy(severity string) string {
	e.t.Helper()
	a, err := e.emu.Store().AddLegacyAlert(change.OriginControl, odata.Object{"severity": severity}, odata.At(e.clk.Now()))
	if err != nil {
		e.t.Fatal(err)
	}
	return a["id"].(string)
}

// create creates a feed for analyst, failing the test if Create fails.
func (e *upkeepEnv) create(query string, shared bool) store.Feed {
	e.t.Helper()
	f, err := e.u.Create(context.Background(), analyst, query, shared)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *upkeepEnv) graphSub(id string) (graphapi.Subscription, bool) {
	return e.emu.Subscriptions().Get(id)
}

// itemsBySource counts a feed's items by source, and the legacy alert ids
// they name.
func (e *upkeepEnv) itemsBySource(feed string) (map[store.Source]int, map[string]int) {
	bySource, byAlert := map[store.Source]int{}, map[string]int{}
	for _, it := range e.st.itemsOf(feed) {
		if it.Source == store.SourceLifecycle {
			continue
		}
		bySource[it.Source]++
		byAlert[strings.ToLower(it.ResourceID)]++
	}
	return bySource, byAlert
}

// TestSubscriptionCreate: the sample's form fields become Graph's
// subscription: the legacy filter resource, created and updated, a fresh
// clientState of 32 random bytes whose hash alone graphsec keeps, the
// notification and lifecycle URLs, the lifetime; a matching change is
// delivered to the receiver as the feed's item.
func TestSubscriptionCreate(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{})
	ctx := context.Background()
	f := e.create("severity=High", true)
	sub, ok := e.graphSub(f.GraphID)
	if !ok {
		t.Fatalf("Graph has no subscription %s", f.GraphID)
	}
	hash := sha256.Sum256([]byte(sub.ClientState))
	switch {
	case f.State != StateActive || f.Auth != AuthApp || f.Kind != store.FeedSubscription || f.Target != TargetLegacyAlerts:
		t.Errorf("feed %+v", f)
	case sub.Resource != "security/alerts?$filter=severity eq 'high'" || sub.ChangeType() != "created,updated":
		t.Errorf("resource %q, changeType %q", sub.Resource, sub.ChangeType())
	case len(sub.ClientState) < 43 || string(hash[:]) != string(f.ClientStateHash):
		t.Errorf("clientState %q (%d characters) and the stored hash do not agree", sub.ClientState, len(sub.ClientState))
	case sub.NotificationURL != e.recv.srv.URL+"/listen" || sub.LifecycleNotificationURL != e.recv.srv.URL+"/listen/lifecycle":
		t.Errorf("URLs %q %q", sub.NotificationURL, sub.LifecycleNotificationURL)
	case !sub.ExpirationDateTime.Equal(e.clk.Now().Add(DefaultLifetime)) || !f.ExpiresAt.Equal(sub.ExpirationDateTime.UTC()):
		t.Errorf("expires %v (feed %v), want now + %v", sub.ExpirationDateTime, f.ExpiresAt, DefaultLifetime)
	}
	g := e.create("severity=high", false)
	if sub2, _ := e.graphSub(g.GraphID); sub2.ClientState == sub.ClientState {
		t.Error("two subscriptions share a clientState")
	}
	high := e.legacy("high")
	e.legacy("low")
	e.deliver()
	bySource, byAlert := e.itemsBySource(f.ID)
	if bySource[store.SourceWebhook] != 1 || byAlert[strings.ToLower(high)] != 1 {
		t.Errorf("items %v %v, want the high alert's notification", bySource, byAlert)
	}
	// The catch-up queued after the creation finds the change the webhook
	// delivered, and leaves it out.
	e.u.Check(ctx)
	if bySource, byAlert := e.itemsBySource(f.ID); bySource[store.SourceWatch] != 0 || byAlert[strings.ToLower(high)] != 1 {
		t.Errorf("after the catch-up: %v %v", bySource, byAlert)
	}
	if st := e.w.Stats(f.ID); st.LastSuccess.IsZero() {
		t.Errorf("the catch-up after the creation did not run: %+v", st)
	}
	// One alert by id.
	one, err := e.u.Create(ctx, analyst, "alertId="+high, false)
	if err != nil {
		t.Fatal(err)
	}
	if sub, _ := e.graphSub(one.GraphID); !strings.EqualFold(sub.AlertID, high) {
		t.Errorf("subscription to one alert: %+v", sub)
	}
	// Mistakes are the form's.
	for _, q := range []string{"", "severity=Critical", "alertId=x&severity=high"} {
		var qe *QueryError
		if _, err := e.u.Create(ctx, analyst, q, false); !errors.As(err, &qe) {
			t.Errorf("Create(%q) = %v, want a QueryError", q, err)
		}
	}
	// List: graphsec's records with Graph's view.
	views, err := e.u.List(ctx, "")
	if err != nil || len(views) != 3 {
		t.Fatalf("List: %d views, %v", len(views), err)
	}
	for _, v := range views {
		if v.Graph == nil || v.Graph.ID != v.Feed.GraphID || v.GraphError != "" {
			t.Errorf("view %+v", v)
		}
	}
	if mine, _ := e.u.List(ctx, "someone-else"); len(mine) != 1 || mine[0].Feed.ID != f.ID {
		t.Errorf("another user sees %d subscriptions, want the shared one", len(mine))
	}
	// Delete: gone from Graph and from graphsec.
	if err := e.u.Delete(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.graphSub(g.GraphID); ok {
		t.Error("Graph still has the deleted subscription")
	}
	if _, err := e.st.Feed(ctx, g.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the record is still there: %v", err)
	}
}

func TestPublicURLProblem(t *testing.T) {
	tests := []struct {
		url      string
		emulator bool
		ok       bool
	}{
		{"https://soc.example.com", false, true},
		{"https://soc.contoso.com:8443/graphsec", false, true},
		{"https://20.50.2.1", false, true},
		{"http://soc.contoso.com", false, false},
		{"https://localhost:5000", false, false},
		{"https://127.0.0.1", false, false},
		{"https://10.1.2.3", false, false},
		{"https://192.168.1.5", false, false},
		{"https://100.72.1.1", false, false},
		{"https://[fd00::1]", false, false},
		{"https://soc", false, false},
		{"https://soc.corp", false, false},
		{"https://graphsec.internal", false, false},
		{"https://box.local", false, false},
		{"http://localhost:5000", true, true},
		{"http://127.0.0.1:5000", true, true},
		{"http://soc.contoso.com", true, false},
		{"not a url", false, false},
	}
	for _, tt := range tests {
		got := publicURLProblem(tt.url, tt.emulator)
		if (got == "") != tt.ok {
			t.Errorf("publicURLProblem(%q, emulator %v) = %q", tt.url, tt.emulator, got)
		}
	}
}

// TestSubscriptionWithoutPublicURL: against a real tenant with a public
// URL Graph cannot reach, Create refuses with the explanation and the
// watch that polls the same legacy filter instead, which works.
func TestSubscriptionWithoutPublicURL(t *testing.T) {
	e := newUpkeepEnv(t, emulator.Options{}, UpkeepOptions{PublicURL: "http://localhost:5000"})
	ctx := context.Background()
	_, err := e.u.Create(ctx, analyst, "severity=HIGH&provider=ASC", false)
	var np *NoPublicURLError
	if !errors.As(err, &np) || !errors.Is(err, ErrNoPublicURL) {
		t.Fatalf("Create = %v, want a NoPublicURLError", err)
	}
	for _, want := range []string{"public https", "reverse proxy", "tunnel", "polling"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the explanation does not mention %q: %s", want, err)
		}
	}
	if np.Query != "provider=ASC&severity=high" {
		t.Errorf("fallback query %q", np.Query)
	}
	if subs := e.emu.Subscriptions().All(); len(subs) != 0 {
		t.Errorf("Graph got %d subscriptions", len(subs))
	}
	f, err := e.w.CreateWatch(ctx, analyst, TargetLegacyAlerts, np.Query, false)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	a, err := e.emu.Store().AddLegacyAlert(change.OriginControl, odata.Object{"severity": "high",
		"vendorInformation": odata.Object{"provider": "ASC", "vendor": "Microsoft", "providerVersion": nil, "subProvider": nil}}, odata.At(e.clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	mustPoll(t, e.w, f.ID)
	if got := versionsOf(e.st, f.ID); len(got) != 1 || got[a["id"].(string)] == nil {
		t.Errorf("the fallback watch delivered %v", got)
	}
}
