package alerts

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// An alert's page knows the queue it was opened from: its links from the
// queue carry the queue's query (from=, its filters and page token,
// checked again here like the queue's own URL, so it can only ever name
// an /alerts view) and the alert's place on that page (i=). The page
// offers the way back to that view and the previous and next alerts in
// it. Previous and next are resolved when followed (/alerts/{id}/prev and
// /next), so opening an alert costs no extra call to Graph.

// queueRef is the queue view an alert's page was opened from.
type queueRef struct {
	OK    bool
	F     filter
	Pager *page.Pager
	I     int // the alert's place on the page; -1 when not known
	// Total is the list's length when Graph counted it (the page token
	// knows it from page 2 on; the first page's links say it, n=).
	Total *int64
}

// maxFrom bounds the from= parameter: a queue's query is well under it.
const maxFrom = 4096

// queueFrom reads from= and i= (a form's fields after a post, the URL's
// otherwise). A from= that is not a valid queue query gives no queue.
func (a *Pages) queueFrom(p *page.Page, from, i, n string) queueRef {
	r := queueRef{I: -1}
	if from == "" || len(from) > maxFrom {
		return r
	}
	q, err := url.ParseQuery(from)
	if err != nil {
		return r
	}
	f, errs := a.choices.parseFilter(q)
	if errs.Any() {
		return r
	}
	r.OK, r.F = true, f
	r.Pager = p.PagerAt("/alerts", f.values(), q.Get("page"))
	if k, err := strconv.Atoi(i); err == nil && k >= 0 && k < maxTop*maxLocalPages {
		r.I = k
	}
	r.Total = r.Pager.Ref.Count
	if t, err := strconv.ParseInt(n, 10, 64); r.Total == nil && err == nil && t >= 0 {
		r.Total = &t
	}
	return r
}

// queueNav is the alert page's way back to the queue, and its steps.
type queueNav struct {
	// Back is the queue view; Filters its active filters, as chips show
	// them.
	Back    string
	Filters []string
	// Prev and Next step through the queue ("" where the list ends);
	// Position is the alert's place in the whole list (0: not known) of
	// Total (nil: not known).
	Prev, Next string
	Position   int
	Total      *int64
	// Edge is set after a step that found no alert that way ("first",
	// "last").
	Edge string
}

func (a *Pages) newQueueNav(p *page.Page, id string, r queueRef) queueNav {
	if !r.OK {
		return queueNav{Back: "/alerts"}
	}
	back := r.Pager.Values()
	n := queueNav{Back: link(back), Total: r.Total}
	for _, c := range chips(p.L, r.F, false) {
		n.Filters = append(n.Filters, c.Value)
	}
	step := url.Values{"from": {back.Encode()}}
	if r.Total != nil {
		step.Set("n", strconv.FormatInt(*r.Total, 10))
	}
	if r.I >= 0 {
		step.Set("i", strconv.Itoa(r.I))
		n.Position = r.Pager.Ref.Offset + r.I + 1
	}
	base := page.AlertHref(id)
	if n.Position != 1 {
		n.Prev = base + "/prev?" + step.Encode()
	}
	if n.Position == 0 || n.Total == nil || int64(n.Position) < *n.Total {
		n.Next = base + "/next?" + step.Encode()
	}
	if e := p.R.URL.Query().Get("edge"); e == "first" || e == "last" {
		n.Edge = e
	}
	return n
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
	if !r.OK {
		return p.Redirect(page.AlertHref(id), http.StatusSeeOther)
	}
	c, err := p.GraphFor(graph.AccessReadAlerts)
	if err != nil {
		return err
	}
	l, err := list(p.R.Context(), c, r.F, r.Pager.Ref, p.Me())
	if err != nil {
		return err
	}
	target := -1
	for i := range l.Alerts {
		if l.Alerts[i].ID == id {
			target = i + dir
		}
	}
	if target == -1 && r.I >= 0 {
		// The alert left the view (it was resolved, say): the one now in
		// its place is next.
		target = r.I
		if dir < 0 {
			target--
		}
	}
	switch {
	case target >= 0 && target < len(l.Alerts):
		return p.Redirect(alertLink(l.Alerts[target].ID, r.Pager.Values(), target, cmpCount(l.Count, r.Total)), http.StatusSeeOther)
	case dir > 0 && target >= len(l.Alerts):
		if next := r.Pager.NextValues(l.Last.NextLink, len(l.Alerts), l.Count); next != nil {
			if to, ok := a.pick(p, c, r.F, next, true, cmpCount(l.Count, r.Total)); ok {
				return p.Redirect(to, http.StatusSeeOther)
			}
		}
	case dir < 0 && target < 0:
		if prev := r.Pager.PrevValues(); prev != nil {
			if to, ok := a.pick(p, c, r.F, prev, false, cmpCount(l.Count, r.Total)); ok {
				return p.Redirect(to, http.StatusSeeOther)
			}
		}
	}
	edge := "last"
	if dir < 0 {
		edge = "first"
	}
	to := alertLink(id, r.Pager.Values(), r.I, r.Total)
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return p.Redirect(to+sep+"edge="+edge, http.StatusSeeOther)
}

// pick opens the queue page values names and links its first (or last)
// alert.
func (a *Pages) pick(p *page.Page, c *graph.Client, f filter, values url.Values, first bool, total *int64) (string, bool) {
	pager := p.PagerAt("/alerts", f.values(), values.Get("page"))
	if pager.Stale {
		return "", false
	}
	l, err := list(p.R.Context(), c, f, pager.Ref, p.Me())
	if err != nil || len(l.Alerts) == 0 {
		return "", false
	}
	i := 0
	if !first {
		i = len(l.Alerts) - 1
	}
	return alertLink(l.Alerts[i].ID, values, i, total), true
}

// cmpCount is the first count known.
func cmpCount(a, b *int64) *int64 {
	if a != nil {
		return a
	}
	return b
}
