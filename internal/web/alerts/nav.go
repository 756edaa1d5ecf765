package alerts

import (
	"net/url"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// An alert's page knows the queue view it was opened from (the page kit's
// ListRef: from=, i=, n=, checked again like the queue's own URL, so it
// can only ever name an /alerts view): the way back to that view and the
// previous and next alerts in it, resolved when followed
// (/alerts/{id}/prev and /next), so opening an alert costs no extra call
// to Graph.

// queueRef is the queue view an alert's page was opened from.
type queueRef = page.ListRef[filter]

// queueFrom reads from=, i= and n= (a form's fields after a post, the
// URL's otherwise). A from= that is not a valid queue query gives no
// queue.
func (a *Pages) queueFrom(p *page.Page, from, i, n string) queueRef {
	return page.ListFrom(p, "/alerts", from, i, n, maxTop*maxLocalPages, func(q url.Values) (filter, url.Values, bool) {
		f, errs := a.choices.parseFilter(q)
		return f, f.values(), !errs.Any()
	})
}

// newQueueNav is the alert page's way back to its queue view, and its
// steps.
func (a *Pages) newQueueNav(p *page.Page, id string, r queueRef) page.ListNav {
	var filters []string
	if r.OK {
		for _, c := range chips(p.L, r.F, false) {
			filters = append(filters, c.Value)
		}
	}
	return r.Nav(p, page.AlertHref(id), filters)
}

// Prev is GET /alerts/{id}/prev, Next GET /alerts/{id}/next: the alert
// before or after this one in the queue view it was opened from, on this
// page of the queue or the one before or after. Where the list ends the
// browser goes back to the alert, which says so.
func (a *Pages) Prev(p *page.Page) error { return a.step(p, -1) }

// Next: see Prev.
func (a *Pages) Next(p *page.Page) error { return a.step(p, +1) }

func (a *Pages) step(p *page.Page, dir int) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T("nav.alerts")
	if err := checkAlertID(id); err != nil {
		return err
	}
	q := p.R.URL.Query()
	r := a.queueFrom(p, q.Get("from"), q.Get("i"), q.Get("n"))
	var c *graph.Client
	if r.OK {
		var err error
		if c, err = p.GraphFor(graph.AccessReadAlerts); err != nil {
			return err
		}
	}
	return page.Step(p, r, page.AlertHref, id, dir, func(ref page.PageRef) (page.StepPage, error) {
		l, err := list(p.R.Context(), c, r.F, ref, p.Me())
		return page.StepOf(l, err, func(x *graph.AlertSummary) string { return x.ID })
	})
}
