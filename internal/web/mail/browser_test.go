package mail_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestBrowserEmailAlert goes from an alert's page to its email form, sends
// it, and opens the message in the emulator's mailbox, in both languages;
// the form fits 390 px.
func TestBrowserEmailAlert(t *testing.T) {
	webtest.Langs(t, webtest.Options{}, "Security Operator", "/alerts", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		alert, incident := h.RaiseAlert(map[string]any{"title": "Browser mail " + lang, "severity": "medium"})
		b.Viewport(1440, 900)
		b.Do("alert", chromedp.Navigate(h.URL+"/alerts/"+url.PathEscape(alert)), webtest.Visible(`#email-link`))
		b.ClickOn(`#email-link`)
		b.WaitAny(`#mail-form`)
		subject := webtest.Eval[string](b, `document.getElementById('m-subject').value`)
		if !strings.Contains(subject, "Browser mail "+lang) {
			t.Errorf("the subject starts as %q", subject)
		}
		if p := b.Text(`#preview-text`); !strings.Contains(p, "Browser mail "+lang) {
			t.Errorf("the preview reads %q", p)
		}
		b.Retry("fill", chromedp.SetValue(chromedp.CSS(`#m-to`), "soc@contoso.com\nir-team@contoso.com"), chromedp.SetValue(chromedp.CSS(`#m-note`), "FYI "+lang),
			chromedp.Click(chromedp.CSS(`#m-attach`)))
		b.ClickOn(`#send`)
		b.WaitAny(`#sent`)
		if got := b.Text(`#sent-to`); got != "soc@contoso.com, ir-team@contoso.com" {
			t.Errorf("sent to %q", got)
		}
		box := h.Emu.Mailbox().Messages()
		if len(box) != 1 || box[0].Subject != subject || len(box[0].Attachments) != 1 {
			t.Fatalf("the mailbox holds %+v", box)
		}
		// The link opens the message in the emulator's mailbox.
		href := webtest.Eval[string](b, `document.getElementById('open-mailbox').href`)
		b.Do("mailbox", chromedp.Navigate(href), webtest.Visible(`body`))
		b.WaitURL("/_emulator/mail/" + box[0].ID)
		if body := b.Text(`body`); !strings.Contains(body, subject) || !strings.Contains(body, "ir-team@contoso.com") {
			t.Errorf("the mailbox page reads %.300q", body)
		}

		// An incident's form, on a phone.
		b.Viewport(390, 844)
		b.Do("incident mail", chromedp.Navigate(h.URL+"/incidents/"+url.PathEscape(incident)+"/email"), webtest.Visible(`#mail-form`))
		if webtest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
			b.Screenshot("mail-phone")
			t.Errorf("the email form scrolls sideways at 390 px (%d)", webtest.Eval[int](b, `document.documentElement.scrollWidth`))
		}
	})
}
