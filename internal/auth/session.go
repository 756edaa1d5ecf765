package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
)

// Session is a signed-in analyst.
type Session struct {
	m  *Manager
	id string // the store key (hash of the cookie value)

	UserID            string
	UserPrincipalName string
	DisplayName       string
	TenantID          string
	CSRFToken         string
	// Scopes are the Graph permissions granted to graphsec for this user,
	// as the token endpoint reported them.
	Scopes []string
	// DirectoryRoles are the role template ids (graph.Role*) of the
	// user's Entra directory roles (Security Reader, Security Operator...),
	// read from Graph at sign-in and kept with the session; RolesKnown says
	// whether they could be read. Microsoft requires a role on top of the
	// permission for delegated calls to the security API.
	DirectoryRoles []string
	RolesKnown     bool

	token *oauth2.Token
}

// sealedTokens is the sealed form of a session's tokens.
type sealedTokens struct {
	AccessToken  string    `json:"a"`
	RefreshToken string    `json:"r"`
	Expiry       time.Time `json:"e"`
	Scope        string    `json:"s"`
}

func (m *Manager) sealTokens(id string, t *oauth2.Token, scope string) []byte {
	raw, _ := json.Marshal(sealedTokens{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry, Scope: scope})
	return m.seal.seal(raw, id)
}

func tokenScope(t *oauth2.Token) string {
	s, _ := t.Extra("scope").(string)
	return s
}

func (m *Manager) createSession(ctx context.Context, w http.ResponseWriter, who identity, tok *oauth2.Token) (*Session, error) {
	cookieValue := randomString(32)
	id := hashID(cookieValue)
	now := m.o.Clock.Now()
	scope := tokenScope(tok)
	s := &Session{m: m, id: id, UserID: who.oid, UserPrincipalName: who.upn, DisplayName: who.name, TenantID: who.tid,
		CSRFToken: randomString(24), Scopes: strings.Fields(scope), DirectoryRoles: who.roles, RolesKnown: who.rolesKnown, token: tok}
	err := m.o.Store.CreateSession(ctx, store.Session{
		ID: id, UserID: who.oid, UserPrincipalName: who.upn, DisplayName: who.name, TenantID: who.tid,
		Tokens: m.sealTokens(id, tok, scope), CSRFToken: s.CSRFToken, DirectoryRoles: who.roles, RolesKnown: who.rolesKnown,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: m.sessionExpiry(now),
	})
	if err != nil {
		return nil, fmt.Errorf("auth: store session: %w", err)
	}
	http.SetCookie(w, m.newCookie(m.cookie, cookieValue, int(m.o.SessionLifetime.Seconds())))
	return s, nil
}

// Session returns the request's session, or ErrNoSession. It extends the
// session's life at most once a minute, so reads stay cheap.
func (m *Manager) Session(ctx context.Context, r *http.Request) (*Session, error) {
	c, err := r.Cookie(m.cookie)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return nil, ErrNoSession
	}
	id := hashID(c.Value)
	now := m.o.Clock.Now()
	rec, err := m.o.Store.Session(ctx, id, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("auth: load session: %w", err)
	}
	raw, err := m.seal.open(rec.Tokens, id)
	var st sealedTokens
	if err != nil || json.Unmarshal(raw, &st) != nil {
		// Sealed with another key (a restart without GRAPHSEC_SESSION_KEY):
		// the session cannot be used; the user signs in again.
		return nil, ErrNoSession
	}
	if now.Sub(rec.LastSeenAt) > touchInterval {
		if err := m.o.Store.TouchSession(ctx, id, now, m.sessionExpiry(now)); err != nil {
			m.log.Warn("touch session", "err", err)
		}
	}
	return &Session{
		m: m, id: id, UserID: rec.UserID, UserPrincipalName: rec.UserPrincipalName, DisplayName: rec.DisplayName,
		TenantID: rec.TenantID, CSRFToken: rec.CSRFToken, Scopes: strings.Fields(st.Scope),
		DirectoryRoles: rec.DirectoryRoles, RolesKnown: rec.RolesKnown,
		token: &oauth2.Token{AccessToken: st.AccessToken, RefreshToken: st.RefreshToken, Expiry: st.Expiry, TokenType: "Bearer"},
	}, nil
}

// Key is an opaque key of the session, unique to it and stable for its
// lifetime, for state the console keeps about it (page links it handed
// out). It is derived from the store id, itself a hash of the cookie
// value, so it reveals neither.
func (s *Session) Key() string {
	h := sha256.Sum256([]byte("graphsec session key\x00" + s.id))
	return hex.EncodeToString(h[:16])
}

// Can reports whether the user's grant includes one of the permissions
// that give access a (see graph.ScopeFor).
func (s *Session) Can(a graph.Access) bool { return s.HasAnyScope(graph.ScopeFor(a)...) }

// HasAnyScope reports whether the user's grant includes one of the
// permissions (case-insensitive), e.g. SecurityAlert.Read.All or its
// ReadWrite form.
func (s *Session) HasAnyScope(perms ...string) bool {
	for _, p := range perms {
		if slices.ContainsFunc(s.Scopes, func(x string) bool { return strings.EqualFold(x, p) }) {
			return true
		}
	}
	return false
}

// CheckCSRF compares a submitted form token with the session's, in
// constant time.
func (s *Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRFToken)) == 1
}

// Tokens returns a token source for Graph calls made on the user's behalf
// during ctx: it refreshes the access token silently when it is about to
// expire (and once more if Graph rejects it), and stores every new token
// so the next request starts from it.
func (s *Session) Tokens(ctx context.Context) graph.TokenSource {
	conf := s.m.oauth
	return graph.DelegatedTokens(s.m.httpContext(context.WithoutCancel(ctx)), &conf, s.token, func(t *oauth2.Token) {
		scope := tokenScope(t)
		if scope == "" {
			scope = strings.Join(s.Scopes, " ")
		} else {
			s.Scopes = strings.Fields(scope)
		}
		if t.RefreshToken == "" {
			t.RefreshToken = s.token.RefreshToken
		}
		s.token = t
		if err := s.m.o.Store.UpdateSessionTokens(context.WithoutCancel(ctx), s.id, s.m.sealTokens(s.id, t, scope)); err != nil {
			s.m.log.Warn("store refreshed tokens", "err", err)
		}
	})
}
