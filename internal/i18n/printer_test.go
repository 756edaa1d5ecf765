package i18n

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
)

// refNow is "now" in these tests: a Friday afternoon, UTC.
var refNow = time.Date(2026, 12, 4, 16, 24, 5, 0, time.UTC)

var fixedClock = clock.Func(func() time.Time { return refNow })

func testBundle(t testing.TB) *Bundle { return testBundleAt(t, fixedClock) }

func testBundleAt(t testing.TB, clk clock.Clock) *Bundle {
	t.Helper()
	b, err := New(clk)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type stringer struct{}

func (stringer) String() string { return "str" }

func TestT(t *testing.T) {
	b := testBundle(t)
	en, ja := b.Printer(English, nil), b.Printer(Japanese, nil)
	big := int64(1234567)
	when := time.Date(2026, 12, 4, 7, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		p    *Printer
		key  string
		args []any
		want string
	}{
		{"static", en, "nav.alerts", nil, "Alerts"},
		{"static ja", ja, "nav.alerts", nil, "アラート"},
		{"missing key", en, "nav.nope", nil, "⟦nav.nope⟧"},
		{"missing key ja", ja, "nav.nope", nil, "⟦nav.nope⟧"},
		{"empty key", en, "", nil, "⟦⟧"},
		{"arg", en, "error.throttled", []any{"seconds", 5}, "Graph is throttling requests; retrying in 5 s."},
		{"arg ja", ja, "error.throttled", []any{"seconds", 5}, "Graph が要求を調整しています。5 秒後に再試行します。"},
		{"missing arg", en, "error.throttled", nil, "Graph is throttling requests; retrying in ⟦error.throttled:{seconds}⟧ s."},
		{"extra arg ignored", en, "error.throttled", []any{"seconds", 5, "other", 1}, "Graph is throttling requests; retrying in 5 s."},
		{"odd args", en, "error.throttled", []any{"seconds"}, "Graph is throttling requests; retrying in ⟦error.throttled:{seconds}⟧ s."},
		{"non-string name", en, "error.throttled", []any{1, 5}, "Graph is throttling requests; retrying in ⟦error.throttled:{seconds}⟧ s."},
		{"plural one", en, "count.alerts", []any{"n", 1}, "1 alert"},
		{"plural other", en, "count.alerts", []any{"n", 2}, "2 alerts"},
		{"plural zero", en, "count.alerts", []any{"n", 0}, "0 alerts"},
		{"plural negative one", en, "count.alerts", []any{"n", -1}, "-1 alert"},
		{"plural int64", en, "count.alerts", []any{"n", int64(1)}, "1 alert"},
		{"plural pointer", en, "count.alerts", []any{"n", &big}, "1,234,567 alerts"},
		{"plural fraction", en, "count.alerts", []any{"n", 1.5}, "1.5 alerts"},
		{"plural min int", en, "count.alerts", []any{"n", int64(math.MinInt64)}, "-9,223,372,036,854,775,808 alerts"},
		{"plural huge", en, "count.alerts", []any{"n", int64(math.MaxInt64)}, "9,223,372,036,854,775,807 alerts"},
		{"plural no n", en, "count.alerts", nil, "⟦count.alerts:{n}⟧ alerts"},
		{"plural ja", ja, "count.alerts", []any{"n", 1}, "1 件のアラート"},
		{"grouping", en, "count.alerts", []any{"n", 12345}, "12,345 alerts"},
		{"grouping ja", ja, "count.alerts", []any{"n", 12345}, "12,345 件のアラート"},
		{"uint", en, "count.alerts", []any{"n", uint64(math.MaxUint64)}, "18,446,744,073,709,551,615 alerts"},
		{"string arg", en, "error.signInFailed", []any{"reason", "AADSTS50105"}, "Sign-in failed: AADSTS50105"},
		{"time arg", en, "live.expires", []any{"when", when}, "Expires 2026-12-04 07:05 UTC"},
		{"time arg ja", ja, "live.expires", []any{"when", when}, "有効期限: 2026/12/04 07:05 UTC"},
		{"duration arg", en, "live.expires", []any{"when", 90 * time.Minute}, "Expires 1h 30m"},
		{"enum arg", ja, "error.badRequest", []any{"reason", graph.AlertStatusInProgress}, "Graph が要求を拒否しました: 進行中"},
		{"label arg", en, "error.badRequest", []any{"reason", EnumLabel{Text: "X"}}, "Graph rejected the request: X"},
		{"stringer arg", en, "error.badRequest", []any{"reason", stringer{}}, "Graph rejected the request: str"},
		{"error arg", en, "error.badRequest", []any{"reason", errors.New("boom")}, "Graph rejected the request: boom"},
		{"nil arg", en, "error.badRequest", []any{"reason", nil}, "Graph rejected the request: "},
		{"other arg", en, "error.badRequest", []any{"reason", []int{1}}, "Graph rejected the request: [1]"},
		{"float arg", en, "score.percent", []any{"percent", 45.678}, "45.68%"},
		{"NaN arg", en, "score.percent", []any{"percent", math.NaN()}, "NaN%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.T(tc.key, tc.args...); got != tc.want {
				t.Errorf("T(%q, %v) = %q, want %q", tc.key, tc.args, got, tc.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct {
		l    Lang
		n    any
		want string
	}{
		{English, 1, "1 incident"}, {English, 3, "3 incidents"}, {English, int32(1000), "1,000 incidents"},
		{Japanese, 1, "1 件のインシデント"}, {Japanese, 3, "3 件のインシデント"},
	} {
		t.Run(tc.l.Tag(), func(t *testing.T) {
			if got := b.Printer(tc.l, nil).Count("count.incidents", tc.n); got != tc.want {
				t.Errorf("Count(%v) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

func TestN(t *testing.T) {
	b := testBundle(t)
	en, ja := b.Printer(English, nil), b.Printer(Japanese, nil)
	var nilInt *int64
	i := int64(-98765)
	f := 3.14159
	for _, tc := range []struct {
		name string
		p    *Printer
		v    any
		want string
	}{
		{"small", en, 7, "7"},
		{"999", en, 999, "999"},
		{"1000", en, 1000, "1,000"},
		{"million", en, 1234567, "1,234,567"},
		{"million ja", ja, 1234567, "1,234,567"},
		{"negative", en, -1234, "-1,234"},
		{"pointer", en, &i, "-98,765"},
		{"nil pointer", en, nilInt, ""},
		{"nil", en, nil, ""},
		{"float", en, 1234.5, "1,234.5"},
		{"float rounds", en, &f, "3.14"},
		{"float ja", ja, 1234.5, "1,234.5"},
		{"uint8", en, uint8(200), "200"},
		{"not a number", en, "12", "⟦N:string⟧"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.N(tc.v); got != tc.want {
				t.Errorf("N(%v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

func TestRange(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct {
		l               Lang
		from, to, total any
		want            string
	}{
		{English, 26, 50, 400, "26–50 of 400"},
		{Japanese, 26, 50, 400, "400 件中 26～50 件"},
		{English, 1, 25, 12000, "1–25 of 12,000"},
		{English, 1, 25, -1, "1–25"},
		{English, 1, 25, nil, "1–25"},
		{Japanese, 51, 100, nil, "51～100 件"},
		{Japanese, 1001, 1050, int64(5000), "5,000 件中 1,001～1,050 件"},
	} {
		t.Run(tc.l.Tag(), func(t *testing.T) {
			if got := b.Printer(tc.l, nil).Range(tc.from, tc.to, tc.total); got != tc.want {
				t.Errorf("Range(%v, %v, %v) = %q, want %q", tc.from, tc.to, tc.total, got, tc.want)
			}
		})
	}
}

func TestTimes(t *testing.T) {
	b := testBundle(t)
	ts := time.Date(2026, 12, 4, 16, 24, 5, 0, time.UTC)
	jst := time.FixedZone("JST", 9*3600)
	india := time.FixedZone("", 5*3600+30*60) // a zone without an abbreviation
	numeric := time.FixedZone("-03", -3*3600) // as Go names some zones
	var nilTime *time.Time
	for _, tc := range []struct {
		name string
		l    Lang
		loc  *time.Location
		fn   func(*Printer, any) string
		v    any
		want string
	}{
		{"time", English, nil, (*Printer).Time, ts, "2026-12-04 16:24 UTC"},
		{"time ja", Japanese, nil, (*Printer).Time, ts, "2026/12/04 16:24 UTC"},
		{"pointer", English, nil, (*Printer).Time, &ts, "2026-12-04 16:24 UTC"},
		{"zero", English, nil, (*Printer).Time, time.Time{}, ""},
		{"nil pointer", English, nil, (*Printer).Time, nilTime, ""},
		{"nil", English, nil, (*Printer).Time, nil, ""},
		{"wrong type", English, nil, (*Printer).Time, "2026", "⟦time:string⟧"},
		{"other zone input", English, nil, (*Printer).Time, ts.In(jst), "2026-12-04 16:24 UTC"},
		{"JST", Japanese, jst, (*Printer).Time, ts, "2026/12/05 01:24 JST"},
		{"offset zone", English, india, (*Printer).Time, ts, "2026-12-04 21:54 UTC+05:30"},
		{"numeric zone", English, numeric, (*Printer).Time, ts, "2026-12-04 13:24 UTC-03:00"},
		{"compact", English, nil, (*Printer).TimeCompact, ts, "2026-12-04 16:24"},
		{"compact ja", Japanese, jst, (*Printer).TimeCompact, ts, "2026/12/05 01:24"},
		{"long", English, nil, (*Printer).TimeLong, ts, "2026-12-04 16:24:05 UTC"},
		{"long ja", Japanese, nil, (*Printer).TimeLong, ts, "2026年12月4日 16:24:05 UTC"},
		{"date", English, nil, (*Printer).Date, ts, "2026-12-04"},
		{"date ja", Japanese, jst, (*Printer).Date, ts, "2026/12/05"},
		{"iso", Japanese, jst, (*Printer).ISO, ts.In(jst), "2026-12-04T16:24:05Z"},
		{"iso zero", English, nil, (*Printer).ISO, time.Time{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fn(b.Printer(tc.l, tc.loc), tc.v); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestZone(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{
		{nil, "UTC"}, {time.UTC, "UTC"}, {time.FixedZone("JST", 9*3600), "JST"},
		{time.FixedZone("", -(4*3600 + 30*60)), "UTC-04:30"}, {time.FixedZone("+00", 0), "UTC"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := b.Printer(English, tc.loc).Zone(); got != tc.want {
				t.Errorf("Zone() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRel(t *testing.T) {
	// now is 2026-12-04 16:24:05 UTC (01:24 on the 5th in Tokyo).
	b := testBundle(t)
	jst := time.FixedZone("JST", 9*3600)
	for _, tc := range []struct {
		name   string
		d      time.Duration // how long before now (negative: after)
		loc    *time.Location
		en, ja string
	}{
		{"now", 0, nil, "just now", "たった今"},
		{"seconds ago", 59 * time.Second, nil, "just now", "たった今"},
		{"seconds ahead", -30 * time.Second, nil, "just now", "たった今"},
		{"1 min", time.Minute, nil, "1 min ago", "1 分前"},
		{"3 min", 3*time.Minute + 59*time.Second, nil, "3 min ago", "3 分前"},
		{"in 3 min", -3 * time.Minute, nil, "in 3 min", "3 分後"},
		{"59 min", 59 * time.Minute, nil, "59 min ago", "59 分前"},
		{"1 h", time.Hour, nil, "1 h ago", "1 時間前"},
		{"in 2 h", -2*time.Hour - 10*time.Minute, nil, "in 2 h", "2 時間後"},
		{"23 h", 23*time.Hour + 59*time.Minute, nil, "23 h ago", "23 時間前"},
		{"yesterday", 24 * time.Hour, nil, "yesterday", "昨日"},
		{"yesterday late", 40 * time.Hour, nil, "yesterday", "昨日"}, // 2026-12-03 00:24
		{"2 days", 41 * time.Hour, nil, "2 days ago", "2 日前"},      // 2026-12-02 23:24
		{"tomorrow", -25 * time.Hour, nil, "tomorrow", "明日"},
		{"in 3 days", -3 * 24 * time.Hour, nil, "in 3 days", "3 日後"},
		// In Tokyo it is already the 5th: 30 h ago is the 3rd there, two dates back.
		{"zone decides the date", 30 * time.Hour, jst, "2 days ago", "2 日前"},
		{"zone decides the date UTC", 30 * time.Hour, nil, "yesterday", "昨日"},
		{"30 days", 30 * 24 * time.Hour, nil, "30 days ago", "30 日前"},
		{"older: the date", 31 * 24 * time.Hour, nil, "2026-11-03", "2026/11/03"},
		{"far future: the date", -365 * 24 * time.Hour, nil, "2027-12-04", "2027/12/04"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := refNow.Add(-tc.d)
			if got := b.Printer(English, tc.loc).Rel(at); got != tc.en {
				t.Errorf("en = %q, want %q", got, tc.en)
			}
			if got := b.Printer(Japanese, tc.loc).Rel(&at); got != tc.ja {
				t.Errorf("ja = %q, want %q", got, tc.ja)
			}
		})
	}
	if got := b.Printer(English, nil).Rel(time.Time{}); got != "" {
		t.Errorf("Rel(zero) = %q", got)
	}
	if got := b.Printer(English, nil).Rel(42); got != "⟦time:int⟧" {
		t.Errorf("Rel(42) = %q", got)
	}
}

// TestRelFollowsClock: the injected clock, not the system's, is "now".
func TestRelFollowsClock(t *testing.T) {
	fake := clock.NewFake(refNow)
	b := testBundleAt(t, fake)
	p := b.Printer(English, nil)
	at := refNow.Add(-5 * time.Minute)
	if got := p.Rel(at); got != "5 min ago" {
		t.Fatalf("Rel = %q", got)
	}
	fake.Advance(2 * time.Hour)
	if got := p.Rel(at); got != "2 h ago" {
		t.Errorf("after 2 h, Rel = %q", got)
	}
}

func TestDur(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct {
		d      time.Duration
		en, ja string
	}{
		{0, "0 ms", "0 ミリ秒"},
		{350 * time.Millisecond, "350 ms", "350 ミリ秒"},
		{time.Second, "1s", "1 秒"},
		{45*time.Second + 900*time.Millisecond, "45s", "45 秒"},
		{time.Minute, "1m", "1 分"},
		{2*time.Minute + 5*time.Second, "2m 5s", "2 分 5 秒"},
		{2 * time.Hour, "2h", "2 時間"},
		{2*time.Hour + 15*time.Minute + 30*time.Second, "2h 15m", "2 時間 15 分"},
		{26 * time.Hour, "1d 2h", "1 日 2 時間"},
		{72*time.Hour + 30*time.Minute, "3d", "3 日"},
		{1500 * 24 * time.Hour, "1,500d", "1,500 日"},
		{-90 * time.Second, "-1m 30s", "-1 分 30 秒"},
		{math.MinInt64, "-106,751d 23h", "-106,751 日 23 時間"},
	} {
		t.Run(tc.d.String(), func(t *testing.T) {
			if got := b.Printer(English, nil).Dur(tc.d); got != tc.en {
				t.Errorf("en = %q, want %q", got, tc.en)
			}
			if got := b.Printer(Japanese, nil).Dur(tc.d); got != tc.ja {
				t.Errorf("ja = %q, want %q", got, tc.ja)
			}
		})
	}
}

func TestFuncMap(t *testing.T) {
	p := testBundle(t).Printer(Japanese, nil)
	fm := p.FuncMap()
	for name, fn := range fm {
		if fn == nil {
			t.Errorf("%s is nil", name)
		}
	}
	if got := fm["T"].(func(string, ...any) string)("nav.alerts"); got != "アラート" {
		t.Errorf("T = %q", got)
	}
	if !strings.EqualFold(fm["HTMLLang"].(func() string)(), "ja") {
		t.Error("HTMLLang")
	}
}

// TestGroupingMatchesXText: the allocation-free grouping writes every
// integer exactly as x/text does, in every language.
func TestGroupingMatchesXText(t *testing.T) {
	b := testBundle(t)
	for _, l := range Langs() {
		if b.groupSep[l] != "," {
			t.Errorf("%s: separator %q, want \",\"", l, b.groupSep[l])
		}
		p := b.Printer(l, nil)
		for _, i := range []int64{0, 7, -7, 999, 1000, -1000, 12345, 999999, 1000000, -1234567, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
			want := b.nums[l].Sprint(number.Decimal(i))
			if got := p.N(i); got != want {
				t.Errorf("%s: N(%d) = %q, x/text writes %q", l, i, got, want)
			}
		}
	}
	if got := groupSeparator(message.NewPrinter(language.Hindi)); got != "" {
		t.Errorf("Hindi groups by lakhs, yet separator %q", got)
	}
}

// FuzzT: whatever the key, argument names and values, T neither panics
// nor returns an empty string.
func FuzzT(f *testing.F) {
	b := testBundle(f)
	f.Add("count.alerts", "n", int64(1), "x", 1.5, false)
	f.Add("error.throttled", "seconds", int64(-5), "n", 0.0, true)
	f.Add("nav.nope", "", int64(0), "", 0.0, false)
	f.Fuzz(func(t *testing.T, key, name1 string, v1 int64, name2 string, v2 float64, ja bool) {
		l := English
		if ja {
			l = Japanese
		}
		p := b.Printer(l, nil)
		if got := p.T(key, name1, v1, name2, v2); got == "" {
			t.Fatalf("T(%q, …) is empty", key)
		}
		if got := p.T(key, name1); got == "" {
			t.Fatalf("T(%q, %q) is empty", key, name1)
		}
		_ = p.Count(key, v1)
		_ = p.Dur(time.Duration(v1))
		_ = p.N(v2)
		_ = p.Rel(refNow.Add(time.Duration(v1)))
	})
}

// TestConcurrentUse: one bundle and its printers serve many requests at
// once (run with -race).
func TestConcurrentUse(t *testing.T) {
	b := testBundle(t)
	done := make(chan string)
	for i := range 8 {
		go func() {
			p := b.Printer(Lang(i%2), nil)
			var s string
			for j := range 200 {
				s = p.Count("count.alerts", 1000+j) + p.Label(graph.AlertStatusNew) + p.Rel(refNow.Add(-time.Hour)) + p.N(1.5) + p.Dur(time.Hour)
			}
			done <- s
		}()
	}
	for range 8 {
		if s := <-done; s == "" || len(FindMarkers(s)) > 0 {
			t.Errorf("rendered %q", s)
		}
	}
}
