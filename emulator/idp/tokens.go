package idp

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
)

// idTokenClaims is a v2.0 ID token's payload.
type idTokenClaims struct {
	Aud               string `json:"aud"`
	Iss               string `json:"iss"`
	Iat               int64  `json:"iat"`
	Nbf               int64  `json:"nbf"`
	Exp               int64  `json:"exp"`
	Email             string `json:"email,omitempty"`
	Name              string `json:"name,omitempty"`
	Nonce             string `json:"nonce,omitempty"`
	OID               string `json:"oid,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Sub               string `json:"sub"`
	TID               string `json:"tid"`
	Ver               string `json:"ver"`
}

// idIssuer is the v2.0 issuer of ID tokens (and of the tenant's discovery
// document), on the emulator's host.
func (p *Provider) idIssuer() string { return p.baseURL + "/" + p.tenantID + "/v2.0" }

func (p *Provider) mintUserAccessToken(now time.Time, app tenant.App, u tenant.User, scp []string) (string, error) {
	return p.signer.sign(accessTokenClaims{
		Aud:            tenant.GraphResource,
		Iss:            p.accessIssuer(),
		Iat:            now.Unix(),
		Nbf:            now.Unix(),
		Exp:            now.Add(p.accessTTL).Unix(),
		Acr:            "1",
		Amr:            []string{"pwd"},
		AppDisplayName: app.DisplayName,
		AppID:          app.ClientID,
		AppIDACR:       appIDACR(app),
		FamilyName:     u.Surname,
		GivenName:      u.GivenName,
		IDType:         "user",
		Name:           u.DisplayName,
		OID:            u.ID,
		Scp:            strings.Join(scp, " "),
		Sub:            pairwiseSubject(p.tenantID, u.ID, app.ClientID),
		TID:            p.tenantID,
		UniqueName:     u.UserPrincipalName,
		UPN:            u.UserPrincipalName,
		UTI:            randomToken(16),
		Ver:            "1.0",
		WIDs:           u.RoleTemplateIDs(),
	})
}

func (p *Provider) mintAppAccessToken(now time.Time, app tenant.App, roles []string) (string, error) {
	oid := app.ServicePrincipalID
	if oid == "" {
		oid = app.ClientID
	}
	return p.signer.sign(accessTokenClaims{
		Aud:            tenant.GraphResource,
		Iss:            p.accessIssuer(),
		Iat:            now.Unix(),
		Nbf:            now.Unix(),
		Exp:            now.Add(p.accessTTL).Unix(),
		AppDisplayName: app.DisplayName,
		AppID:          app.ClientID,
		AppIDACR:       appIDACR(app),
		IDType:         "app",
		OID:            oid,
		Roles:          roles,
		Sub:            oid,
		TID:            p.tenantID,
		UTI:            randomToken(16),
		Ver:            "1.0",
	})
}

// appIDACR is how the client authenticated: "1" (secret) for confidential
// clients, "0" for public ones.
func appIDACR(app tenant.App) string {
	if app.Secret == "" {
		return "0"
	}
	return "1"
}

// mintIDToken issues a v2.0 ID token. name, preferred_username and oid
// need the profile scope and email the email scope, as on Entra.
func (p *Provider) mintIDToken(now time.Time, app tenant.App, u tenant.User, oidc []string, nonce string) (string, error) {
	c := idTokenClaims{
		Aud:   app.ClientID,
		Iss:   p.idIssuer(),
		Iat:   now.Unix(),
		Nbf:   now.Unix(),
		Exp:   now.Add(idTokenLifetime).Unix(),
		Nonce: nonce,
		Sub:   pairwiseSubject(p.tenantID, u.ID, app.ClientID),
		TID:   p.tenantID,
		Ver:   "2.0",
	}
	if containsFold(oidc, "profile") {
		c.Name, c.PreferredUsername, c.OID = u.DisplayName, u.UserPrincipalName, u.ID
	}
	if containsFold(oidc, "email") {
		c.Email = u.Mail
	}
	return p.signer.sign(c)
}

// IssueAppToken returns an access token as the client credentials grant
// would: roles are the application permissions the app holds by admin
// consent. For tests and tools; no client secret is checked.
func (p *Provider) IssueAppToken(clientID string) (string, error) {
	app, err := p.dir.App(clientID)
	if err != nil {
		return "", fmt.Errorf("idp: issue app token: %w", err)
	}
	return p.mintAppAccessToken(p.clock.Now(), app, p.appRoles(app))
}

// IssueUserToken returns the access token user (id or UPN) would get when
// signing in to clientID asking for scopes: only the permissions already
// consented (by the user or tenant-wide) reach scp, exactly as in the
// interactive flow. For tests and tools.
func (p *Provider) IssueUserToken(clientID, user string, scopes []string) (string, error) {
	app, err := p.dir.App(clientID)
	if err != nil {
		return "", fmt.Errorf("idp: issue user token: %w", err)
	}
	u, err := p.dir.User(user)
	if err != nil {
		return "", fmt.Errorf("idp: issue user token: %w", err)
	}
	req, err := parseScopes(strings.Join(scopes, " "))
	if err != nil && !errors.Is(err, errScopeEmpty) {
		return "", fmt.Errorf("idp: issue user token: %w", err)
	}
	graph, _ := p.effectiveScopes(app, u.ID, req)
	return p.mintUserAccessToken(p.clock.Now(), app, u, graph)
}

// appRoles are the application permissions admin-consented to the app.
// The registration does not matter: as on Entra, tokens follow grants.
func (p *Provider) appRoles(app tenant.App) []string {
	return canonicalPermissions(p.dir.AdminGrant(app.ClientID).Application, isApplication)
}

// effectiveScopes re-evaluates a request against the consent held now:
// the Graph permissions and OIDC scopes that a token may carry.
// "/.default" means every consented Graph permission.
func (p *Provider) effectiveScopes(app tenant.App, userID string, req scopeRequest) (graph, oidc []string) {
	consented := p.dir.ConsentedScopes(app.ClientID, userID)
	if req.GraphDefault {
		graph = canonicalPermissions(consented, isGraphDelegated)
	} else {
		graph = intersectFold(req.Graph, consented)
	}
	return graph, intersectFold(req.OIDC, consented)
}

// tokenResponse is the token endpoint's success JSON in Entra's order.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope,omitempty"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	ClientInfo   string `json:"client_info,omitempty"`
}

// userGrant is what a user token response is built from: the request as
// first made (carried by refresh tokens) and the request for this token
// (a subset on refresh).
type userGrant struct {
	app        tenant.App
	user       tenant.User
	original   scopeRequest
	request    scopeRequest
	nonce      string
	clientInfo bool
}

// userTokens builds the response for a user grant, re-evaluating consent.
func (p *Provider) userTokens(now time.Time, g userGrant) (tokenResponse, error) {
	graph, oidc := p.effectiveScopes(g.app, g.user.ID, g.request)
	at, err := p.mintUserAccessToken(now, g.app, g.user, graph)
	if err != nil {
		return tokenResponse{}, err
	}
	resp := tokenResponse{
		TokenType:    "Bearer",
		Scope:        strings.Join(append(graph, oidc...), " "),
		ExpiresIn:    int64(p.accessTTL / time.Second),
		ExtExpiresIn: int64(p.accessTTL / time.Second),
		AccessToken:  at,
	}
	// The refresh token follows the original request's offline_access:
	// a refresh asking for a narrower scope still gets a new one.
	if containsFold(intersectFold(g.original.OIDC, p.dir.ConsentedScopes(g.app.ClientID, g.user.ID)), "offline_access") {
		if resp.RefreshToken, err = p.sealRefresh(now, g.app.ClientID, g.user.ID, g.original); err != nil {
			return tokenResponse{}, err
		}
	}
	if containsFold(oidc, "openid") {
		if resp.IDToken, err = p.mintIDToken(now, g.app, g.user, oidc, g.nonce); err != nil {
			return tokenResponse{}, err
		}
	}
	if g.clientInfo {
		b, _ := json.Marshal(struct {
			UID  string `json:"uid"`
			UTID string `json:"utid"`
		}{g.user.ID, p.tenantID})
		resp.ClientInfo = base64.RawURLEncoding.EncodeToString(b)
	}
	return resp, nil
}

// refreshPayload is what a refresh token carries, sealed (AES-GCM) so that
// clients see an opaque string, as they must treat Entra's. Refresh tokens
// are therefore stateless: rotation does not revoke older ones, which stay
// valid until their own expiry, as on Entra.
type refreshPayload struct {
	Client  string       `json:"c"`
	User    string       `json:"u"`
	Tenant  string       `json:"t"`
	Request scopeRequest `json:"s"`
	Issued  int64        `json:"i"`
	ID      string       `json:"n"`
}

const refreshPrefix = "1."

var errBadRefresh = errors.New("idp: refresh token not valid")

func (p *Provider) sealRefresh(now time.Time, clientID, userID string, req scopeRequest) (string, error) {
	pt, err := json.Marshal(refreshPayload{Client: clientID, User: userID, Tenant: p.tenantID, Request: req, Issued: now.Unix(), ID: randomToken(9)})
	if err != nil {
		return "", err
	}
	aead := *p.refreshAEAD.Load()
	nonce := randomBytes(aead.NonceSize())
	ct := aead.Seal(append([]byte(nil), nonce...), nonce, pt, []byte(p.tenantID))
	return refreshPrefix + base64.RawURLEncoding.EncodeToString(ct), nil
}

func (p *Provider) openRefresh(raw string) (refreshPayload, error) {
	var rp refreshPayload
	if len(raw) > maxRefreshTokenSz || !strings.HasPrefix(raw, refreshPrefix) {
		return rp, errBadRefresh
	}
	ct, err := base64.RawURLEncoding.DecodeString(raw[len(refreshPrefix):])
	aead := *p.refreshAEAD.Load()
	if err != nil || len(ct) < aead.NonceSize() {
		return rp, errBadRefresh
	}
	pt, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], []byte(p.tenantID))
	if err != nil {
		return rp, errBadRefresh
	}
	if err := json.Unmarshal(pt, &rp); err != nil || rp.Tenant != p.tenantID {
		return rp, errBadRefresh
	}
	return rp, nil
}
