package actions_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestBrowserSecurityActions requests an action with the page's form, sees
// it listed with its status, cancels it, in both languages; a reader sees
// the list without the form; the page fits 390 px.
func TestBrowserSecurityActions(t *testing.T) {
	webtest.Langs(t, webtest.Options{}, "Security Operator", "/actions", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		b.Do("actions", chromedp.Navigate(h.URL+"/actions"), webtest.Visible(`#action-form`))
		if note := b.Text(`#app-only`); !strings.Contains(note, map[string]string{"en": "app-only token", "ja": "アプリ専用トークン"}[lang]) {
			t.Errorf("the page does not say it uses the app's token: %q", note)
		}
		before := webtest.Eval[int](b, `document.querySelectorAll('#actions tbody tr').length`)
		b.Retry("fill", chromedp.Click(chromedp.CSS(`input[name=action][value=block]`)), chromedp.SetValue(chromedp.CSS(`#a-name`), "IP"),
			chromedp.SetValue(chromedp.CSS(`#a-value`), "198.51.100.23"), chromedp.SetValue(chromedp.CSS(`#a-reason`), "C2 traffic "+lang))
		b.ClickOn(`#submit-action`)
		b.WaitAny(`#done`)
		if n := webtest.Eval[int](b, `document.querySelectorAll('#actions tbody tr').length`); n != before+1 {
			t.Fatalf("%d actions listed, %d before", n, before)
		}
		first := b.Text(`#actions tbody tr:first-child`)
		status := map[string]string{"en": "Not started", "ja": "未開始"}[lang]
		if !strings.Contains(first, "198.51.100.23") || !strings.Contains(first, status) || !strings.Contains(first, h.UPN(h.User("Security Operator"))) {
			t.Errorf("the new action reads %q", first)
		}
		b.ClickOn(`#actions tbody tr:first-child button.cancel`)
		b.WaitAny(`#done`)
		b.WaitAny(`#actions tbody tr:first-child .op-Failed`)
		if n := webtest.Eval[int](b, `document.querySelectorAll('#actions tbody tr:first-child button.cancel').length`); n != 0 {
			t.Error("a cancelled action can be cancelled again")
		}
		b.Viewport(390, 844)
		b.Do("phone", chromedp.Navigate(h.URL+"/actions"), webtest.Visible(`#action-form`))
		if webtest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
			b.Screenshot("actions-phone")
			t.Errorf("/actions scrolls sideways at 390 px (%d): %v", webtest.Eval[int](b, `document.documentElement.scrollWidth`),
				webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' in ' + e.parentElement.tagName + '.' + e.parentElement.className + ' right ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.getAttribute('name')||e.textContent.slice(0,20)))`))
		}

		r := webtest.NewBrowser(t)
		r.SignIn(h, "/actions", h.User("Security Reader"))
		r.Lang(h, lang)
		r.Do("reader", chromedp.Navigate(h.URL+"/actions"), webtest.Visible(`#read-only`))
		if n := webtest.Eval[int](r, `document.querySelectorAll('#action-form, button.cancel').length`); n != 0 {
			t.Error("a reader is offered the form or a cancel button")
		}
		if n := webtest.Eval[int](r, `document.querySelectorAll('#actions tbody tr').length`); n != before+1 {
			t.Errorf("the reader sees %d actions", n)
		}
	})
}
