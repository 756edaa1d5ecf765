package idp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// aadError is an error as the identity platform reports it: an OAuth error
// code, an AADSTS number and its text. The same value is written as JSON
// by the token endpoint, as a redirect by authorize once the redirect URI
// is trusted, and as an HTML page otherwise.
type aadError struct {
	status   int    // HTTP status for JSON and pages
	err      string // OAuth "error"
	code     int    // AADSTS number
	msg      string // text after "AADSTSnnnn: "
	suberror string // MSAL's suberror, when Entra sends one
}

func (e *aadError) Error() string { return "AADSTS" + strconv.Itoa(e.code) + ": " + e.msg }

// withErr returns a copy carrying another OAuth error code: the same AADSTS
// condition is spelled differently at authorize and at token.
func (e *aadError) withErr(oauthErr string) *aadError {
	c := *e
	c.err = oauthErr
	return &c
}

func newAADError(status int, oauthErr string, code int, format string, args ...any) *aadError {
	return &aadError{status: status, err: oauthErr, code: code, msg: fmt.Sprintf(format, args...)}
}

// The AADSTS texts follow Entra's wording where it is public; the ones the
// docs do not spell out are marked in doc.go as the emulator's choice.

func errTenantNotFound(name string) *aadError {
	return newAADError(http.StatusBadRequest, "invalid_request", 90002,
		"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", name)
}

func errMissingParam(name string) *aadError {
	return newAADError(http.StatusBadRequest, "invalid_request", 900144,
		"The request body must contain the following parameter: '%s'.", name)
}

func errMalformed(detail string) *aadError {
	return newAADError(http.StatusBadRequest, "invalid_request", 9002313,
		"Invalid request. Request is malformed or invalid. %s", detail)
}

func errNotPost(method string) *aadError {
	return newAADError(http.StatusBadRequest, "invalid_request", 900561,
		"The endpoint only accepts POST requests. Received a %s request.", method)
}

func errAppNotFound(clientID, tenantName string) *aadError {
	return newAADError(http.StatusBadRequest, "unauthorized_client", 700016,
		"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenantName)
}

func errRedirectMismatch(uri, clientID string) *aadError {
	return newAADError(http.StatusBadRequest, "invalid_request", 50011,
		"The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.", uri, clientID)
}

func errNoClientSecret() *aadError {
	return newAADError(http.StatusUnauthorized, "invalid_client", 7000218,
		"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
}

func errBadClientSecret(clientID string) *aadError {
	return newAADError(http.StatusUnauthorized, "invalid_client", 7000215,
		"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID)
}

func errPublicClientSecret() *aadError {
	return newAADError(http.StatusUnauthorized, "invalid_client", 700025,
		"Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
}

func errAssertionUnsupported() *aadError {
	return newAADError(http.StatusUnauthorized, "invalid_client", 700027,
		"Client assertion failed signature validation. The emulator has no certificate credentials registered for any application; use a client secret.")
}

func errUnsupportedGrant(grant string) *aadError {
	return newAADError(http.StatusBadRequest, "unsupported_grant_type", 70003,
		"The app requested an unsupported grant type '%s'.", grant)
}

func errCodeRedeemed() *aadError {
	return newAADError(http.StatusBadRequest, "invalid_grant", 54005,
		"OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
}

func errGrantExpired() *aadError {
	return newAADError(http.StatusBadRequest, "invalid_grant", 70008,
		"The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
}

func errInvalidGrant(detail string) *aadError {
	return newAADError(http.StatusBadRequest, "invalid_grant", 70000,
		"Provided grant is invalid or malformed. %s", detail)
}

func errPKCEMismatch() *aadError {
	return newAADError(http.StatusBadRequest, "invalid_grant", 501481,
		"The Code_Verifier does not match the code_challenge supplied in the authorization request.")
}

func errRefreshExpired(issued time.Time, lifetime time.Duration) *aadError {
	return newAADError(http.StatusBadRequest, "invalid_grant", 700082,
		"The refresh token has expired due to inactivity. The token was issued on %s and was inactive for %s.",
		issued.UTC().Format("2006-01-02T15:04:05.0000000Z"), dotnetSpan(lifetime))
}

func errConsentRequired(clientID, appName string) *aadError {
	e := newAADError(http.StatusBadRequest, "invalid_grant", 65001,
		"The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", clientID, appName)
	e.suberror = "consent_required"
	return e
}

func errLoginRequired() *aadError {
	return newAADError(http.StatusBadRequest, "login_required", 50058,
		"A silent sign-in request was sent but no user is signed in.")
}

func errUserDeclined() *aadError {
	return newAADError(http.StatusBadRequest, "access_denied", 65004,
		"User declined to consent to access the app.")
}

func errUnsupportedResponseType(rt string) *aadError {
	return newAADError(http.StatusBadRequest, "unsupported_response_type", 700054,
		"response_type '%s' is not enabled for the application. The emulator supports the authorization code flow (response_type=code) only.", rt)
}

func errFlowExpired() *aadError {
	return newAADError(http.StatusBadRequest, "invalid_request", 50089,
		"Authentication failed due to flow token expired. Expected - auth codes, refresh tokens, and sessions expire over time or are revoked by the user or an admin. The app will request a new login from the user.")
}

// errTooManyFlows refuses a new sign-in when the flow store is full
// (flows.go). Entra's answer to a user-facing flood is AADSTS50196 with
// this text; the second sentence is the emulator's.
func errTooManyFlows() *aadError {
	return newAADError(http.StatusTooManyRequests, "temporarily_unavailable", 50196,
		"The server terminated an operation because it encountered a loop while processing a request. Too many sign-ins are in progress for this application or from this browser; try again in a few minutes.")
}

func errNeedsAdmin() *aadError {
	return newAADError(http.StatusForbidden, "consent_required", 90094,
		"The grant requires admin permission.")
}

// dotnetSpan formats a duration as .NET's TimeSpan does ("90.00:00:00"),
// the form Entra uses in its inactivity messages.
func dotnetSpan(d time.Duration) string {
	days := int64(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h := int64(d / time.Hour)
	d -= time.Duration(h) * time.Hour
	m := int64(d / time.Minute)
	d -= time.Duration(m) * time.Minute
	s := int64(d / time.Second)
	return fmt.Sprintf("%d.%02d:%02d:%02d", days, h, m, s)
}

// trace identifies one error occurrence, as Entra's Trace ID, Correlation
// ID and Timestamp lines do.
type trace struct {
	traceID       string
	correlationID string
	at            time.Time
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// newTrace uses the caller's client-request-id as the correlation id when
// it is a GUID, as Entra does for MSAL's requests.
func (p *Provider) newTrace(r *http.Request) trace {
	t := trace{traceID: newGUID(), at: p.clock.Now().UTC()}
	if c := r.Header.Get("client-request-id"); guidPattern.MatchString(c) {
		t.correlationID = c
	} else {
		t.correlationID = newGUID()
	}
	return t
}

func (t trace) timestamp() string { return t.at.Format("2006-01-02 15:04:05Z") }

func (t trace) description(e *aadError) string {
	return e.Error() + "\r\nTrace ID: " + t.traceID + "\r\nCorrelation ID: " + t.correlationID + "\r\nTimestamp: " + t.timestamp()
}

func errorURI(code int) string {
	return "https://login.microsoftonline.com/error?code=" + strconv.Itoa(code)
}

// errorBody is the token endpoint's error JSON, field for field.
type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
	Suberror         string `json:"suberror,omitempty"`
}

// writeJSONError writes e in Entra's token-endpoint shape and logs the code
// (never the request's secrets).
func (p *Provider) writeJSONError(w http.ResponseWriter, r *http.Request, e *aadError, logAttrs ...any) {
	t := p.newTrace(r)
	body := errorBody{
		Error:            e.err,
		ErrorDescription: t.description(e),
		ErrorCodes:       []int{e.code},
		Timestamp:        t.timestamp(),
		TraceID:          t.traceID,
		CorrelationID:    t.correlationID,
		ErrorURI:         errorURI(e.code),
		Suberror:         e.suberror,
	}
	p.log.Info("idp: request failed", append([]any{"path", r.URL.Path, "error", e.err, "aadsts", e.code, "trace_id", t.traceID}, logAttrs...)...)
	writeJSON(w, e.status, body)
}

// writeJSON writes v with the headers every identity-platform JSON response
// carries: tokens and errors must never be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
