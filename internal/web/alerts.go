package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

// alertFilter is the alerts page's query: GET parameters named after the
// Graph properties they filter, so every view is a bookmarkable URL.
type alertFilter struct {
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
	// Page is the query string of Graph's next link for the page to show.
	Page string
}

const defaultTop = 25

// maxFieldLen bounds free-text filters; Graph's own limits are far above.
const maxFieldLen = 256

// parseAlertFilter reads and checks the page's parameters. Unknown enum
// values and malformed dates are the user's mistakes, reported as such.
func parseAlertFilter(q url.Values) (alertFilter, error) {
	f := alertFilter{Top: defaultTop}
	multi := func(name string, cs []choice) ([]string, error) {
		var out []string
		for _, v := range q[name] {
			for _, part := range strings.Split(v, ",") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if !has(cs, part) {
					return nil, badInput("%q is not a valid %s.", part, name)
				}
				out = append(out, part)
			}
		}
		return out, nil
	}
	var err error
	if f.Severity, err = multi("severity", severityChoices); err != nil {
		return f, err
	}
	if f.Status, err = multi("status", statusChoices); err != nil {
		return f, err
	}
	if f.ServiceSource, err = multi("serviceSource", sourceChoices); err != nil {
		return f, err
	}
	if f.Classification, err = multi("classification", classChoices); err != nil {
		return f, err
	}
	if f.Determination, err = multi("determination", determChoices); err != nil {
		return f, err
	}
	text := func(name string) (string, error) {
		v := strings.TrimSpace(q.Get(name))
		if len(v) > maxFieldLen {
			return "", badInput("%s is too long (at most %d characters).", name, maxFieldLen)
		}
		return v, nil
	}
	for _, t := range []struct {
		name string
		dst  *string
	}{{"category", &f.Category}, {"assignedTo", &f.AssignedTo}, {"device", &f.Device}, {"user", &f.User},
		{"createdFrom", &f.CreatedFrom}, {"createdTo", &f.CreatedTo}, {"updatedFrom", &f.UpdatedFrom}, {"updatedTo", &f.UpdatedTo}} {
		if *t.dst, err = text(t.name); err != nil {
			return f, err
		}
	}
	for _, d := range []struct{ name, v string }{{"createdFrom", f.CreatedFrom}, {"createdTo", f.CreatedTo}, {"updatedFrom", f.UpdatedFrom}, {"updatedTo", f.UpdatedTo}} {
		if d.v != "" {
			if _, err := time.Parse("2006-01-02", d.v); err != nil {
				return f, badInput("%s must be a date like 2026-11-27.", d.name)
			}
		}
	}
	f.AssignedToMe = q.Get("assignedToMe") != ""
	if v := q.Get("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, badInput("top must be a number from 1 to 1000.")
		}
		f.Top = n
	}
	f.Sort = q.Get("sort")
	if !has(sortChoices, f.Sort) {
		return f, badInput("%q is not a sort order graphsec offers.", f.Sort)
	}
	f.Page = q.Get("page")
	if len(f.Page) > 4096 {
		return f, badInput("The page link is too long.")
	}
	return f, nil
}

// graphQuery turns the filter into the OData query Graph receives.
// category is not filterable on alerts_v2, so it is applied by graphsec to
// the pages Graph returns (see alertsPage).
func (f alertFilter) graphQuery(me string) graph.Query {
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
	day := func(s string, plus int) time.Time {
		t, _ := time.Parse("2006-01-02", s)
		return t.AddDate(0, 0, plus)
	}
	if f.CreatedFrom != "" {
		terms = append(terms, graph.Ge("createdDateTime", graph.DateTime(day(f.CreatedFrom, 0))))
	}
	if f.CreatedTo != "" {
		terms = append(terms, graph.Lt("createdDateTime", graph.DateTime(day(f.CreatedTo, 1))))
	}
	if f.UpdatedFrom != "" {
		terms = append(terms, graph.Ge("lastUpdateDateTime", graph.DateTime(day(f.UpdatedFrom, 0))))
	}
	if f.UpdatedTo != "" {
		terms = append(terms, graph.Lt("lastUpdateDateTime", graph.DateTime(day(f.UpdatedTo, 1))))
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
// and the next-page link).
func (f alertFilter) values() url.Values {
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

// restView is a Graph request as the page shows it.
type restView struct {
	ID     string
	Method string
	URL    string
	Body   string
}

// alertSummary is the part of an alerts_v2 alert the queue shows. Enum
// values stay strings: a member Graph adds later is shown as it comes.
type alertSummary struct {
	ID                 string    `json:"id"`
	Title              string    `json:"title"`
	Severity           string    `json:"severity"`
	Status             string    `json:"status"`
	Classification     string    `json:"classification"`
	ServiceSource      string    `json:"serviceSource"`
	Category           string    `json:"category"`
	AssignedTo         string    `json:"assignedTo"`
	IncidentID         string    `json:"incidentId"`
	CreatedDateTime    time.Time `json:"createdDateTime"`
	LastUpdateDateTime time.Time `json:"lastUpdateDateTime"`
}

// alertRow is one line of the results table, every cell already text: a
// template range that calls functions per cell costs reflection per call,
// and the queue is the page analysts load most.
type alertRow struct {
	ID, Href, Title, Severity, Status, Classification, Source, SourceLabel, Category, AssignedTo string
	IncidentID, IncidentHref, Created, Updated                                                   string
}

type alertsView struct {
	F               alertFilter
	Rows            []alertRow
	Count           *int64
	Request         *restView
	NextPage        string // our URL for the next page
	FirstPage       string
	CategoryLocal   bool
	GraphPages      int
	Choices         map[string][]choice
	Tops            []int
	SortChoices     []choice
	Selected        map[string]map[string]bool
	Me              string
	SortCreatedLink string
	SortUpdatedLink string
}

// maxCategoryPages bounds how many Graph pages one page view reads when
// graphsec filters category itself.
const maxCategoryPages = 5

// alertsPage is /alerts: the alerts_v2 queue with filters, counts, sort
// and paging, and the exact REST request shown.
func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	p := s.newPage(w, r, sess, "alerts", "Alerts", "alerts")
	f, err := parseAlertFilter(r.URL.Query())
	if err != nil {
		p.fail(err)
		return
	}
	if !s.requireScope(w, r, sess, "SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All") {
		return
	}
	c, ok := p.graph()
	if !ok {
		return
	}
	q := f.graphQuery(sess.UserPrincipalName)
	var req *graph.Request
	if f.Page != "" {
		req, err = c.NewRequest(http.MethodGet, "/v1.0/security/alerts_v2", f.Page, nil)
	} else {
		req, err = c.Alerts.ListRequest(q)
	}
	if err != nil {
		p.fail(badInput("The query cannot be built: %v", err))
		return
	}
	v := alertsView{F: f, Request: &restView{ID: "list", Method: req.Method, URL: req.URL}, Me: sess.UserPrincipalName,
		CategoryLocal: f.Category != "", Tops: topChoices, SortChoices: sortChoices,
		Choices: map[string][]choice{"severity": severityChoices, "status": statusChoices, "serviceSource": sourceChoices,
			"classification": classChoices, "determination": determChoices, "category": categoryChoices},
		Selected: map[string]map[string]bool{"severity": set(f.Severity), "status": set(f.Status), "serviceSource": set(f.ServiceSource),
			"classification": set(f.Classification), "determination": set(f.Determination)},
	}
	base := f.values()
	v.FirstPage = (&url.URL{Path: "/alerts", RawQuery: base.Encode()}).String()
	v.SortCreatedLink = sortLink(base, "createdDateTime", f.Sort)
	v.SortUpdatedLink = sortLink(base, "lastUpdateDateTime", f.Sort)

	next := ""
	for {
		// The queue shows a few columns: decoding into alertSummary lets the
		// JSON decoder skip each alert's evidence instead of building it.
		var page graph.Page[alertSummary]
		if _, err := c.Do(r.Context(), req, &page); err != nil {
			p.fail(err)
			return
		}
		v.GraphPages++
		if v.Count == nil && page.Count != nil {
			v.Count = page.Count
		}
		for _, a := range page.Value {
			if f.Category != "" && !strings.EqualFold(a.Category, f.Category) {
				continue
			}
			row := alertRow{
				ID: a.ID, Href: "/alerts/" + url.PathEscape(a.ID), Title: a.Title, Severity: a.Severity, Status: a.Status,
				Classification: a.Classification, Source: a.ServiceSource, SourceLabel: label(sourceChoices, a.ServiceSource),
				Category: a.Category, AssignedTo: a.AssignedTo, IncidentID: a.IncidentID,
				Created: displayTime(a.CreatedDateTime), Updated: displayTime(a.LastUpdateDateTime),
			}
			if row.Title == "" {
				row.Title = "(untitled)"
			}
			if a.IncidentID != "" {
				row.IncidentHref = "/incidents/" + url.PathEscape(a.IncidentID)
			}
			v.Rows = append(v.Rows, row)
		}
		next = page.NextLink
		if f.Category == "" || len(v.Rows) >= f.Top || next == "" || v.GraphPages >= maxCategoryPages {
			break
		}
		if req, err = c.NewRequest(http.MethodGet, "/v1.0/security/alerts_v2", queryOf(next), nil); err != nil {
			p.fail(err)
			return
		}
	}
	p.splice = func(b *bytes.Buffer) { writeAlertRows(b, v.Rows) }
	if next != "" {
		nv := base
		nv.Set("page", queryOf(next))
		v.NextPage = (&url.URL{Path: "/alerts", RawQuery: nv.Encode()}).String()
	}
	p.render(http.StatusOK, v)
}

// displayTime is how pages show a time: UTC, to the minute.
func displayTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// queryOf returns the query string of a Graph next link. Only the query is
// carried in graphsec's own links: the host is always the configured Graph,
// so a crafted link cannot send the user's token anywhere else.
func queryOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return u.RawQuery
}

func set(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// sortLink returns the link that sorts by prop, flipping the direction
// when the page is already sorted by it.
func sortLink(base url.Values, prop, current string) string {
	v := url.Values{}
	for k, x := range base {
		v[k] = append([]string(nil), x...)
	}
	dir := "desc"
	if current == prop+" desc" {
		dir = "asc"
	}
	v.Set("sort", prop+" "+dir)
	return (&url.URL{Path: "/alerts", RawQuery: v.Encode()}).String()
}
