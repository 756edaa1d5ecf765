package graphapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/emulator/idp"
	"github.com/graphsec/graphsec/emulator/tenant"
)

// principal is the verified caller of a request.
type principal struct {
	claims *idp.Claims
	// user is set for delegated tokens whose user still exists.
	user *tenant.User
}

func (p *principal) appOnly() bool { return p.claims.AppOnly }

// displayName is how the caller appears in comments and audit fields:
// the user's UPN (as the service writes createdByDisplayName) or, for an
// app, its id.
func (p *principal) displayName() string {
	if p.user != nil {
		return p.user.UserPrincipalName
	}
	if p.claims.UPN != "" {
		return p.claims.UPN
	}
	return p.claims.AppID
}

// has reports whether the token carries any of the permissions, as a
// delegated scope or an application role depending on the token kind.
func (p *principal) has(perms ...string) bool {
	held := p.claims.Scopes
	if p.claims.AppOnly {
		held = p.claims.Roles
	}
	for _, want := range perms {
		if slices.ContainsFunc(held, func(h string) bool { return strings.EqualFold(h, want) }) {
			return true
		}
	}
	return false
}

// held lists what the token carries, for error messages.
func (p *principal) held() []string {
	if p.claims.AppOnly {
		return p.claims.Roles
	}
	return p.claims.Scopes
}

// authenticate verifies the bearer token. The messages are the ones Graph
// itself uses in its 401 bodies.
func (c *call) authenticate() error {
	h := c.r.Header.Get("Authorization")
	raw := ""
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		raw = strings.TrimSpace(h[7:])
	}
	unauthorized := func(msg string) *apiError {
		e := errorf(http.StatusUnauthorized, "InvalidAuthenticationToken", "%s", msg)
		e.header = http.Header{"Www-Authenticate": {`Bearer realm="", authorization_uri="` + c.api.baseURL + `/common/oauth2/authorize", client_id="` + tenant.GraphAppID + `"`}}
		return e
	}
	if raw == "" {
		return unauthorized("Access token is empty.")
	}
	claims, err := c.api.verifier.VerifyAccessToken(raw)
	if err != nil {
		return unauthorized(err.Error())
	}
	p := &principal{claims: claims}
	if !claims.AppOnly {
		u, err := c.api.dir.User(claims.ObjectID)
		if err != nil {
			return unauthorized("Access token validation failure. The user in the token does not exist in the tenant.")
		}
		p.user = &u
	}
	c.who = p
	return nil
}

// securityAccess says what a security endpoint needs: read or write.
type securityAccess int

const (
	readAccess securityAccess = iota
	writeAccess
)

// requireSecurity checks the permission for a /security endpoint, and for
// delegated calls the directory role Microsoft also requires (Security
// Reader for reads; Security Operator, Security Administrator or Global
// Administrator for writes). Read permissions are satisfied by the
// matching ReadWrite permission.
func (c *call) requireSecurity(access securityAccess, readPerm, writePerm string) error {
	need := []string{readPerm, writePerm}
	if access == writeAccess {
		need = []string{writePerm}
	}
	if !c.who.has(need...) {
		return c.missingPermission(need)
	}
	if u := c.who.user; u != nil {
		if access == writeAccess && !u.CanWriteSecurity() {
			return errorf(http.StatusForbidden, "Forbidden", "The signed-in user does not hold a directory role that allows this change. Required: Security Operator, Security Administrator or Global Administrator.")
		}
		if !u.CanReadSecurity() {
			return errorf(http.StatusForbidden, "Forbidden", "The signed-in user does not hold a directory role that allows reading security data. Required: Security Reader or a security administrator role.")
		}
	}
	return nil
}

// missingPermission words a 403 the way the security APIs do.
func (c *call) missingPermission(need []string) *apiError {
	if c.who.appOnly() {
		return errorf(http.StatusForbidden, "Forbidden", "Missing application roles. API required roles: %s, application roles: %s.",
			strings.Join(need, ","), strings.Join(c.who.held(), ","))
	}
	return errorf(http.StatusForbidden, "Forbidden", "Missing scope permissions on the request. API requires one of '%s'. Scopes on the request '%s'",
		strings.Join(need, ", "), strings.Join(c.who.held(), ", "))
}

// requireDirectory checks a permission for directory resources (/users),
// which answer with Authorization_RequestDenied.
func (c *call) requireDirectory(perms ...string) error {
	if c.who.has(perms...) {
		return nil
	}
	return errorf(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}
