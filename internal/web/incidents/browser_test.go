package incidents_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// Browser tests of the incident queue, an incident's page and the home
// page, measured in Chromium, in both languages. A failing test leaves a
// screenshot (webtest.ArtifactsDir).

// rowsAbove counts the queue's rows (or cards) wholly inside the viewport.
const rowsAbove = `Array.from(document.querySelectorAll('#incidents tbody tr')).filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length`

// a tenant with more open incidents than one page.
var busy = webtest.Options{Emulator: emulator.Options{Alerts: 400}}

func TestBrowserIncidentQueue(t *testing.T) {
	webtest.Langs(t, busy, "Security Operator", "/incidents", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		b.Do("queue", chromedp.Navigate(h.URL+"/incidents"), webtest.Visible(`#incidents`))
		if n := webtest.Eval[int](b, rowsAbove); n < 20 {
			b.Screenshot("density")
			t.Errorf("%d incident rows above the fold at 1440×900, want at least 20", n)
		}
		if multi := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#incidents tbody td')).filter(td => td.getBoundingClientRect().height > 40).map(td => td.className)`); len(multi) > 0 {
			t.Errorf("cells on more than one line: %v", multi)
		}
		if bad := webtest.Eval[int](b, `Array.from(document.querySelectorAll('#incidents tbody a.title')).filter(a => a.getAttribute('title') !== a.textContent).length`); bad != 0 {
			t.Errorf("%d names without their whole text on hover", bad)
		}
		if w := webtest.Eval[float64](b, `document.querySelector('#incidents').getBoundingClientRect().width / window.innerWidth`); w < 0.95 {
			t.Errorf("the table uses %.0f%% of the width", w*100)
		}

		// The default view: Active and In progress, as chips marked default.
		chips := `Array.from(document.querySelectorAll('#chips .chip-value')).map(c => c.getAttribute('title') || c.textContent)`
		if got := webtest.Eval[[]string](b, chips); strings.Join(got, ",") != "active,inProgress" {
			t.Fatalf("default chips %v", got)
		}
		if n := webtest.Eval[int](b, `document.querySelectorAll('#chips .chip.default').length`); n != 2 {
			t.Errorf("%d chips marked as the default", n)
		}
		// Paging: "1–25 of N", the next page and back.
		total := webtest.Eval[int](b, `parseInt(document.getElementById('incident-total').textContent.replace(/[^0-9]/g, ''))`)
		if total <= 25 {
			t.Fatalf("only %d open incidents", total)
		}
		want := map[string][2]string{
			"en": {fmt.Sprintf("1–25 of %d", total), fmt.Sprintf("26–%d of %d", min(50, total), total)},
			"ja": {fmt.Sprintf("%d 件中 1～25 件", total), fmt.Sprintf("%d 件中 26～%d 件", total, min(50, total))},
		}[lang]
		if got := b.Text(`#incident-count`); got != want[0] {
			t.Errorf("paging text %q, want %q", got, want[0])
		}
		b.ClickOn(`.queue-bar a[rel="next"]`)
		b.WaitURL("page=")
		b.WaitAny(`.queue-bar a[rel="prev"]`)
		if got := b.Text(`#incident-count`); got != want[1] {
			t.Errorf("page 2 says %q, want %q", got, want[1])
		}
		b.ClickOn(`.queue-bar a[rel="prev"]`)
		b.WaitAny(`.queue-bar span[aria-disabled="true"]`)

		// × removes a chip: In progress alone.
		b.ClickOn(`#chips li:first-child .chip-x`)
		b.WaitURL("status=inProgress")
		for _, s := range webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#incidents tbody .st')).map(s => s.getAttribute('title'))`) {
			if s != "inProgress" {
				t.Fatalf("a %s incident listed under In progress alone", s)
			}
		}
		// A toggle adds a severity.
		b.Do("every status", chromedp.Navigate(h.URL+"/incidents?status="), webtest.Visible(`#incidents`))
		b.Do("high", webtest.Click(`label.toggle.sev-high span`))
		b.WaitURL("severity=high")
		b.WaitAny(`#chips .chip-value[title="high"]`)

		// Sort by name both ways from its header.
		names := `Array.from(document.querySelectorAll('#incidents tbody a.title')).map(a => a.textContent.toLowerCase())`
		for _, dir := range []string{"ascending", "descending"} {
			b.ClickOn(`th.c-title a.sort`)
			b.WaitAny(fmt.Sprintf(`th.c-title[aria-sort=%q]`, dir))
			got := webtest.Eval[[]string](b, names)
			if first, last := got[0], got[len(got)-1]; dir == "ascending" && first > last || dir == "descending" && first < last {
				t.Errorf("sorted %s: %q … %q", dir, first, last)
			}
		}
		if u := webtest.Eval[string](b, `location.search`); !strings.Contains(u, "sort=displayName+desc") {
			t.Errorf("sorted descending at %s", u)
		}

		// Keyboard: j / k select, Enter opens, j / k on the incident step
		// through the list, u goes back to it.
		b.Do("queue", chromedp.Navigate(h.URL+"/incidents?severity=high&severity=medium"), webtest.Visible(`#incidents`))
		links := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#incidents tbody a.title')).map(a => a.pathname)`)
		b.Do("j j k", chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"))
		if got := webtest.Eval[string](b, `(document.querySelector('#incidents tbody tr.selected a.title') || {pathname: ''}).pathname`); got != links[1] {
			t.Fatalf("j j j k selects %q, want %q", got, links[1])
		}
		b.Do("Enter", chromedp.KeyEvent(kb.Enter))
		b.WaitURL(links[1])
		b.WaitAny(`#manage`)
		b.Do("j on the incident", chromedp.KeyEvent("j"))
		b.WaitURL(links[2])
		b.WaitAny(`#manage`)
		pos := map[string]string{"en": "Incident 3 of", "ja": "件中 3 件目"}[lang]
		if got := b.Text(`#incident-position`); !strings.Contains(got, pos) {
			t.Errorf("position %q, want %q", got, pos)
		}
		b.Do("u", chromedp.KeyEvent("u"))
		b.WaitAny(`#incidents`)
		if u := webtest.Eval[string](b, `location.pathname + location.search`); !strings.Contains(u, "severity=high") || !strings.Contains(u, "severity=medium") {
			t.Errorf("u went to %s", u)
		}

		// A phone: cards, no sideways scrolling, filters folded.
		b.Viewport(390, 844)
		b.Do("queue on a phone", chromedp.Navigate(h.URL+"/incidents"), webtest.Visible(`#incidents`))
		if over := webtest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); over {
			b.Screenshot("overflow")
			t.Errorf("the page scrolls sideways at 390 px (scrollWidth %d)", webtest.Eval[int](b, `document.documentElement.scrollWidth`))
		}
		if got := webtest.Eval[string](b, `getComputedStyle(document.querySelector('#incidents tbody tr')).display`); got != "grid" {
			t.Errorf("rows are %q on a phone, not cards", got)
		}
		if open := webtest.Eval[bool](b, `document.getElementById('filterbar').open || document.getElementById('f-q').checkVisibility()`); open {
			t.Error("the filters are open on a phone")
		}
		if n := webtest.Eval[int](b, rowsAbove); n < 1 {
			t.Error("the first incident is not in view on a phone")
		}
		for _, path := range []string{"/incidents/" + strings.TrimPrefix(links[0], "/incidents/"), "/"} {
			b.Do("phone "+path, chromedp.Navigate(h.URL+path), chromedp.WaitReady(`footer`))
			if over := webtest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); over {
				b.Screenshot("overflow")
				t.Errorf("%s scrolls sideways at 390 px", path)
			}
		}
	})
}

// An update in place: the same page, what changed before and after, the
// tags added, then one removed, a comment; and a merged incident's notice.
func TestBrowserIncidentUpdateInPlace(t *testing.T) {
	webtest.Langs(t, webtest.Options{Emulator: emulator.Options{Alerts: 40}}, "Security Operator", "/incidents", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		_, incident := h.RaiseAlert(map[string]any{"title": "Work on me <img src=x onerror=alert(1)>", "severity": "high"})
		_, merged := h.RaiseAlert(map[string]any{"title": "Merged away"})
		if status, body := h.Ctl(http.MethodPost, "/_emulator/incidents/"+merged+"/merge", map[string]any{"into": incident}); status != http.StatusOK {
			t.Fatalf("merge: %d %s", status, body)
		}
		path := "/incidents/" + incident
		b.Do("incident", chromedp.Navigate(h.URL+path), webtest.Visible(`#update-form`))
		if bottom := webtest.Eval[float64](b, `document.getElementById('update-form').getBoundingClientRect().bottom`); bottom > 900 {
			t.Errorf("the manage form ends at y=%.0f, below the fold", bottom)
		}
		b.Retry("manage",
			chromedp.SetValue(chromedp.CSS(`#u-status`), "inProgress"),
			chromedp.SetValue(chromedp.CSS(`#u-triage`), "truePositive:compromisedAccount"),
			chromedp.SetValue(chromedp.CSS(`#u-tags`), "VIP, Board <exec>"),
			chromedp.SetValue(chromedp.CSS(`#c-text`), "Account reset"),
		)
		b.ClickOn(`#save`)
		b.WaitAny(`#flash`)
		if u := webtest.Eval[string](b, `location.pathname`); u != path {
			t.Errorf("after saving the page is %s", u)
		}
		changed := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#flash tr.changed-row')).map(r => r.dataset.prop)`)
		if strings.Join(changed, ",") != "status,classification,determination,customTags" {
			t.Errorf("changed rows %v", changed)
		}
		status := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#flash tr[data-prop=status] td')).map(td => td.textContent.trim() + '|' + td.title)`)
		wantStatus := map[string][]string{"en": {"Active|active", "In progress (changed)|inProgress"}, "ja": {"アクティブ|active", "進行中 (変更あり)|inProgress"}}[lang]
		if strings.Join(status, ";") != strings.Join(wantStatus, ";") {
			t.Errorf("status before/after %v, want %v", status, wantStatus)
		}
		if hl := webtest.Eval[string](b, `getComputedStyle(document.querySelector('#flash td.changed')).backgroundColor`); hl == "rgba(0, 0, 0, 0)" {
			t.Error("changed fields are not highlighted")
		}
		if got := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#custom-tags .tag')).map(a => a.textContent)`); strings.Join(got, "|") != "VIP|Board <exec>" {
			t.Errorf("custom tags %v", got)
		}
		if got := b.Text(`#comments`); !strings.Contains(got, "Account reset") {
			t.Errorf("comments: %q", got)
		}
		// Untick a tag: removed.
		b.Do("untick", webtest.Click(`label.tag-choice input[value="VIP"]`))
		webtest.Eval[bool](b, `document.getElementById('flash').remove() || true`) // the next page brings its own
		b.ClickOn(`#save`)
		b.WaitAny(`#flash tr[data-prop=customTags]`)
		if got := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#custom-tags .tag')).map(a => a.textContent)`); strings.Join(got, "|") != "Board <exec>" {
			t.Errorf("custom tags after removing VIP: %v", got)
		}
		// A tag links to the queue filtered on it.
		b.ClickOn(`#custom-tags .tag`)
		b.WaitAny(`#incidents`)
		if got := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#incidents tbody a.title')).map(a => a.pathname)`); strings.Join(got, ",") != path {
			t.Errorf("the tag's queue lists %v", got)
		}
		if !webtest.Eval[bool](b, `!!document.getElementById('local-filter')`) {
			t.Error("the tag's queue does not say graphsec filtered it")
		}

		// The merged incident: a notice that leads to the survivor.
		b.Do("merged", chromedp.Navigate(h.URL+"/incidents/"+merged), webtest.Visible(`#redirected`))
		if webtest.Eval[bool](b, `!!document.getElementById('update-form')`) {
			t.Error("a merged incident offers its form")
		}
		b.ClickOn(`#redirect-link`)
		b.WaitURL(path)
		b.WaitAny(`#update-form`)
	})
}

// A reader sees the incident read-only, with the role that could change
// it named.
func TestBrowserIncidentReader(t *testing.T) {
	webtest.Langs(t, webtest.Options{Emulator: emulator.Options{Alerts: 40}}, "Security Reader", "/incidents", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		_, incident := h.RaiseAlert(map[string]any{"severity": "high"})
		b.Do("incident", chromedp.Navigate(h.URL+"/incidents/"+incident), webtest.Visible(`#read-only`))
		if webtest.Eval[bool](b, `!!document.querySelector('#manage form')`) {
			t.Error("a reader is offered a form")
		}
		role := map[string]string{"en": "Security Reader", "ja": "セキュリティ閲覧者"}[lang]
		if got := b.Text(`#read-only`); !strings.Contains(got, role) {
			t.Errorf("read-only notice %q lacks %q", got, role)
		}
	})
}

// The home page's panels, and where their numbers and items lead.
func TestBrowserHome(t *testing.T) {
	webtest.Langs(t, busy, "Security Operator", "/", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		b.Do("home", chromedp.Navigate(h.URL+"/"), webtest.Visible(`#open-incidents`))
		for _, id := range []string{"open-incidents", "my-incidents", "my-alerts", "high-alerts"} {
			if !webtest.Eval[bool](b, `document.getElementById('`+id+`').getBoundingClientRect().top < window.innerHeight`) {
				t.Errorf("panel %s is below the fold", id)
			}
		}
		high := webtest.Eval[int](b, `parseInt(document.querySelector('#open-high .n').textContent.replace(/[^0-9]/g, ''))`)
		b.ClickOn(`#open-high`)
		b.WaitAny(`#incidents`, `#no-incidents`)
		if got := webtest.Eval[int](b, `parseInt((document.getElementById('incident-total') || {textContent: '0'}).textContent.replace(/[^0-9]/g, ''))`); got != high {
			t.Errorf("High says %d on the home page, %d in the queue", high, got)
		}
		if got := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#chips .chip-value')).map(c => c.getAttribute('title'))`); strings.Join(got, ",") != "active,inProgress,high" {
			t.Errorf("the queue's chips %v", got)
		}
		// The newest high-severity alert opens within its view.
		b.Do("home", chromedp.Navigate(h.URL+"/"), webtest.Visible(`#high-alerts`))
		first := webtest.Eval[string](b, `document.querySelector('#high-alerts a.title').pathname`)
		b.ClickOn(`#high-alerts a.title`)
		b.WaitURL(first)
		b.WaitAny(`#triage`)
		b.ClickOn(`#back-to-queue`)
		b.WaitAny(`#alerts`)
		if u := webtest.Eval[string](b, `location.search`); !strings.Contains(u, "severity=high") {
			t.Errorf("the alert's way back went to %s", u)
		}
	})
}
