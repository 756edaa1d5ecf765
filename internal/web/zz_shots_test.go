//go:build shots

package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

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
	first := webtest.Eval[string](b, `document.querySelector('#alerts tbody a.title').getAttribute('href')`)
	incident := webtest.Eval[string](b, `(document.querySelector('#alerts tbody td.c-inc a') || {getAttribute(){return ''}}).getAttribute('href')`)
	b.Do("legacy", chromedp.Navigate(h.URL+"/legacy/alerts"))
	legacy := webtest.Eval[string](b, `(document.querySelector('#legacy-alerts tbody a.title') || {getAttribute(){return ''}}).getAttribute('href')`)
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
				buf, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}
