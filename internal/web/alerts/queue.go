package alerts

import (
	"context"
	"net/url"
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
	var v queueView
	return page.ServeQueue(p, page.QueueServe[filter, graph.AlertSummary]{
		Path: "/alerts", Template: "alerts/queue", TitleKey: "nav.alerts", CountKey: "count.alerts", LocalKey: "filter.localNotice",
		NoRowsKey: "paging.noRows", RangeID: "alert-count", Access: graph.AccessReadAlerts,
		Parse: a.choices.parseFilter, Values: filter.values, Local: filter.local, List: list,
		View: func(f filter, errs page.FieldErrors, statusGiven bool) (any, *page.Queue) {
			v = a.newQueueView(p, f, errs, statusGiven)
			return &v, &v.Queue
		},
		Open: func(c *graph.Client, f filter) (string, bool) {
			// The search may be an alert's id: open it.
			if !looksLikeID(f.Q) {
				return "", false
			}
			al, _, err := c.Alerts.Get(p.R.Context(), f.Q)
			if err != nil {
				return "", false
			}
			f.Q = ""
			return alertLink(al.ID, f.values(), -1, nil), true
		},
		Rows: func(items []graph.AlertSummary, links page.ItemLinks) {
			for i := range items {
				v.Rows = append(v.Rows, newRow(p.L, &items[i], links, i))
			}
		},
	})
}

// list reads the queue's page ref for filter f: the first page from the
// filter's query, a later one from the next link its token stands for.
// Category and the search are graphsec's to apply.
func list(ctx context.Context, c *graph.Client, f filter, ref page.PageRef, me string) (*page.Listed[graph.AlertSummary], error) {
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
	fs := page.Fields{L: L, Errs: errs}
	sev := page.ToggleChoices[graph.AlertSeverity](fs, "severity", "field.severity", c.severity, f.Severity)
	sev.Sev = true
	status := page.ToggleChoices[graph.AlertStatus](fs, "status", "field.status", c.status, f.Status)
	status.AnyValue = true
	sha := fs.Text("f-sha256", "sha256", L.T("filter.sha256"), f.SHA256, "")
	sha.Class = "mono"
	v := queueView{F: f, Queue: page.Queue{
		Path: "/alerts", ID: "alerts", Kind: "alert", Heading: L.T("nav.alerts"), FormLabel: L.T("filter.formLabel"),
		Search: fs.Search(f.Q, "filter.searchPlaceholder"), Toggles: []page.Toggles{sev, status},
		More: []page.FilterField{
			fs.Select("f-source", "serviceSource", "field.serviceSource", page.EnumChoicesOf[graph.ServiceSource](L, c.source, f.ServiceSource...)),
			fs.Select("f-category", "category", "field.category", page.LabelChoices(c.category, L.Category, f.Category)),
			fs.Select("f-class", "classification", "field.classification", page.EnumChoicesOf[graph.AlertClassification](L, c.class, f.Classification...)),
			fs.Select("f-determ", "determination", "field.determination", page.EnumChoicesOf[graph.AlertDetermination](L, c.determ, f.Determination...)),
			fs.Assigned(f.AssignedTo, f.AssignedToMe),
			fs.Text("f-user", "user", L.T("filter.user"), f.User, "user@contoso.com"),
			fs.Text("f-device", "device", L.T("filter.device"), f.Device, "pc123.contoso.com"),
			fs.Text("f-ip", "ip", L.T("filter.ip"), f.IP, "203.0.113.9"),
			sha,
			fs.Date("f-cfrom", "createdFrom", "filter.createdFrom", f.CreatedFrom), fs.Date("f-cto", "createdTo", "filter.createdTo", f.CreatedTo),
			fs.Date("f-ufrom", "updatedFrom", "filter.updatedFrom", f.UpdatedFrom), fs.Date("f-uto", "updatedTo", "filter.updatedTo", f.UpdatedTo),
			fs.Top("paging.perPage", c.tops, f.Top),
		},
		ErrorsNotice: L.T("filter.needsCorrecting"), NoneActive: L.T("filter.noneActive"), DefaultHint: L.T("filter.defaultHint"),
		Empty: L.T("empty.noAlerts"), Shortcuts: L.T("keys.queue"),
	}}
	v.Chips = chips(L, f, !statusGiven)
	v.WatchTarget, v.WatchQuery = "alerts", page.WatchQuery(f.values())
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
	v.Finish(fs, f.Sort, link)
	return v
}

// chips are the active filters, each with the link that removes it: the
// queue's own filters with one value less (and its first page).
func chips(L *i18n.Printer, f filter, defaultStatus bool) []page.Chip {
	cs := &page.Chips{L: L, Base: f.values(), Link: link, DefaultStatus: defaultStatus}
	page.EnumChips[graph.AlertStatus](cs, "status", "field.status", f.Status)
	page.EnumChips[graph.AlertSeverity](cs, "severity", "field.severity", f.Severity)
	page.EnumChips[graph.ServiceSource](cs, "serviceSource", "field.serviceSource", f.ServiceSource)
	page.EnumChips[graph.AlertClassification](cs, "classification", "field.classification", f.Classification)
	page.EnumChips[graph.AlertDetermination](cs, "determination", "field.determination", f.Determination)
	if f.Category != "" {
		l := L.Category(f.Category)
		cs.List = append(cs.List, page.Chip{Field: L.T("field.category"), Value: l.Text, Raw: l.Raw, Remove: link(page.WithoutValue(cs.Base, "category", f.Category))})
	}
	cs.Flag("assignedToMe", "field.assignedTo", "filter.assignedToMe", f.AssignedToMe)
	cs.Text("q", "filter.search", f.Q)
	cs.Text("assignedTo", "field.assignedTo", f.AssignedTo)
	cs.Text("user", "filter.user", f.User)
	cs.Text("device", "filter.device", f.Device)
	cs.Text("ip", "filter.ip", f.IP)
	cs.Text("sha256", "filter.sha256", f.SHA256)
	cs.Text("createdFrom", "filter.createdFrom", f.CreatedFrom)
	cs.Text("createdTo", "filter.createdTo", f.CreatedTo)
	cs.Text("updatedFrom", "filter.updatedFrom", f.UpdatedFrom)
	cs.Text("updatedTo", "filter.updatedTo", f.UpdatedTo)
	return cs.List
}
