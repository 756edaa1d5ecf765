package alerts

import (
	"net/url"
	"strconv"
	"strings"

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
	f := filter{Top: defaultTop}
	var errs page.FieldErrors
	multi := func(name string, what page.Msg, allowed []string) []string {
		vals, bad := queuefilter.Members(q, name, allowed)
		for _, b := range bad {
			errs.Add(name, page.T("filter.unknownValue", "value", page.Shorten(b, 64), "field", what))
		}
		return vals
	}
	f.Severity = multi("severity", page.T("field.severity"), c.severity)
	if q.Has("status") {
		f.Status = multi("status", page.T("field.status"), c.status)
	} else {
		f.Status = queuefilter.DefaultStatuses()
	}
	f.ServiceSource = multi("serviceSource", page.T("field.serviceSource"), c.source)
	f.Classification = multi("classification", page.T("field.classification"), c.class)
	f.Determination = multi("determination", page.T("field.determination"), c.determ)
	var err error
	f.Q, err = page.Text(page.T("filter.search"), q.Get("q"), queuefilter.MaxSearch)
	errs.Check("q", err)
	labels := textLabels()
	for _, t := range (*queuefilter.Alerts)(&f).TextParams() {
		v, err := page.Text(labels[t.Name], q.Get(t.Name), page.MaxText)
		errs.Check(t.Name, err)
		*t.Dst = v
	}
	for _, r := range queuefilter.DateRanges() {
		from, fromOK := queuefilter.ParseDay(q.Get(r[0]))
		to, toOK := queuefilter.ParseDay(q.Get(r[1]))
		if !fromOK {
			errs.Add(r[0], page.T("filter.badDate"))
		}
		if !toOK {
			errs.Add(r[1], page.T("filter.badDate"))
		}
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			errs.Add(r[1], page.T("filter.reversedRange", "field", labels[r[0]], "from", strings.TrimSpace(q.Get(r[0]))))
		}
	}
	f.AssignedToMe = q.Get("assignedToMe") != ""
	if v := strings.TrimSpace(q.Get("top")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTop {
			errs.Add("top", page.T("filter.badTop", "max", maxTop))
		} else {
			f.Top = n
		}
	}
	f.Sort = strings.TrimSpace(q.Get("sort"))
	if f.Sort != "" && !queuefilter.ValidSort(f.Sort) {
		errs.Add("sort", page.T("filter.badSort", "value", page.Shorten(f.Sort, 64)))
		f.Sort = ""
	}
	return f, errs
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
