package page

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

// Error is a refusal worded for the user: an HTTP status, a heading and a
// message. Cause, when set, is what happened underneath: it is logged, and
// when it is Graph's error its code, message and request-id are shown too.
// A zero Status takes the cause's.
type Error struct {
	Status           int
	Heading, Message string
	Cause            error
}

func (e *Error) Error() string {
	s := e.Heading + ": " + e.Message
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// BadInput is the user's mistake (400), worded for them.
func BadInput(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Heading: "Please check what you entered", Message: fmt.Sprintf(format, args...)}
}

// BadAnswer is Graph answering something graphsec cannot read (502): not
// the user's fault, and not graphsec's bug either.
func BadAnswer(message string, cause error) error {
	return &Error{Status: http.StatusBadGateway, Heading: "Microsoft Graph sent an unexpected answer", Message: message, Cause: cause}
}

// Reword gives err a heading and message of the page's own when it matches
// target (errors.Is): "Alert not found" rather than "Not found". Graph's
// code and request-id stay on the page; other errors pass unchanged.
func Reword(err, target error, heading, message string) error {
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

// ErrorView is what an error page (or a form's error section) shows.
// Graph's code, message and request-id are shown so that a failure can be
// reported to Microsoft.
type ErrorView struct {
	Status          int
	Heading         string
	Message         string
	GraphCode       string
	GraphMessage    string
	GraphRequestID  string
	ClientRequestID string
	GraphDate       string
	RetryAfter      string
	// Needed names the missing permission(s) of a MissingPermission.
	Needed string
	// ConsentLink offers the permissions page; AdminConsentLink the
	// administrator's consent itself; SignInLink a new sign-in.
	ConsentLink, AdminConsentLink, SignInLink bool
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
	Fields     []Field
	CSRF, Here string
}

// Explain maps an error to the status and view the user sees. It is the
// one place that does: pages, forms that show an error next to their
// fields, and middleware all go through it.
func (k *Kit) Explain(err error) (int, ErrorView) {
	v := k.explainCause(err)
	var ue *Error
	if errors.As(err, &ue) {
		if ue.Status != 0 {
			v.Status = ue.Status
		}
		if ue.Heading != "" {
			v.Heading = ue.Heading
		}
		if ue.Message != "" {
			v.Message = ue.Message
		}
	}
	return v.Status, v
}

func (k *Kit) explainCause(err error) ErrorView {
	if why, ok := auth.SessionEnded(err); ok {
		v := ErrorView{Status: http.StatusUnauthorized, SignInLink: true}
		switch why {
		case auth.EndConsentRevoked:
			v.Heading, v.Message = "graphsec's permissions were withdrawn", "The consent graphsec's permissions rest on was revoked, so graphsec has signed you out. Sign in again; if that fails, ask an administrator to grant consent again."
		case auth.EndRejected:
			v.Heading, v.Message = "Sign-in rejected", "The answer from the Microsoft identity platform did not pass graphsec's checks, so you are not signed in. Sign in again."
		default:
			v.Heading, v.Message = "Your sign-in has ended", "Microsoft no longer accepts your sign-in (it expired, or it was revoked), so graphsec has signed you out. Sign in again."
		}
		return v
	}
	var mp *MissingPermission
	if errors.As(err, &mp) {
		return ErrorView{Status: http.StatusForbidden, Heading: "This page needs a permission graphsec does not have",
			Message: "Your sign-in does not carry the permission this page needs. An administrator grants graphsec's permissions once for the whole tenant; after that, sign in again.",
			Needed:  strings.Join(mp.Scopes, " or "), ConsentLink: true, AdminConsentLink: true}
	}
	var ge *graph.Error
	if errors.As(err, &ge) {
		v := ErrorView{GraphCode: ge.Code, GraphMessage: ge.Message, GraphRequestID: ge.RequestID, ClientRequestID: ge.ClientRequestID,
			GraphDate: k.o.Times.Time(ge.Date, Exact)}
		switch {
		case errors.Is(err, graph.ErrNotFound):
			v.Status, v.Heading, v.Message = http.StatusNotFound, "Not found", "Microsoft Graph has nothing with that id. Check the id, or go back to the list."
		case errors.Is(err, graph.ErrForbidden):
			v.Status, v.Heading = http.StatusForbidden, "Microsoft Graph refused the request"
			v.Message = "graphsec or your account lacks a permission this needs. An administrator may need to grant consent, or assign you a security role (Security Reader to read, Security Operator or Administrator to change)."
			v.ConsentLink = true
		case errors.Is(err, graph.ErrUnauthorized):
			v.Status, v.Heading, v.SignInLink = http.StatusUnauthorized, "Your sign-in is no longer accepted", true
			v.Message = "Microsoft Graph rejected your token and it could not be renewed. Sign in again."
		case errors.Is(err, graph.ErrThrottled):
			v.Status, v.Heading = http.StatusTooManyRequests, "Microsoft Graph is throttling requests"
			v.Message = "graphsec retried, but Graph still asks to wait."
			v.RetryAfter = k.o.Times.Duration(ge.RetryAfter)
		case errors.Is(err, graph.ErrBadRequest):
			v.Status, v.Heading, v.Message = http.StatusBadRequest, "Microsoft Graph did not accept the request", "Check the values you entered."
		default:
			v.Status, v.Heading, v.Message = http.StatusBadGateway, "Microsoft Graph failed", "Graph answered with an error. Try again; if it persists, report the request id below."
		}
		return v
	}
	var pe *auth.ProviderError
	if errors.As(err, &pe) {
		return ErrorView{Status: http.StatusBadRequest, Heading: "Sign-in failed", Message: pe.Error(), SignInLink: true}
	}
	var te *auth.TokenError
	if errors.As(err, &te) {
		return ErrorView{Status: http.StatusBadGateway, Heading: "The sign-in service did not answer", Message: "graphsec could not reach the Microsoft identity platform. Try again in a moment.", SignInLink: true}
	}
	var de *graph.DecodeError
	switch {
	case errors.Is(err, graph.ErrUnauthorized): // a token that could not be renewed
		return ErrorView{Status: http.StatusUnauthorized, Heading: "Your sign-in is no longer accepted", Message: "graphsec could not renew your token. Sign in again.", SignInLink: true}
	case errors.Is(err, graph.ErrInvalidArgument):
		// The client refused to build the request: an id or a value it
		// cannot express. That is input, not a fault.
		return ErrorView{Status: http.StatusBadRequest, Heading: "Please check what you entered",
			Message: "graphsec cannot send this to Microsoft Graph: " + strings.TrimPrefix(err.Error(), graph.ErrInvalidArgument.Error()+": ") + "."}
	case errors.As(err, &de), errors.Is(err, graph.ErrForeignHost), errors.Is(err, graph.ErrNextLinkLoop), errors.Is(err, graph.ErrResponseTooLarge):
		return ErrorView{Status: http.StatusBadGateway, Heading: "Microsoft Graph sent an unexpected answer", Message: "graphsec could not use Graph's answer. Try again; if it persists, report the request id below."}
	case isNetError(err):
		return ErrorView{Status: http.StatusBadGateway, Heading: "Microsoft Graph cannot be reached", Message: "graphsec could not connect to Microsoft Graph. Check the network (or that the emulator is running) and try again."}
	}
	return ErrorView{Status: http.StatusInternalServerError, Heading: "Something went wrong", Message: "graphsec hit an unexpected problem. It has been logged with the request id below."}
}

// isNetError reports a failure to reach Graph at all (DNS, refused
// connection, timeout), as opposed to an answer from it.
func isNetError(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe)
}

// Explain is Kit.Explain that also logs err with the request's id: at
// Error level when graphsec or Graph failed (5xx), at Info when the user
// or their permissions were refused. An error that ends the user's
// sign-in for good (auth.SessionEnded) also signs them out, so that the
// next page asks them to sign in rather than failing again.
func (p *Page) Explain(err error) (int, ErrorView) {
	if _, ok := auth.SessionEnded(err); ok && p.Session != nil {
		p.k.o.Sessions.Logout(p.R.Context(), p.w, p.R)
		p.Session = nil
	}
	status, v := p.k.Explain(err)
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
					v.Resubmit.Fields = append(v.Resubmit.Fields, Field{Name: name, Value: val})
				}
			}
			slices.SortStableFunc(v.Resubmit.Fields, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
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
