package golang

import (
	"sync"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

// reuseSlots numbers what a reusing decoder (wire.Reuse) keeps between
// frames: one slot per struct type, for the pointers messages and union
// branches are decoded into, and one per map or slice field.
type reuseSlots struct {
	types  map[*ir.Type]int
	fields map[*ir.Field]int
	n      int
}

var (
	slotsMu    sync.Mutex
	slotsByPkg = map[*ir.Package]*reuseSlots{}
)

func (g *gen) slots() *reuseSlots {
	slotsMu.Lock()
	defer slotsMu.Unlock()
	if rs := slotsByPkg[g.pkg]; rs != nil {
		return rs
	}
	rs := &reuseSlots{types: map[*ir.Type]int{}, fields: map[*ir.Field]int{}}
	for _, t := range g.pkg.Types {
		if t.Kind == ir.Struct {
			rs.types[t] = rs.n
			rs.n++
		}
	}
	for _, t := range g.pkg.Types {
		if t.Kind != ir.Struct {
			continue
		}
		for _, fl := range t.Fields {
			if fl.Type.Kind == ir.Map || fl.Type.Kind == ir.Slice {
				rs.fields[fl] = rs.n
				rs.n++
			}
		}
	}
	slotsByPkg[g.pkg] = rs
	return rs
}

// typeSlot is the slot of struct type t (-1 if it has none).
func (g *gen) typeSlot(t *ir.Type) int {
	if i, ok := g.slots().types[t]; ok {
		return i
	}
	return -1
}

// newStruct allocates a zeroed *name, from the slot of t when decoding
// with reuse.
func (g *gen) newStruct(t *ir.Type, name string) *jen.Statement {
	if i := g.typeSlot(t); i >= 0 {
		return jen.Qual(wirePkg, "New").Types(jen.Id(name)).Call(sID, jen.Lit(i))
	}
	return jen.New(jen.Id(name))
}

// reachable lists the struct and union types the messages of d reach, in
// the order of g.pkg.Types.
func (g *gen) reachable(d *ir.Direction) []*ir.Type {
	seen := map[*ir.Type]bool{}
	var walk func(t *ir.Type)
	walk = func(t *ir.Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind {
		case ir.Struct:
			for _, fl := range t.Fields {
				walk(fl.Type)
			}
		case ir.Union:
			for _, b := range t.Branches {
				walk(b.Type)
			}
		case ir.Slice, ir.Map, ir.Nullable:
			walk(t.Elem)
		}
	}
	for _, m := range d.Messages {
		if !m.Wrapped() {
			walk(m.Type)
		}
	}
	var out []*ir.Type
	for _, t := range g.pkg.Types {
		if seen[t] && (t.Kind == ir.Struct || t.Kind == ir.Union && t.Name != "") {
			out = append(out, t)
		}
	}
	return out
}

// hasRelease reports whether a value of type t holds memory a release
// puts back: a map or slice field, or a union's struct branch.
func (g *gen) hasRelease(t *ir.Type, seen map[*ir.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	defer delete(seen, t)
	switch t.Kind {
	case ir.Struct:
		for _, fl := range t.Fields {
			if _, ok := g.slots().fields[fl]; ok || g.hasRelease(fl.Type, seen) {
				return true
			}
		}
	case ir.Union:
		if t.Name == "" {
			return false
		}
		for _, b := range t.Branches {
			if b.GoName == "" && !b.Open && b.Type.Kind == ir.Struct {
				return true
			}
		}
	case ir.Nullable, ir.Map, ir.Slice:
		return g.hasRelease(t.Elem, seen)
	}
	return false
}

func (g *gen) releases(t *ir.Type) bool { return g.hasRelease(t, map[*ir.Type]bool{}) }

// releaseValue emits statements putting the memory target holds back
// into r.
func (g *gen) releaseValue(t *ir.Type, target expr, fl *ir.Field, depth int) []jen.Code {
	r := jen.Id("r")
	switch t.Kind {
	case ir.Struct:
		if !g.releases(t) {
			return nil
		}
		return []jen.Code{target().Dot("release").Call(r)}
	case ir.Union:
		if !g.releases(t) {
			return nil
		}
		return []jen.Code{jen.Id("release"+t.Name).Call(target(), r)}
	case ir.Nullable:
		return g.releaseValue(t.Elem, target.dot("Value"), nil, depth+1)
	case ir.Map:
		var out []jen.Code
		if inner := g.releaseValue(t.Elem, id("v"), nil, depth+1); len(inner) > 0 {
			// Map values are copies: what they point at can be kept.
			out = append(out, jen.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Add(target())).Block(inner...))
		}
		if i, ok := g.slots().fields[fl]; ok && fl != nil {
			out = append(out, jen.If(target().Op("!=").Nil()).Block(r.Clone().Dot("Put").Call(jen.Lit(i), target())))
		}
		return out
	case ir.Slice:
		var out []jen.Code
		iv := "i" + string(rune('0'+depth))
		if inner := g.releaseValue(t.Elem, func() *jen.Statement { return target().Index(jen.Id(iv)) }, nil, depth+1); len(inner) > 0 {
			out = append(out, jen.For(jen.Id(iv).Op(":=").Range().Add(target())).Block(inner...))
		}
		if i, ok := g.slots().fields[fl]; ok && fl != nil {
			out = append(out, jen.Qual(wirePkg, "PutSlice").Call(r, jen.Lit(i), target()))
		}
		return out
	}
	return nil
}

// releaseAndPut releases v, a *t, and puts it into t's slot.
func (g *gen) releaseAndPut(t *ir.Type) []jen.Code {
	var out []jen.Code
	if g.releases(t) {
		out = append(out, jen.Id("v").Dot("release").Call(jen.Id("r")))
	}
	return append(out, jen.Id("r").Dot("Put").Call(jen.Lit(g.typeSlot(t)), jen.Id("v")))
}

// reuseDecoder emits the release methods of the types d's messages reach
// and <Direction>Decoder, which decodes frames into the memory of the
// messages it returned before.
func (g *gen) reuseDecoder(f *jen.File, d *ir.Direction) {
	rParam := jen.Id("r").Op("*").Qual(wirePkg, "Reuse")
	for _, t := range g.reachable(d) {
		if !g.releases(t) {
			continue
		}
		if t.Kind == ir.Union {
			var cases []jen.Code
			for _, b := range t.Branches {
				if b.GoName != "" || b.Open || b.Type.Kind != ir.Struct {
					continue
				}
				cases = append(cases, jen.Case(jen.Op("*").Id(b.Type.Name)).Block(g.releaseAndPut(b.Type)...))
			}
			f.Comment("release" + t.Name + " puts the memory of v back into r.")
			if len(cases) == 0 {
				f.Func().Id("release"+t.Name).Params(jen.Id("_").Id(t.Name), rParam).Block()
			} else {
				f.Func().Id("release"+t.Name).Params(jen.Id("v").Id(t.Name), rParam).Block(
					jen.Switch(jen.Id("v").Op(":=").Id("v").Assert(jen.Type())).Block(cases...),
				)
			}
			f.Line()
			continue
		}
		var body []jen.Code
		for _, fl := range t.Fields {
			target := id("m").dot(fl.GoName)
			if !fl.Required && !optionalByNil(fl.Type) {
				target = target.dot("Value")
			}
			body = append(body, g.releaseValue(fl.Type, target, fl, 0)...)
		}
		f.Comment("release puts the memory m's fields hold back into r.")
		recv := jen.Id("m").Op("*").Id(t.Name)
		if len(body) == 0 {
			recv = jen.Op("*").Id(t.Name)
			rParam = jen.Id("_").Op("*").Qual(wirePkg, "Reuse")
		}
		f.Func().Params(recv).Id("release").Params(rParam).Block(body...)
		rParam = jen.Id("r").Op("*").Qual(wirePkg, "Reuse")
		f.Line()
	}
	var cases []jen.Code
	for _, m := range d.Messages {
		if m.Wrapped() {
			continue
		}
		cases = append(cases, jen.Case(jen.Op("*").Id(m.Name)).Block(g.releaseAndPut(m.Type)...))
	}
	if len(cases) > 0 {
		// One release func serves the Decoder and the Codec's Release, so
		// that wire.Checker (wsbind validate) reuses memory the same way.
		f.Comment(releaseFunc(d) + " puts the memory of m, a message " + releaseFunc(d)[len("release"):] + " decoded, back into r.")
		f.Func().Id(releaseFunc(d)).Params(jen.Id("m").Qual(wirePkg, "Message"), jen.Id("r").Op("*").Qual(wirePkg, "Reuse")).Block(
			jen.Switch(jen.Id("v").Op(":=").Id("m").Assert(jen.Type())).Block(cases...),
		)
		f.Line()
	}
	name := d.GoName + "Decoder"
	emitDoc(f, comment(name+" decodes "+d.Name+" frames like Decode"+d.GoName+", into the memory of the messages it returned before: it keeps the last message of each type, with its maps, slices and union values, and decodes the next frame of that type into it. A message it returns, and everything it points at, is valid only until its next Decode; strings stay valid, being slices of a copy of each frame. Steady traffic then costs one allocation per frame, that copy. The zero value is ready to use; a "+name+" is not safe for concurrent use."))
	f.Type().Id(name).Struct(
		jen.Id("r").Qual(wirePkg, "Reuse"),
		jen.Id("last").Id(d.GoName),
	)
	f.Line()
	emitDoc(f, comment("Decode decodes one "+d.Name+" frame as Decode"+d.GoName+" does, reusing the memory of the messages dec returned before: the message it returned last is no longer valid."))
	var release jen.Code = jen.Null()
	if len(cases) > 0 {
		release = jen.If(jen.Id("dec").Dot("last").Op("!=").Nil()).Block(
			jen.Id(releaseFunc(d)).Call(jen.Id("dec").Dot("last"), jen.Op("&").Id("dec").Dot("r")),
			jen.Id("dec").Dot("last").Op("=").Nil(),
		)
	}
	f.Func().Params(jen.Id("dec").Op("*").Id(name)).Id("Decode").Params(jen.Id("frame").Index().Byte()).Params(jen.Id(d.GoName), jen.Error()).Block(
		release,
		jen.List(jen.Id("m"), jen.Err()).Op(":=").Qual(wirePkg, "DecodeFrameReuse").Call(jen.Op("&").Id(codecName(d)), jen.Id("frame"), jen.Id("decode"+d.GoName+d.Suffix), jen.Op("&").Id("dec").Dot("r")),
		jen.If(jen.Id("m").Op("!=").Nil()).Block(jen.Id("dec").Dot("last").Op("=").Id("m")),
		jen.Return(jen.Id("m"), jen.Err()),
	)
	f.Line()
}

// releaseFunc names the func that puts a message of d back into a Reuse.
func releaseFunc(d *ir.Direction) string { return "release" + d.GoName }

// hasReleaseFunc reports whether d gets one: whether any message of d is
// a struct the decoder can reuse.
func hasReleaseFunc(d *ir.Direction) bool {
	for _, m := range d.Messages {
		if !m.Wrapped() {
			return true
		}
	}
	return false
}
