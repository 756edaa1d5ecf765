package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestTypedTextKeptOnEveryForm: on every form where an analyst types
// (manage by id, the legacy alert's update, legacy manage by id), text
// posted after the session ended comes back in its box after sign-in,
// and is not sent on its own.
func TestTypedTextKeptOnEveryForm(t *testing.T) {
	h := webtest.New(t, webtest.Options{ConsoleClock: true})
	_, body := h.Ctl(http.MethodPost, "/_emulator/legacy/alerts", map[string]any{})
	var legacy struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &legacy); err != nil || legacy.ID == "" {
		t.Fatalf("raise a legacy alert: %s", body)
	}
	alertID, _ := h.RaiseAlert(map[string]any{})
	legacyPath := "/legacy/alerts/" + url.PathEscape(legacy.ID)
	op := h.User("Security Operator")
	tests := []struct {
		name, page, action string
		fields             map[string]string // typed values, by field name
		boxes              map[string]string // element id of each field's box
	}{
		{"manage by id", "/manage", "/manage",
			map[string]string{"id": alertID, "comment": "Escalated <to> tier 2"}, map[string]string{"id": "m-id", "comment": "m-comment"}},
		{"legacy alert update", legacyPath, legacyPath,
			map[string]string{"comment": "Checked the host & user"}, map[string]string{"comment": "m-comment"}},
		{"legacy manage by id", "/legacy/manage", "/legacy/manage",
			map[string]string{"id": legacy.ID, "comment": "Closed after review"}, map[string]string{"id": "m-id", "comment": "m-comment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, p := h.SignIn(op, tt.page)
			form := webtest.FormFields(t, p, tt.action)
			for k, v := range tt.fields {
				form.Set(k, v)
			}
			h.Clock.Advance(13 * time.Hour) // longer than a session lasts
			r := h.PostRaw(b, tt.action, "", form)
			loc := r.Header.Get("Location")
			if r.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "draft=kept") {
				t.Fatalf("post after the session ended: %d %s", r.StatusCode, loc)
			}
			back, err := h.SignInWith(b, loc, op, emutest.SignInOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(back.Body, `id="draft-restored"`) {
				t.Fatalf("no notice that text was restored on %s", back.URL)
			}
			for k, v := range tt.fields {
				var box string
				if k == "comment" {
					box = webtest.Section(t, back.Body, tt.boxes[k], "textarea")
				} else {
					box = inputTag(t, back.Body, tt.boxes[k])
				}
				esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(v)
				if !strings.Contains(box, esc) {
					t.Errorf("%s after sign-in does not hold %q:\n%s", k, v, box)
				}
			}
		})
	}
}

// inputTag is the <input> element with the id, as written.
func inputTag(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element with id %q on the page", id)
	}
	j := strings.IndexByte(body[i:], '>')
	if j < 0 {
		t.Fatalf("element %q is not closed", id)
	}
	return body[i : i+j]
}
