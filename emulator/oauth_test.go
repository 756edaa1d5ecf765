package emulator_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
)

// TestStandardClients signs in against the emulator with unmodified
// golang.org/x/oauth2 (authorization code + PKCE) and go-oidc, verifies the
// ID token, calls Graph with the access token, refreshes it after it
// expires, and uses client credentials: the flows graphsec and any other
// spec-following client rely on, with only the base URLs changed.
func TestStandardClients(t *testing.T) {
	emu := start(t, emulator.Options{})
	clk := emu.Clock()
	ctx := context.Background()

	provider, err := oidc.NewProvider(ctx, emu.AuthorityURL()+"/v2.0")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: emu.ClientID(), Now: clk.Now})

	var analyst string
	for _, u := range emu.Users() {
		if hasRole(u.Roles, "Security Operator") || hasRole(u.Roles, "Security Administrator") {
			analyst = u.ID
		}
	}

	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader} {
		t.Run(map[oauth2.AuthStyle]string{oauth2.AuthStyleInParams: "client_secret_post", oauth2.AuthStyleInHeader: "client_secret_basic"}[style], func(t *testing.T) {
			conf := &oauth2.Config{
				ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(), RedirectURL: emulator.DefaultRedirectURI,
				Endpoint: provider.Endpoint(),
				Scopes:   []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess, "User.Read", "SecurityAlert.ReadWrite.All"},
			}
			conf.Endpoint.AuthStyle = style
			pkce := oauth2.GenerateVerifier()
			state, nonce := "state-"+t.Name(), "nonce-"+t.Name()
			authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(pkce), oidc.Nonce(nonce))

			end, err := emutest.NewBrowser().SignIn(authURL, analyst, emutest.SignInOptions{StopAt: emulator.DefaultRedirectURI})
			if err != nil {
				t.Fatal(err)
			}
			cb, _ := url.Parse(end.Location)
			if cb.Query().Get("state") != state || cb.Query().Get("code") == "" {
				t.Fatalf("callback %s", end.Location)
			}
			tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(pkce))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if _, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(pkce)); err == nil {
				t.Fatal("an authorization code was accepted twice")
			}
			scope, _ := tok.Extra("scope").(string)
			if !strings.Contains(scope, "SecurityAlert.ReadWrite.All") || strings.Contains(scope, "https://") {
				t.Fatalf("scope %q: want Graph permissions in short form", scope)
			}
			idt, err := verifier.Verify(ctx, tok.Extra("id_token").(string))
			if err != nil {
				t.Fatalf("ID token: %v", err)
			}
			if idt.Nonce != nonce {
				t.Fatalf("nonce %q", idt.Nonce)
			}

			// Graph accepts the access token.
			src := conf.TokenSource(ctx, tok)
			me := graphGET(t, oauth2.NewClient(ctx, src), emu.URL()+"/v1.0/me")
			if me["id"] != analyst {
				t.Fatalf("/me id %v, want %s", me["id"], analyst)
			}
			graphGET(t, oauth2.NewClient(ctx, src), emu.URL()+"/v1.0/security/alerts_v2?$top=1")

			// After the access token expires (on the emulator's clock, and
			// as x/oauth2 sees it), Graph refuses it; the token source
			// refreshes it and Graph accepts the new one.
			clk.Advance(2 * time.Hour)
			defer clk.Advance(-2 * time.Hour)
			if r := call(t, "GET", emu.URL()+"/v1.0/me", tok.AccessToken, nil); r.status != 401 {
				t.Fatalf("expired token answered %d", r.status)
			}
			stale := *tok
			stale.Expiry = time.Now().Add(-time.Minute)
			fresh, err := conf.TokenSource(ctx, &stale).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" {
				t.Fatal("refresh did not issue new tokens")
			}
			graphGET(t, oauth2.NewClient(ctx, oauth2.StaticTokenSource(fresh)), emu.URL()+"/v1.0/security/alerts_v2?$top=1")
		})
	}

	t.Run("client_credentials", func(t *testing.T) {
		cc := clientcredentials.Config{
			ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(), TokenURL: provider.Endpoint().TokenURL,
			Scopes: []string{"https://graph.microsoft.com/.default"},
		}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tok.RefreshToken != "" || tok.Extra("id_token") != nil {
			t.Fatal("client credentials returned a refresh or ID token")
		}
		graphGET(t, cc.Client(ctx), emu.URL()+"/v1.0/security/incidents?$top=1")
		bad := clientcredentials.Config{ClientID: emu.ClientID(), ClientSecret: "wrong", TokenURL: cc.TokenURL, Scopes: cc.Scopes}
		if _, err := bad.Token(ctx); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
			t.Fatalf("wrong secret: %v", err)
		}
	})
}

func graphGET(t *testing.T, c *http.Client, u string) map[string]any {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAdminConsentFlow starts unconsented: a user's token lacks the
// security permissions, an administrator grants tenant-wide consent
// through /adminconsent, and the next sign-in carries them.
func TestAdminConsentFlow(t *testing.T) {
	emu := start(t, emulator.Options{Unconsented: true})
	var admin, reader string
	for _, u := range emu.Users() {
		switch {
		case hasRole(u.Roles, "Global Administrator"):
			admin = u.ID
		case hasRole(u.Roles, "Security Reader"):
			reader = u.ID
		}
	}
	q := url.Values{"client_id": {emu.ClientID()}, "response_type": {"code"}, "redirect_uri": {emulator.DefaultRedirectURI},
		"scope": {"openid offline_access User.Read SecurityEvents.ReadWrite.All"}, "state": {"s1"}}
	signIn := func(user string) string {
		end, err := emutest.NewBrowser().SignIn(emu.AuthorityURL()+"/oauth2/v2.0/authorize?"+q.Encode(), user, emutest.SignInOptions{StopAt: emulator.DefaultRedirectURI})
		if err != nil {
			t.Fatal(err)
		}
		cb, _ := url.Parse(end.Location)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")}, "redirect_uri": {emulator.DefaultRedirectURI},
			"client_id": {emu.ClientID()}, "client_secret": {emu.ClientSecret()}}
		res, err := http.PostForm(emu.AuthorityURL()+"/oauth2/v2.0/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Scope string `json:"scope"`
		}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return out.Scope
	}
	if s := signIn(reader); strings.Contains(s, "SecurityEvents") || !strings.Contains(s, "User.Read") {
		t.Fatalf("unconsented sign-in scope %q", s)
	}
	// A non-administrator cannot grant tenant-wide consent.
	consentURL := emu.URL() + "/" + emu.TenantID() + "/adminconsent?" + url.Values{"client_id": {emu.ClientID()}, "state": {"c1"}, "redirect_uri": {emulator.DefaultRedirectURI}}.Encode()
	b := emutest.NewBrowser()
	p, err := b.SignIn(consentURL, reader, emutest.SignInOptions{StopAt: emulator.DefaultRedirectURI})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusForbidden || strings.Contains(p.Location, "admin_consent=True") {
		t.Fatalf("non-admin consent: %d %s", p.Status, p.Location)
	}
	// An administrator can.
	p, err = emutest.NewBrowser().SignIn(consentURL, admin, emutest.SignInOptions{StopAt: emulator.DefaultRedirectURI})
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := url.Parse(p.Location)
	if cb.Query().Get("admin_consent") != "True" || cb.Query().Get("tenant") != emu.TenantID() || cb.Query().Get("state") != "c1" {
		t.Fatalf("admin consent redirect %s", p.Location)
	}
	if s := signIn(reader); !strings.Contains(s, "SecurityEvents.ReadWrite.All") {
		t.Fatalf("after admin consent, scope %q", s)
	}
}
