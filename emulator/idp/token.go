package idp

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
)

// maxBasicAuthBytes bounds the Authorization header the token endpoint decodes.
const maxBasicAuthBytes = 4096

var knownTokenParams = []string{"grant_type", "client_id", "client_secret", "client_assertion", "client_assertion_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope", "client_info"}

// handleToken is the token endpoint: authorization_code, refresh_token and
// client_credentials, with client_secret_post or client_secret_basic.
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		p.writeJSONError(w, r, errNotPost(r.Method))
		return
	}
	if _, aerr := p.resolveTenant(r.PathValue("tenant")); aerr != nil {
		p.writeJSONError(w, r, aerr)
		return
	}
	v, aerr := readForm(w, r)
	if aerr != nil {
		p.writeJSONError(w, r, aerr)
		return
	}
	if n := v.repeated(knownTokenParams...); n != "" {
		p.writeJSONError(w, r, errMalformed(fmt.Sprintf("The parameter '%s' was sent more than once.", n)))
		return
	}
	grant := v.get("grant_type")
	if grant == "" {
		p.writeJSONError(w, r, errMissingParam("grant_type"))
		return
	}
	switch grant {
	case "authorization_code", "refresh_token", "client_credentials":
	default:
		p.writeJSONError(w, r, errUnsupportedGrant(truncate(grant)))
		return
	}
	app, usedBasic, aerr := p.authenticateClient(r, v)
	if aerr != nil {
		if usedBasic && aerr.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+p.baseURL+`"`)
		}
		p.writeJSONError(w, r, aerr, "client_id", truncate(app.ClientID))
		return
	}
	now := p.clock.Now()
	var resp tokenResponse
	switch grant {
	case "authorization_code":
		resp, aerr = p.redeemCode(now, app, v)
	case "refresh_token":
		resp, aerr = p.redeemRefresh(now, app, v)
	case "client_credentials":
		resp, aerr = p.clientCredentials(now, app, v)
	}
	if aerr != nil {
		p.writeJSONError(w, r, aerr, "client_id", app.ClientID, "grant_type", grant)
		return
	}
	p.log.Info("idp: token issued", "client_id", app.ClientID, "grant_type", grant)
	writeJSON(w, http.StatusOK, resp)
}

// errBasicMalformed is parseBasicAuth's only error.
var errBasicMalformed = errors.New("idp: malformed Basic credentials")

// parseBasicAuth decodes client_secret_basic credentials: RFC 6749 §2.3.1
// form-urlencodes the client id and secret before Basic encoding them
// (golang.org/x/oauth2 does), so they are unescaped after decoding. ok is
// false when the header is absent or another scheme.
func parseBasicAuth(h string) (id, secret string, ok bool, err error) {
	if h == "" {
		return "", "", false, nil
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, nil
	}
	if len(h) > maxBasicAuthBytes {
		return "", "", true, errBasicMalformed
	}
	rest = strings.TrimSpace(rest)
	raw, derr := base64.StdEncoding.DecodeString(rest)
	if derr != nil {
		if raw, derr = base64.RawStdEncoding.DecodeString(rest); derr != nil {
			return "", "", true, errBasicMalformed
		}
	}
	rid, rsecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", true, errBasicMalformed
	}
	if id, err = url.QueryUnescape(rid); err != nil {
		return "", "", true, errBasicMalformed
	}
	if secret, err = url.QueryUnescape(rsecret); err != nil {
		return "", "", true, errBasicMalformed
	}
	return id, secret, true, nil
}

// authenticateClient identifies the client and checks its secret, sent in
// the body or with HTTP Basic (both at once only if they agree).
func (p *Provider) authenticateClient(r *http.Request, v params) (app tenant.App, usedBasic bool, aerr *aadError) {
	bid, bsecret, usedBasic, err := parseBasicAuth(r.Header.Get("Authorization"))
	if err != nil {
		return app, true, errMalformed("The Authorization header does not hold valid Basic client credentials.")
	}
	clientID, secret := v.get("client_id"), v.get("client_secret")
	if usedBasic {
		if clientID != "" && clientID != bid {
			return app, true, errMalformed("The client_id in the body differs from the one in the Authorization header.")
		}
		if secret != "" && !secretEqual(secret, bsecret) {
			return app, true, errMalformed("The client was authenticated with both client_secret_basic and client_secret_post, with different secrets.")
		}
		clientID, secret = bid, bsecret
	}
	if clientID == "" {
		return app, usedBasic, errMissingParam("client_id")
	}
	found, derr := p.dir.App(clientID)
	if derr != nil {
		return tenant.App{ClientID: clientID}, usedBasic, errAppNotFound(truncate(clientID), p.tenantName())
	}
	app = found
	if v.get("client_assertion") != "" || v.get("client_assertion_type") != "" {
		return app, usedBasic, errAssertionUnsupported()
	}
	if app.Secret == "" {
		if secret != "" {
			return app, usedBasic, errPublicClientSecret()
		}
		return app, usedBasic, nil
	}
	if secret == "" {
		return app, usedBasic, errNoClientSecret()
	}
	if !secretEqual(secret, app.Secret) {
		return app, usedBasic, errBadClientSecret(app.ClientID)
	}
	return app, usedBasic, nil
}

// redeemCode exchanges an authorization code. A code is spent by the first
// redemption attempt from its own client, successful or not, so a stolen
// code cannot be retried against the verifier.
func (p *Provider) redeemCode(now time.Time, app tenant.App, v params) (tokenResponse, *aadError) {
	code := v.get("code")
	if code == "" {
		return tokenResponse{}, errMissingParam("code")
	}
	redirect := v.get("redirect_uri")
	if redirect == "" {
		return tokenResponse{}, errMissingParam("redirect_uri")
	}
	p.mu.Lock()
	ac, ok := p.codes.get(code, now)
	var redeemed bool
	if ok && ac.clientID == app.ClientID {
		redeemed = ac.redeemed
		ac.redeemed = true
	}
	p.mu.Unlock()
	switch {
	case !ok:
		return tokenResponse{}, errInvalidGrant("The provided value for the 'code' parameter is not valid.")
	case ac.clientID != app.ClientID:
		return tokenResponse{}, errInvalidGrant("The authorization code was issued to another client.")
	case redeemed:
		return tokenResponse{}, errCodeRedeemed()
	case now.After(ac.issued.Add(codeLifetime)):
		return tokenResponse{}, errGrantExpired()
	case redirect != ac.redirectURI:
		return tokenResponse{}, errInvalidGrant("The redirect_uri does not match the one used to obtain the authorization code.")
	}
	if !checkPKCE(ac.challenge, ac.challengeMethod, v.get("code_verifier")) {
		return tokenResponse{}, errPKCEMismatch()
	}
	u, err := p.dir.User(ac.userID)
	if err != nil {
		return tokenResponse{}, errInvalidGrant("The user of the authorization code no longer exists.")
	}
	granted := ac.scopes
	if raw := v.get("scope"); strings.TrimSpace(raw) != "" {
		asked, perr := parseScopes(raw)
		if se, ok := perr.(*ScopeError); ok {
			return tokenResponse{}, se.aad()
		}
		granted = withOIDC(granted, asked.OIDC)
	}
	resp, err := p.userTokens(now, userGrant{app: app, user: u, original: granted, request: granted, nonce: ac.nonce, clientInfo: v.get("client_info") == "1"})
	if err != nil {
		return tokenResponse{}, serverError(err)
	}
	return resp, nil
}

// withOIDC adds OpenID Connect scopes named at code redemption to the
// code's grant. Entra's token endpoint takes a scope parameter there, with
// OIDC scopes beside the resource's, and MSAL relies on it: its
// AuthCodeURL asks only for the app's scopes, and the redemption adds
// openid, profile and offline_access, from which MSAL expects the ID
// token, refresh token and client_info its account cache is built on.
// The code's resource scopes stay as they were (the emulator has one
// resource); the OIDC scopes still need the user's consent (userTokens).
func withOIDC(req scopeRequest, oidc []string) scopeRequest {
	out := req
	out.OIDC = slices.Clone(req.OIDC)
	for _, s := range oidc {
		if !containsFold(out.OIDC, s) {
			out.OIDC = append(out.OIDC, s)
		}
	}
	return out
}

// checkPKCE checks the verifier against the code's challenge. A verifier
// sent for a code obtained without PKCE is refused too (RFC 9700's
// downgrade protection).
func checkPKCE(challenge, method, verifier string) bool {
	if challenge == "" {
		return verifier == ""
	}
	if !validPKCEString(verifier) {
		return false
	}
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return secretEqual(want, challenge)
}

// redeemRefresh redeems a refresh token: a subset of the original scope
// may be asked for, consent is re-evaluated, and a new refresh token is
// returned (the old one stays valid until it expires).
func (p *Provider) redeemRefresh(now time.Time, app tenant.App, v params) (tokenResponse, *aadError) {
	raw := v.get("refresh_token")
	if raw == "" {
		return tokenResponse{}, errMissingParam("refresh_token")
	}
	rp, err := p.openRefresh(raw)
	if err != nil {
		return tokenResponse{}, errInvalidGrant("The refresh token is not valid.")
	}
	if rp.Client != app.ClientID {
		return tokenResponse{}, errInvalidGrant("The refresh token was issued to another client.")
	}
	issued := time.Unix(rp.Issued, 0)
	if now.After(issued.Add(p.refreshTTL)) {
		return tokenResponse{}, errRefreshExpired(issued, p.refreshTTL)
	}
	u, derr := p.dir.User(rp.User)
	if derr != nil {
		return tokenResponse{}, errInvalidGrant("The user of the refresh token no longer exists.")
	}
	req := rp.Request
	if s := v.get("scope"); strings.TrimSpace(s) != "" {
		asked, perr := parseScopes(s)
		if perr != nil {
			if se, ok := perr.(*ScopeError); ok {
				return tokenResponse{}, se.aad()
			}
			return tokenResponse{}, errMissingParam("scope")
		}
		if !scopeSubset(asked, rp.Request) {
			return tokenResponse{}, scopeNotGranted(asked, rp.Request).aad()
		}
		req = asked
	}
	if !containsFold(p.dir.ConsentedScopes(app.ClientID, u.ID), "offline_access") {
		// The grant behind the refresh token was revoked.
		return tokenResponse{}, errConsentRequired(app.ClientID, app.DisplayName)
	}
	resp, err := p.userTokens(now, userGrant{app: app, user: u, original: rp.Request, request: req, clientInfo: v.get("client_info") == "1"})
	if err != nil {
		return tokenResponse{}, serverError(err)
	}
	return resp, nil
}

// scopeSubset reports whether every element of asked was in the original
// request; Graph permissions asked explicitly are within an original
// "/.default".
func scopeSubset(asked, orig scopeRequest) bool {
	for _, s := range asked.OIDC {
		if !containsFold(orig.OIDC, s) {
			return false
		}
	}
	if asked.GraphDefault && !orig.GraphDefault {
		return false
	}
	if orig.GraphDefault {
		return true
	}
	for _, s := range asked.Graph {
		if !containsFold(orig.Graph, s) {
			return false
		}
	}
	return true
}

func scopeNotGranted(asked, orig scopeRequest) *ScopeError {
	for _, s := range asked.items() {
		if !scopeSubset(scopeOf(s), orig) {
			return invalidScope("The scope '%s' was not part of the original grant.", s)
		}
	}
	return invalidScope("The scope is not a subset of the original grant.")
}

func scopeOf(item string) scopeRequest {
	if item == ".default" {
		return scopeRequest{GraphDefault: true}
	}
	if p, ok := tenant.LookupPermission(item); ok && p.OIDC {
		return scopeRequest{OIDC: []string{item}}
	}
	return scopeRequest{Graph: []string{item}}
}

// clientCredentials issues an app-only token: one scope, Graph's
// "/.default", and roles from the app's admin-consented application
// permissions. No refresh token, no ID token, no scope in the response.
func (p *Provider) clientCredentials(now time.Time, app tenant.App, v params) (tokenResponse, *aadError) {
	if app.Secret == "" {
		return tokenResponse{}, errNoClientSecret()
	}
	s := v.get("scope")
	if strings.TrimSpace(s) == "" {
		return tokenResponse{}, errMissingParam("scope")
	}
	if se := parseClientCredentialsScope(s); se != nil {
		return tokenResponse{}, se.aad()
	}
	at, err := p.mintAppAccessToken(now, app, p.appRoles(app))
	if err != nil {
		return tokenResponse{}, serverError(err)
	}
	secs := int64(p.accessTTL / time.Second)
	return tokenResponse{TokenType: "Bearer", ExpiresIn: secs, ExtExpiresIn: secs, AccessToken: at}, nil
}

// serverError reports a failure of the emulator itself (signing), which
// cannot be caused by the request.
func serverError(err error) *aadError {
	return newAADError(http.StatusInternalServerError, "server_error", 50000, "There was an error issuing a token. %v", err)
}
