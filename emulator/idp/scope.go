package idp

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/emulator/tenant"
)

// Bounds on a scope parameter. Entra rejects absurd scope strings too; the
// exact limits are the emulator's choice.
const (
	maxScopeItems = 64
	maxScopeBytes = 4096
)

// scopeRequest is a parsed scope parameter: the Graph permissions asked
// for (canonical short names), whether Graph's "/.default" was asked for
// instead, and the OpenID Connect scopes.
type scopeRequest struct {
	Graph        []string `json:"g,omitempty"`
	GraphDefault bool     `json:"d,omitempty"`
	OIDC         []string `json:"o,omitempty"`
}

// items lists the request's elements for subset comparisons.
func (s scopeRequest) items() []string {
	out := slices.Clone(s.Graph)
	if s.GraphDefault {
		out = append(out, ".default")
	}
	return append(out, s.OIDC...)
}

// ScopeError is why a scope parameter was refused. Code is the AADSTS
// number and OAuthError the OAuth error ("invalid_scope", or
// "invalid_resource" for a resource other than Microsoft Graph).
type ScopeError struct {
	OAuthError string
	Code       int
	Message    string
}

func (e *ScopeError) Error() string { return e.Message }

func (e *ScopeError) aad() *aadError {
	return &aadError{status: http.StatusBadRequest, err: e.OAuthError, code: e.Code, msg: e.Message}
}

var errScopeEmpty = errors.New("idp: empty scope")

func invalidScope(format string, args ...any) *ScopeError {
	msg := "The provided value for the input parameter 'scope' is not valid."
	if format != "" {
		msg += " " + fmt.Sprintf(format, args...)
	}
	return &ScopeError{OAuthError: "invalid_scope", Code: 70011, Message: msg}
}

// isGraphDefault reports whether s is Microsoft Graph's ".default" scope,
// by URI or by application id.
func isGraphDefault(s string) bool {
	return strings.EqualFold(s, tenant.GraphResource+"/.default") || strings.EqualFold(s, tenant.GraphAppID+"/.default")
}

// validScopeToken reports whether s uses only the characters RFC 6749
// §3.3 allows in a scope token.
func validScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return s != ""
}

// parseScopes parses a space-separated scope parameter. Graph permissions
// may be short ("User.Read") or long ("https://graph.microsoft.com/User.Read");
// a permission the emulator's catalog does not know is refused rather than
// silently dropped, and a resource other than Graph is "not found in the
// tenant", because the emulated tenant has no other resource. It returns
// errScopeEmpty when there is nothing to parse, so callers can report the
// missing parameter their own way.
func parseScopes(raw string) (scopeRequest, error) {
	var req scopeRequest
	if len(raw) > maxScopeBytes {
		return req, invalidScope("The scope parameter is longer than %d characters.", maxScopeBytes)
	}
	fields := strings.Fields(raw)
	if len(fields) == 0 {
		return req, errScopeEmpty
	}
	if len(fields) > maxScopeItems {
		return req, invalidScope("More than %d scopes were requested.", maxScopeItems)
	}
	for _, f := range fields {
		if !validScopeToken(f) {
			return req, invalidScope("The scope '%s' contains characters that are not allowed.", f)
		}
		if isGraphDefault(f) {
			req.GraphDefault = true
			continue
		}
		if p, ok := tenant.LookupPermission(f); ok {
			if p.OIDC {
				if !containsFold(req.OIDC, p.Name) {
					req.OIDC = append(req.OIDC, p.Name)
				}
				continue
			}
			if !p.Delegated {
				return req, invalidScope("The scope '%s' is not a delegated permission.", f)
			}
			if !containsFold(req.Graph, p.Name) {
				req.Graph = append(req.Graph, p.Name)
			}
			continue
		}
		if short := tenant.ShortScope(f); short != f || !strings.Contains(f, "/") {
			return req, invalidScope("The scope '%s' does not exist on the resource '%s'.", f, tenant.GraphAppID)
		}
		return req, &ScopeError{OAuthError: "invalid_resource", Code: 500011,
			Message: fmt.Sprintf("The resource principal named %s was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resourceOf(f))}
	}
	if req.GraphDefault && len(req.Graph) > 0 {
		return req, invalidScope("The '.default' scope can't be combined with resource-specific scopes.")
	}
	return req, nil
}

// resourceOf returns the resource part of a scope such as api://x/read.
func resourceOf(scope string) string {
	if i := strings.LastIndex(scope, "/"); i > 0 {
		return scope[:i]
	}
	return scope
}

// parseClientCredentialsScope accepts exactly one scope, Graph's
// "/.default": the client credentials grant has no other form. The OpenID
// Connect scopes (openid, profile, email, offline_access) are ignored
// beside it, as Entra does: MSAL adds openid, profile and offline_access to
// every token request, this grant included, so refusing them would refuse
// every MSAL-based client (azidentity, the Graph SDKs).
func parseClientCredentialsScope(raw string) *ScopeError {
	if len(raw) > maxScopeBytes {
		return invalidScope("The scope parameter is longer than %d characters.", maxScopeBytes)
	}
	var fields []string
	for _, f := range strings.Fields(raw) {
		if p, ok := tenant.LookupPermission(f); ok && p.OIDC {
			continue
		}
		fields = append(fields, f)
	}
	switch {
	case len(fields) == 1 && isGraphDefault(fields[0]):
		return nil
	case len(fields) == 1 && strings.HasSuffix(fields[0], "/.default"):
		return &ScopeError{OAuthError: "invalid_resource", Code: 500011,
			Message: fmt.Sprintf("The resource principal named %s was not found in the tenant.", resourceOf(fields[0]))}
	case len(fields) == 1:
		return &ScopeError{OAuthError: "invalid_scope", Code: 1002012,
			Message: fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", fields[0])}
	default:
		return invalidScope("Client credential flows must request exactly one scope, the resource's '/.default'.")
	}
}

// canonicalPermissions maps permission names (as stored in a registration
// or a grant, in any case and form) to the catalog's spelling, keeping
// order, dropping duplicates and names the catalog does not know. keep
// selects which catalog entries are wanted.
func canonicalPermissions(names []string, keep func(tenant.Permission) bool) []string {
	var out []string
	for _, n := range names {
		p, ok := tenant.LookupPermission(n)
		if !ok || !keep(p) || slices.Contains(out, p.Name) {
			continue
		}
		out = append(out, p.Name)
	}
	return out
}

func isGraphDelegated(p tenant.Permission) bool { return p.Delegated && !p.OIDC }
func isDelegated(p tenant.Permission) bool      { return p.Delegated }
func isApplication(p tenant.Permission) bool    { return p.Application }

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// intersectFold keeps the names of want that are in have, in want's order.
func intersectFold(want, have []string) []string {
	var out []string
	for _, w := range want {
		if containsFold(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// fullScope writes a permission as Graph's full URI; OIDC scopes have no
// resource and stay bare.
func fullScope(name string) string {
	if p, ok := tenant.LookupPermission(name); ok && p.OIDC {
		return p.Name
	}
	return tenant.GraphResource + "/" + name
}
