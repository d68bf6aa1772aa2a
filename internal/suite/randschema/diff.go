package randschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/runtime/wire"
)

// Wrap puts schema s under property "v" of an object whose const "k"
// names its message, as randgen writes it into the document.
func Wrap(s Schema) map[string]any {
	return map[string]any{
		"type":     "object",
		"required": []any{"k", "v"},
		"properties": map[string]any{
			"k": map[string]any{"const": fmt.Sprintf("m%d", s.Index)},
			"v": s.Value,
		},
	}
}

// Differential checks every instance of the count schemas of seed with
// codec (a package randgen generated from the same seed and count) and
// with santhosh-tekuri/jsonschema v5 under draft-07, and fails on any
// disagreement. It logs how many verdicts it compared and how many were
// valid, so a run that tests nothing shows.
func Differential(t *testing.T, codec *wire.Codec, seed uint64, count, per int) {
	t.Helper()
	verdicts, valid, disagree := 0, 0, 0
	for _, s := range Schemas(seed, count) {
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft7
		c.AssertFormat = true
		if err := c.AddResource("s.json", bytes.NewReader(JSON(Wrap(s)))); err != nil {
			t.Fatalf("schema %d: %v", s.Index, err)
		}
		ref, err := c.Compile("s.json")
		if err != nil {
			t.Fatalf("schema %d: santhosh-tekuri: %v", s.Index, err)
		}
		msg := fmt.Sprintf("M%d", s.Index)
		for _, inst := range Instances(seed, s, per) {
			frame := []byte(fmt.Sprintf(`{"k":"m%d","v":%s}`, s.Index, inst))
			var doc any
			d := json.NewDecoder(bytes.NewReader(frame))
			d.UseNumber()
			if err := d.Decode(&doc); err != nil {
				t.Fatalf("instance %s: %v", frame, err)
			}
			want := ref.Validate(doc) == nil
			r := codec.Check(frame, false)
			got := r.Valid() && r.Name == msg
			verdicts++
			if want {
				valid++
			}
			if got != want {
				disagree++
				if disagree <= 20 {
					t.Errorf("schema %d %s\n  instance %s: generated says valid=%v (%v), santhosh-tekuri says %v", s.Index, JSON(s.Value), inst, got, r.Violations, want)
				}
			}
		}
	}
	t.Logf("%d schemas, %d verdicts compared (%d valid, %d invalid), %d disagreements", count, verdicts, valid, verdicts-valid, disagree)
	if disagree > 0 {
		t.Fatalf("%d disagreements", disagree)
	}
	if valid == 0 || valid == verdicts {
		t.Fatalf("all %d verdicts were the same: the instances test nothing", verdicts)
	}
}
