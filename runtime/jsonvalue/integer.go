package jsonvalue

import (
	"math"
	"math/big"
)

// Integer views of exact decimals, for typed integer fields (wire.Integer
// and int64 fields): the int64 value of an integral literal, and a bound
// or divisor turned into what an int64 comparison needs. Each reads the
// literal's digits once and never builds 10^exponent, so a literal such as
// 1e1000000000 costs as much as its length.

// IntValue reads a number literal as an integer. integer reports whether
// its value has no fractional part (1.0, 1e2 and -0 do); when it has none,
// fits reports whether the value lies within int64, and then v is the
// value. It does not allocate.
func IntValue(lit string) (v int64, integer, fits bool) {
	d := parseNumLit(lit)
	if !d.isInteger() {
		return 0, false, false
	}
	u, frac, ok := d.intPart()
	if !ok || frac {
		return 0, true, false
	}
	if d.neg {
		if u > 1<<63 {
			return 0, true, false
		}
		return -int64(u), true, true
	}
	if u > math.MaxInt64 {
		return 0, true, false
	}
	return int64(u), true, true
}

// intPart returns the integer part of |d| as a uint64 and whether d has a
// nonzero fractional part; ok is false when the integer part is 10^19 or
// more (beyond int64 whatever the sign).
func (d *numLit) intPart() (u uint64, frac, ok bool) {
	if d.isZero() {
		return 0, false, true
	}
	if d.expLit != "" {
		// A written exponent of 10^17 or more: huge, or below 10^-(10^16).
		return 0, d.expLit[0] == '-', d.expLit[0] == '-'
	}
	p := d.exp + d.adj() // |d| = 0.D × 10^p
	if p <= 0 {
		return 0, true, true
	}
	if p > 19 {
		return 0, false, false
	}
	nd := int64(d.end - d.start)
	for i := int64(0); i < p; i++ { // at most 19 digits: no overflow
		u *= 10
		if i < nd {
			u += uint64(d.at(d.start+int(i)) - '0')
		}
	}
	return u, nd > p, true
}

// Floor returns the greatest integer not above n. ok is false when that
// integer lies outside int64; the sign of n then tells which side.
func (n Decimal) Floor() (v int64, ok bool) {
	u, frac, ok := n.dec.intPart()
	if !ok {
		return 0, false
	}
	if !n.dec.neg {
		if u > math.MaxInt64 {
			return 0, false
		}
		return int64(u), true
	}
	if frac {
		u++ // -2.5 → -3
	}
	if u > 1<<63 {
		return 0, false
	}
	return -int64(u), true
}

// Ceil returns the least integer not below n. ok is false when that
// integer lies outside int64; the sign of n then tells which side.
func (n Decimal) Ceil() (v int64, ok bool) {
	u, frac, ok := n.dec.intPart()
	if !ok {
		return 0, false
	}
	if n.dec.neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if frac {
		u++ // 2.5 → 3
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// Sign returns -1, 0 or +1.
func (n Decimal) Sign() int { return n.dec.sign() }

// IntegerStep returns the least positive k such that an integer is a
// multiple of n exactly when it is a multiple of k: the numerator of |n|
// in lowest terms (0.5 → 1, 2.5 → 5, 6 → 6). ok is false when k exceeds
// uint64; then no int64 but 0 is a multiple of n. A zero n gives 0, true:
// nothing is a multiple of it (MultipleOf says the same).
func (n Decimal) IntegerStep() (k uint64, ok bool) {
	d := &n.dec
	if d.isZero() {
		return 0, true
	}
	if d.expLit != "" {
		if d.expLit[0] != '-' {
			return 0, false // ≥ 10^(10^17)
		}
		// Below 10^-(10^17): k is D with every 2 and 5 divided out.
		return stripTwosFives(d, 1<<62)
	}
	nd := int64(d.end - d.start)
	q := d.exp + d.adj() - nd // |n| = D × 10^q
	if q >= 0 {
		if q > 19 || nd > 20 {
			return 0, false
		}
		var u uint64
		for i := d.start; i < d.end; i++ {
			c := uint64(d.at(i) - '0')
			if u > (math.MaxUint64-c)/10 {
				return 0, false
			}
			u = u*10 + c
		}
		for ; q > 0; q-- {
			if u > math.MaxUint64/10 {
				return 0, false
			}
			u *= 10
		}
		return u, true
	}
	return stripTwosFives(d, -q)
}

// stripTwosFives returns D / (2^min(v2(D),k) × 5^min(v5(D),k)), the
// numerator of D / 10^k in lowest terms, when it fits uint64.
func stripTwosFives(d *numLit, k int64) (uint64, bool) {
	c, _, _ := d.coef()
	two, five := big.NewInt(2), big.NewInt(5)
	var q, r big.Int
	for _, p := range []*big.Int{two, five} {
		for i := int64(0); i < k && c.Sign() != 0; i++ {
			q.QuoRem(c, p, &r)
			if r.Sign() != 0 {
				break
			}
			c.Set(&q)
		}
	}
	if !c.IsUint64() {
		return 0, false
	}
	return c.Uint64(), true
}

// CmpInt compares v with n exactly and returns -1, 0 or +1. It does not
// allocate.
func CmpInt(v int64, n Decimal) int {
	if n.small {
		return cmpSmall(v, 0, n.m, n.e)
	}
	d := &n.dec
	sn := d.sign()
	sv := sign64(v)
	switch {
	case sv != sn:
		if sv < sn {
			return -1
		}
		return 1
	case sv == 0:
		return 0
	}
	u, frac, ok := d.intPart() // |n| = u + f, 0 ≤ f < 1, f > 0 when frac
	if !ok {
		return -sv // |n| ≥ 10^19 > |v|
	}
	av := abs64(v)
	c := 0 // |v| against |n|
	switch {
	case av < u:
		c = -1
	case av > u:
		c = 1 // |v| ≥ u+1 > |n|
	case frac:
		c = -1
	}
	return c * sv
}
