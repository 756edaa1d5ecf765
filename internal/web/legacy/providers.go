package legacy

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
)

// list returns the providers of the tenant's legacy alerts:
// those seen in GET /security/alerts?$top=1 (the federated API returns up
// to one alert per provider) and those named in its warnings (a provider
// that failed this time still exists). The list is kept for a few minutes;
// fresh skips the cached copy.
func (cache *providerCache) list(ctx context.Context, c *graph.Client, key string, fresh bool) ([]string, error) {
	if !fresh {
		if list, ok := cache.get(key); ok {
			return list, nil
		}
	}
	pg, resp, err := c.LegacyAlerts.ListSummaries(ctx, graph.LegacyAlertQuery{TopPerProvider: 1})
	if err != nil {
		return nil, err
	}
	var list []string
	add := func(p string) {
		if p != "" && !slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, p) }) {
			list = append(list, p)
		}
	}
	for _, a := range pg.Value {
		add(a.Provider())
	}
	if resp != nil {
		for _, w := range resp.Warnings {
			add(w.Provider)
		}
	}
	slices.SortFunc(list, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	cache.put(key, list)
	return list, nil
}

// providerTTL is how long a provider list is reused: providers come
// and go with licences, rarely within minutes.
const providerTTL = 5 * time.Minute

// providerMax bounds the cache: one entry per signed-in user.
const providerMax = 1024

// providerCache keeps each user's legacy provider list for a few
// minutes, so the form's select does not cost a Graph call on every page.
// It lives in the legacy pages (built by the shell), never in a package
// variable, and reads time from the injected clock.
type providerCache struct {
	clock clock.Clock
	ttl   time.Duration
	max   int

	mu      sync.Mutex
	entries map[string]providerEntry
}

type providerEntry struct {
	list []string
	at   time.Time
}

func newProviderCache(clk clock.Clock) *providerCache {
	if clk == nil {
		clk = clock.System{}
	}
	return &providerCache{clock: clk, ttl: providerTTL, max: providerMax, entries: map[string]providerEntry{}}
}

// get returns a copy of the list stored for key, if it is recent enough.
func (c *providerCache) get(key string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if c.clock.Now().Sub(e.at) >= c.ttl {
		delete(c.entries, key)
		return nil, false
	}
	return slices.Clone(e.list), true
}

// put stores list for key. When the cache is full it first drops expired
// entries, then the oldest one.
func (c *providerCache) put(key string, list []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	if _, exists := c.entries[key]; !exists && len(c.entries) >= c.max {
		oldestKey, oldest := "", time.Time{}
		for k, e := range c.entries {
			if now.Sub(e.at) >= c.ttl {
				delete(c.entries, k)
				continue
			}
			if oldestKey == "" || e.at.Before(oldest) {
				oldestKey, oldest = k, e.at
			}
		}
		if len(c.entries) >= c.max {
			delete(c.entries, oldestKey)
		}
	}
	c.entries[key] = providerEntry{list: slices.Clone(list), at: now}
}
