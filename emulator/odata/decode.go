package odata

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// DecodeOptions shapes how a request body is read.
type DecodeOptions struct {
	// KeepNulls keeps properties explicitly set to null (a PATCH that
	// clears assignedTo must be told apart from one that leaves it out).
	// Without it they are dropped: stored objects are sparse.
	KeepNulls bool
	// CaseInsensitive matches property names without regard to case, as
	// Graph does for action parameters (Message / message in sendMail).
	// A type marked CaseInsensitive always matches so.
	CaseInsensitive bool
	// MaxDepth bounds the nesting of objects and arrays (default 32).
	MaxDepth int
}

// DecodeObject converts a request body, decoded by encoding/json into a
// map, into a stored-form object of type t. Numbers may arrive as
// json.Number (Decoder.UseNumber, recommended: Int64 values keep every
// digit) or float64 (the default; integers must then be whole and within
// ±2^53). Properties are converted by their declared kind: numbers to
// int64 or float64, DateTimeOffset strings to Time, enum members
// canonicalised without regard to case, GUIDs lower-cased, nested objects
// by their declared type or the derived type their @odata.type names
// (written back canonically, with '#'), collections to []any. Annotations
// other than @odata.type (such as @odata.context or tags@odata.type) are
// dropped. Required properties are not checked: the caller knows whether
// the body is a creation or a partial update. Every error is an *Error.
func DecodeObject(raw map[string]any, t *Type, opt DecodeOptions) (Object, error) {
	if t == nil {
		return nil, badRequest("The resource does not accept a request body.")
	}
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 32
	}
	d := decoder{opt: opt, ci: opt.CaseInsensitive || t.CaseInsensitive}
	return d.object(raw, t, 0)
}

type decoder struct {
	opt DecodeOptions
	ci  bool
}

func (d *decoder) deep(depth int) error {
	if depth > d.opt.MaxDepth {
		return badRequest("The request body is nested more than %d levels deep.", d.opt.MaxDepth)
	}
	return nil
}

func (d *decoder) object(raw map[string]any, t *Type, depth int) (Object, error) {
	if err := d.deep(depth); err != nil {
		return nil, err
	}
	out := make(Object, len(raw))
	rt := t
	if v, ok := raw["@odata.type"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return nil, badRequest("The value of the '@odata.type' annotation must be a string naming a type.")
		}
		dt, ok := t.Derived(s)
		if !ok {
			return nil, badRequest("A type named '%s' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.", echo(strings.TrimPrefix(s, "#")))
		}
		rt = dt
		out["@odata.type"] = rt.ODataType()
	}
	// Keys in order, so that of several errors the same one is reported
	// every time.
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.IndexByte(k, '@') >= 0 {
			continue // annotations: @odata.type is handled, others dropped
		}
		v := raw[k]
		p, ok := findProperty(rt, k, d.ci)
		if !ok {
			if !rt.Open {
				return nil, badRequest("The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", echo(k), rt.Name)
			}
			g, err := d.generic(v, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = g
			continue
		}
		if p.Name != k {
			// Matched without regard to case: two spellings of one
			// property would silently overwrite each other.
			for _, other := range keys {
				if other != k && strings.EqualFold(other, p.Name) {
					return nil, badRequest("Duplicate property named '%s'.", p.Name)
				}
			}
		}
		if v == nil {
			if p.NotNull {
				tn := d.typeName(p)
				return nil, badRequest("A null value was found for the property named '%s', which has the expected type '%s[Nullable=False]'. The expected type '%s[Nullable=False]' does not allow null values.", p.Name, tn, tn)
			}
			if d.opt.KeepNulls {
				out[p.Name] = nil
			}
			continue
		}
		cv, err := d.value(v, p, depth+1)
		if err != nil {
			return nil, err
		}
		out[p.Name] = cv
	}
	return out, nil
}

func (d *decoder) typeName(p Property) string {
	var name string
	switch p.Kind {
	case KindEnum:
		if p.Enum != nil {
			name = p.Enum.Name
		}
	case KindComplex:
		if p.Type != nil {
			name = p.Type.Name
		}
	case KindOpen:
		name = "Edm.Untyped"
	}
	if name == "" {
		name = p.Kind.String()
	}
	if p.Collection {
		return "Collection(" + name + ")"
	}
	return name
}

func cannotConvert(v any, typeName string) *Error {
	return badRequest("Cannot convert the literal '%s' to the expected type '%s'.", echo(literalText(v)), typeName)
}

func literalText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		return "{...}"
	case []any:
		return "[...]"
	}
	return "?"
}

func (d *decoder) value(v any, p Property, depth int) (any, error) {
	if !p.Collection {
		return d.single(v, p, depth)
	}
	items, ok := v.([]any)
	if !ok {
		return nil, cannotConvert(v, d.typeName(p))
	}
	if err := d.deep(depth); err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		if it == nil {
			return nil, badRequest("A null value was found in the collection property '%s', whose items cannot be null.", p.Name)
		}
		cv, err := d.single(it, p, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = cv
	}
	return out, nil
}

// maxExactFloat is 2^53: above it a float64 no longer holds every integer.
const maxExactFloat = 1 << 53

func (d *decoder) single(v any, p Property, depth int) (any, error) {
	single := p
	single.Collection = false
	tn := d.typeName(single)
	switch p.Kind {
	case KindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case KindGuid:
		if s, ok := v.(string); ok && len(s) == 36 && matchGuid(s, 0) == 36 {
			return strings.ToLower(s), nil
		}
	case KindEnum:
		if s, ok := v.(string); ok && p.Enum != nil {
			m, ok := p.Enum.Canonical(s)
			if !ok {
				return nil, badRequest("Requested value '%s' was not found.", echo(s))
			}
			return m, nil
		}
	case KindDateTime:
		if s, ok := v.(string); ok {
			if t, err := ParseTime(s); err == nil {
				return t, nil
			}
		}
	case KindInt:
		switch x := v.(type) {
		case json.Number:
			if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
				return n, nil
			}
		case float64:
			if x == math.Trunc(x) && math.Abs(x) <= maxExactFloat {
				return int64(x), nil
			}
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		}
	case KindDouble:
		switch x := v.(type) {
		case json.Number:
			if f, err := strconv.ParseFloat(x.String(), 64); err == nil {
				return f, nil
			}
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case int:
			return float64(x), nil
		case string:
			// OData's JSON format writes these three as strings.
			switch x {
			case "NaN":
				return math.NaN(), nil
			case "INF":
				return math.Inf(1), nil
			case "-INF":
				return math.Inf(-1), nil
			}
		}
	case KindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			// Graph's own sendMail sample sends "saveToSentItems":"false".
			if strings.EqualFold(x, "true") {
				return true, nil
			}
			if strings.EqualFold(x, "false") {
				return false, nil
			}
		}
	case KindComplex:
		if m, ok := v.(map[string]any); ok && p.Type != nil {
			return d.object(m, p.Type, depth)
		}
	case KindOpen:
		if m, ok := v.(map[string]any); ok {
			return d.generic(m, depth)
		}
	}
	return nil, cannotConvert(v, tn)
}

// generic converts a value with no schema (an open type's dynamic
// property, an open dictionary): objects and arrays recursively, numbers
// to int64 when whole and exact, else float64.
func (d *decoder) generic(v any, depth int) (any, error) {
	if err := d.deep(depth); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil, string, bool, float64, int64:
		return x, nil
	case int:
		return int64(x), nil
	case json.Number:
		if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return nil, cannotConvert(v, "Edm.Double")
		}
		return f, nil
	case map[string]any:
		out := make(Object, len(x))
		for k, it := range x {
			g, err := d.generic(it, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = g
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			g, err := d.generic(it, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	}
	return nil, cannotConvert(v, "Edm.Untyped")
}

// Clone returns a deep copy of o: nested objects and collections are
// copied, immutable values (strings, numbers, Time) shared. Stored objects
// are never mutated, so an update clones, changes the clone, and stores
// it in place of the original.
func Clone(o Object) Object {
	if o == nil {
		return nil
	}
	out := make(Object, len(o))
	for k, v := range o {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case Object:
		return Clone(x)
	case []any:
		if x == nil {
			return x
		}
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = cloneValue(it)
		}
		return out
	}
	return v
}
