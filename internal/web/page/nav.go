package page

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
)

// An item's page (an alert, an incident) knows the queue view it was
// opened from: the queue's links carry the queue's query (from=, its
// filters and page token, checked again like the queue's own URL, so it
// can only ever name a view of that queue), the item's place on that page
// (i=) and the list's length when Graph counted it (n=). The page offers
// the way back to that view and the previous and next items in it.
// Previous and next are resolved when followed (Step), so opening an item
// costs no extra call to Graph.

// ListRef is the queue view an item's page was opened from.
type ListRef[F any] struct {
	// Path is the queue's address ("/alerts"), the way back without a
	// view.
	Path  string
	OK    bool
	F     F
	Pager *Pager
	I     int // the item's place on the page; -1 when not known
	// Total is the list's length when Graph counted it (the page token
	// knows it from page 2 on; the first page's links say it, n=).
	Total *int64
}

// maxFrom bounds the from= parameter: a queue's query is well under it.
const maxFrom = 4096

// ListFrom reads the queue view of the list at path from from=, i= and n=
// (a form's fields after a post, the URL's otherwise). parse checks a query
// as the queue checks its own URL, and gives its filter and the query that
// filter writes; a from= that is not a valid query gives no view. maxI
// bounds i= (the most rows a page shows).
func ListFrom[F any](p *Page, path, from, i, n string, maxI int, parse func(url.Values) (F, url.Values, bool)) ListRef[F] {
	r := ListRef[F]{Path: path, I: -1}
	if from == "" || len(from) > maxFrom {
		return r
	}
	q, err := url.ParseQuery(from)
	if err != nil {
		return r
	}
	f, values, ok := parse(q)
	if !ok {
		return r
	}
	r.OK, r.F = true, f
	r.Pager = p.PagerAt(path, values, q.Get("page"))
	if k, err := strconv.Atoi(i); err == nil && k >= 0 && k < maxI {
		r.I = k
	}
	r.Total = r.Pager.Ref.Count
	if t, err := strconv.ParseInt(n, 10, 64); r.Total == nil && err == nil && t >= 0 {
		r.Total = &t
	}
	return r
}

// ItemLink is an item's page (href) reached from a queue: back is the
// queue's query (its filters and page), i the item's place on that page
// (-1 for none), total the list's length when Graph counted it.
func ItemLink(href string, back url.Values, i int, total *int64) string {
	v := url.Values{}
	if back != nil {
		v.Set("from", back.Encode())
	}
	if i >= 0 {
		v.Set("i", strconv.Itoa(i))
	}
	if total != nil {
		v.Set("n", strconv.FormatInt(*total, 10))
	}
	if len(v) == 0 {
		return href
	}
	return href + "?" + v.Encode()
}

// ItemLinks links the items of one page of a queue as ItemLink does, the
// queue's query encoded once for all of them (a page of 50 rows would
// encode it 100 times otherwise).
type ItemLinks struct{ from, n string }

// NewItemLinks is ItemLinks for the queue view back of total items.
func NewItemLinks(back url.Values, total *int64) ItemLinks {
	var l ItemLinks
	if back != nil {
		l.from = "from=" + url.QueryEscape(back.Encode())
	}
	if total != nil {
		l.n = "n=" + strconv.FormatInt(*total, 10)
	}
	return l
}

// Link is the page of the item at href, the i-th of the queue's page.
func (l ItemLinks) Link(href string, i int) string {
	parts := make([]string, 0, 3)
	if l.from != "" {
		parts = append(parts, l.from)
	}
	if i >= 0 {
		parts = append(parts, "i="+strconv.Itoa(i))
	}
	if l.n != "" {
		parts = append(parts, l.n)
	}
	if len(parts) == 0 {
		return href
	}
	return href + "?" + strings.Join(parts, "&")
}

// Link is the item's page (href) with this view: the address a change
// redirects to, so that the page after it keeps its way back.
func (r ListRef[F]) Link(href string) string {
	if !r.OK {
		return href
	}
	return ItemLink(href, r.Pager.Values(), r.I, r.Total)
}

// Carry is the view as a form's hidden fields (queue, i, n: "from" is the
// formguard's, the page the form is on), so that the page after a post
// knows it too.
func (r ListRef[F]) Carry() (from, i, n string) {
	if !r.OK {
		return "", "", ""
	}
	from = r.Pager.Values().Encode()
	if r.I >= 0 {
		i = strconv.Itoa(r.I)
	}
	if r.Total != nil {
		n = strconv.FormatInt(*r.Total, 10)
	}
	return from, i, n
}

// ListNav is an item page's way back to its queue view, and its steps.
type ListNav struct {
	// Back is the queue view; Filters its active filters, as its chips
	// show them.
	Back    string
	Filters []string
	// Prev and Next step through the queue ("" where the list ends);
	// Position is the item's place in the whole list (0: not known) of
	// Total (nil: not known).
	Prev, Next string
	Position   int
	Total      *int64
	// Edge is set after a step that found no item that way ("first",
	// "last").
	Edge string
}

// Nav is the way back and the steps of the item at href (its page's path;
// its steps are href/prev and href/next). filters are the view's chips'
// values.
func (r ListRef[F]) Nav(p *Page, href string, filters []string) ListNav {
	if !r.OK {
		return ListNav{Back: r.Path}
	}
	back := r.Pager.Values()
	n := ListNav{Back: r.Pager.link(r.Pager.Token), Filters: filters, Total: r.Total}
	step := url.Values{"from": {back.Encode()}}
	if r.Total != nil {
		step.Set("n", strconv.FormatInt(*r.Total, 10))
	}
	if r.I >= 0 {
		step.Set("i", strconv.Itoa(r.I))
		n.Position = r.Pager.Ref.Offset + r.I + 1
	}
	if n.Position != 1 {
		n.Prev = href + "/prev?" + step.Encode()
	}
	if n.Position == 0 || n.Total == nil || int64(n.Position) < *n.Total {
		n.Next = href + "/next?" + step.Encode()
	}
	if e := p.R.URL.Query().Get("edge"); e == "first" || e == "last" {
		n.Edge = e
	}
	return n
}

// StepPage is one page of a queue as a step reads it: the ids of its
// items in order, Graph's next link and count.
type StepPage struct {
	IDs      []string
	NextLink string
	Count    *int64
}

// StepOf is a page of a queue (ListQueue's answer) as a step reads it;
// id names an item.
func StepOf[T any](l *Listed[T], err error, id func(*T) string) (StepPage, error) {
	if err != nil {
		return StepPage{}, err
	}
	s := StepPage{NextLink: l.Last.NextLink, Count: l.Count, IDs: make([]string, len(l.Items))}
	for i := range l.Items {
		s.IDs[i] = id(&l.Items[i])
	}
	return s, nil
}

// Step answers GET {href}/prev (dir -1) and {href}/next (+1): it redirects
// to the item before or after id in the view r, on this page of the queue
// or the one before or after (list reads a page of the view). Where the
// list ends it redirects back to the item, whose page then says so.
func Step[F any](p *Page, r ListRef[F], href func(id string) string, id string, dir int, list func(PageRef) (StepPage, error)) error {
	if !r.OK {
		return p.Redirect(href(id), http.StatusSeeOther)
	}
	l, err := list(r.Pager.Ref)
	if err != nil {
		return err
	}
	total := firstCount(l.Count, r.Total)
	target := -1
	for i, x := range l.IDs {
		if x == id {
			target = i + dir
		}
	}
	if target == -1 && r.I >= 0 {
		// The item left the view (it was resolved, say): the one now in
		// its place is next.
		target = r.I
		if dir < 0 {
			target--
		}
	}
	pick := func(values url.Values, first bool) (string, bool) {
		pager := p.PagerAt(r.Path, r.Pager.base, values.Get("page"))
		if pager.Stale {
			return "", false
		}
		l, err := list(pager.Ref)
		if err != nil || len(l.IDs) == 0 {
			return "", false
		}
		i := 0
		if !first {
			i = len(l.IDs) - 1
		}
		return ItemLink(href(l.IDs[i]), values, i, total), true
	}
	switch {
	case target >= 0 && target < len(l.IDs):
		return p.Redirect(ItemLink(href(l.IDs[target]), r.Pager.Values(), target, total), http.StatusSeeOther)
	case dir > 0 && target >= len(l.IDs):
		if next := r.Pager.NextValues(l.NextLink, len(l.IDs), l.Count); next != nil {
			if to, ok := pick(next, true); ok {
				return p.Redirect(to, http.StatusSeeOther)
			}
		}
	case dir < 0 && target < 0:
		if prev := r.Pager.PrevValues(); prev != nil {
			if to, ok := pick(prev, false); ok {
				return p.Redirect(to, http.StatusSeeOther)
			}
		}
	}
	edge := "last"
	if dir < 0 {
		edge = "first"
	}
	return p.Redirect(WithParam(r.Link(href(id)), "edge", edge), http.StatusSeeOther)
}

// WithParam adds name=value to a local address's query.
func WithParam(to, name, value string) string {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return to + sep + url.QueryEscape(name) + "=" + url.QueryEscape(value)
}

// firstCount is the first count known.
func firstCount(a, b *int64) *int64 {
	if a != nil {
		return a
	}
	return b
}

// QueueNav is how an item's pages (an alert's, an incident's) find their
// way through the queue they were opened from: the queue's path, how it
// checks its query (Parse: the filter, the query it writes, whether it is
// valid), its chips (Filters, for the breadcrumb), the item's page (Href)
// and how a page of the queue is read (List).
type QueueNav[F any] struct {
	Path    string
	MaxI    int
	Parse   func(url.Values) (F, url.Values, bool)
	Filters func(L *i18n.Printer, f F) []Chip
	Href    func(id string) string
	// TitleKey is the catalog key of the title of a step's error page;
	// Check refuses an id before any call; Access is what listing needs.
	TitleKey string
	Check    func(id string) error
	Access   graph.Access
	List     func(ctx context.Context, c *graph.Client, f F, ref PageRef, me string) (StepPage, error)
}

// From reads the view from from=, i= and n= (see ListFrom).
func (qn QueueNav[F]) From(p *Page, from, i, n string) ListRef[F] {
	return ListFrom(p, qn.Path, from, i, n, qn.MaxI, qn.Parse)
}

// Nav is the way back and the steps of the item id opened from r.
func (qn QueueNav[F]) Nav(p *Page, id string, r ListRef[F]) ListNav {
	var filters []string
	if r.OK {
		for _, c := range qn.Filters(p.L, r.F) {
			filters = append(filters, c.Value)
		}
	}
	return r.Nav(p, qn.Href(id), filters)
}

// Prev is GET {href}/prev, Next GET {href}/next: the item before or after
// this one in the view it was opened from (see Step).
func (qn QueueNav[F]) Prev(p *Page) error { return qn.step(p, -1) }

// Next: see Prev.
func (qn QueueNav[F]) Next(p *Page) error { return qn.step(p, +1) }

func (qn QueueNav[F]) step(p *Page, dir int) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T(qn.TitleKey)
	if err := qn.Check(id); err != nil {
		return err
	}
	q := p.R.URL.Query()
	r := qn.From(p, q.Get("from"), q.Get("i"), q.Get("n"))
	var c *graph.Client
	if r.OK {
		var err error
		if c, err = p.GraphFor(qn.Access); err != nil {
			return err
		}
	}
	return Step(p, r, qn.Href, id, dir, func(ref PageRef) (StepPage, error) { return qn.List(p.R.Context(), c, r.F, ref, p.Me()) })
}
