package schema

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
)

// maxExp bounds the exponents compared exactly: big.Rat would spend
// memory in proportion to 1e1000000000's exponent.
const maxExp = 10000

func ratOf(lit string) (*big.Rat, bool) {
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(lit[i+1:], "+"))
		if err != nil || e > maxExp || e < -maxExp {
			return nil, false
		}
	}
	return new(big.Rat).SetString(lit)
}

// decodeJSON decodes JSON text keeping numbers as json.Number, so that
// equality can be exact.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// valueEqual is JSON equality as draft-07 defines it for enum, const and
// uniqueItems: numbers by mathematical value (1 equals 1.0), objects
// regardless of key order.
func valueEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, okx := ratOf(string(x))
		ry, oky := ratOf(string(y))
		if !okx || !oky {
			return x == y
		}
		return rx.Cmp(ry) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valueEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !valueEqual(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}
