package check

import (
	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/schema"
)

// kindKeywords emits the keywords that apply to one JSON type each, behind
// a single switch on the value's kind: numbers, strings, arrays, objects.
func kindKeywords(e *Emitter, sc *schema.Schema) ([]jen.Code, error) {
	groups := []struct {
		kind string
		fn   func(*Emitter, *schema.Schema) ([]jen.Code, error)
	}{
		{"Number", numberKeywords},
		{"String", stringKeywords},
		{"Array", arrayKeywords},
		{"Object", objectKeywords},
	}
	var cases []jen.Code
	for _, g := range groups {
		code, err := g.fn(e, sc)
		if err != nil {
			return nil, err
		}
		if len(code) > 0 {
			cases = append(cases, jen.Case(kind(g.kind)).Block(code...))
		}
	}
	if len(cases) == 0 {
		return nil, nil
	}
	return []jen.Code{jen.Switch(val().Dot("Kind")).Block(cases...)}, nil
}
