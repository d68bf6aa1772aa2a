package wire

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf8"
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

// UnmarshalJSON marks the value present (null included) and decodes it as
// json.Unmarshal(b, &o.Value) would; see decodeValue for how it avoids
// scanning b again.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	return decodeValue(b, &o.Value)
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
	return decodeValue(b, &n.Value)
}

// decodeValue does what json.Unmarshal(b, v) does, for b handed to an
// UnmarshalJSON method by encoding/json: a valid JSON value, as the
// json.Unmarshaler contract promises.
//
// json.Unmarshal scans b in full to check it, then decodes it; under a
// struct field of type Opt that is a second and third pass over bytes the
// enclosing decoder has already checked and skipped, and at every level
// of nesting again. Where the result is sure to be the same, decodeValue
// does without json.Unmarshal:
//
//   - if *T is a json.Unmarshaler (Nullable, a nested Opt), it calls it on
//     b directly, as json.Unmarshal would after its scans;
//   - a string, bool, integer or float kind (no UnmarshalJSON or
//     UnmarshalText of its own, not json.Number) is read straight from
//     b when b is null, true/false, an integer or number that fits, or a
//     string without escapes, control bytes or invalid UTF-8: the cases in
//     which encoding/json stores the bytes as they are.
//
// Everything else (objects, arrays, escaped strings, type mismatches and
// their errors) goes to json.Unmarshal, so errors and results are
// json.Unmarshal's own. An object decoded that way is still checked once
// before it is decoded, but its own Opt fields no longer re-scan theirs.
func decodeValue[T any](b []byte, v *T) error {
	if u, ok := any(v).(json.Unmarshaler); ok {
		if tb := trimSpace(b); len(tb) > 0 {
			return u.UnmarshalJSON(tb)
		}
		return json.Unmarshal(b, v) // its error for empty input
	}
	if _, ok := any(v).(encoding.TextUnmarshaler); ok || len(b) == 0 {
		return json.Unmarshal(b, v)
	}
	t := reflect.TypeFor[T]()
	switch t.Kind() {
	case reflect.String:
		if t == numberType {
			break
		}
		if b[0] == 'n' && string(b) == "null" {
			return nil // null leaves a string as it was
		}
		if s, ok := plainString(b); ok {
			reflect.ValueOf(v).Elem().SetString(string(s))
			return nil
		}
	case reflect.Bool:
		switch string(b) {
		case "null":
			return nil
		case "true", "false":
			reflect.ValueOf(v).Elem().SetBool(b[0] == 't')
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if string(b) == "null" {
			return nil
		}
		if n, ok := plainInt(b); ok {
			e := reflect.ValueOf(v).Elem()
			if !e.OverflowInt(n) {
				e.SetInt(n)
				return nil
			}
		}
	case reflect.Float32, reflect.Float64:
		if string(b) == "null" {
			return nil
		}
		if isNumber(b) {
			if f, err := strconv.ParseFloat(string(b), t.Bits()); err == nil {
				e := reflect.ValueOf(v).Elem()
				if !e.OverflowFloat(f) {
					e.SetFloat(f)
					return nil
				}
			}
		}
	}
	return json.Unmarshal(b, v)
}

var numberType = reflect.TypeFor[json.Number]()

// trimSpace drops JSON whitespace around b, as json.Unmarshal does before
// it hands a value to an Unmarshaler.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// plainString returns the contents of the JSON string b when
// encoding/json would store them unchanged: no escapes, no control bytes,
// valid UTF-8.
func plainString(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	s := b[1 : len(b)-1]
	ascii := true
	for _, c := range s {
		if c < ' ' || c == '"' || c == '\\' {
			return nil, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return s, ascii || utf8.Valid(s)
}

// plainInt reads a JSON integer, -?(0|[1-9][0-9]*), of at most 18 digits,
// so that it cannot overflow an int64.
func plainInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 || b[0] == '0' && len(b) > 1 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// skipDigits returns the index after the run of digits at b[i:].
func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// isNumber reports whether b is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		if i = skipDigits(b, i); i == j {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		if i = skipDigits(b, i); i == j {
			return false
		}
	}
	return i == len(b)
}
