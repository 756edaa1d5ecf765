package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

func post(h http.Handler, target, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestHandshake(t *testing.T) {
	r := newRig(t, rigOptions{})
	long := strings.Repeat("v", MaxValidationToken)
	tests := []struct {
		name, method, query string
		status              int
		body                string
	}{
		{"plain", "POST", "validationToken=abc123", 200, "abc123"},
		{"decoded, never HTML", "POST", "validationToken=Validation%3A+Testing+client+%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200,
			"Validation: Testing client <script>alert(1)</script>"},
		{"percent-encoded space and plus", "POST", "validationToken=a%20b%2Bc", 200, "a b+c"},
		{"other parameters kept by Graph", "POST", "tenant=contoso&validationToken=x", 200, "x"},
		{"longest", "POST", "validationToken=" + long, 200, long},
		{"too long", "POST", "validationToken=" + long + "v", 400, ""},
		{"empty", "POST", "validationToken=", 400, ""},
		{"twice", "POST", "validationToken=a&validationToken=b", 400, ""},
		{"bad escape", "POST", "validationToken=%zz", 400, ""},
		{"GET", "GET", "validationToken=abc", 405, ""},
	}
	for _, endpoint := range []struct {
		name string
		h    http.Handler
	}{{"/listen", r.rc.Notifications()}, {"/listen/lifecycle", r.rc.Lifecycle()}} {
		for _, tt := range tests {
			t.Run(endpoint.name+"/"+tt.name, func(t *testing.T) {
				req := httptest.NewRequest(tt.method, endpoint.name+"?"+tt.query, nil)
				req.Header.Set("Content-Type", "text/plain; charset=utf-8")
				w := httptest.NewRecorder()
				endpoint.h.ServeHTTP(w, req)
				if w.Code != tt.status {
					t.Fatalf("status %d, want %d (%s)", w.Code, tt.status, w.Body)
				}
				if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				if w.Header().Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("no nosniff")
				}
				if tt.status == 200 && w.Body.String() != tt.body {
					t.Errorf("body %q, want %q", w.Body, tt.body)
				}
				if tt.status != 200 && strings.Contains(w.Body.String(), "abc") {
					t.Errorf("a refused handshake echoed the token: %q", w.Body)
				}
			})
		}
	}
	if got := r.stored(t); len(got) != 0 {
		t.Errorf("handshakes stored %d items", len(got))
	}
}

// TestReceiveNotifications runs with the receiver storing through the
// sink and, as NewLive wires it, through the journal (indexed right after).
func TestReceiveNotifications(t *testing.T) {
	for _, journal := range []bool{false, true} {
		t.Run(map[bool]string{false: "sink", true: "journal"}[journal], func(t *testing.T) {
			testReceiveNotifications(t, journal)
		})
	}
}

func testReceiveNotifications(t *testing.T, journal bool) {
	r := newRig(t, rigOptions{journal: journal})
	r.feed(t, "f-alice", "sub-a", "alice-secret", "alice", false)
	r.feed(t, "f-shared", "sub-s", "shared-secret", "bob", true)
	sub, err := r.hub.Subscribe(0, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	body := collection(
		changeJSON("n1", "sub-a", "alice-secret", "da1"),
		changeJSON("n2", "sub-a", "wrong-secret", "da2"),       // wrong clientState
		changeJSON("n3", "sub-unknown", "alice-secret", "da3"), // unknown subscription
		`{"id":"n4","changeType":"created"}`,                   // no subscription id
		changeJSON("n5", "sub-s", "shared-secret", "da5"),
		changeJSON("n6", "sub-a", "", "da6"), // clientState missing
		changeJSON("n7", "sub-a", "ALICE-SECRET", "da7"),
	)
	w := post(r.rc.Notifications(), "/listen", body)
	if w.Code != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", w.Code, w.Body)
	}
	if journal {
		// Only what was accepted went into the journal, in one entry.
		if ids := idsOf(r.journaled.items); !slices.Equal(ids, []string{"n1", "n5"}) {
			t.Fatalf("journaled %v, want [n1 n5]", ids)
		}
		r.settle(t)
	}
	got := r.stored(t)
	if ids := idsOf(got); !slices.Equal(ids, []string{"n1", "n5"}) {
		t.Fatalf("stored %v, want [n1 n5]", ids)
	}
	n1, n5 := got[0], got[1]
	if n1.Source != store.SourceWebhook || n1.Feed != "f-alice" || n1.Owner != "alice" || n1.Shared ||
		n1.ChangeType != "updated" || n1.Resource != "security/alerts/da1" || n1.ResourceID != "da1" ||
		!n1.ReceivedAt.Equal(epoch) || string(n1.Raw) != changeJSON("n1", "sub-a", "(not kept)", "da1") {
		t.Errorf("n1 stored as %+v", n1)
	}
	for _, n := range got {
		if strings.Contains(string(n.Raw), "secret") {
			t.Errorf("%s stored with its clientState: %s", n.ID, n.Raw)
		}
	}
	if n5.Owner != "bob" || !n5.Shared || n5.Feed != "f-shared" {
		t.Errorf("n5 stored as %+v", n5)
	}
	for _, c := range []struct {
		result string
		want   float64
	}{{ResultAccepted, 2}, {ResultClientState, 3}, {ResultUnknownSubscription, 1}, {ResultMalformed, 1}, {ResultDuplicate, 0}} {
		if got := r.count(store.SourceWebhook, c.result); got != c.want {
			t.Errorf("notifications_total{webhook,%s} = %v, want %v", c.result, got, c.want)
		}
	}
	// Published after they were stored, without Raw.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	b, err := sub.Next(ctx)
	if err != nil || !slices.Equal(idsOf(b.Items), []string{"n1", "n5"}) {
		t.Fatalf("subscription got %v, %v", idsOf(b.Items), err)
	}
	if b.Items[0].Raw != nil || b.Items[0].Seq != n1.Seq {
		t.Errorf("published %+v", b.Items[0])
	}

	// The same POST again: duplicates, 202, nothing new.
	w = post(r.rc.Notifications(), "/listen", body)
	if w.Code != http.StatusAccepted {
		t.Fatalf("second POST: status %d", w.Code)
	}
	if journal {
		r.settle(t)
	}
	if len(r.stored(t)) != 2 {
		t.Errorf("the repeated POST stored more")
	}
	if got := r.count(store.SourceWebhook, ResultDuplicate); got != 2 {
		t.Errorf("duplicates counted %v, want 2", got)
	}
}

// TestReceiveRepeatsInAPOST: the receiver remembers the last
// subscription and clientState within a POST; a change of either is
// checked afresh, so a clientState right for one subscription is not
// carried over to another.
func TestReceiveRepeatsInAPOST(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.feed(t, "f-alice", "sub-a", "alice-secret", "alice", false)
	r.feed(t, "f-shared", "sub-s", "shared-secret", "bob", true)
	body := collection(
		changeJSON("n1", "sub-a", "alice-secret", "da1"),
		changeJSON("n2", "sub-a", "wrong-secret", "da2"),
		changeJSON("n3", "sub-a", "alice-secret", "da3"),
		changeJSON("n4", "sub-s", "alice-secret", "da4"),
		changeJSON("n5", "sub-s", "shared-secret", "da5"),
		changeJSON("n6", "sub-a", "shared-secret", "da6"),
		changeJSON("n7", "sub-unknown", "shared-secret", "da7"),
		changeJSON("n8", "sub-s", "shared-secret", "da8"),
	)
	if w := post(r.rc.Notifications(), "/listen", body); w.Code != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", w.Code, w.Body)
	}
	if ids := idsOf(r.stored(t)); !slices.Equal(ids, []string{"n1", "n3", "n5", "n8"}) {
		t.Errorf("stored %v, want [n1 n3 n5 n8]", ids)
	}
	if got := r.count(store.SourceWebhook, ResultClientState); got != 3 {
		t.Errorf("wrong clientStates counted %v, want 3", got)
	}
}

// TestReceiveReusesBodies: the receiver reads bodies into reused
// buffers, so what it keeps of a POST must not change when the next POST
// (of the same length) is read into the same buffer.
func TestReceiveReusesBodies(t *testing.T) {
	r := newRig(t, rigOptions{journal: true})
	r.feed(t, "f-alice", "sub-a", "alice-secret", "alice", false)
	first := collection(changeJSON("n1", "sub-a", "alice-secret", "da1"), changeJSON("n2", "sub-a", "alice-secret", "da2"))
	second := collection(changeJSON("m1", "sub-a", "alice-secret", "db1"), changeJSON("m2", "sub-a", "alice-secret", "db2"))
	if len(first) != len(second) {
		t.Fatal("the bodies must be of one length")
	}
	for _, body := range []string{first, second} {
		if w := post(r.rc.Notifications(), "/listen", body); w.Code != http.StatusAccepted {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	r.journaled.mu.Lock()
	kept := slices.Clone(r.journaled.items)
	r.journaled.mu.Unlock()
	want := []string{changeJSON("n1", "sub-a", "(not kept)", "da1"), changeJSON("n2", "sub-a", "(not kept)", "da2"),
		changeJSON("m1", "sub-a", "(not kept)", "db1"), changeJSON("m2", "sub-a", "(not kept)", "db2")}
	if len(kept) != len(want) {
		t.Fatalf("journaled %v", idsOf(kept))
	}
	for i, it := range kept {
		if string(it.Raw) != want[i] || it.ID != [...]string{"n1", "n2", "m1", "m2"}[i] {
			t.Errorf("item %d kept as %s %s, want %s", i, it.ID, it.Raw, want[i])
		}
	}
}

func idsOf(items []store.Notification) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestReceiveRefusals(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.feed(t, "f", "sub", "secret", "alice", false)
	good := changeJSON("n1", "sub", "secret", "da1")
	huge := collection(good, `{"pad":"`+strings.Repeat("x", MaxNotificationBody)+`"}`)
	tests := []struct {
		name   string
		body   string
		header []string
		status int
	}{
		{"not JSON", "hello", nil, 400},
		{"HTML", "<html><body>hi</body></html>", nil, 400},
		{"array", "[" + good + "]", nil, 400},
		{"no value", `{"id":"n1"}`, nil, 400},
		{"truncated", `{"value":[` + good, nil, 400},
		{"over 1 MiB", huge, nil, 413},
		{"over 1 MiB, no length", huge, []string{"Transfer-Encoding", "chunked"}, 413},
		{"too many items", collection(slices.Repeat([]string{`{}`}, MaxItemsPerPost+1)...), nil, 413},
		{"gzip", collection(good), []string{"Content-Encoding", "gzip"}, 415},
		{"empty value", `{"value":[]}`, nil, 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/listen", strings.NewReader(tt.body))
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			if slices.Contains(tt.header, "chunked") {
				req.ContentLength = -1
			}
			w := httptest.NewRecorder()
			r.rc.Notifications().ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); w.Code != 202 && !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("refusal with Content-Type %q", ct)
			}
		})
	}
	if got := r.stored(t); len(got) != 0 {
		t.Errorf("refused POSTs stored %v", idsOf(got))
	}
}

// failingSink fails every append.
type failingSink struct{}

func (failingSink) Append(context.Context, []Item) ([]Item, error) {
	return nil, errors.New("disk full")
}

func (failingSink) Journal(context.Context, []Item) error { return errors.New("disk full") }

func (failingSink) Arriving() func() { return func() {} }

func TestReceiveStoreFailureIs503(t *testing.T) {
	for _, o := range []rigOptions{{sink: failingSink{}}, {journal: true, journalSink: failingSink{}}} {
		t.Run(fmt.Sprint("journal=", o.journal), func(t *testing.T) {
			r := newRig(t, o)
			r.feed(t, "f", "sub", "secret", "alice", false)
			w := post(r.rc.Notifications(), "/listen", collection(changeJSON("n1", "sub", "secret", "da1")))
			if w.Code != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503 so that Graph retries", w.Code)
			}
			if got := r.count(store.SourceWebhook, ResultStoreError); got != 1 {
				t.Errorf("store errors counted %v", got)
			}
		})
	}
}

// TestReceiveLifecycleBesideTheJournal: with a journal, lifecycle items
// in a POST are stored at once through the sink (the hook needs to know
// whether they are new), change notifications through the journal.
func TestReceiveLifecycleBesideTheJournal(t *testing.T) {
	h := &hook{calls: make(chan Item, 10), block: make(chan struct{})}
	close(h.block)
	r := newRig(t, rigOptions{lifecycle: h, journal: true})
	r.feed(t, "f", "sub", "secret", "alice", false)
	body := collection(changeJSON("n1", "sub", "secret", "da1"), lifecycleJSON("sub", "secret", "missed"))
	if w := post(r.rc.Notifications(), "/listen", body); w.Code != http.StatusAccepted {
		t.Fatalf("status %d", w.Code)
	}
	if ids := idsOf(r.journaled.items); !slices.Equal(ids, []string{"n1"}) {
		t.Errorf("journaled %v, want [n1]", ids)
	}
	select {
	case c := <-h.calls:
		if c.LifecycleEvent != "missed" || c.Seq == 0 {
			t.Errorf("hook got %+v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lifecycle hook was not called")
	}
	r.settle(t)
	if got := r.stored(t); len(got) != 2 {
		t.Errorf("stored %v, want the lifecycle item and n1", idsOf(got))
	}
}

// hook records lifecycle calls; while block is open it holds them.
type hook struct {
	calls chan Item
	block chan struct{}
}

func (h *hook) HandleLifecycle(ctx context.Context, feed store.Feed, item Item) {
	<-h.block
	if feed.ID != item.Feed {
		panic("feed and item disagree")
	}
	h.calls <- item
}

func TestReceiveLifecycle(t *testing.T) {
	h := &hook{calls: make(chan Item, 10), block: make(chan struct{})}
	r := newRig(t, rigOptions{lifecycle: h})
	r.feed(t, "f", "sub", "secret", "alice", false)
	body := collection(lifecycleJSON("sub", "secret", "reauthorizationRequired"), lifecycleJSON("sub", "nope", "subscriptionRemoved"))
	// The hook is blocked: the POST is acknowledged all the same.
	w := post(r.rc.Lifecycle(), "/listen/lifecycle", body)
	if w.Code != http.StatusAccepted {
		t.Fatalf("status %d", w.Code)
	}
	got := r.stored(t)
	if len(got) != 1 {
		t.Fatalf("stored %d lifecycle items, want 1 (the other has a wrong clientState)", len(got))
	}
	it := got[0]
	want := LifecycleID("sub", "reauthorizationRequired", "2026-05-20T00:00:00.0000000Z", epoch)
	if it.Source != store.SourceLifecycle || it.LifecycleEvent != "reauthorizationRequired" || it.ID != want || it.ChangeType != "" {
		t.Errorf("stored %+v", it)
	}
	close(h.block)
	select {
	case c := <-h.calls:
		if c.ID != it.ID || c.Seq != it.Seq {
			t.Errorf("hook got %+v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lifecycle hook was not called")
	}
	// Graph retries the POST a minute later: the same id, a duplicate,
	// and the hook is not called again.
	r.clock.Advance(time.Minute)
	if w := post(r.rc.Lifecycle(), "/listen/lifecycle", body); w.Code != http.StatusAccepted {
		t.Fatalf("status %d", w.Code)
	}
	// Fifteen minutes on, the same event is a new one.
	r.clock.Advance(15 * time.Minute)
	if w := post(r.rc.Notifications(), "/listen", body); w.Code != http.StatusAccepted {
		t.Fatalf("status %d", w.Code)
	}
	if got := r.stored(t); len(got) != 2 {
		t.Errorf("stored %d lifecycle items, want 2", len(got))
	}
	r.rc.Close() // waits for the hook
	if n := len(h.calls); n != 1 {
		t.Errorf("hook called %d more times, want 1 (not for the duplicate)", n)
	}
	if got := r.count(store.SourceLifecycle, ResultDuplicate); got != 1 {
		t.Errorf("lifecycle duplicates %v, want 1", got)
	}
}

func TestLifecycleID(t *testing.T) {
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	a := LifecycleID("s", "missed", "x", base)
	tests := []struct {
		name string
		id   string
		same bool
	}{
		{"same window", LifecycleID("s", "missed", "x", base.Add(LifecycleWindow-time.Nanosecond)), true},
		{"same instant elsewhere", LifecycleID("s", "missed", "x", base.In(time.FixedZone("X", 3600))), true},
		{"next window", LifecycleID("s", "missed", "x", base.Add(LifecycleWindow)), false},
		{"other event", LifecycleID("s", "subscriptionRemoved", "x", base), false},
		{"other subscription", LifecycleID("t", "missed", "x", base), false},
		{"other expiry", LifecycleID("s", "missed", "y", base), false},
		{"no ambiguity across fields", LifecycleID("s\nmissed", "", "x", base), false},
	}
	for _, tt := range tests {
		if (tt.id == a) != tt.same {
			t.Errorf("%s: same = %v, want %v", tt.name, tt.id == a, tt.same)
		}
	}
	if !strings.HasPrefix(a, "lifecycle:") || len(a) > 64 {
		t.Errorf("id %q", a)
	}
}

func TestReceiveReadsBodyOnce(t *testing.T) {
	// A body that errors half-way is a 400, not a hang or a 500.
	r := newRig(t, rigOptions{})
	req := httptest.NewRequest(http.MethodPost, "/listen", io.MultiReader(strings.NewReader(`{"value":[`), errReader{}))
	w := httptest.NewRecorder()
	r.rc.Notifications().ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest {
		t.Errorf("status %d", w.Code)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestSetLifecycleLater(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.feed(t, "f", "sub", "secret", "alice", false)
	h := &hook{calls: make(chan Item, 1), block: make(chan struct{})}
	close(h.block)
	r.rc.SetLifecycle(h)
	if w := post(r.rc.Lifecycle(), "/listen/lifecycle", collection(lifecycleJSON("sub", "secret", "missed"))); w.Code != 202 {
		t.Fatalf("status %d", w.Code)
	}
	select {
	case it := <-h.calls:
		if it.LifecycleEvent != "missed" {
			t.Errorf("hook got %+v", it)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler set after the receiver was not called")
	}
	r.rc.SetLifecycle(nil)
	r.clock.Advance(time.Hour)
	post(r.rc.Lifecycle(), "/listen/lifecycle", collection(lifecycleJSON("sub", "secret", "missed")))
	r.rc.Close()
	if len(h.calls) != 0 {
		t.Error("a removed handler was called")
	}
}
