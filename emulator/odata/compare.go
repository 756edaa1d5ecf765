package odata

import (
	"cmp"
	"math"
)

// Compare orders two values of the document model the way $orderby does.
// It is a total preorder, so it is safe for sorting any mix of values:
//   - null (nil) sorts before every other value, as OData requires;
//   - then booleans (false < true), numbers (int64 and float64 compared
//     by value; NaN first), strings (without regard to case, see the
//     package doc), Time values (by instant), collections ([]any,
//     element by element, then by length), and objects, which all compare
//     equal to each other;
//   - values of any other Go type come last and compare equal.
//
// Values of different kinds order by kind in that list, so data that does
// not match its schema sorts deterministically instead of failing.
func Compare(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int64, float64:
		return compareNumbers(a, b)
	case string:
		return compareFold(x, b.(string))
	case Time:
		return x.Compare(b.(Time).Time)
	case []any:
		y := b.([]any)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := Compare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	}
	return 0
}

func rank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case int64, float64:
		return 2
	case string:
		return 3
	case Time:
		return 4
	case []any:
		return 5
	case Object:
		return 6
	}
	return 7
}

// compareNumbers compares int64 and float64 values by value. Two int64s
// compare exactly; a mixed pair compares as float64 (exact up to 2^53,
// which covers every Graph Int32 and all practical Int64 values). The
// caller guarantees both are numbers.
func compareNumbers(a, b any) int {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(toFloat(a), toFloat(b))
}

// numeric reports whether v is a number of the document model.
func numeric(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}
