package jsonvalue

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestKindString(t *testing.T) {
	want := []string{"null", "boolean", "number", "string", "array", "object"}
	for k := Null; k <= Object; k++ {
		if got := k.String(); got != want[k] {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want[k])
		}
	}
	if got := Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}

func num(lit string) Value { return Value{Kind: Number, Num: lit} }
func str(s string) Value   { return Value{Kind: String, Str: s} }

func TestParse(t *testing.T) {
	ignoreIndex := cmpopts.IgnoreUnexported(Value{})
	tests := []struct {
		in   string
		want Value
	}{
		{`null`, Value{Kind: Null}},
		{` true `, Value{Kind: Bool, Bool: true}},
		{"\n\tfalse\r\n", Value{Kind: Bool}},
		{`0`, num("0")},
		{`-0`, num("-0")},
		{`-12.5e+3`, num("-12.5e+3")},
		{`1E400`, num("1E400")},
		{`123456789012345678901234567890.000000000000000000001`, num("123456789012345678901234567890.000000000000000000001")},
		{`"a\u00e9\ud83d\ude00\n"`, str("aé😀\n")},
		// Lone surrogates become U+FFFD as in encoding/json, and do not
		// swallow a valid pair after them.
		{`"\ud800"`, str("\ufffd")},
		{`"\ud800\ud800\udc00"`, str("\ufffd\U00010000")},
		{`"\udc00\uD800\uDC00x"`, str("\ufffd\U00010000x")},
		{`"\ud800\u0041"`, str("\ufffdA")},
		{`"\\ud800"`, str(`\ud800`)},
		{`{"\ud800\ud800\udc00":1}`, Value{Kind: Object, Keys: []string{"\ufffd\U00010000"}, Vals: []Value{num("1")}}},
		{`[]`, Value{Kind: Array, Items: []Value{}}},
		{`[1, "x", [null]]`, Value{Kind: Array, Items: []Value{num("1"), str("x"), {Kind: Array, Items: []Value{{Kind: Null}}}}}},
		{`{}`, Value{Kind: Object, Keys: []string{}, Vals: []Value{}}},
		{`{"b":1,"a":2}`, Value{Kind: Object, Keys: []string{"b", "a"}, Vals: []Value{num("1"), num("2")}}},
		// Duplicates: the last value wins at the first position.
		{`{"a":1,"b":2,"a":3}`, Value{Kind: Object, Keys: []string{"a", "b"}, Vals: []Value{num("3"), num("2")}}},
	}
	for _, tt := range tests {
		got, err := Parse([]byte(tt.in))
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, ignoreIndex); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		``, ` `, `nul`, `tru`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `"abc`, `[1,]`, `{"a"}`, `{"a":1,}`,
		`{1:2}`, `1 2`, `[][0,`, `1 [`, `{}{`, `"a" "`, `null,`, `{} x`, `[]]`, `"a"b`, `NaN`, `Infinity`, `'a'`,
	} {
		if v, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = %v, want error", in, v.String())
		}
	}
}

func TestParseDepth(t *testing.T) {
	nest := func(n int, open, close string) []byte {
		return []byte(strings.Repeat(open, n) + strings.Repeat(close, n))
	}
	if _, err := Parse(nest(MaxDepth, "[", "]")); err != nil {
		t.Errorf("depth %d arrays: %v", MaxDepth, err)
	}
	if _, err := Parse(nest(MaxDepth+1, "[", "]")); err == nil {
		t.Errorf("depth %d arrays: no error", MaxDepth+1)
	}
	deepObj := []byte(strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1))
	if _, err := Parse(deepObj); err == nil {
		t.Errorf("depth %d objects: no error", MaxDepth+1)
	}
}

func TestParseDuplicatesLarge(t *testing.T) {
	// More than indexMin keys, so the index path handles the duplicates.
	var b strings.Builder
	b.WriteString("{")
	for i := range 20 {
		b.WriteString(`"k` + string(rune('a'+i)) + `":` + string(rune('0'+i%10)) + ",")
	}
	b.WriteString(`"ka":"last","kt":"end"}`)
	v := MustParse(b.String())
	if len(v.Keys) != 20 || v.Keys[0] != "ka" || v.Keys[19] != "kt" {
		t.Fatalf("keys = %v", v.Keys)
	}
	if got, ok := v.Get("ka"); !ok || got.Str != "last" {
		t.Errorf(`Get("ka") = %v, %v`, got, ok)
	}
	if got, ok := v.Get("kt"); !ok || got.Str != "end" {
		t.Errorf(`Get("kt") = %v, %v`, got, ok)
	}
	if _, ok := v.Get("zz"); ok {
		t.Error(`Get("zz") found`)
	}
}

func TestGet(t *testing.T) {
	v := MustParse(`{"a":1,"b":{"c":null}}`)
	if got, ok := v.Get("b"); !ok || got.Kind != Object {
		t.Fatalf(`Get("b") = %v, %v`, got, ok)
	}
	if _, ok := v.Get("c"); ok {
		t.Error(`Get("c") found a nested key`)
	}
	// Hand-built values have no index and are scanned.
	h := Value{Kind: Object, Keys: make([]string, 12), Vals: make([]Value, 12)}
	for i := range h.Keys {
		h.Keys[i] = strings.Repeat("x", i+1)
		h.Vals[i] = num("1")
	}
	if _, ok := h.Get("xxxxxxxxxxxx"); !ok {
		t.Error("hand-built Get failed")
	}
}

func TestGetLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 10000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"key`)
		b.WriteString(strings.Repeat("0", 5-len(itoa(i))) + itoa(i))
		b.WriteString(`":` + itoa(i))
	}
	b.WriteString("}")
	v := MustParse(b.String())
	if len(v.Keys) != 10000 {
		t.Fatalf("len = %d", len(v.Keys))
	}
	for i := 0; i < 10000; i += 7 {
		got, ok := v.Get("key" + strings.Repeat("0", 5-len(itoa(i))) + itoa(i))
		if !ok || got.Num != itoa(i) {
			t.Fatalf("Get key %d = %v, %v", i, got, ok)
		}
	}
	if !Equal(&v, &v) {
		t.Error("large object not Equal to itself")
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic")
		}
	}()
	MustParse(`{`)
}

func TestTypeName(t *testing.T) {
	for in, want := range map[string]string{
		`null`: "null", `true`: "boolean", `1`: "integer", `1.0`: "integer", `1.5`: "number",
		`1e-2`: "number", `"s"`: "string", `[]`: "array", `{}`: "object",
	} {
		v := MustParse(in)
		if got := v.TypeName(); got != want {
			t.Errorf("TypeName(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	in := `{"a":[1,-2.50e3,"x\"y\n",true,false,null,{}],"b":{"c":[]}}`
	v := MustParse(in)
	if got := v.String(); got != in {
		t.Errorf("String() = %s, want %s", got, in)
	}
}

// Generated validators share MustParse constants across goroutines and
// parse frames concurrently (the scratch pool); -race checks both.
func TestConcurrentUse(t *testing.T) {
	shared := MustParse(`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":[8.0,"x"],"k9":{"a":null}}`)
	text := []byte(`{"k9":{"a":null},"k8":[8,"x"],"k7":7,"k6":6e0,"k5":5,"k4":4,"k3":3,"k2":2,"k1":1,"k0":0.0}`)
	done := make(chan bool)
	for range 8 {
		go func() {
			ok := true
			for range 200 {
				v, err := Parse(text)
				ok = ok && err == nil && Equal(&v, &shared)
				_, found := shared.Get("k8")
				ok = ok && found
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("concurrent Parse/Equal/Get gave a wrong result")
		}
	}
}
