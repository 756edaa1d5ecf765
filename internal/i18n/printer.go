package i18n

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// countArg is the placeholder that chooses a plural form.
const countArg = "n"

// Printer renders messages, labels, numbers and times in one language and
// one time zone. Every string the console shows goes through one. It is
// cheap to make (Bundle.Printer), immutable and safe for concurrent use.
//
// In a template, put the request's printer in the page data (say as .L)
// and call its methods: {{$.L.T "nav.alerts"}}. FuncMap gives the same
// methods as functions for a template set bound to one printer.
type Printer struct {
	b    *Bundle
	c    *catalog
	lang Lang
	loc  *time.Location
}

// Lang is the printer's language.
func (p *Printer) Lang() Lang { return p.lang }

// HTMLLang is the value of <html lang> (and of Content-Language).
func (p *Printer) HTMLLang() string { return p.lang.Tag() }

// Location is the printer's time zone.
func (p *Printer) Location() *time.Location { return p.loc }

// FuncMap returns the printer's methods as template functions, named as
// the methods are: T, Count, N, Range, Time, TimeCompact, TimeLong, Date,
// ISO, Zone, Rel, Dur, Label, Labels, List, Enum, EnumOf, Category, LegacyCategory,
// ScoreCategory, EvidenceType, Field, Role, Lang, HTMLLang. It suits a
// template set parsed for one printer (a mail body, say); pages parsed
// once for every request call the methods on a printer in their data.
func (p *Printer) FuncMap() map[string]any {
	return map[string]any{
		"T": p.T, "Count": p.Count, "N": p.N, "Range": p.Range,
		"Time": p.Time, "TimeCompact": p.TimeCompact, "TimeLong": p.TimeLong, "Date": p.Date,
		"ISO": p.ISO, "Zone": p.Zone, "Rel": p.Rel, "Dur": p.Dur,
		"Label": p.Label, "Labels": p.Labels, "List": p.List, "Enum": p.Enum, "EnumOf": p.EnumOf, "Category": p.Category,
		"LegacyCategory": p.LegacyCategory, "ScoreCategory": p.ScoreCategory,
		"EvidenceType": p.EvidenceType, "Field": p.Field, "Role": p.Role,
		"Lang": p.Lang, "HTMLLang": p.HTMLLang,
	}
}

// Missing-key markers. A message that cannot be rendered as written shows
// as MarkOpen + what is wrong + MarkClose: a missing key as ⟦key⟧, a
// placeholder given no argument as ⟦key:{name}⟧. They never appear in a
// correct page; FindMarkers and AssertNoMarkers look for them.
const (
	MarkOpen  = "⟦"
	MarkClose = "⟧"
)

func marker(s string) string { return MarkOpen + s + MarkClose }

// T renders the message key with named arguments given as pairs:
//
//	p.T("error.throttled", "seconds", 5)
//	{{$.L.T "paging.range" "from" 26 "to" 50 "total" 400}}
//
// A message with plural forms picks its form by the argument "n". Integers
// are written with the language's digit grouping, times with Time,
// durations with Dur, Graph enum values with Label. A missing key or
// argument renders as a visible marker (see MarkOpen), never as a panic or
// an empty string; an unused argument is ignored. Both are mistakes that
// CheckTemplate and CheckGoFiles report in tests.
func (p *Printer) T(key string, args ...any) string {
	m := p.c.msgs[key]
	if m == nil {
		return marker(key)
	}
	pat := m.forms[plural.Other]
	if m.plural {
		pat = m.forms[p.formFor(m, args)]
		if pat == nil {
			pat = m.forms[plural.Other]
		}
	}
	if pat.static {
		return pat.text
	}
	return p.render(key, pat, args)
}

// Count renders a message that counts something: T(key, "n", n).
func (p *Printer) Count(key string, n any) string { return p.T(key, countArg, n) }

// formFor picks the plural form of m for the argument "n".
func (p *Printer) formFor(m *entry, args []any) plural.Form {
	v, ok := argValue(args, countArg)
	if !ok {
		return plural.Other
	}
	i, ok := toInt(v)
	if !ok {
		// A fraction takes the "other" form in both languages.
		return plural.Other
	}
	if i < 0 {
		i = -i
		if i < 0 { // MinInt64
			i = math.MaxInt64
		}
	}
	if i > math.MaxInt32 {
		i = 1000000 + i%1000000 // keeps the last digits, which decide the form
	}
	return plural.Cardinal.MatchPlural(p.lang.info().xtag, int(i), 0, 0, 0, 0)
}

// argValue finds a named argument in name/value pairs.
func argValue(args []any, name string) (any, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if s, ok := args[i].(string); ok && s == name {
			return args[i+1], true
		}
	}
	return nil, false
}

func (p *Printer) render(key string, pat *pattern, args []any) string {
	var stack [256]byte
	b := stack[:0]
	for _, pt := range pat.parts {
		if pt.arg == "" {
			b = append(b, pt.text...)
			continue
		}
		v, ok := argValue(args, pt.arg)
		if !ok {
			b = append(b, MarkOpen...)
			b = append(b, key...)
			b = append(b, ":{"...)
			b = append(b, pt.arg...)
			b = append(b, '}')
			b = append(b, MarkClose...)
			continue
		}
		b = p.appendArg(b, v)
	}
	return string(b)
}

// appendArg writes one argument as the language writes it.
func (p *Printer) appendArg(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return b
	case string:
		return append(b, x...)
	case time.Time:
		return append(b, p.Time(x)...)
	case *time.Time:
		return append(b, p.Time(x)...)
	case time.Duration:
		return p.appendDur(b, x)
	case EnumLabel:
		return append(b, x.Text...)
	}
	if i, ok := toInt(v); ok {
		return p.appendInt(b, i)
	}
	if f, ok := toFloat(v); ok {
		return append(b, p.b.nums[p.lang].Sprint(number.Decimal(f, number.MaxFractionDigits(2)))...)
	}
	if u, ok := bigUint(v); ok {
		return append(b, p.b.nums[p.lang].Sprint(number.Decimal(u))...)
	}
	if l, ok := p.enumOf(v); ok {
		return append(b, l.Text...)
	}
	switch x := v.(type) {
	case fmt.Stringer:
		return append(b, x.String()...)
	case error:
		return append(b, x.Error()...)
	}
	return fmt.Append(b, v)
}

// appendInt writes an integer with the language's digit grouping. Where
// the language groups by threes with one separator (as x/text says English
// and Japanese do, checked when the bundle is made) it is done here without
// allocating; otherwise x/text writes it.
func (p *Printer) appendInt(b []byte, i int64) []byte {
	if i > -1000 && i < 1000 {
		return strconv.AppendInt(b, i, 10)
	}
	sep := p.b.groupSep[p.lang]
	if sep == "" {
		return append(b, p.b.nums[p.lang].Sprint(number.Decimal(i))...)
	}
	return appendGrouped(b, i, sep)
}

// appendGrouped writes i with sep between groups of three digits.
func appendGrouped(b []byte, i int64, sep string) []byte {
	u := uint64(i)
	if i < 0 {
		b = append(b, '-')
		u = -u
	}
	var buf [20]byte
	d := strconv.AppendUint(buf[:0], u, 10)
	for k, c := range d {
		if k > 0 && (len(d)-k)%3 == 0 {
			b = append(b, sep...)
		}
		b = append(b, c)
	}
	return b
}

// groupSeparator learns from x/text how a language groups digits. It
// returns the separator when the language writes whole numbers in groups
// of three with ASCII digits, and "" when it does something else (Indian
// lakh grouping, other digits), so that appendInt leaves those to x/text.
func groupSeparator(p *message.Printer) string {
	got := p.Sprint(number.Decimal(-1234567))
	rest, ok := strings.CutPrefix(got, "-1")
	if !ok {
		return ""
	}
	i := strings.Index(rest, "234")
	if i <= 0 {
		return ""
	}
	sep := rest[:i]
	if got != "-1"+sep+"234"+sep+"567" || strings.ContainsAny(sep, "0123456789") {
		return ""
	}
	return sep
}

// N writes a number with the language's digit grouping ("1,234,567");
// fractions keep at most two digits. It takes any integer or float type,
// or a pointer to one (nil writes nothing).
func (p *Printer) N(v any) string {
	if i, ok := toInt(v); ok {
		if i > -1000 && i < 1000 {
			return strconv.FormatInt(i, 10)
		}
		var buf [32]byte
		return string(p.appendInt(buf[:0], i))
	}
	if f, ok := toFloat(v); ok {
		return p.b.nums[p.lang].Sprint(number.Decimal(f, number.MaxFractionDigits(2)))
	}
	if u, ok := bigUint(v); ok {
		return p.b.nums[p.lang].Sprint(number.Decimal(u))
	}
	if isNilPointer(v) {
		return ""
	}
	return marker("N:" + fmt.Sprintf("%T", v))
}

// Range writes the position of a page in a list: "26–50 of 400" /
// "400 件中 26～50 件". A negative or nil total (Graph did not count)
// writes "26–50" / "26～50 件".
func (p *Printer) Range(from, to, total any) string {
	if t, ok := toInt(total); !ok || t < 0 {
		return p.T("paging.rangeOpen", "from", from, "to", to)
	}
	return p.T("paging.range", "from", from, "to", to, "total", total)
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint:
		return int64(x), x <= math.MaxInt64
	case uint64:
		return int64(x), x <= math.MaxInt64
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case *int:
		if x != nil {
			return int64(*x), true
		}
	case *int64:
		if x != nil {
			return *x, true
		}
	case *int32:
		if x != nil {
			return int64(*x), true
		}
	}
	return 0, false
}

// bigUint returns an unsigned integer too large for int64.
func bigUint(v any) (uint64, bool) {
	switch x := v.(type) {
	case uint64:
		return x, x > math.MaxInt64
	case uint:
		return uint64(x), uint64(x) > math.MaxInt64
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return float64(x), !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0)
	case *float64:
		if x != nil {
			return toFloat(*x)
		}
	}
	return 0, false
}

func isNilPointer(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case *int:
		return x == nil
	case *int64:
		return x == nil
	case *int32:
		return x == nil
	case *float64:
		return x == nil
	case *time.Time:
		return x == nil
	}
	return false
}

// Times. Every absolute time is shown in the printer's zone, and the zone
// is written out (or, for TimeCompact, named once in the column header
// with Zone), so a reader never has to guess it.

// timeArg accepts time.Time and *time.Time; zero and nil are "no time".
func timeArg(v any) (time.Time, bool, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, !x.IsZero(), true
	case *time.Time:
		if x == nil {
			return time.Time{}, false, true
		}
		return *x, !x.IsZero(), true
	case nil:
		return time.Time{}, false, true
	}
	return time.Time{}, false, false
}

func (p *Printer) layout(v any, layout string, zone bool) string {
	t, set, ok := timeArg(v)
	if !ok {
		return marker(fmt.Sprintf("time:%T", v))
	}
	if !set {
		return ""
	}
	t = t.In(p.loc)
	if !zone {
		return t.Format(layout)
	}
	return t.Format(layout) + " " + zoneLabel(t, p.loc)
}

// Time writes a date and time with its zone: "2026-12-04 16:24 UTC" /
// "2026/12/04 16:24 UTC". A zero or nil time writes nothing.
func (p *Printer) Time(t any) string { return p.layout(t, p.lang.info().compact, true) }

// TimeCompact is Time without the zone, for table cells; the table's
// header names the zone once with Zone.
func (p *Printer) TimeCompact(t any) string { return p.layout(t, p.lang.info().compact, false) }

// TimeLong writes a time to the second with its zone: "2026-12-04
// 16:24:05 UTC" / "2026年12月4日 16:24:05 UTC".
func (p *Printer) TimeLong(t any) string { return p.layout(t, p.lang.info().long, true) }

// Date writes the date alone: "2026-12-04" / "2026/12/04".
func (p *Printer) Date(t any) string { return p.layout(t, p.lang.info().date, false) }

// ISO writes the instant in RFC 3339 (UTC), for <time datetime="…"> and
// machine-readable attributes.
func (p *Printer) ISO(t any) string {
	tt, set, ok := timeArg(t)
	if !ok || !set {
		return ""
	}
	return tt.UTC().Format(time.RFC3339)
}

// Zone names the printer's time zone as Time writes it: "UTC", "JST", or
// an offset such as "UTC+05:30" where the zone has no abbreviation.
func (p *Printer) Zone() string { return zoneLabel(p.b.clk.Now().In(p.loc), p.loc) }

func zoneLabel(t time.Time, loc *time.Location) string {
	if loc == time.UTC {
		return "UTC"
	}
	name, off := t.Zone()
	letters := name != ""
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			letters = false
			break
		}
	}
	if letters {
		return name
	}
	if off == 0 {
		return "UTC"
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, off/3600, off/60%60)
}

// relDays is how far back or ahead Rel counts in days before it writes
// the date instead.
const relDays = 30

// Rel writes a time relative to now: "just now", "3 min ago", "in 2 h",
// "yesterday", "4 days ago" / "たった今", "3 分前", "2 時間後", "昨日",
// "4 日前". Within a day it counts minutes or hours; beyond, calendar days
// in the printer's zone; beyond 30 days it writes the date. Pair it with
// the absolute time (a title attribute with TimeLong). Zero or nil writes
// nothing.
func (p *Printer) Rel(t any) string {
	tt, set, ok := timeArg(t)
	if !ok {
		return marker(fmt.Sprintf("time:%T", t))
	}
	if !set {
		return ""
	}
	now := p.b.clk.Now()
	d := now.Sub(tt)
	past := d >= 0
	if !past {
		d = -d
	}
	switch {
	case d < time.Minute:
		return p.T("rel.now")
	case d < time.Hour && past:
		return p.T("rel.minutesAgo", "n", int64(d/time.Minute))
	case d < time.Hour:
		return p.T("rel.inMinutes", "n", int64(d/time.Minute))
	case d < 24*time.Hour && past:
		return p.T("rel.hoursAgo", "n", int64(d/time.Hour))
	case d < 24*time.Hour:
		return p.T("rel.inHours", "n", int64(d/time.Hour))
	}
	days := calendarDays(now.In(p.loc), tt.In(p.loc))
	if days < 0 {
		days = -days
	}
	switch {
	case days <= 1 && past: // 24 h or more, but on the previous date
		return p.T("rel.yesterday")
	case days <= 1:
		return p.T("rel.tomorrow")
	case days <= relDays && past:
		return p.T("rel.daysAgo", "n", days)
	case days <= relDays:
		return p.T("rel.inDays", "n", days)
	}
	return p.Date(tt)
}

// calendarDays is the number of dates from b to a (a - b), each read in
// its own location.
func calendarDays(a, b time.Time) int64 {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 12, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 12, 0, 0, 0, time.UTC)
	return int64(da.Sub(db).Round(24*time.Hour) / (24 * time.Hour))
}

// Dur writes a duration with its two largest units: "2h 15m", "45s",
// "3d 4h", "350 ms" / "2 時間 15 分", "45 秒", "3 日 4 時間", "350 ミリ秒".
// The smaller unit is truncated, and left out when zero.
func (p *Printer) Dur(d time.Duration) string {
	var buf [64]byte
	return string(p.appendDur(buf[:0], d))
}

// appendDur is Dur appending to b. It renders its messages with
// appendIntMessage rather than T, so that T's arguments may be durations
// without T calling itself (which would cost every T with arguments a heap
// buffer: escape analysis gives up on recursive calls).
func (p *Printer) appendDur(b []byte, d time.Duration) []byte {
	if d < 0 {
		if d == math.MinInt64 {
			d++
		}
		return p.appendDur(append(b, '-'), -d)
	}
	if d < time.Second {
		return p.appendIntMessage(b, "duration.millis", "ms", int64(d/time.Millisecond), "", 0)
	}
	secs := int64(d / time.Second)
	days, hours, mins, s := secs/86400, secs/3600%24, secs/60%60, secs%60
	switch {
	case days > 0 && hours > 0:
		return p.appendIntMessage(b, "duration.dayHour", "d", days, "h", hours)
	case days > 0:
		return p.appendIntMessage(b, "duration.day", "d", days, "", 0)
	case hours > 0 && mins > 0:
		return p.appendIntMessage(b, "duration.hourMin", "h", hours, "m", mins)
	case hours > 0:
		return p.appendIntMessage(b, "duration.hour", "h", hours, "", 0)
	case mins > 0 && s > 0:
		return p.appendIntMessage(b, "duration.minSec", "m", mins, "s", s)
	case mins > 0:
		return p.appendIntMessage(b, "duration.min", "m", mins, "", 0)
	}
	return p.appendIntMessage(b, "duration.sec", "s", s, "", 0)
}

// appendIntMessage renders a message of at most two integer placeholders
// (a plain message: the duration units) as T would.
func (p *Printer) appendIntMessage(b []byte, key, n1 string, v1 int64, n2 string, v2 int64) []byte {
	m := p.c.msgs[key]
	if m == nil {
		return append(b, marker(key)...)
	}
	for _, pt := range m.forms[plural.Other].parts {
		switch {
		case pt.arg == "":
			b = append(b, pt.text...)
		case pt.arg == n1:
			b = p.appendInt(b, v1)
		case pt.arg == n2 && n2 != "":
			b = p.appendInt(b, v2)
		default:
			b = append(b, marker(key+":{"+pt.arg+"}")...)
		}
	}
	return b
}
