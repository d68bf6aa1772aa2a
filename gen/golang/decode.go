package golang

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

// expr yields a fresh copy of an assignable expression each time, since
// jennifer statements are appended to in place.
type expr func() *jen.Statement

func id(name string) expr { return func() *jen.Statement { return jen.Id(name) } }

func (e expr) dot(name string) expr { return func() *jen.Statement { return e().Dot(name) } }

var (
	dID = jen.Id("d")
	sID = jen.Id("s")
)

func returnErrIfErr(ret ...jen.Code) jen.Code {
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(ret, jen.Err())...))
}

var jxTypeOf = map[string]string{
	"string": "String", "integer": "Number", "number": "Number", "boolean": "Bool",
	"array": "Array", "object": "Object", "null": "Null",
}

var leafFunc = map[ir.Kind]string{ir.String: "String", ir.Float: "Float", ir.Bool: "Bool"}

// noKey passes no property name: s already points at the value.
var noKey = jen.Lit("")

// isLeaf reports whether t is decoded by one wire call that names its property only
// when it reports something, so the caller need not push it.
func isLeaf(t *ir.Type) bool {
	switch t.Kind {
	case ir.String, ir.Int, ir.Float, ir.Bool, ir.Raw, ir.Enum:
		return true
	case ir.Nullable:
		return isLeaf(t.Elem)
	}
	return false
}

// decodeValue emits statements that decode the next value of d into
// target. It expects d, s and an error variable err in scope, and returns
// err from the enclosing function on malformed JSON. key is the property
// a leaf value belongs to when the caller did not push it ("" when s
// already points at the value).
func (g *gen) decodeValue(t *ir.Type, target expr, depth int, key jen.Code) []jen.Code {
	return g.decodeValueSlot(t, target, depth, key, -1)
}

// decodeValueSlot is decodeValue for a struct field whose map or slice
// has a wire.Reuse slot (-1 for none).
func (g *gen) decodeValueSlot(t *ir.Type, target expr, depth int, key jen.Code, slot int) []jen.Code {
	call := func(fn string, args ...jen.Code) *jen.Statement {
		return jen.Qual(wirePkg, fn).Call(append([]jen.Code{dID, sID, key}, args...)...)
	}
	switch t.Kind {
	case ir.Float:
		if t.NumberLits != [3]string{} {
			return []jen.Code{jen.If(jen.List(target(), jen.Err()).Op("=").Add(call("FloatIn", jen.Id(g.numberRule(t)))), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
		}
		return []jen.Code{jen.If(jen.List(target(), jen.Err()).Op("=").Add(call("Float")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
	case ir.Int:
		// An int64 field's keywords confine it to int64: IntIn reports a
		// larger literal by the keywords it breaks. A wider one is a
		// wire.Integer, checked by Validate.
		c := call("Int")
		switch {
		case t.Wide:
			c = call("AnyInt")
		case t.Ints != nil:
			c = call("IntIn", jen.Id(g.intRule(t.Ints)))
		}
		return []jen.Code{jen.If(jen.List(target(), jen.Err()).Op("=").Add(c), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
	case ir.String, ir.Bool:
		return []jen.Code{jen.If(jen.List(target(), jen.Err()).Op("=").Add(call(leafFunc[t.Kind])), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
	case ir.Raw:
		var types []jen.Code
		for _, rt := range t.RawTypes {
			types = append(types, jen.Qual(jxPkg, jxTypeOf[rt]))
		}
		return []jen.Code{jen.If(jen.List(target(), jen.Err()).Op("=").Add(call("Raw", types...)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
	case ir.Enum:
		sv := "sv" + strconv.Itoa(depth)
		read := call("String")
		if t.Open {
			// Any string is valid; one the spec does not list is drift.
			known := jen.Func().Params(jen.Id("v").String()).Bool().Block(jen.Return(jen.Id(t.Name).Call(jen.Id("v")).Dot("Known").Call()))
			read = call("OpenEnum", known, jen.Lit(quoteList(t.Values)))
		}
		return []jen.Code{jen.Block(
			jen.Var().Id(sv).String(),
			jen.If(jen.List(jen.Id(sv), jen.Err()).Op("=").Add(read), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			target().Op("=").Id(t.Name).Call(jen.Id(sv)),
		)}
	case ir.Struct:
		return []jen.Code{jen.If(jen.Err().Op("=").Add(target()).Dot("decodeJX").Call(dID, sID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
	case ir.Union:
		return []jen.Code{jen.If(jen.List(target(), jen.Err()).Op("=").Id("decode"+t.Name).Call(dID, sID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
	case ir.Nullable:
		inner := append([]jen.Code{target().Dot("Valid").Op("=").True()}, g.decodeValue(t.Elem, target.dot("Value"), depth+1, key)...)
		null := "null" + strconv.Itoa(depth)
		return []jen.Code{jen.Block(
			jen.Var().Id(null).Bool(),
			jen.If(jen.List(jen.Id(null), jen.Err()).Op("=").Qual(wirePkg, "Null").Call(dID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.If(jen.Op("!").Id(null)).Block(inner...),
		)}
	case ir.Slice:
		i, v := "i"+strconv.Itoa(depth), "v"+strconv.Itoa(depth)
		body := []jen.Code{
			sID.Clone().Dot("PushIndex").Call(jen.Id(i)),
			jen.Id(i).Op("++"),
			jen.Var().Id(v).Add(goType(t.Elem)),
			jen.Var().Err().Error(),
		}
		body = append(body, g.decodeValue(t.Elem, id(v), depth+1, noKey)...)
		body = append(body,
			sID.Clone().Dot("Pop").Call(),
			target().Op("=").Append(target(), jen.Id(v)),
			jen.Return(jen.Nil()),
		)
		ok := "ok" + strconv.Itoa(depth)
		return []jen.Code{jen.Block(
			jen.Var().Id(ok).Bool(),
			jen.If(jen.List(jen.Id(ok), jen.Err()).Op("=").Qual(wirePkg, "Expect").Call(dID, sID, jen.Qual(jxPkg, "Array"), jen.Lit("array")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.If(jen.Id(ok)).Block(
				target().Op("=").Add(g.makeCollection(t, slot)),
				jen.Id(i).Op(":=").Lit(0),
				jen.If(jen.Err().Op("=").Add(dID).Dot("Arr").Call(
					jen.Func().Params(jen.Id("d").Op("*").Qual(jxPkg, "Decoder")).Error().Block(body...),
				), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			),
		)}
	case ir.Map:
		v, k := "v"+strconv.Itoa(depth), "k"+strconv.Itoa(depth)
		body := []jen.Code{
			jen.Id(k).Op(":=").Add(sID).Dot("Text").Call(jen.Id("key")),
			jen.Var().Id(v).Add(goType(t.Elem)),
			jen.Var().Err().Error(),
		}
		if isLeaf(t.Elem) {
			body = append(body, g.decodeValue(t.Elem, id(v), depth+1, jen.Id(k))...)
		} else {
			body = append(body, sID.Clone().Dot("Push").Call(jen.Id(k)))
			body = append(body, g.decodeValue(t.Elem, id(v), depth+1, noKey)...)
			body = append(body, sID.Clone().Dot("Pop").Call())
		}
		body = append(body,
			target().Index(jen.Id(k)).Op("=").Id(v),
			jen.Return(jen.Nil()),
		)
		ok := "ok" + strconv.Itoa(depth)
		return []jen.Code{jen.Block(
			jen.Var().Id(ok).Bool(),
			jen.If(jen.List(jen.Id(ok), jen.Err()).Op("=").Qual(wirePkg, "Expect").Call(dID, sID, jen.Qual(jxPkg, "Object"), jen.Lit("object")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.If(jen.Id(ok)).Block(
				target().Op("=").Add(g.makeCollection(t, slot)),
				jen.If(jen.Err().Op("=").Add(dID).Dot("ObjBytes").Call(
					jen.Func().Params(jen.Id("d").Op("*").Qual(jxPkg, "Decoder"), jen.Id("key").Index().Byte()).Error().Block(body...),
				), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			),
		)}
	}
	panic(fmt.Sprintf("decodeValue: kind %d", t.Kind))
}

// makeCollection is an empty map or slice of type t, from its wire.Reuse
// slot when it has one.
func (g *gen) makeCollection(t *ir.Type, slot int) jen.Code {
	if slot < 0 {
		return jen.Add(goType(t)).Values()
	}
	fn := "MakeSlice"
	if t.Kind == ir.Map {
		fn = "MakeMap"
	}
	return jen.Qual(wirePkg, fn).Types(goType(t.Elem)).Call(sID, jen.Lit(slot))
}

func (g *gen) decode(f *jen.File) error {
	for _, t := range g.pkg.Types {
		switch t.Kind {
		case ir.Struct:
			if err := g.decodeStruct(f, t); err != nil {
				return err
			}
		case ir.Union:
			g.decodeUnion(f, t)
		}
	}
	for _, m := range g.pkg.Messages {
		if m.Wrapped() {
			g.decodeValueMessage(f, m)
		}
	}
	for _, d := range g.pkg.Directions() {
		if d.Root == nil {
			g.decodeEmptyDirection(f, d)
			continue
		}
		g.decodeDirection(f, d)
	}
	g.frameDecoders(f, g.frameMsgs)
	if d := g.pkg.Server; d != nil && d.Root != nil {
		g.reuseDecoder(f, d)
	}
	if len(g.candDecls) > 0 {
		f.Var().Defs(g.candDecls...)
	}
	if len(g.numRules) > 0 {
		f.Var().DefsFunc(func(gr *jen.Group) {
			for i, lits := range g.numRules {
				gr.Id(fmt.Sprintf("numberRule%d", i)).Op("=").Qual(wirePkg, "NewNumberRule").Call(jen.Lit(lits[0]), jen.Lit(lits[1]), jen.Lit(lits[2]))
			}
		})
	}
	return nil
}

// numberRule names the package variable holding t's exact number rule,
// one per distinct set of literals.
func (g *gen) numberRule(t *ir.Type) string {
	for i, lits := range g.numRules {
		if lits == t.NumberLits {
			return fmt.Sprintf("numberRule%d", i)
		}
	}
	g.numRules = append(g.numRules, t.NumberLits)
	return fmt.Sprintf("numberRule%d", len(g.numRules)-1)
}

// intRule names the package variable holding the wire.IntegerRule of an
// integer's keywords, one per distinct set. validate_gen.go declares them.
func (g *gen) intRule(r *ir.IntRule) string {
	for i, have := range g.intRules {
		if reflect.DeepEqual(have, *r) {
			return fmt.Sprintf("intRule%d", i)
		}
	}
	g.intRules = append(g.intRules, *r)
	return fmt.Sprintf("intRule%d", len(g.intRules)-1)
}

// intRuleVars declares the integer rules named by intRule.
func (g *gen) intRuleVars(f *jen.File) {
	if len(g.intRules) == 0 {
		return
	}
	f.Var().DefsFunc(func(gr *jen.Group) {
		for i, r := range g.intRules {
			// In the keywords' own order, not jen.Dict's alphabetical one.
			var kw []jen.Code
			for _, k := range []struct{ name, lit string }{
				{"Minimum", r.Minimum}, {"ExclusiveMinimum", r.ExclusiveMinimum},
				{"Maximum", r.Maximum}, {"ExclusiveMaximum", r.ExclusiveMaximum},
				{"MultipleOf", r.MultipleOf}, {"Const", r.Const},
			} {
				if k.lit != "" {
					kw = append(kw, jen.Id(k.name).Op(":").Lit(k.lit))
				}
			}
			if r.Enum != nil {
				kw = append(kw, jen.Id("Enum").Op(":").Index().String().Values(listLits(r.Enum)...))
			}
			gr.Id(fmt.Sprintf("intRule%d", i)).Op("=").Qual(wirePkg, "NewIntegerRule").Call(jen.Qual(wirePkg, "IntegerKeywords").Values(kw...))
		}
	})
}

// decodeValueMessage emits decodeJX for a message whose payload is not an
// object: the whole frame is its Value.
func (g *gen) decodeValueMessage(f *jen.File, m *ir.Message) {
	body := []jen.Code{jen.Var().Err().Error()}
	body = append(body, g.decodeValue(m.Type, id("m").dot("Value"), 0, noKey)...)
	body = append(body, jen.Return(jen.Nil()))
	f.Func().Params(jen.Id("m").Op("*").Id(m.Name)).Id("decodeJX").Params(
		jen.Id("d").Op("*").Qual(jxPkg, "Decoder"), jen.Id("s").Op("*").Qual(wirePkg, "Scope"),
	).Error().Block(body...)
	f.Line()
}

// decodeEmptyDirection emits the decoders of a direction the spec gives
// no message: every well-formed frame is unknown, and says so.
func (g *gen) decodeEmptyDirection(f *jen.File, d *ir.Direction) {
	fn := "decode" + d.GoName + d.Suffix
	emitDoc(f, comment(fn+" decodes one "+d.Name+" frame. The spec lists no "+d.Name+" message"+onChannel(d)+", so a well-formed frame is always *Unknown"+d.GoName+", with a violation; its error is set only for malformed JSON."))
	f.Func().Id(fn).Params(jen.Id("frame").Index().Byte(), jen.Id("s").Op("*").Qual(wirePkg, "Scope")).Params(jen.Id(d.GoName), jen.Error()).Block(
		jen.Id("d").Op(":=").Add(sID).Dot("Decoder").Call(jen.Id("frame")),
		sID.Clone().Dot("SetFrame").Call(jen.Id("frame")),
		jen.If(jen.Err().Op(":=").Add(dID).Dot("Skip").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.If(jen.Err().Op(":=").Qual(wirePkg, "End").Call(dID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		sID.Clone().Dot("Violate").Call(jen.Lit("oneOf"), jen.Lit("matches no "+d.Name+" message of the spec: it lists none")),
		jen.Return(jen.Op("&").Id("Unknown"+d.GoName).Values(jen.Qual(wirePkg, "Unknown").Values(jen.Dict{
			jen.Id("Raw"): jen.Id("frame"),
		})), jen.Nil()),
	)
	f.Line()
	if d.Suffix == "" {
		g.decodeFramePublic(f, d, fn)
	}
}

// onChannel names a per-channel direction's channel, for doc comments.
func onChannel(d *ir.Direction) string {
	if d.Channel == "" {
		return ""
	}
	return " on channel " + d.Channel
}

// decodeFramePublic emits Decode<Direction>, the exported entry point.
func (g *gen) decodeFramePublic(f *jen.File, d *ir.Direction, fn string) {
	pub := "Decode" + d.GoName
	emitDoc(f, comment(pub+" decodes one "+d.Name+" frame and checks what decoding needs: well-formed JSON in valid UTF-8, which message the frame is, JSON types, required properties, properties a closed object does not declare, integer range, and number bounds and constants compared exactly on the literal. It leaves the value checks (const, enum, pattern, format, lengths, item counts, compiled validators) to the message's Validate; "+codecName(d)+".Check runs both for one verdict. A frame that breaks what decoding checks still yields its message, with a *wire.FrameError; malformed JSON yields a nil message and a *wire.FrameError whose Syntax is set. A frame that matches no message yields *Unknown"+d.GoName+". The message keeps a reference to frame."))
	f.Func().Id(pub).Params(jen.Id("frame").Index().Byte()).Params(jen.Id(d.GoName), jen.Error()).Block(
		jen.Return(jen.Qual(wirePkg, "DecodeFrame").Call(jen.Op("&").Id(codecName(d)), jen.Id("frame"), jen.Id(fn))),
	)
	f.Line()
}

func (g *gen) decodeStruct(f *jen.File, t *ir.Type) error {
	var required []int
	for i, fl := range t.Fields {
		if fl.Required {
			required = append(required, i)
		}
	}
	if len(t.Fields) > 64 {
		return fmt.Errorf("%s: more than 64 properties", t.Name)
	}
	m := id("m")
	var cases []jen.Code
	for i, fl := range t.Fields {
		// A key seen twice: the last occurrence wins, as in encoding/json.
		body := []jen.Code{
			jen.If(jen.Id("dup").Op("&").Parens(jen.Lit(1).Op("<<").Lit(i)).Op("!=").Lit(0)).Block(
				sID.Clone().Dot("Forget").Call(jen.Lit(fl.Name)),
				jen.Var().Id("zero").Add(fieldType(fl)),
				m.dot(fl.GoName)().Op("=").Id("zero"),
			),
			jen.Id("dup").Op("|=").Lit(1).Op("<<").Lit(i),
		}
		if fl.Deprecated {
			body = append(body, sID.Clone().Dot("NoteAt").Call(jen.Lit(fl.Name), jen.Qual(wirePkg, "NoteDeprecated"), jen.Lit("the spec marks this property deprecated")))
		}
		if fl.Required {
			body = append(body, jen.Id("seen").Op("|=").Lit(1).Op("<<").Lit(i))
		}
		// Leaves name their property themselves, and only when they report
		// something: no push and pop per property on the happy path.
		leaf := isLeaf(fl.Type)
		key := jen.Lit(fl.Name)
		if !leaf {
			key = noKey
			body = append(body, sID.Clone().Dot("Push").Call(jen.Lit(fl.Name)))
		}
		target := m.dot(fl.GoName)
		optWrapped := !fl.Required && !optionalByNil(fl.Type)
		if optWrapped {
			target = target.dot("Value")
		}
		slot := -1
		if i, ok := g.slots().fields[fl]; ok {
			slot = i
		}
		body = append(body, g.decodeValueSlot(fl.Type, target, 0, key, slot)...)
		if optWrapped {
			body = append(body, m.dot(fl.GoName)().Dot("Set").Op("=").True())
		}
		if !leaf {
			body = append(body, sID.Clone().Dot("Pop").Call())
		}
		cases = append(cases, jen.Case(jen.Lit(fl.Name)).Block(body...))
	}
	cases = append(cases, jen.Default().Block(
		sID.Clone().Dot("Unknown").Call(jen.Id("key"), jen.Lit(t.Closed)),
		jen.Return(dID.Clone().Dot("Skip").Call()),
	))
	stmts := []jen.Code{
		jen.If(jen.List(jen.Id("ok"), jen.Err()).Op(":=").Qual(wirePkg, "Expect").Call(dID, sID, jen.Qual(jxPkg, "Object"), jen.Lit("object")), jen.Op("!").Id("ok")).Block(jen.Return(jen.Err())),
	}
	if t.Deprecated {
		stmts = append(stmts, sID.Clone().Dot("Note").Call(jen.Qual(wirePkg, "NoteDeprecated"), jen.Lit("the spec marks "+t.Name+" deprecated")))
	}
	stmts = append(stmts, jen.Var().Id("dup").Uint64())
	if len(required) > 0 {
		stmts = append(stmts, jen.Var().Id("seen").Uint64())
	}
	stmts = append(stmts,
		jen.If(jen.Err().Op(":=").Add(dID).Dot("ObjBytes").Call(
			jen.Func().Params(jen.Id("d").Op("*").Qual(jxPkg, "Decoder"), jen.Id("key").Index().Byte()).Error().Block(
				jen.Var().Err().Error(),
				jen.Switch(jen.String().Call(jen.Id("key"))).Block(cases...),
				jen.Return(jen.Err()),
			),
		), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
	)
	if len(required) > 0 {
		var mask uint64
		var checks []jen.Code
		for _, i := range required {
			mask |= 1 << i
			checks = append(checks, jen.If(jen.Id("seen").Op("&").Parens(jen.Lit(1).Op("<<").Lit(i)).Op("==").Lit(0)).Block(
				sID.Clone().Dot("Missing").Call(jen.Lit(t.Fields[i].Name)),
			))
		}
		stmts = append(stmts, jen.If(jen.Id("seen").Op("!=").Id(fmt.Sprintf("%#x", mask))).Block(checks...))
	}
	stmts = append(stmts, jen.Return(jen.Nil()))
	f.Func().Params(jen.Id("m").Op("*").Id(t.Name)).Id("decodeJX").Params(
		jen.Id("d").Op("*").Qual(jxPkg, "Decoder"), jen.Id("s").Op("*").Qual(wirePkg, "Scope"),
	).Error().Block(stmts...)
	f.Line()
	return nil
}

// peekString emits a look-ahead case that maps a string value of key to
// an index in tagVar (0 for values not listed or not strings). unknownVar,
// when set, receives a string not listed; with open, such a string is
// tagged -1, so that the catch-all of an open set notes it.
func peekString(key, tagVar string, values []string, index map[string]int, unknownVar string, open bool, after ...jen.Code) jen.Code {
	var cases []jen.Code
	for _, v := range values {
		cases = append(cases, jen.Case(jen.Lit(v)).Block(jen.Id(tagVar).Op("=").Lit(index[v])))
	}
	var other []jen.Code
	if unknownVar != "" {
		other = append(other, jen.Id(unknownVar).Op("=").String().Call(jen.Id("b")))
	}
	if open {
		other = append(other, jen.Id(tagVar).Op("=").Lit(-1))
	}
	if len(other) > 0 {
		cases = append(cases, jen.Default().Block(other...))
	}
	body := []jen.Code{jen.Id(tagVar).Op("=").Lit(0)}
	if unknownVar != "" {
		body = append(body, jen.Id(unknownVar).Op("=").Lit(""))
	}
	body = append(body, jen.If(jen.List(jen.Id("b"), jen.Id("ok")).Op(":=").Id("p").Dot("Str").Call(), jen.Id("ok")).Block(
		jen.Switch(jen.String().Call(jen.Id("b"))).Block(cases...),
	))
	return jen.Case(jen.Lit(key)).Block(append(body, after...)...)
}

// peek emits a walk over the members of an object with the wire.Peek
// start returns; the decoder stays where it was. Key cases may end the walk
// with stopPeek.
func peek(start jen.Code, keyCases []jen.Code, stops bool) []jen.Code {
	code := []jen.Code{jen.Id("p").Op(":=").Add(start)}
	if stops {
		code = append(code, jen.Id("look").Op(":"))
	}
	return append(code, jen.For(jen.Id("p").Dot("Next").Call()).Block(
		jen.Switch(jen.String().Call(jen.Id("p").Dot("Key").Call())).Block(keyCases...),
	))
}

// stopPeek ends a look-ahead once cond holds, unless the frame is being
// decoded again to honour the last occurrence of repeated keys.
func stopPeek(cond jen.Code) jen.Code {
	c := sID.Clone().Dot("FirstWins").Call()
	if cond != nil {
		c = jen.Add(cond).Op("&&").Add(c)
	}
	return jen.If(c).Block(jen.Break().Id("look"))
}

func (g *gen) decodeUnion(f *jen.File, t *ir.Type) {
	fn := "decode" + t.Name
	params := []jen.Code{jen.Id("d").Op("*").Qual(jxPkg, "Decoder"), jen.Id("s").Op("*").Qual(wirePkg, "Scope")}
	if t.Disc == "" {
		var cases []jen.Code
		var want []string
		for _, b := range t.Branches {
			want = append(want, b.JSONType)
			var body []jen.Code
			if b.GoName == "" {
				body = []jen.Code{
					jen.Id("v").Op(":=").Add(g.newStruct(b.Type, b.Type.Name)),
					jen.Return(jen.Id("v"), jen.Id("v").Dot("decodeJX").Call(dID, sID)),
				}
			} else {
				inner := append([]jen.Code{jen.Var().Err().Error()}, g.decodeValue(b.Type, id("v"), 0, noKey)...)
				inner = append(inner, jen.Return(jen.Nil()))
				wrap := jen.Id(b.GoName).Call(jen.Id("v"))
				if wideInt(b.Type) {
					wrap = jen.Id(b.GoName).Values(jen.Id("v"))
				}
				body = []jen.Code{
					jen.Var().Id("v").Add(goType(b.Type)),
					jen.Err().Op(":=").Func().Params().Error().Block(inner...).Call(),
					jen.Return(wrap, jen.Err()),
				}
			}
			cases = append(cases, jen.Case(jen.Qual(jxPkg, jxTypeOf[b.JSONType])).Block(body...))
		}
		f.Func().Id(fn).Params(params...).Params(jen.Id(t.Name), jen.Error()).Block(
			jen.Switch(dID.Clone().Dot("Next").Call()).Block(cases...),
			jen.Return(jen.Nil(), jen.Qual(wirePkg, "Mismatch").Call(dID, sID, jen.Lit(joinNames(want)))),
		)
		f.Line()
		return
	}
	index := map[string]int{}
	var values []string
	var cases []jen.Code
	var open *ir.Branch
	for _, b := range t.Branches {
		if b.Open {
			open = b
			continue
		}
		var lits []jen.Code
		for _, v := range b.Values {
			index[v] = len(values) + 1
			values = append(values, v)
			lits = append(lits, jen.Lit(index[v]))
		}
		cases = append(cases, jen.Case(lits...).Block(
			jen.Id("v").Op(":=").Add(g.newStruct(b.Type, b.Type.Name)),
			jen.Return(jen.Id("v"), jen.Id("v").Dot("decodeJX").Call(dID, sID)),
		))
	}
	if open != nil {
		// The catch-all takes every other frame; its schema reports a
		// missing or mistyped discriminator.
		cases = append(cases, jen.Default().Block(
			jen.If(jen.Id("tag").Op("==").Lit(-1)).Block(
				jen.Qual(wirePkg, "UnknownVariant").Call(sID, jen.Lit(t.Disc), jen.Lit(open.Type.Name)),
			),
			jen.List(jen.Id("raw"), jen.Err()).Op(":=").Add(dID).Dot("Raw").Call(),
			returnErrIfErr(jen.Nil()),
			jen.Id("v").Op(":=").Op("&").Id(open.Type.Name).Values(jen.Dict{jen.Id(rawField(open.Type)): jen.Qual(jsonPkg, "RawMessage").Call(jen.Id("raw"))}),
			jen.Id("rd").Op(":=").Qual(jxPkg, "GetDecoder").Call(),
			jen.Defer().Qual(jxPkg, "PutDecoder").Call(jen.Id("rd")),
			jen.Id("rd").Dot("ResetBytes").Call(jen.Id("raw")),
			jen.Return(jen.Id("v"), jen.Id("v").Dot("decodeJX").Call(jen.Id("rd"), sID)),
		))
		f.Func().Id(fn).Params(params...).Params(jen.Id(t.Name), jen.Error()).Block(
			jen.If(jen.List(jen.Id("ok"), jen.Err()).Op(":=").Qual(wirePkg, "Expect").Call(dID, sID, jen.Qual(jxPkg, "Object"), jen.Lit("object")), jen.Op("!").Id("ok")).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Id("tag").Op(":=").Lit(0),
			jen.Block(peek(sID.Clone().Dot("Members").Call(dID), []jen.Code{peekString(t.Disc, "tag", values, index, "", true, stopPeek(nil))}, true)...),
			jen.Switch(jen.Id("tag")).Block(cases...),
		)
		f.Line()
		return
	}
	f.Func().Id(fn).Params(params...).Params(jen.Id(t.Name), jen.Error()).Block(
		jen.If(jen.List(jen.Id("ok"), jen.Err()).Op(":=").Qual(wirePkg, "Expect").Call(dID, sID, jen.Qual(jxPkg, "Object"), jen.Lit("object")), jen.Op("!").Id("ok")).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Id("tag").Op(":=").Lit(0),
		jen.Id("got").Op(":=").Lit(""),
		jen.Block(peek(sID.Clone().Dot("Members").Call(dID), []jen.Code{peekString(t.Disc, "tag", values, index, "got", false, stopPeek(nil))}, true)...),
		jen.Switch(jen.Id("tag")).Block(cases...),
		jen.List(jen.Id("raw"), jen.Err()).Op(":=").Add(dID).Dot("Raw").Call(),
		returnErrIfErr(jen.Nil()),
		jen.Qual(wirePkg, "UnknownTag").Call(append([]jen.Code{sID, jen.Lit(t.Disc), jen.Id("got")}, lits(values)...)...),
		jen.Return(jen.Op("&").Id(unknownName(t)).Values(jen.Qual(wirePkg, "Unknown").Values(jen.Dict{
			jen.Id("Pointer"): sID.Clone().Dot("Pointer").Call(),
			jen.Id("Raw"):     jen.Qual(jsonPkg, "RawMessage").Call(jen.Id("raw")),
		})), jen.Nil()),
	)
	f.Line()
}

// dirScan numbers every value each const key of a dispatch tree can take
// and every presence key, so the look-ahead stores small integers instead
// of strings.
type dirScan struct {
	keys     []string                  // const keys in order of first use
	values   map[string][]string       // per key, values in order
	index    map[string]map[string]int // per key, value to 1-based index
	presence []string                  // presence keys, bit i
	open     map[string]bool           // keys a catch-all message stands apart by
	dir      *ir.Direction
}

func (ds *dirScan) walk(sw *ir.Switch) {
	if sw.Leaf() {
		return
	}
	if sw.Default != nil {
		ds.key(sw.Key)
		ds.open[sw.Key] = true
	}
	for _, c := range sw.Cases {
		if sw.ByType {
			ds.walk(c.Next)
			continue
		}
		if sw.Presence {
			if ds.bit(c.Values[0]) == 0 {
				ds.presence = append(ds.presence, c.Values[0])
			}
		} else {
			ds.key(sw.Key)
			for _, v := range c.Values {
				if _, ok := ds.index[sw.Key][v]; !ok {
					ds.values[sw.Key] = append(ds.values[sw.Key], v)
					ds.index[sw.Key][v] = len(ds.values[sw.Key])
				}
			}
		}
		ds.walk(c.Next)
	}
}

// key registers a const key.
func (ds *dirScan) key(k string) {
	if ds.index[k] == nil {
		ds.index[k] = map[string]int{}
		ds.keys = append(ds.keys, k)
	}
}

func (ds *dirScan) bit(key string) uint64 {
	for i, k := range ds.presence {
		if k == key {
			return 1 << i
		}
	}
	return 0
}

func tagVar(key string) string { return "tag" + ir.GoName(key) }

func (g *gen) decodeDirection(f *jen.File, d *ir.Direction) {
	ds := &dirScan{values: map[string][]string{}, index: map[string]map[string]int{}, open: map[string]bool{}, dir: d}
	ds.walk(d.Root)
	var keyCases []jen.Code
	var decls []jen.Code
	// The look-ahead may stop once every const key was seen, unless a
	// presence key needs the whole object.
	var stop []jen.Code
	switch {
	case len(ds.presence) > 0:
	case len(ds.keys) == 1:
		stop = []jen.Code{stopPeek(nil)}
	case len(ds.keys) > 1:
		decls = append(decls, jen.Var().Id("seen").Uint64())
	}
	for i, k := range ds.keys {
		decls = append(decls, jen.Id(tagVar(k)).Op(":=").Lit(0))
		after := stop
		if len(ds.keys) > 1 && len(ds.presence) == 0 {
			all := fmt.Sprintf("%#x", uint64(1)<<len(ds.keys)-1)
			after = []jen.Code{
				jen.Id("seen").Op("|=").Id(fmt.Sprintf("%#x", uint64(1)<<i)),
				stopPeek(jen.Id("seen").Op("==").Id(all)),
			}
		}
		keyCases = append(keyCases, peekString(k, tagVar(k), ds.values[k], ds.index[k], "", ds.open[k], after...))
	}
	// Presence keys alone: the first found selects the message, and
	// Scope.Watch has the frame checked again if another turns up.
	presenceOnly := len(ds.presence) > 0 && len(ds.keys) == 0
	if len(ds.presence) > 0 {
		decls = append(decls, jen.Var().Id("has").Uint64())
		for _, k := range ds.presence {
			c := []jen.Code{jen.Id("has").Op("|=").Id(fmt.Sprintf("%#x", ds.bit(k)))}
			if presenceOnly {
				c = append(c, stopPeek(nil))
			}
			keyCases = append(keyCases, jen.Case(jen.Lit(k)).Block(c...))
		}
	}
	if presenceOnly {
		watchVar := strings.ToLower(d.GoName[:1]) + d.GoName[1:] + d.Suffix + "Presence"
		var lits []jen.Code
		for _, k := range ds.presence {
			lits = append(lits, jen.Lit(k))
		}
		f.Comment(watchVar + " lists the keys whose presence selects a " + d.Name + " message.")
		f.Var().Id(watchVar).Op("=").Index().String().Values(lits...)
		decls = append(decls, sID.Clone().Dot("Watch").Call(jen.Id(watchVar)))
	}
	fn := "decode" + d.GoName + d.Suffix
	once := fn + "Once"
	body := []jen.Code{
		jen.Id("d").Op(":=").Add(sID).Dot("Decoder").Call(jen.Id("frame")),
		sID.Clone().Dot("SetFrame").Call(jen.Id("frame")),
	}
	body = append(body, decls...)
	if len(keyCases) > 0 {
		start := jen.Qual(wirePkg, "PeekObject").Call(jen.Id("frame"))
		if len(ds.keys) == 1 && len(ds.presence) == 0 {
			start = jen.Qual(wirePkg, "PeekLast").Call(jen.Id("frame"), jen.Lit(ds.keys[0]))
		}
		body = append(body, jen.Block(peek(start, keyCases, len(ds.presence) == 0 || presenceOnly)...))
	}
	body = append(body,
		jen.Var().Id("m").Id(d.GoName),
		g.dirSwitch(d.Root, ds),
	)
	// A direction of one message takes every frame: no unknown case.
	if !d.Root.Leaf() {
		body = append(body, jen.If(jen.Id("m").Op("==").Nil()).Block(
			jen.If(jen.Err().Op(":=").Add(dID).Dot("Skip").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			sID.Clone().Dot("Violate").Call(jen.Lit("oneOf"), jen.Lit("matches no "+d.Name+" message of the spec")),
			sID.Clone().Dot("Recheck").Call(),
			jen.Id("m").Op("=").Op("&").Id("Unknown"+d.GoName).Values(jen.Qual(wirePkg, "Unknown").Values(jen.Dict{
				jen.Id("Raw"): jen.Id("frame"),
			})),
		))
	}
	body = append(body,
		jen.If(jen.Err().Op(":=").Qual(wirePkg, "End").Call(dID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("m"), jen.Nil()),
	)
	emitDoc(f, comment(fn+" decodes one "+d.Name+" frame"+onChannel(d)+" into its message, recording violations and drift in s. Its error is set only for malformed JSON."))
	f.Func().Id(fn).Params(jen.Id("frame").Index().Byte(), jen.Id("s").Op("*").Qual(wirePkg, "Scope")).Params(jen.Id(d.GoName), jen.Error()).Block(
		jen.Return(jen.Qual(wirePkg, "Decode").Call(jen.Id("frame"), sID, jen.Id(once))),
	)
	f.Line()
	emitDoc(f, comment(once+" is one pass of "+fn+"."))
	f.Func().Id(once).Params(jen.Id("frame").Index().Byte(), jen.Id("s").Op("*").Qual(wirePkg, "Scope")).Params(jen.Id(d.GoName), jen.Error()).Block(body...)
	f.Line()
	if d.Suffix == "" {
		g.decodeFramePublic(f, d, fn)
	}
}

func codecName(d *ir.Direction) string {
	name := "ServerCodec"
	if d.Name == "client" {
		name = "ClientCodec"
	}
	if d.Suffix != "" {
		return strings.ToLower(name[:1]) + name[1:] + d.Suffix // reached through Channels
	}
	return name
}

func (g *gen) dirSwitch(sw *ir.Switch, ds *dirScan) jen.Code {
	if m := sw.Message; m != nil {
		if i := g.typeSlot(m.Type); i >= 0 && !m.Wrapped() {
			return jen.Block(
				jen.Id("v").Op(":=").Qual(wirePkg, "New").Types(jen.Id(m.Name)).Call(sID, jen.Lit(i)),
				jen.Id("v").Dot("raw").Op("=").Id("frame"),
				jen.If(jen.Err().Op(":=").Id("v").Dot("decodeJX").Call(dID, sID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.Id("m").Op("=").Id("v"),
			)
		}
		return jen.Block(
			jen.Id("v").Op(":=").Op("&").Id(m.Name).Values(jen.Dict{jen.Id("raw"): jen.Id("frame")}),
			jen.If(jen.Err().Op(":=").Id("v").Dot("decodeJX").Call(dID, sID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Id("m").Op("=").Id("v"),
		)
	}
	if len(sw.Candidates) > 0 {
		return g.candidateLeaf(ds.dir, sw.Candidates)
	}
	var cases []jen.Code
	if sw.ByType {
		for _, c := range sw.Cases {
			var types []jen.Code
			for _, v := range c.Values {
				if v != "integer" { // "number" covers it: jx.Number
					types = append(types, jen.Qual(jxPkg, jxTypeOf[v]))
				}
			}
			cases = append(cases, jen.Case(types...).Block(g.dirSwitch(c.Next, ds)))
		}
		return jen.Switch(dID.Clone().Dot("Next").Call()).Block(cases...)
	}
	if sw.Presence {
		var mask uint64
		for _, c := range sw.Cases {
			mask |= ds.bit(c.Values[0])
		}
		for _, c := range sw.Cases {
			cases = append(cases, jen.Case(jen.Id(fmt.Sprintf("%#x", ds.bit(c.Values[0])))).Block(g.dirSwitch(c.Next, ds)))
		}
		return jen.Switch(jen.Id("has").Op("&").Id(fmt.Sprintf("%#x", mask))).Block(cases...)
	}
	for _, c := range sw.Cases {
		var lits []jen.Code
		for _, v := range c.Values {
			lits = append(lits, jen.Lit(ds.index[sw.Key][v]))
		}
		cases = append(cases, jen.Case(lits...).Block(g.dirSwitch(c.Next, ds)))
	}
	if m := sw.Default; m != nil {
		cases = append(cases, jen.Default().Block(
			jen.If(jen.Id(tagVar(sw.Key)).Op("==").Lit(-1)).Block(
				jen.Qual(wirePkg, "UnknownVariant").Call(sID, jen.Lit(sw.Key), jen.Lit(m.Name)),
			),
			g.dirSwitch(&ir.Switch{Message: m}, ds),
		))
	}
	return jen.Switch(jen.Id(tagVar(sw.Key))).Block(cases...)
}

// lits turns strings into literals: the values an unknown discriminator
// is reported against.
func lits(values []string) []jen.Code {
	out := make([]jen.Code, len(values))
	for i, v := range values {
		out[i] = jen.Lit(v)
	}
	return out
}
