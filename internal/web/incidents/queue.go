package incidents

import (
	"context"
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
	var v queueView
	return page.ServeQueue(p, page.QueueServe[filter, graph.Incident]{
		Path: "/incidents", Template: "incidents/queue", TitleKey: "nav.incidents", CountKey: "count.incidents", LocalKey: "incidents.filter.localNotice",
		NoRowsKey: "incidents.noRows", RangeID: "incident-count", Access: graph.AccessReadIncidents,
		Parse: ps.choices.parseFilter, Values: filter.values, Local: filter.local, List: list,
		View: func(f filter, errs page.FieldErrors, statusGiven bool) (any, *page.Queue) {
			v = ps.newQueueView(p, f, errs, statusGiven)
			return &v, &v.Queue
		},
		Open: func(c *graph.Client, f filter) (string, bool) {
			// The search is an incident's id: open it.
			if !looksLikeID(f.Q) {
				return "", false
			}
			inc, _, err := c.Incidents.Get(p.R.Context(), f.Q)
			if err != nil {
				return "", false
			}
			f.Q = ""
			return page.ItemLink(page.IncidentHref(inc.ID), f.values(), -1, nil), true
		},
		Rows: func(items []graph.Incident, links page.ItemLinks) {
			for i := range items {
				v.Rows = append(v.Rows, newRow(p.L, &items[i], links, i))
			}
		},
	})
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
	fs := page.Fields{L: L, Errs: errs}
	sev := page.ToggleChoices[graph.AlertSeverity](fs, "severity", "field.severity", c.severity, f.Severity)
	sev.Sev = true
	status := page.ToggleChoices[graph.IncidentStatus](fs, "status", "field.status", c.status, f.Status)
	status.AnyValue = true
	first := func(list []string) string {
		if len(list) == 0 {
			return ""
		}
		return list[0]
	}
	v := queueView{F: f, Queue: page.Queue{
		Path: "/incidents", ID: "incidents", Kind: "incident", Heading: L.T("nav.incidents"), FormLabel: L.T("incidents.filter.formLabel"),
		Search: fs.Search(f.Q, "incidents.filter.searchPlaceholder"), Toggles: []page.Toggles{sev, status},
		More: []page.FilterField{
			fs.Select("f-class", "classification", "field.classification", page.EnumChoicesOf[graph.AlertClassification](L, c.class, f.Classification...)),
			fs.Select("f-determ", "determination", "field.determination", page.EnumChoicesOf[graph.AlertDetermination](L, c.determ, f.Determination...)),
			fs.Assigned(f.AssignedTo, f.AssignedToMe),
			fs.Text("f-custom-tag", "customTags", L.T("incidents.customTags"), first(f.CustomTags), "VIP"),
			fs.Text("f-system-tag", "systemTags", L.T("field.systemTags"), first(f.SystemTags), "Ransomware"),
			fs.Date("f-cfrom", "createdFrom", "filter.createdFrom", f.CreatedFrom), fs.Date("f-cto", "createdTo", "filter.createdTo", f.CreatedTo),
			fs.Date("f-ufrom", "updatedFrom", "filter.updatedFrom", f.UpdatedFrom), fs.Date("f-uto", "updatedTo", "filter.updatedTo", f.UpdatedTo),
			fs.Top("incidents.filter.perPage", c.tops, f.Top),
		},
		ErrorsNotice: L.T("incidents.filter.needsCorrecting"), NoneActive: L.T("incidents.filter.noneActive"), DefaultHint: L.T("incidents.filter.defaultHint"),
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
	v.Chips = chips(L, f, !statusGiven)
	v.WatchTarget, v.WatchQuery = "incidents", page.WatchQuery(f.values())
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
	v.Finish(fs, f.Sort, link)
	return v
}

// chips are the active filters, each with the link that removes it: the
// queue's own filters with one value less (and its first page).
func chips(L *i18n.Printer, f filter, defaultStatus bool) []page.Chip {
	cs := &page.Chips{L: L, Base: f.values(), Link: link, DefaultStatus: defaultStatus}
	page.EnumChips[graph.IncidentStatus](cs, "status", "field.status", f.Status)
	page.EnumChips[graph.AlertSeverity](cs, "severity", "field.severity", f.Severity)
	page.EnumChips[graph.AlertClassification](cs, "classification", "field.classification", f.Classification)
	page.EnumChips[graph.AlertDetermination](cs, "determination", "field.determination", f.Determination)
	cs.Flag("assignedToMe", "field.assignedTo", "filter.assignedToMe", f.AssignedToMe)
	cs.Text("q", "filter.search", f.Q)
	cs.Text("assignedTo", "field.assignedTo", f.AssignedTo)
	cs.Text("customTags", "incidents.customTags", f.CustomTags...)
	cs.Text("systemTags", "field.systemTags", f.SystemTags...)
	cs.Text("createdFrom", "filter.createdFrom", f.CreatedFrom)
	cs.Text("createdTo", "filter.createdTo", f.CreatedTo)
	cs.Text("updatedFrom", "filter.updatedFrom", f.UpdatedFrom)
	cs.Text("updatedTo", "filter.updatedTo", f.UpdatedTo)
	return cs.List
}
