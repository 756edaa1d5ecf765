package emulator_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/delivery"
)

func flushDelivery(t testing.TB, emu *emulator.Emulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := emu.Delivery().Flush(ctx); err != nil {
		t.Fatalf("delivery did not settle: %v", err)
	}
}

// subscriber answers the validation handshake as Microsoft's samples do
// and records every notification POSTed to it; fail makes it answer 500
// to the next n notification POSTs.
type subscriber struct {
	*httptest.Server
	mu    sync.Mutex
	posts []notificationPost
	fail  int
}

type notificationPost struct {
	path, query string
	items       []map[string]any
}

func newSubscriber(t *testing.T) *subscriber {
	t.Helper()
	s := &subscriber{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, tok)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		var body struct {
			Value []map[string]any `json:"value"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("notification body is not a collection: %v: %s", err, raw)
		}
		s.mu.Lock()
		s.posts = append(s.posts, notificationPost{path: r.URL.Path, query: r.URL.RawQuery, items: body.Value})
		failing := s.fail > 0
		if failing {
			s.fail--
		}
		s.mu.Unlock()
		if failing {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *subscriber) items(path string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, p := range s.posts {
		if p.path == path {
			out = append(out, p.items...)
		}
	}
	return out
}

func (s *subscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.posts)
}

// TestHandshakeAsMicrosoftSamplesAnswer: the real service checks status
// and body, not the content type; Microsoft's Python (Flask) and Node
// (Express res.send) samples answer text/html and must subscribe.
func TestHandshakeAsMicrosoftSamplesAnswer(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	for _, mode := range []string{"flask", "express", "token-as-json"} {
		t.Run(mode, func(t *testing.T) {
			rc := newReceiver(t, mode)
			r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, newSubscription(emu, rc.URL+"/api/notifications"))
			mustStatus(t, r, http.StatusCreated)
			if n := len(rc.requests()); n != 1 {
				t.Fatalf("%d requests", n)
			}
		})
	}
}

func TestHandshakeNetworkGuard(t *testing.T) {
	emu := start(t, emulator.Options{WebhookClient: &http.Client{Timeout: 300 * time.Millisecond}})
	tok := tokensFor(t, emu)
	rc := newReceiver(t, "echo")
	port := rc.Listener.Addr().(*net.TCPAddr).Port
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/throttle", "", map[string]any{"perMinute": 77}), 200)
	for _, tt := range []struct {
		name, url string
		status    int
		msg       string
	}{
		{"the emulator's own control plane", emu.URL() + "/_emulator/reset", 400, "the emulator's own listener"},
		{"its control plane by localhost", strings.Replace(emu.URL(), "127.0.0.1", "localhost", 1) + "/_emulator/reset", 400, "the emulator's own listener"},
		{"cloud metadata", "https://169.254.169.254/latest/meta-data", 400, "a cloud metadata service"},
		{"a private address over https", "https://10.0.0.1/hook", 400, "a private address"},
		{"a private address over http", "http://10.0.0.1/hook", 400, "must use https"},
		{"link-local IPv6", "https://[fe80::1]/hook", 400, "a link-local address"},
		{"*.localhost resolves to loopback without DNS", "http://hooks.localhost:" + strconv.Itoa(port) + "/x", 201, ""},
		{"loopback is allowed", rc.URL + "/hook", 201, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, newSubscription(emu, tt.url))
			mustStatus(t, r, tt.status)
			if tt.msg != "" && !strings.Contains(r.str("error", "message"), tt.msg) {
				t.Fatalf("message %q, want it to mention %q", r.str("error", "message"), tt.msg)
			}
		})
	}
	if got := call(t, "GET", emu.URL()+"/_emulator/throttle", "", nil); got.get("perMinute") != float64(77) {
		t.Fatalf("the control plane was reset through a subscription: %s", got.raw)
	}

	// --webhook-allow lets http reach an address in the range (here the
	// request then fails for want of a receiver, not for the rule).
	allowed := start(t, emulator.Options{WebhookClient: &http.Client{Timeout: 300 * time.Millisecond},
		WebhookAllow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	r := call(t, "POST", allowed.URL()+"/v1.0/subscriptions", tokensFor(t, allowed).app, newSubscription(allowed, "http://192.0.2.1:9/hook"))
	mustStatus(t, r, http.StatusBadRequest)
	if msg := r.str("error", "message"); strings.Contains(msg, "https") || strings.Contains(msg, "does not send") {
		t.Fatalf("an allowed address was refused: %q", msg)
	}
}

// legacyAlert reads one legacy alert through Graph.
func legacyAlert(t *testing.T, emu *emulator.Emulator, token string) map[string]any {
	t.Helper()
	r := call(t, "GET", emu.URL()+"/v1.0/security/alerts?$top=1&$filter=status eq 'newAlert' and severity ne 'high'", token, nil)
	mustStatus(t, r, 200)
	if len(r.values()) == 0 {
		t.Fatal("no new legacy alert")
	}
	return r.values()[0]
}

func TestDeliveryEndToEnd(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	hook := newSubscriber(t)
	al := legacyAlert(t, emu, tok.app)
	id := al["id"].(string)

	byID := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, map[string]any{
		"changeType": "updated", "notificationUrl": hook.URL + "/one?tenant=contoso",
		"resource": "security/alerts/" + id, "expirationDateTime": expiresIn(emu, time.Hour), "clientState": "one-secret",
		"lifecycleNotificationUrl": hook.URL + "/life",
	})
	mustStatus(t, byID, http.StatusCreated)
	filtered := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.analyst, with(newSubscription(emu, hook.URL+"/filtered"),
		"resource", "security/alerts?$filter=Severity eq 'High' or status eq 'NewAlert'", "clientState", "filtered-secret"))
	mustStatus(t, filtered, http.StatusCreated)

	// A client's PATCH through Graph.
	patch := call(t, "PATCH", emu.URL()+"/v1.0/security/alerts/"+id, tok.analyst, map[string]any{
		"status": "inProgress", "vendorInformation": al["vendorInformation"]})
	mustStatus(t, patch, http.StatusNoContent)
	flushDelivery(t, emu)
	one := hook.items("/one")
	if len(one) != 1 {
		t.Fatalf("the single-alert subscription got %d notifications", len(one))
	}
	n := one[0]
	for k, want := range map[string]any{"subscriptionId": byID.str("id"), "clientState": "one-secret", "changeType": "updated",
		"resource": "security/alerts/" + id, "tenantId": emu.TenantID()} {
		if n[k] != want {
			t.Errorf("%s = %v, want %v", k, n[k], want)
		}
	}
	if rd, _ := n["resourceData"].(map[string]any); rd["id"] != id || rd["@odata.type"] != "#Microsoft.Graph.alert" {
		t.Errorf("resourceData %v", n["resourceData"])
	}
	hook.mu.Lock()
	q := hook.posts[0].query
	hook.mu.Unlock()
	if q != "tenant=contoso" {
		t.Errorf("query %q was not kept", q)
	}

	// A provider's change through the control plane, and a new alert.
	mustStatus(t, call(t, "PATCH", emu.URL()+"/_emulator/legacy/alerts/"+id, "", map[string]any{"severity": "high", "status": "resolved"}), 200)
	created := call(t, "POST", emu.URL()+"/_emulator/legacy/alerts", "", map[string]any{"severity": "high"})
	mustStatus(t, created, http.StatusCreated)
	flushDelivery(t, emu)
	if got := hook.items("/one"); len(got) != 2 {
		t.Fatalf("the single-alert subscription got %d notifications, want 2", len(got))
	}
	var kinds []string
	for _, it := range hook.items("/filtered") {
		if it["clientState"] != "filtered-secret" {
			t.Errorf("clientState %v", it["clientState"])
		}
		kinds = append(kinds, it["changeType"].(string)+" "+it["resource"].(string))
	}
	// The PATCH took the alert out of the filter (not notified); the
	// provider's change brought it back (updated); then the new alert.
	want := []string{"updated security/alerts/" + id, "created security/alerts/" + created.str("id")}
	if strings.Join(kinds, "|") != strings.Join(want, "|") {
		t.Fatalf("filtered subscription got %v, want %v", kinds, want)
	}

	// The control plane shows both subscriptions with their real
	// clientState and delivery stats, and the recent POSTs without query.
	subs := call(t, "GET", emu.URL()+"/_emulator/subscriptions", "", nil)
	mustStatus(t, subs, 200)
	states := map[string]float64{}
	for _, v := range subs.values() {
		d, _ := v["delivery"].(map[string]any)
		states[v["clientState"].(string)] = d["delivered"].(float64)
	}
	if states["one-secret"] != 2 || states["filtered-secret"] != 2 {
		t.Fatalf("control plane subscriptions %s", subs.raw)
	}
	dl := call(t, "GET", emu.URL()+"/_emulator/deliveries", "", nil)
	mustStatus(t, dl, 200)
	if len(dl.values()) == 0 || strings.Contains(string(dl.raw), "contoso") || dl.get("stats", "delivered") != float64(4) {
		t.Fatalf("deliveries %s", dl.raw)
	}
	page := call(t, "GET", emu.URL()+"/_emulator/", "", nil)
	if !strings.Contains(string(page.raw), byID.str("id")) || !strings.Contains(string(page.raw), hook.URL+"/filtered") || !strings.Contains(string(page.raw), "delivered") {
		t.Fatalf("the overview page lacks subscriptions or deliveries")
	}

	// Service-side removal: subscriptionRemoved, then gone.
	rm := call(t, "POST", emu.URL()+"/_emulator/subscriptions/"+byID.str("id")+"/remove", "", nil)
	mustStatus(t, rm, 200)
	flushDelivery(t, emu)
	life := hook.items("/life")
	if len(life) != 1 || life[0]["lifecycleEvent"] != "subscriptionRemoved" || life[0]["clientState"] != "one-secret" {
		t.Fatalf("lifecycle %v", life)
	}
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/subscriptions/"+byID.str("id"), tok.app, nil), 404)
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/subscriptions/"+byID.str("id")+"/remove", "", nil), 404)

	// Reset clears subscriptions and delivery state.
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/reset", "", nil), 200)
	if st := emu.Delivery().Stats(); st.Delivered != 0 || len(st.Endpoints) != 0 || len(emu.Delivery().Attempts()) != 0 {
		t.Fatalf("delivery after reset: %+v", st)
	}
}

func TestDeliveryRetriesWhenTheClockMoves(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	hook := newSubscriber(t)
	mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, with(newSubscription(emu, hook.URL+"/n"),
		"resource", "security/alerts?$filter=severity eq 'high'")), http.StatusCreated)

	hook.mu.Lock()
	hook.fail = 2
	hook.mu.Unlock()
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/legacy/alerts", "", map[string]any{"severity": "high"}), http.StatusCreated)
	flushDelivery(t, emu)
	move := func(by string) {
		mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/clock", "", map[string]any{"advance": by}), 200)
		flushDelivery(t, emu)
	}
	move("10s")
	if hook.count() != 2 {
		t.Fatalf("%d POSTs after 10 s, want the first and one retry", hook.count())
	}
	move("1m")
	if hook.count() != 3 || emu.Delivery().Stats().Delivered != 1 {
		t.Fatalf("%d POSTs, stats %+v", hook.count(), emu.Delivery().Stats())
	}

	// A receiver failing past 4 hours loses the notification.
	hook.mu.Lock()
	hook.fail = 1000
	hook.mu.Unlock()
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/legacy/alerts", "", map[string]any{"severity": "high"}), http.StatusCreated)
	flushDelivery(t, emu)
	move("5h")
	if st := emu.Delivery().Stats(); st.Dropped[delivery.DropRetriesExhausted] != 1 || st.Pending != 0 {
		t.Fatalf("after 5 hours: %+v", st)
	}
}

func TestDeliveryConsentRevoked(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	hook := newSubscriber(t)
	r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, with(newSubscription(emu, hook.URL+"/n"),
		"resource", "security/alerts?$filter=severity eq 'high'", "lifecycleNotificationUrl", hook.URL+"/life"))
	mustStatus(t, r, http.StatusCreated)
	id := r.str("id")

	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/consent", "", map[string]any{"granted": false}), 200)
	flushDelivery(t, emu)
	if life := hook.items("/life"); len(life) != 1 || life[0]["lifecycleEvent"] != "reauthorizationRequired" || life[0]["subscriptionId"] != id {
		t.Fatalf("lifecycle after revocation: %v", life)
	}
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/legacy/alerts", "", map[string]any{"severity": "high"}), http.StatusCreated)
	flushDelivery(t, emu)
	if n := len(hook.items("/n")); n != 0 {
		t.Fatalf("a paused subscription got %d notifications", n)
	}
	// The old token is still valid, but reauthorizing needs consent.
	if r := call(t, "POST", emu.URL()+"/v1.0/subscriptions/"+id+"/reauthorize", tok.app, nil); r.status != 403 || !strings.Contains(r.str("error", "message"), "consent") {
		t.Fatalf("reauthorize without consent: %d %s", r.status, r.raw)
	}
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/consent", "", map[string]any{"granted": true}), 200)
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/clock", "", map[string]any{"advance": "1m"}), 200)
	mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/subscriptions/"+id+"/reauthorize", tok.app, nil), http.StatusNoContent)
	flushDelivery(t, emu)
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/legacy/alerts", "", map[string]any{"severity": "high"}), http.StatusCreated)
	flushDelivery(t, emu)
	if n := len(hook.items("/n")); n != 1 {
		t.Fatalf("after reauthorizing, %d notifications, want 1", n)
	}
}

func TestDeliveryFaultsControlPlane(t *testing.T) {
	emu := start(t, emulator.Options{Delivery: delivery.Options{Faults: delivery.Faults{Duplicate: 0.25}}})
	base := emu.URL() + "/_emulator/deliveries/faults"
	if r := call(t, "GET", base, "", nil); r.get("duplicate") != 0.25 || r.str("delay") != "0s" {
		t.Fatalf("initial faults %s", r.raw)
	}
	r := call(t, "POST", base, "", map[string]any{"reorder": 1, "delay": "2s"})
	mustStatus(t, r, 200)
	if f := emu.Delivery().Faults(); f.Duplicate != 0.25 || f.Reorder != 1 || f.Delay != 2*time.Second {
		t.Fatalf("faults %+v", f)
	}
	for _, body := range []map[string]any{{"duplicate": 2}, {"reorder": -0.1}, {"delay": "soon"}, {"delay": "-1s"}, {"delay": "48h"}} {
		if r := call(t, "POST", base, "", body); r.status != 400 {
			t.Errorf("faults %v: %d", body, r.status)
		}
	}
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/reset", "", nil), 200)
	if f := emu.Delivery().Faults(); f.Duplicate != 0.25 || f.Reorder != 0 || f.Delay != 0 {
		t.Fatalf("faults after reset %+v", f)
	}
}
