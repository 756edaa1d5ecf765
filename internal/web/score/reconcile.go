package score

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Reconcile is the control profiles' page.Checker: a state change whose
// request never saw Graph's answer was applied when the control's history
// holds an entry with the state (and comment) it asked for, made since
// shortly before the intent.
func Reconcile(ctx context.Context, c *graph.Client, a store.Activity) (bool, error) {
	cp, _, err := c.ControlProfiles.Get(ctx, a.ResourceID)
	if errors.Is(err, graph.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var asked struct {
		State   struct{ To string }
		Comment string
	}
	if err := json.Unmarshal(a.Changes, &asked); err != nil {
		return false, err
	}
	return applied(cp, a.At, asked.State.To, asked.Comment), nil
}

// applied reports whether cp's history has an entry with state and
// comment made at or after at (less a minute for clocks apart).
func applied(cp *graph.ControlProfile, at time.Time, state, comment string) bool {
	for _, u := range cp.ControlStateUpdates {
		if string(u.State) == state && u.Comment == comment && !u.UpdatedDateTime.Before(at.Add(-time.Minute)) {
			return true
		}
	}
	return false
}

// Checkers are the secure score pages' page.Checkers, by activity resource.
func Checkers() map[string]page.Checker { return map[string]page.Checker{activityResource: Reconcile} }
