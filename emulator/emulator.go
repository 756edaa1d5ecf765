// Package emulator is a stateful local stand-in for the Microsoft identity
// platform and the Microsoft Graph security API, faithful enough that
// clients following the OAuth 2.0, OpenID Connect and Graph specifications
// cannot tell it from the real service except by its URL.
//
// Start one in a test with New and point a client at URL():
//
//	emu, err := emulator.New(emulator.Options{})
//	if err != nil { ... }
//	defer emu.Close()
//	// identity: emu.URL()+"/"+emu.TenantID()+"/oauth2/v2.0/token"
//	// Graph:    emu.URL()+"/v1.0/security/alerts_v2"
//
// One listener serves the identity platform (/{tenant}/oauth2/v2.0/...),
// Graph (/v1.0, /beta) and the control plane (/_emulator/...), which tests
// use to reset data, raise alerts, queue faults, move the clock and read
// the mailbox. See the README's emulator section for every endpoint and
// for where the emulator knowingly differs from Microsoft.
package emulator

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/emulator/activity"
	"github.com/graphsec/graphsec/emulator/delivery"
	"github.com/graphsec/graphsec/emulator/gen"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/idp"
	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/emulator/tlsca"
	"github.com/graphsec/graphsec/emulator/webhook"
	"github.com/graphsec/graphsec/internal/clock"
)

// Defaults for the demo tenant and app registration. They are fixed so
// that a configuration written for the emulator keeps working across
// restarts; the secret protects nothing but a local emulator.
const (
	DefaultTenantID     = "3f9d6a7e-52c1-4b8e-9a0d-7c2e41b5f8a6"
	DefaultTenantDomain = "graphsec-demo.onmicrosoft.com"
	DefaultTenantName   = "graphsec Demo"
	DefaultClientID     = "6731de76-14a6-49ae-97bc-6eba6914391e"
	DefaultClientSecret = "emulator-demo-secret"
	DefaultRedirectURI  = "http://localhost:5000/login/authorized"
	DefaultAddr         = "127.0.0.1:5001"
)

// DelegatedPermissions lists the delegated permissions the demo app
// registration requests: what the console asks for when a user signs in.
func DelegatedPermissions() []string {
	return []string{
		"openid", "profile", "email", "offline_access", "User.Read", "User.ReadBasic.All", "Mail.Send",
		"SecurityEvents.ReadWrite.All", "SecurityAlert.ReadWrite.All", "SecurityIncident.ReadWrite.All", "SecurityActions.ReadWrite.All",
	}
}

// ApplicationPermissions lists the application permissions it requests,
// for app-only access (client credentials).
func ApplicationPermissions() []string {
	return []string{
		"User.Read.All", "Mail.Send",
		"SecurityEvents.ReadWrite.All", "SecurityAlert.ReadWrite.All", "SecurityIncident.ReadWrite.All", "SecurityActions.ReadWrite.All",
	}
}

// Options configure an emulator. The zero value is a working emulator on a
// random loopback port with the demo tenant.
type Options struct {
	// Addr is the listen address (default 127.0.0.1:0, a free port).
	Addr string
	// Listener, when set, is used instead of listening on Addr.
	Listener net.Listener
	// PublicURL overrides the base URL the emulator puts in tokens and
	// links (e.g. behind a proxy). Default: http://{listener address}, or
	// https:// with TLS.
	PublicURL string
	// TLS serves https with a certificate from a local CA the emulator
	// creates on first use and keeps in TLSDir (package tlsca), for
	// clients that talk only https, as Microsoft's SDKs do. Every URL the
	// emulator writes is then https. CAFile names the certificate to trust.
	TLS bool
	// TLSDir keeps the CA and server certificate (default
	// tlsca.DefaultDir(): the user's cache directory).
	TLSDir string
	// ControlToken, when set (at least 16 characters), must accompany
	// every control-plane request as "Authorization: Bearer <token>". New
	// refuses to listen beyond loopback without one. See guard.go.
	ControlToken string

	TenantID, TenantDomain, TenantName string
	ClientID, ClientSecret             string
	RedirectURIs                       []string
	// Unconsented starts the demo app without admin consent, to
	// demonstrate the consent flow.
	Unconsented bool

	// Seed makes the generated data deterministic (same seed, same data).
	Seed int64
	// Data sizes (0: the generator's defaults).
	Users, LegacyAlerts, Alerts int

	// LegacyRetired makes /security/alerts behave as after Microsoft
	// retired it (2026): lists are empty, single alerts not found.
	LegacyRetired bool

	// Activity is the living tenant's pace: new alerts, triage, comments,
	// merges and legacy changes at this rate (0: a still tenant; the
	// control plane can start it later).
	Activity activity.Rate
	// VisibilityDelay lets the activity's updates become visible up to
	// this long after their lastUpdateDateTime, as on the real service.
	VisibilityDelay time.Duration

	// ThrottlePerMinute enables Graph's per-app security API limit
	// (150 on the real service); 0 leaves it off.
	ThrottlePerMinute int
	// AccessTokenLifetime overrides the access token lifetime (default 3599 s).
	AccessTokenLifetime time.Duration
	// WebhookClient: only its Timeout is used, to shorten Graph's
	// 10-second limit for the validation handshake (tests use a short
	// one). Every request to a subscriber goes through the emulator's
	// network guard, whatever the client's transport.
	WebhookClient *http.Client
	// WebhookAllow lists address ranges subscribers may be reached at
	// although the network guard refuses them (private networks,
	// link-local); loopback is always allowed, the emulator's own listener
	// never (--webhook-allow).
	WebhookAllow []netip.Prefix
	// Delivery tunes change-notification delivery: faults, limits, a
	// stopwatch for tests. The emulator sets its subscriptions, directory,
	// client, clock and logger.
	Delivery delivery.Options

	// Clock is the base clock (default: the system clock). The control
	// plane moves the emulator's time relative to it.
	Clock  clock.Clock
	Logger *slog.Logger
}

// Emulator is a running emulator.
type Emulator struct {
	opts    Options
	url     string
	log     *slog.Logger
	clock   *clock.Adjustable
	dir     *tenant.Directory
	idp     *idp.Provider
	api     *graphapi.API
	store   *graphapi.Store
	mailbox *graphapi.Mailbox
	faults  *graphapi.Faults
	thr     *graphapi.Throttle
	legacy  *graphapi.LegacyState
	subs    *graphapi.Subscriptions
	guard   *webhook.Guard
	deliver *delivery.Delivery
	act     *activity.Activity
	control http.Handler
	hosts   hostPolicy // which Host headers name this emulator
	srv     *http.Server
	ln      net.Listener
	ca      *tlsca.Authority // nil without TLS
	tlsConf *tls.Config      // nil without TLS

	mu     sync.Mutex // guards genCfg
	genCfg gen.Config

	closeOnce sync.Once
	served    chan error
}

func (o *Options) defaults() {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.TenantID == "" {
		o.TenantID = DefaultTenantID
	}
	if o.TenantDomain == "" {
		o.TenantDomain = DefaultTenantDomain
	}
	if o.TenantName == "" {
		o.TenantName = DefaultTenantName
	}
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if len(o.RedirectURIs) == 0 {
		o.RedirectURIs = []string{DefaultRedirectURI}
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// New starts an emulator: it listens, generates the tenant's data and
// serves until Close.
func New(opts Options) (*Emulator, error) {
	opts.defaults()
	ln := opts.Listener
	if ln == nil {
		if loopback, known := addrIsLoopback(opts.Addr); known {
			if err := checkExposure(opts, opts.Addr, loopback); err != nil {
				return nil, err
			}
		}
		var err error
		if ln, err = net.Listen("tcp", opts.Addr); err != nil {
			return nil, fmt.Errorf("emulator: listen on %s: %w", opts.Addr, err)
		}
	}
	if err := checkExposure(opts, ln.Addr().String(), loopbackOnly(ln.Addr())); err != nil {
		ln.Close()
		return nil, err
	}
	e, err := build(opts, ln)
	if err != nil {
		ln.Close()
		return nil, err
	}
	e.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      3 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
		TLSConfig:         e.tlsConf,
	}
	e.served = make(chan error, 1)
	go func() { e.served <- e.serve(ln) }()
	e.act.Start()
	control := "loopback only, no token"
	if e.ControlTokenRequired() {
		control = "token required"
	}
	opts.Logger.Info("emulator listening", "url", e.url, "addr", ln.Addr().String(), "control_plane", control)
	return e, nil
}

// ControlTokenRequired reports whether control-plane requests must carry
// Options.ControlToken.
func (e *Emulator) ControlTokenRequired() bool { return e.opts.ControlToken != "" }

func build(opts Options, ln net.Listener) (*Emulator, error) {
	base := strings.TrimRight(opts.PublicURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
		if opts.TLS {
			base = "https://" + ln.Addr().String()
		}
	}
	if opts.TLS && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("emulator: with TLS the public URL must be https, not %s", base)
	}
	e := &Emulator{
		opts: opts, url: base, log: opts.Logger, ln: ln,
		clock:   clock.NewAdjustable(opts.Clock),
		mailbox: graphapi.NewMailbox(0),
		faults:  graphapi.NewFaults(),
		thr:     graphapi.NewThrottle(opts.ThrottlePerMinute),
		subs:    graphapi.NewSubscriptions(),
		legacy:  &graphapi.LegacyState{},
	}
	e.legacy.SetRetired(opts.LegacyRetired)
	if opts.TLS {
		tc, err := e.serverTLS()
		if err != nil {
			return nil, err
		}
		e.tlsConf = tc
	}
	e.hosts = newHostPolicy(ln.Addr(), base)
	e.genCfg = gen.Config{
		Seed: opts.Seed, TenantID: opts.TenantID, Domain: opts.TenantDomain, TenantName: opts.TenantName,
		Users: opts.Users, LegacyAlerts: opts.LegacyAlerts, Alerts: opts.Alerts,
	}
	e.dir = tenant.NewDirectory(opts.TenantID, opts.TenantDomain, opts.TenantName)
	e.registerApp()
	g, err := e.generate(e.genCfg)
	if err != nil {
		return nil, err
	}
	e.store = graphapi.NewStore(g)
	e.idp, err = idp.New(idp.Options{
		BaseURL: base, Directory: e.dir, Clock: e.clock, Logger: opts.Logger,
		AccessTokenLifetime: opts.AccessTokenLifetime, PageHostAllowed: e.hosts.allows,
	})
	if err != nil {
		return nil, fmt.Errorf("emulator: identity provider: %w", err)
	}
	e.guard = newGuard(opts, ln, base)
	handshake := graphapi.ValidationTimeout
	if c := opts.WebhookClient; c != nil && c.Timeout > 0 && c.Timeout < handshake {
		handshake = c.Timeout
	}
	e.api = graphapi.New(graphapi.Options{
		BaseURL: base, Directory: e.dir, Verifier: e.idp, Store: e.store, Mailbox: e.mailbox,
		Faults: e.faults, Throttle: e.thr, Subscriptions: e.subs,
		Webhooks: e.guard.Client(handshake), WebhookGuard: e.guard,
		Clock: e.clock, Logger: opts.Logger, Legacy: e.legacy,
	})
	do := opts.Delivery
	do.Subscriptions, do.Directory, do.Client, do.Clock = e.subs, e.dir, e.guard.Client(0), e.clock
	do.Logger = opts.Logger.With("component", "delivery")
	e.deliver = delivery.New(do)
	e.store.AddSink(e.deliver)
	e.act = activity.New(activity.Options{
		Store: e.store, Clock: e.clock, Seed: opts.Seed, Rate: opts.Activity, VisibilityDelay: opts.VisibilityDelay,
		Analysts: e.analysts(), Logger: opts.Logger.With("component", "activity"),
	})
	e.control = e.controlPlane()
	return e, nil
}

// newGuard builds the network guard for requests to subscribers: the
// listener's address and the public URL's host are the emulator itself.
func newGuard(opts Options, ln net.Listener, base string) *webhook.Guard {
	cfg := webhook.Config{Allow: opts.WebhookAllow}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil {
		cfg.Self = append(cfg.Self, ap)
	}
	for _, u := range []string{base, "http://" + ln.Addr().String()} {
		if h, ok := webhook.SelfHost(u); ok {
			cfg.SelfHosts = append(cfg.SelfHosts, h)
		}
	}
	return webhook.New(cfg)
}

// analysts are the users who can change security data: the living
// tenant's analysts.
func (e *Emulator) analysts() []string {
	var out []string
	for _, u := range e.dir.Users() {
		if u.CanWriteSecurity() {
			out = append(out, u.UserPrincipalName)
		}
	}
	return out
}

// registerApp (re)creates the demo app registration and its consent.
func (e *Emulator) registerApp() {
	e.dir.PutApp(tenant.App{
		ClientID: e.opts.ClientID, DisplayName: "graphsec", ServicePrincipalID: servicePrincipalID(e.opts.ClientID),
		Secret: e.opts.ClientSecret, RedirectURIs: e.opts.RedirectURIs,
		Delegated: DelegatedPermissions(), Application: ApplicationPermissions(),
	})
	e.dir.RevokeAdminConsent(e.opts.ClientID)
	if !e.opts.Unconsented {
		e.dir.GrantAdminConsent(e.opts.ClientID, DelegatedPermissions(), ApplicationPermissions())
	}
}

// servicePrincipalID derives a stable object id for the app's service
// principal from its client id.
func servicePrincipalID(clientID string) string {
	h := sha256.Sum256([]byte("service-principal:" + clientID))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// generate builds a generator for cfg at the emulator's current time and
// installs its users in the directory.
func (e *Emulator) generate(cfg gen.Config) (*gen.Generator, error) {
	cfg.Now = e.clock.Now()
	g, err := gen.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("emulator: generate data: %w", err)
	}
	e.dir.SetUsers(g.Dataset().Users)
	return g, nil
}

// URL is the emulator's base URL, e.g. http://127.0.0.1:5001 (https with
// TLS).
func (e *Emulator) URL() string { return e.url }

// TenantID is the demo tenant's id.
func (e *Emulator) TenantID() string { return e.opts.TenantID }

// TenantDomain is the demo tenant's domain.
func (e *Emulator) TenantDomain() string { return e.opts.TenantDomain }

// ClientID is the demo app's client id.
func (e *Emulator) ClientID() string { return e.opts.ClientID }

// ClientSecret is the demo app's client secret.
func (e *Emulator) ClientSecret() string { return e.opts.ClientSecret }

// AuthorityURL is the tenant-specific authority, {URL}/{tenant id}.
func (e *Emulator) AuthorityURL() string { return e.url + "/" + e.opts.TenantID }

// Clock is the emulator's clock; tests move it to expire tokens.
func (e *Emulator) Clock() *clock.Adjustable { return e.clock }

// Users lists the demo tenant's users.
func (e *Emulator) Users() []tenant.User { return e.dir.Users() }

// Mailbox holds every message sent through sendMail.
func (e *Emulator) Mailbox() *graphapi.Mailbox { return e.mailbox }

// Subscriptions holds the change-notification subscriptions clients created.
func (e *Emulator) Subscriptions() *graphapi.Subscriptions { return e.subs }

// Delivery sends change and lifecycle notifications to subscribers;
// tests read its statistics and Flush it instead of sleeping.
func (e *Emulator) Delivery() *delivery.Delivery { return e.deliver }

// Activity is the living tenant: tests drive it with Step or SetRate.
func (e *Emulator) Activity() *activity.Activity { return e.act }

// Faults is the queue of failures to inject.
func (e *Emulator) Faults() *graphapi.Faults { return e.faults }

// Store is the emulator's data.
func (e *Emulator) Store() *graphapi.Store { return e.store }

// AppToken returns an app-only access token for the demo app, as the
// client credentials grant would issue it.
func (e *Emulator) AppToken() (string, error) { return e.idp.IssueAppToken(e.opts.ClientID) }

// UserToken returns a delegated access token for a user (by UPN or id),
// limited to what is consented, as a sign-in would issue it.
func (e *Emulator) UserToken(user string, scopes ...string) (string, error) {
	if len(scopes) == 0 {
		scopes = DelegatedPermissions()
	}
	return e.idp.IssueUserToken(e.opts.ClientID, user, scopes)
}

// Close stops serving, waiting briefly for requests in flight.
func (e *Emulator) Close() error {
	var err error
	e.closeOnce.Do(func() {
		e.act.Close()
		e.deliver.Close()
		e.guard.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = e.srv.Shutdown(ctx)
		if serr := <-e.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	})
	return err
}

// ServeHTTP routes by the first path segment: Graph versions, the control
// plane, and everything else to the identity platform.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			e.log.Error("emulator: panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	// A browser's request must name the emulator itself whatever it asks
	// for: with DNS rebinding a page could otherwise mint an app token with
	// the (public) demo secret at the token endpoint and read Graph with
	// it. Non-browser clients, which may know the emulator by a container's
	// service name, send neither header.
	if fromBrowser(r) && !e.hosts.allows(r.Host) {
		e.refuseHost(w, r)
		return
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch strings.ToLower(first) {
	case "v1.0", "beta":
		e.api.ServeHTTP(w, r)
	case "_emulator", "":
		e.control.ServeHTTP(w, r)
	case "favicon.ico":
		http.NotFound(w, r)
	default:
		e.idp.ServeHTTP(w, r)
	}
}
