package check

import (
	"math/big"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/schema"
)

// numberKeywords emits multipleOf and the four bounds. Bounds are exact
// decimals made once per package; instances are compared by their
// literal, so 0.1 + 0.2 style rounding never changes a verdict.
func numberKeywords(e *Emitter, sc *schema.Schema) ([]jen.Code, error) {
	var out []jen.Code
	bounds := []struct {
		lit, keyword, tag, op, msg string
	}{
		{sc.Minimum, "minimum", "Min", "<", "less than "},
		{sc.ExclusiveMinimum, "exclusiveMinimum", "XMin", "<=", "not greater than "},
		{sc.Maximum, "maximum", "Max", ">", "greater than "},
		{sc.ExclusiveMaximum, "exclusiveMaximum", "XMax", ">=", "not less than "},
	}
	for _, b := range bounds {
		if b.lit == "" {
			continue
		}
		if _, ok := new(big.Rat).SetString(b.lit); !ok {
			return nil, refuse(sc, b.keyword, "%q is not a number", b.lit)
		}
		name := e.name(sc, b.tag)
		e.vars = append(e.vars, jen.Id(name).Op("=").Qual(valuePkg, "MustNumber").Call(jen.Lit(b.lit)))
		out = append(out, jen.If(jen.Qual(valuePkg, "Cmp").Call(val().Dot("Num"), jen.Id(name)).Op(b.op).Lit(0)).Block(
			fail(b.keyword, jen.Lit(b.msg+b.lit))...,
		))
	}
	if sc.MultipleOf != "" {
		r, ok := new(big.Rat).SetString(sc.MultipleOf)
		if !ok || r.Sign() <= 0 {
			return nil, refuse(sc, "multipleOf", "%q must be a number greater than 0", sc.MultipleOf)
		}
		name := e.name(sc, "Mul")
		e.vars = append(e.vars, jen.Id(name).Op("=").Qual(valuePkg, "MustNumber").Call(jen.Lit(sc.MultipleOf)))
		out = append(out, jen.If(jen.Op("!").Qual(valuePkg, "MultipleOf").Call(val().Dot("Num"), jen.Id(name))).Block(
			fail("multipleOf", jen.Lit("not a multiple of "+sc.MultipleOf))...,
		))
	}
	return out, nil
}
