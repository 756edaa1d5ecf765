package graph

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// decodeEnum is the shared UnmarshalJSON of every enum type. Graph adds
// members to its enums over time (and sends them when asked with
// Prefer: include-unknown-enum-members), and samples show PascalCase
// spellings of camelCase members, so an enum must never be the reason a page
// fails to decode: known members, matched case-insensitively, become the
// package's constants; anything else is kept verbatim.
func decodeEnum[T ~string](b []byte, v *T, known []T) error {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] != '"' {
		// A number or object where a string belongs is a protocol error
		// the caller can still see; failing the page would hide every
		// other item.
		*v = T(b)
		return nil
	}
	raw := b[1 : len(b)-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		raw = []byte(s)
	}
	for _, k := range known {
		if string(k) == string(raw) {
			*v = k
			return nil
		}
	}
	for _, k := range known {
		if len(k) == len(raw) && strings.EqualFold(string(k), string(raw)) {
			*v = k
			return nil
		}
	}
	*v = T(raw)
	return nil
}

func isKnownEnum[T ~string](v T, known []T) bool { return slices.Contains(known, v) }

// fieldNames lists the JSON member names a struct type declares (through
// embedded structs too), lower-cased because encoding/json matches names
// case-insensitively: a member it consumed is not "undeclared".
func fieldNames(t reflect.Type) map[string]struct{} {
	names := make(map[string]struct{})
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			names[strings.ToLower(name)] = struct{}{}
		}
	}
	walk(t)
	return names
}

// decodeOpen decodes an OData open type: the declared members into v (a
// pointer to a struct without its own UnmarshalJSON) and every other member
// into the returned map, so nothing the service sends is lost.
func decodeOpen(data []byte, v any, declared map[string]struct{}) (map[string]json.RawMessage, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	for k := range all {
		if _, ok := declared[strings.ToLower(k)]; ok {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}

// encodeOpen writes v (a struct without its own MarshalJSON) followed by the
// undeclared members, sorted so the output is deterministic. A member that
// collides with a declared one is dropped: the typed field wins.
func encodeOpen(v any, extra map[string]json.RawMessage, declared map[string]struct{}) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if _, ok := declared[strings.ToLower(k)]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := bytes.NewBuffer(make([]byte, 0, len(b)+64*len(keys)))
	out.Write(b[:len(b)-1])
	first := len(b) == 2 // "{}"
	for _, k := range keys {
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		out.Write(kb)
		out.WriteByte(':')
		val := extra[k]
		if len(val) == 0 {
			val = json.RawMessage("null")
		}
		out.Write(val)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
