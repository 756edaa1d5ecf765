package idp

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/emulator/tenant"
)

// discoveryDoc is the OpenID Provider metadata, with Entra's fields in
// Entra's order. The cloud host names are Entra's, verbatim: they name
// Microsoft's clouds, not URLs the emulator serves.
type discoveryDoc struct {
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	Issuer                            string   `json:"issuer"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	HTTPLogoutSupported               bool     `json:"http_logout_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ClaimsSupported                   []string `json:"claims_supported"`
	KerberosEndpoint                  string   `json:"kerberos_endpoint"`
	TenantRegionScope                 *string  `json:"tenant_region_scope"`
	CloudInstanceName                 string   `json:"cloud_instance_name"`
	CloudGraphHostName                string   `json:"cloud_graph_host_name"`
	MSGraphHost                       string   `json:"msgraph_host"`
	RBACURL                           string   `json:"rbac_url"`
}

// handleDiscovery serves the v2.0 document (issuer {BaseURL}/{tid}/v2.0,
// with the literal "{tenantid}" on common/organizations) or the v1
// document (issuer https://sts.windows.net/{tid}/). The v1 document points
// at the v2.0 endpoints: the emulator implements only the v2.0 protocol.
func (p *Provider) handleDiscovery(v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tref, aerr := p.resolveTenant(r.PathValue("tenant"))
		if aerr != nil {
			p.writeJSONError(w, r, aerr.withErr("invalid_tenant"))
			return
		}
		tid := "{tenantid}"
		if tref.specific {
			tid = p.tenantID
		}
		base := p.baseURL + "/" + tref.segment
		doc := discoveryDoc{
			TokenEndpoint:                     base + "/oauth2/v2.0/token",
			TokenEndpointAuthMethodsSupported: []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
			JWKSURI:                           base + "/discovery/v2.0/keys",
			ResponseModesSupported:            []string{"query", "fragment", "form_post"},
			SubjectTypesSupported:             []string{"pairwise"},
			IDTokenSigningAlgValuesSupported:  []string{"RS256"},
			ResponseTypesSupported:            []string{"code", "id_token", "code id_token", "id_token token"},
			ScopesSupported:                   []string{"openid", "profile", "email", "offline_access"},
			Issuer:                            p.baseURL + "/" + tid + "/v2.0",
			UserinfoEndpoint:                  p.baseURL + "/oidc/userinfo",
			AuthorizationEndpoint:             base + "/oauth2/v2.0/authorize",
			DeviceAuthorizationEndpoint:       base + "/oauth2/v2.0/devicecode",
			HTTPLogoutSupported:               true,
			FrontchannelLogoutSupported:       true,
			EndSessionEndpoint:                base + "/oauth2/v2.0/logout",
			ClaimsSupported:                   []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
			KerberosEndpoint:                  base + "/kerberos",
			CloudInstanceName:                 "microsoftonline.com",
			CloudGraphHostName:                "graph.windows.net",
			MSGraphHost:                       "graph.microsoft.com",
			RBACURL:                           "https://pas.windows.net",
		}
		if !v2 {
			doc.Issuer = "https://sts.windows.net/" + tid + "/"
			doc.JWKSURI = base + "/discovery/keys"
		}
		writeCacheableJSON(w, doc)
	}
}

// handleKeys serves the JWKS. The v2.0 keys carry Entra's issuer field.
func (p *Provider) handleKeys(v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tref, aerr := p.resolveTenant(r.PathValue("tenant"))
		if aerr != nil {
			p.writeJSONError(w, r, aerr.withErr("invalid_tenant"))
			return
		}
		issuer := ""
		if v2 {
			tid := "{tenantid}"
			if tref.specific {
				tid = p.tenantID
			}
			issuer = p.baseURL + "/" + tid + "/v2.0"
		}
		writeCacheableJSON(w, struct {
			Keys []jwk `json:"keys"`
		}{[]jwk{p.signer.jwk(issuer)}})
	}
}

// writeCacheableJSON writes public metadata: cacheable and readable from
// any origin, as Entra serves it.
func writeCacheableJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "max-age=86400, private")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// handleDeviceCode answers the device authorization endpoint that the
// discovery document lists: the flow is not emulated.
func (p *Provider) handleDeviceCode(w http.ResponseWriter, r *http.Request) {
	if _, aerr := p.resolveTenant(r.PathValue("tenant")); aerr != nil {
		p.writeJSONError(w, r, aerr)
		return
	}
	p.writeJSONError(w, r, newAADError(http.StatusBadRequest, "invalid_request", 9002313,
		"Invalid request. Request is malformed or invalid. The device code flow is not supported by the graphsec emulator."))
}

// graphError is Graph's error envelope, for /oidc/userinfo (a Graph host
// endpoint on the real service).
type graphError struct {
	Error graphErrorBody `json:"error"`
}

type graphErrorBody struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError graphInnerError `json:"innerError"`
}

type graphInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// handleUserinfo serves OIDC UserInfo for a user's Graph access token.
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	raw := ""
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		raw = strings.TrimSpace(h[7:])
	}
	c, err := p.VerifyAccessToken(raw)
	if err != nil {
		p.writeGraphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", err.Error())
		return
	}
	if c.AppOnly {
		p.writeGraphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. The UserInfo endpoint needs a token issued to a signed-in user.")
		return
	}
	u, derr := p.dir.User(c.ObjectID)
	if derr != nil {
		p.writeGraphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. The user no longer exists.")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Sub        string `json:"sub"`
		Name       string `json:"name,omitempty"`
		FamilyName string `json:"family_name,omitempty"`
		GivenName  string `json:"given_name,omitempty"`
		Email      string `json:"email,omitempty"`
	}{c.Subject, u.DisplayName, u.Surname, u.GivenName, u.Mail})
}

func (p *Provider) writeGraphError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	reqID := newGUID()
	clientReqID := r.Header.Get("client-request-id")
	if !guidPattern.MatchString(clientReqID) {
		clientReqID = reqID
	}
	w.Header().Set("request-id", reqID)
	w.Header().Set("client-request-id", clientReqID)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+p.baseURL+`/common/oauth2/authorize", client_id="`+tenant.GraphAppID+`"`)
	}
	p.log.Info("idp: userinfo refused", "code", code, "request_id", reqID)
	writeJSON(w, status, graphError{Error: graphErrorBody{Code: code, Message: msg, InnerError: graphInnerError{
		Date: p.clock.Now().UTC().Format("2006-01-02T15:04:05"), RequestID: reqID, ClientRequestID: clientReqID,
	}}})
}

// handleLogout ends the SSO session. It redirects to
// post_logout_redirect_uri only when that URI is registered for the app
// named by client_id or by the id_token_hint's audience; otherwise it
// shows a signed-out page.
func (p *Provider) handleLogout(w http.ResponseWriter, r *http.Request) {
	if _, aerr := p.resolveTenant(r.PathValue("tenant")); aerr != nil {
		p.errorPageFor(w, r, aerr)
		return
	}
	v, aerr := readParams(w, r)
	if aerr != nil {
		p.errorPageFor(w, r, aerr)
		return
	}
	p.endSession(w, r)
	p.log.Info("idp: signed out")
	target := v.get("post_logout_redirect_uri")
	if target == "" {
		p.render(w, http.StatusOK, "signedout", signedOutPage{Title: "Signed out"})
		return
	}
	clientID := v.get("client_id")
	if clientID == "" {
		clientID = p.idTokenAudience(v.get("id_token_hint"))
	}
	if app, err := p.dir.App(clientID); err == nil && clientID != "" && slices.Contains(app.RedirectURIs, target) {
		out := []formField{}
		if s := v.get("state"); s != "" {
			out = append(out, formField{"state", s})
		}
		p.deliver(w, r, target, "query", out)
		return
	}
	p.render(w, http.StatusOK, "signedout", signedOutPage{Title: "Signed out",
		Message: "The application's post-logout address is not registered for it, so you were not sent back."})
}

// idTokenAudience returns the aud of an ID token the emulator signed
// (expired ones included: a hint is allowed to be stale), or "".
func (p *Provider) idTokenAudience(raw string) string {
	if raw == "" || len(raw) > maxAccessTokenBytes {
		return ""
	}
	payload, err := p.signer.verify(raw)
	if err != nil {
		return ""
	}
	var c idTokenClaims
	if json.Unmarshal(payload, &c) != nil || c.Iss != p.idIssuer() {
		return ""
	}
	return c.Aud
}
