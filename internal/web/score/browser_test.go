package score_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// Browser tests of the secure score pages, in both languages: the chart's
// points against Graph's scores, the page at 390 px, a control's state
// set and its history growing, and a reader's read-only view. A failing
// test leaves a screenshot (webtest.ArtifactsDir).

// overflow lists the elements wider than the viewport (for the message
// of a page that scrolls sideways).
const overflow = `Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id)`

// noSideways fails when the page scrolls sideways.
func noSideways(t *testing.T, b *webtest.Browser, what string) {
	t.Helper()
	if webtest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
		b.Screenshot(what)
		t.Errorf("%s scrolls sideways at 390 px (scrollWidth %d): %v", what, webtest.Eval[int](b, `document.documentElement.scrollWidth`), webtest.Eval[[]string](b, overflow))
	}
}

func TestBrowserSecureScore(t *testing.T) {
	webtest.Langs(t, webtest.Options{}, "Security Operator", "/securescore", func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		b.Do("score", chromedp.Navigate(h.URL+"/securescore"), webtest.Visible(`#chart-wide`))
		// Graph's 90 days, as the chart's points.
		var want []graph.SecureScore
		c := h.GraphAs(h.UPN(h.User("Security Operator")))
		for s, err := range c.SecureScores.All(context.Background(), graph.Query{Top: 90}, 90) {
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, *s)
		}
		type pt struct {
			Date       string
			Score, Max float64
			X, Y       float64
		}
		pts := webtest.Eval[[]pt](b, `Array.from(document.querySelectorAll('#chart-wide .points circle')).map(c => ({Date: c.dataset.date, Score: parseFloat(c.dataset.score), Max: parseFloat(c.dataset.max), X: parseFloat(c.getAttribute('cx')), Y: parseFloat(c.getAttribute('cy'))}))`)
		if len(pts) != len(want) || len(pts) != 90 {
			t.Fatalf("%d points, Graph has %d days", len(pts), len(want))
		}
		// Oldest first, left to right; each day's score from Graph, placed
		// on the y scale the axis labels say.
		top := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#chart-wide .y-labels text')).map(t => t.textContent)`)
		yTop, _ := strconv.ParseFloat(strings.ReplaceAll(top[len(top)-1], ",", ""), 64)
		for i, p := range pts {
			s := want[len(want)-1-i]
			if p.Date != s.CreatedDateTime.UTC().Format("2006-01-02") || math.Abs(p.Score-*s.CurrentScore) > 0.006 || math.Abs(p.Max-*s.MaxScore) > 0.006 {
				t.Fatalf("point %d is %+v, Graph says %s %v / %v", i, p, s.CreatedDateTime, *s.CurrentScore, *s.MaxScore)
			}
			if i > 0 && p.X <= pts[i-1].X {
				t.Fatalf("point %d is not right of the one before", i)
			}
			// viewBox 720×220, plot from y=12 to y=194.
			wantY := 12 + 182*(1-*s.CurrentScore/yTop)
			if math.Abs(p.Y-wantY) > 0.02 {
				t.Fatalf("point %d at y=%v, want %v for %v of %v", i, p.Y, wantY, *s.CurrentScore, yTop)
			}
		}
		// The polyline joins the same points.
		line := strings.Fields(webtest.Eval[string](b, `document.querySelector('#chart-wide .score-line').getAttribute('points')`))
		if len(line) != 90 || line[0] != fmt.Sprintf("%v,%v", pts[0].X, pts[0].Y) {
			t.Errorf("the line has %d points, starting %q", len(line), line[0])
		}
		// Accessible text in the page's language, and the table alternative.
		title := webtest.Eval[string](b, `document.querySelector('#chart-wide svg title').textContent`)
		if want := map[string]string{"en": "Secure score over the last 90 days", "ja": "過去 90 日間のセキュア スコア"}[lang]; title != want {
			t.Errorf("the chart's title is %q", title)
		}
		if n := webtest.Eval[int](b, `document.querySelectorAll('#trend-table tbody tr').length`); n != 90 {
			t.Errorf("the table alternative has %d rows", n)
		}
		// The chart's colours come from the stylesheet (dark mode follows).
		if stroke := webtest.Eval[string](b, `getComputedStyle(document.querySelector('#chart-wide .score-line')).stroke`); stroke == "" || stroke == "none" {
			t.Errorf("the score line has no stroke: %q", stroke)
		}
		// Sorting by a column header.
		b.ClickOn(`#profiles-table th.c-num a.sort`)
		b.WaitURL("sort=maxScore")
		maxes := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#profiles-table tbody td.c-num')).map(td => td.textContent)`)
		for i := 1; i < len(maxes); i++ {
			a, _ := strconv.ParseFloat(maxes[i-1], 64)
			c, _ := strconv.ParseFloat(maxes[i], 64)
			if c > a {
				t.Fatalf("max scores not descending: %v", maxes)
			}
		}

		// A phone: the narrow chart, no sideways scroll.
		b.Viewport(390, 844)
		b.Do("phone", chromedp.Navigate(h.URL+"/securescore"), webtest.Visible(`#chart-narrow`))
		if webtest.Eval[bool](b, `getComputedStyle(document.querySelector('#chart-wide')).display !== 'none'`) {
			t.Error("the wide chart shows on a phone")
		}
		noSideways(t, b, "score page")
		b.Do("profile on a phone", chromedp.Navigate(h.URL+"/securescore/profiles/AdminMFAV2"), webtest.Visible(`#state-form`))
		noSideways(t, b, "a control profile")
	})
}

// TestBrowserControlState sets a control's state in the page's form and
// sees the history grow, then looks at the same control as a reader.
func TestBrowserControlState(t *testing.T) {
	const path = "/securescore/profiles/AdminMFAV2"
	webtest.Langs(t, webtest.Options{}, "Security Operator", path, func(t *testing.T, h *webtest.Harness, b *webtest.Browser, lang string) {
		b.Viewport(1440, 900)
		b.Do("profile", chromedp.Navigate(h.URL+path), webtest.Visible(`#state-form`))
		before := webtest.Eval[int](b, `document.querySelectorAll('#history-table tbody tr').length`)
		b.Retry("fill", chromedp.SetValue(chromedp.CSS(`#u-state`), "Reviewed"), chromedp.SetValue(chromedp.CSS(`#u-assigned`), "soc@contoso.com"),
			chromedp.SetValue(chromedp.CSS(`#u-comment`), "Reviewed in the "+lang+" weekly meeting"))
		b.ClickOn(`#save`)
		b.WaitAny(`#saved`)
		if n := webtest.Eval[int](b, `document.querySelectorAll('#history-table tbody tr').length`); n != before+1 {
			t.Errorf("%d history entries after saving, %d before", n, before)
		}
		entry := b.Text(`#new-entry`)
		want := map[string]string{"en": "Reviewed", "ja": "レビュー済み"}[lang]
		if !strings.Contains(entry, want) || !strings.Contains(entry, "soc@contoso.com") || !strings.Contains(entry, "Reviewed in the "+lang+" weekly meeting") {
			t.Errorf("the new entry reads %q", entry)
		}
		if got := b.Text(`#profile-state`); got != want {
			t.Errorf("the state badge says %q, want %q", got, want)
		}
		// Reloading shows the history from Graph, the flash gone.
		b.Do("reload", chromedp.Navigate(h.URL+path), webtest.Visible(`#history-table`))
		if webtest.Eval[int](b, `document.querySelectorAll('#saved').length`) != 0 {
			t.Error("the result shows again after a reload")
		}

		// A reader: the same control, read-only.
		r := webtest.NewBrowser(t)
		r.SignIn(h, path, h.User("Security Reader"))
		r.Lang(h, lang)
		r.Do("reader", chromedp.Navigate(h.URL+path), webtest.Visible(`#read-only`))
		if n := webtest.Eval[int](r, `document.querySelectorAll('#state-form, #save').length`); n != 0 {
			t.Error("a reader is offered the form")
		}
		if n := webtest.Eval[int](r, `document.querySelectorAll('#history-table tbody tr').length`); n != before+1 {
			t.Errorf("the reader sees %d history entries", n)
		}
		r.Viewport(390, 844)
		r.Do("reader phone", chromedp.Navigate(h.URL+path), webtest.Visible(`#read-only`))
		noSideways(t, r, "a control profile, reader")
	})
}
