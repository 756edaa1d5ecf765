package incidents_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestIncidentPage(t *testing.T) {
	h := webtest.New(t)
	first, incident := h.RaiseAlert(map[string]any{"title": "Stage one", "severity": "medium"})
	second, _ := h.RaiseAlert(map[string]any{"title": "Stage two", "severity": "high", "incidentId": incident})
	op := h.User("Security Operator")
	v2CommentIncident(t, h, incident, h.UPN(op), "Escalated to tier 2")
	patchIncident(t, h, incident, tags("VIP"))

	b, p := h.SignIn(h.User("Security Reader"), "/alerts/"+url.PathEscape(first))
	if !strings.Contains(p.Body, `href="/incidents/`+incident+`"`) {
		t.Fatal("the alert does not link its incident")
	}
	h.Graph.Reset()
	inc := h.Get(b, "/incidents/"+incident)
	if inc.Status != http.StatusOK {
		t.Fatalf("incident: %d\n%s", inc.Status, inc.Body)
	}
	table := webtest.Section(t, inc.Body, "alerts", "table")
	for _, want := range []string{`href="/alerts/` + first + `"`, `href="/alerts/` + second + `"`, "Stage one", "Stage two"} {
		if !strings.Contains(table, want) {
			t.Errorf("the alerts table lacks %q", want)
		}
	}
	for _, want := range []string{
		`Incident <code class="crumb-id">` + incident + "</code>", `id="incident-title"`, "Escalated to tier 2", h.UPN(op),
		"/v1.0/security/incidents/" + incident + "<", "/v1.0/security/incidents/" + incident + "/alerts?$top=50<",
		"<dt>Custom tags</dt>", `<a class="tag" href="/incidents?customTags=VIP&amp;status=">VIP</a>`, "<dt>System tags</dt>",
		"<dt>Created</dt>", "<dt>Last update</dt>", `id="raw-json"`, "2 alerts",
		// An incident's severity follows its worst alert.
		`sev sev-high`,
	} {
		if !strings.Contains(inc.Body, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	// Its alerts are read with /incidents/{id}/alerts, never $expand.
	for _, u := range h.Graph.Requests("") {
		if u.Query().Get("$expand") != "" {
			t.Errorf("$expand sent: %s", u)
		}
	}
	if len(h.Graph.Requests("/security/incidents/"+incident+"/alerts")) != 1 {
		t.Error("the alerts were not read with /incidents/{id}/alerts")
	}
	// Against the embedded emulator, no link to the Defender portal (it
	// would lead nowhere).
	if strings.Contains(inc.Body, `href="https://security.microsoft.com/incidents/`) || strings.Contains(inc.Body, `id="portal-link"`) {
		t.Error("the demo links the Defender portal")
	}
	// A reader sees the values and the role that could change them, no
	// form.
	if !strings.Contains(inc.Body, `id="read-only"`) || strings.Contains(inc.Body, `id="update-form"`) || !strings.Contains(inc.Body, "Security Reader") {
		t.Error("a reader is offered a form")
	}

	// Assigning the alert shows on the incident's table.
	ob, opPage := h.SignIn(op, "/alerts/"+url.PathEscape(second))
	if res := h.Post(ob, "/alerts/"+url.PathEscape(second), webtest.CSRF(t, opPage), url.Values{"assignToMe": {"1"}}); res.Status != http.StatusOK {
		t.Fatalf("assign: %d", res.Status)
	}
	inc = h.Get(b, "/incidents/"+incident)
	if !strings.Contains(webtest.Section(t, inc.Body, "alerts", "table"), ">"+h.UPN(op)+"</td>") {
		t.Error("the incident's alerts do not show the new assignee")
	}
}

// The users and devices of the alerts' evidence, each once, with how many
// alerts name it, linked to the alert queue filtered on it.
func TestIncidentAffectedAssets(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	ev := webtest.Evidence
	user := func(upn, name string) map[string]any {
		return ev("userEvidence", map[string]any{"userAccount": map[string]any{"accountName": name, "domainName": "CONTOSO", "userPrincipalName": upn, "displayName": "Jane <b>Doe</b>"}})
	}
	device := func(dns string) map[string]any {
		return ev("deviceEvidence", map[string]any{"deviceDnsName": dns, "osPlatform": "Windows11"})
	}
	_, incident := h.RaiseAlert(map[string]any{"evidence": []any{user("jdoe@contoso.com", "jdoe"), device("pc17.contoso.com")}})
	h.RaiseAlert(map[string]any{"incidentId": incident, "evidence": []any{user("JDoe@contoso.com", "jdoe"), user("", "svc"), device("dc01.contoso.com"), device("pc17.contoso.com")}})
	b, _ := h.SignIn(h.User("Security Reader"), "/incidents")
	p := h.Get(b, "/incidents/"+incident)
	users := webtest.Section(t, p.Body, "users", "ul")
	devices := webtest.Section(t, p.Body, "devices", "ul")
	if strings.Count(users, "<li>") != 2 || strings.Count(devices, "<li>") != 2 {
		t.Fatalf("assets not gathered once each:\n%s\n%s", users, devices)
	}
	for _, want := range []string{`href="/alerts?status=&amp;user=jdoe%40contoso.com"`, `title="2 alerts">2</span>`, `contoso\svc`, "jane &lt;b&gt;doe&lt;/b&gt;"} {
		if !strings.Contains(strings.ToLower(users), want) {
			t.Errorf("users lack %q:\n%s", want, users)
		}
	}
	for _, want := range []string{`href="/alerts?device=pc17.contoso.com&amp;status="`, `href="/alerts?device=dc01.contoso.com&amp;status="`, "Windows11"} {
		if !strings.Contains(devices, want) {
			t.Errorf("devices lack %q:\n%s", want, devices)
		}
	}
	// The most named first.
	if strings.Index(devices, "pc17") > strings.Index(devices, "dc01") {
		t.Error("devices are not ordered by how many alerts name them")
	}
	// The pivot lists the alerts that name the user.
	pivot := h.Get(b, "/alerts?status=&user=JDoe%40contoso.com")
	if strings.Count(pivot.Body, `class="title" href="/alerts/`) != 2 {
		t.Errorf("the user's pivot lists %d alerts", strings.Count(pivot.Body, `class="title" href="/alerts/`))
	}
}

// A merged incident says where it went, links there, and offers no form
// (Graph keeps it as it was); a change sent anyway is refused.
func TestIncidentMergedRedirectNotice(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	_, survivor := h.RaiseAlert(map[string]any{"title": "Survivor"})
	alert, merged := h.RaiseAlert(map[string]any{"title": "Merged away"})
	if status, body := h.Ctl(http.MethodPost, "/_emulator/incidents/"+merged+"/merge", map[string]any{"into": survivor}); status != http.StatusOK {
		t.Fatalf("merge: %d %s", status, body)
	}
	b, p := h.SignIn(h.User("Security Operator"), "/incidents/"+merged)
	if p.Status != http.StatusOK {
		t.Fatalf("%d", p.Status)
	}
	notice := webtest.Section(t, p.Body, "redirected", "div")
	for _, want := range []string{"Merged into incident " + survivor, `href="/incidents/` + survivor + `"`, "Open incident " + survivor} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	if strings.Contains(p.Body, `id="update-form"`) || !strings.Contains(p.Body, `id="closed"`) || !strings.Contains(p.Body, `title="redirected">Redirected (merged)`) {
		t.Error("a merged incident offers its form")
	}
	// Its alert lives in the survivor now.
	if s := h.Get(b, "/incidents/"+survivor); !strings.Contains(webtest.Section(t, s.Body, "alerts", "table"), `href="/alerts/`+alert+`"`) {
		t.Error("the survivor does not list the merged alert")
	}
	// The queue shows where it went.
	if q := h.Get(b, "/incidents?status=redirected"); !strings.Contains(queueTable(q.Body), "→ "+survivor) {
		t.Error("the queue does not say where a merged incident went")
	}
	form := webtest.FormFields(t, h.Get(b, "/incidents/"+survivor), "/incidents/"+survivor)
	form.Set("status", "resolved")
	res := h.Post(b, "/incidents/"+merged, "", form)
	if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "was merged into incident "+survivor) {
		t.Errorf("a change of a merged incident: %d\n%s", res.Status, res.Body)
	}
	if stored(t, h, merged, "status") != "redirected" {
		t.Error("the merged incident changed")
	}
}

func TestIncidentPageErrors(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	_, incident := h.RaiseAlert(map[string]any{})
	// An employee without a security role: Graph refuses, and the page says
	// so with Graph's code.
	nobody, _ := h.SignIn(h.User(""), "/consent")
	if p := h.Get(nobody, "/incidents/"+incident); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Forbidden") {
		t.Errorf("incident for a user without a role: %d\n%s", p.Status, p.Body)
	}
	b, _ := h.SignIn(h.User("Security Reader"), "/incidents")
	if p := h.Get(b, "/incidents/999999999"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Incident not found") {
		t.Errorf("unknown incident: %d", p.Status)
	}
	if p := h.Get(b, "/incidents/"+strings.Repeat("9", 600)); p.Status != http.StatusBadRequest {
		t.Errorf("an id too long: %d", p.Status)
	}
	// The alerts fail, the incident stands: the error is in the alerts
	// section.
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "path": "/security/incidents/" + incident + "/alerts", "status": 500, "count": 5})
	p := h.Get(b, "/incidents/"+incident)
	if p.Status != http.StatusOK || !strings.Contains(webtest.Section(t, p.Body, "alerts-error", "div"), "Microsoft Graph failed") || !strings.Contains(p.Body, `id="incident-title"`) {
		t.Errorf("alerts failing: %d\n%s", p.Status, p.Body)
	}
	h.Ctl(http.MethodDelete, "/_emulator/faults", nil)
}

// An incident with more alerts than one page of the incidents API (50)
// shows them all, read 50 at a time: the console never sends a $top the
// service refuses.
func TestIncidentPageManyAlerts(t *testing.T) {
	h := webtest.New(t)
	_, incident := h.RaiseAlert(map[string]any{"title": "Wave 0"})
	for i := 1; i < 61; i++ {
		h.RaiseAlert(map[string]any{"title": "Wave", "incidentId": incident})
	}
	b, _ := h.SignIn(h.User("Security Reader"), "/")
	inc := h.Get(b, "/incidents/"+incident)
	if inc.Status != http.StatusOK {
		t.Fatalf("incident: %d\n%s", inc.Status, inc.Body)
	}
	table := webtest.Section(t, inc.Body, "alerts", "table")
	if n := strings.Count(table, `href="/alerts/`); n != 61 {
		t.Errorf("the alerts table links %d alerts, want 61", n)
	}
	if strings.Contains(inc.Body, "$top=100") || strings.Count(inc.Body, "/alerts?$top=50") != 2 || !strings.Contains(inc.Body, "$top=50&amp;$skip=50") {
		t.Errorf("the requests shown are not two pages of 50:\n%s", inc.Body)
	}
}

// Opened from the queue, the page knows its view: the breadcrumb goes back
// to it with its filters, previous and next step through it.
func TestIncidentKeepsItsQueue(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	for range 4 {
		h.RaiseAlert(map[string]any{"severity": "medium", "title": "In the view"})
	}
	b, q := h.SignIn(h.User("Security Reader"), "/incidents?severity=medium&top=2")
	ids := incidentIDs(q.Body)
	if len(ids) != 2 {
		t.Fatalf("queue: %v", ids)
	}
	p := h.Get(b, "/incidents/"+ids[0]+"?"+url.Values{"from": {"severity=medium&status=active&status=inProgress&top=2"}, "i": {"0"}, "n": {"4"}}.Encode())
	if !strings.Contains(p.Body, `id="back-to-queue" aria-keyshortcuts="u">Incidents</a> <span class="muted crumb-filters">(Active, In progress, Medium)</span>`) {
		t.Errorf("the breadcrumb:\n%s", webtest.Section(t, p.Body, "back-to-queue", "nav"))
	}
	if !strings.Contains(p.Body, "Incident 1 of 4") || strings.Contains(p.Body, `id="prev-incident"`) {
		t.Error("the first of the view has a previous one, or no position")
	}
	// Next, across the queue's pages, to the last.
	seen := []string{ids[0]}
	for range 3 {
		next := webtest.Section(t, p.Body, "next-incident", "a")
		href := strings.ReplaceAll(next[strings.Index(next, `href="`)+6:strings.Index(next, `" rel`)], "&amp;", "&")
		p = h.Get(b, href)
		seen = append(seen, p.URL.Path[len("/incidents/"):])
	}
	if !strings.Contains(p.Body, "Incident 4 of 4") || strings.Contains(p.Body, `id="next-incident"`) {
		t.Errorf("the last of the view: %v", seen)
	}
	for i, a := range seen {
		for _, c := range seen[i+1:] {
			if a == c {
				t.Errorf("next repeats %s: %v", a, seen)
			}
		}
	}
	// A from= that is not a queue view gives the queue alone.
	for _, from := range []string{"severity=bogus", "%zz", "top=99"} {
		p := h.Get(b, "/incidents/"+ids[0]+"?from="+url.QueryEscape(from))
		if !strings.Contains(p.Body, `<a href="/incidents" id="back-to-queue"`) {
			t.Errorf("from=%q gives another way back", from)
		}
	}
}
