package odata

import (
	"encoding/json"
	"fmt"
	"time"
)

// Object is one JSON object as the emulator stores and serves it: the wire
// format is the source of truth, so $select, open types and
// include-unknown-enum-members need no per-resource code.
//
// Values held in an Object are limited to: nil, string, bool, int64,
// float64, Time, []any (whose elements are the same kinds) and Object.
// Stored objects are never mutated in place; an update builds a new one.
type Object = map[string]any

// wireLayout is how Graph writes DateTimeOffset values: UTC, seven
// fractional digits, a literal Z.
const wireLayout = "2006-01-02T15:04:05.0000000Z"

// Time is a DateTimeOffset value. It serialises the way Graph does
// (2021-04-27T12:19:27.7211305Z) so that clients parsing strict layouts work.
type Time struct{ time.Time }

// At converts t to a Time: UTC and truncated to 100 ns, the precision of
// the wire format, so a value survives a round trip unchanged.
func At(t time.Time) Time { return Time{t.UTC().Truncate(100 * time.Nanosecond)} }

// String formats t in Graph's wire layout.
func (t Time) String() string { return t.UTC().Format(wireLayout) }

// MarshalJSON writes t in Graph's wire layout.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(wireLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, wireLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts any RFC 3339 timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ParseTime reads a DateTimeOffset as clients send it: RFC 3339 with or
// without fractional seconds, or a bare date (midnight UTC).
func ParseTime(s string) (Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			return At(v), nil
		}
	}
	return Time{}, fmt.Errorf("%q is not a valid DateTimeOffset", s)
}
