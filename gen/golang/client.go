package golang

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/ir"
)

const (
	connPkg = "github.com/wsbind/wsbind/runtime/conn"
	authPkg = "github.com/wsbind/wsbind/runtime/wsauth"
	ctxPkg  = "context"
	httpPkg = "net/http"
)

// access walks ptr inside t from root: guards must all hold for the value
// to be present, val is the leaf value with Opt and Nullable unwrapped.
func access(t *ir.Type, root expr, ptr string) (guards []jen.Code, val expr, leaf *ir.Type, err error) {
	path, err := ir.FieldPath(t, ptr)
	if err != nil {
		return nil, nil, nil, err
	}
	cur := root
	for _, f := range path {
		next := cur.dot(f.GoName)
		if !f.Required && !optionalByNil(f.Type) {
			guards = append(guards, next().Dot("Set"))
			next = next.dot("Value")
		}
		ft := f.Type
		if ft.Kind == ir.Nullable {
			guards = append(guards, next().Dot("Valid"))
			next = next.dot("Value")
			ft = ft.Elem
		}
		cur, leaf = next, ft
	}
	return guards, cur, leaf, nil
}

// textOf renders a leaf value as the string used for correlation keys and
// error codes.
func textOf(t *ir.Type, v expr) jen.Code {
	switch t.Kind {
	case ir.String:
		return v()
	case ir.Enum:
		return jen.String().Call(v())
	}
	return jen.Qual(wirePkg, "Text").Call(v())
}

// getText emits statements declaring name (string) with the value at ptr
// in m, and nameOK (bool, whether it was present) when wantOK is set. The
// path may cross unions: each struct branch that has the rest of the path
// is tried in a type switch.
func getText(t *ir.Type, root expr, ptr, name string, wantOK bool) ([]jen.Code, error) {
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("pointer %q must start with /", ptr)
	}
	out := []jen.Code{jen.Var().Id(name).String()}
	if wantOK {
		out = append(out, jen.Var().Id(name+"OK").Bool())
	}
	assign := func(leaf *ir.Type, v expr) []jen.Code {
		a := []jen.Code{jen.Id(name).Op("=").Add(textOf(leaf, v))}
		if wantOK {
			a = append(a, jen.Id(name+"OK").Op("=").True())
		}
		return a
	}
	n := 0
	var walk func(t *ir.Type, cur expr, toks []string) ([]jen.Code, error)
	walk = func(t *ir.Type, cur expr, toks []string) ([]jen.Code, error) {
		for t.Kind == ir.Nullable {
			t = t.Elem
		}
		if t.Kind != ir.Struct {
			return nil, fmt.Errorf("pointer %q: %q is not inside an object", ptr, toks[0])
		}
		f := t.FieldNamed(toks[0])
		if f == nil {
			return nil, fmt.Errorf("pointer %q: %s has no property %q", ptr, t.Name, toks[0])
		}
		next := cur.dot(f.GoName)
		var guards []jen.Code
		if !f.Required && !optionalByNil(f.Type) {
			guards = append(guards, next().Dot("Set"))
			next = next.dot("Value")
		}
		ft := f.Type
		if ft.Kind == ir.Nullable {
			guards = append(guards, next().Dot("Valid"))
			next = next.dot("Value")
			ft = ft.Elem
		}
		var body []jen.Code
		switch {
		case len(toks) == 1:
			body = assign(ft, next)
		case ft.Kind == ir.Union:
			n++
			u := fmt.Sprintf("u%d", n)
			var cases []jen.Code
			for _, b := range ft.Branches {
				if b.Type.Kind != ir.Struct {
					continue
				}
				inner, err := walk(b.Type, id(u), toks[1:])
				if err != nil {
					continue // this branch lacks the path
				}
				cases = append(cases, jen.Case(jen.Op("*").Id(b.Type.Name)).Block(inner...))
			}
			if len(cases) == 0 {
				return nil, fmt.Errorf("pointer %q: no branch of %s has it", ptr, ft.Name)
			}
			body = []jen.Code{jen.Switch(jen.Id(u).Op(":=").Add(next()).Assert(jen.Type())).Block(cases...)}
		default:
			inner, err := walk(ft, next, toks[1:])
			if err != nil {
				return nil, err
			}
			body = inner
		}
		if len(guards) == 0 {
			return body, nil
		}
		return []jen.Code{jen.If(and(guards)).Block(body...)}, nil
	}
	body, err := walk(t, root, strings.Split(ptr[1:], "/"))
	if err != nil {
		return nil, err
	}
	return append(out, body...), nil
}

// present is the condition that the value at ptr is there.
func present(t *ir.Type, root expr, ptr string) (jen.Code, error) {
	guards, _, _, err := access(t, root, ptr)
	if err != nil {
		return nil, err
	}
	if len(guards) == 0 {
		return jen.True(), nil
	}
	return and(guards), nil
}

func and(conds []jen.Code) jen.Code {
	s := jen.Add(conds[0])
	for _, c := range conds[1:] {
		s = s.Op("&&").Add(c)
	}
	return s
}

// setValue emits statements storing value at ptr in root, marking optional
// and nullable holders present on the way.
func setValue(t *ir.Type, root expr, ptr string, value jen.Code, skipZero bool) ([]jen.Code, *ir.Type, error) {
	path, err := ir.FieldPath(t, ptr)
	if err != nil {
		return nil, nil, err
	}
	var out []jen.Code
	cur := root
	for i, f := range path {
		next := cur.dot(f.GoName)
		opt := !f.Required && !optionalByNil(f.Type)
		ft := f.Type
		if i == len(path)-1 {
			base := ft
			if base.Kind == ir.Nullable {
				base = base.Elem
			}
			if !isScalar(base) {
				return nil, nil, fmt.Errorf("pointer %s: only strings, numbers, booleans and enums can be set", ptr)
			}
			v := jen.Add(value)
			if ft.Kind == ir.Nullable {
				v = jen.Qual(wirePkg, "NotNull").Call(v)
			}
			if opt {
				v = jen.Qual(wirePkg, "Some").Call(v)
			}
			stmt := next().Op("=").Add(v)
			if skipZero && (opt || ft.Kind == ir.Nullable) {
				out = append(out, jen.If(jen.Add(value).Op("!=").Add(zeroOf(base))).Block(stmt))
			} else {
				out = append(out, stmt)
			}
			return out, base, nil
		}
		if opt {
			out = append(out, next().Dot("Set").Op("=").True())
			next = next.dot("Value")
		}
		if ft.Kind == ir.Nullable {
			out = append(out, next().Dot("Valid").Op("=").True())
			next = next.dot("Value")
		}
		cur = next
	}
	return out, nil, nil
}

func isScalar(t *ir.Type) bool {
	switch t.Kind {
	case ir.String, ir.Int, ir.Float, ir.Bool, ir.Enum:
		return true
	}
	return false
}

func zeroOf(t *ir.Type) jen.Code {
	switch t.Kind {
	case ir.String, ir.Enum:
		return jen.Lit("")
	case ir.Bool:
		return jen.False()
	case ir.Int:
		if t.Wide {
			return jen.Parens(jen.Qual(wirePkg, "Integer").Values()) // a composite literal in an if needs them
		}
	}
	return jen.Lit(0)
}

// constInits emits statements setting every required const field of t,
// descending into required objects.
func constInits(t *ir.Type, root expr) []jen.Code {
	var out []jen.Code
	for _, f := range t.Fields {
		if !f.Required {
			continue
		}
		switch {
		case f.Type.Const != nil:
			out = append(out, root.dot(f.GoName)().Op("=").Lit(f.Type.Const))
		case f.Type.Kind == ir.Struct:
			out = append(out, constInits(f.Type, root.dot(f.GoName))...)
		case f.Type.Kind == ir.Raw && len(f.Type.RawTypes) > 0 && f.Type.RawTypes[0] == "object":
			// A required free-form object starts empty, not null.
			out = append(out, root.dot(f.GoName)().Op("=").Qual(jsonPkg, "RawMessage").Call(jen.Lit("{}")))
		case f.Type.Kind == ir.Slice:
			out = append(out, root.dot(f.GoName)().Op("=").Add(goType(f.Type)).Values())
		}
	}
	return out
}

func seconds(n int) jen.Code {
	return jen.Lit(n).Op("*").Qual("time", "Second")
}

// replyKeysFor lists the keys a request waits for: its correlation id when
// it has one, else the names of its replies.
func (g *gen) replyKeys(op *ir.ClientOp, m expr) ([]jen.Code, []jen.Code, error) {
	if len(op.Message.Correlation) > 0 {
		stmts, err := getText(op.Message.Type, m, "/"+strings.Join(op.Message.Correlation, "/"), "corr", false)
		if err != nil {
			return nil, nil, err
		}
		return stmts, []jen.Code{jen.Lit("corr:").Op("+").Id("corr")}, nil
	}
	var keys []jen.Code
	for _, r := range op.Replies {
		keys = append(keys, jen.Lit("reply:"+r.Name))
	}
	return nil, keys, nil
}

func (g *gen) client(f *jen.File) error {
	cs := g.pkg.ClientSpec
	if cs == nil {
		return fmt.Errorf("no client spec")
	}
	name := g.pkg.Name
	sd := g.pkg.Server
	ctx := jen.Qual(ctxPkg, "Context")

	f.Comment("DefaultURL is the endpoint of the spec's first server.")
	f.Const().Id("DefaultURL").Op("=").Lit(cs.URL)
	f.Line()
	g.channelParams(f, cs)

	// Config.
	emitDoc(f, comment("Config configures a Client. Credentials are sent only where the protocol needs them and never logged."))
	f.Type().Id("Config").StructFunc(func(gr *jen.Group) {
		gr.Comment("URL to dial; DefaultURL when empty.")
		gr.Id("URL").String()
		if len(cs.Params) > 0 {
			gr.Comment("Params fill the {parameters} of the URL's channel address.")
			gr.Id("Params").Id("ChannelParams")
		}
		switch cs.Auth.Kind {
		case "per-message", "init-payload", "ticket":
			gr.Comment("Token authenticates the client.")
			gr.Id("Token").String()
		}
		if cs.Auth.TokenTypePointer != "" {
			if _, tt, err := setValue(g.firstMessageWith(cs.Auth.TokenTypePointer), id("m"), cs.Auth.TokenTypePointer, jen.Id("x"), false); err == nil && tt != nil {
				gr.Comment("TokenType says what kind of token Token is.")
				gr.Id("TokenType").Add(goType(tt))
			}
		}
		if cs.Auth.Kind == "ticket" {
			gr.Comment("BearerHeader sends Token as an Authorization header on the upgrade instead of fetching a one-time ticket (server-to-server use).")
			gr.Id("BearerHeader").Bool()
		}
		if cs.Auth.Kind == "ticket" || cs.Auth.Kind == "session" {
			gr.Comment("AuthURL overrides the ticket or session endpoint; by default the spec's, moved to the dialled host.")
			gr.Id("AuthURL").String()
			gr.Comment("HTTPClient makes the auth request; http.DefaultClient when nil.")
			gr.Id("HTTPClient").Op("*").Qual(httpPkg, "Client")
		}
		for _, h := range cs.Auth.Headers {
			req := "optional"
			if h.Required {
				req = "required"
			}
			gr.Comment(fmt.Sprintf("%s is sent as the %s header of the session request (%s).", ir.GoName(h.Name), h.Name, req))
			gr.Id(ir.GoName(h.Name)).String()
		}
		gr.Comment("Header is added to the WebSocket handshake.")
		gr.Id("Header").Qual(httpPkg, "Header")
		gr.Comment("Validation decides what happens to frames that break the schema (default wire.Report).")
		gr.Id("Validation").Qual(wirePkg, "Policy")
		gr.Comment("OnVerdict, when set, sees each server frame (secrets replaced) with its whole verdict, drift included, whatever Validation says: on the read goroutine, before handlers, from the same decode. Modify neither; r.Message is valid only during the call (while no handler is registered, the next frame is decoded into its memory).")
		gr.Id("OnVerdict").Func().Params(jen.Id("frame").Index().Byte(), jen.Id("r").Op("*").Qual(wirePkg, "Result"))
		gr.Comment("OnError receives invalid frames, error replies nobody waited for and failed restores.")
		gr.Id("OnError").Func().Params(ctx, jen.Error())
		gr.Comment("OnConnected, OnDisconnected and OnRestored report the lifecycle; OnRestored runs once subscriptions are back after each (re)connect.")
		gr.Id("OnConnected").Func().Params(ctx)
		gr.Id("OnDisconnected").Func().Params(ctx, jen.Error())
		gr.Id("OnRestored").Func().Params(ctx)
		gr.Comment("Conn tunes the connection runtime: timeouts, backoff, queue, logger.")
		gr.Id("Conn").Qual(connPkg, "Config")
	})
	f.Line()

	// Client.
	emitDoc(f, comment("Client is a typed "+g.pkg.Title+" client. It reconnects on its own, redoes authentication and restores subscriptions before handlers see new events. Register handlers before Connect, or at any time: registration is safe while frames flow."))
	f.Type().Id("Client").StructFunc(func(gr *jen.Group) {
		gr.Id("cfg").Id("Config")
		gr.Id("rt").Qual(connPkg, "Handle")
		gr.Id("hmu").Qual("sync", "Mutex")
		gr.Id("disp").Qual("sync/atomic", "Pointer").Types(jen.Id("ServerDispatcher"))
		gr.Comment("handled is set by the first handler registered; until then no")
		gr.Comment("frame is queued for delivery.")
		gr.Id("handled").Qual("sync/atomic", "Bool")
		gr.Comment("verdicts decodes frames no handler can keep, on the read goroutine")
		gr.Comment("(sessions run one after another); the runtime never modifies a frame.")
		gr.Id("verdicts").Qual(wirePkg, "Checker")
		gr.Id("ids").Qual("sync/atomic", "Uint64")
		gr.Id("idBase").String()
		if cs.Welcome != nil {
			gr.Id("welcome").Qual("sync/atomic", "Pointer").Types(jen.Id(cs.Welcome.Name))
		}
	})
	f.Line()
	f.Comment("NewClient returns an unconnected client; register handlers, then Connect.")
	f.Func().Id("NewClient").Params(jen.Id("cfg").Id("Config")).Op("*").Id("Client").Block(
		jen.If(jen.Id("cfg").Dot("URL").Op("==").Lit("")).Block(jen.Id("cfg").Dot("URL").Op("=").Id("DefaultURL")),
		jen.Id("c").Op(":=").Op("&").Id("Client").Values(jen.Dict{
			jen.Id("cfg"):      jen.Id("cfg"),
			jen.Id("idBase"):   jen.Qual(wirePkg, "NewIDBase").Call(),
			jen.Id("verdicts"): jen.Qual(wirePkg, "Checker").Values(jen.Dict{jen.Id("Codec"): jen.Op("&").Id("ServerCodec"), jen.Id("Stable"): jen.True()}),
		}),
		jen.Id("c").Dot("disp").Dot("Store").Call(jen.Op("&").Id("ServerDispatcher").Values()),
		jen.Return(jen.Id("c")),
	)
	f.Line()
	f.Comment("Dial connects a new client and returns once it is ready")
	if cs.Welcome != nil {
		f.Comment("(the server's " + cs.Welcome.Name + " has arrived")
		if cs.Auth.Kind == "init-payload" {
			f.Comment("and the connection is acknowledged")
		}
		f.Comment(").")
	} else if cs.Auth.Kind == "init-payload" {
		f.Comment("(the server acknowledged the connection).")
	}
	f.Func().Id("Dial").Params(jen.Id("ctx").Add(ctx), jen.Id("cfg").Id("Config")).Params(jen.Op("*").Id("Client"), jen.Error()).Block(
		jen.Id("c").Op(":=").Id("NewClient").Call(jen.Id("cfg")),
		jen.If(jen.Err().Op(":=").Id("c").Dot("Connect").Call(jen.Id("ctx")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("c"), jen.Nil()),
	)
	f.Line()

	// Connect.
	var cfgStmts []jen.Code
	cc := func(field string) *jen.Statement { return jen.Id("cc").Dot(field) }
	ka := cs.Keepalive
	readTimeout := 0
	switch {
	case ka.PongTimeoutSeconds > 0:
		readTimeout = ka.PongTimeoutSeconds
	case ka.Seconds > 0:
		readTimeout = 60
		if 2*ka.Seconds+10 > readTimeout {
			readTimeout = 2*ka.Seconds + 10
		}
	case ka.IdleTimeoutSeconds > 0:
		readTimeout = ka.IdleTimeoutSeconds
	}
	if readTimeout > 0 {
		cfgStmts = append(cfgStmts, jen.If(cc("ReadTimeout").Op("==").Lit(0)).Block(cc("ReadTimeout").Op("=").Add(seconds(readTimeout))))
	}
	if ka.ServerPingSeconds == 0 && ka.Seconds == 0 && ka.ClientMessage == nil {
		// Nothing in the protocol proves liveness: ping ourselves.
		cfgStmts = append(cfgStmts, jen.If(cc("PingInterval").Op("==").Lit(0)).Block(cc("PingInterval").Op("=").Add(seconds(30))))
	}
	if ka.ClientMessage != nil && ka.ClientSeconds > 0 {
		cfgStmts = append(cfgStmts,
			jen.If(cc("Keepalive").Op("==").Nil()).Block(
				jen.List(jen.Id("frame"), jen.Err()).Op(":=").Qual(wirePkg, "Marshal").Call(jen.Id("New"+ka.ClientMessage.Name).Call()),
				returnErrIfErr(),
				cc("Keepalive").Op("=").Id("frame"),
			),
			jen.If(cc("KeepaliveInterval").Op("==").Lit(0)).Block(cc("KeepaliveInterval").Op("=").Add(seconds(ka.ClientSeconds))),
		)
	}
	hooks := jen.Dict{
		jen.Id("Dial"):    jen.Id("c").Dot("target"),
		jen.Id("Inspect"): jen.Id("c").Dot("inspect"),
		jen.Id("Open"):    jen.Id("c").Dot("open"),
		jen.Id("Deliver"): jen.Id("c").Dot("deliver"),
		jen.Id("Error"):   jen.Id("c").Dot("cfg").Dot("OnError"),
		jen.Id("Connected"): jen.Func().Params(jen.Id("ctx").Add(ctx), jen.Id("_").Int()).Block(
			jen.If(jen.Id("c").Dot("cfg").Dot("OnConnected").Op("!=").Nil()).Block(jen.Id("c").Dot("cfg").Dot("OnConnected").Call(jen.Id("ctx"))),
		),
		jen.Id("Disconnected"): jen.Id("c").Dot("cfg").Dot("OnDisconnected"),
		jen.Id("Restored"):     jen.Id("c").Dot("cfg").Dot("OnRestored"),
	}
	body := []jen.Code{
		jen.Id("cc").Op(":=").Id("c").Dot("cfg").Dot("Conn"),
		cc("Name").Op("=").Lit(name),
	}
	body = append(body, cfgStmts...)
	body = append(body,
		cc("Hooks").Op("=").Qual(connPkg, "Hooks").Values(hooks),
		jen.Return(jen.Id("c").Dot("rt").Dot("Start").Call(jen.Id("ctx"), jen.Id("cc"))),
	)
	f.Comment("Connect dials and returns once the first connection is ready. The client")
	f.Comment("then keeps reconnecting until Close or a permanent failure (see Done, Err).")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Connect").Params(jen.Id("ctx").Add(ctx)).Error().Block(body...)
	f.Line()
	f.Comment("Close ends the connection with a close frame and stops every goroutine.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Close").Params().Error().Block(jen.Return(jen.Id("c").Dot("rt").Dot("Close").Call()))
	f.Comment("Done is closed when the client has stopped for good (or never connected).")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Done").Params().Op("<-").Chan().Struct().Block(jen.Return(jen.Id("c").Dot("rt").Dot("Done").Call()))
	f.Comment("Err says why the client stopped or could not connect, or nil while it runs.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Err").Params().Error().Block(jen.Return(jen.Id("c").Dot("rt").Dot("Err").Call()))
	f.Comment("Subscriptions counts the subscriptions the client restores after a reconnect.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Subscriptions").Params().Int().Block(jen.Return(jen.Id("c").Dot("rt").Dot("Subscriptions").Call()))
	if cs.Welcome != nil {
		f.Comment("Welcome returns the latest " + cs.Welcome.Name + " the server sent, or nil.")
		f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Welcome").Params().Op("*").Id(cs.Welcome.Name).Block(jen.Return(jen.Id("c").Dot("welcome").Dot("Load").Call()))
	}
	f.Comment("Send writes any client message as is, without waiting for a reply.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Send").Params(jen.Id("ctx").Add(ctx), jen.Id("m").Id("ClientMessage")).Error().Block(
		jen.List(jen.Id("frame"), jen.Err()).Op(":=").Id("c").Dot("encode").Call(jen.Id("ctx"), jen.Id("m")),
		returnErrIfErr(),
		jen.List(jen.Id("_"), jen.Err()).Op("=").Id("c").Dot("rt").Dot("Request").Call(jen.Id("ctx"), jen.Id("frame"), jen.Qual(connPkg, "Request").Values()),
		jen.Return(jen.Err()),
	)
	f.Comment("encode validates an outgoing message under Config.Validation and marshals it:")
	f.Comment("with wire.Strict an invalid message is an error and is never sent; with")
	f.Comment("wire.Report it is sent and reported to OnError.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("encode").Params(jen.Id("ctx").Add(ctx), jen.Id("m").Id("ClientMessage")).Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Qual(wirePkg, "Encode").Call(jen.Id("ctx"), jen.Id("m"), jen.Id("c").Dot("cfg").Dot("Validation"), jen.Id("c").Dot("cfg").Dot("OnError"))),
	)
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("newID").Params().String().Block(
		jen.Return(jen.Id("c").Dot("idBase").Op("+").Qual("strconv", "FormatUint").Call(jen.Id("c").Dot("ids").Dot("Add").Call(jen.Lit(1)), jen.Lit(10))),
	)
	f.Line()

	if err := g.clientTarget(f, cs); err != nil {
		return err
	}
	if err := g.clientInspect(f, cs, sd); err != nil {
		return err
	}
	if err := g.clientOpen(f, cs); err != nil {
		return err
	}
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("deliver").Params(jen.Id("ctx").Add(ctx), jen.Id("in").Qual(connPkg, "Inbound")).Block(
		jen.If(jen.List(jen.Id("m"), jen.Id("ok")).Op(":=").Id("in").Dot("Msg").Assert(jen.Id("ServerMessage")), jen.Id("ok")).Block(
			jen.Id("c").Dot("disp").Dot("Load").Call().Dot("Dispatch").Call(jen.Id("ctx"), jen.Id("m")),
		),
	)
	f.Line()
	if err := g.clientHandlers(f, sd); err != nil {
		return err
	}
	if err := g.replyErrors(f); err != nil {
		return err
	}
	g.constructors(f)
	for _, op := range cs.Ops {
		if err := g.clientOp(f, cs, op); err != nil {
			return fmt.Errorf("method %s: %w", op.Method, err)
		}
	}
	return g.driver(f)
}

// firstMessageWith returns the type of the first client message that has
// ptr, for typing Config fields.
func (g *gen) firstMessageWith(ptr string) *ir.Type {
	for _, m := range g.pkg.Client.Messages {
		if _, err := ir.FieldPath(m.Type, ptr); err == nil {
			return m.Type
		}
	}
	return &ir.Type{Kind: ir.Struct}
}

func (g *gen) clientTarget(f *jen.File, cs *ir.ClientSpec) error {
	ctx := jen.Qual(ctxPkg, "Context")
	body := []jen.Code{
		jen.Id("t").Op(":=").Qual(connPkg, "Target").Values(jen.Dict{
			jen.Id("URL"):    jen.Id("c").Dot("cfg").Dot("URL"),
			jen.Id("Header"): jen.Id("c").Dot("cfg").Dot("Header").Dot("Clone").Call(),
		}),
		jen.If(jen.Id("t").Dot("Header").Op("==").Nil()).Block(jen.Id("t").Dot("Header").Op("=").Qual(httpPkg, "Header").Values()),
	}
	for _, p := range cs.Params {
		body = append(body, jen.Block(
			jen.List(jen.Id("u"), jen.Err()).Op(":=").Qual(connPkg, "FillParam").Call(jen.Id("t").Dot("URL"), jen.Lit(p.Name), jen.Id("c").Dot("cfg").Dot("Params").Dot(p.GoName), jen.Lit(p.Default), listOrNil(p.Enum)),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("t"), jen.Err())),
			jen.Id("t").Dot("URL").Op("=").Id("u"),
		))
	}
	body = append(body,
		jen.Comment("The transport policy runs before any auth step sends a credential."),
		jen.If(jen.Err().Op(":=").Qual(connPkg, "CheckURL").Call(jen.Id("t").Dot("URL"), jen.Id("c").Dot("cfg").Dot("Conn").Dot("AllowInsecure")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Id("t"), jen.Err()),
		),
	)
	if len(cs.Subprotocols) > 0 {
		body = append(body, jen.Id("t").Dot("Subprotocols").Op("=").Index().String().Values(listLits(cs.Subprotocols)...))
	}
	au := cs.Auth
	authURL := func(spec string) []jen.Code {
		return []jen.Code{
			jen.Id("authURL").Op(":=").Id("c").Dot("cfg").Dot("AuthURL"),
			jen.If(jen.Id("authURL").Op("==").Lit("")).Block(
				jen.Id("authURL").Op("=").Qual(authPkg, "DerivedURL").Call(jen.Lit(spec), jen.Id("t").Dot("URL")),
			),
		}
	}
	switch au.Kind {
	case "per-message", "init-payload":
		body = append(body, jen.Id("t").Dot("Secrets").Op("=").Index().String().Values(jen.Id("c").Dot("cfg").Dot("Token")))
	case "ticket":
		body = append(body, jen.Id("t").Dot("Secrets").Op("=").Index().String().Values(jen.Id("c").Dot("cfg").Dot("Token")))
		body = append(body, jen.If(jen.Id("c").Dot("cfg").Dot("BearerHeader")).Block(
			jen.Id("t").Dot("Header").Dot("Set").Call(jen.Lit("Authorization"), jen.Lit("Bearer ").Op("+").Id("c").Dot("cfg").Dot("Token")),
			jen.Return(jen.Id("t"), jen.Nil()),
		))
		body = append(body, authURL(au.TicketURL)...)
		body = append(body,
			jen.List(jen.Id("ticket"), jen.Err()).Op(":=").Qual(authPkg, "Do").Call(jen.Id("ctx"), jen.Qual(authPkg, "Request").Values(jen.Dict{
				jen.Id("Step"):          jen.Lit("ticket"),
				jen.Id("Method"):        jen.Qual(httpPkg, "MethodGet"),
				jen.Id("URL"):           jen.Id("authURL"),
				jen.Id("Header"):        jen.Qual(httpPkg, "Header").Values(jen.Dict{jen.Lit("Authorization"): jen.Index().String().Values(jen.Lit("Bearer ").Op("+").Id("c").Dot("cfg").Dot("Token"))}),
				jen.Id("Pointer"):       jen.Lit(au.TicketPointer),
				jen.Id("Client"):        jen.Id("c").Dot("cfg").Dot("HTTPClient"),
				jen.Id("AllowInsecure"): jen.Id("c").Dot("cfg").Dot("Conn").Dot("AllowInsecure"),
			})),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("t"), jen.Err())),
			jen.Id("t").Dot("URL").Op("=").Qual(authPkg, "WithQuery").Call(jen.Id("t").Dot("URL"), jen.Lit(au.QueryParam), jen.Id("ticket")),
			jen.Id("t").Dot("FreshCredential").Op("=").True(),
			jen.Id("t").Dot("Secrets").Op("=").Append(jen.Id("t").Dot("Secrets"), jen.Id("ticket")),
		)
	case "session":
		hdr := jen.Dict{}
		var secrets []jen.Code
		for _, h := range au.Headers {
			hdr[jen.Lit(h.Name)] = jen.Index().String().Values(jen.Id("c").Dot("cfg").Dot(ir.GoName(h.Name)))
			secrets = append(secrets, jen.Id("c").Dot("cfg").Dot(ir.GoName(h.Name)))
		}
		body = append(body, authURL(au.SessionURL)...)
		body = append(body, jen.Id("h").Op(":=").Qual(httpPkg, "Header").Values(hdr))
		for _, h := range au.Headers {
			if !h.Required {
				body = append(body, jen.If(jen.Id("c").Dot("cfg").Dot(ir.GoName(h.Name)).Op("==").Lit("")).Block(
					jen.Id("h").Dot("Del").Call(jen.Lit(h.Name)),
				))
			}
		}
		method := au.Method
		if method == "" {
			method = "POST"
		}
		body = append(body,
			jen.List(jen.Id("id"), jen.Err()).Op(":=").Qual(authPkg, "Do").Call(jen.Id("ctx"), jen.Qual(authPkg, "Request").Values(jen.Dict{
				jen.Id("Step"):          jen.Lit("session"),
				jen.Id("Method"):        jen.Lit(method),
				jen.Id("URL"):           jen.Id("authURL"),
				jen.Id("Header"):        jen.Id("h"),
				jen.Id("Pointer"):       jen.Lit(au.SessionPointer),
				jen.Id("Expect"):        jen.Lit(au.ExpectStatus),
				jen.Id("Client"):        jen.Id("c").Dot("cfg").Dot("HTTPClient"),
				jen.Id("AllowInsecure"): jen.Id("c").Dot("cfg").Dot("Conn").Dot("AllowInsecure"),
			})),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("t"), jen.Err())),
			jen.Id("t").Dot("URL").Op("=").Qual("strings", "ReplaceAll").Call(jen.Id("t").Dot("URL"), jen.Lit("{"+au.AddressParameter+"}"), jen.Qual("net/url", "PathEscape").Call(jen.Id("id"))),
			jen.Id("t").Dot("FreshCredential").Op("=").True(),
			jen.Id("t").Dot("Secrets").Op("=").Index().String().Values(append(secrets, jen.Id("id"))...),
		)
	}
	body = append(body, jen.Return(jen.Id("t"), jen.Nil()))
	f.Comment("target prepares one dial: the URL, headers and any pre-dial auth step.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("target").Params(jen.Id("ctx").Add(ctx)).Params(jen.Qual(connPkg, "Target"), jen.Error()).Block(body...)
	f.Line()
	return nil
}

// replyMessages are the server messages some request or step waits for.
func (g *gen) replyMessages(cs *ir.ClientSpec) map[*ir.Message]bool {
	out := map[*ir.Message]bool{}
	for _, op := range cs.Ops {
		if op.Await {
			for _, r := range op.Replies {
				out[r] = true
			}
		}
	}
	for _, m := range []*ir.Message{cs.Welcome, cs.Auth.Ack, cs.Auth.Error} {
		if m != nil {
			out[m] = true
		}
	}
	return out
}

func (g *gen) clientInspect(f *jen.File, cs *ir.ClientSpec, sd *ir.Direction) error {
	replies := g.replyMessages(cs)
	var cases, routed []jen.Code
	for _, m := range sd.Messages {
		var stmts []jen.Code
		v := id("v")
		if replies[m] {
			if len(m.Correlation) > 0 {
				get, err := getText(m.Type, v, "/"+strings.Join(m.Correlation, "/"), "corr", true)
				if err != nil {
					return fmt.Errorf("%s correlation: %w", m.Name, err)
				}
				stmts = append(stmts, get...)
				stmts = append(stmts, jen.If(jen.Id("corrOK")).Block(
					jen.Id("in").Dot("ReplyKeys").Op("=").Append(jen.Id("in").Dot("ReplyKeys"), jen.Lit("corr:").Op("+").Id("corr")),
				))
			}
			stmts = append(stmts, jen.Id("in").Dot("ReplyKeys").Op("=").Append(jen.Id("in").Dot("ReplyKeys"), jen.Lit("reply:"+m.Name)))
		}
		if m.Error != nil {
			stmts = append(stmts, jen.Id("in").Dot("ReplyErr").Op("=").Id("replyError"+m.Name).Call(jen.Id("v")))
			if m.Error.Always && len(m.Correlation) == 0 && replies[m] {
				stmts = append(stmts, jen.Id("in").Dot("AnswersOldest").Op("=").True())
			}
		}
		if len(m.EndsSub) > 0 {
			var parts []jen.Code
			for i, ptr := range m.EndsSub {
				name := fmt.Sprintf("end%d", i)
				get, err := getText(m.Type, v, ptr, name, false)
				if err != nil {
					return fmt.Errorf("%s x-wsbind-ends-subscription: %w", m.Name, err)
				}
				stmts = append(stmts, get...)
				parts = append(parts, jen.Id(name))
			}
			stmts = append(stmts, jen.Id("in").Dot("EndsSub").Op("=").Index().String().Values(parts...))
		}
		for i, ptr := range m.Secrets {
			name := fmt.Sprintf("secret%d", i)
			get, err := getText(m.Type, v, ptr, name, false)
			if err != nil {
				return fmt.Errorf("%s x-wsbind-secrets: %w", m.Name, err)
			}
			// Registered before the frame reaches a tap, so the capture of
			// this very frame carries REDACTED.
			stmts = append(stmts, get...)
			stmts = append(stmts, jen.Id("s").Dot("AddSecret").Call(jen.Id(name)))
		}
		if cs.Welcome == m {
			stmts = append(stmts, jen.Id("c").Dot("welcome").Dot("Store").Call(jen.Id("v")))
		}
		if cs.Keepalive.Message == m || cs.Keepalive.ReplyMessage == m {
			stmts = append(stmts, jen.Id("in").Dot("Drop").Op("=").True())
		}
		if cs.Resume != nil && cs.Resume.Message == m {
			get, err := getText(m.Type, v, cs.Resume.TokenPointer, "tok", false)
			if err != nil {
				return fmt.Errorf("%s resume token: %w", m.Name, err)
			}
			stmts = append(stmts, get...)
			stmts = append(stmts, jen.If(jen.Id("tok").Op("!=").Lit("")).Block(
				jen.Id("s").Dot("AddSecret").Call(jen.Id("tok")),
				jen.Id("s").Dot("Reconnect").Call(jen.Func().Params(jen.Id("t").Op("*").Qual(connPkg, "Target")).Block(
					jen.Id("t").Dot("URL").Op("=").Qual(authPkg, "WithQuery").Call(jen.Id("t").Dot("URL"), jen.Lit(cs.Resume.QueryParam), jen.Id("tok")),
					jen.Id("t").Dot("Secrets").Op("=").Append(jen.Id("t").Dot("Secrets"), jen.Id("tok")),
				)),
			))
		}
		if len(stmts) > 0 {
			cases = append(cases, jen.Case(jen.Op("*").Id(m.Name)).Block(stmts...))
			routed = append(routed, jen.Op("*").Id(m.Name))
		}
	}
	body := []jen.Code{
		jen.Id("in").Op(":=").Qual(connPkg, "Inbound").Values(jen.Dict{jen.Id("Err"): jen.Err()}),
		jen.List(jen.Id("m"), jen.Id("ok")).Op(":=").Id("wm").Assert(jen.Id("ServerMessage")),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Id("in"))),
		jen.Id("in").Dot("Msg").Op("=").Id("m"),
		jen.Id("in").Dot("Quarantine").Op("=").Id("in").Dot("Err").Op("!=").Nil().Op("&&").Id("c").Dot("cfg").Dot("Validation").Op("==").Qual(wirePkg, "Strict"),
	}
	if len(cases) > 0 {
		body = append(body, jen.Switch(jen.Id("v").Op(":=").Id("m").Assert(jen.Type())).Block(cases...))
	}
	body = append(body, jen.Return(jen.Id("in")))
	cfgID := func(name string) *jen.Statement { return jen.Id("c").Dot("cfg").Dot(name) }
	verdict := func() []jen.Code {
		return []jen.Code{
			jen.Id("in").Op("=").Id("c").Dot("route").Call(jen.Id("s"), jen.Id("r").Dot("Message"), jen.Err()),
			jen.Comment("After route: a secret this frame hands out is redacted already."),
			cfgID("OnVerdict").Call(jen.Id("s").Dot("Redact").Call(jen.Id("frame")), jen.Op("&").Id("r")),
		}
	}
	// A message route holds on to (a reply, the welcome) or an error the
	// runtime queues must have memory of its own; so must every message
	// once a handler may keep it.
	reused := []jen.Code{
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Id("c").Dot("verdicts").Dot("Verdict").Call(jen.Id("frame"), cfgID("Validation")),
	}
	fresh := jen.List(jen.Id("r"), jen.Err()).Op("=").Id("ServerCodec").Dot("Verdict").Call(jen.Id("frame"), cfgID("Validation"))
	if len(routed) > 0 {
		reused = append(reused, jen.Switch(jen.Id("r").Dot("Message").Assert(jen.Type())).Block(
			jen.Case(routed...).Block(fresh),
			jen.Default().Block(jen.If(jen.Err().Op("!=").Nil()).Block(fresh)),
		))
	} else {
		reused = append(reused, jen.If(jen.Err().Op("!=").Nil()).Block(fresh))
	}
	f.Comment("inspect decodes a frame on the read goroutine, once: with OnVerdict set,")
	f.Comment("the same decode yields the verdict it is handed.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("inspect").Params(jen.Id("s").Op("*").Qual(connPkg, "Session"), jen.Id("frame").Index().Byte(), jen.Id("_").Uint64()).Qual(connPkg, "Inbound").Block(
		jen.Var().Id("in").Qual(connPkg, "Inbound"),
		jen.Id("handled").Op(":=").Id("c").Dot("handled").Dot("Load").Call(),
		jen.Switch().Block(
			jen.Case(cfgID("OnVerdict").Op("==").Nil()).Block(
				jen.List(jen.Id("wm"), jen.Err()).Op(":=").Id("ServerCodec").Dot("Judge").Call(jen.Id("frame"), cfgID("Validation")),
				jen.Id("in").Op("=").Id("c").Dot("route").Call(jen.Id("s"), jen.Id("wm"), jen.Err()),
			),
			jen.Case(jen.Op("!").Id("handled")).Block(append(append([]jen.Code{
				jen.Comment("No handler can keep the message: it is decoded into the memory"),
				jen.Comment("of the one before (a bridge, a recorder), and is dropped below."),
			}, reused...), verdict()...)...),
			jen.Default().Block(append([]jen.Code{
				jen.List(jen.Id("r"), jen.Err()).Op(":=").Id("ServerCodec").Dot("Verdict").Call(jen.Id("frame"), cfgID("Validation")),
			}, verdict()...)...),
		),
		jen.Comment("Until a handler is registered, a frame that reports nothing has"),
		jen.Comment("nowhere to go: it skips the delivery queue (a bridge, a recorder)."),
		jen.If(jen.Id("in").Dot("Err").Op("==").Nil().Op("&&").Op("!").Id("handled")).Block(
			jen.Id("in").Dot("Drop").Op("=").True(),
		),
		jen.Return(jen.Id("in")),
	)
	f.Line()
	f.Comment("route marks replies, errors, keepalives and resume requests for the")
	f.Comment("runtime.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("route").Params(jen.Id("s").Op("*").Qual(connPkg, "Session"), jen.Id("wm").Qual(wirePkg, "Message"), jen.Err().Error()).Qual(connPkg, "Inbound").Block(body...)
	f.Line()
	return nil
}

func (g *gen) clientOpen(f *jen.File, cs *ir.ClientSpec) error {
	ctx := jen.Qual(ctxPkg, "Context")
	var body []jen.Code
	if cs.Welcome != nil {
		body = append(body,
			jen.If(jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("s").Dot("Await").Call(jen.Id("ctx"), jen.Lit("reply:"+cs.Welcome.Name)), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("waiting for "+cs.Welcome.Name+": %w"), jen.Err())),
			),
		)
	}
	if cs.Auth.Kind == "init-payload" {
		au := cs.Auth
		set, _, err := setValue(au.Init.Type, id("m"), au.TokenPointer, jen.Id("c").Dot("cfg").Dot("Token"), true)
		if err != nil {
			return fmt.Errorf("init token: %w", err)
		}
		keys := []jen.Code{jen.Id("ctx"), jen.Id("frame"), jen.Lit("reply:" + au.Ack.Name)}
		if au.Error != nil {
			keys = append(keys, jen.Lit("reply:"+au.Error.Name))
		}
		body = append(body, jen.Id("m").Op(":=").Id("New"+au.Init.Name).Call())
		body = append(body, set...)
		body = append(body,
			jen.List(jen.Id("frame"), jen.Err()).Op(":=").Id("c").Dot("encode").Call(jen.Id("ctx"), jen.Id("m")),
			returnErrIfErr(),
			jen.List(jen.Id("in"), jen.Err()).Op(":=").Id("s").Dot("Call").Call(keys...),
			returnErrIfErr(),
		)
		if au.Error != nil {
			body = append(body, jen.If(jen.List(jen.Id("e"), jen.Id("bad")).Op(":=").Id("in").Dot("Msg").Assert(jen.Op("*").Id(au.Error.Name)), jen.Id("bad")).Block(
				jen.Return(jen.Op("&").Qual(connPkg, "PermanentError").Values(jen.Dict{
					jen.Id("Err"): jen.Op("&").Id("ReplyError").Values(jen.Dict{jen.Id("Message"): jen.Lit(au.Error.Name), jen.Id("Text"): jen.Lit("connection refused by the server"), jen.Id("Reply"): jen.Id("e")}),
				})),
			))
		}
	}
	body = append(body,
		jen.If(jen.Id("resumed")).Block(jen.Return(jen.Nil())),
		jen.Return(jen.Id("s").Dot("Restore").Call(jen.Id("ctx"))),
	)
	f.Comment("open runs after every handshake, before frames reach handlers:")
	f.Comment("it completes authentication and restores subscriptions unless the")
	f.Comment("server resumed the session with them.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("open").Params(jen.Id("ctx").Add(ctx), jen.Id("s").Op("*").Qual(connPkg, "Session"), jen.Id("resumed").Bool()).Error().Block(body...)
	f.Line()
	return nil
}

func (g *gen) clientHandlers(f *jen.File, sd *ir.Direction) error {
	hs, err := g.handlers(sd)
	if err != nil {
		return err
	}
	ctx := jen.Qual(ctxPkg, "Context")
	f.Comment("update swaps in a changed copy of the dispatcher, so handlers can be")
	f.Comment("registered while frames are being delivered.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("update").Params(jen.Id("fn").Func().Params(jen.Op("*").Id("ServerDispatcher"))).Block(
		jen.Id("c").Dot("hmu").Dot("Lock").Call(),
		jen.Defer().Id("c").Dot("hmu").Dot("Unlock").Call(),
		jen.Id("d").Op(":=").Op("*").Id("c").Dot("disp").Dot("Load").Call(),
		jen.Id("fn").Call(jen.Op("&").Id("d")),
		jen.Id("c").Dot("disp").Dot("Store").Call(jen.Op("&").Id("d")),
		jen.Id("c").Dot("handled").Dot("Store").Call(jen.True()),
	)
	f.Line()
	all := append(hs, handler{name: "Unknown", params: []jen.Code{ctx, jen.Op("*").Qual(wirePkg, "Unknown")}},
		handler{name: "Unhandled", params: []jen.Code{ctx, jen.Id("ServerMessage")}})
	names := g.clientHandlerNames(sd)
	owner := map[string]string{} // method name to what it handles, to refuse clashes
	for _, h := range all {
		n := names[h.name]
		if n.method == "" {
			n = clientHandlerName{method: "On" + h.name, doc: h.doc}
		}
		if prev, ok := owner[n.method]; ok {
			return fmt.Errorf("the client method %s would register the handler of both %s and %s; rename the message or the union branch's schema", n.method, prev, h.name)
		}
		owner[n.method] = h.name
		f.Comment(fmt.Sprintf("%s sets the handler that %s.", n.method, n.doc))
		f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(n.method).Params(jen.Id("fn").Func().Params(h.params...)).Block(
			jen.Id("c").Dot("update").Call(jen.Func().Params(jen.Id("d").Op("*").Id("ServerDispatcher")).Block(
				jen.Id("d").Dot("On" + h.name).Call(jen.Id("fn")),
			)),
		)
	}
	f.Line()
	return nil
}

// clientHandlerName is the Client method that registers one dispatcher
// handler, and what its doc comment says the handler receives.
type clientHandlerName struct {
	method string
	doc    string
}

// clientHandlerNames names the Client's handler methods by the dispatcher
// handler they set (keyed as handler.name): a message's is MessageHandler,
// so that it cannot clash with Config.OnError or OnUnknown; a value carried
// in a dispatched union keeps On<Type>.
func (g *gen) clientHandlerNames(sd *ir.Direction) map[string]clientHandlerName {
	out := map[string]clientHandlerName{
		"Unknown":   {"OnUnknown", "receives frames and union values the spec does not know"},
		"Unhandled": {"OnUnhandled", "receives known messages no other handler took"},
	}
	for _, m := range sd.Messages {
		out[m.Name] = clientHandlerName{MessageHandler(m.Name), "receives every " + m.Name + " message"}
	}
	for _, m := range sd.Messages {
		for _, fo := range g.fanouts[m.Type] {
			for _, b := range fo.union.Branches {
				if _, ok := out[b.Type.Name]; ok {
					continue
				}
				out[b.Type.Name] = clientHandlerName{"On" + b.Type.Name,
					fmt.Sprintf("receives each %s carried in %s message, after the message handler", b.Type.Name, withArticle(m.Name))}
			}
		}
	}
	return out
}

func (g *gen) replyErrors(f *jen.File) error {
	emitDoc(f, comment("ReplyError is a reply in which the server reports that a request failed. Code is the provider's error code when it has one; Reply is the whole reply. Its text is the reply's message name, code and text; the request method that got it adds the provider's name and its own in front."))
	f.Type().Id("ReplyError").Struct(
		jen.Id("Message").String(),
		jen.Id("Code").String(),
		jen.Id("Text").String(),
		jen.Id("Reply").Id("ServerMessage"),
	)
	f.Func().Params(jen.Id("e").Op("*").Id("ReplyError")).Id("Error").Params().String().Block(
		jen.Id("s").Op(":=").Id("e").Dot("Message"),
		jen.If(jen.Id("e").Dot("Code").Op("!=").Lit("")).Block(jen.Id("s").Op("+=").Lit(": ").Op("+").Id("e").Dot("Code")),
		jen.If(jen.Id("e").Dot("Text").Op("!=").Lit("")).Block(jen.Id("s").Op("+=").Lit(": ").Op("+").Id("e").Dot("Text")),
		jen.Return(jen.Id("s")),
	)
	f.Line()
	for _, m := range g.pkg.Messages {
		r := m.Error
		if r == nil || !m.Server {
			continue
		}
		v := id("m")
		var body []jen.Code
		if !r.Always && r.Present {
			cond, err := present(m.Type, v, r.Pointer)
			if err != nil {
				return fmt.Errorf("x-wsbind-error of %s: %w", m.Name, err)
			}
			body = append(body, jen.If(jen.Op("!").Parens(cond)).Block(jen.Return(jen.Nil())))
		} else if !r.Always {
			get, err := getText(m.Type, v, r.Pointer, "when", true)
			if err != nil {
				return fmt.Errorf("x-wsbind-error of %s: %w", m.Name, err)
			}
			body = append(body, get...)
			body = append(body, jen.If(jen.Op("!").Id("whenOK").Op("||").Id("when").Op("!=").Lit(fmt.Sprint(r.Equals))).Block(jen.Return(jen.Nil())))
		}
		for _, part := range []struct{ ptr, name string }{{r.Code, "code"}, {r.Text, "text"}} {
			if part.ptr == "" {
				body = append(body, jen.Id(part.name).Op(":=").Lit(""))
				continue
			}
			get, err := getText(m.Type, v, part.ptr, part.name, false)
			if err != nil {
				return fmt.Errorf("x-wsbind-error of %s: %w", m.Name, err)
			}
			body = append(body, get...)
		}
		for _, s := range r.Success {
			body = append(body, jen.If(jen.Id("code").Op("==").Lit(s[0]).Op("&&").Id("text").Op("==").Lit(s[1])).Block(jen.Return(jen.Nil())))
		}
		body = append(body, jen.Id("e").Op(":=").Op("&").Id("ReplyError").Values(jen.Dict{
			jen.Id("Message"): jen.Lit(m.Name), jen.Id("Code"): jen.Id("code"), jen.Id("Text"): jen.Id("text"), jen.Id("Reply"): jen.Id("m"),
		}))
		if len(r.Fatal) > 0 {
			body = append(body, jen.Switch(jen.Id("code")).Block(
				jen.Case(listLits(r.Fatal)...).Block(jen.Return(jen.Op("&").Qual(connPkg, "PermanentError").Values(jen.Dict{jen.Id("Err"): jen.Id("e")}))),
			))
		}
		body = append(body, jen.Return(jen.Id("e")))
		f.Comment(fmt.Sprintf("replyError%s returns the failure m reports, or nil.", m.Name))
		f.Func().Id("replyError" + m.Name).Params(jen.Id("m").Op("*").Id(m.Name)).Error().Block(body...)
		f.Line()
	}
	return nil
}

func (g *gen) constructors(f *jen.File) {
	for _, m := range g.pkg.Messages {
		body := []jen.Code{jen.Id("m").Op(":=").Op("&").Id(m.Name).Values()}
		if m.Wrapped() && m.Type.Const != nil {
			body = append(body, jen.Id("m").Dot("Value").Op("=").Lit(m.Type.Const))
		}
		body = append(body, constInits(m.Type, id("m"))...)
		body = append(body, jen.Return(jen.Id("m")))
		f.Comment(fmt.Sprintf("New%s returns %s with its constant fields filled in.", m.Name, withArticle(m.Name)))
		f.Func().Id("New" + m.Name).Params().Op("*").Id(m.Name).Block(body...)
	}
	f.Line()
}

func (g *gen) clientOp(f *jen.File, cs *ir.ClientSpec, op *ir.ClientOp) error {
	ctx := jen.Qual(ctxPkg, "Context")
	m := id("m")
	t := op.Message.Type
	params := []jen.Code{jen.Id("ctx").Add(ctx)}
	body := []jen.Code{jen.Id("m").Op(":=").Id("New" + op.Message.Name).Call()}
	setByParam := map[string]bool{}
	for _, p := range op.Params {
		setByParam[p.Pointer] = true
		if p.Template != "" {
			quoted := jen.Qual(wirePkg, "QuoteTemplate").Call(jen.Id(p.Name))
			val := jen.Qual("strings", "ReplaceAll").Call(jen.Lit(p.Template), jen.Lit("{"+p.Name+"}"), quoted)
			set, _, err := setValue(t, m, p.Pointer, val, false)
			if err != nil {
				return err
			}
			params = append(params, jen.Id(p.Name).String())
			body = append(body, set...)
			continue
		}
		set, leaf, err := setValue(t, m, p.Pointer, jen.Id(p.Name), true)
		if err != nil {
			return err
		}
		params = append(params, jen.Id(p.Name).Add(goType(leaf)))
		body = append(body, set...)
	}
	if cs.Auth.Kind == "per-message" {
		if set, _, err := setValue(t, m, cs.Auth.TokenPointer, jen.Id("c").Dot("cfg").Dot("Token"), true); err == nil {
			body = append(body, set...)
		}
		if cs.Auth.TokenTypePointer != "" {
			if set, _, err := setValue(t, m, cs.Auth.TokenTypePointer, jen.Id("c").Dot("cfg").Dot("TokenType"), true); err == nil {
				body = append(body, set...)
			}
		}
	}
	idPtr := op.IDPointer
	if idPtr == "" && len(op.Message.Correlation) > 0 {
		idPtr = "/" + strings.Join(op.Message.Correlation, "/")
	}
	if idPtr != "" && !setByParam[idPtr] {
		set, _, err := setValue(t, m, idPtr, jen.Id("c").Dot("newID").Call(), false)
		if err != nil {
			return err
		}
		body = append(body, set...)
	}
	body = append(body,
		jen.List(jen.Id("frame"), jen.Err()).Op(":=").Id("c").Dot("encode").Call(jen.Id("ctx"), jen.Id("m")),
	)
	// Reply type: the one reply that is not always an error, if single.
	var success []*ir.Message
	for _, r := range op.Replies {
		if r.Error == nil || !r.Error.Always {
			success = append(success, r)
		}
	}
	var result jen.Code = jen.Id("ServerMessage")
	if !op.Await {
		result = jen.Op("*").Id(op.Message.Name)
	} else if len(success) == 1 {
		result = jen.Op("*").Id(success[0].Name)
	}
	body = append(body, jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())))
	req := jen.Dict{}
	if op.Await {
		stmts, keys, err := g.replyKeys(op, m)
		if err != nil {
			return err
		}
		body = append(body, stmts...)
		req[jen.Id("Keys")] = jen.Index().String().Values(keys...)
	}
	if op.Sub != "" {
		action := "SubAdd"
		if op.Sub == "remove" {
			action = "SubRemove"
		}
		req[jen.Id("Sub")] = jen.Qual(connPkg, action)
		var keyVals []jen.Code
		for i, k := range op.Key {
			name := fmt.Sprintf("key%d", i)
			get, err := getText(t, m, k, name, false)
			if err != nil {
				return err
			}
			body = append(body, get...)
			keyVals = append(keyVals, jen.Id(name))
		}
		req[jen.Id("SubKey")] = jen.Index().String().Values(keyVals...)
	}
	wrap := jen.Qual("fmt", "Errorf").Call(jen.Lit(g.pkg.Name+": "+op.Method+": %w"), jen.Err())
	body = append(body, jen.List(jen.Id("in"), jen.Err()).Op(":=").Id("c").Dot("rt").Dot("Request").Call(jen.Id("ctx"), jen.Id("frame"), jen.Qual(connPkg, "Request").Values(req)))
	if !op.Await {
		body = append(body,
			jen.Id("_").Op("=").Id("in"),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), wrap)),
			jen.Return(jen.Id("m"), jen.Nil()),
		)
	} else {
		if len(success) == 1 {
			body = append(body, jen.List(jen.Id("r"), jen.Id("_")).Op(":=").Id("in").Dot("Msg").Assert(jen.Op("*").Id(success[0].Name)))
		} else {
			body = append(body, jen.List(jen.Id("r"), jen.Id("_")).Op(":=").Id("in").Dot("Msg").Assert(jen.Id("ServerMessage")))
		}
		body = append(body,
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("r"), wrap)),
			jen.Return(jen.Id("r"), jen.Nil()),
		)
	}
	doc := op.Method + " sends " + op.Message.Name
	if op.Doc != "" {
		doc += " (" + strings.TrimSuffix(op.Doc, ".") + ")"
	}
	switch {
	case op.Await && len(op.Message.Correlation) > 0:
		doc += " and waits for the reply with the same " + op.Message.Correlation[len(op.Message.Correlation)-1] + "."
	case op.Await:
		doc += " and waits for its reply."
	default:
		doc += "; the protocol sends no acknowledgement, so it returns the sent message."
	}
	switch op.Sub {
	case "add":
		doc += " The subscription is restored after every reconnect."
	case "remove":
		doc += " Matching subscriptions are no longer restored."
	}
	doc += " A failure the server reports comes back as a *ReplyError."
	emitDoc(f, comment(doc))
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(op.Method).Params(params...).Params(result, jen.Error()).Block(body...)
	f.Line()
	return nil
}

// listOrNil is a []string literal, or nil for none.
func listOrNil(vals []string) jen.Code {
	if len(vals) == 0 {
		return jen.Nil()
	}
	return jen.Index().String().Values(listLits(vals)...)
}

// channelParams emits ChannelParams, the typed {parameters} of the
// dialled channel's address.
func (g *gen) channelParams(f *jen.File, cs *ir.ClientSpec) {
	if len(cs.Params) == 0 {
		return
	}
	emitDoc(f, comment("ChannelParams are the parameters of the channel address in DefaultURL. Connect puts each, path-escaped, in its {placeholder}; an empty one takes the spec's default, and a value outside the spec's enum is refused before anything is sent."))
	f.Type().Id("ChannelParams").StructFunc(func(gr *jen.Group) {
		for _, p := range cs.Params {
			doc := p.Doc
			if len(p.Enum) > 0 {
				doc = strings.TrimSpace(doc + " One of: " + strings.Join(p.Enum, ", ") + ".")
			}
			if p.Default != "" {
				doc = strings.TrimSpace(doc + " Default: " + p.Default + ".")
			}
			if doc != "" {
				for _, line := range strings.Split(comment(doc), "\n") {
					gr.Comment(line)
				}
			}
			gr.Id(p.GoName).String()
		}
	})
	f.Line()
}

// plural is "1 argument" or "n arguments".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
