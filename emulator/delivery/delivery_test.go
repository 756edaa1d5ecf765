package delivery

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/odata"
)

var guidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestPayload(t *testing.T) {
	h := newHarness(t, Options{})
	rc := newReceiver(t)
	s := h.subscribe(sub{url: rc.URL + "/notify?tenant=contoso&x=1", clientState: "secret-state"})
	bare := h.subscribe(sub{url: rc.URL + "/other", filter: "severity eq 'High'"})

	h.created(alert("da637551227677560813_-961444813"))
	h.flush()
	posts := rc.got()
	if len(posts) != 2 {
		t.Fatalf("%d POSTs, want one per URL", len(posts))
	}
	var p received
	for _, x := range posts {
		if x.query.Get("tenant") == "contoso" {
			p = x
		}
	}
	if p.contentType != "application/json; charset=utf-8" || p.query.Get("x") != "1" || len(p.items) != 1 {
		t.Fatalf("POST %q query %v items %d", p.contentType, p.query, len(p.items))
	}
	n := p.items[0]
	want := map[string]any{
		"subscriptionId":                 s.ID,
		"subscriptionExpirationDateTime": odata.At(s.ExpirationDateTime).String(),
		"tenantId":                       testTenant,
		"clientState":                    "secret-state",
		"changeType":                     "created",
		"resource":                       "security/alerts/da637551227677560813_-961444813",
	}
	for k, v := range want {
		if n[k] != v {
			t.Errorf("%s = %v, want %v", k, n[k], v)
		}
	}
	if id, _ := n["id"].(string); !guidShape.MatchString(id) {
		t.Errorf("id %v is not GUID-shaped", n["id"])
	}
	rd, _ := n["resourceData"].(map[string]any)
	if rd["@odata.type"] != "#Microsoft.Graph.alert" || rd["@odata.id"] != "security/alerts/da637551227677560813_-961444813" || rd["id"] != "da637551227677560813_-961444813" || len(rd) != 3 {
		t.Errorf("resourceData %v", rd)
	}
	if len(n) != 8 {
		t.Errorf("notification has %d members: %v", len(n), n)
	}
	// Without clientState the member is null; ids are unique.
	for _, x := range posts {
		if x.query.Get("tenant") == "" {
			if v, ok := x.items[0]["clientState"]; !ok || v != nil || x.items[0]["subscriptionId"] != bare.ID {
				t.Errorf("clientState %v (present %v)", v, ok)
			}
			if x.items[0]["id"] == n["id"] {
				t.Error("two notifications share an id")
			}
		}
	}
	if st := h.d.Stats(); st.Delivered != 2 || st.Requests != 2 || st.Pending != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestMatching(t *testing.T) {
	h := newHarness(t, Options{})
	now := h.clock.Now()
	newAlert := compileFilter(t, "Status eq 'NewAlert' and vendorInformation/Provider eq 'asc'")
	mk := func(mod func(*graphapi.Subscription)) *graphapi.Subscription {
		s := &graphapi.Subscription{ID: "s", ChangeTypes: []string{"created", "updated"}, Filter: newAlert, ExpirationDateTime: now.Add(time.Hour)}
		mod(s)
		return s
	}
	plain := func(*graphapi.Subscription) {}
	fresh := alert("a1")
	resolved := alert("a1", "status", "resolved")
	for _, tt := range []struct {
		name string
		s    *graphapi.Subscription
		typ  change.Type
		doc  odata.Object
		want bool
	}{
		{"new alert in the filter", mk(plain), change.Created, fresh, true},
		{"update inside the filter", mk(plain), change.Updated, alert("a1", "title", "x"), true},
		{"update that leaves the filter", mk(plain), change.Updated, resolved, false},
		{"update that enters the filter", mk(plain), change.Updated, fresh, true},
		{"other provider", mk(plain), change.Created, alert("a1", "vendorInformation", odata.Object{"provider": "MCAS"}), false},
		{"created not asked for", mk(func(s *graphapi.Subscription) { s.ChangeTypes = []string{"updated"} }), change.Created, fresh, false},
		{"deleted asked for", mk(func(s *graphapi.Subscription) { s.ChangeTypes = []string{"deleted"} }), change.Deleted, fresh, true},
		{"expired", mk(func(s *graphapi.Subscription) { s.ExpirationDateTime = now }), change.Created, fresh, false},
		{"one alert by id, any case", mk(func(s *graphapi.Subscription) { s.Filter, s.AlertID = nil, "A1" }), change.Updated, resolved, true},
		{"another alert", mk(func(s *graphapi.Subscription) { s.Filter, s.AlertID = nil, "a2" }), change.Updated, fresh, false},
		{"no document", mk(plain), change.Updated, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Matches(tt.s, tt.typ, tt.doc, now); got != tt.want {
				t.Fatalf("Matches = %v, want %v", got, tt.want)
			}
		})
	}

	// Through the whole path: only matching changes arrive, with the
	// change type the store reported; other resources are ignored.
	rc := newReceiver(t)
	h.subscribe(sub{url: rc.URL, filter: "status eq 'newAlert'", changeType: "updated"})
	h.created(alert("b1"))
	h.updated(alert("b1"), alert("b1", "status", "resolved"))
	h.updated(alert("b2", "status", "resolved"), alert("b2"))
	h.d.Publish(change.Event{Resource: change.Alerts, ID: "v2", Type: change.Updated, Doc: odata.Object{"id": "v2", "status": "new"}})
	h.flush()
	items := rc.items()
	if len(items) != 1 || items[0]["resource"] != "security/alerts/b2" || items[0]["changeType"] != "updated" {
		t.Fatalf("received %v", items)
	}
}

func TestBatching(t *testing.T) {
	t.Run("subscriptions sharing a URL share a POST", func(t *testing.T) {
		h := newHarness(t, Options{})
		rc := newReceiver(t)
		a := h.subscribe(sub{url: rc.URL + "/hook"})
		b := h.subscribe(sub{url: rc.URL + "/hook", alertID: "a1"})
		h.created(alert("a1"))
		h.flush()
		posts := rc.got()
		if len(posts) != 1 || len(posts[0].items) != 2 {
			t.Fatalf("%d POSTs %v", len(posts), posts)
		}
		ids := []any{posts[0].items[0]["subscriptionId"], posts[0].items[1]["subscriptionId"]}
		if !slices.Contains(ids, any(a.ID)) || !slices.Contains(ids, any(b.ID)) || posts[0].items[0]["id"] == posts[0].items[1]["id"] {
			t.Fatalf("items %v", posts[0].items)
		}
	})
	t.Run("what arrives during a POST goes in the next, in order, up to MaxBatch", func(t *testing.T) {
		h := newHarness(t, Options{MaxBatch: 4})
		rc := newReceiver(t)
		release := make(chan struct{})
		rc.before = func(n int, _ *http.Request) {
			if n == 1 {
				<-release
			}
		}
		h.subscribe(sub{url: rc.URL})
		h.created(alert("a0"))
		waitFor(t, func() bool { return len(rc.got()) == 1 })
		for i := 1; i <= 10; i++ {
			h.created(alert("a" + itoa(uint64(i))))
		}
		waitFor(t, func() bool { return h.d.Pending() == 11 })
		close(release)
		h.flush()
		var sizes []int
		var order []any
		for _, p := range rc.got() {
			sizes = append(sizes, len(p.items))
			for _, it := range p.items {
				order = append(order, it["resource"])
			}
		}
		if !slices.Equal(sizes, []int{1, 4, 4, 2}) {
			t.Fatalf("POST sizes %v, want [1 4 4 2]", sizes)
		}
		for i, r := range order {
			if r != "security/alerts/a"+itoa(uint64(i)) {
				t.Fatalf("order %v", order)
			}
		}
	})
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRetriesFollowTheClock(t *testing.T) {
	h := newHarness(t, Options{})
	rc := newReceiver(t)
	rc.answer = func(n int) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusAccepted
	}
	h.subscribe(sub{url: rc.URL})
	h.created(alert("a1"))
	h.flush()
	last := h.d.Attempts()[0]
	if len(rc.got()) != 1 || last.Result != "retry" || last.Status != 503 || last.NextAttempt == nil || !last.NextAttempt.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("after the first failure: %d POSTs, attempt %+v", len(rc.got()), last)
	}
	h.advance(9 * time.Second)
	if len(rc.got()) != 1 {
		t.Fatal("retried before its time")
	}
	h.advance(time.Second)
	if got := h.d.Attempts()[0]; len(rc.got()) != 2 || got.Attempt != 2 || !got.NextAttempt.Equal(t0.Add(70*time.Second)) {
		t.Fatalf("second attempt %+v after %d POSTs", got, len(rc.got()))
	}
	h.advance(time.Minute)
	posts := rc.got()
	if len(posts) != 3 || h.d.Attempts()[0].Result != "delivered" || h.d.Attempts()[0].Attempt != 3 {
		t.Fatalf("%d POSTs, last attempt %+v", len(posts), h.d.Attempts()[0])
	}
	if posts[0].items[0]["id"] != posts[2].items[0]["id"] {
		t.Error("a retry changed the notification id")
	}
	if st := h.d.Stats(); st.Delivered != 1 || st.FailedAttempts != 2 || st.Pending != 0 || len(st.Dropped) != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRetriesEndAfterFourHours(t *testing.T) {
	t.Run("a jump past the window: one overdue attempt, then dropped", func(t *testing.T) {
		h := newHarness(t, Options{})
		rc := newReceiver(t)
		rc.answer = func(int) int { return http.StatusInternalServerError }
		h.subscribe(sub{url: rc.URL})
		h.created(alert("a1"))
		h.flush()
		h.advance(5 * time.Hour)
		st := h.d.Stats()
		if len(rc.got()) != 2 || st.Dropped[DropRetriesExhausted] != 1 || st.Pending != 0 || h.d.Attempts()[0].Result != "dropped" {
			t.Fatalf("%d POSTs, stats %+v", len(rc.got()), st)
		}
	})
	t.Run("the schedule, step by step", func(t *testing.T) {
		h := newHarness(t, Options{})
		rc := newReceiver(t)
		rc.answer = func(int) int { return http.StatusBadGateway }
		h.subscribe(sub{url: rc.URL})
		h.created(alert("a1"))
		h.flush()
		var at []time.Duration
		for range 20 {
			a := h.d.Attempts()[0]
			at = append(at, a.Time.Sub(t0))
			if a.NextAttempt == nil {
				break
			}
			h.advance(a.NextAttempt.Sub(h.clock.Now()))
		}
		want := []time.Duration{0, 10 * time.Second, 70 * time.Second, 370 * time.Second, 1270 * time.Second, 3070 * time.Second,
			3070*time.Second + time.Hour, 3070*time.Second + 2*time.Hour, 3070*time.Second + 3*time.Hour, 4 * time.Hour}
		if !slices.Equal(at, want) {
			t.Fatalf("attempts at %v, want %v", at, want)
		}
		if st := h.d.Stats(); st.Dropped[DropRetriesExhausted] != 1 || st.Pending != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestTimeoutIsAFailure(t *testing.T) {
	h := newHarness(t, Options{Timeout: 100 * time.Millisecond, Stopwatch: clockSystem{}})
	rc := newReceiver(t)
	rc.before = func(n int, r *http.Request) {
		if n == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}
	}
	h.subscribe(sub{url: rc.URL})
	h.created(alert("a1"))
	h.flush()
	a := h.d.Attempts()[0]
	if a.Result != "retry" || a.Status != 0 || !a.Slow || a.Error == "" {
		t.Fatalf("attempt %+v", a)
	}
	h.advance(10 * time.Second)
	if a := h.d.Attempts()[0]; a.Result != "delivered" || a.Slow {
		t.Fatalf("retry %+v", a)
	}
}

type clockSystem struct{}

func (clockSystem) Now() time.Time { return time.Now() }

// slowly sends n POSTs one by one, the ones slow(i) says taking 2950 ms
// by the stopwatch.
func slowly(h *harness, rc *receiver, n int, slow func(i int) bool) {
	h.t.Helper()
	rc.before = func(i int, _ *http.Request) {
		if slow(i) {
			h.watch.Advance(2950 * time.Millisecond)
		}
	}
	for i := range n {
		h.created(alert("s" + itoa(uint64(i))))
		h.flush()
	}
	rc.before = nil
}

func TestSlowEndpoints(t *testing.T) {
	for _, tt := range []struct {
		name  string
		slow  int
		state string
	}{
		{"9 % slow stays normal", 9, "normal"},
		{"10 % slow is throttled", 10, "throttled"},
		{"15 % slow drops", 15, "dropping"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			rc := newReceiver(t)
			h.subscribe(sub{url: rc.URL, filter: "severity eq 'high'"})
			slowly(h, rc, 99, func(i int) bool { return i <= tt.slow })
			if e := h.endpointStats(rc.URL); e.State != "normal" || e.Requests != 99 || e.Slow != tt.slow {
				t.Fatalf("before the 100th: %+v", e)
			}
			slowly(h, rc, 1, func(int) bool { return false })
			e := h.endpointStats(rc.URL)
			if e.State != tt.state || e.SlowShare != float64(tt.slow)/100 {
				t.Fatalf("after 100: %+v", e)
			}
			before := len(rc.items())
			h.created(alert("next"))
			h.flush()
			switch tt.state {
			case "normal":
				if len(rc.items()) != before+1 {
					t.Fatal("a normal endpoint did not get the next notification at once")
				}
			case "throttled":
				h.advance(10*time.Minute - time.Second)
				if len(rc.items()) != before {
					t.Fatal("a throttled endpoint got a notification within 10 minutes")
				}
				h.advance(time.Second)
				if len(rc.items()) != before+1 {
					t.Fatal("a throttled notification did not arrive after 10 minutes")
				}
			case "dropping":
				if len(rc.items()) != before || h.d.Stats().Dropped[DropSlowEndpoint] != 1 {
					t.Fatalf("dropping endpoint: %d items, stats %+v", len(rc.items())-before, h.d.Stats())
				}
				// The counts are flushed after 10 minutes: delivery resumes.
				h.advance(10 * time.Minute)
				if e := h.endpointStats(rc.URL); e.State != "normal" || e.Requests != 0 {
					t.Fatalf("after the flush: %+v", e)
				}
				h.created(alert("after"))
				h.flush()
				if len(rc.items()) != before+1 {
					t.Fatal("delivery did not resume after the flush")
				}
			}
		})
	}
	t.Run("a throttled endpoint's failures wait 10 minutes", func(t *testing.T) {
		h := newHarness(t, Options{})
		rc := newReceiver(t)
		h.subscribe(sub{url: rc.URL, filter: "severity eq 'high'"})
		slowly(h, rc, 100, func(i int) bool { return i <= 10 })
		h.advance(9 * time.Minute) // the window stays open: nothing flushed yet
		rc.answer = func(int) int { return 500 }
		h.created(alert("x"))
		h.advance(10 * time.Minute) // the throttle delay; also flushes the window
		a := h.d.Attempts()[0]
		if a.Result != "retry" || !a.NextAttempt.Equal(h.clock.Now().Add(10*time.Second)) {
			// After the flush the endpoint is normal again: the usual schedule.
			t.Fatalf("attempt %+v", a)
		}
	})
}

func TestExpiry(t *testing.T) {
	h := newHarness(t, Options{})
	rc := newReceiver(t)
	s := h.subscribe(sub{url: rc.URL, expires: time.Hour})
	h.created(alert("a1"))
	h.flush()
	rc.answer = func(int) int { return 500 }
	h.created(alert("a2"))
	h.flush()
	h.advance(time.Hour) // expired while its notification waits for a retry
	if _, ok := h.subs.Get(s.ID); ok {
		t.Fatal("the expired subscription is still in the store")
	}
	rc.answer = nil
	h.created(alert("a3"))
	h.advance(time.Minute)
	st := h.d.Stats()
	if len(rc.items()) != 2 || st.Delivered != 1 || st.Dropped[DropSubscriptionGone] != 1 || st.Pending != 0 {
		t.Fatalf("%d items, stats %+v", len(rc.items()), st)
	}
}

func TestPublishNeverBlocksAndMemoryStaysBounded(t *testing.T) {
	h := newHarness(t, Options{MaxPendingPerURL: 50, MaxPending: 80, LogSize: 20, MaxBacklog: 1000, Timeout: 200 * time.Millisecond})
	dead := newReceiver(t)
	hang := make(chan struct{})
	defer close(hang)
	dead.before = func(_ int, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}
	dead.answer = func(int) int { return 500 }
	other := newReceiver(t)
	other.answer = func(int) int { return 503 }
	h.subscribe(sub{url: dead.URL, filter: "severity eq 'high'"})
	h.subscribe(sub{url: other.URL, filter: "severity eq 'low'"})

	// High alerts fill the hanging endpoint to its cap, low ones the
	// other until the total cap.
	began := time.Now()
	for i := range 2000 {
		sev := "high"
		if i >= 1000 {
			sev = "low"
		}
		h.created(alert("a"+itoa(uint64(i)), "severity", sev))
		if i%100 == 99 {
			h.flush()
		}
	}
	h.flush()
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("publishing took %v", d)
	}
	st := h.d.Stats()
	var dropped uint64
	for _, n := range st.Dropped {
		dropped += n
	}
	if st.Pending > 80 || uint64(st.Pending)+dropped+st.Delivered != 2000 {
		t.Fatalf("pending %d + dropped %d (%v) + delivered %d != 2000", st.Pending, dropped, st.Dropped, st.Delivered)
	}
	for _, e := range st.Endpoints {
		if e.Pending > 50 {
			t.Errorf("endpoint %s holds %d", e.URL, e.Pending)
		}
	}
	if st.Dropped[DropQueueFullURL] == 0 || st.Dropped[DropQueueFull] == 0 {
		t.Errorf("dropped %v: want both caps hit", st.Dropped)
	}
	h.advance(time.Hour)
	if n := len(h.d.Attempts()); n > 20 {
		t.Errorf("the attempts log holds %d", n)
	}

	// The backlog of unmatched changes is bounded too: hold the loop.
	h.d.stepMu.Lock()
	for i := range 1500 {
		h.created(alert("b" + itoa(uint64(i))))
	}
	if b := h.d.Backlog(); b != 1000 {
		t.Errorf("backlog %d, want the cap 1000", b)
	}
	h.d.stepMu.Unlock()
	if got := h.d.Stats().Dropped[DropBacklog]; got != 500 {
		t.Errorf("backlog drops %d, want 500", got)
	}
}

func TestOneSenderPerURLAndBoundedConcurrency(t *testing.T) {
	h := newHarness(t, Options{Workers: 2})
	var mu sync.Mutex
	running, peak := 0, 0
	var rcs []*receiver
	for range 4 {
		rc := newReceiver(t)
		rc.before = func(int, *http.Request) {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
		}
		h.subscribe(sub{url: rc.URL, filter: "severity eq 'high'"})
		rcs = append(rcs, rc)
	}
	for i := range 30 {
		h.created(alert("a" + itoa(uint64(i))))
		time.Sleep(200 * time.Microsecond)
	}
	h.flush()
	if peak > 2 {
		t.Errorf("%d POSTs ran at once with Workers 2", peak)
	}
	for _, rc := range rcs {
		if rc.maxInflight > 1 {
			t.Errorf("%d POSTs at once to one URL", rc.maxInflight)
		}
		if n := len(rc.items()); n != 30 {
			t.Errorf("receiver got %d of 30", n)
		}
	}
}

func TestRefusedAddressIsDropped(t *testing.T) {
	h := newHarness(t, Options{})
	h.subscribe(sub{url: "http://10.0.0.1:9/hook"}) // Put bypasses the API's checks
	h.created(alert("a1"))
	h.flush()
	a := h.d.Attempts()[0]
	if a.Result != "dropped" || h.d.Stats().Dropped[DropRefused] != 1 || a.Error == "" {
		t.Fatalf("attempt %+v, stats %+v", a, h.d.Stats())
	}
}

func TestReset(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Delay: time.Minute}})
	rc := newReceiver(t)
	h.subscribe(sub{url: rc.URL})
	h.created(alert("a1"))
	h.flush()
	h.d.SetFaults(Faults{Duplicate: 1})
	if h.d.Pending() != 1 {
		t.Fatalf("pending %d", h.d.Pending())
	}
	h.d.Reset()
	st := h.d.Stats()
	if st.Pending != 0 || st.Delivered != 0 || len(st.Endpoints) != 0 || len(h.d.Attempts()) != 0 || h.d.Faults().Delay != time.Minute || h.d.Faults().Duplicate != 0 {
		t.Fatalf("after reset: %+v, faults %+v", st, h.d.Faults())
	}
	h.advance(time.Minute)
	if len(rc.got()) != 0 {
		t.Fatal("a notification queued before the reset was sent")
	}
}
