package score_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// historyRows counts the rows of a control's history table.
func historyRows(body string) int {
	i := strings.Index(body, `id="history-table"`)
	if i < 0 {
		return 0
	}
	return strings.Count(body[i:i+strings.Index(body[i:], "</table>")], "<tr") - 1
}

func TestSetControlState(t *testing.T) {
	h := webtest.New(t)
	op := h.User("Security Operator")
	const path = "/securescore/profiles/AdminMFAV2"
	b, p := h.SignIn(op, path)
	if p.Status != http.StatusOK {
		t.Fatalf("%s: %d", path, p.Status)
	}
	i18n.AssertNoMarkers(t, p.Body)
	before := historyRows(p.Body)
	// Remediation is Graph's HTML shown as text: no markup from Graph.
	rem := webtest.Section(t, p.Body, "remediation-text", "p")
	if strings.Contains(rem, "<b>") || strings.Contains(rem, "&lt;b&gt;") || !strings.Contains(rem, "1. Go to the Microsoft Entra admin center (https://entra.microsoft.com/") {
		t.Errorf("the remediation is not plain text:\n%s", rem)
	}
	form := webtest.FormFields(t, p, path)
	form.Set("state", "ThirdParty")
	form.Set("assignedTo", "secops@contoso.com")
	form.Set("comment", "Handled by our <third-party> MFA provider")
	h.Graph.Reset()
	res := h.Post(b, path, "", form)
	if res.Status != http.StatusOK || !strings.Contains(res.URL.RawQuery, "done=") {
		t.Fatalf("update: %d at %s\n%s", res.Status, res.URL, res.Body)
	}
	saved := webtest.Section(t, res.Body, "saved", "div")
	for _, want := range []string{"The control&#39;s state was saved.", `title="Default">Default</span> → <span class="to" title="ThirdParty">Third party`, "secops@contoso.com", "Handled by our &lt;third-party&gt; MFA provider"} {
		if !strings.Contains(saved, want) {
			t.Errorf("the result lacks %q:\n%s", want, saved)
		}
	}
	// The history grew by one, the new entry first and marked.
	if got := historyRows(res.Body); got != before+1 {
		t.Errorf("history has %d entries, %d before", got, before)
	}
	entry := webtest.Section(t, res.Body, "new-entry", "tr")
	for _, want := range []string{`title="ThirdParty">Third party`, "secops@contoso.com", "Handled by our &lt;third-party&gt; MFA provider", h.UPN(op)} {
		if !strings.Contains(entry, want) {
			t.Errorf("the new entry lacks %q:\n%s", want, entry)
		}
	}
	// What was sent: the three fields and the vendor information Graph
	// requires.
	body := `{"assignedTo":"secops@contoso.com","comment":"Handled by our \u003cthird-party\u003e MFA provider","state":"ThirdParty","vendorInformation":{"provider":"SecureScore","providerVersion":null,"subProvider":null,"vendor":"Microsoft"}}`
	if !strings.Contains(res.Body, html.EscapeString(body)) {
		t.Errorf("the PATCH body shown is not %s", body)
	}
	// The list shows the new state.
	list := h.Get(b, "/securescore?state=ThirdParty")
	if !strings.Contains(list.Body, `<tr data-id="AdminMFAV2">`) {
		t.Error("the list filtered on Third party lacks the control")
	}
	// Recorded in graphsec's activity log, shown on the page.
	act := webtest.Section(t, res.Body, "activity", "section")
	if !strings.Contains(act, "updated") || !strings.Contains(act, "Third party") {
		t.Errorf("the activity log:\n%s", act)
	}
}

func TestControlStateMistakes(t *testing.T) {
	h := webtest.New(t)
	const path = "/securescore/profiles/AdminMFAV2"
	b, p := h.SignIn(h.User("Security Operator"), path)
	for _, tc := range []struct {
		name                     string
		form                     url.Values
		field, want, keptComment string
	}{
		{"no state", url.Values{"comment": {"kept one"}}, "state", "Choose a state.", "kept one"},
		{"unknown state", url.Values{"state": {"Planned"}, "comment": {"kept two"}}, "state", "&#34;Planned&#34; is not a state", "kept two"},
		{"nothing to save", url.Values{"state": {"Default"}}, "state", "Nothing to save", ""},
		{"assignee too long", url.Values{"state": {"Reviewed"}, "assignedTo": {strings.Repeat("a", 257)}, "comment": {"kept three"}}, "assignedTo", "at most 256", "kept three"},
		{"assignee on two lines", url.Values{"state": {"Reviewed"}, "assignedTo": {"a\nb"}, "comment": {"kept four"}}, "assignedTo", "control", "kept four"},
		{"comment too long", url.Values{"state": {"Reviewed"}, "comment": {strings.Repeat("c", 10001)}}, "comment", "10,001", ""},
		{"comment not UTF-8", url.Values{"state": {"Reviewed"}, "comment": {"\xff"}}, "comment", "UTF-8", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := webtest.FormFields(t, p, path)
			for k, v := range tc.form {
				form[k] = v
			}
			res := h.Post(b, path, "", form)
			if res.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", res.Status)
			}
			msg := webtest.Section(t, res.Body, "error-"+tc.field, "small")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("the mistake says %q, want %q", msg, tc.want)
			}
			if tc.keptComment != "" && !strings.Contains(res.Body, tc.keptComment+"</textarea>") {
				t.Error("the comment was lost")
			}
			if historyRows(res.Body) != 0 {
				t.Error("the history grew despite the mistake")
			}
		})
	}
}

func TestControlReaderAndNotFound(t *testing.T) {
	h := webtest.New(t)
	const path = "/securescore/profiles/AdminMFAV2"
	b, p := h.SignIn(h.User("Security Reader"), path)
	if !strings.Contains(p.Body, `id="read-only"`) || strings.Contains(p.Body, `id="state-form"`) {
		t.Fatal("a reader is offered the form")
	}
	// A reader's post anyway: Graph refuses, the typed text stays.
	res := h.Post(b, path, webtest.CSRF(t, p), url.Values{"state": {"Ignored"}, "comment": {"reader's note"}})
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "reader&#39;s note</textarea>") || !strings.Contains(res.Body, `id="triage-error"`) {
		t.Errorf("a reader's update: %d", res.Status)
	}
	if historyRows(h.Get(b, path).Body) != 0 {
		t.Error("a reader changed the control")
	}
	if nf := h.Get(b, "/securescore/profiles/NoSuchControl"); nf.Status != http.StatusNotFound || !strings.Contains(nf.Body, "Control profile not found") {
		t.Errorf("an unknown control: %d", nf.Status)
	}
}
