package spec

// AsyncAPI 2.x to 3.0, after the official migration guide
// (https://www.asyncapi.com/docs/migration/migrating-to-v3) and the
// rules of asyncapi/converter-js (src/third-version.ts). Where this file
// departs from converter-js it says so at the place it does.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// IsV2 reports whether root declares an AsyncAPI 2.x version.
func IsV2(root *Node) bool {
	v := root.Get("asyncapi")
	if v == nil || v.Kind != ScalarKind {
		return false
	}
	text := v.Text
	if text == "" {
		text = v.Str()
	}
	return strings.HasPrefix(text, "2.")
}

// v2Versions are the 2.x versions whose shape Convert2 knows. The
// 2.0.0-rc drafts had another one (servers as a list, parameters as a
// list) that converter-js rewrites in steps of its own.
var v2Versions = regexp.MustCompile(`^2\.[0-6](\.[0-9]+)?$`)

// Convert2 rewrites an AsyncAPI 2.0 to 2.6 document into the AsyncAPI
// 3.0.0 shape and returns the new tree; root is not changed. Each node of
// the new tree keeps the file, line and column of the 2.x node it comes
// from, and its Loc.Pointer is its own place in the new tree, so the tree
// can stand for the file in a Loader. Notes list, with the 2.x position,
// what the 3.0 document does not say as the 2.x one did; the error is for
// a document that has no 3.0 form at all (two channels or operations with
// one id, a oneOf message list under components/messages, a server
// without url, a value of the wrong kind where the conversion needs a
// mapping).
//
// The 3.0 document describes the application the 2.x one describes:
// publish (the messages that application consumes; AsyncAPI 2.6.0,
// Channel Item Object) becomes action receive, subscribe becomes send.
// That is converter-js's default (pointOfView "application"); public 2.x
// WebSocket documents describe the server.
//
// Local $refs into places that moved (#/channels/<address>/publish/message
// and below, #/tags, ...) are rewritten to the new places; $refs to other
// files are kept as written, and those files are not converted.
func Convert2(root *Node) (*Node, []string, error) {
	if root == nil || root.Kind != Mapping {
		return nil, nil, fmt.Errorf("asyncapi 2 conversion: the document is not a mapping")
	}
	v := root.Get("asyncapi")
	text := ""
	if v != nil {
		if text = v.Text; text == "" {
			text = v.Str()
		}
	}
	if !v2Versions.MatchString(text) {
		return nil, nil, root.Errorf("asyncapi version %q: want 2.0.0 to 2.6.x", text)
	}
	c := &v2conv{in: root, chanByPtr: map[string]*v2channel{}, created: map[*Node]bool{}}
	out, err := c.document()
	if err != nil {
		return nil, nil, err
	}
	c.rewriteRefs(out)
	v2SetPointers(out, "")
	return out, c.notes, nil
}

// v2conv is one conversion. It first plans the ids of every channel,
// operation and message (so that any $ref can be rewritten, wherever it
// is), then builds the new tree from copies of the old nodes.
type v2conv struct {
	in    *Node
	notes []string

	chans     []*v2channel          // top-level channels, then components/channels
	chanByPtr map[string]*v2channel // by 2.x pointer
	moves     []v2move

	created map[*Node]bool // $ref scalars the conversion wrote, not copied
}

// v2move says that what was at the JSON pointer from is at to in the 3.0
// tree. Both are escaped pointers.
type v2move struct{ from, to string }

// v2channel is one 2.x channel item and its 3.0 channel.
type v2channel struct {
	addr    string // the 2.x key
	id      string // the 3.0 key
	address string // the 3.0 address
	in      *Node
	comp    bool   // under components/channels
	ref     string // the 2.x channel item is this $ref
	oldPtr  string
	newPtr  string
	ops     []*v2op
	msgs    []*v2msg
	msgByID map[string]*v2msg
}

// v2op is one publish or subscribe operation.
type v2op struct {
	kind string // "publish" or "subscribe"
	id   string
	in   *Node
	msgs []*v2msg
}

// v2msg is one entry of a 3.0 channel's messages.
type v2msg struct {
	key    string
	in     *Node // the 2.x message: a Message Object or a $ref
	oldPtr string
	remote bool // a $ref to another file
}

func (c *v2conv) note(n *Node, format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf("%s: %s", n.Loc, fmt.Sprintf(format, args...)))
}

func (c *v2conv) move(from, to string) { c.moves = append(c.moves, v2move{from, to}) }

// document builds the new root, in converter-js's key order.
func (c *v2conv) document() (*Node, error) {
	if err := c.plan(); err != nil {
		return nil, err
	}
	in := c.in
	out := &Node{Kind: Mapping, Loc: in.Loc}
	c.put(out, "asyncapi", c.str("3.0.0", in.Get("asyncapi").Loc))
	if id := in.Get("id"); id != nil {
		c.put(out, "id", c.copy(id))
	}
	if info := c.info(); info != nil {
		c.put(out, "info", info)
	}
	if d := in.Get("defaultContentType"); d != nil {
		c.put(out, "defaultContentType", c.copy(d))
	}
	if servers := in.Get("servers"); servers != nil {
		s, err := c.servers(servers)
		if err != nil {
			return nil, err
		}
		c.put(out, "servers", s)
	}
	chans, ops, err := c.channels(false)
	if err != nil {
		return nil, err
	}
	if len(chans.Keys) > 0 {
		c.put(out, "channels", chans)
	}
	if err := c.usedComponentOps(ops); err != nil {
		return nil, err
	}
	if len(ops.Keys) > 0 {
		c.put(out, "operations", ops)
	}
	if comp := in.Get("components"); comp != nil {
		cn, err := c.components(comp)
		if err != nil {
			return nil, err
		}
		c.put(out, "components", cn)
	}
	for i, k := range in.Keys {
		switch k {
		case "asyncapi", "id", "info", "defaultContentType", "servers", "channels", "components", "tags", "externalDocs":
			continue
		}
		if !strings.HasPrefix(k, "x-") {
			c.note(in.Values[i], "%s is not an AsyncAPI 2.x field; dropped", k)
			continue
		}
		c.put(out, k, c.copy(in.Values[i]))
	}
	return out, nil
}

// info copies info and moves the root's tags and externalDocs into it
// (migration guide, "Moved metadata").
func (c *v2conv) info() *Node {
	info := c.in.Get("info")
	tags, docs := c.in.Get("tags"), c.in.Get("externalDocs")
	if info == nil && tags == nil && docs == nil {
		return nil
	}
	var out *Node
	if info == nil {
		out = &Node{Kind: Mapping, Loc: c.in.Loc}
	} else if out = c.copy(info); out.Kind != Mapping {
		c.note(info, "info: want a mapping; tags and externalDocs not moved into it")
		return out
	}
	for _, kv := range []struct {
		key string
		n   *Node
	}{{"tags", tags}, {"externalDocs", docs}} {
		if kv.n == nil {
			continue
		}
		if out.Get(kv.key) != nil {
			c.note(kv.n, "info already has %s; the root's %s is dropped", kv.key, kv.key)
			continue
		}
		c.put(out, kv.key, c.copy(kv.n))
		c.move("/"+kv.key, "/info/"+kv.key)
	}
	return out
}

// plan gives every channel, operation and message its 3.0 id.
func (c *v2conv) plan() error {
	opIDs := map[string]*Node{}
	if err := c.planChannels(c.in.Get("channels"), false, opIDs); err != nil {
		return err
	}
	compOpIDs := map[string]*Node{}
	if err := c.planChannels(c.in.Lookup("/components/channels"), true, compOpIDs); err != nil {
		return err
	}
	// converter-js gives a component channel its own key as address. A
	// component used by exactly one top-level channel takes that
	// channel's key instead: it is the address the 2.x document gave it.
	users := map[string][]*v2channel{}
	for _, ch := range c.chans {
		if !ch.comp && ch.ref != "" {
			users[ch.ref] = append(users[ch.ref], ch)
		}
	}
	for _, ch := range c.chans {
		if !ch.comp || ch.ref != "" {
			continue
		}
		u := users["#"+ch.oldPtr]
		switch len(u) {
		case 0:
		case 1:
			ch.address = u[0].addr
		default:
			var addrs []string
			for _, x := range u {
				addrs = append(addrs, strconv.Quote(x.addr))
			}
			c.note(ch.in, "channel %s is used at the addresses %s; a 3.0 channel has one address, so it gets %q as converter-js does", ch.addr, strings.Join(addrs, ", "), ch.address)
		}
	}
	return nil
}

func (c *v2conv) planChannels(chans *Node, comp bool, opIDs map[string]*Node) error {
	if chans == nil {
		return nil
	}
	if chans.Kind != Mapping {
		return chans.Errorf("channels: want a mapping")
	}
	base, opBase := "/channels/", "/operations/"
	if comp {
		base, opBase = "/components/channels/", "/components/operations/"
	}
	ids := map[string]*v2channel{}
	for i, addr := range chans.Keys {
		in := chans.Values[i]
		if in.Kind != Mapping {
			return in.Errorf("channel %s: want a mapping", addr)
		}
		ch := &v2channel{addr: addr, id: addr, address: addr, in: in, comp: comp, oldPtr: base + escape(addr), msgByID: map[string]*v2msg{}}
		if ref := in.Get("$ref"); ref != nil {
			ch.ref = ref.Str()
			if !strings.HasPrefix(ch.ref, "#") {
				c.note(in, "channel %s is in another file, which is not converted: its publish and subscribe do not become operations", addr)
			}
		} else if x := in.Get("x-channelId").Str(); x != "" {
			ch.id = x // converter-js's useChannelIdExtension, on by default
		}
		if prev := ids[ch.id]; prev != nil {
			return in.Errorf("channel %s has the id %q of channel %s (%s)", addr, ch.id, prev.addr, prev.in.Loc)
		}
		ids[ch.id] = ch
		ch.newPtr = base + escape(ch.id)
		c.move(ch.oldPtr, ch.newPtr)
		c.chans = append(c.chans, ch)
		c.chanByPtr[ch.oldPtr] = ch
		if ch.ref != "" {
			continue
		}
		for _, kind := range []string{"publish", "subscribe"} {
			op := in.Get(kind)
			if op == nil {
				continue
			}
			if op.Kind != Mapping {
				return op.Errorf("channel %s: %s: want a mapping", addr, kind)
			}
			o := &v2op{kind: kind, id: op.Get("operationId").Str(), in: op}
			if o.id == "" {
				o.id = ch.id + "." + kind
			}
			if prev := opIDs[o.id]; prev != nil {
				return op.Errorf("operation id %q is also the id of the operation at %s", o.id, prev.Loc)
			}
			opIDs[o.id] = op
			ch.ops = append(ch.ops, o)
			oldOp := ch.oldPtr + "/" + kind
			c.move(oldOp, opBase+escape(o.id))
			if err := c.planMessages(ch, o, op.Get("message"), oldOp+"/message"); err != nil {
				return err
			}
		}
	}
	return nil
}

// planMessages collects an operation's message, or each of its oneOf
// list, into the channel's messages (migration guide, "Messages instead
// of message").
func (c *v2conv) planMessages(ch *v2channel, o *v2op, m *Node, oldPtr string) error {
	if m == nil {
		return nil
	}
	if m.Kind != Mapping {
		return m.Errorf("operation %s: message: want a mapping", o.id)
	}
	one := m.Get("oneOf")
	if one == nil {
		if t := c.localTarget(m); t != nil && t.Get("oneOf") != nil {
			return m.Errorf("operation %s: message %s is a oneOf list; list its messages in the operation instead", o.id, m.Get("$ref").Str())
		}
		return c.planMessage(ch, o, m, -1, oldPtr)
	}
	if one.Kind != Sequence {
		return one.Errorf("operation %s: message oneOf: want a list", o.id)
	}
	for i, k := range m.Keys {
		if k != "oneOf" {
			c.note(m.Values[i], "%s next to a oneOf message list has no 3.0 place; dropped", k)
		}
	}
	for i, item := range one.Items {
		if item.Kind != Mapping {
			return item.Errorf("operation %s: message oneOf item: want a mapping", o.id)
		}
		if err := c.planMessage(ch, o, item, i, oldPtr+"/oneOf/"+strconv.Itoa(i)); err != nil {
			return err
		}
	}
	return nil
}

var v2MessageName = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

func (c *v2conv) planMessage(ch *v2channel, o *v2op, m *Node, index int, oldPtr string) error {
	ref := m.Get("$ref").Str()
	msg := &v2msg{in: m, oldPtr: oldPtr, remote: m.Get("$ref") != nil && !strings.HasPrefix(ref, "#")}
	if msg.remote {
		c.note(m, "message %s is in another file, which is not converted: its messageId and schemaFormat stay in the 2.x form", ref)
	}
	if t := c.localTarget(m); t != nil && t != m && t.Get("oneOf") != nil {
		return m.Errorf("operation %s: message %s is a oneOf list; list its messages in the operation instead", o.id, ref)
	}
	key := c.messageID(m, o.id, index)
	if prev := ch.msgByID[key]; prev != nil {
		if v2SameNode(prev.in, m) {
			msg = prev
		} else {
			n := 2
			for ch.msgByID[key+"."+strconv.Itoa(n)] != nil {
				n++
			}
			c.note(m, "channel %s has another message with the id %q; this one is %q", ch.addr, key, key+"."+strconv.Itoa(n))
			key += "." + strconv.Itoa(n)
		}
	}
	if msg.key == "" {
		msg.key = key
		ch.msgByID[key] = msg
		ch.msgs = append(ch.msgs, msg)
	}
	if !slices.Contains(o.msgs, msg) {
		o.msgs = append(o.msgs, msg)
	}
	c.move(oldPtr, ch.newPtr+"/messages/"+escape(msg.key))
	return nil
}

// messageID is the key of a message in its 3.0 channel: its messageId
// (or that of the message its local $ref names), as converter-js does;
// else, unlike converter-js, the key of the components/messages entry a
// $ref names, or an inline message's machine-friendly name; else
// converter-js's "<last part of the operation id>.message[.<index>]".
func (c *v2conv) messageID(m *Node, opID string, index int) string {
	if t := c.localTarget(m); t != nil {
		if id := t.Get("messageId").Str(); id != "" {
			return id
		}
	}
	if ref := m.Get("$ref"); ref != nil {
		if k, ok := strings.CutPrefix(ref.Str(), "#/components/messages/"); ok && !strings.Contains(k, "/") {
			return v2Unescape(k)
		}
	} else if name := m.Get("name").Str(); v2MessageName.MatchString(name) {
		return name
	}
	kind := opID[strings.LastIndex(opID, ".")+1:]
	if index >= 0 {
		return kind + ".message." + strconv.Itoa(index)
	}
	return kind + ".message"
}

// localTarget follows n's $ref chain inside the document; n itself if it
// has no $ref, nil if a $ref leaves the document or leads nowhere.
func (c *v2conv) localTarget(n *Node) *Node {
	for hops := 0; n != nil && hops <= 32; hops++ {
		ref := n.Get("$ref")
		if ref == nil {
			return n
		}
		s := ref.Str()
		if !strings.HasPrefix(s, "#") {
			return nil
		}
		n = c.in.Lookup(s[1:])
	}
	return nil
}

// channels builds the channels of the root (comp false) or of components,
// and their operations.
func (c *v2conv) channels(comp bool) (chans, ops *Node, err error) {
	chans = &Node{Kind: Mapping, Loc: c.in.Loc}
	ops = &Node{Kind: Mapping, Loc: c.in.Loc}
	if src := c.in.Get("channels"); src != nil && !comp {
		chans.Loc, ops.Loc = src.Loc, src.Loc
	}
	if src := c.in.Lookup("/components/channels"); src != nil && comp {
		chans.Loc, ops.Loc = src.Loc, src.Loc
	}
	for _, ch := range c.chans {
		if ch.comp != comp {
			continue
		}
		if ch.ref != "" {
			c.put(chans, ch.id, c.copy(ch.in))
			continue
		}
		n, err := c.channel(ch)
		if err != nil {
			return nil, nil, err
		}
		c.put(chans, ch.id, n)
		for _, o := range ch.ops {
			on, err := c.operation(ch, o)
			if err != nil {
				return nil, nil, err
			}
			c.put(ops, o.id, on)
		}
	}
	return chans, ops, nil
}

// usedComponentOps lists in the root's operations, as $refs, the
// operations of the component channels the root's channels use
// (converter-js's setOperationsOnRoot).
func (c *v2conv) usedComponentOps(ops *Node) error {
	for _, ch := range c.chans {
		if ch.comp || !strings.HasPrefix(ch.ref, "#/components/channels/") {
			continue
		}
		target := c.chanByPtr[ch.ref[1:]]
		if target == nil || target.ref != "" {
			continue
		}
		for _, o := range target.ops {
			if ops.Get(o.id) != nil {
				if !strings.HasPrefix(ops.Get(o.id).Get("$ref").Str(), "#/components/operations/") {
					return ch.in.Errorf("operation id %q of component channel %s is also the id of an operation of the root", o.id, target.addr)
				}
				continue
			}
			c.put(ops, o.id, c.refNode("/components/operations/"+escape(o.id), ch.in.Loc))
		}
	}
	return nil
}

// channel builds one 3.0 channel: address, messages, then the 2.x
// fields but publish and subscribe.
func (c *v2conv) channel(ch *v2channel) (*Node, error) {
	out := &Node{Kind: Mapping, Loc: ch.in.Loc}
	c.put(out, "address", c.str(ch.address, ch.in.Loc))
	if len(ch.msgs) > 0 {
		msgs := &Node{Kind: Mapping, Loc: ch.in.Loc}
		for _, m := range ch.msgs {
			n, err := c.message(m.in, m.oldPtr, ch.newPtr+"/messages/"+escape(m.key))
			if err != nil {
				return nil, err
			}
			c.put(msgs, m.key, n)
		}
		c.put(out, "messages", msgs)
	}
	for i, k := range ch.in.Keys {
		v := ch.in.Values[i]
		switch k {
		case "publish", "subscribe":
		case "servers":
			s, err := c.channelServers(v)
			if err != nil {
				return nil, err
			}
			c.put(out, k, s)
		case "parameters":
			c.put(out, k, c.parameters(v))
		case "bindings":
			c.put(out, k, c.bindings(v, "channel"))
		case "deprecated":
			c.note(v, "a 3.0 channel cannot be deprecated; deprecated dropped")
		default:
			c.put(out, k, c.copy(v))
		}
	}
	return out, nil
}

// channelServers turns server names into $refs (migration guide,
// "Unifying explicit and implicit references").
func (c *v2conv) channelServers(list *Node) (*Node, error) {
	if list.Kind != Sequence {
		return nil, list.Errorf("channel servers: want a list of server names")
	}
	out := &Node{Kind: Sequence, Loc: list.Loc}
	for _, s := range list.Items {
		if s.Kind != ScalarKind || s.Str() == "" {
			return nil, s.Errorf("channel servers: want a server name")
		}
		out.Items = append(out.Items, c.refNode("/servers/"+escape(s.Str()), s.Loc))
	}
	return out, nil
}

// operation builds one 3.0 operation: action, channel, messages, then
// the 2.x fields but operationId and message.
func (c *v2conv) operation(ch *v2channel, o *v2op) (*Node, error) {
	out := &Node{Kind: Mapping, Loc: o.in.Loc}
	action := "receive"
	if o.kind == "subscribe" {
		action = "send"
	}
	c.put(out, "action", c.str(action, o.in.Loc))
	c.put(out, "channel", c.refNode(ch.newPtr, o.in.Loc))
	if len(o.msgs) > 0 {
		list := &Node{Kind: Sequence, Loc: o.in.Loc}
		if m := o.in.Get("message"); m != nil {
			list.Loc = m.Loc
		}
		for _, m := range o.msgs {
			if m.remote {
				// converter-js lists a message of another file by that
				// file's $ref, not through the channel.
				list.Items = append(list.Items, c.copy(m.in))
				continue
			}
			list.Items = append(list.Items, c.refNode(ch.newPtr+"/messages/"+escape(m.key), m.in.Loc))
		}
		c.put(out, "messages", list)
	}
	over := c.traitOverrides(o.in, "operation "+o.id, "operationId")
	for i, k := range o.in.Keys {
		v := o.in.Values[i]
		if n := over[k]; n != nil {
			v = n
		}
		switch k {
		case "operationId", "message":
		case "traits":
			c.put(out, k, c.traits(v, "operation"))
		case "security":
			c.put(out, k, c.security(v))
		case "bindings":
			c.put(out, k, c.bindings(v, "operation"))
		default:
			c.put(out, k, c.copy(v))
		}
	}
	return out, nil
}

// v2DefaultFormat matches the schema formats that mean "an AsyncAPI
// Schema Object", the default; a payload in any other format becomes a
// 3.0 Multi Format Schema Object.
var v2DefaultFormat = regexp.MustCompile(`^application/vnd\.aai\.asyncapi(\+json|\+yaml)?;version=[0-9]+\.[0-9]+\.[0-9]+$`)

// message converts one Message Object (or copies a $ref to one): the
// messageId goes (the key is the id in 3.0), a schemaFormat other than
// the default wraps the payload (migration guide, "Schema format and
// schemas"), and fields a trait overrode in 2.x take the trait's value.
func (c *v2conv) message(m *Node, oldPtr, newPtr string) (*Node, error) {
	if m.Get("$ref") != nil {
		return c.copy(m), nil
	}
	if m.Get("oneOf") != nil {
		return nil, m.Errorf("a oneOf message list has no 3.0 form outside an operation")
	}
	what := "message " + newPtr[strings.LastIndex(newPtr, "/")+1:]
	format := m.Get("schemaFormat")
	if t := m.Get("traits"); t != nil {
		for _, tr := range t.Items {
			if f := c.localTarget(tr).Get("schemaFormat"); f != nil {
				format = f // 2.x traits override the message
			}
		}
	}
	wrap := format != nil && !v2DefaultFormat.MatchString(format.Str())
	if wrap && m.Get("payload") == nil {
		c.note(format, "%s: schemaFormat %q without a payload; dropped", what, format.Str())
	}
	over := c.traitOverrides(m, what, "messageId", "schemaFormat")
	out := &Node{Kind: Mapping, Loc: m.Loc}
	for i, k := range m.Keys {
		v := m.Values[i]
		if n := over[k]; n != nil {
			v = n
		}
		switch k {
		case "messageId", "schemaFormat":
		case "payload":
			if !wrap {
				c.put(out, k, c.copy(v))
				continue
			}
			p := &Node{Kind: Mapping, Loc: v.Loc}
			f := c.copy(format)
			f.Loc = format.Loc
			c.put(p, "schemaFormat", f)
			c.put(p, "schema", c.copy(v))
			c.put(out, k, p)
			c.move(oldPtr+"/payload", newPtr+"/payload/schema")
		case "traits":
			c.put(out, k, c.traits(v, "message"))
		case "bindings":
			c.put(out, k, c.bindings(v, "message"))
		default:
			c.put(out, k, c.copy(v))
		}
	}
	return out, nil
}

// traitOverrides returns, by key, the value each field of obj has in 2.x
// once its traits are merged in (JSON Merge Patch, the traits winning),
// for the fields where that differs from obj's own: 3.0 merges traits
// the other way round (a trait MUST NOT override the target's
// property; spec 3.0.0, Traits Merge Mechanism), so the converted object
// states the 2.x outcome itself. Fields only traits set need nothing.
func (c *v2conv) traitOverrides(obj *Node, what string, skip ...string) map[string]*Node {
	traits := obj.Get("traits")
	if traits == nil || traits.Kind != Sequence {
		return nil
	}
	merged := map[string]*Node{}
	for _, t := range traits.Items {
		td := c.localTarget(t)
		if td == nil {
			c.note(t, "%s: trait %s is not in this file; 2.x lets a trait override the %s's fields and 3.0 does not, which this conversion could not check", what, t.Get("$ref").Str(), strings.Fields(what)[0])
			continue
		}
		if td.Kind != Mapping {
			continue
		}
		for i, k := range td.Keys {
			if slices.Contains(skip, k) {
				if k != "schemaFormat" && obj.Get(k) != nil {
					c.note(td.Values[i], "%s: the trait's %s overrode the %s's in 2.x; 3.0 has no such field, the key stays the id", what, k, strings.Fields(what)[0])
				}
				continue
			}
			own := obj.Get(k)
			if own == nil || k == "traits" {
				continue
			}
			cur := merged[k]
			if cur == nil {
				cur = c.copy(own)
			}
			merged[k] = c.mergePatch(cur, td.Values[i])
		}
	}
	for k, n := range merged {
		if v2SameNode(n, obj.Get(k)) {
			delete(merged, k)
		}
	}
	return merged
}

// mergePatch applies patch to target as RFC 7386 does; target is a copy
// the caller owns.
func (c *v2conv) mergePatch(target, patch *Node) *Node {
	if patch.Kind != Mapping {
		return c.copy(patch)
	}
	if target == nil || target.Kind != Mapping {
		target = &Node{Kind: Mapping, Loc: patch.Loc}
	}
	for i, k := range patch.Keys {
		v := patch.Values[i]
		j := slices.Index(target.Keys, k)
		if v.Kind == ScalarKind && v.Scalar == nil {
			if j >= 0 {
				target.Keys = slices.Delete(target.Keys, j, j+1)
				target.Values = slices.Delete(target.Values, j, j+1)
			}
			continue
		}
		if j >= 0 {
			target.Values[j] = c.mergePatch(target.Values[j], v)
		} else {
			c.put(target, k, c.mergePatch(nil, v))
		}
	}
	return target
}

// traits converts a list of operation or message traits.
func (c *v2conv) traits(list *Node, kind string) *Node {
	if list.Kind != Sequence {
		return c.copy(list)
	}
	out := &Node{Kind: Sequence, Loc: list.Loc}
	for _, t := range list.Items {
		out.Items = append(out.Items, c.trait(t, kind))
	}
	return out
}

// trait converts one trait: 3.0 traits cannot set an operation's or
// message's id, nor a message's schemaFormat.
func (c *v2conv) trait(t *Node, kind string) *Node {
	if t.Kind != Mapping || t.Get("$ref") != nil {
		return c.copy(t)
	}
	out := &Node{Kind: Mapping, Loc: t.Loc}
	for i, k := range t.Keys {
		v := t.Values[i]
		switch {
		case kind == "operation" && k == "operationId", kind == "message" && k == "messageId":
			c.note(v, "a 3.0 %s trait has no %s; dropped", kind, k)
		case kind == "message" && k == "schemaFormat":
			c.note(v, "a 3.0 message trait has no schemaFormat; dropped here and given to the payload of each message of this file that uses the trait")
		case k == "bindings":
			c.put(out, k, c.bindings(v, kind))
		case k == "security":
			c.put(out, k, c.security(v))
		default:
			c.put(out, k, c.copy(v))
		}
	}
	return out
}

// servers converts a servers mapping (root or components).
func (c *v2conv) servers(servers *Node) (*Node, error) {
	if servers.Kind != Mapping {
		return nil, servers.Errorf("servers: want a mapping")
	}
	out := &Node{Kind: Mapping, Loc: servers.Loc}
	for i, name := range servers.Keys {
		s, err := c.server(name, servers.Values[i])
		if err != nil {
			return nil, err
		}
		c.put(out, name, s)
	}
	return out, nil
}

// server splits url into host, pathname and protocol (migration guide,
// "Server URL splitting up"; converter-js's resolveServerUrl) and turns
// security requirements into the 3.0 list.
func (c *v2conv) server(name string, s *Node) (*Node, error) {
	if s.Kind != Mapping {
		return nil, s.Errorf("server %s: want a mapping", name)
	}
	if s.Get("$ref") != nil {
		return c.copy(s), nil
	}
	url := s.Get("url")
	if url == nil || url.Kind != ScalarKind || url.Str() == "" {
		return nil, s.Errorf("server %s has no url", name)
	}
	host, pathname, scheme := v2SplitURL(url.Str())
	if strings.ContainsAny(pathname, "?#") {
		c.note(url, "server %s: a 3.0 server has no query or fragment; they stay in pathname %q", name, pathname)
	}
	out := &Node{Kind: Mapping, Loc: s.Loc}
	c.put(out, "host", c.str(host, url.Loc))
	if pathname != "" {
		c.put(out, "pathname", c.str(pathname, url.Loc))
	}
	switch p := s.Get("protocol"); {
	case p != nil:
		if scheme != "" && scheme != p.Str() {
			c.note(url, "server %s: url scheme %q differs from protocol %q; protocol kept", name, scheme, p.Str())
		}
		c.put(out, "protocol", c.copy(p))
	case scheme != "":
		c.put(out, "protocol", c.str(scheme, url.Loc))
	default:
		c.note(s, "server %s has no protocol, which 3.0 requires", name)
	}
	for i, k := range s.Keys {
		v := s.Values[i]
		switch k {
		case "url", "protocol":
		case "security":
			c.put(out, k, c.security(v))
		case "bindings":
			c.put(out, k, c.bindings(v, "server"))
		default:
			c.put(out, k, c.copy(v))
		}
	}
	return out, nil
}

// v2SplitURL is converter-js's resolveServerUrl: an optional
// "<scheme>://", the host up to the first slash, the rest as pathname.
func v2SplitURL(url string) (host, pathname, scheme string) {
	rest := url
	if s, r, ok := strings.Cut(url, "://"); ok {
		scheme, rest = s, r
	}
	host, path, ok := strings.Cut(rest, "/")
	if ok {
		pathname = "/" + path
	}
	return host, pathname, scheme
}

// security converts a list of 2.x Security Requirement Objects (scheme
// name to scopes) into the 3.0 list: a $ref to the scheme, or for oauth2
// and openIdConnect with scopes a copy of the scheme with its scopes
// (converter-js's convertSecurityObject).
func (c *v2conv) security(list *Node) *Node {
	if list.Kind != Sequence {
		return c.copy(list)
	}
	out := &Node{Kind: Sequence, Loc: list.Loc}
	for _, req := range list.Items {
		if req.Kind != Mapping {
			c.note(req, "a security requirement must be a mapping; dropped")
			continue
		}
		if len(req.Keys) > 1 {
			c.note(req, "this 2.x requirement needs all of %s; 3.0 lists alternatives, any one of which is enough", strings.Join(req.Keys, ", "))
		}
		for i, name := range req.Keys {
			scopes := req.Values[i]
			ptr := "/components/securitySchemes/" + escape(name)
			if scopes.Kind != Sequence || len(scopes.Items) == 0 {
				out.Items = append(out.Items, c.refNode(ptr, scopes.Loc))
				continue
			}
			scheme := c.localTarget(c.in.Lookup(ptr))
			switch typ := scheme.Get("type").Str(); {
			case scheme == nil:
				out.Items = append(out.Items, c.refNode(ptr, scopes.Loc))
			case typ == "oauth2" || typ == "openIdConnect":
				n := c.securityScheme(scheme)
				n.Loc = scopes.Loc
				c.put(n, "scopes", c.copy(scopes))
				out.Items = append(out.Items, n)
			default:
				c.note(scopes, "scopes of the %s scheme %s dropped: only oauth2 and openIdConnect have scopes", typ, name)
				out.Items = append(out.Items, c.refNode(ptr, scopes.Loc))
			}
		}
	}
	return out
}

// securityScheme renames each OAuth flow's scopes to availableScopes.
func (c *v2conv) securityScheme(s *Node) *Node {
	out := c.copy(s)
	flows := out.Get("flows")
	for _, f := range []string{"implicit", "password", "clientCredentials", "authorizationCode"} {
		if flow := flows.Get(f); flow != nil {
			if i := slices.Index(flow.Keys, "scopes"); i >= 0 {
				flow.Keys[i] = "availableScopes"
			}
		}
	}
	return out
}

// parameters converts a parameters mapping (channel or components).
func (c *v2conv) parameters(params *Node) *Node {
	if params.Kind != Mapping {
		return c.copy(params)
	}
	out := &Node{Kind: Mapping, Loc: params.Loc}
	for i, name := range params.Keys {
		c.put(out, name, c.parameter(name, params.Values[i]))
	}
	return out
}

// parameter keeps of a 2.x parameter's schema what a 3.0 parameter can
// say (migration guide, "Restricted parameters object"; converter-js's
// convertParameter): enum (or const), default, description, examples,
// location, and the parameter's own extensions.
func (c *v2conv) parameter(name string, p *Node) *Node {
	if p.Kind != Mapping || p.Get("$ref") != nil {
		return c.copy(p)
	}
	out := &Node{Kind: Mapping, Loc: p.Loc}
	schema := p.Get("schema")
	if schema != nil && schema.Get("$ref") != nil {
		c.note(schema, "parameter %s: its schema is a $ref, which a 3.0 parameter cannot have; not followed (as converter-js)", name)
		schema = nil
	}
	var dropped []string
	if schema != nil {
		for i, k := range schema.Keys {
			switch k {
			case "enum", "const", "default", "examples", "description":
			case "type":
				if schema.Values[i].Str() != "string" {
					dropped = append(dropped, "type "+schema.Values[i].Text)
				}
			default:
				dropped = append(dropped, k)
			}
		}
	}
	if len(dropped) > 0 {
		c.note(schema, "parameter %s: a 3.0 parameter is a string with enum, default, description, examples and location only; dropped %s", name, strings.Join(dropped, ", "))
	}
	switch k := schema.Get("const"); {
	case k != nil:
		if s := c.paramString(name, k); s != nil {
			c.put(out, "enum", &Node{Kind: Sequence, Loc: k.Loc, Items: []*Node{s}})
		}
	case schema.Get("enum") != nil:
		c.put(out, "enum", c.paramStrings(name, schema.Get("enum")))
	}
	if d := schema.Get("default"); d != nil {
		if s := c.paramString(name, d); s != nil {
			c.put(out, "default", s)
		}
	}
	if d := p.Get("description"); d != nil {
		c.put(out, "description", c.copy(d))
	} else if d := schema.Get("description"); d != nil {
		c.put(out, "description", c.copy(d))
	}
	if e := schema.Get("examples"); e != nil {
		c.put(out, "examples", c.paramStrings(name, e))
	}
	if l := p.Get("location"); l != nil {
		c.put(out, "location", c.copy(l))
	}
	for i, k := range p.Keys {
		if k != "schema" && k != "description" && k != "location" {
			c.put(out, k, c.copy(p.Values[i]))
		}
	}
	return out
}

func (c *v2conv) paramStrings(name string, list *Node) *Node {
	out := &Node{Kind: Sequence, Loc: list.Loc}
	if list.Kind != Sequence {
		c.note(list, "parameter %s: want a list; dropped", name)
		return out
	}
	for _, it := range list.Items {
		if s := c.paramString(name, it); s != nil {
			out.Items = append(out.Items, s)
		}
	}
	return out
}

// paramString is a parameter value as the string 3.0 requires.
func (c *v2conv) paramString(name string, v *Node) *Node {
	if v.Kind != ScalarKind || v.Scalar == nil {
		c.note(v, "parameter %s: a 3.0 parameter value is a string; this one is dropped", name)
		return nil
	}
	if _, ok := v.Scalar.(string); ok {
		return c.copy(v)
	}
	text := v.Text
	if text == "" {
		text = fmt.Sprint(v.Scalar)
	}
	c.note(v, "parameter %s: value %s written as the string %q, as 3.0 parameters are strings", name, text, text)
	return c.str(text, v.Loc)
}

// bindings copies a bindings object, dropping what has no 3.0 binding:
// mqtt5 (folded into mqtt 0.2.0) and the HTTP operation binding's type
// (HTTP binding 0.1.0 only; 3.0 accepts 0.2.0 and 0.3.0). A protocol's
// binding given by a local $ref is copied in, as 3.0 allows no $ref there.
func (c *v2conv) bindings(b *Node, kind string) *Node {
	if b.Kind != Mapping || b.Get("$ref") != nil {
		return c.copy(b)
	}
	out := &Node{Kind: Mapping, Loc: b.Loc}
	for i, proto := range b.Keys {
		v := b.Values[i]
		if proto == "mqtt5" {
			c.note(v, "3.0 has no mqtt5 binding (MQTT 5 is in the mqtt binding 0.2.0); dropped")
			continue
		}
		if ref := v.Get("$ref").Str(); ref != "" && !strings.HasPrefix(proto, "x-") {
			t := c.localTarget(v)
			whole := strings.HasPrefix(ref, "#/components/"+kind+"Bindings/") && strings.Count(ref, "/") == 3
			switch {
			case t == nil:
				c.note(v, "3.0 allows no $ref for the %s binding, and %s is not in this file; kept", proto, ref)
				c.put(out, proto, c.copy(v))
				continue
			case whole && t.Get(proto) != nil:
				c.note(v, "the %s binding is a $ref to the whole bindings object %s, and 3.0 allows no $ref here: its %s binding is copied in", proto, ref, proto)
				v = t.Get(proto)
			default:
				c.note(v, "3.0 allows no $ref for the %s binding: %s is copied in", proto, ref)
				v = t
			}
		}
		if proto != "http" || v.Kind != Mapping {
			c.put(out, proto, c.copy(v))
			continue
		}
		h := c.copy(v)
		if i := slices.Index(h.Keys, "type"); i >= 0 && kind == "operation" {
			c.note(v.Get("type"), "the HTTP %s binding's type %q is gone since binding 0.2.0, the oldest 3.0 accepts; dropped", kind, v.Get("type").Str())
			h.Keys = slices.Delete(h.Keys, i, i+1)
			h.Values = slices.Delete(h.Values, i, i+1)
		}
		if bv := h.Get("bindingVersion"); bv != nil && bv.Str() == "0.1.0" {
			c.note(v.Get("bindingVersion"), "HTTP %s binding 0.1.0 written as 0.2.0, the oldest 3.0 accepts", kind)
			bv.Scalar, bv.Text = "0.2.0", "0.2.0"
		}
		c.put(out, proto, h)
	}
	return out
}

// components converts the components the 3.0 shape changed and copies the
// rest; the operations of component channels go to components/operations.
func (c *v2conv) components(comp *Node) (*Node, error) {
	if comp.Kind != Mapping {
		return nil, comp.Errorf("components: want a mapping")
	}
	out := &Node{Kind: Mapping, Loc: comp.Loc}
	var compOps *Node
	for i, k := range comp.Keys {
		v := comp.Values[i]
		if v.Kind != Mapping {
			c.put(out, k, c.copy(v))
			continue
		}
		switch k {
		case "servers":
			s, err := c.servers(v)
			if err != nil {
				return nil, err
			}
			c.put(out, k, s)
		case "channels":
			chans, ops, err := c.channels(true)
			if err != nil {
				return nil, err
			}
			c.put(out, k, chans)
			compOps = ops
		case "messages":
			m := &Node{Kind: Mapping, Loc: v.Loc}
			for j, name := range v.Keys {
				ptr := "/components/messages/" + escape(name)
				n, err := c.message(v.Values[j], ptr, ptr)
				if err != nil {
					return nil, err
				}
				c.put(m, name, n)
			}
			c.put(out, k, m)
		case "securitySchemes":
			s := &Node{Kind: Mapping, Loc: v.Loc}
			for j, name := range v.Keys {
				c.put(s, name, c.securityScheme(v.Values[j]))
			}
			c.put(out, k, s)
		case "parameters":
			c.put(out, k, c.parameters(v))
		case "operationTraits", "messageTraits":
			t := &Node{Kind: Mapping, Loc: v.Loc}
			for j, name := range v.Keys {
				c.put(t, name, c.trait(v.Values[j], strings.TrimSuffix(k, "Traits")))
			}
			c.put(out, k, t)
		case "serverBindings", "channelBindings", "operationBindings", "messageBindings":
			b := &Node{Kind: Mapping, Loc: v.Loc}
			for j, name := range v.Keys {
				c.put(b, name, c.bindings(v.Values[j], strings.TrimSuffix(k, "Bindings")))
			}
			c.put(out, k, b)
		default:
			c.put(out, k, c.copy(v))
		}
	}
	if compOps != nil && len(compOps.Keys) > 0 {
		c.put(out, "operations", compOps)
	}
	return out, nil
}

// rewriteRefs points the local $refs copied from the 2.x document at the
// places their targets moved to, and notes every local $ref that leads
// nowhere in the new tree (a copied one only if it led somewhere in the
// old).
func (c *v2conv) rewriteRefs(out *Node) {
	var refs []*Node
	var walk func(n *Node)
	walk = func(n *Node) {
		for i, k := range n.Keys {
			v := n.Values[i]
			if _, ok := v.Scalar.(string); ok && k == "$ref" && v.Kind == ScalarKind {
				refs = append(refs, v)
			}
			walk(v)
		}
		for _, it := range n.Items {
			walk(it)
		}
	}
	walk(out)
	for _, r := range refs {
		s := r.Str()
		if !strings.HasPrefix(s, "#/") {
			continue
		}
		if c.created[r] {
			if out.Lookup(s[1:]) == nil {
				c.note(r, "$ref %q made from a 2.x name leads nowhere", s)
			}
			continue
		}
		to := c.moved(s[1:])
		if "#"+to != s {
			r.Scalar, r.Text = "#"+to, "#"+to
		}
		if c.in.Lookup(s[1:]) != nil && out.Lookup(to) == nil {
			c.note(r, "$ref %q points at something 3.0 has no place for; it leads nowhere now", s)
		}
	}
}

// moved is ptr after the longest move whose source is ptr or above it.
func (c *v2conv) moved(ptr string) string {
	best := -1
	for i, m := range c.moves {
		if (ptr == m.from || strings.HasPrefix(ptr, m.from+"/")) && (best < 0 || len(m.from) > len(c.moves[best].from)) {
			best = i
		}
	}
	if best < 0 {
		return ptr
	}
	return c.moves[best].to + ptr[len(c.moves[best].from):]
}

// copy deep-copies n, keeping each node's Loc.
func (c *v2conv) copy(n *Node) *Node {
	if n == nil {
		return nil
	}
	out := &Node{Kind: n.Kind, Scalar: n.Scalar, Text: n.Text, Loc: n.Loc}
	switch n.Kind {
	case Mapping:
		out.Keys = slices.Clone(n.Keys)
		out.Values = make([]*Node, len(n.Values))
		for i, v := range n.Values {
			out.Values[i] = c.copy(v)
		}
	case Sequence:
		out.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			out.Items[i] = c.copy(it)
		}
	}
	return out
}

func (c *v2conv) put(m *Node, key string, v *Node) {
	m.Keys = append(m.Keys, key)
	m.Values = append(m.Values, v)
}

func (c *v2conv) str(s string, loc Loc) *Node {
	return &Node{Kind: ScalarKind, Scalar: s, Text: s, Loc: loc}
}

// refNode makes {$ref: "#<ptr>"} for a place of the new tree.
func (c *v2conv) refNode(ptr string, loc Loc) *Node {
	r := c.str("#"+ptr, loc)
	c.created[r] = true
	return &Node{Kind: Mapping, Loc: loc, Keys: []string{"$ref"}, Values: []*Node{r}}
}

// v2SameNode reports whether a and b hold the same value.
func v2SameNode(a, b *Node) bool {
	ja, err1 := a.MarshalJSON()
	jb, err2 := b.MarshalJSON()
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

func v2Unescape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// v2SetPointers gives every node of the new tree its own JSON pointer.
func v2SetPointers(n *Node, ptr string) {
	n.Loc.Pointer = ptr
	for i, k := range n.Keys {
		v2SetPointers(n.Values[i], ptr+"/"+escape(k))
	}
	for i, it := range n.Items {
		v2SetPointers(it, ptr+"/"+strconv.Itoa(i))
	}
}
