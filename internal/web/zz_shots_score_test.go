//go:build shots

package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestShotsScoreActionsMail writes screenshots of the secure score page, a
// control profile's page (as it opens, after a state change, as a
// reader), the security actions page and the alert email form, at
// 1440×900 and 390 px wide (the whole page), in English and Japanese, to
// $GRAPHSEC_SHOTS (default /tmp/shots), named securescore-…, profile-…,
// actions-… and mail-…:
// go test -tags shots -run TestShots ./internal/web
func TestShotsScoreActionsMail(t *testing.T) {
	dir := os.Getenv("GRAPHSEC_SHOTS")
	if dir == "" {
		dir = "/tmp/shots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := webtest.New(t)
	alert, incident := h.RaiseAlert(map[string]any{"title": "Suspicious PowerShell download", "severity": "high", "category": "Execution",
		"description": "A PowerShell command downloaded and ran a script from the internet.",
		"evidence":    []any{webtest.Evidence("userEvidence", map[string]any{"userAccount": map[string]any{"accountName": "jdoe", "userPrincipalName": "jdoe@contoso.com"}})}})
	b := webtest.NewBrowser(t)
	b.SignIn(h, "/securescore", h.User("Security Administrator"))
	reader := webtest.NewBrowser(t)
	reader.SignIn(h, "/securescore", h.User("Security Reader"))
	capture := func(br *webtest.Browser, name string) {
		buf, err := chromedp.Run(br.Ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sizes := []struct {
		name string
		w, h int64
	}{{"1440", 1440, 900}, {"390", 390, 844}}
	pages := []struct{ name, path string }{
		{"securescore", "/securescore"},
		{"securescore-filtered", "/securescore?controlCategory=Identity&sort=maxScore+desc"},
		{"profile", "/securescore/profiles/AdminMFAV2"},
		{"actions", "/actions"},
		{"mail-alert", "/alerts/" + url.PathEscape(alert) + "/email"},
		{"mail-incident", "/incidents/" + url.PathEscape(incident) + "/email"},
	}
	for _, lang := range []string{"en", "ja"} {
		b.Lang(h, lang)
		for _, pg := range pages {
			for _, size := range sizes {
				name := pg.name + "-" + size.name + "-" + lang
				b.Do(name, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(h.URL+pg.path), chromedp.Sleep(200e6))
				capture(b, name)
			}
		}
		// An alert's page with its email button; an email sent and seen in
		// the emulator's mailbox; a control's state set.
		b.Do("alert "+lang, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+"/alerts/"+url.PathEscape(alert)), webtest.Visible(`#email-link`))
		capture(b, "mail-alert-page-1440-"+lang)
		b.Do("mail "+lang, chromedp.Navigate(h.URL+"/alerts/"+url.PathEscape(alert)+"/email"), webtest.Visible(`#mail-form`))
		b.Retry("fill", chromedp.SetValue(chromedp.CSS(`#m-to`), "soc@contoso.com, lead@contoso.com"), chromedp.SetValue(chromedp.CSS(`#m-note`), "Please look at this one first."),
			chromedp.Click(chromedp.CSS(`#m-attach`)))
		b.ClickOn(`#send`)
		b.WaitAny(`#sent`)
		capture(b, "mail-sent-1440-"+lang)
		href := webtest.Eval[string](b, `document.getElementById('open-mailbox').href`)
		b.Do("mailbox "+lang, chromedp.Navigate(href), chromedp.Sleep(500e6))
		capture(b, "mail-mailbox-1440-"+lang)
		b.Do("profile "+lang, chromedp.Navigate(h.URL+"/securescore/profiles/AdminMFAV2"), webtest.Visible(`#state-form`))
		b.Retry("state", chromedp.SetValue(chromedp.CSS(`#u-state`), "Reviewed"), chromedp.SetValue(chromedp.CSS(`#u-comment`), "Reviewed with the identity team"))
		b.ClickOn(`#save`)
		b.WaitAny(`#saved`)
		capture(b, "profile-saved-1440-"+lang)
		reader.Lang(h, lang)
		for _, pg := range pages[2:4] {
			reader.Do("reader "+pg.name, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+pg.path), chromedp.Sleep(200e6))
			capture(reader, pg.name+"-reader-1440-"+lang)
		}
	}
	// Dark mode: the chart's colours follow.
	if _, err := chromedp.Call(b.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	for _, pg := range pages[:4] {
		b.Do(pg.name+" dark", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+pg.path), chromedp.Sleep(200e6))
		capture(b, pg.name+"-dark-1440")
	}
	t.Logf("screenshots in %s", dir)
}
