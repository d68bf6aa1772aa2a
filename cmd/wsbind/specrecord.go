package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
)

// specPingInterval is how often record --spec pings the server: each pong
// extends the read deadline, so a quiet server does not look dead.
const specPingInterval = 25 * time.Second

// specRecordFlags are the flags of record that only --spec reads.
type specRecordFlags struct {
	path, describes        string
	params, headers, creds []string
	sends                  []sendItem
}

// sendItem is one --send JSON or --send-example NAME, in command-line order.
type sendItem struct {
	example bool
	value   string
}

// sendFlag adds the values of --send or --send-example to one ordered list.
type sendFlag struct {
	list    *[]sendItem
	example bool
}

func (f sendFlag) String() string { return "" }

func (f sendFlag) Set(v string) error {
	*f.list = append(*f.list, sendItem{example: f.example, value: v})
	return nil
}

// runSpecRecord is `wsbind record --spec`: it plans the connection and the
// frames to send, refusing before anything is dialled or written, then
// records one connection.
func runSpecRecord(run *recordRun, f specRecordFlags, stdout, stderr io.Writer) int {
	if f.describes != "" && f.describes != spec.Server && f.describes != spec.Client {
		return usageError(stderr, "record", fmt.Errorf("--describes must be server or client, not %q", f.describes))
	}
	s, err := loadRecordSpec(f.path, f.describes)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind record: %v\n", err)
		return exitUsage
	}
	for _, n := range s.warnings {
		fmt.Fprintf(stderr, "wsbind record: note: %s\n", n)
	}
	d, err := s.planDial(run.rawURL, f.params, f.headers, f.creds, os.LookupEnv)
	if err != nil {
		return usageError(stderr, "record", err)
	}
	sess := &specSession{
		spec:   s,
		dial:   d,
		server: s.Server.ForChannel(d.channel),
		client: s.Client.ForChannel(d.channel),
	}
	if sess.sends, err = s.outgoing(sess.client, f.sends, d.auth); err != nil {
		return usageError(stderr, "record", errors.New(conn.Redact(err.Error(), d.secrets)))
	}
	for _, n := range d.notes {
		fmt.Fprintf(stderr, "wsbind record: note: %s\n", n)
	}
	rc, code := run.start(d.secrets, stdout, stderr)
	if rc == nil {
		return code
	}
	sess.rc = rc
	return sess.run()
}

// recordSpec is a document ready to record with: its provider, whose
// codecs interpret it, and the parts of the document that say where and
// how to connect.
type recordSpec struct {
	*wire.Provider
	path     string
	doc      *spec.Document
	pkg      *ir.Package
	warnings []string
	// secrets maps a server message to the JSON pointers of the values it
	// hands out that must not be recorded (x-wsbind-secrets).
	secrets map[string][]string
}

// loadRecordSpec reads the document at path as interp.LoadSpec does, and
// keeps what record needs beyond the codecs and which wire.Provider does
// not carry: channel addresses and parameters, server variables and
// security, and each message's x-wsbind-secrets.
func loadRecordSpec(path, describes string) (*recordSpec, error) {
	sp, err := interp.LoadSpec(path, interp.Options{Describes: describes})
	if err != nil {
		return nil, err
	}
	s := &recordSpec{Provider: sp.Provider, path: path, doc: sp.Document, pkg: sp.Package, warnings: sp.Warnings, secrets: map[string][]string{}}
	for _, m := range sp.Package.Messages {
		if m.Server && len(m.Secrets) > 0 {
			s.secrets[m.Name] = m.Secrets
		}
	}
	return s, nil
}

// specDial is where and how record --spec connects.
type specDial struct {
	url          string
	header       http.Header
	subprotocols []string
	// channel is the key of the channel dialled ("" when --url names none
	// of the document's addresses): its codecs judge the frames.
	channel string
	// auth is the server's x-wsbind-auth as record runs it (nil: none).
	auth *specAuth
	// welcome is the server message that opens every connection
	// (x-wsbind-welcome): frames are sent once it has arrived.
	welcome string
	// keepalive is the frame the server expects every keepaliveEvery
	// (x-wsbind-keepalive clientMessage); nil when it expects none.
	keepalive      []byte
	keepaliveEvery time.Duration
	// secrets are the header values, the URL's query values and the
	// credentials.
	secrets []string
	// notes say what of the document record does not apply.
	notes []string
}

// planDial works out the URL, headers, subprotocols and auth step, and
// refuses what record --spec cannot or must not dial.
func (s *recordSpec) planDial(rawURL string, params, headers, creds []string, lookupEnv func(string) (string, bool)) (*specDial, error) {
	d := &specDial{header: http.Header{}}
	values, err := parseParams(params)
	if err != nil {
		return nil, err
	}
	server := s.wsServer(rawURL)
	var channels []*spec.Channel // whose parameters may fill the URL
	if rawURL == "" {
		if server == nil {
			return nil, fmt.Errorf("%s names no ws:// or wss:// server: give --url", s.path)
		}
		rawURL = server.URL
		if len(s.doc.Channels) > 0 {
			ch := s.doc.Channels[0]
			rawURL = strings.TrimSuffix(rawURL, "/") + ch.Address
			channels, d.channel = []*spec.Channel{ch}, ch.Key
		}
	} else {
		channels = s.doc.Channels
	}
	byAuth := s.addressParameter(server)
	if d.url, err = s.fillURL(rawURL, values, server, channels, byAuth); err != nil {
		return nil, err
	}
	u, err := url.Parse(d.url)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, fmt.Errorf("%s is not a ws:// or wss:// URL: give --url", conn.RedactURL(d.url))
	}
	if u.User != nil {
		return nil, errors.New("the URL must not hold user:password (use --header)")
	}
	if err := conn.CheckURL(d.url, false); err != nil {
		if errors.Is(err, conn.ErrInsecure) {
			return nil, fmt.Errorf("refusing plain ws:// to %s, which is not loopback: frames and credentials would travel in clear (use wss://)", u.Host)
		}
		return nil, err
	}
	if d.channel == "" {
		for _, ch := range s.doc.Channels {
			if ch.Address != "" && ch.Address == u.Path {
				d.channel = ch.Key
			}
		}
	}
	loopback := isLoopbackHost(u.Hostname())
	if err := d.applyServer(s, server); err != nil {
		return nil, err
	}
	if d.auth, err = s.planAuth(server, loopback, creds, lookupEnv); err != nil {
		return nil, err
	}
	if err := d.placeSessionID(s, byAuth, loopback); err != nil {
		return nil, err
	}
	d.notes = append(d.notes, d.auth.notes()...)
	secrets, err := d.auth.secrets()
	if err != nil {
		return nil, err
	}
	d.secrets = append(d.secrets, secrets...)
	for _, h := range headers {
		if err := d.addHeader(h); err != nil {
			return nil, err
		}
	}
	d.secrets = append(d.secrets, urlSecrets(d.url)...)
	return d, nil
}

// wsServer is the document's server rawURL dials: the ws:// or wss:// one
// with its host, else the first ws:// or wss:// one; nil when there is
// none.
func (s *recordSpec) wsServer(rawURL string) *wire.Server {
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
func (s *recordSpec) serverNode(server *wire.Server) *spec.Node {
	n := s.doc.Root.Get("servers").Get(server.Name)
	if target, err := s.doc.Loader.Deref(n); err == nil {
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

// fillURL puts the --param values, else the document's defaults, into
// every {name} of raw. Every {name} must be filled, and every --param
// must fill one.
func (s *recordSpec) fillURL(raw string, values map[string]string, server *wire.Server, channels []*spec.Channel, byAuth string) (string, error) {
	declared := map[string]urlParam{}
	declare := func(list *spec.Node, where string) {
		if list == nil {
			return
		}
		for i, name := range list.Keys {
			if _, seen := declared[name]; seen {
				continue
			}
			n, err := s.doc.Loader.Deref(list.Values[i])
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
			return "", fmt.Errorf("the URL needs %s: give --param %s=%s", what, name, hint)
		}
		if v := values[name]; v != "" && len(p.enum) > 0 && !slices.Contains(p.enum, v) {
			return "", fmt.Errorf("--param %s=%s: the document allows only %s (%s)", name, v, strings.Join(p.enum, ", "), p.where)
		}
		var err error
		if raw, err = conn.FillParam(raw, name, values[name], p.def, p.enum); err != nil {
			return "", fmt.Errorf("--param %s: %w", name, err)
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
		return "", fmt.Errorf("--param %s: the URL has no {%s}", unused[0], unused[0])
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

// parseParams reads --param NAME=VALUE flags; a later one wins.
func parseParams(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("--param wants NAME=VALUE, got %q", f)
		}
		out[k] = v
	}
	return out, nil
}

// applyServer takes what the server's x-wsbind extensions and security
// say about connecting, beyond its auth step: subprotocols to offer, a
// keepalive frame to send, and security record does not apply.
func (d *specDial) applyServer(s *recordSpec, server *wire.Server) error {
	if server == nil {
		return nil
	}
	if raw, ok := server.Extensions["x-wsbind-subprotocols"]; ok {
		if err := json.Unmarshal([]byte(raw), &d.subprotocols); err != nil {
			return fmt.Errorf("server %s: x-wsbind-subprotocols is not a list of strings", server.Name)
		}
	}
	if raw, ok := server.Extensions["x-wsbind-welcome"]; ok {
		if json.Unmarshal([]byte(raw), &d.welcome) == nil && !slices.Contains(s.Server.Messages, d.welcome) {
			d.welcome = ir.GoName(d.welcome)
		}
		if !slices.Contains(s.Server.Messages, d.welcome) {
			return fmt.Errorf("server %s of %s: x-wsbind-welcome %s names no server message", server.Name, s.path, raw)
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
		d.notes = append(d.notes, fmt.Sprintf("server %s declares security (%s), which record --spec does not apply: give what it needs with --header 'Name: value' or in --url",
			server.Name, strings.Join(names, ", ")))
	}
	return nil
}

// addHeader adds one --header 'Name: value'. The value is a secret: no
// error shows it.
func (d *specDial) addHeader(h string) error {
	name, value, ok := strings.Cut(h, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" {
		return fmt.Errorf("--header wants 'Name: value', got %q", redactCredFlag(h))
	}
	if strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) }) >= 0 {
		return fmt.Errorf("--header %q: not a header name", name)
	}
	name = textproto.CanonicalMIMEHeaderKey(name)
	switch name {
	case "Host", "Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions":
		return fmt.Errorf("--header %s: the WebSocket handshake sets it", name)
	case "Sec-Websocket-Protocol":
		if len(d.subprotocols) > 0 {
			return fmt.Errorf("--header %s: the document's x-wsbind-subprotocols are offered (%s)", name, strings.Join(d.subprotocols, ", "))
		}
	}
	switch {
	case value == "":
		return fmt.Errorf("--header %s has no value", name)
	case strings.IndexFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) >= 0:
		return fmt.Errorf("--header %s: the value holds a control character", name)
	case len(value) < minSecretLen:
		return fmt.Errorf("--header %s: the value is shorter than %d characters: too short to keep out of a recording", name, minSecretLen)
	}
	d.header.Add(name, value)
	d.secrets = append(d.secrets, value)
	return nil
}

// outgoing is one frame record --spec sends.
type outgoing struct {
	what  string // "--send #2", "example acme of QuoteRequest"
	frame []byte
}

// outgoing checks each --send frame and --send-example message against
// the client codec. A frame that breaks the document is refused, named by
// its message and first violation; its value is never shown.
func (s *recordSpec) outgoing(codec *wire.Codec, items []sendItem, auth *specAuth) ([]outgoing, error) {
	var out []outgoing
	sends := 0
	for _, it := range items {
		if !it.example {
			sends++
			out = append(out, outgoing{what: fmt.Sprintf("--send #%d", sends), frame: []byte(it.value)})
			continue
		}
		exs, err := s.clientExamples(it.value)
		if err != nil {
			return nil, err
		}
		out = append(out, exs...)
	}
	for i, o := range out {
		r := codec.Check(o.frame, false)
		if frame, err := auth.authorize(s.pkg, r.Name, o.frame); err != nil {
			return nil, fmt.Errorf("%s: putting the token in: %v; nothing was sent", o.what, err)
		} else if !bytes.Equal(frame, o.frame) {
			out[i].frame = frame
			r = codec.Check(frame, false)
		}
		switch {
		case r.Syntax != nil:
			return nil, fmt.Errorf("%s is not JSON: %v; nothing was sent", o.what, r.Syntax)
		case r.Name == "":
			return nil, fmt.Errorf("%s matches no client message of %s; nothing was sent", o.what, s.path)
		case !r.Valid():
			why := r.Violations[0].String()
			if n := len(r.Violations) - 1; n > 0 {
				why += fmt.Sprintf(" (+%s)", count(n, "more violation"))
			}
			return nil, fmt.Errorf("%s is not a valid %s: %s; nothing was sent", o.what, r.Name, why)
		}
	}
	return out, nil
}

// clientExamples returns the document's examples of client message name.
func (s *recordSpec) clientExamples(name string) ([]outgoing, error) {
	var out []outgoing
	for _, ex := range s.Examples {
		if ex.Direction == "client" && strings.EqualFold(ex.Message, name) {
			out = append(out, outgoing{what: fmt.Sprintf("example %s of %s", ex.Name, ex.Message), frame: []byte(ex.JSON)})
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	var have []string
	for _, ex := range s.Examples {
		if ex.Direction == "client" && !slices.Contains(have, ex.Message) {
			have = append(have, ex.Message)
		}
	}
	list := "none has one"
	if len(have) > 0 {
		list = "those with examples: " + strings.Join(have, ", ")
	}
	if slices.ContainsFunc(s.Client.Messages, func(m string) bool { return strings.EqualFold(m, name) }) {
		return nil, fmt.Errorf("--send-example %s: the client message has no example (%s)", name, list)
	}
	return nil, fmt.Errorf("--send-example %s: %s has no client message %s (client messages: %s; %s)", name, s.path, name, strings.Join(s.Client.Messages, ", "), list)
}

// handedOut lists the values a server frame hands out that its message's
// x-wsbind-secrets mark, long enough to replace.
func (s *recordSpec) handedOut(r wire.Result) []string {
	ptrs := s.secrets[r.Name]
	m, ok := r.Message.(interface{ Value() any })
	if len(ptrs) == 0 || !ok {
		return nil
	}
	var out []string
	for _, p := range ptrs {
		if v, ok := pointerGet(m.Value(), p); ok {
			if str, ok := v.(string); ok && len(str) >= minSecretLen {
				out = append(out, str)
			}
		}
	}
	return out
}

// errNoRedial stops the client once its connection has ended: record
// --spec holds one connection and never replays its frames on another.
var errNoRedial = errors.New("record --spec does not reconnect")

// specSession is one record --spec connection: it sends the planned
// frames, and judges, prints and records every frame both ways.
type specSession struct {
	spec           *recordSpec
	dial           *specDial
	rc             *recording
	server, client *wire.Codec
	sends          []outgoing

	mu             sync.Mutex // orders verdict lines as the recording
	valid, invalid int

	smu     sync.Mutex
	fetched []string // tickets and session ids
}

// redact replaces the session's secrets in text: the credentials and
// those the auth step fetched.
func (s *specSession) redact(text string) string {
	s.smu.Lock()
	defer s.smu.Unlock()
	return conn.Redact(text, append(s.dial.secrets[:len(s.dial.secrets):len(s.dial.secrets)], s.fetched...))
}

// addSecrets keeps a ticket or session id out of the recording and out of
// what record prints.
func (s *specSession) addSecrets(values ...string) {
	if len(values) == 0 {
		return
	}
	s.smu.Lock()
	s.fetched = append(s.fetched, values...)
	s.smu.Unlock()
	s.rc.rec.addSecrets(values...)
}

// run connects, sends, waits for the end and puts the recording in place.
func (s *specSession) run() int {
	ui := s.rc.ui
	ctx, sigCtx, stop := s.rc.run.context()
	defer stop()
	start := time.Now()
	// {name} stays readable: the session step fills it.
	shown := strings.NewReplacer("%7B", "{", "%7D", "}").Replace(conn.RedactURL(s.dial.url))
	ui.errorf("dialing %s at %s", s.spec.Name, s.redact(shown))
	prog := startRecordProgress(ui, s.rc.rec, start)
	lost := make(chan error, 1)
	dialCtx, cancelDial := context.WithTimeout(ctx, recordDialTimeout)
	client, err := s.connect(dialCtx, lost)
	cancelDial()
	if err != nil {
		prog.stop()
		if errors.Is(err, errNoRedial) { // it closed as soon as it opened
			select {
			case cause := <-lost:
				err = fmt.Errorf("the connection ended at once: %w", cause)
			default:
			}
		}
		s.rc.dialFailed(ctx, sigCtx, s.redact(err.Error()))
		return s.rc.finish(exitFailure)
	}
	prog.connected()
	ui.errorf("connected after %v; recording to %s (%s)", time.Since(start).Round(time.Millisecond), s.rc.run.out, s.rc.run.until(start))
	code := exitOK
	if err := s.send(ctx, client); err != nil {
		ui.errorf("%s", s.redact(err.Error()))
		code = exitFailure
	} else if cause := s.rc.wait(ctx, lost); cause != nil {
		ui.errorf("the connection ended before the recording did: %s", s.redact(cause.Error()))
		code = exitFailure
	}
	client.Close()
	prog.stop()
	s.mu.Lock()
	ui.statusf("summary: %s checked: %d valid, %d invalid\n", count(s.valid+s.invalid, "frame"), s.valid, s.invalid)
	s.mu.Unlock()
	return s.rc.finish(code)
}

// connect dials once, after the auth step when the server has one; the
// client's Dial hook refuses a second connection. lost receives why the
// connection ended.
func (s *specSession) connect(ctx context.Context, lost chan<- error) (*conn.Client, error) {
	var connected atomic.Bool
	auth := s.dial.auth
	return conn.Dial(ctx, conn.Config{
		Name:              s.spec.Name,
		PingInterval:      specPingInterval,
		Keepalive:         s.dial.keepalive,
		KeepaliveInterval: s.dial.keepaliveEvery,
		Tap:               s.tap,
		Hooks: conn.Hooks{
			Dial: func(ctx context.Context) (conn.Target, error) {
				if connected.Load() {
					return conn.Target{}, &conn.PermanentError{Err: errNoRedial}
				}
				t, fresh, err := auth.target(ctx, conn.Target{URL: s.dial.url, Header: s.dial.header.Clone(), Subprotocols: s.dial.subprotocols, Secrets: slices.Clone(s.dial.secrets)})
				s.addSecrets(fresh...)
				return t, err
			},
			Connected: func(context.Context, int) { connected.Store(true) },
			// The tap judges and records every frame; nothing is
			// delivered. Only the auth ack is marked, for Open.
			Inspect: s.inspect,
			Open:    s.open,
			Error: func(_ context.Context, err error) {
				if !errors.Is(err, errNoRedial) {
					s.rc.ui.errorf("%s", s.redact(err.Error()))
				}
			},
			Disconnected: func(_ context.Context, cause error) {
				select {
				case lost <- cause:
				default:
				}
			},
		},
	})
}

// inspect marks the frames open waits for: the auth ack and the welcome.
// The tap judges and records every frame; nothing is delivered.
func (s *specSession) inspect(_ *conn.Session, frame []byte, _ uint64) conn.Inbound {
	auth := s.dial.auth
	if s.dial.welcome == "" && (auth == nil || auth.init == nil) {
		return conn.Inbound{Drop: true}
	}
	r := s.server.Check(frame, false)
	in := conn.Inbound{Drop: true, Msg: r.Message, ReplyKeys: auth.replyKeys(r.Name)}
	if r.Name != "" && r.Name == s.dial.welcome {
		in.ReplyKeys = append(in.ReplyKeys, "reply:"+r.Name)
	}
	return in
}

// open completes the handshake as a typed client does before its first
// request: the init message and its ack, then the welcome.
func (s *specSession) open(ctx context.Context, sess *conn.Session, _ bool) error {
	if err := s.dial.auth.open(ctx, sess); err != nil {
		return err
	}
	if s.dial.welcome != "" {
		if _, err := sess.Await(ctx, "reply:"+s.dial.welcome); err != nil {
			return fmt.Errorf("waiting for %s (x-wsbind-welcome): %w", s.dial.welcome, err)
		}
	}
	return nil
}

// send writes the planned frames in order, until --frames, --for or
// Ctrl-C stops the recording.
func (s *specSession) send(ctx context.Context, client *conn.Client) error {
	for _, o := range s.sends {
		if s.rc.full() || ctx.Err() != nil {
			return nil
		}
		sctx, cancel := context.WithTimeout(ctx, recordCallTimeout)
		sess, err := client.Session(sctx)
		if err == nil {
			err = sess.Send(sctx, o.frame)
		}
		cancel()
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("sending %s: %w", o.what, err)
		}
	}
	return nil
}

// tap is the client's conn.Config.Tap: it judges the frame, takes the
// secrets it hands out, records it and prints its verdict.
func (s *specSession) tap(direction string, frame []byte) {
	c := s.server
	if direction == "client" {
		c = s.client
	}
	r := c.Check(frame, false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if direction == "server" {
		s.rc.rec.addSecrets(s.spec.handedOut(r)...)
	}
	if !s.rc.rec.record(direction, frame) {
		return
	}
	if r.Valid() && r.Name != "" {
		s.valid++
	} else {
		s.invalid++
	}
	s.rc.ui.statusf("%s\n", verdictLine(direction, r))
}

// verdictLine is one frame's verdict: "  server Quote ok", or INVALID with
// the first violation. It shows no value of the frame.
func verdictLine(direction string, r wire.Result) string {
	name := r.Name
	if name == "" {
		name = unmatched
	}
	switch {
	case r.Syntax != nil:
		return fmt.Sprintf("  %s INVALID: malformed JSON: %v", direction, r.Syntax)
	case r.Valid() && r.Name != "":
		return fmt.Sprintf("  %s %s ok", direction, name)
	}
	line := fmt.Sprintf("  %s %s INVALID", direction, name)
	if len(r.Violations) > 0 {
		line += ": " + r.Violations[0].String()
		if n := len(r.Violations) - 1; n > 0 {
			line += fmt.Sprintf(" (+%s)", count(n, "more violation"))
		}
	}
	return line
}
