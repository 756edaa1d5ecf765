package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/graphsec/graphsec/internal/web/page"
)

// requestID gives every request a random id, sent as X-Request-Id, shown
// at the foot of every page and logged with everything the request does,
// so that a user's report can be matched to the log.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(page.WithRequestID(r.Context(), id)))
	})
}

// canonicalLoopback sends a browser that reached a local console by
// another loopback name (127.0.0.1 for localhost, or the reverse) to the
// public URL's host. Cookies are per host name, so signing in through one
// name and coming back through the other would fail. Only loopback
// aliases are redirected: a reverse proxy's Host header is left alone.
func (s *Server) canonicalLoopback(next http.Handler) http.Handler {
	pub, err := url.Parse(s.o.PublicURL)
	if err != nil || pub.Host == "" || !isLoopbackHost(pub.Hostname()) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, port, err := net.SplitHostPort(r.Host)
		if err == nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && port == pub.Port() &&
			isLoopbackHost(host) && !strings.EqualFold(host, pub.Hostname()) &&
			r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics" {
			http.Redirect(w, r, pub.Scheme+"://"+pub.Host+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// statusRecorder remembers the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush on the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// quietPath tells machine traffic, logged at debug level unless they
// fail: Graph's notification POSTs (thousands a second under load; their
// counts and latencies are in /metrics) and the metrics scrapes.
func quietPath(p string) bool {
	switch p {
	case "/listen", "/listen/lifecycle", "/metrics":
		return true
	}
	return false
}

// logRequests writes one line per request. It logs the path but never the
// query: the sign-in callback's query holds an authorization code.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status < 400 && quietPath(r.URL.Path) {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request", "request_id", page.RequestID(r.Context()), "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", page.RequestID(r.Context()), "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "Internal error. Request id: "+page.RequestID(r.Context()), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders applies to every response: a Content-Security-Policy
// without inline script, no framing, no MIME sniffing, no referrer (links
// to the Defender portal must not carry graphsec's URLs), and no caching of
// pages that show security data.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		// Nothing the console answers is cached (static files, which
		// handle their own caching, set theirs): after signing out, Back
		// asks the server again and gets the sign-in page, not a copy of
		// what the user saw.
		h.Set("Cache-Control", "no-store")
		if s.o.Secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
