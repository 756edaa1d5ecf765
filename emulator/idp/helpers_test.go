package idp

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"github.com/graphsec/graphsec/emulator/emutest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/internal/clock"
)

// The test tenant: the brief's cast of users and one confidential app.
const (
	testTenantID = "8f1b9a6e-2c4d-4e5f-9a0b-1c2d3e4f5a6b"
	testDomain   = "contoso.onmicrosoft.com"
	testClientID = "5a0c3f1e-7b2d-4c8e-9f10-112233445566"
	testSecret   = "s3cr3t~with+special&chars=%"
	testSPID     = "0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a"
	testRedirect = "http://localhost:5000/login/authorized"

	otherClientID = "6b1d4f2e-8c3e-4d9f-a021-223344556677"
	otherSecret   = "other-secret"
	publicID      = "7c2e5a3f-9d4f-4eaf-b132-334455667788"
	publicRedir   = "http://localhost:8400/callback"

	adminID   = "aaaaaaaa-0000-4000-8000-000000000001"
	secopID   = "aaaaaaaa-0000-4000-8000-000000000002"
	readerID  = "aaaaaaaa-0000-4000-8000-000000000003"
	plainID   = "aaaaaaaa-0000-4000-8000-000000000004"
	adminUPN  = "admin@contoso.onmicrosoft.com"
	readerUPN = "reader@contoso.onmicrosoft.com"
)

var testStart = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// testKey is generated once: RSA 2048 generation dominates test time otherwise.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newTestDirectory() *tenant.Directory {
	d := tenant.NewDirectory(testTenantID, testDomain, "Contoso")
	d.SetUsers([]tenant.User{
		{ID: adminID, UserPrincipalName: adminUPN, DisplayName: "Ada Admin", GivenName: "Ada", Surname: "Admin", Mail: adminUPN, Roles: []string{tenant.RoleGlobalAdministrator}},
		{ID: secopID, UserPrincipalName: "secop@contoso.onmicrosoft.com", DisplayName: "Sam <Operator>", GivenName: "Sam", Surname: "Operator", Roles: []string{tenant.RoleSecurityOperator}},
		{ID: readerID, UserPrincipalName: readerUPN, DisplayName: "Rita Reader", GivenName: "Rita", Surname: "Reader", Mail: readerUPN, Roles: []string{tenant.RoleSecurityReader}},
		{ID: plainID, UserPrincipalName: "plain@contoso.onmicrosoft.com", DisplayName: "Pat Plain"},
	})
	d.PutApp(tenant.App{
		ClientID:           testClientID,
		DisplayName:        "graphsec console",
		ServicePrincipalID: testSPID,
		Secret:             testSecret,
		RedirectURIs:       []string{testRedirect, "http://localhost:5000/logged-out"},
		Delegated:          []string{"User.Read", "Mail.Send", "SecurityAlert.ReadWrite.All", "SecurityIncident.ReadWrite.All", "SecurityEvents.ReadWrite.All"},
		Application:        []string{"SecurityAlert.Read.All", "SecurityEvents.Read.All"},
	})
	d.PutApp(tenant.App{ClientID: otherClientID, DisplayName: "Other app", Secret: otherSecret, RedirectURIs: []string{testRedirect}, Delegated: []string{"User.Read"}})
	d.PutApp(tenant.App{ClientID: publicID, DisplayName: "Public app", RedirectURIs: []string{publicRedir}, Delegated: []string{"User.Read"}})
	return d
}

// env is a provider served over HTTP with a fake clock.
type env struct {
	t     *testing.T
	p     *Provider
	dir   *tenant.Directory
	clock *clock.Fake
	srv   *httptest.Server
	base  string
}

func newEnv(t *testing.T) *env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith lets a test adjust the options (a logger, lifetimes).
func newEnvWith(t *testing.T, adjust func(*Options)) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	fc := clock.NewFake(testStart)
	dir := newTestDirectory()
	o := Options{BaseURL: base, Directory: dir, Clock: fc, Key: testKey()}
	if adjust != nil {
		adjust(&o)
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	return &env{t: t, p: p, dir: dir, clock: fc, srv: srv, base: base}
}

// newBrowser returns a scripted browser (emutest's) that does not follow
// redirects by itself: tests look at every hop.
func (e *env) newBrowser() *browser {
	return &browser{t: e.t, base: e.base, eb: emutest.NewBrowser()}
}

// browser wraps emutest.Browser with the test's failure handling.
type browser struct {
	t    *testing.T
	base string
	eb   *emutest.Browser
}

type page struct {
	status   int
	location string
	header   http.Header
	body     string
	url      *url.URL
	raw      *emutest.Page
}

func (b *browser) wrap(p *emutest.Page, err error) *page {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{status: p.Status, location: p.Location, header: p.Header, body: p.Body, url: p.URL, raw: p}
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	return b.wrap(b.eb.Do(req))
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	return b.wrap(b.eb.Get(u))
}

// navigate follows redirects while they stay on the emulator, as a browser
// would, and returns the page, or the redirect that leaves for the app.
func (b *browser) navigate(u string) *page {
	b.t.Helper()
	pg := b.get(u)
	for i := 0; pg.status == http.StatusFound && strings.HasPrefix(pg.location, b.base) && i < 10; i++ {
		pg = b.get(pg.location)
	}
	return pg
}

// htmlForm is a form as a browser sees it (emutest's parse).
type htmlForm struct {
	action, method string
	fields         []htmlControl
}

type htmlControl struct {
	tag, typ, name, value, text string
}

// forms parses the page's forms with their inputs and buttons.
func (pg *page) forms() []htmlForm {
	var out []htmlForm
	pg.raw.Body = pg.body // tests may have tampered with the page
	for _, f := range pg.raw.Forms() {
		hf := htmlForm{action: f.Action, method: f.Method}
		for _, c := range f.Controls {
			hf.fields = append(hf.fields, htmlControl{tag: c.Tag, typ: c.Type, name: c.Name, value: c.Value, text: c.Text})
		}
		out = append(out, hf)
	}
	return out
}

func (pg *page) form(t *testing.T) htmlForm {
	t.Helper()
	fs := pg.forms()
	if len(fs) != 1 {
		t.Fatalf("page has %d forms, want 1 (status %d):\n%s", len(fs), pg.status, pg.body)
	}
	return fs[0]
}

// submit clicks the submit button with the given name and value, ticking
// the named checkboxes, posts the form as a browser does, and follows
// redirects that stay on the emulator.
func (b *browser) submit(pg *page, button, value string, checked ...string) *page {
	b.t.Helper()
	pg.form(b.t)
	pg.raw.Body = pg.body // tests may have tampered with the page
	out := b.wrap(b.eb.Submit(pg.raw, button, value, checked...))
	for i := 0; out.status == http.StatusFound && strings.HasPrefix(out.location, b.base) && i < 10; i++ {
		out = b.get(out.location)
	}
	return out
}

// authorizeURL builds an authorize request as a client would.
func (e *env) authorizeURL(tenantSeg string, q url.Values) string {
	return e.base + "/" + tenantSeg + "/oauth2/v2.0/authorize?" + q.Encode()
}

func baseQuery(scope string) url.Values {
	return url.Values{
		"client_id":     {testClientID},
		"redirect_uri":  {testRedirect},
		"response_type": {"code"},
		"scope":         {scope},
		"state":         {"st-123"},
		"nonce":         {"n-456"},
	}
}

// signIn drives the pages for userID: account page, then the consent page
// if one is shown (accepted, optionally for the organization). It returns
// the redirect to the app.
func (e *env) signIn(b *browser, authURL, userID string, orgConsent bool) *page {
	e.t.Helper()
	pg := b.navigate(authURL)
	if strings.Contains(pg.body, `name="login"`) {
		pg = b.submit(pg, "login", userID)
	}
	if strings.Contains(pg.body, `value="accept"`) {
		var checked []string
		if orgConsent {
			checked = []string{"consent_org"}
		}
		pg = b.submit(pg, "action", "accept", checked...)
	}
	if pg.status != http.StatusFound {
		e.t.Fatalf("sign-in did not end in a redirect: %d\n%s", pg.status, pg.body)
	}
	return pg
}

// redirectParams parses the parameters of a redirect to the app (query
// or fragment).
func redirectParams(t *testing.T, location string) url.Values {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	raw := u.RawQuery
	if u.Fragment != "" {
		raw = u.Fragment
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// codeFor signs userID in and returns the authorization code.
func (e *env) codeFor(b *browser, q url.Values, userID string) string {
	e.t.Helper()
	pg := e.signIn(b, e.authorizeURL("common", q), userID, false)
	v := redirectParams(e.t, pg.location)
	if v.Get("code") == "" {
		e.t.Fatalf("no code in %s", pg.location)
	}
	return v.Get("code")
}

// postToken posts a form to the token endpoint, with optional Basic auth.
func (e *env) postToken(form url.Values, basicUser, basicPass string) (int, map[string]any, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+"/"+testTenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		e.t.Fatalf("token response is not JSON: %v", err)
	}
	return resp.StatusCode, m, resp.Header
}

// redeem exchanges a code with client_secret_post.
func (e *env) redeem(code string, extra url.Values) (int, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "client_id": {testClientID}, "client_secret": {testSecret}}
	for k, v := range extra {
		form[k] = v
	}
	st, m, _ := e.postToken(form, "", "")
	return st, m
}

// checkAADError checks the token endpoint's error JSON shape and codes.
func checkAADError(t *testing.T, m map[string]any, wantErr string, wantCode int) {
	t.Helper()
	if m["error"] != wantErr {
		t.Errorf("error = %v, want %s (%v)", m["error"], wantErr, m["error_description"])
	}
	codes, _ := m["error_codes"].([]any)
	if len(codes) != 1 || codes[0] != float64(wantCode) {
		t.Errorf("error_codes = %v, want [%d]", m["error_codes"], wantCode)
	}
	desc, _ := m["error_description"].(string)
	if !strings.HasPrefix(desc, "AADSTS"+strconv.Itoa(wantCode)+": ") {
		t.Errorf("error_description = %q", desc)
	}
	ts, _ := m["timestamp"].(string)
	trace, _ := m["trace_id"].(string)
	corr, _ := m["correlation_id"].(string)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$`).MatchString(ts) || !guidPattern.MatchString(trace) || !guidPattern.MatchString(corr) {
		t.Errorf("timestamp/trace/correlation = %q %q %q", ts, trace, corr)
	}
	if !strings.HasSuffix(desc, "\r\nTrace ID: "+trace+"\r\nCorrelation ID: "+corr+"\r\nTimestamp: "+ts) {
		t.Errorf("error_description trailer wrong: %q", desc)
	}
	if m["error_uri"] != "https://login.microsoftonline.com/error?code="+strconv.Itoa(wantCode) {
		t.Errorf("error_uri = %v", m["error_uri"])
	}
}

// decodePayload returns a JWT's claims without verifying it.
func decodePayload(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func decodeHeader(t *testing.T, raw string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
