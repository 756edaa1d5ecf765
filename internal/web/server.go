// Package web is graphsec's console: a server-rendered web app for
// security analysts. Every route is in routes.go; handlers are methods on
// Server, which holds their dependencies; templates and static files are
// embedded and parsed once at start-up.
package web

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// Options wire the console to its dependencies.
type Options struct {
	Auth  *auth.Manager
	Store store.Store
	// GraphURL is Graph's base URL (https://graph.microsoft.com, or the
	// emulator's).
	GraphURL string
	// AuthorityURL is the identity platform's base URL (for the
	// Content-Security-Policy's form-action and readiness checks).
	AuthorityURL string
	// PublicURL is the console's own base URL.
	PublicURL string
	// GraphHTTP is the shared HTTP client for Graph (connection pool).
	GraphHTTP *http.Client
	// Retry configures retries of Graph calls (tests shorten waits).
	Retry  graph.RetryPolicy
	Clock  clock.Clock
	Logger *slog.Logger
	// Emulator is set when graphsec runs its embedded emulator: the UI says
	// so and links to its overview and mailbox.
	Emulator *EmulatorInfo
	// Secure marks the console as served over https (cookies, HSTS).
	Secure bool
}

// EmulatorInfo describes the embedded emulator for the UI.
type EmulatorInfo struct {
	URL string
}

// Server is the console.
type Server struct {
	o       Options
	log     *slog.Logger
	pages   map[string]*template.Template
	static  http.Handler
	csp     string
	handler http.Handler
}

// New parses the templates (a broken template fails here, not on a
// user's request) and builds the handler.
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
	o.GraphURL = strings.TrimRight(o.GraphURL, "/")
	s := &Server{o: o, log: o.Logger}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.static = staticHandler()
	s.csp = contentSecurityPolicy(o.AuthorityURL)
	s.handler = s.routes()
	return s, nil
}

// Handler is the console's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

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
// this request. onRetry, when not nil, hears about every retry.
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
	return graph.New(graph.Options{
		BaseURL: s.o.GraphURL, HTTPClient: s.o.GraphHTTP, Tokens: sess.Tokens(ctx),
		UserAgent: "graphsec/1", Retry: rp, Logger: s.log, Timeout: 60 * time.Second,
	})
}
