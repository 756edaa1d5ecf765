package auth

import (
	"errors"
	"fmt"
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
)

// ProviderError is an error the identity platform sent back to the
// redirect URI (error, error_description, error_subcode), or an error
// answer of its token endpoint.
type ProviderError struct {
	Code        string
	Description string
	Subcode     string
	// AdminConsent is set when the error came back from an admin-consent
	// request.
	AdminConsent bool
}

func (e *ProviderError) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("sign-in failed: %s: %s", e.Code, e.Description)
	}
	return "sign-in failed: " + e.Code
}

// TokenError wraps a failure to redeem or refresh a token.
type TokenError struct{ Err error }

func (e *TokenError) Error() string { return "auth: token request failed: " + e.Err.Error() }
func (e *TokenError) Unwrap() error { return e.Err }
