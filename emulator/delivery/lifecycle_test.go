package delivery

import (
	"net/http"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

func TestCadenceStep(t *testing.T) {
	exp := t0.Add(30 * 24 * time.Hour)
	for _, tt := range []struct {
		left   time.Duration
		notify bool
		next   time.Duration // after now; -1: at exp-12h
	}{
		{13 * time.Hour, false, -1},
		{12*time.Hour + time.Minute, false, -1},
		{12 * time.Hour, true, 90 * time.Minute},                               // q = 180 min
		{10*time.Hour + 30*time.Minute, true, 78*time.Minute + 45*time.Second}, // q = 157.5 min
		{4*time.Hour + 4*time.Minute, true, 30*time.Minute + 30*time.Second},   // q = 61 min
		{4 * time.Hour, true, 15 * time.Minute},                                // q = 60: the 15-minute branch
		{time.Hour, true, 15 * time.Minute},
		{time.Minute, true, 15 * time.Minute},
		{0, false, 0},
		{-time.Hour, false, 0},
	} {
		t.Run(tt.left.String(), func(t *testing.T) {
			now := exp.Add(-tt.left)
			next, notify := CadenceStep(exp, now)
			want := now.Add(tt.next)
			switch {
			case tt.next == -1:
				want = exp.Add(-12 * time.Hour)
			case tt.left <= 0:
				want = exp
			}
			if notify != tt.notify || !next.Equal(want) {
				t.Fatalf("CadenceStep = %v, %v; want %v, %v", next.Sub(now), notify, want.Sub(now), tt.notify)
			}
		})
	}
	if got := CadenceStart(t0.Add(time.Hour), t0); !got.Equal(t0.Add(15 * time.Minute)) {
		t.Errorf("CadenceStart of a 1-hour subscription = %v after creation, want 15 min", got.Sub(t0))
	}
	if got := CadenceStart(t0.Add(30*24*time.Hour), t0); !got.Equal(t0.Add(30*24*time.Hour - 12*time.Hour)) {
		t.Errorf("CadenceStart of a 30-day subscription = %v", got.Sub(t0))
	}
}

// lifecycleItems lists the lifecycle notifications a receiver got.
func lifecycleItems(rc *receiver) []map[string]any {
	var out []map[string]any
	for _, it := range rc.items() {
		if it["lifecycleEvent"] != nil {
			out = append(out, it)
		}
	}
	return out
}

func TestLifecycleCadenceBeforeExpiry(t *testing.T) {
	h := newHarness(t, Options{})
	hook, life := newReceiver(t), newReceiver(t)
	s := h.subscribe(sub{url: hook.URL, lifecycle: life.URL + "/life?k=v", clientState: "cs", expires: 24 * time.Hour})
	exp := s.ExpirationDateTime

	// The expected times, from the pseudo-code's steps.
	var want []time.Time
	for at := exp.Add(-12 * time.Hour); at.Before(exp); {
		next, notify := CadenceStep(exp, at)
		if notify {
			want = append(want, at)
		}
		at = next
	}
	if len(want) < 20 || len(want) > 30 {
		t.Fatalf("the cadence gives %d notifications in the last 12 hours", len(want))
	}
	h.advance(12*time.Hour - time.Minute)
	if n := len(life.got()); n != 0 {
		t.Fatalf("%d lifecycle POSTs more than 12 hours before expiry", n)
	}
	for i, at := range want {
		h.advance(at.Sub(h.clock.Now()) - time.Second)
		if n := len(lifecycleItems(life)); n != i {
			t.Fatalf("notification %d came early (have %d)", i+1, n)
		}
		h.advance(time.Second)
		if n := len(lifecycleItems(life)); n != i+1 {
			t.Fatalf("at %v before expiry: %d notifications, want %d", exp.Sub(at), n, i+1)
		}
	}
	it := lifecycleItems(life)[0]
	wantItem := map[string]any{"subscriptionId": s.ID, "subscriptionExpirationDateTime": odata.At(exp).String(),
		"tenantId": testTenant, "clientState": "cs", "lifecycleEvent": "reauthorizationRequired"}
	if len(it) != len(wantItem) {
		t.Errorf("lifecycle notification %v", it)
	}
	for k, v := range wantItem {
		if it[k] != v {
			t.Errorf("%s = %v, want %v", k, it[k], v)
		}
	}
	if life.got()[0].query.Get("k") != "v" {
		t.Error("the lifecycle URL's query was not kept")
	}
	// Change notifications kept flowing; at expiry everything stops.
	h.created(alert("a1"))
	h.flush()
	if len(hook.items()) != 1 {
		t.Fatal("reauthorizationRequired before expiry paused change notifications")
	}
	h.advance(exp.Sub(h.clock.Now()))
	h.created(alert("a2"))
	h.advance(time.Hour)
	if len(hook.items()) != 1 || len(lifecycleItems(life)) != len(want) {
		t.Fatalf("after expiry: %d changes, %d lifecycle", len(hook.items()), len(lifecycleItems(life)))
	}
	if _, ok := h.subs.Get(s.ID); ok {
		t.Fatal("the expired subscription remains")
	}
}

func TestRenewalRestartsTheCadence(t *testing.T) {
	h := newHarness(t, Options{})
	life := newReceiver(t)
	s := h.subscribe(sub{url: life.URL, lifecycle: life.URL, expires: 13 * time.Hour})
	h.advance(time.Hour) // 12 h left
	if n := len(lifecycleItems(life)); n != 1 {
		t.Fatalf("%d notifications at 12 h left", n)
	}
	s.ExpirationDateTime = h.clock.Now().Add(30 * 24 * time.Hour)
	s.LastReauthorizedDateTime = h.clock.Now()
	h.subs.Put(s)
	h.advance(24 * time.Hour)
	if n := len(lifecycleItems(life)); n != 1 {
		t.Fatalf("%d notifications after renewal", n)
	}
}

func TestConsentRevoked(t *testing.T) {
	t.Run("pause, challenge, resume after reauthorization", func(t *testing.T) {
		h := newHarness(t, Options{})
		hook, life := newReceiver(t), newReceiver(t)
		app := h.subscribe(sub{url: hook.URL, lifecycle: life.URL, clientState: "app"})
		user := h.subscribe(sub{url: hook.URL, lifecycle: life.URL, clientState: "user", delegated: true})

		h.dir.RevokeAdminConsent(testApp)
		h.flush()
		got := lifecycleItems(life)
		if len(got) != 2 || got[0]["lifecycleEvent"] != "reauthorizationRequired" || got[1]["lifecycleEvent"] != "reauthorizationRequired" {
			t.Fatalf("after revocation: %v", got)
		}
		h.created(alert("a1"))
		h.flush()
		if len(hook.items()) != 0 || h.d.Stats().Dropped[DropPaused] != 2 || !h.d.Subscription(app).Paused {
			t.Fatalf("paused subscriptions received %d, stats %+v", len(hook.items()), h.d.Stats())
		}
		h.advance(15 * time.Minute)
		if n := len(lifecycleItems(life)); n != 4 {
			t.Fatalf("%d challenges after 15 minutes, want 4", n)
		}

		// Consent is granted again and the app reauthorizes its own
		// subscription (the API's reauthorize sets LastReauthorizedDateTime).
		h.dir.GrantAdminConsent(testApp, []string{"SecurityEvents.ReadWrite.All"}, []string{"SecurityEvents.ReadWrite.All"})
		h.clock.Advance(time.Minute)
		app.LastReauthorizedDateTime = h.clock.Now()
		h.subs.Put(app)
		h.flush()
		h.created(alert("a2"))
		h.flush()
		items := hook.items()
		if len(items) != 1 || items[0]["clientState"] != "app" || h.d.Subscription(app).Paused || !h.d.Subscription(user).Paused {
			t.Fatalf("after the app's reauthorization: %v", items)
		}
		// Consent is back, so the unreauthorized one is not removed: it
		// stays paused and keeps being challenged.
		h.advance(2 * time.Hour)
		if _, ok := h.subs.Get(user.ID); !ok || !h.d.Subscription(user).Paused {
			t.Fatal("a paused subscription whose consent came back was removed")
		}
	})
	t.Run("removed after the grace period", func(t *testing.T) {
		h := newHarness(t, Options{})
		hook, life := newReceiver(t), newReceiver(t)
		withURL := h.subscribe(sub{url: hook.URL, lifecycle: life.URL})
		without := h.subscribe(sub{url: hook.URL})
		h.dir.RevokeAdminConsent(testApp)
		h.flush()
		for range 3 {
			h.advance(15 * time.Minute)
		}
		h.advance(DefaultConsentGrace - 45*time.Minute - time.Second)
		if _, ok := h.subs.Get(withURL.ID); !ok {
			t.Fatal("removed before the grace period ended")
		}
		h.advance(time.Second)
		for _, s := range []string{withURL.ID, without.ID} {
			if _, ok := h.subs.Get(s); ok {
				t.Fatalf("subscription %s survived the grace period", s)
			}
		}
		var events []any
		for _, it := range lifecycleItems(life) {
			events = append(events, it["lifecycleEvent"])
		}
		// At 0, 15, 30 and 45 minutes, then the removal.
		want := []any{"reauthorizationRequired", "reauthorizationRequired", "reauthorizationRequired", "reauthorizationRequired", "subscriptionRemoved"}
		if len(events) != len(want) {
			t.Fatalf("lifecycle events %v, want %v", events, want)
		}
		for i := range want {
			if events[i] != want[i] {
				t.Fatalf("lifecycle events %v, want %v", events, want)
			}
		}
	})
}

func TestServiceRemoval(t *testing.T) {
	h := newHarness(t, Options{})
	hook, life := newReceiver(t), newReceiver(t)
	hook.answer = func(int) int { return http.StatusInternalServerError }
	s := h.subscribe(sub{url: hook.URL, lifecycle: life.URL, clientState: "cs"})
	h.created(alert("a1"))
	h.flush()
	if h.d.Pending() != 1 {
		t.Fatalf("pending %d, want the failed notification", h.d.Pending())
	}
	removed, ok := h.d.Remove(s.ID)
	if !ok || removed.ID != s.ID {
		t.Fatal("Remove did not find the subscription")
	}
	h.flush()
	if _, ok := h.subs.Get(s.ID); ok {
		t.Fatal("the removed subscription is still stored")
	}
	got := lifecycleItems(life)
	if len(got) != 1 || got[0]["lifecycleEvent"] != "subscriptionRemoved" || got[0]["subscriptionId"] != s.ID || got[0]["clientState"] != "cs" {
		t.Fatalf("lifecycle %v", got)
	}
	hook.answer = nil
	h.advance(10 * time.Second)
	if len(hook.items()) != 1 || h.d.Stats().Dropped[DropSubscriptionGone] != 1 || h.d.Pending() != 0 {
		t.Fatalf("the removed subscription's retry: %d POSTs, stats %+v", len(hook.got()), h.d.Stats())
	}
	if _, ok := h.d.Remove(s.ID); ok {
		t.Fatal("removed twice")
	}
	if _, ok := h.d.Remove("no-such-id"); ok {
		t.Fatal("removed an unknown id")
	}
}
