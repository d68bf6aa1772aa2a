package check

import (
	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/schema"
)

// applicatorKeywords emits allOf, anyOf, oneOf, not and if/then/else.
// Alternatives are tried verdict-only (nil Scope) so a passing branch
// costs no error bookkeeping; only when a value fails do the branches run
// again to say which came closest.
func applicatorKeywords(e *Emitter, sc *schema.Schema) ([]jen.Code, error) {
	var out []jen.Code
	for _, a := range sc.AllOf {
		out = append(out, e.sub(a, jen.Id("s"), val(), false)...)
	}
	anyTrivial := false
	for _, a := range sc.AnyOf {
		anyTrivial = anyTrivial || trivial(a)
	}
	if len(sc.AnyOf) > 0 && !anyTrivial { // a branch that takes everything makes anyOf pass
		var any jen.Code
		for i, a := range sc.AnyOf {
			c := e.verdict(a, val())
			if i == 0 {
				any = c
			} else {
				any = jen.Add(any).Op("||").Add(c)
			}
		}
		out = append(out, jen.If(jen.Op("!").Parens(any)).Block(e.closest("anyOf", sc.AnyOf)...))
	}
	if len(sc.OneOf) > 0 {
		// first and second are the first two matching branches, -1 for none.
		body := []jen.Code{jen.List(jen.Id("first"), jen.Id("second")).Op(":=").List(jen.Lit(-1), jen.Lit(-1))}
		for i, a := range sc.OneOf {
			cond := e.verdict(a, val())
			if i > 1 {
				cond = jen.Id("second").Op("<").Lit(0).Op("&&").Add(cond)
			}
			body = append(body, jen.If(cond).Block(
				jen.If(jen.Id("first").Op("<").Lit(0)).Block(jen.Id("first").Op("=").Lit(i)).Else().Block(jen.Id("second").Op("=").Lit(i)),
			))
		}
		body = append(body, jen.If(jen.Id("first").Op("<").Lit(0)).Block(e.closest("oneOf", sc.OneOf)...).
			Else().If(jen.Id("second").Op(">=").Lit(0)).Block(
			jen.If(jen.Id("s").Op("==").Nil()).Block(jen.Return(jen.False())),
			jen.Id("ok").Op("=").False(),
			jen.Qual(wirePkg, "TooMany").Call(jen.Id("s"), jen.Id("first"), jen.Id("second")),
		))
		out = append(out, jen.Block(body...))
	}
	if sc.Not != nil {
		out = append(out, jen.If(e.verdict(sc.Not, val())).Block(fail("not", jen.Lit("matches the schema under not"))...))
	}
	if sc.If != nil && (sc.Then != nil || sc.Else != nil) {
		var then, els []jen.Code
		if sc.Then != nil {
			then = e.sub(sc.Then, jen.Id("s"), val(), false)
		}
		if sc.Else != nil {
			els = e.sub(sc.Else, jen.Id("s"), val(), false)
		}
		if len(then) > 0 || len(els) > 0 {
			stmt := jen.If(e.verdict(sc.If, val())).Block(then...)
			if len(els) > 0 {
				stmt = stmt.Else().Block(els...)
			}
			out = append(out, stmt)
		}
	}
	return out, nil
}

// closest reports a failed anyOf or oneOf with the branch that came
// closest (wire.Closest), or returns false in a verdict-only run.
func (e *Emitter) closest(keyword string, branches []*schema.Schema) []jen.Code {
	var fns []jen.Code
	for _, b := range branches {
		fns = append(fns, jen.Func().Params(jen.Id("s").Op("*").Qual(wirePkg, "Scope")).Bool().Block(
			jen.Return(jen.Id(e.Func(b)).Call(jen.Id("s"), val())),
		))
	}
	return []jen.Code{
		jen.If(jen.Id("s").Op("==").Nil()).Block(jen.Return(jen.False())),
		jen.Id("ok").Op("=").False(),
		jen.Qual(wirePkg, "Closest").Call(append([]jen.Code{jen.Id("s"), jen.Lit(keyword)}, fns...)...),
	}
}
