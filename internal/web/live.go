package web

import (
	"errors"
	"net/http"

	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/notify"
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
