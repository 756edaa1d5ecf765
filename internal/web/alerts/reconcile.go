package alerts

import (
	"context"
	"errors"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Reconciling the alerts' pending changes (page.Reconciler): a change
// whose request never saw Graph's answer is recorded with what it asked
// for, and decided later by reading the alert.

// updateFields are the fields an update can change, named after Graph's
// properties: an intent records them, and the reconciliation compares
// them.
func updateFields(a *graph.Alert) []page.Field {
	return []page.Field{
		{Prop: "status", Raw: string(a.Status)},
		{Prop: "classification", Raw: string(a.Classification)},
		{Prop: "determination", Raw: string(a.Determination)},
		{Prop: "assignedTo", Raw: a.AssignedTo},
	}
}

// updated is before with u applied: what the update asks for.
func updated(before *graph.Alert, u graph.AlertUpdate) *graph.Alert {
	a := *before
	if v, ok := u.Status.Get(); ok {
		a.Status = v
	}
	if v, ok := u.Classification.Get(); ok {
		a.Classification = v
	}
	if v, ok := u.Determination.Get(); ok {
		a.Determination = v
	}
	if u.AssignedTo.IsNull() {
		a.AssignedTo = ""
	} else if v, ok := u.AssignedTo.Get(); ok {
		a.AssignedTo = v
	}
	return &a
}

// Reconcile is the alerts' page.Checker: an update was applied when the
// alert shows every value it asked for; a comment, when the alert has a
// comment with its text made since shortly before the intent.
func Reconcile(ctx context.Context, c *graph.Client, a store.Activity) (bool, error) {
	al, _, err := c.Alerts.Get(ctx, a.ResourceID)
	if errors.Is(err, graph.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return page.Applied(a, updateFields(al), al.Comments)
}

// Checkers are the alerts' page.Checkers, by activity resource.
func Checkers() map[string]page.Checker { return map[string]page.Checker{activityResource: Reconcile} }
