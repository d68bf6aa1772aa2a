package jsonvalue

import (
	"fmt"
	"testing"
)

// Beyond a written exponent of about 10^6 big.Rat.SetString gives up, and
// santhosh v5 with it: a bound is then silently dropped at compile time and
// an instance makes Validate panic. We stay exact; this test records both.
func TestSanthoshHugeExponents(t *testing.T) {
	try := func(schema, inst string) (res string) {
		defer func() {
			if r := recover(); r != nil {
				res = "panic"
			}
		}()
		return fmt.Sprint(santhosh(t, schema, inst))
	}
	cases := []struct {
		schema, inst string
		ours         bool
	}{
		{`{"minimum":1e1000001}`, `5`, false},
		{`{"maximum":-1e1000001}`, `5`, false},
		{`{"multipleOf":1e-1000001}`, `5`, true},
		{`{"minimum":0}`, `1e1000001`, true},
		{`{"type":"integer"}`, `1e1000001`, true},
		{`{"type":"integer"}`, `1e-1000001`, false},
		{`{"const":1}`, `1e1000001`, false},
		{`{"multipleOf":3}`, `3e1000001`, true},
	}
	for _, c := range cases {
		arg := MustParse(c.schema)
		inst := MustParse(c.inst)
		got := ours(arg.Keys[0], &arg.Vals[0], &inst)
		if got != c.ours {
			t.Errorf("schema %s instance %s: ours %v, want %v", c.schema, c.inst, got, c.ours)
		}
		t.Logf("schema %s instance %s: ours %v, santhosh v5 %s", c.schema, c.inst, got, try(c.schema, c.inst))
	}
}
