//go:build shots

package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestShots writes screenshots of every page, at 1440×900 and 390 px
// wide, in English and Japanese, to $GRAPHSEC_SHOTS (default /tmp/shots):
// go test -tags shots -run TestShots ./internal/web
func TestShots(t *testing.T) {
	dir := os.Getenv("GRAPHSEC_SHOTS")
	if dir == "" {
		dir = "/tmp/shots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 400}})
	b := webtest.NewBrowser(t)
	b.SignIn(h, "/alerts", h.User("Security Operator"))
	reader := webtest.NewBrowser(t)
	reader.SignIn(h, "/alerts", h.User("Security Reader"))
	nobody := webtest.NewBrowser(t)
	nobody.SignIn(h, "/alerts", h.User(""))
	out := webtest.NewBrowser(t)
	first := webtest.Eval[string](b, `document.querySelector('#alerts tbody a.title').getAttribute('href')`)
	incident := webtest.Eval[string](b, `(document.querySelector('#alerts tbody td.c-inc a') || {getAttribute(){return ''}}).getAttribute('href')`)
	b.Do("legacy", chromedp.Navigate(h.URL+"/legacy/alerts"))
	legacy := webtest.Eval[string](b, `(document.querySelector('#legacy-alerts tbody a.title') || {getAttribute(){return ''}}).getAttribute('href')`)
	capture := func(br *webtest.Browser, name string, full bool) {
		var buf []byte
		var err error
		if full {
			buf, err = chromedp.Run(br.Ctx, chromedp.FullScreenshot(100))
		} else {
			buf, err = chromedp.Run(br.Ctx, chromedp.CaptureScreenshot())
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages := []struct{ name, path string }{
		{"alerts", "/alerts"},
		{"alerts-filtered", "/alerts?severity=high&severity=medium&status=new&sort=severity+desc&serviceSource=microsoftDefenderForEndpoint"},
		{"alert", first},
		{"incident", incident},
		{"manage", "/manage"},
		{"legacy-alerts", "/legacy/alerts"},
		{"legacy-alert", legacy},
		{"consent", "/consent"},
		{"notfound", "/no/such/page"},
	}
	for _, lang := range []string{"en", "ja"} {
		b.Do("language "+lang, chromedp.Navigate(h.URL+"/lang?to="+lang+"&back="+url.QueryEscape("/alerts")))
		for _, pg := range pages {
			if pg.path == "" {
				continue
			}
			for _, size := range []struct {
				name string
				w, h int64
			}{{"1440", 1440, 900}, {"390", 390, 844}} {
				name := pg.name + "-" + size.name + "-" + lang
				b.Do(name, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(h.URL+pg.path), chromedp.Sleep(200e6))
				capture(b, name, false)
			}
		}
		// The alert page whole, after a change (the flash), after a refused
		// one (the comment kept), as a reader, and a user without a role.
		b.Do("alert", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+first), webtest.Visible(`#update-form`))
		capture(b, "alert-full-"+lang, true)
		b.Retry("triage", chromedp.SetValue(chromedp.CSS(`#u-status`), "inProgress"), chromedp.SetValue(chromedp.CSS(`#u-triage`), "truePositive:malware"),
			chromedp.SetValue(chromedp.CSS(`#c-text`), "Checked the host"))
		b.ClickOn(`#save`)
		b.WaitAny(`#flash`)
		capture(b, "alert-flash-1440-"+lang, false)
		h.Ctl("POST", "/_emulator/faults", map[string]any{"method": "PATCH", "path": "/security/alerts_v2", "status": 503, "count": 5})
		b.Retry("triage", chromedp.SetValue(chromedp.CSS(`#u-status`), "resolved"), chromedp.SetValue(chromedp.CSS(`#c-text`), "Resolving now"))
		b.ClickOn(`#save`)
		b.WaitAny(`#triage-error`)
		capture(b, "alert-refused-1440-"+lang, false)
		h.Ctl("DELETE", "/_emulator/faults", nil)
		reader.Lang(h, lang)
		reader.Do("reader", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+first), webtest.Visible(`#read-only`))
		capture(reader, "alert-reader-1440-"+lang, false)
		nobody.Lang(h, lang)
		for _, size := range []struct {
			name string
			w, h int64
		}{{"1440", 1440, 900}, {"390", 390, 844}} {
			nobody.Do("no access", chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(h.URL+"/alerts"), webtest.Visible(`#no-access`))
			capture(nobody, "noaccess-"+size.name+"-"+lang, false)
		}
		// Signed out: the sign-in page (after a session ended with a
		// form's text kept) and the signed-out page.
		out.Lang(h, lang)
		for _, pg := range []struct{ name, path string }{{"signin", "/login?reason=ended&draft=kept&return_to=%2Falerts"}, {"signedout", "/signed-out"}} {
			for _, size := range []struct {
				name string
				w, h int64
			}{{"1440", 1440, 900}, {"390", 390, 844}} {
				out.Do(pg.name, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(h.URL+pg.path), chromedp.Sleep(200e6))
				capture(out, pg.name+"-"+size.name+"-"+lang, false)
			}
		}
	}
	// Dark mode.
	if _, err := chromedp.Call(b.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	for _, pg := range []struct{ name, path string }{{"alerts", "/alerts?severity=high&severity=medium&severity=low&severity=informational"}, {"alert", first}} {
		b.Do(pg.name, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+pg.path), chromedp.Sleep(200e6))
		capture(b, pg.name+"-dark-1440", false)
	}
	t.Logf("screenshots in %s", dir)
}
