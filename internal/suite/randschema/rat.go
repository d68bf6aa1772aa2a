package randschema

import (
	"math/big"
	"strings"
)

func newRat(s string) (*big.Rat, bool) { return new(big.Rat).SetString(s) }

// ratString writes r as a decimal literal, exact to 30 decimals (enough
// for the 1e-20 nudges that float64 cannot see).
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(30)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
