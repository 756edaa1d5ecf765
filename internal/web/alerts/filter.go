package alerts

import (
	"net/url"
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
type filter struct {
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
	Sort           string
}

const (
	defaultTop = 25
	maxTop     = 1000
	dateLayout = "2006-01-02"
)

// parseFilter reads the queue's parameters. Every mistake is reported for
// its field (the form shows it there); the filter keeps the valid values.
// Parameters it does not know are ignored: nothing from the URL reaches
// Graph except through these fields.
func (c choices) parseFilter(q url.Values) (filter, page.FieldErrors) {
	f := filter{Top: defaultTop}
	var errs page.FieldErrors
	multi := func(name, what string, cs []page.Choice) []string {
		var out []string
		for _, v := range q[name] {
			for part := range strings.SplitSeq(v, ",") {
				part = strings.TrimSpace(part)
				switch {
				case part == "":
				case page.Has(cs, part):
					out = append(out, part)
				default:
					errs.Add(name, "%q is not %s graphsec knows: choose from the list.", page.Shorten(part, 64), what)
				}
			}
		}
		return out
	}
	f.Severity = multi("severity", "a severity", c.severity)
	f.Status = multi("status", "a status", c.status)
	f.ServiceSource = multi("serviceSource", "a service source", c.source)
	f.Classification = multi("classification", "a classification", c.class)
	f.Determination = multi("determination", "a determination", c.determ)
	for _, t := range []struct {
		name string
		dst  *string
	}{{"category", &f.Category}, {"assignedTo", &f.AssignedTo}, {"device", &f.Device}, {"user", &f.User},
		{"createdFrom", &f.CreatedFrom}, {"createdTo", &f.CreatedTo}, {"updatedFrom", &f.UpdatedFrom}, {"updatedTo", &f.UpdatedTo}} {
		v, err := page.Text(t.name, q.Get(t.name), page.MaxText)
		errs.Check(t.name, err)
		*t.dst = v
	}
	for _, r := range []struct{ from, to, what string }{{"createdFrom", "createdTo", "created"}, {"updatedFrom", "updatedTo", "updated"}} {
		from, fromOK := parseDay(q.Get(r.from))
		to, toOK := parseDay(q.Get(r.to))
		if !fromOK {
			errs.Add(r.from, "Enter a date like 2026-11-27.")
		}
		if !toOK {
			errs.Add(r.to, "Enter a date like 2026-11-27.")
		}
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			errs.Add(r.to, "This is before %s (%s): no alert %s in that range. Swap the dates, or widen the range.",
				r.from, strings.TrimSpace(q.Get(r.from)), r.what)
		}
	}
	f.AssignedToMe = q.Get("assignedToMe") != ""
	if v := strings.TrimSpace(q.Get("top")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTop {
			errs.Add("top", "Alerts per page must be a number from 1 to %d.", maxTop)
		} else {
			f.Top = n
		}
	}
	f.Sort = q.Get("sort")
	if !page.Has(c.sort, f.Sort) {
		errs.Add("sort", "%q is not a sort order graphsec offers.", page.Shorten(f.Sort, 64))
		f.Sort = ""
	}
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

// graphQuery turns the filter into the OData query Graph receives. me is
// the signed-in user's UPN, for "assigned to me". category is not
// filterable on alerts_v2, so it is applied by graphsec to the pages Graph
// returns (see Queue).
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
	q := graph.Query{Top: f.Top, Count: f.Category == ""}
	if len(terms) > 0 {
		q.Filter = graph.And(terms...)
	}
	if f.Sort != "" {
		q.OrderBy = []string{f.Sort}
	}
	return q
}

// values re-encodes the filter as the page's query string (for sort links
// and page links).
func (f filter) values() url.Values {
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
	if f.Top != defaultTop {
		v.Set("top", strconv.Itoa(f.Top))
	}
	return v
}
