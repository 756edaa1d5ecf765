//go:build shots

package live_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestShots writes screenshots of the live pages, at 1440×900 and 390 px
// wide, in English and Japanese, with data on them, to $GRAPHSEC_SHOTS
// (default /tmp/shots): go test -tags shots -run TestShots ./internal/web/live
func TestShots(t *testing.T) {
	dir := os.Getenv("GRAPHSEC_SHOTS")
	if dir == "" {
		dir = "/tmp/shots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := webtest.New(t, webtest.Options{Live: true, Feeds: true, WatchInterval: 200 * time.Millisecond})
	b := webtest.NewBrowser(t)
	b.SignIn(h, "/watches", h.User("Security Operator"))
	ctx := t.Context()
	me := webtestOwner(h)
	if _, err := h.Upkeep.Create(ctx, me, "severity=High&status=NewAlert", true); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Upkeep.Create(ctx, me, "hostFqdn=pc17.contoso.com", false); err != nil {
		t.Fatal(err)
	}
	w1, err := h.Watcher.CreateWatch(ctx, me, "alerts", "severity=high&status=new&status=inProgress", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Watcher.CreateWatch(ctx, me, "incidents", "severity=high&status=active", true); err != nil {
		t.Fatal(err)
	}
	var legacyID string
	for i, title := range []string{"Suspicious PowerShell download on pc17", "Ransomware behaviour detected", "Credential theft attempt (LSASS access)"} {
		id, _ := h.RaiseAlert(map[string]any{"title": title, "severity": "high", "status": "new"})
		if i == 0 {
			time.Sleep(300 * time.Millisecond)
			c := h.GraphAs(h.UPN(me.ID))
			if _, _, err := c.Alerts.Update(ctx, id, graph.AlertUpdate{Status: graph.Some(graph.AlertStatus("inProgress")), AssignedTo: graph.Some(h.UPN(me.ID))}); err != nil {
				t.Fatal(err)
			}
		}
		_, body := h.Ctl("POST", "/_emulator/legacy/alerts", map[string]any{"title": "Legacy: " + title, "category": "malware", "severity": "high", "status": "newAlert",
			"vendorInformation": map[string]any{"provider": "ASC", "vendor": "Microsoft"}})
		if i == 0 {
			var a struct{ ID string }
			_ = json.Unmarshal(body, &a)
			legacyID = a.ID
		}
	}
	time.Sleep(time.Second)
	// A legacy alert changed once its first item was enriched: the
	// second item shows the title and the change.
	if _, _, err := h.GraphAs(h.UPN(me.ID)).LegacyAlerts.Update(ctx, legacyID, graph.LegacyAlertUpdate{AssignedTo: graph.Some(h.UPN(me.ID)),
		Feedback: graph.Some(graph.LegacyAlertFeedback("truePositive")), VendorInformation: graph.SecurityVendorInformation{Provider: "ASC", Vendor: "Microsoft"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := h.Watcher.PollNow(ctx, w1.ID); err != nil {
		t.Fatal(err)
	}
	capture := func(name string) {
		shot := chromedp.CaptureScreenshot()
		if strings.Contains(name, "-390-") {
			shot = chromedp.FullScreenshot(100) // the whole page: a phone scrolls
		}
		buf, err := chromedp.Run(b.Ctx, shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages := []struct{ name, path string }{
		{"live-notifications", "/notifications"},
		{"live-subscriptions", "/subscriptions"},
		{"live-watches", "/watches"},
		{"live-notifications-filtered", "/notifications?source=watch&q=powershell"},
		{"live-alerts-watch-button", "/alerts?severity=high"},
		{"live-incidents-watch-button", "/incidents"},
	}
	for _, lang := range []string{"en", "ja"} {
		b.Do("language "+lang, chromedp.Navigate(h.URL+"/lang?to="+lang+"&back="+url.QueryEscape("/notifications")))
		for _, pg := range pages {
			for _, size := range []struct {
				name string
				w, h int64
			}{{"1440", 1440, 900}, {"390", 390, 844}} {
				name := pg.name + "-" + size.name + "-" + lang
				b.Do(name, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(h.URL+pg.path), chromedp.Sleep(400e6))
				capture(name)
			}
		}
		// A subscription form with mistakes, what was typed kept.
		b.Do("mistakes "+lang, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+"/subscriptions"),
			chromedp.SetValue(chromedp.CSS(`#s-upn`), "ada@contoso.com"), chromedp.SetValue(chromedp.CSS(`#s-id`), "abc"))
		b.ClickOn(`#sub-form button[type=submit]`)
		b.WaitAny(`#filter-errors`)
		capture("live-subscriptions-mistakes-1440-" + lang)
	}
	// A burst being indexed: an entry 47 s old waits in the journal.
	journalUnheard(t, h, "burst-1", time.Now().Add(-47*time.Second))
	for _, lang := range []string{"en", "ja"} {
		b.Do("language "+lang, chromedp.Navigate(h.URL+"/lang?to="+lang+"&back="+url.QueryEscape("/notifications")))
		for _, size := range []struct {
			name string
			w, h int64
		}{{"1440", 1440, 900}, {"390", 390, 844}} {
			name := "live-notifications-behind-" + size.name + "-" + lang
			b.Do(name, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(h.URL+"/notifications"), chromedp.Sleep(400e6))
			capture(name)
		}
	}
}
