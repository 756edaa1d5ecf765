package page

import (
	"time"
)

// TimeStyle is how much of a time a page shows.
type TimeStyle int

const (
	// Minute is for lists and headings: 2026-11-27 14:05 UTC.
	Minute TimeStyle = iota
	// Second is for events within an alert (evidence, processes):
	// 2026-11-27 14:05:09 UTC.
	Second
	// Exact keeps Graph's precision, RFC 3339 with sub-second digits
	// (2026-11-27T14:05:09.1234567Z): before/after comparisons, where two
	// changes within a second must not look alike, and the dates of
	// Graph's errors, quoted to Microsoft support.
	Exact
)

// TimeFormatter formats every time and duration the console shows. It is
// the one place that does: templates call it through "when", handlers
// and views through Kit.Times or Page.Times. [UTC] is graphsec's own;
// the i18n package will provide one per language (its own dates, and a
// user's time zone) without any page changing.
type TimeFormatter interface {
	// Time formats t in style; the zero time is "".
	Time(t time.Time, style TimeStyle) string
	// Duration formats a wait or a latency, rounded to what a person
	// reads (100 ms for waits of a second or more, 1 ms below).
	Duration(d time.Duration) string
}

// UTC formats times in UTC with ISO 8601 dates, as Graph and the Defender
// portal's exports write them.
type UTC struct{}

// Time implements TimeFormatter.
func (UTC) Time(t time.Time, style TimeStyle) string {
	if t.IsZero() {
		return ""
	}
	switch style {
	case Second:
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	case Exact:
		return t.UTC().Format(time.RFC3339Nano)
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// Duration implements TimeFormatter.
func (UTC) Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// asTime reads a template argument that is a time or a pointer to one.
func asTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case *time.Time:
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}
