package jsonvalue

import (
	"math/big"
	"strings"
	"testing"
)

func TestIsInteger(t *testing.T) {
	for lit, want := range map[string]bool{
		"0": true, "-0": true, "0.0": true, "-0.0e-5": true, "1": true, "1.0": true, "1e2": true,
		"1E+2": true, "10e-1": true, "100e-2": true, "1.5": false, "1e-2": false, "0.1": false,
		"1.25e1": false, "1.25e2": true, "12345678901234567890123": true,
		"12345678901234567890123.5": false, "1e400": true, "1e-400": false,
		"1.00000000000000000000000000001": false, "1.000000000000000000000000000000": true,
		"0.000000000000000000000000000001e30": true, "0.000000000000000000000000000001e29": false,
		"1e99999999999999999999": true, "1e-99999999999999999999": false,
		"123e-3": false, "123000e-3": true, "-7": true,
	} {
		v := num(lit)
		if got := v.IsInteger(); got != want {
			t.Errorf("IsInteger(%s) = %v, want %v", lit, got, want)
		}
	}
	if s := str("1"); s.IsInteger() {
		t.Error(`IsInteger("1") on a string`)
	}
}

func TestEqual(t *testing.T) {
	eq := [][2]string{
		{`1`, `1.0`}, {`1`, `1e0`}, {`1`, `10e-1`}, {`1`, `0.1e1`}, {`-0`, `0`}, {`0`, `0.0e99`},
		{`-0.0`, `0e-5`}, {`100`, `1e2`}, {`100`, `1E+2`}, {`1.5`, `15e-1`},
		{`12345678901234567890123`, `1.2345678901234567890123e22`},
		{`1e400`, `10e399`}, {`1e-400`, `0.1e-399`},
		{`1e100000000000000000`, `10e99999999999999999`}, // huge exponent meets ordinary one
		{`"a"`, `"a"`}, {`null`, `null`}, {`true`, `true`},
		{`[1,"a",[2.0]]`, `[1.0,"a",[2]]`},
		{`{"a":1,"b":[1]}`, `{"b":[1.0],"a":1e0}`},
		{`{"a":{"x":1,"y":2}}`, `{"a":{"y":2.0,"x":1}}`},
	}
	ne := [][2]string{
		{`1`, `1.0000000000000000000000001`}, {`1`, `-1`}, {`1e400`, `1e401`},
		{`12345678901234567890123`, `12345678901234567890124`}, {`0.1`, `0.01`},
		{`1`, `"1"`}, {`1`, `true`}, {`0`, `false`}, {`null`, `false`}, {`0`, `null`},
		{`""`, `null`}, {`[]`, `{}`}, {`[1]`, `[1,1]`}, {`[1,2]`, `[2,1]`},
		{`{"a":1}`, `{"a":1,"b":1}`}, {`{"a":1}`, `{"b":1}`}, {`{"a":1}`, `{"a":2}`},
		{`"a"`, `"A"`}, {`"\u00e9"`, `"e\u0301"`}, {`true`, `false`},
		{`1e100000000000000000`, `1e100000000000000001`},
	}
	for _, p := range eq {
		a, b := MustParse(p[0]), MustParse(p[1])
		if !Equal(&a, &b) || !Equal(&b, &a) {
			t.Errorf("Equal(%s, %s) = false, want true", p[0], p[1])
		}
	}
	for _, p := range ne {
		a, b := MustParse(p[0]), MustParse(p[1])
		if Equal(&a, &b) || Equal(&b, &a) {
			t.Errorf("Equal(%s, %s) = true, want false", p[0], p[1])
		}
	}
}

func TestUnique(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`[]`, true}, {`[1]`, true}, {`[1,2]`, true}, {`[1,1.0]`, false}, {`[1,"1"]`, true},
		{`[{"a":1,"b":2},{"b":2,"a":1}]`, false}, {`[[1],[1.0]]`, false}, {`[[1],[1,1]]`, true},
		{`[0,false]`, true}, {`[1,true]`, true}, {`[null,null]`, false}, {`[-0,0]`, false},
		{`[{},[]]`, true}, {`[{"a":[1]},{"a":[1e0]}]`, false},
	}
	for _, tt := range tests {
		v := MustParse(tt.in)
		if got := Unique(v.Items); got != tt.want {
			t.Errorf("Unique(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// Long arrays take the hashed path.
	big := make([]string, 0, 2000)
	for i := range 1000 {
		big = append(big, itoa(i), `"`+itoa(i)+`"`)
	}
	arr := MustParse("[" + strings.Join(big, ",") + "]")
	if !Unique(arr.Items) {
		t.Error("Unique(2000 distinct) = false")
	}
	for _, dup := range []string{`999.0`, `"999"`, `9.99e2`, `-0`} {
		arr := MustParse("[" + strings.Join(big, ",") + "," + dup + "]")
		if dup == `-0` {
			if Unique(arr.Items) {
				t.Errorf("Unique(... , %s) = true, want false (0 is in the array)", dup)
			}
			continue
		}
		if Unique(arr.Items) {
			t.Errorf("Unique(..., %s) = true, want false", dup)
		}
	}
	objs := make([]string, 0, 100)
	for i := range 100 {
		objs = append(objs, `{"a":`+itoa(i)+`,"b":[`+itoa(i)+`]}`)
	}
	objs = append(objs, `{"b":[42.0],"a":4.2e1}`)
	arr = MustParse("[" + strings.Join(objs, ",") + "]")
	if Unique(arr.Items) {
		t.Error("Unique(objects with reordered duplicate) = true")
	}
	if !Unique(arr.Items[:100]) {
		t.Error("Unique(100 distinct objects) = false")
	}
	hugeDup := MustParse(`[1e100000000000000000,` + strings.Repeat(`1,`, 0) + strings.Join(big[:40], ",") + `,10e99999999999999999]`)
	if Unique(hugeDup.Items) {
		t.Error("Unique did not see 1e100000000000000000 == 10e99999999999999999")
	}
}

func TestCmp(t *testing.T) {
	tests := []struct {
		lit, bound string
		want       int
	}{
		{"1", "1", 0}, {"1.0", "1", 0}, {"1e0", "1.000", 0}, {"-0", "0", 0}, {"0", "-0.0", 0},
		{"2", "1", 1}, {"1", "2", -1}, {"-1", "1", -1}, {"1", "-1", 1}, {"-2", "-1", -1},
		{"1.5", "1.4999999999999999999999", 1}, {"1.4999999999999999999999", "1.5", -1},
		{"0.1", "0.10000000000000000001", -1},
		{"9007199254740993", "9007199254740992", 1}, // not distinguishable in float64
		{"1e308", "1e307", 1}, {"1e400", "1e399", 1}, {"-1e400", "1e-400", -1},
		{"1e-400", "0", 1}, {"-1e-400", "0", -1}, {"1e-400", "1e-401", 1},
		{"123456789012345678901234567890", "123456789012345678901234567891", -1},
		{"99999999999999999999", "1e20", -1}, {"100000000000000000000", "1e20", 0},
		{"1e18", "999999999999999999", 1}, {"-1e18", "-999999999999999999", -1},
		{"5", "4.99999999999999999999999999999999", 1},
		{"1e99999999999999999999", "1e400", 1}, {"1e-99999999999999999999", "0", 1},
		{"-1e99999999999999999999", "-1e99999999999999999998", -1},
		{"0.000001", "1e-6", 0}, {"1000", "1e3", 0}, {"12.5", "0.01", 1},
	}
	for _, tt := range tests {
		if got := Cmp(tt.lit, MustNumber(tt.bound)); got != tt.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.lit, tt.bound, got, tt.want)
		}
		if got := Cmp(tt.bound, MustNumber(tt.lit)); got != -tt.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.bound, tt.lit, got, -tt.want)
		}
	}
}

var sink int

func TestCmpNoAlloc(t *testing.T) {
	n := MustNumber("12.5")
	huge := MustNumber("1234567890123456789012345")
	a, b := num("1"), num("1.0")
	allocs := testing.AllocsPerRun(100, func() {
		sink += Cmp("13", n)
		sink += Cmp("-0.25e1", n)
		sink += Cmp("98765432109876543210987654321", huge)
		sink += Cmp("1e400", n)
		sink += Cmp("1e-99999999", n)
		if Equal(&a, &b) && a.IsInteger() && b.IsInteger() {
			sink++
		}
	})
	if allocs != 0 {
		t.Errorf("Cmp/Equal/IsInteger allocate: %v allocs/run", allocs)
	}
}

func TestMultipleOf(t *testing.T) {
	tests := []struct {
		lit, div string
		want     bool
	}{
		{"10", "2", true}, {"7", "2", false}, {"0", "1.5", true}, {"4.5", "1.5", true},
		{"-4.5", "1.5", true}, {"35", "1.5", false}, {"0.0075", "0.0001", true},
		{"0.00751", "0.0001", false}, {"1e308", "0.123456789", false}, {"12391239123", "1e-8", true},
		{"1e308", "0.5", true}, {"0.3", "0.1", true}, {"0.7", "0.1", true}, {"1", "0.1", true},
		{"0.30000000000000004", "0.1", false}, {"1e400", "3", false}, {"3e400", "3", true},
		{"1e400", "0.5", true}, {"1e400", "1e399", true}, {"1e399", "1e400", false},
		{"123456789012345678901234567890", "10", true}, {"123456789012345678901234567891", "10", false},
		{"123456789012345678901234567890", "0.3", true}, {"1e-400", "1e-401", true}, {"1e-401", "1e-400", false},
		{"1e99999999999999999999", "0.5", true}, {"1e99999999999999999999", "7", false},
		{"1e99999999999999999999", "2e3", true}, {"1e-99999999999999999999", "1", false},
		{"5", "0", false}, {"0", "0", false}, {"-0", "7", true}, {"2.5e1", "5", true}, {"25e-1", "5", false},
		{"9223372036854775807", "1", true}, {"9223372036854775807", "7", true}, {"9223372036854775807", "2", false},
	}
	for _, tt := range tests {
		if got := MultipleOf(tt.lit, MustNumber(tt.div)); got != tt.want {
			t.Errorf("MultipleOf(%s, %s) = %v, want %v", tt.lit, tt.div, got, tt.want)
		}
		// Cross-check with big.Rat where it can parse the literals.
		a, ok1 := new(big.Rat).SetString(tt.lit)
		b, ok2 := new(big.Rat).SetString(tt.div)
		if ok1 && ok2 && b.Sign() != 0 {
			if r := new(big.Rat).Quo(a, b).IsInt(); r != tt.want {
				t.Errorf("test table wrong for %s / %s: big.Rat says %v", tt.lit, tt.div, r)
			}
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, ok := range []string{"0", "-0", "1.5", "1e5", "1E-5", "1e+5", "-0.0e00", "123456789012345678901234567890"} {
		if _, err := ParseNumber(ok); err != nil {
			t.Errorf("ParseNumber(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-", "01", "1.", ".1", "1e", "1e+", "+1", "0x10", "1_000", "NaN", " 1", "1 "} {
		if _, err := ParseNumber(bad); err == nil {
			t.Errorf("ParseNumber(%q) accepted", bad)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustNumber did not panic")
		}
	}()
	MustNumber("1.")
}

func TestLength(t *testing.T) {
	for s, want := range map[string]int{
		"": 0, "abc": 3, "é": 1, "e\u0301": 2, "😀": 1, "💩💩": 2, "\xff": 1, "a\xffb": 3, "日本語": 3,
	} {
		if got := Length(s); got != want {
			t.Errorf("Length(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name, s string
		want    bool
	}{
		{"date-time", "1963-06-19T08:30:06.283185Z", true}, {"date-time", "1963-06-19 08:30", false},
		{"date", "2020-02-29", true}, {"date", "2021-02-29", false},
		{"ipv4", "127.0.0.1", true}, {"ipv4", "256.0.0.1", false},
		{"ipv6", "::1", true}, {"ipv6", "12345::", false},
		{"email", "joe@example.com", true}, {"email", "joe", false},
		{"uri", "http://x.y/z", true}, {"uri", "//x", false},
		{"regex", "^a+$", true}, {"regex", "(", false},
		{"no-such-format", "anything", true},
	}
	for _, tt := range tests {
		if got := Format(tt.name, tt.s); got != tt.want {
			t.Errorf("Format(%q, %q) = %v, want %v", tt.name, tt.s, got, tt.want)
		}
	}
	if !FormatKnown("date-time") || FormatKnown("no-such-format") {
		t.Error("FormatKnown wrong")
	}
}
