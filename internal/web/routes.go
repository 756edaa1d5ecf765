package web

import "net/http"

// routes lists every route of the console and the middleware around them,
// outermost first: recover from panics, assign a request id, log, send
// loopback aliases to the canonical host, set security headers, refuse
// cross-origin state changes. Pages that need a signed-in user are wrapped
// in s.signedIn; forms that change something also check the session's
// CSRF token (s.form).
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
	mux.Handle("GET /alerts/{id}", s.signedIn(s.alertPage))
	mux.Handle("POST /alerts/{id}", s.signedIn(s.form(s.updateAlert)))
	mux.Handle("POST /alerts/{id}/comments", s.signedIn(s.form(s.commentAlert)))
	mux.Handle("GET /manage", s.signedIn(s.managePage))
	mux.Handle("POST /manage", s.signedIn(s.form(s.manageByID)))
	mux.Handle("GET /incidents/{id}", s.signedIn(s.incidentPage))

	// Legacy alerts (/security/alerts), the original sample's pages. The
	// provider list of the query form is cached here, for the console's
	// lifetime, not in a package variable.
	legacyProviders := newLegacyProviderCache(s.o.Clock)
	mux.Handle("GET /legacy/alerts", s.signedIn(s.legacyAlertsPage(legacyProviders)))
	mux.Handle("GET /legacy/alerts/{id}", s.signedIn(s.legacyAlertPage))
	mux.Handle("POST /legacy/alerts/{id}", s.signedIn(s.form(s.updateLegacyAlert)))
	mux.Handle("GET /legacy/manage", s.signedIn(s.legacyManagePage))
	mux.Handle("POST /legacy/manage", s.signedIn(s.form(s.legacyManageByID)))

	mux.HandleFunc("/", s.notFound)

	var h http.Handler = mux
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, http.StatusForbidden, "Request refused", "This change came from another site, so graphsec refused it. Use graphsec's own pages.", nil)
	}))
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.canonicalLoopback(h)
	h = s.logRequests(h)
	h = s.requestID(h)
	h = s.recoverPanics(h)
	return h
}
