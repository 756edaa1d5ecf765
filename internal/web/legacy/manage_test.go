package legacy_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// legacyUpdate posts the form on an alert's page and returns the answer.
func legacyUpdate(t *testing.T, h *webtest.Harness, b *emutest.Browser, id string, form url.Values) *emutest.Page {
	t.Helper()
	p := h.Get(b, "/legacy/alerts/"+url.PathEscape(id))
	legacyMustStatus(t, p, http.StatusOK)
	return h.Post(b, "/legacy/alerts/"+url.PathEscape(id), webtest.CSRF(t, p), form)
}

func TestLegacyUpdate(t *testing.T) {
	h := webtest.New(t)
	id := legacyInject(h, map[string]any{"title": "Update test", "category": "malware", "status": "newAlert",
		"vendorInformation": map[string]any{"provider": "ASC", "vendor": "Microsoft", "providerVersion": "3.0", "subProvider": "Detection"},
		"comments":          []string{"Earlier note"}})
	op := h.User("Security Operator")
	me := h.UPN(op)
	b, _ := h.SignIn(op, "/legacy/alerts")
	p := legacyUpdate(t, h, b, id, url.Values{"status": {"inProgress"}, "feedback": {"truePositive"}, "comment": {"Looked at it"}})
	legacyMustStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, "Legacy alert updated") || !strings.Contains(p.Body, "Graph answered HTTP 204") {
		t.Fatalf("after the update:\n%s", p.Body)
	}
	u := legacyREST(t, p, "patch")
	if u.Path != "/v1.0/security/alerts/"+id || !strings.Contains(p.Body, `<code class="method">PATCH</code>`) {
		t.Errorf("PATCH request shown: %s", u)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(legacyRESTBody(t, p, "patch")), &body); err != nil {
		t.Fatal(err)
	}
	wantBody := map[string]any{
		"assignedTo": me, "status": "inProgress", "feedback": "truePositive",
		"comments":          []any{"Earlier note", "Looked at it"},
		"vendorInformation": map[string]any{"provider": "ASC", "vendor": "Microsoft", "providerVersion": "3.0", "subProvider": "Detection"},
	}
	if got, _ := json.Marshal(body); string(got) != string(legacyJSON(wantBody)) {
		t.Errorf("PATCH body %s, want %s", got, legacyJSON(wantBody))
	}
	// Before and after, changed fields highlighted.
	for _, want := range []string{
		`<tr class="changed-row" data-prop="status"><th scope="row">Status</th><td class="changed" title="newAlert">New</td><td class="changed" title="inProgress">In progress`,
		`<tr class="changed-row" data-prop="feedback">`,
		`<tr class="changed-row" data-prop="assignedTo"><th scope="row">Assigned to</th><td class="changed"></td><td class="changed">` + me,
		`<tr class="changed-row" data-prop="comments"><th scope="row">Comments</th><td class="changed">Earlier note</td><td class="changed">Earlier note; Looked at it`,
		`<tr data-prop="title"><th scope="row">Title</th><td>Update test</td><td>Update test</td></tr>`,
		`<tr data-prop="provider"><th scope="row">Provider</th><td>ASC</td><td>ASC</td></tr>`,
		`href="/legacy/alerts/` + id + `"`,
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the comparison lacks %s", want)
		}
	}
	// The alert's page shows the change and graphsec's activity.
	d := h.Get(b, "/legacy/alerts/"+url.PathEscape(id))
	for _, want := range []string{`<dt class="prop-name">status</dt><dd title="inProgress">In progress</dd>`, `<dt class="prop-name">assignedTo</dt><dd>` + me, "Looked at it",
		`Status</span>: <span title="newAlert">New</span> → <span class="to" title="inProgress">In progress</span>`,
		`Feedback</span>: <span class="muted">none</span> → <span class="to" title="truePositive">True positive</span>`,
		`<span class="who">` + me + `</span> <span class="what">updated</span>`} {
		if !strings.Contains(html.UnescapeString(d.Body), html.UnescapeString(want)) {
			t.Errorf("the alert's page lacks %s", want)
		}
	}

	t.Run("keep current values", func(t *testing.T) {
		p := legacyUpdate(t, h, b, id, url.Values{})
		legacyMustStatus(t, p, http.StatusOK)
		var body map[string]any
		if err := json.Unmarshal([]byte(legacyRESTBody(t, p, "patch")), &body); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"status", "feedback", "comments"} {
			if _, ok := body[k]; ok {
				t.Errorf("an empty choice sent %s", k)
			}
		}
		if body["assignedTo"] != me || body["vendorInformation"] == nil {
			t.Errorf("body %v", body)
		}
		if strings.Contains(p.Body, "changed-row") {
			t.Error("nothing changed, yet a field is highlighted")
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, f := range []url.Values{
			{"status": {"closed"}}, {"feedback": {"maybe"}}, {"comment": {strings.Repeat("x", 1001)}}, {"status": {legacyScript}},
		} {
			p := legacyUpdate(t, h, b, id, f)
			legacyMustStatus(t, p, http.StatusBadRequest)
			if !strings.Contains(p.Body, `id="legacy-error"`) || strings.Contains(p.Body, legacyScript) {
				t.Errorf("%v:\n%s", f, p.Body)
			}
		}
	})
	t.Run("wrong CSRF token", func(t *testing.T) {
		p := h.Post(b, "/legacy/alerts/"+url.PathEscape(id), "forged", url.Values{"status": {"resolved"}})
		legacyMustStatus(t, p, http.StatusForbidden)
	})
	t.Run("unknown id", func(t *testing.T) {
		p := legacyUpdate(t, h, b, id, nil)
		legacyMustStatus(t, p, http.StatusOK)
		p = h.Post(b, "/legacy/alerts/no-such-alert", webtest.CSRF(t, p), url.Values{"status": {"resolved"}, "comment": {"keep me"}})
		legacyMustStatus(t, p, http.StatusNotFound)
		if !strings.Contains(p.Body, "No legacy alert with this ID") || !strings.Contains(p.Body, "keep me") ||
			!strings.Contains(p.Body, `<option value="resolved" selected>`) {
			t.Errorf("unknown id:\n%s", p.Body)
		}
	})
}

func legacyJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestLegacyManageByID(t *testing.T) {
	h := webtest.New(t)
	id := legacyInject(h, map[string]any{"title": "Manage test", "status": "newAlert", "vendorInformation": legacyVendor("Azure Sentinel")})
	op := h.User("Security Operator")
	b, p := h.SignIn(op, "/legacy/manage?id="+url.QueryEscape(id))
	legacyMustStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, `name="id" value="`+id+`"`) || !strings.Contains(p.Body, `action="/legacy/manage"`) {
		t.Fatalf("manage page:\n%s", p.Body)
	}
	csrf := webtest.CSRF(t, p)

	t.Run("unknown id keeps the form", func(t *testing.T) {
		p := h.Post(b, "/legacy/manage", csrf, url.Values{"id": {"0123-unknown"}, "status": {"resolved"}, "feedback": {"falsePositive"}, "comment": {"my words"}})
		legacyMustStatus(t, p, http.StatusNotFound)
		for _, want := range []string{"No legacy alert with this ID", "ResourceNotFound", `name="id" value="0123-unknown"`,
			`<option value="resolved" selected>`, `<option value="falsePositive" selected>`, ">my words</textarea>"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, tt := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"id": {""}}, "Enter the legacy alert ID"},
			{url.Values{"id": {strings.Repeat("a", 1025)}}, "longer than 1,024"},
			{url.Values{"id": {id}, "status": {"Closed"}}, `"Closed" is not a Status graphsec can set`},
			{url.Values{"id": {id}, "feedback": {"great"}}, `"great" is not a Feedback graphsec can set`},
		} {
			p := h.Post(b, "/legacy/manage", csrf, tt.form)
			legacyMustStatus(t, p, http.StatusBadRequest)
			if !strings.Contains(html.UnescapeString(p.Body), tt.want) {
				t.Errorf("%v: page lacks %q", tt.form, tt.want)
			}
		}
	})
	t.Run("update by id", func(t *testing.T) {
		p := h.Post(b, "/legacy/manage", csrf, url.Values{"id": {id}, "status": {"Resolved"}, "feedback": {"benignPositive"}, "comment": {"Closed after review"}})
		legacyMustStatus(t, p, http.StatusOK)
		if !strings.Contains(p.Body, `<th scope="row">Status</th><td class="changed" title="newAlert">New</td><td class="changed" title="resolved">Resolved`) ||
			!strings.Contains(p.Body, `<tr class="changed-row" data-prop="closedDateTime">`) {
			t.Errorf("comparison:\n%s", p.Body)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(legacyRESTBody(t, p, "patch")), &body); err != nil || body["status"] != "resolved" {
			t.Errorf("PATCH body %v %v", body, err)
		}
	})
	t.Run("form without JavaScript", func(t *testing.T) {
		var found bool
		for _, f := range p.Forms() {
			if f.Action == "/legacy/manage" && strings.EqualFold(f.Method, "post") {
				found = true
			}
		}
		if !found {
			t.Error("no plain form posting to /legacy/manage")
		}
	})
}

func TestLegacyCommentRefused(t *testing.T) {
	h := webtest.New(t)
	id := legacyInject(h, map[string]any{"title": "IPC alert", "status": "newAlert", "vendorInformation": legacyVendor("IPC"), "comments": []string{}})
	b, _ := h.SignIn(h.User("Security Operator"), "/legacy/alerts")
	d := h.Get(b, "/legacy/alerts/"+url.PathEscape(id))
	if !strings.Contains(html.UnescapeString(d.Body), `Alerts from IPC accept only the comment "Closed in IPC".`) {
		t.Error("no hint for IPC's comment rule")
	}
	p := h.Post(b, "/legacy/alerts/"+url.PathEscape(id), webtest.CSRF(t, d), url.Values{"status": {"resolved"}, "comment": {"Free text"}})
	legacyMustStatus(t, p, http.StatusBadRequest)
	for _, want := range []string{"Microsoft Graph did not accept the request", "comments can only be updated with the value &#39;Closed in IPC&#39;",
		`id="legacy-error"`, ">Free text</textarea>", `<code class="method">PATCH</code>`, "Request that was refused"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the refusal lacks %s:\n%s", want, p.Body)
		}
	}
	// Nothing changed; the attempt is recorded as not applied.
	d = h.Get(b, "/legacy/alerts/"+url.PathEscape(id))
	if act := webtest.Section(t, d.Body, "activity", "section"); !strings.Contains(d.Body, `<dt class="prop-name">status</dt><dd title="newAlert">New</dd>`) || !strings.Contains(act, "not applied") {
		t.Error("a refused update changed the alert or the activity log")
	}
	p = h.Post(b, "/legacy/alerts/"+url.PathEscape(id), webtest.CSRF(t, d), url.Values{"status": {"resolved"}, "comment": {"Closed in IPC"}})
	legacyMustStatus(t, p, http.StatusOK)
}

func TestLegacyReaderCannotUpdate(t *testing.T) {
	h := webtest.New(t)
	id := legacyInject(h, map[string]any{"title": "Reader test", "vendorInformation": legacyVendor("ASC")})
	b, _ := h.SignIn(h.User("Security Reader"), "/legacy/alerts")
	p := legacyUpdate(t, h, b, id, url.Values{"status": {"resolved"}})
	legacyMustStatus(t, p, http.StatusForbidden)
	if !strings.Contains(p.Body, "Microsoft Graph refused the request") || !strings.Contains(p.Body, `href="/consent"`) {
		t.Errorf("reader update:\n%s", p.Body)
	}
}

// FuzzLegacyManageForm posts any values in the manage form: refusals come
// back as the form with the reason (4xx), never a 500, never as markup.
func FuzzLegacyManageForm(f *testing.F) {
	f.Add("", "", "", "")
	f.Add("nope", "resolved", "truePositive", "note")
	f.Add("a/b?c#d", "NewAlert", "falsePositive", legacyScript)
	f.Add("..", "dismissed", "great", legacyImg)
	f.Add("\x00", "x", "y", strings.Repeat("é", 1001))
	h := webtest.New(f)
	id := legacyInject(h, map[string]any{"title": "fuzz target", "vendorInformation": legacyVendor("Azure Sentinel")})
	ipc := legacyInject(h, map[string]any{"title": "fuzz target IPC", "vendorInformation": legacyVendor("IPC")})
	f.Add(id, "inProgress", "", "fuzzed")
	f.Add(ipc, "resolved", "benignPositive", "Closed in IPC")
	f.Add(ipc, "resolved", "", "free text")
	b, p := h.SignIn(h.User("Security Operator"), "/legacy/manage")
	csrf := webtest.CSRF(f, p)
	f.Fuzz(func(t *testing.T, alertID, status, feedback, comment string) {
		form := url.Values{"id": {alertID}, "status": {status}, "feedback": {feedback}, "comment": {comment}, "csrf": {csrf}}
		code, body, err := h.Submit(b, "/legacy/manage", form)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case code >= 500:
			t.Fatalf("%d for %q:\n%s", code, form.Encode(), body)
		case code == http.StatusOK && !strings.Contains(body, `id="compare"`):
			t.Fatalf("200 without the comparison for %q", form.Encode())
		case code != http.StatusOK && code != http.StatusRequestEntityTooLarge && !strings.Contains(body, `id="legacy-error"`):
			t.Fatalf("%d without the form and its reason for %q:\n%s", code, form.Encode(), body)
		}
		if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") {
			t.Fatalf("input came back as markup for %q", form.Encode())
		}
	})
}

// BenchmarkLegacyUpdate is one update through the console: read, PATCH,
// read again, activity record and the comparison page.
func BenchmarkLegacyUpdate(b *testing.B) {
	h := webtest.New(b)
	id := legacyInject(h, map[string]any{"status": "newAlert", "vendorInformation": legacyVendor("ASC")})
	br, p := h.SignIn(h.User("Security Operator"), "/legacy/manage")
	csrf := webtest.CSRF(b, p)
	h.PostLoop(b, br, "/legacy/alerts/"+url.PathEscape(id), csrf, url.Values{"status": {"inProgress"}}, url.Values{"status": {"newAlert"}})
}
