package alerts_test

import (
	"cmp"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

// v2Stored returns a property of an alert as the emulator holds it.
func v2Stored(t *testing.T, h *webtest.Harness, id, prop string) string {
	t.Helper()
	doc, ok := h.Emu.Store().Alert(id)
	if !ok {
		t.Fatalf("alert %s is gone", id)
	}
	v, ok := doc[prop]
	if !ok || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// v2Changed reports whether the comparison marks the row of prop as
// changed, and fails when the row is missing.
func v2Changed(t *testing.T, body, prop string) bool {
	t.Helper()
	switch {
	case strings.Contains(body, `<tr class="changed-row"><th scope="row">`+prop+`</th>`):
		return true
	case strings.Contains(body, `<tr><th scope="row">`+prop+`</th>`):
		return false
	}
	t.Fatalf("no comparison row for %s", prop)
	return false
}

func TestUpdateAlertShowsRequestAndBeforeAfter(t *testing.T) {
	h := webtest.New(t)
	op := h.User("Security Operator")
	upn := h.UPN(op)
	id, _ := h.RaiseAlert(map[string]any{"title": "Update me", "status": "new", "classification": "unknown", "determination": "unknown"})
	b, p := h.SignIn(op, "/alerts/"+url.PathEscape(id))
	csrf := webtest.CSRF(t, p)
	h.Clock.Advance(time.Minute) // the update's time differs visibly from the alert's

	res := h.Post(b, "/alerts/"+url.PathEscape(id), csrf, url.Values{
		"status": {"resolved"}, "classification": {"truePositive"}, "determination": {"malware"}, "assignedTo": {""}, "assignToMe": {"1"},
	})
	if res.Status != http.StatusOK {
		t.Fatalf("update: %d\n%s", res.Status, res.Body)
	}
	wantBody := `{"assignedTo":"` + upn + `","classification":"truePositive","determination":"malware","status":"resolved"}`
	for _, want := range []string{"Alert updated", ">PATCH<", "/v1.0/security/alerts_v2/" + id + "<", html.EscapeString(wantBody), "Graph answered HTTP 200", "request-id"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the comparison lacks %q", want)
		}
	}
	for prop, changed := range map[string]bool{"title": false, "severity": false, "status": true, "classification": true,
		"determination": true, "assignedTo": true, "lastUpdateDateTime": true, "resolvedDateTime": true} {
		if got := v2Changed(t, res.Body, prop); got != changed {
			t.Errorf("row %s changed = %v, want %v", prop, got, changed)
		}
	}
	if got := v2Stored(t, h, id, "status"); got != "resolved" {
		t.Errorf("stored status %q", got)
	}
	if got := v2Stored(t, h, id, "assignedTo"); got != upn {
		t.Errorf("stored assignedTo %q", got)
	}

	// The activity log shows who changed what, without the timestamp noise.
	page := h.Get(b, "/alerts/"+url.PathEscape(id))
	act := webtest.Section(t, page.Body, "activity", "section")
	for _, want := range []string{upn, "update", "status: new → resolved", "classification: unknown → truePositive", "assignedTo: (none) → " + upn} {
		if !strings.Contains(act, want) {
			t.Errorf("activity lacks %q:\n%s", want, act)
		}
	}
	if strings.Contains(act, "lastUpdateDateTime") {
		t.Error("activity records lastUpdateDateTime")
	}

	// Only what differs is sent.
	res = h.Post(b, "/alerts/"+url.PathEscape(id), csrf, url.Values{
		"status": {"resolved"}, "classification": {"truePositive"}, "determination": {"multiStagedAttack"}, "assignedTo": {upn},
	})
	if !strings.Contains(res.Body, html.EscapeString(`{"determination":"multiStagedAttack"}`)) {
		t.Errorf("partial update body not shown:\n%s", res.Body)
	}

	// Unassign sends null.
	res = h.Post(b, "/alerts/"+url.PathEscape(id), csrf, url.Values{"assignedTo": {upn}, "unassign": {"1"}})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, html.EscapeString(`{"assignedTo":null}`)) {
		t.Fatalf("unassign: %d\n%s", res.Status, res.Body)
	}
	if got := v2Stored(t, h, id, "assignedTo"); got != "" {
		t.Errorf("still assigned to %q", got)
	}

	// The same values again: nothing is sent.
	stamp := v2Stored(t, h, id, "lastUpdateDateTime")
	res = h.Post(b, "/alerts/"+url.PathEscape(id), csrf, url.Values{"status": {"resolved"}, "classification": {"truePositive"}, "determination": {"multiStagedAttack"}})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Nothing changed") || !strings.Contains(res.Body, `id="update-form"`) {
		t.Fatalf("no-op update: %d\n%s", res.Status, res.Body)
	}
	if v2Stored(t, h, id, "lastUpdateDateTime") != stamp {
		t.Error("a no-op update reached Graph")
	}
}

func TestUpdateAlertRefusesBadInput(t *testing.T) {
	h := webtest.New(t)
	op := h.User("Security Operator")
	id, _ := h.RaiseAlert(map[string]any{"status": "new", "classification": "unknown", "determination": "unknown"})
	b, p := h.SignIn(op, "/alerts/"+url.PathEscape(id))
	csrf := webtest.CSRF(t, p)
	stamp := v2Stored(t, h, id, "lastUpdateDateTime")
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"bad status", "", url.Values{"status": {"closed"}}, 400, "not a valid status"},
		{"unknownFutureValue", "", url.Values{"status": {"unknownFutureValue"}}, 400, "not a valid status"},
		{"bad classification", "", url.Values{"classification": {"benignPositive"}}, 400, "not a valid classification"},
		{"bad determination", "", url.Values{"determination": {"clean"}}, 400, "not a valid determination"},
		{"determination does not fit", "", url.Values{"classification": {"falsePositive"}, "determination": {"malware"}}, 400, "does not explain"},
		{"determination without classification", "", url.Values{"determination": {"phishing"}}, 400, "does not explain"},
		{"assignee too long", "", url.Values{"assignedTo": {strings.Repeat("a", 300)}}, 400, "too long"},
		{"assignee with control character", "", url.Values{"assignedTo": {"a\x00b"}}, 400, "control character"},
		{"assign and unassign", "", url.Values{"assignToMe": {"1"}, "unassign": {"1"}}, 400, "not both"},
		{"unknown alert", "/alerts/da000000000000000000_-1", url.Values{"status": {"resolved"}}, 404, "Alert not found"},
		{"bad id", "/alerts/" + strings.Repeat("x", 700), url.Values{"status": {"resolved"}}, 400, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := cmp.Or(tt.path, "/alerts/"+url.PathEscape(id))
			res := h.Post(b, path, csrf, tt.form)
			if res.Status != tt.status || !strings.Contains(res.Body, tt.want) {
				t.Fatalf("%d, want %d with %q:\n%s", res.Status, tt.status, tt.want, res.Body)
			}
		})
	}
	if v2Stored(t, h, id, "lastUpdateDateTime") != stamp {
		t.Error("a refused update reached Graph")
	}
	// Without the form's token the update is refused.
	res := h.Post(b, "/alerts/"+url.PathEscape(id), "", url.Values{"status": {"resolved"}})
	if res.Status != http.StatusForbidden {
		t.Errorf("update without CSRF token: %d", res.Status)
	}
}

func TestUpdateAlertBySecurityReaderIsExplained(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"status": "new"})
	b, p := h.SignIn(h.User("Security Reader"), "/alerts/"+url.PathEscape(id))
	res := h.Post(b, "/alerts/"+url.PathEscape(id), webtest.CSRF(t, p), url.Values{"status": {"resolved"}})
	if res.Status != http.StatusForbidden {
		t.Fatalf("reader update: %d\n%s", res.Status, res.Body)
	}
	for _, want := range []string{"Microsoft Graph refused the request", "<code>Forbidden</code>", "directory role", "request-id", "/consent"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the refusal lacks %q", want)
		}
	}
	if got := v2Stored(t, h, id, "status"); got != "new" {
		t.Errorf("status became %q", got)
	}
	page := h.Get(b, "/alerts/"+url.PathEscape(id))
	if !strings.Contains(page.Body, "No changes made through graphsec yet.") {
		t.Error("a refused update was recorded as activity")
	}
	// The comment is refused the same way.
	res = h.Post(b, "/alerts/"+url.PathEscape(id)+"/comments", webtest.CSRF(t, p), url.Values{"comment": {"hi"}})
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "<code>Forbidden</code>") {
		t.Errorf("reader comment: %d", res.Status)
	}
}

func TestUpdateAlertWaitsOutThrottling(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"status": "new"})
	b, p := h.SignIn(h.User("Security Operator"), "/alerts/"+url.PathEscape(id))
	csrf := webtest.CSRF(t, p)
	if st, body := h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{
		"method": "PATCH", "path": "/security/alerts_v2", "status": 429, "retryAfter": "0.2", "count": 1,
	}); st/100 != 2 {
		t.Fatalf("queue fault: %d %s", st, body)
	}
	res := h.Post(b, "/alerts/"+url.PathEscape(id), csrf, url.Values{"status": {"inProgress"}})
	if res.Status != http.StatusOK {
		t.Fatalf("throttled update: %d\n%s", res.Status, res.Body)
	}
	for _, want := range []string{"is throttling requests (HTTP 429)", "Retrying in", "Alert updated", `id="compare"`, "</html>"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if got := v2Stored(t, h, id, "status"); got != "inProgress" {
		t.Errorf("status %q after the retry", got)
	}

	// Throttling that does not end: the page says so with Graph's answer.
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{
		"method": "PATCH", "path": "/security/alerts_v2", "status": 429, "retryAfter": "0.05", "count": 0,
	})
	t.Cleanup(func() { h.Ctl(http.MethodDelete, "/_emulator/faults", nil) })
	res = h.Post(b, "/alerts/"+url.PathEscape(id), csrf, url.Values{"status": {"resolved"}})
	if !strings.Contains(res.Body, "Microsoft Graph is throttling requests") || !strings.Contains(res.Body, "TooManyRequests") {
		t.Errorf("persistent throttling: %d\n%s", res.Status, res.Body)
	}
	if strings.Contains(res.Body, `id="compare"`) {
		t.Error("a failed update shows a comparison")
	}
}

func TestCommentAlert(t *testing.T) {
	h := webtest.New(t)
	op := h.User("Security Operator")
	id, _ := h.RaiseAlert(map[string]any{"comments": []any{}})
	b, p := h.SignIn(op, "/alerts/"+url.PathEscape(id))
	csrf := webtest.CSRF(t, p)

	res := h.PostRaw(b, "/alerts/"+url.PathEscape(id)+"/comments", csrf, url.Values{"comment": {"  Looked at it.\r\nSecond line <b>bold</b>  "}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/alerts/"+url.PathEscape(id)+"#comments" {
		t.Fatalf("comment: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	page := h.Get(b, "/alerts/"+url.PathEscape(id))
	c := webtest.Section(t, page.Body, "comments", "section")
	if !strings.Contains(c, "Looked at it.\nSecond line &lt;b&gt;bold&lt;/b&gt;</p>") {
		t.Errorf("the comment is not shown as typed:\n%s", c)
	}
	act := webtest.Section(t, page.Body, "activity", "section")
	if !strings.Contains(act, "comment") || !strings.Contains(act, h.UPN(op)) || !strings.Contains(act, "Looked at it.") {
		t.Errorf("the comment is not in the activity:\n%s", act)
	}

	tests := []struct {
		name, path, comment string
		status              int
		want                string
	}{
		{"empty", "", "   \r\n ", 400, "cannot be empty"},
		{"too long", "", strings.Repeat("a", 10001), 400, "too long"},
		{"control character", "", "a\x07b", 400, "control character"},
		{"unknown alert", "/alerts/da000000000000000000_-1/comments", "hello", 404, "Alert not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := cmp.Or(tt.path, "/alerts/"+url.PathEscape(id)+"/comments")
			res := h.Post(b, path, csrf, url.Values{"comment": {tt.comment}})
			if res.Status != tt.status || !strings.Contains(res.Body, tt.want) {
				t.Fatalf("%d, want %d with %q:\n%s", res.Status, tt.status, tt.want, res.Body)
			}
		})
	}
	// The longest comment allowed goes through.
	long := strings.Repeat("é", 10000)
	if res := h.PostRaw(b, "/alerts/"+url.PathEscape(id)+"/comments", csrf, url.Values{"comment": {long}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a 10,000-character comment: %d", res.StatusCode)
	}
}

func TestCommentAlertWhileThrottled(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{})
	b, p := h.SignIn(h.User("Security Operator"), "/alerts/"+url.PathEscape(id))
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "POST", "path": "/security/alerts_v2", "status": 429, "retryAfter": "0.1", "count": 1})
	res := h.Post(b, "/alerts/"+url.PathEscape(id)+"/comments", webtest.CSRF(t, p), url.Values{"comment": {"after a wait"}})
	if res.Status != http.StatusOK {
		t.Fatalf("throttled comment: %d", res.Status)
	}
	for _, want := range []string{"is throttling requests", "Your comment was added.", "after a wait", `id="comments"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestManageByID(t *testing.T) {
	h := webtest.New(t)
	op := h.User("Security Operator")
	upn := h.UPN(op)
	id, _ := h.RaiseAlert(map[string]any{"title": "Manage me", "status": "new", "comments": []any{}})
	b, p := h.SignIn(op, "/manage?id="+url.QueryEscape(id))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="`+id+`"`) || !strings.Contains(p.Body, `id="manage-form"`) {
		t.Fatalf("manage page: %d\n%s", p.Status, p.Body)
	}
	csrf := webtest.CSRF(t, p)

	// Update and comment at once: both requests, one comparison.
	res := h.Post(b, "/manage", csrf, url.Values{"id": {id}, "status": {"inProgress"}, "assignToMe": {"1"}, "comment": {"Taking this one."}})
	if res.Status != http.StatusOK {
		t.Fatalf("manage: %d\n%s", res.Status, res.Body)
	}
	result := webtest.Section(t, res.Body, "result", "section")
	for _, want := range []string{"Update: Graph answered HTTP 200", "Comment: Graph answered HTTP 200", ">PATCH<", ">POST<",
		"/v1.0/security/alerts_v2/" + id + "/comments", html.EscapeString(`{"assignedTo":"` + upn + `","status":"inProgress"}`),
		"Taking this one.", `href="/alerts/` + id + `"`} {
		if !strings.Contains(result, want) {
			t.Errorf("the result lacks %q", want)
		}
	}
	for prop, changed := range map[string]bool{"status": true, "assignedTo": true, "comments": true, "newest comment": true, "classification": false} {
		if got := v2Changed(t, result, prop); got != changed {
			t.Errorf("row %s changed = %v, want %v", prop, got, changed)
		}
	}
	// The form is ready for the next change, without the comment.
	form := webtest.Section(t, res.Body, "manage-form", "form")
	if !strings.Contains(form, `value="`+id+`"`) || strings.Contains(form, "Taking this one.") {
		t.Errorf("the form after a change:\n%s", form)
	}
	if v2Stored(t, h, id, "status") != "inProgress" || v2Stored(t, h, id, "assignedTo") != upn {
		t.Error("the change did not reach Graph")
	}
	page := h.Get(b, "/alerts/"+url.PathEscape(id))
	act := webtest.Section(t, page.Body, "activity", "section")
	if strings.Count(act, "<li><strong>") != 2 {
		t.Errorf("want an update and a comment in the activity:\n%s", act)
	}

	// A comment alone.
	res = h.Post(b, "/manage", csrf, url.Values{"id": {id}, "comment": {"Only a note."}})
	if res.Status != http.StatusOK || strings.Contains(res.Body, ">PATCH<") || !strings.Contains(res.Body, "Only a note.") {
		t.Errorf("comment only: %d\n%s", res.Status, res.Body)
	}

	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"unknown id", url.Values{"id": {"nope-123"}, "status": {"resolved"}, "comment": {"keep what I typed"}, "assignedTo": {"x@contoso.com"}}, 404,
			[]string{"Alert not found", "ResourceNotFound", "request-id", `value="nope-123"`, "keep what I typed</textarea>", `value="x@contoso.com"`, `<option value="resolved" selected>`}},
		{"no id", url.Values{"status": {"resolved"}}, 400, []string{"Enter the alert id"}},
		{"bad enum", url.Values{"id": {id}, "status": {"done"}, "comment": {"still here"}}, 400, []string{"not a valid status", "still here</textarea>", `value="` + id + `"`}},
		{"nothing asked", url.Values{"id": {id}}, 400, []string{"Choose at least one change"}},
		{"too long comment", url.Values{"id": {id}, "comment": {strings.Repeat("b", 10001)}}, 400, []string{"too long"}},
		{"nothing changes", url.Values{"id": {id}, "status": {"inProgress"}}, 200, []string{"Nothing changed", `value="` + id + `"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.Post(b, "/manage", csrf, tt.form)
			if res.Status != tt.status {
				t.Fatalf("%d, want %d:\n%s", res.Status, tt.status, res.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			if !strings.Contains(res.Body, `id="manage-form"`) {
				t.Error("the form is gone")
			}
		})
	}

	// A reader is refused by Graph, on the manage page.
	rb, rp := h.SignIn(h.User("Security Reader"), "/manage")
	res = h.Post(rb, "/manage", webtest.CSRF(t, rp), url.Values{"id": {id}, "status": {"resolved"}})
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "<code>Forbidden</code>") || !strings.Contains(res.Body, `id="manage-form"`) {
		t.Errorf("reader: %d\n%s", res.Status, res.Body)
	}
}

// FuzzManageForm posts any values in the manage form's fields: a mistake
// is the user's (4xx, on the page, with their input), never a 500 or a
// panic, and nothing they type comes back as markup.
func FuzzManageForm(f *testing.F) {
	f.Add("", "", "", "", "", "", false, false)
	f.Add("nope", "resolved", "truePositive", "malware", "a@b.c", "note", true, false)
	f.Add("a/b?c#d", "new", "falsePositive", "notMalicious", "", "", false, true)
	f.Add("..", "inProgress", "unknown", "other", "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", false, false)
	f.Add("\x00", "x", "y", "z", strings.Repeat("a", 300), strings.Repeat("é", 10001), true, true)
	h := webtest.New(f)
	id, _ := h.RaiseAlert(map[string]any{"title": "fuzz target"})
	f.Add(id, "resolved", "", "", "", "", false, false)
	b, csrf := h.SignInAs("Security Operator", "/manage")
	f.Fuzz(func(t *testing.T, alertID, status, class, determ, assignee, comment string, me, unassign bool) {
		form := url.Values{"id": {alertID}, "status": {status}, "classification": {class}, "determination": {determ},
			"assignedTo": {assignee}, "comment": {comment}, "csrf": {csrf}}
		if me {
			form.Set("assignToMe", "1")
		}
		if unassign {
			form.Set("unassign", "1")
		}
		code, body, err := h.Submit(b, "/manage", form)
		if err != nil {
			t.Fatal(err)
		}
		if code >= 500 {
			t.Fatalf("%d for %q:\n%s", code, form.Encode(), body)
		}
		if code != http.StatusRequestEntityTooLarge && !strings.Contains(body, `id="manage-form"`) {
			t.Fatalf("%d without the form for %q", code, form.Encode())
		}
		if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") {
			t.Fatalf("input came back as markup for %q", form.Encode())
		}
	})
}

func BenchmarkUpdateAlert(b *testing.B) {
	h := webtest.New(b)
	id, _ := h.RaiseAlert(map[string]any{"status": "new"})
	br, csrf := h.SignInAs("Security Operator", "/alerts")
	h.PostLoop(b, br, "/alerts/"+url.PathEscape(id), csrf, url.Values{"status": {"inProgress"}}, url.Values{"status": {"new"}})
}
