package notify

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
)

// Graph's throttling limit for the security API, per app and tenant
// (graph-api-facts.md §7.5), and the share of it graphsec's background
// work takes by default: the rest is left to analysts' own pages, which
// count against the same limit.
const (
	GraphSecurityPerMinute = 150
	DefaultBudgetPerMinute = GraphSecurityPerMinute * 8 / 10
)

// Sleeper waits d or until ctx ends. Background work never calls
// time.Sleep: tests pass one that moves a fake clock (the emulator's and
// the console's together) instead of waiting.
type Sleeper func(ctx context.Context, d time.Duration) error

// SleepTimer is the real Sleeper.
func SleepTimer(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Budget is the request budget of one tenant and app, shared by every
// background poller (watches, subscription catch-ups, audits): a token
// bucket refilled at PerMinute a minute, holding at most a tenth of that
// (so that no 60-second window sees more than 1.1 × PerMinute: 132 at the
// default 120, under Graph's 150). A 429 or 503 with Retry-After holds
// every request it paces until then, however long the service asks (no
// cap: the Graph client's own retry layer caps at 24 hours, the budget
// does not). Only requests to /security paths are paced: subscription
// operations have limits of their own, far higher.
//
// It implements graph.Limiter. A Budget is safe for concurrent use.
type Budget struct {
	clock clock.Clock
	sleep Sleeper
	rate  float64 // tokens a second
	burst float64

	mu          sync.Mutex
	tokens      float64
	last        time.Time
	pausedUntil time.Time
	stats       BudgetStats
}

// BudgetStats counts what a budget paced.
type BudgetStats struct {
	PerMinute int
	// Requests is every request paced; Throttled the 429s among their
	// answers, Unavailable the 503s.
	Requests, Throttled, Unavailable int64
	// Waited is the total time requests waited for budget or for a
	// Retry-After; PausedUntil is the current hold, if any.
	Waited      time.Duration
	PausedUntil time.Time
}

// NewBudget returns a budget of perMinute requests a minute (at least
// 1). clk and sleep are the injected clock and wait.
func NewBudget(perMinute int, clk clock.Clock, sleep Sleeper) *Budget {
	perMinute = max(perMinute, 1)
	if clk == nil {
		clk = clock.System{}
	}
	if sleep == nil {
		sleep = SleepTimer
	}
	burst := max(float64(perMinute)/10, 1)
	return &Budget{clock: clk, sleep: sleep, rate: float64(perMinute) / 60, burst: burst, tokens: burst,
		last: clk.Now(), stats: BudgetStats{PerMinute: perMinute}}
}

// paced reports whether a request counts against the budget.
func paced(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.URL.Path), "/security/")
}

// Wait blocks until the budget allows req (graph.Limiter).
func (b *Budget) Wait(req *http.Request) error {
	if !paced(req) {
		return nil
	}
	return b.take(req.Context())
}

// take spends one token, waiting for it (and for any hold) first.
func (b *Budget) take(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := b.clock.Now()
		var d time.Duration
		if now.Before(b.pausedUntil) {
			d = b.pausedUntil.Sub(now)
		} else {
			if el := now.Sub(b.last).Seconds(); el > 0 {
				b.tokens = min(b.burst, b.tokens+el*b.rate)
			}
			b.last = now
			if b.tokens >= 1 {
				b.tokens--
				b.stats.Requests++
				b.mu.Unlock()
				return nil
			}
			// Round up to a whole millisecond so the next look finds the
			// token there, whatever the clock's resolution.
			d = time.Duration((1-b.tokens)/b.rate*float64(time.Second)) + time.Millisecond
		}
		b.stats.Waited += d
		b.mu.Unlock()
		if err := b.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// Observe reads throttling answers (graph.Limiter): a 429 or 503 with a
// Retry-After holds every paced request until then; a 429 without one
// holds them for a few seconds.
func (b *Budget) Observe(req *http.Request, resp *http.Response) {
	if !paced(req) || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return
	}
	now := b.clock.Now()
	d, ok := graph.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	b.mu.Lock()
	defer b.mu.Unlock()
	if resp.StatusCode == http.StatusTooManyRequests {
		b.stats.Throttled++
		if !ok {
			d, ok = 5*time.Second, true
		}
	} else {
		b.stats.Unavailable++
	}
	if ok {
		until := now.Add(d)
		if until.Before(now) { // beyond what time.Time holds: as long as it can
			until = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		}
		if until.After(b.pausedUntil) {
			b.pausedUntil = until
		}
	}
}

// Stats reports what the budget paced so far.
func (b *Budget) Stats() BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	if b.clock.Now().Before(b.pausedUntil) {
		s.PausedUntil = b.pausedUntil
	}
	return s
}
