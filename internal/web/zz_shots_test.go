//go:build shots

package web_test

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestShots(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 400}})
	b := webtest.NewBrowser(t)
	b.SignIn(h, "/alerts", h.User("Security Operator"))
	shot := func(name, path string, w, hgt int64) {
		b.Do(name, chromedp.EmulateViewport(w, hgt), chromedp.Navigate(h.URL+path), chromedp.Sleep(300e6))
		buf, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("/tmp/shots/"+name+".png", buf, 0o644)
	}
	shot("alerts-1440", "/alerts", 1440, 900)
	shot("alerts-390", "/alerts", 390, 844)
	id := webtest.Eval[string](b, `document.querySelector('#alerts tbody a') ? document.querySelector('#alerts tbody a').getAttribute('href') : ''`)
	t.Log("first", id)
	shot("alert-1440", id, 1440, 900)
	shot("alert-390", id, 390, 844)
}
