//go:build shots

package web_test

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/emulator"
)

func TestShots(t *testing.T) {
	h := newHarness(t, harnessOptions{emulator: emulator.Options{Alerts: 400}})
	b := newBrowser(t)
	b.signIn(h, "/alerts", h.user("Security Operator"))
	shot := func(name, path string, w, hgt int64) {
		b.do(name, chromedp.EmulateViewport(w, hgt), chromedp.Navigate(h.url+path), chromedp.Sleep(300e6))
		buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("/tmp/shots/"+name+".png", buf, 0o644)
	}
	shot("alerts-1440", "/alerts", 1440, 900)
	shot("alerts-390", "/alerts", 390, 844)
	id := eval[string](b, `document.querySelector('#alerts tbody a') ? document.querySelector('#alerts tbody a').getAttribute('href') : ''`)
	t.Log("first", id)
	shot("alert-1440", id, 1440, 900)
	shot("alert-390", id, 390, 844)
}
