package wire

import (
	"strings"

	"github.com/wsbind/wsbind/runtime/jsonvalue"
)

// IntegerKeywords are the numeric keywords of an integer field's schema,
// as written in the spec; "" leaves a keyword out, and a nil Enum means
// no enum.
type IntegerKeywords struct {
	Minimum, ExclusiveMinimum, Maximum, ExclusiveMaximum string
	MultipleOf, Const                                    string
	Enum                                                 []string
}

// IntegerRule checks an integer field (int64 or Integer) against its
// keywords with draft-07's exact meaning. Values beyond int64 are compared
// with the keywords as exact decimals; for values within int64 each
// keyword is turned once into an int64 threshold, divisor or set, so that
// checking an int64 costs a few comparisons and no allocation.
type IntegerRule struct {
	// An int64 in [lo, hi] meets every bound; when only bounds apply
	// (plain is set) that settles it without looking further.
	lo, hi int64
	plain  bool
	bounds [4]intBound // minimum, exclusiveMinimum, maximum, exclusiveMaximum

	mul      *jsonvalue.Decimal
	step     uint64 // an int64 is a multiple of mul when it is one of step
	stepOK   bool   // false: step beyond uint64, only 0 is a multiple
	mulMsg   string
	konst    *jsonvalue.Decimal
	constInt int64
	constFit bool // konst is an integer within int64
	constMsg string
	enum     []jsonvalue.Decimal // nil: no enum
	enumInts []int64             // the enum's integers within int64
	enumMsg  string
}

// intBound is one of the four bounds. For an int64 v it holds when
// lower && v >= at, or !lower && v <= at, unless every int64 (all) or no
// int64 (none) meets it.
type intBound struct {
	set       bool
	keyword   string
	msg       string
	dec       jsonvalue.Decimal
	lower     bool
	all, none bool
	at        int64
	// fail says which results of comparing a value beyond int64 with dec
	// break the bound.
	fail func(c int) bool
}

// NewIntegerRule makes the rule of k. A literal that is not a JSON number
// panics: generated code passes the spec's own.
func NewIntegerRule(k IntegerKeywords) *IntegerRule {
	r := &IntegerRule{lo: -1 << 63, hi: 1<<63 - 1, plain: k.MultipleOf == "" && k.Const == "" && k.Enum == nil}
	specs := [4]struct {
		lit, keyword, msg string
		lower, exclusive  bool
		fail              func(int) bool
	}{
		{k.Minimum, "minimum", "less than ", true, false, func(c int) bool { return c < 0 }},
		{k.ExclusiveMinimum, "exclusiveMinimum", "not greater than ", true, true, func(c int) bool { return c <= 0 }},
		{k.Maximum, "maximum", "greater than ", false, false, func(c int) bool { return c > 0 }},
		{k.ExclusiveMaximum, "exclusiveMaximum", "not less than ", false, true, func(c int) bool { return c >= 0 }},
	}
	for i, sp := range specs {
		if sp.lit == "" {
			continue
		}
		b := intBound{set: true, keyword: sp.keyword, msg: sp.msg + sp.lit, dec: jsonvalue.MustNumber(sp.lit), lower: sp.lower, fail: sp.fail}
		b.all, b.none, b.at = threshold(b.dec, sp.lower, sp.exclusive)
		r.bounds[i] = b
		switch {
		case b.none:
			r.plain = false // every int64 fails: report it
		case b.all:
		case b.lower:
			r.lo = max(r.lo, b.at)
		default:
			r.hi = min(r.hi, b.at)
		}
	}
	if k.MultipleOf != "" {
		d := jsonvalue.MustNumber(k.MultipleOf)
		r.mul, r.mulMsg = &d, "not a multiple of "+k.MultipleOf
		r.step, r.stepOK = d.IntegerStep()
	}
	if k.Const != "" {
		d := jsonvalue.MustNumber(k.Const)
		r.konst, r.constMsg = &d, "must be "+k.Const
		r.constInt, _, r.constFit = jsonvalue.IntValue(k.Const)
	}
	if k.Enum != nil {
		r.enum = make([]jsonvalue.Decimal, len(k.Enum))
		for i, lit := range k.Enum {
			r.enum[i] = jsonvalue.MustNumber(lit)
			if v, _, fits := jsonvalue.IntValue(lit); fits {
				r.enumInts = append(r.enumInts, v)
			}
		}
		r.enumMsg = "not one of " + strings.Join(k.Enum, ", ")
	}
	return r
}

// threshold turns a bound into the int64 form intBound holds: a lower
// bound b admits v >= ceil(b) (minimum) or v >= floor(b)+1 (exclusive),
// an upper one v <= floor(b) or v <= ceil(b)-1.
func threshold(b jsonvalue.Decimal, lower, exclusive bool) (all, none bool, at int64) {
	var t int64
	var ok bool
	switch {
	case lower && !exclusive:
		t, ok = b.Ceil()
	case lower:
		t, ok = b.Floor()
		if ok && t == 1<<63-1 {
			return false, true, 0 // v > MaxInt64
		}
		t++
	case !exclusive:
		t, ok = b.Floor()
	default:
		t, ok = b.Ceil()
		if ok && t == -1<<63 {
			return false, true, 0 // v < MinInt64
		}
		t--
	}
	if !ok {
		// The threshold lies beyond int64, on b's side.
		above := b.Sign() > 0
		if lower {
			return !above, above, 0
		}
		return above, !above, 0
	}
	return false, false, t
}

// holds reports whether the int64 v meets b.
func (b *intBound) holds(v int64) bool {
	switch {
	case b.all:
		return true
	case b.none:
		return false
	case b.lower:
		return v >= b.at
	}
	return v <= b.at
}

// CheckInt checks an int64 against r, reporting at the property key of
// the current object ("" for the current value). A value within bounds,
// the common case, costs two comparisons.
func CheckInt(s *Scope, key string, v int64, r *IntegerRule) {
	if r.plain && r.lo <= v && v <= r.hi {
		return
	}
	checkInt(s, key, v, r)
}

func checkInt(s *Scope, key string, v int64, r *IntegerRule) {
	for i := range r.bounds {
		if b := &r.bounds[i]; b.set && !b.holds(v) {
			s.violateAt(key, b.keyword, b.msg)
		}
	}
	if r.mul != nil && !stepDivides(v, r.step, r.stepOK) {
		s.violateAt(key, "multipleOf", r.mulMsg)
	}
	if r.konst != nil && (!r.constFit || v != r.constInt) {
		s.violateAt(key, "const", r.constMsg)
	}
	if r.enum != nil {
		for _, e := range r.enumInts {
			if v == e {
				return
			}
		}
		s.violateAt(key, "enum", r.enumMsg)
	}
}

// CheckInteger checks an Integer against r, as CheckInt does.
func CheckInteger(s *Scope, key string, v Integer, r *IntegerRule) {
	if x, ok := v.Int64(); ok {
		CheckInt(s, key, x, r)
		return
	}
	for i := range r.bounds {
		if b := &r.bounds[i]; b.set && b.fail(jsonvalue.Cmp(v.lit, b.dec)) {
			s.violateAt(key, b.keyword, b.msg)
		}
	}
	if r.mul != nil && !jsonvalue.MultipleOf(v.lit, *r.mul) {
		s.violateAt(key, "multipleOf", r.mulMsg)
	}
	if r.konst != nil && jsonvalue.Cmp(v.lit, *r.konst) != 0 {
		s.violateAt(key, "const", r.constMsg)
	}
	if r.enum != nil {
		for _, e := range r.enum {
			if jsonvalue.Cmp(v.lit, e) == 0 {
				return
			}
		}
		s.violateAt(key, "enum", r.enumMsg)
	}
}
