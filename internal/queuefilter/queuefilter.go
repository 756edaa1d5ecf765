// Package queuefilter is the console's queue filters as values: the
// /alerts query string (severity=high&status=new&…), an incident filter
// of the same shape, and the original sample's legacy alert fields
// (provider, category, severity, status, hostFqdn, upn, or one alert by
// id). Each parses from url.Values with a message per field for every
// mistake, builds the Graph query it stands for, and writes itself back
// as a query string.
//
// The alert queue (internal/web/alerts) and the watcher
// (internal/notify) both use it, so a saved watch asks Graph exactly
// what the queue with the same query string shows. Graph cannot filter
// alerts_v2 by category; [Alerts.Keeps] is the part graphsec applies to
// the pages Graph returns.
package queuefilter

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors are the mistakes of a parse, by field (query parameter) name:
// the first mistake of each field, as a sentence a person can act on.
type Errors map[string]string

// add records the first mistake of field.
func (e *Errors) add(field, format string, args ...any) {
	if *e == nil {
		*e = Errors{}
	}
	if _, ok := (*e)[field]; !ok {
		(*e)[field] = fmt.Sprintf(format, args...)
	}
}

// MaxText bounds free-text fields (a device name, a UPN, a provider);
// Graph's own limits are far above.
const MaxText = 256

// text reads a one-line text field: trimmed, at most MaxText bytes, valid
// UTF-8 without control characters. The value is kept even when it is
// refused, so a form can show it as entered.
func text(errs *Errors, name, raw string) string {
	v := strings.TrimSpace(raw)
	switch {
	case len(v) > MaxText:
		errs.add(name, "%s is too long (at most %d characters).", name, MaxText)
	case !utf8.ValidString(v):
		errs.add(name, "%s is not valid text (it is not UTF-8).", name)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		errs.add(name, "%s contains a control character.", name)
	}
	return v
}

// members reads a repeatable enum parameter and reports every value that
// is not allowed.
func members(errs *Errors, q url.Values, name, what string, allowed []string) []string {
	vals, bad := Members(q, name, allowed)
	for _, b := range bad {
		errs.add(name, "%q is not a %s graphsec knows: choose from the list.", shorten(b, 64), what)
	}
	return vals
}

// shorten cuts a value a user sent to n bytes (on a rune boundary) for
// quoting it back in a message.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
