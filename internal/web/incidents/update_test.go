package incidents_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// changedRow reports whether the flash marks the row of prop as changed.
func changedRow(body, prop string) bool {
	return strings.Contains(body, `<tr class="changed-row" data-prop="`+prop+`">`)
}

func TestUpdateIncidentInPlace(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	op := h.User("Security Operator")
	upn := h.UPN(op)
	alert, incident := h.RaiseAlert(map[string]any{"title": "Update me", "severity": "high"})
	patchIncident(t, h, incident, tags("Finance", "Old"))
	path := "/incidents/" + incident
	b, p := h.SignIn(op, path)
	form := webtest.FormFields(t, p, path)
	for k, v := range map[string][]string{
		"status": {"inProgress"}, "triage": {"truePositive:multiStagedAttack"}, "assignedTo": {""}, "assignToMe": {"1"},
		"customTags": {"Finance"}, "newCustomTags": {"VIP, 東京オフィス, vip"}, "comment": {"Escalated to tier 2"},
	} {
		form[k] = v
	}
	h.Graph.Reset()
	res := h.Post(b, path, "", form)
	if res.Status != http.StatusOK || res.URL.Path != path || !strings.Contains(res.URL.RawQuery, "done=") {
		t.Fatalf("update: %d at %s\n%s", res.Status, res.URL, res.Body)
	}
	flash := webtest.Section(t, res.Body, "flash", "details")
	for _, want := range []string{"Incident updated", "update: HTTP 200", "comment: HTTP 200", `title="active">Active</td>`, `title="inProgress">In progress`,
		"Finance, Old", "Finance, VIP, 東京オフィス", "Escalated to tier 2"} {
		if !strings.Contains(flash, want) {
			t.Errorf("the flash lacks %q:\n%s", want, flash)
		}
	}
	for prop, changed := range map[string]bool{"status": true, "classification": true, "determination": true, "assignedTo": true, "customTags": true,
		"severity": false, "displayName": false, "lastUpdateDateTime": false} {
		if got := changedRow(res.Body, prop); got != changed {
			t.Errorf("row %s changed = %v, want %v", prop, got, changed)
		}
	}
	// Exactly what differs is sent, with the tags as they now stand.
	body := `{"assignedTo":"` + upn + `","classification":"truePositive","customTags":["Finance","VIP","東京オフィス"],"determination":"multiStagedAttack","status":"inProgress"}`
	if !strings.Contains(res.Body, html.EscapeString(body)) {
		t.Errorf("the PATCH body shown is not %s", body)
	}
	for prop, want := range map[string]string{"status": "inProgress", "assignedTo": upn, "customTags": "[Finance VIP 東京オフィス]", "determination": "multiStagedAttack"} {
		if got := stored(t, h, incident, prop); got != want {
			t.Errorf("stored %s %q, want %q", prop, got, want)
		}
	}
	// The incident's alerts follow (the service carries assignment and
	// classification to them).
	if doc, _ := h.Emu.Store().Alert(alert); doc["assignedTo"] != upn {
		t.Errorf("the alert's assignee: %v", doc["assignedTo"])
	}
	// The page shows the comment, the tags, the activity log.
	if !strings.Contains(webtest.Section(t, res.Body, "comments", "section"), "Escalated to tier 2") {
		t.Error("the comment is not listed")
	}
	act := webtest.Section(t, res.Body, "activity", "section")
	for _, want := range []string{upn, "updated", "commented", `Custom tags</span>: <span>Finance, Old</span> → <span class="to">Finance, VIP, 東京オフィス</span>`,
		`Status</span>: <span title="active">Active</span> → <span class="to" title="inProgress">In progress</span>`} {
		if !strings.Contains(act, want) {
			t.Errorf("activity lacks %q:\n%s", want, act)
		}
	}
	if strings.Contains(act, "not confirmed") {
		t.Error("a change Graph answered is still pending")
	}
	// The flash shows once.
	if again := h.Get(b, res.URL.RequestURI()); strings.Contains(again.Body, `id="flash"`) {
		t.Error("the flash shows twice")
	}

	// Nothing to change: nothing sent.
	h.Graph.Reset()
	form = formAsShown(t, h.Get(b, path), path)
	form.Set("status", "inProgress")
	form.Set("triage", "truePositive:multiStagedAttack")
	res = h.Post(b, path, "", form)
	if !strings.Contains(res.Body, "Nothing changed") || len(h.Graph.Requests("/security/incidents/"+incident)) != 3 { // the page, the read before, the page after
		t.Errorf("nothing to change: %v\n%s", h.Graph.Requests(""), res.Body)
	}

	// Untick a tag: removed; a tag someone added meanwhile stays.
	form = formAsShown(t, h.Get(b, path), path)
	patchIncident(t, h, incident, tags("Finance", "VIP", "東京オフィス", "Added meanwhile"))
	if got := form["customTags"]; strings.Join(got, ",") != "Finance,VIP,東京オフィス" {
		t.Fatalf("the boxes ticked: %v", got)
	}
	form["customTags"] = []string{"Finance", "東京オフィス"} // VIP unticked
	res = h.Post(b, path, "", form)
	if got := stored(t, h, incident, "customTags"); got != "[Finance 東京オフィス Added meanwhile]" {
		t.Errorf("after removing VIP: %s", got)
	}
	if !changedRow(res.Body, "customTags") {
		t.Error("removing a tag is not shown")
	}

	// Unassign (the field emptied) sends null.
	form = formAsShown(t, h.Get(b, path), path)
	form.Set("assignedTo", "")
	res = h.Post(b, path, "", form)
	if !strings.Contains(res.Body, html.EscapeString(`{"assignedTo":null}`)) || stored(t, h, incident, "assignedTo") != "" {
		t.Errorf("unassign:\n%s", res.Body)
	}

	// A comment alone, at /comments.
	form = formAsShown(t, h.Get(b, path), path)
	res = h.Post(b, path+"/comments", "", url.Values{"csrf": form["csrf"], "formtoken": form["formtoken"], "comment": {"Only a note"}})
	if res.Status != http.StatusOK || !strings.Contains(webtest.Section(t, res.Body, "flash", "details"), "Only a note") {
		t.Errorf("comment alone: %d", res.Status)
	}
}

// Every mistake comes back in the manage pane with what was typed, and
// nothing reaches Graph.
func TestUpdateIncidentRefusesBadInput(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	_, incident := h.RaiseAlert(map[string]any{})
	patchIncident(t, h, incident, tags("Seed"))
	path := "/incidents/" + incident
	b, _ := h.SignIn(h.User("Security Operator"), path)
	many := make([]string, 25)
	for i := range many {
		many[i] = "tag" + string(rune('a'+i))
	}
	tests := []struct {
		name   string
		fields url.Values
		want   string
	}{
		{"a status nobody sets", url.Values{"status": {"redirected"}}, `"redirected" is not a valid Status`},
		{"an alert's status", url.Values{"status": {"new"}}, `"new" is not a valid Status`},
		{"unknown classification", url.Values{"triage": {"maybe:malware"}}, `"maybe" is not a valid Classification`},
		{"unknown determination", url.Values{"triage": {"truePositive:aliens"}}, `"aliens" is not a valid Determination`},
		{"determination does not fit", url.Values{"triage": {"falsePositive:malware"}}, `does not explain the classification "False positive"`},
		{"tag too long", url.Values{"newCustomTags": {strings.Repeat("é", 65)}}, "is too long: 65 characters, at most 64"},
		{"too many tags", url.Values{"newCustomTags": {strings.Join(many, ",")}}, "at most 20 custom tags here (26 with this change)"},
		{"a tag with a control character", url.Values{"newCustomTags": {"a\x01b"}}, "control character"},
		{"comment too long", url.Values{"comment": {strings.Repeat("x", 10001)}}, "The comment is too long"},
		{"assign and unassign", url.Values{"assignToMe": {"1"}, "unassign": {"1"}}, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := formAsShown(t, h.Get(b, path), path)
			for k, v := range tt.fields {
				form[k] = v
			}
			form.Set("comment", form.Get("comment")+"kept <text>")
			h.Graph.Reset()
			res := h.Post(b, path, "", form)
			if res.Status != http.StatusBadRequest {
				t.Fatalf("%d, want 400\n%s", res.Status, res.Body)
			}
			msg := html.UnescapeString(webtest.Section(t, res.Body, "triage-error", "div"))
			if !strings.Contains(msg, tt.want) {
				t.Errorf("the error says %q, want %q", msg, tt.want)
			}
			if !strings.Contains(webtest.Section(t, res.Body, "c-text", "textarea"), "kept &lt;text&gt;") {
				t.Error("the comment typed is not kept")
			}
			if v := tt.fields.Get("newCustomTags"); v != "" && !strings.Contains(html.UnescapeString(res.Body), `value="`+v[:min(10, len(v))]) {
				t.Error("the new tags typed are not kept")
			}
			for _, u := range h.Graph.Requests("") {
				if strings.Contains(u.Path, "/security/incidents/"+incident) && u.RawQuery == "" && len(h.Graph.Requests("/comments")) > 0 {
					t.Errorf("a comment reached Graph: %s", u)
				}
			}
			if stored(t, h, incident, "status") != "active" || stored(t, h, incident, "customTags") != "[Seed]" {
				t.Error("the incident changed")
			}
		})
	}
	// The comment box of /comments refuses an empty comment.
	form := formAsShown(t, h.Get(b, path), path)
	res := h.Post(b, path+"/comments", "", url.Values{"csrf": form["csrf"], "formtoken": form["formtoken"], "comment": {"  "}})
	if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "cannot be empty") {
		t.Errorf("empty comment: %d", res.Status)
	}
}

// A Security Reader reads the incident; a change sent anyway is Graph's
// refusal, explained, with the form as typed.
func TestUpdateIncidentBySecurityReader(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	_, incident := h.RaiseAlert(map[string]any{})
	path := "/incidents/" + incident
	b, p := h.SignIn(h.User("Security Reader"), path)
	if !strings.Contains(p.Body, `id="read-only"`) || strings.Contains(p.Body, `id="update-form"`) {
		t.Fatal("a reader is offered the form")
	}
	res := h.Post(b, path, webtest.CSRF(t, p), url.Values{"status": {"resolved"}, "comment": {"kept"}, "newCustomTags": {"Mine"}})
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, `id="triage-error"`) || !strings.Contains(res.Body, ">kept</textarea>") || !strings.Contains(res.Body, `value="Mine"`) {
		t.Errorf("a reader's change: %d\n%s", res.Status, res.Body)
	}
	if stored(t, h, incident, "status") != "active" {
		t.Error("the reader changed the incident")
	}
}

// A form sent twice (a double click) is applied once: one comment.
func TestIncidentFormSentTwiceCommentsOnce(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	_, incident := h.RaiseAlert(map[string]any{})
	path := "/incidents/" + incident
	b, p := h.SignIn(h.User("Security Operator"), path)
	form := formAsShown(t, p, path)
	form.Set("comment", "Once only")
	for range 2 {
		if res := h.Post(b, path, "", form); res.Status != http.StatusOK {
			t.Fatalf("%d", res.Status)
		}
	}
	doc, _ := h.Emu.Store().Incident(incident)
	n := 0
	for _, c := range doc["comments"].([]any) {
		if c.(map[string]any)["comment"] == "Once only" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d comments from one form", n)
	}
}

// A change whose answer never came is settled from Graph: applied or not.
func TestIncidentChangeReconciled(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 1}, ConsoleClock: true})
	_, incident := h.RaiseAlert(map[string]any{})
	intent := func(action, changes string) {
		_, err := h.Store.AddActivity(context.Background(), store.Activity{Resource: "incident", ResourceID: incident, Action: action,
			ActorName: "killed@graphsec", At: h.Clock.Now(), Changes: []byte(changes), State: store.ActivityPending})
		if err != nil {
			t.Fatal(err)
		}
	}
	intent("update", `{"status":{"from":"active","to":"inProgress"},"customTags":{"from":"","to":"VIP"}}`)
	intent("comment", `{"comment":"never sent"}`)
	intent("update", `{"status":{"from":"active","to":"resolved"}}`)
	patchIncident(t, h, incident, graph.IncidentUpdate{Status: graph.Some(graph.IncidentStatusInProgress), CustomTags: graph.Some([]string{"VIP"})})
	h.Clock.Advance(page.DefaultReconcileMinAge + time.Minute)
	res, err := h.Server.Reconcile(context.Background())
	if err != nil || res.Applied != 1 || res.NotApplied != 2 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
	b, _ := h.SignIn(h.User("Security Reader"), "/incidents/"+incident)
	act := webtest.Section(t, h.Get(b, "/incidents/"+incident).Body, "activity", "section")
	if strings.Contains(act, "not confirmed yet") || strings.Count(act, "not applied") != 2 {
		t.Errorf("the activity log after reconciliation:\n%s", act)
	}
}
