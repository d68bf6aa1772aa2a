package wire

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/go-faster/jx"
)

// Each leaf decoder reads one JSON value at the current scope position. A
// value of the wrong JSON type is recorded as a "type" violation and skipped,
// so that one frame yields every violation rather than the first. The error
// result is reserved for malformed JSON, which ends decoding.

// Expect reports whether the next value has JSON type t. If it does not, it
// records a type violation naming want and skips the value.
func Expect(d *jx.Decoder, s *Scope, t jx.Type, want string) (bool, error) {
	got := d.Next()
	if got == t {
		return true, nil
	}
	if got == jx.Invalid {
		return false, d.Skip() // surfaces the syntax error
	}
	s.Violate("type", "expected "+want+", got "+jsonTypeName(got))
	return false, d.Skip()
}

func jsonTypeName(t jx.Type) string {
	if t == jx.Bool {
		return "boolean"
	}
	return t.String()
}

// String decodes a string.
func String(d *jx.Decoder, s *Scope) (string, error) {
	if ok, err := Expect(d, s, jx.String, "string"); !ok {
		return "", err
	}
	return d.Str()
}

// Bool decodes a boolean.
func Bool(d *jx.Decoder, s *Scope) (bool, error) {
	if ok, err := Expect(d, s, jx.Bool, "boolean"); !ok {
		return false, err
	}
	return d.Bool()
}

// Float decodes a number.
func Float(d *jx.Decoder, s *Scope) (float64, error) {
	if ok, err := Expect(d, s, jx.Number, "number"); !ok {
		return 0, err
	}
	return d.Float64()
}

// Int decodes an integer. As in JSON Schema, a number with a zero fraction
// (1.0, 1e2) is an integer. Integers outside int64 are reported as a "type"
// violation: the Go field cannot hold them.
func Int(d *jx.Decoder, s *Scope) (int64, error) {
	if ok, err := Expect(d, s, jx.Number, "integer"); !ok {
		return 0, err
	}
	n, err := d.Num()
	if err != nil {
		return 0, err
	}
	if n.IsInt() {
		v, ok := parseInt(n)
		if !ok {
			s.Violate("type", "integer out of int64 range")
			return 0, nil
		}
		return v, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil && !isRangeErr(err) {
		return 0, err
	}
	if math.IsInf(f, 0) || f != math.Trunc(f) {
		s.Violate("type", "expected integer, got number")
		return 0, nil
	}
	if f < -(1<<63) || f >= 1<<63 {
		s.Violate("type", "integer out of int64 range")
		return 0, nil
	}
	return int64(f), nil
}

// parseInt parses an optionally signed run of digits without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	var u uint64
	for _, c := range b {
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// Raw captures any value verbatim; types lists the JSON types the schema
// allows (none means any).
func Raw(d *jx.Decoder, s *Scope, types ...jx.Type) (json.RawMessage, error) {
	if len(types) > 0 {
		got := d.Next()
		allowed := false
		for _, t := range types {
			allowed = allowed || t == got
		}
		if !allowed && got != jx.Invalid {
			s.Violate("type", "expected "+typeList(types)+", got "+jsonTypeName(got))
		}
	}
	r, err := d.Raw()
	if err != nil {
		return nil, err
	}
	return json.RawMessage(r), nil
}

func typeList(types []jx.Type) string {
	out := ""
	for i, t := range types {
		if i > 0 {
			out += " or "
		}
		out += jsonTypeName(t)
	}
	return out
}

// Null consumes a null if one is next and reports whether it did.
func Null(d *jx.Decoder) (bool, error) {
	if d.Next() != jx.Null {
		return false, nil
	}
	return true, d.Null()
}

// Mismatch records that a value matches none of the JSON types a union
// accepts, and skips it.
func Mismatch(d *jx.Decoder, s *Scope, want string) error {
	if got := d.Next(); got != jx.Invalid {
		s.Violate("type", "expected "+want+", got "+jsonTypeName(got))
	}
	return d.Skip()
}
