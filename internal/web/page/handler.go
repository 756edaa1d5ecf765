package page

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/graphsec/graphsec/internal/auth"
)

// Handler serves one page. It renders with p.Render (or redirects), or
// returns an error, which the kit shows as the error page with the status
// Kit.Explain gives it: handlers do not render their failures themselves.
type Handler func(p *Page) error

// MaxFormBytes bounds form posts: comments and filters are small.
const MaxFormBytes = 128 << 10

// FormTimeout bounds how long a form's work may run once it has started.
// A form is not cancelled when the browser goes away (a second click
// aborts the first request): a change that has begun runs to its outcome,
// which the second submission then reports.
const FormTimeout = 2 * time.Minute

// signInPath is where a signed-out browser is sent: the shell's sign-in
// page (a page with a button, never straight to the identity platform, so
// that Back after signing out cannot sign anyone in silently).
const signInPath = "/login"

// Page adapts h for a signed-in user. Without a session, a page request
// is sent to the sign-in page and comes back afterwards.
func (k *Kit) Page(nav string, h Handler) http.Handler {
	return k.serve(nav, true, false, h)
}

// Form adapts h for a form post of a signed-in user: the body is read
// (bounded by MaxFormBytes), the session's CSRF token checked (on top of
// the cross-origin check the shell applies to every state change), and
// the form's one-time token claimed, so that the same form sent twice is
// applied once (formtoken.go). Without a session, the form's text is kept
// for the browser and the user is sent to sign in; the form comes back
// filled in on its page afterwards.
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
		if form {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), FormTimeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		p := k.newPage(w, r, nav)
		p.R = p.R.WithContext(context.WithValue(p.R.Context(), changesKey, &p.changes))
		// Deferred, so that a handler that panics leaves its form
		// settled as failed rather than claimed for a day.
		defer k.settle(p)
		if err := k.prepare(p, signedIn, form); err != nil {
			p.fail(err)
			return
		}
		if !p.done {
			if err := h(p); err != nil {
				p.fail(err)
			}
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
		if form {
			return k.formWithoutSession(p)
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return p.Redirect(signInPath+"?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		}
		return &Error{Status: http.StatusUnauthorized, Heading: T("error.sessionEnded.heading"), Message: T("error.sessionEnded.message")}
	case err != nil:
		return &Error{Status: http.StatusServiceUnavailable, Heading: T("error.sessionsDown.heading"), Message: T("error.sessionsDown.message"), Cause: err}
	}
	p.Session = sess
	if !form {
		if k.o.Drafts != nil && r.Method == http.MethodGet {
			d, err := k.o.Drafts.TakeDraft(r.Context(), p.w, r, r.URL.RequestURI(), sess.UserID)
			if err != nil {
				p.Log().Warn("restore kept form text", "err", err)
			} else if d != nil {
				p.draft = d.Values
			}
		}
		return nil
	}
	if err := p.ParseForm(); err != nil {
		return err
	}
	if !sess.CheckCSRF(r.PostForm.Get("csrf")) {
		return &Error{Status: http.StatusForbidden, Heading: T("error.formExpired.heading"), Message: T("error.formExpired.message")}
	}
	return k.claimForm(p)
}

// formWithoutSession answers a form that arrived after its session had
// ended: what was typed is kept for this browser (bounded, sealed,
// short-lived), and the browser goes to the sign-in page, which comes
// back to the page the form was on with the text in it. Nothing is sent
// on the user's behalf.
func (k *Kit) formWithoutSession(p *Page) error {
	if err := p.ParseForm(); err != nil {
		return err
	}
	from := p.here()
	q := url.Values{"return_to": {from}, "reason": {"ended"}}
	if v := formValues(p.R.PostForm); len(v) > 0 && k.o.Drafts != nil {
		err := k.o.Drafts.KeepDraft(p.R.Context(), p.w, p.R, auth.Draft{ReturnTo: from, Values: v})
		if err != nil {
			p.Log().Warn("keep form text across sign-in", "err", err)
			q.Set("draft", "lost")
		} else {
			q.Set("draft", "kept")
		}
	}
	return p.Redirect(signInPath+"?"+q.Encode(), http.StatusSeeOther)
}

// formValues are the fields a user filled in: the form without what the
// "formguard" adds.
func formValues(form url.Values) url.Values {
	v := url.Values{}
	for name, vals := range form {
		switch name {
		case "csrf", formTokenField, "from":
			continue
		}
		v[name] = vals
	}
	return v
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
