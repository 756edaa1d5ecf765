package alerts_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestBrowserHostileAlertRendersAsText(t *testing.T) {
	h := webtest.New(t)
	title := `<script>alert("xss-title")</script><img src=x onerror=alert("xss-img")>`
	body := fmt.Sprintf(`{"title":%q,"severity":"high","description":%q}`, title, `<svg onload=alert("xss-svg")>`)
	res, err := http.Post(h.Emu.URL()+"/_emulator/alerts", "application/json", strings.NewReader(body))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("inject: %v %v", err, res)
	}
	res.Body.Close()
	b := webtest.NewBrowser(t)
	b.SignIn(h, "/alerts?severity=high", h.User("Security Reader"))
	b.Do("alerts table", webtest.Visible(`#alerts`))
	shown := b.Text(`#alerts tbody tr:first-child td:first-child a`)
	if shown != title {
		t.Fatalf("title shown as %q, want the literal text %q", shown, title)
	}
	injected := webtest.Eval[int](b, `document.querySelectorAll('main script, main img[src="x"], main svg').length`)
	if injected != 0 {
		t.Fatalf("%d injected elements exist in the page", injected)
	}
	// The dialog check in Cleanup fails the test if any alert() ran.
}

func TestBrowserAlertDetailUpdateAndComment(t *testing.T) {
	h := webtest.New(t)
	b := webtest.NewBrowser(t)
	analyst := h.User("Security Operator")
	b.SignIn(h, "/alerts?status=new&top=10", analyst)
	b.Do("open the first alert", webtest.Visible(`#alerts`))
	b.ClickOn(`#alerts tbody tr:first-child td:first-child a`)
	b.WaitAny(`#update-form`)
	title := b.Text(`#alert-title`)
	if n := webtest.Eval[int](b, `document.querySelectorAll('#evidence section, #evidence .card').length`); n == 0 {
		t.Fatal("the detail page shows no evidence panel")
	}
	if webtest.Eval[string](b, `document.querySelector('#raw-json').textContent`) == "" {
		t.Fatal("no raw JSON")
	}

	// Update status and classification, and assign to me.
	b.Retry("fill the update form",
		chromedp.SetValue(chromedp.CSS(`#u-status`), "inProgress"),
		chromedp.SetValue(chromedp.CSS(`#u-class`), "truePositive"),
		chromedp.SetValue(chromedp.CSS(`#u-determ`), "malware"),
	)
	b.ClickOn(`#update-form button[name="assignToMe"]`)
	b.WaitAny(`#compare`)
	changed := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#compare tr.changed-row th')).map(th => th.textContent)`)
	for _, want := range []string{"status", "classification", "determination", "assignedTo"} {
		found := false
		for _, c := range changed {
			found = found || strings.EqualFold(strings.TrimSpace(c), want)
		}
		if !found {
			t.Errorf("before/after does not highlight %s (highlighted: %v)", want, changed)
		}
	}
	if u := b.Text(`.rest .url`); !strings.Contains(u, "/v1.0/security/alerts_v2/") {
		t.Errorf("the request sent is not shown: %q", u)
	}
	if body := b.Text(`.rest-body`); !strings.Contains(body, `"status"`) || !strings.Contains(body, `"inProgress"`) {
		t.Errorf("the PATCH body shown: %q", body)
	}

	// Back on the alert: it shows the new state, the activity log, and takes a comment.
	b.ClickOn(`.actions a.button`)
	b.WaitAny(`#comment-form`)
	if got := b.Text(`#alert-title`); got != title {
		t.Fatalf("back on %q, want %q", got, title)
	}
	if who := b.Text(`#assigned-to`); who != h.UPN(analyst) {
		t.Errorf("assigned to %q after 'assign to me'", who)
	}
	if a := b.Text(`#activity`); !strings.Contains(a, h.UPN(analyst)) || !strings.Contains(a, "status") {
		t.Errorf("activity log: %q", a)
	}
	comment := "Checked the host <b>manually</b> — 確認済み"
	b.Retry("write a comment", chromedp.SetValue(chromedp.CSS(`#c-text`), comment))
	b.ClickOn(`#comment-form button[type="submit"]`)
	b.WaitURL("#comments")
	b.WaitAny(`#comments`)
	if got := b.Text(`#comments`); !strings.Contains(got, comment) {
		t.Fatalf("the new comment is not shown as text: %q", got)
	}
}
