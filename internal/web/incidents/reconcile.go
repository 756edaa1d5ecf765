package incidents

import (
	"context"
	"errors"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Reconcile is the incidents' page.Checker: a change whose request never
// saw Graph's answer is decided by reading the incident. An update was
// applied when the incident shows every value it asked for; a comment,
// when the incident has a comment with its text made since shortly
// before the intent.
func Reconcile(ctx context.Context, c *graph.Client, a store.Activity) (bool, error) {
	inc, _, err := c.Incidents.Get(ctx, a.ResourceID)
	if errors.Is(err, graph.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return page.Applied(a, updateFields(inc), inc.Comments)
}

// Checkers are the incidents' page.Checkers, by activity resource.
func Checkers() map[string]page.Checker { return map[string]page.Checker{activityResource: Reconcile} }
