package conformance

import (
	"testing"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/schemacheck"
)

// TestEveryExampleDecodesAsItsMessageAndBothValidatorsAccept holds each
// spec example to three things: the generated decoder picks the example's
// own message, the generated validators find nothing wrong, and the
// interpreted JSON Schema agrees.
func TestEveryExampleDecodesAsItsMessageAndBothValidatorsAccept(t *testing.T) {
	for _, p := range generated.Providers {
		sc, err := schemacheck.New(p.Schema)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Examples) == 0 {
			t.Fatalf("%s: no examples", p.Name)
		}
		for _, ex := range p.Examples {
			codec := p.Codec(ex.Direction)
			r := codec.Check([]byte(ex.JSON), true)
			if r.Name != ex.Message || !r.Valid() {
				t.Errorf("%s %s/%s: generated says message %q valid=%v syntax=%v violations=%v", p.Name, ex.Message, ex.Name, r.Name, r.Valid(), r.Syntax, r.Violations)
			}
			vs, err := sc.Validate(dirDef(ex.Direction), []byte(ex.JSON))
			if err != nil || len(vs) > 0 {
				t.Errorf("%s %s/%s: jsonschema says %v %v", p.Name, ex.Message, ex.Name, err, vs)
			}
		}
	}
}

func dirDef(direction string) string {
	if direction == "client" {
		return "ClientMessage"
	}
	return "ServerMessage"
}

// TestDuplicateKeysAreJudgedByTheLastOccurrence: encoding/json, and so the
// interpreted schema, keeps the last value of a repeated key; the generated
// decoders must judge the same value.
func TestDuplicateKeysAreJudgedByTheLastOccurrence(t *testing.T) {
	cases := []struct {
		provider, dir, frame string
		valid                bool
	}{
		{"octave", "client", `{"msgId":"a","object":"event","type":"subscribe","streamId":5,"streamId":"s53b1d1600cf27b75148de0ac"}`, true},
		{"octave", "client", `{"msgId":"a","object":"event","type":"subscribe","streamId":"s53b1d1600cf27b75148de0ac","streamId":5}`, false},
		{"neuro", "server", `{"type":"welcome","data":{"sessionId":1},"data":{"sessionId":"a1b2c3d4"}}`, true},
		{"neuro", "server", `{"type":"welcome","data":{"sessionId":"a1b2c3d4","extra":1},"data":{}}`, false},
	}
	for _, c := range cases {
		p := generated.Lookup(c.provider)
		r := p.Codec(c.dir).Check([]byte(c.frame), false)
		sc, _ := schemacheck.New(p.Schema)
		vs, err := sc.Validate(dirDef(c.dir), []byte(c.frame))
		if err != nil {
			t.Fatal(err)
		}
		if r.Valid() != c.valid || (len(vs) == 0) != c.valid {
			t.Errorf("%s: generated valid=%v %v, jsonschema valid=%v %v, want %v", c.frame, r.Valid(), r.Violations, len(vs) == 0, vs, c.valid)
		}
	}
}
