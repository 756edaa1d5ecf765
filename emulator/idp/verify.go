package idp

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
)

// ClockSkew is how far VerifyAccessToken lets exp and nbf be off. It is the
// default of Microsoft's own token validation libraries; a test expires a
// token by moving the clock past its expiry plus ClockSkew.
const ClockSkew = 5 * time.Minute

// maxAccessTokenBytes bounds what VerifyAccessToken will parse; the
// emulator's tokens are about 1.5 KB.
const maxAccessTokenBytes = 16 << 10

// verifyCacheSize bounds the verified-token cache (about 1.5 KB a token).
const verifyCacheSize = 8192

// Claims is what the Graph layer needs from a verified access token.
type Claims struct {
	TenantID       string
	ObjectID       string // user id, or the service principal id of an app-only token
	Subject        string
	AppID          string
	AppDisplayName string
	UPN            string
	Name           string
	// Scopes are the delegated permissions (scp): nil for app-only tokens,
	// non-nil (possibly empty) for user tokens.
	Scopes []string
	// Roles are the application permissions of an app-only token.
	Roles     []string
	AppOnly   bool
	WIDs      []string
	TokenID   string // uti
	IssuedAt  time.Time
	NotBefore time.Time
	Expiry    time.Time
}

// HasScope reports whether the delegated token carries the permission
// (case-insensitive, as Entra compares them).
func (c *Claims) HasScope(name string) bool { return containsFold(c.Scopes, name) }

// HasRole reports whether the app-only token carries the application permission.
func (c *Claims) HasRole(name string) bool { return containsFold(c.Roles, name) }

func (c *Claims) clone() *Claims {
	d := *c
	d.Scopes = slices.Clone(c.Scopes)
	if c.Scopes != nil && d.Scopes == nil {
		d.Scopes = []string{}
	}
	d.Roles = slices.Clone(c.Roles)
	d.WIDs = slices.Clone(c.WIDs)
	return &d
}

// TokenErrorKind says why an access token was refused.
type TokenErrorKind int

// The reasons VerifyAccessToken gives.
const (
	TokenEmpty TokenErrorKind = iota + 1
	TokenMalformed
	TokenBadSignature
	TokenBadAudience
	TokenBadIssuer
	TokenExpired
	TokenNotYetValid
)

// Message is the text Graph puts in its 401 InvalidAuthenticationToken
// body for this reason. The signature and issuer texts are the emulator's
// choice; the others are Graph's.
func (k TokenErrorKind) Message() string {
	switch k {
	case TokenEmpty:
		return "Access token is empty."
	case TokenMalformed:
		return "CompactToken parsing failed with error code: 80049217"
	case TokenBadSignature:
		return "Access token validation failure. Invalid signature."
	case TokenBadAudience:
		return "Access token validation failure. Invalid audience."
	case TokenBadIssuer:
		return "Access token validation failure. Invalid issuer."
	case TokenExpired:
		return "Lifetime validation failed, the token is expired."
	case TokenNotYetValid:
		return "Access token has expired or is not yet valid."
	}
	return "Access token validation failure."
}

// TokenError is VerifyAccessToken's error. Its message is exactly what
// Graph writes in the 401 body, so the Graph layer can pass it through.
type TokenError struct {
	Kind TokenErrorKind
}

func (e *TokenError) Error() string { return e.Kind.Message() }

// Is matches any TokenError of the same kind, so the sentinels below work
// with errors.Is.
func (e *TokenError) Is(target error) bool {
	t, ok := target.(*TokenError)
	return ok && t.Kind == e.Kind
}

// Sentinels for errors.Is.
var (
	ErrTokenEmpty       = &TokenError{Kind: TokenEmpty}
	ErrTokenMalformed   = &TokenError{Kind: TokenMalformed}
	ErrTokenSignature   = &TokenError{Kind: TokenBadSignature}
	ErrTokenAudience    = &TokenError{Kind: TokenBadAudience}
	ErrTokenIssuer      = &TokenError{Kind: TokenBadIssuer}
	ErrTokenExpired     = &TokenError{Kind: TokenExpired}
	ErrTokenNotYetValid = &TokenError{Kind: TokenNotYetValid}
)

// accessTokenClaims is the payload of the emulator's Graph access tokens,
// in the order and spelling of Entra's v1.0 tokens.
type accessTokenClaims struct {
	Aud            string   `json:"aud"`
	Iss            string   `json:"iss"`
	Iat            int64    `json:"iat"`
	Nbf            int64    `json:"nbf"`
	Exp            int64    `json:"exp"`
	Acr            string   `json:"acr,omitempty"`
	Amr            []string `json:"amr,omitempty"`
	AppDisplayName string   `json:"app_displayname,omitempty"`
	AppID          string   `json:"appid"`
	AppIDACR       string   `json:"appidacr"`
	FamilyName     string   `json:"family_name,omitempty"`
	GivenName      string   `json:"given_name,omitempty"`
	IDType         string   `json:"idtyp"`
	Name           string   `json:"name,omitempty"`
	OID            string   `json:"oid"`
	Roles          []string `json:"roles,omitempty"`
	Scp            string   `json:"scp,omitempty"`
	Sub            string   `json:"sub"`
	TID            string   `json:"tid"`
	UniqueName     string   `json:"unique_name,omitempty"`
	UPN            string   `json:"upn,omitempty"`
	UTI            string   `json:"uti"`
	Ver            string   `json:"ver"`
	WIDs           []string `json:"wids,omitempty"`
}

// VerifyAccessToken checks a Graph access token as Graph does: our
// signature, then the audience, then the issuer (this tenant's v1
// issuer), then nbf/exp against the injected clock with ClockSkew. Tokens
// that pass the first three checks are cached (bounded, LRU); the
// lifetime check runs on every call, so moving the clock expires cached
// tokens too. The returned Claims is the caller's to keep.
func (p *Provider) VerifyAccessToken(raw string) (*Claims, error) {
	if raw == "" {
		return nil, ErrTokenEmpty
	}
	if len(raw) > maxAccessTokenBytes {
		return nil, ErrTokenMalformed
	}
	now := p.clock.Now()
	p.cacheMu.Lock()
	c, ok := p.verified.get(raw, now)
	if ok {
		p.verified.touch(raw)
	}
	p.cacheMu.Unlock()
	if !ok {
		var err error
		if c, err = p.verifyUncached(raw); err != nil {
			return nil, err
		}
		p.cacheMu.Lock()
		p.verified.put(raw, c, c.Expiry.Add(ClockSkew), now)
		p.cacheMu.Unlock()
	}
	if err := checkLifetime(c, now); err != nil {
		return nil, err
	}
	return c.clone(), nil
}

func checkLifetime(c *Claims, now time.Time) error {
	if now.After(c.Expiry.Add(ClockSkew)) {
		return ErrTokenExpired
	}
	if now.Add(ClockSkew).Before(c.NotBefore) {
		return ErrTokenNotYetValid
	}
	return nil
}

// verifyUncached does everything but the lifetime check.
func (p *Provider) verifyUncached(raw string) (*Claims, error) {
	payload, err := p.signer.verify(raw)
	switch {
	case errors.Is(err, errJWTMalformed):
		return nil, ErrTokenMalformed
	case err != nil:
		return nil, ErrTokenSignature
	}
	var tc accessTokenClaims
	if err := json.Unmarshal(payload, &tc); err != nil {
		return nil, ErrTokenMalformed
	}
	if tc.Aud != tenant.GraphResource && tc.Aud != tenant.GraphAppID {
		return nil, ErrTokenAudience
	}
	if tc.Iss != p.accessIssuer() || !strings.EqualFold(tc.TID, p.tenantID) {
		return nil, ErrTokenIssuer
	}
	if tc.Exp == 0 {
		return nil, ErrTokenExpired
	}
	c := &Claims{
		TenantID:       tc.TID,
		ObjectID:       tc.OID,
		Subject:        tc.Sub,
		AppID:          tc.AppID,
		AppDisplayName: tc.AppDisplayName,
		UPN:            tc.UPN,
		Name:           tc.Name,
		Roles:          tc.Roles,
		AppOnly:        tc.IDType == "app",
		WIDs:           tc.WIDs,
		TokenID:        tc.UTI,
		IssuedAt:       time.Unix(tc.Iat, 0).UTC(),
		NotBefore:      time.Unix(tc.Nbf, 0).UTC(),
		Expiry:         time.Unix(tc.Exp, 0).UTC(),
	}
	if !c.AppOnly {
		c.Scopes = strings.Fields(tc.Scp)
		if c.Scopes == nil {
			c.Scopes = []string{}
		}
	}
	return c, nil
}

// accessIssuer is the v1 issuer Graph tokens carry.
func (p *Provider) accessIssuer() string { return "https://sts.windows.net/" + p.tenantID + "/" }
