package jsonvalue

import (
	"errors"
	"math/big"
	"strings"
)

// Numbers are never converted to float64: a literal is read as an exact
// decimal, sign × 0.D × 10^P with D its significant digits, straight from
// the string (no allocation). Two cheaper layers sit on top: a literal with
// at most 18 significant digits and a small exponent becomes m × 10^e with
// m an int64 (the common case for bounds and instances), and only
// multipleOf on values outside that range needs math/big.

// Decimal is an exact decimal bound from a schema (minimum, multipleOf, ...),
// built once per generated package by MustNumber. (It is not called Number
// because that name is the Kind constant.)
type Decimal struct {
	lit   string
	dec   numLit
	small bool // m × 10^e holds the exact value
	m     int64
	e     int
}

// ParseNumber reads a JSON number literal; the generator uses it to reject
// a bad bound before emitting MustNumber.
func ParseNumber(lit string) (Decimal, error) {
	if !validNumber(lit) {
		return Decimal{}, errors.New("jsonvalue: not a JSON number: " + quoteShort(lit))
	}
	n := Decimal{lit: lit, dec: parseNumLit(lit)}
	n.m, n.e, n.small = parseSmall(lit)
	return n, nil
}

// MustNumber is ParseNumber for generated package-level variables, where a
// bad literal is a generator bug.
func MustNumber(lit string) Decimal {
	n, err := ParseNumber(lit)
	if err != nil {
		panic(err)
	}
	return n
}

// String returns the literal n was made from, for error messages.
func (n Decimal) String() string { return n.lit }

// Cmp compares the number literal lit (a Value's Num) with n exactly and
// returns -1, 0 or +1. It does not allocate.
func Cmp(lit string, n Decimal) int {
	if n.small {
		if m, e, ok := parseSmall(lit); ok {
			return cmpSmall(m, e, n.m, n.e)
		}
	}
	a := parseNumLit(lit)
	return cmpNumLit(&a, &n.dec)
}

// MultipleOf reports whether lit divided by n is an integer, exactly, as
// santhosh v5 decides it with big.Rat: 0.3 is a multiple of 0.1, 1e308 of
// 0.5. A zero divisor (which the draft-07 meta-schema forbids) gives false.
func MultipleOf(lit string, n Decimal) bool {
	if n.small {
		if m, e, ok := parseSmall(lit); ok {
			if r, ok := multipleSmall(m, e, n.m, n.e); ok {
				return r
			}
		}
	}
	a := parseNumLit(lit)
	return multipleBig(&a, &n.dec)
}

// NumEqual reports whether two number literals have the same value.
func NumEqual(a, b string) bool {
	if a == b {
		return true
	}
	if ma, ea, ok := parseSmall(a); ok {
		if mb, eb, ok := parseSmall(b); ok {
			return cmpSmall(ma, ea, mb, eb) == 0
		}
	}
	da, db := parseNumLit(a), parseNumLit(b)
	return cmpNumLit(&da, &db) == 0
}

// isIntegerLit reports whether a number literal has no fractional part.
func isIntegerLit(s string) bool {
	if !strings.ContainsAny(s, ".eE") {
		return true // plain integer literal: the overwhelmingly common case
	}
	d := parseNumLit(s)
	return d.isInteger()
}

// validNumber checks the JSON grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return `"` + s + `"`
}

// ---- small layer: m × 10^e with |m| < 10^18 ----

// smallExpMax bounds e so that exponent arithmetic never overflows and
// scaling decisions stay trivial.
const smallExpMax = 1000

var pow10u = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// parseSmall reads a number literal as m × 10^e when it has at most 18
// significant digits (leading zeros not counted) and a small exponent.
func parseSmall(s string) (m int64, e int, ok bool) {
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	var u uint64
	nd := 0
	start := i
	for ; i < len(s) && isDigit(s[i]); i++ {
		if nd == 0 && s[i] == '0' {
			continue
		}
		if nd == 18 {
			return 0, 0, false
		}
		u = u*10 + uint64(s[i]-'0')
		nd++
	}
	if i == start {
		return 0, 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && isDigit(s[i]); i++ {
			if nd == 0 && s[i] == '0' {
				e--
				continue
			}
			if nd == 18 {
				return 0, 0, false
			}
			u = u*10 + uint64(s[i]-'0')
			nd++
			e--
		}
		if e < -smallExpMax {
			return 0, 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		x := 0
		j := i
		for ; i < len(s) && isDigit(s[i]); i++ {
			x = x*10 + int(s[i]-'0')
			if x > smallExpMax {
				return 0, 0, false
			}
		}
		if i == j {
			return 0, 0, false
		}
		if eneg {
			x = -x
		}
		e += x
	}
	if i != len(s) || e < -smallExpMax || e > smallExpMax {
		return 0, 0, false
	}
	if u == 0 {
		return 0, 0, true
	}
	m = int64(u)
	if neg {
		m = -m
	}
	return m, e, true
}

func sign64(m int64) int {
	switch {
	case m < 0:
		return -1
	case m > 0:
		return 1
	}
	return 0
}

func abs64(m int64) uint64 {
	if m < 0 {
		return uint64(-m)
	}
	return uint64(m)
}

// scaleU returns u × 10^k, or false when that exceeds 2^63-1.
func scaleU(u uint64, k int) (uint64, bool) {
	if k == 0 {
		return u, true
	}
	if k >= len(pow10u) {
		return 0, u == 0
	}
	p := pow10u[k]
	if u > (1<<63-1)/p {
		return 0, false
	}
	return u * p, true
}

func cmpSmall(m1 int64, e1 int, m2 int64, e2 int) int {
	s1, s2 := sign64(m1), sign64(m2)
	if s1 != s2 {
		if s1 < s2 {
			return -1
		}
		return 1
	}
	if s1 == 0 {
		return 0
	}
	u1, u2 := abs64(m1), abs64(m2)
	// Bring both to the smaller exponent; a scale that overflows is larger
	// in magnitude than any |m| < 10^18.
	if e1 > e2 {
		var ok bool
		if u1, ok = scaleU(u1, e1-e2); !ok {
			return s1
		}
	} else if e2 > e1 {
		var ok bool
		if u2, ok = scaleU(u2, e2-e1); !ok {
			return -s1
		}
	}
	switch {
	case u1 < u2:
		return -s1
	case u1 > u2:
		return s1
	}
	return 0
}

// multipleSmall decides m1·10^e1 / m2·10^e2 ∈ ℤ with machine integers;
// false in the second result means "too large, use big".
func multipleSmall(m1 int64, e1 int, m2 int64, e2 int) (bool, bool) {
	if m2 == 0 {
		return false, true
	}
	if m1 == 0 {
		return true, true
	}
	e := min(e1, e2)
	x, ok1 := scaleU(abs64(m1), e1-e)
	y, ok2 := scaleU(abs64(m2), e2-e)
	if !ok1 || !ok2 {
		return false, false
	}
	return x%y == 0, true
}

// ---- exact layer: any literal ----

// hugeExp bounds exponents kept as int64; beyond it (|exp| ≥ 10^17, far
// past anything santhosh v5 can even parse) exponents are compared as
// big.Int so that the result stays exact.
const hugeExp = 1e17

// numLit is a number literal seen as sign × 0.D × 10^P, where D are the
// significant digits of intp+frac in [start, end) (no leading or trailing
// zeros) and P = exp + len(intp) - start. It holds substrings of the
// literal only.
type numLit struct {
	neg        bool
	intp, frac string
	start, end int    // significant digits, as offsets into intp+frac
	exp        int64  // written exponent, when |exp| < hugeExp
	expLit     string // written exponent digits with sign, when huge
}

func parseNumLit(s string) numLit {
	var d numLit
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	j := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	d.intp = s[j:i]
	if i < len(s) && s[i] == '.' {
		i++
		j = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		d.frac = s[j:i]
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		j = i
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		for i < len(s) && s[i] == '0' {
			i++
		}
		var x int64
		huge := false
		for k := i; k < len(s) && isDigit(s[k]); k++ {
			x = x*10 + int64(s[k]-'0')
			if x >= hugeExp {
				huge = true
				break
			}
		}
		if huge {
			d.expLit = s[j:]
		} else if neg {
			d.exp = -x
		} else {
			d.exp = x
		}
	}
	n := len(d.intp) + len(d.frac)
	for d.start < n && d.at(d.start) == '0' {
		d.start++
	}
	d.end = n
	for d.end > d.start && d.at(d.end-1) == '0' {
		d.end--
	}
	return d
}

func (d *numLit) at(i int) byte {
	if i < len(d.intp) {
		return d.intp[i]
	}
	return d.frac[i-len(d.intp)]
}

func (d *numLit) isZero() bool { return d.start == d.end }

func (d *numLit) sign() int {
	switch {
	case d.isZero():
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// adj is P minus the written exponent.
func (d *numLit) adj() int64 { return int64(len(d.intp) - d.start) }

// bigPointExp returns P as a big.Int (the rare huge-exponent path).
func (d *numLit) bigPointExp() *big.Int {
	p := new(big.Int)
	if d.expLit != "" {
		p.SetString(strings.TrimPrefix(d.expLit, "+"), 10)
	} else {
		p.SetInt64(d.exp)
	}
	return p.Add(p, big.NewInt(d.adj()))
}

// cmpPointExp compares the P of two nonzero decimals.
func cmpPointExp(a, b *numLit) int {
	if a.expLit == "" && b.expLit == "" {
		pa, pb := a.exp+a.adj(), b.exp+b.adj()
		switch {
		case pa < pb:
			return -1
		case pa > pb:
			return 1
		}
		return 0
	}
	return a.bigPointExp().Cmp(b.bigPointExp())
}

func cmpNumLit(a, b *numLit) int {
	sa, sb := a.sign(), b.sign()
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	c := cmpPointExp(a, b)
	if c == 0 {
		na, nb := a.end-a.start, b.end-b.start
		for i := 0; i < min(na, nb) && c == 0; i++ {
			x, y := a.at(a.start+i), b.at(b.start+i)
			if x < y {
				c = -1
			} else if x > y {
				c = 1
			}
		}
		if c == 0 {
			switch {
			case na < nb:
				c = -1
			case na > nb:
				c = 1
			}
		}
	}
	return c * sa
}

// isInteger: zero, or P ≥ number of significant digits.
func (d *numLit) isInteger() bool {
	if d.isZero() {
		return true
	}
	nd := int64(d.end - d.start)
	if d.expLit != "" {
		return d.expLit[0] != '-'
	}
	return d.exp+d.adj() >= nd
}

// coef returns D as an integer and q such that |value| = D × 10^q; ok is
// false when q is beyond int64 (huge written exponent).
func (d *numLit) coef() (c *big.Int, q int64, ok bool) {
	var buf []byte
	for i := d.start; i < d.end; i++ {
		buf = append(buf, d.at(i))
	}
	c, _ = new(big.Int).SetString(string(buf), 10)
	if d.expLit != "" {
		return c, 0, false
	}
	return c, d.exp + d.adj() - int64(d.end-d.start), true
}

// multipleBig decides a/b ∈ ℤ for any literals. With a = A·10^qa and
// b = B·10^qb, a/b = (A/B)·10^k, k = qa-qb. For k ≥ 0 only the 2s and 5s
// of B can be cancelled by 10^k, and B has fewer than bitlen(B) of each,
// so k is capped there; for k < 0, 10^-k must divide A, impossible once
// it has more digits than A. So no intermediate grows beyond the inputs.
func multipleBig(a, b *numLit) bool {
	if b.isZero() {
		return false
	}
	if a.isZero() {
		return true
	}
	A, qa, oka := a.coef()
	B, qb, okb := b.coef()
	var k int64
	switch {
	case oka && okb:
		k = qa - qb
	default:
		// A huge exponent only matters through its sign once capped.
		ka := new(big.Int).Sub(bigQ(a, qa, oka), bigQ(b, qb, okb))
		if ka.IsInt64() {
			k = ka.Int64()
		} else if ka.Sign() > 0 {
			k = 1 << 62
		} else {
			k = -1 << 62
		}
	}
	ten := big.NewInt(10)
	if k >= 0 {
		k = min(k, int64(B.BitLen()))
		A.Mul(A, new(big.Int).Exp(ten, big.NewInt(k), nil))
		return new(big.Int).Mod(A, B).Sign() == 0
	}
	if -k > int64(a.end-a.start) {
		return false
	}
	B.Mul(B, new(big.Int).Exp(ten, big.NewInt(-k), nil))
	return new(big.Int).Mod(A, B).Sign() == 0
}

func bigQ(d *numLit, q int64, ok bool) *big.Int {
	if ok {
		return big.NewInt(q)
	}
	return new(big.Int).Sub(d.bigPointExp(), big.NewInt(int64(d.end-d.start)))
}
