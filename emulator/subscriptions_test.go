package emulator_test

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
)

// receiver is a subscriber's notification endpoint. It records every
// request and answers with its mode.
type receiver struct {
	*httptest.Server
	mode string

	mu   sync.Mutex
	seen []seenRequest
}

type seenRequest struct {
	method, contentType string
	query               url.Values
	rawQuery            string
}

// Modes: "echo" answers as Graph requires (200, text/plain, the decoded
// token); the others make the mistakes seen in the wild.
func newReceiver(t *testing.T, mode string) *receiver {
	t.Helper()
	rc := &receiver{mode: mode}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.seen = append(rc.seen, seenRequest{method: r.Method, contentType: r.Header.Get("Content-Type"), query: r.URL.Query(), rawQuery: r.URL.RawQuery})
		rc.mu.Unlock()
		token := r.URL.Query().Get("validationToken")
		rawToken := ""
		for _, p := range strings.Split(r.URL.RawQuery, "&") {
			if v, ok := strings.CutPrefix(p, "validationToken="); ok {
				rawToken = v
			}
		}
		switch rc.mode {
		case "echo":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, token)
		case "flask":
			// Microsoft's Python sample returns the token from a Flask
			// view: Werkzeug sends it as text/html.
			h := w.Header()
			h.Set("Server", "Werkzeug/3.0.3 Python/3.12.4")
			h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Length", strconv.Itoa(len(token)))
			h.Set("Connection", "close")
			fmt.Fprint(w, token)
		case "express":
			// Microsoft's Node sample answers with Express's res.send.
			sum := sha1.Sum([]byte(token))
			h := w.Header()
			h.Set("X-Powered-By", "Express")
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Length", strconv.Itoa(len(token)))
			h.Set("ETag", fmt.Sprintf(`W/"%x-%s"`, len(token), base64.StdEncoding.EncodeToString(sum[:])[:27]))
			h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
			h.Set("Connection", "keep-alive")
			h.Set("Keep-Alive", "timeout=5")
			fmt.Fprint(w, token)
		case "token-as-json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, token)
		case "forbidden":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, token)
		case "echo-encoded":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, rawToken)
		case "json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, "%q", token)
		case "trailing-newline":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintln(w, token)
		case "accepted":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprint(w, token)
		case "redirect":
			if r.URL.Path == "/elsewhere" {
				fmt.Fprint(w, token) // never reached: redirects are not followed
				return
			}
			http.Redirect(w, r, "/elsewhere?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, token)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []seenRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seenRequest(nil), rc.seen...)
}

// startWithWebhooks runs an emulator whose validation requests time out
// after 300 ms, so that the slow-endpoint case is fast.
func startWithWebhooks(t *testing.T) *emulator.Emulator {
	return start(t, emulator.Options{WebhookClient: &http.Client{Timeout: 300 * time.Millisecond}})
}

func expiresIn(emu *emulator.Emulator, d time.Duration) string {
	return emu.Clock().Now().Add(d).UTC().Format(time.RFC3339Nano)
}

func newSubscription(emu *emulator.Emulator, hook string) map[string]any {
	return map[string]any{
		"changeType":         "created,updated",
		"notificationUrl":    hook,
		"resource":           "security/alerts?$filter=status eq 'NewAlert'",
		"expirationDateTime": expiresIn(emu, 24*time.Hour),
		"clientState":        "secret-client-state",
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestSubscriptionCreate(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	hook := newReceiver(t, "echo")
	life := newReceiver(t, "echo")
	base := emu.URL() + "/v1.0/subscriptions"

	// The notification URL keeps its own query: the token is appended with &.
	body := with(newSubscription(emu, hook.URL+"/notify?tenant=contoso"), "lifecycleNotificationUrl", life.URL+"/lifecycle")
	r := call(t, "POST", base, tok.app, body)
	mustStatus(t, r, http.StatusCreated)
	if got, want := r.str("@odata.context"), emu.URL()+"/v1.0/$metadata#subscriptions/$entity"; got != want {
		t.Errorf("@odata.context %q, want %q", got, want)
	}
	for k, want := range map[string]string{
		"resource": "security/alerts?$filter=status eq 'NewAlert'", "changeType": "created,updated",
		"notificationUrl": hook.URL + "/notify?tenant=contoso", "lifecycleNotificationUrl": life.URL + "/lifecycle",
		"clientState": "secret-client-state", "applicationId": emu.ClientID(), "latestSupportedTlsVersion": "v1_2",
	} {
		if got := r.str(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if r.str("id") == "" || r.str("creatorId") == "" || r.get("includeResourceData") != false {
		t.Errorf("id %q creatorId %q includeResourceData %v", r.str("id"), r.str("creatorId"), r.get("includeResourceData"))
	}
	if _, err := time.Parse(time.RFC3339Nano, r.str("expirationDateTime")); err != nil {
		t.Errorf("expirationDateTime %q: %v", r.str("expirationDateTime"), err)
	}

	reqs := hook.requests()
	if len(reqs) != 1 {
		t.Fatalf("notification URL saw %d requests, want 1 validation request", len(reqs))
	}
	v := reqs[0]
	if v.method != "POST" || v.contentType != "text/plain; charset=utf-8" {
		t.Errorf("validation request %s with Content-Type %q", v.method, v.contentType)
	}
	if v.query.Get("tenant") != "contoso" || v.query.Get("validationToken") == "" || !strings.HasPrefix(v.rawQuery, "tenant=contoso&validationToken=") {
		t.Errorf("validation query %q", v.rawQuery)
	}
	if lr := life.requests(); len(lr) != 1 || lr[0].query.Get("validationToken") == "" || lr[0].query.Get("validationToken") == v.query.Get("validationToken") {
		t.Errorf("lifecycle URL requests %+v: want one validation with its own token", lr)
	}

	// The store keeps the full record for notification delivery.
	rec, ok := emu.Subscriptions().Get(r.str("id"))
	if !ok || rec.ClientState != "secret-client-state" || rec.ApplicationID != emu.ClientID() || rec.Delegated ||
		rec.Filter == nil || !rec.Wants("created") || rec.Wants("deleted") {
		t.Fatalf("stored record %+v", rec)
	}
	if !rec.Covers(map[string]any{"id": "x", "status": "newAlert"}) || rec.Covers(map[string]any{"id": "x", "status": "resolved"}) {
		t.Error("the stored filter does not select by status")
	}

	// One alert by id, and the largest lifetime allowed.
	one := call(t, "GET", emu.URL()+"/v1.0/security/alerts?$top=1", tok.app, nil)
	mustStatus(t, one, 200)
	alertID := one.values()[0]["id"].(string)
	r = call(t, "POST", base, tok.analyst, with(newSubscription(emu, hook.URL),
		"resource", "/security/alerts/"+alertID, "changeType", "updated", "expirationDateTime", expiresIn(emu, 43200*time.Minute)))
	mustStatus(t, r, http.StatusCreated)
	rec, _ = emu.Subscriptions().Get(r.str("id"))
	if rec.AlertID != alertID || !rec.Delegated || !rec.Covers(map[string]any{"id": alertID}) {
		t.Fatalf("single-alert record %+v", rec)
	}
	if want := analystID(t, emu); r.str("creatorId") != want || rec.CreatorID != want {
		t.Fatalf("creatorId %q (stored %q), want the signed-in user %s", r.str("creatorId"), rec.CreatorID, want)
	}
}

// analystID is the id of the user tokensFor picks as the analyst.
func analystID(t *testing.T, emu *emulator.Emulator) string {
	t.Helper()
	for _, u := range emu.Users() {
		if !hasRole(u.Roles, "Global Administrator") && (hasRole(u.Roles, "Security Operator") || hasRole(u.Roles, "Security Administrator")) {
			return u.ID
		}
	}
	t.Fatal("no analyst in the demo tenant")
	return ""
}

func TestSubscriptionHandshakeFailures(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	good := newReceiver(t, "echo")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, tt := range []struct {
		name, mode string
		lifecycle  bool
		want       string
	}{
		{"encoded token echoed", "echo-encoded", false, "Subscription validation request failed. Response must exactly match validationToken query parameter."},
		{"token with a newline", "trailing-newline", false, "Subscription validation request failed. Response must exactly match validationToken query parameter."},
		{"token as a JSON string", "json", false, "Subscription validation request failed. Response must exactly match validationToken query parameter."},
		{"403", "forbidden", false, "Subscription validation request failed. HTTP status code is 'Forbidden'. Notification endpoint must respond with 200 OK to validation request."},
		{"202 instead of 200", "accepted", false, "Subscription validation request failed. HTTP status code is 'Accepted'. Notification endpoint must respond with 200 OK to validation request."},
		{"redirect not followed", "redirect", false, "Subscription validation request failed. HTTP status code is 'TemporaryRedirect'. Notification endpoint must respond with 200 OK to validation request."},
		{"slow endpoint", "slow", false, "Subscription validation request timed out."},
		{"unreachable", "", false, "Subscription validation request failed. Must respond with 200 OK to this request."},
		{"lifecycle URL fails", "echo-encoded", true, "Subscription validation request failed. Response must exactly match validationToken query parameter."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := closed.URL + "/hook"
			var rc *receiver
			if tt.mode != "" {
				rc = newReceiver(t, tt.mode)
				target = rc.URL + "/hook"
			}
			body := newSubscription(emu, target)
			if tt.lifecycle {
				body = with(newSubscription(emu, good.URL), "lifecycleNotificationUrl", target)
			}
			began := time.Now()
			r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, body)
			mustStatus(t, r, http.StatusBadRequest)
			if r.errorCode() != "InvalidRequest" || r.str("error", "message") != tt.want {
				t.Fatalf("error %s %q, want InvalidRequest %q", r.errorCode(), r.str("error", "message"), tt.want)
			}
			if tt.mode == "slow" && time.Since(began) > 3*time.Second {
				t.Errorf("the injected 300 ms timeout took %v", time.Since(began))
			}
			if rc != nil && len(rc.requests()) != 1 {
				t.Errorf("endpoint saw %d requests, want 1", len(rc.requests()))
			}
			if n := len(emu.Subscriptions().Active(emu.Clock().Now())); n != 0 {
				t.Fatalf("%d subscriptions exist after a failed handshake", n)
			}
		})
	}
	list := call(t, "GET", emu.URL()+"/v1.0/subscriptions", tok.app, nil)
	mustStatus(t, list, 200)
	if len(list.values()) != 0 {
		t.Fatalf("list after failures: %s", list.raw)
	}
}

func TestSubscriptionValidation(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	hook := newReceiver(t, "echo")
	good := newSubscription(emu, hook.URL)
	one := call(t, "GET", emu.URL()+"/v1.0/security/alerts?$top=1", tok.app, nil)
	alertID := one.values()[0]["id"].(string)

	for _, tt := range []struct {
		name   string
		body   any
		status int
		code   string
		msg    string // a substring of the message
	}{
		{"no resource", with(good, "resource", nil), 400, "InvalidRequest", "resource is a required property"},
		{"unfiltered alerts", with(good, "resource", "security/alerts"), 400, "InvalidRequest", "must be filtered"},
		{"empty filter", with(good, "resource", "security/alerts?$filter="), 400, "InvalidRequest", "must be filtered"},
		{"alerts_v2", with(good, "resource", "security/alerts_v2?$filter=status eq 'new'"), 400, "InvalidRequest", "not supported"},
		{"mail", with(good, "resource", "me/messages"), 400, "InvalidRequest", "not supported"},
		{"filter on an unknown property", with(good, "resource", "security/alerts?$filter=nosuch eq 'x'"), 400, "BadRequest", "nosuch"},
		{"filter syntax error", with(good, "resource", "security/alerts?$filter=severity eq"), 400, "BadRequest", "Syntax error"},
		{"other query option", with(good, "resource", "security/alerts?$filter=severity eq 'high'&$top=5"), 400, "BadRequest", "Top"},
		{"unknown alert", with(good, "resource", "security/alerts/no-such-alert"), 404, "ResourceNotFound", "no-such-alert"},
		{"alert with a query", with(good, "resource", "security/alerts/"+alertID+"?$filter=severity eq 'high'"), 400, "InvalidRequest", "no query options"},
		{"no changeType", with(good, "changeType", nil), 400, "InvalidRequest", "changeType is a required property"},
		{"unknown changeType", with(good, "changeType", "created,moved"), 400, "InvalidRequest", "created,moved"},
		{"repeated changeType", with(good, "changeType", "created,created"), 400, "InvalidRequest", "more than once"},
		{"no notificationUrl", with(good, "notificationUrl", nil), 400, "InvalidRequest", "notificationUrl is a required property"},
		{"http off loopback", with(good, "notificationUrl", "http://example.com/hook"), 400, "InvalidRequest", "must use https"},
		{"ftp", with(good, "notificationUrl", "ftp://127.0.0.1/hook"), 400, "InvalidRequest", "must use https"},
		{"relative URL", with(good, "notificationUrl", "/hook"), 400, "InvalidRequest", "not an absolute URL"},
		{"URL with a fragment", with(good, "notificationUrl", hook.URL+"#x"), 400, "InvalidRequest", "fragment"},
		{"lifecycle URL over http", with(good, "lifecycleNotificationUrl", "http://example.com/life"), 400, "InvalidRequest", "lifecycleNotificationUrl must use https"},
		{"no expiration", with(good, "expirationDateTime", nil), 400, "InvalidRequest", "expirationDateTime is a required property for subscription creation"},
		{"expiration not a time", with(good, "expirationDateTime", "tomorrow"), 400, "BadRequest", "Edm.DateTimeOffset"},
		{"expiration passed", with(good, "expirationDateTime", expiresIn(emu, -time.Minute)), 400, "InvalidRequest", "in the future"},
		{"expiration too far", with(good, "expirationDateTime", expiresIn(emu, 43201*time.Minute)), 400, "ExtensionError", "Subscription expiration can only be 43200 minutes in the future."},
		{"clientState too long", with(good, "clientState", strings.Repeat("é", 129)), 400, "InvalidRequest", "129 characters"},
		{"clientState not a string", with(good, "clientState", 7), 400, "BadRequest", "Edm.String"},
		{"unknown property", with(good, "color", "blue"), 400, "BadRequest", "'color' does not exist"},
		{"rich notifications", with(good, "includeResourceData", true), 400, "InvalidRequest", "includeResourceData"},
		{"bad TLS version", with(good, "latestSupportedTlsVersion", "v2_0"), 400, "InvalidRequest", "v2_0"},
		{"not an object", `["x"]`, 400, "BadRequest", "JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, tt.body)
			mustStatus(t, r, tt.status)
			if r.errorCode() != tt.code || !strings.Contains(r.str("error", "message"), tt.msg) {
				t.Fatalf("error %s %q, want %s containing %q", r.errorCode(), r.str("error", "message"), tt.code, tt.msg)
			}
		})
	}
	if n := len(hook.requests()); n != 0 {
		t.Fatalf("invalid requests reached the handshake %d times", n)
	}
	// The limits themselves are accepted; read-only members and
	// annotations are ignored.
	r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, with(good,
		"clientState", strings.Repeat("é", 128), "changeType", "Created, DELETED",
		"id", "chosen-by-client", "@odata.type", "#microsoft.graph.subscription", "latestSupportedTlsVersion", "V1_3"))
	mustStatus(t, r, http.StatusCreated)
	if r.str("id") == "chosen-by-client" || r.str("changeType") != "created,deleted" || r.str("latestSupportedTlsVersion") != "v1_3" {
		t.Fatalf("created %s", r.raw)
	}
}

func TestSubscriptionPermissions(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	hook := newReceiver(t, "echo")
	analyst := analystID(t, emu)
	readOnly, err := emu.UserToken(analyst, "SecurityEvents.Read.All")
	if err != nil {
		t.Fatal(err)
	}
	alertsOnly, err := emu.UserToken(analyst, "SecurityAlert.ReadWrite.All")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"no token", "", 401, "InvalidAuthenticationToken"},
		{"SecurityEvents.Read.All is not enough", readOnly, 403, "Forbidden"},
		{"alerts_v2 permission is not the one", alertsOnly, 403, "Forbidden"},
		{"user without a security role", tok.plain, 403, "Forbidden"},
		{"Security Reader with ReadWrite.All", tok.reader, 201, ""},
		{"analyst", tok.analyst, 201, ""},
		{"application", tok.app, 201, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tt.token, newSubscription(emu, hook.URL))
			mustStatus(t, r, tt.status)
			if r.errorCode() != tt.code {
				t.Fatalf("code %q, want %q", r.errorCode(), tt.code)
			}
		})
	}
	for _, path := range []string{"", "/x", "/x/reauthorize"} {
		method := map[string]string{"": "GET", "/x": "DELETE", "/x/reauthorize": "POST"}[path]
		if r := call(t, method, emu.URL()+"/v1.0/subscriptions"+path, readOnly, nil); r.status != 403 {
			t.Errorf("%s /subscriptions%s with Read.All: %d", method, path, r.status)
		}
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	hook := newReceiver(t, "echo")
	base := emu.URL() + "/v1.0/subscriptions"

	create := func(token, state string) string {
		t.Helper()
		r := call(t, "POST", base, token, with(newSubscription(emu, hook.URL), "clientState", state))
		mustStatus(t, r, http.StatusCreated)
		return r.str("id")
	}
	appSub := create(tok.app, "app-state")
	analystSub := create(tok.analyst, "analyst-state")
	adminSub := create(tok.admin, "admin-state")

	ids := func(r resp) []string {
		var out []string
		for _, v := range r.values() {
			out = append(out, v["id"].(string))
			if v["clientState"] != nil {
				t.Errorf("list returned clientState %v", v["clientState"])
			}
			if _, ok := v["clientState"]; !ok {
				t.Error("list left clientState out instead of null")
			}
		}
		return out
	}
	// The application sees everything it created, for itself or any user;
	// a delegated caller only what was created for them.
	list := call(t, "GET", base, tok.app, nil)
	mustStatus(t, list, 200)
	if got := ids(list); len(got) != 3 || list.str("@odata.context") != emu.URL()+"/v1.0/$metadata#subscriptions" {
		t.Fatalf("app list %v, context %q", got, list.str("@odata.context"))
	}
	if got := ids(call(t, "GET", base, tok.analyst, nil)); len(got) != 1 || got[0] != analystSub {
		t.Fatalf("analyst list %v, want [%s]", got, analystSub)
	}
	if r := call(t, "GET", base+"?$top=1", tok.app, nil); r.status != 400 {
		t.Errorf("list with $top: %d", r.status)
	}

	// Get returns clientState to its owner; others get 404.
	g := call(t, "GET", base+"/"+analystSub, tok.analyst, nil)
	mustStatus(t, g, 200)
	if g.str("clientState") != "analyst-state" || g.str("@odata.context") != emu.URL()+"/v1.0/$metadata#subscriptions/$entity" {
		t.Fatalf("get %s", g.raw)
	}
	mustStatus(t, call(t, "GET", base+"/"+analystSub, tok.admin, nil), 404)
	mustStatus(t, call(t, "GET", base+"/"+adminSub, tok.app, nil), 200)
	if r := call(t, "GET", base+"/no-such-id", tok.app, nil); r.status != 404 || r.errorCode() != "ResourceNotFound" {
		t.Fatalf("unknown id: %d %s", r.status, r.errorCode())
	}

	// Renew: only expirationDateTime, within the same limits.
	later := expiresIn(emu, 48*time.Hour)
	rn := call(t, "PATCH", base+"/"+appSub, tok.app, map[string]any{"expirationDateTime": later})
	mustStatus(t, rn, 200)
	want, _ := time.Parse(time.RFC3339Nano, later)
	if got, _ := time.Parse(time.RFC3339Nano, rn.str("expirationDateTime")); !got.Equal(want) || rn.str("clientState") != "app-state" {
		t.Fatalf("renewed %s", rn.raw)
	}
	for _, tt := range []struct {
		name string
		body any
		code string
	}{
		{"too far", map[string]any{"expirationDateTime": expiresIn(emu, 43201*time.Minute)}, "ExtensionError"},
		{"passed", map[string]any{"expirationDateTime": expiresIn(emu, -time.Hour)}, "InvalidRequest"},
		{"missing", map[string]any{}, "InvalidRequest"},
		{"other property", map[string]any{"expirationDateTime": later, "notificationUrl": hook.URL + "/other"}, "BadRequest"},
		{"lifecycle URL cannot be added", map[string]any{"expirationDateTime": later, "lifecycleNotificationUrl": hook.URL}, "BadRequest"},
	} {
		if r := call(t, "PATCH", base+"/"+appSub, tok.app, tt.body); r.status != 400 || r.errorCode() != tt.code {
			t.Errorf("renew %s: %d %s, want 400 %s", tt.name, r.status, r.errorCode(), tt.code)
		}
	}
	mustStatus(t, call(t, "PATCH", base+"/no-such-id", tok.app, map[string]any{"expirationDateTime": later}), 404)

	// Reauthorize: 204, the expiration unchanged.
	before, _ := emu.Subscriptions().Get(appSub)
	emu.Clock().Advance(time.Minute)
	r := call(t, "POST", base+"/"+appSub+"/reauthorize", tok.app, nil)
	mustStatus(t, r, http.StatusNoContent)
	after, _ := emu.Subscriptions().Get(appSub)
	if !after.ExpirationDateTime.Equal(before.ExpirationDateTime) || !after.LastReauthorizedDateTime.After(before.LastReauthorizedDateTime) {
		t.Fatalf("reauthorize: before %+v after %+v", before, after)
	}
	mustStatus(t, call(t, "POST", base+"/"+appSub+"/microsoft.graph.reauthorize", tok.app, nil), http.StatusNoContent)
	mustStatus(t, call(t, "POST", base+"/no-such-id/reauthorize", tok.app, nil), 404)

	// Delete: 204, then gone.
	mustStatus(t, call(t, "DELETE", base+"/"+adminSub, tok.analyst, nil), 404)
	mustStatus(t, call(t, "DELETE", base+"/"+adminSub, tok.admin, nil), http.StatusNoContent)
	mustStatus(t, call(t, "GET", base+"/"+adminSub, tok.admin, nil), 404)
	mustStatus(t, call(t, "DELETE", base+"/"+adminSub, tok.admin, nil), 404)

	// Expired subscriptions disappear from the API at once, and from the
	// store when delivery next looks at the clock.
	emu.Clock().Advance(25 * time.Hour)
	tok = tokensFor(t, emu) // the old ones expired with the clock
	list = call(t, "GET", base, tok.app, nil)
	mustStatus(t, list, 200)
	if got := ids(list); len(got) != 1 || got[0] != appSub {
		t.Fatalf("after the analyst's subscription expired, the list is %v", got)
	}
	mustStatus(t, call(t, "GET", base+"/"+analystSub, tok.analyst, nil), 404)
	mustStatus(t, call(t, "PATCH", base+"/"+analystSub, tok.analyst, map[string]any{"expirationDateTime": expiresIn(emu, time.Hour)}), 404)
	flushDelivery(t, emu)
	if _, ok := emu.Subscriptions().Get(analystSub); ok {
		t.Fatal("an expired record survived delivery's sweep")
	}

	// Reset forgets every subscription.
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/reset", "", nil), 200)
	if n := len(emu.Subscriptions().Active(emu.Clock().Now())); n != 0 {
		t.Fatalf("%d subscriptions after reset", n)
	}
}

func TestSubscriptionQuota(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	hook := newReceiver(t, "echo")
	for i := range 100 {
		r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, newSubscription(emu, hook.URL))
		if r.status != http.StatusCreated {
			t.Fatalf("subscription %d: %d %s", i+1, r.status, r.raw)
		}
	}
	r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.analyst, newSubscription(emu, hook.URL))
	mustStatus(t, r, http.StatusForbidden)
	if !strings.Contains(r.str("error", "message"), "limit of 100 active subscriptions") {
		t.Fatalf("quota message %q", r.str("error", "message"))
	}
	// Expired ones free their place.
	emu.Clock().Advance(25 * time.Hour)
	tok = tokensFor(t, emu)
	mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/subscriptions", tok.app, newSubscription(emu, hook.URL)), http.StatusCreated)
}

// FuzzSubscriptionCreate feeds the create endpoint arbitrary field values
// (always as valid JSON) and arbitrary bodies: it must answer with a Graph
// status, never a 500, and whatever it creates must obey the rules.
func FuzzSubscriptionCreate(f *testing.F) {
	emu := start(f, emulator.Options{WebhookClient: &http.Client{Timeout: 300 * time.Millisecond}})
	app, err := emu.AppToken()
	if err != nil {
		f.Fatal(err)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, r.URL.Query().Get("validationToken"))
	}))
	f.Cleanup(hook.Close)
	now := emu.Clock().Now()
	f.Add("security/alerts?$filter=status eq 'NewAlert'", "created,updated", hook.URL, now.Add(time.Hour).Format(time.RFC3339Nano), "state", []byte(nil))
	f.Add("/security/alerts?$filter=vendorInformation/provider eq 'ASC'", "deleted", hook.URL+"?a=b", now.Add(43200*time.Minute).Format(time.RFC3339), "", []byte(nil))
	f.Add("security/alerts", " Created ,updated", "http://localhost:1/x", "2026-11-21", strings.Repeat("x", 129), []byte(`{"resource":1}`))
	f.Add("security/alerts/x?y", ",", "https://[::1]:0/", "not a time", "é", []byte(`{"@odata.type":"#microsoft.graph.subscription","id":null,"includeResourceData":"yes"}`))
	f.Add("security/alerts?$filter=hostStates/any(a:a/fqdn eq 'pc')&$top=1", "created", "ftp://x", "", "", []byte(`[`))

	f.Fuzz(func(t *testing.T, resource, changeType, notify, expiration, clientState string, body []byte) {
		fields := map[string]any{"resource": resource, "changeType": changeType, "notificationUrl": notify, "expirationDateTime": expiration, "clientState": clientState}
		for _, b := range []any{fields, string(body)} {
			if s, ok := b.(string); ok && s == "" {
				continue
			}
			r := call(t, "POST", emu.URL()+"/v1.0/subscriptions", app, b)
			switch r.status {
			case http.StatusCreated:
				id := r.str("id")
				rec, ok := emu.Subscriptions().Get(id)
				if !ok || rec.ClientState != r.str("clientState") || rec.ExpirationDateTime.Sub(emu.Clock().Now()) > 43200*time.Minute ||
					(rec.AlertID == "") == (rec.Filter == nil) || len(rec.ChangeTypes) == 0 {
					t.Fatalf("created %s, stored %+v", r.raw, rec)
				}
				mustStatus(t, call(t, "DELETE", emu.URL()+"/v1.0/subscriptions/"+id, app, nil), http.StatusNoContent)
			case http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
				if r.errorCode() == "" {
					t.Fatalf("%d without a Graph error body: %s", r.status, r.raw)
				}
			default:
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
		}
	})
}
