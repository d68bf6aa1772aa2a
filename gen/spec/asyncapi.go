package spec

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Document is one AsyncAPI 3 document with its messages sorted into the two
// directions of a WebSocket connection.
type Document struct {
	// Name is the provider name: the file name without extension.
	Name   string
	Root   *Node
	Loader *Loader
	// Describes is the side the document is written from: "server" (its
	// send operations are what the server sends) or "client".
	Describes string
	// Messages are every message some operation carries, in the order
	// they are first met: components/messages first, then channels.
	Messages []*Message
	// Channels are the document's channels, in document order.
	Channels []*Channel
	// Operations are the document's operations, in document order.
	Operations []*Operation
	// Send are messages the client sends; Receive those the server sends.
	Send, Receive []*Message
	// Notes are what a user should hear of although the document loads:
	// the perspective default, unused messages, header correlation ids.
	Notes []string
}

// Message is one message of the document, wherever it is declared.
type Message struct {
	// Key is the message's name: its key under components/messages, or
	// under its channel's messages, prefixed by the channel's key when
	// two different messages share it.
	Key     string
	Node    *Node
	Payload *Node // the payload schema node, before $ref resolution; nil: any value
	// CorrelationPointer is the JSON pointer of the correlation id inside
	// the payload ("/nonce"), or "".
	CorrelationPointer string
	// Replies lists the messages that answer this one, when the client
	// sends it.
	Replies []*Message
	// Channels are the channels that carry the message.
	Channels []*Channel
}

// Channel is one entry of channels.
type Channel struct {
	Key     string
	Address string // "" when the address is unknown or dynamic
	Node    *Node
	// Messages are the channel's messages that some operation carries.
	Messages []*Message
	// Send and Receive are, as on Document, the messages the client and
	// the server send on this channel.
	Send, Receive []*Message
	all           []*Message // every message the channel declares
}

// Operation is one entry of operations, resolved.
type Operation struct {
	Key     string
	Node    *Node
	Channel *Channel
	// ClientSends is true when the client sends the operation's messages
	// (a send operation of a client-side document, a receive operation
	// of a server-side one).
	ClientSends bool
	Messages    []*Message
	Replies     []*Message
}

// Sides a document may describe.
const (
	Server = "server"
	Client = "client"
)

// Options says how to read a document.
type Options struct {
	// Describes overrides the document's x-wsbind-describes.
	Describes string
}

// Load reads an AsyncAPI 3 document and resolves its operations.
func Load(l *Loader, path string) (*Document, error) {
	return LoadWith(l, path, Options{})
}

// LoadWith reads an AsyncAPI 3 document and resolves its channels,
// messages and operations. It reports every problem it finds, in file
// order, not only the first.
func LoadWith(l *Loader, path string, opt Options) (*Document, error) {
	root, err := l.File(path)
	if err != nil {
		return nil, err
	}
	var notes []string
	if IsV2(root) {
		conv, n, err := Convert2(root)
		if err != nil {
			return nil, err
		}
		l.replace(root, conv)
		root, notes = conv, n
		notes = append([]string{fmt.Sprintf("%s: AsyncAPI %s, converted to 3.0 on load", root.Loc.File, root.Get("asyncapi").Str())}, notes...)
	}
	if v := root.Get("asyncapi").Str(); !strings.HasPrefix(v, "3.") {
		return nil, root.Errorf("asyncapi version %q: want 3.x (or 2.x, converted on load)", v)
	}
	doc := &Document{
		Name:   strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)),
		Root:   root,
		Loader: l,
		Notes:  notes,
	}
	r := &reader{doc: doc, byNode: map[*Node]*Message{}, chans: map[*Node]*Channel{}}
	r.describes(opt.Describes)
	r.components()
	r.channels()
	r.operations()
	r.sort()
	return doc, r.err()
}

// reader collects a document's parts and every error met on the way.
type reader struct {
	doc    *Document
	byNode map[*Node]*Message
	chans  map[*Node]*Channel
	errs   []error
	send   map[*Message]bool
	recv   map[*Message]bool
}

func (r *reader) fail(err error) { r.errs = append(r.errs, err) }

func (r *reader) failf(n *Node, format string, args ...any) { r.fail(n.Errorf(format, args...)) }

// err joins the errors in file order.
func (r *reader) err() error { return JoinInOrder(r.errs) }

// JoinInOrder joins errors in file order (by line), the order a user
// fixes them in; nil for none. An error that repeats is kept once.
func JoinInOrder(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	errs = slices.Clone(errs)
	sort.SliceStable(errs, func(i, j int) bool { return errLine(errs[i]) < errLine(errs[j]) })
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

// errLine is the line an error from Node.Errorf names, for sorting; other
// errors sort first.
func errLine(err error) int {
	_, rest, ok := strings.Cut(err.Error(), ":")
	if !ok {
		return 0
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func (r *reader) describes(override string) {
	info := r.doc.Root.Get("info")
	side := info.Get("x-wsbind-describes")
	switch {
	case override != "":
		if override != Server && override != Client {
			r.fail(fmt.Errorf("describes %q: want server or client", override))
		}
		r.doc.Describes = override
	case side != nil:
		r.doc.Describes = side.Str()
		if r.doc.Describes != Server && r.doc.Describes != Client {
			r.failf(side, "x-wsbind-describes %q: want server or client", side.Str())
		}
	default:
		r.doc.Describes = Server
		r.doc.Notes = append(r.doc.Notes, fmt.Sprintf("%s: the document does not say which side it describes; reading it as the server's (set x-wsbind-describes: server|client in info, or --describes)", r.doc.Root.Loc.File))
	}
}

// message returns the message at n (a $ref or the message itself),
// registering it under key the first time.
func (r *reader) message(n *Node, key string, ch *Channel) *Message {
	target, err := r.doc.Loader.Deref(n)
	if err != nil {
		r.fail(err)
		return nil
	}
	if m, ok := r.byNode[target]; ok {
		if ch != nil && !containsChannel(m.Channels, ch) {
			m.Channels = append(m.Channels, ch)
		}
		return m
	}
	if target.Kind != Mapping {
		r.failf(target, "message %s: not a message object", key)
		return nil
	}
	m := &Message{Key: key, Node: target}
	if ch != nil {
		m.Channels = []*Channel{ch}
	}
	r.byNode[target] = m
	m.Payload = r.payload(target, key)
	if c := target.Get("correlationId"); c != nil {
		m.CorrelationPointer = r.correlation(c, key)
	}
	if t := target.Get("traits"); t != nil && len(t.Items) > 0 {
		r.doc.Notes = append(r.doc.Notes, fmt.Sprintf("%s: message %s: traits are not applied; they carry no payload in AsyncAPI 3", t.Loc, key))
	}
	return m
}

// payload returns the message's schema node. A Multi Format Schema Object
// is unwrapped when its format is JSON Schema or AsyncAPI's own; other
// formats are refused by name. A message without payload (nil) takes any
// value.
func (r *reader) payload(msg *Node, key string) *Node {
	p := msg.Get("payload")
	if p == nil {
		r.doc.Notes = append(r.doc.Notes, fmt.Sprintf("%s: message %s has no payload: any JSON value matches it", msg.Loc, key))
		return nil
	}
	format := msg.Get("schemaFormat") // AsyncAPI 2.x placement, kept by converters
	target, err := r.doc.Loader.Deref(p)
	if err == nil && target.Get("schemaFormat") != nil && target.Get("schema") != nil {
		format, p = target.Get("schemaFormat"), target.Get("schema")
	}
	if format != nil && !JSONSchemaFormat(format.Str()) {
		r.failf(format, "message %s: schemaFormat %q is not JSON Schema: wsbind reads JSON Schema draft-07 and AsyncAPI schemas only (Avro, RAML, Protobuf and others are not supported)", key, format.Str())
	}
	return p
}

// JSONSchemaFormat reports whether a schemaFormat is JSON Schema draft-07
// (or earlier) or the AsyncAPI Schema Object, which is its superset.
func JSONSchemaFormat(f string) bool {
	mt, params, _ := strings.Cut(strings.ReplaceAll(strings.ToLower(f), " ", ""), ";")
	switch mt {
	case "application/vnd.aai.asyncapi", "application/vnd.aai.asyncapi+json", "application/vnd.aai.asyncapi+yaml":
		return true
	case "application/schema+json", "application/schema+yaml":
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(p, "version="); ok {
				switch v {
				case "draft-07", "draft-06", "draft-04":
					return true
				}
				return false
			}
		}
		return true
	}
	return false
}

func (r *reader) correlation(c *Node, key string) string {
	c, err := r.doc.Loader.Deref(c)
	if err != nil {
		r.fail(err)
		return ""
	}
	loc := c.Get("location").Str()
	if ptr, ok := strings.CutPrefix(loc, "$message.payload#"); ok {
		return ptr
	}
	if strings.HasPrefix(loc, "$message.header#") {
		r.doc.Notes = append(r.doc.Notes, fmt.Sprintf("%s: message %s: correlationId in $message.header is ignored: WebSocket frames have no per-message headers", c.Loc, key))
		return ""
	}
	r.failf(c, "message %s: correlationId location %q: want $message.payload#/<pointer>", key, loc)
	return ""
}

// components registers components/messages first, so that a message
// declared there keeps its component key wherever it is referenced.
func (r *reader) components() {
	msgs := r.doc.Root.Lookup("/components/messages")
	if msgs == nil {
		return
	}
	for i, key := range msgs.Keys {
		r.message(msgs.Values[i], key, nil)
	}
}

func (r *reader) channels() {
	chs := r.doc.Root.Get("channels")
	if chs == nil {
		return
	}
	taken := map[string]*Message{}
	for _, m := range r.byNode {
		taken[m.Key] = m
	}
	for i, key := range chs.Keys {
		n, err := r.doc.Loader.Deref(chs.Values[i])
		if err != nil {
			r.fail(err)
			continue
		}
		ch := &Channel{Key: key, Node: n, Address: n.Get("address").Str()}
		r.chans[n] = ch
		r.doc.Channels = append(r.doc.Channels, ch)
		msgs := n.Get("messages")
		if msgs == nil {
			continue
		}
		for j, mk := range msgs.Keys {
			target, err := r.doc.Loader.Deref(msgs.Values[j])
			if err != nil {
				r.fail(err)
				continue
			}
			name := mk
			if _, known := r.byNode[target]; !known {
				if other, ok := taken[name]; ok && other.Node != target {
					name = key + "_" + mk
				}
			}
			if m := r.message(msgs.Values[j], name, ch); m != nil {
				taken[m.Key] = m
				ch.all = append(ch.all, m)
			}
		}
	}
}

func containsChannel(list []*Channel, c *Channel) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// channelOf resolves an operation's or reply's channel reference.
func (r *reader) channelOf(ref *Node) *Channel {
	n, err := r.doc.Loader.Deref(ref)
	if err != nil {
		r.fail(err)
		return nil
	}
	ch, ok := r.chans[n]
	if !ok {
		r.failf(ref, "channel reference does not name an entry of channels")
	}
	return ch
}

// messages resolves a list of message references, which AsyncAPI 3 makes
// point into the channel (#/channels/c/messages/m).
func (r *reader) messages(list *Node, ch *Channel) []*Message {
	var out []*Message
	for _, item := range list.Items {
		target, err := r.doc.Loader.Deref(item)
		if err != nil {
			r.fail(err)
			continue
		}
		m, ok := r.byNode[target]
		if !ok {
			// A message only an operation names: register it under the
			// last segment of its reference.
			ref := item.Get("$ref").Str()
			m = r.message(item, ref[strings.LastIndexByte(ref, '/')+1:], ch)
			if m == nil {
				continue
			}
		}
		if ch != nil && !containsChannel(m.Channels, ch) {
			m.Channels = append(m.Channels, ch)
		}
		out = append(out, m)
	}
	return out
}

func (r *reader) operations() {
	r.send, r.recv = map[*Message]bool{}, map[*Message]bool{}
	ops := r.doc.Root.Get("operations")
	if ops == nil || len(ops.Keys) == 0 {
		r.failf(r.doc.Root, "no operations: nothing says who sends which message")
		return
	}
	for i, key := range ops.Keys {
		n, err := r.doc.Loader.Deref(ops.Values[i])
		if err != nil {
			r.fail(err)
			continue
		}
		op := &Operation{Key: key, Node: n}
		switch action := n.Get("action").Str(); action {
		case "send":
			op.ClientSends = r.doc.Describes == Client
		case "receive":
			op.ClientSends = r.doc.Describes == Server
		default:
			r.failf(n, "operation %s: action %q: want send or receive", key, action)
			continue
		}
		if c := n.Get("channel"); c != nil {
			op.Channel = r.channelOf(c)
		} else {
			r.failf(n, "operation %s has no channel", key)
		}
		if list := n.Get("messages"); list != nil {
			op.Messages = r.messages(list, op.Channel)
		} else if op.Channel != nil {
			op.Messages = op.Channel.all // no messages: all of its channel's
		}
		if len(op.Messages) == 0 {
			r.doc.Notes = append(r.doc.Notes, fmt.Sprintf("%s: operation %s carries no message", n.Loc, key))
		}
		op.Replies = r.replies(n, key, op)
		mine, theirs := r.recv, r.send
		if op.ClientSends {
			mine, theirs = r.send, r.recv
		}
		for _, m := range op.Messages {
			mine[m] = true
			r.onChannel(op.Channel, m, op.ClientSends)
			if op.ClientSends {
				m.Replies = appendNew(m.Replies, op.Replies...)
			}
		}
		for _, m := range op.Replies {
			theirs[m] = true
			ch := op.Channel
			if c := r.replyChannel(n); c != nil {
				ch = c
			}
			r.onChannel(ch, m, !op.ClientSends)
		}
		r.doc.Operations = append(r.doc.Operations, op)
	}
}

func (r *reader) replyNode(op *Node) *Node {
	rep := op.Get("reply")
	if rep == nil {
		return nil
	}
	n, err := r.doc.Loader.Deref(rep)
	if err != nil {
		r.fail(err)
		return nil
	}
	return n
}

func (r *reader) replyChannel(op *Node) *Channel {
	rep := r.replyNode(op)
	if rep == nil || rep.Get("channel") == nil {
		return nil
	}
	return r.channelOf(rep.Get("channel"))
}

// replies resolves an operation's reply: its messages, else all of its
// channel's, else (no channel: the address is dynamic) the operation's.
func (r *reader) replies(n *Node, key string, op *Operation) []*Message {
	rep := r.replyNode(n)
	if rep == nil {
		return nil
	}
	ch := r.replyChannel(n)
	if list := rep.Get("messages"); list != nil {
		return r.messages(list, ch)
	}
	if ch != nil {
		return ch.all
	}
	r.failf(rep, "operation %s: reply names neither messages nor a channel", key)
	return nil
}

func (r *reader) onChannel(ch *Channel, m *Message, clientSends bool) {
	if ch == nil {
		return
	}
	ch.Messages = appendNew(ch.Messages, m)
	if clientSends {
		ch.Send = appendNew(ch.Send, m)
	} else {
		ch.Receive = appendNew(ch.Receive, m)
	}
}

// sort lists messages in the order they were met, drops those no
// operation carries (with a note), and fills the two directions.
func (r *reader) sort() {
	var all []*Message
	seen := map[*Message]bool{}
	add := func(m *Message) {
		if !seen[m] {
			seen[m] = true
			all = append(all, m)
		}
	}
	if msgs := r.doc.Root.Lookup("/components/messages"); msgs != nil {
		for _, v := range msgs.Values {
			if t, err := r.doc.Loader.Deref(v); err == nil && r.byNode[t] != nil {
				add(r.byNode[t])
			}
		}
	}
	for _, ch := range r.doc.Channels {
		for _, m := range ch.all {
			add(m)
		}
	}
	for _, op := range r.doc.Operations {
		for _, m := range append(append([]*Message{}, op.Messages...), op.Replies...) {
			add(m)
		}
	}
	for _, m := range all {
		if !r.send[m] && !r.recv[m] {
			r.doc.Notes = append(r.doc.Notes, fmt.Sprintf("%s: message %s is in no operation: no code is generated for it", m.Node.Loc, m.Key))
			continue
		}
		r.doc.Messages = append(r.doc.Messages, m)
		if r.send[m] {
			r.doc.Send = append(r.doc.Send, m)
		}
		if r.recv[m] {
			r.doc.Receive = append(r.doc.Receive, m)
		}
	}
	for _, ch := range r.doc.Channels {
		ch.all = nil
	}
}

func appendNew(list []*Message, add ...*Message) []*Message {
	for _, a := range add {
		found := false
		for _, m := range list {
			found = found || m == a
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}

// Extensions returns the x-wsbind-* keys of n, sorted, and fails on one
// that is not in known.
func Extensions(n *Node, known ...string) (map[string]*Node, error) {
	out := map[string]*Node{}
	if n == nil || n.Kind != Mapping {
		return out, nil
	}
	for i, k := range n.Keys {
		if !strings.HasPrefix(k, "x-wsbind-") {
			continue
		}
		ok := false
		for _, want := range known {
			ok = ok || want == k
		}
		if !ok {
			sort.Strings(known)
			return nil, n.Values[i].Errorf("unknown extension %s (known here: %s)", k, strings.Join(known, ", "))
		}
		out[k] = n.Values[i]
	}
	return out, nil
}

// Example is one message example.
type Example struct {
	Name    string
	Payload *Node
}

// Examples returns the examples of a message.
func (m *Message) Examples() []Example {
	var out []Example
	list := m.Node.Get("examples")
	if list == nil {
		return nil
	}
	for i, ex := range list.Items {
		name := ex.Get("name").Str()
		if name == "" {
			name = fmt.Sprintf("example%d", i)
		}
		if p := ex.Get("payload"); p != nil {
			out = append(out, Example{Name: name, Payload: p})
		}
	}
	return out
}
