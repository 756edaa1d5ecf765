package legacy_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestBrowserLegacyAlertsQueryAndUpdate(t *testing.T) {
	h := webtest.New(t)
	b := webtest.NewBrowser(t)
	analyst := h.User("Security Operator")
	b.SignIn(h, "/legacy/alerts", analyst)
	b.WaitAny(`#legacy-alerts`)
	// The original form: severity High, top 5 per provider.
	b.Retry("query", chromedp.SetValue(chromedp.CSS(`#l-severity`), "High"), chromedp.SetValue(chromedp.CSS(`#l-top`), "5"))
	b.ClickOn(`form.filters button[type="submit"]`)
	b.WaitURL("severity=High")
	b.WaitAny(`#legacy-alerts`, `#legacy-none`)
	if u := webtest.Eval[string](b, `document.querySelector('.rest .url').textContent`); !strings.Contains(u, "/v1.0/security/alerts?") || !strings.Contains(u, "severity") {
		t.Fatalf("REST query shown: %q", u)
	}
	if webtest.Eval[int](b, `document.querySelectorAll('#legacy-alerts tbody tr').length`) == 0 {
		t.Fatal("no high-severity legacy alerts")
	}
	// Open one and update it as the original sample did.
	b.ClickOn(`#legacy-alerts tbody tr:first-child a.title`)
	b.WaitAny(`#legacy-manage`)
	b.Retry("manage", chromedp.SetValue(chromedp.CSS(`#m-status`), "inProgress"), chromedp.SetValue(chromedp.CSS(`#m-feedback`), "truePositive"))
	b.ClickOn(`#legacy-manage button[type="submit"]`)
	b.WaitAny(`#compare`)
	if c := b.Text(`#compare`); !strings.Contains(c, "In progress") || !strings.Contains(c, h.UPN(analyst)) {
		t.Fatalf("before/after: %q", c)
	}
	if webtest.Eval[string](b, `document.querySelector('.rest .method').textContent`) != "PATCH" {
		t.Fatal("the PATCH request is not shown")
	}
}
