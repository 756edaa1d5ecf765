package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// Errors from the sign-in flow. The web layer shows each with a message a
// person can act on; none of them is a server fault.
var (
	// ErrNoSession: the request has no valid session (sign in).
	ErrNoSession = errors.New("auth: not signed in")
	// ErrStateMismatch: the callback's state is unknown, expired, already
	// used or was started in another browser.
	ErrStateMismatch = errors.New("auth: the sign-in response does not match a sign-in started here (it expired, was used already, or came from another browser)")
	// ErrCallbackInvalid: the callback lacks a code or state.
	ErrCallbackInvalid = errors.New("auth: the sign-in response is incomplete")
	// ErrBusy: so many sign-ins are in progress that no other can start
	// (the bound on what anonymous requests may store); try again shortly.
	ErrBusy = errors.New("auth: too many sign-ins in progress")
)

// MaxDescription bounds the identity platform's error description as it is
// kept and shown: it comes back in the callback's query, so anyone can
// write it, and a page must not carry a paragraph of an attacker's text.
const MaxDescription = 200

// ProviderError is an error the identity platform sent back to the
// redirect URI (error, error_description, error_subcode), or an error
// answer of its token endpoint. Every field is sanitised: printable text
// on one line, bounded.
type ProviderError struct {
	// Code is the OAuth error code (access_denied, invalid_grant...).
	Code string
	// AADSTS is Microsoft's error number from the description
	// ("AADSTS65004"), when it has one: the part worth searching for.
	AADSTS string
	// Description is the description's first line without its AADSTS
	// prefix, at most MaxDescription characters.
	Description string
	Subcode     string
	// AdminConsent is set when the error came back from an admin-consent
	// request.
	AdminConsent bool
}

func (e *ProviderError) Error() string {
	s := "sign-in failed: " + e.Code
	if e.AADSTS != "" {
		s += ": " + e.AADSTS
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

var aadstsRe = regexp.MustCompile(`\bAADSTS([0-9]{4,7})\b`)

// newProviderError sanitises what the identity platform (or whoever wrote
// the callback URL) sent.
func newProviderError(code, description, subcode string, adminConsent bool) *ProviderError {
	e := &ProviderError{Code: token(code, 64), Subcode: token(subcode, 64), AdminConsent: adminConsent}
	if e.Code == "" {
		e.Code = "unknown_error"
	}
	first, _, _ := strings.Cut(strings.ReplaceAll(description, "\r", "\n"), "\n")
	if m := aadstsRe.FindStringSubmatch(first); m != nil {
		e.AADSTS = "AADSTS" + m[1]
		first = strings.TrimPrefix(strings.TrimSpace(first), m[0])
		first = strings.TrimLeft(first, ": ")
	}
	e.Description = shorten(oneLine(first), MaxDescription)
	return e
}

// token keeps an OAuth error code's characters (RFC 6749 allows printable
// ASCII but '"' and '\'), at most n.
func token(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			break
		}
		if r > ' ' && r < 0x7f && r != '"' && r != '\\' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneLine keeps printable characters, with every run of white space or
// control characters as one space (no line breaks, no bidirectional
// overrides or other format characters that could disguise the text).
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			space = true
			continue
		}
		if !unicode.IsPrint(r) {
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// shorten cuts s to at most n characters, marking a cut with "…".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// TokenError wraps a failure to redeem or refresh a token.
type TokenError struct{ Err error }

func (e *TokenError) Error() string { return "auth: token request failed: " + e.Err.Error() }
func (e *TokenError) Unwrap() error { return e.Err }

// RejectedError is a sign-in whose answer failed graphsec's checks: the
// ID token's signature, issuer, audience, expiry, nonce, tenant or claims.
// No session was created. Err is the check that failed (for the log).
type RejectedError struct{ Err error }

func (e *RejectedError) Error() string { return "auth: sign-in rejected: " + e.Err.Error() }
func (e *RejectedError) Unwrap() error { return e.Err }

func rejected(format string, args ...any) error {
	return &RejectedError{Err: fmt.Errorf(format, args...)}
}

// EndReason says why a session cannot go on: the console signs the user
// out and says which.
type EndReason int

const (
	// EndExpired: the sign-in expired or was revoked at Microsoft (the
	// refresh token is no longer accepted: inactivity, a password change,
	// an administrator revoking sessions, a policy asking to sign in again).
	EndExpired EndReason = iota + 1
	// EndConsentRevoked: the consent behind graphsec's permissions was
	// withdrawn.
	EndConsentRevoked
	// EndRejected: the identity platform's answer failed graphsec's checks.
	EndRejected
)

// SessionEnded reports whether err means the user's sign-in is over for
// good (a refresh the identity platform refused for a reason that another
// try will not change, or a rejected sign-in), and why. Network failures
// and the platform's own errors (5xx, temporarily_unavailable) are not:
// the session stays and the page says to try again.
func SessionEnded(err error) (EndReason, bool) {
	if err == nil {
		return 0, false
	}
	var rj *RejectedError
	if errors.As(err, &rj) {
		return EndRejected, true
	}
	var re *oauth2.RetrieveError
	var pe *ProviderError
	var code, desc string
	var body []byte
	switch {
	case errors.As(err, &re):
		code, desc, body = re.ErrorCode, re.ErrorDescription, re.Body
	case errors.As(err, &pe) && !pe.AdminConsent:
		code, desc = pe.Code, pe.AADSTS
	default:
		return 0, false
	}
	var extra struct {
		Suberror   string `json:"suberror"`
		ErrorCodes []int  `json:"error_codes"`
	}
	_ = json.Unmarshal(body, &extra)
	codes := extra.ErrorCodes
	for _, m := range aadstsRe.FindAllStringSubmatch(desc, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			codes = append(codes, n)
		}
	}
	for _, n := range codes {
		// AADSTS65001: the user or administrator has not consented;
		// AADSTS65004: the user declined.
		if n == 65001 || n == 65004 {
			return EndConsentRevoked, true
		}
	}
	switch {
	case strings.EqualFold(extra.Suberror, "consent_required"), strings.EqualFold(code, "consent_required"):
		return EndConsentRevoked, true
	case strings.EqualFold(code, "invalid_grant"), strings.EqualFold(code, "interaction_required"), strings.EqualFold(code, "login_required"):
		return EndExpired, true
	}
	return 0, false
}
