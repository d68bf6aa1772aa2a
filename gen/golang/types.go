package golang

import (
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

func (g *gen) types(f *jen.File) error {
	pkg := g.pkg
	doc := "Package " + pkg.Name + " holds typed bindings for " + pkg.Title +
		", generated from " + sourceList(pkg) + " by wsbind-gen."
	if pkg.Doc != "" {
		doc += "\n\n" + pkg.Doc
	}
	for _, line := range strings.Split(comment(doc), "\n") {
		f.PackageComment(line)
	}
	emitDoc(f, "The wire package this code was generated for; a mismatch fails to compile.")
	f.Var().Id("_").Op("=").Qual(wirePkg, "SupportsVersion1")
	f.Line()

	for _, d := range []*ir.Direction{pkg.Server, pkg.Client} {
		from := map[string]string{"server": "the server sends to the client", "client": "the client sends to the server"}[d.Name]
		what := " Its dynamic type is one of the message types of this package, or *Unknown" + d.GoName + "."
		if len(d.Messages) == 0 {
			what = " The spec lists none, so every frame decodes to *Unknown" + d.GoName + "."
		}
		emitDoc(f, comment(d.GoName+" is a message "+from+"."+what))
		f.Type().Id(d.GoName).Interface(
			jen.Qual(wirePkg, "Message"),
			jen.Id("is"+d.GoName).Params(),
		)
		f.Line()
		u := "Unknown" + d.GoName
		emitDoc(f, comment(u+" is a frame that matched no "+d.Name+" message of the spec; it keeps the frame."))
		f.Type().Id(u).Struct(jen.Qual(wirePkg, "Unknown"))
		f.Func().Params(jen.Op("*").Id(u)).Id("is" + d.GoName).Params().Block()
		f.Line()
	}

	for _, t := range pkg.Types {
		switch t.Kind {
		case ir.Struct:
			g.structType(f, t)
		case ir.Enum:
			g.enumType(f, t)
		case ir.Union:
			g.unionType(f, t)
		}
	}
	for _, m := range pkg.Messages {
		if m.Wrapped() {
			g.valueMessage(f, m)
		}
	}
	return nil
}

// sentBy says which sides send m.
func sentBy(m *ir.Message) string {
	switch {
	case m.Server && m.Client:
		return "sent by both sides"
	case m.Server:
		return "sent by the server"
	}
	return "sent by the client"
}

// valueWords describes the values of t for a doc comment.
func valueWords(t *ir.Type) string {
	switch t.Kind {
	case ir.String:
		return "a string"
	case ir.Int:
		if t.Wide {
			return "an integer of any size"
		}
		return "an integer"
	case ir.Float:
		return "a number"
	case ir.Bool:
		return "a boolean"
	case ir.Slice:
		return "an array"
	case ir.Map:
		return "an object of free keys"
	case ir.Nullable:
		return valueWords(t.Elem) + " or null"
	case ir.Enum:
		return "one of the values of " + t.Name
	case ir.Union:
		return "one of the alternatives of " + t.Name
	case ir.Struct:
		return withArticle(t.Name)
	case ir.Raw:
		if t.Check != nil {
			return "raw JSON, checked against the payload schema by Validate"
		}
		if len(t.RawTypes) > 0 {
			return "raw JSON (" + joinNames(t.RawTypes) + ")"
		}
		return "raw JSON of any type"
	}
	return "a value"
}

// valueMessage declares the Go type of a message whose payload is not an
// object with properties: a struct holding the whole payload in Value,
// with the methods a struct message has. MarshalJSON writes Value alone,
// so the message goes on the wire as its payload.
func (g *gen) valueMessage(f *jen.File, m *ir.Message) {
	t := m.Type
	emitDoc(f, docFor(m.Name, "is the "+m.Name+" message, "+sentBy(m)+". Its payload is "+valueWords(t)+", held in Value.", m.Doc))
	f.Type().Id(m.Name).Struct(
		jen.Comment("Value is the whole payload."),
		jen.Id("Value").Add(goType(t)),
		jen.Line(),
		jen.Id("raw").Index().Byte(),
	)
	f.Line()
	emitDoc(f, "MessageName returns "+strconv.Quote(m.Name)+".")
	f.Func().Params(jen.Op("*").Id(m.Name)).Id("MessageName").Params().String().Block(jen.Return(jen.Lit(m.Name)))
	emitDoc(f, "RawFrame returns the frame m was decoded from; nil if built in code.")
	f.Func().Params(jen.Id("m").Op("*").Id(m.Name)).Id("RawFrame").Params().Index().Byte().Block(jen.Return(jen.Id("m").Dot("raw")))
	if m.Server {
		f.Func().Params(jen.Op("*").Id(m.Name)).Id("isServerMessage").Params().Block()
	}
	if m.Client {
		f.Func().Params(jen.Op("*").Id(m.Name)).Id("isClientMessage").Params().Block()
	}
	f.Line()
	emitDoc(f, "MarshalJSON writes Value: the message on the wire is its payload. It uses the generated encoder (AppendJSON).")
	f.Func().Params(jen.Id("m").Op("*").Id(m.Name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Qual(wirePkg, "Marshal").Call(jen.Id("m"))),
	)
	f.Line()
	// Validate sits with the type: validate_gen.go walks named types only.
	emitDoc(f, "Validate checks m against its schema and returns every violation as a *wire.ValidationError.")
	f.Func().Params(jen.Id("m").Op("*").Id(m.Name)).Id("Validate").Params().Error().Block(
		jen.Id("s").Op(":=").Qual(wirePkg, "GetScope").Call(),
		jen.Defer().Qual(wirePkg, "PutScope").Call(sID),
		jen.Id("m").Dot("validate").Call(sID),
		jen.Return(jen.Qual(wirePkg, "Finish").Call(sID, jen.Lit(m.Name))),
	)
	f.Line()
	var body []jen.Code
	switch {
	case t.Kind == ir.Raw && t.Check != nil:
		// A Value built in code and left nil goes on the wire as null.
		body = append(body,
			jen.Id("raw").Op(":=").Id("m").Dot("Value"),
			jen.If(jen.Id("raw").Op("==").Nil()).Block(jen.Id("raw").Op("=").Qual(jsonPkg, "RawMessage").Call(jen.Lit("null"))),
		)
		body = append(body, g.checkValue(t, id("raw"), 0)...)
	case t.HasChecks():
		body = g.checkValue(t, id("m").dot("Value"), 0)
	}
	recv := jen.Id("m")
	if len(body) == 0 {
		recv = jen.Id("_")
	}
	f.Func().Params(recv.Op("*").Id(m.Name)).Id("validate").Params(jen.Id("s").Op("*").Qual(wirePkg, "Scope")).Block(body...)
	f.Line()
}

func sourceList(pkg *ir.Package) string {
	if len(pkg.SourceFiles) == 0 {
		return "its AsyncAPI document"
	}
	s := ""
	for i, f := range pkg.SourceFiles {
		if i > 0 {
			s += ", "
		}
		s += f
	}
	return s
}

func (g *gen) structType(f *jen.File, t *ir.Type) {
	lead := "is an object of the spec (" + t.Loc + ")."
	desc := t.Doc
	if m := t.Message; m != nil {
		lead = "is the " + m.Name + " message, " + sentBy(m) + "."
		desc = m.Doc
	}
	emitDoc(f, docFor(t.Name, lead, desc))
	f.Type().Id(t.Name).StructFunc(func(gr *jen.Group) {
		for _, fl := range t.Fields {
			tag := fl.Name
			if !fl.Required {
				tag += ",omitzero"
			}
			st := jen.Id(fl.GoName).Add(fieldType(fl)).Tag(map[string]string{"json": tag})
			if fl.Doc != "" {
				emitDoc(gr, comment(fl.Doc))
			}
			gr.Add(st)
		}
		if t.KeepRaw {
			gr.Line()
			emitDoc(gr, comment(rawField(t)+" is the object as received, every property included: the set is open (x-wsbind-open), and a variant the spec does not know yet may carry properties no field has."))
			gr.Id(rawField(t)).Qual(jsonPkg, "RawMessage").Tag(map[string]string{"json": "-"})
		}
		if t.Message != nil {
			gr.Line()
			gr.Id("raw").Index().Byte()
		}
	})
	f.Line()
	if m := t.Message; m != nil {
		emitDoc(f, "MessageName returns "+strconv.Quote(m.Name)+".")
		f.Func().Params(jen.Op("*").Id(t.Name)).Id("MessageName").Params().String().Block(jen.Return(jen.Lit(m.Name)))
		emitDoc(f, "RawFrame returns the frame m was decoded from; nil if built in code.")
		f.Func().Params(jen.Id("m").Op("*").Id(t.Name)).Id("RawFrame").Params().Index().Byte().Block(jen.Return(jen.Id("m").Dot("raw")))
		if m.Server {
			f.Func().Params(jen.Op("*").Id(t.Name)).Id("isServerMessage").Params().Block()
		}
		if m.Client {
			f.Func().Params(jen.Op("*").Id(t.Name)).Id("isClientMessage").Params().Block()
		}
		f.Line()
	}
	for _, u := range t.Unions {
		f.Func().Params(jen.Op("*").Id(t.Name)).Id(sealName(u)).Params().Block()
	}
	if len(t.Unions) > 0 {
		f.Line()
	}
}

func (g *gen) enumType(f *jen.File, t *ir.Type) {
	// An open set (x-extensible-enum) keeps any value: Known tells the
	// listed ones apart, and Valid holds for all.
	lead, consts, member := "is one of the values the spec lists ("+t.Loc+").", " values.", "Valid"
	if t.Open {
		lead = "is one of the values the spec knows, or a new one: the set is open (x-extensible-enum, " + t.Loc + "), so an unknown value is kept as it is and validates with an unknown-value note."
		consts, member = " values the spec knows.", "Known"
	}
	emitDoc(f, docFor(t.Name, lead, t.Doc))
	f.Type().Id(t.Name).String()
	f.Line()
	emitDoc(f, t.Name+consts)
	names := enumConsts(t)
	f.Const().DefsFunc(func(gr *jen.Group) {
		for i, v := range t.Values {
			gr.Id(names[i]).Id(t.Name).Op("=").Lit(v)
		}
	})
	f.Line()
	emitDoc(f, member+" reports whether e is one of the listed values.")
	f.Func().Params(jen.Id("e").Id(t.Name)).Id(member).Params().Bool().Block(
		jen.Switch(jen.Id("e")).Block(
			jen.Case(listLits(t.Values)...).Block(jen.Return(jen.True())),
		),
		jen.Return(jen.False()),
	)
	f.Line()
	if t.Open {
		emitDoc(f, "Valid reports true: any value of an open set is valid. Known tells the listed ones apart.")
		f.Func().Params(jen.Id(t.Name)).Id("Valid").Params().Bool().Block(jen.Return(jen.True()))
		f.Line()
	}
}

// enumConsts names the constants of t's values. Values that differ only in
// case ("response", "RESPONSE") keep their own spelling to stay apart.
func enumConsts(t *ir.Type) []string {
	out := make([]string, len(t.Values))
	seen := map[string]bool{}
	for i, v := range t.Values {
		name := t.Name + ir.GoName(v)
		if seen[name] {
			raw := strings.Map(func(r rune) rune {
				if r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
					return r
				}
				return -1
			}, v)
			name = t.Name + raw
			for seen[name] {
				name += "_"
			}
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

func listLits(vals []string) []jen.Code {
	out := make([]jen.Code, len(vals))
	for i, v := range vals {
		out[i] = jen.Lit(v)
	}
	return out
}

func (g *gen) unionType(f *jen.File, t *ir.Type) {
	var names []string
	for _, b := range t.Branches {
		if b.GoName != "" {
			names = append(names, b.GoName)
		} else {
			names = append(names, "*"+b.Type.Name)
		}
	}
	how := "selected by the JSON type of the value"
	if t.Disc != "" {
		how = "selected by its " + strconv.Quote(t.Disc) + " property"
	}
	lead := "is one of " + joinNames(names) + ", " + how + "."
	if t.Disc != "" {
		lead += " A value with an unknown " + t.Disc + " decodes to *" + unknownName(t) + "."
	}
	emitDoc(f, docFor(t.Name, lead, t.Doc))
	f.Type().Id(t.Name).Interface(jen.Id(sealName(t)).Params())
	f.Line()
	for _, b := range t.Branches {
		if b.GoName == "" {
			continue
		}
		emitDoc(f, b.GoName+" is the "+b.JSONType+" branch of "+t.Name+".")
		if wideInt(b.Type) {
			// Embedded, so that the branch keeps Integer's methods
			// (MarshalJSON above all); a defined type would drop them.
			f.Type().Id(b.GoName).Struct(jen.Qual(wirePkg, "Integer"))
		} else {
			f.Type().Id(b.GoName).Add(goType(b.Type))
		}
		f.Func().Params(jen.Id(b.GoName)).Id(sealName(t)).Params().Block()
		f.Line()
	}
	if t.Disc != "" {
		emitDoc(f, comment(unknownName(t)+" is "+withArticle(t.Name)+" whose "+t.Disc+" the spec does not know; it keeps the raw value."))
		f.Type().Id(unknownName(t)).Struct(jen.Qual(wirePkg, "Unknown"))
		f.Func().Params(jen.Op("*").Id(unknownName(t))).Id(sealName(t)).Params().Block()
		f.Line()
	}
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			s += " or "
		default:
			s += ", "
		}
		s += n
	}
	return s
}

// wideInt reports whether t is an integer held as a wire.Integer.
func wideInt(t *ir.Type) bool { return t.Kind == ir.Int && t.Wide }

// rawField names the field a KeepRaw struct holds its JSON in: Raw, or
// RawJSON when a property already took Raw.
func rawField(t *ir.Type) string {
	for _, f := range t.Fields {
		if f.GoName == "Raw" {
			return "RawJSON"
		}
	}
	return "Raw"
}
