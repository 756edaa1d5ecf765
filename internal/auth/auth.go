// Package auth signs analysts in with the Microsoft identity platform
// (authorization code flow with PKCE, state and nonce; the ID token checked
// with go-oidc), keeps their sessions server-side with their tokens sealed,
// refreshes those tokens silently, and handles tenant-wide admin consent.
//
// It decides nothing about pages: the web layer calls BeginLogin,
// CompleteLogin, Session, Logout and the admin-consent pair, and renders
// the outcome.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// DefaultScopes returns the scopes requested at sign-in (a fresh slice):
// OpenID Connect's (sign-in, profile, email, a refresh token) and the
// Graph permissions the graph package lists for a console (the user's
// profile, mail for alert email, and the security permissions of the alert
// workflows, which need tenant-wide admin consent).
func DefaultScopes() []string {
	return append([]string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess}, graph.DelegatedScopes()...)
}

// Options configure a Manager.
type Options struct {
	// AuthorityURL is the identity platform's base URL, e.g.
	// https://login.microsoftonline.com.
	AuthorityURL string
	// Tenant is the tenant id, domain or "organizations".
	Tenant       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the registered redirect URI (…/login/authorized).
	RedirectURL string
	// Scopes to request; default DefaultScopes.
	Scopes []string
	Store  store.Store
	// Key seals tokens and sign-in secrets (32 bytes).
	Key []byte
	// HTTPClient talks to the identity platform (discovery, keys, token
	// endpoint). It must have a timeout.
	HTTPClient *http.Client
	Clock      clock.Clock
	Logger     *slog.Logger
	// SessionLifetime is how long a session lasts without use.
	SessionLifetime time.Duration
	// SecureCookies marks cookies Secure (the console is served over https).
	SecureCookies bool
	// GraphURL, when set, is where the user's profile (/me) and directory
	// roles are read at sign-in: the header shows Graph's displayName and
	// userPrincipalName, as the original sample did, rather than the ID
	// token's claims (which are the fallback when /me cannot be read), and
	// pages know what the user's roles allow.
	GraphURL string
	// FlowLimits bound the sign-ins in progress (anyone can start one):
	// per client address and in all. Zero fields take DefaultFlowLimits'.
	FlowLimits store.Limits
	// DraftLimits bound the form text kept for browsers whose session
	// ended. Zero fields take DefaultDraftLimits'.
	DraftLimits store.Limits
	// TrustedProxies are the load balancers in front of the console:
	// requests from them count, for FlowLimits' and DraftLimits'
	// PerClient, by the address they forwarded (ClientKeyBehind).
	TrustedProxies []netip.Prefix
}

// DefaultFlowLimits are ten sign-ins in progress per client address (a
// user who opens a few tabs, a small office behind one address), and
// 10,000 in all: about 15 MB of database at most.
func DefaultFlowLimits() store.Limits { return store.Limits{PerClient: 10, Total: 10000} }

// DefaultDraftLimits are three kept forms per client address and 2,000 in
// all (each at most MaxDraftBytes).
func DefaultDraftLimits() store.Limits { return store.Limits{PerClient: 3, Total: 2000} }

// Manager runs sign-in and sessions.
type Manager struct {
	o     Options
	seal  *sealer
	log   *slog.Logger
	oauth oauth2.Config
	// The cookies' names: __Host- prefixed under https, which browsers
	// accept only when Secure, host-only and Path=/, so that a sibling
	// domain cannot plant one (login CSRF by a planted binding cookie).
	cookie, binding, draft string

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	issuer   string // discovery issuer, may hold {tenantid}
}

// Cookie names (on https with the __Host- prefix) and lifetimes.
const (
	sessionCookie     = "graphsec_session"
	bindingCookie     = "graphsec_signin"
	draftCookie       = "graphsec_draft"
	hostPrefix        = "__Host-"
	loginFlowLifetime = 15 * time.Minute
	touchInterval     = time.Minute
)

// New checks the options and returns a Manager. Discovery happens on first
// use, so a console can start while the identity platform is unreachable.
func New(o Options) (*Manager, error) {
	if o.Store == nil || o.HTTPClient == nil || o.ClientID == "" || o.RedirectURL == "" || o.AuthorityURL == "" || o.Tenant == "" {
		return nil, errors.New("auth: Store, HTTPClient, ClientID, RedirectURL, AuthorityURL and Tenant are required")
	}
	s, err := newSealer(o.Key)
	if err != nil {
		return nil, err
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SessionLifetime <= 0 {
		o.SessionLifetime = 12 * time.Hour
	}
	if len(o.Scopes) == 0 {
		o.Scopes = DefaultScopes()
	}
	o.AuthorityURL = strings.TrimRight(o.AuthorityURL, "/")
	o.FlowLimits = withDefaults(o.FlowLimits, DefaultFlowLimits())
	o.DraftLimits = withDefaults(o.DraftLimits, DefaultDraftLimits())
	m := &Manager{o: o, seal: s, log: o.Logger, cookie: sessionCookie, binding: bindingCookie, draft: draftCookie}
	if o.SecureCookies {
		m.cookie, m.binding, m.draft = hostPrefix+sessionCookie, hostPrefix+bindingCookie, hostPrefix+draftCookie
	}
	base := o.AuthorityURL + "/" + url.PathEscape(o.Tenant)
	m.oauth = oauth2.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL, Scopes: o.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: base + "/oauth2/v2.0/authorize", TokenURL: base + "/oauth2/v2.0/token", AuthStyle: oauth2.AuthStyleInParams},
	}
	return m, nil
}

func withDefaults(l, def store.Limits) store.Limits {
	if l.PerClient <= 0 {
		l.PerClient = def.PerClient
	}
	if l.Total <= 0 {
		l.Total = def.Total
	}
	return l
}

// cookie returns a cookie of the manager's, HttpOnly, SameSite=Lax, on
// Path=/ (which the __Host- prefix requires), Secure under https; maxAge
// < 0 deletes it.
func (m *Manager) newCookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: m.o.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge}
}

// discoveryURL is the tenant's OpenID configuration document.
func (m *Manager) discoveryURL() string {
	return m.o.AuthorityURL + "/" + url.PathEscape(m.o.Tenant) + "/v2.0/.well-known/openid-configuration"
}

// Reachable reports whether the identity platform answers (for readiness
// checks): its OpenID configuration answers below 500. It does not check
// the document, which sign-in does.
func (m *Manager) Reachable(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.discoveryURL(), nil)
	if err != nil {
		return err
	}
	res, err := m.o.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("auth: identity platform unreachable: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode >= 500 {
		return fmt.Errorf("auth: identity platform answered %d", res.StatusCode)
	}
	return nil
}

// discovery is the part of the OpenID configuration graphsec uses.
type discovery struct {
	Issuer        string `json:"issuer"`
	AuthEndpoint  string `json:"authorization_endpoint"`
	TokenEndpoint string `json:"token_endpoint"`
	JWKSURI       string `json:"jwks_uri"`
	EndSession    string `json:"end_session_endpoint"`
}

// idVerifier fetches the tenant's OpenID configuration once and builds
// the ID token verifier. The issuer is checked by hand (see checkIssuer)
// because on "organizations" the document's issuer is a template.
func (m *Manager) idVerifier(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.verifier != nil {
		return m.verifier, nil
	}
	u := m.discoveryURL()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := m.o.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: OpenID configuration: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("auth: OpenID configuration: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: OpenID configuration: %s answered %d", u, res.StatusCode)
	}
	var d discovery
	if err := json.Unmarshal(body, &d); err != nil || d.Issuer == "" || d.JWKSURI == "" {
		return nil, fmt.Errorf("auth: OpenID configuration at %s is not usable", u)
	}
	kctx := oidc.ClientContext(ctx, m.o.HTTPClient)
	keys := oidc.NewRemoteKeySet(context.WithoutCancel(kctx), d.JWKSURI)
	m.verifier = oidc.NewVerifier(d.Issuer, keys, &oidc.Config{
		ClientID: m.o.ClientID, SkipIssuerCheck: true, Now: m.o.Clock.Now,
		SupportedSigningAlgs: []string{oidc.RS256},
	})
	m.issuer = d.Issuer
	return m.verifier, nil
}

var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checkIssuer verifies the ID token's issuer: {authority}/{tid}/v2.0 for
// the token's own tenant, and, when graphsec is configured for one tenant
// by id, that tenant.
func (m *Manager) checkIssuer(iss, tid string) error {
	if tid == "" || !guidRe.MatchString(tid) {
		return errors.New("auth: the ID token has no tenant id")
	}
	want := strings.ReplaceAll(m.issuer, "{tenantid}", tid)
	if iss != want || !strings.Contains(want, tid) {
		return fmt.Errorf("auth: the ID token's issuer %q is not %q", iss, want)
	}
	if guidRe.MatchString(m.o.Tenant) && !strings.EqualFold(m.o.Tenant, tid) {
		return fmt.Errorf("auth: the ID token is for tenant %s, not the configured %s", tid, m.o.Tenant)
	}
	return nil
}

// httpContext makes oauth2 use the manager's HTTP client.
func (m *Manager) httpContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, m.o.HTTPClient)
}

// OAuthConfig returns the OAuth 2.0 configuration (for building token
// sources elsewhere, e.g. app-only clients).
func (m *Manager) OAuthConfig() oauth2.Config { return m.oauth }

// AppTokens returns app-only tokens of graphsec's own (the client
// credentials grant, with the application permissions an administrator
// granted), for background work that acts for no user: reconciling
// changes whose outcome a request never saw. ctx must outlive the source.
func (m *Manager) AppTokens(ctx context.Context) graph.TokenSource {
	return graph.AppTokens(m.httpContext(ctx), &clientcredentials.Config{
		ClientID: m.o.ClientID, ClientSecret: m.o.ClientSecret, TokenURL: m.oauth.Endpoint.TokenURL,
		Scopes: graph.AppScopes(), AuthStyle: oauth2.AuthStyleInParams,
	})
}

// Tenant is the configured tenant segment (id, domain or organizations).
func (m *Manager) Tenant() string { return m.o.Tenant }
