package alerts

import (
	"context"
	"net/url"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// An alert's page knows the queue view it was opened from (the page kit's
// QueueNav: from=, i=, n=, checked again like the queue's own URL, so it
// can only ever name an /alerts view): the way back to that view and the
// previous and next alerts in it, resolved when followed
// (/alerts/{id}/prev and /next), so opening an alert costs no extra call
// to Graph.

// queueRef is the queue view an alert's page was opened from.
type queueRef = page.ListRef[filter]

func (a *Pages) newNav() page.QueueNav[filter] {
	return page.QueueNav[filter]{
		Path: "/alerts", MaxI: maxTop * maxLocalPages, Href: page.AlertHref, TitleKey: "nav.alerts", Check: checkAlertID, Access: graph.AccessReadAlerts,
		Parse: func(q url.Values) (filter, url.Values, bool) {
			f, errs := a.choices.parseFilter(q)
			return f, f.values(), !errs.Any()
		},
		Filters: func(L *i18n.Printer, f filter) []page.Chip { return chips(L, f, false) },
		List: func(ctx context.Context, c *graph.Client, f filter, ref page.PageRef, me string) (page.StepPage, error) {
			l, err := list(ctx, c, f, ref, me)
			return page.StepOf(l, err, func(x *graph.AlertSummary) string { return x.ID })
		},
	}
}

// queueFrom reads from=, i= and n= (a form's fields after a post, the
// URL's otherwise). A from= that is not a valid queue query gives no
// queue.
func (a *Pages) queueFrom(p *page.Page, from, i, n string) queueRef { return a.nav.From(p, from, i, n) }

// Prev is GET /alerts/{id}/prev, Next GET /alerts/{id}/next: the alert
// before or after this one in the queue view it was opened from, on this
// page of the queue or the one before or after. Where the list ends the
// browser goes back to the alert, which says so.
func (a *Pages) Prev(p *page.Page) error { return a.nav.Prev(p) }

// Next: see Prev.
func (a *Pages) Next(p *page.Page) error { return a.nav.Next(p) }
