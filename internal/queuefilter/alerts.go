package queuefilter

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
)

// Alerts is the alerts_v2 queue's filter: GET parameters named after the
// Graph properties they filter, so every view is a bookmarkable URL.
// Values are kept as the user entered them, so that a mistake is shown
// next to its field with everything else as it was.
type Alerts struct {
	Severity       []string
	Status         []string
	ServiceSource  []string
	Classification []string
	Determination  []string
	Category       string
	AssignedTo     string
	AssignedToMe   bool
	Device         string // deviceDnsName in device evidence
	User           string // userPrincipalName in user evidence
	CreatedFrom    string // YYYY-MM-DD, UTC
	CreatedTo      string
	UpdatedFrom    string
	UpdatedTo      string
	Top            int
	// Sort is the $orderby as sent; the queue checks it against the
	// orders it offers (a watch orders by lastUpdateDateTime itself).
	Sort string
}

// Queue page sizes.
const (
	DefaultTop = 25
	MaxTop     = 1000
	dateLayout = "2006-01-02"
)

// The members the queue offers: every member the graph package knows,
// except the "unknown" status and service source, which nobody sets or
// looks for.
func alertStatuses() []graph.AlertStatus {
	return slices.DeleteFunc(graph.AlertStatuses(), func(s graph.AlertStatus) bool { return s == graph.AlertStatusUnknown })
}

func serviceSources() []graph.ServiceSource {
	return slices.DeleteFunc(graph.ServiceSources(), func(s graph.ServiceSource) bool { return s == graph.ServiceSourceUnknown })
}

// members reads a repeatable enum parameter (repeated, or comma-separated)
// and reports every value that is not exactly a member.
func members[T ~string](errs *Errors, q url.Values, name, what string, known []T) []string {
	var out []string
	for _, v := range q[name] {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			switch {
			case part == "":
			case slices.Contains(known, T(part)):
				out = append(out, part)
			default:
				errs.add(name, "%q is not %s graphsec knows: choose from the list.", shorten(part, 64), what)
			}
		}
	}
	return out
}

// ParseAlerts reads the queue's parameters. Every mistake is reported for
// its field; the filter keeps the valid values. Parameters it does not
// know are ignored: nothing from the URL reaches Graph except through
// these fields.
func ParseAlerts(q url.Values) (Alerts, Errors) {
	f := Alerts{Top: DefaultTop}
	var errs Errors
	f.Severity = members(&errs, q, "severity", "a severity", graph.AlertSeverities())
	f.Status = members(&errs, q, "status", "a status", alertStatuses())
	f.ServiceSource = members(&errs, q, "serviceSource", "a service source", serviceSources())
	f.Classification = members(&errs, q, "classification", "a classification", graph.AlertClassifications())
	f.Determination = members(&errs, q, "determination", "a determination", graph.AlertDeterminations())
	for _, t := range []struct {
		name string
		dst  *string
	}{{"category", &f.Category}, {"assignedTo", &f.AssignedTo}, {"device", &f.Device}, {"user", &f.User},
		{"createdFrom", &f.CreatedFrom}, {"createdTo", &f.CreatedTo}, {"updatedFrom", &f.UpdatedFrom}, {"updatedTo", &f.UpdatedTo}} {
		*t.dst = text(&errs, t.name, q.Get(t.name))
	}
	for _, r := range []struct{ from, to, what string }{{"createdFrom", "createdTo", "created"}, {"updatedFrom", "updatedTo", "updated"}} {
		from, fromOK := parseDay(q.Get(r.from))
		to, toOK := parseDay(q.Get(r.to))
		if !fromOK {
			errs.add(r.from, "Enter a date like 2026-11-27.")
		}
		if !toOK {
			errs.add(r.to, "Enter a date like 2026-11-27.")
		}
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			errs.add(r.to, "This is before %s (%s): no alert %s in that range. Swap the dates, or widen the range.",
				r.from, strings.TrimSpace(q.Get(r.from)), r.what)
		}
	}
	f.AssignedToMe = q.Get("assignedToMe") != ""
	if v := strings.TrimSpace(q.Get("top")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxTop {
			errs.add("top", "Alerts per page must be a number from 1 to %d.", MaxTop)
		} else {
			f.Top = n
		}
	}
	f.Sort = q.Get("sort")
	return f, errs
}

// parseDay reads a YYYY-MM-DD date; "" is no date (and fine).
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(dateLayout, s)
	return t, err == nil
}

// Filter is the $filter Graph receives for f (zero when f has no
// condition Graph can apply). me is the user's UPN, for "assigned to me".
// category is not in it: alerts_v2 cannot filter on it (see Keeps).
func (f Alerts) Filter(me string) graph.Expr {
	var terms []graph.Expr
	enumIn := func(path string, vs []string) {
		switch len(vs) {
		case 0:
		case 1:
			terms = append(terms, graph.Eq(path, graph.String(vs[0])))
		default:
			vals := make([]graph.Value, len(vs))
			for i, v := range vs {
				vals[i] = graph.String(v)
			}
			terms = append(terms, graph.In(path, vals...))
		}
	}
	enumIn("severity", f.Severity)
	enumIn("status", f.Status)
	enumIn("serviceSource", f.ServiceSource)
	enumIn("classification", f.Classification)
	enumIn("determination", f.Determination)
	switch {
	case f.AssignedToMe:
		terms = append(terms, graph.Eq("assignedTo", graph.String(me)))
	case f.AssignedTo != "":
		terms = append(terms, graph.Eq("assignedTo", graph.String(f.AssignedTo)))
	}
	if f.Device != "" {
		terms = append(terms, graph.Any("evidence", "e", graph.Eq(graph.EvidencePath("e", "deviceEvidence", "deviceDnsName"), graph.String(f.Device))))
	}
	if f.User != "" {
		terms = append(terms, graph.Any("evidence", "e", graph.Eq(graph.EvidencePath("e", "userEvidence", "userAccount/userPrincipalName"), graph.String(f.User))))
	}
	for _, r := range []struct {
		prop     string
		from, to string
	}{{"createdDateTime", f.CreatedFrom, f.CreatedTo}, {"lastUpdateDateTime", f.UpdatedFrom, f.UpdatedTo}} {
		if t, _ := parseDay(r.from); !t.IsZero() {
			terms = append(terms, graph.Ge(r.prop, graph.DateTime(t)))
		}
		if t, _ := parseDay(r.to); !t.IsZero() {
			terms = append(terms, graph.Lt(r.prop, graph.DateTime(t.AddDate(0, 0, 1))))
		}
	}
	if len(terms) == 0 {
		return graph.Expr{}
	}
	return graph.And(terms...)
}

// Query is the OData query of the queue's first page: the filter, the
// page size, the sort, and $count when Graph's count is the queue's (not
// when graphsec filters category itself).
func (f Alerts) Query(me string) graph.Query {
	q := graph.Query{Filter: f.Filter(me), Top: f.Top, Count: f.Category == ""}
	if f.Sort != "" {
		q.OrderBy = []string{f.Sort}
	}
	return q
}

// Keeps reports whether an alert Graph returned passes the part of the
// filter graphsec applies itself (category, which alerts_v2 cannot
// filter), compared without regard to case.
func (f Alerts) Keeps(category string) bool {
	return f.Category == "" || strings.EqualFold(category, f.Category)
}

// Values re-encodes the filter as a query string (for sort and page
// links, and as a watch's saved query).
func (f Alerts) Values() url.Values {
	v := url.Values{}
	for k, list := range map[string][]string{"severity": f.Severity, "status": f.Status, "serviceSource": f.ServiceSource, "classification": f.Classification, "determination": f.Determination} {
		for _, x := range list {
			v.Add(k, x)
		}
	}
	for k, x := range map[string]string{"category": f.Category, "assignedTo": f.AssignedTo, "device": f.Device, "user": f.User,
		"createdFrom": f.CreatedFrom, "createdTo": f.CreatedTo, "updatedFrom": f.UpdatedFrom, "updatedTo": f.UpdatedTo, "sort": f.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.AssignedToMe {
		v.Set("assignedToMe", "1")
	}
	if f.Top != DefaultTop {
		v.Set("top", strconv.Itoa(f.Top))
	}
	return v
}
