package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/graphsec/graphsec/graph"
)

// This file is what background work (subscription upkeep, the watcher)
// needs to call Graph without anyone signed in: the console's own
// app-only tokens, and a signed-in user's refresh token sealed for a feed
// so that the feed outlives the session it was created in.

func (m *Manager) clientCredentials() *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID: m.o.ClientID, ClientSecret: m.o.ClientSecret, TokenURL: m.oauth.Endpoint.TokenURL,
		Scopes: graph.AppScopes(), AuthStyle: oauth2.AuthStyleInParams,
	}
}

// AppRoles returns the application permissions the console's app holds
// in the tenant: the roles claim of a fresh app-only token (Entra puts
// the admin-consented application permissions there; none without
// consent). The token is only read to decide which way background work
// authenticates; Graph checks it as usual.
func (m *Manager) AppRoles(ctx context.Context) ([]string, error) {
	tok, err := m.clientCredentials().Token(m.httpContext(ctx))
	if err != nil {
		return nil, tokenError(err)
	}
	return tokenRoles(tok.AccessToken)
}

// tokenRoles reads the roles claim of a JWT access token without
// verifying it.
func tokenRoles(raw string) ([]string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("auth: the app-only access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("auth: the app-only access token's claims: %w", err)
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("auth: the app-only access token's claims: %w", err)
	}
	return claims.Roles, nil
}

// feedContext binds a sealed token to its feed, so that a blob copied to
// another feed's record (or to a session) does not open.
func feedContext(feedID string) string { return "feed:" + feedID }

// SealFor seals the session's tokens (the refresh token above all) for
// the feed feedID, whose upkeep then acts as this user after the session
// ends; [Manager.FeedTokens] opens it. The blob is bound to the feed id.
func (s *Session) SealFor(feedID string) ([]byte, error) {
	if feedID == "" {
		return nil, errors.New("auth: SealFor needs a feed id")
	}
	if s.token == nil || s.token.RefreshToken == "" {
		return nil, errors.New("auth: this sign-in has no refresh token (offline_access was not granted): sign in again")
	}
	return s.m.sealTokens(feedContext(feedID), s.token, strings.Join(s.Scopes, " ")), nil
}

// FeedTokens opens a feed's sealed tokens (from [Session.SealFor]) as a
// source that refreshes them silently, without a session. save receives
// the tokens sealed again whenever the identity platform issues new ones
// (Entra rotates refresh tokens), for the feed's record; it must not call
// back into the source.
func (m *Manager) FeedTokens(feedID string, sealed []byte, save func(sealed []byte)) (graph.TokenSource, error) {
	raw, err := m.seal.open(sealed, feedContext(feedID))
	var st sealedTokens
	if err != nil || json.Unmarshal(raw, &st) != nil {
		// Sealed with another key (GRAPHSEC_SESSION_KEY changed) or for
		// another feed.
		return nil, errors.New("auth: the feed's stored sign-in cannot be opened (the session key changed?): its owner must renew it")
	}
	tok := &oauth2.Token{AccessToken: st.AccessToken, RefreshToken: st.RefreshToken, Expiry: st.Expiry, TokenType: "Bearer"}
	conf := m.oauth
	return graph.DelegatedTokens(m.httpContext(context.Background()), &conf, tok, func(t *oauth2.Token) {
		if t.RefreshToken == "" {
			t.RefreshToken = tok.RefreshToken
		}
		scope := tokenScope(t)
		if scope == "" {
			scope = st.Scope
		}
		if save != nil {
			save(m.sealTokens(feedContext(feedID), t, scope))
		}
	}), nil
}
