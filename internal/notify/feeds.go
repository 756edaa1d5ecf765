package notify

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// FeedCache is a store.Feeds that remembers FeedByGraphID's answers, so
// that the receiver looks a subscription up in memory on every POST but
// the first. It writes through: CreateFeed, UpdateFeed and DeleteFeed go
// to the store and forget everything cached, so a process that changes
// feeds through it (subscription upkeep) is never served a stale record.
// Another replica's changes are seen after at most TTL (a found feed) or
// NegativeTTL (an unknown subscription id, remembered briefly so that
// Graph repeating a delivery for a subscription graphsec no longer knows
// does not become a query each time). Both are bounds chosen for several
// replicas on one database: a found feed that another replica removed
// can take items for at most TTL (they are stored, under the removed
// feed, and harm nothing); an id looked up on one replica in the
// milliseconds before another stored its new subscription is refused for
// at most NegativeTTL, so that one is kept short.
//
// Give upkeep the same FeedCache the receiver uses, or call Invalidate
// after changing a feed some other way.
type FeedCache struct {
	st    store.Feeds
	clock clock.Clock
	ttl   time.Duration
	neg   time.Duration
	max   int

	mu      sync.Mutex
	entries map[string]feedEntry
}

type feedEntry struct {
	feed  store.Feed
	found bool
	until time.Time
}

// FeedCacheOptions configure a FeedCache (zero values: defaults).
type FeedCacheOptions struct {
	Clock clock.Clock
	// TTL (default 30 s) and NegativeTTL (default 1 s): see FeedCache.
	TTL, NegativeTTL time.Duration
	// MaxEntries bounds the cache (default 10,000); beyond, it starts
	// afresh.
	MaxEntries int
}

var _ store.Feeds = (*FeedCache)(nil)

// NewFeedCache wraps st.
func NewFeedCache(st store.Feeds, o FeedCacheOptions) *FeedCache {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.TTL <= 0 {
		o.TTL = 30 * time.Second
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = time.Second
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 10_000
	}
	return &FeedCache{st: st, clock: o.Clock, ttl: o.TTL, neg: o.NegativeTTL, max: o.MaxEntries, entries: map[string]feedEntry{}}
}

// FeedByGraphID returns the feed of a Graph subscription id, from memory
// when it was looked up recently.
func (c *FeedCache) FeedByGraphID(ctx context.Context, graphID string) (store.Feed, error) {
	now := c.clock.Now()
	c.mu.Lock()
	e, ok := c.entries[graphID]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		if !e.found {
			return store.Feed{}, store.ErrNotFound
		}
		return e.feed, nil
	}
	f, err := c.st.FeedByGraphID(ctx, graphID)
	switch {
	case err == nil:
		c.put(graphID, feedEntry{feed: f, found: true, until: now.Add(c.ttl)})
	case errors.Is(err, store.ErrNotFound):
		c.put(graphID, feedEntry{until: now.Add(c.neg)})
	}
	return f, err
}

func (c *FeedCache) put(key string, e feedEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = e
}

// Invalidate forgets everything cached (feeds change at human pace).
func (c *FeedCache) Invalidate() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// CreateFeed implements store.Feeds, then invalidates.
func (c *FeedCache) CreateFeed(ctx context.Context, f store.Feed) error {
	defer c.Invalidate()
	return c.st.CreateFeed(ctx, f)
}

// UpdateFeed implements store.Feeds, then invalidates.
func (c *FeedCache) UpdateFeed(ctx context.Context, f store.Feed) error {
	defer c.Invalidate()
	return c.st.UpdateFeed(ctx, f)
}

// DeleteFeed implements store.Feeds, then invalidates.
func (c *FeedCache) DeleteFeed(ctx context.Context, id string) error {
	defer c.Invalidate()
	return c.st.DeleteFeed(ctx, id)
}

// Feed implements store.Feeds (not cached).
func (c *FeedCache) Feed(ctx context.Context, id string) (store.Feed, error) {
	return c.st.Feed(ctx, id)
}

// ListFeeds implements store.Feeds (not cached).
func (c *FeedCache) ListFeeds(ctx context.Context, f store.FeedFilter) ([]store.Feed, error) {
	return c.st.ListFeeds(ctx, f)
}
