package web

import (
	"errors"
	"net/http"

	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/web/live"
)

// mountLive mounts live alerts (internal/notify) when Options.Live is set.
//
//   - POST /listen and POST /listen/lifecycle are Graph's: it posts server
//     to server, with no session, no CSRF token and no Origin or
//     Sec-Fetch-Site header, so the cross-origin protection lets it
//     through; each item is authenticated by its subscription's
//     clientState instead (notify.Receiver).
//   - GET /notifications/stream is a signed-in user's: the session is
//     checked as the page kit checks it, but a stream answers 401 rather
//     than redirecting to the sign-in page (an EventSource cannot follow
//     a person through a sign-in).
//   - GET /metrics follows its own rule (notify.MetricsHandler).
func (s *Server) mountLive(mux *http.ServeMux) {
	lv := s.o.Live
	if lv == nil {
		return
	}
	mux.Handle("POST /listen", lv.Receiver.Notifications())
	mux.Handle("POST /listen/lifecycle", lv.Receiver.Lifecycle())
	mux.Handle("GET /notifications/stream", s.stream(lv.Stream))
	mux.Handle("GET /metrics", lv.MetricsHandler)
	if !s.livePages() {
		return
	}
	// The live-alerts pages (internal/web/live): subscriptions, watches
	// and the live page, a signed-in user's each.
	k := s.kit
	pg := live.New(live.Deps{Subscriptions: s.o.Upkeep, Watches: s.o.Watcher, Notifications: s.o.Store, Journal: s.o.Store, Clock: s.o.Clock})
	mux.Handle("GET /subscriptions", k.Page("subscriptions", pg.Subscriptions))
	mux.Handle("POST /subscriptions", k.Form("subscriptions", pg.Subscribe))
	mux.Handle("POST /subscriptions/{id}/renew", k.Form("subscriptions", pg.Renew))
	mux.Handle("POST /subscriptions/{id}/delete", k.Form("subscriptions", pg.Unsubscribe))
	mux.Handle("GET /watches", k.Page("watches", pg.Watches))
	mux.Handle("POST /watches", k.Form("watches", pg.Watch))
	mux.Handle("POST /watches/{id}/poll", k.Form("watches", pg.PollNow))
	mux.Handle("POST /watches/{id}/audit", k.Form("watches", pg.Audit))
	mux.Handle("POST /watches/{id}/delete", k.Form("watches", pg.Unwatch))
	mux.Handle("GET /notifications", k.Page("live", pg.Notifications))
}

// livePages reports whether the live-alerts pages are mounted: live alerts
// and both of their sources are wired.
func (s *Server) livePages() bool {
	return s.o.Live != nil && s.o.Watcher != nil && s.o.Upkeep != nil
}

// stream serves the live stream to the signed-in user.
func (s *Server) stream(st *notify.Stream) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.o.Auth.Session(r.Context(), r)
		switch {
		case errors.Is(err, auth.ErrNoSession):
			http.Error(w, "Sign in to follow live alerts.", http.StatusUnauthorized)
			return
		case err != nil:
			s.log.Error("stream: reading the session", "err", err)
			http.Error(w, "graphsec cannot read its sessions; try again in a moment.", http.StatusServiceUnavailable)
			return
		}
		st.Serve(w, r, sess.UserID)
	})
}
