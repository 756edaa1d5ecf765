package graphapi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/graphsec/graphsec/emulator/idp"
	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/emulator/webhook"
	"github.com/graphsec/graphsec/internal/clock"
)

// Verifier checks access tokens; the identity provider implements it.
type Verifier interface {
	VerifyAccessToken(raw string) (*idp.Claims, error)
}

// Options wires the API to the rest of the emulator.
type Options struct {
	BaseURL   string // public base URL, no trailing slash
	Directory *tenant.Directory
	Verifier  Verifier
	Store     *Store
	Mailbox   *Mailbox
	Faults    *Faults
	Throttle  *Throttle
	// Subscriptions holds change-notification subscriptions (default: a
	// new, empty store).
	Subscriptions *Subscriptions
	// Webhooks sends the subscription validation requests. Its Timeout,
	// when set, shortens the 10-second limit Graph gives an endpoint (tests
	// use a short one); redirects are never followed. Default: the
	// guard's client with a 10-second timeout.
	Webhooks *http.Client
	// WebhookGuard is the network guard for subscribers' URLs: it decides
	// where plain http is accepted and, by default, sends the handshake
	// (default: a guard with no extra allowed ranges).
	WebhookGuard *webhook.Guard
	Clock        clock.Clock
	Logger       *slog.Logger
	// Legacy switches the legacy alerts API to its retired behaviour
	// (default: live).
	Legacy *LegacyState
}

// API is the Graph request handler.
type API struct {
	baseURL  string
	dir      *tenant.Directory
	verifier Verifier
	store    *Store
	mailbox  *Mailbox
	faults   *Faults
	throttle *Throttle
	subs     *Subscriptions
	webhooks *http.Client
	guard    *webhook.Guard
	clock    clock.Clock
	log      *slog.Logger
	schema   *model.Schema
	legacy   *LegacyState
	mux      *http.ServeMux
	bufs     sync.Pool // *[]byte response buffers (buffer, recycle)
	hsts     bool      // send Strict-Transport-Security (see New)
}

// New builds the API.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Faults == nil {
		o.Faults = NewFaults()
	}
	if o.Throttle == nil {
		o.Throttle = NewThrottle(0)
	}
	if o.Mailbox == nil {
		o.Mailbox = NewMailbox(0)
	}
	if o.Subscriptions == nil {
		o.Subscriptions = NewSubscriptions()
	}
	if o.WebhookGuard == nil {
		o.WebhookGuard = webhook.New(webhook.Config{})
	}
	if o.Webhooks == nil {
		o.Webhooks = o.WebhookGuard.Client(ValidationTimeout)
	}
	a := &API{
		baseURL: strings.TrimRight(o.BaseURL, "/"), dir: o.Directory, verifier: o.Verifier,
		store: o.Store, mailbox: o.Mailbox, faults: o.Faults, throttle: o.Throttle,
		subs: o.Subscriptions, webhooks: o.Webhooks, guard: o.WebhookGuard,
		clock: o.Clock, log: o.Logger, schema: model.Graph(), legacy: o.Legacy, mux: http.NewServeMux(),
	}
	// Graph sends HSTS. Browsers honour it only over https, and per host
	// without regard to port: an emulator on https://localhost would make
	// them refuse http://localhost:5000, graphsec's own console, for a
	// year. So an https emulator on a loopback host leaves it out.
	a.hsts = true
	if u, err := url.Parse(a.baseURL); err == nil && u.Scheme == "https" && loopbackHost(u.Hostname()) {
		a.hsts = false
	}
	a.routes()
	return a
}

// handlerFunc handles one route; it returns an error to have it written as
// a Graph error body.
type handlerFunc func(c *call) error

// methods dispatches on the HTTP method. Graph answers other methods with
// 405 and its own error shape.
type methods map[string]handlerFunc

type callKey struct{}

// routes lists every Graph path the emulator serves. Paths are matched in
// lower case because Graph's URL segments are case-insensitive.
func (a *API) routes() {
	handle := func(pattern string, m methods) {
		a.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := r.Context().Value(callKey{}).(*call)
			c.r = r
			h, ok := m[r.Method]
			if !ok {
				allow := make([]string, 0, len(m))
				for k := range m {
					allow = append(allow, k)
				}
				w.Header().Set("Allow", strings.Join(allow, ", "))
				c.fail(errorf(http.StatusMethodNotAllowed, "BadRequest", "Specified HTTP method is not allowed for the request target."))
				return
			}
			if err := h(c); err != nil {
				c.fail(err)
			}
		}))
	}
	list := func(pattern string, m methods) {
		handle(pattern, m)
		handle(pattern+"/{$}", m)
	}

	list("/{ver}/me", methods{"GET": a.getMe})
	handle("/{ver}/me/sendmail", methods{"POST": a.sendMailMe})
	list("/{ver}/me/memberof/microsoft.graph.directoryrole", methods{"GET": a.listMyDirectoryRoles})
	list("/{ver}/users", methods{"GET": a.listUsers})
	handle("/{ver}/users/{id}", methods{"GET": a.getUser})
	handle("/{ver}/users/{id}/sendmail", methods{"POST": a.sendMailUser})

	list("/{ver}/security/alerts", methods{"GET": a.unlessRetired(a.listLegacyAlerts)})
	handle("/{ver}/security/alerts/{id}", methods{"GET": a.unlessRetired(a.getLegacyAlert), "PATCH": a.unlessRetired(a.updateLegacyAlert)})

	list("/{ver}/security/alerts_v2", methods{"GET": a.listAlerts})
	handle("/{ver}/security/alerts_v2/{id}", methods{"GET": a.getAlert, "PATCH": a.updateAlert})
	list("/{ver}/security/alerts_v2/{id}/comments", methods{"POST": a.commentAlert})

	list("/{ver}/security/incidents", methods{"GET": a.listIncidents})
	handle("/{ver}/security/incidents/{id}", methods{"GET": a.getIncident, "PATCH": a.updateIncident})
	list("/{ver}/security/incidents/{id}/alerts", methods{"GET": a.listIncidentAlerts})
	list("/{ver}/security/incidents/{id}/comments", methods{"POST": a.commentIncident})

	list("/{ver}/security/securescores", methods{"GET": a.listSecureScores})
	handle("/{ver}/security/securescores/{id}", methods{"GET": a.getSecureScore})
	list("/{ver}/security/securescorecontrolprofiles", methods{"GET": a.listControlProfiles})
	handle("/{ver}/security/securescorecontrolprofiles/{id}", methods{"GET": a.getControlProfile, "PATCH": a.updateControlProfile})

	list("/{ver}/security/securityactions", methods{"GET": a.listActions, "POST": a.createAction})
	handle("/{ver}/security/securityactions/{id}", methods{"GET": a.getAction})
	handle("/{ver}/security/securityactions/{id}/cancelsecurityaction", methods{"POST": a.cancelAction})
	handle("/{ver}/security/securityactions/{id}/microsoft.graph.cancelsecurityaction", methods{"POST": a.cancelAction})

	list("/{ver}/subscriptions", methods{"GET": a.listSubscriptions, "POST": a.createSubscription})
	handle("/{ver}/subscriptions/{id}", methods{"GET": a.getSubscription, "PATCH": a.renewSubscription, "DELETE": a.deleteSubscription})
	handle("/{ver}/subscriptions/{id}/reauthorize", methods{"POST": a.reauthorizeSubscription})
	handle("/{ver}/subscriptions/{id}/microsoft.graph.reauthorize", methods{"POST": a.reauthorizeSubscription})

	a.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		c.fail(badRequest("Resource not found for the segment '%s'.", unknownSegment(r.URL.Path)))
	}))
}

// unknownSegment picks the segment Graph would name in its "Resource not
// found for the segment" message: the first one after the version that no
// route knows.
func unknownSegment(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 1 {
		segs = segs[1:]
	}
	known := map[string]bool{"security": true, "users": true, "me": true}
	for _, s := range segs {
		if !known[s] {
			return s
		}
	}
	return segs[len(segs)-1]
}

// keySegment matches OData key syntax such as users('$x@contoso.com') so it
// can be rewritten to the plain users/$x@contoso.com form.
var keySegment = regexp.MustCompile(`^([A-Za-z_0-9]+)\('([^']*)'\)$`)

// ServeHTTP serves /v1.0/... and /beta/....
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := a.clock.Now()
	c := &call{w: w, r: r, api: a, now: now, requestID: newGUID()}
	c.clientRequestID = r.Header.Get("client-request-id")
	if c.clientRequestID == "" || len(c.clientRequestID) > 128 {
		c.clientRequestID = c.requestID
	}
	c.includeUnknownEnums, c.returnRepresentation = parsePrefer(r.Header)
	h := w.Header()
	h.Set("request-id", c.requestID)
	h.Set("client-request-id", c.clientRequestID)
	h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Local Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"graphsec-emulator"}}`)
	h.Set("OData-Version", "4.0")
	h.Set("Cache-Control", "no-cache")
	if a.hsts {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}

	path := r.URL.Path
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	c.version = segs[0]
	for i, s := range segs {
		// Most segments are plain names: only one ending in ') can be key syntax.
		if !strings.HasSuffix(s, "')") {
			continue
		}
		if m := keySegment.FindStringSubmatch(s); m != nil {
			segs[i] = m[1] + "/" + m[2]
		}
	}
	for _, sg := range segs[1:] {
		// Graph treats dot segments as names; ServeMux would clean them
		// and redirect to another resource, so refuse them here.
		if sg == "." || sg == ".." || strings.HasPrefix(sg, "..") && strings.Contains(sg, "/") {
			c.refuse(badRequest("Resource not found for the segment '%s'.", sg))
			return
		}
	}
	if c.version != "v1.0" && c.version != "beta" {
		c.refuse(badRequest("Invalid version: %s", c.version))
		return
	}
	rel := "/" + strings.Join(segs[1:], "/")

	if err := a.faults.apply(r.Context(), r.Method, strings.ToLower(rel)); err != nil {
		c.refuse(err)
		return
	}
	if err := c.authenticate(); err != nil {
		c.refuse(err)
		return
	}
	if strings.HasPrefix(strings.ToLower(rel), "/security") {
		if err := a.throttle.take(c.who.claims.AppID+"/"+c.who.claims.TenantID, now); err != nil {
			c.refuse(err)
			return
		}
	}

	r2 := r.Clone(context.WithValue(r.Context(), callKey{}, c))
	r2.URL.Path = strings.ToLower("/" + c.version + rel)
	r2.URL.RawPath = ""
	a.mux.ServeHTTP(w, r2)
}

// refuse answers a request with err before any handler has read its
// body (a bad path, an injected fault, a missing or expired token,
// throttling), reading and discarding the body first (bounded as
// readBody bounds it). Graph's front door takes the whole request before
// it answers; an emulator that answered first would race the client's
// body upload (over HTTP/2 the client then abandons it), and the SDK's
// retry of that request would depend on who won.
func (c *call) refuse(err error) {
	if c.r.Body != nil {
		io.Copy(io.Discard, http.MaxBytesReader(c.w, c.r.Body, maxWireBody))
	}
	c.fail(err)
}

// loopbackHost reports whether host names this machine: localhost, a name
// under .localhost, or a loopback address.
func loopbackHost(host string) bool {
	if webhook.IsLoopbackName(host) {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
