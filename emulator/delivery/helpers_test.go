package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/internal/clock"
)

const (
	testTenant = "3f9d6a7e-52c1-4b8e-9a0d-7c2e41b5f8a6"
	testApp    = "6731de76-14a6-49ae-97bc-6eba6914391e"
	testUser   = "0b8f5a2c-1111-4a4a-9c9c-2d2d2d2d2d2d"
)

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// received is one POST a receiver got.
type received struct {
	query       url.Values
	contentType string
	raw         []byte
	items       []map[string]any
}

// receiver is a subscriber's endpoint: it records every POST and answers
// with answer(n) for the n-th (1-based; default 202).
type receiver struct {
	*httptest.Server
	answer func(n int) int
	// before runs first in each request (n is 1-based): tests block,
	// sleep or move the stopwatch there.
	before func(n int, r *http.Request)

	mu                    sync.Mutex
	posts                 []received
	inflight, maxInflight int
}

func newReceiver(t testing.TB) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.inflight++
	rc.maxInflight = max(rc.maxInflight, rc.inflight)
	n := len(rc.posts) + 1
	var body struct {
		Value []map[string]any `json:"value"`
	}
	_ = json.Unmarshal(raw, &body)
	rc.posts = append(rc.posts, received{query: r.URL.Query(), contentType: r.Header.Get("Content-Type"), raw: raw, items: body.Value})
	before, answer := rc.before, rc.answer
	rc.mu.Unlock()
	defer func() {
		rc.mu.Lock()
		rc.inflight--
		rc.mu.Unlock()
	}()
	if before != nil {
		before(n, r)
	}
	status := http.StatusAccepted
	if answer != nil {
		status = answer(n)
	}
	w.WriteHeader(status)
}

func (rc *receiver) got() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.posts...)
}

// items lists every notification received, in arrival order.
func (rc *receiver) items() []map[string]any {
	var out []map[string]any
	for _, p := range rc.got() {
		out = append(out, p.items...)
	}
	return out
}

type harness struct {
	t     testing.TB
	clock *clock.Fake
	watch *clock.Fake
	subs  *graphapi.Subscriptions
	dir   *tenant.Directory
	d     *Delivery
	seq   uint64
}

// newHarness starts a Delivery on a stopped clock at t0, with the demo
// app consented (application and delegated SecurityEvents.ReadWrite.All).
func newHarness(t testing.TB, o Options) *harness {
	t.Helper()
	h := &harness{t: t, clock: clock.NewFake(t0), watch: clock.NewFake(t0), subs: graphapi.NewSubscriptions()}
	h.dir = tenant.NewDirectory(testTenant, "example.onmicrosoft.com", "Example")
	h.dir.PutApp(tenant.App{ClientID: testApp, Application: []string{"SecurityEvents.ReadWrite.All"}, Delegated: []string{"SecurityEvents.ReadWrite.All"}})
	h.dir.GrantAdminConsent(testApp, []string{"SecurityEvents.ReadWrite.All"}, []string{"SecurityEvents.ReadWrite.All"})
	o.Subscriptions, o.Directory, o.Clock = h.subs, h.dir, h.clock
	if o.Stopwatch == nil {
		o.Stopwatch = h.watch
	}
	h.d = New(o)
	t.Cleanup(func() { h.d.Close() })
	return h
}

// compileFilter compiles a subscription filter as graphapi does.
func compileFilter(t testing.TB, expr string) *odata.Filter {
	t.Helper()
	q, err := odata.ParseQuery("$filter="+url.QueryEscape(expr), odata.Spec{Type: model.Graph().LegacyAlert, Allow: odata.OptFilter, Limits: odata.DefaultLimits()})
	if err != nil {
		t.Fatalf("filter %q: %v", expr, err)
	}
	return q.Filter
}

// sub describes a subscription for subscribe; zero fields take defaults.
type sub struct {
	id, filter, alertID, changeType, url, lifecycle, clientState string
	expires                                                      time.Duration
	delegated                                                    bool
}

func (h *harness) subscribe(s sub) graphapi.Subscription {
	h.t.Helper()
	if s.id == "" {
		h.seq++
		s.id = "00000000-0000-4000-8000-" + leftPad(h.seq)
	}
	if s.changeType == "" {
		s.changeType = "created,updated"
	}
	if s.expires == 0 {
		s.expires = 72 * time.Hour
	}
	x := graphapi.Subscription{
		ID: s.id, NotificationURL: s.url, LifecycleNotificationURL: s.lifecycle, ClientState: s.clientState,
		ChangeTypes: strings.Split(s.changeType, ","), ExpirationDateTime: h.clock.Now().Add(s.expires),
		ApplicationID: testApp, TenantID: testTenant, CreatorID: "sp-" + testApp,
		CreatedDateTime: h.clock.Now(), LastReauthorizedDateTime: h.clock.Now(),
	}
	if s.delegated {
		x.Delegated, x.CreatorID = true, testUser
	}
	switch {
	case s.alertID != "":
		x.Resource, x.AlertID = "security/alerts/"+s.alertID, s.alertID
	default:
		if s.filter == "" {
			s.filter = "status eq 'NewAlert'"
		}
		x.Resource, x.Filter = "security/alerts?$filter="+s.filter, compileFilter(h.t, s.filter)
	}
	h.subs.Put(x)
	return x
}

func leftPad(n uint64) string { return fmt.Sprintf("%012d", n) }

// alert builds a legacy alert in stored form.
func alert(id string, kv ...any) odata.Object {
	a := odata.Object{"id": id, "status": "newAlert", "severity": "high", "title": "Suspicious sign-in",
		"vendorInformation": odata.Object{"provider": "ASC", "vendor": "Microsoft"}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(a, kv[i].(string))
			continue
		}
		a[kv[i].(string)] = kv[i+1]
	}
	return a
}

// created and updated publish changes as the store would.
func (h *harness) created(doc odata.Object) {
	h.seq++
	h.d.Publish(change.Event{Seq: h.seq, Resource: change.LegacyAlerts, ID: doc["id"].(string), Type: change.Created, Doc: doc, At: h.clock.Now(), Origin: change.OriginControl})
}

func (h *harness) updated(old, doc odata.Object) {
	h.seq++
	h.d.Publish(change.Event{Seq: h.seq, Resource: change.LegacyAlerts, ID: doc["id"].(string), Type: change.Updated, Doc: doc, Old: old, At: h.clock.Now(), Origin: change.OriginClient})
}

func (h *harness) flush() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.d.Flush(ctx); err != nil {
		h.t.Fatalf("delivery did not settle: %v (stats %+v)", err, h.d.Stats())
	}
}

func (h *harness) advance(d time.Duration) {
	h.clock.Advance(d)
	h.flush()
}

// endpointStats finds an endpoint's statistics by URL (without query).
func (h *harness) endpointStats(u string) EndpointStats {
	h.t.Helper()
	for _, e := range h.d.Stats().Endpoints {
		if e.URL == stripQuery(u) {
			return e
		}
	}
	h.t.Fatalf("no endpoint %s in %+v", u, h.d.Stats().Endpoints)
	return EndpointStats{}
}
