package conformance

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/schemacheck"
	"github.com/wsbind/wsbind/runtime/wire"
)

// FuzzGeneratedAgreesWithJSONSchema feeds arbitrary frames to both
// validators of every provider and direction and requires the same verdict.
// The seed corpus is every spec example; testdata/fuzz holds what earlier
// runs found. The one tolerated difference is a number a Go field cannot
// hold (wire.OutOfRange), which JSON Schema itself does not limit.
func FuzzGeneratedAgreesWithJSONSchema(f *testing.F) {
	for i, p := range generated.Providers {
		for _, ex := range p.Examples {
			f.Add(uint8(i), ex.Direction == "client", []byte(ex.JSON))
		}
	}
	checkers := map[string]*schemacheck.Checker{}
	for _, p := range generated.Providers {
		c, err := schemacheck.New(p.Schema)
		if err != nil {
			f.Fatal(err)
		}
		checkers[p.Name] = c
	}
	f.Fuzz(func(t *testing.T, which uint8, client bool, frame []byte) {
		// Verdicts are compared on valid UTF-8 only: encoding/json turns bad
		// bytes into U+FFFD before jsonschema sees the frame, while the
		// generated side reports them ("utf8").
		if !utf8.Valid(frame) {
			t.Skip()
		}
		p := generated.Providers[int(which)%len(generated.Providers)]
		dir := "server"
		if client {
			dir = "client"
		}
		r := p.Codec(dir).Check(frame, true)
		vs, err := checkers[p.Name].Validate(dirDef(dir), frame)
		genSyntax, refSyntax := r.Syntax != nil, err != nil
		if genSyntax != refSyntax {
			t.Fatalf("%s %s: syntax verdicts differ: generated %v, encoding/json %v", p.Name, dir, r.Syntax, err)
		}
		if genSyntax {
			return
		}
		for _, v := range r.Violations {
			if strings.Contains(v.Message, wire.OutOfRange) {
				return
			}
		}
		if r.Valid() != (len(vs) == 0) {
			t.Fatalf("%s %s: generated valid=%v %v; jsonschema valid=%v %v", p.Name, dir, r.Valid(), r.Violations, len(vs) == 0, vs)
		}
	})
}
