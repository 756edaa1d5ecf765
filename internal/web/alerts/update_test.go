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
// changed. With all, the comparison shows every field and a missing row
// fails; otherwise (the alert page's flash) it shows the changed ones.
func v2Changed(t *testing.T, body, prop string, all bool) bool {
	t.Helper()
	switch {
	case strings.Contains(body, `<tr class="changed-row" data-prop="`+prop+`">`):
		return true
	case strings.Contains(body, `<tr data-prop="`+prop+`">`), !all:
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
	// The alert's own page, with what changed in the triage pane.
	if res.URL.Path != "/alerts/"+id || !strings.Contains(res.URL.RawQuery, "done=") {
		t.Errorf("the update ends at %s, not the alert's page", res.URL)
	}
	flash := webtest.Section(t, res.Body, "flash", "details")
	for _, want := range []string{"Alert updated", `title="new">New</td>`, `title="resolved">Resolved`} {
		if !strings.Contains(flash, want) {
			t.Errorf("the flash lacks %q:\n%s", want, flash)
		}
	}
	for _, want := range []string{">PATCH<", "/v1.0/security/alerts_v2/" + id + "<", html.EscapeString(wantBody), "Graph answered HTTP 200", "request-id"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for prop, changed := range map[string]bool{"title": false, "severity": false, "status": true, "classification": true,
		"determination": true, "assignedTo": true, "lastUpdateDateTime": false, "resolvedDateTime": true} {
		if got := v2Changed(t, res.Body, prop, false); got != changed {
			t.Errorf("row %s changed = %v, want %v", prop, got, changed)
		}
	}
	// The flash shows once: the same address again is the alert alone.
	if again := h.Get(b, res.URL.RequestURI()); strings.Contains(again.Body, `id="flash"`) {
		t.Error("the flash shows twice")
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
	for _, want := range []string{upn, "updated", `Status</span>: <span title="new">New</span> → <span class="to" title="resolved">Resolved</span>`,
		`<span title="unknown">Not set</span> → <span class="to" title="truePositive">True positive</span>`,
		`Assigned to</span>: <span class="muted">none</span> → <span class="to">` + upn + `</span>`} {
		if !strings.Contains(act, want) {
			t.Errorf("activity lacks %q:\n%s", want, act)
		}
	}
	if strings.Contains(act, "Last update") {
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
		{"bad status", "", url.Values{"status": {"closed"}}, 400, "is not a valid Status"},
		{"unknownFutureValue", "", url.Values{"status": {"unknownFutureValue"}}, 400, "is not a valid Status"},
		{"bad classification", "", url.Values{"classification": {"benignPositive"}}, 400, "is not a valid Classification"},
		{"bad determination", "", url.Values{"determination": {"clean"}}, 400, "is not a valid Determination"},
		{"bad triage value", "", url.Values{"triage": {"truePositive:clean"}}, 400, "is not a valid Determination"},
		{"triage pair does not fit", "", url.Values{"triage": {"falsePositive:malware"}}, 400, "does not explain"},
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
	// The attempt is in the activity log, marked as not applied.
	page := h.Get(b, "/alerts/"+url.PathEscape(id))
	if act := webtest.Section(t, page.Body, "activity", "section"); !strings.Contains(act, "not applied") || strings.Contains(act, "not confirmed") {
		t.Errorf("a refused update in the activity log:\n%s", act)
	}
	// The comment is refused the same way, and kept in the form.
	res = h.Post(b, "/alerts/"+url.PathEscape(id)+"/comments", webtest.CSRF(t, p), url.Values{"comment": {"hi there"}})
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "<code>Forbidden</code>") || !strings.Contains(res.Body, ">hi there</textarea>") {
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
	for _, want := range []string{"Alert updated", `id="compare"`, `id="triage"`, "</html>"} {
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
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "Microsoft Graph is throttling requests") || !strings.Contains(res.Body, "TooManyRequests") {
		t.Errorf("persistent throttling: %d\n%s", res.Status, res.Body)
	}
	// Nothing was changed, and the triage pane holds the form as it was
	// sent, ready to be sent again (not a reload, which would not post it).
	form := webtest.Section(t, res.Body, "update-form", "form")
	if !strings.Contains(res.Body, "What you entered is still in the form") || !strings.Contains(form, `<option value="resolved" selected>`) || res.Header.Get("Refresh") != "" {
		t.Errorf("the 429 page does not offer to send the form again:\n%s", res.Body)
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
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/alerts/"+url.PathEscape(id)+"?done=") {
		t.Fatalf("comment: %d %s", res.StatusCode, loc)
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
	for _, want := range []string{"Comment added:", "after a wait", `id="comments"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func BenchmarkUpdateAlert(b *testing.B) {
	h := webtest.New(b)
	id, _ := h.RaiseAlert(map[string]any{"status": "new"})
	br, csrf := h.SignInAs("Security Operator", "/alerts")
	h.PostLoop(b, br, "/alerts/"+url.PathEscape(id), csrf, url.Values{"status": {"inProgress"}}, url.Values{"status": {"new"}})
}
