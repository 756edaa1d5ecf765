package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
)

// How a feed calls Graph while nobody is signed in (store.Feed.Auth).
const (
	// AuthApp: the console's own app-only token (client credentials),
	// chosen whenever the app holds the application permission.
	AuthApp = "app"
	// AuthDelegated: the creator's refresh token, sealed in the feed's
	// record (store.Feed.Tokens) and refreshed as the identity platform
	// rotates it.
	AuthDelegated = "delegated"
)

// Credentials are what background work authenticates with.
// *auth.Manager implements it.
type Credentials interface {
	// AppRoles returns the application permissions the console's app
	// holds in the tenant (none without admin consent).
	AppRoles(ctx context.Context) ([]string, error)
	// AppTokens returns app-only tokens; ctx outlives the source.
	AppTokens(ctx context.Context) graph.TokenSource
	// FeedTokens opens a feed's sealed delegated tokens; save receives
	// them sealed again whenever they are refreshed.
	FeedTokens(feedID string, sealed []byte, save func(sealed []byte)) (graph.TokenSource, error)
}

// Creator is the signed-in user creating a feed, when the app cannot act
// alone: their sign-in is sealed for the feed. *auth.Session implements
// it.
type Creator interface {
	SealFor(feedID string) ([]byte, error)
}

// Owner is who creates a feed: user id (oid), display name and UPN (for
// "assigned to me"), and their sign-in (nil when the app acts alone or in
// tests of app-only work).
type Owner struct {
	ID, Name, UPN string
	Creator       Creator
}

// AuthChoice says how a new feed would reach Graph, for the page to say
// before it is created ("kept alive by graphsec's app" or "by your
// sign-in").
type AuthChoice struct {
	Mode   string // AuthApp or AuthDelegated
	Reason string
}

// ErrNoCredentials: the app lacks the application permission and no
// signed-in user's sign-in is at hand to act for the feed.
var ErrNoCredentials = errors.New("notify: graphsec's app lacks the application permission and there is no sign-in to act for the feed")

// rolesTTL is how long the app's roles are trusted before asking again
// (a fresh app token each time).
const rolesTTL = 10 * time.Minute

// clients hands out Graph clients for feeds: one app-only client for all
// app feeds, one per delegated feed. All share the budget and the HTTP
// client.
type clients struct {
	o *Options

	mu       sync.Mutex
	app      *graph.Client
	byFeed   map[string]*graph.Client
	roles    []string
	rolesErr error
	rolesAt  time.Time
}

func newClients(o *Options) *clients {
	return &clients{o: o, byFeed: map[string]*graph.Client{}}
}

// newClient builds a background client: every attempt paced by the
// budget, waits through the injected Sleeper, Retry-After honoured for
// as long as the service asks (the retry layer's total-wait bound is
// lifted; the budget holds every poller meanwhile).
func (c *clients) newClient(src graph.TokenSource) (*graph.Client, error) {
	retry := graph.RetryPolicy{MaxAttempts: 6, MaxTotalWait: 1 << 62, Sleep: c.o.Sleep}
	if c.o.Metrics != nil {
		retry.OnRetry = c.o.Metrics.ObserveRetry
	}
	return graph.New(graph.Options{
		BaseURL: c.o.GraphURL, HTTPClient: c.o.HTTPClient, Tokens: src, UserAgent: "graphsec-live/1",
		Clock: c.o.Clock, Logger: c.o.Logger, Limiter: c.o.Budget, Retry: retry,
	})
}

func (c *clients) appClient() (*graph.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.app == nil {
		cl, err := c.newClient(c.o.Credentials.AppTokens(context.Background()))
		if err != nil {
			return nil, err
		}
		c.app = cl
	}
	return c.app, nil
}

// forFeed returns the client a feed acts through.
func (c *clients) forFeed(f store.Feed) (*graph.Client, error) {
	if f.Auth != AuthDelegated {
		return c.appClient()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.byFeed[f.ID]; cl != nil {
		return cl, nil
	}
	id := f.ID
	src, err := c.o.Credentials.FeedTokens(id, f.Tokens, func(sealed []byte) { c.saveTokens(id, sealed) })
	if err != nil {
		return nil, err
	}
	cl, err := c.newClient(src)
	if err != nil {
		return nil, err
	}
	c.byFeed[id] = cl
	return cl, nil
}

// saveTokens stores a feed's re-sealed tokens (the identity platform
// rotated its refresh token).
func (c *clients) saveTokens(feedID string, sealed []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := c.o.Feeds.Feed(ctx, feedID)
	if err == nil {
		f.Tokens, f.UpdatedAt = sealed, c.o.Clock.Now()
		err = c.o.Feeds.UpdateFeed(ctx, f)
	}
	if err != nil {
		c.o.Logger.Warn("store a feed's refreshed sign-in", "feed", feedID, "err", err)
	}
}

// reset drops the client a feed acts through, so that the next request
// starts from a fresh token: after Graph refused a token minted before
// consent was granted again (its roles and scopes are those of its
// issue).
func (c *clients) reset(f store.Feed) {
	if f.Auth == AuthDelegated {
		c.forget(f.ID)
		return
	}
	c.mu.Lock()
	c.app = nil
	c.mu.Unlock()
}

// forget drops a feed's client (deleted, or its sign-in replaced).
func (c *clients) forget(feedID string) {
	c.mu.Lock()
	delete(c.byFeed, feedID)
	c.mu.Unlock()
}

// appRoles returns the app's application permissions, asked at most
// every rolesTTL.
func (c *clients) appRoles(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.o.Clock.Now()
	if c.rolesAt.IsZero() || now.Sub(c.rolesAt) > rolesTTL || now.Before(c.rolesAt) {
		c.roles, c.rolesErr = c.o.Credentials.AppRoles(ctx)
		c.rolesAt = now
	}
	return c.roles, c.rolesErr
}

// choose decides how a new feed needing access reaches Graph: app-only
// when the app holds one of the permissions that grant it, else the
// owner's sign-in.
func (c *clients) choose(ctx context.Context, access graph.Access, owner Owner) (AuthChoice, error) {
	perms := graph.ScopeFor(access)
	roles, err := c.appRoles(ctx)
	if err == nil && slices.ContainsFunc(roles, func(r string) bool {
		return slices.ContainsFunc(perms, func(p string) bool { return strings.EqualFold(p, r) })
	}) {
		return AuthChoice{Mode: AuthApp, Reason: fmt.Sprintf("graphsec's own app holds %s as an application permission: the feed keeps working whoever is signed in.", strings.Join(perms, " or "))}, nil
	}
	why := fmt.Sprintf("graphsec's app does not hold %s as an application permission", strings.Join(perms, " or "))
	if err != nil {
		why = "graphsec could not get an app-only token (" + err.Error() + ")"
	}
	if owner.Creator == nil {
		return AuthChoice{}, fmt.Errorf("%w: %s", ErrNoCredentials, why)
	}
	return AuthChoice{Mode: AuthDelegated, Reason: why + ": the feed acts with your sign-in, kept sealed, and keeps working after you sign out until an administrator or the sign-in's expiry revokes it."}, nil
}
