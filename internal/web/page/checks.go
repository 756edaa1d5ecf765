package page

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxID bounds the ids taken from URLs and forms. Graph's alert and
// incident ids are a few dozen characters; the graph client refuses more
// than 1,024 bytes, and anything that long here is a mistake, not an id.
const MaxID = 512

// MaxText bounds free-text filter fields; Graph's own limits are far above.
const MaxText = 256

// CheckID refuses ids that cannot name anything in Graph (empty, longer
// than max, . or .., control characters), so that they get a clear 400
// rather than reaching the client. kind names the resource
// (T("kind.alert")).
func CheckID(kind Msg, id string, max int) error {
	switch {
	case strings.TrimSpace(id) == "":
		return BadInput(T("error.id.empty", "kind", kind))
	case len(id) > max:
		return BadInput(T("error.id.tooLong", "kind", kind, "max", max))
	case id == "." || id == "..":
		return BadInput(T("error.id.dots", "kind", kind, "id", id))
	case !utf8.ValidString(id) || strings.IndexFunc(id, unicode.IsControl) >= 0:
		return BadInput(T("error.id.control", "kind", kind))
	}
	return nil
}

// CheckText refuses text Graph would store but nobody could read or
// search: invalid UTF-8 and control characters (newlines and tabs allowed
// where multiline is). name is the field as the message names it
// (T("field.comment")).
func CheckText(name Msg, v string, multiline bool) error {
	if !utf8.ValidString(v) {
		return BadInput(T("error.text.notUTF8", "field", name))
	}
	bad := strings.IndexFunc(v, func(r rune) bool {
		if multiline && (r == '\n' || r == '\t') {
			return false
		}
		return unicode.IsControl(r)
	})
	if bad >= 0 {
		return BadInput(T("error.text.control", "field", name))
	}
	return nil
}

// Text reads a one-line text field: trimmed, at most max bytes, valid
// text without control characters.
func Text(name Msg, raw string, max int) (string, error) {
	v := strings.TrimSpace(raw)
	if len(v) > max {
		return v, BadInput(T("error.text.tooLong", "field", name, "max", max))
	}
	return v, CheckText(name, v, false)
}

// Multiline reads a free-text field that may span lines (a reason, a
// note): line ends made "\n", trimmed, at most max characters (and 4×max
// bytes), valid text without control characters other than new lines and
// tabs. It may be empty.
func Multiline(name Msg, raw string, max int) (string, error) {
	v := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	if len(v) > 4*max || utf8.RuneCountInString(v) > max {
		return v, BadInput(T("error.text.tooLong", "field", name, "max", max))
	}
	return v, CheckText(name, v, true)
}

// Shorten cuts a value a user sent to n bytes (on a rune boundary) for
// quoting it back in a message.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// FieldErrors are a form's mistakes, by field name, reported next to each
// field while the rest of the form keeps what the user entered. The zero
// value is ready to use.
type FieldErrors map[string]Msg

// Add records the first mistake of field.
func (fe *FieldErrors) Add(field string, m Msg) {
	if *fe == nil {
		*fe = FieldErrors{}
	}
	if _, ok := (*fe)[field]; !ok {
		(*fe)[field] = m
	}
}

// Check records err's message for field when err is not nil, and reports
// whether it was nil.
func (fe *FieldErrors) Check(field string, err error) bool {
	if err == nil {
		return true
	}
	m := T("error.invalid")
	if e, ok := err.(*Error); ok {
		m = e.Message
	}
	fe.Add(field, m)
	return false
}

// Any reports whether there is a mistake at all.
func (fe FieldErrors) Any() bool { return len(fe) > 0 }

// fieldError is one field's mistake, for the "fielderror" partial.
type fieldError struct{ Name, Message string }
