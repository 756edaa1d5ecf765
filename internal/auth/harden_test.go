package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

// TestProviderErrorIsSanitised is the regression test for the callback
// showing up to 2,000 characters of attacker-chosen error_description:
// only Microsoft's AADSTS code and a short, one-line description remain.
func TestProviderErrorIsSanitised(t *testing.T) {
	tests := []struct {
		name                    string
		code, desc, sub         string
		wantCode, wantAADSTS    string
		wantDesc                string
		wantDescLenAtMost       int
		wantDescLacks, wantLack string
	}{
		{name: "Microsoft's form", code: "access_denied",
			desc:     "AADSTS65004: User declined to consent to access the app.\r\nTrace ID: 0b3c\r\nCorrelation ID: 9f1e\r\nTimestamp: 2026-11-20 10:00:00Z",
			wantCode: "access_denied", wantAADSTS: "AADSTS65004", wantDesc: "User declined to consent to access the app."},
		{name: "long text", code: "access_denied", desc: "AADSTS50105: " + strings.Repeat("Call +1 555 0100 to restore access. ", 60),
			wantCode: "access_denied", wantAADSTS: "AADSTS50105", wantDescLenAtMost: MaxDescription},
		{name: "control and format characters", code: "invalid_request\x00\"<b>", desc: "a\tb\x1b[31m\u202ereversed\u200b text",
			wantCode: "invalid_request<b>", wantDesc: "a b [31m reversed text"},
		{name: "no code", code: "\x01", desc: "", wantCode: "unknown_error"},
		{name: "invalid UTF-8", code: "server_error", desc: "bad \xff bytes", wantCode: "server_error", wantDesc: "bad \uFFFD bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newProviderError(tt.code, tt.desc, tt.sub, false)
			if e.Code != tt.wantCode || e.AADSTS != tt.wantAADSTS {
				t.Errorf("code %q AADSTS %q, want %q %q", e.Code, e.AADSTS, tt.wantCode, tt.wantAADSTS)
			}
			if tt.wantDesc != "" && e.Description != tt.wantDesc {
				t.Errorf("description %q, want %q", e.Description, tt.wantDesc)
			}
			if n := utf8.RuneCountInString(e.Description); n > MaxDescription || (tt.wantDescLenAtMost > 0 && n > tt.wantDescLenAtMost) {
				t.Errorf("description has %d characters", n)
			}
		})
	}
}

func FuzzProviderError(f *testing.F) {
	f.Add("access_denied", "AADSTS65004: User declined.\r\nTrace ID: x", "cancel")
	f.Add("x", strings.Repeat("é\u202e\n", 400), "\x00")
	f.Fuzz(func(t *testing.T, code, desc, sub string) {
		e := newProviderError(code, desc, sub, false)
		for _, s := range []string{e.Code, e.Subcode, e.AADSTS, e.Description} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
				return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\n'
			}) {
				t.Fatalf("unsafe text %q from %q", s, desc)
			}
		}
		if utf8.RuneCountInString(e.Description) > MaxDescription || len(e.Code) > 64 || len(e.Subcode) > 64 || e.Code == "" {
			t.Fatalf("too long or empty: %+v", e)
		}
	})
}

func TestSessionEnded(t *testing.T) {
	refresh := func(code, desc, body string) error {
		return &graph.TokenError{Err: &oauth2.RetrieveError{ErrorCode: code, ErrorDescription: desc, Body: []byte(body)}}
	}
	tests := []struct {
		name   string
		err    error
		want   EndReason
		wantOK bool
	}{
		{"consent revoked", refresh("invalid_grant", "AADSTS65001: The user or administrator has not consented", `{"suberror":"consent_required"}`), EndConsentRevoked, true},
		{"consent by suberror only", refresh("invalid_grant", "", `{"suberror":"consent_required","error_codes":[1]}`), EndConsentRevoked, true},
		{"refresh token expired", refresh("invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity.", `{"error_codes":[700082]}`), EndExpired, true},
		{"interaction required", refresh("interaction_required", "AADSTS50076: MFA", ""), EndExpired, true},
		{"rejected", &RejectedError{Err: errors.New("nonce")}, EndRejected, true},
		{"platform unavailable", refresh("temporarily_unavailable", "AADSTS90014", ""), 0, false},
		{"network", &graph.TokenError{Err: &url.Error{Op: "Post", URL: "x", Err: errors.New("refused")}}, 0, false},
		{"graph 401", graph.ErrUnauthorized, 0, false},
		{"nil", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SessionEnded(tt.err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("SessionEnded = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestClientKey(t *testing.T) {
	tests := map[string]string{
		"203.0.113.7:4711":                "ip:203.0.113.7",
		"[::ffff:203.0.113.7]:1":          "ip:203.0.113.7",
		"[2001:db8:1:2:3:4:5:6]:443":      "ip6:2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443":      "ip6:2001:db8:1:2::/64",
		"[fe80::1%eth0]:1":                "ip6:fe80::/64",
		"not an address":                  "addr:notanaddress",
		"@/run/graphsec.sock\x00\"x\"\\y": "addr:@/run/graphsec.sockxy",
	}
	for remote, want := range tests {
		if got := ClientKey(&http.Request{RemoteAddr: remote}); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", remote, got, want)
		}
	}
}

func FuzzClientKey(f *testing.F) {
	for _, s := range []string{"1.2.3.4:5", "[::1]:2", "[fe80::1%25x]:1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		k := ClientKey(&http.Request{RemoteAddr: remote})
		if !store.UsableText(k) || len(k) > 100 {
			t.Fatalf("ClientKey(%q) = %q cannot be stored", remote, k)
		}
	})
}

// TestAnonymousSignInsAreBounded is the regression test for the flood of
// GET /login?return_to=<2 KB>: every request stored a 4.6 KB row, without
// bound. Now a long return path is dropped, one address holds at most
// FlowLimits.PerClient sign-ins in progress, and past FlowLimits.Total no
// sign-in starts (ErrBusy) until some expire.
func TestAnonymousSignInsAreBounded(t *testing.T) {
	e := newEnvOpts(t, Options{FlowLimits: store.Limits{PerClient: 3, Total: 5}})
	ctx := context.Background()
	begin := func(remote, returnTo string) (string, error) {
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.RemoteAddr = remote
		u, err := e.m.BeginLogin(ctx, httptest.NewRecorder(), r, returnTo, "")
		if err != nil {
			return "", err
		}
		return mustParse(u).Query().Get("state"), nil
	}
	var states []string
	for range 50 {
		st, err := begin("198.51.100.9:1234", "/alerts?x="+strings.Repeat("a", 2048))
		if err != nil {
			t.Fatalf("BeginLogin: %v", err)
		}
		states = append(states, st)
	}
	kept := 0
	for _, st := range states {
		f, err := e.st.TakeLoginFlow(ctx, st, e.clk.Now())
		if err == nil {
			kept++
			if f.ReturnTo != "/" {
				t.Errorf("a 2 KB return path was stored: %d bytes", len(f.ReturnTo))
			}
		}
	}
	if kept != 3 {
		t.Errorf("%d sign-ins of one address kept, want 3", kept)
	}
	for i := range 5 {
		if _, err := begin(fmt.Sprintf("203.0.113.%d:1", i), "/"); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	if _, err := begin("203.0.113.200:1", "/"); !errors.Is(err, ErrBusy) {
		t.Fatalf("sign-in over the total: %v, want ErrBusy", err)
	}
	e.clk.Advance(loginFlowLifetime + time.Second)
	if _, err := begin("203.0.113.200:1", "/"); err != nil {
		t.Fatalf("sign-in after the others expired: %v", err)
	}
	// Admin consent is bounded the same way.
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/consent/admin", nil)
	r.RemoteAddr = "203.0.113.201:1"
	for range 10 {
		if _, err := e.m.AdminConsentURL(ctx, w, r); err != nil && !errors.Is(err, ErrBusy) {
			t.Fatal(err)
		}
	}
}

// TestCookiesUnderHTTPS: the binding and draft cookies take the __Host-
// prefix like the session cookie (a sibling domain cannot plant them),
// which requires Secure and Path=/.
func TestCookiesUnderHTTPS(t *testing.T) {
	st, err := sqlite.Open(context.Background(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := New(Options{AuthorityURL: "https://login.example", Tenant: "organizations", ClientID: "c", RedirectURL: "https://soc.example/login/authorized",
		Store: st, Key: bytes.Repeat([]byte{2}, 32), HTTPClient: http.DefaultClient, SecureCookies: true, Clock: clock.NewFake(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "https://soc.example/login", nil)
	w := httptest.NewRecorder()
	if _, err := m.BeginLogin(context.Background(), w, r, "/", ""); err != nil {
		t.Fatal(err)
	}
	if err := m.KeepDraft(context.Background(), w, r, Draft{ReturnTo: "/alerts/1", Values: url.Values{"comment": {"x"}}}); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range w.Result().Cookies() {
		names[c.Name] = true
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
			t.Errorf("cookie %s: Secure %v, Path %q, Domain %q, HttpOnly %v", c.Name, c.Secure, c.Path, c.Domain, c.HttpOnly)
		}
	}
	if !names["__Host-graphsec_signin"] || !names["__Host-graphsec_draft"] {
		t.Errorf("cookies set: %v", names)
	}
}

// TestNewSignInEndsTheOldSession: signing in again in the same browser
// must not leave the previous session usable by a copy of its cookie.
func TestNewSignInEndsTheOldSession(t *testing.T) {
	e := newEnv(t)
	user := e.emu.Users()[0]
	b := emutest.NewBrowser()
	if _, err := b.SignIn(e.app.URL+"/login?return_to=/whoami", user.ID, emutest.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	old := sessionCookieOf(t, e, b)
	if _, err := b.SignIn(e.app.URL+"/login?return_to=/whoami", user.ID, emutest.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	if now := sessionCookieOf(t, e, b); now == old {
		t.Fatal("the session cookie was not renewed")
	}
	replay := emutest.NewBrowser()
	replay.Client.Jar.SetCookies(mustParse(e.app.URL), []*http.Cookie{{Name: sessionCookie, Value: old, Path: "/"}})
	if p, _ := replay.Get(e.app.URL + "/whoami"); p.Status != http.StatusUnauthorized {
		t.Fatalf("the old session still works: %d %s", p.Status, p.Body)
	}
}

func sessionCookieOf(t *testing.T, e *env, b *emutest.Browser) string {
	t.Helper()
	for _, c := range b.Client.Jar.Cookies(mustParse(e.app.URL)) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestRolesAtSignIn: the session holds the user's directory roles, read
// from Graph (the emulator's /me/memberOf) at sign-in, for the demo's
// Security Reader, Security Operator and an employee without roles; when
// they cannot be read they are unknown, and sign-in still works.
func TestRolesAtSignIn(t *testing.T) {
	e := newEnvOpts(t, Options{GraphURL: "emulator"})
	find := func(role string) string {
		for _, u := range e.emu.Users() {
			if (role == "" && len(u.Roles) == 0) || (len(u.Roles) == 1 && u.Roles[0] == role) {
				return u.ID
			}
		}
		t.Fatalf("no demo user with role %q", role)
		return ""
	}
	tests := []struct{ role, want string }{
		{"Security Reader", "true [" + graph.RoleSecurityReader + "]"},
		{"Security Operator", "true [" + graph.RoleSecurityOperator + "]"},
		{"", "true []"},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			p, err := emutest.NewBrowser().SignIn(e.app.URL+"/login?return_to=/roles", find(tt.role), emutest.SignInOptions{})
			if err != nil || p.Body != tt.want {
				t.Fatalf("roles after sign-in: %v %q, want %q", err, p.Body, tt.want)
			}
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == "/v1.0/me" {
				w.Write([]byte(`{"id":"x","displayName":"D","userPrincipalName":"u@example.test"}`))
				return
			}
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`))
		}))
		defer broken.Close()
		e := newEnvWith(t, broken.URL)
		p, err := emutest.NewBrowser().SignIn(e.app.URL+"/login?return_to=/roles", e.emu.Users()[0].ID, emutest.SignInOptions{})
		if err != nil || p.Body != "false []" {
			t.Fatalf("roles when Graph refuses: %v %d %q", err, p.Status, p.Body)
		}
	})
}

// TestRejectedIDToken is the regression test for ID token rejections at
// the callback ending in a 500: they are a *RejectedError now, which the
// console shows as "sign-in rejected". Here the console's clock runs two
// hours ahead of the identity platform's, so the ID token has expired.
func TestRejectedIDToken(t *testing.T) {
	ahead := clock.NewAdjustable(clock.System{})
	e := newEnvOpts(t, Options{Clock: ahead})
	ahead.Set(e.emu.Clock().Now().Add(2 * time.Hour))
	p, err := emutest.NewBrowser().SignIn(e.app.URL+"/login?return_to=/whoami", e.emu.Users()[0].ID, emutest.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "rejected") {
		t.Fatalf("callback with an expired ID token: %d %s", p.Status, p.Body)
	}
	if why, ok := SessionEnded(&RejectedError{Err: errors.New("x")}); !ok || why != EndRejected {
		t.Fatal("a rejection does not end the session")
	}
}

// TestDrafts: text kept for a browser comes back once, on its own page.
func TestDrafts(t *testing.T) {
	e := newEnvOpts(t, Options{DraftLimits: store.Limits{PerClient: 2, Total: 10}})
	ctx := context.Background()
	r := httptest.NewRequest(http.MethodPost, "/alerts/1/comments", nil)
	w := httptest.NewRecorder()
	d := Draft{ReturnTo: "/alerts/1?tab=x", Values: url.Values{"comment": {"Seen on three hosts; escalating."}}}
	if err := e.m.KeepDraft(ctx, w, r, d); err != nil {
		t.Fatal(err)
	}
	back := httptest.NewRequest(http.MethodGet, "/alerts/2", nil)
	for _, c := range w.Result().Cookies() {
		back.AddCookie(c)
	}
	if !e.m.HasDraft(back) {
		t.Fatal("HasDraft is false after KeepDraft")
	}
	// Another page neither gets it nor spends it.
	if got, err := e.m.TakeDraft(ctx, httptest.NewRecorder(), back, "/alerts/2", ""); err != nil || got != nil {
		t.Fatalf("TakeDraft on another page: %+v, %v", got, err)
	}
	w2 := httptest.NewRecorder()
	got, err := e.m.TakeDraft(ctx, w2, back, "/alerts/1?tab=x", "")
	if err != nil || got == nil || got.Values.Get("comment") != "Seen on three hosts; escalating." {
		t.Fatalf("TakeDraft on its page: %+v, %v", got, err)
	}
	if c := w2.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("the draft cookie was not cleared: %v", c)
	}
	if again, _ := e.m.TakeDraft(ctx, httptest.NewRecorder(), back, "/alerts/1?tab=x", ""); again != nil {
		t.Error("a draft was restored twice")
	}
	big := Draft{ReturnTo: "/", Values: url.Values{"comment": {strings.Repeat("x", MaxDraftBytes)}}}
	if err := e.m.KeepDraft(ctx, httptest.NewRecorder(), r, big); !errors.Is(err, ErrDraftTooLarge) {
		t.Errorf("KeepDraft of %d bytes: %v", MaxDraftBytes, err)
	}
	// A draft that names its user is restored to that user only.
	wu := httptest.NewRecorder()
	mine := d
	mine.UserID = "user-a"
	if err := e.m.KeepDraft(ctx, wu, r, mine); err != nil {
		t.Fatal(err)
	}
	other := httptest.NewRequest(http.MethodGet, "/alerts/1?tab=x", nil)
	for _, c := range wu.Result().Cookies() {
		other.AddCookie(c)
	}
	if got, _ := e.m.TakeDraft(ctx, httptest.NewRecorder(), other, "/alerts/1?tab=x", "user-b"); got != nil {
		t.Error("another user's text was restored")
	}
	// Expired: not restored.
	w3 := httptest.NewRecorder()
	if err := e.m.KeepDraft(ctx, w3, r, d); err != nil {
		t.Fatal(err)
	}
	late := httptest.NewRequest(http.MethodGet, "/alerts/1?tab=x", nil)
	for _, c := range w3.Result().Cookies() {
		late.AddCookie(c)
	}
	e.clk.Advance(DraftLifetime)
	if got, _ := e.m.TakeDraft(ctx, httptest.NewRecorder(), late, "/alerts/1?tab=x", ""); got != nil {
		t.Error("an expired draft was restored")
	}
}

// TestClientKeyBehind: behind trusted balancers the forwarded address
// counts; a header from anyone else, or one that does not parse, does not.
func TestClientKeyBehind(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy trusted: the header is ignored", "203.0.113.7:1", []string{"198.51.100.1"}, "ip:203.0.113.7"},
		{"from the balancer", "10.0.0.5:1", []string{"198.51.100.1"}, "ip:198.51.100.1"},
		{"IPv6 balancer", "[::1]:1", []string{"2001:db8:1:2::9"}, "ip6:2001:db8:1:2::/64"},
		{"a chain of trusted hops", "10.0.0.5:1", []string{"198.51.100.1, 10.1.1.1", "10.2.2.2"}, "ip:198.51.100.1"},
		{"a spoofed left part is not read", "10.0.0.5:1", []string{"192.0.2.66, 198.51.100.1"}, "ip:198.51.100.1"},
		{"with a port", "10.0.0.5:1", []string{"198.51.100.1:5555"}, "ip:198.51.100.1"},
		{"mapped IPv4", "10.0.0.5:1", []string{"::ffff:198.51.100.1"}, "ip:198.51.100.1"},
		{"unreadable: the balancer's own", "10.0.0.5:1", []string{"unknown"}, "ip:10.0.0.5"},
		{"missing: the balancer's own", "10.0.0.5:1", nil, "ip:10.0.0.5"},
		{"only trusted hops: the leftmost", "10.0.0.5:1", []string{"10.9.9.9"}, "ip:10.9.9.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			tr := trusted
			if strings.HasPrefix(tt.name, "no proxy") {
				tr = nil
			}
			if got := ClientKeyBehind(r, tr); got != tt.want {
				t.Errorf("ClientKeyBehind = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzClientKeyBehind(f *testing.F) {
	f.Add("10.0.0.5:1", "198.51.100.1, 10.1.1.1")
	f.Add("10.0.0.5:1", "[::1]:3, x")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		if k := ClientKeyBehind(r, trusted); !store.UsableText(k) || len(k) > 100 {
			t.Fatalf("ClientKeyBehind(%q, %q) = %q cannot be stored", remote, xff, k)
		}
	})
}
