package incidents_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

// v2CommentIncident adds a comment to an incident through Graph, as
// another analyst (in the Defender portal) would.
func v2CommentIncident(t *testing.T, h *webtest.Harness, incident, upn, text string) {
	t.Helper()
	tok, err := h.Emu.UserToken(upn, "SecurityIncident.ReadWrite.All")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, h.Emu.URL()+"/v1.0/security/incidents/"+url.PathEscape(incident)+"/comments",
		strings.NewReader(`{"@odata.type":"microsoft.graph.security.alertComment","comment":"`+text+`"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("commenting on incident %s: %d", incident, res.StatusCode)
	}
}

func TestIncidentPage(t *testing.T) {
	h := webtest.New(t)
	first, incident := h.RaiseAlert(map[string]any{"title": "Stage one", "severity": "medium"})
	second, _ := h.RaiseAlert(map[string]any{"title": "Stage two", "severity": "high", "incidentId": incident})
	op := h.User("Security Operator")
	v2CommentIncident(t, h, incident, h.UPN(op), "Escalated to tier 2")

	b, p := h.SignIn(h.User("Security Reader"), "/alerts/"+url.PathEscape(first))
	if !strings.Contains(p.Body, `href="/incidents/`+incident+`"`) {
		t.Fatal("the alert does not link its incident")
	}
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
		"<dt>Tags</dt>", "<dt>Created</dt>", "<dt>Last update</dt>",
		// An incident's severity follows its worst alert.
		`sev sev-high`,
	} {
		if !strings.Contains(inc.Body, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	// Against the embedded emulator, no link to the Defender portal (it
	// would lead nowhere).
	if strings.Contains(inc.Body, `href="https://security.microsoft.com/incidents/`) {
		t.Error("the demo links the Defender portal")
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

func TestIncidentPageNeedsPermission(t *testing.T) {
	h := webtest.New(t)
	_, incident := h.RaiseAlert(map[string]any{})
	// An employee without a security role: Graph refuses, and the page says
	// so with Graph's code.
	b, _ := h.SignIn(h.User(""), "/consent")
	p := h.Get(b, "/incidents/"+incident)
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Forbidden") {
		t.Errorf("incident for a user without a role: %d\n%s", p.Status, p.Body)
	}
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
