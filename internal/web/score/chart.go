package score

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
)

// The trend chart is an SVG written on the server: a line of the daily
// current score over the max score's dashed line, on a grid of four
// bands, with dates below and points on the left. Its colours are CSS
// classes (app.css) over the design system's custom properties, so it
// follows light and dark mode; its text is the page's language; it has a
// <title> and <desc> for assistive technology, and the page has the same
// numbers as a table. It is written twice, at two sizes (a wide one for
// desktops, a narrow one with fewer labels for phones), and CSS shows the
// one that fits, so that its labels stay readable at both widths.

// geometry is one size of the chart, in SVG user units.
type geometry struct {
	Name                     string // "wide" or "narrow"
	W, H                     float64
	Left, Right, Top, Bottom float64
	// XTicks is how many dates the axis labels.
	XTicks int
}

var (
	wide   = geometry{Name: "wide", W: 720, H: 220, Left: 44, Right: 12, Top: 12, Bottom: 26, XTicks: 6}
	narrow = geometry{Name: "narrow", W: 360, H: 220, Left: 36, Right: 8, Top: 12, Bottom: 26, XTicks: 3}
)

// point is one day of the chart.
type point struct {
	X, Y, MaxY float64
	Date       time.Time
	Score, Max float64
}

// chart is one size of the trend chart, ready for the template: every
// number already a string with two decimals at most.
type chart struct {
	Name                string
	ViewBox             string
	W, H                string
	PlotLeft, PlotRight string
	PlotTop, PlotBottom string
	Line, MaxLine, Area string
	YTicks, XTicks      []tickView
	Points              []pointView
	LastX, LastY        string
	Title, Desc         string
}

// tickView is an axis label at a position; Class anchors the first and
// last dates inside the plot.
type tickView struct{ Pos, Label, Class string }

type pointView struct {
	X, Y, Date, Day, Score, Max string
}

// day is one secure score as the chart reads it.
type day struct {
	Date         time.Time
	Current, Max float64
}

// days turns Graph's daily scores (newest first) into the chart's days,
// oldest first, leaving out days without both numbers.
func days(scores []graph.SecureScoreDay) []day {
	out := make([]day, 0, len(scores))
	for _, s := range scores {
		if s.CurrentScore == nil || s.MaxScore == nil || s.CreatedDateTime.IsZero() {
			continue
		}
		out = append(out, day{Date: s.CreatedDateTime, Current: *s.CurrentScore, Max: *s.MaxScore})
	}
	slices.SortFunc(out, func(a, b day) int { return a.Date.Compare(b.Date) })
	return out
}

// yScale is the top of the chart's scale: the highest max score rounded up
// to a multiple of 4 nice steps (so that the four bands are whole
// numbers), at least 4.
func yScale(ds []day) float64 {
	top := 0.0
	for _, d := range ds {
		top = max(top, d.Max, d.Current)
	}
	step := niceStep(top / 4)
	return max(step*4, 4)
}

// niceStep rounds v up to 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power
// of ten.
func niceStep(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// place computes the points of ds in g: x spreads the days evenly over the
// plot (one day in the middle), y runs from 0 at the bottom to top at the
// top.
func place(g geometry, ds []day, top float64) []point {
	plotW, plotH := g.W-g.Left-g.Right, g.H-g.Top-g.Bottom
	y := func(v float64) float64 { return g.Top + plotH*(1-v/top) }
	out := make([]point, len(ds))
	for i, d := range ds {
		x := g.Left + plotW/2
		if len(ds) > 1 {
			x = g.Left + plotW*float64(i)/float64(len(ds)-1)
		}
		out[i] = point{X: x, Y: y(d.Current), MaxY: y(d.Max), Date: d.Date, Score: d.Current, Max: d.Max}
	}
	return out
}

// num writes a coordinate with at most two decimals.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// newChart draws ds at size g, with its text in L's language.
func newChart(L *i18n.Printer, g geometry, ds []day) chart {
	top := yScale(ds)
	pts := place(g, ds, top)
	c := chart{
		Name: g.Name, ViewBox: "0 0 " + num(g.W) + " " + num(g.H), W: num(g.W), H: num(g.H),
		PlotLeft: num(g.Left), PlotRight: num(g.W - g.Right), PlotTop: num(g.Top), PlotBottom: num(g.H - g.Bottom),
		Title: L.T("securescore.trend.title", "days", len(ds)),
	}
	plotH := g.H - g.Top - g.Bottom
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		c.YTicks = append(c.YTicks, tickView{Pos: num(g.Top + plotH*(1-v/top)), Label: L.N(v)})
	}
	var line, maxLine []string
	for _, p := range pts {
		line = append(line, num(p.X)+","+num(p.Y))
		maxLine = append(maxLine, num(p.X)+","+num(p.MaxY))
		c.Points = append(c.Points, pointView{X: num(p.X), Y: num(p.Y), Date: p.Date.UTC().Format(time.DateOnly), Day: L.Date(p.Date), Score: num(p.Score), Max: num(p.Max)})
	}
	c.Line, c.MaxLine = strings.Join(line, " "), strings.Join(maxLine, " ")
	if len(pts) > 0 {
		first, last := pts[0], pts[len(pts)-1]
		c.Area = num(first.X) + "," + num(g.H-g.Bottom) + " " + c.Line + " " + num(last.X) + "," + num(g.H-g.Bottom)
		c.LastX, c.LastY = num(last.X), num(last.Y)
		idx := tickIndexes(len(pts), g.XTicks)
		for j, i := range idx {
			t := tickView{Pos: num(pts[i].X), Label: L.Date(pts[i].Date)}
			switch {
			case j == 0 && len(idx) > 1:
				t.Class = "first"
			case j == len(idx)-1 && len(idx) > 1:
				t.Class = "last"
			}
			c.XTicks = append(c.XTicks, t)
		}
		lo, hi := pts[0], pts[0]
		for _, p := range pts {
			if p.Score < lo.Score {
				lo = p
			}
			if p.Score > hi.Score {
				hi = p
			}
		}
		c.Desc = L.T("securescore.trend.desc", "from", L.Date(first.Date), "to", L.Date(last.Date),
			"start", L.N(first.Score), "end", L.N(last.Score), "max", L.N(last.Max),
			"low", L.N(lo.Score), "lowDay", L.Date(lo.Date), "high", L.N(hi.Score), "highDay", L.Date(hi.Date))
	} else {
		c.Desc = L.T("securescore.trend.none")
	}
	return c
}

// tickIndexes picks n indexes of a list of length l, evenly spread, the
// first and the last included.
func tickIndexes(l, n int) []int {
	if l == 0 || n <= 0 {
		return nil
	}
	if l <= n || n == 1 {
		if n == 1 {
			return []int{l - 1}
		}
		out := make([]int, l)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, n)
	for i := range out {
		out[i] = int(math.Round(float64(i) * float64(l-1) / float64(n-1)))
	}
	return out
}
