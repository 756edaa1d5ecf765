package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/web/page"
)

// The sign-in pages: sign-in and its callback, sign-out, tenant-wide
// admin consent, and the permissions page. auth does the work; these
// handlers render its outcome.

// loginPage (GET /login) is the sign-in page: a button that starts the
// sign-in. A page requested without a session comes here, never straight
// to the identity platform, so that nothing (Back after signing out, a
// link, a prefetch) signs anyone in without a click. return_to (a local
// path) is where the user lands afterwards; prompt=select_account lets
// them pick another account; reason=ended and draft=kept|lost say that a
// form arrived after the session ended and what became of its text.
func (s *Server) loginPage(p *page.Page) error {
	q := p.R.URL.Query()
	v := page.SignInView{ReturnTo: auth.SafeReturnPath(q.Get("return_to")), Prompt: signInPrompt(q.Get("prompt"))}
	if q.Get("reason") == "ended" {
		v.Reason = "ended"
	}
	switch d := q.Get("draft"); d {
	case "kept", "lost":
		v.Draft = d
	}
	p.Title = p.L.T("nav.signIn")
	return p.Render(http.StatusOK, page.SignInPage, v)
}

// signInPrompt keeps the one prompt the sign-in page passes on.
func signInPrompt(prompt string) string {
	if prompt == "select_account" {
		return prompt
	}
	return ""
}

// login (POST /login, the sign-in page's button) starts a sign-in: it
// records the sign-in in progress (bounded per client and in all) and
// sends the browser to the identity platform.
func (s *Server) login(p *page.Page) error {
	if err := p.ParseForm(); err != nil {
		return err
	}
	f := p.R.PostForm
	u, err := s.o.Auth.BeginLogin(p.R.Context(), p.Writer(), p.R, f.Get("return_to"), signInPrompt(f.Get("prompt")))
	if errors.Is(err, auth.ErrBusy) {
		p.Writer().Header().Set("Retry-After", "60")
		p.Title = p.L.T("signin.reason.busy.heading")
		return p.Render(http.StatusServiceUnavailable, page.SignInPage, page.SignInView{ReturnTo: auth.SafeReturnPath(f.Get("return_to")), Reason: "busy"})
	}
	if err != nil {
		return &page.Error{Status: http.StatusServiceUnavailable, Heading: page.T("signin.couldNotStart"), Message: page.T("signin.couldNotRecord"), Cause: err}
	}
	return p.Redirect(u, http.StatusSeeOther)
}

// consentView is what the consent page shows after an admin-consent
// return, or when permissions are missing.
type consentView struct {
	Granted  bool
	Tenant   string
	Declined bool
	Error    string
	Detail   string
	Subcode  string
	Perms    []permStatus
	Missing  []string
}

// loginCallback is the redirect URI (/login/authorized, as in the original
// sample). It handles a sign-in, an admin-consent return, and errors. A
// callback URL used again (Back, the history) gets the sign-in page saying
// so, not an error; an answer that fails the ID token's checks gets it
// saying the sign-in was rejected.
func (s *Server) loginCallback(p *page.Page) error {
	cb, err := s.o.Auth.CompleteLogin(p.R.Context(), p.Writer(), p.R)
	var pe *auth.ProviderError
	var rj *auth.RejectedError
	switch {
	case errors.As(err, &pe) && pe.AdminConsent:
		p.Title = p.L.T("consent.declined.title")
		return p.Render(http.StatusOK, "web/consent", consentView{Declined: true, Error: strings.TrimSpace(pe.Code + " " + pe.AADSTS), Detail: pe.Description, Subcode: pe.Subcode})
	case errors.As(err, &pe):
		p.Title = p.L.T("error.signInRefused.heading")
		return p.Render(http.StatusBadRequest, "web/signin_error", pe)
	case errors.As(err, &rj):
		p.Log().Warn("sign-in rejected", "err", err)
		p.Title = p.L.T("signin.reason.rejected.heading")
		return p.Render(http.StatusUnauthorized, page.SignInPage, page.SignInView{ReturnTo: "/", Reason: "rejected"})
	case errors.Is(err, auth.ErrStateMismatch), errors.Is(err, auth.ErrCallbackInvalid):
		_, serr := s.o.Auth.Session(p.R.Context(), p.R)
		p.Title = p.L.T("signin.reason.used.heading")
		return p.Render(http.StatusOK, page.SignInPage, page.SignInView{ReturnTo: "/", Reason: "used", SignedIn: serr == nil})
	case err != nil:
		return err
	}
	if cb.AdminConsent {
		// The user's current token predates the consent: end the local
		// session so that the next page signs in again and gets the new
		// permissions.
		s.o.Auth.Logout(p.R.Context(), p.Writer(), p.R)
		p.Title = p.L.T("consent.granted.title")
		return p.Render(http.StatusOK, "web/consent", consentView{Granted: true, Tenant: cb.Tenant})
	}
	return p.Redirect(cb.ReturnTo, http.StatusSeeOther)
}

// logout ends the graphsec session. It is a POST (with the session's CSRF
// token when there is a session) so that no link or image elsewhere can
// sign a user out.
func (s *Server) logout(p *page.Page) error {
	_ = p.ParseForm()
	if sess, err := s.o.Auth.Session(p.R.Context(), p.R); err == nil && !sess.CheckCSRF(p.R.PostForm.Get("csrf")) {
		return &page.Error{Status: http.StatusForbidden, Heading: page.T("error.formExpired.heading"), Message: page.T("signin.signOutExpired")}
	}
	s.o.Auth.Logout(p.R.Context(), p.Writer(), p.R)
	// The browser drops what it cached of graphsec's pages, so Back shows
	// nothing of the session (pages are no-store too).
	p.Writer().Header().Set("Clear-Site-Data", `"cache"`)
	return p.Redirect("/signed-out", http.StatusSeeOther)
}

func (s *Server) signedOut(p *page.Page) error {
	p.Title = p.L.T("signin.signedOut.title")
	return p.Render(http.StatusOK, "web/signed_out", map[string]string{"EndSession": s.o.Auth.EndSessionURL(s.o.PublicURL + "/signed-out")})
}

// startAdminConsent sends an administrator to grant graphsec's permissions
// for the whole tenant.
func (s *Server) startAdminConsent(p *page.Page) error {
	u, err := s.o.Auth.AdminConsentURL(p.R.Context(), p.Writer(), p.R)
	if errors.Is(err, auth.ErrBusy) {
		p.Writer().Header().Set("Retry-After", "60")
		p.Title = p.L.T("signin.reason.busy.heading")
		return p.Render(http.StatusServiceUnavailable, page.SignInPage, page.SignInView{ReturnTo: "/consent", Reason: "busy"})
	}
	if err != nil {
		return &page.Error{Status: http.StatusServiceUnavailable, Heading: page.T("consent.couldNotStart"), Message: page.T("signin.couldNotRecord"), Cause: err}
	}
	return p.Redirect(u, http.StatusFound)
}

// permStatus is one permission graphsec uses and whether the user's token
// carries it.
type permStatus struct {
	Name    string
	Purpose string // its message key: what graphsec uses it for
	Granted bool
}

// permissions lists what graphsec's pages need, for the consent page: the
// access that changes things (whose permission is requested at sign-in),
// the access that at least reads, and what it is for. The permissions
// themselves are the graph package's.
func permissions() []struct {
	write, read graph.Access
	purpose     string
} {
	return []struct {
		write, read graph.Access
		purpose     string
	}{
		{graph.AccessReadProfile, graph.AccessReadProfile, "consent.purpose.profile"},
		{graph.AccessWriteAlerts, graph.AccessReadAlerts, "consent.purpose.alerts"},
		{graph.AccessWriteIncidents, graph.AccessReadIncidents, "consent.purpose.incidents"},
		{graph.AccessWriteSecurityEvents, graph.AccessReadSecurityEvents, "consent.purpose.securityEvents"},
		{graph.AccessSendMail, graph.AccessSendMail, "consent.purpose.mail"},
	}
}

// consentPage (GET /consent) explains which permissions graphsec has and
// lacks, and offers the admin-consent link.
func (s *Server) consentPage(p *page.Page) error {
	var v consentView
	for _, perm := range permissions() {
		name := requested(perm.write)
		ok := p.Session.Can(perm.read)
		v.Perms = append(v.Perms, permStatus{Name: name, Purpose: perm.purpose, Granted: ok})
		if !ok {
			v.Missing = append(v.Missing, name)
		}
	}
	p.Title = p.L.T("consent.title")
	return p.Render(http.StatusOK, "web/consent", v)
}

// requested is the permission requested at sign-in that gives access a.
func requested(a graph.Access) string {
	asked := graph.DelegatedScopes()
	for _, sc := range graph.ScopeFor(a) {
		if slices.Contains(asked, sc) {
			return sc
		}
	}
	return strings.Join(graph.ScopeFor(a), " or ")
}
