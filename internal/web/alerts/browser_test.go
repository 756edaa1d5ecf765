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
	shown := b.Text(`#alerts tbody tr:first-child a.title`)
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
	b.ClickOn(`#alerts tbody tr:first-child a.title`)
	b.WaitAny(`#update-form`)
	title := b.Text(`#alert-title`)
	if n := webtest.Eval[int](b, `document.querySelectorAll('#evidence .card').length`); n == 0 {
		t.Fatal("the detail page shows no evidence panel")
	}
	if webtest.Eval[string](b, `document.querySelector('#raw-json').textContent`) == "" {
		t.Fatal("no raw JSON")
	}

	// Status, classification with its determination, a comment, and
	// "Assign to me": one press, and the page comes back in place.
	comment := "Checked the host <b>manually</b> — 確認済み"
	b.Retry("fill the triage pane",
		chromedp.SetValue(chromedp.CSS(`#u-status`), "inProgress"),
		chromedp.SetValue(chromedp.CSS(`#u-triage`), "truePositive:malware"),
		chromedp.SetValue(chromedp.CSS(`#c-text`), comment),
	)
	b.ClickOn(`#assign-to-me`)
	b.WaitAny(`#flash`)
	changed := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#flash tr.changed-row')).map(tr => tr.dataset.prop)`)
	for _, want := range []string{"status", "classification", "determination", "assignedTo"} {
		if !strings.Contains(strings.Join(changed, " "), want) {
			t.Errorf("before/after does not highlight %s (highlighted: %v)", want, changed)
		}
	}
	if got := b.Text(`#alert-title`); got != title {
		t.Fatalf("after the update the page shows %q, want %q", got, title)
	}
	if who := b.Text(`#assigned-to`); who != h.UPN(analyst) {
		t.Errorf("assigned to %q after 'assign to me'", who)
	}
	if got := b.Text(`#comments`); !strings.Contains(got, comment) {
		t.Fatalf("the new comment is not shown as text: %q", got)
	}
	if a := b.Text(`#activity`); !strings.Contains(a, h.UPN(analyst)) || !strings.Contains(a, "Status") {
		t.Errorf("activity log: %q", a)
	}
	if body := webtest.Eval[string](b, `document.querySelector('#flash .rest-body').textContent`); !strings.Contains(body, `"status"`) || !strings.Contains(body, `"inProgress"`) {
		t.Errorf("the PATCH body shown: %q", body)
	}
	if v := webtest.Eval[string](b, `document.querySelector('#c-text').value`); v != "" {
		t.Errorf("the comment box still holds %q after it was added", v)
	}
}
