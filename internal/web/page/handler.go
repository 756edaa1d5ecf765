package page

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/graphsec/graphsec/internal/auth"
)

// Handler serves one page. It renders with p.Render (or redirects), or
// returns an error, which the kit shows as the error page with the status
// Kit.Explain gives it: handlers do not render their failures themselves.
type Handler func(p *Page) error

// MaxFormBytes bounds form posts: comments and filters are small.
const MaxFormBytes = 128 << 10

// signInPath is where a signed-out browser is sent (the shell's sign-in).
const signInPath = "/login"

// Page adapts h for a signed-in user. Without a session, a page request
// is sent to sign in and comes back afterwards; any other method cannot be
// replayed after a sign-in, so it is told to sign in and try again.
func (k *Kit) Page(nav string, h Handler) http.Handler {
	return k.serve(nav, true, false, h)
}

// Form adapts h for a form post of a signed-in user: the body is read
// (bounded by MaxFormBytes) and the session's CSRF token checked, on top
// of the cross-origin check the shell applies to every state change.
func (k *Kit) Form(nav string, h Handler) http.Handler {
	return k.serve(nav, true, true, h)
}

// Public adapts h for a page without sign-in (sign-in pages, errors of the
// shell's middleware); p.Session is nil.
func (k *Kit) Public(nav string, h Handler) http.Handler {
	return k.serve(nav, false, false, h)
}

// Optional adapts h for a page anyone may see that is a signed-in user's
// page when there is one (not found): p.Session is the user's session, or
// nil, and the layout shows the navigation to the signed-in.
func (k *Kit) Optional(nav string, h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := k.newPage(w, r, nav)
		if sess, err := k.o.Sessions.Session(r.Context(), r); err == nil {
			p.Session = sess
		}
		if err := h(p); err != nil {
			p.fail(err)
		}
	})
}

func (k *Kit) serve(nav string, signedIn, form bool, h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := k.newPage(w, r, nav)
		if err := k.prepare(p, signedIn, form); err != nil {
			p.fail(err)
			return
		}
		if p.done {
			return
		}
		if err := h(p); err != nil {
			p.fail(err)
		}
	})
}

// prepare loads the session and reads the form before the handler runs.
func (k *Kit) prepare(p *Page, signedIn, form bool) error {
	if !signedIn {
		return nil
	}
	r := p.R
	sess, err := k.o.Sessions.Session(r.Context(), r)
	switch {
	case errors.Is(err, auth.ErrNoSession):
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return p.Redirect(signInPath+"?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		}
		return &Error{Status: http.StatusUnauthorized, Heading: T("error.sessionEnded.heading"), Message: T("error.sessionEnded.message")}
	case err != nil:
		return &Error{Status: http.StatusServiceUnavailable, Heading: T("error.sessionsDown.heading"), Message: T("error.sessionsDown.message"), Cause: err}
	}
	p.Session = sess
	if !form {
		return nil
	}
	if err := p.ParseForm(); err != nil {
		return err
	}
	if !sess.CheckCSRF(r.PostForm.Get("csrf")) {
		return &Error{Status: http.StatusForbidden, Heading: T("error.formExpired.heading"), Message: T("error.formExpired.message")}
	}
	return nil
}

// ParseForm reads a form body of at most MaxFormBytes into p.R.PostForm.
func (p *Page) ParseForm() error {
	p.R.Body = http.MaxBytesReader(p.w, p.R.Body, MaxFormBytes)
	if err := p.R.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Heading: T("error.formTooLarge.heading"), Message: T("error.formTooLarge.message")}
		}
		return &Error{Status: http.StatusBadRequest, Heading: T("error.formUnreadable.heading"), Message: T("error.formUnreadable.message")}
	}
	return nil
}
