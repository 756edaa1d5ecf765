package graphapi

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// Throttle is a token bucket per app and tenant, as Graph applies to the
// security API (150 requests per minute per app per tenant). It is off
// (PerMinute 0) unless enabled, because load tests and a human clicking
// through the console should not need to think about it; tests turn it on.
type Throttle struct {
	mu        sync.Mutex
	perMinute int
	buckets   map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewThrottle returns a limiter allowing perMinute requests a minute per
// app+tenant; 0 disables it.
func NewThrottle(perMinute int) *Throttle {
	return &Throttle{perMinute: perMinute, buckets: map[string]*bucket{}}
}

// Set changes the limit and forgets the buckets.
func (t *Throttle) Set(perMinute int) {
	t.mu.Lock()
	t.perMinute = perMinute
	t.buckets = map[string]*bucket{}
	t.mu.Unlock()
}

// PerMinute reports the limit (0 when off).
func (t *Throttle) PerMinute() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.perMinute
}

// take spends one token for key at now, or returns the 429 Graph sends.
func (t *Throttle) take(key string, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.perMinute <= 0 {
		return nil
	}
	rate := float64(t.perMinute) / 60 // tokens per second
	b := t.buckets[key]
	if b == nil {
		if len(t.buckets) > 10000 {
			t.buckets = map[string]*bucket{}
		}
		b = &bucket{tokens: float64(t.perMinute), last: now}
		t.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(float64(t.perMinute), b.tokens+el*rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	wait := (1 - b.tokens) / rate
	return throttled(strconv.FormatFloat(math.Ceil(wait*1000)/1000, 'f', -1, 64))
}
