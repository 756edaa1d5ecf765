package auth

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/graph"
)

// signedIn signs a demo analyst in through the emulator's pages and
// returns the session as a handler would see it.
func signedIn(t *testing.T, e *env) *Session {
	t.Helper()
	var analyst string
	for _, u := range e.emu.Users() {
		if u.CanReadSecurity() {
			analyst = u.ID
			break
		}
	}
	b := emutest.NewBrowser()
	if _, err := b.SignIn(e.app.URL+"/login?return_to=/whoami", analyst, emutest.SignInOptions{}); err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, e.app.URL+"/whoami", nil)
	for _, c := range b.Client.Jar.Cookies(mustParse(e.app.URL)) {
		r.AddCookie(c)
	}
	s, err := e.m.Session(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAppRolesAndTokens(t *testing.T) {
	e := newEnvWith(t, "")
	ctx := context.Background()
	roles, err := e.m.AppRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(roles, "SecurityEvents.ReadWrite.All") {
		t.Fatalf("app roles %v lack the demo app's SecurityEvents.ReadWrite.All", roles)
	}
	c, err := graph.New(graph.Options{BaseURL: e.emu.URL(), Tokens: e.m.AppTokens(ctx)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Alerts.List(ctx, graph.Query{Top: 1}); err != nil {
		t.Fatalf("an app-only call: %v", err)
	}
	// Without admin consent the token carries no roles.
	if err := setConsent(e, false); err != nil {
		t.Fatal(err)
	}
	if roles, err := e.m.AppRoles(ctx); err != nil || len(roles) != 0 {
		t.Fatalf("roles without consent: %v, %v", roles, err)
	}
	if _, err := tokenRoles("not-a-jwt"); err == nil {
		t.Error("tokenRoles read a token that is not a JWT")
	}
}

func setConsent(e *env, granted bool) error {
	body := `{"granted":false}`
	if granted {
		body = `{"granted":true}`
	}
	resp, err := http.Post(e.emu.URL()+"/_emulator/consent", "application/json", bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// TestFeedTokensOutliveTheSession: a sign-in sealed for a feed keeps
// working after the session ends, is refreshed silently (and handed back
// sealed again), and opens only for its own feed.
func TestFeedTokensOutliveTheSession(t *testing.T) {
	e := newEnvWith(t, "")
	ctx := context.Background()
	s := signedIn(t, e)
	sealed, err := s.SealFor("feed-1")
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := s.Tokens(ctx).Token(ctx)
	if bytes.Contains(sealed, []byte(tok.RefreshToken)) || bytes.Contains(sealed, []byte(tok.AccessToken)) {
		t.Fatal("the sealed blob holds a token in clear")
	}
	if err := e.st.DeleteSession(ctx, s.id); err != nil { // signed out
		t.Fatal(err)
	}
	var saved [][]byte
	src, err := e.m.FeedTokens("feed-1", sealed, func(b []byte) { saved = append(saved, b) })
	if err != nil {
		t.Fatal(err)
	}
	c, err := graph.New(graph.Options{BaseURL: e.emu.URL(), Tokens: src})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Alerts.List(ctx, graph.Query{Top: 1}); err != nil {
		t.Fatalf("a call as the signed-out user: %v", err)
	}
	// Past the access token's lifetime Graph refuses it; the source
	// redeems the refresh token and hands the new tokens back sealed.
	e.clk.Advance(2 * time.Hour)
	if _, _, err := c.Alerts.List(ctx, graph.Query{Top: 1}); err != nil {
		t.Fatalf("after the access token expired: %v", err)
	}
	if len(saved) != 1 {
		t.Fatalf("%d sealed updates, want 1", len(saved))
	}
	if _, err := e.m.FeedTokens("feed-1", saved[0], nil); err != nil {
		t.Fatalf("the re-sealed tokens do not open: %v", err)
	}
	if _, err := e.m.FeedTokens("feed-2", sealed, nil); err == nil {
		t.Fatal("a blob sealed for one feed opened for another")
	}
	if _, err := s.SealFor(""); err == nil {
		t.Fatal("SealFor accepted an empty feed id")
	}
}

// FuzzTokenRoles: reading an app token's roles never panics.
func FuzzTokenRoles(f *testing.F) {
	f.Add("eyJhbGciOiJub25lIn0.eyJyb2xlcyI6WyJTZWN1cml0eUV2ZW50cy5SZWFkV3JpdGUuQWxsIl19.")
	f.Add("a.b.c")
	f.Add("...")
	f.Fuzz(func(t *testing.T, tok string) {
		if roles, err := tokenRoles(tok); err != nil && roles != nil {
			t.Fatalf("roles %v with error %v", roles, err)
		}
	})
}
