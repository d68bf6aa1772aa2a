package golang

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

// fanout is a path from a message to a field marked x-wsbind-dispatch.
type fanout struct {
	path  []*ir.Field
	union *ir.Type
	slice bool
}

func (g *gen) collectDispatch() {
	g.fanouts = map[*ir.Type][]fanout{}
	for _, m := range g.pkg.Messages {
		var walk func(t *ir.Type, path []*ir.Field, seen map[*ir.Type]bool)
		walk = func(t *ir.Type, path []*ir.Field, seen map[*ir.Type]bool) {
			if seen[t] {
				return
			}
			seen[t] = true
			for _, f := range t.Fields {
				p := append(append([]*ir.Field{}, path...), f)
				if f.Dispatch {
					u, slice := f.Type, false
					if u.Kind == ir.Slice {
						u, slice = u.Elem, true
					}
					g.fanouts[m.Type] = append(g.fanouts[m.Type], fanout{path: p, union: u, slice: slice})
					continue
				}
				inner := f.Type
				if inner.Kind == ir.Nullable {
					inner = inner.Elem
				}
				if inner.Kind == ir.Struct {
					walk(inner, p, seen)
				}
			}
		}
		walk(m.Type, nil, map[*ir.Type]bool{})
	}
}

func handlerField(name string) string { return "on" + name }

type handler struct {
	name   string // exported suffix: OnX
	params []jen.Code
	doc    string
}

func (g *gen) handlers(d *ir.Direction) ([]handler, error) {
	var hs []handler
	seen := map[string]string{}
	add := func(h handler, owner string) error {
		if prev, ok := seen[h.name]; ok {
			if prev == owner {
				return nil // the same union dispatched from two fields of one message
			}
			return fmt.Errorf("handler On%s is needed for both %s and %s", h.name, prev, owner)
		}
		seen[h.name] = owner
		hs = append(hs, h)
		return nil
	}
	ctx := jen.Qual("context", "Context")
	for _, m := range d.Messages {
		if err := add(handler{name: m.Name, params: []jen.Code{ctx, jen.Op("*").Id(m.Name)}, doc: "receives every " + m.Name + " message"}, m.Name); err != nil {
			return nil, err
		}
		for _, fo := range g.fanouts[m.Type] {
			for _, b := range fo.union.Branches {
				doc := fmt.Sprintf("receives each %s carried in %s message, after the message handler", b.Type.Name, withArticle(m.Name))
				if err := add(handler{name: b.Type.Name, params: []jen.Code{ctx, jen.Op("*").Id(m.Name), jen.Op("*").Id(b.Type.Name)}, doc: doc}, m.Name); err != nil {
					return nil, err
				}
			}
		}
	}
	return hs, nil
}

func dispatcherName(d *ir.Direction) string {
	if d.Name == "server" {
		return "ServerDispatcher"
	}
	return "ClientDispatcher"
}

func (g *gen) dispatch(f *jen.File) error {
	for _, d := range []*ir.Direction{g.pkg.Server, g.pkg.Client} {
		if err := g.dispatchDirection(f, d); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) dispatchDirection(f *jen.File, d *ir.Direction) error {
	hs, err := g.handlers(d)
	if err != nil {
		return err
	}
	name := dispatcherName(d)
	ctx := jen.Qual("context", "Context")
	emitDoc(f, comment(name+" routes "+d.GoName+" values to typed handlers, in the order Dispatch is called. Values nobody handles go to OnUnhandled, and frames or union values the spec does not know go to OnUnknown, so nothing is dropped unseen. Register handlers before the first Dispatch."))
	f.Type().Id(name).StructFunc(func(gr *jen.Group) {
		for _, h := range hs {
			gr.Id(handlerField(h.name)).Func().Params(h.params...)
		}
		gr.Id("onUnknown").Func().Params(ctx, jen.Op("*").Qual(wirePkg, "Unknown"))
		gr.Id("onUnhandled").Func().Params(ctx, jen.Id(d.GoName))
	})
	f.Line()
	recv := jen.Id("d").Op("*").Id(name)
	for _, h := range hs {
		emitDoc(f, fmt.Sprintf("On%s sets the handler that %s.", h.name, h.doc))
		f.Func().Params(recv.Clone()).Id("On" + h.name).Params(jen.Id("fn").Func().Params(h.params...)).Block(
			jen.Id("d").Dot(handlerField(h.name)).Op("=").Id("fn"),
		)
	}
	emitDoc(f, "OnUnknown sets the handler for frames and union values that match nothing in the spec.")
	f.Func().Params(recv.Clone()).Id("OnUnknown").Params(jen.Id("fn").Func().Params(ctx, jen.Op("*").Qual(wirePkg, "Unknown"))).Block(
		jen.Id("d").Dot("onUnknown").Op("=").Id("fn"),
	)
	emitDoc(f, "OnUnhandled sets the handler for known messages no other handler took.")
	f.Func().Params(recv.Clone()).Id("OnUnhandled").Params(jen.Id("fn").Func().Params(ctx, jen.Id(d.GoName))).Block(
		jen.Id("d").Dot("onUnhandled").Op("=").Id("fn"),
	)
	f.Line()

	var cases []jen.Code
	for _, m := range d.Messages {
		body := []jen.Code{jen.Id("handled").Op(":=").False()}
		body = append(body, jen.If(jen.Id("d").Dot(handlerField(m.Name)).Op("!=").Nil()).Block(
			jen.Id("d").Dot(handlerField(m.Name)).Call(jen.Id("ctx"), jen.Id("m")),
			jen.Id("handled").Op("=").True(),
		))
		for _, fo := range g.fanouts[m.Type] {
			body = append(body, g.fanoutCode(fo))
		}
		body = append(body, jen.If(jen.Op("!").Id("handled").Op("&&").Id("d").Dot("onUnhandled").Op("!=").Nil()).Block(
			jen.Id("d").Dot("onUnhandled").Call(jen.Id("ctx"), jen.Id("m")),
		))
		cases = append(cases, jen.Case(jen.Op("*").Id(m.Name)).Block(body...))
	}
	cases = append(cases, jen.Case(jen.Op("*").Id("Unknown"+d.GoName)).Block(
		jen.If(jen.Op("!").Id("d").Dot("unknown").Call(jen.Id("ctx"), jen.Op("&").Id("m").Dot("Unknown")).Op("&&").Id("d").Dot("onUnhandled").Op("!=").Nil()).Block(
			jen.Id("d").Dot("onUnhandled").Call(jen.Id("ctx"), jen.Id("m")),
		),
	))
	emitDoc(f, "Dispatch hands m to its handlers.")
	f.Func().Params(recv.Clone()).Id("Dispatch").Params(jen.Id("ctx").Add(ctx), jen.Id("msg").Id(d.GoName)).Block(
		jen.Switch(jen.Id("m").Op(":=").Id("msg").Assert(jen.Type())).Block(cases...),
	)
	f.Line()
	f.Func().Params(recv.Clone()).Id("unknown").Params(jen.Id("ctx").Add(ctx), jen.Id("u").Op("*").Qual(wirePkg, "Unknown")).Bool().Block(
		jen.If(jen.Id("d").Dot("onUnknown").Op("==").Nil()).Block(jen.Return(jen.False())),
		jen.Id("d").Dot("onUnknown").Call(jen.Id("ctx"), jen.Id("u")),
		jen.Return(jen.True()),
	)
	f.Line()
	return nil
}

// fanoutCode walks from m to the dispatch field, guarding optional and
// nullable steps, and switches on each union value found there.
func (g *gen) fanoutCode(fo fanout) jen.Code {
	cur := id("m")
	var guards []jen.Code
	last := len(fo.path) - 1
	for i, f := range fo.path {
		next := cur.dot(f.GoName)
		if i == last {
			cur = next
			break
		}
		if !f.Required && !optionalByNil(f.Type) {
			guards = append(guards, next().Dot("Set"))
			next = next.dot("Value")
		}
		if f.Type.Kind == ir.Nullable {
			guards = append(guards, next().Dot("Valid"))
			next = next.dot("Value")
		}
		cur = next
	}
	var cases []jen.Code
	for _, b := range fo.union.Branches {
		h := handlerField(b.Type.Name)
		cases = append(cases, jen.Case(jen.Op("*").Id(b.Type.Name)).Block(
			jen.If(jen.Id("d").Dot(h).Op("!=").Nil()).Block(
				jen.Id("d").Dot(h).Call(jen.Id("ctx"), jen.Id("m"), jen.Id("v")),
				jen.Id("handled").Op("=").True(),
			),
		))
	}
	cases = append(cases, jen.Case(jen.Op("*").Id(unknownName(fo.union))).Block(
		jen.Id("handled").Op("=").Id("d").Dot("unknown").Call(jen.Id("ctx"), jen.Op("&").Id("v").Dot("Unknown")).Op("||").Id("handled"),
	))
	var code jen.Code
	if fo.slice {
		code = jen.For(jen.List(jen.Id("_"), jen.Id("u")).Op(":=").Range().Add(cur())).Block(
			jen.Switch(jen.Id("v").Op(":=").Id("u").Assert(jen.Type())).Block(cases...),
		)
	} else {
		code = jen.Switch(jen.Id("v").Op(":=").Add(cur()).Assert(jen.Type())).Block(cases...)
	}
	if len(guards) == 0 {
		return code
	}
	cond := jen.Add(guards[0])
	for _, gd := range guards[1:] {
		cond = cond.Op("&&").Add(gd)
	}
	return jen.If(cond).Block(code)
}
