package page

import (
	"slices"

	"github.com/graphsec/graphsec/internal/i18n"
)

// Choice is one option of a select or one checkbox: the value sent (an
// enum member as Graph spells it) and the label people read, in the
// page's language.
type Choice struct {
	Value, Label string
	Selected     bool
}

// ChoiceGroup is a labelled group of choices (an optgroup).
type ChoiceGroup struct {
	Label   string
	Choices []Choice
}

// EnumChoices lists enum members (from the graph package's member lists,
// in the order given) as choices labelled in L's language, the ones whose
// value is in selected preselected.
func EnumChoices[T ~string](L *i18n.Printer, members []T, selected ...string) []Choice {
	out := make([]Choice, len(members))
	for i, m := range members {
		out[i] = Choice{Value: string(m), Label: L.Label(m), Selected: slices.Contains(selected, string(m))}
	}
	return out
}

// LabelChoices lists plain string values (a category, which Graph does
// not type as an enum) labelled by label.
func LabelChoices(values []string, label func(string) i18n.EnumLabel, selected ...string) []Choice {
	out := make([]Choice, len(values))
	for i, v := range values {
		out[i] = Choice{Value: v, Label: label(v).Text, Selected: slices.Contains(selected, v)}
	}
	return out
}

// Without returns members without the ones in drop (members a form does
// not offer, such as a status nobody sets by hand).
func Without[T ~string](members []T, drop ...T) []T {
	return slices.DeleteFunc(members, func(m T) bool { return slices.Contains(drop, m) })
}

// Strings returns enum members as the strings Graph sends.
func Strings[T ~string](members []T) []string {
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = string(m)
	}
	return out
}

// Has reports whether v is one of the choices' values.
func Has(cs []Choice, v string) bool {
	return slices.ContainsFunc(cs, func(c Choice) bool { return c.Value == v })
}
