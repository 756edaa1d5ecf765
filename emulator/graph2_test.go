package emulator_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
)

func TestGraphLegacyAlerts(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	base := emu.URL() + "/v1.0/security/alerts"

	// $top applies per provider: $top=1 returns one alert from each.
	one := call(t, "GET", base+"?$top=1", tok.app, nil)
	mustStatus(t, one, 200)
	providers := map[string]bool{}
	for _, a := range one.values() {
		providers[a["vendorInformation"].(map[string]any)["provider"].(string)] = true
	}
	if len(providers) < 6 || len(one.values()) != len(providers) {
		t.Fatalf("$top=1 returned %d alerts from %d providers", len(one.values()), len(providers))
	}
	if one.str("@odata.nextLink") == "" {
		t.Fatal("no next link although providers have more alerts")
	}

	// The original sample's filter, with PascalCase property and enum.
	r := call(t, "GET", base+"?$filter=Severity eq 'High' and Status eq 'NewAlert'&$top=5", tok.app, nil)
	mustStatus(t, r, 200)
	for _, a := range r.values() {
		if a["severity"] != "high" || a["status"] != "newAlert" {
			t.Fatalf("got %v/%v", a["severity"], a["status"])
		}
	}
	// Every category of the original form can be queried.
	cat := call(t, "GET", base+"?$filter=category eq 'ransomware'", tok.app, nil)
	mustStatus(t, cat, 200)
	if len(cat.values()) == 0 {
		t.Fatal("no ransomware alerts")
	}
	host := cat.values()[0]["hostStates"].([]any)
	if len(host) > 0 {
		fqdn := host[0].(map[string]any)["fqdn"].(string)
		h := call(t, "GET", base+"?$filter=hostStates/any(a:a/fqdn eq '"+fqdn+"')", tok.app, nil)
		mustStatus(t, h, 200)
		if len(h.values()) == 0 {
			t.Fatal("hostStates lambda found nothing")
		}
	}

	for _, tt := range []struct {
		q      string
		status int
	}{
		{"$top=1000", 200}, {"$top=1001", 400}, {"$skip=500&$top=1", 200}, {"$skip=501&$top=1", 400},
		{"$orderby=createdDateTime desc&$top=3", 200}, {"$select=assignedTo,category,severity", 200},
	} {
		t.Run(tt.q, func(t *testing.T) { mustStatus(t, call(t, "GET", base+"?"+tt.q, tok.app, nil), tt.status) })
	}
}

func TestGraphLegacyAlertUpdate(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	base := emu.URL() + "/v1.0/security/alerts"
	r := call(t, "GET", base+"?$filter=vendorInformation/provider eq 'ASC'&$top=1", tok.app, nil)
	mustStatus(t, r, 200)
	a := r.values()[0]
	id := a["id"].(string)
	vi := a["vendorInformation"]

	mustStatus(t, call(t, "PATCH", base+"/"+id, tok.analyst, map[string]any{"status": "inProgress"}), 400)
	mustStatus(t, call(t, "PATCH", base+"/"+id, tok.analyst, map[string]any{"vendorInformation": map[string]any{"provider": "MCAS", "vendor": "Microsoft"}, "status": "inProgress"}), 400)
	mustStatus(t, call(t, "PATCH", base+"/"+id, tok.analyst, map[string]any{"vendorInformation": vi, "title": "changed"}), 400)

	emu.Clock().Advance(time.Minute)
	upd := call(t, "PATCH", base+"/"+id, tok.analyst, map[string]any{
		"vendorInformation": vi, "status": "resolved", "feedback": "truePositive", "assignedTo": "me@example.test",
		"comments": []string{"checked by the SOC"}, "tags": []string{"t1"},
	})
	mustStatus(t, upd, 204)
	if len(upd.raw) != 0 {
		t.Fatalf("204 with a body: %s", upd.raw)
	}
	got := call(t, "GET", base+"/"+id, tok.app, nil)
	if got.str("status") != "resolved" || got.str("feedback") != "truePositive" || got.str("closedDateTime") == "" {
		t.Fatalf("after PATCH: %s", truncate(got.raw))
	}
	if got.str("lastModifiedDateTime") != emu.Clock().Now().UTC().Format("2006-01-02T15:04:05.0000000Z") {
		t.Fatalf("lastModifiedDateTime %q", got.str("lastModifiedDateTime"))
	}
	if len(got.get("historyStates").([]any)) == 0 {
		t.Fatal("no history recorded")
	}
	rep := call(t, "PATCH", base+"/"+id, tok.analyst, map[string]any{"vendorInformation": vi, "status": "inProgress"}, "Prefer", "return=representation")
	mustStatus(t, rep, 200)
	if rep.str("status") != "inProgress" {
		t.Fatalf("representation: %s", truncate(rep.raw))
	}

	// IPC alerts take only the documented closing comment.
	ipc := call(t, "GET", base+"?$filter=vendorInformation/provider eq 'IPC'&$top=1", tok.app, nil).values()[0]
	u := base + "/" + ipc["id"].(string)
	mustStatus(t, call(t, "PATCH", u, tok.analyst, map[string]any{"vendorInformation": ipc["vendorInformation"], "comments": []string{"free text"}}), 400)
	mustStatus(t, call(t, "PATCH", u, tok.analyst, map[string]any{"vendorInformation": ipc["vendorInformation"], "comments": []string{"Closed in IPC"}}), 204)
}

func TestGraphLegacyPartialContent(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/faults", "", map[string]any{"provider": "MCAS", "status": 504, "count": 1}), 201)
	r := call(t, "GET", emu.URL()+"/v1.0/security/alerts?$top=5", tok.app, nil)
	mustStatus(t, r, 206)
	w := r.header.Values("Warning")
	if len(w) != 1 || !strings.HasPrefix(w[0], `199 - "Microsoft/MCAS/504/`) {
		t.Fatalf("Warning %q", w)
	}
	for _, a := range r.values() {
		if a["vendorInformation"].(map[string]any)["provider"] == "MCAS" {
			t.Fatal("failing provider's alerts returned")
		}
	}
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/alerts?$top=5", tok.app, nil), 200)
}

func TestGraphSecureScore(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	r := call(t, "GET", emu.URL()+"/v1.0/security/secureScores", tok.app, nil)
	mustStatus(t, r, 200)
	scores := r.values()
	if len(scores) != 90 {
		t.Fatalf("%d secure scores, want 90", len(scores))
	}
	for i := 1; i < len(scores); i++ {
		if scores[i-1]["createdDateTime"].(string) <= scores[i]["createdDateTime"].(string) {
			t.Fatal("secure scores not newest first")
		}
	}
	latest := call(t, "GET", emu.URL()+"/v1.0/security/secureScores?$top=1", tok.reader, nil)
	if latest.values()[0]["id"] != scores[0]["id"] {
		t.Fatal("$top=1 is not the latest")
	}
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/secureScores/"+scores[0]["id"].(string), tok.app, nil), 200)

	profiles := call(t, "GET", emu.URL()+"/v1.0/security/secureScoreControlProfiles", tok.app, nil)
	mustStatus(t, profiles, 200)
	if len(profiles.values()) < 25 {
		t.Fatalf("%d control profiles", len(profiles.values()))
	}
	p := profiles.values()[0]
	u := emu.URL() + "/v1.0/security/secureScoreControlProfiles/" + p["id"].(string)
	n := len(p["controlStateUpdates"].([]any))
	mustStatus(t, call(t, "PATCH", u, tok.analyst, map[string]any{"state": "Ignored"}), 400)
	mustStatus(t, call(t, "PATCH", u, tok.analyst, map[string]any{"state": "nonsense", "vendorInformation": p["vendorInformation"]}), 400)
	mustStatus(t, call(t, "PATCH", u, tok.analyst, map[string]any{"state": "ignored", "comment": "accepted risk", "assignedTo": "x@example.test", "vendorInformation": p["vendorInformation"]}), 204)
	after := call(t, "GET", u, tok.app, nil)
	upd := after.get("controlStateUpdates").([]any)
	if len(upd) != n+1 {
		t.Fatalf("controlStateUpdates %d, want %d", len(upd), n+1)
	}
	last := upd[n].(map[string]any)
	if last["state"] != "Ignored" || last["comment"] != "accepted risk" || last["updatedBy"] == "" {
		t.Fatalf("new entry %v", last)
	}
}

func TestGraphSecurityActions(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	base := emu.URL() + "/beta/security/securityActions"
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/securityActions", tok.app, nil), 400)
	mustStatus(t, call(t, "GET", base, tok.admin, nil), 403)
	mustStatus(t, call(t, "GET", base, tok.app, nil), 200)
	body := map[string]any{
		"name": "BlockIp", "actionReason": "C2 traffic", "parameters": []any{map[string]any{"name": "IP", "value": "203.0.113.7"}},
		"vendorInformation": map[string]any{"provider": "Windows Defender ATP", "vendor": "Microsoft"},
	}
	r := call(t, "POST", base, tok.app, body)
	mustStatus(t, r, 201)
	id := r.str("id")
	if r.str("status") != "NotStarted" || r.str("appId") != emu.ClientID() || r.str("azureTenantId") != emu.TenantID() || r.header.Get("Location") == "" {
		t.Fatalf("created: %s", truncate(r.raw))
	}
	emu.Clock().Advance(3 * time.Second)
	if s := call(t, "GET", base+"/"+id, tok.app, nil).str("status"); s != "Running" {
		t.Fatalf("after 3s status %q", s)
	}
	emu.Clock().Advance(10 * time.Second)
	if s := call(t, "GET", base+"/"+id, tok.app, nil).str("status"); s != "Completed" {
		t.Fatalf("after 13s status %q", s)
	}
	mustStatus(t, call(t, "POST", base+"/"+id+"/cancelSecurityAction", tok.app, nil), 400)
	r2 := call(t, "POST", base, tok.app, body)
	mustStatus(t, call(t, "POST", base+"/"+r2.str("id")+"/cancelSecurityAction", tok.app, nil), 200)
	if s := call(t, "GET", base+"/"+r2.str("id"), tok.app, nil).str("status"); s != "Failed" {
		t.Fatalf("cancelled action status %q", s)
	}
	for name, b := range map[string]string{
		"no name":       `{"parameters":[{"name":"IP","value":"1.2.3.4"}],"vendorInformation":{"provider":"p","vendor":"v"}}`,
		"no parameters": `{"name":"BlockIp","vendorInformation":{"provider":"p","vendor":"v"}}`,
		"no vendor":     `{"name":"BlockIp","parameters":[{"name":"IP","value":"1.2.3.4"}]}`,
		"read-only":     `{"name":"BlockIp","status":"Completed","parameters":[{"name":"IP","value":"1"}],"vendorInformation":{"provider":"p","vendor":"v"}}`,
	} {
		t.Run(name, func(t *testing.T) { mustStatus(t, call(t, "POST", base, tok.app, b), 400) })
	}
}

func TestGraphSendMail(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	msg := map[string]any{
		"message": map[string]any{
			"subject":      "Alert <High>",
			"body":         map[string]any{"contentType": "HTML", "content": "<p>See alert</p>"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "soc@example.test", "name": "SOC"}}},
			"ccRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "lead@example.test"}}},
			"attachments": []any{map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "alert.json", "contentType": "application/json",
				"contentBytes": base64.StdEncoding.EncodeToString([]byte(`{"id":1}`))}},
		},
		"saveToSentItems": "false",
	}
	r := call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, msg)
	mustStatus(t, r, 202)
	if len(r.raw) != 0 {
		t.Fatalf("202 with body %s", r.raw)
	}
	box := emu.Mailbox().Messages()
	if len(box) != 1 {
		t.Fatalf("mailbox has %d messages", len(box))
	}
	m := box[0]
	if m.Subject != "Alert <High>" || m.BodyType != "html" || m.SaveToSentItems || len(m.Attachments) != 1 || string(m.Attachments[0].Content) != `{"id":1}` || len(m.Cc) != 1 {
		t.Fatalf("stored message %+v", m)
	}
	// The control plane and the mailbox page show it.
	ctl := call(t, "GET", emu.URL()+"/_emulator/mailbox", "", nil)
	if ctl.str("value", 0, "subject") != "Alert <High>" {
		t.Fatalf("control plane mailbox: %s", truncate(ctl.raw))
	}
	page := call(t, "GET", emu.URL()+"/_emulator/mail", "", nil)
	if !strings.Contains(string(page.raw), "Alert &lt;High&gt;") || strings.Contains(string(page.raw), "Alert <High>") {
		t.Fatalf("mailbox page does not escape the subject:\n%s", page.raw)
	}
	bodyPage := call(t, "GET", emu.URL()+"/_emulator/mail/"+m.ID+"/body", "", nil)
	if !strings.Contains(bodyPage.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("HTML mail body served without sandbox: %v", bodyPage.header)
	}

	upn := ""
	for _, u := range emu.Users() {
		upn = u.UserPrincipalName
	}
	mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/users/"+upn+"/sendMail", tok.app, msg), 202)
	mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.app, msg), 400)
	mime := base64.StdEncoding.EncodeToString([]byte("To: a@example.test\r\nSubject: MIME test\r\n\r\nhello\r\n"))
	mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, nil, "Content-Type", "text/plain"), 400)
	r = callRaw(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, "text/plain", mime)
	mustStatus(t, r, 202)
	if emu.Mailbox().Messages()[0].Subject != "MIME test" {
		t.Fatal("MIME message not stored")
	}
	r = callRaw(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, "text/plain", "@@not base64@@")
	mustStatus(t, r, 400)
	if r.errorCode() != "ErrorMimeContentInvalidBase64String" {
		t.Fatalf("code %q", r.errorCode())
	}
	for name, b := range map[string]string{
		"no message":        `{"saveToSentItems":true}`,
		"no recipients":     `{"message":{"subject":"x"}}`,
		"bad address":       `{"message":{"toRecipients":[{"emailAddress":{"address":"not an address"}}]}}`,
		"bad content type":  `{"message":{"body":{"contentType":"rtf","content":"x"},"toRecipients":[{"emailAddress":{"address":"a@b.test"}}]}}`,
		"bad attachment":    `{"message":{"toRecipients":[{"emailAddress":{"address":"a@b.test"}}],"attachments":[{"@odata.type":"#microsoft.graph.fileAttachment","name":"x","contentBytes":"%%%"}]}}`,
		"bad saveToSent":    `{"message":{"toRecipients":[{"emailAddress":{"address":"a@b.test"}}]},"saveToSentItems":"maybe"}`,
		"header without x-": `{"message":{"toRecipients":[{"emailAddress":{"address":"a@b.test"}}],"internetMessageHeaders":[{"name":"Subject","value":"x"}]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, b)
			mustStatus(t, r, 400)
		})
	}
	// Case-insensitive action parameters, as Graph accepts them.
	mustStatus(t, call(t, "POST", emu.URL()+"/v1.0/me/sendMail", tok.analyst, `{"Message":{"ToRecipients":[{"EmailAddress":{"Address":"a@b.test"}}]},"SaveToSentItems":false}`), 202)
}

func callRaw(t testing.TB, method, url, token, contentType, body string) resp {
	t.Helper()
	return call(t, method, url, token, []byte(body), "Content-Type", contentType)
}

func TestGraphFaultsAndThrottling(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	u := emu.URL() + "/v1.0/security/alerts_v2?$top=1"
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/faults", "", map[string]any{"path": "/security/alerts_v2", "status": 429, "retryAfter": "2.128", "count": 2}), 201)
	for range 2 {
		r := call(t, "GET", u, tok.app, nil)
		mustStatus(t, r, 429)
		if r.header.Get("Retry-After") != "2.128" || r.errorCode() != "TooManyRequests" || r.str("error", "innerError", "status") != "429" {
			t.Fatalf("429: %v %s", r.header, r.raw)
		}
	}
	mustStatus(t, call(t, "GET", u, tok.app, nil), 200)

	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/faults", "", map[string]any{"method": "PATCH", "status": 503, "count": 1}), 201)
	mustStatus(t, call(t, "GET", u, tok.app, nil), 200)
	id := firstID(t, emu, tok.app, "/v1.0/security/alerts_v2")
	r := call(t, "PATCH", emu.URL()+"/v1.0/security/alerts_v2/"+id, tok.analyst, `{"status":"inProgress"}`)
	mustStatus(t, r, 503)
	if r.errorCode() != "serviceNotAvailable" {
		t.Fatalf("503 code %q", r.errorCode())
	}
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/faults", "", map[string]any{"status": 42}), 400)

	// Graph's own limit: 150 requests a minute per app on /security.
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/throttle", "", map[string]any{"perMinute": 150}), 200)
	for i := range 150 {
		if r := call(t, "GET", u, tok.app, nil); r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	r = call(t, "GET", u, tok.app, nil)
	mustStatus(t, r, 429)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("throttled without Retry-After")
	}
	// /me is not on the security budget.
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/me", tok.analyst, nil), 200)
	emu.Clock().Advance(time.Second)
	mustStatus(t, call(t, "GET", u, tok.app, nil), 200)
}

func TestControlPlane(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	ctl := emu.URL() + "/_emulator"

	info := call(t, "GET", ctl+"/info", "", nil)
	mustStatus(t, info, 200)
	if info.str("tenantId") != emu.TenantID() || strings.Contains(string(info.raw), emu.ClientSecret()) {
		t.Fatalf("info: %s", info.raw)
	}

	// Raise an alert as its provider would: it is the newest, in a new incident.
	emu.Clock().Advance(time.Hour)
	add := call(t, "POST", ctl+"/alerts", "", map[string]any{"title": "Injected <test> alert", "severity": "high", "serviceSource": "microsoftSentinel"})
	mustStatus(t, add, 201)
	id := add.str("id")
	newest := call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2?$top=1", tok.app, nil, "Prefer", "include-unknown-enum-members")
	if newest.str("value", 0, "id") != id || newest.str("value", 0, "serviceSource") != "microsoftSentinel" {
		t.Fatalf("newest alert %s, want %s", newest.str("value", 0, "id"), id)
	}
	inc := add.str("incidentId")
	incR := call(t, "GET", emu.URL()+"/v1.0/security/incidents/"+inc, tok.app, nil)
	mustStatus(t, incR, 200)
	if incR.str("severity") != "high" {
		t.Fatalf("new incident severity %q", incR.str("severity"))
	}
	// Join an existing incident.
	join := call(t, "POST", ctl+"/alerts", "", map[string]any{"incidentId": inc, "severity": "low"})
	mustStatus(t, join, 201)
	if n := len(call(t, "GET", emu.URL()+"/v1.0/security/incidents/"+inc+"/alerts", tok.app, nil).values()); n != 2 {
		t.Fatalf("incident has %d alerts", n)
	}
	emu.Clock().Advance(time.Minute)
	ch := call(t, "PATCH", ctl+"/alerts/"+id, "", map[string]any{"severity": "medium", "title": "Changed"})
	mustStatus(t, ch, 200)
	if ch.str("lastUpdateDateTime") != emu.Clock().Now().UTC().Format("2006-01-02T15:04:05.0000000Z") {
		t.Fatalf("lastUpdateDateTime %q", ch.str("lastUpdateDateTime"))
	}
	mustStatus(t, call(t, "PATCH", ctl+"/alerts/"+id, "", map[string]any{"severity": "extreme"}), 400)
	mustStatus(t, call(t, "PATCH", ctl+"/alerts/nope", "", map[string]any{"severity": "low"}), 404)
	mustStatus(t, call(t, "POST", ctl+"/alerts", "", map[string]any{"incidentId": "0"}), 404)

	leg := call(t, "POST", ctl+"/legacy/alerts", "", map[string]any{"category": "ransomware"})
	mustStatus(t, leg, 201)
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/alerts/"+leg.str("id"), tok.app, nil), 200)
	mustStatus(t, call(t, "PATCH", ctl+"/legacy/alerts/"+leg.str("id"), "", map[string]any{"status": "inProgress"}), 200)

	// Consent revoked: app tokens carry no roles any more.
	mustStatus(t, call(t, "POST", ctl+"/consent", "", map[string]any{"granted": false}), 200)
	app, _ := emu.AppToken()
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2", app, nil), 403)
	mustStatus(t, call(t, "POST", ctl+"/consent", "", `{}`), 400)

	// Clock.
	clk := call(t, "POST", ctl+"/clock", "", map[string]any{"set": "2030-01-01T00:00:00Z"})
	mustStatus(t, clk, 200)
	if !strings.HasPrefix(clk.str("now"), "2030-01-01T00:00:0") {
		t.Fatalf("clock %s", clk.raw)
	}
	mustStatus(t, call(t, "POST", ctl+"/clock", "", map[string]any{"advance": "soon"}), 400)

	// Reset brings everything back.
	reset := call(t, "POST", ctl+"/reset", "", nil)
	mustStatus(t, reset, 200)
	tok = tokensFor(t, emu)
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2/"+id, tok.app, nil), 404)
	if reset.get("adminConsented") != true {
		t.Fatal("consent not restored by reset")
	}

	// Reseed with another seed gives other data.
	before := firstID(t, emu, tok.app, "/v1.0/security/alerts_v2")
	mustStatus(t, call(t, "POST", ctl+"/reseed", "", map[string]any{"seed": 99, "alerts": 50}), 200)
	tok = tokensFor(t, emu)
	after := call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2?$count=true&$top=1", tok.app, nil)
	if after.str("value", 0, "id") == before || after.get("@odata.count") != float64(50) {
		t.Fatalf("reseed: first %s (before %s), count %v", after.str("value", 0, "id"), before, after.get("@odata.count"))
	}
	mustStatus(t, call(t, "POST", ctl+"/reseed", "", map[string]any{"alerts": -1}), 400)

	// Tokens.
	tk := call(t, "POST", ctl+"/tokens", "", map[string]any{"user": emu.Users()[0].UserPrincipalName, "scopes": []string{"User.Read"}})
	mustStatus(t, tk, 200)
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/me", tk.str("access_token"), nil), 200)

	// A cross-site browser request cannot change anything.
	xs := call(t, "POST", ctl+"/reset", "", nil, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if xs.status != 403 {
		t.Fatalf("cross-site reset answered %d", xs.status)
	}
	// The overview page renders and escapes.
	page := call(t, "GET", emu.URL()+"/", "", nil)
	mustStatus(t, page, 200)
	if !strings.Contains(page.header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("overview CSP %q", page.header.Get("Content-Security-Policy"))
	}
	mustStatus(t, call(t, "GET", ctl+"/nothing", "", nil), 404)
}

// TestGraphNeverFailsOnHostileInput throws malformed requests at every
// route: the answer is always a 4xx Graph error, never a 5xx.
func TestGraphNeverFailsOnHostileInput(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	paths := []string{
		"/v1.0/security/alerts_v2", "/v1.0/security/alerts_v2/x", "/v1.0/security/alerts_v2/x/comments",
		"/v1.0/security/incidents", "/v1.0/security/incidents/1", "/v1.0/security/incidents/1/comments",
		"/v1.0/security/alerts", "/v1.0/security/alerts/x", "/v1.0/security/secureScoreControlProfiles/x",
		"/beta/security/securityActions", "/v1.0/me/sendMail", "/v1.0/users/x/sendMail", "/v1.0/users",
	}
	bodies := []string{`null`, `"x"`, `[]`, `{"a":`, strings.Repeat("[", 10000), `{"status":{"x":1}}`, `{"comment":5}`, `{"message":[]}`, "\x00\xff"}
	queries := []string{"$filter=((((", "$top=abc", "$orderby=nonsense desc", "$select=a,,b", "$expand=x", "$filter=" + strings.Repeat("not ", 5000) + "true", "$count=maybe", "%", "$skip=99999999999999999999"}
	for _, p := range paths {
		for _, m := range []string{"GET", "POST", "PATCH", "PUT", "DELETE"} {
			for _, b := range bodies {
				r := call(t, m, emu.URL()+p, tok.app, b)
				if r.status >= 500 {
					t.Fatalf("%s %s %q: %d %s", m, p, b, r.status, r.raw)
				}
			}
		}
		for _, q := range queries {
			r := call(t, "GET", emu.URL()+p+"?"+q, tok.app, nil)
			if r.status >= 500 {
				t.Fatalf("GET %s?%s: %d %s", p, q, r.status, r.raw)
			}
		}
	}
	big := strings.Repeat("x", 5<<20)
	r := call(t, "PATCH", emu.URL()+"/v1.0/security/alerts_v2/"+firstID(t, emu, tok.app, "/v1.0/security/alerts_v2"), tok.analyst, fmt.Sprintf(`{"assignedTo":"%s"}`, big))
	mustStatus(t, r, 413)
}

func TestLegacyRetired(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	id := firstID(t, emu, tok.app, "/v1.0/security/alerts")
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/legacy", "", map[string]any{"retired": true}), 200)
	r := call(t, "GET", emu.URL()+"/v1.0/security/alerts?$top=5", tok.app, nil)
	mustStatus(t, r, 200)
	if len(r.values()) != 0 || r.str("@odata.nextLink") != "" {
		t.Fatalf("retired legacy API returned data: %s", truncate(r.raw))
	}
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/alerts/"+id, tok.app, nil), 404)
	// alerts_v2 is unaffected; reset brings the legacy API back.
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2?$top=1", tok.app, nil), 200)
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/reset", "", nil), 200)
	tok = tokensFor(t, emu)
	if n := len(call(t, "GET", emu.URL()+"/v1.0/security/alerts?$top=1", tok.app, nil).values()); n == 0 {
		t.Fatal("reset did not bring legacy alerts back")
	}
	// Started retired, by option (the --legacy-retired flag).
	retired := start(t, emulator.Options{LegacyRetired: true})
	app, _ := retired.AppToken()
	if n := len(call(t, "GET", retired.URL()+"/v1.0/security/alerts", app, nil).values()); n != 0 {
		t.Fatalf("LegacyRetired emulator returned %d legacy alerts", n)
	}
}
