package wire

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/go-faster/jx"

	"github.com/wsbind/wsbind/runtime/jsonvalue"
)

// Each leaf decoder reads one JSON value: the property key of the current
// object, or the value s points at when key is "" (array items, map
// values). Naming the key instead of pushing it keeps the happy path free
// of path bookkeeping; the key is pushed only to report. A
// value of the wrong JSON type is recorded as a "type" violation and skipped,
// so that one frame yields every violation rather than the first. The error
// result is reserved for malformed JSON, which ends decoding.

// Expect reports whether the next value has JSON type t. If it does not, it
// records a type violation naming want and skips the value.
func Expect(d *jx.Decoder, s *Scope, t jx.Type, want string) (bool, error) {
	if d.Next() == t {
		return true, nil
	}
	return false, Mismatch(d, s, want)
}

func jsonTypeName(t jx.Type) string {
	if t == jx.Bool {
		return "boolean"
	}
	return t.String()
}

// String decodes a string, sharing the frame's text where it can.
func String(d *jx.Decoder, s *Scope, key string) (string, error) {
	if d.Next() != jx.String {
		return "", s.mismatchAt(d, key, "string")
	}
	b, err := d.StrBytes()
	if err != nil {
		return "", err
	}
	return s.Text(b), nil
}

// Bool decodes a boolean.
func Bool(d *jx.Decoder, s *Scope, key string) (bool, error) {
	if d.Next() != jx.Bool {
		return false, s.mismatchAt(d, key, "boolean")
	}
	return d.Bool()
}

// Float decodes a number.
func Float(d *jx.Decoder, s *Scope, key string) (float64, error) {
	f, _, err := floatLit(d, s, key)
	return f, err
}

// floatLit decodes a number into a float64 and also returns its literal
// ("" when the value was reported instead).
func floatLit(d *jx.Decoder, s *Scope, key string) (float64, string, error) {
	if d.Next() != jx.Number {
		return 0, "", s.mismatchAt(d, key, "number")
	}
	n, err := d.Num()
	if err != nil {
		return 0, "", err
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		s.violateAt(key, "type", OutOfRange)
		return 0, "", nil
	}
	return f, s.Text(n), nil
}

// OutOfRange is the message for numbers JSON allows but a Go float64 (or
// an int64 read by Int) cannot hold. JSON Schema has no such limit, so
// this is the one place generated validators are knowingly stricter.
const OutOfRange = "number out of range for its Go type"

// Int decodes an integer. As in JSON Schema, a number with a zero fraction
// (1.0, 1e2) is an integer. Integers an int64 cannot hold are reported with
// OutOfRange: generated code decodes such fields with IntIn, or into an
// Integer with AnyInt, which have no such limit.
func Int(d *jx.Decoder, s *Scope, key string) (int64, error) {
	if d.Next() != jx.Number {
		return 0, s.mismatchAt(d, key, "integer")
	}
	n, err := d.Num()
	if err != nil {
		return 0, err
	}
	if v, ok, digits := parseInt(n); digits {
		if !ok {
			s.violateAt(key, "type", OutOfRange)
		}
		return v, nil
	}
	// A fraction or an exponent: decide on the literal, exactly, since
	// float64 would call 9007199254740993.01 whole.
	v, integer, fits := jsonvalue.IntValue(string(n))
	switch {
	case !integer:
		s.violateAt(key, "type", "expected integer, got number")
	case !fits:
		s.violateAt(key, "type", OutOfRange)
	}
	return v, nil
}

// parseInt parses an optionally signed run of digits without allocating.
// digits is false when b holds anything else (a fraction or an exponent);
// ok is false when the digits overflow an int64.
func parseInt(b []byte) (v int64, ok, digits bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false, false
	}
	var u uint64
	overflow := false
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		if u > (math.MaxUint64-9)/10 {
			overflow = true
			continue
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case overflow:
		return 0, false, true
	case neg && u > 1<<63:
		return 0, false, true
	case neg:
		return -int64(u), true, true
	case u > math.MaxInt64:
		return 0, false, true
	}
	return int64(u), true, true
}

// Raw captures any value verbatim; types lists the JSON types the schema
// allows (none means any).
func Raw(d *jx.Decoder, s *Scope, key string, types ...jx.Type) (json.RawMessage, error) {
	if len(types) > 0 {
		got := d.Next()
		allowed := false
		for _, t := range types {
			allowed = allowed || t == got
		}
		if !allowed && got != jx.Invalid {
			s.violateAt(key, "type", "expected "+typeList(types)+", got "+jsonTypeName(got))
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

// mismatchAt is Mismatch for the property key ("" for the current value).
func (s *Scope) mismatchAt(d *jx.Decoder, key, want string) error {
	if key != "" {
		s.Push(key)
		defer s.Pop()
	}
	return Mismatch(d, s, want)
}

// violateAt records a violation at the property key ("" for the current
// value).
func (s *Scope) violateAt(key, keyword, msg string) {
	if key == "" {
		s.Violate(keyword, msg)
		return
	}
	s.ViolateAt(key, keyword, msg)
}

// Mismatch records that the next value is not of the JSON type (or any of
// the types, for a union) want names, and skips it. Leaf decoders check
// the type inline and call it only on a mismatch.
func Mismatch(d *jx.Decoder, s *Scope, want string) error {
	if got := d.Next(); got != jx.Invalid {
		s.Violate("type", "expected "+want+", got "+jsonTypeName(got))
		s.skip()
	}
	return d.Skip()
}

// End checks that nothing but white space follows the decoded value.
func End(d *jx.Decoder) error {
	if err := d.Skip(); err != io.EOF {
		if err == nil {
			return errTrailing
		}
		return err
	}
	return nil
}

var errTrailing = errors.New("unexpected data after the JSON value")

// SortedKeys returns the keys of m in order, so that validators report map
// entries deterministically.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// UnknownTag records that a union's discriminator held no known value
// (got is "" when the property was missing or not a string). allowed
// lists the values the spec knows. The value itself is never part of the
// message: it comes from the peer, and can be huge or a secret.
func UnknownTag(s *Scope, key, got string, allowed ...string) {
	s.Recheck()
	want := ""
	if len(allowed) > 0 {
		q := make([]string, len(allowed))
		for i, a := range allowed {
			q[i] = strconv.Quote(a)
		}
		want = ", expected one of " + strings.Join(q, ", ")
	}
	if got == "" {
		s.Violate("oneOf", "no "+strconv.Quote(key)+" that selects a known branch"+want)
		return
	}
	s.Violate("oneOf", "unknown "+key+want)
}

// NumberRule is a float64 field's minimum, maximum and const as exact
// decimals. A float64 rounds what it decodes (0.1000000000000000001 is
// 0.1), so FloatIn compares the frame's literal with them instead.
type NumberRule struct {
	Min, Max, Const       *jsonvalue.Decimal
	MinText, MaxText, Set string // as written, for messages; Set is the const
}

// NewNumberRule makes a rule from literals; "" leaves a keyword out.
func NewNumberRule(min, max, constant string) *NumberRule {
	r := &NumberRule{MinText: min, MaxText: max, Set: constant}
	dec := func(lit string) *jsonvalue.Decimal {
		if lit == "" {
			return nil
		}
		d := jsonvalue.MustNumber(lit)
		return &d
	}
	r.Min, r.Max, r.Const = dec(min), dec(max), dec(constant)
	return r
}

// FloatIn decodes a number like Float and checks it against r on its
// literal, exactly. A value it reports is marked skipped, so Validate's
// float64 checks of the same keywords do not report it again.
func FloatIn(d *jx.Decoder, s *Scope, key string, r *NumberRule) (float64, error) {
	f, lit, err := floatLit(d, s, key)
	if err != nil || lit == "" {
		return f, err
	}
	bad := false
	if r.Min != nil && jsonvalue.Cmp(lit, *r.Min) < 0 {
		s.violateAt(key, "minimum", "less than "+r.MinText)
		bad = true
	}
	if r.Max != nil && jsonvalue.Cmp(lit, *r.Max) > 0 {
		s.violateAt(key, "maximum", "greater than "+r.MaxText)
		bad = true
	}
	if r.Const != nil && jsonvalue.Cmp(lit, *r.Const) != 0 {
		s.violateAt(key, "const", "must be "+r.Set)
		bad = true
	}
	if bad {
		if key != "" {
			s.Push(key)
			defer s.Pop()
		}
		s.skip()
	}
	return f, nil
}
