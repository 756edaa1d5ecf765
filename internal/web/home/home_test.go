package home_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

var number = regexp.MustCompile(`<span class="n">([0-9,]+)</span>`)

// The home page's numbers are the incident queue's: each links to the
// queue view whose total it is. The lists are the user's and the newest
// high-severity alerts, each linked within its queue view. Seven Graph
// calls, made at once.
func TestHomePanels(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 120}})
	op := h.User("Security Operator")
	upn := h.UPN(op)
	mine, _ := h.RaiseAlert(map[string]any{"title": "Mine to look at", "severity": "low", "assignedTo": upn})
	_, myIncident := h.RaiseAlert(map[string]any{"title": "My incident", "severity": "medium"})
	patchIncident(t, h, myIncident, upn)
	high, _ := h.RaiseAlert(map[string]any{"title": "Brand new and high", "severity": "high"})
	b, _ := h.SignIn(op, "/alerts")
	h.Graph.Reset()
	p := h.Get(b, "/")
	if p.Status != http.StatusOK {
		t.Fatalf("home: %d\n%s", p.Status, p.Body)
	}
	if n := len(h.Graph.Requests("/security/incidents")) + len(h.Graph.Requests("/security/alerts_v2")); n != 7 || len(h.Graph.Requests("")) != 7 {
		t.Errorf("%d Graph calls (%v), want 7", len(h.Graph.Requests("")), h.Graph.Requests(""))
	}
	for _, u := range h.Graph.Requests("/security/incidents") {
		if q := u.Query(); q.Get("$count") != "true" || !strings.Contains(q.Get("$filter"), "status in ('active','inProgress')") {
			t.Errorf("an incident question without its count or the queue's statuses: %s", u)
		}
	}
	// Each severity's number is the total of the queue it links to.
	open := webtest.Section(t, p.Body, "open-incidents", "section")
	for _, sev := range []string{"high", "medium", "low", "informational"} {
		tile := webtest.Section(t, open, "open-"+sev, "a")
		if !strings.Contains(open, `href="/incidents?severity=`+sev+`" id="open-`+sev+`"`) {
			t.Errorf("the %s count does not link its queue:\n%s", sev, open)
		}
		m := number.FindStringSubmatch(tile + "</a>")
		if m == nil {
			t.Fatalf("no %s count:\n%s", sev, tile)
		}
		q := h.Get(b, "/incidents?severity="+sev)
		total := "0"
		if strings.Contains(q.Body, `id="incident-total"`) {
			total = webtest.Section(t, q.Body, "incident-total", "span")
			total = total[strings.LastIndex(total, ">")+1:]
		}
		if m[1] != total {
			t.Errorf("%s: home says %s, the queue %s", sev, m[1], total)
		}
	}
	for _, tt := range []struct{ panel, want, link string }{
		{"my-incidents", "My incident", `href="/incidents?assignedToMe=1"`},
		{"my-alerts", "Mine to look at", `href="/alerts?assignedToMe=1"`},
		{"high-alerts", "Brand new and high", `href="/alerts?severity=high"`},
	} {
		panel := webtest.Section(t, p.Body, tt.panel, "section")
		if !strings.Contains(panel, tt.want) || !strings.Contains(panel, tt.link) {
			t.Errorf("panel %s lacks %q or %s:\n%s", tt.panel, tt.want, tt.link, panel)
		}
	}
	// An item opens within its view: its page steps through the panel's
	// queue view.
	myAlerts := html.UnescapeString(webtest.Section(t, p.Body, "my-alerts", "section"))
	i := strings.Index(myAlerts, `href="/alerts/`+mine+"?")
	if i < 0 {
		t.Fatalf("my alert is not linked within its view:\n%s", myAlerts)
	}
	href := myAlerts[i+6 : i+6+strings.Index(myAlerts[i+6:], `"`)]
	a := h.Get(b, href)
	if !strings.Contains(a.Body, `id="back-to-queue" aria-keyshortcuts="u">Alerts</a> <span class="muted crumb-filters">(New, In progress, Assigned to me)</span>`) {
		t.Errorf("the alert does not know its view:\n%s", webtest.Section(t, a.Body, "back-to-queue", "nav"))
	}
	if !strings.Contains(webtest.Section(t, p.Body, "high-alerts", "section"), `href="/alerts/`+high+`?`) {
		t.Error("the newest high alert is not first")
	}
}

// An error in one panel shows in that panel only.
func TestHomePanelError(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 40}})
	b, _ := h.SignIn(h.User("Security Operator"), "/alerts")
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "path": "/security/alerts_v2", "status": 500, "count": 10})
	p := h.Get(b, "/")
	h.Ctl(http.MethodDelete, "/_emulator/faults", nil)
	if p.Status != http.StatusOK {
		t.Fatalf("%d", p.Status)
	}
	for _, id := range []string{"my-alerts", "high-alerts"} {
		if !strings.Contains(webtest.Section(t, p.Body, id, "section"), "Microsoft Graph failed") {
			t.Errorf("panel %s does not show the error", id)
		}
	}
	for _, id := range []string{"open-incidents", "my-incidents"} {
		if strings.Contains(webtest.Section(t, p.Body, id, "section"), "notice error") {
			t.Errorf("panel %s shows an error", id)
		}
	}
	if !number.MatchString(webtest.Section(t, p.Body, "open-incidents", "section")) {
		t.Error("the counts are missing")
	}
}

// A user without a security role keeps the page that says what to ask
// for; so does a user Graph refuses everything.
func TestHomeNoAccess(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	b, p := h.SignIn(h.User(""), "/")
	if !strings.Contains(p.Body, `id="no-access"`) || strings.Contains(p.Body, `id="open-incidents"`) {
		t.Errorf("no role: %d\n%s", p.Status, p.Body)
	}
	if len(h.Graph.Requests("/security/incidents")) != 0 {
		t.Error("the home page asked Graph for a user without a role")
	}
	_ = b
}

// patchIncident assigns an incident through Graph, as another analyst
// would.
func patchIncident(t *testing.T, h *webtest.Harness, id, upn string) {
	t.Helper()
	if _, _, err := h.GraphAs(upn).Incidents.Update(context.Background(), id, graph.IncidentUpdate{AssignedTo: graph.Some(upn)}); err != nil {
		t.Fatal(err)
	}
}
