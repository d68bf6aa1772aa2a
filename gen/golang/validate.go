package golang

import (
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

// checkValue emits the value checks for v of type t, reporting at the
// scope's current position. Type, required and additionalProperties are
// the decoder's business; these are the keywords on decoded values.
func (g *gen) checkValue(t *ir.Type, v expr, depth int) []jen.Code {
	var out []jen.Code
	wire := func(fn string, args ...jen.Code) jen.Code {
		return jen.Qual(wirePkg, fn).Call(append([]jen.Code{sID}, args...)...)
	}
	switch t.Kind {
	case ir.Int:
		out = append(out, g.checkInt(t, v, noKey)...)
	case ir.String, ir.Float, ir.Bool:
		if t.Const != nil {
			out = append(out, jen.If(v().Op("!=").Lit(t.Const)).Block(wire("Const", jen.Lit(constText(t.Const)))))
		}
		if t.Kind == ir.String {
			if t.MinLength >= 0 || t.MaxLength >= 0 {
				out = append(out, wire("CheckLength", v(), jen.Lit(t.MinLength), jen.Lit(t.MaxLength)))
			}
			if t.Pattern != "" {
				out = append(out, wire("CheckPattern", v(), jen.Id(g.pattern(t.Pattern))))
			}
			if t.Format != "" {
				out = append(out, wire("CheckFormat", v(), jen.Lit(t.Format)))
			}
		}
		if t.Minimum != nil {
			out = append(out, wire("CheckMinimum", jen.Float64().Call(v()), jen.Lit(*t.Minimum)))
		}
		if t.Maximum != nil {
			out = append(out, wire("CheckMaximum", jen.Float64().Call(v()), jen.Lit(*t.Maximum)))
		}
	case ir.Raw:
		if t.Check != nil {
			out = append(out, wire("CheckRaw", v(), jen.Id(g.checks.Func(t.Check))))
		}
	case ir.Enum, ir.Struct:
		out = append(out, v().Dot("validate").Call(sID))
	case ir.Union:
		out = append(out, jen.Id("validate"+t.Name).Call(sID, v()))
	case ir.Nullable:
		if t.Elem.HasChecks() {
			out = append(out, jen.If(v().Dot("Valid")).Block(g.checkValue(t.Elem, v.dot("Value"), depth)...))
		}
	case ir.Slice:
		if t.MinItems >= 0 || t.MaxItems >= 0 {
			out = append(out, wire("CheckItems", jen.Len(v()), jen.Lit(t.MinItems), jen.Lit(t.MaxItems)))
		}
		if t.Elem.HasChecks() {
			i := "i" + strconv.Itoa(depth)
			elem := func() *jen.Statement { return v().Index(jen.Id(i)) }
			body := []jen.Code{sID.Clone().Dot("PushIndex").Call(jen.Id(i))}
			body = append(body, g.checkValue(t.Elem, elem, depth+1)...)
			body = append(body, sID.Clone().Dot("Pop").Call())
			out = append(out, jen.For(jen.Id(i).Op(":=").Range().Add(v())).Block(body...))
		}
	case ir.Map:
		if t.Elem.HasChecks() {
			k, e := "k"+strconv.Itoa(depth), "e"+strconv.Itoa(depth)
			body := []jen.Code{
				jen.Id(e).Op(":=").Add(v()).Index(jen.Id(k)),
				sID.Clone().Dot("Push").Call(jen.Id(k)),
			}
			body = append(body, g.checkValue(t.Elem, id(e), depth+1)...)
			body = append(body, sID.Clone().Dot("Pop").Call())
			out = append(out, jen.For(jen.List(jen.Id("_"), jen.Id(k)).Op(":=").Range().Qual(wirePkg, "SortedKeys").Call(v())).Block(body...))
		}
	}
	return out
}

// checkInt emits the check of an integer v against its keywords,
// reporting at the property key of the current object ("" for the
// current value): one wire call, with the rule made once per package.
func (g *gen) checkInt(t *ir.Type, v expr, key jen.Code) []jen.Code {
	if !t.HasChecks() {
		return nil
	}
	fn := "CheckInt"
	if t.Wide {
		fn = "CheckInteger"
	}
	return []jen.Code{jen.Qual(wirePkg, fn).Call(sID, key, v(), jen.Id(g.intRule(t.Ints)))}
}

func constText(c any) string {
	if s, ok := c.(string); ok {
		return strconv.Quote(s)
	}
	switch v := c.(type) {
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return ""
}

func (g *gen) validate(f *jen.File) error {
	scope := jen.Id("s").Op("*").Qual(wirePkg, "Scope")
	for _, t := range g.pkg.Types {
		switch t.Kind {
		case ir.Struct:
			emitDoc(f, "Validate checks m against its schema and returns every violation as a *wire.ValidationError.")
			f.Func().Params(jen.Id("m").Op("*").Id(t.Name)).Id("Validate").Params().Error().Block(
				jen.Id("s").Op(":=").Qual(wirePkg, "GetScope").Call(),
				jen.Defer().Qual(wirePkg, "PutScope").Call(sID),
				jen.Id("m").Dot("validate").Call(sID),
				jen.Return(jen.Qual(wirePkg, "Finish").Call(sID, jen.Lit(t.Name))),
			)
			f.Line()
			var body []jen.Code
			for _, fl := range t.Fields {
				if !fl.Type.HasChecks() {
					continue
				}
				target := id("m").dot(fl.GoName)
				optWrapped := !fl.Required && !optionalByNil(fl.Type)
				if optWrapped {
					target = target.dot("Value")
				}
				var inner []jen.Code
				if fl.Type.Kind == ir.Int {
					// The check names the property, and only when it reports.
					inner = g.checkInt(fl.Type, target, jen.Lit(fl.Name))
				} else {
					inner = append(inner, sID.Clone().Dot("Push").Call(jen.Lit(fl.Name)))
					inner = append(inner, g.checkValue(fl.Type, target, 0)...)
					inner = append(inner, sID.Clone().Dot("Pop").Call())
				}
				switch {
				case optWrapped:
					body = append(body, jen.If(jen.Id("m").Dot(fl.GoName).Dot("Set")).Block(inner...))
				case !fl.Required && (fl.Type.Kind == ir.Slice || fl.Type.Kind == ir.Map):
					// nil is absent: the decoder makes an empty one for [] or {}.
					body = append(body, jen.If(jen.Id("m").Dot(fl.GoName).Op("!=").Nil()).Block(inner...))
				default:
					body = append(body, inner...)
				}
			}
			recv := jen.Id("m")
			if len(body) == 0 {
				recv = jen.Id("_")
			}
			f.Func().Params(recv.Op("*").Id(t.Name)).Id("validate").Params(scope.Clone()).Block(body...)
			f.Line()
		case ir.Enum:
			if t.Open {
				continue // any value is valid; the decoder notes unknown ones
			}
			f.Func().Params(jen.Id("e").Id(t.Name)).Id("validate").Params(scope.Clone()).Block(
				jen.If(jen.Op("!").Id("e").Dot("Valid").Call()).Block(
					jen.Qual(wirePkg, "Enum").Call(sID, jen.Lit(quoteList(t.Values))),
				),
			)
			f.Line()
		case ir.Union:
			var cases []jen.Code
			for _, b := range t.Branches {
				if b.GoName != "" {
					if !b.Type.HasChecks() {
						continue
					}
					x := jen.Add(goType(b.Type)).Call(jen.Id("v"))
					if wideInt(b.Type) {
						x = jen.Id("v").Dot("Integer")
					}
					cases = append(cases, jen.Case(jen.Id(b.GoName)).Block(
						append([]jen.Code{jen.Id("x").Op(":=").Add(x)}, g.checkValue(b.Type, id("x"), 0)...)...))
					continue
				}
				cases = append(cases, jen.Case(jen.Op("*").Id(b.Type.Name)).Block(jen.Id("v").Dot("validate").Call(sID)))
			}
			sw := jen.Switch(jen.Id("v").Op(":=").Id("u").Assert(jen.Type())).Block(cases...)
			if len(cases) == 0 {
				sw = jen.Null()
			}
			argU := jen.Id("u")
			if len(cases) == 0 {
				argU = jen.Id("_")
			}
			f.Func().Id("validate"+t.Name).Params(scope.Clone(), argU.Id(t.Name)).Block(sw)
			f.Line()
		}
	}
	if err := g.checks.Emit(f); err != nil {
		return err
	}
	g.intRuleVars(f)
	if len(g.patOrder) > 0 {
		f.Var().DefsFunc(func(gr *jen.Group) {
			for _, src := range g.patOrder {
				gr.Id(g.patterns[src]).Op("=").Qual(wirePkg, "MustPattern").Call(jen.Lit(src))
			}
		})
	}
	return nil
}
