package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
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

// readiness is /readyz's last answer and the check in progress, if any.
// /readyz needs no sign-in, so anyone can call it as often as they like:
// without these, every call made the console call Graph and the identity
// platform.
type readiness struct {
	mu      sync.Mutex
	at      time.Time // when the answer was made (zero: never)
	ok      bool
	body    []byte
	running chan struct{} // closed when the check in progress ends
}

// readyz says whether the console can serve: the database answers and
// Microsoft Graph and the identity platform can be reached (any HTTP answer
// below 500 counts: they are reachable even when they refuse an anonymous
// request). The answer is reused for ReadyCache, and concurrent callers
// share one check (single flight): at most one check runs at a time and
// one starts per ReadyCache, however many requests arrive.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ok, body, err := s.readiness(r.Context())
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		// The caller gave up while a check ran.
		http.Error(w, "request cancelled", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(s.withRole(body))
}

// withRole adds to a readiness answer this replica's role, which changes
// between checks: "leader" (it runs the background work: subscription
// upkeep, the watcher, retention, reconciliation) or "standby" (another
// replica does; it serves pages, the stream and notifications all the
// same, so it is ready either way) and the lease's term (epoch). The
// answer is public: replicas' ids (host names) are on /metrics and in the
// log, not here.
func (s *Server) withRole(body []byte) []byte {
	if s.o.Lease == nil {
		return body
	}
	var answer map[string]any
	if json.Unmarshal(body, &answer) != nil {
		return body
	}
	st := s.o.Lease.State()
	role := "standby"
	if st.Leader {
		role = "leader"
	}
	answer["role"], answer["epoch"] = role, st.Epoch
	out, err := json.Marshal(answer)
	if err != nil {
		return body
	}
	return append(out, '\n')
}

// readiness returns a fresh enough answer, running the check when there
// is none and waiting for the one in progress when there is one.
func (s *Server) readiness(ctx context.Context) (bool, []byte, error) {
	rd := &s.ready
	for {
		rd.mu.Lock()
		if !rd.at.IsZero() && s.o.Clock.Now().Sub(rd.at) < s.o.ReadyCache {
			ok, body := rd.ok, rd.body
			rd.mu.Unlock()
			return ok, body, nil
		}
		if wait := rd.running; wait != nil {
			rd.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return false, nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		rd.running = done
		rd.mu.Unlock()
		ok, body := s.runCheck(ctx, done)
		return ok, body, nil
	}
}

// runCheck runs the check that readiness started (done), keeps its
// answer and wakes the callers waiting for it. The check is everyone's:
// it does not stop when the caller that started it goes away. Should it
// panic, nothing is kept and the waiters are woken all the same (one of
// them checks again), rather than left waiting for an answer that never
// comes.
func (s *Server) runCheck(ctx context.Context, done chan struct{}) (ok bool, body []byte) {
	rd := &s.ready
	finished := false
	defer func() {
		rd.mu.Lock()
		if finished {
			rd.at, rd.ok, rd.body = s.o.Clock.Now(), ok, body
		}
		rd.running = nil
		rd.mu.Unlock()
		close(done)
	}()
	ok, body = s.checkReady(context.WithoutCancel(ctx))
	finished = true
	return ok, body
}

// checkReady checks the database, Graph and the identity platform, within
// 3 seconds, and returns the JSON answer.
func (s *Server) checkReady(ctx context.Context) (bool, []byte) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
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
	body, _ := json.Marshal(map[string]any{"ready": ok, "checks": checks})
	return ok, append(body, '\n')
}
