package legacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Reconciling the legacy alerts' pending changes (page.Reconciler).

// askedChanges is the intent of an update: the fields it sets, from and
// to, and the comment it appends.
func askedChanges(before *graph.LegacyAlert, u graph.LegacyAlertUpdate, comment string) []byte {
	after := applied(before, u)
	fields := func(a *graph.LegacyAlert) []page.Field {
		return []page.Field{{Prop: "status", Raw: string(a.Status)}, {Prop: "feedback", Raw: string(a.Feedback)}, {Prop: "assignedTo", Raw: a.AssignedTo}}
	}
	m := map[string]any{}
	for _, r := range page.CompareFields(fields(before), fields(after)) {
		if r.Changed {
			m[r.Prop] = map[string]string{"from": r.Before.Raw, "to": r.After.Raw}
		}
	}
	if comment != "" {
		m["comment"] = comment
	}
	b, _ := json.Marshal(m)
	return b
}

// Reconcile is the legacy alerts' page.Checker: an update was applied when
// the alert shows every value it set and holds the comment it appended.
func Reconcile(ctx context.Context, c *graph.Client, a store.Activity) (bool, error) {
	if a.Action != "update" {
		return false, fmt.Errorf("legacy: no reconciliation for the action %q", a.Action)
	}
	al, _, err := c.LegacyAlerts.Get(ctx, a.ResourceID)
	if errors.Is(err, graph.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	to, err := page.ChangedTo(a.Changes)
	if err != nil {
		return false, err
	}
	var asked struct {
		Comment string `json:"comment"`
	}
	_ = json.Unmarshal(a.Changes, &asked)
	now := map[string]string{"status": string(al.Status), "feedback": string(al.Feedback), "assignedTo": al.AssignedTo}
	for k, want := range to {
		if got, ok := now[k]; ok && got != want {
			return false, nil
		}
	}
	return asked.Comment == "" || slices.Contains(al.Comments, asked.Comment), nil
}

// Checkers are the legacy alerts' page.Checkers, by activity resource.
func Checkers() map[string]page.Checker { return map[string]page.Checker{activityResource: Reconcile} }
