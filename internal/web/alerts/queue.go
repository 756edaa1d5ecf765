package alerts

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// alertRow is one line of the queue, every cell already text in the
// page's language, so that the template's range only places strings: each
// function call from a template costs reflection, and the queue is the page
// analysts load most (BenchmarkAlertsPageRender: 100 rows in about 3 ms).
type alertRow struct {
	ID, Href, Title                      string
	Severity, SeverityLabel              string
	Status, StatusLabel                  string
	Category, CategoryLabel              string
	Source, SourceLabel                  string
	AssignedTo, IncidentID, IncidentHref string
	Created, CreatedISO, CreatedLong     string
	Updated, UpdatedISO, UpdatedLong     string
}

// column is a header of the queue's table: its label's key, and for a
// sortable one the link that sorts by it and the current direction.
type column struct {
	Key, Class string
	Sort       string // the link; "" for a column Graph cannot sort by
	Dir        string // "ascending", "descending" or "" (aria-sort)
}

// chip is one active filter, with the link that removes it.
type chip struct {
	Field, Value, Raw, Remove string
	Default                   bool // the queue's default (status), not the URL's
}

// queueView is the queue page's data.
type queueView struct {
	F      filter
	Errors page.FieldErrors
	// The filter bar: the toggles, the "More filters" selects, whether
	// that panel starts open (one of its filters is set or wrong), and the
	// active filters as chips.
	Severity, Status                     []page.Choice
	Source, Class, Determ, Category, Top []page.Choice
	MoreOpen                             bool
	Chips                                []chip
	ClearAll, Reset                      string
	Cols                                 []column

	Request    *page.RequestView
	Local      bool
	GraphPages int
	Rows       []alertRow
	Count      *int64
	// From and To number the rows shown ("26–50"); Number is the page's.
	From, To, Number int
	// StaleLink is set when the page link was not one graphsec knows (it
	// shows the first page instead).
	StaleLink bool
	// Links: the first page, the previous and the next (empty when none).
	FirstPage, PrevPage, NextPage string
}

// maxLocalPages bounds how many Graph pages one view reads when graphsec
// filters category or searches titles itself.
const maxLocalPages = 5

// Queue is GET /alerts: the alerts_v2 queue with filters (as chips), sort,
// paging, counts, and the exact REST request. Graph's next links stay on
// the server: the page links carry page tokens (see page.PageTokens).
func (a *Pages) Queue(p *page.Page) error {
	p.Title = p.L.T("nav.alerts")
	if role := p.Role(); role.NoAccess() {
		return a.noAccess(p, http.StatusOK, nil)
	}
	q := p.R.URL.Query()
	f, errs := a.choices.parseFilter(q)
	v := a.newQueueView(p, f, errs, q.Has("status"))
	if errs.Any() {
		// Nothing is sent to Graph: the form shows each mistake next to its
		// field, with everything else as entered.
		return p.Render(http.StatusBadRequest, "alerts/queue", v)
	}
	c, err := p.GraphFor(graph.AccessReadAlerts)
	if err != nil {
		return err
	}
	pager := p.Pager("/alerts", f.values())
	ref := pager.Ref
	v.StaleLink = pager.Stale
	if ref.Link == "" && looksLikeID(f.Q) {
		// The search may be an alert's id: open it.
		if al, _, err := c.Alerts.Get(p.R.Context(), f.Q); err == nil && !p.Started() {
			from := f
			from.Q = ""
			return p.Redirect(alertLink(al.ID, from.values(), -1, nil), http.StatusSeeOther)
		}
	}
	l, err := list(p.R.Context(), c, f, ref, p.Me())
	if l != nil {
		v.Request = page.Shown("list", l.Request)
	}
	if errors.Is(err, graph.ErrForbidden) {
		// Graph refuses this user the security API: the home page says
		// what to ask for rather than showing an error.
		_, ev := p.Explain(err)
		return a.noAccess(p, http.StatusForbidden, &ev)
	}
	if err != nil {
		return err
	}
	back := pager.Values()
	for i := range l.Alerts {
		v.Rows = append(v.Rows, newRow(p.L, &l.Alerts[i], back, i, l.Count))
	}
	v.Count, v.GraphPages = l.Count, l.GraphPages
	v.Number, v.From, v.To = ref.Number, ref.Offset+1, ref.Offset+len(v.Rows)
	v.FirstPage, v.PrevPage = pager.First(), pager.Prev()
	v.NextPage = pager.Next(l.Last.NextLink, len(v.Rows), v.Count)
	return a.renderQueue(p, v)
}

// listed is one page of the queue: the alerts Graph gave for the filter
// (and graphsec's own filters kept), the last Graph page read (its next
// link continues the list), how many Graph pages were read, the count
// when Graph gave it, and the first request sent.
type listed struct {
	Alerts     []graph.AlertSummary
	Last       *graph.Page[graph.AlertSummary]
	GraphPages int
	Count      *int64
	Request    *graph.Request
}

// list reads the queue's page ref for filter f: the first page from the
// filter's query, a later one from the next link its token stands for.
func list(ctx context.Context, c *graph.Client, f filter, ref page.PageRef, me string) (*listed, error) {
	ctx, sent := page.Record(ctx)
	var pg *graph.Page[graph.AlertSummary]
	var err error
	if ref.Link != "" {
		pg, _, err = c.Alerts.ListSummariesFrom(ctx, ref.Link)
	} else {
		pg, _, err = c.Alerts.ListSummaries(ctx, f.graphQuery(me))
	}
	l := &listed{Count: ref.Count, Request: sent.First("")}
	for err == nil {
		l.GraphPages++
		l.Last = pg
		if l.Count == nil && !f.local() {
			l.Count = pg.Count
		}
		for i := range pg.Value {
			if !f.local() || f.keep(&pg.Value[i]) {
				l.Alerts = append(l.Alerts, pg.Value[i])
			}
		}
		if !f.local() || len(l.Alerts) >= f.Top || !pg.HasNext() || l.GraphPages >= maxLocalPages {
			return l, nil
		}
		// The client pages on with the first page's headers.
		pg, _, err = pg.Next(ctx)
	}
	return l, err
}

// newRow is one alert as a line of the queue. Its link carries the
// queue's filters (and the row's place) for the alert page's way back and
// its previous/next.
func newRow(L *i18n.Printer, s *graph.AlertSummary, back url.Values, i int, total *int64) alertRow {
	sev, st := L.Enum(s.Severity), L.Enum(s.Status)
	src := L.Enum(s.ServiceSource)
	r := alertRow{
		ID: s.ID, Href: alertLink(s.ID, back, i, total), Title: s.Title,
		Severity: sev.Raw, SeverityLabel: sev.Text, Status: st.Raw, StatusLabel: st.Text,
		Source: src.Raw, SourceLabel: src.Text, AssignedTo: s.AssignedTo, IncidentID: s.IncidentID,
		Created: L.Rel(s.CreatedDateTime), CreatedISO: L.ISO(s.CreatedDateTime), CreatedLong: L.TimeLong(s.CreatedDateTime),
		Updated: L.Rel(s.LastUpdateDateTime), UpdatedISO: L.ISO(s.LastUpdateDateTime), UpdatedLong: L.TimeLong(s.LastUpdateDateTime),
	}
	if s.Category != "" {
		r.Category, r.CategoryLabel = s.Category, L.Category(s.Category).Text
	}
	if r.Title == "" {
		r.Title = L.T("alert.untitled")
	}
	if s.IncidentID != "" {
		r.IncidentHref = page.IncidentHref(s.IncidentID)
	}
	return r
}

// alertLink is an alert's page reached from the queue: from carries the
// queue's query (its filters and page), i the alert's place on that page
// (-1 for none), n the list's length when Graph counted it.
func alertLink(id string, back url.Values, i int, total *int64) string {
	v := url.Values{}
	if back != nil {
		v.Set("from", back.Encode())
	}
	if i >= 0 {
		v.Set("i", itoa(i))
	}
	if total != nil {
		v.Set("n", strconv.FormatInt(*total, 10))
	}
	if len(v) == 0 {
		return page.AlertHref(id)
	}
	return page.AlertHref(id) + "?" + v.Encode()
}

// looksLikeID reports a search that may be an alert's id rather than
// words of a title: one token with a digit, at least 8 characters.
func looksLikeID(q string) bool {
	return len(q) >= 8 && !strings.ContainsAny(q, " \t") && strings.ContainsAny(q, "0123456789")
}

func (a *Pages) renderQueue(p *page.Page, v queueView) error {
	return p.Render(http.StatusOK, "alerts/queue", v)
}

// noAccess is the home page of a user whose roles give no access to
// security data: what to ask the administrator for, instead of an error.
func (a *Pages) noAccess(p *page.Page, status int, graphErr *page.ErrorView) error {
	p.Title = p.L.T("noAccess.title")
	return p.Render(status, "alerts/noaccess", graphErr)
}

func (a *Pages) newQueueView(p *page.Page, f filter, errs page.FieldErrors, statusGiven bool) queueView {
	c, L := a.choices, p.L
	v := queueView{
		F: f, Errors: errs,
		Severity: page.EnumChoices(L, typed[graph.AlertSeverity](c.severity), f.Severity...),
		Status:   page.EnumChoices(L, typed[graph.AlertStatus](c.status), f.Status...),
		Source:   page.EnumChoices(L, typed[graph.ServiceSource](c.source), f.ServiceSource...),
		Class:    page.EnumChoices(L, typed[graph.AlertClassification](c.class), f.Classification...),
		Determ:   page.EnumChoices(L, typed[graph.AlertDetermination](c.determ), f.Determination...),
		Category: page.LabelChoices(c.category, L.Category, f.Category),
		Local:    f.local(),
		Reset:    "/alerts",
	}
	tops := slices.Clone(c.tops)
	if !slices.Contains(tops, f.Top) {
		tops = append(tops, f.Top)
		slices.Sort(tops)
	}
	for _, n := range tops {
		v.Top = append(v.Top, page.Choice{Value: itoa(n), Label: L.N(n), Selected: n == f.Top})
	}
	more := []string{"serviceSource", "category", "classification", "determination", "assignedTo", "device", "user", "ip", "sha256",
		"createdFrom", "createdTo", "updatedFrom", "updatedTo", "top", "sort"}
	for _, name := range more {
		if errs[name].Key != "" {
			v.MoreOpen = true
		}
	}
	v.Chips = chips(L, f, !statusGiven)
	if len(v.Chips) > 0 {
		v.ClearAll = link(url.Values{"status": {""}})
	}
	v.Cols = columns(f)
	return v
}

// typed converts the choices' strings back to an enum type for labelling.
func typed[T ~string](vs []string) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = T(v)
	}
	return out
}

// columns are the queue's headers: every column Graph sorts by links to
// the queue sorted by it, the other way round when it already is.
func columns(f filter) []column {
	base := f.values()
	cur, dir, _ := strings.Cut(f.Sort, " ")
	if f.Sort == "" {
		cur, dir = "createdDateTime", "desc" // Graph's own order
	}
	col := func(key, class, prop, first string) column {
		c := column{Key: key, Class: class}
		if prop == "" {
			return c
		}
		next := first
		if cur == prop {
			c.Dir = map[string]string{"asc": "ascending", "desc": "descending"}[dir]
			next = map[string]string{"asc": "desc", "desc": "asc"}[dir]
		}
		v := cloneValues(base)
		v.Set("sort", prop+" "+next)
		c.Sort = link(v)
		return c
	}
	return []column{
		col("field.severity", "c-sev", "severity", "desc"),
		col("field.title", "c-title", "title", "asc"),
		col("field.status", "c-status", "status", "asc"),
		col("field.category", "c-cat", "", ""),
		col("field.serviceSource", "c-src", "serviceSource", "asc"),
		col("field.assignedTo", "c-who", "", ""),
		col("field.incident", "c-inc", "", ""),
		col("field.created", "c-time", "createdDateTime", "desc"),
		col("field.lastUpdate", "c-time", "lastUpdateDateTime", "desc"),
	}
}

// chips are the active filters, each with the link that removes it: the
// queue's own filters with one value less (and its first page).
func chips(L *i18n.Printer, f filter, defaultStatus bool) []chip {
	base := f.values()
	without := func(name, value string) string {
		v := cloneValues(base)
		v[name] = slices.DeleteFunc(v[name], func(x string) bool { return x == value })
		if name == "status" && len(v[name]) == 0 {
			v[name] = []string{""} // any status, not the default
		}
		if len(v[name]) == 0 {
			delete(v, name)
		}
		return link(v)
	}
	var out []chip
	enum := func(name, field string, values []string, label func(string) i18n.EnumLabel) {
		for _, x := range values {
			l := label(x)
			out = append(out, chip{Field: L.T(field), Value: l.Text, Raw: x, Remove: without(name, x), Default: name == "status" && defaultStatus})
		}
	}
	enum("status", "field.status", f.Status, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertStatus(x)) })
	enum("severity", "field.severity", f.Severity, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertSeverity(x)) })
	enum("serviceSource", "field.serviceSource", f.ServiceSource, func(x string) i18n.EnumLabel { return L.Enum(graph.ServiceSource(x)) })
	enum("classification", "field.classification", f.Classification, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertClassification(x)) })
	enum("determination", "field.determination", f.Determination, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertDetermination(x)) })
	if f.Category != "" {
		l := L.Category(f.Category)
		out = append(out, chip{Field: L.T("field.category"), Value: l.Text, Raw: l.Raw, Remove: without("category", f.Category)})
	}
	if f.AssignedToMe {
		out = append(out, chip{Field: L.T("field.assignedTo"), Value: L.T("filter.assignedToMe"), Remove: without("assignedToMe", "1")})
	}
	for _, t := range []struct{ name, field, value string }{
		{"q", "filter.search", f.Q}, {"assignedTo", "field.assignedTo", f.AssignedTo},
		{"user", "filter.user", f.User}, {"device", "filter.device", f.Device}, {"ip", "filter.ip", f.IP}, {"sha256", "filter.sha256", f.SHA256},
		{"createdFrom", "filter.createdFrom", f.CreatedFrom}, {"createdTo", "filter.createdTo", f.CreatedTo},
		{"updatedFrom", "filter.updatedFrom", f.UpdatedFrom}, {"updatedTo", "filter.updatedTo", f.UpdatedTo},
	} {
		if t.value != "" {
			out = append(out, chip{Field: L.T(t.field), Value: t.value, Remove: without(t.name, t.value)})
		}
	}
	return out
}

func cloneValues(base url.Values) url.Values {
	v := url.Values{}
	for k, x := range base {
		v[k] = append([]string(nil), x...)
	}
	return v
}
