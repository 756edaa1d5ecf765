package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

func TestSafeReturnPath(t *testing.T) {
	tests := map[string]string{
		"/alerts?severity=high":         "/alerts?severity=high",
		"/alerts/abc#x":                 "/alerts/abc",
		"":                              "/",
		"alerts":                        "/",
		"//evil.example/x":              "/",
		"/\\evil.example":               "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"/login/authorized?code=x":      "/",
		"/logout":                       "/",
		"/ok\r\nSet-Cookie: x=y":        "/",
		"/" + strings.Repeat("a", 3000): "/",
		"/" + strings.Repeat("a", 1024): "/",
		"/" + strings.Repeat("a", 1023): "/" + strings.Repeat("a", 1023),
	}
	for in, want := range tests {
		if got := SafeReturnPath(in); got != want {
			t.Errorf("SafeReturnPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/alerts", "//x", "/\\x", "https://x", "/a?b=c", "/%2F%2Fevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeReturnPath(s)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.Contains(got, "\\") {
			t.Fatalf("SafeReturnPath(%q) = %q is not a local path", s, got)
		}
	})
}

func TestSealer(t *testing.T) {
	s, err := newSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	blob := s.seal([]byte("refresh-token"), "session-a")
	if bytes.Contains(blob, []byte("refresh-token")) {
		t.Fatal("sealed blob contains the plain text")
	}
	if got, err := s.open(blob, "session-a"); err != nil || string(got) != "refresh-token" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.open(blob, "session-b"); err == nil {
		t.Fatal("a blob opened under another session id")
	}
	blob[len(blob)-1] ^= 1
	if _, err := s.open(blob, "session-a"); err == nil {
		t.Fatal("a tampered blob opened")
	}
	if _, err := s.open([]byte("x"), "a"); err == nil {
		t.Fatal("a short blob opened")
	}
	if _, err := newSealer([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}

func TestCheckIssuer(t *testing.T) {
	const tid = "3f9d6a7e-52c1-4b8e-9a0d-7c2e41b5f8a6"
	m := &Manager{issuer: "https://login.example/{tenantid}/v2.0", o: Options{Tenant: "organizations"}}
	if err := m.checkIssuer("https://login.example/"+tid+"/v2.0", tid); err != nil {
		t.Fatalf("multi-tenant: %v", err)
	}
	for _, c := range []struct{ iss, tid string }{
		{"https://login.example/" + tid + "/v2.0", "11111111-1111-1111-1111-111111111111"},
		{"https://evil.example/" + tid + "/v2.0", tid},
		{"https://login.example/" + tid + "/v2.0", ""},
	} {
		if err := m.checkIssuer(c.iss, c.tid); err == nil {
			t.Errorf("checkIssuer(%q, %q) accepted", c.iss, c.tid)
		}
	}
	single := &Manager{issuer: "https://login.example/" + tid + "/v2.0", o: Options{Tenant: tid}}
	if err := single.checkIssuer("https://login.example/"+tid+"/v2.0", tid); err != nil {
		t.Fatal(err)
	}
	other := &Manager{issuer: "https://login.example/{tenantid}/v2.0", o: Options{Tenant: "22222222-2222-2222-2222-222222222222"}}
	if err := other.checkIssuer("https://login.example/"+tid+"/v2.0", tid); err == nil {
		t.Fatal("a token from another tenant was accepted for a single-tenant configuration")
	}
}

// env runs the manager against an emulator through a tiny app with the
// routes the console has.
type env struct {
	t   *testing.T
	emu *emulator.Emulator
	m   *Manager
	st  store.Store
	clk *clock.Adjustable
	app *httptest.Server
}

func newEnv(t *testing.T) *env { return newEnvWith(t, "") }

func newEnvWith(t *testing.T, graphURL string) *env {
	return newEnvOpts(t, Options{GraphURL: graphURL})
}

// newEnvOpts is newEnv with some options of the manager's set: GraphURL
// (the emulator's when "emulator"), FlowLimits, DraftLimits, Clock.
func newEnvOpts(t *testing.T, o Options) *env {
	app := httptest.NewUnstartedServer(nil)
	appURL := "http://" + app.Listener.Addr().String()
	emu, err := emulator.New(emulator.Options{Seed: 5, RedirectURIs: []string{appURL + "/login/authorized"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	st, err := sqlite.Open(context.Background(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if o.GraphURL == "emulator" {
		o.GraphURL = emu.URL()
	}
	if o.Clock == nil {
		o.Clock = emu.Clock()
	}
	m, err := New(Options{
		AuthorityURL: emu.URL(), Tenant: emu.TenantID(), ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(),
		RedirectURL: appURL + "/login/authorized", Store: st, Key: bytes.Repeat([]byte{1}, 32),
		HTTPClient: &http.Client{Timeout: 10 * time.Second}, Clock: o.Clock, SessionLifetime: time.Hour,
		GraphURL: o.GraphURL, FlowLimits: o.FlowLimits, DraftLimits: o.DraftLimits,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		u, err := m.BeginLogin(r.Context(), w, r, r.URL.Query().Get("return_to"), "")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
	})
	mux.HandleFunc("GET /login/authorized", func(w http.ResponseWriter, r *http.Request) {
		cb, err := m.CompleteLogin(r.Context(), w, r)
		var rj *RejectedError
		if errors.As(err, &rj) {
			http.Error(w, "rejected: "+err.Error(), http.StatusUnauthorized)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, cb.ReturnTo, http.StatusSeeOther)
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		s, err := m.Session(r.Context(), r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		tok, err := s.Tokens(r.Context()).Token(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Write([]byte(s.UserPrincipalName + "\n" + tok.AccessToken))
	})
	mux.HandleFunc("GET /roles", func(w http.ResponseWriter, r *http.Request) {
		s, err := m.Session(r.Context(), r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "%v %v", s.RolesKnown, s.DirectoryRoles)
	})
	app.Config.Handler = mux
	app.Start()
	t.Cleanup(app.Close)
	return &env{t: t, emu: emu, m: m, st: st, clk: emu.Clock(), app: app}
}

func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t)
	user := e.emu.Users()[0]
	b := emutest.NewBrowser()
	p, err := b.SignIn(e.app.URL+"/login?return_to=/whoami", user.ID, emutest.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != 200 || !strings.HasPrefix(p.Body, user.UserPrincipalName+"\n") {
		t.Fatalf("whoami after sign-in: %d %q", p.Status, p.Body)
	}
	first := strings.SplitN(p.Body, "\n", 2)[1]

	// The session cookie never appears in the database: only its hash.
	var cookie *http.Cookie
	for _, c := range b.Client.Jar.Cookies(mustParse(e.app.URL)) {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	if _, err := e.st.Session(context.Background(), cookie.Value, e.clk.Now()); err == nil {
		t.Fatal("the store is keyed by the raw cookie value")
	}
	rec, err := e.st.Session(context.Background(), hashID(cookie.Value), e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.Tokens, []byte(first)) {
		t.Fatal("the access token is stored in clear")
	}

	// Past the access token's lifetime the token is refreshed silently, and
	// the new token is stored for the next request.
	e.clk.Advance(2 * time.Hour)
	if _, err := e.st.Session(context.Background(), hashID(cookie.Value), e.clk.Now()); err == nil {
		t.Fatal("the session outlived its lifetime without use")
	}
	e.clk.Advance(-2 * time.Hour)
	e.clk.Advance(50 * time.Minute) // within the session, after the oauth2 expiry margin (tokens: 59 min)
	// oauth2 judges expiry by the wall clock: make the stored token look expired.
	expireStored(t, e, cookie.Value)
	p, err = b.Get(e.app.URL + "/whoami")
	if err != nil || p.Status != 200 {
		t.Fatalf("whoami after expiry: %v %d %s", err, p.Status, p.Body)
	}
	second := strings.SplitN(p.Body, "\n", 2)[1]
	if second == first {
		t.Fatal("the access token was not refreshed")
	}
	p, _ = b.Get(e.app.URL + "/whoami")
	if third := strings.SplitN(p.Body, "\n", 2)[1]; third != second {
		t.Fatal("the refreshed token was not stored")
	}
}

// expireStored rewrites a session's sealed token with an expiry in the past.
func expireStored(t *testing.T, e *env, cookieValue string) {
	t.Helper()
	id := hashID(cookieValue)
	rec, err := e.st.Session(context.Background(), id, e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.m.seal.open(rec.Tokens, id)
	if err != nil {
		t.Fatal(err)
	}
	var st sealedTokens
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	tok := &oauth2.Token{AccessToken: st.AccessToken, RefreshToken: st.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	if err := e.st.UpdateSessionTokens(context.Background(), id, e.m.sealTokens(id, tok, st.Scope)); err != nil {
		t.Fatal(err)
	}
}

func mustParse(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}

func TestCallbackRejectsReplayAndOtherBrowsers(t *testing.T) {
	e := newEnv(t)
	user := e.emu.Users()[1]
	b := emutest.NewBrowser()
	// Stop at the redirect back to the app to hold the callback URL.
	p, err := b.SignIn(e.app.URL+"/login", user.ID, emutest.SignInOptions{StopAt: e.app.URL + "/login/authorized"})
	if err != nil {
		t.Fatal(err)
	}
	callback := p.Location
	// Another browser (without the binding cookie) cannot use it.
	other := emutest.NewBrowser()
	if q, _ := other.Get(callback); q.Status != 400 || !strings.Contains(q.Body, "does not match") {
		t.Fatalf("callback in another browser: %d %s", q.Status, q.Body)
	}
	// The state was spent by that attempt: the original browser cannot
	// use it either (a state is single-use).
	if q, _ := b.Get(callback); q.Status != 400 {
		t.Fatalf("replayed callback: %d %s", q.Status, q.Body)
	}
}

// TestProfileFromMe checks that the session shows Graph's /me, as the
// original sample's header did, and falls back to the ID token when /me
// fails.
func TestProfileFromMe(t *testing.T) {
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1.0/me" || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			http.Error(w, `{"error":{"code":"BadRequest","message":"unexpected"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"x","displayName":"Name From Graph","userPrincipalName":"upn.from.graph@example.test"}`))
	}))
	defer graph.Close()
	e := newEnvWith(t, graph.URL)
	user := e.emu.Users()[0]
	p, err := emutest.NewBrowser().SignIn(e.app.URL+"/login?return_to=/whoami", user.ID, emutest.SignInOptions{})
	if err != nil || !strings.HasPrefix(p.Body, "upn.from.graph@example.test\n") {
		t.Fatalf("whoami: %v %q", err, p.Body)
	}

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"Forbidden","message":"no"}}`, http.StatusForbidden)
	}))
	defer broken.Close()
	e = newEnvWith(t, broken.URL)
	p, err = emutest.NewBrowser().SignIn(e.app.URL+"/login?return_to=/whoami", user.ID, emutest.SignInOptions{})
	if err != nil || !strings.HasPrefix(p.Body, user.UserPrincipalName+"\n") {
		t.Fatalf("whoami with /me failing: %v %q", err, p.Body)
	}
}
