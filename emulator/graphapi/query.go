package graphapi

import (
	"strings"

	"github.com/graphsec/graphsec/emulator/odata"
)

// nextLink builds the absolute link to the page after this one: the
// request's options, re-encoded canonically, with $skip moved forward.
// Clients must be able to use it as-is.
func (c *call) nextLink(entityPath string, q *odata.Query, skip int) string {
	return c.api.baseURL + "/" + c.version + "/" + entityPath + "?" + q.RawQuery(skip, "")
}

// selectContext is the @odata.context fragment for an entity set,
// including a $select list when there is one:
// security/alerts_v2(title,severity).
func selectContext(set string, sel []string) string {
	if len(sel) == 0 {
		return set
	}
	return set + "(" + strings.Join(sel, ",") + ")"
}

// listOf parses the query for a collection, runs it with run (which the
// caller wraps in whatever lock its data needs, and which runs the query
// with the request's context) and writes the page.
func (c *call) listOf(set string, spec odata.Spec, run func(q *odata.Query) ([]odata.Object, int, error)) error {
	return c.listSelecting(set, spec, nil, run)
}

// listSelecting is listOf for resources that return only some properties
// unless $select asks for others (users).
func (c *call) listSelecting(set string, spec odata.Spec, defaultSelect []string, run func(q *odata.Query) ([]odata.Object, int, error)) error {
	q, err := odata.ParseQuery(c.r.URL.RawQuery, spec)
	if err != nil {
		return err
	}
	items, matched, err := run(q)
	if err != nil {
		return err
	}
	sel := q.Select
	if sel == nil {
		sel = defaultSelect
	}
	p := page{
		context: c.contextURL(selectContext(set, q.Select)),
		count:   matched, hasCount: q.Count,
		items: items, t: spec.Type, sel: sel,
	}
	if next := q.Skip + len(items); next < matched && len(items) > 0 {
		p.nextLink = c.nextLink(set, q, next)
	}
	c.writeCollection(200, p)
	return nil
}

// entitySelect parses the options a single-entity GET accepts ($select,
// and $expand where the resource allows it).
func (c *call) entitySelect(t *odata.Type, expand ...string) (*odata.Query, error) {
	allow := odata.OptSelect
	if len(expand) > 0 {
		allow |= odata.OptExpand
	}
	return odata.ParseQuery(c.r.URL.RawQuery, odata.Spec{Type: t, Allow: allow, Expand: expand, Limits: odata.DefaultLimits()})
}

// entityContext is the @odata.context of a single entity.
func entityContext(set string, sel []string) string {
	return selectContext(set, sel) + "/$entity"
}
