package shapes

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsbind/wsbind/gen"
	"github.com/wsbind/wsbind/runtime/schemacheck"
	"github.com/wsbind/wsbind/runtime/wire"
)

// frame is one test frame: the message it must decode as ("" for a frame
// no message of its direction matches) and whether it is valid.
type frame struct {
	json  string
	name  string
	valid bool
}

var serverFrames = []frame{
	// Text: a string of 1 to 8 lower-case letters.
	{`"hello"`, "Text", true},
	{`"Hello"`, "Text", false},
	{`""`, "Text", false},
	{`"abcdefghi"`, "Text", false},
	// Numbers: up to three integers from 0 to 9.
	{`[]`, "Numbers", true},
	{`[0, 9, 3]`, "Numbers", true},
	{`[1, 2, 3, 4]`, "Numbers", false},
	{`[10]`, "Numbers", false},
	{`[1.5]`, "Numbers", false},
	{`["1"]`, "Numbers", false},
	{`[9.0, 1e0]`, "Numbers", true},
	{`[1e19]`, "Numbers", false},
	{`[-98249283749234923498293171823948729348710298301928331]`, "Numbers", false},
	// Count: an integer from 0 to 10, or null.
	{`5`, "Count", true},
	{`null`, "Count", true},
	{`0`, "Count", true},
	{`11`, "Count", false},
	{`-1`, "Count", false},
	{`2.5`, "Count", false},
	{`1e2`, "Count", false},
	{`10.0`, "Count", true},
	{`9223372036854775808`, "Count", false},
	// Choice: a boolean, or an object with an id of at least 1.
	{`true`, "Choice", true},
	{`false`, "Choice", true},
	{`{"id": 7}`, "Choice", true},
	{`{"id": 7, "extra": "ok"}`, "Choice", true},
	{`{"id": 0}`, "Choice", false},
	{`{"id": 1e30}`, "Choice", true},
	{`{"id": 98249283749234923498293171823948729348710298301928331}`, "Choice", true},
	{`{"id": -1e30}`, "Choice", false},
	{`{"id": 1.5e30}`, "Choice", true},
	{`{"id": 1.0000000000000000000000000000001e30}`, "Choice", false},
	{`{}`, "Choice", false},
	{`{"id": "7"}`, "Choice", false},
}

var clientFrames = []frame{
	// Anything: a string of at most 3 characters, or an even integer. Its
	// anyOf hides its JSON types from the dispatcher, so all four client
	// messages are candidates, and a frame none satisfies is no message.
	{`"abc"`, "Anything", true},
	{`""`, "Anything", true},
	{`4`, "Anything", true},
	{`-2`, "Anything", true},
	{`"abcd"`, "", false},
	{`3`, "", false},
	{`2.5`, "", false},
	{`null`, "", false},
	{`[]`, "", false},
	{`{"a": 1}`, "", false},
	// ByNumber, ByName and Loose: objects only validation tells apart.
	{`{"id": -3}`, "ByNumber", true},
	{`{"id": "ada"}`, "ByName", true},
	{`{"id": "ada", "more": 1}`, "ByName", true},
	{`{"id": 2.5}`, "Loose", true},
	{`{"id": 5}`, "", false},    // ByNumber and Loose both
	{`{"id": ""}`, "", false},   // none; ByName comes closest
	{`{"id": -0.5}`, "", false}, // none
	{`{}`, "", false},
}

// TestVerdicts decodes and validates every frame through the generated
// codec and checks the verdict against the expectation and against
// jsonschema, both on the message's own payload schema and on the
// direction's definition.
func TestVerdicts(t *testing.T) {
	chk, err := schemacheck.New(Schema())
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []struct {
		codec  *wire.Codec
		def    string
		frames []frame
	}{
		{&ServerCodec, "ServerMessage", serverFrames},
		{&ClientCodec, "ClientMessage", clientFrames},
	} {
		for _, f := range dir.frames {
			r := dir.codec.Check([]byte(f.json), false)
			if r.Syntax != nil {
				t.Errorf("%s %s: syntax error %v", dir.def, f.json, r.Syntax)
				continue
			}
			if r.Name != f.name {
				t.Errorf("%s %s: decoded as %q, want %q", dir.def, f.json, r.Name, f.name)
			}
			if r.Valid() != f.valid {
				t.Errorf("%s %s: valid = %v, want %v (violations %v)", dir.def, f.json, r.Valid(), f.valid, r.Violations)
			}
			for _, def := range []string{f.name, dir.def} {
				if def == "" {
					continue // no message: only the direction's verdict applies
				}
				vs, err := chk.Validate(def, []byte(f.json))
				if err != nil {
					t.Fatalf("jsonschema %s: %v", def, err)
				}
				if (len(vs) == 0) != r.Valid() {
					t.Errorf("%s %s: generated says valid = %v, jsonschema on %s says %v", dir.def, f.json, r.Valid(), def, vs)
				}
			}
		}
	}
}

// TestTyped checks the values the decoders produce and that MarshalJSON
// writes the payload back.
func TestTyped(t *testing.T) {
	m, err := DecodeServerMessage([]byte(`[1, 2]`))
	if err != nil {
		t.Fatal(err)
	}
	nums, ok := m.(*Numbers)
	if !ok || len(nums.Value) != 2 || nums.Value[1] != 2 {
		t.Fatalf("got %#v", m)
	}
	m, err = DecodeServerMessage([]byte(`null`))
	if c, ok := m.(*Count); err != nil || !ok || c.Value.Valid {
		t.Fatalf("null: got %#v, %v", m, err)
	}
	m, err = DecodeServerMessage([]byte(`{"id": 3}`))
	if c, ok := m.(*Choice); err != nil || !ok {
		t.Fatalf("object: got %#v, %v", m, err)
	} else if o, ok := c.Value.(*Choice1); !ok || o.ID != wire.NewInteger(3) {
		t.Fatalf("object: value %#v", c.Value)
	}
	for _, tc := range []struct {
		m    wire.Message
		want string
	}{
		{&Text{Value: "abc"}, `"abc"`},
		{&Numbers{Value: []int64{1}}, `[1]`},
		{&Count{Value: wire.NotNull(int64(4))}, `4`},
		{&Count{}, `null`},
		{&Choice{Value: ChoiceValueBoolean(true)}, `true`},
		{&Choice{Value: &Choice1{ID: wire.NewInteger(2)}}, `{"id":2}`},
		{&Choice{Value: &Choice1{ID: mustInteger(t, "1e30")}}, `{"id":1e30}`},
		{&Anything{Value: json.RawMessage(`"ab"`)}, `"ab"`},
	} {
		b, err := json.Marshal(tc.m)
		if err != nil || string(b) != tc.want {
			t.Errorf("marshal %T: %s, %v; want %s", tc.m, b, err, tc.want)
		}
		if err := tc.m.Validate(); err != nil {
			t.Errorf("validate %T: %v", tc.m, err)
		}
	}
	// A nil raw Value goes out as null, which the schema rejects.
	if err := (&Anything{}).Validate(); err == nil {
		t.Error("Anything with a nil Value validates; null is not a short string or an even integer")
	}
	if err := (&Text{Value: "ABC"}).Validate(); err == nil {
		t.Error("Text ABC validates")
	}
}

// TestGeneratedUpToDate regenerates the package from shapes.yaml and
// compares it with the committed files: go generate in this folder
// rewrites them.
func TestGeneratedUpToDate(t *testing.T) {
	_, files, err := gen.Files("shapes.yaml", gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		have, err := os.ReadFile(filepath.Join(".", f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, f.Src) {
			t.Errorf("%s is stale: run go generate ./internal/suite/shapes", f.Name)
		}
	}
}

// TestPickNamesCandidates checks what a frame no single candidate takes
// reports: the candidates, and for no match the closest one's reasons.
func TestPickNamesCandidates(t *testing.T) {
	for _, tc := range []struct{ frame, want string }{
		{`{"id": ""}`, `matches none of the client messages Anything, ByNumber, ByName, Loose; closest is ByName`},
		{`{"id": 5}`, `matches more than one client message: ByNumber, Loose; nothing in the frame tells them apart`},
	} {
		r := ClientCodec.Check([]byte(tc.frame), false)
		if len(r.Violations) == 0 || r.Violations[0].Keyword != "oneOf" || r.Violations[0].Message != tc.want {
			t.Errorf("%s: violations %v, want first oneOf %q", tc.frame, r.Violations, tc.want)
		}
	}
	r := ClientCodec.Check([]byte(`{"id": ""}`), false)
	if len(r.Violations) < 2 || r.Violations[1].Keyword != "minLength" || r.Violations[1].Pointer != "/id" {
		t.Errorf(`{"id": ""}: violations %v, want ByName's minLength at /id after the oneOf`, r.Violations)
	}
}

func mustInteger(t *testing.T, lit string) wire.Integer {
	t.Helper()
	v, err := wire.ParseInteger(lit)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
