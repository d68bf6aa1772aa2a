package ir

import (
	"fmt"
	"strings"

	"github.com/wsbind/wsbind/gen/spec"
)

// ClientSpec is what the typed client needs beyond types and dispatch: how
// to dial and authenticate, how liveness works, and the request methods.
// It comes from the x-wsbind-* extensions of the first server and of the
// operations (specs/README.md).
type ClientSpec struct {
	URL          string // first server URL joined with the first channel's address
	Subprotocols []string
	Auth         Auth
	Welcome      *Message
	Keepalive    Keepalive
	Resume       *Resume
	Ops          []*ClientOp
	// Params are the {parameters} of the dialled channel's address, which
	// the client fills from Config.Params.
	Params []ChannelParam
}

// ChannelParam is one parameter of a channel address.
type ChannelParam struct {
	Name, GoName, Doc string
	Enum              []string
	Default           string
}

// Auth is x-wsbind-auth.
type Auth struct {
	Kind             string // per-message, init-payload, ticket, session or ""
	TokenPointer     string
	TokenTypePointer string
	TicketURL        string
	TicketPointer    string
	QueryParam       string
	BearerHeader     bool
	SessionURL       string
	Method           string
	Headers          []Header
	SessionPointer   string
	ExpectStatus     int
	AddressParameter string
	Init, Ack, Error *Message
}

// Header is one header of a session request.
type Header struct {
	Name     string
	Required bool
}

// Keepalive is x-wsbind-keepalive.
type Keepalive struct {
	ServerPingSeconds  int
	PongTimeoutSeconds int
	Message            *Message // server keepalive message (consumed by the runtime)
	Seconds            int
	IdleTimeoutSeconds int
	ClientMessage      *Message // sent by the client every ClientSeconds
	ClientSeconds      int
	ReplyMessage       *Message // the server's answer to ClientMessage (consumed)
}

// Resume is x-wsbind-resume.
type Resume struct {
	Message      *Message
	TokenPointer string
	QueryParam   string
}

// ClientOp is one send operation with x-wsbind-client: a client method.
type ClientOp struct {
	Method    string
	Doc       string
	Message   *Message
	Params    []Param
	IDPointer string // filled with a fresh id when no param sets it
	Await     bool
	Sub       string // "add", "remove" or ""
	Key       []string
	Replies   []*Message
}

// Param is one argument of a client method.
type Param struct {
	Name     string
	Pointer  string
	Template string // "{name}" is replaced by the argument
}

// ErrorRule is x-wsbind-error on a reply message: when the reply is an error.
type ErrorRule struct {
	Always  bool
	Pointer string
	Present bool
	Equals  any
	Code    string
	Text    string
	Success [][2]string // code/text pairs that mean success after all
	Fatal   []string
}

var opExtensions = []string{"x-wsbind-client", "x-wsbind-inferred"}

func intField(n *spec.Node, key string) int {
	v, _ := intOf(n.Get(key))
	if v < 0 {
		return 0
	}
	return v
}

// messageAt is the message n's key names, nil when n has no such key.
func messageAt(n *spec.Node, key string, byName map[string]*Message) (*Message, error) {
	v := n.Get(key)
	if v == nil {
		return nil, nil
	}
	m := byName[v.Str()]
	if m == nil {
		// A message inline in a channel is named by its key there, which
		// the IR names in Go style.
		for _, bm := range byName {
			if bm.Name == GoName(v.Str()) {
				m = bm
			}
		}
	}
	if m == nil {
		return nil, v.Errorf("%s names no message %q", key, v.Str())
	}
	return m, nil
}

// parseAuth reads one server's x-wsbind-auth.
func parseAuth(a *spec.Node, byName map[string]*Message) (*Auth, error) {
	au := &Auth{
		Kind:             a.Get("kind").Str(),
		TokenPointer:     a.Get("tokenPointer").Str(),
		TokenTypePointer: a.Get("tokenTypePointer").Str(),
		TicketURL:        a.Get("ticketUrl").Str(),
		TicketPointer:    a.Get("ticketPointer").Str(),
		QueryParam:       a.Get("queryParam").Str(),
		BearerHeader:     a.Get("alsoBearerHeader") != nil && a.Get("alsoBearerHeader").Scalar == true,
		SessionURL:       a.Get("sessionUrl").Str(),
		Method:           a.Get("method").Str(),
		SessionPointer:   a.Get("sessionPointer").Str(),
		ExpectStatus:     intField(a, "expectStatus"),
		AddressParameter: a.Get("addressParameter").Str(),
	}
	if h := a.Get("headers"); h != nil {
		for i, k := range h.Keys {
			au.Headers = append(au.Headers, Header{Name: k, Required: h.Values[i].Str() == "required"})
		}
	}
	var err error
	if au.Init, err = messageAt(a, "initMessage", byName); err != nil {
		return nil, err
	}
	if au.Ack, err = messageAt(a, "ackMessage", byName); err != nil {
		return nil, err
	}
	if au.Error, err = messageAt(a, "errorMessage", byName); err != nil {
		return nil, err
	}
	switch au.Kind {
	case "per-message", "init-payload", "ticket", "session":
	default:
		return nil, a.Errorf("x-wsbind-auth kind %q: want per-message, init-payload, ticket or session", au.Kind)
	}
	if au.Kind == "init-payload" && (au.Init == nil || au.Ack == nil) {
		return nil, a.Errorf("init-payload auth needs initMessage and ackMessage")
	}
	return au, nil
}

// Credentials are the names of the values the auth step needs from the
// user, as wsbind record's --cred takes them: "token" (and "token_type"
// when the messages carry one) or the session request's headers.
func (a Auth) Credentials() []string {
	var out []string
	switch a.Kind {
	case "per-message", "init-payload", "ticket":
		out = append(out, "token")
	}
	if a.TokenTypePointer != "" {
		out = append(out, "token_type")
	}
	for _, h := range a.Headers {
		out = append(out, h.Name)
	}
	return out
}

func buildClient(doc *spec.Document, pkg *Package, byName map[string]*Message) (*ClientSpec, error) {
	cs := &ClientSpec{}
	lookup := func(n *spec.Node, key string) (*Message, error) { return messageAt(n, key, byName) }
	servers := doc.Root.Get("servers")
	if servers != nil && len(servers.Values) > 0 {
		srv := servers.Values[0]
		cs.URL = srv.Get("protocol").Str() + "://" + srv.Get("host").Str() + srv.Get("pathname").Str()
		if len(doc.Channels) > 0 {
			cs.URL = strings.TrimSuffix(cs.URL, "/") + doc.Channels[0].Address
		}
		if sp := srv.Get("x-wsbind-subprotocols"); sp != nil {
			for _, it := range sp.Items {
				cs.Subprotocols = append(cs.Subprotocols, it.Str())
			}
		}
		if a := srv.Get("x-wsbind-auth"); a != nil {
			au, err := parseAuth(a, byName)
			if err != nil {
				return nil, err
			}
			cs.Auth = *au
		}
		var err error
		if cs.Welcome, err = lookup(srv, "x-wsbind-welcome"); err != nil {
			return nil, err
		}
		if k := srv.Get("x-wsbind-keepalive"); k != nil {
			ka := &cs.Keepalive
			ka.ServerPingSeconds = intField(k, "serverPingSeconds")
			ka.PongTimeoutSeconds = intField(k, "pongTimeoutSeconds")
			ka.Seconds = intField(k, "keepaliveSeconds")
			ka.IdleTimeoutSeconds = intField(k, "idleTimeoutSeconds")
			ka.ClientSeconds = intField(k, "clientSeconds")
			if name := k.Get("keepaliveMessage").Str(); name != "" {
				// Named by its discriminator value ("ka") or by message name.
				for _, m := range pkg.Server.Messages {
					if m.Name == name || strings.EqualFold(m.Name, name) {
						ka.Message = m
					}
				}
				if ka.Message == nil {
					return nil, k.Errorf("keepaliveMessage %q names no server message", name)
				}
			}
			if ka.ClientMessage, err = lookup(k, "clientMessage"); err != nil {
				return nil, err
			}
			if ka.ReplyMessage, err = lookup(k, "replyMessage"); err != nil {
				return nil, err
			}
		}
		if r := srv.Get("x-wsbind-resume"); r != nil {
			m, err := lookup(r, "message")
			if err != nil {
				return nil, err
			}
			cs.Resume = &Resume{Message: m, TokenPointer: r.Get("tokenPointer").Str(), QueryParam: r.Get("queryParam").Str()}
		}
	}
	if len(doc.Channels) > 0 {
		params, err := channelParams(doc, doc.Channels[0], cs.Auth.AddressParameter)
		if err != nil {
			return nil, err
		}
		cs.Params = params
	}
	for _, sop := range doc.Operations {
		op, opName := sop.Node, sop.Key
		ext, err := spec.Extensions(op, opExtensions...)
		if err != nil {
			return nil, err
		}
		x := ext["x-wsbind-client"]
		if x == nil {
			continue
		}
		if !sop.ClientSends || len(sop.Messages) == 0 {
			return nil, x.Errorf("x-wsbind-client belongs on operations whose messages the client sends")
		}
		msg := byName[sop.Messages[0].Key]
		if msg == nil {
			return nil, x.Errorf("operation %s: message not found", opName)
		}
		co := &ClientOp{
			Method:    x.Get("method").Str(),
			Doc:       op.Get("summary").Str(),
			Message:   msg,
			IDPointer: x.Get("id").Str(),
			Await:     x.Get("await").Str() != "none",
			Sub:       x.Get("subscription").Str(),
		}
		if co.Method == "" {
			co.Method = GoName(opName)
		}
		if co.Doc == "" {
			co.Doc = op.Get("title").Str()
		}
		if p := x.Get("params"); p != nil {
			for _, it := range p.Items {
				co.Params = append(co.Params, Param{Name: it.Get("name").Str(), Pointer: it.Get("pointer").Str(), Template: it.Get("template").Str()})
			}
		}
		if k := x.Get("key"); k != nil {
			for _, it := range k.Items {
				co.Key = append(co.Key, it.Str())
			}
		}
		for _, r := range sop.Replies {
			co.Replies = append(co.Replies, byName[r.Key])
		}
		if co.Await && len(co.Replies) == 0 {
			return nil, x.Errorf("operation %s awaits a reply but names none; set await: none", opName)
		}
		switch co.Sub {
		case "", "add", "remove":
		default:
			return nil, x.Errorf("subscription %q: want add or remove", co.Sub)
		}
		cs.Ops = append(cs.Ops, co)
	}
	return cs, nil
}

func buildErrorRule(n *spec.Node) (*ErrorRule, error) {
	if n == nil {
		return nil, nil
	}
	r := &ErrorRule{Code: n.Get("code").Str(), Text: n.Get("text").Str()}
	w := n.Get("when")
	if w == nil {
		return nil, n.Errorf("x-wsbind-error needs when")
	}
	r.Always = w.Get("always") != nil && w.Get("always").Scalar == true
	r.Pointer = w.Get("pointer").Str()
	r.Present = w.Get("present") != nil && w.Get("present").Scalar == true
	if e := w.Get("equals"); e != nil {
		r.Equals = e.Scalar
	}
	if !r.Always && r.Pointer == "" {
		return nil, w.Errorf("when needs always: true or a pointer")
	}
	if s := n.Get("success"); s != nil {
		for _, it := range s.Items {
			r.Success = append(r.Success, [2]string{it.Get("code").Str(), it.Get("text").Str()})
		}
	}
	if f := n.Get("fatal"); f != nil {
		for _, it := range f.Items {
			r.Fatal = append(r.Fatal, it.Str())
		}
	}
	return r, nil
}

// FieldPath resolves a JSON pointer inside struct t to its fields.
func FieldPath(t *Type, ptr string) ([]*Field, error) {
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("pointer %q must start with /", ptr)
	}
	var out []*Field
	cur := t
	for _, tok := range strings.Split(ptr[1:], "/") {
		for cur.Kind == Nullable {
			cur = cur.Elem
		}
		if cur.Kind != Struct {
			return nil, fmt.Errorf("pointer %q: %q is not inside an object", ptr, tok)
		}
		f := cur.field(tok)
		if f == nil {
			return nil, fmt.Errorf("pointer %q: %s has no property %q", ptr, cur.Name, tok)
		}
		out = append(out, f)
		cur = f.Type
	}
	return out, nil
}

// channelParams reads the parameters of ch's address, leaving out one an
// auth step fills (x-wsbind-auth addressParameter).
func channelParams(doc *spec.Document, ch *spec.Channel, byAuth string) ([]ChannelParam, error) {
	params := ch.Node.Get("parameters")
	if params == nil {
		return nil, nil
	}
	var out []ChannelParam
	for i, name := range params.Keys {
		if name == byAuth || !strings.Contains(ch.Address, "{"+name+"}") {
			continue
		}
		n, err := doc.Loader.Deref(params.Values[i])
		if err != nil {
			return nil, err
		}
		p := ChannelParam{Name: name, GoName: GoName(name), Doc: n.Get("description").Str(), Default: n.Get("default").Str()}
		if e := n.Get("enum"); e != nil {
			for _, it := range e.Items {
				p.Enum = append(p.Enum, it.Str())
			}
		}
		out = append(out, p)
	}
	return out, nil
}
