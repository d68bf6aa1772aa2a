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
