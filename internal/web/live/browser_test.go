package live_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// waitItem waits until the live list shows an item whose text contains
// text, and returns how long it took. It fails after 15 s (a failure, not
// a measurement: the figure is logged, and the README quotes it).
func waitItem(t *testing.T, b *webtest.Browser, text string) time.Duration {
	t.Helper()
	start := time.Now()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll('#live-list > li')).some(li => li.textContent.includes(%q))`, text)
	for time.Since(start) < 15*time.Second {
		if webtest.Eval[bool](b, js) {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fail("waiting for "+text+" on the live page", fmt.Errorf("not shown after %s", time.Since(start)))
	return 0
}

// openLive opens /notifications and waits until its stream is connected;
// it marks the document so that a reload would be noticed.
func openLive(b *webtest.Browser, h *webtest.Harness) {
	b.Do("open the live page", chromedp.Navigate(h.URL+"/notifications"), webtest.Visible(`#live-state[data-state="connected"]`))
	webtest.Eval[bool](b, `window.__notReloaded = true`)
}

func notReloaded(t *testing.T, b *webtest.Browser) {
	t.Helper()
	if !webtest.Eval[bool](b, `window.__notReloaded === true`) {
		t.Fatal("the live page was reloaded")
	}
}

// legacyAlert adds a legacy alert through the emulator's control plane.
func legacyAlert(t *testing.T, h *webtest.Harness, props map[string]any) string {
	t.Helper()
	status, body := h.Ctl(http.MethodPost, "/_emulator/legacy/alerts", props)
	var a struct{ ID string }
	if err := json.Unmarshal(body, &a); err != nil || a.ID == "" || status != http.StatusCreated {
		t.Fatalf("legacy alert: %d %s", status, body)
	}
	return a.ID
}

// TestBrowserSubscribeAndSeeLegacyChangesLive: subscribe with the
// original's form, then a matching legacy alert created and changed
// through the emulator appears on /notifications without a reload, as
// text, linked to its page: first with the alert's id (all Graph's
// webhook carries), then, once the enricher has looked the alert up,
// with its title, and for the change with what changed; a notification
// with a wrong clientState never does. In both languages.
func TestBrowserSubscribeAndSeeLegacyChangesLive(t *testing.T) {
	webtest.Langs(t, webtest.Options{Live: true, Feeds: true}, "Security Operator", "/subscriptions", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Do("fill the subscription form", chromedp.Navigate(h.URL+"/subscriptions"), webtest.Visible(`#sub-form`),
			chromedp.SetValue(chromedp.CSS(`#s-severity`), "High"))
		b.ClickOn(`#sub-form button[type=submit]`)
		b.WaitAny(`#flash`)
		if got := b.Text(`#subs tbody`); !strings.Contains(got, "severity=high") {
			t.Fatalf("the list shows %q", got)
		}
		openLive(b, h)

		title := `Live <b>legacy</b> ` + lang
		id := legacyAlert(t, h, map[string]any{"title": title, "category": "malware", "severity": "high", "status": "newAlert",
			"vendorInformation": map[string]any{"provider": "ASC", "vendor": "Microsoft"}})
		took := waitItem(t, b, id)
		t.Logf("legacy alert created → shown live in %s", took)
		took = waitItem(t, b, title)
		t.Logf("→ its title shown in place %s later", took)
		notReloaded(t, b)
		if got := b.Text(fmt.Sprintf(`#live-list > li a[href$=%q]`, id)); got != title {
			t.Errorf("the item's link reads %q, want the title", got)
		}
		if got := b.Text(`#live-list > li .li-id`); got != id {
			t.Errorf("the id beside the title reads %q", got)
		}
		href := webtest.Eval[string](b, fmt.Sprintf(`document.querySelector('#live-list > li a[href$=%q]').getAttribute('href')`, id))
		if href != "/legacy/alerts/"+id {
			t.Errorf("the item links to %q", href)
		}
		if n := webtest.Eval[int](b, `document.querySelectorAll('#live-list b, #live-list script').length`); n != 0 {
			t.Error("data became markup")
		}

		// A change Graph makes (an analyst's PATCH) arrives too.
		c := h.GraphAs(h.UPN(h.User("Security Operator")))
		if _, _, err := c.LegacyAlerts.Update(t.Context(), id, graph.LegacyAlertUpdate{Status: graph.Some(graph.LegacyAlertStatus("inProgress")),
			VendorInformation: graph.SecurityVendorInformation{Provider: "ASC", Vendor: "Microsoft"}}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		updated := fmt.Sprintf(`Array.from(document.querySelectorAll('#live-list > li[data-change="updated"]')).some(li => li.textContent.includes(%q))`, id)
		for !webtest.Eval[bool](b, updated) {
			if time.Since(start) > 15*time.Second {
				b.Fail("waiting for the update", fmt.Errorf("not shown"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("legacy alert updated → shown live in %s", time.Since(start))
		changed := `#live-list > li[data-change="updated"] li[data-prop="status"] .to`
		for !webtest.Eval[bool](b, fmt.Sprintf(`!!document.querySelector(%q)`, changed)) {
			if time.Since(start) > 15*time.Second {
				b.Fail("waiting for the update's changes", fmt.Errorf("not shown"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		want := map[string]string{"en": "In progress", "ja": "進行中"}[lang]
		if got := b.Text(changed); got != want {
			t.Errorf("the change reads %q, want %q", got, want)
		}
		t.Logf("→ its title and change shown in place after %s", time.Since(start))
		notReloaded(t, b)

		// A forged notification (the subscription's id, a wrong
		// clientState) is refused; a real one sent after it arrives, so
		// the forged one would have been shown by then.
		subs, err := h.Upkeep.List(t.Context(), "")
		if err != nil || len(subs) != 1 {
			t.Fatalf("subscriptions: %v %v", subs, err)
		}
		forged := "forged-" + lang
		body := fmt.Sprintf(`{"value":[{"id":"x-%s","subscriptionId":%q,"clientState":"wrong","changeType":"updated","resource":"security/alerts/%s","resourceData":{"id":%q}}]}`,
			lang, subs[0].Feed.GraphID, forged, forged)
		res, err := http.Post(h.URL+"/listen", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		id2 := legacyAlert(t, h, map[string]any{"title": "After the forgery", "category": "malware", "severity": "high", "status": "newAlert",
			"vendorInformation": map[string]any{"provider": "ASC", "vendor": "Microsoft"}})
		waitItem(t, b, id2)
		if webtest.Eval[bool](b, fmt.Sprintf(`document.getElementById('live-list').textContent.includes(%q)`, forged)) {
			t.Fatal("the forged notification is shown")
		}
		b.Do("reload", chromedp.Reload(), webtest.Visible(`#live-list`))
		if strings.Contains(b.Text(`main`), forged) {
			t.Fatal("the forged notification is in the history")
		}
		// The history shows the stored title and change.
		if got := b.Text(changed); got != want {
			t.Errorf("after a reload the change reads %q, want %q", got, want)
		}
		if !strings.Contains(b.Text(`#live-list`), title) {
			t.Error("after a reload the title is not shown")
		}
	})
}

// TestBrowserWatchAlertsLive: "Watch this view" on /alerts, then an alert
// raised and changed in Graph appears on the live page without a reload,
// with its change (status: New → In progress).
func TestBrowserWatchAlertsLive(t *testing.T) {
	webtest.Langs(t, webtest.Options{Live: true, Feeds: true, WatchInterval: 300 * time.Millisecond}, "Security Operator", "/alerts?severity=high", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Do("the queue", chromedp.Navigate(h.URL+"/alerts?severity=high&status="), webtest.Visible(`#watch-view button`))
		b.ClickOn(`#watch-view button`)
		b.WaitAny(`#flash`)
		if got := b.Text(`#watches tbody`); !strings.Contains(got, "severity=high") {
			t.Fatalf("the watch list shows %q", got)
		}
		openLive(b, h)
		title := "Watched alert " + lang
		id, _ := h.RaiseAlert(map[string]any{"title": title, "severity": "high", "status": "new"})
		took := waitItem(t, b, title)
		t.Logf("alerts_v2 alert raised → shown live in %s (watch interval 300 ms)", took)
		href := webtest.Eval[string](b, fmt.Sprintf(`Array.from(document.querySelectorAll('#live-list > li a')).find(a => a.textContent.includes(%q)).getAttribute('href')`, title))
		if href != "/alerts/"+id {
			t.Errorf("the item links to %q", href)
		}
		c := h.GraphAs(h.UPN(h.User("Security Operator")))
		if _, _, err := c.Alerts.Update(t.Context(), id, graph.AlertUpdate{Status: graph.Some(graph.AlertStatus("inProgress"))}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for !webtest.Eval[bool](b, `!!document.querySelector('#live-list li[data-prop="status"] .to')`) {
			if time.Since(start) > 15*time.Second {
				b.Fail("waiting for the change", fmt.Errorf("not shown"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("alerts_v2 alert updated → change shown live in %s", time.Since(start))
		want := map[string]string{"en": "In progress", "ja": "進行中"}[lang]
		if got := b.Text(`#live-list li[data-prop="status"] .to`); got != want {
			t.Errorf("the change reads %q", got)
		}
		notReloaded(t, b)
		// The same item after a reload, from the history.
		b.Do("reload", chromedp.Reload(), webtest.Visible(`#live-list li[data-prop="status"]`))
	})
}

// TestBrowserPhoneWidth: at 390 px the live pages do not scroll sideways,
// in either language, with data on them.
func TestBrowserPhoneWidth(t *testing.T) {
	webtest.Langs(t, webtest.Options{Live: true, Feeds: true}, "Security Operator", "/watches", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		owner := webtestOwner(h)
		if _, err := h.Upkeep.Create(t.Context(), owner, "severity=High&hostFqdn=a-rather-long-host-name.contoso.example.com", true); err != nil {
			t.Fatal(err)
		}
		w, err := h.Watcher.CreateWatch(t.Context(), owner, "alerts", "severity=high&status=new&user=someone.with.a.long.name%40contoso.example.com", true)
		if err != nil {
			t.Fatal(err)
		}
		h.RaiseAlert(map[string]any{"title": "A rather long alert title that would overflow a phone's width if nothing wrapped it", "severity": "high", "status": "new",
			"evidence": []any{webtest.Evidence("userEvidence", map[string]any{"userAccount": map[string]any{"userPrincipalName": "someone.with.a.long.name@contoso.example.com"}})}})
		if err := h.Watcher.PollNow(t.Context(), w.ID); err != nil {
			t.Fatal(err)
		}
		b.Viewport(390, 844)
		for _, path := range []string{"/subscriptions", "/watches", "/notifications"} {
			b.Do("open "+path, chromedp.Navigate(h.URL+path), webtest.Visible(`main`))
			if over := webtest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); over {
				b.Screenshot("overflow" + strings.ReplaceAll(path, "/", "-"))
				t.Errorf("%s scrolls sideways at 390 px (scrollWidth %d)", path, webtest.Eval[int](b, `document.documentElement.scrollWidth`))
			}
		}
	})
}

// webtestOwner is the Security Operator as a feed's owner (the app acts
// for the feed: the emulator's app holds the application permissions).
func webtestOwner(h *webtest.Harness) notify.Owner {
	id := h.User("Security Operator")
	return notify.Owner{ID: id, Name: "Security Operator", UPN: h.UPN(id)}
}
