package check

import (
	"encoding/json"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/schema"
)

// genericKeywords emits type, enum and const: the keywords that apply to a
// value of any JSON type.
func genericKeywords(e *Emitter, sc *schema.Schema) ([]jen.Code, error) {
	var out []jen.Code
	if len(sc.Types) > 0 {
		code, err := typeCheck(sc)
		if err != nil {
			return nil, err
		}
		out = append(out, code...)
	}
	if sc.Enum != nil {
		name := e.name(sc, "Enum")
		vals := make([]jen.Code, len(sc.Enum))
		var shown []string
		for i, raw := range sc.Enum {
			if !json.Valid(raw) {
				return nil, refuse(sc, "enum", "value %d is not JSON", i)
			}
			vals[i] = jen.Qual(valuePkg, "MustParse").Call(jen.Lit(string(raw)))
			shown = append(shown, string(raw))
		}
		e.vars = append(e.vars, jen.Id(name).Op("=").Index().Qual(valuePkg, "Value").Values(vals...))
		out = append(out, jen.If(jen.Op("!").Qual(valuePkg, "In").Call(val(), jen.Id(name))).Block(
			fail("enum", jen.Lit("not one of "+clip(strings.Join(shown, ", "), 200)))...,
		))
	}
	if sc.Const != nil {
		if !json.Valid(sc.Const) {
			return nil, refuse(sc, "const", "the value is not JSON")
		}
		name := e.name(sc, "Const")
		e.vars = append(e.vars, jen.Id(name).Op("=").Qual(valuePkg, "MustParse").Call(jen.Lit(string(sc.Const))))
		out = append(out, jen.If(jen.Op("!").Qual(valuePkg, "Equal").Call(val(), jen.Op("&").Id(name))).Block(
			fail("const", jen.Lit("must be "+clip(string(sc.Const), 200)))...,
		))
	}
	return out, nil
}

// typeCheck emits "type": one JSON type or a list. "integer" is a number
// with no fractional part (1.0 counts), as draft-07 says.
func typeCheck(sc *schema.Schema) ([]jen.Code, error) {
	var conds []jen.Code
	for _, t := range sc.Types {
		var c jen.Code
		switch t {
		case "null":
			c = val().Dot("Kind").Op("==").Add(kind("Null"))
		case "boolean":
			c = val().Dot("Kind").Op("==").Add(kind("Bool"))
		case "string":
			c = val().Dot("Kind").Op("==").Add(kind("String"))
		case "number":
			c = val().Dot("Kind").Op("==").Add(kind("Number"))
		case "integer":
			c = val().Dot("IsInteger").Call()
		case "array":
			c = val().Dot("Kind").Op("==").Add(kind("Array"))
		case "object":
			c = val().Dot("Kind").Op("==").Add(kind("Object"))
		default:
			return nil, refuse(sc, "type", "%q is not a JSON Schema type (null, boolean, object, array, number, string, integer)", t)
		}
		conds = append(conds, c)
	}
	any := conds[0]
	for _, c := range conds[1:] {
		any = jen.Add(any).Op("||").Add(c)
	}
	msg := jen.Lit("expected " + strings.Join(sc.Types, " or ") + ", got ").Op("+").Add(val().Dot("TypeName").Call())
	return []jen.Code{jen.If(jen.Op("!").Parens(any)).Block(fail("type", msg)...)}, nil
}
