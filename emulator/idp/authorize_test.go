package idp

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAuthorizeErrorPages: before the client and redirect URI are known to
// match, errors are pages and never redirects.
func TestAuthorizeErrorPages(t *testing.T) {
	e := newEnv(t)
	q := func(mutate func(url.Values)) string {
		v := baseQuery("openid User.Read")
		mutate(v)
		return v.Encode()
	}
	tests := []struct {
		name, tenant, query string
		code                string
	}{
		{"unknown tenant", "fabrikam.onmicrosoft.com", q(func(url.Values) {}), "AADSTS90002"},
		{"consumers", "consumers", q(func(url.Values) {}), "AADSTS90002"},
		{"missing client_id", "common", q(func(v url.Values) { v.Del("client_id") }), "AADSTS900144"},
		{"unknown client", "common", q(func(v url.Values) { v.Set("client_id", "99999999-0000-0000-0000-000000000000") }), "AADSTS700016"},
		{"missing redirect_uri", "common", q(func(v url.Values) { v.Del("redirect_uri") }), "AADSTS900144"},
		{"unregistered redirect_uri", "common", q(func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }), "AADSTS50011"},
		{"redirect_uri differs in case", "common", q(func(v url.Values) { v.Set("redirect_uri", strings.ToUpper(testRedirect)) }), "AADSTS50011"},
		{"redirect_uri with extra query", "common", q(func(v url.Values) { v.Set("redirect_uri", testRedirect+"?x=1") }), "AADSTS50011"},
		{"redirect_uri of another app", "common", q(func(v url.Values) { v.Set("redirect_uri", publicRedir) }), "AADSTS50011"},
		{"unregistered redirect with bad scope", "common", q(func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb"); v.Set("scope", "nonsense") }), "AADSTS50011"},
		{"repeated redirect_uri", "common", q(func(v url.Values) { v.Add("redirect_uri", "https://evil.example/cb") }), "AADSTS9002313"},
		{"bad query encoding", "common", "client_id=%zz", "AADSTS9002313"},
		{"query too long", "common", "state=" + strings.Repeat("a", maxQueryBytes), "AADSTS9002313"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg := e.newBrowser().get(e.base + "/" + tt.tenant + "/oauth2/v2.0/authorize?" + tt.query)
			if pg.status != http.StatusBadRequest || pg.location != "" {
				t.Fatalf("status %d location %q", pg.status, pg.location)
			}
			if !strings.Contains(pg.body, tt.code+":") {
				t.Fatalf("page lacks %s:\n%s", tt.code, pg.body)
			}
			if strings.Contains(pg.body, "evil.example") && !strings.Contains(pg.body, "&#39;https://evil.example/cb&#39;") {
				t.Fatal("redirect URI echoed unescaped")
			}
			if !strings.HasPrefix(pg.header.Get("Content-Type"), "text/html") || pg.header.Get("X-Frame-Options") != "DENY" {
				t.Fatalf("headers %v", pg.header)
			}
		})
	}
}

// TestAuthorizeRedirectErrors: once the redirect URI is trusted, errors go
// back to the app with state.
func TestAuthorizeRedirectErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		mutate func(url.Values)
		err    string
		code   int
	}{
		{"missing response_type", func(v url.Values) { v.Del("response_type") }, "invalid_request", 900144},
		{"response_type token", func(v url.Values) { v.Set("response_type", "token") }, "unsupported_response_type", 700054},
		{"response_type id_token", func(v url.Values) { v.Set("response_type", "id_token") }, "unsupported_response_type", 700054},
		{"response_type hybrid", func(v url.Values) { v.Set("response_type", "code id_token") }, "unsupported_response_type", 700054},
		{"missing scope", func(v url.Values) { v.Del("scope") }, "invalid_request", 900144},
		{"blank scope", func(v url.Values) { v.Set("scope", "   ") }, "invalid_request", 900144},
		{"unknown scope", func(v url.Values) { v.Set("scope", "openid Files.Read") }, "invalid_scope", 70011},
		{"unknown long scope", func(v url.Values) { v.Set("scope", "https://graph.microsoft.com/Files.Read") }, "invalid_scope", 70011},
		{"other resource", func(v url.Values) { v.Set("scope", "openid api://fabrikam/read") }, "invalid_resource", 500011},
		{".default with explicit", func(v url.Values) { v.Set("scope", "https://graph.microsoft.com/.default User.Read") }, "invalid_scope", 70011},
		{"method without challenge", func(v url.Values) { v.Set("code_challenge_method", "S256") }, "invalid_request", 9002313},
		{"unknown method", func(v url.Values) {
			v.Set("code_challenge", strings.Repeat("a", 43))
			v.Set("code_challenge_method", "S512")
		}, "invalid_request", 9002313},
		{"short challenge", func(v url.Values) { v.Set("code_challenge", "abc"); v.Set("code_challenge_method", "S256") }, "invalid_request", 501491},
		{"challenge bad chars", func(v url.Values) { v.Set("code_challenge", strings.Repeat("a", 42)+"!") }, "invalid_request", 501491},
		{"unknown prompt", func(v url.Values) { v.Set("prompt", "always") }, "invalid_request", 9002313},
		{"prompt none with login", func(v url.Values) { v.Set("prompt", "none login") }, "invalid_request", 9002313},
		{"unknown response_mode", func(v url.Values) { v.Set("response_mode", "web_message") }, "invalid_request", 9002313},
		{"repeated scope", func(v url.Values) { v.Add("scope", "User.Read") }, "invalid_request", 9002313},
		{"prompt none without session", func(v url.Values) { v.Set("prompt", "none") }, "login_required", 50058},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := baseQuery("openid User.Read")
			tt.mutate(v)
			pg := e.newBrowser().get(e.authorizeURL(testDomain, v))
			if pg.status != http.StatusFound || !strings.HasPrefix(pg.location, testRedirect+"?") {
				t.Fatalf("status %d location %q\n%s", pg.status, pg.location, pg.body)
			}
			p := redirectParams(t, pg.location)
			if p.Get("error") != tt.err || !strings.HasPrefix(p.Get("error_description"), "AADSTS"+itoa(tt.code)+": ") || p.Get("state") != "st-123" {
				t.Fatalf("params %v", p)
			}
			if !strings.Contains(p.Get("error_description"), "\r\nTrace ID: ") || p.Get("error_uri") == "" || p.Get("code") != "" {
				t.Fatalf("params %v", p)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestResponseModes(t *testing.T) {
	t.Run("query keeps the registered URI's own query", func(t *testing.T) {
		e := newEnv(t)
		app, _ := e.dir.App(publicID)
		app.RedirectURIs = append(app.RedirectURIs, "http://localhost:8400/cb?tenant=x")
		e.dir.PutApp(app)
		e.dir.GrantUserConsent(publicID, plainID, []string{"openid", "User.Read"})
		v := baseQuery("openid User.Read")
		v.Set("client_id", publicID)
		v.Set("redirect_uri", "http://localhost:8400/cb?tenant=x")
		pg := e.signIn(e.newBrowser(), e.authorizeURL("common", v), plainID, false)
		if !strings.HasPrefix(pg.location, "http://localhost:8400/cb?tenant=x&code=") || !strings.HasSuffix(pg.location, "&state=st-123") {
			t.Fatalf("location %q", pg.location)
		}
	})
	t.Run("fragment", func(t *testing.T) {
		e := newEnv(t)
		e.dir.GrantUserConsent(testClientID, plainID, []string{"openid", "User.Read"})
		v := baseQuery("openid User.Read")
		v.Set("response_mode", "fragment")
		pg := e.signIn(e.newBrowser(), e.authorizeURL("common", v), plainID, false)
		if !strings.HasPrefix(pg.location, testRedirect+"#code=") {
			t.Fatalf("location %q", pg.location)
		}
		if p := redirectParams(t, pg.location); p.Get("state") != "st-123" {
			t.Fatal(p)
		}
	})
	t.Run("form_post", func(t *testing.T) {
		e := newEnv(t)
		e.dir.GrantUserConsent(testClientID, plainID, []string{"openid", "User.Read"})
		v := baseQuery("openid User.Read")
		v.Set("response_mode", "form_post")
		v.Set("state", `"><script>alert(1)</script>`)
		b := e.newBrowser()
		pg := b.navigate(e.authorizeURL("common", v))
		pg = b.submit(pg, "login", plainID)
		if pg.status != http.StatusOK {
			t.Fatalf("status %d", pg.status)
		}
		f := pg.form(t)
		if f.action != testRedirect || f.method != http.MethodPost {
			t.Fatalf("form %+v", f)
		}
		got := map[string]string{}
		visibleSubmit := false
		for _, c := range f.fields {
			if c.typ == "hidden" {
				got[c.name] = c.value
			}
			if c.typ == "submit" {
				visibleSubmit = true
			}
		}
		if got["code"] == "" || got["state"] != `"><script>alert(1)</script>` || !visibleSubmit {
			t.Fatalf("fields %v submit=%v", got, visibleSubmit)
		}
		if strings.Contains(pg.body, "<script>alert") {
			t.Fatal("state not escaped")
		}
		// The page's only script is the one its CSP hash allows.
		scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(pg.body, -1)
		if len(scripts) != 1 || scripts[0][1] != formPostScript {
			t.Fatalf("scripts %q", scripts)
		}
		sum := sha256.Sum256([]byte(scripts[0][1]))
		if !strings.Contains(pg.header.Get("Content-Security-Policy"), "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
			t.Fatalf("CSP %q", pg.header.Get("Content-Security-Policy"))
		}
	})
	t.Run("form_post errors", func(t *testing.T) {
		e := newEnv(t)
		v := baseQuery("openid User.Read")
		v.Set("response_mode", "form_post")
		v.Set("prompt", "none")
		pg := e.newBrowser().get(e.authorizeURL("common", v))
		if pg.status != http.StatusOK || !strings.Contains(pg.body, `name="error" value="login_required"`) {
			t.Fatalf("%d\n%s", pg.status, pg.body)
		}
	})
}

func TestPromptAndSessions(t *testing.T) {
	type step struct {
		prompt, hint string
		want         string // "code", "signin", "consent", or an error code
	}
	tests := []struct {
		name     string
		signedIn string // user signed in first (with consent given)
		steps    []step
	}{
		{name: "none with session and consent", signedIn: readerID, steps: []step{{prompt: "none", want: "code"}}},
		{name: "SSO without prompt", signedIn: readerID, steps: []step{{want: "code"}}},
		{name: "login always shows accounts", signedIn: readerID, steps: []step{{prompt: "login", want: "signin"}}},
		{name: "select_account always shows accounts", signedIn: readerID, steps: []step{{prompt: "select_account", want: "signin"}}},
		{name: "consent always shows consent", signedIn: readerID, steps: []step{{prompt: "consent", want: "consent"}}},
		{name: "hint matching session", signedIn: readerID, steps: []step{{hint: readerUPN, want: "code"}, {hint: strings.ToUpper(readerUPN), want: "code"}}},
		{name: "hint for another user", signedIn: readerID, steps: []step{{hint: adminUPN, want: "signin"}}},
		{name: "none with hint for another user", signedIn: readerID, steps: []step{{prompt: "none", hint: adminUPN, want: "login_required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.newBrowser()
			e.signIn(b, e.authorizeURL("common", baseQuery("openid offline_access User.Read")), tt.signedIn, false)
			for _, s := range tt.steps {
				v := baseQuery("openid offline_access User.Read")
				if s.prompt != "" {
					v.Set("prompt", s.prompt)
				}
				if s.hint != "" {
					v.Set("login_hint", s.hint)
				}
				pg := b.get(e.authorizeURL("common", v))
				got := ""
				switch {
				case pg.status == http.StatusFound:
					p := redirectParams(t, pg.location)
					got = p.Get("error")
					if p.Get("code") != "" {
						got = "code"
					}
				case strings.Contains(pg.body, `name="login"`):
					got = "signin"
				case strings.Contains(pg.body, `value="accept"`):
					got = "consent"
				}
				if got != s.want {
					t.Fatalf("prompt=%q hint=%q: got %q, want %q (%d)", s.prompt, s.hint, got, s.want, pg.status)
				}
				if got == "signin" && s.hint != "" && !strings.Contains(pg.body, `value="`+adminID+`" class="hinted"`) {
					t.Fatalf("hinted account not marked:\n%s", pg.body)
				}
			}
		})
	}
	t.Run("none when consent is missing", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		e.signIn(b, e.authorizeURL("common", baseQuery("openid User.Read")), readerID, false)
		v := baseQuery("openid User.Read Mail.Send")
		v.Set("prompt", "none")
		pg := b.get(e.authorizeURL("common", v))
		p := redirectParams(t, pg.location)
		if p.Get("error") != "consent_required" || !strings.HasPrefix(p.Get("error_description"), "AADSTS65001: ") || p.Get("state") != "st-123" {
			t.Fatal(p)
		}
	})
	t.Run("none for a normal user with only admin permissions missing", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		e.signIn(b, e.authorizeURL("common", baseQuery("openid User.Read")), readerID, false)
		v := baseQuery("openid User.Read SecurityAlert.Read.All")
		v.Set("prompt", "none")
		if p := redirectParams(t, b.get(e.authorizeURL("common", v)).location); p.Get("code") == "" {
			t.Fatalf("no UI would be shown, so prompt=none succeeds: %v", p)
		}
	})
	t.Run("none for an admin with admin permissions missing", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		e.signIn(b, e.authorizeURL("common", baseQuery("openid User.Read")), adminID, false)
		v := baseQuery("openid User.Read SecurityAlert.Read.All")
		v.Set("prompt", "none")
		if p := redirectParams(t, b.get(e.authorizeURL("common", v)).location); p.Get("error") != "consent_required" {
			t.Fatalf("an admin would be offered consent: %v", p)
		}
	})
	t.Run("session expires", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		e.signIn(b, e.authorizeURL("common", baseQuery("openid User.Read")), readerID, false)
		e.clock.Advance(sessionLifetime)
		v := baseQuery("openid User.Read")
		v.Set("prompt", "none")
		if p := redirectParams(t, b.get(e.authorizeURL("common", v)).location); p.Get("error") != "login_required" {
			t.Fatal(p)
		}
	})
}

func TestConsentPage(t *testing.T) {
	scope := "openid offline_access User.Read SecurityAlert.ReadWrite.All"
	t.Run("normal user: admin-only permissions not granted, sign-in succeeds", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		pg := b.submit(b.navigate(e.authorizeURL("common", baseQuery(scope))), "login", secopID)
		if strings.Contains(pg.body, `name="consent_org"`) {
			t.Fatal("non-admin offered organization consent")
		}
		notGranted := pg.body[strings.Index(pg.body, "need an administrator"):]
		if !strings.Contains(notGranted, "SecurityAlert.ReadWrite.All") || !strings.Contains(pg.body, "User.Read") {
			t.Fatalf("consent page:\n%s", pg.body)
		}
		if !strings.Contains(pg.body, "Sam &lt;Operator&gt;") {
			t.Fatal("display name not escaped")
		}
		pg = b.submit(pg, "action", "accept")
		code := redirectParams(t, pg.location).Get("code")
		st, m := e.redeem(code, nil)
		if st != 200 || m["scope"] != "User.Read openid offline_access" {
			t.Fatalf("%d %v", st, m)
		}
		if got := e.dir.UserConsent(testClientID, secopID); strings.Join(got, " ") != "openid offline_access User.Read" {
			t.Fatalf("recorded consent %v", got)
		}
	})
	t.Run("admin consents for the organization", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		pg := b.submit(b.navigate(e.authorizeURL("common", baseQuery(scope))), "login", adminID)
		if !strings.Contains(pg.body, "Consent on behalf of your organization") {
			t.Fatalf("no org checkbox:\n%s", pg.body)
		}
		pg = b.submit(pg, "action", "accept", "consent_org")
		if p := redirectParams(t, pg.location); p.Get("code") == "" {
			t.Fatal(p)
		}
		if g := e.dir.AdminGrant(testClientID); strings.Join(g.Delegated, " ") != "openid offline_access User.Read SecurityAlert.ReadWrite.All" {
			t.Fatalf("admin grant %v", g)
		}
		// Another user now signs in without any consent page.
		code := e.codeFor(e.newBrowser(), baseQuery(scope), plainID)
		if _, m := e.redeem(code, nil); m["scope"] != "User.Read SecurityAlert.ReadWrite.All openid offline_access" {
			t.Fatalf("%v", m)
		}
	})
	t.Run("admin consents for themselves", func(t *testing.T) {
		e := newEnv(t)
		code := e.codeFor(e.newBrowser(), baseQuery(scope), adminID)
		if _, m := e.redeem(code, nil); m["scope"] != "User.Read SecurityAlert.ReadWrite.All openid offline_access" {
			t.Fatalf("%v", m)
		}
		if g := e.dir.AdminGrant(testClientID); len(g.Delegated) != 0 {
			t.Fatalf("tenant-wide grant without the checkbox: %v", g)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		pg := b.submit(b.navigate(e.authorizeURL("common", baseQuery(scope))), "login", readerID)
		pg = b.submit(pg, "action", "cancel")
		p := redirectParams(t, pg.location)
		if p.Get("error") != "access_denied" || !strings.HasPrefix(p.Get("error_description"), "AADSTS65004: ") || p.Get("state") != "st-123" {
			t.Fatal(p)
		}
		if len(e.dir.UserConsent(testClientID, readerID)) != 0 {
			t.Fatal("consent recorded after cancel")
		}
	})
	t.Run("use another account", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		pg := b.submit(b.navigate(e.authorizeURL("common", baseQuery(scope))), "login", readerID)
		pg = b.submit(pg, "action", "switch")
		pg = b.submit(pg, "login", plainID)
		pg = b.submit(pg, "action", "accept")
		code := redirectParams(t, pg.location).Get("code")
		_, m := e.redeem(code, nil)
		c, err := e.p.VerifyAccessToken(m["access_token"].(string))
		if err != nil || c.ObjectID != plainID {
			t.Fatalf("%v %v", c, err)
		}
	})
}

func TestFlowProtection(t *testing.T) {
	t.Run("form from another browser", func(t *testing.T) {
		e := newEnv(t)
		pg := e.newBrowser().navigate(e.authorizeURL("common", baseQuery("openid User.Read")))
		other := e.newBrowser() // no binding cookie
		out := other.submit(pg, "login", adminID)
		if out.status != http.StatusBadRequest || out.location != "" || !strings.Contains(out.body, "AADSTS9002313") {
			t.Fatalf("%d %q", out.status, out.location)
		}
	})
	t.Run("flow expired", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		pg := b.navigate(e.authorizeURL("common", baseQuery("openid User.Read")))
		e.clock.Advance(flowLifetime + time.Second)
		out := b.submit(pg, "login", adminID)
		if out.status != http.StatusBadRequest || !strings.Contains(out.body, "AADSTS50089") {
			t.Fatalf("%d\n%s", out.status, out.body)
		}
	})
	t.Run("flow of another endpoint", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		pg := b.navigate(e.base + "/common/adminconsent?" + url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}}.Encode())
		pg.body = strings.Replace(pg.body, `action="/common/adminconsent"`, `action="/common/oauth2/v2.0/authorize"`, 1)
		out := b.submit(pg, "login", adminID)
		if out.status != http.StatusBadRequest || !strings.Contains(out.body, "AADSTS50089") {
			t.Fatalf("%d\n%s", out.status, out.body)
		}
	})
	t.Run("unknown account", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		pg := b.navigate(e.authorizeURL("common", baseQuery("openid User.Read")))
		pg.body = strings.Replace(pg.body, `value="`+adminID+`"`, `value="nobody"`, 1)
		out := b.submit(pg, "login", "nobody")
		if out.status != http.StatusOK || !strings.Contains(out.body, "does not exist") || !strings.Contains(out.body, `name="login"`) {
			t.Fatalf("%d\n%s", out.status, out.body)
		}
	})
	t.Run("session cookie attributes", func(t *testing.T) {
		e := newEnv(t)
		b := e.newBrowser()
		pg := b.navigate(e.authorizeURL("common", baseQuery("openid User.Read")))
		f := pg.form(t)
		v := url.Values{"flow": {f.fields[0].value}, "login": {plainID}}
		req, _ := http.NewRequest(http.MethodPost, e.base+f.action, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.eb.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var found bool
		for _, c := range resp.Cookies() {
			if c.Name == sessionCookie {
				found = true
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || len(c.Value) < 40 {
					t.Fatalf("cookie %+v", c)
				}
			}
		}
		if !found {
			t.Fatal("no session cookie")
		}
	})
}

func TestSigninPage(t *testing.T) {
	e := newEnv(t)
	v := baseQuery("openid User.Read")
	v.Set("login_hint", readerUPN)
	pg := e.newBrowser().get(e.authorizeURL("common", v))
	f := pg.form(t)
	var users []string
	for _, c := range f.fields {
		if c.name == "login" {
			users = append(users, c.value)
		}
	}
	if strings.Join(users, ",") != strings.Join([]string{adminID, secopID, readerID, plainID}, ",") {
		t.Fatalf("accounts %v", users)
	}
	for _, want := range []string{"emulator", "no passwords", "Global Administrator", "Security Operator", "Security Reader", "No directory roles", "Sam &lt;Operator&gt;", "graphsec console", `value="` + readerID + `" class="hinted" autofocus`} {
		if !strings.Contains(pg.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if csp := pg.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q", csp)
	}
}
