package idp

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestAdminConsent(t *testing.T) {
	v1URL := func(e *env, tenantSeg string, q url.Values) string {
		return e.base + "/" + tenantSeg + "/adminconsent?" + q.Encode()
	}
	v2URL := func(e *env, tenantSeg string, q url.Values) string {
		return e.base + "/" + tenantSeg + "/v2.0/adminconsent?" + q.Encode()
	}
	q := func(scope string) url.Values {
		v := url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}, "state": {"s-1"}}
		if scope != "" {
			v.Set("scope", scope)
		}
		return v
	}
	allDelegated := []string{"User.Read", "Mail.Send", "SecurityAlert.ReadWrite.All", "SecurityIncident.ReadWrite.All", "SecurityEvents.ReadWrite.All"}
	allApplication := []string{"SecurityAlert.Read.All", "SecurityEvents.Read.All"}

	tests := []struct {
		name       string
		url        func(e *env) string
		user       string
		action     string // accept, cancel, return, or "" for switch-to-admin-then-accept
		wantLoc    string // exact redirect, with {tid} replaced
		wantPrefix string
		wantParams map[string]string
		delegated  []string
		app        []string
	}{
		{name: "v1 accept", url: func(e *env) string { return v1URL(e, "common", q("")) }, user: adminID, action: "accept",
			wantLoc: testRedirect + "?admin_consent=True&tenant={tid}&state=s-1", delegated: allDelegated, app: allApplication},
		{name: "v1 cancel", url: func(e *env) string { return v1URL(e, testDomain, q("")) }, user: adminID, action: "cancel",
			wantLoc: testRedirect + "?error=permission_denied&error_description=The+admin+canceled+the+request&state=s-1"},
		{name: "v1 non-admin returns", url: func(e *env) string { return v1URL(e, "common", q("")) }, user: readerID, action: "return",
			wantParams: map[string]string{"error": "permission_denied", "error_description": "AADSTS90094: The grant requires admin permission.", "state": "s-1"}},
		{name: "v1 non-admin switches to admin", url: func(e *env) string { return v1URL(e, "common", q("")) }, user: readerID, action: "",
			wantLoc: testRedirect + "?admin_consent=True&tenant={tid}&state=s-1", delegated: allDelegated, app: allApplication},
		{name: "v2 .default accept", url: func(e *env) string { return v2URL(e, "organizations", q("https://graph.microsoft.com/.default")) }, user: adminID, action: "accept",
			wantParams: map[string]string{"admin_consent": "True", "tenant": testTenantID, "state": "s-1",
				"scope": "https://graph.microsoft.com/User.Read https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/SecurityAlert.ReadWrite.All https://graph.microsoft.com/SecurityIncident.ReadWrite.All https://graph.microsoft.com/SecurityEvents.ReadWrite.All https://graph.microsoft.com/SecurityAlert.Read.All https://graph.microsoft.com/SecurityEvents.Read.All"},
			delegated: allDelegated, app: allApplication},
		{name: "v2 explicit scopes", url: func(e *env) string {
			return v2URL(e, testTenantID, q("openid User.Read https://graph.microsoft.com/SecurityIncident.Read.All"))
		}, user: adminID, action: "accept",
			wantParams: map[string]string{"admin_consent": "True", "tenant": testTenantID, "state": "s-1", "scope": "openid https://graph.microsoft.com/User.Read https://graph.microsoft.com/SecurityIncident.Read.All"},
			delegated:  []string{"openid", "User.Read", "SecurityIncident.Read.All"}},
		{name: "v2 cancel", url: func(e *env) string { return v2URL(e, "organizations", q("https://graph.microsoft.com/.default")) }, user: adminID, action: "cancel",
			wantPrefix: testRedirect + "?admin_consent=True&error=consent_required&error_description=AADSTS65004%3A+The+resource+owner+or+authorization+server+denied+the+request.",
			wantParams: map[string]string{"state": "s-1"}},
		{name: "v2 non-admin returns", url: func(e *env) string { return v2URL(e, "organizations", q("https://graph.microsoft.com/.default")) }, user: secopID, action: "return",
			wantParams: map[string]string{"error": "consent_required", "state": "s-1"}},
		{name: "v2 non-admin cannot accept", url: func(e *env) string { return v2URL(e, "organizations", q("https://graph.microsoft.com/.default")) }, user: plainID, action: "accept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.newBrowser()
			pg := b.navigate(tt.url(e))
			pg = b.submit(pg, "login", tt.user)
			isAdmin := tt.user == adminID
			if isAdmin != strings.Contains(pg.body, `value="accept"`) || isAdmin == (pg.status == http.StatusForbidden) {
				t.Fatalf("status %d for user %s:\n%s", pg.status, tt.user, pg.body)
			}
			switch tt.action {
			case "":
				pg = b.submit(pg, "action", "switch")
				pg = b.submit(pg, "login", adminID)
				pg = b.submit(pg, "action", "accept")
			case "accept":
				if !isAdmin {
					// The page offers no Accept; post one anyway.
					f := pg.form(t)
					v := url.Values{"flow": {f.fields[0].value}, "action": {"accept"}}
					req, _ := http.NewRequest(http.MethodPost, e.base+f.action, strings.NewReader(v.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					pg = b.do(req)
					if pg.status != http.StatusForbidden || pg.location != "" || len(e.dir.AdminGrant(testClientID).Delegated) != 0 {
						t.Fatalf("non-admin accept: %d %q %v", pg.status, pg.location, e.dir.AdminGrant(testClientID))
					}
					return
				}
				pg = b.submit(pg, "action", "accept")
			default:
				pg = b.submit(pg, "action", tt.action)
			}
			if pg.status != http.StatusFound {
				t.Fatalf("status %d\n%s", pg.status, pg.body)
			}
			if tt.wantLoc != "" && pg.location != strings.ReplaceAll(tt.wantLoc, "{tid}", testTenantID) {
				t.Fatalf("location %q", pg.location)
			}
			if tt.wantPrefix != "" && !strings.HasPrefix(pg.location, tt.wantPrefix) {
				t.Fatalf("location %q", pg.location)
			}
			p := redirectParams(t, pg.location)
			for k, want := range tt.wantParams {
				if got := p.Get(k); got != want && !(k == "error_description" && strings.HasPrefix(got, want)) {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			g := e.dir.AdminGrant(testClientID)
			if !slices.Equal(g.Delegated, tt.delegated) || !slices.Equal(g.Application, tt.app) {
				t.Errorf("grant %+v", g)
			}
		})
	}
}

func TestAdminConsentRequestErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, path string
		q          url.Values
		page       string // AADSTS code on an error page, or "" for a redirect
		redirErr   string
	}{
		{"v1 unknown client", "/common/adminconsent", url.Values{"client_id": {"nope"}, "redirect_uri": {testRedirect}}, "AADSTS700016", ""},
		{"v1 unregistered redirect", "/common/adminconsent", url.Values{"client_id": {testClientID}, "redirect_uri": {"https://evil.example/"}}, "AADSTS50011", ""},
		{"v1 missing redirect", "/common/adminconsent", url.Values{"client_id": {testClientID}}, "AADSTS900144", ""},
		{"v1 unknown tenant", "/fabrikam.com/adminconsent", url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}}, "AADSTS90002", ""},
		{"v2 common", "/common/v2.0/adminconsent", url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}, "scope": {"https://graph.microsoft.com/.default"}}, "AADSTS9002313", ""},
		{"v2 unregistered redirect", "/organizations/v2.0/adminconsent", url.Values{"client_id": {testClientID}, "redirect_uri": {"https://evil.example/"}, "scope": {"https://graph.microsoft.com/.default"}}, "AADSTS50011", ""},
		{"v2 missing scope", "/organizations/v2.0/adminconsent", url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}, "state": {"x"}}, "", "invalid_request"},
		{"v2 bad scope", "/organizations/v2.0/adminconsent", url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}, "state": {"x"}, "scope": {"Nope.Read"}}, "", "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg := e.newBrowser().get(e.base + tt.path + "?" + tt.q.Encode())
			if tt.page != "" {
				if pg.status != http.StatusBadRequest || pg.location != "" || !strings.Contains(pg.body, tt.page+":") {
					t.Fatalf("%d %q\n%s", pg.status, pg.location, pg.body)
				}
				return
			}
			p := redirectParams(t, pg.location)
			if pg.status != http.StatusFound || p.Get("error") != tt.redirErr || p.Get("state") != "x" {
				t.Fatalf("%d %v", pg.status, p)
			}
		})
	}
}

// TestAdminConsentSSO: an administrator already signed in sees the
// permissions page directly.
func TestAdminConsentSSO(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	e.signIn(b, e.authorizeURL("common", baseQuery("openid User.Read")), adminID, false)
	pg := b.navigate(e.base + "/" + testTenantID + "/adminconsent?" + url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}}.Encode())
	if !strings.Contains(pg.body, `value="accept"`) || strings.Contains(pg.body, `name="login"`) {
		t.Fatalf("%d\n%s", pg.status, pg.body)
	}
	pg = b.submit(pg, "action", "accept")
	if pg.location != testRedirect+"?admin_consent=True&tenant="+testTenantID {
		t.Fatalf("location %q (no state was sent, none is returned)", pg.location)
	}
}
