package alerts

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
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

// queueView is the queue page's data: the page kit's queue frame, the
// filter, and the rows.
type queueView struct {
	page.Queue
	F    filter
	Rows []alertRow
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
		return p.NoAccess(http.StatusOK, nil)
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
		return p.NoAccess(http.StatusForbidden, &ev)
	}
	if err != nil {
		return err
	}
	links := page.NewItemLinks(pager.Values(), l.Count)
	for i := range l.Items {
		v.Rows = append(v.Rows, newRow(p.L, &l.Items[i], links, i))
	}
	v.Total = l.Count
	if v.Total != nil {
		v.TotalTitle = p.L.Count("count.alerts", *v.Total)
	}
	if f.local() {
		v.LocalNotice = p.L.T("filter.localNotice", "pages", l.GraphPages)
	}
	v.Paging = a.paging(p, pager.Paging(len(v.Rows), l.Last.NextLink, l.Count))
	return p.Render(http.StatusOK, "alerts/queue", v)
}

// paging names the queue's range and says what an empty page shows.
func (a *Pages) paging(p *page.Page, pg page.Paging) page.Paging {
	pg.ID, pg.Empty = "alert-count", p.L.T("paging.noRows")
	return pg
}

// listed is one page of the queue.
type listed = page.Listed[graph.AlertSummary]

// list reads the queue's page ref for filter f: the first page from the
// filter's query, a later one from the next link its token stands for.
// Category and the search are graphsec's to apply.
func list(ctx context.Context, c *graph.Client, f filter, ref page.PageRef, me string) (*listed, error) {
	var keep func(*graph.AlertSummary) bool
	if f.local() {
		keep = f.keep
	}
	return page.ListQueue(ctx, ref, func(ctx context.Context) (*graph.Page[graph.AlertSummary], error) {
		pg, _, err := c.Alerts.ListSummaries(ctx, f.graphQuery(me))
		return pg, err
	}, func(ctx context.Context, link string) (*graph.Page[graph.AlertSummary], error) {
		pg, _, err := c.Alerts.ListSummariesFrom(ctx, link)
		return pg, err
	}, keep, f.Top, maxLocalPages)
}

// newRow is one alert as a line of the queue. Its link carries the
// queue's filters (and the row's place) for the alert page's way back and
// its previous/next.
func newRow(L *i18n.Printer, s *graph.AlertSummary, links page.ItemLinks, i int) alertRow {
	sev, st := L.Enum(s.Severity), L.Enum(s.Status)
	src := L.Enum(s.ServiceSource)
	r := alertRow{
		ID: s.ID, Href: links.Link(page.AlertHref(s.ID), i), Title: s.Title,
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
	return page.ItemLink(page.AlertHref(id), back, i, total)
}

// looksLikeID reports a search that may be an alert's id rather than
// words of a title: one token with a digit, at least 8 characters.
func looksLikeID(q string) bool {
	return len(q) >= 8 && !strings.ContainsAny(q, " \t") && strings.ContainsAny(q, "0123456789")
}

func (a *Pages) newQueueView(p *page.Page, f filter, errs page.FieldErrors, statusGiven bool) queueView {
	c, L := a.choices, p.L
	msg := func(name string) string { return errs[name].In(L) }
	tops := slices.Clone(c.tops)
	if !slices.Contains(tops, f.Top) {
		tops = append(tops, f.Top)
		slices.Sort(tops)
	}
	var top []page.Choice
	for _, n := range tops {
		top = append(top, page.Choice{Value: itoa(n), Label: L.N(n), Selected: n == f.Top})
	}
	any := L.T("filter.any")
	text := func(id, name, label, value, placeholder string) page.FilterField {
		return page.FilterField{ID: id, Name: name, Label: label, Value: value, Placeholder: placeholder, Error: msg(name)}
	}
	date := func(id, name, key, value string) page.FilterField {
		return page.FilterField{ID: id, Name: name, Label: L.T(key) + " (UTC)", Value: value, Type: "date", Error: msg(name)}
	}
	sel := func(id, name, key string, choices []page.Choice) page.FilterField {
		return page.FilterField{ID: id, Name: name, Label: L.T(key), Choices: choices, Any: any, Error: msg(name)}
	}
	assigned := text("f-assigned", "assignedTo", L.T("field.assignedTo"), f.AssignedTo, "user@contoso.com")
	assigned.Check, assigned.CheckLabel, assigned.Checked = &page.Param{Name: "assignedToMe", Value: "1"}, L.T("filter.assignedToMe"), f.AssignedToMe
	sha := text("f-sha256", "sha256", L.T("filter.sha256"), f.SHA256, "")
	sha.Class = "mono"
	v := queueView{F: f, Queue: page.Queue{
		Path: "/alerts", ID: "alerts", Kind: "alert", Heading: L.T("nav.alerts"), FormLabel: L.T("filter.formLabel"),
		Search: page.FilterField{ID: "f-q", Name: "q", Label: L.T("filter.search"), Value: f.Q, Placeholder: L.T("filter.searchPlaceholder"), Error: msg("q")},
		Toggles: []page.Toggles{
			{Name: "severity", Legend: L.T("field.severity"), Sev: true, Choices: page.EnumChoicesOf[graph.AlertSeverity](L, c.severity, f.Severity...), Error: msg("severity")},
			{Name: "status", Legend: L.T("field.status"), AnyValue: true, Choices: page.EnumChoicesOf[graph.AlertStatus](L, c.status, f.Status...), Error: msg("status")},
		},
		More: []page.FilterField{
			sel("f-source", "serviceSource", "field.serviceSource", page.EnumChoicesOf[graph.ServiceSource](L, c.source, f.ServiceSource...)),
			sel("f-category", "category", "field.category", page.LabelChoices(c.category, L.Category, f.Category)),
			sel("f-class", "classification", "field.classification", page.EnumChoicesOf[graph.AlertClassification](L, c.class, f.Classification...)),
			sel("f-determ", "determination", "field.determination", page.EnumChoicesOf[graph.AlertDetermination](L, c.determ, f.Determination...)),
			assigned,
			text("f-user", "user", L.T("filter.user"), f.User, "user@contoso.com"),
			text("f-device", "device", L.T("filter.device"), f.Device, "pc123.contoso.com"),
			text("f-ip", "ip", L.T("filter.ip"), f.IP, "203.0.113.9"),
			sha,
			date("f-cfrom", "createdFrom", "filter.createdFrom", f.CreatedFrom), date("f-cto", "createdTo", "filter.createdTo", f.CreatedTo),
			date("f-ufrom", "updatedFrom", "filter.updatedFrom", f.UpdatedFrom), date("f-uto", "updatedTo", "filter.updatedTo", f.UpdatedTo),
			{ID: "f-top", Name: "top", Label: L.T("paging.perPage"), Choices: top, Error: msg("top")},
		},
		Errors: errs.Any(), ErrorsNotice: L.T("filter.needsCorrecting"), SortError: msg("sort"),
		NoneActive: L.T("filter.noneActive"), DefaultHint: L.T("filter.defaultHint"),
		Empty: L.T("empty.noAlerts"), Shortcuts: L.T("keys.queue"),
	}}
	if f.Sort != "" {
		v.Hidden = []page.Param{{Name: "sort", Value: f.Sort}}
	}
	for _, ff := range v.More {
		if ff.Error != "" {
			v.MoreOpen = true
		}
	}
	v.MoreOpen = v.MoreOpen || v.SortError != ""
	v.Chips = chips(L, f, !statusGiven)
	if len(v.Chips) > 0 {
		v.ClearAll = link(url.Values{"status": {""}})
	}
	v.Cols = page.SortColumns(f.values(), link, f.Sort, "createdDateTime desc", // Graph's own order
		page.ColumnSpec{Key: "field.severity", Class: "c-sev", Prop: "severity", First: "desc"},
		page.ColumnSpec{Key: "field.title", Class: "c-title", Prop: "title", First: "asc"},
		page.ColumnSpec{Key: "field.status", Class: "c-status", Prop: "status", First: "asc"},
		page.ColumnSpec{Key: "field.category", Class: "c-cat"},
		page.ColumnSpec{Key: "field.serviceSource", Class: "c-src", Prop: "serviceSource", First: "asc"},
		page.ColumnSpec{Key: "field.assignedTo", Class: "c-who"},
		page.ColumnSpec{Key: "field.incident", Class: "c-inc"},
		page.ColumnSpec{Key: "field.created", Class: "c-time", Prop: "createdDateTime", First: "desc"},
		page.ColumnSpec{Key: "field.lastUpdate", Class: "c-time", Prop: "lastUpdateDateTime", First: "desc"},
	)
	return v
}

// chips are the active filters, each with the link that removes it: the
// queue's own filters with one value less (and its first page).
func chips(L *i18n.Printer, f filter, defaultStatus bool) []page.Chip {
	base := f.values()
	without := func(name, value string) string { return link(page.WithoutValue(base, name, value)) }
	var out []page.Chip
	enum := func(name, field string, values []string, label func(string) i18n.EnumLabel) {
		for _, x := range values {
			l := label(x)
			out = append(out, page.Chip{Field: L.T(field), Value: l.Text, Raw: x, Remove: without(name, x), Default: name == "status" && defaultStatus})
		}
	}
	enum("status", "field.status", f.Status, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertStatus(x)) })
	enum("severity", "field.severity", f.Severity, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertSeverity(x)) })
	enum("serviceSource", "field.serviceSource", f.ServiceSource, func(x string) i18n.EnumLabel { return L.Enum(graph.ServiceSource(x)) })
	enum("classification", "field.classification", f.Classification, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertClassification(x)) })
	enum("determination", "field.determination", f.Determination, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertDetermination(x)) })
	if f.Category != "" {
		l := L.Category(f.Category)
		out = append(out, page.Chip{Field: L.T("field.category"), Value: l.Text, Raw: l.Raw, Remove: without("category", f.Category)})
	}
	if f.AssignedToMe {
		out = append(out, page.Chip{Field: L.T("field.assignedTo"), Value: L.T("filter.assignedToMe"), Remove: without("assignedToMe", "1")})
	}
	for _, t := range []struct{ name, field, value string }{
		{"q", "filter.search", f.Q}, {"assignedTo", "field.assignedTo", f.AssignedTo},
		{"user", "filter.user", f.User}, {"device", "filter.device", f.Device}, {"ip", "filter.ip", f.IP}, {"sha256", "filter.sha256", f.SHA256},
		{"createdFrom", "filter.createdFrom", f.CreatedFrom}, {"createdTo", "filter.createdTo", f.CreatedTo},
		{"updatedFrom", "filter.updatedFrom", f.UpdatedFrom}, {"updatedTo", "filter.updatedTo", f.UpdatedTo},
	} {
		if t.value != "" {
			out = append(out, page.Chip{Field: L.T(t.field), Value: t.value, Remove: without(t.name, t.value)})
		}
	}
	return out
}
