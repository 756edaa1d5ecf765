package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

// commentSkew is how far Graph's clock and graphsec's may differ when a
// comment's time is compared with the intent's.
const commentSkew = 5 * time.Minute

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
	switch a.Action {
	case "comment":
		var asked struct {
			Comment string `json:"comment"`
		}
		if err := json.Unmarshal(a.Changes, &asked); err != nil {
			return false, err
		}
		for _, cm := range al.Comments {
			if cm.Comment == asked.Comment && !cm.CreatedDateTime.Before(a.At.Add(-commentSkew)) {
				return true, nil
			}
		}
		return false, nil
	case "update":
		to, err := page.ChangedTo(a.Changes)
		if err != nil {
			return false, err
		}
		for _, f := range updateFields(al) {
			if want, ok := to[f.Prop]; ok && f.Raw != want {
				return false, nil
			}
		}
		return true, nil
	}
	return false, fmt.Errorf("alerts: no reconciliation for the action %q", a.Action)
}

// Checkers are the alerts' page.Checkers, by activity resource.
func Checkers() map[string]page.Checker { return map[string]page.Checker{activityResource: Reconcile} }
