package incidents

import (
	"net/url"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// An incident's page knows the queue view it was opened from (the page
// kit's ListRef: from=, i=, n=, checked again like the queue's own URL, so
// it can only ever name an /incidents view): the way back to that view
// and the previous and next incidents in it, resolved when followed
// (/incidents/{id}/prev and /next).

// queueRef is the queue view an incident's page was opened from.
type queueRef = page.ListRef[filter]

// queueFrom reads from=, i= and n= (a form's fields after a post, the
// URL's otherwise).
func (ps *Pages) queueFrom(p *page.Page, from, i, n string) queueRef {
	return page.ListFrom(p, "/incidents", from, i, n, maxTop*maxLocalPages, func(q url.Values) (filter, url.Values, bool) {
		f, errs := ps.choices.parseFilter(q)
		return f, f.values(), !errs.Any()
	})
}

// newQueueNav is the incident page's way back to its queue view, and its
// steps.
func (ps *Pages) newQueueNav(p *page.Page, id string, r queueRef) page.ListNav {
	var filters []string
	if r.OK {
		for _, c := range chips(p.L, r.F, false) {
			filters = append(filters, c.Value)
		}
	}
	return r.Nav(p, page.IncidentHref(id), filters)
}

// Prev is GET /incidents/{id}/prev, Next GET /incidents/{id}/next: the
// incident before or after this one in the queue view it was opened from.
// Where the list ends the browser goes back to the incident, which says
// so.
func (ps *Pages) Prev(p *page.Page) error { return ps.step(p, -1) }

// Next: see Prev.
func (ps *Pages) Next(p *page.Page) error { return ps.step(p, +1) }

func (ps *Pages) step(p *page.Page, dir int) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T("nav.incidents")
	if err := checkID(id); err != nil {
		return err
	}
	q := p.R.URL.Query()
	r := ps.queueFrom(p, q.Get("from"), q.Get("i"), q.Get("n"))
	var c *graph.Client
	if r.OK {
		var err error
		if c, err = p.GraphFor(graph.AccessReadIncidents); err != nil {
			return err
		}
	}
	return page.Step(p, r, page.IncidentHref, id, dir, func(ref page.PageRef) (page.StepPage, error) {
		l, err := list(p.R.Context(), c, r.F, ref, p.Me())
		return page.StepOf(l, err, func(x *graph.Incident) string { return x.ID })
	})
}
