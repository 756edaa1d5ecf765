package incidents

import (
	"context"
	"net/url"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// An incident's page knows the queue view it was opened from (the page
// kit's QueueNav: from=, i=, n=, checked again like the queue's own URL, so
// it can only ever name an /incidents view): the way back to that view and
// the previous and next incidents in it, resolved when followed
// (/incidents/{id}/prev and /next).

// queueRef is the queue view an incident's page was opened from.
type queueRef = page.ListRef[filter]

func (ps *Pages) newNav() page.QueueNav[filter] {
	return page.QueueNav[filter]{
		Path: "/incidents", MaxI: maxTop * maxLocalPages, Href: page.IncidentHref, TitleKey: "nav.incidents", Check: checkID, Access: graph.AccessReadIncidents,
		Parse: func(q url.Values) (filter, url.Values, bool) {
			f, errs := ps.choices.parseFilter(q)
			return f, f.values(), !errs.Any()
		},
		Filters: func(L *i18n.Printer, f filter) []page.Chip { return chips(L, f, false) },
		List: func(ctx context.Context, c *graph.Client, f filter, ref page.PageRef, me string) (page.StepPage, error) {
			l, err := list(ctx, c, f, ref, me)
			return page.StepOf(l, err, func(x *graph.Incident) string { return x.ID })
		},
	}
}

// queueFrom reads from=, i= and n= (a form's fields after a post, the
// URL's otherwise).
func (ps *Pages) queueFrom(p *page.Page, from, i, n string) queueRef {
	return ps.nav.From(p, from, i, n)
}

// Prev is GET /incidents/{id}/prev, Next GET /incidents/{id}/next: the
// incident before or after this one in the queue view it was opened from.
// Where the list ends the browser goes back to the incident, which says
// so.
func (ps *Pages) Prev(p *page.Page) error { return ps.nav.Prev(p) }

// Next: see Prev.
func (ps *Pages) Next(p *page.Page) error { return ps.nav.Next(p) }
