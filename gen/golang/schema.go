package golang

import (
	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

func (g *gen) schema(f *jen.File) error {
	pkg := g.pkg
	emitDoc(f, comment("schemaJSON is the provider's JSON Schema (draft 7) bundle: a definition per message and named schema, and ServerMessage and ClientMessage accepting exactly the frames the decoders match."))
	f.Const().Id("schemaJSON").Op("=").Lit(string(pkg.Schema))
	f.Line()
	emitDoc(f, "Schema returns the embedded JSON Schema bundle, so traffic can be validated without the spec files.")
	f.Func().Id("Schema").Params().Index().Byte().Block(jen.Return(jen.Index().Byte().Call(jen.Id("schemaJSON"))))
	f.Line()
	for _, d := range pkg.Directions() {
		var names []jen.Code
		for _, m := range d.Messages {
			names = append(names, jen.Lit(m.Name))
		}
		var deprecated []string
		for _, m := range d.Messages {
			if m.Deprecated {
				deprecated = append(deprecated, m.Name)
			}
		}
		fields := jen.Dict{
			jen.Id("Protocol"):  jen.Lit(pkg.Name),
			jen.Id("Direction"): jen.Lit(d.Name),
			jen.Id("Messages"):  jen.Index().String().Values(names...),
			jen.Id("Decode"): jen.Func().Params(jen.Id("frame").Index().Byte(), jen.Id("s").Op("*").Qual(wirePkg, "Scope")).Params(jen.Qual(wirePkg, "Message"), jen.Error()).Block(
				jen.List(jen.Id("m"), jen.Err()).Op(":=").Id("decode"+d.GoName+d.Suffix).Call(jen.Id("frame"), jen.Id("s")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.Return(jen.Id("m"), jen.Nil()),
			),
		}
		if sd := pkg.Server; d.Name == "server" && sd != nil && sd.Root != nil && hasReleaseFunc(sd) {
			// Per-channel codecs decode the same types, so one release
			// func serves them all.
			fields[jen.Id("Release")] = jen.Id(releaseFunc(sd))
		}
		if len(deprecated) > 0 {
			fields[jen.Id("Deprecated")] = jen.Index().String().Values(listLits(deprecated)...)
		}
		if d.Suffix != "" {
			fields[jen.Id("Channel")] = jen.Lit(d.Channel)
			fields[jen.Id("Address")] = jen.Lit(d.Address)
			emitDoc(f, comment(codecName(d)+" decodes and checks "+d.Name+" frames on channel "+d.Channel+"."))
		} else {
			var chans []jen.Code
			for _, c := range pkg.Channels {
				cd := c.Server
				if d.Name == "client" {
					cd = c.Client
				}
				chans = append(chans, jen.Op("&").Id(codecName(cd)))
			}
			if len(chans) > 0 {
				fields[jen.Id("Channels")] = jen.Index().Op("*").Qual(wirePkg, "Codec").Values(chans...)
			}
			emitDoc(f, comment(codecName(d)+" decodes and checks "+d.Name+" frames for provider-agnostic callers such as runtime/ and cmd/wsbind."))
		}
		f.Var().Id(codecName(d)).Op("=").Qual(wirePkg, "Codec").Values(fields)
		f.Line()
	}
	emitDoc(f, "Examples are the message examples of the spec, each valid for its message.")
	f.Var().Id("Examples").Op("=").Index().Qual(wirePkg, "Example").ValuesFunc(func(gr *jen.Group) {
		for _, m := range pkg.Messages {
			for _, ex := range m.Examples {
				dirs := []string{}
				if m.Server {
					dirs = append(dirs, "server")
				}
				if m.Client {
					dirs = append(dirs, "client")
				}
				for _, dir := range dirs {
					gr.Values(jen.Dict{
						jen.Id("Message"):   jen.Lit(m.Name),
						jen.Id("Direction"): jen.Lit(dir),
						jen.Id("Name"):      jen.Lit(ex.Name),
						jen.Id("JSON"):      jen.Lit(string(ex.JSON)),
					})
				}
			}
		}
	})
	f.Line()
	emitDoc(f, "Provider describes this binding to provider-agnostic tools.")
	provider := jen.Dict{
		jen.Id("Name"):     jen.Lit(pkg.Name),
		jen.Id("Title"):    jen.Lit(pkg.Title),
		jen.Id("Server"):   jen.Op("&").Id("ServerCodec"),
		jen.Id("Client"):   jen.Op("&").Id("ClientCodec"),
		jen.Id("Schema"):   jen.Index().Byte().Call(jen.Id("schemaJSON")),
		jen.Id("Examples"): jen.Id("Examples"),
		jen.Id("Servers"):  jen.Id("Servers"),
		jen.Id("Events"):   jen.Index().String().Values(listLits(g.events())...),
	}
	if len(pkg.Bridge) > 0 {
		provider[jen.Id("Bridge")] = jen.Index().Qual(wirePkg, "BridgeRule").ValuesFunc(func(gr *jen.Group) {
			for _, r := range pkg.Bridge {
				rule := jen.Dict{jen.Id("Message"): jen.Lit(r.Message), jen.Id("Token"): jen.Lit(r.Token)}
				if r.Template != "" {
					rule[jen.Id("Subject")] = jen.Lit(r.Template)
				}
				if r.Dedupe != "" {
					rule[jen.Id("Dedupe")] = jen.Lit(r.Dedupe)
				}
				gr.Values(rule)
			}
		})
	}
	f.Var().Id("Provider").Op("=").Qual(wirePkg, "Provider").Values(provider)
	f.Line()
	emitDoc(f, "Servers are the spec's servers with their x-wsbind-* extensions as JSON.")
	f.Var().Id("Servers").Op("=").Index().Qual(wirePkg, "Server").ValuesFunc(func(gr *jen.Group) {
		for _, s := range pkg.Servers {
			ext := jen.Dict{}
			for _, k := range sortedKeys(s.Extensions) {
				ext[jen.Lit(k)] = jen.Lit(string(s.Extensions[k]))
			}
			gr.Values(jen.Dict{
				jen.Id("Name"):       jen.Lit(s.Name),
				jen.Id("URL"):        jen.Lit(s.URL),
				jen.Id("Extensions"): jen.Map(jen.String()).String().Values(ext),
			})
		}
	})
	return nil
}

// events lists the server messages a server pushes on its own: those not
// awaited as replies and not part of the connection's housekeeping.
func (g *gen) events() []string {
	cs := g.pkg.ClientSpec
	skip := map[*ir.Message]bool{}
	if cs != nil {
		for m := range g.replyMessages(cs) {
			skip[m] = true
		}
		for _, m := range []*ir.Message{cs.Keepalive.Message, cs.Keepalive.ReplyMessage} {
			skip[m] = true
		}
		if cs.Resume != nil {
			skip[cs.Resume.Message] = true
		}
	}
	var out []string
	for _, m := range g.pkg.Server.Messages {
		if !skip[m] && m.Error == nil {
			out = append(out, m.Name)
		}
	}
	return out
}
