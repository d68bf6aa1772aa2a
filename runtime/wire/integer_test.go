package wire

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/go-faster/jx"

	"github.com/wsbind/wsbind/runtime/jsonvalue"
)

func mustInteger(t testing.TB, lit string) Integer {
	t.Helper()
	v, err := ParseInteger(lit)
	if err != nil {
		t.Fatalf("ParseInteger(%s): %v", lit, err)
	}
	return v
}

func TestIntegerReadsBack(t *testing.T) {
	for _, tc := range []struct {
		lit, str string
		fits     bool
	}{
		{"0", "0", true},
		{"-0", "0", true},
		{"1.0", "1", true},
		{"1e2", "100", true},
		{"-1.00E+2", "-100", true},
		{"9223372036854775807", "9223372036854775807", true},
		{"-9223372036854775808", "-9223372036854775808", true},
		{"9.223372036854775807e18", "9223372036854775807", true},
		{"9223372036854775808", "9223372036854775808", false},
		{"-9223372036854775809", "-9223372036854775809", false},
		{"1e30", "1e30", false},
		{"1.0e19", "1.0e19", false},
		{"98249283749234923498293171823948729348710298301928331", "98249283749234923498293171823948729348710298301928331", false},
	} {
		v := mustInteger(t, tc.lit)
		if v.String() != tc.str || v.IsInt64() != tc.fits {
			t.Errorf("%s: String %q IsInt64 %v; want %q %v", tc.lit, v.String(), v.IsInt64(), tc.str, tc.fits)
		}
		b, err := json.Marshal(v)
		if err != nil || string(b) != tc.str {
			t.Errorf("%s: marshals as %s, %v", tc.lit, b, err)
		}
		e := jx.GetEncoder()
		v.Encode(e)
		if string(e.Bytes()) != tc.str {
			t.Errorf("%s: encodes as %s", tc.lit, e.Bytes())
		}
		jx.PutEncoder(e)
		want, _ := new(big.Rat).SetString(tc.lit)
		if got := v.Big(); got == nil || got.Cmp(want.Num()) != 0 {
			t.Errorf("%s: Big = %v", tc.lit, got)
		}
		var back Integer
		if err := json.Unmarshal([]byte(tc.lit), &back); err != nil || !back.Equal(v) {
			t.Errorf("%s: unmarshals as %v, %v", tc.lit, back, err)
		}
	}
	for _, bad := range []string{"1.5", "1e-1", "9223372036854775807.5", "abc", "", "01"} {
		if _, err := ParseInteger(bad); err == nil {
			t.Errorf("ParseInteger(%q) accepted", bad)
		}
	}
	var v Integer
	if err := json.Unmarshal([]byte(`"1"`), &v); err == nil {
		t.Error(`Unmarshal "1" accepted a string`)
	}
	if err := json.Unmarshal([]byte(`2.5`), &v); err == nil {
		t.Error("Unmarshal 2.5 accepted a fraction")
	}
}

func TestIntegerCompares(t *testing.T) {
	lits := []string{"-1e30", "-9223372036854775809", "-9223372036854775808", "-1", "0", "1", "9223372036854775807", "9223372036854775808", "1e19", "10000000000000000000", "1e30"}
	for _, a := range lits {
		for _, b := range lits {
			x, y := mustInteger(t, a), mustInteger(t, b)
			ra, _ := new(big.Rat).SetString(a)
			rb, _ := new(big.Rat).SetString(b)
			want := ra.Cmp(rb)
			if got := x.Cmp(y); got != want {
				t.Errorf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
			}
			if x.Equal(y) != (want == 0) {
				t.Errorf("Equal(%s, %s) = %v", a, b, x.Equal(y))
			}
			if got := x.CmpDecimal(jsonvalue.MustNumber(b)); got != want {
				t.Errorf("CmpDecimal(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
		if got, want := mustInteger(t, a).Sign(), strings.Count(a[:1], "-"); (got < 0) != (want == 1) {
			t.Errorf("Sign(%s) = %d", a, got)
		}
	}
}

// oracle is draft-07's verdict on one keyword, from jsonvalue's exact
// arithmetic on the literals.
func oracle(keyword, bound, lit string) bool {
	d := jsonvalue.MustNumber(bound)
	c := jsonvalue.Cmp(lit, d)
	switch keyword {
	case "minimum":
		return c >= 0
	case "exclusiveMinimum":
		return c > 0
	case "maximum":
		return c <= 0
	case "exclusiveMaximum":
		return c < 0
	case "multipleOf":
		return jsonvalue.MultipleOf(lit, d)
	case "const":
		return c == 0
	}
	panic(keyword)
}

// TestIntegerRuleIsExact holds CheckInt and CheckInteger to the oracle on
// bounds and values at and around int64's ends, in several spellings: the
// int64 thresholds NewIntegerRule derives must mean what the decimals say.
func TestIntegerRuleIsExact(t *testing.T) {
	bounds := []string{
		"0", "-0", "0.5", "-0.5", "1", "-1", "2.5", "-2.5", "1e-400",
		"9223372036854775806", "9223372036854775807", "9223372036854775807.5", "9223372036854775808",
		"-9223372036854775807", "-9223372036854775808", "-9223372036854775808.5", "-9223372036854775809",
		"1e19", "-1e19", "9.2e18", "1e400", "-1e400", "1e99999999999999999999", "-1e99999999999999999999",
	}
	multiples := []string{"1", "2", "3", "0.5", "2.5", "0.75", "7", "1e18", "1e19", "1e20", "9223372036854775808", "1e-400"}
	values := []string{
		"0", "1", "-1", "2", "3", "5", "6", "15", "-15",
		"9223372036854775806", "9223372036854775807", "-9223372036854775807", "-9223372036854775808",
		"9200000000000000000", "1000000000000000000", "-5000000000000000000",
		"9223372036854775808", "-9223372036854775809", "1e19", "-1e19", "2e19", "1e30", "-1e30", "1e20", "3e20", "1e400",
	}
	check := func(kw IntegerKeywords, keyword, bound string) {
		r := NewIntegerRule(kw)
		for _, lit := range values {
			v := mustInteger(t, lit)
			s := &Scope{}
			CheckInteger(s, "", v, r)
			if got, want := len(s.Violations) == 0, oracle(keyword, bound, lit); got != want {
				t.Errorf("%s %s, value %s: valid = %v, want %v (%v)", keyword, bound, lit, got, want, s.Violations)
			}
			if x, ok := v.Int64(); ok {
				s := &Scope{}
				CheckInt(s, "k", x, r)
				if got, want := len(s.Violations) == 0, oracle(keyword, bound, lit); got != want {
					t.Errorf("CheckInt %s %s, value %s: valid = %v, want %v", keyword, bound, lit, got, want)
				}
				if len(s.Violations) > 0 && (s.Violations[0].Pointer != "/k" || s.Violations[0].Keyword != keyword) {
					t.Errorf("CheckInt reports %v", s.Violations)
				}
			}
		}
	}
	for _, b := range bounds {
		check(IntegerKeywords{Minimum: b}, "minimum", b)
		check(IntegerKeywords{ExclusiveMinimum: b}, "exclusiveMinimum", b)
		check(IntegerKeywords{Maximum: b}, "maximum", b)
		check(IntegerKeywords{ExclusiveMaximum: b}, "exclusiveMaximum", b)
		check(IntegerKeywords{Const: b}, "const", b)
	}
	for _, m := range multiples {
		check(IntegerKeywords{MultipleOf: m}, "multipleOf", m)
	}
}

func TestIntegerRuleEnum(t *testing.T) {
	r := NewIntegerRule(IntegerKeywords{Enum: []string{"1", "2.0", "9223372036854775808", "1.5", "1e30"}})
	for lit, want := range map[string]bool{
		"1": true, "2": true, "1.0": true, "9223372036854775808": true, "1e30": true, "1000000000000000000000000000000": true,
		"0": false, "3": false, "9223372036854775807": false, "1e31": false,
	} {
		s := &Scope{}
		CheckInteger(s, "", mustInteger(t, lit), r)
		if got := len(s.Violations) == 0; got != want {
			t.Errorf("enum, %s: valid = %v, want %v", lit, got, want)
		}
	}
	s := &Scope{}
	CheckInt(s, "", 5, NewIntegerRule(IntegerKeywords{Enum: []string{}}))
	if len(s.Violations) != 1 || s.Violations[0].Message != "not one of " {
		t.Errorf("an empty enum admits nothing: %v", s.Violations)
	}
}

func decodeOne(t testing.TB, frame string, fn func(d *jx.Decoder, s *Scope) error) *Scope {
	t.Helper()
	s := &Scope{}
	d := jx.DecodeStr(frame)
	s.SetFrame([]byte(frame))
	if err := fn(d, s); err != nil {
		t.Fatalf("%s: %v", frame, err)
	}
	return s
}

func TestAnyInt(t *testing.T) {
	for frame, want := range map[string]string{
		`12`: "12", `-0`: "0", `1.0`: "1", `1e2`: "100", `1e30`: "1e30",
		`-98249283749234923498293171823948729348710298301928331`: "-98249283749234923498293171823948729348710298301928331",
	} {
		var got Integer
		s := decodeOne(t, frame, func(d *jx.Decoder, s *Scope) (err error) {
			got, err = AnyInt(d, s, "")
			return err
		})
		if len(s.Violations) != 0 || got.String() != want {
			t.Errorf("%s: %v %v", frame, got, s.Violations)
		}
	}
	for _, frame := range []string{`1.5`, `1e-1`, `"1"`, `null`} {
		s := decodeOne(t, frame, func(d *jx.Decoder, s *Scope) error {
			_, err := AnyInt(d, s, "n")
			return err
		})
		if len(s.Violations) != 1 || s.Violations[0].Keyword != "type" || s.Violations[0].Pointer != "/n" {
			t.Errorf("%s: %v", frame, s.Violations)
		}
	}
}

// TestIntInNamesTheKeyword checks that an int64 field reports a literal
// beyond int64 by the keywords it breaks, skipped for Validate.
func TestIntInNamesTheKeyword(t *testing.T) {
	r := NewIntegerRule(IntegerKeywords{Minimum: "0", Maximum: "9223372036854775807", MultipleOf: "2"})
	for frame, want := range map[string]string{
		`9223372036854775808`:     "maximum",
		`9223372036854775809`:     "maximum multipleOf",
		`-1e30`:                   "minimum",
		`1e19`:                    "maximum",
		`12`:                      "",
		`12.0`:                    "",
		`9223372036854775806`:     "",
		`9.223372036854775806e18`: "",
		`1.5`:                     "type",
	} {
		var got int64
		s := decodeOne(t, frame, func(d *jx.Decoder, s *Scope) (err error) {
			got, err = IntIn(d, s, "n", r)
			return err
		})
		var kws []string
		for _, v := range s.Violations {
			kws = append(kws, v.Keyword)
			if v.Pointer != "/n" {
				t.Errorf("%s: pointer %q", frame, v.Pointer)
			}
		}
		if strings.Join(kws, " ") != want {
			t.Errorf("%s: %v, want %s", frame, s.Violations, want)
		}
		if want != "" && want != "type" && !Covered(s.Skipped, "/n") {
			t.Errorf("%s: not marked skipped", frame)
		}
		if want == "" && fmt.Sprint(got) != mustInteger(t, frame).String() {
			t.Errorf("%s: decoded %d", frame, got)
		}
	}
}

// TestIntegerAllocatesNothing is the zero-allocation promise: decoding and
// checking integers within int64, in an Integer or an int64 field, costs
// no allocation.
func TestIntegerAllocatesNothing(t *testing.T) {
	frame := []byte(`[1234567890123, -9223372036854775808, 0, 42]`)
	r := NewIntegerRule(IntegerKeywords{Minimum: "-9223372036854775808", Maximum: "9223372036854775807.5", MultipleOf: "0.5", Enum: []string{"1234567890123", "-9223372036854775808", "0", "42"}})
	d := jx.GetDecoder()
	s := GetScope()
	n := testing.AllocsPerRun(200, func() {
		d.ResetBytes(frame)
		s.SetFrame(frame)
		_ = d.Arr(func(d *jx.Decoder) error {
			if d.Next() != jx.Number {
				return nil
			}
			v, err := AnyInt(d, s, "")
			CheckInteger(s, "", v, r)
			return err
		})
		d.ResetBytes(frame)
		_ = d.Arr(func(d *jx.Decoder) error {
			v, err := IntIn(d, s, "", r)
			CheckInt(s, "", v, r)
			return err
		})
	})
	if n != 0 || len(s.Violations) != 0 {
		t.Errorf("%v allocations per run, violations %v", n, s.Violations)
	}
}

func BenchmarkIntegerDecode(b *testing.B) {
	frame := []byte(`[1234567890123, 42, -7, 1700000000000]`)
	r := NewIntegerRule(IntegerKeywords{Minimum: "0", Maximum: "9223372036854775807"})
	for _, bc := range []struct {
		name string
		fn   func(d *jx.Decoder, s *Scope) error
	}{
		{"Int", func(d *jx.Decoder, s *Scope) error { _, err := Int(d, s, ""); return err }},
		{"IntIn", func(d *jx.Decoder, s *Scope) error { _, err := IntIn(d, s, "", r); return err }},
		{"AnyInt", func(d *jx.Decoder, s *Scope) error { _, err := AnyInt(d, s, ""); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d := jx.GetDecoder()
			s := GetScope()
			b.ReportAllocs()
			for b.Loop() {
				d.ResetBytes(frame)
				s.SetFrame(frame)
				if err := d.Arr(func(d *jx.Decoder) error { return bc.fn(d, s) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzIntegerRule holds CheckInteger, and CheckInt where the value fits,
// to the exact oracle for any bound and integer literal.
func FuzzIntegerRule(f *testing.F) {
	keywords := []string{"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf", "const"}
	f.Add(uint8(0), "9223372036854775807.5", "9223372036854775807")
	f.Add(uint8(1), "-9223372036854775809", "-9223372036854775808")
	f.Add(uint8(3), "1e19", "9.2e18")
	f.Add(uint8(4), "0.75", "-9223372036854775806")
	f.Add(uint8(5), "2.0", "2e0")
	f.Fuzz(func(t *testing.T, k uint8, bound, lit string) {
		if _, err := jsonvalue.ParseNumber(bound); err != nil || len(bound) > 64 || len(lit) > 64 {
			return
		}
		v, err := ParseInteger(lit)
		if err != nil {
			return
		}
		keyword := keywords[int(k)%len(keywords)]
		if keyword == "multipleOf" && jsonvalue.MustNumber(bound).Sign() <= 0 {
			return
		}
		var kw IntegerKeywords
		*map[string]*string{
			"minimum": &kw.Minimum, "exclusiveMinimum": &kw.ExclusiveMinimum, "maximum": &kw.Maximum,
			"exclusiveMaximum": &kw.ExclusiveMaximum, "multipleOf": &kw.MultipleOf, "const": &kw.Const,
		}[keyword] = bound
		r := NewIntegerRule(kw)
		want := oracle(keyword, bound, lit)
		s := &Scope{}
		CheckInteger(s, "", v, r)
		if got := len(s.Violations) == 0; got != want {
			t.Fatalf("%s %s, value %s: CheckInteger valid = %v, want %v", keyword, bound, lit, got, want)
		}
	})
}
