package alerts

import (
	"net/url"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/web/page"
)

// filter is the queue's query: GET parameters named after the Graph
// properties they filter, so every view is a bookmarkable URL (see
// queuefilter.Alerts, which it is). What the filter means to Graph, what
// graphsec applies itself and its query string live in queuefilter,
// shared with the watcher, so that a saved watch asks Graph what the
// queue shows; the page's messages and labels live here.
type filter queuefilter.Alerts

const (
	defaultTop = queuefilter.DefaultTop
	maxTop     = queuefilter.MaxTop
)

// textLabels are the labels the queue's text parameters' mistakes name.
func textLabels() map[string]page.Msg {
	return map[string]page.Msg{
		"category": page.T("field.category"), "assignedTo": page.T("field.assignedTo"),
		"device": page.T("filter.device"), "user": page.T("filter.user"),
		"ip": page.T("filter.ip"), "sha256": page.T("filter.sha256"),
		"createdFrom": page.T("filter.createdFrom"), "createdTo": page.T("filter.createdTo"),
		"updatedFrom": page.T("filter.updatedFrom"), "updatedTo": page.T("filter.updatedTo"),
	}
}

// parseFilter reads the queue's parameters. Every mistake is reported for
// its field (the form shows it there); the filter keeps the valid values.
// Parameters it does not know are ignored: nothing from the URL reaches
// Graph except through these fields.
func (c choices) parseFilter(q url.Values) (filter, page.FieldErrors) {
	r := page.QueryReader{Q: q, Reversed: "filter.reversedRange", BadTop: "filter.badTop"}
	var f filter
	f.Severity = r.Members("severity", page.T("field.severity"), c.severity)
	f.Status = r.Statuses(c.status, queuefilter.DefaultStatuses())
	f.ServiceSource = r.Members("serviceSource", page.T("field.serviceSource"), c.source)
	f.Classification = r.Members("classification", page.T("field.classification"), c.class)
	f.Determination = r.Members("determination", page.T("field.determination"), c.determ)
	f.Q = r.Text("q", page.T("filter.search"), queuefilter.MaxSearch)
	labels := textLabels()
	for _, t := range (*queuefilter.Alerts)(&f).TextParams() {
		*t.Dst = r.Text(t.Name, labels[t.Name], page.MaxText)
	}
	for _, d := range queuefilter.DateRanges() {
		r.Dates(d[0], d[1], labels[d[0]], labels[d[1]])
	}
	f.AssignedToMe = q.Get("assignedToMe") != ""
	f.Top = r.Top(defaultTop, maxTop)
	f.Sort = r.Sort(queuefilter.ValidSort)
	return f, r.Errs
}

// local reports whether graphsec filters the pages Graph returns itself:
// Graph can filter alerts_v2 neither by category nor by title.
func (f filter) local() bool { return queuefilter.Alerts(f).Local() }

// keep is the local part of the filter: category, and the search's words
// in the title (or the search as the alert's id).
func (f filter) keep(s *graph.AlertSummary) bool {
	return queuefilter.Alerts(f).Keeps(s.ID, s.Title, s.Category)
}

// graphQuery turns the filter into the OData query Graph receives. me is
// the signed-in user's UPN, for "assigned to me". Category and the search
// are not filterable on alerts_v2, so graphsec applies them to the pages
// Graph returns (see Queue).
func (f filter) graphQuery(me string) graph.Query { return queuefilter.Alerts(f).Query(me) }

// values re-encodes the filter as the page's query string (for sort links,
// page links, chips and the alert page's way back). Status is always
// written: its values, or "status=" for any status.
func (f filter) values() url.Values { return queuefilter.Alerts(f).Values() }

// link is the queue's address with values.
func link(v url.Values) string { return (&url.URL{Path: "/alerts", RawQuery: v.Encode()}).String() }
