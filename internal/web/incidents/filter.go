package incidents

import (
	"net/url"
	"slices"

	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/web/page"
)

// filter is the incident queue's query: GET parameters named after the
// Graph properties they filter (severity, status, classification,
// determination, assignedTo or assignedToMe=1, customTags, systemTags,
// createdFrom/To, updatedFrom/To on createdDateTime and
// lastUpdateDateTime), q, top and sort, so every view is a bookmarkable
// URL. What it means to Graph, what graphsec applies itself and its query
// string live in queuefilter (queuefilter.Incidents, which it is), shared
// with the watcher; the page's messages and labels live here.
//
// Status has a default, as in the Defender portal: without a status
// parameter the queue shows Active and In progress, as chips the user can
// remove. "status=" (empty) is any status.
type filter queuefilter.Incidents

// The queue's page size: Graph lists at most 50 incidents a page.
const (
	defaultTop = queuefilter.DefaultTop
	maxTop     = 50
	// maxTagFilters bounds each tag parameter's values.
	maxTagFilters = 10
)

// parseFilter reads the queue's parameters. Every mistake is reported for
// its field (the form shows it there); the filter keeps the valid values.
func (c choices) parseFilter(q url.Values) (filter, page.FieldErrors) {
	r := page.QueryReader{Q: q, Reversed: "incidents.filter.reversedRange", BadTop: "incidents.filter.badTop"}
	var f filter
	f.Severity = r.Members("severity", page.T("field.severity"), c.severity)
	f.Status = r.Statuses(c.status, queuefilter.DefaultIncidentStatuses())
	f.Classification = r.Members("classification", page.T("field.classification"), c.class)
	f.Determination = r.Members("determination", page.T("field.determination"), c.determ)
	f.Q = r.Text("q", page.T("filter.search"), queuefilter.MaxSearch)
	f.AssignedTo = r.Text("assignedTo", page.T("field.assignedTo"), page.MaxText)
	f.AssignedToMe = q.Get("assignedToMe") != ""
	f.CustomTags = r.Texts("customTags", page.T("incidents.customTags"), maxTagLen, maxTagFilters)
	f.SystemTags = r.Texts("systemTags", page.T("field.systemTags"), maxTagLen, maxTagFilters)
	f.CreatedFrom, f.CreatedTo = r.Dates("createdFrom", "createdTo", page.T("filter.createdFrom"), page.T("filter.createdTo"))
	f.UpdatedFrom, f.UpdatedTo = r.Dates("updatedFrom", "updatedTo", page.T("filter.updatedFrom"), page.T("filter.updatedTo"))
	f.Top = r.Top(defaultTop, maxTop)
	f.Sort = r.Sort(queuefilter.ValidIncidentSort)
	return f, r.Errs
}

func (f filter) local() bool { return queuefilter.Incidents(f).Local() }

// values re-encodes the filter as the queue's query string (sort, page and
// chip links, an incident page's way back). Status is always written: its
// values, or "status=" for any status.
func (f filter) values() url.Values {
	v := queuefilter.Incidents(f).Values()
	v["status"] = slices.Clone(f.Status)
	if len(f.Status) == 0 {
		v["status"] = []string{""}
	}
	return v
}

// link is the queue's address with values.
func link(v url.Values) string { return (&url.URL{Path: "/incidents", RawQuery: v.Encode()}).String() }

// tagLink is the queue filtered on one tag, in every status: an analyst
// pivots to see what else carries it.
func tagLink(param, tag string) string { return link(url.Values{param: {tag}, "status": {""}}) }
