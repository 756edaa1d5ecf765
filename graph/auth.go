package graph

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenSource supplies access tokens to the auth layer. It is the
// oauth2.TokenSource contract plus one thing that contract cannot express:
// after Graph answers 401 InvalidAuthenticationToken to a token the source
// still thinks is valid (revoked, clock skew, a signing-key roll-over), the
// auth layer asks for a refresh instead of failing the call.
//
// Build one with [DelegatedTokens] (a signed-in user's token plus the
// oauth2.Config that issued it), [AppTokens] (client credentials) or
// [FromOAuth2] (any oauth2.TokenSource, without forced refresh).
type TokenSource interface {
	// Token returns the token to send.
	Token(ctx context.Context) (*oauth2.Token, error)
	// Refresh returns a token other than rejected, fetching one if no
	// other caller has already done so. Returning a token with the same
	// AccessToken means "no better token"; the auth layer then gives up.
	Refresh(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error)
}

// FromOAuth2 adapts an oauth2.TokenSource. Refresh can only ask it again,
// which yields a new token only if the source itself decides to; use
// [DelegatedTokens] or [AppTokens] where a forced refresh matters.
func FromOAuth2(ts oauth2.TokenSource) TokenSource {
	if ts == nil {
		return errSource{errors.New("graph: FromOAuth2 needs a token source")}
	}
	return &oauthSource{ts: ts}
}

// DelegatedTokens serves a signed-in user's tokens: tok is the stored token
// (with its refresh token) and conf the oauth2.Config that issued it. Tokens
// are refreshed silently when they expire, and once more on demand after a
// 401. onToken, if not nil, receives every newly obtained token (Azure AD
// returns a new refresh token on each refresh, which the caller should
// store); it runs while the source is locked and must not call back into it.
//
// ctx governs the token endpoint requests (pass oauth2.HTTPClient in it to
// use a client with a timeout) and must outlive the source.
//
// A forced refresh works by handing conf a copy of the current token marked
// expired: oauth2 then redeems the refresh token. Callers that hold only an
// oauth2.Config and a stored token and build their own source can do the
// same.
func DelegatedTokens(ctx context.Context, conf *oauth2.Config, tok *oauth2.Token, onToken func(*oauth2.Token)) TokenSource {
	if conf == nil || tok == nil {
		return errSource{errors.New("graph: DelegatedTokens needs an oauth2.Config and a stored token")}
	}
	return &oauthSource{
		ts:      conf.TokenSource(ctx, tok),
		onToken: onToken,
		last:    tok.AccessToken,
		renew: func(stale *oauth2.Token) oauth2.TokenSource {
			expired := *stale
			expired.Expiry = expiredLongAgo()
			return conf.TokenSource(ctx, &expired)
		},
	}
}

// expiredLongAgo marks a token as expired without reading any clock.
func expiredLongAgo() time.Time { return time.Unix(1, 0) }

// AppTokens serves app-only tokens from the client credentials grant
// (scope https://graph.microsoft.com/.default, or the emulator's URL). A
// forced refresh requests a new token from the endpoint. ctx is as for
// [DelegatedTokens].
func AppTokens(ctx context.Context, conf *clientcredentials.Config) TokenSource {
	if conf == nil {
		return errSource{errors.New("graph: AppTokens needs a clientcredentials.Config")}
	}
	return &oauthSource{
		ts:    conf.TokenSource(ctx),
		renew: func(*oauth2.Token) oauth2.TokenSource { return conf.TokenSource(ctx) },
	}
}

type oauthSource struct {
	mu      sync.Mutex
	ts      oauth2.TokenSource
	renew   func(stale *oauth2.Token) oauth2.TokenSource
	onToken func(*oauth2.Token)
	last    string // access token last handed out, to spot new ones
}

var errNoToken = errors.New("token source returned no access token")

func (s *oauthSource) Token(ctx context.Context) (*oauth2.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetch()
}

func (s *oauthSource) fetch() (*oauth2.Token, error) {
	tok, err := s.ts.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, errNoToken
	}
	if tok.AccessToken != s.last {
		s.last = tok.AccessToken
		if s.onToken != nil {
			s.onToken(tok)
		}
	}
	return tok, nil
}

func (s *oauthSource) Refresh(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.fetch()
	if err != nil {
		return nil, err
	}
	if rejected == nil || cur.AccessToken != rejected.AccessToken || s.renew == nil {
		// Another request already refreshed, or this source cannot.
		return cur, nil
	}
	s.ts = s.renew(cur)
	return s.fetch()
}

// errSource reports a construction mistake on every call instead of
// panicking at construction.
type errSource struct{ err error }

func (e errSource) Token(context.Context) (*oauth2.Token, error) { return nil, e.err }

func (e errSource) Refresh(context.Context, *oauth2.Token) (*oauth2.Token, error) {
	return nil, e.err
}
