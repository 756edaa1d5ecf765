package actions_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

var actionRow = regexp.MustCompile(`<tr data-id="([^"]+)">`)

// rows returns the ids of the actions the page lists, newest first.
func rows(body string) []string {
	var out []string
	for _, m := range actionRow.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// row is the list's line of action id.
func row(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `<tr data-id="`+id+`">`)
	if i < 0 {
		t.Fatalf("action %s is not listed", id)
	}
	return body[i : i+strings.Index(body[i:], "</tr>")]
}

func TestCreateListCancel(t *testing.T) {
	h := webtest.New(t)
	op := h.User("Security Operator")
	b, p := h.SignIn(op, "/actions")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="app-only"`) {
		t.Fatalf("/actions: %d\n%s", p.Status, p.Body)
	}
	i18n.AssertNoMarkers(t, p.Body)
	before := rows(p.Body)
	form := webtest.FormFields(t, p, "/actions")
	for k, v := range map[string]string{"action": "block", "name": "IP", "value": "203.0.113.7", "provider": "Windows Defender ATP", "reason": "Command and control"} {
		form.Set(k, v)
	}
	h.Graph.Reset()
	res := h.Post(b, "/actions", "", form)
	if res.Status != http.StatusOK || res.URL.Path != "/actions" || !strings.Contains(res.URL.RawQuery, "done=") {
		t.Fatalf("create: %d at %s\n%s", res.Status, res.URL, res.Body)
	}
	done := webtest.Section(t, res.Body, "done", "div")
	if !strings.Contains(done, "Action Block requested.") || !strings.Contains(done, "HTTP 201") {
		t.Errorf("the result says:\n%s", done)
	}
	after := rows(res.Body)
	if len(after) != len(before)+1 {
		t.Fatalf("%d actions listed after one was created, %d before", len(after), len(before))
	}
	id := after[0]
	r := row(t, res.Body, id)
	for _, want := range []string{"Block", "IP=203.0.113.7", "Windows Defender ATP", h.UPN(op), `title="NotStarted">Not started`, "Command and control", `class="btn subtle cancel"`} {
		if !strings.Contains(r, want) {
			t.Errorf("the new action's row lacks %q:\n%s", want, r)
		}
	}
	// Sent to the beta API, as the application (the emulator, like Graph,
	// refuses delegated tokens there).
	if len(h.Graph.Requests("/security/securityActions")) == 0 {
		t.Error("nothing was sent to the security actions API")
	}
	// The activity log records who asked.
	acts, err := h.Store.ListActivity(t.Context(), "securityAction", id, 10)
	if err != nil || len(acts) != 1 || acts[0].Action != "create" || acts[0].ActorName != h.UPN(op) {
		t.Errorf("activity %+v %v", acts, err)
	}

	// Cancel it.
	cancel := webtest.FormFields(t, res, "/actions/"+url.PathEscape(id)+"/cancel")
	res = h.Post(b, "/actions/"+url.PathEscape(id)+"/cancel", "", cancel)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Action cancelled.") {
		t.Fatalf("cancel: %d\n%s", res.Status, res.Body)
	}
	r = row(t, res.Body, id)
	if !strings.Contains(r, `title="Failed">Failed`) || !strings.Contains(r, "Canceled by the client.") || strings.Contains(r, `class="btn subtle cancel"`) {
		t.Errorf("the cancelled action's row:\n%s", r)
	}
	// Cancelling it again: Graph's refusal, shown on the page.
	res = h.Post(b, "/actions/"+url.PathEscape(id)+"/cancel", "", webtest.FormFields(t, h.Get(b, "/actions"), "/actions"))
	if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `id="action-error"`) {
		t.Errorf("a second cancel: %d", res.Status)
	}
}

func TestCreateMistakes(t *testing.T) {
	h := webtest.New(t)
	b, p := h.SignIn(h.User("Security Operator"), "/actions")
	valid := map[string]string{"action": "allow", "name": "url", "value": "https://contoso.example/", "provider": "Windows Defender ATP", "reason": "Known good"}
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"no action", "action", "", "Choose Allow or Block."},
		{"unknown action", "action", "quarantine", `&#34;quarantine&#34; is not an action`},
		{"no property name", "name", "  ", "Property name is required."},
		{"no value", "value", "", "Value is required."},
		{"no provider", "provider", "", "Provider is required."},
		{"value too long", "value", strings.Repeat("a", 2049), "at most"},
		{"control character", "name", "I\x01P", "control"},
		{"reason too long", "reason", strings.Repeat("r", 4001), "at most"},
		{"reason not UTF-8", "reason", "\xff", "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := webtest.FormFields(t, p, "/actions")
			for k, v := range valid {
				form.Set(k, v)
			}
			form.Set(tc.field, tc.value)
			h.Graph.Reset()
			res := h.Post(b, "/actions", "", form)
			if res.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", res.Status)
			}
			msg := webtest.Section(t, res.Body, "error-"+tc.field, "small")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("the mistake says %q, want %q", msg, tc.want)
			}
			for _, k := range []string{"name", "value", "provider"} {
				if k != tc.field && !strings.Contains(res.Body, `value="`+strings.ReplaceAll(valid[k], "/", "&#x2f;")+`"`) && !strings.Contains(res.Body, `value="`+valid[k]+`"`) {
					t.Errorf("the form lost %s", k)
				}
			}
			if n := len(rows(res.Body)); n > 0 {
				// The list is still shown; nothing new was created.
				for _, id := range rows(res.Body) {
					if strings.Contains(row(t, res.Body, id), valid["value"]) {
						t.Error("an action was created despite the mistake")
					}
				}
			}
		})
	}
}

func TestReaderSeesReadOnly(t *testing.T) {
	h := webtest.New(t)
	b, p := h.SignIn(h.User("Security Reader"), "/actions")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="read-only"`) || strings.Contains(p.Body, `id="action-form"`) || strings.Contains(p.Body, "btn subtle cancel") {
		t.Fatalf("a reader's page: %d", p.Status)
	}
	n := len(rows(p.Body))
	form := url.Values{"action": {"block"}, "name": {"IP"}, "value": {"198.51.100.1"}, "provider": {"Windows Defender ATP"}}
	res := h.Post(b, "/actions", webtest.CSRF(t, p), form)
	if res.Status != http.StatusForbidden {
		t.Errorf("a reader's create: %d, want 403", res.Status)
	}
	if got := len(rows(h.Get(b, "/actions").Body)); got != n {
		t.Errorf("a reader created an action: %d listed, %d before", got, n)
	}
}

func TestWithoutApplicationPermission(t *testing.T) {
	h := webtest.New(t)
	// Signed in elsewhere, so that the console has no app-only token yet
	// (a token keeps the roles it was issued with, for its hour).
	b, _ := h.SignIn(h.User("Security Operator"), "/securescore")
	if status, body := h.Ctl(http.MethodPost, "/_emulator/consent", map[string]any{"granted": false}); status != http.StatusOK {
		t.Fatalf("revoke consent: %d %s", status, body)
	}
	p := h.Get(b, "/actions")
	help := webtest.Section(t, p.Body, "permission-help", "div")
	for _, want := range []string{"SecurityActions.Read.All / SecurityActions.ReadWrite.All", "Grant admin consent", `id="held"`} {
		if !strings.Contains(help, want) {
			t.Errorf("the help lacks %q:\n%s", want, help)
		}
	}
	if !strings.Contains(p.Body, `id="list-error"`) {
		t.Error("no list error")
	}
}

// TestRolesUnknown: when graphsec could not read the user's roles at
// sign-in, the app's permission is not offered (the other pages let Graph
// decide; here Graph would decide on the app's permission, not the user's).
func TestRolesUnknown(t *testing.T) {
	h := webtest.New(t)
	if status, body := h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"path": "/me/memberOf", "status": 500, "count": 10}); status >= 300 {
		t.Fatalf("fault: %d %s", status, body)
	}
	b, p := h.SignIn(h.User("Security Operator"), "/actions")
	if !strings.Contains(p.Body, "could not read your directory roles") || strings.Contains(p.Body, `id="action-form"`) {
		t.Fatalf("roles unknown: %d, form offered: %v", p.Status, strings.Contains(p.Body, `id="action-form"`))
	}
	res := h.Post(b, "/actions", webtest.CSRF(t, p), url.Values{"action": {"block"}, "name": {"IP"}, "value": {"198.51.100.2"}, "provider": {"Windows Defender ATP"}})
	if res.Status != http.StatusForbidden {
		t.Errorf("a create without known roles: %d, want 403", res.Status)
	}
}
