// Package web is graphsec's console, a server-rendered web app for
// security analysts, and this package is its shell: the Server, every
// route (routes.go, where each feature is mounted), the middleware around
// them (request id, logging, panics, security headers and the
// Content-Security-Policy, cross-origin protection, the canonical loopback
// host), the layout and navigation (templates/layout.html), fingerprinted
// static files, health and readiness, and the sign-in pages.
//
// Pages are built with the page kit (internal/web/page) and live in one
// package per feature: internal/web/alerts, internal/web/incidents,
// internal/web/legacy. Shared test support (a console wired to an
// in-process emulator, the browser helpers) is internal/web/webtest.
//
// The console never spells a Graph path, header or permission: the graph
// package owns them (guard_test.go checks).
package web

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/lease"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/actions"
	"github.com/graphsec/graphsec/internal/web/alerts"
	"github.com/graphsec/graphsec/internal/web/home"
	"github.com/graphsec/graphsec/internal/web/incidents"
	"github.com/graphsec/graphsec/internal/web/legacy"
	"github.com/graphsec/graphsec/internal/web/live"
	"github.com/graphsec/graphsec/internal/web/mail"
	"github.com/graphsec/graphsec/internal/web/page"
	"github.com/graphsec/graphsec/internal/web/score"
)

//go:embed templates/layout.html templates/shell/*.html
var templateFS embed.FS

// Store is the part of the store the console uses: readiness, the
// activity log and its reconciliation, the forms sessions sent, and page
// tokens and flashes (sessions themselves are auth's). Everything a user's
// requests rely on between two requests is in it, so that replicas
// sharing one database can answer any request.
type Store interface {
	Ping(ctx context.Context) error
	page.ActivityStore
	page.ReconcileStore
	page.FormStore
	store.Tokens
	// ListNotifications and ListFeeds list live items and the feeds
	// they came through, and JournalOldest tells how far behind the
	// receiver's acknowledgements they are, for the live page
	// (store.Notifications, store.Feeds, store.Journal).
	ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, error)
	ListFeeds(ctx context.Context, f store.FeedFilter) ([]store.Feed, error)
	JournalOldest(ctx context.Context) (time.Time, error)
}

// Options wire the console to its dependencies.
type Options struct {
	Auth  *auth.Manager
	Store Store
	// GraphURL is Graph's base URL (https://graph.microsoft.com, or the
	// emulator's).
	GraphURL string
	// AuthorityURL is the identity platform's base URL (for the
	// Content-Security-Policy's form-action).
	AuthorityURL string
	// PublicURL is the console's own base URL.
	PublicURL string
	// GraphHTTP is the shared HTTP client for Graph (connection pool).
	GraphHTTP *http.Client
	// Retry configures retries of Graph calls (tests shorten waits). A
	// page waits for Graph at most RetryBudget in all, whatever
	// Retry.MaxTotalWait says.
	Retry graph.RetryPolicy
	// RetryBudget is the longest a page waits for a throttled Graph
	// before it answers 429 with Retry-After (default DefaultRetryBudget).
	RetryBudget time.Duration
	// GraphTimeout bounds one request to Graph (default 60 s).
	GraphTimeout time.Duration
	// ReadyCache is how long /readyz reuses its last answer (default
	// DefaultReadyCache).
	ReadyCache time.Duration
	// FormWait is how long a form sent twice waits for the first
	// submission's outcome (default page.DefaultFormWait).
	FormWait time.Duration
	Clock    clock.Clock
	Logger   *slog.Logger
	// Emulator is set when graphsec runs its embedded emulator: the UI says
	// so and links to its overview and mailbox.
	Emulator *EmulatorInfo
	// Secure marks the console as served over https (cookies, HSTS).
	Secure bool
	// PageTokens bound the page links of paged lists (zero: defaults).
	PageTokens page.TokenOptions
	// Live, when set, mounts live alerts: Graph's notification receiver
	// (/listen, /listen/lifecycle), the live stream and /metrics.
	Live *notify.Live
	// Lease, when set, is this replica's leader election: /readyz says
	// its role.
	Lease interface{ State() lease.State }
	// Watcher and Upkeep, with Live, mount the live-alerts pages
	// (/subscriptions, /watches, /notifications; internal/web/live) and
	// the queues' "Watch this view".
	Watcher *notify.Watcher
	Upkeep  *notify.Upkeep
}

// EmulatorInfo describes the embedded emulator for the UI.
type EmulatorInfo = page.EmulatorInfo

// Defaults of Options.
const (
	// DefaultRetryBudget: a page holds its answer while Graph throttles for
	// up to 10 seconds (the browser shows it loading); a longer wait is a
	// 429 page that reloads itself when Graph allows.
	DefaultRetryBudget = 10 * time.Second
	// DefaultReadyCache: /readyz checks the database, Graph and the
	// identity platform at most once per 5 seconds.
	DefaultReadyCache = 5 * time.Second
)

// Server is the console.
type Server struct {
	o         Options
	log       *slog.Logger
	i18n      *i18n.Bundle
	kit       *page.Kit
	static    *staticFiles
	csp       string
	handler   http.Handler
	ready     readiness
	reconcile *page.Reconciler
	// appTokens are the console's own app-only tokens, kept (and renewed)
	// for the server's life: pages that call Graph as the application
	// (security actions) share them.
	appTokens graph.TokenSource
	// mail is "Email this alert", whose message templates are parsed at
	// start-up.
	mail *mail.Pages
}

// New parses the templates (a broken template fails here, not on a user's
// request), fingerprints the static files and builds the handler.
func New(o Options) (*Server, error) {
	if o.Auth == nil || o.Store == nil || o.GraphURL == "" || o.GraphHTTP == nil {
		return nil, errors.New("web: Auth, Store, GraphURL and GraphHTTP are required")
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.RetryBudget <= 0 {
		o.RetryBudget = DefaultRetryBudget
	}
	if o.GraphTimeout <= 0 {
		o.GraphTimeout = 60 * time.Second
	}
	if o.ReadyCache <= 0 {
		o.ReadyCache = DefaultReadyCache
	}
	o.GraphURL = strings.TrimRight(o.GraphURL, "/")
	s := &Server{o: o, log: o.Logger, appTokens: o.Auth.AppTokens(context.Background())}
	var err error
	if s.static, err = newStaticFiles(); err != nil {
		return nil, err
	}
	if s.i18n, err = i18n.New(o.Clock); err != nil {
		return nil, err
	}
	layout, _ := fs.Sub(templateFS, "templates")
	shell, _ := fs.Sub(templateFS, "templates/shell")
	s.kit, err = page.New(page.Options{
		Layout: layout,
		Pages: []page.Templates{{Set: "web", FS: shell}, alerts.Templates(), incidents.Templates(), home.Templates(), legacy.Templates(), live.Templates(),
			score.Templates(), actions.Templates(), mail.Templates()},
		Funcs:    map[string]any{"static": s.static.url},
		I18n:     s.i18n,
		Sessions: o.Auth, Graph: s.graphClient, Forms: o.Store, Drafts: o.Auth, FormWait: o.FormWait,
		TokenStore: o.Store, Tokens: page.NewPageTokens(o.Store, o.Clock, o.PageTokens),
		Clock: o.Clock, Logger: o.Logger, Emulator: o.Emulator, Live: s.livePages(),
	})
	if err != nil {
		return nil, err
	}
	s.csp = contentSecurityPolicy(o.AuthorityURL)
	if s.mail, err = mail.New(mail.Deps{Activity: page.NewActivityLog(o.Store, o.Clock, o.Logger), PublicURL: o.PublicURL, Emulator: o.Emulator}); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	checkers := alerts.Checkers()
	maps.Copy(checkers, incidents.Checkers())
	maps.Copy(checkers, legacy.Checkers())
	maps.Copy(checkers, score.Checkers())
	s.reconcile = page.NewReconciler(page.ReconcilerOptions{
		Store: o.Store, Graph: s.appClient, Checkers: checkers, Clock: o.Clock, Logger: o.Logger.With("component", "reconcile"),
	})
	return s, nil
}

// Handler is the console's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Kit is the console's page kit (tests check its templates' messages).
func (s *Server) Kit() *page.Kit { return s.kit }

// Reconcile settles, once, the changes the activity log holds as pending
// (their request never saw Graph's answer: a timeout, or a crash), by
// reading their resources from Graph with graphsec's own app-only token.
// The command runs it at start-up and then every minute.
func (s *Server) Reconcile(ctx context.Context) (page.ReconcileResult, error) {
	return s.reconcile.Run(ctx)
}

// ReconcileLoop runs Reconcile now and then every interval until ctx ends.
func (s *Server) ReconcileLoop(ctx context.Context, interval time.Duration) {
	s.reconcile.Loop(ctx, interval)
}

// appClient is a Graph client with graphsec's own app-only token, for work
// done for no user (reconciliation).
func (s *Server) appClient(ctx context.Context) (*graph.Client, error) {
	return graph.New(graph.Options{
		BaseURL: s.o.GraphURL, HTTPClient: s.o.GraphHTTP, Tokens: s.o.Auth.AppTokens(ctx),
		UserAgent: "graphsec/1", Retry: s.o.Retry, Logger: s.log, Timeout: s.o.GraphTimeout, Clock: s.o.Clock,
	})
}

// appPageClient is a Graph client with graphsec's own app-only token for
// a page's request (the security actions page: Microsoft's API takes
// application permissions only). Like a user's, it waits for a throttled
// Graph at most the retry budget.
func (s *Server) appPageClient(ctx context.Context) (*graph.Client, error) {
	rp := s.o.Retry
	if rp.MaxTotalWait <= 0 || rp.MaxTotalWait > s.o.RetryBudget {
		rp.MaxTotalWait = s.o.RetryBudget
	}
	return graph.New(graph.Options{
		BaseURL: s.o.GraphURL, HTTPClient: s.o.GraphHTTP, Tokens: s.appTokens,
		UserAgent: "graphsec/1", Retry: rp, Logger: s.log, Timeout: s.o.GraphTimeout, Clock: s.o.Clock,
	})
}

// contentSecurityPolicy allows only the console's own scripts and styles
// (no inline script at all), no framing, and form posts to the console and
// to the identity platform (sign-out redirects there).
func contentSecurityPolicy(authority string) string {
	formAction := "'self'"
	if u, err := url.Parse(authority); err == nil && u.Scheme != "" && u.Host != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action " + formAction
}

// graphClient returns a Graph client acting for the signed-in user during
// this request (the page kit's GraphFactory). onRetry, when not nil,
// hears about every retry.
func (s *Server) graphClient(ctx context.Context, sess *auth.Session, onRetry func(graph.RetryInfo)) (*graph.Client, error) {
	rp := s.o.Retry
	if onRetry != nil {
		prev := rp.OnRetry
		rp.OnRetry = func(ri graph.RetryInfo) {
			if prev != nil {
				prev(ri)
			}
			onRetry(ri)
		}
	}
	// A page holds its answer while it waits (page.Page.retrying), so it
	// waits at most the retry budget: Graph asking for longer is answered
	// with a 429 page at once.
	if rp.MaxTotalWait <= 0 || rp.MaxTotalWait > s.o.RetryBudget {
		rp.MaxTotalWait = s.o.RetryBudget
	}
	return graph.New(graph.Options{
		BaseURL: s.o.GraphURL, HTTPClient: s.o.GraphHTTP, Tokens: sess.Tokens(ctx),
		UserAgent: "graphsec/1", Retry: rp, Logger: s.log, Timeout: s.o.GraphTimeout, Clock: s.o.Clock,
	})
}
