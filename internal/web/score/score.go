// Package score is the console's secure score pages: /securescore (the
// tenant's current and maximum score with a bar, the enabled services,
// licensed and active users, comparisons with other tenants, a 90-day
// trend chart drawn on the server as SVG, the day's control scores, and
// the control profiles with their filters and sort, all GET parameters)
// and /securescore/profiles/{id} (one control profile: its remediation as
// text, action URL, threats, compliance, the history of its state, and
// the form that sets its state, assignee and comment:
// POST /securescore/profiles/{id}).
//
// Files: score.go (the page and what it reads), chart.go (the trend
// chart), profiles.go (the control profiles' filters and sort),
// profile.go (one profile and its update), remediation.go (Graph's
// remediation HTML as text), reconcile.go (pending updates settled from
// Graph); templates/ holds the pages.
package score

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's pages for the page kit
// ("score/score", "score/profile").
func Templates() page.Templates { return page.Embedded("score", templateFS) }

// Deps are what the secure score pages need besides the page kit.
type Deps struct {
	// Activity is graphsec's activity log: state changes are recorded
	// there and shown on the control's page.
	Activity *page.ActivityLog
}

// Pages serves the secure score pages; its methods are page.Handlers.
type Pages struct {
	activity *page.ActivityLog
}

// New returns the secure score pages.
func New(d Deps) *Pages { return &Pages{activity: d.Activity} }

// trendDays is how many daily scores the page reads: Graph keeps 90, one
// a day, newest first, so $top=90 is the whole history.
const trendDays = 90

// maxProfiles bounds the control profiles read (a tenant has a few
// hundred at most).
const maxProfiles = 1000

// summary is the latest score as the page's first card shows it.
type summary struct {
	Current, Max, Percent string
	// Bar is the bar's filled width out of 100.
	Bar              string
	Date, DateLong   string
	Licensed, Active string
	Services         []i18n.EnumLabel
}

// comparison is one of Graph's average comparative scores beside the
// tenant's.
type comparison struct {
	Basis     i18n.EnumLabel
	Score     string
	Bar       string
	Diff      string
	Above     bool
	HasDiffer bool
}

// controlRow is one control's score of the latest day.
type controlRow struct {
	Name, Title, Href, Description string
	Category                       i18n.EnumLabel
	Score, Max, Bar                string
	Count, Total, Status           string
}

// trendRow is one day of the chart's table alternative.
type trendRow struct {
	Date, DateISO, Score, Max, Percent string
}

// view is the page's data.
type view struct {
	Latest      *summary
	Wide        chart
	Narrow      chart
	Trend       []trendRow
	Comparisons []comparison
	Controls    []controlRow
	ScoreError  *page.ErrorView
	NoScore     bool
	Profiles    profilesView
	Requests    []*page.RequestView
}

// Score is GET /securescore.
func (ps *Pages) Score(p *page.Page) error {
	p.Title, p.Nav = p.L.T("securescore.title"), "securescore"
	if p.Role().NoAccess() {
		return p.NoAccess(http.StatusOK, nil)
	}
	f, ferrs := readFilter(p.R.URL.Query())
	c, err := p.GraphFor(graph.AccessReadSecurityEvents)
	if err != nil {
		return err
	}
	ctx := p.R.Context()
	var (
		scores             []graph.SecureScoreDay
		profiles           []graph.ControlProfile
		scoreErr, profErr  error
		scoreReqs, profReq []*graph.Request
		wg                 sync.WaitGroup
	)
	wg.Go(func() {
		sctx, sent := page.Record(ctx)
		var pg *graph.Page[graph.SecureScoreDay]
		pg, _, scoreErr = c.SecureScores.ListDays(sctx, graph.Query{Top: trendDays})
		if scoreErr == nil {
			scores = pg.Value
		}
		scoreReqs = sent.All()
	})
	wg.Go(func() {
		pctx, sent := page.Record(ctx)
		profiles, profErr = readProfiles(pctx, c)
		profReq = sent.All()
	})
	wg.Wait()
	if scoreErr != nil && profErr != nil {
		return scoreErr
	}
	v := view{}
	L := p.L
	if scoreErr != nil {
		_, ev := p.Explain(scoreErr)
		v.ScoreError = &ev
	} else if err := ps.scoreView(L, &v, scores, profiles); err != nil {
		_, ev := p.Explain(err)
		v.ScoreError = &ev
	}
	v.Profiles = profilesPage(L, p.R.URL.Query(), f, ferrs, profiles)
	if profErr != nil {
		_, ev := p.Explain(profErr)
		v.Profiles.Error = &ev
	}
	for i, r := range append(scoreReqs, profReq...) {
		v.Requests = append(v.Requests, page.Shown("req"+strconv.Itoa(i), r))
	}
	status := http.StatusOK
	if ferrs.Any() {
		status = http.StatusBadRequest
	}
	return p.Render(status, "score/score", v)
}

// readProfiles reads every control profile (a few pages at most).
func readProfiles(ctx context.Context, c *graph.Client) ([]graph.ControlProfile, error) {
	var out []graph.ControlProfile
	for cp, err := range c.ControlProfiles.All(ctx, graph.Query{}, maxProfiles) {
		if err != nil {
			return nil, err
		}
		out = append(out, *cp)
	}
	return out, nil
}

// pct is v out of m as a bar's width (0–100, two decimals).
func pct(v, m float64) string {
	if m <= 0 {
		return "0"
	}
	return num(min(max(v/m*100, 0), 100))
}

// scoreView fills the score's parts of the page from Graph's daily scores
// (newest first) and the control profiles (titles and max scores of the
// controls).
func (ps *Pages) scoreView(L *i18n.Printer, v *view, scores []graph.SecureScoreDay, profiles []graph.ControlProfile) error {
	if len(scores) == 0 {
		v.NoScore = true
		return nil
	}
	newest := &scores[0]
	for i := range scores[1:] {
		if scores[i+1].CreatedDateTime.After(newest.CreatedDateTime) {
			newest = &scores[i+1]
		}
	}
	// Only the latest day's control scores and comparisons are shown: the
	// other days are decoded for their numbers alone.
	latest, err := newest.Full()
	if err != nil {
		return page.BadAnswer(page.T("error.unusableAnswer"), err)
	}
	cur, mx := deref(latest.CurrentScore), deref(latest.MaxScore)
	sm := &summary{
		Current: L.N(cur), Max: L.N(mx), Bar: pct(cur, mx),
		Date: L.Date(latest.CreatedDateTime), DateLong: L.TimeLong(latest.CreatedDateTime),
	}
	if mx > 0 {
		sm.Percent = L.N(float64(int(cur/mx*1000+0.5)) / 10)
	}
	if latest.LicensedUserCount != nil {
		sm.Licensed = L.N(*latest.LicensedUserCount)
	}
	if latest.ActiveUserCount != nil {
		sm.Active = L.N(*latest.ActiveUserCount)
	}
	for _, s := range latest.EnabledServices {
		sm.Services = append(sm.Services, L.ScoreValue(s))
	}
	v.Latest = sm
	for _, a := range latest.AverageComparativeScores {
		if a.AverageScore == nil {
			continue
		}
		avg := *a.AverageScore
		c := comparison{Basis: L.ScoreValue(a.Basis), Score: L.N(avg), Bar: pct(avg, mx), HasDiffer: true, Above: cur >= avg}
		d := cur - avg
		if d < 0 {
			d = -d
		}
		c.Diff = L.N(float64(int(d*100+0.5)) / 100)
		v.Comparisons = append(v.Comparisons, c)
	}
	byID := make(map[string]*graph.ControlProfile, len(profiles))
	for i := range profiles {
		byID[profiles[i].ID] = &profiles[i]
	}
	for _, cs := range latest.ControlScores {
		r := controlRow{Name: cs.ControlName, Title: cs.ControlName, Description: plainText(cs.Description), Category: L.ScoreCategory(cs.ControlCategory),
			Score: L.N(deref(cs.Score)), Href: ProfileHref(cs.ControlName)}
		if prof := byID[cs.ControlName]; prof != nil {
			r.Title = cmp.Or(prof.Title, cs.ControlName)
			if prof.MaxScore != nil {
				r.Max, r.Bar = L.N(*prof.MaxScore), pct(deref(cs.Score), *prof.MaxScore)
			}
		}
		r.Count, r.Total = extra(cs.AdditionalData, "count"), extra(cs.AdditionalData, "total")
		r.Status = extra(cs.AdditionalData, "implementationStatus")
		v.Controls = append(v.Controls, r)
	}
	slices.SortStableFunc(v.Controls, func(a, b controlRow) int {
		return cmp.Or(cmp.Compare(a.Category.Text, b.Category.Text), cmp.Compare(a.Title, b.Title))
	})
	ds := days(scores)
	v.Wide, v.Narrow = newChart(L, wide, ds), newChart(L, narrow, ds)
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		r := trendRow{Date: L.Date(d.Date), DateISO: d.Date.UTC().Format("2006-01-02"), Score: num(d.Current), Max: num(d.Max)}
		if d.Max > 0 {
			r.Percent = L.N(float64(int(d.Current/d.Max*1000+0.5)) / 10)
		}
		v.Trend = append(v.Trend, r)
	}
	return nil
}

// extra reads an open type's undeclared member as text: a string as it
// is, a number as Graph wrote it.
func extra(m map[string]json.RawMessage, name string) string {
	raw, ok := m[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var f json.Number
	if json.Unmarshal(raw, &f) == nil {
		return f.String()
	}
	return ""
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
