package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/graphsec/graphsec/internal/auth"
)

// login starts a sign-in. return_to (a local path) is where the user lands
// afterwards; prompt=select_account lets them pick another account.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prompt := ""
	if q.Get("prompt") == "select_account" {
		prompt = "select_account"
	}
	u, err := s.o.Auth.BeginLogin(r.Context(), w, q.Get("return_to"), prompt)
	if err != nil {
		s.renderError(w, r, nil, http.StatusServiceUnavailable, "Sign-in could not start", "graphsec could not record the sign-in. Try again in a moment.", err)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// consentResult is what the consent page shows after an admin-consent
// return, or when permissions are missing.
type consentResult struct {
	Granted  bool
	Tenant   string
	Declined bool
	Error    string
	Detail   string
	Subcode  string
	Perms    []permStatus
	Missing  []string
	Needed   string
}

// loginCallback is the redirect URI (/login/authorized, as in the original
// sample). It handles a sign-in, an admin-consent return, and errors.
func (s *Server) loginCallback(w http.ResponseWriter, r *http.Request) {
	cb, err := s.o.Auth.CompleteLogin(r.Context(), w, r)
	var pe *auth.ProviderError
	switch {
	case errors.As(err, &pe) && pe.AdminConsent:
		p := s.newPage(w, r, nil, "consent", "Admin consent was not granted", "")
		p.render(http.StatusOK, consentResult{Declined: true, Error: pe.Code, Detail: pe.Description, Subcode: pe.Subcode})
		return
	case errors.As(err, &pe):
		p := s.newPage(w, r, nil, "signin_error", "Sign-in failed", "")
		p.render(http.StatusBadRequest, pe)
		return
	case errors.Is(err, auth.ErrStateMismatch), errors.Is(err, auth.ErrCallbackInvalid):
		s.renderError(w, r, nil, http.StatusBadRequest, "This sign-in cannot be completed", "The response from Microsoft does not belong to a sign-in started in this browser, or it was already used or has expired. Start again.", nil)
		return
	case err != nil:
		p := s.newPage(w, r, nil, "error", "Sign-in failed", "")
		p.fail(err)
		return
	}
	if cb.AdminConsent {
		// The user's current token predates the consent: end the local
		// session so that the next page signs in again and gets the new
		// permissions.
		s.o.Auth.Logout(r.Context(), w, r)
		p := s.newPage(w, r, nil, "consent", "Admin consent granted", "")
		p.render(http.StatusOK, consentResult{Granted: true, Tenant: cb.Tenant})
		return
	}
	http.Redirect(w, r, cb.ReturnTo, http.StatusSeeOther)
}

// logout ends the graphsec session. It is a POST (with the session's CSRF
// token when there is a session) so that no link or image elsewhere can
// sign a user out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_ = r.ParseForm()
	if sess, err := s.o.Auth.Session(r.Context(), r); err == nil && !sess.CheckCSRF(r.PostForm.Get("csrf")) {
		s.renderError(w, r, sess, http.StatusForbidden, "The form has expired", "Reload the page and sign out again.", nil)
		return
	}
	s.o.Auth.Logout(r.Context(), w, r)
	http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
}

func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, nil, "signed_out", "Signed out", "")
	p.render(http.StatusOK, map[string]string{"EndSession": s.o.Auth.EndSessionURL(s.o.PublicURL + "/signed-out")})
}

// startAdminConsent sends an administrator to grant graphsec's permissions
// for the whole tenant.
func (s *Server) startAdminConsent(w http.ResponseWriter, r *http.Request) {
	u, err := s.o.Auth.AdminConsentURL(r.Context(), w)
	if err != nil {
		s.renderError(w, r, nil, http.StatusServiceUnavailable, "Admin consent could not start", "graphsec could not record the request. Try again in a moment.", err)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// permStatus is one permission graphsec uses and whether the user's token
// carries it.
type permStatus struct {
	Name, Purpose string
	Granted       bool
}

// permissions lists what graphsec's pages need, for the consent page.
var permissions = []struct{ name, alt, purpose string }{
	{"User.Read", "", "your name in the header (/me)"},
	{"SecurityAlert.ReadWrite.All", "SecurityAlert.Read.All", "alerts (alerts_v2): read, update, comment"},
	{"SecurityIncident.ReadWrite.All", "SecurityIncident.Read.All", "incidents: read and update"},
	{"SecurityEvents.ReadWrite.All", "SecurityEvents.Read.All", "legacy alerts, secure score, subscriptions"},
	{"Mail.Send", "", "alert email"},
}

func (s *Server) permissionStatus(sess *auth.Session) ([]permStatus, []string) {
	var out []permStatus
	var missing []string
	for _, p := range permissions {
		ok := sess.HasAnyScope(p.name) || (p.alt != "" && sess.HasAnyScope(p.alt))
		out = append(out, permStatus{Name: p.name, Purpose: p.purpose, Granted: ok})
		if !ok {
			missing = append(missing, p.name)
		}
	}
	return out, missing
}

// consentPage explains which permissions graphsec has and lacks, and
// offers the admin-consent link.
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	perms, missing := s.permissionStatus(sess)
	p := s.newPage(w, r, sess, "consent", "Permissions", "")
	p.render(http.StatusOK, consentResult{Perms: perms, Missing: missing, Needed: r.URL.Query().Get("need")})
}

// requireScope shows the consent page instead of a page whose Graph calls
// would fail for lack of a permission. It reports whether the page may go on.
func (s *Server) requireScope(w http.ResponseWriter, r *http.Request, sess *auth.Session, perms ...string) bool {
	if sess.HasAnyScope(perms...) {
		return true
	}
	all, missing := s.permissionStatus(sess)
	p := s.newPage(w, r, sess, "consent", "Permission needed", "")
	p.render(http.StatusForbidden, consentResult{Perms: all, Missing: missing, Needed: strings.Join(perms, " or ")})
	return false
}
