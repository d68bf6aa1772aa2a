package integers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/gen"
	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/runtime/wire"
)

// The Go types integers.yaml promises in its descriptions: int64 only
// where the keywords confine every valid value to int64.
var (
	_ wire.Integer                = Plain{}.V
	_ int64                       = Int64Range{}.V
	_ int64                       = HalfAbove{}.V
	_ wire.Integer                = JustAbove{}.V
	_ wire.Integer                = TenE19{}.V
	_ int64                       = Exclusive{}.V
	_ int64                       = ExclusiveHalf{}.V
	_ wire.Integer                = AtLeastE19{}.V
	_ wire.Integer                = AboveMax{}.V
	_ wire.Integer                = Thirds{}.V
	_ int64                       = Fives{}.V
	_ wire.Integer                = HugeStep{}.V
	_ wire.Integer                = ConstBig{}.V
	_ int64                       = ConstTwo{}.V
	_ int64                       = ConstHalf{}.V
	_ wire.Integer                = EnumWide{}.V
	_ int64                       = EnumSmall{}.V
	_ int64                       = Empty{}.V
	_ wire.Nullable[wire.Integer] = Nullable{}.V
	_ wire.Nullable[int64]        = NullableEnum{}.V
	_ []wire.Integer              = List{}.V
	_ map[string]wire.Integer     = Table{}.V
	_ wire.Integer                = EitherVInteger{}.Integer
)

// literals are integer literals around int64's ends and beyond, in every
// form JSON allows, plus a few values of other types.
var literals = []string{
	"0", "-0", "-0.0", "1", "-1", "1.0", "1e2", "1E+2", "100e-2", "1.5", "2", "2.0", "3", "5", "6", "7", "10", "15", "100", "101",
	"9223372036854775806", "9223372036854775807", "9223372036854775807.0", "9223372036854775808", "9223372036854775809",
	"-9223372036854775807", "-9223372036854775808", "-9223372036854775809", "-9223372036854775808.5",
	"9.223372036854775807e18", "9.223372036854775808e18", "92233720368547758080e-1",
	"1e19", "-1e19", "1e20", "3e20", "-2e20", "1.5e30", "1e30", "-1e30", "1.0e30", "3e30", "1e400", "-1e400",
	"98249283749234923498293171823948729348710298301928331",
	"-98249283749234923498293171823948729348710298301928331",
	"98249283749234923498293171823948729348710298301928331.5",
	"null", `"1"`, "true", "[]", "{}",
}

// reference compiles each message's payload schema as integers.yaml
// writes it, with santhosh-tekuri/jsonschema v5 under draft-07. (Not the
// embedded bundle: it holds YAML floats as float64, so
// 9223372036854775807.5 reads 9223372036854776000 there.)
func reference(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	root, err := spec.NewLoader().File("integers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*jsonschema.Schema{}
	for _, name := range ServerCodec.Messages {
		b, err := root.Lookup("/components/messages/" + name + "/payload").MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft7
		if err := c.AddResource("s.json", bytes.NewReader(b)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if out[name], err = c.Compile("s.json"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

// TestVerdictsAgreeWithJSONSchema decodes and validates every literal in
// every message with the generated codec and with santhosh-tekuri v5 on
// the same schema: int64 or wire.Integer, the verdict is draft-07's.
func TestVerdictsAgreeWithJSONSchema(t *testing.T) {
	ref := reference(t)
	n, valid := 0, 0
	for _, name := range ServerCodec.Messages {
		k := strings.ToLower(name[:1]) + name[1:]
		for _, lit := range literals {
			v := lit
			switch name {
			case "List":
				v = "[" + lit + "]"
			case "Table":
				v = `{"a":` + lit + "}"
			}
			frame := fmt.Sprintf(`{"k":%q,"v":%s}`, k, v)
			r := ServerCodec.Check([]byte(frame), false)
			if r.Syntax != nil {
				t.Errorf("%s: syntax error %v", frame, r.Syntax)
				continue
			}
			var doc any
			d := json.NewDecoder(strings.NewReader(frame))
			d.UseNumber()
			if err := d.Decode(&doc); err != nil {
				t.Fatal(err)
			}
			want := ref[name].Validate(doc) == nil
			n++
			if want {
				valid++
			}
			if got := r.Valid() && r.Name == name; got != want {
				t.Errorf("%s: generated says valid = %v %v, santhosh-tekuri says %v", frame, got, r.Violations, want)
			}
			for _, v := range r.Violations {
				if v.Message == wire.OutOfRange {
					t.Errorf("%s: %v: a typed integer field reports out of range", frame, v)
				}
			}
		}
	}
	t.Logf("%d verdicts compared, %d valid", n, valid)
	if valid == 0 || valid == n {
		t.Fatalf("all %d verdicts were the same", n)
	}
}

// TestOutOfRangeNamesTheKeyword checks that an int64 field reports a
// literal beyond int64 by the keywords it breaks, once.
func TestOutOfRangeNamesTheKeyword(t *testing.T) {
	for _, tc := range []struct {
		frame string
		want  []string // keyword@pointer
	}{
		{`{"k":"int64Range","v":9223372036854775808}`, []string{"maximum@/v"}},
		{`{"k":"int64Range","v":-1e19}`, []string{"minimum@/v"}},
		{`{"k":"fives","v":1e30}`, []string{"maximum@/v"}},
		{`{"k":"fives","v":1.5e30}`, []string{"maximum@/v"}},
		{`{"k":"fives","v":-12345678901234567891}`, []string{"minimum@/v", "multipleOf@/v"}},
		{`{"k":"enumSmall","v":1e19}`, []string{"enum@/v"}},
		{`{"k":"constTwo","v":2e19}`, []string{"const@/v"}},
		{`{"k":"empty","v":1e19}`, []string{"maximum@/v"}},
		{`{"k":"empty","v":4}`, []string{"minimum@/v"}},
		{`{"k":"nullableEnum","v":1e30}`, []string{"enum@/v"}},
	} {
		r := ServerCodec.Check([]byte(tc.frame), false)
		var got []string
		for _, v := range r.Violations {
			got = append(got, v.Keyword+"@"+v.Pointer)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: violations %v, want %v", tc.frame, r.Violations, tc.want)
		}
	}
}

// TestRoundTrip checks what decoded integers read back as: canonical
// digits within int64, the literal as received beyond.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{`{"k":"plain","v":1.0}`, `{"k":"plain","v":1}`},
		{`{"k":"plain","v":1e2}`, `{"k":"plain","v":100}`},
		{`{"k":"plain","v":-0}`, `{"k":"plain","v":0}`},
		{`{"k":"plain","v":-9223372036854775808}`, `{"k":"plain","v":-9223372036854775808}`},
		{`{"k":"plain","v":9223372036854775808}`, `{"k":"plain","v":9223372036854775808}`},
		{`{"k":"plain","v":1.0e30}`, `{"k":"plain","v":1.0e30}`},
		{`{"k":"list","v":[98249283749234923498293171823948729348710298301928331, 7]}`, `{"k":"list","v":[98249283749234923498293171823948729348710298301928331,7]}`},
		{`{"k":"table","v":{"a":-1e30}}`, `{"k":"table","v":{"a":-1e30}}`},
		{`{"k":"nullable","v":1e19}`, `{"k":"nullable","v":1e19}`},
		{`{"k":"either","v":1e19}`, `{"k":"either","v":1e19}`},
	} {
		m, err := DecodeServerMessage([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		b, err := json.Marshal(m)
		if err != nil || string(b) != tc.out {
			t.Errorf("%s: marshals as %s, %v; want %s", tc.in, b, err, tc.out)
		}
	}
	m, err := DecodeServerMessage([]byte(`{"k":"either","v":12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := m.(*Either).V.(EitherVInteger)
	if !ok || e.String() != "12345678901234567890" || e.Big().String() != "12345678901234567890" {
		t.Errorf("union branch: %#v", m.(*Either).V)
	}
}

// TestValidateValuesBuiltInCode checks Validate on Integers made in code,
// which never passed the decoder.
func TestValidateValuesBuiltInCode(t *testing.T) {
	big := func(lit string) wire.Integer {
		v, err := wire.ParseInteger(lit)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		m     wire.Message
		valid bool
	}{
		{&AtLeastE19{K: "atLeastE19", V: big("1e19")}, true},
		{&AtLeastE19{K: "atLeastE19", V: wire.NewInteger(1 << 62)}, false},
		{&Thirds{K: "thirds", V: big("3e30")}, true},
		{&Thirds{K: "thirds", V: big("1e30")}, false},
		{&ConstBig{K: "constBig", V: big("1000000000000000000000000000000")}, true},
		{&EnumWide{K: "enumWide", V: big("9223372036854775808")}, true},
		{&EnumWide{K: "enumWide", V: wire.NewInteger(1)}, true},
		{&EnumWide{K: "enumWide", V: wire.NewInteger(2)}, false},
		{&List{K: "list", V: []wire.Integer{big("1e30"), big("-1e30")}}, false},
		{&Fives{K: "fives", V: 95}, true},
		{&Fives{K: "fives", V: 96}, false},
	} {
		if err := tc.m.Validate(); (err == nil) != tc.valid {
			t.Errorf("%#v: Validate = %v, want valid %v", tc.m, err, tc.valid)
		}
	}
}

// TestGeneratedUpToDate regenerates the package from integers.yaml and
// compares it with the committed files: go generate in this folder
// rewrites them.
func TestGeneratedUpToDate(t *testing.T) {
	_, files, err := gen.Files("integers.yaml", gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		have, err := os.ReadFile(filepath.Join(".", f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, f.Src) {
			t.Errorf("%s is stale: run go generate ./internal/suite/integers", f.Name)
		}
	}
}
