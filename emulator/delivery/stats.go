package delivery

import (
	"context"
	"maps"
	"sort"
	"time"

	"github.com/graphsec/graphsec/emulator/graphapi"
)

// Attempt is one POST to a notification or lifecycle URL.
type Attempt struct {
	Time time.Time `json:"time"` // emulated time it was sent
	// URL is the endpoint without its query string (which may carry a
	// secret).
	URL       string  `json:"url"`
	Status    int     `json:"status"` // 0: no HTTP answer
	LatencyMS float64 `json:"latencyMs"`
	Slow      bool    `json:"slow"`
	// Attempt counts the tries of this POST's notifications (1: first).
	Attempt   int    `json:"attempt"`
	Items     int    `json:"items"`
	Lifecycle bool   `json:"lifecycle"`
	Result    string `json:"result"` // delivered, retry, dropped
	Error     string `json:"error,omitempty"`
	// NextAttempt is when a retry is due.
	NextAttempt *time.Time `json:"nextAttempt,omitempty"`
}

// ring keeps the most recent attempts.
type ring struct {
	buf  []Attempt
	next int
	full bool
}

func newRing(n int) ring { return ring{buf: make([]Attempt, n)} }

func (r *ring) add(a Attempt) {
	r.buf[r.next] = a
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
}

// list returns the attempts, newest first.
func (r *ring) list() []Attempt {
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	out := make([]Attempt, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}

// EndpointStats describes one notification URL.
type EndpointStats struct {
	URL   string `json:"url"` // without its query string
	State string `json:"state"`
	// Requests and Slow count the current 10-minute window; SlowShare is
	// their ratio.
	Requests  int     `json:"windowRequests"`
	Slow      int     `json:"windowSlow"`
	SlowShare float64 `json:"slowShare"`
	// Totals since the last reset.
	TotalRequests uint64   `json:"totalRequests"`
	TotalSlow     uint64   `json:"totalSlow"`
	Delivered     uint64   `json:"delivered"`
	Failed        uint64   `json:"failedAttempts"`
	Dropped       uint64   `json:"dropped"`
	Pending       int      `json:"pending"`
	Last          *Attempt `json:"lastAttempt"`
}

func (ep *endpoint) stats() EndpointStats {
	s := EndpointStats{
		URL: stripQuery(ep.url), State: ep.state.String(), Requests: ep.requests, Slow: ep.slow,
		TotalRequests: ep.totalRequests, TotalSlow: ep.totalSlow, Delivered: ep.delivered,
		Failed: ep.failed, Dropped: ep.dropped, Pending: ep.pending, Last: ep.last,
	}
	if ep.requests > 0 {
		s.SlowShare = float64(ep.slow) / float64(ep.requests)
	}
	return s
}

// SubscriptionStats is delivery's view of one subscription. Delivered
// and FailedAttempts count its change notifications; LifecycleSent the
// lifecycle notifications queued for it; Pending and Dropped both kinds.
type SubscriptionStats struct {
	Delivered      uint64 `json:"delivered"`
	Pending        int    `json:"pending"`
	FailedAttempts uint64 `json:"failedAttempts"`
	Dropped        uint64 `json:"dropped"`
	LifecycleSent  uint64 `json:"lifecycleNotifications"`
	// Paused is set after the app's consent was revoked, until the
	// subscription is reauthorized; PausedSince is when.
	Paused      bool       `json:"paused"`
	PausedSince *time.Time `json:"pausedSince,omitempty"`
	// Endpoint is the notificationUrl's endpoint (shared with every
	// subscription using that URL): slow share, last attempt.
	Endpoint *EndpointStats `json:"endpoint"`
}

// Stats are delivery's counters since the last reset; Delivered counts
// change and lifecycle notifications acknowledged with a 2xx.
type Stats struct {
	Delivered      uint64 `json:"delivered"`
	Requests       uint64 `json:"requests"`
	FailedAttempts uint64 `json:"failedAttempts"`
	Duplicated     uint64 `json:"duplicated"`
	LifecycleSent  uint64 `json:"lifecycleNotifications"`
	Pending        int    `json:"pending"`
	Backlog        int    `json:"backlog"`
	// Dropped counts notifications dropped, by reason (the Drop* names).
	Dropped   map[string]uint64 `json:"dropped"`
	Endpoints []EndpointStats   `json:"endpoints"`
	Faults    FaultsJSON        `json:"faults"`
}

// FaultsJSON is Faults as the control plane reads and writes them.
type FaultsJSON struct {
	Duplicate float64 `json:"duplicate"`
	Reorder   float64 `json:"reorder"`
	Delay     string  `json:"delay"`
}

// JSON converts the faults for the control plane.
func (f Faults) JSON() FaultsJSON {
	return FaultsJSON{Duplicate: f.Duplicate, Reorder: f.Reorder, Delay: f.Delay.String()}
}

// Stats returns the counters, with every endpoint's.
func (d *Delivery) Stats() Stats {
	d.in.mu.Lock()
	backlog, lost := len(d.in.events), d.in.dropped
	d.in.mu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	s := Stats{
		Delivered: d.totals.delivered, Requests: d.totals.requests, FailedAttempts: d.totals.failedAttempts,
		Duplicated: d.totals.duplicated, LifecycleSent: d.totals.lifecycle, Pending: d.pending, Backlog: backlog,
		Dropped: maps.Clone(d.totals.dropped), Faults: d.faults.JSON(), Endpoints: []EndpointStats{},
	}
	if lost > 0 {
		s.Dropped[DropBacklog] += lost
	}
	for _, ep := range d.endpoints {
		s.Endpoints = append(s.Endpoints, ep.stats())
	}
	sort.Slice(s.Endpoints, func(i, j int) bool { return s.Endpoints[i].URL < s.Endpoints[j].URL })
	return s
}

// Pending is how many notifications wait (queued, retrying or in flight).
func (d *Delivery) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending
}

// Backlog is how many committed changes wait to be matched.
func (d *Delivery) Backlog() int {
	d.in.mu.Lock()
	defer d.in.mu.Unlock()
	return len(d.in.events)
}

// Subscription returns delivery's statistics for one subscription.
func (d *Delivery) Subscription(s graphapi.Subscription) SubscriptionStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out SubscriptionStats
	if st := d.state[key(s.ID)]; st != nil {
		out = SubscriptionStats{
			Delivered: st.delivered, Pending: st.pending, FailedAttempts: st.failedAttempts,
			Dropped: st.dropped, LifecycleSent: st.lifecycleSent, Paused: st.paused(),
		}
		if st.paused() {
			t := st.revokedAt
			out.PausedSince = &t
		}
	}
	if ep := d.endpoints[s.NotificationURL]; ep != nil {
		es := ep.stats()
		out.Endpoint = &es
	}
	return out
}

// Attempts returns the recent POSTs, newest first (at most LogSize).
func (d *Delivery) Attempts() []Attempt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.attempts.list()
}

// Faults returns the delivery faults in force.
func (d *Delivery) Faults() Faults {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.faults
}

// SetFaults changes the delivery faults (shares are clamped to 0..1).
func (d *Delivery) SetFaults(f Faults) {
	d.mu.Lock()
	d.faults = f.clamped()
	d.mu.Unlock()
}

// Flush waits until delivery has nothing left to do now: every published
// change matched, nothing in flight, nothing due by the emulator's clock
// (a retry or delayed notification due later does not count). It runs
// the time-driven work first, so a clock just moved is seen. Tests use
// it instead of sleeping.
func (d *Delivery) Flush(ctx context.Context) error {
	for {
		d.step(true)
		if d.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func (d *Delivery) idle() bool {
	d.in.mu.Lock()
	busy := len(d.in.events) > 0 || d.in.busy
	d.in.mu.Unlock()
	if busy {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.active > 0 || len(d.readyQ) > 0 {
		return false
	}
	now := d.clock.Now()
	for _, ep := range d.endpoints {
		if d.sendable(ep, now) {
			return false
		}
	}
	return true
}
