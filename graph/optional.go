package graph

import (
	"bytes"
	"encoding/json"
)

// Optional is one field of a PATCH body. Graph leaves a property alone when
// it is absent from the body, so "not set" must differ from false, "" and
// null: the zero Optional is omitted (the struct tag carries omitzero), [Some]
// sends a value even when it is the zero value, and [Clear] sends null (for
// example to unassign an alert).
type Optional[T any] struct {
	value T
	state optState
}

type optState uint8

const (
	optUnset optState = iota
	optValue
	optNull
)

// Some returns an Optional that sends v.
func Some[T any](v T) Optional[T] { return Optional[T]{value: v, state: optValue} }

// Clear returns an Optional that sends null.
func Clear[T any]() Optional[T] { return Optional[T]{state: optNull} }

// IsZero reports whether o is unset; encoding/json's omitzero uses it to
// leave the field out of the body.
func (o Optional[T]) IsZero() bool { return o.state == optUnset }

// IsNull reports whether o sends null.
func (o Optional[T]) IsNull() bool { return o.state == optNull }

// Get returns the value and whether one is set (false for unset and null).
func (o Optional[T]) Get() (T, bool) { return o.value, o.state == optValue }

// MarshalJSON writes the value, or null. An unset Optional also writes null,
// but only reaches the encoder when a struct tag forgets omitzero.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if o.state != optValue {
		return []byte("null"), nil
	}
	return json.Marshal(o.value)
}

// UnmarshalJSON reads a value or null, so PATCH bodies round-trip (the
// emulator and tests decode them).
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = Clear[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Some(v)
	return nil
}
