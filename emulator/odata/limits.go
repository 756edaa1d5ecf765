package odata

// Limits bounds the work an untrusted query can ask for. A zero field takes
// its default, so Spec{} and Limits{} are usable as they are.
type Limits struct {
	// MaxFilterLength is the longest $filter accepted, in bytes after
	// percent-decoding (default 4096). Graph rejects very long filters too;
	// the exact limit is not published.
	MaxFilterLength int
	// MaxDepth bounds nesting in a filter (default 32). Parentheses, not,
	// lambdas, function arguments and in-lists each add a level. The parser
	// checks it before it recurses, so no input can exhaust the stack.
	MaxDepth int
	// MaxInItems bounds the items of one `in (...)` list (default 200).
	MaxInItems int
	// MaxOrderBy bounds the number of $orderby keys (default 8).
	MaxOrderBy int
	// MaxSelect bounds the number of $select items (default 64).
	MaxSelect int
	// MaxQueryLength bounds the raw query string (default 32768 bytes:
	// room for a maximal $filter percent-encoded, plus the other options).
	MaxQueryLength int
	// MaxAnyAllDepth bounds how deeply any/all lambdas nest (default 2:
	// one lambda inside another). Each nested lambda multiplies the work
	// per document by the length of its collection, so this is what keeps
	// evaluation polynomial of a small, fixed degree. ASP.NET OData calls
	// it MaxAnyAllExpressionDepth (its default is 1).
	MaxAnyAllDepth int
	// MaxNodeCount bounds the nodes of a filter's syntax tree (default
	// 100, ASP.NET OData's MaxNodeCount default): each operator, function
	// call, literal, lambda, $count and path segment counts one; `x in
	// (...)` counts one for the operator and its list, whatever the list's
	// length (MaxInItems bounds that).
	MaxNodeCount int
}

// DefaultLimits returns the limits used where none are given.
func DefaultLimits() Limits {
	return Limits{
		MaxFilterLength: 4096,
		MaxDepth:        32,
		MaxInItems:      200,
		MaxOrderBy:      8,
		MaxSelect:       64,
		MaxQueryLength:  32768,
		MaxAnyAllDepth:  2,
		MaxNodeCount:    100,
	}
}

// withDefaults fills zero (or negative) fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxFilterLength, d.MaxFilterLength)
	set(&l.MaxDepth, d.MaxDepth)
	set(&l.MaxInItems, d.MaxInItems)
	set(&l.MaxOrderBy, d.MaxOrderBy)
	set(&l.MaxSelect, d.MaxSelect)
	set(&l.MaxQueryLength, d.MaxQueryLength)
	set(&l.MaxAnyAllDepth, d.MaxAnyAllDepth)
	set(&l.MaxNodeCount, d.MaxNodeCount)
	return l
}
