package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/internal/store"
)

// enrichEnv is an upkeepEnv (a legacy subscription delivering to the
// receiver) with an enricher on the same store and watcher.
type enrichEnv struct {
	*upkeepEnv
	en  *Enricher
	hub *Hub
}

func newEnrichEnv(t *testing.T, eo emulator.Options) *enrichEnv {
	t.Helper()
	e := &enrichEnv{upkeepEnv: newUpkeepEnv(t, eo, UpkeepOptions{})}
	hub, err := NewHub(HubOptions{Store: e.st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	e.hub = hub
	e.newEnricher()
	return e
}

// newEnricher starts an enricher on the current watcher (after restart:
// a restarted console's).
func (e *enrichEnv) newEnricher() {
	e.t.Helper()
	en, err := e.w.NewEnricher(EnricherOptions{Store: e.st.(*sqlStore), Broker: e.hub})
	if err != nil {
		e.t.Fatal(err)
	}
	e.en = en
}

// raiseLegacy raises a new legacy alert, high and new, and returns its id
// and title.
func (e *enrichEnv) raiseLegacy() (id, title string) {
	e.t.Helper()
	a, err := e.emu.Store().AddLegacyAlert(change.OriginControl, odata.Object{"severity": "high", "status": "newAlert"}, odata.At(e.clk.Now()))
	if err != nil {
		e.t.Fatal(err)
	}
	return a["id"].(string), a["title"].(string)
}

// changeLegacy changes a legacy alert as its provider would, a minute on.
func (e *enrichEnv) changeLegacy(id string, props odata.Object) {
	e.t.Helper()
	e.clk.Advance(time.Minute)
	if _, err := e.emu.Store().ChangeLegacyAlert(change.OriginControl, id, props, odata.At(e.clk.Now())); err != nil {
		e.t.Fatal(err)
	}
}

func (e *enrichEnv) pass() EnrichStats {
	e.t.Helper()
	st, err := e.en.Pass(context.Background())
	if err != nil {
		e.t.Fatalf("enrich pass: %v", err)
	}
	return st
}

// webhookItems returns the feed's webhook items, oldest first.
func (e *enrichEnv) webhookItems(feed string) []store.Notification {
	var out []store.Notification
	for _, it := range e.st.itemsOf(feed) {
		if it.Source == store.SourceWebhook {
			out = append(out, it)
		}
	}
	return out
}

func (e *enrichEnv) lookups(alert string) int {
	e.wire.mu.Lock()
	defer e.wire.mu.Unlock()
	return e.wire.byPath["/v1.0/security/alerts/"+alert]
}

// TestEnrichLegacyWebhook: the webhook item is stored with the alert's id
// alone; a pass looks the alert up (through the shared budget) and
// stores its title; after a change, the next item also says what changed
// since the previous version; an open stream hears both, and ?q= finds
// the title.
func TestEnrichLegacyWebhook(t *testing.T) {
	e := newEnrichEnv(t, emulator.Options{})
	ctx := context.Background()
	f := e.create("severity=high", false)
	id, title := e.raiseLegacy()
	e.deliver()
	items := e.webhookItems(f.ID)
	if len(items) != 1 || items[0].Title != "" || !strings.EqualFold(items[0].ResourceID, id) {
		t.Fatalf("stored webhook items %+v, want one with the alert's id and no title", items)
	}
	sub, err := e.hub.Subscribe(items[0].Seq, analyst.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	before := e.w.Budget().Stats().Requests
	if st := e.pass(); st.Lookups != 1 || st.Done != 1 {
		t.Fatalf("pass: %+v", st)
	}
	if got := e.w.Budget().Stats().Requests - before; got != 1 {
		t.Errorf("the budget paced %d requests for one lookup", got)
	}
	if n := e.lookups(id); n != 1 {
		t.Errorf("%d GETs of the alert", n)
	}
	items = e.webhookItems(f.ID)
	if items[0].Title != title || items[0].Changes != nil {
		t.Errorf("after the pass: title %q, changes %s; want %q and none (no previous version)", items[0].Title, items[0].Changes, title)
	}
	next := func() Batch {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		b, err := sub.Next(wctx)
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		return b
	}
	if b := next(); len(b.Items) != 0 || len(b.Enriched) != 1 || b.Enriched[0].Seq != items[0].Seq || b.Enriched[0].Title != title {
		t.Errorf("the stream heard %+v, want the enrichment of seq %d", b, items[0].Seq)
	}
	if st := e.pass(); st != (EnrichStats{}) {
		t.Errorf("a second pass did %+v", st)
	}

	e.changeLegacy(id, odata.Object{"status": "inProgress"})
	e.deliver()
	items = e.webhookItems(f.ID)
	if len(items) != 2 || items[1].Title != "" {
		t.Fatalf("after the change: %+v", items)
	}
	e.hub.Publish(items[1:]) // as the console's sink does once it is stored
	if st := e.pass(); st.Lookups != 1 || st.Done != 1 {
		t.Fatalf("pass: %+v", st)
	}
	items = e.webhookItems(f.ID)
	var ch map[string]struct{ From, To *string }
	if err := json.Unmarshal(items[1].Changes, &ch); err != nil || len(ch) != 1 ||
		ch["status"].From == nil || *ch["status"].From != "newAlert" || *ch["status"].To != "inProgress" {
		t.Errorf("changes %s, want status newAlert → inProgress", items[1].Changes)
	}
	if items[1].Title != title {
		t.Errorf("title %q", items[1].Title)
	}
	b := next()
	if len(b.Items) != 1 || b.Items[0].Seq != items[1].Seq {
		t.Errorf("the stream sent %+v, want the item before its enrichment", b)
	}
	for len(b.Enriched) == 0 {
		b = next()
	}
	if b.Enriched[0].Seq != items[1].Seq || string(b.Enriched[0].Changes) != string(items[1].Changes) {
		t.Errorf("the stream heard %+v", b.Enriched)
	}
	q := strings.ToUpper(title[:min(len(title), 12)])
	found, err := e.st.ListNotifications(ctx, store.NotificationFilter{Feed: f.ID, Q: q})
	if err != nil || len(found) != 2 {
		t.Errorf("?q=%s finds %d items (%v), want both", q, len(found), err)
	}
}

// TestEnrichOneLookupPerAlert: several items of one alert, in one pass or
// two feeds, cost one GET; only the newest of each feed carries changes.
func TestEnrichOneLookupPerAlert(t *testing.T) {
	e := newEnrichEnv(t, emulator.Options{})
	f := e.create("severity=high", false)
	g := e.create("severity=high", true)
	id, title := e.raiseLegacy()
	e.changeLegacy(id, odata.Object{"status": "inProgress"})
	e.changeLegacy(id, odata.Object{"assignedTo": "ada@graphsec-demo.onmicrosoft.com"})
	e.deliver()
	if n := len(e.webhookItems(f.ID)) + len(e.webhookItems(g.ID)); n != 6 {
		t.Fatalf("%d webhook items, want 3 per feed", n)
	}
	if st := e.pass(); st.Lookups != 1 || st.Done != 6 {
		t.Fatalf("pass: %+v", st)
	}
	if n := e.lookups(id); n != 1 {
		t.Errorf("%d GETs of the alert, want 1", n)
	}
	for _, feed := range []string{f.ID, g.ID} {
		for _, it := range e.webhookItems(feed) {
			if it.Title != title || it.Changes != nil {
				t.Errorf("item %d: title %q, changes %s (no previous version known)", it.Seq, it.Title, it.Changes)
			}
		}
	}
}

// TestEnrichGoneAndFailed: an alert Graph answers 404 for is marked and
// not looked up again; an alert Graph refuses (403) is tried again after
// the back-off and given up after MaxFailures; both keep their ids.
func TestEnrichGoneAndFailed(t *testing.T) {
	e := newEnrichEnv(t, emulator.Options{})
	ctx := context.Background()
	f := e.create("severity=high", false)
	missing := store.Notification{
		ID: "gone-1", Source: store.SourceWebhook, Feed: f.ID, Owner: f.Owner, ChangeType: "updated",
		Resource: "security/alerts/no-such-alert", ResourceID: "no-such-alert", ReceivedAt: e.clk.Now(),
	}
	if _, err := e.st.Append(ctx, []store.Notification{missing}); err != nil {
		t.Fatal(err)
	}
	if st := e.pass(); st.Lookups != 1 || st.Gone != 1 {
		t.Fatalf("pass: %+v", st)
	}
	if st := e.pass(); st.Lookups != 0 {
		t.Errorf("a gone alert was looked up again: %+v", st)
	}

	id, _ := e.raiseLegacy()
	e.deliver()
	e.control("POST", "/_emulator/faults", `{"path":"/security/alerts/`+id+`","status":403,"count":10}`)
	for i := range DefaultEnrichFailures {
		st := e.pass()
		want := EnrichStats{Lookups: 1, Waiting: 1}
		if i == DefaultEnrichFailures-1 {
			want = EnrichStats{Lookups: 1, Failed: 1}
		}
		if st != want {
			t.Fatalf("pass %d: %+v, want %+v", i, st, want)
		}
		if st := e.pass(); st != (EnrichStats{Waiting: 1}) && i < DefaultEnrichFailures-1 {
			t.Fatalf("within the back-off: %+v", st)
		}
		e.clk.Advance(DefaultEnrichBackoff)
	}
	if st := e.pass(); st != (EnrichStats{}) {
		t.Errorf("after giving up: %+v", st)
	}
	for _, it := range e.st.itemsOf(f.ID) {
		if it.Title != "" {
			t.Errorf("item %s has title %q", it.ID, it.Title)
		}
	}
	if pending, _ := e.st.(*sqlStore).PendingEnrichments(ctx, 0, 0); len(pending) != 0 {
		t.Errorf("%d items still pending", len(pending))
	}
}

// TestEnrichThrottledThenRestart: Graph throttles the lookup past the
// client's retries; the pass waits out every Retry-After through the
// shared budget, leaves the item pending (never dropped) and ends. A
// console restarted then (a new watcher, budget and enricher on the same
// store) enriches it, and the next version's changes come from the
// fields stored before the restart.
func TestEnrichThrottledThenRestart(t *testing.T) {
	e := newEnrichEnv(t, emulator.Options{})
	f := e.create("severity=high", false)
	id, title := e.raiseLegacy()
	e.deliver()
	e.control("POST", "/_emulator/faults", `{"path":"/security/alerts/`+id+`","status":429,"retryAfter":"90","count":6}`)
	start := e.clk.Now()
	if st := e.pass(); st.Lookups != 1 || st.Waiting != 1 || st.Done != 0 {
		t.Fatalf("throttled pass: %+v", st)
	}
	bs := e.w.Budget().Stats()
	if bs.Throttled != 6 || e.clk.Now().Sub(start) < 5*90*time.Second {
		t.Errorf("budget %+v after %v: want the six 429s seen and their Retry-After waited", bs, e.clk.Now().Sub(start))
	}
	if it := e.webhookItems(f.ID)[0]; it.Title != "" {
		t.Fatalf("title %q after a throttled pass", it.Title)
	}
	if st := e.pass(); st.Done != 1 {
		t.Fatalf("the pass after the throttling: %+v", st)
	}
	if it := e.webhookItems(f.ID)[0]; it.Title != title {
		t.Fatalf("title %q, want %q", it.Title, title)
	}

	e.changeLegacy(id, odata.Object{"feedback": "truePositive", "status": "resolved"})
	e.deliver()
	e.restart(UpkeepOptions{})
	e.newEnricher()
	if st := e.pass(); st.Done != 1 {
		t.Fatalf("pass after the restart: %+v", st)
	}
	if n := e.w.Budget().Stats().Requests; n != 1 {
		t.Errorf("the new budget paced %d requests, want the lookup", n)
	}
	items := e.webhookItems(f.ID)
	want := `{"status":{"from":"newAlert","to":"resolved"},"feedback":{"from":null,"to":"truePositive"}}`
	if got := string(items[1].Changes); got != want {
		t.Errorf("changes after the restart %s, want %s", got, want)
	}
}

// TestEnricherRun: Run enriches what arrives until its context ends.
func TestEnricherRun(t *testing.T) {
	e := newEnrichEnv(t, emulator.Options{})
	f := e.create("severity=high", false)
	_, title := e.raiseLegacy()
	e.deliver()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.en.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for e.webhookItems(f.ID)[0].Title != title {
		if time.Now().After(deadline) {
			t.Fatal("Run did not enrich the item")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestLegacyAlertID(t *testing.T) {
	for _, c := range []struct {
		resource, resourceID, want string
	}{
		{"security/alerts/abc", "abc", "abc"},
		{"Security/Alerts/ABC", "", "ABC"},
		{"/security/alerts/x1", "", "x1"},
		{"security/alerts_v2/abc", "abc", ""},
		{"security/incidents/1", "1", ""},
		{"security/alerts/", "", ""},
		{"security/alerts/a/b", "", ""},
		{"", "", ""},
	} {
		t.Run(c.resource, func(t *testing.T) {
			if got := legacyAlertID(Item{Resource: c.resource, ResourceID: c.resourceID}); got != c.want {
				t.Errorf("legacyAlertID(%q, %q) = %q, want %q", c.resource, c.resourceID, got, c.want)
			}
		})
	}
}

// FuzzEnrichParsers: legacyAlertID names an id only for a legacy alert's
// resource, never one holding a path or query character; fields survive
// their JSON, and parseFields reads anything without failing.
func FuzzEnrichParsers(f *testing.F) {
	f.Add("security/alerts/abc", "", "x", []byte(`{"status":"newAlert"}`))
	f.Add("/Security/Alerts/ID", "ID", "", []byte(`null`))
	f.Add("security/alerts_v2/x", "x", "\x00", []byte(`{"title":1}`))
	f.Fuzz(func(t *testing.T, resource, resourceID, value string, raw []byte) {
		id := legacyAlertID(Item{Resource: resource, ResourceID: resourceID})
		if id != "" {
			if strings.ContainsAny(id, "/?#") {
				t.Fatalf("legacyAlertID(%q, %q) = %q", resource, resourceID, id)
			}
			if r := strings.TrimPrefix(resource, "/"); len(r) < 16 || !strings.EqualFold(r[:16], "security/alerts/") {
				t.Fatalf("legacyAlertID(%q) = %q for another resource", resource, id)
			}
		}
		names := legacyKeyNames()
		var k keyFields
		for i := range names {
			k[i] = value
		}
		if got := parseFields(names, fieldsJSON(names, k)); strings.ToValidUTF8(value, "\uFFFD") == value && got != k {
			t.Fatalf("fields %q read back as %q", k, got)
		}
		_ = parseFields(names, raw)
	})
}
