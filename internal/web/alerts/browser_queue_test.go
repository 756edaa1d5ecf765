package alerts_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// Browser tests of the queue and the alert page, measured in Chromium, in
// both languages.

// langs runs f once per language, each with its own console and browser
// signed in as role at path.
func langs(t *testing.T, o webtest.Options, role, path string, f func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string)) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			h := webtest.New(t, o)
			b := webtest.NewBrowser(t)
			b.SignIn(h, path, h.User(role))
			b.Lang(h, lang)
			f(t, h, b, lang)
		})
	}
}

// rowsAbove counts the queue's rows (or cards) wholly inside the viewport.
const rowsAbove = `Array.from(document.querySelectorAll('#alerts tbody tr')).filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length`

func TestBrowserQueueDensity(t *testing.T) {
	langs(t, webtest.Options{Emulator: emulator.Options{Alerts: 400}}, "Security Operator", "/alerts", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		b.Do("queue", chromedp.Navigate(h.URL+"/alerts"), webtest.Visible(`#alerts`))
		if n := webtest.Eval[int](b, rowsAbove); n < 20 {
			b.Screenshot("density")
			t.Errorf("%d alert rows above the fold at 1440×900, want at least 20", n)
		}
		// One line per row: titles cut with an ellipsis (the whole title
		// on hover), dates relative (the exact time on hover).
		multi := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#alerts tbody td')).filter(td => td.getBoundingClientRect().height > 40).map(td => td.className)`)
		if len(multi) > 0 {
			t.Errorf("cells on more than one line: %v", multi)
		}
		if bad := webtest.Eval[int](b, `Array.from(document.querySelectorAll('#alerts tbody a.title')).filter(a => a.getAttribute('title') !== a.textContent).length`); bad != 0 {
			t.Errorf("%d titles without their whole text on hover", bad)
		}
		if bad := webtest.Eval[int](b, `Array.from(document.querySelectorAll('#alerts tbody time')).filter(e => !e.getAttribute('title') || !e.getAttribute('datetime')).length`); bad != 0 {
			t.Errorf("%d dates without the exact time", bad)
		}
		if w := webtest.Eval[float64](b, `document.querySelector('#alerts').getBoundingClientRect().width / window.innerWidth`); w < 0.95 {
			t.Errorf("the table uses %.0f%% of the width", w*100)
		}
		if sev := webtest.Eval[string](b, `document.querySelector('#alerts tbody .sev').getAttribute('title')`); sev == "" {
			t.Error("a severity badge without its raw value on hover")
		}

		// A phone: no sideways scrolling, cards, filters folded away, the
		// first alert in view at once.
		b.Viewport(390, 844)
		b.Do("queue on a phone", chromedp.Navigate(h.URL+"/alerts"), webtest.Visible(`#alerts`))
		if over := webtest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); over {
			b.Screenshot("overflow")
			t.Errorf("the page scrolls sideways at 390 px (scrollWidth %d)", webtest.Eval[int](b, `document.documentElement.scrollWidth`))
		}
		if open := webtest.Eval[bool](b, `document.getElementById('filterbar').open || document.getElementById('f-q').checkVisibility()`); open {
			t.Error("the filters are open on a phone")
		}
		if got := webtest.Eval[string](b, `getComputedStyle(document.querySelector('#alerts tbody tr')).display`); got != "grid" {
			t.Errorf("rows are %q on a phone, not cards", got)
		}
		if n := webtest.Eval[int](b, rowsAbove); n < 1 {
			b.Screenshot("first card")
			t.Error("the first alert is not in view on a phone")
		}
		// The filters open from their button.
		b.Do("open the filters", webtest.Click(`#filterbar > summary`), webtest.Visible(`#f-q`))
	})
}

func TestBrowserQueueChipsSortPaging(t *testing.T) {
	langs(t, webtest.Options{Emulator: emulator.Options{Alerts: 400}}, "Security Operator", "/alerts", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		b.Do("queue", chromedp.Navigate(h.URL+"/alerts"), webtest.Visible(`#alerts`))
		// The default (New and In progress) shows as two chips.
		chips := `Array.from(document.querySelectorAll('#chips .chip-value')).map(c => c.getAttribute('title') || c.textContent)`
		if got := webtest.Eval[[]string](b, chips); strings.Join(got, ",") != "new,inProgress" {
			t.Fatalf("default chips %v", got)
		}
		statuses := `Array.from(document.querySelectorAll('#alerts tbody .st')).map(s => s.getAttribute('title'))`
		// × removes one.
		b.ClickOn(`#chips li:first-child .chip-x`)
		b.WaitURL("status=inProgress")
		if got := webtest.Eval[[]string](b, chips); strings.Join(got, ",") != "inProgress" {
			t.Errorf("after removing New: %v", got)
		}
		for _, s := range webtest.Eval[[]string](b, statuses) {
			if s != "inProgress" {
				t.Fatalf("a %s alert listed under In progress alone", s)
			}
		}
		// A toggle adds one.
		b.Do("high", webtest.Click(`label.toggle.sev-high span`))
		b.WaitURL("severity=high")
		b.WaitAny(`#chips .chip-value[title="high"]`)
		// Removing the last status shows every status.
		b.ClickOn(`#chips .chip-value[title="inProgress"] + .chip-x`)
		b.WaitAny(`#alerts`)
		b.WaitURL("status=")
		if st := webtest.Eval[[]string](b, `new URLSearchParams(location.search).getAll('status')`); len(st) != 1 || st[0] != "" {
			t.Errorf("after removing the last status the address says status=%q", st)
		}
		if got := webtest.Eval[[]string](b, chips); strings.Join(got, ",") != "high" {
			t.Errorf("after removing the last status: %v", got)
		}

		// Sort by title, both ways, from the column header.
		b.Do("every status", chromedp.Navigate(h.URL+"/alerts?status="), webtest.Visible(`#alerts`))
		titles := `Array.from(document.querySelectorAll('#alerts tbody a.title')).map(a => a.textContent.toLowerCase())`
		for _, dir := range []string{"ascending", "descending"} {
			b.ClickOn(`th.c-title a.sort`)
			b.WaitAny(fmt.Sprintf(`th.c-title[aria-sort=%q]`, dir))
			got := webtest.Eval[[]string](b, titles)
			first, last := got[0], got[len(got)-1]
			if dir == "ascending" && first > last || dir == "descending" && first < last {
				t.Errorf("sorted %s: %q … %q", dir, first, last)
			}
		}
		if u := webtest.Eval[string](b, `location.search`); !strings.Contains(u, "sort=title+desc") {
			t.Errorf("sorted descending at %s", u)
		}

		// Paging: "1–25 of 400", then the next page and back.
		b.Do("all", chromedp.Navigate(h.URL+"/alerts?status="), webtest.Visible(`#alerts`))
		want := map[string][3]string{"en": {"1–25 of 400", "26–50 of 400", "1–25 of 400"}, "ja": {"400 件中 1～25 件", "400 件中 26～50 件", "400 件中 1～25 件"}}[lang]
		if got := b.Text(`#alert-count`); got != want[0] {
			t.Errorf("paging text %q, want %q", got, want[0])
		}
		b.ClickOn(`.queue-bar a[rel="next"]`)
		b.WaitURL("page=")
		b.WaitAny(`.queue-bar a[rel="prev"]`)
		if got := b.Text(`#alert-count`); got != want[1] {
			t.Errorf("page 2 says %q, want %q", got, want[1])
		}
		b.ClickOn(`.queue-bar a[rel="prev"]`)
		b.WaitAny(`.queue-bar span[aria-disabled="true"]`)
		if got := b.Text(`#alert-count`); got != want[2] {
			t.Errorf("back on page 1: %q", got)
		}
	})
}

func TestBrowserQueueKeyboard(t *testing.T) {
	langs(t, webtest.Options{Emulator: emulator.Options{Alerts: 120}}, "Security Operator", "/alerts?severity=high&severity=medium", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Do("queue", chromedp.Navigate(h.URL+"/alerts?severity=high&severity=medium"), webtest.Visible(`#alerts`))
		selected := `(document.querySelector('#alerts tbody tr.selected a.title') || {pathname: ''}).pathname`
		links := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#alerts tbody a.title')).map(a => a.pathname)`)
		b.Do("j", chromedp.KeyEvent("j"))
		if got := webtest.Eval[string](b, selected); got != links[0] {
			t.Fatalf("j selects %q, want the first alert %q", got, links[0])
		}
		b.Do("j j k", chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"))
		if got := webtest.Eval[string](b, selected); got != links[1] {
			t.Fatalf("j j j k selects %q, want the second %q", got, links[1])
		}
		if focus := webtest.Eval[string](b, `document.activeElement.pathname || ''`); focus != links[1] {
			t.Errorf("the focus is on %q, not the selected alert", focus)
		}
		if outline := webtest.Eval[string](b, `getComputedStyle(document.activeElement).outlineStyle`); outline == "none" {
			t.Error("the focused alert has no visible focus")
		}
		b.Do("Enter", chromedp.KeyEvent(kb.Enter))
		b.WaitURL(links[1])
		b.WaitAny(`#triage`)
		// On the alert: j is the next alert of the list, k the previous, u the list.
		b.Do("j on the alert", chromedp.KeyEvent("j"))
		b.WaitURL(links[2])
		b.WaitAny(`#triage`)
		b.Do("k on the alert", chromedp.KeyEvent("k"))
		b.WaitURL(links[1])
		b.WaitAny(`#triage`)
		b.Do("u", chromedp.KeyEvent("u"))
		b.WaitAny(`#alerts`)
		if u := webtest.Eval[string](b, `location.pathname + location.search`); !strings.HasPrefix(u, "/alerts?") || !strings.Contains(u, "severity=high") || !strings.Contains(u, "severity=medium") {
			t.Errorf("u went to %s, not the list with its filters", u)
		}
		// "/" goes to the search box.
		b.Do("/", chromedp.KeyEvent("/"))
		if id := webtest.Eval[string](b, `document.activeElement.id`); id != "f-q" {
			t.Errorf("/ focuses %q", id)
		}
	})
}

func TestBrowserAlertTriageInPlace(t *testing.T) {
	langs(t, webtest.Options{Emulator: emulator.Options{Alerts: 120}}, "Security Operator", "/alerts", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		queue := "/alerts?severity=high&status=new"
		b.Do("queue", chromedp.Navigate(h.URL+queue), webtest.Visible(`#alerts`))
		links := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#alerts tbody a.title')).map(a => a.pathname)`)
		if len(links) < 3 {
			t.Fatalf("only %d new high alerts", len(links))
		}
		b.ClickOn(`#alerts tbody tr:nth-child(2) a.title`)
		b.WaitAny(`#triage`)
		// The triage pane is at the top: in view without scrolling.
		if top := webtest.Eval[float64](b, `document.getElementById('update-form').getBoundingClientRect().bottom`); top > 900 {
			t.Errorf("the triage form ends at y=%.0f, below the fold", top)
		}
		// Next and previous stay in the list.
		b.ClickOn(`#next-alert`)
		b.WaitURL(links[2])
		b.WaitAny(`#triage`)
		b.ClickOn(`#prev-alert`)
		b.WaitURL(links[1])
		b.WaitAny(`#triage`)
		pos := map[string]string{"en": "Alert 2 of", "ja": "件中 2 件目"}[lang]
		if got := b.Text(`#alert-position`); !strings.Contains(got, pos) {
			t.Errorf("position %q, want %q", got, pos)
		}

		// Update in place: the same page, what changed before and after.
		b.Retry("triage",
			chromedp.SetValue(chromedp.CSS(`#u-status`), "inProgress"),
			chromedp.SetValue(chromedp.CSS(`#u-triage`), "truePositive:phishing"),
			chromedp.SetValue(chromedp.CSS(`#c-text`), "Phishing confirmed"),
		)
		b.ClickOn(`#save`)
		b.WaitAny(`#flash`)
		if u := webtest.Eval[string](b, `location.pathname`); u != links[1] {
			t.Errorf("after saving the page is %s, not the alert", u)
		}
		changed := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#flash tr.changed-row')).map(r => r.dataset.prop)`)
		if strings.Join(changed, ",") != "status,classification,determination" { // not lastUpdateDateTime: every change moves it
			t.Errorf("changed rows %v", changed)
		}
		before := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#flash tr[data-prop=status] td')).map(td => td.textContent.trim() + '|' + td.title)`)
		wantStatus := map[string][]string{"en": {"New|new", "In progress (changed)|inProgress"}, "ja": {"新規|new", "進行中 (変更あり)|inProgress"}}[lang]
		if strings.Join(before, ";") != strings.Join(wantStatus, ";") {
			t.Errorf("status before/after %v, want %v", before, wantStatus)
		}
		if hl := webtest.Eval[string](b, `getComputedStyle(document.querySelector('#flash td.changed')).backgroundColor`); hl == "rgba(0, 0, 0, 0)" {
			t.Error("changed fields are not highlighted")
		}
		if got := b.Text(`#comments`); !strings.Contains(got, "Phishing confirmed") {
			t.Errorf("comments: %q", got)
		}
		// The way back keeps the filters.
		b.ClickOn(`#back-to-queue`)
		b.WaitAny(`#alerts`)
		if u := webtest.Eval[string](b, `location.pathname + location.search`); !strings.Contains(u, "severity=high") || !strings.Contains(u, "status=new") {
			t.Errorf("the breadcrumb went to %s", u)
		}
	})
}

func TestBrowserEvidenceCopyAndPivots(t *testing.T) {
	langs(t, webtest.Options{}, "Security Operator", "/alerts", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		hash := strings.Repeat("0a1b2c3d", 8)
		id, _ := h.RaiseAlert(map[string]any{"title": "Pivot me", "severity": "high", "evidence": []any{
			webtest.Evidence("userEvidence", map[string]any{"userAccount": map[string]any{"userPrincipalName": "averyveryveryveryverylongname@contoso.example", "accountName": "a"}}),
			webtest.Evidence("deviceEvidence", map[string]any{"deviceDnsName": "pc-pivot.contoso.example"}),
			webtest.Evidence("ipEvidence", map[string]any{"ipAddress": "203.0.113.77"}),
			webtest.Evidence("fileEvidence", map[string]any{"fileDetails": map[string]any{"fileName": "x.exe", "sha256": hash}}),
			webtest.Evidence("processEvidence", map[string]any{"processCommandLine": "cmd.exe /c " + strings.Repeat("powershell-encoded-", 12)}),
		}})
		other, _ := h.RaiseAlert(map[string]any{"title": "Same IP elsewhere", "status": "resolved", "evidence": []any{
			webtest.Evidence("ipEvidence", map[string]any{"ipAddress": "203.0.113.77"})}})
		b.Viewport(390, 844)
		b.Do("alert", chromedp.Navigate(h.URL+"/alerts/"+url.PathEscape(id)), webtest.Visible(`#evidence`))
		// Long identifiers wrap inside their card; cards keep their own height.
		if over := webtest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); over {
			b.Screenshot("overflow")
			t.Error("the alert page scrolls sideways at 390 px")
		}
		b.Viewport(1440, 900)
		b.Do("alert", chromedp.Navigate(h.URL+"/alerts/"+url.PathEscape(id)), webtest.Visible(`#evidence`))
		heights := webtest.Eval[[]float64](b, `Array.from(document.querySelectorAll('#evidence .ev')).map(e => e.getBoundingClientRect().height)`)
		same := true
		for _, hgt := range heights {
			same = same && hgt == heights[0]
		}
		if same {
			t.Errorf("evidence cards all %v px high: stretched to one height", heights[0])
		}
		// Copy buttons on hashes, ids and command lines.
		copies := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#evidence button.copy')).map(b => b.dataset.copyText)`)
		for _, want := range []string{hash, "203.0.113.77", "cmd.exe /c powershell-encoded-"} {
			found := false
			for _, c := range copies {
				found = found || strings.HasPrefix(c, want)
			}
			if !found {
				t.Errorf("no copy button for %q (%d buttons)", want, len(copies))
			}
		}
		if vis := webtest.Eval[bool](b, `getComputedStyle(document.querySelector('#evidence button.copy')).display !== 'none'`); !vis {
			t.Error("copy buttons are hidden")
		}
		if id := webtest.Eval[bool](b, `!!document.querySelector('.crumbs button.copy[data-copy-text]')`); !id {
			t.Error("no copy button for the alert's id")
		}
		// Pivots: an IP leads to the queue filtered on it, every status.
		b.ClickOn(`.ev-ip a.pivot`)
		b.WaitURL("ip=203.0.113.77")
		b.WaitAny(`#alerts`)
		got := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#alerts tbody a.title')).map(a => a.pathname)`)
		if len(got) != 2 || !strings.Contains(strings.Join(got, " "), id) || !strings.Contains(strings.Join(got, " "), other) {
			t.Errorf("the IP pivot lists %v, want %s and %s", got, id, other)
		}
		if chip := webtest.Eval[string](b, `document.querySelector('#chips .chip-value').textContent`); chip != "203.0.113.77" {
			t.Errorf("the pivot's chip is %q", chip)
		}
		for _, p := range []struct{ sel, param string }{{".ev-user a.pivot", "user="}, {".ev-device a.pivot", "device="}, {".ev-file .ev-name a.pivot", "sha256=" + hash}} {
			b.Do("back", chromedp.Navigate(h.URL+"/alerts/"+url.PathEscape(id)), webtest.Visible(`#evidence`))
			b.ClickOn(p.sel)
			b.WaitURL(p.param)
			b.WaitAny(`#alerts`)
			if n := webtest.Eval[int](b, `document.querySelectorAll('#alerts tbody tr').length`); n != 1 {
				t.Errorf("%s leads to %d alerts, want this one", p.sel, n)
			}
		}
	})
}

func TestBrowserRolesAndRefusals(t *testing.T) {
	langs(t, webtest.Options{}, "Security Reader", "/alerts", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		id, _ := h.RaiseAlert(map[string]any{"title": "Read me", "status": "new"})
		// A reader sees what is, not forms that can only fail, and the role
		// that could change it.
		b.Do("alert as a reader", chromedp.Navigate(h.URL+"/alerts/"+url.PathEscape(id)), webtest.Visible(`#read-only`))
		if n := webtest.Eval[int](b, `document.querySelectorAll('#update-form, form[method=post] textarea').length`); n != 0 {
			t.Error("a reader is offered the triage form")
		}
		want := map[string]string{"en": "Security Operator", "ja": "セキュリティ オペレーター"}[lang]
		if txt := b.Text(`#triage`); !strings.Contains(txt, want) {
			t.Errorf("the read-only view does not name %s: %q", want, txt)
		}
		b.Do("manage as a reader", chromedp.Navigate(h.URL+"/manage"), webtest.Visible(`#read-only`))

		// A user without a security role: a home page that says what to ask for.
		nb := webtest.NewBrowser(t)
		nb.SignIn(h, "/alerts", h.User(""))
		nb.Lang(h, lang)
		nb.WaitAny(`#no-access`)
		if txt := nb.Text(`#no-access`); !strings.Contains(txt, want) {
			t.Errorf("the no-access page does not name %s: %q", want, txt)
		}

		// An operator whose change Graph refuses keeps what was typed.
		ob := webtest.NewBrowser(t)
		ob.SignIn(h, "/alerts/"+url.PathEscape(id), h.User("Security Operator"))
		ob.Lang(h, lang)
		ob.WaitAny(`#update-form`)
		for _, fault := range []map[string]any{
			{"method": "PATCH", "path": "/security/alerts_v2", "status": 403, "count": 1},
			{"method": "PATCH", "path": "/security/alerts_v2", "status": 500, "count": 5},
		} {
			ob.Do("the alert again", chromedp.Navigate(h.URL+"/alerts/"+url.PathEscape(id)), webtest.Visible(`#update-form`))
			if ob.WaitAny(`#update-form`, `#triage-error`) != `#update-form` || webtest.Eval[bool](ob, `!!document.getElementById('triage-error')`) {
				t.Fatal("an error before the change was sent")
			}
			h.Ctl(http.MethodPost, "/_emulator/faults", fault)
			ob.Retry("type", chromedp.SetValue(chromedp.CSS(`#u-status`), "resolved"),
				chromedp.SetValue(chromedp.CSS(`#c-text`), fmt.Sprintf("Typed before a %v", fault["status"])))
			ob.ClickOn(`#save`)
			ob.WaitAny(`#triage-error`)
			if v := webtest.Eval[string](ob, `document.getElementById('c-text').value`); v != fmt.Sprintf("Typed before a %v", fault["status"]) {
				t.Errorf("after a %v the comment box holds %q", fault["status"], v)
			}
			if v := webtest.Eval[string](ob, `document.getElementById('u-status').value`); v != "resolved" {
				t.Errorf("after a %v the status is %q", fault["status"], v)
			}
			if code := ob.Text(`#triage-error .graph-error`); !strings.Contains(code, "request-id") {
				t.Errorf("the error does not show Graph's details: %q", code)
			}
			h.Ctl(http.MethodDelete, "/_emulator/faults", nil)
		}
	})
}

// TestBrowserFormSentOnce presses Save twice while Graph is slow: one
// change reaches Graph.
func TestBrowserFormSentOnce(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"title": "Once", "status": "new"})
	b := webtest.NewBrowser(t)
	b.SignIn(h, "/alerts/"+url.PathEscape(id), h.User("Security Operator"))
	b.WaitAny(`#update-form`)
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "PATCH", "path": "/security/alerts_v2", "delay": "1s", "count": 1})
	h.Graph.Reset()
	b.Retry("type", chromedp.SetValue(chromedp.CSS(`#u-status`), "inProgress"))
	// Two clicks in a row, then a look at the form before the answer comes.
	busy, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.getElementById('save'); s.click(); s.click();
		return new Promise(r => setTimeout(() => r(s.disabled && s.form.getAttribute('aria-busy') === 'true'), 50));
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || !busy {
		t.Errorf("the form is not marked busy while it is sent (%v)", err)
	}
	b.WaitAny(`#flash`)
	patches := 0
	for _, u := range h.Graph.Requests("") {
		if strings.Contains(u.Path, "/security/alerts_v2/") && !strings.HasSuffix(u.Path, "/comments") {
			patches++
		}
	}
	// Each save reads the alert and patches it; the page then reads it:
	// one save is three requests.
	if patches != 3 {
		t.Errorf("%d requests to the alert, want 3 (one save)", patches)
	}
}
