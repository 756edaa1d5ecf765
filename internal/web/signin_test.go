package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestSignInReturnsToThePage(t *testing.T) {
	h := webtest.New(t)
	analyst := h.User("Security Operator")
	b, p := h.SignIn(analyst, "/alerts?severity=high")
	if p.Status != http.StatusOK || p.URL.Path != "/alerts" || p.URL.Query().Get("severity") != "high" {
		t.Fatalf("landed on %s (%d)", p.URL, p.Status)
	}
	if !strings.Contains(p.Body, h.UPN(analyst)) {
		t.Fatal("the header does not show the user's UPN")
	}
	// The session cookie is HttpOnly, SameSite=Lax, and renewed at sign-in.
	for _, c := range b.Client.Jar.Cookies(webtest.MustURL(h.URL)) {
		if c.Name == "graphsec_session" && c.Value == "" {
			t.Fatal("empty session cookie")
		}
	}
	// Signing out ends the session: the next page asks to sign in again.
	out := h.Post(b, "/logout", webtest.CSRF(t, p), nil)
	if out.URL.Path != "/signed-out" || !strings.Contains(out.Body, "signed out") {
		t.Fatalf("after sign-out: %s %d", out.URL, out.Status)
	}
	again, err := b.Get(h.URL + "/alerts")
	if err != nil {
		t.Fatal(err)
	}
	if again.Status != http.StatusSeeOther || !strings.HasPrefix(again.Location, h.URL+"/login?return_to=") {
		t.Fatalf("after sign-out /alerts answered %d %s", again.Status, again.Location)
	}
	// The sign-in page is a page with a button, not a redirect to the
	// identity platform: nothing signs the user in again by itself.
	login, err := b.Get(again.Location)
	if err != nil {
		t.Fatal(err)
	}
	if login.Status != http.StatusOK || !webtest.IsSignInPage(login) || login.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the sign-in page: %d %v", login.Status, login.Header)
	}
}

func TestSignInRefusesOpenRedirects(t *testing.T) {
	h := webtest.New(t)
	for _, ret := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/login/authorized"} {
		t.Run(ret, func(t *testing.T) {
			b := emutest.NewBrowser()
			p, err := h.SignInWith(b, "/login?return_to="+url.QueryEscape(ret), h.User("Security Reader"), emutest.SignInOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if p.URL.Host != webtest.MustURL(h.URL).Host {
				t.Fatalf("sign-in ended on %s", p.URL)
			}
		})
	}
}

func TestCallbackErrors(t *testing.T) {
	h := webtest.New(t)
	b := emutest.NewBrowser()
	tests := []struct {
		name, query string
		status      int
		want        string
	}{
		{"provider error", "error=access_denied&error_description=" + url.QueryEscape("AADSTS65004: <script>alert(1)</script> declined") + "&error_subcode=cancel", 400, "AADSTS65004</code></dd>\n<dt>Description</dt><dd>&lt;script&gt;"},
		{"unknown state", "code=abc&state=forged", 200, "This sign-in link was already used"},
		{"no parameters", "", 200, "This sign-in link was already used"},
		{"admin consent error", "admin_consent=True&error=consent_required&error_description=AADSTS65004", 200, "Admin consent was not granted"},
		{"admin consent forged", "admin_consent=True&tenant=evil&state=forged", 200, "This sign-in link was already used"},
		{"long description", "error=access_denied&error_description=" + url.QueryEscape("AADSTS50105: "+strings.Repeat("Call +1 555 0100 now. ", 100)), 400, "AADSTS50105"},
	}
	for _, lang := range []string{"en", "ja"} {
		h.Lang(b, lang)
		for _, tt := range tests {
			t.Run(lang+"/"+tt.name, func(t *testing.T) {
				p, err := b.Get(h.URL + "/login/authorized?" + tt.query)
				if err != nil {
					t.Fatal(err)
				}
				if p.Status != tt.status || lang == "en" && !strings.Contains(p.Body, tt.want) {
					t.Fatalf("%d, want %d containing %q:\n%s", p.Status, tt.status, tt.want, p.Body)
				}
				if strings.Contains(p.Body, "<script>alert(1)") {
					t.Fatal("provider text rendered unescaped")
				}
				if strings.Count(p.Body, "Call +1 555") > 10 {
					t.Fatal("the page repeats the attacker's description at length")
				}
				if !strings.Contains(p.Body, `<html lang="`+lang+`">`) {
					t.Errorf("not in %s", lang)
				}
				i18n.AssertNoMarkers(t, p.Body)
			})
		}
	}
}

func TestAdminConsentFlow(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Unconsented: true}})
	reader := h.User("Security Reader")
	b, p := h.SignIn(reader, "/alerts")
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "SecurityAlert.Read.All") || !strings.Contains(p.Body, "/consent/admin") {
		t.Fatalf("unconsented /alerts: %d\n%s", p.Status, p.Body)
	}
	// A non-administrator cannot grant it.
	nonAdmin, err := b.SignIn(h.URL+"/consent/admin", reader, emutest.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if nonAdmin.Status != http.StatusForbidden {
		t.Fatalf("non-admin consent page: %d", nonAdmin.Status)
	}
	// An administrator grants it and is asked to sign in again.
	admin := emutest.NewBrowser()
	done, err := admin.SignIn(h.URL+"/consent/admin", h.User("Global Administrator"), emutest.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(done.Body, "Admin consent granted") || !strings.Contains(done.Body, h.Emu.TenantID()) {
		t.Fatalf("after consent: %d\n%s", done.Status, done.Body)
	}
	// The reader signs in again and now sees alerts.
	_, p = h.SignIn(reader, "/alerts")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="alerts"`) {
		t.Fatalf("after consent /alerts: %d", p.Status)
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	h := webtest.New(t)
	b, p := h.SignIn(h.User("Security Operator"), "/alerts")
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/logout", strings.NewReader("csrf="+webtest.CSRF(t, p)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST answered %d", res.StatusCode)
	}
	// Same origin without the CSRF token is refused too.
	bad := h.Post(b, "/logout", "", url.Values{"csrf": {"wrong"}})
	if bad.Status != http.StatusForbidden {
		t.Fatalf("POST with a wrong CSRF token answered %d", bad.Status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := webtest.New(t)
	_, p := h.SignIn(h.User("Security Reader"), "/alerts")
	csp := p.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if p.Header.Get("X-Content-Type-Options") != "nosniff" || p.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", p.Header)
	}
}

func TestLoopbackAliasRedirectsToPublicHost(t *testing.T) {
	h := webtest.New(t) // public URL http://127.0.0.1:port
	u := webtest.MustURL(h.URL)
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/alerts?severity=high", nil)
	req.Host = "localhost:" + u.Port()
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect || res.Header.Get("Location") != h.URL+"/alerts?severity=high" {
		t.Fatalf("%d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Probes by any name are answered in place.
	req, _ = http.NewRequest(http.MethodGet, h.URL+"/healthz", nil)
	req.Host = "localhost:" + u.Port()
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, res)
	}
}
