// Package webtest is the console's shared test support: a console wired
// to an in-process emulator the way `go run ./cmd/graphsec` wires them
// (Harness), helpers to sign in, read pages and post forms through
// emulator/emutest's scripted browser, a record of what the console sent
// to Graph (GraphLog), canned Graph answers for benchmarks (Canned), and
// the chromedp helpers of the browser tests (Browser). Every feature's
// tests use it.
//
// It is test support: only _test.go files import it. It may import the
// emulator; the console's own packages may not (internal/web's
// guard_test.go checks both).
package webtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/lease"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store/sqlite"
	"github.com/graphsec/graphsec/internal/web"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Harness is a console wired to an in-process emulator, with a fast retry
// policy.
type Harness struct {
	T       testing.TB
	Handler http.Handler
	Emu     *emulator.Emulator
	// URL is the console's base URL.
	URL string
	// Clock is the emulator's clock (the console's too with
	// Options.ConsoleClock).
	Clock *clock.Adjustable
	// Graph records every request the console sent to the emulator.
	Graph *GraphLog
	// Server is the console (Reconcile).
	Server *web.Server
	// Store is the console's database; Live its live alerts (with
	// Options.Live) and Registry the registry its metrics are on.
	Store    *sqlite.Store
	Live     *notify.Live
	Registry *prometheus.Registry
	// Watcher and Upkeep are live alerts' sources (Options.Feeds).
	Watcher *notify.Watcher
	Upkeep  *notify.Upkeep
}

// Options adjust a Harness.
type Options struct {
	Emulator emulator.Options
	// GraphTransport, when set, wraps the transport the console uses for
	// Graph and the identity platform (benchmarks answer Graph from memory).
	GraphTransport func(http.RoundTripper) http.RoundTripper
	// RewriteAlert, when set, puts a proxy between the console and Graph
	// that passes every single alerts_v2 alert GET through it (to serve data
	// the emulator would not produce, such as evidence types it lacks).
	RewriteAlert func(alert map[string]any)
	// ConsoleClock gives the console the emulator's clock, so that moving
	// one moves both.
	ConsoleClock bool
	// PageTokens bound the console's page links.
	PageTokens page.TokenOptions
	// GraphTimeout bounds each request to Graph (default: the console's).
	GraphTimeout time.Duration
	// FormWait is how long a form sent twice waits for the first one.
	FormWait time.Duration
	// Live mounts live alerts (notify.NewLive on the console's store),
	// with Lifecycle as its lifecycle handler when set.
	Live      bool
	Lifecycle notify.LifecycleHandler
	// Lease, when set, is the console's leader election (/readyz says
	// its role).
	Lease interface{ State() lease.State }
	// Feeds, with Live, adds live alerts' sources as the console wires
	// them: the watcher and the subscription upkeep (the emulator
	// delivers to the console's /listen over loopback http), running in
	// the background, polling every WatchInterval (default 1 s), and the
	// pages that use them (/subscriptions, /watches, /notifications).
	Feeds         bool
	WatchInterval time.Duration
	// AsRealTenant makes the upkeep treat Graph as Microsoft's (not the
	// emulator, which delivers to loopback http): the console's loopback
	// URL is then no public URL, and subscribing is refused.
	AsRealTenant bool
}

// New starts an emulator (seed 3 unless set) and a console on it.
func New(t testing.TB, opts ...Options) *Harness {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	srv := httptest.NewUnstartedServer(nil)
	consoleURL := "http://" + srv.Listener.Addr().String()
	eo := o.Emulator
	if eo.Seed == 0 {
		eo.Seed = 3
	}
	eo.RedirectURIs = []string{consoleURL + "/login/authorized", consoleURL + "/signed-out"}
	emu, err := emulator.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	graphURL := emu.URL()
	if o.RewriteAlert != nil {
		graphURL = rewritingProxy(t, emu, o.RewriteAlert)
	}
	st, err := sqlite.Open(context.Background(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := &GraphLog{}
	var rt http.RoundTripper = http.DefaultTransport
	if o.GraphTransport != nil {
		rt = o.GraphTransport(rt)
	}
	httpc := &http.Client{Timeout: 30 * time.Second, Transport: log.wrap(rt)}
	ao := auth.Options{
		AuthorityURL: emu.URL(), Tenant: emu.TenantID(), ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(),
		RedirectURL: consoleURL + "/login/authorized", Store: st, Key: []byte("0123456789abcdef0123456789abcdef"), HTTPClient: httpc,
		GraphURL: graphURL,
	}
	if o.ConsoleClock {
		ao.Clock = emu.Clock()
	}
	am, err := auth.New(ao)
	if err != nil {
		t.Fatal(err)
	}
	wo := web.Options{
		Auth: am, Store: st, GraphURL: graphURL, AuthorityURL: emu.URL(), PublicURL: consoleURL, GraphHTTP: httpc,
		Emulator:   &web.EmulatorInfo{URL: emu.URL()},
		Retry:      graph.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxTotalWait: 10 * time.Second},
		PageTokens: o.PageTokens, GraphTimeout: o.GraphTimeout, FormWait: o.FormWait, Lease: o.Lease,
	}
	if o.ConsoleClock {
		wo.Clock = emu.Clock()
	}
	var reg *prometheus.Registry
	if o.Live {
		reg = prometheus.NewRegistry()
		wo.Live, err = notify.NewLive(notify.LiveOptions{Store: st, Registry: reg, Lifecycle: o.Lifecycle, Clock: wo.Clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(wo.Live.Close)
		if o.Feeds {
			startFeeds(t, &wo, o, st, am)
		}
	}
	s, err := web.New(wo)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	if wo.Live != nil {
		t.Cleanup(wo.Live.CloseStreams) // before srv.Close, which waits for them
	}
	return &Harness{T: t, Handler: s.Handler(), Emu: emu, URL: consoleURL, Clock: emu.Clock(), Graph: log, Server: s,
		Store: st, Live: wo.Live, Registry: reg, Watcher: wo.Watcher, Upkeep: wo.Upkeep}
}

// startFeeds builds the watcher, the upkeep and the enricher as the
// console does, on the live alerts of wo, and runs them until the test ends (before the
// sink they write through closes).
func startFeeds(t testing.TB, wo *web.Options, o Options, st *sqlite.Store, am *auth.Manager) {
	t.Helper()
	interval := o.WatchInterval
	if interval <= 0 {
		interval = time.Second
	}
	w, err := notify.NewWatcher(notify.Options{
		Feeds: wo.Live.Feeds, Checkpoints: st, Notifications: st, Sink: wo.Live.Sink, Credentials: am,
		GraphURL: wo.GraphURL, HTTPClient: wo.GraphHTTP, Clock: wo.Clock, Interval: interval, Metrics: wo.Live.Metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := notify.NewUpkeep(w, notify.UpkeepOptions{PublicURL: wo.PublicURL, Emulator: !o.AsRealTenant})
	if err != nil {
		t.Fatal(err)
	}
	en, err := w.NewEnricher(notify.EnricherOptions{Store: st, Broker: wo.Live.Broker, Interval: min(interval, 250*time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	wo.Live.Receiver.SetLifecycle(u)
	wo.Watcher, wo.Upkeep = w, u
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(ctx) })
	wg.Go(func() { _ = u.Run(ctx) })
	wg.Go(func() { _ = en.Run(ctx) })
	// Cleanups run last first: this one runs before Live.Close.
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// User returns the id of the first demo user holding role ("" for a user
// without any).
func (h *Harness) User(role string) string {
	for _, u := range h.Emu.Users() {
		if role == "" && len(u.Roles) == 0 {
			return u.ID
		}
		if slices.Contains(u.Roles, role) {
			return u.ID
		}
	}
	h.T.Fatalf("no demo user with role %q", role)
	return ""
}

// UPN returns a demo user's user principal name.
func (h *Harness) UPN(id string) string {
	for _, u := range h.Emu.Users() {
		if u.ID == id {
			return u.UserPrincipalName
		}
	}
	return ""
}

// SignIn signs a new browser in as userID starting at path, and returns
// the browser and the page it lands on.
func (h *Harness) SignIn(userID, path string) (*emutest.Browser, *emutest.Page) {
	h.T.Helper()
	b := emutest.NewBrowser()
	p, err := h.SignInWith(b, path, userID, emutest.SignInOptions{})
	if err != nil {
		h.T.Fatal(err)
	}
	return b, p
}

// Lang makes the browser ask for lang ("en", "ja") as the language switch
// does, with the language cookie.
func (h *Harness) Lang(b *emutest.Browser, lang string) {
	b.Client.Jar.SetCookies(MustURL(h.URL), []*http.Cookie{{Name: i18n.CookieName, Value: lang, Path: "/"}})
}

// SignInWith opens path in b and, when it leads to the console's sign-in
// page, presses its button and goes through the emulator's pages as
// userID (emutest.Browser.SignIn), as a person would. It returns where the
// browser lands.
func (h *Harness) SignInWith(b *emutest.Browser, path, userID string, o emutest.SignInOptions) (*emutest.Page, error) {
	return SignIn(b, h.URL+path, userID, o)
}

// SignIn is Harness.SignInWith for any console: it opens startURL (a
// console page) in b, presses the console's sign-in button when the page
// asks to sign in, and signs in as userID at the emulator.
func SignIn(b *emutest.Browser, startURL, userID string, o emutest.SignInOptions) (*emutest.Page, error) {
	p, err := b.Navigate(startURL, "")
	if err != nil {
		return nil, err
	}
	if !IsSignInPage(p) {
		return p, nil
	}
	if p, err = b.Submit(p, "signin", "microsoft"); err != nil {
		return nil, err
	}
	if p.Location == "" {
		return p, nil // the console refused to start (busy)
	}
	return b.SignIn(p.Location, userID, o)
}

// IsSignInPage reports whether p is the console's sign-in page (a form
// with its "Sign in" button).
func IsSignInPage(p *emutest.Page) bool {
	return p.URL.Path == "/login" || strings.Contains(p.Body, `name="signin" value="microsoft"`)
}

// SignInAs signs a new browser in as the first demo user holding role and
// returns it with the CSRF token of the page it lands on.
func (h *Harness) SignInAs(role, path string) (*emutest.Browser, string) {
	h.T.Helper()
	b, p := h.SignIn(h.User(role), path)
	return b, CSRF(h.T, p)
}

// Get reads a console page (following redirects within the console).
func (h *Harness) Get(b *emutest.Browser, path string) *emutest.Page {
	h.T.Helper()
	p, err := b.Navigate(h.URL+path, "")
	if err != nil {
		h.T.Fatal(err)
	}
	return p
}

// formRequest is a same-origin form post with the CSRF token.
func (h *Harness) formRequest(path, csrf string, form url.Values) *http.Request {
	if form == nil {
		form = url.Values{}
	}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, h.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", h.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req
}

// Post submits a form as the page's own form would, with the page's CSRF
// token, and follows a redirect.
func (h *Harness) Post(b *emutest.Browser, path, csrf string, form url.Values) *emutest.Page {
	h.T.Helper()
	p, err := b.Do(h.formRequest(path, csrf, form))
	if err != nil {
		h.T.Fatal(err)
	}
	if p2, err := b.Follow(p, ""); err == nil {
		return p2
	}
	return p
}

// PostRaw posts a form like Post but returns the first answer, without
// following a redirect (its body is closed).
func (h *Harness) PostRaw(b *emutest.Browser, path, csrf string, form url.Values) *http.Response {
	h.T.Helper()
	res, err := b.Client.Do(h.formRequest(path, csrf, form))
	if err != nil {
		h.T.Fatal(err)
	}
	res.Body.Close()
	return res
}

// FormFields returns the hidden fields of the form on p that posts to
// action (the "formguard": csrf, formtoken, from), to which a test adds
// what a user would type.
func FormFields(t testing.TB, p *emutest.Page, action string) url.Values {
	t.Helper()
	for _, f := range p.Forms() {
		if f.Action != action {
			continue
		}
		v := url.Values{}
		for _, c := range f.Controls {
			if c.Type == "hidden" && c.Name != "" {
				v.Add(c.Name, c.Value)
			}
		}
		return v
	}
	t.Fatalf("no form posting to %s on %s (%d)", action, p.URL, p.Status)
	return nil
}

// CSRF finds the CSRF token in a page's forms.
func CSRF(t testing.TB, p *emutest.Page) string {
	t.Helper()
	for _, f := range p.Forms() {
		for _, c := range f.Controls {
			if c.Name == "csrf" && c.Value != "" {
				return c.Value
			}
		}
	}
	t.Fatalf("no CSRF token on %s (%d)", p.URL, p.Status)
	return ""
}

// Ctl calls the emulator's control plane and returns the status and body.
func (h *Harness) Ctl(method, path string, body any) (int, []byte) {
	h.T.Helper()
	status, out, err := emutest.ControlPlane(h.Emu.URL(), method, path, body)
	if err != nil {
		h.T.Fatal(err)
	}
	return status, out
}

// RaiseAlert raises an alerts_v2 alert through the control plane and
// returns its id and incident id.
func (h *Harness) RaiseAlert(props map[string]any) (id, incident string) {
	h.T.Helper()
	status, body := h.Ctl(http.MethodPost, "/_emulator/alerts", props)
	if status != http.StatusCreated {
		h.T.Fatalf("raising an alert: %d %s", status, body)
	}
	var a struct {
		ID         string `json:"id"`
		IncidentID string `json:"incidentId"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.ID == "" {
		h.T.Fatalf("raising an alert: %v %s", err, body)
	}
	return a.ID, a.IncidentID
}

// Cookies returns req with the browser's cookies for the console (a
// benchmark sends requests to h.Handler directly).
func (h *Harness) Cookies(b *emutest.Browser, req *http.Request) *http.Request {
	for _, c := range b.Client.Jar.Cookies(MustURL(h.URL)) {
		req.AddCookie(c)
	}
	return req
}

// Evidence is an evidence entry of type typ (userEvidence, ...) with the
// base members the emulator requires, and members.
func Evidence(typ string, members map[string]any) map[string]any {
	e := map[string]any{
		"@odata.type": "#microsoft.graph.security." + typ, "createdDateTime": "2026-11-20T10:00:00Z",
		"roles": []string{}, "verdict": "suspicious", "remediationStatus": "none",
	}
	for k, v := range members {
		e[k] = v
	}
	return e
}

// Section returns the part of body from the element with id to the end of
// the next closing tag named end, or fails.
func Section(t testing.TB, body, id, end string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element with id %q on the page", id)
	}
	j := strings.Index(body[i:], "</"+end+">")
	if j < 0 {
		t.Fatalf("element %q is not closed by </%s>", id, end)
	}
	return body[i : i+j]
}

// MustURL parses s or panics.
func MustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// rewritingProxy serves the emulator through a proxy that rewrites each
// single alerts_v2 alert GET, and returns the proxy's URL.
func rewritingProxy(t testing.TB, emu *emulator.Emulator, rewrite func(map[string]any)) string {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/security/alerts_v2/") {
			emu.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var doc map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(body, &doc) == nil {
			rewrite(doc)
			body, _ = json.Marshal(doc)
		}
		for k, vs := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// GraphLog records the requests the console sends to Graph and the
// identity platform (one emulator serves both).
type GraphLog struct {
	mu   sync.Mutex
	reqs []*url.URL
}

func (l *GraphLog) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		u := *r.URL
		l.mu.Lock()
		l.reqs = append(l.reqs, &u)
		l.mu.Unlock()
		return next.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Reset forgets what was recorded.
func (l *GraphLog) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// Requests returns the recorded requests whose path ends in suffix
// ("/security/alerts_v2"; "" for all).
func (l *GraphLog) Requests(suffix string) []*url.URL {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*url.URL
	for _, u := range l.reqs {
		if strings.HasSuffix(u.Path, suffix) {
			out = append(out, u)
		}
	}
	return out
}
