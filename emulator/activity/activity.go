// Package activity is the emulator's living tenant: a deterministic stream
// of what happens in a real Microsoft 365 tenant while nobody watches the
// API. Detection sources raise alerts that open incidents or join existing
// ones and raise their severity; analysts triage, assign, classify,
// comment on and resolve them, sometimes a whole incident at once (its
// alerts then share one lastUpdateDateTime); the service now and then
// merges an incident into another (redirected, redirectIncidentId); legacy
// providers post and update legacy alerts.
//
// Every step goes through the store's one write path, so change
// notifications, the journal and every reader see it as they see any
// other change.
//
// # Realism that pollers must survive
//
// Several alerts share one lastUpdateDateTime (an incident resolved at
// once; a burst of alerts from one detection). With a visibility delay,
// an update becomes visible up to that long after its lastUpdateDateTime:
// the change is decided at time T, stamped T, and committed at a random
// moment in [T, T+delay] of emulated time. A poller that moved its
// checkpoint past T in the meantime misses it unless it re-reads an
// overlap. New alerts are visible at once (the delay applies to updates).
//
// # Determinism
//
// The sequence of steps depends only on the seed and the data: two
// emulators with the same seed, the same clock and no other writers make
// the same changes in the same order (Step drives it without a
// goroutine; tests use it). The background runner paces steps by the
// wall clock (a rate per minute of real time, so moving the emulated
// clock ahead does not unleash hours of activity at once) and stamps them
// with the emulator's clock.
package activity

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/internal/clock"
)

// Store is what the activity needs of the emulator's data: reads to pick
// a target, and the write path's operations.
type Store interface {
	Nth(res change.Resource, i int) (doc odata.Object, n int, ok bool)
	AddAlert(origin change.Origin, incidentID string, overrides odata.Object, at odata.Time) (odata.Object, error)
	ChangeAlert(origin change.Origin, id string, changes odata.Object, at odata.Time) (odata.Object, error)
	UpdateIncidentAs(origin change.Origin, id string, changes odata.Object, by string, at odata.Time) (odata.Object, error)
	Comment(origin change.Origin, res change.Resource, id string, comment odata.Object) ([]any, string, error)
	MergeIncident(origin change.Origin, from, into string, at odata.Time) (odata.Object, error)
	AddLegacyAlert(origin change.Origin, overrides odata.Object, at odata.Time) (odata.Object, error)
	ChangeLegacyAlert(origin change.Origin, id string, changes odata.Object, at odata.Time) (odata.Object, error)
}

// Options configure the activity.
type Options struct {
	Store Store
	// Clock stamps every change (the emulator's adjustable clock).
	Clock clock.Clock
	// Seed makes the sequence of steps deterministic.
	Seed int64
	// Rate is the background pace (0: none until SetRate).
	Rate Rate
	// VisibilityDelay lets an update become visible up to this long after
	// its lastUpdateDateTime (0: at once).
	VisibilityDelay time.Duration
	// Analysts are the UPNs that triage alerts (assignees, comment
	// authors). Without any, "soc@" the tenant is used.
	Analysts []string
	Logger   *slog.Logger
}

// tick is how often the runner wakes: it applies delayed updates that
// have become due and takes the steps the rate allows.
const tick = 250 * time.Millisecond

// maxPending bounds delayed updates; past it an update is committed at
// once rather than queued.
const maxPending = 10000

// Activity is a running living tenant. It is safe for concurrent use.
type Activity struct {
	store    Store
	clock    clock.Clock
	delay    time.Duration
	analysts []string
	log      *slog.Logger

	mu      sync.Mutex
	r       *rand.Rand
	rate    Rate
	credit  float64 // steps owed by the rate, carried between ticks
	pending []delayed
	steps   int
	byKind  map[string]int
	errors  int
	lastErr string

	stop context.CancelFunc
	done chan struct{}
}

// delayed is an update decided at its stamp time and committed when due.
type delayed struct {
	due   time.Time
	kind  string
	apply func() error
}

// New returns an activity; Start runs it in the background.
func New(o Options) *Activity {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if len(o.Analysts) == 0 {
		o.Analysts = []string{"soc@localhost"}
	}
	a := &Activity{
		store: o.Store, clock: o.Clock, delay: max(o.VisibilityDelay, 0), analysts: slices.Clone(o.Analysts), log: o.Logger,
		rate: o.Rate, byKind: map[string]int{},
	}
	a.Reset(o.Seed)
	return a
}

// Start runs the activity in the background until Close.
func (a *Activity) Start() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.stop, a.done = cancel, make(chan struct{})
	go a.run(ctx)
}

// Close stops the background runner (delayed updates not yet due are
// dropped).
func (a *Activity) Close() {
	a.mu.Lock()
	stop, done := a.stop, a.done
	a.stop = nil
	a.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

func (a *Activity) run(ctx context.Context) {
	defer close(a.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		a.credit += float64(a.rate) * tick.Minutes()
		n := int(a.credit)
		a.credit -= float64(n)
		a.mu.Unlock()
		a.Flush()
		a.Step(n)
	}
}

// Reset forgets delayed updates and restarts the sequence from the seed,
// for when the data is regenerated (the control plane's reset and
// reseed): the pending updates name objects that no longer exist.
func (a *Activity) Reset(seed int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.r = rand.New(rand.NewPCG(uint64(seed), 0x61637469766974)) // "activit"
	a.pending, a.credit = nil, 0
}

// SetRate changes the background pace.
func (a *Activity) SetRate(r Rate) {
	a.mu.Lock()
	a.rate, a.credit = max(r, 0), 0
	a.mu.Unlock()
}

// Stats is what the control plane shows of the activity.
type Stats struct {
	Rate            string         `json:"rate"`
	VisibilityDelay string         `json:"visibilityDelay"`
	Steps           int            `json:"steps"`
	ByKind          map[string]int `json:"byKind"`
	Pending         int            `json:"pendingUpdates"`
	Errors          int            `json:"errors"`
	LastError       string         `json:"lastError,omitempty"`
}

// Stats reports the activity so far.
func (a *Activity) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	by := make(map[string]int, len(a.byKind))
	for k, v := range a.byKind {
		by[k] = v
	}
	return Stats{Rate: a.rate.String(), VisibilityDelay: a.delay.String(), Steps: a.steps, ByKind: by,
		Pending: len(a.pending), Errors: a.errors, LastError: a.lastErr}
}

// Flush commits the delayed updates that are due at the clock's time.
func (a *Activity) Flush() {
	now := a.clock.Now()
	for {
		a.mu.Lock()
		if len(a.pending) == 0 || a.pending[0].due.After(now) {
			a.mu.Unlock()
			return
		}
		d := a.pending[0]
		a.pending = a.pending[1:]
		a.mu.Unlock()
		a.record(d.kind, d.apply())
	}
}

// Step takes n steps now, in order, and commits delayed updates that are
// due first.
func (a *Activity) Step(n int) {
	a.Flush()
	for range n {
		a.mu.Lock()
		kind, apply := a.decide(a.clock.Now())
		a.steps++
		if apply == nil {
			a.mu.Unlock()
			continue
		}
		a.mu.Unlock()
		a.record(kind, apply())
	}
}

func (a *Activity) record(kind string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.errors++
		a.lastErr = fmt.Sprintf("%s: %v", kind, err)
		a.log.Debug("activity step failed", "kind", kind, "err", err)
		return
	}
	a.byKind[kind]++
}

// later queues an update stamped at for commit within the visibility
// delay, or returns it to run at once.
func (a *Activity) later(kind string, at time.Time, apply func() error) func() error {
	if a.delay <= 0 || len(a.pending) >= maxPending {
		return apply
	}
	d := time.Duration(a.r.Int64N(int64(a.delay) + 1))
	if d == 0 {
		return apply
	}
	item := delayed{due: at.Add(d), kind: kind, apply: apply}
	i, _ := slices.BinarySearchFunc(a.pending, item.due, func(x delayed, t time.Time) int {
		if x.due.After(t) {
			return 1
		}
		return -1 // equal dues keep their order
	})
	a.pending = slices.Insert(a.pending, i, item)
	return nil
}
