package odata

import (
	"fmt"
	"sort"
	"strings"
)

// Validate checks that doc is a well-formed stored object of type t: every
// key is declared (unless t is open), every value has its property's kind,
// enum values are canonical members, and nested objects are valid for
// their runtime type. Generated data and every write path are checked
// with it in tests, so the wire format cannot drift from the schema.
func Validate(doc Object, t *Type) error {
	return validateObject(doc, t, "")
}

func validateObject(doc Object, t *Type, path string) error {
	rt := t.Resolve(doc)
	if s, ok := doc["@odata.type"]; ok {
		str, isStr := s.(string)
		if !isStr {
			return fmt.Errorf("%s@odata.type: not a string", path)
		}
		if _, ok := t.Derived(str); !ok {
			return fmt.Errorf("%s@odata.type: %q is not %s or derived from it", path, str, t.Name)
		}
		if str != rt.ODataType() {
			return fmt.Errorf("%s@odata.type: %q should be spelled %q", path, str, rt.ODataType())
		}
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "@") {
			continue
		}
		p, ok := rt.exact(k)
		if !ok {
			if rt.Open {
				continue
			}
			return fmt.Errorf("%s%s: not a property of %s", path, k, rt.Name)
		}
		if err := validateValue(doc[k], p, path+k); err != nil {
			return err
		}
	}
	return nil
}

// exact finds a property by its exact name, ignoring CaseInsensitive:
// stored documents always use the declared spelling.
func (t *Type) exact(name string) (Property, bool) {
	for c := t; c != nil; c = c.Base {
		if i, ok := c.index[strings.ToLower(name)]; ok && c.props[i].Name == name {
			return c.props[i], true
		}
	}
	return Property{}, false
}

func validateValue(v any, p Property, path string) error {
	if v == nil {
		if p.NotNull {
			return fmt.Errorf("%s: null, but the property is not nullable", path)
		}
		return nil
	}
	if p.Collection {
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %T, want a collection ([]any)", path, v)
		}
		single := p
		single.Collection = false
		single.NotNull = true
		for i, it := range items {
			if err := validateValue(it, single, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	switch p.Kind {
	case KindString, KindGuid:
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: %T, want string", path, v)
		}
	case KindEnum:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %T, want string (enum %s)", path, v, p.Enum.Name)
		}
		if m, ok := p.Enum.Canonical(s); !ok || m != s {
			return fmt.Errorf("%s: %q is not a member of %s", path, s, p.Enum.Name)
		}
	case KindDateTime:
		if _, ok := v.(Time); !ok {
			return fmt.Errorf("%s: %T, want odata.Time", path, v)
		}
	case KindInt:
		if _, ok := v.(int64); !ok {
			return fmt.Errorf("%s: %T, want int64", path, v)
		}
	case KindDouble:
		switch v.(type) {
		case float64, int64:
		default:
			return fmt.Errorf("%s: %T, want float64", path, v)
		}
	case KindBool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %T, want bool", path, v)
		}
	case KindComplex:
		o, ok := v.(Object)
		if !ok {
			return fmt.Errorf("%s: %T, want an object", path, v)
		}
		return validateObject(o, p.Type, path+".")
	case KindOpen:
		if _, ok := v.(Object); !ok {
			return fmt.Errorf("%s: %T, want an object", path, v)
		}
	default:
		return fmt.Errorf("%s: property has no kind", path)
	}
	return nil
}
