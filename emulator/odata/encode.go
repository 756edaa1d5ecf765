package odata

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// EncodeOptions shapes how an object is written.
type EncodeOptions struct {
	// Select, when not nil, lists the top-level properties to write
	// (canonical names, as Query.Select holds them). @odata.type and
	// other annotations are always written.
	Select []string
	// IncludeUnknownEnumMembers writes evolvable enum members as they
	// are; without it (the default, as on Graph) every member declared
	// after unknownFutureValue is written as "unknownFutureValue", at
	// every depth. It mirrors Prefer: include-unknown-enum-members.
	IncludeUnknownEnumMembers bool
}

// Encode returns doc as Graph writes it; see AppendObject.
func Encode(doc Object, t *Type, opt EncodeOptions) []byte {
	return AppendObject(nil, doc, t, opt)
}

// AppendObject appends doc, an object of type t, to dst as JSON the way
// Graph writes it:
//   - @odata.type first when present, then other annotations;
//   - then every declared property of the runtime type (from @odata.type)
//     in schema order, base type first; an absent property is written as
//     null, or as [] for a collection, because Graph never omits them and
//     clients append to collections directly; a navigation property is
//     written only when present (expanded), and then even if $select
//     does not name it;
//   - then, for an open type, the undeclared properties sorted by name.
//
// Undeclared properties of a type that is not open are not written (Validate
// rejects such documents). Nested complex values and collections are
// written by their declared or runtime types. Strings are escaped exactly
// as encoding/json escapes them (HTML characters included, invalid UTF-8
// replaced by U+FFFD) and numbers are formatted as encoding/json does, so
// clients see byte-identical values; NaN and infinities, which JSON cannot
// carry, are written as the strings "NaN", "INF" and "-INF" as OData's JSON
// format specifies. The encoder uses no reflection and does not sort
// declared properties.
func AppendObject(dst []byte, doc Object, t *Type, opt EncodeOptions) []byte {
	e := encoder{opt: opt}
	return e.object(dst, doc, t, true, 0)
}

// maxEncodeDepth bounds recursion, so that a cyclic map (which the
// emulator never builds, but a bug could) ends in null instead of a stack
// overflow.
const maxEncodeDepth = 200

type encoder struct {
	opt EncodeOptions
}

func (e *encoder) selected(name string) bool {
	for _, s := range e.opt.Select {
		if s == name {
			return true
		}
	}
	return false
}

func (e *encoder) object(b []byte, doc Object, t *Type, top bool, depth int) []byte {
	if t == nil || depth > maxEncodeDepth {
		return e.any(b, doc, depth)
	}
	rt := t.Resolve(doc)
	filter := top && e.opt.Select != nil
	b = append(b, '{')
	first := true
	seen := 0 // keys of doc written so far, to skip the scan for extras
	v, hadType := doc["@odata.type"]
	if hadType {
		b = AppendString(b, "@odata.type")
		b = append(b, ':')
		b = e.any(b, v, depth+1)
		first = false
		seen++
	}
	mark := len(b) // where other annotations go, should there be any

	// The lineage, base first, without allocating.
	var chain [16]*Type
	n := 0
	for c := rt; c != nil && n < len(chain); c = c.Base {
		chain[n] = c
		n++
	}
	props := func(yield func(*Property) bool) {
		if n == len(chain) { // deeper than any Graph type: take the slow path
			all := rt.Properties()
			for i := range all {
				if !yield(&all[i]) {
					return
				}
			}
			return
		}
		for i := n - 1; i >= 0; i-- {
			for j := range chain[i].props {
				if !yield(&chain[i].props[j]) {
					return
				}
			}
		}
	}
	for p := range props {
		v, ok := doc[p.Name]
		if ok {
			seen++
		}
		if p.Navigation {
			// Present only when $expand asked for it, and then written
			// whatever $select says, as OData does for expanded
			// properties.
			if !ok {
				continue
			}
		} else if filter && !e.selected(p.Name) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendString(b, p.Name)
		b = append(b, ':')
		b = e.value(b, v, p, depth+1)
	}
	if seen < len(doc) {
		b = e.extras(b, doc, rt, filter, mark, hadType, depth)
	}
	return append(b, '}')
}

// extras handles the keys that are not declared properties: annotations
// other than @odata.type are spliced in at mark (right after @odata.type,
// where Graph puts annotations), and for open types the undeclared
// properties are appended. Both are sorted by name. Stored objects rarely
// have either, and the caller skips this scan when every key was written.
func (e *encoder) extras(b []byte, doc Object, rt *Type, filter bool, mark int, hadType bool, depth int) []byte {
	var annotations, dynamic []string
	for k := range doc {
		switch {
		case k == "@odata.type":
		case len(k) > 0 && k[0] == '@':
			annotations = append(annotations, k)
		case !rt.Open:
		default:
			if _, declared := rt.exact(k); !declared && (!filter || e.selected(k)) {
				dynamic = append(dynamic, k)
			}
		}
	}
	slices.Sort(dynamic)
	for _, k := range dynamic {
		if len(b) > mark || hadType {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = e.any(b, doc[k], depth+1)
	}
	if len(annotations) == 0 {
		return b
	}
	slices.Sort(annotations)
	var ann []byte
	for i, k := range annotations {
		if i > 0 || hadType {
			ann = append(ann, ',')
		}
		ann = AppendString(ann, k)
		ann = append(ann, ':')
		ann = e.any(ann, doc[k], depth+1)
	}
	if len(b) > mark && !hadType {
		// What follows mark starts without a comma only when nothing
		// preceded it.
		ann = append(ann, ',')
	}
	return slices.Insert(b, mark, ann...)
}

func (e *encoder) value(b []byte, v any, p *Property, depth int) []byte {
	if v == nil {
		if p.Collection {
			return append(b, '[', ']')
		}
		return append(b, "null"...)
	}
	if !p.Collection {
		return e.single(b, v, p, depth)
	}
	items, ok := v.([]any)
	if !ok {
		return e.any(b, v, depth)
	}
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.single(b, it, p, depth+1)
	}
	return append(b, ']')
}

func (e *encoder) single(b []byte, v any, p *Property, depth int) []byte {
	switch p.Kind {
	case KindEnum:
		if s, ok := v.(string); ok {
			if !e.opt.IncludeUnknownEnumMembers && p.Enum != nil && p.Enum.Evolvable(s) {
				s = UnknownFutureValue
			}
			return AppendString(b, s)
		}
	case KindComplex:
		if o, ok := v.(Object); ok && p.Type != nil {
			return e.object(b, o, p.Type, false, depth)
		}
	}
	return e.any(b, v, depth)
}

// any writes a value with no schema: the document model's kinds, plus a
// few Go kinds for leniency; anything else is written as null.
func (e *encoder) any(b []byte, v any, depth int) []byte {
	if depth > maxEncodeDepth {
		return append(b, "null"...)
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return AppendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return appendFloat(b, x)
	case Time:
		b = append(b, '"')
		b = appendTime(b, x)
		return append(b, '"')
	case []any:
		b = append(b, '[')
		for i, it := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.any(b, it, depth+1)
		}
		return append(b, ']')
	case Object:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k)
			b = append(b, ':')
			b = e.any(b, x[k], depth+1)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// appendFloat formats like encoding/json: the shortest representation,
// in exponent form only below 1e-6 or from 1e21, with a one-digit
// negative exponent written without padding (1e-7, not 1e-07).
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"INF"`...)
	case math.IsInf(f, -1):
		return append(b, `"-INF"`...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// AppendString appends s as a JSON string escaped exactly as
// encoding/json does with HTML escaping on: quote, backslash and control
// characters escaped (\n \r \t \b \f short forms, others \u00XX), '<', '>'
// and '&' as \u003c \u003e \u0026, U+2028 and U+2029 escaped, and each
// byte of invalid UTF-8 replaced by \ufffd.
func AppendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainByte[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainByte marks the ASCII bytes AppendString copies as they are.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendTime writes t in wireLayout (UTC, seven fractional digits)
// without going through time.Format's layout interpreter.
func appendTime(b []byte, t Time) []byte {
	u := t.UTC()
	year, month, day := u.Date()
	if year < 0 || year > 9999 {
		return u.AppendFormat(b, wireLayout)
	}
	hour, min, sec := u.Clock()
	frac := u.Nanosecond() / 100
	var buf [28]byte
	put := func(at, n, v int) {
		for i := at + n - 1; i >= at; i-- {
			buf[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, year)
	buf[4] = '-'
	put(5, 2, int(month))
	buf[7] = '-'
	put(8, 2, day)
	buf[10] = 'T'
	put(11, 2, hour)
	buf[13] = ':'
	put(14, 2, min)
	buf[16] = ':'
	put(17, 2, sec)
	buf[19] = '.'
	put(20, 7, frac)
	buf[27] = 'Z'
	return append(b, buf[:]...)
}
