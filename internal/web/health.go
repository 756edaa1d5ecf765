package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/graphsec/graphsec/internal/auth"
)

// healthz says the process is up. It checks nothing else, so an orchestrator
// does not restart a console because Microsoft is slow.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok\n")
}

// readyz says whether the console can serve: the database answers and
// Microsoft Graph and the identity platform can be reached (any HTTP answer
// counts: they are reachable even when they refuse an anonymous request).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	check := func(name string, err error) {
		if err != nil {
			checks[name] = err.Error()
			ok = false
			return
		}
		checks[name] = "ok"
	}
	check("database", s.o.Store.Ping(ctx))
	check("graph", s.reachable(ctx, s.o.GraphURL+"/v1.0/"))
	if s.o.AuthorityURL != "" {
		check("identity", s.reachable(ctx, s.o.AuthorityURL+"/"+s.o.Auth.Tenant()+"/v2.0/.well-known/openid-configuration"))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ready": ok, "checks": checks})
}

func (s *Server) reachable(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := s.o.GraphHTTP.Do(req)
	if err != nil {
		return errGraphUnreachable
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode >= 500 {
		return errGraphUnreachable
	}
	return nil
}

// home is the alerts page: it is what an analyst opens every day.
func (s *Server) home(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	http.Redirect(w, r, "/alerts", http.StatusSeeOther)
}
