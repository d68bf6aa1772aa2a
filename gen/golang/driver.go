package golang

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

// credential is one string the driver maps onto a Config field.
type credential struct {
	key   string // as given on the command line
	field string // Config field
	conv  *ir.Type
}

func (g *gen) credentials() []credential {
	cs := g.pkg.ClientSpec
	var out []credential
	switch cs.Auth.Kind {
	case "per-message", "init-payload", "ticket":
		out = append(out, credential{key: "token", field: "Token"})
	}
	if cs.Auth.TokenTypePointer != "" {
		if _, tt, err := setValue(g.firstMessageWith(cs.Auth.TokenTypePointer), id("m"), cs.Auth.TokenTypePointer, jen.Id("x"), false); err == nil && tt != nil {
			out = append(out, credential{key: "token_type", field: "TokenType", conv: tt})
		}
	}
	for _, h := range cs.Auth.Headers {
		out = append(out, credential{key: h.Name, field: ir.GoName(h.Name)})
	}
	return out
}

// driver emits Driver, the adapter that lets wsbind record and demo use
// this typed client with string arguments.
func (g *gen) driver(f *jen.File) error {
	cs := g.pkg.ClientSpec
	ctx := jen.Qual(ctxPkg, "Context")
	creds := g.credentials()
	var credNames, ops []jen.Code
	for _, c := range creds {
		credNames = append(credNames, jen.Lit(c.key))
	}
	var cases []jen.Code
	for _, op := range cs.Ops {
		var params []jen.Code
		var args []jen.Code
		var conv []jen.Code
		for i, p := range op.Params {
			params = append(params, jen.Lit(p.Name))
			arg := jen.Id("args").Index(jen.Lit(i))
			if p.Template != "" {
				args = append(args, arg)
				continue
			}
			_, leaf, err := setValue(op.Message.Type, id("m"), p.Pointer, jen.Id("x"), false)
			if err != nil {
				return err
			}
			switch leaf.Kind {
			case ir.String:
				args = append(args, arg)
			case ir.Enum:
				args = append(args, jen.Id(leaf.Name).Call(arg))
			case ir.Int:
				v := fmt.Sprintf("a%d", i)
				parse := jen.Qual("strconv", "ParseInt").Call(arg, jen.Lit(10), jen.Lit(64))
				if leaf.Wide {
					parse = jen.Qual(wirePkg, "ParseInteger").Call(arg)
				}
				conv = append(conv,
					jen.List(jen.Id(v), jen.Err()).Op(":=").Add(parse),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(op.Method+": "+p.Name+": %w"), jen.Err()))),
				)
				args = append(args, jen.Id(v))
			case ir.Bool:
				v := fmt.Sprintf("a%d", i)
				conv = append(conv,
					jen.List(jen.Id(v), jen.Err()).Op(":=").Qual("strconv", "ParseBool").Call(arg),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(op.Method+": "+p.Name+": %w"), jen.Err()))),
				)
				args = append(args, jen.Id(v))
			default:
				return fmt.Errorf("%s: parameter %s cannot be given as text", op.Method, p.Name)
			}
		}
		ops = append(ops, jen.Values(jen.Dict{
			jen.Id("Name"):      jen.Lit(op.Method),
			jen.Id("Params"):    jen.Index().String().Values(params...),
			jen.Id("Subscribe"): jen.Lit(op.Sub == "add"),
		}))
		body := []jen.Code{
			jen.If(jen.Len(jen.Id("args")).Op("!=").Lit(len(op.Params))).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s takes %s, got %%d", op.Method, plural(len(op.Params), "argument"))), jen.Len(jen.Id("args")))),
			),
		}
		body = append(body, conv...)
		body = append(body,
			jen.If(jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("d").Dot("c").Dot(op.Method).Call(append([]jen.Code{jen.Id("ctx")}, args...)...), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Return(jen.Nil()),
		)
		cases = append(cases, jen.Case(jen.Lit(op.Method)).Block(body...))
	}
	cases = append(cases, jen.Default().Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(g.pkg.Name+": no request method %q"), jen.Id("op")))))

	cfg := []jen.Code{
		jen.Id("cfg").Op(":=").Id("Config").Values(jen.Dict{jen.Id("URL"): jen.Id("dc").Dot("URL")}),
	}
	for _, c := range creds {
		val := jen.Id("dc").Dot("Credentials").Index(jen.Lit(c.key))
		if c.conv != nil {
			val = jen.Id(c.conv.Name).Call(val)
		}
		cfg = append(cfg, jen.Id("cfg").Dot(c.field).Op("=").Add(val))
	}
	cfg = append(cfg,
		jen.Id("cfg").Dot("Conn").Dot("Tap").Op("=").Id("dc").Dot("Tap"),
		jen.Id("cfg").Dot("Conn").Dot("Logger").Op("=").Id("dc").Dot("Logger"),
		jen.If(jen.Id("dc").Dot("OnError").Op("!=").Nil()).Block(
			jen.Id("cfg").Dot("OnError").Op("=").Func().Params(jen.Id("_").Add(ctx), jen.Err().Error()).Block(jen.Id("dc").Dot("OnError").Call(jen.Err())),
		),
		jen.Id("c").Op(":=").Id("NewClient").Call(jen.Id("cfg")),
		jen.If(jen.Id("dc").Dot("OnMessage").Op("!=").Nil()).Block(
			jen.Id("c").Dot("OnUnhandled").Call(jen.Func().Params(jen.Id("_").Add(ctx), jen.Id("m").Id("ServerMessage")).Block(jen.Id("dc").Dot("OnMessage").Call(jen.Id("m")))),
			jen.Id("c").Dot("OnUnknown").Call(jen.Func().Params(jen.Id("_").Add(ctx), jen.Id("u").Op("*").Qual(wirePkg, "Unknown")).Block(jen.Id("dc").Dot("OnMessage").Call(jen.Id("u")))),
		),
		jen.If(jen.Err().Op(":=").Id("c").Dot("Connect").Call(jen.Id("ctx")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("driven").Values(jen.Id("c")), jen.Nil()),
	)
	emitDoc(f, comment("Driver lets provider-agnostic tools (wsbind record and demo) drive this client with string credentials and arguments."))
	f.Var().Id("Driver").Op("=").Qual(wirePkg, "Driver").Values(jen.Dict{
		jen.Id("Credentials"): jen.Index().String().Values(credNames...),
		jen.Id("Ops"):         jen.Index().Qual(wirePkg, "DriverOp").Values(ops...),
		jen.Id("Dial"):        jen.Func().Params(jen.Id("ctx").Add(ctx), jen.Id("dc").Qual(wirePkg, "DriverConfig")).Params(jen.Qual(wirePkg, "DriverClient"), jen.Error()).Block(cfg...),
	})
	f.Line()
	f.Func().Id("init").Params().Block(jen.Id("Provider").Dot("Driver").Op("=").Op("&").Id("Driver"))
	f.Line()
	f.Type().Id("driven").Struct(jen.Id("c").Op("*").Id("Client"))
	f.Func().Params(jen.Id("d").Id("driven")).Id("Close").Params().Error().Block(jen.Return(jen.Id("d").Dot("c").Dot("Close").Call()))
	f.Func().Params(jen.Id("d").Id("driven")).Id("Call").Params(jen.Id("ctx").Add(ctx), jen.Id("op").String(), jen.Id("args").Index().String()).Error().Block(
		jen.Switch(jen.Id("op")).Block(cases...),
	)
	return nil
}
