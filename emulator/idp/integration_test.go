package idp

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TestIntegrationStandardClients drives the provider with unmodified
// golang.org/x/oauth2 and go-oidc, and the sign-in pages with a cookie jar
// and the HTML forms they return, as a browser would.
func TestIntegrationStandardClients(t *testing.T) {
	e := newEnv(t)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	issuer := e.base + "/" + testTenantID + "/v2.0"
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	idVerifier := provider.Verifier(&oidc.Config{ClientID: testClientID, Now: e.clock.Now})
	scopes := []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess, "User.Read", "https://graph.microsoft.com/SecurityAlert.ReadWrite.All"}

	// signInAndExchange runs one authorization code flow with PKCE and
	// checks the ID token as a relying party must.
	signInAndExchange := func(t *testing.T, b *browser, conf *oauth2.Config, userID string, orgConsent bool) (*oauth2.Token, *oidc.IDToken) {
		t.Helper()
		verifier := oauth2.GenerateVerifier()
		state, nonce := randomToken(12), randomToken(12)
		authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))
		pg := e.signIn(b, authURL, userID, orgConsent)
		if !strings.HasPrefix(pg.location, testRedirect+"?") {
			t.Fatalf("redirect to %q", pg.location)
		}
		cb := redirectParams(t, pg.location)
		if cb.Get("state") != state || cb.Get("error") != "" {
			t.Fatalf("callback %v", cb)
		}
		tok, err := conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		rawID, _ := tok.Extra("id_token").(string)
		idt, err := idVerifier.Verify(ctx, rawID)
		if err != nil {
			t.Fatalf("ID token: %v", err)
		}
		if idt.Nonce != nonce {
			t.Fatalf("nonce %q, want %q", idt.Nonce, nonce)
		}
		return tok, idt
	}

	// 1. A Security Reader signs in first: the admin-only permission is
	// not consentable by them, the sign-in succeeds without it.
	readerConf := &oauth2.Config{ClientID: testClientID, ClientSecret: testSecret, RedirectURL: testRedirect, Scopes: scopes, Endpoint: provider.Endpoint()}
	readerConf.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	readerBrowser := e.newBrowser()
	readerTok, readerIDT := signInAndExchange(t, readerBrowser, readerConf, readerID, false)
	var idClaims struct {
		Name              string `json:"name"`
		PreferredUsername string `json:"preferred_username"`
		OID               string `json:"oid"`
		TID               string `json:"tid"`
		Email             string `json:"email"`
		Ver               string `json:"ver"`
	}
	if err := readerIDT.Claims(&idClaims); err != nil {
		t.Fatal(err)
	}
	if idClaims.PreferredUsername != readerUPN || idClaims.Name != "Rita Reader" || idClaims.OID != readerID || idClaims.TID != testTenantID || idClaims.Email != readerUPN || idClaims.Ver != "2.0" {
		t.Fatalf("ID token claims %+v", idClaims)
	}
	if readerIDT.Issuer != issuer || readerIDT.Subject == readerID {
		t.Fatalf("iss %q sub %q", readerIDT.Issuer, readerIDT.Subject)
	}
	if got := readerTok.Extra("scope"); got != "User.Read openid profile email offline_access" {
		t.Fatalf("reader scope %q", got)
	}
	c, err := e.p.VerifyAccessToken(readerTok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.AppOnly || c.ObjectID != readerID || c.UPN != readerUPN || !slices.Equal(c.Scopes, []string{"User.Read"}) || c.AppID != testClientID {
		t.Fatalf("reader claims %+v", c)
	}

	// UserInfo through go-oidc: sub matches the ID token's.
	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(readerTok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if ui.Subject != readerIDT.Subject || ui.Email != readerUPN {
		t.Fatalf("userinfo %+v", ui)
	}

	// 2. The Global Administrator grants admin consent (v1, as the
	// original sample does), signing in on the account page.
	adminBrowser := e.newBrowser()
	pg := adminBrowser.navigate(e.base + "/common/adminconsent?" + url.Values{"client_id": {testClientID}, "redirect_uri": {testRedirect}, "state": {"12345"}}.Encode())
	pg = adminBrowser.submit(pg, "login", adminID)
	if !strings.Contains(pg.body, "SecurityAlert.Read.All") {
		t.Fatalf("admin consent page lacks the application permission:\n%s", pg.body)
	}
	pg = adminBrowser.submit(pg, "action", "accept")
	if want := testRedirect + "?admin_consent=True&tenant=" + testTenantID + "&state=12345"; pg.location != want {
		t.Fatalf("admin consent redirect %q, want %q", pg.location, want)
	}

	// 3. The reader's refresh now carries the admin-consented permission:
	// consent is re-evaluated on every refresh.
	expired := &oauth2.Token{RefreshToken: readerTok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
	refreshed, err := readerConf.TokenSource(ctx, expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if refreshed.RefreshToken == "" || refreshed.RefreshToken == readerTok.RefreshToken {
		t.Fatal("refresh did not rotate the refresh token")
	}
	if c, err = e.p.VerifyAccessToken(refreshed.AccessToken); err != nil {
		t.Fatal(err)
	}
	if !c.HasScope("SecurityAlert.ReadWrite.All") || !c.HasScope("User.Read") {
		t.Fatalf("refreshed scopes %v", c.Scopes)
	}
	if rawID, _ := refreshed.Extra("id_token").(string); rawID == "" {
		t.Fatal("refresh with openid gave no ID token")
	} else if _, err := idVerifier.Verify(ctx, rawID); err != nil {
		t.Fatalf("refreshed ID token: %v", err)
	}

	// 4. The administrator signs in to the app with client_secret_post;
	// the SSO session from the admin consent means no account page.
	adminConf := *readerConf
	adminConf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	adminTok, _ := signInAndExchange(t, adminBrowser, &adminConf, adminID, false)
	if c, err = e.p.VerifyAccessToken(adminTok.AccessToken); err != nil {
		t.Fatal(err)
	}
	if c.ObjectID != adminID || !c.HasScope("SecurityAlert.ReadWrite.All") || !slices.Contains(c.WIDs, "62e90394-69f5-4237-9190-012177145e10") {
		t.Fatalf("admin claims %+v", c)
	}

	// 5. Client credentials, both client authentication styles.
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cc := clientcredentials.Config{ClientID: testClientID, ClientSecret: testSecret, TokenURL: provider.Endpoint().TokenURL,
			Scopes: []string{"https://graph.microsoft.com/.default"}, AuthStyle: style}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("client credentials (style %d): %v", style, err)
		}
		if tok.RefreshToken != "" || tok.Extra("id_token") != nil || tok.Extra("scope") != nil {
			t.Fatalf("client credentials response has more than it should: %+v", tok)
		}
		c, err := e.p.VerifyAccessToken(tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if !c.AppOnly || c.Scopes != nil || c.ObjectID != testSPID || !slices.Equal(c.Roles, []string{"SecurityAlert.Read.All", "SecurityEvents.Read.All"}) {
			t.Fatalf("app claims %+v", c)
		}
	}

	// 6. Moving the emulator's clock past expiry plus skew expires tokens.
	e.clock.Advance(DefaultAccessTokenLifetime + ClockSkew + time.Second)
	if _, err := e.p.VerifyAccessToken(adminTok.AccessToken); err == nil || err.Error() != "Lifetime validation failed, the token is expired." {
		t.Fatalf("expired token: %v", err)
	}

	// 7. Signing out clears the SSO session: prompt=none then needs login.
	pg = adminBrowser.get(e.base + "/common/oauth2/v2.0/logout?" + url.Values{"post_logout_redirect_uri": {"http://localhost:5000/logged-out"}, "client_id": {testClientID}, "state": {"bye"}}.Encode())
	if pg.location != "http://localhost:5000/logged-out?state=bye" {
		t.Fatalf("logout redirect %q", pg.location)
	}
	q := baseQuery("openid User.Read")
	q.Set("prompt", "none")
	pg = adminBrowser.navigate(e.authorizeURL("common", q))
	if v := redirectParams(t, pg.location); v.Get("error") != "login_required" {
		t.Fatalf("after logout prompt=none gave %v", v)
	}
	if pg.status != http.StatusFound {
		t.Fatal(pg.status)
	}
}
