package alerts

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// filter is the queue's query: GET parameters named after the Graph
// properties they filter, so every view is a bookmarkable URL. Values are
// kept as the user entered them, so that a mistake is shown next to its
// field with everything else as it was.
//
// Status has a default, as in the Defender portal: without a status
// parameter the queue shows New and In progress, and says so with chips
// the user can remove. "status=" (empty) is any status.
type filter struct {
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

const (
	defaultTop = 25
	maxTop     = 1000
	dateLayout = "2006-01-02"
	// maxSearch bounds the search box; an alert id is well under it.
	maxSearch = 200
)

// defaultStatuses is the queue's status filter when the URL names none:
// the alerts still to work on, as the Defender portal's queue opens.
func defaultStatuses() []string {
	return []string{string(graph.AlertStatusNew), string(graph.AlertStatusInProgress)}
}

// The queue's sortable columns: the alerts_v2 properties Graph orders by.
func sortProps() []string {
	return []string{"title", "severity", "status", "serviceSource", "createdDateTime", "lastUpdateDateTime"}
}

// textParams are the queue's one-value text parameters, with the field of
// the filter each fills and the label its mistakes name.
func (f *filter) textParams() []struct {
	name  string
	dst   *string
	label page.Msg
} {
	return []struct {
		name  string
		dst   *string
		label page.Msg
	}{
		{"category", &f.Category, page.T("field.category")}, {"assignedTo", &f.AssignedTo, page.T("field.assignedTo")},
		{"device", &f.Device, page.T("filter.device")}, {"user", &f.User, page.T("filter.user")},
		{"ip", &f.IP, page.T("filter.ip")}, {"sha256", &f.SHA256, page.T("filter.sha256")},
		{"createdFrom", &f.CreatedFrom, page.T("filter.createdFrom")}, {"createdTo", &f.CreatedTo, page.T("filter.createdTo")},
		{"updatedFrom", &f.UpdatedFrom, page.T("filter.updatedFrom")}, {"updatedTo", &f.UpdatedTo, page.T("filter.updatedTo")},
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
		var out []string
		for _, v := range q[name] {
			for part := range strings.SplitSeq(v, ",") {
				part = strings.TrimSpace(part)
				switch {
				case part == "" || slices.Contains(out, part):
				case slices.Contains(allowed, part):
					out = append(out, part)
				default:
					errs.Add(name, page.T("filter.unknownValue", "value", page.Shorten(part, 64), "field", what))
				}
			}
		}
		return out
	}
	f.Severity = multi("severity", page.T("field.severity"), c.severity)
	if q.Has("status") {
		f.Status = multi("status", page.T("field.status"), c.status)
	} else {
		f.Status = defaultStatuses()
	}
	f.ServiceSource = multi("serviceSource", page.T("field.serviceSource"), c.source)
	f.Classification = multi("classification", page.T("field.classification"), c.class)
	f.Determination = multi("determination", page.T("field.determination"), c.determ)
	var err error
	f.Q, err = page.Text(page.T("filter.search"), q.Get("q"), maxSearch)
	errs.Check("q", err)
	for _, t := range f.textParams() {
		v, err := page.Text(t.label, q.Get(t.name), page.MaxText)
		errs.Check(t.name, err)
		*t.dst = v
	}
	for _, r := range []struct {
		from, to string
		label    page.Msg
	}{{"createdFrom", "createdTo", page.T("filter.createdFrom")}, {"updatedFrom", "updatedTo", page.T("filter.updatedFrom")}} {
		from, fromOK := parseDay(q.Get(r.from))
		to, toOK := parseDay(q.Get(r.to))
		if !fromOK {
			errs.Add(r.from, page.T("filter.badDate"))
		}
		if !toOK {
			errs.Add(r.to, page.T("filter.badDate"))
		}
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			errs.Add(r.to, page.T("filter.reversedRange", "field", r.label, "from", strings.TrimSpace(q.Get(r.from))))
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
	if f.Sort != "" && !validSort(f.Sort) {
		errs.Add("sort", page.T("filter.badSort", "value", page.Shorten(f.Sort, 64)))
		f.Sort = ""
	}
	return f, errs
}

// validSort reports a sort the queue offers: a sortable property and a
// direction.
func validSort(s string) bool {
	prop, dir, ok := strings.Cut(s, " ")
	return ok && slices.Contains(sortProps(), prop) && (dir == "asc" || dir == "desc")
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

// local reports whether graphsec filters the pages Graph returns itself:
// Graph can filter alerts_v2 neither by category nor by title.
func (f filter) local() bool { return f.Category != "" || f.Q != "" }

// keep is the local part of the filter: category, and the search's words
// in the title (or the search as the alert's id).
func (f filter) keep(s *graph.AlertSummary) bool {
	if f.Category != "" && !strings.EqualFold(s.Category, f.Category) {
		return false
	}
	if f.Q == "" || s.ID == f.Q {
		return true
	}
	title := strings.ToLower(s.Title)
	for w := range strings.FieldsSeq(strings.ToLower(f.Q)) {
		if !strings.Contains(title, w) {
			return false
		}
	}
	return true
}

// graphQuery turns the filter into the OData query Graph receives. me is
// the signed-in user's UPN, for "assigned to me". Category and the search
// are not filterable on alerts_v2, so graphsec applies them to the pages
// Graph returns (see Queue).
func (f filter) graphQuery(me string) graph.Query {
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
		if t, _ := parseDay(r.from); !t.IsZero() {
			terms = append(terms, graph.Ge(r.prop, graph.DateTime(t)))
		}
		if t, _ := parseDay(r.to); !t.IsZero() {
			terms = append(terms, graph.Lt(r.prop, graph.DateTime(t.AddDate(0, 0, 1))))
		}
	}
	q := graph.Query{Top: f.Top, Count: !f.local()}
	if len(terms) > 0 {
		q.Filter = graph.And(terms...)
	}
	if f.Sort != "" {
		q.OrderBy = []string{f.Sort}
	}
	return q
}

// values re-encodes the filter as the page's query string (for sort links,
// page links, chips and the alert page's way back). Status is always
// written: its values, or "status=" for any status.
func (f filter) values() url.Values {
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
	for _, t := range f.textParams() {
		if *t.dst != "" {
			v.Set(t.name, *t.dst)
		}
	}
	if f.Sort != "" {
		v.Set("sort", f.Sort)
	}
	if f.AssignedToMe {
		v.Set("assignedToMe", "1")
	}
	if f.Top != defaultTop {
		v.Set("top", strconv.Itoa(f.Top))
	}
	return v
}

// link is the queue's address with values.
func link(v url.Values) string { return (&url.URL{Path: "/alerts", RawQuery: v.Encode()}).String() }
