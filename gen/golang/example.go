package golang

import (
	"strings"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"
)

// SpecExample is the spec example a package's Example runs, with what
// decoding it gives (worked out by gen/interp when generating), so that
// the Example's output is known.
type SpecExample struct {
	Direction string // "server" or "client"
	Message   string // the message the example belongs to
	Name      string
	JSON      string
	// Decoded is the message the decoder picks ("" for none), Valid its
	// verdict.
	Decoded string
	Valid   bool
}

// example emits example_gen_test.go: decode, validate and dispatch one of
// the spec's own message examples, output checked by go test.
func (g *gen) example(f *jen.File, ex *SpecExample) error {
	d := g.pkg.Server
	if ex.Direction == "client" {
		d = g.pkg.Client
	}
	ctx := jen.Qual(ctxPkg, "Context")
	body := []jen.Code{
		jen.Comment("The spec's example " + strings.TrimSpace(ex.Name) + " of " + ex.Message + "."),
		jen.Id("frame").Op(":=").Index().Byte().Call(literal(ex.JSON)),
		jen.List(jen.Id("m"), jen.Err()).Op(":=").Id("Decode" + d.GoName).Call(jen.Id("frame")),
		jen.If(jen.Err().Op("==").Nil()).Block(jen.Err().Op("=").Id("m").Dot("Validate").Call()),
		jen.Qual("fmt", "Println").Call(jen.Lit("valid:"), jen.Err().Op("==").Nil()),
		jen.Var().Id("d").Id(dispatcherName(d)),
	}
	want := []string{"valid: " + map[bool]string{true: "true", false: "false"}[ex.Valid]}
	if ex.Decoded != "" {
		body = append(body, jen.Id("d").Dot("On"+ex.Decoded).Call(jen.Func().Params(jen.Id("_").Add(ctx), jen.Id("m").Op("*").Id(ex.Decoded)).Block(
			jen.Qual("fmt", "Println").Call(jen.Lit("dispatched to On"+ex.Decoded)),
		)))
		want = append(want, "dispatched to On"+ex.Decoded)
	} else {
		body = append(body, jen.Id("d").Dot("OnUnknown").Call(jen.Func().Params(jen.Id("_").Add(ctx), jen.Id("_").Op("*").Qual(wirePkg, "Unknown")).Block(
			jen.Qual("fmt", "Println").Call(jen.Lit("no message of the spec matches it")),
		)))
		want = append(want, "no message of the spec matches it")
	}
	body = append(body, jen.Id("d").Dot("Dispatch").Call(jen.Qual(ctxPkg, "Background").Call(), jen.Id("m")))
	body = append(body, jen.Comment("Output:"))
	for _, w := range want {
		body = append(body, jen.Comment(w))
	}
	emitDoc(f, comment("Example_specExample decodes one of the spec's own message examples, validates it and dispatches it to a typed handler."))
	f.Func().Id("Example_specExample").Params().Block(body...)
	return nil
}

// literal is s as a raw string when it can be one, easier to read in an
// Example than an escaped one.
func literal(s string) jen.Code {
	if strings.ContainsAny(s, "`\r") || !utf8.ValidString(s) {
		return jen.Lit(s)
	}
	return jen.Op("`" + s + "`")
}
