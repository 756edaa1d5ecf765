package page

import (
	"errors"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/i18n"
)

// Error is a refusal worded for the user: an HTTP status, a heading and a
// message (catalog messages, written in the reader's language). Cause,
// when set, is what happened underneath: it is logged, and when it is
// Graph's error its code, message and request-id are shown too. A zero
// Status takes the cause's.
type Error struct {
	Status           int
	Heading, Message Msg
	Cause            error
}

func (e *Error) Error() string {
	s := e.Heading.String() + ": " + e.Message.String()
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// BadInput is the user's mistake (400), worded for them.
func BadInput(message Msg) error {
	return &Error{Status: http.StatusBadRequest, Heading: T("error.checkInput"), Message: message}
}

// BadAnswer is Graph answering something graphsec cannot read (502): not
// the user's fault, and not graphsec's bug either.
func BadAnswer(message Msg, cause error) error {
	return &Error{Status: http.StatusBadGateway, Heading: T("error.unexpectedAnswer"), Message: message, Cause: cause}
}

// Reword gives err a heading and message of the page's own when it matches
// target (errors.Is): "Alert not found" rather than "Not found". Graph's
// code and request-id stay on the page; other errors pass unchanged.
func Reword(err, target error, heading, message Msg) error {
	if err == nil || !errors.Is(err, target) {
		return err
	}
	return &Error{Heading: heading, Message: message, Cause: err}
}

// MissingPermission is a page that needs a permission the signed-in
// user's grant lacks: Scopes are the permissions that would do.
type MissingPermission struct {
	Scopes []string
}

func (e *MissingPermission) Error() string {
	return "missing permission: " + strings.Join(e.Scopes, " or ")
}

// ErrorView is what an error page (or a form's error section) shows,
// written in the reader's language. Graph's code, message and request-id
// are shown so that a failure can be reported to Microsoft.
type ErrorView struct {
	Status          int
	Heading         string
	Message         string
	GraphCode       string
	GraphMessage    string
	GraphRequestID  string
	ClientRequestID string
	GraphDate       time.Time
	RetryAfter      time.Duration
	// Needed names the missing permission(s) of a MissingPermission.
	Needed []string
	// ConsentLink offers the permissions page; AdminConsentLink the
	// administrator's consent itself; SignInLink a new sign-in.
	ConsentLink, AdminConsentLink, SignInLink bool
	// Forbidden is set when Graph refused the user (403): the page may
	// explain the roles instead.
	Forbidden bool
	// Reloads says the page reloads itself when Graph allows (a GET that
	// Graph throttled for longer than graphsec waits; the Refresh header).
	Reloads bool
	// Resubmit, for a form Graph throttled before anything was changed,
	// is the form again, to send when Graph allows.
	Resubmit *Resubmit
}

// Resubmit is a form to send again: where, and the fields as they were
// sent; CSRF and Here are what the "formguard" partial reads (it adds a
// fresh form token).
type Resubmit struct {
	Action     string
	Fields     []FormField
	CSRF, Here string
}

// FormField is one field of a form, as it was sent.
type FormField struct {
	Name, Value string
}

// Explain maps an error to the status and view the user sees, in L's
// language. It is the one place that does: pages, forms that show an
// error next to their fields, and middleware all go through it.
func (k *Kit) Explain(L *i18n.Printer, err error) (int, ErrorView) {
	heading, message, v := explainCause(err)
	var ue *Error
	if errors.As(err, &ue) {
		if ue.Status != 0 {
			v.Status = ue.Status
		}
		if !ue.Heading.IsZero() {
			heading = ue.Heading
		}
		if !ue.Message.IsZero() {
			message = ue.Message
		}
	}
	v.Heading, v.Message = heading.In(L), message.In(L)
	return v.Status, v
}

// explainCause words what happened underneath: a heading, a message and
// the view's other parts.
func explainCause(err error) (Msg, Msg, ErrorView) {
	if why, ok := auth.SessionEnded(err); ok {
		v := ErrorView{Status: http.StatusUnauthorized, SignInLink: true}
		switch why {
		case auth.EndConsentRevoked:
			return T("signin.reason.consent.heading"), T("error.sessionEnded.consent"), v
		case auth.EndRejected:
			return T("signin.reason.rejected.heading"), T("error.sessionEnded.rejected"), v
		}
		return T("signin.reason.expired.heading"), T("error.sessionEnded.expired"), v
	}
	var mp *MissingPermission
	if errors.As(err, &mp) {
		return T("error.missingPermission.heading"), T("error.missingPermission.message"),
			ErrorView{Status: http.StatusForbidden, Needed: mp.Scopes, ConsentLink: true, AdminConsentLink: true}
	}
	var ge *graph.Error
	if errors.As(err, &ge) {
		v := ErrorView{GraphCode: ge.Code, GraphMessage: ge.Message, GraphRequestID: ge.RequestID, ClientRequestID: ge.ClientRequestID,
			GraphDate: ge.Date}
		switch {
		case errors.Is(err, graph.ErrNotFound):
			v.Status = http.StatusNotFound
			return T("error.notFound"), T("error.graphNotFound"), v
		case errors.Is(err, graph.ErrForbidden):
			v.Status, v.ConsentLink, v.Forbidden = http.StatusForbidden, true, true
			return T("error.graphForbidden.heading"), T("error.graphForbidden.message"), v
		case errors.Is(err, graph.ErrUnauthorized):
			v.Status, v.SignInLink = http.StatusUnauthorized, true
			return T("error.graphUnauthorized.heading"), T("error.graphUnauthorized.message"), v
		case errors.Is(err, graph.ErrThrottled):
			v.Status, v.RetryAfter = http.StatusTooManyRequests, ge.RetryAfter
			return T("error.graphThrottled.heading"), T("error.graphThrottled.message"), v
		case errors.Is(err, graph.ErrBadRequest):
			v.Status = http.StatusBadRequest
			return T("error.graphBadRequest.heading"), T("error.graphBadRequest.message"), v
		}
		v.Status = http.StatusBadGateway
		return T("error.graphFailed.heading"), T("error.graphFailed.message"), v
	}
	var pe *auth.ProviderError
	if errors.As(err, &pe) {
		return T("error.signInRefused.heading"), T("error.signInRefused.message", "reason", pe.Error()),
			ErrorView{Status: http.StatusBadRequest, SignInLink: true}
	}
	var te *auth.TokenError
	if errors.As(err, &te) {
		return T("error.identityUnreachable.heading"), T("error.identityUnreachable.message"),
			ErrorView{Status: http.StatusBadGateway, SignInLink: true}
	}
	var de *graph.DecodeError
	switch {
	case errors.Is(err, graph.ErrUnauthorized): // a token that could not be renewed
		return T("error.graphUnauthorized.heading"), T("error.tokenNotRenewed"), ErrorView{Status: http.StatusUnauthorized, SignInLink: true}
	case errors.Is(err, graph.ErrInvalidArgument):
		// The client refused to build the request: an id or a value it
		// cannot express. That is input, not a fault.
		return T("error.checkInput"), T("error.clientRefused", "reason", strings.TrimPrefix(err.Error(), graph.ErrInvalidArgument.Error()+": ")),
			ErrorView{Status: http.StatusBadRequest}
	case errors.As(err, &de), errors.Is(err, graph.ErrForeignHost), errors.Is(err, graph.ErrNextLinkLoop), errors.Is(err, graph.ErrResponseTooLarge):
		return T("error.unexpectedAnswer"), T("error.unusableAnswer"), ErrorView{Status: http.StatusBadGateway}
	case isNetError(err):
		return T("error.graphUnreachable.heading"), T("error.graphUnreachable.message"), ErrorView{Status: http.StatusBadGateway}
	}
	return T("error.unexpected.heading"), T("error.unexpected.message"), ErrorView{Status: http.StatusInternalServerError}
}

// isNetError reports a failure to reach Graph at all (DNS, refused
// connection, timeout), as opposed to an answer from it.
func isNetError(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe)
}

// Explain is Kit.Explain in the page's language, and logs err with the
// request's id: at Error level when graphsec or Graph failed (5xx), at
// Info when the user or their permissions were refused. An error that ends
// the user's sign-in for good (auth.SessionEnded) also signs them out, so
// that the next page asks them to sign in rather than failing again.
func (p *Page) Explain(err error) (int, ErrorView) {
	if _, ok := auth.SessionEnded(err); ok && p.Session != nil {
		p.k.o.Sessions.Logout(p.R.Context(), p.w, p.R)
		p.Session = nil
	}
	status, v := p.k.Explain(p.L, err)
	if status >= 500 {
		p.k.log.Error("page failed", "path", p.R.URL.Path, "request_id", p.requestID, "status", status, "err", err)
	} else {
		p.k.log.Info("page refused", "path", p.R.URL.Path, "request_id", p.requestID, "status", status, "err", err)
	}
	return status, v
}

// fail shows err as the error page. A sign-in that is over for good (the
// refresh token refused, consent withdrawn) ends the session and shows the
// sign-in page with the reason instead. A 429 says when to try again
// (Retry-After); a page reloads itself then (Refresh), a form offers to be
// sent again.
func (p *Page) fail(err error) {
	if why, ok := auth.SessionEnded(err); ok && p.Session != nil {
		p.endSession(why, err)
		return
	}
	status, v := p.Explain(err)
	p.Title = v.Heading
	var ge *graph.Error
	if status == http.StatusTooManyRequests && errors.As(err, &ge) && ge.RetryAfter > 0 {
		secs := strconv.Itoa(int(min(max(math.Ceil(ge.RetryAfter.Seconds()), 1), 300)))
		p.w.Header().Set("Retry-After", secs)
		switch {
		case p.R.Method == http.MethodGet:
			p.w.Header().Set("Refresh", secs)
			v.Reloads = true
		case p.Session != nil && p.R.PostForm != nil && p.changes.none():
			v.Resubmit = &Resubmit{Action: p.R.URL.Path, CSRF: p.Session.CSRFToken, Here: p.here()}
			for name, vals := range formValues(p.R.PostForm) {
				for _, val := range vals {
					v.Resubmit.Fields = append(v.Resubmit.Fields, FormField{Name: name, Value: val})
				}
			}
			slices.SortStableFunc(v.Resubmit.Fields, func(a, b FormField) int { return strings.Compare(a.Name, b.Name) })
		}
	}
	if rerr := p.Render(status, errorPage, v); rerr != nil {
		p.k.log.Error("render error page", "request_id", p.requestID, "err", rerr)
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.done {
			p.done, p.started, p.status = true, true, http.StatusInternalServerError
			http.Error(p.w, "The page could not be rendered. Request id: "+p.requestID, http.StatusInternalServerError)
		}
	}
}
