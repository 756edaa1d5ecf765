package alerts_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

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
	for _, want := range []string{"update: HTTP 200", "comment: HTTP 200", ">PATCH<", ">POST<",
		"/v1.0/security/alerts_v2/" + id + "/comments", html.EscapeString(`{"assignedTo":"` + upn + `","status":"inProgress"}`),
		"Taking this one.", `href="/alerts/` + id + `"`} {
		if !strings.Contains(result, want) {
			t.Errorf("the result lacks %q", want)
		}
	}
	for prop, changed := range map[string]bool{"status": true, "assignedTo": true, "comments": true, "newestComment": true, "classification": false} {
		if got := v2Changed(t, result, prop, true); got != changed {
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
	if strings.Count(act, `<li><span class="who">`) != 2 {
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
		{"no id", url.Values{"status": {"resolved"}}, 400, []string{"Enter the alert ID"}},
		{"bad enum", url.Values{"id": {id}, "status": {"done"}, "comment": {"still here"}}, 400, []string{"is not a valid Status", "still here</textarea>", `value="` + id + `"`}},
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
