package page

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/internal/queuefilter"
)

// QueryReader reads a queue's GET parameters into its filter, recording
// every mistake for its field (the form shows it there) while keeping the
// valid values, so the rest of the view stays as entered. Parameters it is
// not asked for are ignored: nothing from the URL reaches Graph except
// through the fields a queue reads. The messages of mistakes whose wording
// depends on what the queue lists ("no alert falls in that range") are
// the queue's own (Reversed, BadTop).
type QueryReader struct {
	Q    url.Values
	Errs FieldErrors
	// Reversed and BadTop are the catalog keys of "this date is before
	// its range's start" ({field}, {from}) and "the page size is out of
	// range" ({max}).
	Reversed, BadTop string
}

// Members reads a repeatable enum parameter (repeated, or comma-separated):
// the allowed values in order without repeats. what names the field in
// the message for a value that is not allowed.
func (r *QueryReader) Members(name string, what Msg, allowed []string) []string {
	vals, bad := queuefilter.Members(r.Q, name, allowed)
	for _, b := range bad {
		r.Errs.Add(name, T("filter.unknownValue", "value", Shorten(b, 64), "field", what))
	}
	return vals
}

// Statuses reads the status filter: def (the queue's default) when the
// query names none, and any status for "status=".
func (r *QueryReader) Statuses(allowed, def []string) []string {
	if !r.Q.Has("status") {
		return def
	}
	return r.Members("status", T("field.status"), allowed)
}

// Text reads a one-line text parameter of at most max bytes.
func (r *QueryReader) Text(name string, label Msg, max int) string {
	v, err := Text(label, r.Q.Get(name), max)
	r.Errs.Check(name, err)
	return v
}

// Texts reads a repeatable text parameter (a tag to look for): each value
// a line of at most max bytes, without repeats, and at most maxCount of
// them.
func (r *QueryReader) Texts(name string, label Msg, max, maxCount int) []string {
	var out []string
	for _, raw := range r.Q[name] {
		v, err := Text(label, raw, max)
		if !r.Errs.Check(name, err) || v == "" || slices.Contains(out, v) {
			continue
		}
		if len(out) == maxCount {
			r.Errs.Add(name, T("filter.tooMany", "field", label, "max", maxCount))
			break
		}
		out = append(out, v)
	}
	return out
}

// Dates reads a range of two dates (YYYY-MM-DD, UTC) named from and to,
// labelled fromLabel and toLabel: each must be a date, and to not before
// from. The values are kept as entered.
func (r *QueryReader) Dates(from, to string, fromLabel, toLabel Msg) (string, string) {
	f, t := r.Text(from, fromLabel, MaxText), r.Text(to, toLabel, MaxText)
	fd, fromOK := queuefilter.ParseDay(f)
	td, toOK := queuefilter.ParseDay(t)
	if !fromOK {
		r.Errs.Add(from, T("filter.badDate"))
	}
	if !toOK {
		r.Errs.Add(to, T("filter.badDate"))
	}
	if !fd.IsZero() && !td.IsZero() && td.Before(fd) {
		r.Errs.Add(to, T(r.Reversed, "field", fromLabel, "from", f))
	}
	return f, t
}

// Top reads the page size: def when the parameter is absent, else a number
// from 1 to max.
func (r *QueryReader) Top(def, max int) int {
	v := strings.TrimSpace(r.Q.Get("top"))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		r.Errs.Add("top", T(r.BadTop, "max", max))
		return def
	}
	return n
}

// Sort reads the sort ("prop asc" or "prop desc"); valid says which the
// queue offers. A sort it does not offer is a mistake, and no sort.
func (r *QueryReader) Sort(valid func(string) bool) string {
	s := strings.TrimSpace(r.Q.Get("sort"))
	if s != "" && !valid(s) {
		r.Errs.Add("sort", T("filter.badSort", "value", Shorten(s, 64)))
		return ""
	}
	return s
}
