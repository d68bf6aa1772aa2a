package golang

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

// encode writes encode_gen.go: an encoder per struct, union and wrapped
// message, so that outgoing frames are written without reflection. Each
// struct and wrapped message gets
//
//	func (m *T) encodeJSON(w *wire.Writer)
//	func (m *T) AppendJSON(dst []byte) ([]byte, error)
//
// and each union a func encodeU(w *wire.Writer, v U). The bytes are those
// encoding/json's Marshal writes for the same value: properties in spec
// order (the struct's field order), an absent wire.Opt left out as
// omitzero leaves it, an invalid wire.Nullable as null, a nil slice, map
// or required raw value as null, map keys sorted, strings HTML-escaped,
// numbers in encoding/json's float format, json.RawMessage compacted.
// wire.Writer does the per-value work; the generator merges the
// punctuation and pre-escaped keys between values into one literal.
//
// The catch-all struct of an open union (KeepRaw) writes its declared
// fields, as json.Marshal does (its raw field is json:"-"): a value edited
// in code goes out as edited. Its Raw is what was received.
func (g *gen) encode(f *jen.File) error {
	for _, t := range g.pkg.Types {
		if t.Kind != ir.Struct {
			continue
		}
		for _, fl := range t.Fields {
			if fl.GoName == "AppendJSON" || fl.GoName == "encodeJSON" {
				return fmt.Errorf("field %s of %s (%s) would shadow the generated method %s; set x-wsbind-go-name", fl.Name, t.Name, t.Loc, fl.GoName)
			}
		}
	}
	for _, t := range g.pkg.Types {
		switch t.Kind {
		case ir.Struct:
			g.encodeStruct(f, t)
		case ir.Union:
			g.encodeUnion(f, t)
		}
	}
	for _, m := range g.pkg.Messages {
		if m.Wrapped() {
			b := &encBody{}
			g.encodeValue(b, m.Type, id("m").dot("Value"), 0)
			g.encodeMethods(f, m.Name, "m's payload, Value,", true, b.done())
		}
	}
	return nil
}

// wID is the generated encoders' *wire.Writer.
var wID = jen.Id("w")

// encBody collects the statements of one block, merging consecutive
// literal JSON text into one w.Lit (or w.Byte) call.
type encBody struct {
	code []jen.Code
	lit  strings.Builder
}

// text queues JSON text to be written as it is.
func (b *encBody) text(s string) { b.lit.WriteString(s) }

func (b *encBody) flush() {
	s := b.lit.String()
	b.lit.Reset()
	switch len(s) {
	case 0:
	case 1:
		b.code = append(b.code, wID.Clone().Dot("Byte").Call(jen.LitRune(rune(s[0]))))
	default:
		b.code = append(b.code, wID.Clone().Dot("Lit").Call(jen.Lit(s)))
	}
}

// add appends statements after the queued text.
func (b *encBody) add(c ...jen.Code) {
	b.flush()
	b.code = append(b.code, c...)
}

// call appends w.<method>(args...).
func (b *encBody) call(method string, args ...jen.Code) {
	b.add(wID.Clone().Dot(method).Call(args...))
}

func (b *encBody) done() []jen.Code {
	b.flush()
	return b.code
}

// jsonKey is the property name as encoding/json writes it, with the colon.
func jsonKey(name string) string {
	q, err := json.Marshal(name)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(q) + ":"
}

// encodeMethods emits encodeJSON with body and the public AppendJSON.
// An encoder of a struct without properties does not read m.
func (g *gen) encodeMethods(f *jen.File, name, what string, useM bool, body []jen.Code) {
	recv := jen.Id("m")
	if !useM {
		recv = jen.Id("_")
	}
	f.Func().Params(recv.Op("*").Id(name)).Id("encodeJSON").Params(wID.Clone().Op("*").Qual(wirePkg, "Writer")).Block(body...)
	f.Line()
	emitDoc(f, comment("AppendJSON appends "+what+" as JSON to dst, without reflection: the bytes json.Marshal writes for it. A NaN or infinite number, or a raw value that is not JSON, is an error (nil is returned)."))
	f.Func().Params(jen.Id("m").Op("*").Id(name)).Id("AppendJSON").Params(jen.Id("dst").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Id("w").Op(":=").Qual(wirePkg, "NewWriter").Call(jen.Id("dst")),
		jen.Id("m").Dot("encodeJSON").Call(jen.Op("&").Id("w")),
		jen.Return(jen.Id("w").Dot("Result").Call()),
	)
	f.Line()
}

// Whether a comma goes before a property: known when every property
// before it is required (or none is there), decided at run time otherwise.
const (
	sepFirst = iota // nothing written yet
	sepComma        // something written
	sepMaybe        // depends on optional properties: the more variable
)

func (g *gen) encodeStruct(f *jen.File, t *ir.Type) {
	// Where each property stands, to declare more only when it is read.
	states := make([]int, len(t.Fields))
	st := sepFirst
	lastMaybe := -1
	for i, fl := range t.Fields {
		states[i] = st
		if st == sepMaybe {
			lastMaybe = i
		}
		switch {
		case fl.Required:
			st = sepComma
		case st == sepFirst:
			st = sepMaybe
		}
	}
	b := &encBody{}
	if lastMaybe >= 0 {
		b.add(jen.Id("more").Op(":=").False())
	}
	b.text("{")
	m := id("m")
	for i, fl := range t.Fields {
		key := jsonKey(fl.Name)
		inner := b
		if !fl.Required {
			inner = &encBody{}
		}
		switch states[i] {
		case sepFirst:
			inner.text(key)
		case sepComma:
			inner.text("," + key)
		case sepMaybe:
			inner.add(wID.Clone().Dot("Key").Call(jen.Op("&").Id("more"), jen.Lit(key)))
		}
		target := m.dot(fl.GoName)
		var present jen.Code
		switch {
		case fl.Required:
		case optionalByNil(fl.Type):
			present = target().Op("!=").Nil()
		default:
			present = target().Dot("Set")
			target = target.dot("Value")
		}
		if present != nil && optionalByNil(fl.Type) {
			g.encodeNonNil(inner, fl.Type, target, 0)
		} else {
			g.encodeValue(inner, fl.Type, target, 0)
		}
		if !fl.Required {
			if states[i] == sepFirst && i < lastMaybe {
				inner.add(jen.Id("more").Op("=").True())
			}
			b.add(jen.If(present).Block(inner.done()...))
		}
	}
	b.text("}")
	what := "m"
	if t.KeepRaw {
		what = "m's declared properties (not " + rawField(t) + ", which is what was received)"
	}
	g.encodeMethods(f, t.Name, what, len(t.Fields) > 0, b.done())
}

// encodeValue emits statements that write the value of x, of type t.
// x must be addressable (struct encoders have pointer receivers).
func (g *gen) encodeValue(b *encBody, t *ir.Type, x expr, depth int) {
	switch t.Kind {
	case ir.String:
		b.call("Str", x())
	case ir.Int:
		if t.Wide {
			b.call("Integer", x())
		} else {
			b.call("Int", x())
		}
	case ir.Float:
		b.call("Float", x())
	case ir.Bool:
		b.call("Bool", x())
	case ir.Raw:
		b.call("Raw", x())
	case ir.Enum:
		b.call("Str", jen.String().Call(x()))
	case ir.Struct:
		b.add(x().Dot("encodeJSON").Call(wID))
	case ir.Union:
		b.add(jen.Id("encode"+t.Name).Call(wID, x()))
	case ir.Nullable:
		inner := &encBody{}
		g.encodeValue(inner, t.Elem, x.dot("Value"), depth+1)
		b.add(jen.If(x().Dot("Valid")).Block(inner.done()...).Else().Block(wID.Clone().Dot("Null").Call()))
	case ir.Slice, ir.Map:
		nonNil := &encBody{}
		g.encodeNonNil(nonNil, t, x, depth)
		b.add(jen.If(x().Op("==").Nil()).Block(wID.Clone().Dot("Null").Call()).Else().Block(nonNil.done()...))
	default:
		panic(fmt.Sprintf("encodeValue: kind %d", t.Kind))
	}
}

// encodeNonNil is encodeValue for a value known not to be nil: an
// optional raw value, slice, map or union that is present.
func (g *gen) encodeNonNil(b *encBody, t *ir.Type, x expr, depth int) {
	switch t.Kind {
	case ir.Slice:
		i := "i" + strconv.Itoa(depth)
		inner := &encBody{}
		inner.add(jen.If(jen.Id(i).Op(">").Lit(0)).Block(wID.Clone().Dot("Byte").Call(jen.LitRune(','))))
		g.encodeValue(inner, t.Elem, func() *jen.Statement { return x().Index(jen.Id(i)) }, depth+1)
		b.text("[")
		b.add(jen.For(jen.Id(i).Op(":=").Range().Add(x())).Block(inner.done()...))
		b.text("]")
	case ir.Map:
		i, k, v := "i"+strconv.Itoa(depth), "k"+strconv.Itoa(depth), "v"+strconv.Itoa(depth)
		inner := &encBody{}
		inner.add(
			jen.If(jen.Id(i).Op(">").Lit(0)).Block(wID.Clone().Dot("Byte").Call(jen.LitRune(','))),
			wID.Clone().Dot("Str").Call(jen.Id(k)),
		)
		inner.text(":")
		// A map value is not addressable: copy it.
		inner.add(jen.Id(v).Op(":=").Add(x()).Index(jen.Id(k)))
		g.encodeValue(inner, t.Elem, id(v), depth+1)
		b.text("{")
		b.add(jen.For(jen.List(jen.Id(i), jen.Id(k)).Op(":=").Range().Qual(wirePkg, "SortedKeys").Call(x())).Block(inner.done()...))
		b.text("}")
	default:
		g.encodeValue(b, t, x, depth)
	}
}

// encodeUnion emits encodeU, a switch on the dynamic type of a U value:
// every type that implements U's seal has a case, so the switch is
// exhaustive by construction. nil, and a nil pointer, write null, as
// json.Marshal does.
func (g *gen) encodeUnion(f *jen.File, t *ir.Type) {
	var cases []jen.Code
	nilNull := jen.If(jen.Id("v").Op("==").Nil()).Block(wID.Clone().Dot("Null").Call(), jen.Return())
	for _, s := range g.pkg.Types {
		if s.Kind != ir.Struct || !containsType(s.Unions, t) {
			continue
		}
		cases = append(cases, jen.Case(jen.Op("*").Id(s.Name)).Block(nilNull.Clone(), jen.Id("v").Dot("encodeJSON").Call(wID)))
	}
	for _, br := range t.Branches {
		if br.GoName == "" {
			continue
		}
		b := &encBody{}
		if wideInt(br.Type) {
			b.call("Integer", jen.Id("v").Dot("Integer"))
		} else if isLeaf(br.Type) {
			g.encodeValue(b, br.Type, func() *jen.Statement { return jen.Add(goType(br.Type)).Call(jen.Id("v")) }, 0)
		} else {
			b.add(jen.Id("x").Op(":=").Add(goType(br.Type)).Call(jen.Id("v")))
			g.encodeValue(b, br.Type, id("x"), 0)
		}
		cases = append(cases, jen.Case(jen.Id(br.GoName)).Block(b.done()...))
	}
	if t.Disc != "" {
		cases = append(cases, jen.Case(jen.Op("*").Id(unknownName(t))).Block(nilNull.Clone(), wID.Clone().Dot("Marshaled").Call(jen.Id("v").Dot("Raw"))))
	}
	cases = append(cases, jen.Case(jen.Nil()).Block(wID.Clone().Dot("Null").Call()))
	f.Func().Id("encode"+t.Name).Params(wID.Clone().Op("*").Qual(wirePkg, "Writer"), jen.Id("v").Id(t.Name)).Block(
		jen.Switch(jen.Id("v").Op(":=").Id("v").Assert(jen.Type())).Block(cases...),
	)
	f.Line()
}

func containsType(ts []*ir.Type, t *ir.Type) bool {
	for _, u := range ts {
		if u == t {
			return true
		}
	}
	return false
}
