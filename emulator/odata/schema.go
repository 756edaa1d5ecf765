package odata

import (
	"strings"
)

// Kind is the shape of a property's values.
type Kind uint8

// The kinds a property can have. KindOpen is a dictionary whose content is
// not described (additionalData, customDetails): it can be returned and
// selected but not filtered on.
const (
	KindString Kind = iota + 1
	KindEnum
	KindDateTime
	KindInt
	KindDouble
	KindBool
	KindGuid
	KindComplex
	KindOpen
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "Edm.String"
	case KindEnum:
		return "enum"
	case KindDateTime:
		return "Edm.DateTimeOffset"
	case KindInt:
		return "Edm.Int64"
	case KindDouble:
		return "Edm.Double"
	case KindBool:
		return "Edm.Boolean"
	case KindGuid:
		return "Edm.Guid"
	case KindComplex:
		return "complex"
	case KindOpen:
		return "open"
	}
	return "unknown"
}

// Property describes one property of a Type.
type Property struct {
	Name       string
	Kind       Kind
	Collection bool
	Enum       *Enum // KindEnum only
	Type       *Type // KindComplex only: the declared (base) type
	NotNull    bool
	// Filter allows the property in $filter. Nested paths below a
	// filterable complex or collection property are allowed as well.
	Filter bool
	// Sort allows the property in $orderby.
	Sort bool
	// Navigation marks a navigation property (an incident's alerts): it is
	// written only when present in the object, that is when $expand asked
	// for it, never as null or [].
	Navigation bool
}

// Enum is an enumeration in CSDL order. Members declared after
// unknownFutureValue are "evolvable": Graph only returns them to clients
// that send Prefer: include-unknown-enum-members.
type Enum struct {
	Name    string
	Members []string

	lower     map[string]string
	evolvable map[string]bool
}

// UnknownFutureValue is the sentinel member of every evolvable enum.
const UnknownFutureValue = "unknownFutureValue"

// NewEnum builds an enum from its members in CSDL order.
func NewEnum(name string, members ...string) *Enum {
	e := &Enum{Name: name, Members: members, lower: make(map[string]string, len(members)), evolvable: map[string]bool{}}
	after := false
	for _, m := range members {
		e.lower[strings.ToLower(m)] = m
		if after {
			e.evolvable[m] = true
		}
		if m == UnknownFutureValue {
			after = true
		}
	}
	return e
}

// Canonical returns the member spelled as declared, matching s without
// regard to case (clients send 'High', 'NewAlert', 'TruePositive').
func (e *Enum) Canonical(s string) (string, bool) {
	m, ok := e.lower[strings.ToLower(s)]
	return m, ok
}

// Evolvable reports whether m is declared after unknownFutureValue.
func (e *Enum) Evolvable(m string) bool { return e.evolvable[m] }

// Type is an entity or complex type.
type Type struct {
	// Name is the qualified name without '#', e.g.
	// "microsoft.graph.security.userEvidence".
	Name string
	Base *Type
	// Open marks an OpenType: objects may carry undeclared properties.
	Open bool
	// CaseInsensitive makes property names in queries match regardless of
	// case, as the legacy alerts API does (the original sample sends
	// "Severity eq 'High'").
	CaseInsensitive bool

	props   []Property
	index   map[string]int // lower-cased name -> position in props
	derived []*Type
}

// NewType declares a type. A derived type is registered with its base so
// that casts (e/microsoft.graph.security.userEvidence/...) can find it.
func NewType(name string, base *Type, props ...Property) *Type {
	t := &Type{Name: name, Base: base, index: make(map[string]int)}
	if base != nil {
		base.derived = append(base.derived, t)
	}
	t.Add(props...)
	return t
}

// Add declares more properties. It exists so that types which refer to
// each other (malwareEvidence holds fileEvidence) can be built in two steps.
func (t *Type) Add(props ...Property) {
	for _, p := range props {
		t.index[strings.ToLower(p.Name)] = len(t.props)
		t.props = append(t.props, p)
	}
}

// ODataType is the value of @odata.type for objects of this type.
func (t *Type) ODataType() string { return "#" + t.Name }

// Property finds a declared property on t or its bases, by exact name, or
// without regard to case when t is CaseInsensitive.
func (t *Type) Property(name string) (Property, bool) {
	for c := t; c != nil; c = c.Base {
		if i, ok := c.index[strings.ToLower(name)]; ok {
			p := c.props[i]
			if p.Name == name || t.CaseInsensitive {
				return p, true
			}
		}
	}
	return Property{}, false
}

// Properties lists the properties of t, those of its bases first.
func (t *Type) Properties() []Property {
	if t.Base == nil {
		return t.props
	}
	return append(append([]Property(nil), t.Base.Properties()...), t.props...)
}

// Derived finds a type derived (directly or not) from t by qualified name,
// without regard to case. t itself matches its own name.
func (t *Type) Derived(name string) (*Type, bool) {
	name = strings.TrimPrefix(name, "#")
	if strings.EqualFold(t.Name, name) {
		return t, true
	}
	for _, d := range t.derived {
		if f, ok := d.Derived(name); ok {
			return f, true
		}
	}
	return nil, false
}

// IsA reports whether t is u or derives from u.
func (t *Type) IsA(u *Type) bool {
	for c := t; c != nil; c = c.Base {
		if c == u {
			return true
		}
	}
	return false
}

// Resolve returns the runtime type of obj: the type named by its
// @odata.type when that is t or derived from t, otherwise t.
func (t *Type) Resolve(obj Object) *Type {
	if s, ok := obj["@odata.type"].(string); ok {
		if d, ok := t.Derived(s); ok {
			return d
		}
	}
	return t
}
