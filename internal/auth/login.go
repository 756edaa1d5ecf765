package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
)

// flowSecrets is what a pending sign-in keeps sealed in the store.
type flowSecrets struct {
	Kind     string `json:"kind"` // "login" or "adminConsent"
	Nonce    string `json:"nonce,omitempty"`
	Verifier string `json:"verifier,omitempty"`
}

// SafeReturnPath accepts only a local path (with query) to return to after
// sign-in: no scheme, no host, no protocol-relative or backslash tricks,
// so the sign-in can never be turned into an open redirect.
func SafeReturnPath(p string) string {
	if p == "" || len(p) > 2048 || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if strings.HasPrefix(u.Path, "/login") || strings.HasPrefix(u.Path, "/logout") {
		return "/"
	}
	return u.RequestURI()
}

// startFlow stores a pending flow bound to this browser and returns its
// state.
func (m *Manager) startFlow(ctx context.Context, w http.ResponseWriter, sec flowSecrets, returnTo string) (string, error) {
	state := randomString(24)
	binding := randomString(24)
	now := m.o.Clock.Now()
	raw, _ := json.Marshal(sec)
	err := m.o.Store.CreateLoginFlow(ctx, store.LoginFlow{
		State: state, Binding: hashID(binding), Sealed: m.seal.seal(raw, state),
		ReturnTo: returnTo, CreatedAt: now, ExpiresAt: now.Add(loginFlowLifetime),
	})
	if err != nil {
		return "", fmt.Errorf("auth: store sign-in: %w", err)
	}
	// The binding cookie is SameSite=Lax: the identity platform returns with
	// a top-level GET, which Lax cookies accompany.
	http.SetCookie(w, &http.Cookie{
		Name: bindingCookie, Value: binding, Path: "/login", HttpOnly: true, Secure: m.o.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(loginFlowLifetime.Seconds()),
	})
	return state, nil
}

// BeginLogin starts a sign-in and returns the authorize URL to redirect the
// browser to. returnTo is where to go afterwards (a local path).
func (m *Manager) BeginLogin(ctx context.Context, w http.ResponseWriter, returnTo string, prompt string) (string, error) {
	sec := flowSecrets{Kind: "login", Nonce: randomString(24), Verifier: oauth2.GenerateVerifier()}
	state, err := m.startFlow(ctx, w, sec, SafeReturnPath(returnTo))
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(sec.Verifier), oidc.Nonce(sec.Nonce)}
	switch prompt {
	case "select_account", "login", "consent":
		opts = append(opts, oauth2.SetAuthURLParam("prompt", prompt))
	}
	return m.oauth.AuthCodeURL(state, opts...), nil
}

// AdminConsentURL starts tenant-wide admin consent (the v1 endpoint the
// original sample and Microsoft's security docs use) and returns its URL.
// The tenant is the configured one, or "organizations" when graphsec is
// multi-tenant.
func (m *Manager) AdminConsentURL(ctx context.Context, w http.ResponseWriter) (string, error) {
	state, err := m.startFlow(ctx, w, flowSecrets{Kind: "adminConsent"}, "/")
	if err != nil {
		return "", err
	}
	q := url.Values{"client_id": {m.o.ClientID}, "state": {state}, "redirect_uri": {m.o.RedirectURL}}
	return m.o.AuthorityURL + "/" + url.PathEscape(m.o.Tenant) + "/adminconsent?" + q.Encode(), nil
}

// Callback is the outcome of a request to the redirect URI.
type Callback struct {
	// Session is set after a successful sign-in.
	Session *Session
	// ReturnTo is where the user was going.
	ReturnTo string
	// AdminConsent is set when an administrator granted consent; Tenant is
	// what the platform reported (display only: it is not authenticated).
	AdminConsent bool
	Tenant       string
}

// takeFlow finds the pending flow for state and checks it was started in
// this browser.
func (m *Manager) takeFlow(ctx context.Context, r *http.Request, state string) (store.LoginFlow, flowSecrets, error) {
	var sec flowSecrets
	if state == "" || len(state) > 256 {
		return store.LoginFlow{}, sec, ErrStateMismatch
	}
	f, err := m.o.Store.TakeLoginFlow(ctx, state, m.o.Clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return f, sec, ErrStateMismatch
	}
	if err != nil {
		return f, sec, fmt.Errorf("auth: sign-in state: %w", err)
	}
	c, err := r.Cookie(bindingCookie)
	if err != nil || hashID(c.Value) != f.Binding {
		return f, sec, ErrStateMismatch
	}
	raw, err := m.seal.open(f.Sealed, f.State)
	if err != nil || json.Unmarshal(raw, &sec) != nil {
		return f, sec, ErrStateMismatch
	}
	return f, sec, nil
}

// CompleteLogin handles a request to the redirect URI: a provider error, an
// admin-consent return, or an authorization code to redeem. On success it
// creates a new session (a new id: never one the browser had before) and
// sets its cookie.
func (m *Manager) CompleteLogin(ctx context.Context, w http.ResponseWriter, r *http.Request) (*Callback, error) {
	q := r.URL.Query()
	clearBinding := func() {
		http.SetCookie(w, &http.Cookie{Name: bindingCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: m.o.SecureCookies, SameSite: http.SameSiteLaxMode})
	}
	adminConsent := q.Has("admin_consent")
	if e := q.Get("error"); e != "" {
		// Use up the flow so its state cannot be replayed, but report the
		// provider's error whatever the flow says.
		if st := q.Get("state"); st != "" {
			_, _, _ = m.takeFlow(ctx, r, st)
		}
		clearBinding()
		return nil, &ProviderError{Code: truncate(e, 100), Description: truncate(q.Get("error_description"), 2000), Subcode: truncate(q.Get("error_subcode"), 100), AdminConsent: adminConsent}
	}
	f, sec, err := m.takeFlow(ctx, r, q.Get("state"))
	clearBinding()
	if err != nil {
		return nil, err
	}
	if adminConsent || sec.Kind == "adminConsent" {
		if sec.Kind != "adminConsent" || !strings.EqualFold(q.Get("admin_consent"), "true") {
			return nil, ErrStateMismatch
		}
		m.log.Info("admin consent granted", "tenant", truncate(q.Get("tenant"), 100))
		return &Callback{AdminConsent: true, Tenant: truncate(q.Get("tenant"), 100), ReturnTo: "/"}, nil
	}
	code := q.Get("code")
	if code == "" || sec.Kind != "login" {
		return nil, ErrCallbackInvalid
	}
	tok, err := m.oauth.Exchange(m.httpContext(ctx), code, oauth2.VerifierOption(sec.Verifier))
	if err != nil {
		return nil, tokenError(err)
	}
	v, err := m.idVerifier(ctx)
	if err != nil {
		return nil, err
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, errors.New("auth: the token response has no ID token")
	}
	idt, err := v.Verify(ctx, rawID)
	if err != nil {
		return nil, fmt.Errorf("auth: ID token: %w", err)
	}
	var claims struct {
		Name              string `json:"name"`
		PreferredUsername string `json:"preferred_username"`
		OID               string `json:"oid"`
		TID               string `json:"tid"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("auth: ID token claims: %w", err)
	}
	if err := m.checkIssuer(idt.Issuer, claims.TID); err != nil {
		return nil, err
	}
	if idt.Nonce != sec.Nonce {
		return nil, errors.New("auth: the ID token's nonce does not match this sign-in")
	}
	if claims.OID == "" {
		return nil, errors.New("auth: the ID token has no object id (oid); request the profile scope")
	}
	upn, name := claims.PreferredUsername, claims.Name
	if me, err := m.profile(ctx, tok); err != nil {
		m.log.Warn("read /me at sign-in; showing the ID token's name instead", "user_id", claims.OID, "err", err)
	} else if me != nil {
		upn, name = cmp.Or(me.UserPrincipalName, upn), cmp.Or(me.DisplayName, name)
	}
	s, err := m.createSession(ctx, w, claims.OID, upn, name, claims.TID, tok)
	if err != nil {
		return nil, err
	}
	m.log.Info("signed in", "user_id", claims.OID, "tenant", claims.TID)
	return &Callback{Session: s, ReturnTo: SafeReturnPath(f.ReturnTo)}, nil
}

// profile reads /me with the new token (nil, nil when no Graph URL is
// configured).
func (m *Manager) profile(ctx context.Context, tok *oauth2.Token) (*graph.User, error) {
	if m.o.GraphURL == "" {
		return nil, nil
	}
	c, err := graph.New(graph.Options{
		BaseURL: m.o.GraphURL, HTTPClient: m.o.HTTPClient, Tokens: graph.FromOAuth2(oauth2.StaticTokenSource(tok)),
		Timeout: 15 * time.Second, Retry: graph.RetryPolicy{MaxAttempts: 2, MaxTotalWait: 5 * time.Second},
	})
	if err != nil {
		return nil, err
	}
	me, _, err := c.Users.Me(ctx)
	return me, err
}

// tokenError turns an oauth2 failure into a ProviderError when the
// identity platform explained itself.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return &ProviderError{Code: re.ErrorCode, Description: truncate(re.ErrorDescription, 2000)}
	}
	return &TokenError{Err: err}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Logout ends the session (if any) and clears its cookie. The Microsoft
// session stays: EndSessionURL ends that one when the user wants it.
func (m *Manager) Logout(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(m.cookie); err == nil && c.Value != "" {
		if err := m.o.Store.DeleteSession(ctx, hashID(c.Value)); err != nil {
			m.log.Warn("sign-out: delete session", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: m.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: m.o.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// EndSessionURL is the identity platform's sign-out URL. postLogout is
// where it sends the browser afterwards; the platform honours it only when
// it is a registered redirect URI of the app.
func (m *Manager) EndSessionURL(postLogout string) string {
	q := url.Values{"client_id": {m.o.ClientID}}
	if postLogout != "" {
		q.Set("post_logout_redirect_uri", postLogout)
	}
	return m.o.AuthorityURL + "/" + url.PathEscape(m.o.Tenant) + "/oauth2/v2.0/logout?" + q.Encode()
}

// sessionExpiry is when a session used now ends.
func (m *Manager) sessionExpiry(now time.Time) time.Time { return now.Add(m.o.SessionLifetime) }
