package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/graphsec/graphsec/graph"
)

// healthz says the process is up. It checks nothing else, so an
// orchestrator does not restart a console because Microsoft is slow.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok\n")
}

// readyz says whether the console can serve: the database answers and
// Microsoft Graph and the identity platform can be reached (any HTTP answer
// below 500 counts: they are reachable even when they refuse an anonymous
// request).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	check := func(name string, err error) {
		switch {
		case err == nil:
			checks[name] = "ok"
			return
		case name == "database":
			checks[name] = err.Error()
		default:
			// The answer is public: the cause (addresses, errors) goes to
			// the log only.
			checks[name] = "unreachable"
		}
		ok = false
		s.log.Warn("not ready", "check", name, "err", err)
	}
	check("database", s.o.Store.Ping(ctx))
	// An anonymous client without retries: a check must not wait out a 503.
	probe, err := graph.New(graph.Options{BaseURL: s.o.GraphURL, HTTPClient: s.o.GraphHTTP, Retry: graph.RetryPolicy{MaxAttempts: 1}, Clock: s.o.Clock})
	if err == nil {
		err = probe.Ping(ctx)
	}
	check("graph", err)
	check("identity", s.o.Auth.Reachable(ctx))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ready": ok, "checks": checks})
}
