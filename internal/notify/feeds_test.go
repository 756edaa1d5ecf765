package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// countingFeeds counts FeedByGraphID calls on the store.
type countingFeeds struct {
	store.Feeds
	lookups int
}

func (c *countingFeeds) FeedByGraphID(ctx context.Context, id string) (store.Feed, error) {
	c.lookups++
	return c.Feeds.FeedByGraphID(ctx, id)
}

func TestFeedCache(t *testing.T) {
	r := newRig(t, rigOptions{})
	counting := &countingFeeds{Feeds: r.st}
	cache := NewFeedCache(counting, FeedCacheOptions{Clock: r.clock, TTL: 30 * time.Second, NegativeTTL: 5 * time.Second})
	ctx := t.Context()
	lookup := func(id string) error {
		_, err := cache.FeedByGraphID(ctx, id)
		return err
	}
	steps := []struct {
		name    string
		do      func()
		id      string
		found   bool
		lookups int // store lookups so far
	}{
		{"unknown: asks the store", nil, "sub", false, 1},
		{"unknown again: remembered", nil, "sub", false, 1},
		{"created through the cache: forgotten at once", func() {
			f := store.Feed{ID: "f", Kind: store.FeedSubscription, GraphID: "sub", CreatedAt: epoch, UpdatedAt: epoch}
			if err := cache.CreateFeed(ctx, f); err != nil {
				t.Fatal(err)
			}
		}, "sub", true, 2},
		{"found: remembered", nil, "sub", true, 2},
		{"found, after the TTL: asked again", func() { r.clock.Advance(31 * time.Second) }, "sub", true, 3},
		{"deleted elsewhere: still remembered within the TTL", func() { r.st.DeleteFeed(ctx, "f") }, "sub", true, 3},
		{"after the TTL: gone", func() { r.clock.Advance(31 * time.Second) }, "sub", false, 4},
		{"negative entry expires", func() { r.clock.Advance(6 * time.Second) }, "sub", false, 5},
		{"Invalidate forgets", func() { cache.Invalidate() }, "sub", false, 6},
	}
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		err := lookup(s.id)
		if found := err == nil; found != s.found || (!found && !errors.Is(err, store.ErrNotFound)) {
			t.Errorf("%s: err %v, want found %v", s.name, err, s.found)
		}
		if counting.lookups != s.lookups {
			t.Errorf("%s: %d store lookups, want %d", s.name, counting.lookups, s.lookups)
		}
	}
	// Bounded: beyond MaxEntries it starts afresh rather than grow.
	small := NewFeedCache(r.st, FeedCacheOptions{Clock: r.clock, MaxEntries: 3})
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		small.FeedByGraphID(ctx, id)
	}
	if n := len(small.entries); n > 3 {
		t.Errorf("%d entries in a cache bounded at 3", n)
	}
}

func TestRetention(t *testing.T) {
	r := newRig(t, rigOptions{})
	var items []Item
	for i, age := range []time.Duration{40 * 24 * time.Hour, 31 * 24 * time.Hour, 29 * 24 * time.Hour, time.Hour} {
		items = append(items, Item{ID: string(rune('a' + i)), Source: SourceWebhook, Feed: "f", ReceivedAt: epoch.Add(-age)})
	}
	if _, err := r.st.AppendNotifications(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	ret := Retention{Store: r.st, Clock: r.clock, Metrics: r.metrics} // default: 30 days
	if n := ret.Once(t.Context()); n != 2 {
		t.Errorf("deleted %d, want the 2 older than 30 days", n)
	}
	if ids := idsOf(r.stored(t)); len(ids) != 2 || ids[0] != "c" || ids[1] != "d" {
		t.Errorf("kept %v, want [c d]", ids)
	}
	ret.Keep = 2 * time.Hour
	if n := ret.Once(t.Context()); n != 1 {
		t.Errorf("deleted %d with a 2h retention, want 1", n)
	}
	// Run stops with its context.
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { ret.Run(ctx); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}
