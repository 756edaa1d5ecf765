package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/graphsec/graphsec/emulator/delivery"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// lifecycleHook records what the receiver hands to subscription upkeep.
type lifecycleHook struct{ items chan notify.Item }

func (h *lifecycleHook) HandleLifecycle(_ context.Context, feed store.Feed, it notify.Item) {
	if feed.ID == it.Feed {
		h.items <- it
	}
}

// liveEnv is a console with live alerts on an emulator, and an app-only
// Graph client to create subscriptions with.
type liveEnv struct {
	*webtest.Harness
	app  *graph.Client
	hook *lifecycleHook
}

func newLiveEnv(t *testing.T) *liveEnv {
	hook := &lifecycleHook{items: make(chan notify.Item, 16)}
	h := webtest.New(t, webtest.Options{Live: true, Lifecycle: hook})
	cc := &clientcredentials.Config{
		ClientID: h.Emu.ClientID(), ClientSecret: h.Emu.ClientSecret(),
		TokenURL: h.Emu.AuthorityURL() + "/oauth2/v2.0/token", Scopes: []string{"https://graph.microsoft.com/.default"},
	}
	app, err := graph.New(graph.Options{BaseURL: h.Emu.URL(), Tokens: graph.AppTokens(context.Background(), cc)})
	if err != nil {
		t.Fatal(err)
	}
	return &liveEnv{Harness: h, app: app, hook: hook}
}

// subscribe creates a Graph subscription to high-severity legacy alerts
// delivered to the console's receiver (the emulator runs the validation
// handshake against it) and, unless recordAs is "", graphsec's record of
// it holding the hash of recordAs as its clientState.
func (e *liveEnv) subscribe(t *testing.T, feedID, clientState, recordAs, owner string, shared bool) *graph.Subscription {
	t.Helper()
	sub, _, err := e.app.Subscriptions.Create(t.Context(), graph.Subscription{
		Resource: "security/alerts?$filter=severity eq 'high'", ChangeType: "created,updated",
		NotificationURL: e.URL + "/listen", LifecycleNotificationURL: e.URL + "/listen/lifecycle",
		ExpirationDateTime: e.Clock.Now().Add(graph.MaxAlertSubscriptionLifetime - time.Hour), ClientState: clientState,
	})
	if err != nil {
		t.Fatalf("creating a subscription (the handshake goes through the console's /listen): %v", err)
	}
	if recordAs != "" {
		err := e.Live.Feeds.CreateFeed(t.Context(), store.Feed{
			ID: feedID, Kind: store.FeedSubscription, Owner: owner, Shared: shared, Target: "legacyAlerts",
			Resource: sub.Resource, GraphID: sub.ID, ClientStateHash: notify.HashClientState(recordAs),
			ChangeType: sub.ChangeType, ExpiresAt: sub.ExpirationDateTime, Auth: "app", State: "active",
			CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now(),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return sub
}

// control calls the emulator's control plane.
func (e *liveEnv) control(t *testing.T, method, path, body string) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, e.Emu.URL()+"/_emulator"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

// raise makes a provider raise a high-severity legacy alert, waits until
// the emulator has delivered what it owes, and returns the alert's id.
func (e *liveEnv) raise(t *testing.T, title string) string {
	t.Helper()
	var a struct{ ID string }
	json.Unmarshal(e.control(t, "POST", "/legacy/alerts", `{"severity":"high","title":"`+title+`"}`), &a)
	if a.ID == "" {
		t.Fatal("the control plane returned no alert id")
	}
	e.flush(t)
	return a.ID
}

func (e *liveEnv) flush(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := e.Emu.Delivery().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Acknowledged means journaled: wait until it is indexed too.
	if err := e.Live.Sink.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *liveEnv) stored(t *testing.T, f store.NotificationFilter) []store.Notification {
	t.Helper()
	f.AfterSeq, f.Limit = store.FromStart, store.MaxNotificationLimit
	items, err := e.Store.ListNotifications(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func (e *liveEnv) count(source store.Source, result string) float64 {
	var m dto.Metric
	e.Live.Metrics.Notifications.WithLabelValues(string(source), result).Write(&m)
	return m.GetCounter().GetValue()
}

// openStream connects to the console's stream with a signed-in client.
func openStream(t *testing.T, c *http.Client, url, lastEventID string) (<-chan notify.EventView, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/notifications/stream", nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	out := make(chan notify.EventView, 100)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var v notify.EventView
				if json.Unmarshal([]byte(data), &v) == nil {
					out <- v
				}
			}
		}
	}()
	return out, resp
}

func nextEvent(t *testing.T, events <-chan notify.EventView) notify.EventView {
	t.Helper()
	select {
	case v, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return notify.EventView{}
}

// TestLiveAlertsEndToEnd follows Graph's real delivery (the emulator's)
// through the console: subscriptions validated by the console's /listen,
// a provider's alert delivered, checked, stored and streamed to its
// owner; wrong clientStates and unknown subscriptions dropped; the
// emulator's duplicate and reorder faults; a lifecycle event.
func TestLiveAlertsEndToEnd(t *testing.T) {
	e := newLiveEnv(t)
	owner, other := e.User("Security Operator"), e.User("Security Reader")
	good := e.subscribe(t, "f-good", "good-secret", "good-secret", owner, false)
	e.subscribe(t, "f-wrong", "what-graph-sends", "what-graphsec-stored", owner, false)
	e.subscribe(t, "", "stranger", "", "", false)

	ob, _ := e.SignIn(owner, "/alerts")
	ownerEvents, resp := openStream(t, ob.Client, e.URL, "0")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("owner's stream: %d", resp.StatusCode)
	}
	rb, _ := e.SignIn(other, "/alerts")
	otherEvents, _ := openStream(t, rb.Client, e.URL, "0")

	// One alert: three subscriptions are notified, one item is stored.
	first := e.raise(t, "E2E first")
	items := e.stored(t, store.NotificationFilter{})
	if len(items) != 1 || items[0].Feed != "f-good" || items[0].ResourceID != first ||
		items[0].Resource != "security/alerts/"+first || items[0].ChangeType != "created" || items[0].Owner != owner {
		t.Fatalf("stored %+v, want the good feed's notification of %s", items, first)
	}
	if got := e.count(store.SourceWebhook, notify.ResultClientState); got != 1 {
		t.Errorf("wrong clientStates counted %v, want 1", got)
	}
	if got := e.count(store.SourceWebhook, notify.ResultUnknownSubscription); got != 1 {
		t.Errorf("unknown subscriptions counted %v, want 1", got)
	}
	if v := nextEvent(t, ownerEvents); v.ResourceID != first || v.Seq != items[0].Seq || v.Feed != "f-good" {
		t.Errorf("owner's stream: %+v", v)
	}

	// A shared feed: the other user sees its item, never the owner's.
	e.subscribe(t, "f-shared", "shared-secret", "shared-secret", owner, true)
	second := e.raise(t, "E2E second")
	v := nextEvent(t, otherEvents)
	if v.Feed != "f-shared" || v.ResourceID != second {
		t.Errorf("the other user's first event is %+v, want the shared feed's notification of %s", v, second)
	}
	got := []string{nextEvent(t, ownerEvents).Feed, nextEvent(t, ownerEvents).Feed}
	slices.Sort(got)
	if !slices.Equal(got, []string{"f-good", "f-shared"}) {
		t.Errorf("the owner's next events come from %v", got)
	}

	// Duplicates: every notification delivered twice, stored once.
	e.Emu.Delivery().SetFaults(delivery.Faults{Duplicate: 1})
	before := len(e.stored(t, store.NotificationFilter{}))
	third := e.raise(t, "E2E duplicated")
	e.flush(t)
	if n := len(e.stored(t, store.NotificationFilter{Q: third})); n != 2 {
		t.Errorf("%d items for %s, want 2 (good and shared feeds, each once)", n, third)
	}
	if got := e.count(store.SourceWebhook, notify.ResultDuplicate); got < 2 {
		t.Errorf("duplicates counted %v, want at least 2", got)
	}

	// Reordered delivery: every alert arrives, once.
	e.Emu.Delivery().SetFaults(delivery.Faults{Reorder: 1})
	var ids []string
	for _, title := range []string{"r1", "r2", "r3", "r4", "r5"} {
		var a struct{ ID string }
		json.Unmarshal(e.control(t, "POST", "/legacy/alerts", `{"severity":"high","title":"`+title+`"}`), &a)
		ids = append(ids, a.ID)
	}
	e.flush(t)
	e.Emu.Delivery().SetFaults(delivery.Faults{})
	all := e.stored(t, store.NotificationFilter{Feed: "f-good"})
	var gotIDs []string
	for _, it := range all[len(all)-5:] {
		gotIDs = append(gotIDs, it.ResourceID)
	}
	slices.Sort(gotIDs)
	slices.Sort(ids)
	if !slices.Equal(gotIDs, ids) || len(e.stored(t, store.NotificationFilter{}))-before != 2+10 {
		t.Errorf("after reordered delivery the good feed's last items are %v, want %v", gotIDs, ids)
	}

	// Lifecycle: Graph removes the good subscription.
	e.control(t, "POST", "/subscriptions/"+good.ID+"/remove", "")
	e.flush(t)
	select {
	case it := <-e.hook.items:
		if it.LifecycleEvent != "subscriptionRemoved" || it.Feed != "f-good" || it.Source != store.SourceLifecycle {
			t.Errorf("lifecycle hook got %+v", it)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the lifecycle hook was not called")
	}
	if n := len(e.stored(t, store.NotificationFilter{Source: store.SourceLifecycle})); n != 1 {
		t.Errorf("%d lifecycle items stored, want 1", n)
	}
}

func TestLiveRoutesAccess(t *testing.T) {
	e := newLiveEnv(t)
	// The stream needs a session: 401, not the sign-in page.
	resp, err := http.Get(e.URL + "/notifications/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("stream without a session: %d, want 401", resp.StatusCode)
	}
	// Graph's POSTs pass the cross-origin protection without a session or
	// a CSRF token; a browser's cross-site POST does not.
	for _, tt := range []struct {
		name   string
		header []string
		status int
	}{
		{"server to server", nil, http.StatusOK},
		{"cross-site browser", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/listen?validationToken=hello", nil)
		for i := 0; i+1 < len(tt.header); i += 2 {
			req.Header.Set(tt.header[i], tt.header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.status == 200 && string(body) != "hello") {
			t.Errorf("%s: %d %q", tt.name, resp.StatusCode, body)
		}
	}
	// GET /listen is no handshake.
	resp, _ = http.Get(e.URL + "/listen?validationToken=hello")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || bytes.Equal(body, []byte("hello")) {
		t.Errorf("GET /listen: %d %q", resp.StatusCode, body)
	}
	// /metrics: loopback yes, through a proxy no.
	resp, _ = http.Get(e.URL + "/metrics")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("graphsec_notification_ack_seconds")) {
		t.Errorf("/metrics from loopback: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/metrics", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("/metrics through a proxy: %d, want 403", resp.StatusCode)
	}
}

// TestListenAnswerHeaders: the receiver's 202 is a bare status line (the
// console's document headers are for browsers, and under load they were
// most of the answer), while the handshake, which reflects a token as text,
// and the errors keep them.
func TestListenAnswerHeaders(t *testing.T) {
	e := newLiveEnv(t)
	sub := e.subscribe(t, "feed-h", "state-h", "state-h", "alice", false)
	note := `{"value":[{"id":"n-h","subscriptionId":"` + sub.ID + `","clientState":"state-h","changeType":"updated",` +
		`"resource":"security/alerts/a-h","resourceData":{"id":"a-h"},"tenantId":"t"}]}`
	document := []string{"Content-Security-Policy", "X-Frame-Options", "X-Request-Id", "Referrer-Policy"}
	for _, tt := range []struct {
		name, query, body string
		status            int
		headers           bool
	}{
		{"accepted", "", note, http.StatusAccepted, false},
		{"handshake", "?validationToken=%3Cb%3Ehi%3C%2Fb%3E", "", http.StatusOK, true},
		{"malformed", "", `{"value":`, http.StatusBadRequest, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(e.URL+"/listen"+tt.query, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for _, h := range document {
				if got := resp.Header.Get(h) != ""; got != tt.headers {
					t.Errorf("%s present: %v, want %v", h, got, tt.headers)
				}
			}
			if tt.headers && resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff on an answer with a body")
			}
		})
	}
}
