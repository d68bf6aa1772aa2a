package wire

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"

	"github.com/go-faster/jx"

	"github.com/wsbind/wsbind/runtime/jsonvalue"
)

// Integer is a JSON integer of any size: the Go type of an integer field
// whose schema admits values beyond int64 (a plain `type: integer` does;
// JSON Schema puts no limit on integers). A value that fits int64 is held
// as one, with no allocation; only a larger one keeps its literal.
//
// As in JSON Schema, a number with a zero fraction is an integer: 1.0,
// 1e2 and -0 decode to Integers. What they read back as:
//
//   - a value within int64 is its value: Int64 reports it, String and
//     MarshalJSON write its canonical digits (1.0 → 1, 1e2 → 100, -0 → 0);
//   - a larger value keeps the literal exactly as received (1e30,
//     98249283749234923498293171823948729348710298301928331, 1.0e19):
//     String and MarshalJSON write it back unchanged, Int64 reports false,
//     and Big computes the value.
//
// Compare Integers with Cmp or Equal: == compares large ones by their
// literal, so 1e19 and 10000000000000000000 differ under it. The zero
// Integer is 0.
type Integer struct {
	v   int64
	lit string // "" when v holds the value
}

// NewInteger returns the Integer holding v.
func NewInteger(v int64) Integer { return Integer{v: v} }

// ParseInteger reads a JSON number literal whose value is an integer
// (1, -0, 1.0, 1e30). A fraction (1.5), or anything that is not a JSON
// number, is an error.
func ParseInteger(lit string) (Integer, error) {
	if _, err := jsonvalue.ParseNumber(lit); err != nil {
		return Integer{}, fmt.Errorf("wire: parse integer: %w", err)
	}
	v, err := integerLit(lit)
	if err != nil {
		return Integer{}, fmt.Errorf("wire: parse integer %s: %w", Clip(lit, 40), err)
	}
	return v, nil
}

// errNotInteger quotes nothing: the literal may come from a frame.
var errNotInteger = errors.New("a number with a fractional part is not an integer")

// integerLit makes the Integer of a valid number literal, keeping lit
// when the value does not fit int64.
func integerLit(lit string) (Integer, error) {
	v, integer, fits := jsonvalue.IntValue(lit)
	switch {
	case !integer:
		return Integer{}, errNotInteger
	case fits:
		return Integer{v: v}, nil
	}
	return Integer{lit: lit}, nil
}

// Int64 returns the value and true when it lies within int64.
func (i Integer) Int64() (int64, bool) { return i.v, i.lit == "" }

// IsInt64 reports whether the value lies within int64.
func (i Integer) IsInt64() bool { return i.lit == "" }

// String returns the canonical digits of a value within int64, and the
// literal as received for a larger one.
func (i Integer) String() string {
	if i.lit != "" {
		return i.lit
	}
	return strconv.FormatInt(i.v, 10)
}

// Big returns the value as a *big.Int. A large value is computed from its
// literal, which may be costly: 1e1000000 has a million digits. Frames
// come from peers, so check Int64 first, or bound the field in the
// schema. Big returns nil for a literal whose exponent math/big refuses
// (beyond about 10^6); Cmp, String and the checks still handle it.
func (i Integer) Big() *big.Int {
	if i.lit == "" {
		return big.NewInt(i.v)
	}
	r, ok := new(big.Rat).SetString(i.lit)
	if !ok {
		return nil
	}
	return r.Num()
}

// Sign returns -1, 0 or +1.
func (i Integer) Sign() int {
	if i.lit == "" {
		switch {
		case i.v < 0:
			return -1
		case i.v > 0:
			return 1
		}
		return 0
	}
	if i.lit[0] == '-' {
		return -1
	}
	return 1 // a literal is kept only beyond int64, so never zero
}

// Cmp compares i with j exactly and returns -1, 0 or +1.
func (i Integer) Cmp(j Integer) int {
	switch {
	case i.lit == "" && j.lit == "":
		switch {
		case i.v < j.v:
			return -1
		case i.v > j.v:
			return 1
		}
		return 0
	case i.lit == "":
		return -j.Sign() // j lies beyond int64, on its sign's side
	case j.lit == "":
		return i.Sign()
	}
	return jsonvalue.Cmp(i.lit, jsonvalue.MustNumber(j.lit))
}

// Equal reports whether i and j have the same value.
func (i Integer) Equal(j Integer) bool {
	if i.lit == "" || j.lit == "" {
		return i == j
	}
	return jsonvalue.NumEqual(i.lit, j.lit)
}

// CmpDecimal compares i with an exact decimal (a schema bound) and returns
// -1, 0 or +1. It does not allocate.
func (i Integer) CmpDecimal(n jsonvalue.Decimal) int {
	if i.lit == "" {
		return jsonvalue.CmpInt(i.v, n)
	}
	return jsonvalue.Cmp(i.lit, n)
}

// MultipleOf reports whether i divided by n is an integer, exactly, as
// draft-07's multipleOf decides it. A zero n gives false.
func (i Integer) MultipleOf(n jsonvalue.Decimal) bool {
	if i.lit == "" {
		return multipleOfInt(i.v, n)
	}
	return jsonvalue.MultipleOf(i.lit, n)
}

func multipleOfInt(v int64, n jsonvalue.Decimal) bool {
	k, ok := n.IntegerStep()
	return stepDivides(v, k, ok)
}

// stepDivides reports whether v is a multiple of the IntegerStep k (ok
// false: a step beyond uint64).
func stepDivides(v int64, k uint64, ok bool) bool {
	switch {
	case !ok:
		return v == 0
	case k == 0:
		return false
	}
	u := uint64(v)
	if v < 0 {
		u = uint64(-v)
	}
	return u%k == 0
}

// AppendJSON appends i as a JSON number: canonical digits within int64,
// the literal as received beyond.
func (i Integer) AppendJSON(b []byte) []byte {
	if i.lit != "" {
		return append(b, i.lit...)
	}
	return strconv.AppendInt(b, i.v, 10)
}

// MarshalJSON writes i as AppendJSON does.
func (i Integer) MarshalJSON() ([]byte, error) { return i.AppendJSON(nil), nil }

// UnmarshalJSON reads a JSON number whose value is an integer.
func (i *Integer) UnmarshalJSON(b []byte) error {
	d := jx.DecodeBytes(b)
	if err := i.Decode(d); err != nil {
		return err
	}
	return End(d)
}

// Encode writes i to e.
func (i Integer) Encode(e *jx.Encoder) {
	if i.lit != "" {
		e.RawStr(i.lit)
		return
	}
	e.Int64(i.v)
}

// Decode reads a JSON number whose value is an integer from d. A value
// within int64 is read without allocating; a larger one copies its
// literal.
func (i *Integer) Decode(d *jx.Decoder) error {
	if t := d.Next(); t != jx.Number {
		return errors.New("wire: decode integer: expected integer, got " + jsonTypeName(t))
	}
	n, err := d.Num()
	if err != nil {
		return err
	}
	v, err := integerBytes(n, nil)
	if err != nil {
		return fmt.Errorf("wire: decode integer: %w", err)
	}
	*i = v
	return nil
}

// integerBytes makes the Integer of a number literal from the decoder.
// Plain digits within int64, the common case, cost no allocation; the
// literal kept for a larger value is taken from the frame's text when s
// is set.
func integerBytes(n []byte, s *Scope) (Integer, error) {
	v, ok, digits := parseInt(n)
	if digits && ok {
		return Integer{v: v}, nil
	}
	var lit string
	if s != nil {
		lit = s.Text(n)
	} else {
		lit = string(n)
	}
	if digits {
		return Integer{lit: lit}, nil // digits beyond int64
	}
	return integerLit(lit)
}

// AnyInt decodes an integer of any size. As in JSON Schema, a number with
// a zero fraction (1.0, 1e2) is an integer; another number is reported as
// a type violation.
func AnyInt(d *jx.Decoder, s *Scope, key string) (Integer, error) {
	if d.Next() != jx.Number {
		return Integer{}, s.mismatchAt(d, key, "integer")
	}
	n, err := d.Num()
	if err != nil {
		return Integer{}, err
	}
	v, err := integerBytes(n, s)
	if err != nil {
		s.violateAt(key, "type", "expected integer, got number")
		return Integer{}, nil
	}
	return v, nil
}

// IntIn decodes an int64 field whose schema r confines every valid value
// to int64. An integer beyond int64 is then invalid: it is checked
// against r on its literal, so that the report names the keywords it
// breaks, and marked skipped so that Validate, which sees only the zero
// value, does not report it again.
func IntIn(d *jx.Decoder, s *Scope, key string, r *IntegerRule) (int64, error) {
	if d.Next() != jx.Number {
		return 0, s.mismatchAt(d, key, "integer")
	}
	n, err := d.Num()
	if err != nil {
		return 0, err
	}
	if v, ok, digits := parseInt(n); digits && ok {
		return v, nil
	}
	x, err := integerBytes(n, s)
	if err != nil {
		s.violateAt(key, "type", "expected integer, got number")
		return 0, nil
	}
	if v, ok := x.Int64(); ok {
		return v, nil
	}
	if key != "" {
		s.Push(key)
		defer s.Pop()
	}
	before := len(s.Violations)
	CheckInteger(s, "", x, r)
	if len(s.Violations) == before {
		// r did not confine the field after all: a generator bug, but
		// the value still cannot be held.
		s.Violate("type", OutOfRange)
	}
	s.skip()
	return 0, nil
}
