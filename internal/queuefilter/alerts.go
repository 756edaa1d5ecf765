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
//
// Status has a default, as in the Defender portal: without a status
// parameter the queue shows New and In progress. "status=" (empty) is
// any status.
type Alerts struct {
	Q              string // search: an alert's id, or words of its title
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
	IP             string // ipAddress in IP evidence
	SHA256         string // a file's (or a process image's) SHA-256
	CreatedFrom    string // YYYY-MM-DD, UTC
	CreatedTo      string
	UpdatedFrom    string
	UpdatedTo      string
	Top            int
	Sort           string // "prop dir", "" for Graph's order (newest first)
}

// Queue limits.
const (
	DefaultTop = 25
	MaxTop     = 1000
	// MaxSearch bounds the search box; an alert id is well under it.
	MaxSearch  = 200
	dateLayout = "2006-01-02"
)

// DefaultStatuses is the status filter when the query names none: the
// alerts still to work on, as the Defender portal's queue opens.
func DefaultStatuses() []string {
	return []string{string(graph.AlertStatusNew), string(graph.AlertStatusInProgress)}
}

// SortProps are the properties the queue sorts on: the alerts_v2
// properties Graph orders by.
func SortProps() []string {
	return []string{"title", "severity", "status", "serviceSource", "createdDateTime", "lastUpdateDateTime"}
}

// ValidSort reports a sort the queue offers: a sortable property and a
// direction.
func ValidSort(s string) bool {
	prop, dir, ok := strings.Cut(s, " ")
	return ok && slices.Contains(SortProps(), prop) && (dir == "asc" || dir == "desc")
}

// Members reads a repeatable enum parameter (repeated, or
// comma-separated): the allowed values in order without repeats, and
// the values that are not allowed.
func Members(q url.Values, name string, allowed []string) (vals, bad []string) {
	for _, v := range q[name] {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			switch {
			case part == "" || slices.Contains(vals, part):
			case slices.Contains(allowed, part):
				vals = append(vals, part)
			default:
				bad = append(bad, part)
			}
		}
	}
	return vals, bad
}

// ParseDay reads a YYYY-MM-DD date; "" is no date (and fine).
func ParseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(dateLayout, s)
	return t, err == nil
}

// TextParam is one of the queue's one-value text parameters and the
// field of the filter it fills.
type TextParam struct {
	Name string
	Dst  *string
}

// TextParams lists f's one-value text parameters (the search aside).
func (f *Alerts) TextParams() []TextParam {
	return []TextParam{
		{"category", &f.Category}, {"assignedTo", &f.AssignedTo}, {"device", &f.Device}, {"user", &f.User},
		{"ip", &f.IP}, {"sha256", &f.SHA256}, {"createdFrom", &f.CreatedFrom}, {"createdTo", &f.CreatedTo},
		{"updatedFrom", &f.UpdatedFrom}, {"updatedTo", &f.UpdatedTo},
	}
}

// DateRanges pairs the date parameters.
func DateRanges() [][2]string {
	return [][2]string{{"createdFrom", "createdTo"}, {"updatedFrom", "updatedTo"}}
}

// The members the queue offers: every member the graph package knows,
// except the "unknown" severity, status and service source, which nobody
// sets or looks for.
func without[T ~string](vs []T, drop T) []string {
	var out []string
	for _, v := range vs {
		if v != drop {
			out = append(out, string(v))
		}
	}
	return out
}

// AlertChoices are the values each enum parameter accepts.
func AlertChoices() map[string][]string {
	return map[string][]string{
		"severity":       without(graph.AlertSeverities(), graph.AlertSeverityUnknown),
		"status":         without(graph.AlertStatuses(), graph.AlertStatusUnknown),
		"serviceSource":  without(graph.ServiceSources(), graph.ServiceSourceUnknown),
		"classification": without(graph.AlertClassifications(), ""),
		"determination":  without(graph.AlertDeterminations(), ""),
	}
}

// ParseAlerts reads the queue's parameters as the queue does (for a saved
// watch), with a plain message for each mistake. Parameters it does not
// know are ignored: nothing reaches Graph except through these fields.
func ParseAlerts(q url.Values) (Alerts, Errors) {
	f := Alerts{Top: DefaultTop}
	var errs Errors
	choices := AlertChoices()
	for _, m := range []struct {
		name, what string
		dst        *[]string
	}{{"severity", "severity", &f.Severity}, {"status", "status", &f.Status}, {"serviceSource", "service source", &f.ServiceSource},
		{"classification", "classification", &f.Classification}, {"determination", "determination", &f.Determination}} {
		*m.dst = members(&errs, q, m.name, m.what, choices[m.name])
	}
	if !q.Has("status") {
		f.Status = DefaultStatuses()
	}
	f.Q = strings.TrimSpace(q.Get("q"))
	if len(f.Q) > MaxSearch {
		errs.add("q", "q is too long (at most %d characters).", MaxSearch)
	} else {
		f.Q = text(&errs, "q", f.Q)
	}
	for _, t := range f.TextParams() {
		*t.Dst = text(&errs, t.Name, q.Get(t.Name))
	}
	for _, r := range DateRanges() {
		from, fromOK := ParseDay(q.Get(r[0]))
		to, toOK := ParseDay(q.Get(r[1]))
		if !fromOK {
			errs.add(r[0], "Enter a date like 2026-11-27.")
		}
		if !toOK {
			errs.add(r[1], "Enter a date like 2026-11-27.")
		}
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			errs.add(r[1], "This is before %q (%s): no alert falls in that range. Swap the dates, or widen the range.", r[0], strings.TrimSpace(q.Get(r[0])))
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
	f.Sort = strings.TrimSpace(q.Get("sort"))
	if f.Sort != "" && !ValidSort(f.Sort) {
		errs.add("sort", "%q is not a sort order graphsec offers.", shorten(f.Sort, 64))
		f.Sort = ""
	}
	return f, errs
}

// Local reports whether graphsec filters the pages Graph returns itself:
// Graph can filter alerts_v2 neither by category nor by title.
func (f Alerts) Local() bool { return f.Category != "" || f.Q != "" }

// Keeps is the local part of the filter, for an alert Graph returned:
// category (without regard to case), and the search's words in the title
// (or the search as the alert's id).
func (f Alerts) Keeps(id, title, category string) bool {
	if f.Category != "" && !strings.EqualFold(category, f.Category) {
		return false
	}
	if f.Q == "" || id == f.Q {
		return true
	}
	title = strings.ToLower(title)
	for w := range strings.FieldsSeq(strings.ToLower(f.Q)) {
		if !strings.Contains(title, w) {
			return false
		}
	}
	return true
}

// Filter is the $filter Graph receives for f (zero when f has no
// condition Graph can apply). me is the user's UPN, for "assigned to me".
// Category and the search are not in it (see Keeps).
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
	for _, e := range []struct {
		v     string
		build func(string) graph.Expr
	}{{f.Device, graph.EvidenceDevice}, {f.User, graph.EvidenceUser}, {f.IP, graph.EvidenceIP}, {f.SHA256, graph.EvidenceFileSHA256}} {
		if e.v != "" {
			terms = append(terms, e.build(e.v))
		}
	}
	for _, r := range []struct {
		prop     string
		from, to string
	}{{"createdDateTime", f.CreatedFrom, f.CreatedTo}, {"lastUpdateDateTime", f.UpdatedFrom, f.UpdatedTo}} {
		if t, _ := ParseDay(r.from); !t.IsZero() {
			terms = append(terms, graph.Ge(r.prop, graph.DateTime(t)))
		}
		if t, _ := ParseDay(r.to); !t.IsZero() {
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
// when graphsec filters locally).
func (f Alerts) Query(me string) graph.Query {
	q := graph.Query{Filter: f.Filter(me), Top: f.Top, Count: !f.Local()}
	if f.Sort != "" {
		q.OrderBy = []string{f.Sort}
	}
	return q
}

// Values re-encodes the filter as a query string (the queue's sort,
// page and chip links; a watch's saved query). Status is always written:
// its values, or "status=" for any status.
func (f Alerts) Values() url.Values {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	for k, list := range map[string][]string{"severity": f.Severity, "serviceSource": f.ServiceSource, "classification": f.Classification, "determination": f.Determination} {
		for _, x := range list {
			v.Add(k, x)
		}
	}
	v["status"] = slices.Clone(f.Status)
	if len(f.Status) == 0 {
		v["status"] = []string{""}
	}
	for _, t := range f.TextParams() {
		if *t.Dst != "" {
			v.Set(t.Name, *t.Dst)
		}
	}
	if f.Sort != "" {
		v.Set("sort", f.Sort)
	}
	if f.AssignedToMe {
		v.Set("assignedToMe", "1")
	}
	if f.Top != DefaultTop {
		v.Set("top", strconv.Itoa(f.Top))
	}
	return v
}
