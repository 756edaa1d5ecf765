// Package model is the emulator's schema: one place that names every
// entity type, complex type, property and enum member the emulator serves,
// spelled exactly as Microsoft Graph spells them (graph-api-facts.md §1–§6,
// the v1.0 CSDL winning where the docs disagree). The query engine reads
// the Filter and Sort flags from here, the write paths validate against
// these types, and the data generator's output is tested against them, so
// a misspelt property cannot reach the wire.
package model

import (
	"fmt"
	"strings"
	"sync"

	"github.com/graphsec/graphsec/emulator/odata"
)

// Schema is the complete emulator schema. It is built once and shared:
// callers must treat every type and enum in it as read-only.
type Schema struct {
	// Enums holds every enum by key: the CSDL name for microsoft.graph
	// enums ("alertSeverity", the legacy one) and "security."+name for
	// microsoft.graph.security enums ("security.alertSeverity"). Each
	// Enum's Name is its fully qualified CSDL name.
	Enums map[string]*odata.Enum

	// Types holds every entity and complex type by qualified name
	// (without '#'), e.g. "microsoft.graph.security.userEvidence".
	Types map[string]*odata.Type

	// LegacyAlert is microsoft.graph.alert (/security/alerts): an open
	// type, matched case-insensitively, with every complex type of §1.
	LegacyAlert *odata.Type
	// Alert is microsoft.graph.security.alert (/security/alerts_v2).
	Alert *odata.Type
	// Evidence is microsoft.graph.security.alertEvidence with every
	// derived type of §2 registered under it, including the "names only"
	// types, which are declared without properties of their own.
	Evidence *odata.Type
	// EvidenceTypes lists the qualified names of every type derived from
	// Evidence, in the order the facts list them.
	EvidenceTypes []string
	// AlertComment is microsoft.graph.security.alertComment, shared by
	// alerts and incidents.
	AlertComment *odata.Type
	// Incident is microsoft.graph.security.incident. Its navigation
	// property alerts is declared as a collection of Alert, so that
	// $expand=alerts output validates and can be selected into; stored
	// incidents do not carry it.
	Incident *odata.Type
	// SecureScore is microsoft.graph.secureScore (open), with the open
	// complex types controlScore and averageComparativeScore.
	SecureScore *odata.Type
	// ControlProfile is microsoft.graph.secureScoreControlProfile.
	ControlProfile *odata.Type
	// ControlStateUpdate is microsoft.graph.secureScoreControlStateUpdate,
	// the element type of ControlProfile.controlStateUpdates, which the
	// PATCH handler appends.
	ControlStateUpdate *odata.Type
	// SecurityAction is the beta microsoft.graph.securityAction.
	SecurityAction *odata.Type
	// User is microsoft.graph.user: the default /me properties plus a few
	// commonly selected others.
	User *odata.Type
	// Message is microsoft.graph.message as sendMail accepts it.
	Message *odata.Type
	// Attachment is microsoft.graph.attachment with fileAttachment derived.
	Attachment *odata.Type
	// Subscription is microsoft.graph.subscription (§5.1).
	Subscription *odata.Type
}

// Graph returns the schema. It is built on first use and then shared, so
// repeated calls are free and return the same pointers.
func Graph() *Schema { return graph() }

var graph = sync.OnceValue(build)

// builder carries the schema under construction; every type it declares is
// recorded in Types so that a name can be looked up and checked for
// duplicates.
type builder struct {
	s *Schema
}

func build() *Schema {
	s := &Schema{Enums: make(map[string]*odata.Enum, len(enumTable)), Types: map[string]*odata.Type{}}
	for _, d := range enumTable {
		s.Enums[d.key] = odata.NewEnum(d.name, d.members...)
	}
	b := &builder{s: s}
	b.legacy()
	b.security()
	b.score()
	b.directory()
	return s
}

// enum returns a declared enum; an unknown key is a defect in this
// package's static tables, caught by the first test that builds the schema.
func (b *builder) enum(key string) *odata.Enum {
	e, ok := b.s.Enums[key]
	if !ok {
		panic(fmt.Sprintf("model: enum %q is not declared", key))
	}
	return e
}

// typ declares a type and records it.
func (b *builder) typ(name string, base *odata.Type, props ...odata.Property) *odata.Type {
	if _, dup := b.s.Types[name]; dup {
		panic(fmt.Sprintf("model: type %q declared twice", name))
	}
	t := odata.NewType(name, base, props...)
	b.s.Types[name] = t
	return t
}

// Property constructors. They keep the type tables below readable: one
// line per property, in the CSDL's alphabetical order where it has one.

func str(name string) odata.Property { return odata.Property{Name: name, Kind: odata.KindString} }
func strs(name string) odata.Property {
	return odata.Property{Name: name, Kind: odata.KindString, Collection: true}
}
func guid(name string) odata.Property { return odata.Property{Name: name, Kind: odata.KindGuid} }
func dt(name string) odata.Property   { return odata.Property{Name: name, Kind: odata.KindDateTime} }

// integer is Edm.Int32 or Edm.Int64: both are stored as int64.
func integer(name string) odata.Property { return odata.Property{Name: name, Kind: odata.KindInt} }
func dbl(name string) odata.Property     { return odata.Property{Name: name, Kind: odata.KindDouble} }
func boolean(name string) odata.Property { return odata.Property{Name: name, Kind: odata.KindBool} }
func open(name string) odata.Property    { return odata.Property{Name: name, Kind: odata.KindOpen} }
func enum(name string, e *odata.Enum) odata.Property {
	return odata.Property{Name: name, Kind: odata.KindEnum, Enum: e}
}
func enums(name string, e *odata.Enum) odata.Property {
	return odata.Property{Name: name, Kind: odata.KindEnum, Enum: e, Collection: true}
}
func cx(name string, t *odata.Type) odata.Property {
	return odata.Property{Name: name, Kind: odata.KindComplex, Type: t}
}
func cxs(name string, t *odata.Type) odata.Property {
	return odata.Property{Name: name, Kind: odata.KindComplex, Type: t, Collection: true}
}

// nav marks a navigation property: written only when $expand (or an
// inline request body) supplies it.
func nav(p odata.Property) odata.Property { p.Navigation = true; return p }

// nn marks a property the CSDL declares Nullable="false".
func nn(p odata.Property) odata.Property { p.NotNull = true; return p }

// id is the key of every entity (graph.entity.id), never null.
func id() odata.Property { return nn(str("id")) }

// allow sets the Filter and Sort flags on the named properties. A name
// that is not in props is a defect in the static tables below.
func allow(props []odata.Property, filter, sort []string) []odata.Property {
	set := func(names []string, f func(*odata.Property)) {
		for _, n := range names {
			found := false
			for i := range props {
				if props[i].Name == n {
					f(&props[i])
					found = true
				}
			}
			if !found {
				panic(fmt.Sprintf("model: allow: no property %q", n))
			}
		}
	}
	set(filter, func(p *odata.Property) { p.Filter = true })
	set(sort, func(p *odata.Property) { p.Sort = true })
	return props
}

// filterAll allows $filter on every property except open dictionaries,
// whose content is not described.
func filterAll(props []odata.Property) []odata.Property {
	for i := range props {
		if props[i].Kind != odata.KindOpen {
			props[i].Filter = true
		}
	}
	return props
}

// EvidenceType returns the derived evidence type with the short name
// (e.g. "userEvidence") or qualified name, or nil.
func (s *Schema) EvidenceType(name string) *odata.Type {
	if !strings.Contains(name, ".") {
		name = securityNS + name
	}
	t, ok := s.Evidence.Derived(name)
	if !ok || t == s.Evidence {
		return nil
	}
	return t
}
