package alerts_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// commentsWith counts the alert's comments (in the emulator) whose text
// is text.
func commentsWith(t *testing.T, h *webtest.Harness, id, text string) int {
	t.Helper()
	doc, ok := h.Emu.Store().Alert(id)
	if !ok {
		t.Fatalf("alert %s is gone", id)
	}
	list, _ := doc["comments"].([]any)
	n := 0
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["comment"] == text {
			n++
		}
	}
	return n
}

// TestCommentFormSentTwiceAddsOneComment is the regression test for a
// double click adding the comment twice: the form's one-time token is
// claimed before the comment is sent, so the second submission (while the
// first is still running, and again later) is sent where the first went,
// and Graph sees one comment.
func TestCommentFormSentTwiceAddsOneComment(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"comments": []any{}})
	alertPath := "/alerts/" + url.PathEscape(id)
	b, p := h.SignIn(h.User("Security Operator"), alertPath)
	form := webtest.FormFields(t, p, alertPath)
	if form.Get("formtoken") == "" || form.Get("from") != alertPath {
		t.Fatalf("the comment form lacks its one-time token or its page: %v", form)
	}
	form.Set("comment", "Clicked twice")
	// Graph takes a moment, so that the second click arrives while the
	// first is being applied.
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "POST", "path": "/security/alerts_v2/" + id + "/comments", "delay": "300ms", "count": 1})
	var wg sync.WaitGroup
	res := make([]*http.Response, 2)
	for i := range res {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 50 * time.Millisecond)
			res[i] = h.PostRaw(b, alertPath+"/comments", "", form)
		})
	}
	wg.Wait()
	// Both go to the alert's page (the first with its result, shown once).
	first := res[0].Header.Get("Location")
	for i, r := range res {
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), alertPath+"?done=") {
			t.Errorf("submission %d: %d %s", i+1, r.StatusCode, r.Header.Get("Location"))
		}
	}
	// Sent a third time later (Back, then the button again): the same.
	if r := h.PostRaw(b, alertPath+"/comments", "", form); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != first {
		t.Errorf("submission 3: %d %s, want %s", r.StatusCode, r.Header.Get("Location"), first)
	}
	if n := commentsWith(t, h, id, "Clicked twice"); n != 1 {
		t.Fatalf("the alert has the comment %d times, want 1", n)
	}
	act := webtest.Section(t, h.Get(b, alertPath).Body, "activity", "section")
	if n := strings.Count(act, "Clicked twice"); n != 1 {
		t.Errorf("the activity log has the comment %d times:\n%s", n, act)
	}
	// A fresh form (the page again) adds a comment again.
	p = h.Get(b, alertPath)
	again := webtest.FormFields(t, p, alertPath)
	again.Set("comment", "Clicked twice")
	if r := h.PostRaw(b, alertPath+"/comments", "", again); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a fresh form: %d", r.StatusCode)
	}
	if n := commentsWith(t, h, id, "Clicked twice"); n != 2 {
		t.Errorf("after a fresh form the comment is there %d times, want 2", n)
	}
}

// TestFormRefusedCanBeSentAgain: a form refused before anything changed
// (the user's mistake) keeps no claim, so it can be corrected and sent.
func TestFormRefusedCanBeSentAgain(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"comments": []any{}})
	alertPath := "/alerts/" + url.PathEscape(id)
	b, p := h.SignIn(h.User("Security Operator"), alertPath)
	form := webtest.FormFields(t, p, alertPath)
	form.Set("comment", "   ")
	if r := h.PostRaw(b, alertPath+"/comments", "", form); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("an empty comment: %d", r.StatusCode)
	}
	form.Set("comment", "Now with text")
	if r := h.PostRaw(b, alertPath+"/comments", "", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the corrected form: %d", r.StatusCode)
	}
	if n := commentsWith(t, h, id, "Now with text"); n != 1 {
		t.Errorf("comment added %d times", n)
	}
	// A token that is not one the console made is refused, and an old one
	// is refused with a request to reload.
	bad := webtest.FormFields(t, h.Get(b, alertPath), alertPath)
	bad.Set("comment", "x")
	bad.Set("formtoken", "forged")
	if r := h.PostRaw(b, alertPath+"/comments", "", bad); r.StatusCode != http.StatusBadRequest {
		t.Errorf("a forged token: %d", r.StatusCode)
	}
	bad.Set("formtoken", "1.AAAAAAAAAAAAAAAAAAAAAA")
	if r := h.PostRaw(b, alertPath+"/comments", "", bad); r.StatusCode != http.StatusConflict {
		t.Errorf("a token from 1970: %d", r.StatusCode)
	}
}

// TestUpdateFormSentTwiceGoesToTheResult: the triage pane's form, sent
// twice, sends its second submission where the first went (the alert's
// page), and PATCHes once.
func TestUpdateFormSentTwiceGoesToTheResult(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"status": "new"})
	alertPath := "/alerts/" + url.PathEscape(id)
	b, p := h.SignIn(h.User("Security Operator"), alertPath)
	form := webtest.FormFields(t, p, alertPath)
	form.Set("status", "inProgress")
	h.Graph.Reset()
	first := h.PostRaw(b, alertPath, "", form)
	if first.StatusCode != http.StatusSeeOther || !strings.HasPrefix(first.Header.Get("Location"), alertPath+"?done=") {
		t.Fatalf("update: %d %s", first.StatusCode, first.Header.Get("Location"))
	}
	r := h.PostRaw(b, alertPath, "", form)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != first.Header.Get("Location") {
		t.Fatalf("the update sent again: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	patches := 0
	for _, u := range h.Graph.Requests("/security/alerts_v2/" + id) {
		_ = u
		patches++
	}
	if patches != 2 { // the GET before and the PATCH, once
		t.Errorf("%d requests for the alert, want the read and one PATCH", patches)
	}
}

// TestCommentKeptAcrossExpiredSession: a comment typed while the session
// expired comes back in the comment box after signing in again, not sent.
func TestCommentKeptAcrossExpiredSession(t *testing.T) {
	h := webtest.New(t, webtest.Options{ConsoleClock: true})
	id, _ := h.RaiseAlert(map[string]any{"comments": []any{}})
	alertPath := "/alerts/" + url.PathEscape(id)
	op := h.User("Security Operator")
	b, p := h.SignIn(op, alertPath)
	form := webtest.FormFields(t, p, alertPath)
	const text = "Contained on WS-042 <b>before</b> lunch;\nsee ticket 7."
	form.Set("comment", text)
	// The analyst types for longer than the session lasts.
	h.Clock.Advance(13 * time.Hour)
	r := h.PostRaw(b, alertPath+"/comments", "", form)
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?") || !strings.Contains(loc, "draft=kept") {
		t.Fatalf("comment after the session expired: %d %s", r.StatusCode, loc)
	}
	signin := h.Get(b, loc)
	if !webtest.IsSignInPage(signin) || !strings.Contains(signin.Body, `id="draft-kept"`) || !strings.Contains(signin.Body, "Your session has ended") {
		t.Fatalf("the sign-in page does not say the text is kept:\n%s", signin.Body)
	}
	back, err := h.SignInWith(b, loc, op, emutest.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if back.URL.Path != alertPath {
		t.Fatalf("after sign-in: %s", back.URL)
	}
	box := webtest.Section(t, back.Body, "c-text", "textarea")
	if !strings.Contains(box, "Contained on WS-042 &lt;b&gt;before&lt;/b&gt; lunch;\nsee ticket 7.") || !strings.Contains(back.Body, `id="draft-restored"`) {
		t.Fatalf("the comment box after sign-in:\n%s", box)
	}
	if n := commentsWith(t, h, id, text); n != 0 {
		t.Fatal("the kept comment was sent without the user")
	}
	// Restored once: the next visit shows an empty box.
	if again := webtest.Section(t, h.Get(b, alertPath).Body, "c-text", "textarea"); strings.Contains(again, "WS-042") {
		t.Error("the text was restored twice")
	}
}

// TestSessionEndsWhenConsentIsRevoked is the regression test for a
// revoked consent (or a refresh token no longer accepted) failing every
// page while the session lived on: the user is signed out with a page
// that says why, and a sign-in button.
func TestSessionEndsWhenConsentIsRevoked(t *testing.T) {
	tests := []struct {
		name    string
		revoke  bool
		advance time.Duration
		heading string
	}{
		{"consent revoked", true, 2 * time.Hour, "graphsec's permissions were withdrawn"},
		// Only the identity platform's clock moves: the session is alive
		// for the console, the refresh token dead for Microsoft.
		{"refresh token expired", false, 100 * 24 * time.Hour, "Your sign-in has ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := webtest.New(t, webtest.Options{ConsoleClock: tt.advance < 12*time.Hour})
			id, _ := h.RaiseAlert(map[string]any{"comments": []any{}})
			alertPath := "/alerts/" + url.PathEscape(id)
			b, p := h.SignIn(h.User("Security Operator"), alertPath)
			form := webtest.FormFields(t, p, alertPath)
			if tt.revoke {
				h.Ctl(http.MethodPost, "/_emulator/consent", map[string]any{"granted": false})
			}
			h.Clock.Advance(tt.advance)
			got := h.Get(b, "/alerts")
			if got.Status != http.StatusUnauthorized || !strings.Contains(html.UnescapeString(got.Body), tt.heading) || !webtest.IsSignInPage(got) {
				t.Fatalf("/alerts: %d\n%s", got.Status, got.Body)
			}
			// Signed out: the next page asks to sign in; a form's text is kept.
			if next, _ := b.Get(h.URL + "/alerts"); next.Status != http.StatusSeeOther || !strings.HasPrefix(next.Location, h.URL+"/login?") {
				t.Fatalf("after the session ended: %d %s", next.Status, next.Location)
			}
			form.Set("comment", "typed meanwhile")
			r := h.PostRaw(b, alertPath+"/comments", "", form)
			if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "draft=kept") {
				t.Errorf("a form after the session ended: %d %s", r.StatusCode, r.Header.Get("Location"))
			}
		})
	}
}

// TestChangeAppliedAfterTimeoutIsReconciled is the regression test for a
// change Graph applied after graphsec gave up (a timeout, or graphsec
// killed mid-request) leaving no activity: the intent is recorded before
// the call, stays pending, and the reconciliation marks it applied once
// Graph shows it. A pending change Graph never applied is marked not
// applied.
func TestChangeAppliedAfterTimeoutIsReconciled(t *testing.T) {
	h := webtest.New(t, webtest.Options{ConsoleClock: true, GraphTimeout: 300 * time.Millisecond})
	id, _ := h.RaiseAlert(map[string]any{"comments": []any{}, "status": "new"})
	alertPath := "/alerts/" + url.PathEscape(id)
	b, p := h.SignIn(h.User("Security Operator"), alertPath)
	form := webtest.FormFields(t, p, alertPath)
	form.Set("comment", "Slow but applied")
	// Graph answers after graphsec's timeout, and applies the comment.
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "POST", "path": "/security/alerts_v2/" + id + "/comments", "delay": "1s", "count": 1})
	r := h.PostRaw(b, alertPath+"/comments", "", form)
	if r.StatusCode != http.StatusBadGateway {
		t.Fatalf("a comment Graph did not answer in time: %d", r.StatusCode)
	}
	act := webtest.Section(t, h.Get(b, alertPath).Body, "activity", "section")
	if !strings.Contains(act, "Slow but applied") || !strings.Contains(act, "not confirmed yet") {
		t.Fatalf("the activity log does not show the pending comment:\n%s", act)
	}
	deadline := time.Now().Add(5 * time.Second)
	for commentsWith(t, h, id, "Slow but applied") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if commentsWith(t, h, id, "Slow but applied") != 1 {
		t.Fatal("the emulator did not apply the comment after the timeout")
	}

	// What a crash (kill -9) leaves: intents without an outcome. One that
	// Graph applied (the status was changed) and one it never saw.
	intent := func(action, changes string) {
		_, err := h.Store.AddActivity(context.Background(), store.Activity{Resource: "alert", ResourceID: id, Action: action,
			ActorName: "killed@graphsec", At: h.Clock.Now(), Changes: []byte(changes), State: store.ActivityPending})
		if err != nil {
			t.Fatal(err)
		}
	}
	intent("update", `{"status":{"from":"new","to":"inProgress"}}`)
	intent("comment", `{"comment":"never sent"}`)
	h.Ctl(http.MethodPatch, "/_emulator/alerts/"+id, map[string]any{"status": "inProgress"})

	// Too recent to decide: left for later.
	if res, err := h.Server.Reconcile(context.Background()); err != nil || res.Checked != 0 {
		t.Fatalf("reconcile of fresh intents: %+v %v", res, err)
	}
	h.Clock.Advance(page.DefaultReconcileMinAge + time.Minute)
	res, err := h.Server.Reconcile(context.Background())
	if err != nil || res.Applied != 2 || res.NotApplied != 1 || res.Left != 0 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
	act = webtest.Section(t, h.Get(b, alertPath).Body, "activity", "section")
	if strings.Contains(act, "not confirmed yet") || strings.Count(act, "not applied") != 1 || !strings.Contains(act, "never sent") {
		t.Errorf("the activity log after reconciliation:\n%s", act)
	}
	if res, _ := h.Server.Reconcile(context.Background()); res.Checked != 0 {
		t.Errorf("a second run checked %d changes again", res.Checked)
	}
}
