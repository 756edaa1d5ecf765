package page

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// ReconcileStore is the part of the store the Reconciler uses.
type ReconcileStore interface {
	PendingActivity(ctx context.Context, before time.Time, limit int) ([]store.Activity, error)
	UpdateActivity(ctx context.Context, id int64, state, requestID string, changes []byte) error
}

// Checker decides whether a pending change was applied, by reading its
// resource from Graph: true when Graph shows what the change asked for
// (the activity's Changes), false when it does not. An error leaves the
// change pending for the next run. Each feature provides the checker of
// the resources it changes.
type Checker func(ctx context.Context, c *graph.Client, a store.Activity) (applied bool, err error)

// ReconcilerOptions configure a Reconciler.
type ReconcilerOptions struct {
	Store ReconcileStore
	// Graph returns the client the checks read with: app-only (the user
	// who made the change may be long gone).
	Graph func(ctx context.Context) (*graph.Client, error)
	// Checkers by activity resource ("alert", "legacyAlert").
	Checkers map[string]Checker
	Clock    clock.Clock
	Logger   *slog.Logger
	// MinAge is how old a pending change must be before it is checked,
	// so that a request still waiting for Graph is not raced (default
	// DefaultReconcileMinAge).
	MinAge time.Duration
	// GiveUp is how long a change may stay pending: older, one that
	// still cannot be checked is marked unknown (default 24 h).
	GiveUp time.Duration
}

// DefaultReconcileMinAge is longer than any request waits for Graph
// (a form's work is bounded by FormTimeout).
const DefaultReconcileMinAge = FormTimeout + time.Minute

// Reconciler settles the activity log's pending changes: the intents
// whose request never saw Graph's answer. The console runs it at start-up
// (changes a crash left pending) and then periodically.
type Reconciler struct {
	o ReconcilerOptions
}

// NewReconciler returns a Reconciler.
func NewReconciler(o ReconcilerOptions) *Reconciler {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MinAge <= 0 {
		o.MinAge = DefaultReconcileMinAge
	}
	if o.GiveUp <= 0 {
		o.GiveUp = 24 * time.Hour
	}
	return &Reconciler{o: o}
}

// ReconcileResult counts what a run did.
type ReconcileResult struct {
	Checked, Applied, NotApplied, Unknown, Left int
}

// reconcileBatch bounds the changes one run checks.
const reconcileBatch = 200

// Run checks the pending changes older than MinAge once: each is marked
// done (Graph shows it), failed (Graph does not), unknown (older than
// GiveUp and still not checkable), or left pending (Graph could not be
// read this time).
func (r *Reconciler) Run(ctx context.Context) (ReconcileResult, error) {
	var res ReconcileResult
	now := r.o.Clock.Now()
	pending, err := r.o.Store.PendingActivity(ctx, now.Add(-r.o.MinAge), reconcileBatch)
	if err != nil || len(pending) == 0 {
		return res, err
	}
	c, cerr := r.o.Graph(ctx)
	var errs []error
	for _, a := range pending {
		res.Checked++
		state, err := r.check(ctx, c, cerr, a)
		if err != nil && now.Sub(a.At) > r.o.GiveUp {
			state = store.ActivityUnknown
		}
		if state == "" {
			res.Left++
			r.o.Logger.Warn("a pending change could not be checked; trying again later", "activity_id", a.ID, "resource", a.Resource,
				"id", a.ResourceID, "action", a.Action, "err", err)
			continue
		}
		if err := r.o.Store.UpdateActivity(ctx, a.ID, state, "", nil); err != nil {
			errs = append(errs, fmt.Errorf("activity %d: %w", a.ID, err))
			continue
		}
		switch state {
		case store.ActivityDone:
			res.Applied++
		case store.ActivityFailed:
			res.NotApplied++
		default:
			res.Unknown++
		}
		r.o.Logger.Info("reconciled a change", "activity_id", a.ID, "resource", a.Resource, "id", a.ResourceID, "action", a.Action, "state", state)
	}
	return res, errors.Join(errs...)
}

// check returns the state a pending change should take, or "" with the
// reason it cannot be decided now.
func (r *Reconciler) check(ctx context.Context, c *graph.Client, cerr error, a store.Activity) (string, error) {
	fn := r.o.Checkers[a.Resource]
	if fn == nil {
		return "", fmt.Errorf("no checker for %q", a.Resource)
	}
	if cerr != nil {
		return "", cerr
	}
	applied, err := fn(ctx, c, a)
	switch {
	case err != nil:
		return "", err
	case applied:
		return store.ActivityDone, nil
	}
	return store.ActivityFailed, nil
}

// Loop runs Run now and then every interval until ctx ends.
func (r *Reconciler) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if res, err := r.Run(ctx); err != nil {
			r.o.Logger.Warn("reconcile pending changes", "err", err)
		} else if res.Checked > 0 {
			r.o.Logger.Info("reconciled pending changes", "checked", res.Checked, "applied", res.Applied, "not_applied", res.NotApplied,
				"unknown", res.Unknown, "left", res.Left)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ChangedTo reads an activity's Changes as field → the value it was
// changed to ({"status": {"from": "new", "to": "resolved"}}), skipping
// entries of another shape.
func ChangedTo(changes []byte) (map[string]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(changes, &m); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, raw := range m {
		var ft struct {
			To *string `json:"to"`
		}
		if json.Unmarshal(raw, &ft) == nil && ft.To != nil {
			out[k] = *ft.To
		}
	}
	return out, nil
}
