package score

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/i18n"
)

func printer(t testing.TB, lang string) *i18n.Printer {
	t.Helper()
	b, err := i18n.New(clock.Func(func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := i18n.ParseLang(lang)
	return b.Printer(l, time.UTC)
}

func score(day string, cur, max float64) graph.SecureScoreDay {
	t, _ := time.Parse(time.DateOnly, day)
	return graph.SecureScoreDay{CreatedDateTime: t, CurrentScore: &cur, MaxScore: &max}
}

// TestChartPoints places known scores exactly: Graph's order (newest
// first) reversed, x spread over the plot, y on a scale of 0 to the max
// score rounded up to four whole bands.
func TestChartPoints(t *testing.T) {
	scores := []graph.SecureScoreDay{score("2026-12-03", 30, 40), score("2026-12-01", 10, 40), score("2026-12-02", 20, 40)}
	c := newChart(printer(t, "en"), wide, days(scores))
	// viewBox 720×220; plot x 44..708, y 12..194; scale 0..40.
	want := []pointView{
		{X: "44", Y: "148.5", Date: "2026-12-01", Score: "10", Max: "40"},
		{X: "376", Y: "103", Date: "2026-12-02", Score: "20", Max: "40"},
		{X: "708", Y: "57.5", Date: "2026-12-03", Score: "30", Max: "40"},
	}
	for i := range want {
		w, g := want[i], c.Points[i]
		if g.X != w.X || g.Y != w.Y || g.Date != w.Date || g.Score != w.Score || g.Max != w.Max {
			t.Errorf("point %d = %+v, want %+v", i, g, w)
		}
	}
	if c.Line != "44,148.5 376,103 708,57.5" || c.MaxLine != "44,12 376,12 708,12" {
		t.Errorf("line %q, max line %q", c.Line, c.MaxLine)
	}
	if got := []string{c.YTicks[0].Label, c.YTicks[4].Label}; !slices.Equal(got, []string{"0", "40"}) {
		t.Errorf("y labels %v", got)
	}
	if c.XTicks[0].Class != "first" || c.XTicks[len(c.XTicks)-1].Class != "last" {
		t.Errorf("x ticks %+v", c.XTicks)
	}
	if !strings.Contains(c.Desc, "from 10 to 30 points") || !strings.Contains(c.Desc, "Lowest 10 on 2026-12-01, highest 30 on 2026-12-03") {
		t.Errorf("desc %q", c.Desc)
	}
	ja := newChart(printer(t, "ja"), narrow, days(scores))
	if ja.Title != "過去 3 日間のセキュア スコア" || !strings.Contains(ja.Desc, "10 ポイントから 30 ポイント") {
		t.Errorf("ja: %q %q", ja.Title, ja.Desc)
	}
}

func TestChartEdges(t *testing.T) {
	L := printer(t, "en")
	for _, tc := range []struct {
		name   string
		scores []graph.SecureScoreDay
		points int
	}{
		{"none", nil, 0},
		{"one day", []graph.SecureScoreDay{score("2026-12-01", 5, 10)}, 1},
		{"a day without numbers", []graph.SecureScoreDay{score("2026-12-01", 5, 10), {CreatedDateTime: time.Now()}}, 1},
		{"zero max", []graph.SecureScoreDay{score("2026-12-01", 0, 0)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChart(L, wide, days(tc.scores))
			if len(c.Points) != tc.points {
				t.Fatalf("%d points", len(c.Points))
			}
			for _, p := range c.Points {
				if strings.Contains(p.X+p.Y, "NaN") || strings.Contains(p.X+p.Y, "Inf") {
					t.Errorf("point %+v", p)
				}
			}
		})
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ max, top float64 }{{179, 200}, {40, 40}, {41, 60}, {0, 4}, {7, 8}, {1000, 1000}, {1001, 1200}} {
		if got := yScale([]day{{Max: tc.max}}); got != tc.top {
			t.Errorf("yScale(%v) = %v, want %v", tc.max, got, tc.top)
		}
	}
}

// TestApplied decides a pending state change from the control's history.
func TestApplied(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	cp := &graph.ControlProfile{ControlStateUpdates: []graph.SecureScoreControlStateUpdate{
		{State: graph.ControlStateIgnored, Comment: "old", UpdatedDateTime: at.Add(-48 * time.Hour)},
		{State: graph.ControlStateReviewed, Comment: "done", UpdatedDateTime: at.Add(30 * time.Second)},
	}}
	for _, tc := range []struct {
		state, comment string
		want           bool
	}{
		{"Reviewed", "done", true},
		{"Reviewed", "other", false},
		{"Ignored", "old", false}, // before the intent
		{"ThirdParty", "", false},
	} {
		if got := applied(cp, at, tc.state, tc.comment); got != tc.want {
			t.Errorf("applied(%s, %q) = %v, want %v", tc.state, tc.comment, got, tc.want)
		}
	}
}
