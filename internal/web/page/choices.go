package page

import "slices"

// Choice is one option of a select or one checkbox: the value sent (an
// enum member as Graph spells it) and the label people read.
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
// in the order given) as choices labelled by label, the ones in selected
// preselected.
func EnumChoices[T ~string](members []T, label func(T) string, selected ...T) []Choice {
	out := make([]Choice, len(members))
	for i, m := range members {
		out[i] = Choice{Value: string(m), Label: label(m), Selected: slices.Contains(selected, m)}
	}
	return out
}

// Without returns members without the ones in drop (members a form does
// not offer, such as a status nobody sets by hand).
func Without[T ~string](members []T, drop ...T) []T {
	return slices.DeleteFunc(members, func(m T) bool { return slices.Contains(drop, m) })
}

// Has reports whether v is one of the choices' values.
func Has(cs []Choice, v string) bool {
	return slices.ContainsFunc(cs, func(c Choice) bool { return c.Value == v })
}

// Values lists the choices' values, for a message that says what is
// accepted.
func Values(cs []Choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Value
	}
	return out
}

// Select returns a copy of cs with only the choices whose value is in
// values selected.
func Select(cs []Choice, values ...string) []Choice {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Selected = slices.Contains(values, out[i].Value)
	}
	return out
}
