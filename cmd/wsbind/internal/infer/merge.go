package infer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/runtime/wire"
)

// InferredKey marks what --merge added to a hand-written document.
const InferredKey = "x-wsbind-inferred"

// merger adds what a capture shows to a hand-written document, as YAML
// nodes so that its order and comments stay. It only adds: new messages,
// new optional properties, new enum values.
type merger struct {
	root    *yaml.Node // the document's top mapping
	res     *Result
	mark    string
	changes []string
	schemas *yaml.Node // components/schemas, created on demand
	copied  map[string]string
}

// Merge returns the document at path with res merged in, and the list of
// changes. mark says where the additions come from (captures, date).
func Merge(path string, res *Result, mark string) ([]byte, []string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s is not a YAML mapping", path)
	}
	spec, err := interp.LoadSpec(path, interp.Options{})
	if err != nil {
		return nil, nil, err
	}
	m := &merger{root: doc.Content[0], res: res, mark: mark, copied: map[string]string{}}
	describes := "server"
	if d := mget(mget(m.root, "info"), "x-wsbind-describes"); d != nil && d.Value == "client" {
		describes = "client"
	}
	for _, msg := range res.msgs {
		if msg.example == nil {
			continue
		}
		codec := spec.Codec(msg.dir)
		if codec == nil {
			m.addMessage(msg, describes, nil)
			continue
		}
		frame := valueJSON(msg.example)
		r := codec.Check(frame, false)
		if r.Name == "" || breaksConst(r.Violations) {
			m.addMessage(msg, describes, nil)
			continue
		}
		existing := m.messageNode(r.Name)
		payload := m.inferredPayload(msg.name)
		if existing == nil || payload == nil {
			continue
		}
		if open := mget(existing, "x-wsbind-open"); open != nil && open.Value == "true" {
			// A value the catch-all takes is a message of its own now; the
			// catch-all stops taking it.
			consts := m.exclude(r.Name, m.deref(mget(existing, "payload")), msg)
			m.addMessage(msg, describes, consts)
			continue
		}
		m.mergeSchema(r.Name, m.deref(mget(existing, "payload")), payload, msg.root, "")
		if !r.Valid() {
			v := r.Violations[0]
			m.changes = append(m.changes, fmt.Sprintf("%s: not changed where captured frames break it (first: %s %s); review by hand", r.Name, pointerText(v.Pointer), v.Keyword))
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, nil, err
	}
	if len(m.changes) == 0 {
		m.changes = append(m.changes, "none: the document already describes every frame read")
	}
	return buf.Bytes(), m.changes, nil
}

func pointerText(p string) string {
	if p == "" {
		return "(frame)"
	}
	return show(p)
}

// valueJSON writes a captured value back as JSON.
func valueJSON(v *value) []byte {
	var b bytes.Buffer
	writeJSON(&b, v)
	return b.Bytes()
}

func writeJSON(b *bytes.Buffer, v *value) {
	switch v.kind {
	case kNull:
		b.WriteString("null")
	case kBool:
		fmt.Fprint(b, v.b)
	case kNumber:
		b.WriteString(v.str)
	case kString:
		b.WriteString(jsonQuote(v.str))
	case kObject:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(jsonQuote(k))
			b.WriteByte(':')
			writeJSON(b, v.vals[i])
		}
		b.WriteByte('}')
	case kArray:
		b.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, it)
		}
		b.WriteByte(']')
	}
}

// mget returns the value of key in a mapping node, or nil.
func mget(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// mset sets key in a mapping node, appending it when new.
func mset(n *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content[i+1] = v
			return
		}
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// msub returns the mapping under key, creating it.
func msub(n *yaml.Node, key string) *yaml.Node {
	if s := mget(n, key); s != nil && s.Kind == yaml.MappingNode {
		return s
	}
	s := &yaml.Node{Kind: yaml.MappingNode}
	mset(n, key, s)
	return s
}

// deref follows local $refs (#/...); a reference into another file is
// left alone (nil): merge edits this document only.
func (m *merger) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < 16; i++ {
		ref := mget(n, "$ref")
		if ref == nil {
			return n
		}
		if !strings.HasPrefix(ref.Value, "#/") {
			return nil
		}
		n = m.root
		for _, tok := range strings.Split(ref.Value[2:], "/") {
			n = mget(n, strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
		}
	}
	return n
}

// messageNode finds a message by its name: components/messages, else a
// channel's inline messages.
func (m *merger) messageNode(name string) *yaml.Node {
	if n := m.deref(mget(mget(mget(m.root, "components"), "messages"), name)); n != nil {
		return n
	}
	chs := mget(m.root, "channels")
	if chs == nil {
		return nil
	}
	for i := 1; i < len(chs.Content); i += 2 {
		if n := m.deref(mget(mget(chs.Content[i], "messages"), name)); n != nil {
			return n
		}
	}
	return nil
}

func (m *merger) inferredPayload(name string) *omap {
	msgs, _ := m.res.document.sub("components").get("messages").(*omap)
	if msgs == nil {
		return nil
	}
	mm, _ := msgs.get(name).(*omap)
	if mm == nil {
		return nil
	}
	p, _ := mm.get("payload").(*omap)
	return p
}

// mergeSchema adds to have what want declares and have does not:
// properties (optional) and enum values. Nothing is removed; required
// lists and types are left as they are.
func (m *merger) mergeSchema(msg string, have *yaml.Node, want *omap, nd *node, ptr string) {
	if have == nil || want == nil || len(ptr) > 512 {
		return
	}
	if ref, ok := want.get("$ref").(string); ok {
		want = m.inferredSchema(ref)
		if want == nil {
			return
		}
	}
	if wp, ok := want.get("properties").(*omap); ok {
		hp := mget(have, "properties")
		if hp == nil && mget(have, "type") != nil && mget(have, "type").Value == "object" {
			hp = msub(have, "properties")
		}
		if hp != nil && hp.Kind == yaml.MappingNode {
			for _, k := range wp.keys {
				sub, _ := wp.get(k).(*omap)
				if hn := mget(hp, k); hn != nil {
					var sn *node
					if nd != nil && nd.index != nil && nd.index[k] != nil {
						sn = nd.index[k].node
					}
					m.mergeSchema(msg, m.deref(hn), sub, sn, ptr+"/"+k)
					continue
				}
				n := m.importSchema(sub)
				if n.Kind == yaml.MappingNode && mget(n, "$ref") == nil {
					mset(n, InferredKey, scalar(m.mark))
				} else {
					n = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("allOf"), {Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}, scalar(InferredKey), scalar(m.mark)}}
				}
				mset(hp, k, n)
				m.changes = append(m.changes, fmt.Sprintf("%s: added optional field %s", msg, show(ptr+"/"+k)))
			}
		}
	}
	if wi, ok := want.get("items").(*omap); ok {
		var sn *node
		if nd != nil {
			sn = nd.items
		}
		m.mergeSchema(msg, m.deref(mget(have, "items")), wi, sn, ptr+"/*")
	}
	// Every value seen, not only the enum inference would write: the
	// person already said the field is an enum.
	var values []string
	if nd != nil && nd.strs != nil && !nd.secret {
		values = slices.Sorted(maps.Keys(nd.strs))
	}
	for _, key := range []string{"x-extensible-enum", "enum"} {
		list := mget(have, key)
		if list == nil || list.Kind != yaml.SequenceNode || len(values) == 0 {
			continue
		}
		var added []string
		for _, v := range values {
			if !slices.ContainsFunc(list.Content, func(n *yaml.Node) bool { return n.Value == v }) {
				list.Content = append(list.Content, scalar(v))
				added = append(added, v)
			}
		}
		if len(added) > 0 {
			mset(have, InferredKey, scalar(m.mark+": added "+strings.Join(added, ", ")))
			m.changes = append(m.changes, fmt.Sprintf("%s: %s: added %s values %s", msg, pointerText(ptr), key, strings.Join(clip(added, 8), ", ")))
		}
	}
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: quoteStyle(s)}
}

// inferredSchema resolves a $ref of the inferred document.
func (m *merger) inferredSchema(ref string) *omap {
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok {
		return nil
	}
	schemas, _ := m.res.document.sub("components").get("schemas").(*omap)
	if schemas == nil {
		return nil
	}
	s, _ := schemas.get(name).(*omap)
	return s
}

// importSchema converts an inferred schema to YAML, copying the named
// schemas it refers to into the document's components/schemas.
func (m *merger) importSchema(s *omap) *yaml.Node {
	n := toNode(s)
	m.rewriteRefs(n, 0)
	return n
}

func (m *merger) rewriteRefs(n *yaml.Node, depth int) {
	if depth > 64 {
		return
	}
	if n.Kind == yaml.MappingNode {
		if ref := mget(n, "$ref"); ref != nil {
			if name, ok := strings.CutPrefix(ref.Value, "#/components/schemas/"); ok {
				ref.Value = "#/components/schemas/" + m.copySchema(name, depth)
			}
		}
	}
	for _, c := range n.Content {
		m.rewriteRefs(c, depth+1)
	}
}

// copySchema copies an inferred named schema into the document, under
// its name or, when taken, Inferred<name>.
func (m *merger) copySchema(name string, depth int) string {
	if to, ok := m.copied[name]; ok {
		return to
	}
	if m.schemas == nil {
		m.schemas = msub(msub(m.root, "components"), "schemas")
	}
	to := name
	for i := 1; mget(m.schemas, to) != nil; i++ {
		to = fmt.Sprintf("Inferred%s", name)
		if i > 1 {
			to = fmt.Sprintf("Inferred%s%d", name, i)
		}
	}
	m.copied[name] = to
	s := m.inferredSchema("#/components/schemas/" + name)
	n := toNode(s)
	mset(m.schemas, to, n)
	m.rewriteRefs(n, depth+1)
	if n.Kind == yaml.MappingNode {
		mset(n, InferredKey, scalar(m.mark))
	}
	return to
}

// addMessage adds a message no existing one takes, with an operation.
// consts are discriminator values the new message must hold as consts
// (those a catch-all it is taken out of excludes).
func (m *merger) addMessage(msg *message, describes string, consts map[string]string) {
	payload := m.inferredPayload(msg.name)
	if payload == nil {
		return
	}
	msgs := msub(msub(m.root, "components"), "messages")
	base := msg.name
	for _, k := range slices.Sorted(maps.Keys(consts)) {
		if v := consts[k]; !strings.HasSuffix(base, camel(v)) {
			base += camel(v)
		}
	}
	name := base
	for i := 2; mget(msgs, name) != nil; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	mm := &yaml.Node{Kind: yaml.MappingNode}
	mset(mm, "name", scalar(name))
	mset(mm, InferredKey, scalar(m.mark))
	mset(mm, "summary", scalar(fmt.Sprintf("%s; inferred from %s.", dirName(msg.dir), plural(msg.frames, "frame"))))
	pn := m.importSchema(payload)
	if len(consts) > 0 {
		props := msub(pn, "properties")
		req := mget(pn, "required")
		if req == nil {
			req = &yaml.Node{Kind: yaml.SequenceNode}
			mset(pn, "required", req)
		}
		for _, k := range slices.Sorted(maps.Keys(consts)) {
			c := &yaml.Node{Kind: yaml.MappingNode}
			mset(c, "type", scalar("string"))
			mset(c, "const", scalar(consts[k]))
			mset(props, k, c)
			if !slices.ContainsFunc(req.Content, func(n *yaml.Node) bool { return n.Value == k }) {
				req.Content = append(req.Content, scalar(k))
			}
		}
	}
	mset(mm, "payload", pn)
	ex := msg.example
	if !m.res.keep {
		ex = redact(ex, false)
	}
	exs := &yaml.Node{Kind: yaml.SequenceNode}
	e := &yaml.Node{Kind: yaml.MappingNode}
	mset(e, "name", scalar("captured"))
	mset(e, "payload", valueNode(ex))
	exs.Content = append(exs.Content, e)
	mset(mm, "examples", exs)
	mset(msgs, name, mm)
	// The channel: one whose address is the socket's, else the first.
	chs := mget(m.root, "channels")
	if chs == nil || len(chs.Content) < 2 {
		m.changes = append(m.changes, fmt.Sprintf("added message %s (%s) to components/messages; no channel to put it in", name, plural(msg.frames, "frame")))
		return
	}
	chKey, ch := chs.Content[0].Value, chs.Content[1]
	for i := 0; i+1 < len(chs.Content); i += 2 {
		if a := mget(chs.Content[i+1], "address"); a != nil && a.Value == msg.ch.address {
			chKey, ch = chs.Content[i].Value, chs.Content[i+1]
		}
	}
	if ch = m.deref(ch); ch == nil {
		return
	}
	ref := &yaml.Node{Kind: yaml.MappingNode}
	mset(ref, "$ref", scalar("#/components/messages/"+name))
	mset(msub(ch, "messages"), name, ref)
	action := "send"
	if (msg.dir == "client") == (describes == "server") {
		action = "receive"
	}
	op := &yaml.Node{Kind: yaml.MappingNode}
	mset(op, "action", scalar(action))
	chRef := &yaml.Node{Kind: yaml.MappingNode}
	mset(chRef, "$ref", scalar("#/channels/"+chKey))
	mset(op, "channel", chRef)
	mref := &yaml.Node{Kind: yaml.MappingNode}
	mset(mref, "$ref", scalar("#/channels/"+chKey+"/messages/"+name))
	mset(op, "messages", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{mref}})
	mset(op, InferredKey, scalar(m.mark))
	ops := msub(m.root, "operations")
	opKey := action + name
	for i := 2; mget(ops, opKey) != nil; i++ {
		opKey = fmt.Sprintf("%s%s%d", action, name, i)
	}
	mset(ops, opKey, op)
	m.changes = append(m.changes, fmt.Sprintf("added message %s (%s, %s) on channel %s, operation %s", name, msg.dir, plural(msg.frames, "frame"), chKey, opKey))
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// exclude adds msg's discriminator values to the not: {enum} lists of a
// catch-all's payload, so that the two never take the same frame.
func (m *merger) exclude(name string, payload *yaml.Node, msg *message) map[string]string {
	consts := map[string]string{}
	props := mget(payload, "properties")
	if props == nil {
		return consts
	}
	for i := 0; i+1 < len(props.Content); i += 2 {
		key := props.Content[i].Value
		list := mget(mget(m.deref(props.Content[i+1]), "not"), "enum")
		sv := msg.example.get(key)
		if list == nil || sv == nil || sv.kind != kString || list.Kind != yaml.SequenceNode {
			continue
		}
		v := sv.str
		consts[key] = v
		if !slices.ContainsFunc(list.Content, func(n *yaml.Node) bool { return n.Value == v }) {
			list.Content = append(list.Content, scalar(v))
			m.changes = append(m.changes, fmt.Sprintf("%s: %s: added %s to its not: enum (now a message of its own)", name, key, v))
		}
	}
	return consts
}

// breaksConst reports whether a frame breaks a const: it is another
// message than the one it was decoded as (a direction of one message
// takes every frame).
func breaksConst(vs []wire.Violation) bool {
	for _, v := range vs {
		if v.Keyword == "const" {
			return true
		}
	}
	return false
}
