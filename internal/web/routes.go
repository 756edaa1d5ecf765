package web

import "net/http"

// routes lists every route of the console and the middleware around them,
// outermost first: recover from panics, assign a request id, log, set
// security headers, refuse cross-origin state changes. Pages that need a
// signed-in user are wrapped in s.signedIn; forms that change something
// also check the session's CSRF token (s.form).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /static/", s.static)

	// Sign-in, consent, sign-out.
	mux.HandleFunc("GET /login", s.login)
	mux.HandleFunc("GET /login/authorized", s.loginCallback)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /signed-out", s.signedOut)
	mux.Handle("GET /consent", s.signedIn(s.consentPage))
	mux.HandleFunc("GET /consent/admin", s.startAdminConsent)

	// Alerts (alerts_v2), the default page.
	mux.Handle("GET /{$}", s.signedIn(s.home))
	mux.Handle("GET /alerts", s.signedIn(s.alertsPage))

	// Legacy alerts (/security/alerts), the original sample's pages.

	mux.HandleFunc("/", s.notFound)

	var h http.Handler = mux
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.securityHeaders(h)
	h = s.logRequests(h)
	h = s.requestID(h)
	h = s.recoverPanics(h)
	return h
}
