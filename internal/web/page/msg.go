package page

import (
	"fmt"
	"strings"

	"github.com/graphsec/graphsec/internal/i18n"
)

// Msg is a message of the i18n catalogs, kept as its key and arguments so
// that it is written in the reader's language when the page is rendered:
// errors, field mistakes and notices are made in Go code before the
// page's printer is at hand. Arguments are name/value pairs, as for
// i18n.Printer.T; an argument that is itself a Msg is rendered first.
type Msg struct {
	Key  string
	Args []any
}

// T makes a message: page.T("error.alertNotFound", "id", id). The catalog
// checks (i18n.Bundle.CheckGoFiles) read these calls like the printer's.
func T(key string, args ...any) Msg { return Msg{Key: key, Args: args} }

// Localized is an argument written in the page's language when its message
// is rendered: a Msg, or a list of labels.
type Localized interface {
	In(L *i18n.Printer) string
}

// IsZero reports an empty message.
func (m Msg) IsZero() bool { return m.Key == "" }

// In renders the message with L ("" for an empty message).
func (m Msg) In(L *i18n.Printer) string {
	if m.Key == "" {
		return ""
	}
	if L == nil {
		return m.String()
	}
	args, copied := m.Args, false
	for i, a := range args {
		if sub, ok := a.(Localized); ok {
			if !copied {
				args, copied = append([]any(nil), m.Args...), true
			}
			args[i] = sub.In(L)
		}
	}
	return L.T(m.Key, args...)
}

// String is the key and arguments, for logs (which are not translated).
func (m Msg) String() string {
	if len(m.Args) == 0 {
		return m.Key
	}
	var b strings.Builder
	b.WriteString(m.Key)
	for i := 0; i+1 < len(m.Args); i += 2 {
		b.WriteString(" ")
		b.WriteString(toString(m.Args[i]))
		b.WriteString("=")
		b.WriteString(toString(m.Args[i+1]))
	}
	return b.String()
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Msg:
		return x.String()
	}
	return fmt.Sprint(v)
}
