package incidents_test

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// The queue opens like the portal's: Active and In progress (as removable
// chips marked as the default), the latest update first, 25 to a page, the
// count from Graph; every cell of a row says what the list gives.
func TestIncidentQueueDefaultView(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 60}})
	_, fresh := h.RaiseAlert(map[string]any{"title": "Fresh one", "severity": "high"})
	patchIncident(t, h, fresh, graph.IncidentUpdate{CustomTags: graph.Some([]string{"VIP", "Board <exec> mailbox"}),
		Classification: graph.Some(graph.AlertClassificationTruePositive), Determination: graph.Some(graph.AlertDeterminationMalware)})
	b, p := h.SignIn(h.User("Security Reader"), "/incidents")
	if p.Status != http.StatusOK {
		t.Fatalf("queue: %d\n%s", p.Status, p.Body)
	}
	q := graphQuery(t, h)
	if got := q.Get("$filter"); got != "status in ('active','inProgress')" {
		t.Errorf("$filter %q", got)
	}
	if q.Get("$orderby") != "lastUpdateDateTime desc" || q.Get("$top") != "25" || q.Get("$count") != "true" || q.Get("$expand") != "" {
		t.Errorf("query sent %v", q)
	}
	chips := webtest.Section(t, p.Body, "chips", "ul")
	if strings.Count(chips, `class="chip default"`) != 2 || !strings.Contains(chips, `title="active">Active`) || !strings.Contains(chips, `title="inProgress">In progress`) {
		t.Errorf("default chips:\n%s", chips)
	}
	ids := incidentIDs(p.Body)
	if len(ids) == 0 || ids[0] != fresh {
		t.Fatalf("the latest update is not first: %v", ids)
	}
	row := queueTable(p.Body)
	row = row[strings.Index(row, `<td class="c-id">`+fresh):]
	row = row[:strings.Index(row, "</tr>")]
	for _, want := range []string{`class="title" href="/incidents/` + fresh + `?from=`, `title="truePositive / malware">True positive: Malware`,
		`<a class="tag" href="/incidents?customTags=VIP&amp;status=">VIP</a>`, "Board &lt;exec&gt; mailbox", `title="active">Active`} {
		if !strings.Contains(row, want) {
			t.Errorf("the row lacks %q:\n%s", want, row)
		}
	}
	if strings.Contains(p.Body, "<exec>") {
		t.Error("a tag is not escaped")
	}
	// The count heads the page and the range ("1–25 of N").
	total := webtest.Section(t, p.Body, "incident-total", "span")
	rng := webtest.Section(t, p.Body, "incident-count", "span")
	if !strings.Contains(rng, "1–") || !strings.Contains(rng, " of ") || !strings.Contains(total, ">") {
		t.Errorf("count %q, range %q", total, rng)
	}
	// The navigation marks Incidents.
	if !strings.Contains(p.Body, `<a href="/incidents" aria-current="page">Incidents</a>`) {
		t.Error("the navigation does not mark Incidents")
	}
	// status= is every status: no status in the filter, no chip.
	h.Graph.Reset()
	all := h.Get(b, "/incidents?status=")
	if f := graphQuery(t, h).Get("$filter"); f != "" || strings.Contains(all.Body, "chip default") {
		t.Errorf("every status: $filter %q", f)
	}
}

// Every filter is a GET parameter named after the property it filters,
// and reaches Graph as the $filter the docs allow; the chips say what is
// set and remove one value at a time.
func TestIncidentQueueFilters(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	op := h.User("Security Operator")
	b, _ := h.SignIn(op, "/incidents")
	query := "severity=high&severity=medium&status=resolved&classification=truePositive&determination=malware&assignedTo=amy%40contoso.com" +
		"&createdFrom=2026-11-01&createdTo=2026-11-30&updatedFrom=2026-11-02&updatedTo=2026-12-01&sort=severity+asc&top=10"
	h.Graph.Reset()
	p := h.Get(b, "/incidents?"+query)
	if p.Status != http.StatusOK {
		t.Fatalf("%d\n%s", p.Status, p.Body)
	}
	q := graphQuery(t, h)
	want := "severity in ('high','medium') and status eq 'resolved' and classification eq 'truePositive' and determination eq 'malware' and assignedTo eq 'amy@contoso.com'" +
		" and createdDateTime ge 2026-11-01T00:00:00Z and createdDateTime lt 2026-12-01T00:00:00Z and lastUpdateDateTime ge 2026-11-02T00:00:00Z and lastUpdateDateTime lt 2026-12-02T00:00:00Z"
	if got := q.Get("$filter"); got != want {
		t.Errorf("$filter\n%s\nwant\n%s", got, want)
	}
	if q.Get("$orderby") != "severity asc" || q.Get("$top") != "10" {
		t.Errorf("query %v", q)
	}
	chips := html.UnescapeString(webtest.Section(t, p.Body, "chips", "ul"))
	for _, want := range []string{"Resolved", "High", "Medium", "True positive", "Malware", "amy@contoso.com", "2026-11-01", "2026-12-01"} {
		if !strings.Contains(chips, want) {
			t.Errorf("chips lack %q", want)
		}
	}
	if strings.Contains(chips, "chip default") {
		t.Error("a status the URL names is marked as the default")
	}
	// × on the last status is every status, not the default again.
	if !strings.Contains(chips, `href="/incidents?assignedTo=amy%40contoso.com&classification=truePositive&createdFrom=2026-11-01&createdTo=2026-11-30&determination=malware&severity=high&severity=medium&sort=severity+asc&status=&top=10&updatedFrom=2026-11-02&updatedTo=2026-12-01"`) {
		t.Errorf("the Resolved chip's × does not keep the other filters:\n%s", chips)
	}
	// The sorted column says so, and sorts the other way.
	h.RaiseAlert(map[string]any{"severity": "high"})
	sorted := h.Get(b, "/incidents?sort=severity+asc")
	if body := html.UnescapeString(sorted.Body); !strings.Contains(body, `class="c-sev" aria-sort="ascending"><a href="/incidents?`) || !strings.Contains(body, "sort=severity+desc") {
		t.Errorf("the severity column does not show its sort:\n%s", webtest.Section(t, sorted.Body, "incidents", "tbody"))
	}

	// Assigned to me is the user's principal name.
	h.Graph.Reset()
	h.Get(b, "/incidents?assignedToMe=1")
	if got := graphQuery(t, h).Get("$filter"); got != "status in ('active','inProgress') and assignedTo eq '"+h.UPN(op)+"'" {
		t.Errorf("assigned to me: %q", got)
	}
	// Every sort the emulator's model offers, both ways.
	for _, prop := range []string{"id", "displayName", "severity", "status", "priorityScore", "createdDateTime", "lastUpdateDateTime"} {
		for _, dir := range []string{"asc", "desc"} {
			h.Graph.Reset()
			if p := h.Get(b, "/incidents?sort="+url.QueryEscape(prop+" "+dir)); p.Status != http.StatusOK || graphQuery(t, h).Get("$orderby") != prop+" "+dir {
				t.Errorf("sort %s %s: %d", prop, dir, p.Status)
			}
		}
	}
}

// Each mistake is explained next to its field, the other filters stay as
// entered, and nothing is sent to Graph.
func TestIncidentQueueBadInput(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	b, _ := h.SignIn(h.User("Security Reader"), "/incidents")
	tests := []struct {
		name, query, field, want string
	}{
		{"an alert's status", "status=new", "status", `"new" is not a Status`},
		{"unknown status", "status=closed", "status", `"closed" is not a Status`},
		{"unknown severity", "severity=catastrophic", "severity", `"catastrophic" is not a Severity`},
		{"unknown classification", "classification=maybe", "classification", `"maybe" is not a Classification`},
		{"unknown determination", "determination=aliens", "determination", `"aliens" is not a Determination`},
		{"top zero", "top=0", "top", "from 1 to 50"},
		{"top above Graph's limit", "top=51", "top", "from 1 to 50"},
		{"top not a number", "top=all", "top", "from 1 to 50"},
		{"malformed date", "createdFrom=yesterday", "createdFrom", "a date like 2026-11-27"},
		{"impossible date", "updatedTo=2026-02-30", "updatedTo", "a date like 2026-11-27"},
		{"created range reversed", "createdFrom=2026-02-01&createdTo=2026-01-01", "createdTo", `before "Created from" (2026-02-01): no incident`},
		{"updated range reversed", "updatedFrom=2026-03-10&updatedTo=2026-03-09", "updatedTo", `before "Updated from" (2026-03-10)`},
		{"sort without direction", "sort=severity", "sort", "not a sort order"},
		{"sort Graph does not offer", "sort=assignedTo+asc", "sort", "not a sort order"},
		{"an alert's sort", "sort=title+asc", "sort", "not a sort order"},
		{"tag too long", "customTags=" + strings.Repeat("x", 70), "customTags", "too long"},
		{"too many tags", "systemTags=" + strings.Join([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, "&systemTags="), "systemTags", "at most 10 values"},
		{"control character", "q=a%01b", "q", "control character"},
		{"long assignee", "assignedTo=" + strings.Repeat("x", 300), "assignedTo", "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.Graph.Reset()
			p := h.Get(b, "/incidents?"+tt.query+"&severity=high")
			if p.Status != http.StatusBadRequest {
				t.Fatalf("%d, want 400\n%s", p.Status, p.Body)
			}
			msg := webtest.Section(t, p.Body, "error-"+tt.field, "small")
			if !strings.Contains(html.UnescapeString(msg), tt.want) {
				t.Errorf("the %s field says %q, want %q", tt.field, msg, tt.want)
			}
			for _, want := range []string{`id="filter-errors"`, `<form class="filters"`, `name="severity" value="high" checked`, `<nav class="main"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if queueTable(p.Body) != "" || strings.Contains(p.Body, "No incidents match") {
				t.Error("the page shows results for filters it refused")
			}
			if got := h.Graph.Requests("/security/incidents"); len(got) != 0 {
				t.Errorf("filters with a mistake reached Graph: %v", got)
			}
		})
	}
}

// Paging within Graph's 50: "26–50 of N", previous and next by page
// tokens; a page link graphsec does not know shows the first page and
// says so.
func TestIncidentQueuePaging(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	for range 60 {
		h.RaiseAlert(map[string]any{"title": "Wave", "severity": "low"})
	}
	b, p := h.SignIn(h.User("Security Reader"), "/incidents?severity=low&status=active")
	total := len(incidentIDs(p.Body))
	if total != 25 || !strings.Contains(p.Body, "1–25 of ") {
		t.Fatalf("first page: %d rows\n%s", total, webtest.Section(t, p.Body, "incident-count", "span"))
	}
	next := webtest.Section(t, p.Body, "incident-count", "nav")
	i := strings.Index(next, `rel="next"`)
	href := html.UnescapeString(next[strings.LastIndex(next[:i], `href="`)+6 : i-2])
	if !strings.Contains(href, "page=") || strings.Contains(href, "skip") || strings.Contains(href, "$") {
		t.Fatalf("the next link is not a page token: %s", href)
	}
	p2 := h.Get(b, href)
	if !strings.Contains(p2.Body, ">26–50 of ") || len(incidentIDs(p2.Body)) != 25 {
		t.Errorf("page 2:\n%s", webtest.Section(t, p2.Body, "incident-count", "span"))
	}
	if slices.Contains(incidentIDs(p2.Body), incidentIDs(p.Body)[0]) {
		t.Error("page 2 repeats page 1")
	}
	if !strings.Contains(p2.Body, `rel="prev"`) || !strings.Contains(p2.Body, `title="First page">«</a>`) {
		t.Error("page 2 has no way back")
	}
	// top above 50 is refused (above); top=50 asks Graph for 50.
	h.Graph.Reset()
	if p := h.Get(b, "/incidents?severity=low&status=active&top=50"); len(incidentIDs(p.Body)) != 50 || graphQuery(t, h).Get("$top") != "50" {
		t.Errorf("top=50: %d rows", len(incidentIDs(p.Body)))
	}
	// A page token graphsec does not know.
	stale := h.Get(b, "/incidents?severity=low&status=active&page=AAAAAAAAAAAAAAAAAAAAAA")
	if stale.Status != http.StatusOK || !strings.Contains(stale.Body, `id="stale-page"`) || !strings.Contains(stale.Body, "1–25 of ") {
		t.Errorf("stale token: %d", stale.Status)
	}
	if junk := h.Get(b, "/incidents?page=%27%3B--"); junk.Status != http.StatusOK || !strings.Contains(junk.Body, `id="stale-page"`) {
		t.Errorf("junk token: %d", junk.Status)
	}
}

// Graph cannot filter incidents by tag or name: graphsec filters the pages
// Graph returns, says so, and shows no count it does not have.
func TestIncidentQueueTagsAndSearchAreLocal(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 30}})
	_, vip := h.RaiseAlert(map[string]any{"title": "Payroll fraud attempt"})
	patchIncident(t, h, vip, tags("VIP"))
	b, _ := h.SignIn(h.User("Security Reader"), "/incidents")
	h.Graph.Reset()
	p := h.Get(b, "/incidents?customTags=vip&status=")
	if ids := incidentIDs(p.Body); !slices.Contains(ids, vip) {
		t.Errorf("the VIP incident is not listed: %v", ids)
	}
	for _, id := range incidentIDs(p.Body) {
		if !strings.Contains(stored(t, h, id, "customTags"), "VIP") {
			t.Errorf("incident %s has no VIP tag", id)
		}
	}
	q := graphQuery(t, h)
	if strings.Contains(q.Get("$filter"), "Tags") || q.Get("$count") != "" {
		t.Errorf("a tag reached Graph: %v", q)
	}
	if !strings.Contains(p.Body, `id="local-filter"`) || !strings.Contains(p.Body, "Graph cannot filter incidents by tag") || strings.Contains(p.Body, `id="incident-total"`) {
		t.Error("the page does not say graphsec filtered itself")
	}
	// A system tag of a generated incident.
	var sys string
	for _, id := range incidentIDs(h.Get(b, "/incidents?status=&top=50").Body) {
		if doc, _ := h.Emu.Store().Incident(id); doc != nil {
			if tags, _ := doc["systemTags"].([]any); len(tags) > 0 {
				sys = tags[0].(string)
				break
			}
		}
	}
	if sys != "" {
		if p := h.Get(b, "/incidents?status=&systemTags="+url.QueryEscape(sys)); len(incidentIDs(p.Body)) == 0 {
			t.Errorf("no incident with system tag %q", sys)
		}
	}
	// Words search names; an id opens the incident, keeping the view.
	if p := h.Get(b, "/incidents?status=&q=payroll+FRAUD"); !slices.Equal(incidentIDs(p.Body), []string{vip}) {
		t.Errorf("search by name: %v", incidentIDs(p.Body))
	}
	byID := h.Get(b, "/incidents?status=&severity=high&q="+vip)
	if byID.URL.Path != "/incidents/"+vip || !strings.Contains(byID.URL.RawQuery, "from=severity%3Dhigh%26status%3D") {
		t.Errorf("search by id went to %s", byID.URL)
	}
}

// A user without a security role gets the page that says which role to
// ask for; Graph's refusal is explained the same way.
func TestIncidentQueueNoAccess(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	b, _ := h.SignIn(h.User(""), "/consent")
	p := h.Get(b, "/incidents")
	if !strings.Contains(p.Body, `id="no-access"`) || strings.Contains(p.Body, `id="incidents"`) {
		t.Errorf("no role: %d\n%s", p.Status, p.Body)
	}
}
