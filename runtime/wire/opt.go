package wire

import (
	"bytes"
	"encoding/json"
)

// Opt is a value that may be absent from its object. The zero Opt is absent;
// the `omitzero` JSON tag option leaves an absent Opt out when marshalling.
type Opt[T any] struct {
	Value T
	Set   bool
}

// Some returns an Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Value: v, Set: true} }

// Get returns the value and whether it was set.
func (o Opt[T]) Get() (T, bool) { return o.Value, o.Set }

// Or returns the value if set and def otherwise.
func (o Opt[T]) Or(def T) T {
	if o.Set {
		return o.Value
	}
	return def
}

// IsZero reports whether o is absent; encoding/json's omitzero uses it.
func (o Opt[T]) IsZero() bool { return !o.Set }

// MarshalJSON encodes the value; absent values are left out by omitzero.
func (o Opt[T]) MarshalJSON() ([]byte, error) { return json.Marshal(o.Value) }

// UnmarshalJSON marks the value present and decodes it.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	return json.Unmarshal(b, &o.Value)
}

// Nullable is a value that may be JSON null. The zero Nullable is null.
type Nullable[T any] struct {
	Value T
	Valid bool
}

// NotNull returns a non-null Nullable holding v.
func NotNull[T any](v T) Nullable[T] { return Nullable[T]{Value: v, Valid: true} }

// Get returns the value and whether it is non-null.
func (n Nullable[T]) Get() (T, bool) { return n.Value, n.Valid }

// MarshalJSON encodes null or the value.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// UnmarshalJSON decodes null or the value.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		var zero T
		n.Value, n.Valid = zero, false
		return nil
	}
	n.Valid = true
	return json.Unmarshal(b, &n.Value)
}
