package jsonvalue

import (
	"bytes"
	"encoding/json"
	"math/big"
	"testing"
	"unicode/utf8"
)

var parseSeeds = []string{
	`null`, `true`, ` false `, `0`, `-0.0e-0`, `1e400`, `123456789012345678901234567890.5`,
	`"a\u00e9\ud83d\ude00\n\"\\\/\b\f\r\t"`, `"\ud800"`, `"\udc00\ud800"`, `"\ud800\ud800\udc00"`, `"\ud800\n"`, `"\ud800\u0041"`, `[]`, `[1,[2,[3]]]`, `{}`,
	`{"a":1,"a":2}`, `{"a":{"b":[{"c":null}]}}`, `[1,]`, `{"a"}`, `01`, `1.`, "\"\x01\"", `"\x`,
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k0":10}`,
}

// FuzzParse: Parse never panics, accepts every valid JSON text (valid
// UTF-8), rejects invalid ones, agrees with encoding/json on the value, and
// AppendJSON round-trips.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if !utf8.Valid(data) {
			return // jx keeps invalid UTF-8 as is; encoding/json rewrites it
		}
		valid := json.Valid(data)
		if valid != (err == nil) {
			t.Fatalf("Parse(%q) err = %v, encoding/json valid = %v", data, err, valid)
		}
		if err != nil {
			return
		}
		if !Equal(&v, &v) {
			t.Fatalf("Parse(%q): value not Equal to itself", data)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var std any
		if err := dec.Decode(&std); err != nil {
			t.Fatal(err)
		}
		if !sameAsStd(&v, std) {
			t.Fatalf("Parse(%q) = %s, encoding/json has %#v", data, v.String(), std)
		}
		out := v.AppendJSON(nil)
		w, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse of %s: %v", out, err)
		}
		if !Equal(&v, &w) || w.String() != string(out) {
			t.Fatalf("round trip %q -> %s -> %s", data, out, w.String())
		}
	})
}

// sameAsStd compares v with encoding/json's decoding of the same text.
func sameAsStd(v *Value, std any) bool {
	switch s := std.(type) {
	case nil:
		return v.Kind == Null
	case bool:
		return v.Kind == Bool && v.Bool == s
	case json.Number:
		return v.Kind == Number && v.Num == string(s)
	case string:
		return v.Kind == String && v.Str == s
	case []any:
		if v.Kind != Array || len(v.Items) != len(s) {
			return false
		}
		for i := range s {
			if !sameAsStd(&v.Items[i], s[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		if v.Kind != Object || len(v.Keys) != len(s) {
			return false
		}
		for k, sv := range s {
			m, ok := v.Get(k)
			if !ok || !sameAsStd(m, sv) {
				return false
			}
		}
		return true
	}
	return false
}

// FuzzEqualNumbers: for two JSON number literals, Equal, Cmp, IsInteger
// and MultipleOf agree with big.Rat, which is what santhosh v5 uses.
func FuzzEqualNumbers(f *testing.F) {
	seeds := [][2]string{
		{"1", "1.0"}, {"1", "1e0"}, {"-0", "0"}, {"0.1", "1e-1"}, {"1e400", "10e399"},
		{"123456789012345678901234567890", "1.2345678901234567890123456789e29"},
		{"9007199254740993", "9007199254740992"}, {"0.3", "0.1"}, {"1e308", "0.5"},
		{"-12.5", "2.5"}, {"999999999999999999", "1e18"}, {"1e-7", "0.0000001"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !validNumber(a) || !validNumber(b) || len(a)+len(b) > 200 {
			return
		}
		ra, ok1 := new(big.Rat).SetString(a)
		rb, ok2 := new(big.Rat).SetString(b)
		if !ok1 || !ok2 {
			return // exponent beyond what big.Rat (and so santhosh v5) parses
		}
		want := ra.Cmp(rb)
		va, vb := num(a), num(b)
		if got := Equal(&va, &vb); got != (want == 0) {
			t.Fatalf("Equal(%s, %s) = %v, big.Rat Cmp = %d", a, b, got, want)
		}
		if got := Cmp(a, MustNumber(b)); got != want {
			t.Fatalf("Cmp(%s, %s) = %d, big.Rat %d", a, b, got, want)
		}
		if got := va.IsInteger(); got != ra.IsInt() {
			t.Fatalf("IsInteger(%s) = %v, big.Rat %v", a, got, ra.IsInt())
		}
		if rb.Sign() != 0 {
			if got, want := MultipleOf(a, MustNumber(b)), new(big.Rat).Quo(ra, rb).IsInt(); got != want {
				t.Fatalf("MultipleOf(%s, %s) = %v, big.Rat %v", a, b, got, want)
			}
		}
		if (hashValue(&va) == hashValue(&vb)) != (want == 0) && want == 0 {
			t.Fatalf("Equal numbers %s, %s hash differently", a, b)
		}
	})
}
