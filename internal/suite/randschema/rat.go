package randschema

import (
	"math/big"
	"strings"
)

func newRat(s string) (*big.Rat, bool) { return new(big.Rat).SetString(s) }

// ratString writes r as a decimal literal when it has a finite one, else
// as a fraction-free approximation with 10 decimals.
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(10)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
