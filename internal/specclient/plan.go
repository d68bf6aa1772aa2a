package specclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Words name the caller's inputs in errors and notes, so that record says
// "give --param room=VALUE" where the bridge says "give params.room".
type Words struct {
	// Tool is who dials, in notes on what it does not apply
	// ("record --spec").
	Tool string
	// URL names the URL input ("--url").
	URL string
	// Param names a URL parameter input, with its value unless value is
	// "": "--param room", "--param room=VALUE".
	Param func(name, value string) string
	// Header prefixes a header's errors ("--header"); HeaderHint says how
	// to give one ("--header 'Name: value'").
	Header, HeaderHint string
	// Cred names the credentials input ("--cred"); Creds lists missing
	// credentials with how to give them.
	Cred  string
	Creds func(keys []string) string
}

// PlanOptions are the caller's inputs to Plan.
type PlanOptions struct {
	// URL to dial; "" dials the document's first ws:// or wss:// server
	// with its first channel's address.
	URL string
	// Params fill the {name}s of the URL: server variables and channel
	// parameters, checked against the document's enums.
	Params map[string]string
	// Headers are "Name: value" lines; their values are secrets.
	Headers []string
	// Creds returns the credentials for the keys of the server's
	// x-wsbind-auth step; it is called only when there is one.
	Creds func(keys []string) (map[string]string, error)
	// CredsGiven says credentials were given: an error for a server
	// without an auth step.
	CredsGiven bool
	Words      Words
}

// Dial is where and how to connect, worked out by Plan.
type Dial struct {
	URL          string
	Header       http.Header
	Subprotocols []string
	// Channel is the key of the channel dialled ("" when the URL names
	// none of the document's addresses): its codecs judge the frames.
	Channel string
	// Auth is the server's x-wsbind-auth step (nil: none).
	Auth *Auth
	// Welcome is the server message that opens every connection
	// (x-wsbind-welcome): frames are sent once it has arrived.
	Welcome string
	// Keepalive is the frame the server expects every KeepaliveEvery
	// (x-wsbind-keepalive clientMessage); nil when it expects none.
	Keepalive      []byte
	KeepaliveEvery time.Duration
	// Secrets are the header values, the URL's query values and the
	// credentials: no error, log or frame handed out may show them.
	Secrets []string
	// Notes say what of the document is not applied.
	Notes []string

	spec  *Spec
	words Words
}

// Plan works out the URL, headers, subprotocols and auth step, and
// refuses what cannot or must not be dialled, before anything is.
func (s *Spec) Plan(o PlanOptions) (*Dial, error) {
	d := &Dial{Header: http.Header{}, spec: s, words: o.Words}
	rawURL := o.URL
	server := s.wsServer(rawURL)
	var channels []*spec.Channel // whose parameters may fill the URL
	if rawURL == "" {
		if server == nil {
			return nil, fmt.Errorf("%s names no ws:// or wss:// server: give %s", s.Path, o.Words.URL)
		}
		rawURL = server.URL
		if len(s.Document.Channels) > 0 {
			ch := s.Document.Channels[0]
			rawURL = strings.TrimSuffix(rawURL, "/") + ch.Address
			channels, d.Channel = []*spec.Channel{ch}, ch.Key
		}
	} else {
		channels = s.Document.Channels
	}
	byAuth := s.addressParameter(server)
	var err error
	if d.URL, err = s.fillURL(rawURL, o.Params, server, channels, byAuth, o.Words); err != nil {
		return nil, err
	}
	u, err := url.Parse(d.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, fmt.Errorf("%s is not a ws:// or wss:// URL: give %s", conn.RedactURL(d.URL), o.Words.URL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("the URL must not hold user:password (use %s)", o.Words.Header)
	}
	if err := conn.CheckURL(d.URL, false); err != nil {
		if errors.Is(err, conn.ErrInsecure) {
			return nil, fmt.Errorf("refusing plain ws:// to %s, which is not loopback: frames and credentials would travel in clear (use wss://)", u.Host)
		}
		return nil, err
	}
	if d.Channel == "" {
		for _, ch := range s.Document.Channels {
			if ch.Address != "" && ch.Address == u.Path {
				d.Channel = ch.Key
			}
		}
	}
	loopback := IsLoopbackHost(u.Hostname())
	if err := d.applyServer(s, server); err != nil {
		return nil, err
	}
	if d.Auth, err = s.planAuth(server, loopback, o); err != nil {
		return nil, err
	}
	if err := d.placeSessionID(s, byAuth, loopback); err != nil {
		return nil, err
	}
	d.Notes = append(d.Notes, d.Auth.notes()...)
	secrets, err := d.Auth.secrets()
	if err != nil {
		return nil, err
	}
	d.Secrets = append(d.Secrets, secrets...)
	for _, h := range o.Headers {
		if err := d.addHeader(h); err != nil {
			return nil, err
		}
	}
	d.Secrets = append(d.Secrets, URLSecrets(d.URL)...)
	return d, nil
}

// IsLoopbackHost reports whether host is this machine: "localhost" or a
// loopback IP. Anything else, 0.0.0.0 included, counts as a real endpoint.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URLSecrets lists the query values and password of a URL worth keeping
// out of messages (long enough to replace without mangling them).
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return nil
	}
	var out []string
	for _, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= MinSecretLen {
				out = append(out, v)
			}
		}
	}
	if pw, ok := u.User.Password(); ok && len(pw) >= MinSecretLen {
		out = append(out, pw)
	}
	return out
}

// wsServer is the document's server rawURL dials: the ws:// or wss:// one
// with its host, else the first ws:// or wss:// one; nil when there is
// none.
func (s *Spec) wsServer(rawURL string) *wire.Server {
	var ws []*wire.Server
	for i, srv := range s.Servers {
		if strings.HasPrefix(srv.URL, "ws://") || strings.HasPrefix(srv.URL, "wss://") {
			ws = append(ws, &s.Servers[i])
		}
	}
	if len(ws) == 0 {
		return nil
	}
	if u, err := url.Parse(rawURL); err == nil && rawURL != "" {
		for _, srv := range ws {
			if su, err := url.Parse(srv.URL); err == nil && strings.EqualFold(su.Hostname(), u.Hostname()) {
				return srv
			}
		}
	}
	return ws[0]
}

// serverNode is the document's node of server (its $ref followed).
func (s *Spec) serverNode(server *wire.Server) *spec.Node {
	n := s.Document.Root.Get("servers").Get(server.Name)
	if target, err := s.Document.Loader.Deref(n); err == nil {
		return target
	}
	return n
}

// urlParam is what the document says of a {name} in the URL.
type urlParam struct {
	where string // "parameter of channel room", "variable of server local"
	def   string
	enum  []string
}

var placeholder = regexp.MustCompile(`\{([^{}/]+)\}`)

// fillURL puts the params, else the document's defaults, into every
// {name} of raw. Every {name} must be filled, and every param must fill
// one.
func (s *Spec) fillURL(raw string, values map[string]string, server *wire.Server, channels []*spec.Channel, byAuth string, w Words) (string, error) {
	declared := map[string]urlParam{}
	declare := func(list *spec.Node, where string) {
		if list == nil {
			return
		}
		for i, name := range list.Keys {
			if _, seen := declared[name]; seen {
				continue
			}
			n, err := s.Document.Loader.Deref(list.Values[i])
			if err != nil {
				n = list.Values[i]
			}
			p := urlParam{where: where, def: scalarText(n.Get("default"))}
			if e := n.Get("enum"); e != nil {
				for _, it := range e.Items {
					p.enum = append(p.enum, scalarText(it))
				}
			}
			declared[name] = p
		}
	}
	if server != nil {
		declare(s.serverNode(server).Get("variables"), "a variable of server "+server.Name)
	}
	for _, ch := range channels {
		declare(ch.Node.Get("parameters"), "a parameter of channel "+ch.Key)
	}
	used := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(raw, -1) {
		name := m[1]
		if used[name] {
			continue
		}
		used[name] = true
		if name == byAuth && values[name] == "" {
			continue // the session step fills it
		}
		p := declared[name]
		if values[name] == "" && p.def == "" {
			what := "{" + name + "}"
			if p.where != "" {
				what += " (" + p.where + ")"
			}
			hint := "VALUE"
			if len(p.enum) > 0 {
				hint = "VALUE, one of " + strings.Join(p.enum, ", ")
			}
			return "", fmt.Errorf("the URL needs %s: give %s", what, w.Param(name, hint))
		}
		if v := values[name]; v != "" && len(p.enum) > 0 && !slices.Contains(p.enum, v) {
			return "", fmt.Errorf("%s: the document allows only %s (%s)", w.Param(name, v), strings.Join(p.enum, ", "), p.where)
		}
		var err error
		if raw, err = conn.FillParam(raw, name, values[name], p.def, p.enum); err != nil {
			return "", fmt.Errorf("%s: %w", w.Param(name, ""), err)
		}
	}
	var unused []string
	for name := range values {
		if !used[name] {
			unused = append(unused, name)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return "", fmt.Errorf("%s: the URL has no {%s}", w.Param(unused[0], ""), unused[0])
	}
	return raw, nil
}

// scalarText is a scalar's text, whatever its YAML type ("8080" for 8080).
func scalarText(n *spec.Node) string {
	if n == nil || n.Kind != spec.ScalarKind {
		return ""
	}
	if s := n.Str(); s != "" {
		return s
	}
	if n.Text != "" {
		return n.Text
	}
	if n.Scalar == nil {
		return ""
	}
	return fmt.Sprint(n.Scalar)
}

// applyServer takes what the server's x-wsbind extensions and security
// say about connecting, beyond its auth step: subprotocols to offer, a
// welcome to wait for, a keepalive frame to send, and security not
// applied.
func (d *Dial) applyServer(s *Spec, server *wire.Server) error {
	if server == nil {
		return nil
	}
	if raw, ok := server.Extensions["x-wsbind-subprotocols"]; ok {
		if err := json.Unmarshal([]byte(raw), &d.Subprotocols); err != nil {
			return fmt.Errorf("server %s: x-wsbind-subprotocols is not a list of strings", server.Name)
		}
	}
	if raw, ok := server.Extensions["x-wsbind-welcome"]; ok {
		if json.Unmarshal([]byte(raw), &d.Welcome) == nil && !slices.Contains(s.Server.Messages, d.Welcome) {
			d.Welcome = ir.GoName(d.Welcome)
		}
		if !slices.Contains(s.Server.Messages, d.Welcome) {
			return fmt.Errorf("server %s of %s: x-wsbind-welcome %s names no server message", server.Name, s.Path, raw)
		}
	}
	if raw, ok := server.Extensions["x-wsbind-keepalive"]; ok {
		if err := d.planKeepalive(s, server, []byte(raw)); err != nil {
			return err
		}
	}
	_, byAuth := server.Extensions["x-wsbind-auth"] // the auth step applies the security
	if sec := s.serverNode(server).Get("security"); sec != nil && len(sec.Items) > 0 && !byAuth {
		var names []string
		for _, it := range sec.Items {
			if ref := it.Get("$ref").Str(); ref != "" {
				names = append(names, ref[strings.LastIndex(ref, "/")+1:])
			} else if t := it.Get("type").Str(); t != "" {
				names = append(names, t)
			}
		}
		d.Notes = append(d.Notes, fmt.Sprintf("server %s declares security (%s), which %s does not apply: give what it needs with %s or in %s",
			server.Name, strings.Join(names, ", "), d.words.Tool, d.words.HeaderHint, d.words.URL))
	}
	return nil
}

// addHeader adds one 'Name: value' header. The value is a secret: no
// error shows it.
func (d *Dial) addHeader(h string) error {
	w := d.words.Header
	name, value, ok := strings.Cut(h, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" {
		return fmt.Errorf("%s wants 'Name: value', got %q", w, redactFlag(h))
	}
	if strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) }) >= 0 {
		return fmt.Errorf("%s %q: not a header name", w, name)
	}
	name = textproto.CanonicalMIMEHeaderKey(name)
	switch name {
	case "Host", "Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions":
		return fmt.Errorf("%s %s: the WebSocket handshake sets it", w, name)
	case "Sec-Websocket-Protocol":
		if len(d.Subprotocols) > 0 {
			return fmt.Errorf("%s %s: the document's x-wsbind-subprotocols are offered (%s)", w, name, strings.Join(d.Subprotocols, ", "))
		}
	}
	switch {
	case value == "":
		return fmt.Errorf("%s %s has no value", w, name)
	case strings.IndexFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) >= 0:
		return fmt.Errorf("%s %s: the value holds a control character", w, name)
	case len(value) < MinSecretLen:
		return fmt.Errorf("%s %s: the value is shorter than %d characters: too short to keep out of a recording", w, name, MinSecretLen)
	}
	d.Header.Add(name, value)
	d.Secrets = append(d.Secrets, value)
	return nil
}

// redactFlag shows a malformed input without what may be a secret.
func redactFlag(f string) string {
	if len(f) <= 3 {
		return f
	}
	return f[:3] + "..."
}

// planKeepalive builds the keepalive frame the server expects
// (x-wsbind-keepalive clientMessage every clientSeconds).
func (d *Dial) planKeepalive(s *Spec, server *wire.Server, raw []byte) error {
	var ka struct {
		ClientMessage string `json:"clientMessage"`
		ClientSeconds int    `json:"clientSeconds"`
	}
	if json.Unmarshal(raw, &ka) != nil || ka.ClientMessage == "" {
		return nil
	}
	var m *ir.Message
	for _, pm := range s.Package.Messages {
		if pm.Name == ka.ClientMessage || pm.Name == ir.GoName(ka.ClientMessage) {
			m = pm
		}
	}
	if m == nil {
		return fmt.Errorf("server %s of %s: x-wsbind-keepalive clientMessage %s names no message", server.Name, s.Path, ka.ClientMessage)
	}
	frame, err := s.buildFrame(m, "the x-wsbind-keepalive message", nil)
	if err != nil {
		return err
	}
	d.Keepalive, d.KeepaliveEvery = frame, time.Duration(max(ka.ClientSeconds, 1))*time.Second
	if ka.ClientSeconds <= 0 {
		d.KeepaliveEvery = 30 * time.Second
	}
	return nil
}
