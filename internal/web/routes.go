package web

import (
	"net/http"

	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/actions"
	"github.com/graphsec/graphsec/internal/web/alerts"
	"github.com/graphsec/graphsec/internal/web/home"
	"github.com/graphsec/graphsec/internal/web/incidents"
	"github.com/graphsec/graphsec/internal/web/legacy"
	"github.com/graphsec/graphsec/internal/web/page"
	"github.com/graphsec/graphsec/internal/web/score"
)

// routes lists every route of the console and the middleware around them.
//
// Each feature is mounted here: built with what it needs (narrow
// interfaces, never the whole store), and its handlers routed one pattern
// at a time, so that this file shows every URL the console answers. The
// page kit adapts a feature's handlers: k.Page for a signed-in user's
// page, k.Form for a form post (a signed-in user, a bounded body, the
// session's CSRF token, a one-time form token), k.Public for a page
// without sign-in.
//
// Middleware, outermost first: recover from panics, assign a request id,
// log, send loopback aliases to the canonical host, set security headers
// (with the Content-Security-Policy), refuse cross-origin state changes.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	k := s.kit
	activity := page.NewActivityLog(s.o.Store, s.o.Clock, s.log)

	// Operations and static files.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /static/", s.static)

	// Sign-in, consent, sign-out (signin.go).
	mux.Handle("GET /login", k.Public("", s.loginPage))
	mux.Handle("POST /login", k.Public("", s.login))
	mux.Handle("GET /login/authorized", k.Public("", s.loginCallback))
	mux.Handle("POST /logout", k.Public("", s.logout))
	mux.Handle("GET /signed-out", k.Public("", s.signedOut))
	mux.Handle("GET /consent", k.Page("", s.consentPage))
	mux.Handle("GET /consent/admin", k.Public("", s.startAdminConsent))

	// The language switch (every page's header): sets the language cookie
	// and comes back.
	mux.Handle("GET "+page.LangPath, k.Public("", s.setLang))

	// Alerts (alerts_v2), the default page: internal/web/alerts.
	al := alerts.New(alerts.Deps{Activity: activity})
	mux.Handle("GET /alerts", k.Page("alerts", al.Queue))
	mux.Handle("GET /alerts/{id}", k.Page("alerts", al.Alert))
	mux.Handle("GET /alerts/{id}/prev", k.Page("alerts", al.Prev))
	mux.Handle("GET /alerts/{id}/next", k.Page("alerts", al.Next))
	mux.Handle("POST /alerts/{id}", k.Form("alerts", al.Update))
	mux.Handle("POST /alerts/{id}/comments", k.Form("alerts", al.Update))
	// "Email this alert" (internal/web/mail, built in New).
	mux.Handle("GET /alerts/{id}/email", k.Page("alerts", s.mail.AlertForm))
	mux.Handle("POST /alerts/{id}/email", k.Form("alerts", s.mail.AlertSend))
	mux.Handle("GET /manage", k.Page("manage", al.ManageForm))
	mux.Handle("POST /manage", k.Form("manage", al.Manage))

	// The home page: open incidents by severity, what is assigned to the
	// user, the newest high-severity alerts (internal/web/home).
	hm := home.New()
	mux.Handle("GET /{$}", k.Page("home", hm.Home))

	// Incidents: internal/web/incidents.
	inc := incidents.New(incidents.Deps{Activity: activity})
	mux.Handle("GET /incidents", k.Page("incidents", inc.Queue))
	mux.Handle("GET /incidents/{id}", k.Page("incidents", inc.Incident))
	mux.Handle("GET /incidents/{id}/prev", k.Page("incidents", inc.Prev))
	mux.Handle("GET /incidents/{id}/next", k.Page("incidents", inc.Next))
	mux.Handle("POST /incidents/{id}", k.Form("incidents", inc.Update))
	mux.Handle("POST /incidents/{id}/comments", k.Form("incidents", inc.Update))
	mux.Handle("GET /incidents/{id}/email", k.Page("incidents", s.mail.IncidentForm))
	mux.Handle("POST /incidents/{id}/email", k.Form("incidents", s.mail.IncidentSend))

	// Legacy alerts (/security/alerts), the original sample's pages:
	// internal/web/legacy. Its provider list is cached for the console's
	// lifetime, in the feature, not in a package variable.
	lg := legacy.New(legacy.Deps{Activity: activity, Clock: s.o.Clock})
	mux.Handle("GET /legacy/alerts", k.Page("legacy", lg.Alerts))
	mux.Handle("GET /legacy/alerts/{id}", k.Page("legacy", lg.Alert))
	mux.Handle("POST /legacy/alerts/{id}", k.Form("legacy", lg.Update))
	mux.Handle("GET /legacy/manage", k.Page("legacy", lg.ManageForm))
	mux.Handle("POST /legacy/manage", k.Form("legacy", lg.Manage))

	// Live alerts: internal/notify (live.go).
	s.mountLive(mux)

	// Secure score: the score, its trend, control scores and control
	// profiles, and a control's state (internal/web/score).
	sc := score.New(score.Deps{Activity: activity})
	mux.Handle("GET /securescore", k.Page("securescore", sc.Score))
	mux.Handle("GET /securescore/profiles/{id}", k.Page("securescore", sc.Profile))
	mux.Handle("POST /securescore/profiles/{id}", k.Form("securescore", sc.Update))

	// Security actions (beta, application permissions only): the
	// console's own app-only token (internal/web/actions).
	ac := actions.New(actions.Deps{Activity: activity, App: s.appPageClient, AppRoles: s.o.Auth.AppRoles})
	mux.Handle("GET /actions", k.Page("actions", ac.Actions))
	mux.Handle("POST /actions", k.Form("actions", ac.Create))
	mux.Handle("POST /actions/{id}/cancel", k.Form("actions", ac.Cancel))

	// Not found, and a refused cross-origin change: error pages that keep
	// the navigation of a signed-in user.
	mux.Handle("/", k.Optional("", notFound))

	var h http.Handler = mux
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(k.Optional("", crossOrigin))
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.canonicalLoopback(h)
	h = s.logRequests(h)
	h = s.requestID(h)
	h = s.recoverPanics(h)
	return h
}

func notFound(p *page.Page) error {
	return &page.Error{Status: http.StatusNotFound, Heading: page.T("error.pageNotFound.heading"), Message: page.T("error.pageNotFound.message")}
}

func crossOrigin(p *page.Page) error {
	return &page.Error{Status: http.StatusForbidden, Heading: page.T("error.crossOrigin.heading"), Message: page.T("error.crossOrigin.message")}
}

// setLang is the language switch: GET /lang?to=ja&back=/alerts sets the
// language cookie (for a year) and sends the browser back to the page it
// came from, a local path only. An unknown language changes nothing.
func (s *Server) setLang(p *page.Page) error {
	q := p.R.URL.Query()
	if l, ok := i18n.ParseLang(q.Get("to")); ok {
		http.SetCookie(p.Writer(), i18n.LangCookie(l, s.o.Secure))
	}
	return p.Redirect(page.LocalPath(q.Get("back"), "/alerts"), http.StatusSeeOther)
}
