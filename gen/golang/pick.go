package golang

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

// Messages nothing in the frame's shape tells apart are decoded by trying
// each (wire.Pick); each gets a whole-frame decoder, and each candidate
// leaf a table of them.

// frameDecoders emits decode<M>Frame for every message some candidate leaf
// or channel codec names.
func (g *gen) frameDecoders(f *jen.File, msgs []*ir.Message) {
	for _, m := range msgs {
		fn := frameDecoderName(m)
		once := fn + "Once"
		emitDoc(f, comment(fn+" decodes a whole frame as "+m.Name+", recording violations in s. Its error is set only for malformed JSON."))
		f.Func().Id(fn).Params(jen.Id("frame").Index().Byte(), jen.Id("s").Op("*").Qual(wirePkg, "Scope")).Params(jen.Qual(wirePkg, "Message"), jen.Error()).Block(
			jen.Return(jen.Qual(wirePkg, "Decode").Call(jen.Id("frame"), sID, jen.Id(once))),
		)
		f.Line()
		f.Func().Id(once).Params(jen.Id("frame").Index().Byte(), jen.Id("s").Op("*").Qual(wirePkg, "Scope")).Params(jen.Qual(wirePkg, "Message"), jen.Error()).Block(
			jen.Id("d").Op(":=").Qual(jxPkg, "GetDecoder").Call(),
			jen.Defer().Qual(jxPkg, "PutDecoder").Call(dID),
			dID.Clone().Dot("ResetBytes").Call(jen.Id("frame")),
			sID.Clone().Dot("SetFrame").Call(jen.Id("frame")),
			jen.Id("v").Op(":=").Op("&").Id(m.Name).Values(jen.Dict{jen.Id("raw"): jen.Id("frame")}),
			jen.If(jen.Err().Op(":=").Id("v").Dot("decodeJX").Call(dID, sID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.If(jen.Err().Op(":=").Qual(wirePkg, "End").Call(dID), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Return(jen.Id("v"), jen.Nil()),
		)
		f.Line()
	}
}

func frameDecoderName(m *ir.Message) string { return "decode" + m.Name + "Frame" }

// candidateTable names the package variable listing a leaf's candidates,
// emitting it on first use.
func (g *gen) candidateTable(d *ir.Direction, ms []*ir.Message) string {
	key := d.Name
	for _, m := range ms {
		key += "," + m.Name
	}
	if name, ok := g.candTables[key]; ok {
		return name
	}
	name := fmt.Sprintf("%sCandidates%d", d.Name, len(g.candTables))
	g.candTables[key] = name
	var items []jen.Code
	for _, m := range ms {
		g.needFrame(m)
		items = append(items, jen.Values(jen.Dict{
			jen.Id("Name"):   jen.Lit(m.Name),
			jen.Id("Decode"): jen.Id(frameDecoderName(m)),
		}))
	}
	g.candDecls = append(g.candDecls, jen.Comment(name+" are "+d.Name+" messages nothing in their shape tells apart: wire.Pick keeps the one a frame satisfies."), jen.Id(name).Op("=").Index().Qual(wirePkg, "Candidate").Values(items...))
	return name
}

func (g *gen) needFrame(m *ir.Message) {
	for _, x := range g.frameMsgs {
		if x == m {
			return
		}
	}
	g.frameMsgs = append(g.frameMsgs, m)
}

// candidateLeaf decodes a frame whose message only validation can choose.
// The frame is skipped on d: each candidate reads it afresh.
func (g *gen) candidateLeaf(d *ir.Direction, ms []*ir.Message) jen.Code {
	table := g.candidateTable(d, ms)
	return jen.Block(
		jen.If(jen.Err().Op(":=").Add(dID).Dot("Skip").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.List(jen.Id("v"), jen.Err()).Op(":=").Qual(wirePkg, "Pick").Call(jen.Id("frame"), sID, jen.Lit(d.Name), jen.Id(table)),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.If(jen.Id("v").Op("!=").Nil()).Block(
			jen.Id("m").Op("=").Id("v").Assert(jen.Id(d.GoName)),
		).Else().Block(
			jen.Id("m").Op("=").Op("&").Id("Unknown"+d.GoName).Values(jen.Qual(wirePkg, "Unknown").Values(jen.Dict{
				jen.Id("Raw"): jen.Id("frame"),
			})),
		),
	)
}
