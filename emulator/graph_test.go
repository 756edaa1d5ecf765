package emulator_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
)

func TestGraphAuthentication(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	alerts := emu.URL() + "/v1.0/security/alerts_v2?$top=1"

	tests := []struct {
		name, url, token  string
		status            int
		code, msgContains string
	}{
		{"no token", alerts, "", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"garbage token", alerts, "not-a-jwt", 401, "InvalidAuthenticationToken", ""},
		{"app on /me", emu.URL() + "/v1.0/me", tok.app, 400, "BadRequest", "/me request is only valid with delegated authentication flow."},
		{"user without security role", alerts, tok.plain, 403, "Forbidden", "directory role"},
		{"reader can read", alerts, tok.reader, 200, "", ""},
		{"app can read", alerts, tok.app, 200, "", ""},
		{"unknown segment", emu.URL() + "/v1.0/security/nothing", tok.app, 400, "BadRequest", "Resource not found for the segment 'nothing'."},
		{"unknown version", emu.URL() + "/v2.5/me", tok.admin, 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "GET", tt.url, tt.token, nil)
			mustStatus(t, r, tt.status)
			if tt.code != "" && r.errorCode() != tt.code {
				t.Fatalf("code %q, want %q: %s", r.errorCode(), tt.code, r.raw)
			}
			if !strings.Contains(r.str("error", "message"), tt.msgContains) {
				t.Fatalf("message %q does not contain %q", r.str("error", "message"), tt.msgContains)
			}
			if tt.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
				t.Fatalf("401 without WWW-Authenticate: %v", r.header)
			}
		})
	}

	t.Run("reader cannot write", func(t *testing.T) {
		id := firstID(t, emu, tok.app, "/v1.0/security/alerts_v2")
		r := call(t, "PATCH", emu.URL()+"/v1.0/security/alerts_v2/"+id, tok.reader, map[string]any{"status": "inProgress"})
		mustStatus(t, r, 403)
	})
	t.Run("missing scope", func(t *testing.T) {
		upn := emu.Users()[0].UserPrincipalName
		for _, u := range emu.Users() {
			if hasRole(u.Roles, "Security Operator") {
				upn = u.UserPrincipalName
			}
		}
		onlyProfile, err := emu.UserToken(upn, "User.Read")
		if err != nil {
			t.Fatal(err)
		}
		r := call(t, "GET", alerts, onlyProfile, nil)
		mustStatus(t, r, 403)
		if msg := r.str("error", "message"); !strings.Contains(msg, "Missing scope permissions") || !strings.Contains(msg, "SecurityAlert.Read.All") {
			t.Fatalf("message %q", msg)
		}
	})
	t.Run("expired token", func(t *testing.T) {
		emu.Clock().Advance(3 * time.Hour)
		defer emu.Clock().Advance(-3 * time.Hour)
		r := call(t, "GET", alerts, tok.app, nil)
		mustStatus(t, r, 401)
		if !strings.Contains(r.str("error", "message"), "expired") {
			t.Fatalf("message %q", r.str("error", "message"))
		}
	})
}

func TestGraphUnconsentedApp(t *testing.T) {
	emu := start(t, emulator.Options{Unconsented: true})
	app, err := emu.AppToken()
	if err != nil {
		t.Fatal(err)
	}
	r := call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2", app, nil)
	mustStatus(t, r, 403)
	if msg := r.str("error", "message"); !strings.HasPrefix(msg, "Missing application roles. API required roles: SecurityAlert.Read.All,SecurityAlert.ReadWrite.All, application roles: ") {
		t.Fatalf("message %q", msg)
	}
	// Granting consent through the control plane takes effect on the next token.
	mustStatus(t, call(t, "POST", emu.URL()+"/_emulator/consent", "", map[string]any{"granted": true}), 200)
	app, _ = emu.AppToken()
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2", app, nil), 200)
}

func firstID(t testing.TB, emu *emulator.Emulator, token, path string) string {
	t.Helper()
	r := call(t, "GET", emu.URL()+path+"?$top=1", token, nil)
	mustStatus(t, r, 200)
	id := r.str("value", 0, "id")
	if id == "" {
		t.Fatalf("no items at %s", path)
	}
	return id
}

func TestGraphEnvelopeAndHeaders(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)

	r := call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2?$top=3", tok.app, nil, "client-request-id", "11111111-2222-3333-4444-555555555555")
	mustStatus(t, r, 200)
	if got := r.header.Get("client-request-id"); got != "11111111-2222-3333-4444-555555555555" {
		t.Fatalf("client-request-id echoed as %q", got)
	}
	if r.header.Get("request-id") == "" || r.header.Get("OData-Version") != "4.0" {
		t.Fatalf("headers: %v", r.header)
	}
	if got, want := r.str("@odata.context"), emu.URL()+"/v1.0/$metadata#security/alerts_v2"; got != want {
		t.Fatalf("context %q, want %q", got, want)
	}
	if _, ok := r.body["@odata.count"]; ok {
		t.Fatal("@odata.count without $count=true")
	}
	if len(r.values()) != 3 {
		t.Fatalf("%d items for $top=3", len(r.values()))
	}
	for _, a := range r.values() {
		if a["@odata.type"] != "#microsoft.graph.security.alert" {
			t.Fatalf("alert without @odata.type: %v", a["@odata.type"])
		}
		if _, ok := a["comments"].([]any); !ok {
			t.Fatalf("comments is %T, want [] even when empty", a["comments"])
		}
	}

	// An error carries the ids in innerError, in Graph's order.
	e := call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2/nope", tok.app, nil, "client-request-id", "abc")
	mustStatus(t, e, 404)
	if e.str("error", "innerError", "client-request-id") != "abc" || e.str("error", "innerError", "request-id") != e.header.Get("request-id") {
		t.Fatalf("innerError: %s", e.raw)
	}
	if !strings.HasPrefix(string(e.raw), `{"error":{"code":"ResourceNotFound","message":`) {
		t.Fatalf("error body order: %s", e.raw)
	}
	if d := e.str("error", "innerError", "date"); len(d) != len("2006-01-02T15:04:05") {
		t.Fatalf("innerError.date %q", d)
	}
}

// TestGraphPagingFollowsNextLink pages through every alert with the links
// as given and checks that nothing is lost or repeated.
func TestGraphPagingFollowsNextLink(t *testing.T) {
	emu := start(t, emulator.Options{Alerts: 230})
	tok := tokensFor(t, emu)
	r := call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2?$count=true&$top=7&$filter=severity ne 'informational'", tok.app, nil)
	mustStatus(t, r, 200)
	total := int(r.get("@odata.count").(float64))
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		for _, a := range r.values() {
			id := a["id"].(string)
			if seen[id] {
				t.Fatalf("alert %s returned twice", id)
			}
			seen[id] = true
			if a["severity"] == "informational" {
				t.Fatal("filter not carried into the next link")
			}
		}
		next := r.str("@odata.nextLink")
		if next == "" {
			break
		}
		if !strings.HasPrefix(next, emu.URL()+"/v1.0/security/alerts_v2?") || !strings.Contains(next, "$top=7") {
			t.Fatalf("next link %q", next)
		}
		if pages > 100 {
			t.Fatal("too many pages")
		}
		r = call(t, "GET", next, tok.app, nil)
		mustStatus(t, r, 200)
	}
	if len(seen) != total || total == 0 {
		t.Fatalf("paged through %d alerts, @odata.count says %d", len(seen), total)
	}
}

func TestGraphAlertsV2Queries(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	base := emu.URL() + "/v1.0/security/alerts_v2"

	// Find a user and a device that appear in evidence, to filter on.
	all := call(t, "GET", base+"?$top=2000", tok.app, nil)
	mustStatus(t, all, 200)
	var upn, device string
	for _, a := range all.values() {
		for _, ev := range a["evidence"].([]any) {
			e := ev.(map[string]any)
			switch e["@odata.type"] {
			case "#microsoft.graph.security.userEvidence":
				if ua, ok := e["userAccount"].(map[string]any); ok && upn == "" {
					upn, _ = ua["userPrincipalName"].(string)
				}
			case "#microsoft.graph.security.deviceEvidence":
				if device == "" {
					device, _ = e["deviceDnsName"].(string)
				}
			}
		}
	}
	if upn == "" || device == "" {
		t.Fatal("generated data has no user or device evidence")
	}

	tests := []struct {
		name, query string
		status      int
		check       func(t *testing.T, a map[string]any)
		errContains string
	}{
		{"enum case-insensitive", "$filter=severity eq 'HIGH'", 200, func(t *testing.T, a map[string]any) {
			if a["severity"] != "high" {
				t.Errorf("severity %v", a["severity"])
			}
		}, ""},
		{"in and and", "$filter=status in ('new','inProgress') and severity ne 'low'", 200, func(t *testing.T, a map[string]any) {
			if a["status"] == "resolved" || a["severity"] == "low" {
				t.Errorf("got %v/%v", a["status"], a["severity"])
			}
		}, ""},
		{"evidence user lambda", "$filter=" + url.QueryEscape("evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq '"+strings.ToUpper(upn)+"')"), 200, func(t *testing.T, a map[string]any) {
			if !strings.Contains(strings.ToLower(fmt.Sprint(a["evidence"])), strings.ToLower(upn)) {
				t.Errorf("alert %v has no evidence for %s", a["id"], upn)
			}
		}, ""},
		{"evidence device lambda", "$filter=evidence/any(e:e/microsoft.graph.security.deviceEvidence/deviceDnsName eq '" + device + "')", 200, nil, ""},
		{"created after", "$filter=createdDateTime ge 2026-11-13T00:00:00Z&$orderby=createdDateTime asc", 200, func(t *testing.T, a map[string]any) {
			if a["createdDateTime"].(string) < "2026-11-13" {
				t.Errorf("created %v", a["createdDateTime"])
			}
		}, ""},
		{"plus for spaces", "$filter=severity+eq+'medium'", 200, func(t *testing.T, a map[string]any) {
			if a["severity"] != "medium" {
				t.Errorf("severity %v", a["severity"])
			}
		}, ""},
		{"percent-encoded option names", "%24filter=severity%20eq%20%27low%27&%24top=5", 200, nil, ""},
		{"select", "$select=title,severity&$top=3", 200, func(t *testing.T, a map[string]any) {
			if _, ok := a["status"]; ok || a["title"] == nil {
				t.Errorf("select returned %v", a)
			}
		}, ""},
		{"unknown property", "$filter=foo eq 1", 400, nil, "Could not find a property named 'foo'"},
		{"not filterable", "$filter=investigationState eq 'running'", 400, nil, "investigationState"},
		{"bad enum", "$filter=severity eq 'severe'", 400, nil, "not a valid enumeration"},
		{"quoted date", "$filter=createdDateTime ge '2026-01-01'", 400, nil, "incompatible types"},
		{"syntax", "$filter=severity eq", 400, nil, "Syntax error"},
		{"top too large", "$top=2001", 400, nil, "The limit of '2000' for Top query has been exceeded"},
		{"negative top", "$top=-1", 400, nil, "$top"},
		{"unknown option", "$foo=1", 400, nil, "$foo"},
		{"bad escape", "$filter=severity%zz", 400, nil, ""},
		{"deep nesting", "$filter=" + strings.Repeat("(", 200) + "severity eq 'high'" + strings.Repeat(")", 200), 400, nil, ""},
		{"long filter", "$filter=" + strings.Repeat("severity eq 'high' or ", 400) + "severity eq 'low'", 400, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "GET", base+"?"+tt.query, tok.app, nil)
			mustStatus(t, r, tt.status)
			if tt.status == 200 && len(r.values()) == 0 && tt.check != nil {
				t.Fatal("no results to check")
			}
			for _, a := range r.values() {
				if tt.check != nil {
					tt.check(t, a)
				}
			}
			if tt.status != 200 && !strings.Contains(r.str("error", "message"), tt.errContains) {
				t.Fatalf("message %q does not contain %q", r.str("error", "message"), tt.errContains)
			}
		})
	}
}

func TestGraphAlertsV2Update(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	base := emu.URL() + "/v1.0/security/alerts_v2"
	list := call(t, "GET", base+"?$filter=status eq 'new'&$top=1", tok.app, nil)
	mustStatus(t, list, 200)
	a := list.values()[0]
	id, incident := a["id"].(string), a["incidentId"].(string)

	emu.Clock().Advance(time.Minute)
	now := emu.Clock().Now().UTC()
	r := call(t, "PATCH", base+"/"+id, tok.analyst, map[string]any{"status": "Resolved", "classification": "truePositive", "determination": "malware", "assignedTo": "analyst@example.test"})
	mustStatus(t, r, 200)
	if r.str("status") != "resolved" || r.str("classification") != "truePositive" || r.str("assignedTo") != "analyst@example.test" {
		t.Fatalf("after PATCH: %s", truncate(r.raw))
	}
	if got := r.str("lastUpdateDateTime"); got != now.Format("2006-01-02T15:04:05.0000000Z") {
		t.Fatalf("lastUpdateDateTime %q, want %v", got, now)
	}
	if r.str("resolvedDateTime") == "" {
		t.Fatal("resolvedDateTime not set on resolve")
	}
	if r.str("@odata.context") != emu.URL()+"/v1.0/$metadata#security/alerts_v2/$entity" {
		t.Fatalf("context %q", r.str("@odata.context"))
	}
	// The incident moved on with its alert.
	inc := call(t, "GET", emu.URL()+"/v1.0/security/incidents/"+incident+"?$expand=alerts", tok.app, nil)
	mustStatus(t, inc, 200)
	if inc.str("lastUpdateDateTime") != r.str("lastUpdateDateTime") {
		t.Fatalf("incident lastUpdateDateTime %q, alert %q", inc.str("lastUpdateDateTime"), r.str("lastUpdateDateTime"))
	}
	allResolved := true
	for _, x := range inc.get("alerts").([]any) {
		if x.(map[string]any)["status"] != "resolved" {
			allResolved = false
		}
	}
	if (inc.str("status") == "resolved") != allResolved {
		t.Fatalf("incident status %q but all alerts resolved = %v", inc.str("status"), allResolved)
	}
	// Reopening clears resolvedDateTime; null unassigns.
	r = call(t, "PATCH", base+"/"+id, tok.analyst, `{"status":"inProgress","assignedTo":null}`)
	mustStatus(t, r, 200)
	if r.get("resolvedDateTime") != nil || r.get("assignedTo") != nil {
		t.Fatalf("after reopen: resolvedDateTime=%v assignedTo=%v", r.get("resolvedDateTime"), r.get("assignedTo"))
	}

	bad := []struct {
		name, body string
		status     int
	}{
		{"read-only field", `{"title":"x"}`, 400},
		{"bad enum", `{"status":"closed"}`, 400},
		{"wrong type", `{"assignedTo":5}`, 400},
		{"not json", `{"status":`, 400},
		{"array", `[1]`, 400},
		{"empty", ``, 400},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			mustStatus(t, call(t, "PATCH", base+"/"+id, tok.analyst, b.body), b.status)
		})
	}
	mustStatus(t, call(t, "PATCH", base+"/does-not-exist", tok.analyst, `{"status":"new"}`), 404)
	mustStatus(t, call(t, "DELETE", base+"/"+id, tok.analyst, nil), 405)
}

func TestGraphComments(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	for _, res := range []string{"alerts_v2", "incidents"} {
		t.Run(res, func(t *testing.T) {
			id := firstID(t, emu, tok.app, "/v1.0/security/"+res)
			u := emu.URL() + "/v1.0/security/" + res + "/" + id + "/comments"
			before := call(t, "GET", emu.URL()+"/v1.0/security/"+res+"/"+id, tok.app, nil)
			n := len(before.get("comments").([]any))

			r := call(t, "POST", u, tok.analyst, map[string]any{"@odata.type": "microsoft.graph.security.alertComment", "comment": "first <b>look</b>"})
			mustStatus(t, r, 200)
			r = call(t, "POST", u, tok.analyst, []any{map[string]any{"@odata.type": "#microsoft.graph.security.alertComment", "comment": "second"}})
			mustStatus(t, r, 200)
			vals := r.values()
			if len(vals) != n+2 || vals[n]["comment"] != "first <b>look</b>" || vals[n+1]["comment"] != "second" {
				t.Fatalf("comments: %s", truncate(r.raw))
			}
			if vals[n+1]["createdByDisplayName"] == "" || vals[n+1]["createdDateTime"] == nil {
				t.Fatalf("comment metadata missing: %v", vals[n+1])
			}
			if !strings.HasSuffix(r.str("@odata.context"), "('"+id+"')/comments") {
				t.Fatalf("context %q", r.str("@odata.context"))
			}
			mustStatus(t, call(t, "POST", u, tok.analyst, `[{"comment":"a"},{"comment":"b"}]`), 400)
			mustStatus(t, call(t, "POST", u, tok.analyst, `{"comment":"  "}`), 400)
			mustStatus(t, call(t, "POST", u, tok.reader, `{"comment":"no"}`), 403)
		})
	}
}

func TestGraphIncidents(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	base := emu.URL() + "/v1.0/security/incidents"
	r := call(t, "GET", base+"?$filter=status eq 'active'&$top=1&$expand=alerts", tok.app, nil)
	mustStatus(t, r, 200)
	inc := r.values()[0]
	id := inc["id"].(string)
	alerts := inc["alerts"].([]any)
	if len(alerts) == 0 {
		t.Fatal("expanded incident has no alerts")
	}
	// Without $expand the navigation property is absent.
	plain := call(t, "GET", base+"/"+id, tok.app, nil)
	if _, ok := plain.body["alerts"]; ok {
		t.Fatal("alerts present without $expand")
	}
	sub := call(t, "GET", base+"/"+id+"/alerts", tok.app, nil)
	mustStatus(t, sub, 200)
	if len(sub.values()) != len(alerts) {
		t.Fatalf("/alerts returned %d, $expand %d", len(sub.values()), len(alerts))
	}

	r = call(t, "PATCH", base+"/"+id, tok.analyst, map[string]any{"status": "resolved", "classification": "falsePositive", "determination": "notMalicious", "customTags": []string{"reviewed"}})
	mustStatus(t, r, 200)
	if r.str("status") != "resolved" || r.str("lastModifiedBy") == "" {
		t.Fatalf("incident after PATCH: %s", truncate(r.raw))
	}
	after := call(t, "GET", base+"/"+id+"/alerts", tok.app, nil)
	for _, a := range after.values() {
		if a["status"] != "resolved" || a["classification"] != "falsePositive" {
			t.Fatalf("alert %v not carried along: %v/%v", a["id"], a["status"], a["classification"])
		}
	}
	mustStatus(t, call(t, "PATCH", base+"/"+id, tok.analyst, `{"status":"redirected"}`), 400)
	mustStatus(t, call(t, "PATCH", base+"/"+id, tok.analyst, `{"displayName":"x"}`), 400)
	mustStatus(t, call(t, "GET", base+"?$expand=comments", tok.app, nil), 400)
	mustStatus(t, call(t, "GET", base+"/999999999", tok.app, nil), 404)
	// Reopen: alerts come back as new.
	mustStatus(t, call(t, "PATCH", base+"/"+id, tok.analyst, `{"status":"active"}`), 200)
	for _, a := range call(t, "GET", base+"/"+id+"/alerts", tok.app, nil).values() {
		if a["status"] != "new" {
			t.Fatalf("reopened incident's alert is %v", a["status"])
		}
	}
}

func TestGraphEvolvableEnums(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	base := emu.URL() + "/v1.0/security/alerts_v2?$top=2000"
	hidden := call(t, "GET", base, tok.app, nil)
	shown := call(t, "GET", base, tok.app, nil, "Prefer", "include-unknown-enum-members")
	if shown.header.Get("Preference-Applied") != "include-unknown-enum-members" {
		t.Fatalf("Preference-Applied %q", shown.header.Get("Preference-Applied"))
	}
	evolvable := map[string]bool{"microsoftDefenderForCloud": true, "microsoftSentinel": true, "microsoftInsiderRiskManagement": true, "microsoftThreatIntelligence": true, "microsoftSecurityForAI": true}
	found := 0
	for i, a := range shown.values() {
		src := a["serviceSource"].(string)
		if !evolvable[src] {
			continue
		}
		found++
		if got := hidden.values()[i]["serviceSource"]; got != "unknownFutureValue" {
			t.Fatalf("alert %v: serviceSource %q without Prefer, want unknownFutureValue", a["id"], got)
		}
	}
	if found == 0 {
		t.Fatal("generated data has no alert with an evolvable serviceSource")
	}
	if strings.Contains(string(hidden.raw), `"microsoftSentinel"`) {
		t.Fatal("an evolvable member leaked without the Prefer header")
	}
}

func TestGraphTolerance(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	for _, p := range []string{"/v1.0/security/alerts", "/v1.0/security/alerts/", "/v1.0/Security/Alerts_V2", "/v1.0/security/alerts_v2/", "/beta/security/incidents"} {
		t.Run(p, func(t *testing.T) {
			mustStatus(t, call(t, "GET", emu.URL()+p+"?$top=1", tok.app, nil), 200)
		})
	}
	upn := emu.Users()[0].UserPrincipalName
	for _, p := range []string{"/v1.0/users/" + upn, "/v1.0/users('" + upn + "')", "/v1.0/users/" + strings.ToUpper(upn)} {
		t.Run(p, func(t *testing.T) {
			r := call(t, "GET", emu.URL()+p, tok.app, nil)
			mustStatus(t, r, 200)
			if !strings.EqualFold(r.str("userPrincipalName"), upn) {
				t.Fatalf("user %s", r.raw)
			}
		})
	}
}

func TestGraphUsersAndMe(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	me := call(t, "GET", emu.URL()+"/v1.0/me", tok.analyst, nil)
	mustStatus(t, me, 200)
	if me.str("@odata.context") != emu.URL()+"/v1.0/$metadata#users/$entity" || me.str("userPrincipalName") == "" || me.str("id") == "" {
		t.Fatalf("/me: %s", me.raw)
	}
	for _, k := range []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname"} {
		if _, ok := me.body[k]; !ok {
			t.Errorf("/me lacks %s", k)
		}
	}
	sel := call(t, "GET", emu.URL()+"/v1.0/me?$select=displayName,id", tok.analyst, nil)
	if sel.str("@odata.context") != emu.URL()+"/v1.0/$metadata#users(displayName,id)/$entity" || len(sel.body) != 3 {
		t.Fatalf("/me $select: %s", sel.raw)
	}
	users := call(t, "GET", emu.URL()+"/v1.0/users?$filter=startswith(displayName,'a')", tok.app, nil)
	mustStatus(t, users, 200)
	mustStatus(t, call(t, "GET", emu.URL()+"/v1.0/users/nobody@nowhere.test", tok.app, nil), 404)
}

func TestGraphMethodNotAllowed(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	r := call(t, "POST", emu.URL()+"/v1.0/security/alerts_v2", tok.app, `{}`)
	mustStatus(t, r, http.StatusMethodNotAllowed)
	if r.errorCode() == "" || r.header.Get("Allow") == "" {
		t.Fatalf("405 body %s, Allow %q", r.raw, r.header.Get("Allow"))
	}
}
