package idp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/internal/clock"
)

// Options configures a Provider.
type Options struct {
	// BaseURL is where the provider is served, e.g. "http://127.0.0.1:5001":
	// scheme and host only, no path and no trailing slash. Issuers and
	// every URL in discovery documents are built from it.
	BaseURL   string
	Directory *tenant.Directory
	Clock     clock.Clock  // defaults to the wall clock
	Logger    *slog.Logger // defaults to discarding
	// AccessTokenLifetime is the expires_in clients see (default 3599s).
	AccessTokenLifetime time.Duration
	// RefreshTokenLifetime is how long a refresh token stays usable after
	// it is issued (default 90 days, Entra's inactivity limit).
	RefreshTokenLifetime time.Duration
	// Key signs tokens; an RSA 2048 key is generated when nil.
	Key *rsa.PrivateKey
	// PageHostAllowed, when set, says whether the browser pages
	// (authorize, admin consent, logout) may answer a request with this
	// Host header; others get 421. The emulator refuses names that are not
	// its own, so that a web page using DNS rebinding cannot sign in as a
	// demo user (there are no passwords). Nil allows every host.
	PageHostAllowed func(host string) bool
}

// Defaults and bounds. Entra's own figures where it publishes them, the
// emulator's choice (documented in doc.go) otherwise.
const (
	DefaultAccessTokenLifetime  = 3599 * time.Second
	DefaultRefreshTokenLifetime = 90 * 24 * time.Hour

	codeLifetime    = 10 * time.Minute // Entra: "about 10 minutes"
	codeRetention   = time.Hour        // redeemed/expired codes kept to tell 54005/70008 from garbage
	idTokenLifetime = time.Hour
	flowLifetime    = 30 * time.Minute
	sessionLifetime = 24 * time.Hour

	maxFlows    = 10000
	maxSessions = 10000
	maxCodes    = 20000

	maxQueryBytes     = 16 << 10
	maxFormBytes      = 64 << 10
	maxCookieBytes    = 128
	maxRefreshTokenSz = 8 << 10
)

// Provider is the emulated Microsoft identity platform for one tenant.
// It is safe for concurrent use.
type Provider struct {
	baseURL    string
	secure     bool // cookies get Secure when BaseURL is https
	dir        *tenant.Directory
	tenantID   string
	clock      clock.Clock
	log        *slog.Logger
	accessTTL  time.Duration
	refreshTTL time.Duration
	signer     *signer
	pages      *pages
	mux        *http.ServeMux
	pageHost   func(host string) bool

	refreshAEAD atomic.Pointer[cipher.AEAD]
	browserKey  []byte // signs browser ids (flows.go)

	mu       sync.Mutex // guards the three stores below
	flows    *flowStore
	sessions *ttlStore[session]
	codes    *ttlStore[*authCode]

	cacheMu  sync.Mutex
	verified *ttlStore[*Claims]
}

// New builds a provider. It generates the signing key when none is given
// and checks its page templates, so a Provider that exists can serve.
func New(o Options) (*Provider, error) {
	if o.Directory == nil {
		return nil, errors.New("idp: Options.Directory is required")
	}
	base, err := checkBaseURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AccessTokenLifetime < 0 || o.RefreshTokenLifetime < 0 {
		return nil, errors.New("idp: token lifetimes must not be negative")
	}
	if o.AccessTokenLifetime == 0 {
		o.AccessTokenLifetime = DefaultAccessTokenLifetime
	}
	if o.RefreshTokenLifetime == 0 {
		o.RefreshTokenLifetime = DefaultRefreshTokenLifetime
	}
	if o.AccessTokenLifetime < time.Second {
		return nil, errors.New("idp: AccessTokenLifetime must be at least one second")
	}
	s, err := newSigner(o.Key, o.Clock.Now())
	if err != nil {
		return nil, err
	}
	pg, err := loadPages()
	if err != nil {
		return nil, err
	}
	p := &Provider{
		baseURL:    base,
		secure:     strings.HasPrefix(base, "https://"),
		dir:        o.Directory,
		tenantID:   o.Directory.TenantID(),
		clock:      o.Clock,
		log:        o.Logger,
		accessTTL:  o.AccessTokenLifetime,
		refreshTTL: o.RefreshTokenLifetime,
		signer:     s,
		pages:      pg,
		flows:      newFlowStore(maxFlows, maxFlowsPerClient),
		browserKey: randomBytes(32),
		sessions:   newTTLStore[session](maxSessions),
		codes:      newTTLStore[*authCode](maxCodes),
		verified:   newTTLStore[*Claims](verifyCacheSize),
		pageHost:   o.PageHostAllowed,
	}
	if err := p.rotateRefreshKey(); err != nil {
		return nil, err
	}
	p.mux = p.routes()
	return p, nil
}

func checkBaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return "", fmt.Errorf("idp: Options.BaseURL %q must be an http(s) scheme and host with no path", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// rotateRefreshKey replaces the key that seals refresh tokens, which
// invalidates every refresh token issued before.
func (p *Provider) rotateRefreshKey() error {
	block, err := aes.NewCipher(randomBytes(32))
	if err != nil {
		return fmt.Errorf("idp: refresh token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("idp: refresh token key: %w", err)
	}
	p.refreshAEAD.Store(&aead)
	return nil
}

// Reset forgets every session, pending sign-in and authorization code and
// invalidates every refresh token, as the emulator's control-plane reset
// needs. Access tokens stay valid until they expire, as on Entra; the
// signing key does not change.
func (p *Provider) Reset() error {
	p.mu.Lock()
	p.flows.clear()
	p.sessions.clear()
	p.codes.clear()
	p.mu.Unlock()
	return p.rotateRefreshKey()
}

// ServeHTTP serves every identity path: /{tenant}/oauth2/v2.0/…,
// /{tenant}/adminconsent, /{tenant}/v2.0/adminconsent, discovery, keys
// and /oidc/userinfo.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

func (p *Provider) routes() *http.ServeMux {
	m := http.NewServeMux()
	page := p.pageGuard
	m.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", page(p.handleAuthorize))
	m.HandleFunc("POST /{tenant}/oauth2/v2.0/authorize", page(p.handleAuthorize))
	m.HandleFunc("/{tenant}/oauth2/v2.0/token", p.handleToken)
	m.HandleFunc("GET /{tenant}/oauth2/v2.0/logout", page(p.handleLogout))
	m.HandleFunc("POST /{tenant}/oauth2/v2.0/logout", page(p.handleLogout))
	m.HandleFunc("/{tenant}/oauth2/v2.0/devicecode", p.handleDeviceCode)
	m.HandleFunc("GET /{tenant}/adminconsent", page(p.handleAdminConsent(flowAdminV1)))
	m.HandleFunc("POST /{tenant}/adminconsent", page(p.handleAdminConsent(flowAdminV1)))
	m.HandleFunc("GET /{tenant}/v2.0/adminconsent", page(p.handleAdminConsent(flowAdminV2)))
	m.HandleFunc("POST /{tenant}/v2.0/adminconsent", page(p.handleAdminConsent(flowAdminV2)))
	m.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", p.handleDiscovery(true))
	m.HandleFunc("GET /{tenant}/.well-known/openid-configuration", p.handleDiscovery(false))
	m.HandleFunc("GET /{tenant}/discovery/v2.0/keys", p.handleKeys(true))
	m.HandleFunc("GET /{tenant}/discovery/keys", p.handleKeys(false))
	m.HandleFunc("GET /oidc/userinfo", p.handleUserinfo)
	m.HandleFunc("POST /oidc/userinfo", p.handleUserinfo)
	return m
}

// pageGuard refuses a browser page's request whose Host the emulator does
// not answer to (Options.PageHostAllowed).
func (p *Provider) pageGuard(h http.HandlerFunc) http.HandlerFunc {
	if p.pageHost == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if !p.pageHost(r.Host) {
			host := r.Host
			if len(host) > 100 {
				host = host[:100] + "..."
			}
			p.errorPageFor(w, r, newAADError(http.StatusMisdirectedRequest, "invalid_request", 9002313,
				"This sign-in page answers only requests addressed to the emulator by its own name (localhost, an IP address or its public URL's host), not to '%s': a web page may be trying to reach it through DNS rebinding.", host))
			return
		}
		h(w, r)
	}
}

// tenantRef is a resolved {tenant} path segment.
type tenantRef struct {
	segment  string // what URLs built for this request use: common, organizations or the tenant id
	specific bool   // the tenant was named (id or domain), not common/organizations
}

// maxTenantSegment bounds the {tenant} segment echoed in error messages.
const maxTenantSegment = 256

// resolveTenant maps {tenant} to the one emulated tenant. "consumers" is
// treated as an unknown tenant: personal Microsoft accounts are not
// emulated (see doc.go).
func (p *Provider) resolveTenant(seg string) (tenantRef, *aadError) {
	switch {
	case strings.EqualFold(seg, "common"):
		return tenantRef{segment: "common"}, nil
	case strings.EqualFold(seg, "organizations"):
		return tenantRef{segment: "organizations"}, nil
	case p.dir.Matches(seg):
		return tenantRef{segment: p.tenantID, specific: true}, nil
	}
	if len(seg) > maxTenantSegment {
		seg = seg[:maxTenantSegment]
	}
	return tenantRef{}, errTenantNotFound(seg)
}

// params holds request parameters with the RFC 6749 §3.1 rule that none
// may be repeated.
type params url.Values

func (v params) get(name string) string { return url.Values(v).Get(name) }

func (v params) has(name string) bool { _, ok := v[name]; return ok }

// repeated names the first of the given parameters sent more than once.
func (v params) repeated(names ...string) string {
	for _, n := range names {
		if len(v[n]) > 1 {
			return n
		}
	}
	return ""
}

// readParams reads a GET query or a POST form body, both bounded.
func readParams(w http.ResponseWriter, r *http.Request) (params, *aadError) {
	if r.Method != http.MethodPost {
		if len(r.URL.RawQuery) > maxQueryBytes {
			return nil, errMalformed("The query string is too long.")
		}
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, errMalformed("The query string is not correctly encoded.")
		}
		return params(v), nil
	}
	return readForm(w, r)
}

// readForm reads an application/x-www-form-urlencoded body of bounded
// size. Any other content type yields no parameters, which surfaces as the
// missing-parameter error Entra gives for, say, a JSON body.
func readForm(w http.ResponseWriter, r *http.Request) (params, *aadError) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		return nil, errMalformed("The request body is too large.")
	}
	if mt != "application/x-www-form-urlencoded" {
		return params{}, nil
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errMalformed("The request body is not correctly form-encoded.")
	}
	return params(v), nil
}

// randomBytes returns n bytes from crypto/rand (which cannot fail).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

// newGUID returns a random (version 4) GUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// secretEqual compares secrets in constant time, lengths included.
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// pairwiseSubject is the sub claim: stable for one user and one app, and
// different across apps, as Entra's pairwise identifiers are.
func pairwiseSubject(tenantID, userID, clientID string) string {
	h := sha256.Sum256([]byte("graphsec-sub\x00" + strings.ToLower(tenantID) + "\x00" + strings.ToLower(userID) + "\x00" + strings.ToLower(clientID)))
	return base64.RawURLEncoding.EncodeToString(h[:])
}
