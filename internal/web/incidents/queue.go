package incidents

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
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/web/page"
)

// The incident queue (/incidents), as the Defender portal's: one line per
// incident (severity, name, status, assignee, classification and
// determination, tags, last update, created), the latest update first,
// Active and In progress by default, filters as chips, every column Graph
// sorts by sortable both ways, 25 to a page (Graph lists at most 50).
//
// There is no column of alert counts: Graph's incident list does not
// carry one, and counting would cost a request per incident
// (/incidents/{id}/alerts) or $expand=alerts, which fails on large
// tenants. An incident's page lists its alerts.

// incidentRow is one line of the queue, every cell already text in the
// page's language, so that the template only places strings.
type incidentRow struct {
	ID, Href, Name          string
	Severity, SeverityLabel string
	Status, StatusLabel     string
	AssignedTo              string
	// Triage is classification and determination in words ("True
	// positive: Malware"), "" when neither is set; TriageRaw their raw
	// values, on hover.
	Triage, TriageRaw string
	Tags              []tagView
	// MoreTags counts the tags the row leaves out ("+2"), AllTags names
	// them all, on hover.
	MoreTags, AllTags                string
	Updated, UpdatedISO, UpdatedLong string
	Created, CreatedISO, CreatedLong string
	// RedirectID is the incident a merged one now lives in.
	RedirectID string
}

// tagView is one tag, with the queue filtered on it; System marks Graph's
// own (systemTags), which the portal shows apart from custom ones.
type tagView struct {
	Text, Href string
	System     bool
}

// rowTags is how many tags a row shows before "+N".
const rowTags = 3

// queueView is the queue page's data: the kit's queue frame, the filter,
// and the rows.
type queueView struct {
	page.Queue
	F    filter
	Rows []incidentRow
}

// maxLocalPages bounds how many Graph pages one view reads when graphsec
// filters tags or searches names itself.
const maxLocalPages = 5

// Queue is GET /incidents: the incident queue with filters (as chips),
// sort, paging, counts and the exact REST request.
func (ps *Pages) Queue(p *page.Page) error {
	p.Title = p.L.T("nav.incidents")
	if p.Role().NoAccess() {
		return p.NoAccess(http.StatusOK, nil)
	}
	q := p.R.URL.Query()
	f, errs := ps.choices.parseFilter(q)
	v := ps.newQueueView(p, f, errs, q.Has("status"))
	if errs.Any() {
		// Nothing is sent to Graph: the form shows each mistake next to its
		// field, with everything else as entered.
		return p.Render(http.StatusBadRequest, "incidents/queue", v)
	}
	c, err := p.GraphFor(graph.AccessReadIncidents)
	if err != nil {
		return err
	}
	pager := p.Pager("/incidents", f.values())
	v.StaleLink = pager.Stale
	if pager.Ref.Link == "" && looksLikeID(f.Q) {
		// The search is an incident's id: open it.
		if inc, _, err := c.Incidents.Get(p.R.Context(), f.Q); err == nil && !p.Started() {
			from := f
			from.Q = ""
			return p.Redirect(page.ItemLink(page.IncidentHref(inc.ID), from.values(), -1, nil), http.StatusSeeOther)
		}
	}
	l, err := list(p.R.Context(), c, f, pager.Ref, p.Me())
	if l != nil {
		v.Request = page.Shown("list", l.Request)
	}
	if errors.Is(err, graph.ErrForbidden) {
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
		v.TotalTitle = p.L.Count("count.incidents", *v.Total)
	}
	if f.local() {
		v.LocalNotice = p.L.T("incidents.filter.localNotice", "pages", l.GraphPages)
	}
	v.Paging = pager.Paging(len(v.Rows), l.Last.NextLink, l.Count)
	v.Paging.ID, v.Paging.Empty = "incident-count", p.L.T("incidents.noRows")
	return p.Render(http.StatusOK, "incidents/queue", v)
}

// list reads the queue's page ref for filter f: the first page from the
// filter's query, a later one from the next link its token stands for.
// Tags and the search are graphsec's to apply.
func list(ctx context.Context, c *graph.Client, f filter, ref page.PageRef, me string) (*page.Listed[graph.Incident], error) {
	var keep func(*graph.Incident) bool
	if f.local() {
		qf := queuefilter.Incidents(f)
		keep = func(i *graph.Incident) bool { return qf.Keeps(i.ID, i.DisplayName, i.CustomTags, i.SystemTags) }
	}
	return page.ListQueue(ctx, ref, func(ctx context.Context) (*graph.Page[graph.Incident], error) {
		pg, _, err := c.Incidents.List(ctx, queuefilter.Incidents(f).Query(me))
		return pg, err
	}, func(ctx context.Context, link string) (*graph.Page[graph.Incident], error) {
		pg, _, err := c.Incidents.ListFrom(ctx, link)
		return pg, err
	}, keep, f.Top, maxLocalPages)
}

// looksLikeID reports a search that is an incident's id (digits) rather
// than words of a name.
func looksLikeID(q string) bool {
	return q != "" && len(q) <= 20 && strings.Trim(q, "0123456789") == ""
}

// newRow is one incident as a line of the queue. Its link carries the
// queue's filters (and the row's place) for the incident page's way back
// and its previous/next.
func newRow(L *i18n.Printer, inc *graph.Incident, links page.ItemLinks, i int) incidentRow {
	sev, st := L.Enum(inc.Severity), L.Enum(inc.Status)
	r := incidentRow{
		ID: inc.ID, Href: links.Link(page.IncidentHref(inc.ID), i), Name: inc.DisplayName,
		Severity: sev.Raw, SeverityLabel: sev.Text, Status: st.Raw, StatusLabel: st.Text, AssignedTo: inc.AssignedTo,
		Updated: L.Rel(inc.LastUpdateDateTime), UpdatedISO: L.ISO(inc.LastUpdateDateTime), UpdatedLong: L.TimeLong(inc.LastUpdateDateTime),
		Created: L.Rel(inc.CreatedDateTime), CreatedISO: L.ISO(inc.CreatedDateTime), CreatedLong: L.TimeLong(inc.CreatedDateTime),
		RedirectID: inc.RedirectIncidentID,
	}
	if r.Name == "" {
		r.Name = L.T("alert.incident", "id", inc.ID)
	}
	r.Triage, r.TriageRaw = triageText(L, inc.Classification, inc.Determination)
	all := tagViews(inc.CustomTags, inc.SystemTags)
	if len(all) > rowTags {
		names := make([]string, len(all))
		for i, t := range all {
			names[i] = t.Text
		}
		r.MoreTags, r.AllTags = "+"+L.N(len(all)-rowTags), L.List(names)
		all = all[:rowTags]
	}
	r.Tags = all
	return r
}

// triageText words a classification and determination ("True positive:
// Malware"; "" when neither is set) with their raw values.
func triageText(L *i18n.Printer, cl graph.AlertClassification, d graph.AlertDetermination) (string, string) {
	unset := func(s string) bool { return s == "" || s == "unknown" }
	switch {
	case unset(string(cl)) && unset(string(d)):
		return "", ""
	case unset(string(d)):
		return L.Label(cl), string(cl)
	}
	return L.T("triage.pair", "classification", cl, "determination", d), string(cl) + " / " + string(d)
}

// tagViews lists custom tags, then system tags, each linking to the queue
// filtered on it.
func tagViews(custom, system []string) []tagView {
	out := make([]tagView, 0, len(custom)+len(system))
	for _, t := range custom {
		out = append(out, tagView{Text: t, Href: tagLink("customTags", t)})
	}
	for _, t := range system {
		out = append(out, tagView{Text: t, Href: tagLink("systemTags", t), System: true})
	}
	return out
}

func (ps *Pages) newQueueView(p *page.Page, f filter, errs page.FieldErrors, statusGiven bool) queueView {
	c, L := ps.choices, p.L
	msg := func(name string) string { return errs[name].In(L) }
	var top []page.Choice
	tops := slices.Clone(c.tops)
	if !slices.Contains(tops, f.Top) {
		tops = append(tops, f.Top)
		slices.Sort(tops)
	}
	for _, n := range tops {
		top = append(top, page.Choice{Value: strconv.Itoa(n), Label: L.N(n), Selected: n == f.Top})
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
	first := func(list []string) string {
		if len(list) == 0 {
			return ""
		}
		return list[0]
	}
	v := queueView{F: f, Queue: page.Queue{
		Path: "/incidents", ID: "incidents", Kind: "incident", Heading: L.T("nav.incidents"), FormLabel: L.T("incidents.filter.formLabel"),
		Search: page.FilterField{ID: "f-q", Name: "q", Label: L.T("filter.search"), Value: f.Q, Placeholder: L.T("incidents.filter.searchPlaceholder"), Error: msg("q")},
		Toggles: []page.Toggles{
			{Name: "severity", Legend: L.T("field.severity"), Sev: true, Choices: page.EnumChoicesOf[graph.AlertSeverity](L, c.severity, f.Severity...), Error: msg("severity")},
			{Name: "status", Legend: L.T("field.status"), AnyValue: true, Choices: page.EnumChoicesOf[graph.IncidentStatus](L, c.status, f.Status...), Error: msg("status")},
		},
		More: []page.FilterField{
			sel("f-class", "classification", "field.classification", page.EnumChoicesOf[graph.AlertClassification](L, c.class, f.Classification...)),
			sel("f-determ", "determination", "field.determination", page.EnumChoicesOf[graph.AlertDetermination](L, c.determ, f.Determination...)),
			assigned,
			text("f-custom-tag", "customTags", L.T("incidents.customTags"), first(f.CustomTags), "VIP"),
			text("f-system-tag", "systemTags", L.T("field.systemTags"), first(f.SystemTags), "Ransomware"),
			date("f-cfrom", "createdFrom", "filter.createdFrom", f.CreatedFrom), date("f-cto", "createdTo", "filter.createdTo", f.CreatedTo),
			date("f-ufrom", "updatedFrom", "filter.updatedFrom", f.UpdatedFrom), date("f-uto", "updatedTo", "filter.updatedTo", f.UpdatedTo),
			{ID: "f-top", Name: "top", Label: L.T("incidents.filter.perPage"), Choices: top, Error: msg("top")},
		},
		Errors: errs.Any(), ErrorsNotice: L.T("incidents.filter.needsCorrecting"), SortError: msg("sort"),
		NoneActive: L.T("incidents.filter.noneActive"), DefaultHint: L.T("incidents.filter.defaultHint"),
		Empty: L.T("empty.noIncidents"), Shortcuts: L.T("incidents.keys.queue"),
	}}
	// A tag filter with several values keeps the others as they are (the
	// field shows the first).
	for _, t := range []struct {
		name string
		list []string
	}{{"customTags", f.CustomTags}, {"systemTags", f.SystemTags}} {
		for _, x := range t.list[min(1, len(t.list)):] {
			v.Hidden = append(v.Hidden, page.Param{Name: t.name, Value: x})
		}
	}
	if f.Sort != "" {
		v.Hidden = append(v.Hidden, page.Param{Name: "sort", Value: f.Sort})
	}
	for _, ff := range v.More {
		v.MoreOpen = v.MoreOpen || ff.Error != ""
	}
	v.MoreOpen = v.MoreOpen || v.SortError != ""
	v.Chips = chips(L, f, !statusGiven)
	if len(v.Chips) > 0 {
		v.ClearAll = link(url.Values{"status": {""}})
	}
	v.Cols = page.SortColumns(f.values(), link, f.Sort, queuefilter.DefaultIncidentSort,
		page.ColumnSpec{Key: "field.severity", Class: "c-sev", Prop: "severity", First: "desc"},
		page.ColumnSpec{Key: "field.id", Class: "c-id", Prop: "id", First: "desc"},
		page.ColumnSpec{Key: "incidents.name", Class: "c-title", Prop: "displayName", First: "asc"},
		page.ColumnSpec{Key: "field.status", Class: "c-status", Prop: "status", First: "asc"},
		page.ColumnSpec{Key: "field.assignedTo", Class: "c-who"},
		page.ColumnSpec{Key: "incidents.classification", Class: "c-class"},
		page.ColumnSpec{Key: "field.tags", Class: "c-tags"},
		page.ColumnSpec{Key: "field.lastUpdate", Class: "c-time", Prop: "lastUpdateDateTime", First: "desc"},
		page.ColumnSpec{Key: "field.created", Class: "c-time", Prop: "createdDateTime", First: "desc"},
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
	enum("status", "field.status", f.Status, func(x string) i18n.EnumLabel { return L.Enum(graph.IncidentStatus(x)) })
	enum("severity", "field.severity", f.Severity, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertSeverity(x)) })
	enum("classification", "field.classification", f.Classification, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertClassification(x)) })
	enum("determination", "field.determination", f.Determination, func(x string) i18n.EnumLabel { return L.Enum(graph.AlertDetermination(x)) })
	if f.AssignedToMe {
		out = append(out, page.Chip{Field: L.T("field.assignedTo"), Value: L.T("filter.assignedToMe"), Remove: without("assignedToMe", "1")})
	}
	for _, t := range []struct {
		name, field string
		values      []string
	}{
		{"q", "filter.search", []string{f.Q}}, {"assignedTo", "field.assignedTo", []string{f.AssignedTo}},
		{"customTags", "incidents.customTags", f.CustomTags}, {"systemTags", "field.systemTags", f.SystemTags},
		{"createdFrom", "filter.createdFrom", []string{f.CreatedFrom}}, {"createdTo", "filter.createdTo", []string{f.CreatedTo}},
		{"updatedFrom", "filter.updatedFrom", []string{f.UpdatedFrom}}, {"updatedTo", "filter.updatedTo", []string{f.UpdatedTo}},
	} {
		for _, x := range t.values {
			if x != "" {
				out = append(out, page.Chip{Field: L.T(t.field), Value: x, Remove: without(t.name, x)})
			}
		}
	}
	return out
}
