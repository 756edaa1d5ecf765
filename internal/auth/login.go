package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
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

// MaxReturnPath bounds the path a sign-in returns to: it is stored with
// every sign-in in progress, which anyone can start. A longer one (no page
// of the console needs it) is replaced by "/".
const MaxReturnPath = 1024

// SafeReturnPath accepts only a local path (with query) to return to after
// sign-in: no scheme, no host, no protocol-relative or backslash tricks,
// so the sign-in can never be turned into an open redirect; and at most
// MaxReturnPath bytes.
func SafeReturnPath(p string) string {
	if p == "" || len(p) > MaxReturnPath || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if strings.HasPrefix(u.Path, "/login") || strings.HasPrefix(u.Path, "/logout") {
		return "/"
	}
	if r := u.RequestURI(); len(r) <= MaxReturnPath {
		return r
	}
	return "/"
}

// ClientKey is the key the bounds on anonymous records count by: the
// request's IPv4 address, or the /64 prefix of its IPv6 address (one
// subscriber's network, which holds any number of addresses). Behind a
// reverse proxy every request shares the proxy's address, and the
// per-client bound becomes a bound on the proxy: ClientKeyBehind reads
// the address the proxy forwarded.
func ClientKey(r *http.Request) string { return ClientKeyBehind(r, nil) }

// maxForwardedHops bounds how much of X-Forwarded-For is read.
const maxForwardedHops = 16

// ClientKeyBehind is ClientKey for a console behind the load balancers
// or reverse proxies in trusted: a request from one of them is counted by
// the address it forwarded (X-Forwarded-For, read from the right: the
// first address that is not itself trusted). A header from anyone else is
// ignored, so a client cannot choose its key by sending one; when the
// header is missing or unreadable the request counts by the proxy's own
// address.
func ClientKeyBehind(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "addr:" + token(host, 64)
	}
	ip = ip.Unmap()
	if isTrusted(ip, trusted) {
		ip = forwardedClient(r.Header.Values("X-Forwarded-For"), ip, trusted)
	}
	if ip.Is4() {
		return "ip:" + ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return "ip6:" + p.String()
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedClient walks X-Forwarded-For from the right, past trusted
// hops, and returns the first untrusted address; proxy when there is
// none or a hop does not parse (nothing left of it can be believed).
func forwardedClient(headers []string, proxy netip.Addr, trusted []netip.Prefix) netip.Addr {
	var hops []string
	for _, h := range headers {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := proxy
	for i, n := len(hops)-1, 0; i >= 0 && n < maxForwardedHops; i, n = i-1, n+1 {
		hop := strings.TrimSpace(hops[i])
		ip, err := netip.ParseAddr(hop)
		if err != nil {
			ap, err := netip.ParseAddrPort(hop)
			if err != nil {
				return client
			}
			ip = ap.Addr()
		}
		ip = ip.Unmap()
		if !isTrusted(ip, trusted) {
			return ip
		}
		client = ip
	}
	return client
}

// startFlow stores a pending flow bound to this browser and returns its
// state. It fails with ErrBusy when the bound on sign-ins in progress is
// reached.
func (m *Manager) startFlow(ctx context.Context, w http.ResponseWriter, r *http.Request, sec flowSecrets, returnTo string) (string, error) {
	state := randomString(24)
	binding := randomString(24)
	now := m.o.Clock.Now()
	raw, _ := json.Marshal(sec)
	err := m.o.Store.CreateLoginFlow(ctx, store.LoginFlow{
		State: state, Binding: hashID(binding), Sealed: m.seal.seal(raw, state),
		ReturnTo: returnTo, Client: ClientKeyBehind(r, m.o.TrustedProxies), CreatedAt: now, ExpiresAt: now.Add(loginFlowLifetime),
	}, m.o.FlowLimits)
	if errors.Is(err, store.ErrLimit) {
		m.log.Warn("sign-in refused: too many sign-ins in progress", "limit", m.o.FlowLimits.Total)
		return "", ErrBusy
	}
	if err != nil {
		return "", fmt.Errorf("auth: store sign-in: %w", err)
	}
	// The binding cookie is SameSite=Lax: the identity platform returns with
	// a top-level GET, which Lax cookies accompany.
	http.SetCookie(w, m.newCookie(m.binding, binding, int(loginFlowLifetime.Seconds())))
	return state, nil
}

// BeginLogin starts a sign-in and returns the authorize URL to redirect the
// browser to. returnTo is where to go afterwards (a local path). It fails
// with ErrBusy when too many sign-ins are in progress.
func (m *Manager) BeginLogin(ctx context.Context, w http.ResponseWriter, r *http.Request, returnTo string, prompt string) (string, error) {
	sec := flowSecrets{Kind: "login", Nonce: randomString(24), Verifier: oauth2.GenerateVerifier()}
	state, err := m.startFlow(ctx, w, r, sec, SafeReturnPath(returnTo))
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
func (m *Manager) AdminConsentURL(ctx context.Context, w http.ResponseWriter, r *http.Request) (string, error) {
	state, err := m.startFlow(ctx, w, r, flowSecrets{Kind: "adminConsent"}, "/")
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
	c, err := r.Cookie(m.binding)
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
// creates a new session (a new id: never one the browser had before), ends
// the session the browser held before, if any, and sets the new cookie.
// An answer that fails the ID token's checks is a *RejectedError.
func (m *Manager) CompleteLogin(ctx context.Context, w http.ResponseWriter, r *http.Request) (*Callback, error) {
	q := r.URL.Query()
	clearBinding := func() { http.SetCookie(w, m.newCookie(m.binding, "", -1)) }
	adminConsent := q.Has("admin_consent")
	if e := q.Get("error"); e != "" {
		// Use up the flow so its state cannot be replayed, but report the
		// provider's error whatever the flow says.
		if st := q.Get("state"); st != "" {
			_, _, _ = m.takeFlow(ctx, r, st)
		}
		clearBinding()
		return nil, newProviderError(e, q.Get("error_description"), q.Get("error_subcode"), adminConsent)
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
		tenant := token(q.Get("tenant"), 100)
		m.log.Info("admin consent granted", "tenant", tenant)
		return &Callback{AdminConsent: true, Tenant: tenant, ReturnTo: "/"}, nil
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
		// The platform's configuration could not be read: it is not
		// answering, which is not the user's sign-in being rejected.
		return nil, &TokenError{Err: err}
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, rejected("the token response has no ID token")
	}
	idt, err := v.Verify(ctx, rawID)
	if err != nil {
		return nil, &RejectedError{Err: fmt.Errorf("ID token: %w", err)}
	}
	var claims struct {
		Name              string `json:"name"`
		PreferredUsername string `json:"preferred_username"`
		OID               string `json:"oid"`
		TID               string `json:"tid"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, rejected("ID token claims: %w", err)
	}
	if err := m.checkIssuer(idt.Issuer, claims.TID); err != nil {
		return nil, &RejectedError{Err: err}
	}
	if idt.Nonce != sec.Nonce {
		return nil, rejected("the ID token's nonce does not match this sign-in")
	}
	if claims.OID == "" {
		return nil, rejected("the ID token has no object id (oid); request the profile scope")
	}
	id := identity{oid: claims.OID, upn: claims.PreferredUsername, name: claims.Name, tid: claims.TID}
	m.readDirectory(ctx, tok, &id)
	// A new sign-in replaces the browser's session: the old one must not
	// stay usable by whoever holds a copy of its cookie.
	m.deleteSession(ctx, r)
	s, err := m.createSession(ctx, w, id, tok)
	if err != nil {
		return nil, err
	}
	m.log.Info("signed in", "user_id", claims.OID, "tenant", claims.TID, "roles_known", id.rolesKnown, "roles", len(id.roles))
	return &Callback{Session: s, ReturnTo: SafeReturnPath(f.ReturnTo)}, nil
}

// identity is who signed in: the ID token's claims, then what Graph says.
type identity struct {
	oid, upn, name, tid string
	roles               []string
	rolesKnown          bool
}

// readDirectory reads the user's profile (/me) and directory roles with
// the new token, when a Graph URL is configured. A profile that cannot be
// read leaves the ID token's names; roles that cannot be read stay unknown
// (pages then offer every action and Graph decides).
func (m *Manager) readDirectory(ctx context.Context, tok *oauth2.Token, id *identity) {
	if m.o.GraphURL == "" {
		return
	}
	c, err := graph.New(graph.Options{
		BaseURL: m.o.GraphURL, HTTPClient: m.o.HTTPClient, Tokens: graph.FromOAuth2(oauth2.StaticTokenSource(tok)),
		Timeout: 15 * time.Second, Retry: graph.RetryPolicy{MaxAttempts: 2, MaxTotalWait: 5 * time.Second}, Clock: m.o.Clock,
	})
	if err != nil {
		m.log.Warn("sign-in: Graph client", "err", err)
		return
	}
	if me, _, err := c.Users.Me(ctx); err != nil {
		m.log.Warn("read /me at sign-in; showing the ID token's name instead", "user_id", id.oid, "err", err)
	} else {
		id.upn, id.name = cmp.Or(me.UserPrincipalName, id.upn), cmp.Or(me.DisplayName, id.name)
	}
	roles, err := c.Users.MyDirectoryRoles(ctx)
	if err != nil {
		m.log.Warn("read the user's directory roles at sign-in; pages offer every action", "user_id", id.oid, "err", err)
		return
	}
	id.roles, id.rolesKnown = graph.RoleTemplateIDs(roles), true
	if len(id.roles) > store.MaxRoles {
		id.roles, id.rolesKnown = nil, false
	}
}

// tokenError turns an oauth2 failure into a ProviderError when the
// identity platform explained itself.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return newProviderError(re.ErrorCode, re.ErrorDescription, "", false)
	}
	return &TokenError{Err: err}
}

// deleteSession deletes the session the request's cookie names, if any.
func (m *Manager) deleteSession(ctx context.Context, r *http.Request) {
	if c, err := r.Cookie(m.cookie); err == nil && c.Value != "" && len(c.Value) <= 128 {
		if err := m.o.Store.DeleteSession(ctx, hashID(c.Value)); err != nil {
			m.log.Warn("delete session", "err", err)
		}
	}
}

// Logout ends the session (if any) and clears its cookie. The Microsoft
// session stays: EndSessionURL ends that one when the user wants it.
func (m *Manager) Logout(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	m.deleteSession(ctx, r)
	http.SetCookie(w, m.newCookie(m.cookie, "", -1))
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
