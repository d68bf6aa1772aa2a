package infer

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// docBuilder assembles the AsyncAPI document.
type docBuilder struct {
	e       *Engine
	schemas *omap
	taken   map[string]bool // message and schema names: one Go namespace
}

// reserved are names a message must not take: the generated package
// declares them itself.
var reserved = map[string]bool{"Client": true, "Config": true, "Codec": true, "Server": true, "Dispatcher": true, "Handler": true}

// unique returns base, or base with a number, not yet taken.
func (b *docBuilder) unique(base string) string {
	if reserved[base] {
		base += "Frame"
	}
	// gen makes Go names of these keys: names that differ only in case
	// would clash there.
	name := base
	for i := 2; b.taken[strings.ToLower(name)]; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	b.taken[strings.ToLower(name)] = true
	return name
}

// schemaName names a union branch: its value, else prefixed with the
// message.
func (b *docBuilder) schemaName(base, msg string) string {
	if b.taken[strings.ToLower(base)] || reserved[base] {
		base = msg + base
	}
	return b.unique(base)
}

// Result is an inferred document and what was guessed.
type Result struct {
	YAML     []byte
	Report   *Report
	document *omap
	msgs     []*message // with their emitted payloads, for --merge
	keep     bool
}

// ErrNoFrames says the capture held no frame to infer from.
var ErrNoFrames = errors.New("no frames in the capture")

// Result builds the document from everything fed so far.
func (e *Engine) Result() (*Result, error) {
	e.finish()
	switch {
	case e.Stats.Frames == 0 && e.Stats.Binary > 0:
		return nil, fmt.Errorf("only binary frames (%d): wsbind infer reads JSON text frames", e.Stats.Binary)
	case e.Stats.Frames == 0:
		return nil, ErrNoFrames
	case e.Stats.JSON == 0:
		return nil, fmt.Errorf("none of the %d text frames is JSON", e.Stats.NonJSON)
	}
	b := &docBuilder{e: e, schemas: newMap(), taken: map[string]bool{}}
	rep := &Report{Stats: e.Stats, MinRequired: e.opt.MinRequired}
	msgs := e.messages()
	b.name(msgs)
	doc := newMap()
	doc.set("asyncapi", "3.0.0")
	info := doc.sub("info")
	title := e.opt.Title
	if title == "" {
		title = "Inferred WebSocket API"
	}
	info.set("title", title)
	info.set("version", "0.1.0")
	info.set("description", e.description())
	info.set("x-wsbind-describes", e.opt.Describes)
	doc.set("defaultContentType", "application/json")
	servers := doc.sub("servers")
	for _, k := range e.sorder {
		s := e.servers[k]
		servers.set(s.name, newMap().set("host", s.host).set("protocol", s.protocol))
	}
	replies := e.replies()
	channels := doc.sub("channels")
	ops := doc.sub("operations")
	comps := newMap()
	cmsgs := newMap()
	chNames := map[*channel]string{}
	for i, a := range e.corder {
		ch := e.channels[a]
		name := channelName(a, i)
		chNames[ch] = name
		c := channels.sub(name)
		c.set("address", a)
		var refs []any
		for _, s := range ch.servers {
			refs = append(refs, newMap().set("$ref", "#/servers/"+s.name))
		}
		c.set("servers", refs)
		if len(ch.params) > 0 {
			ps := c.sub("parameters")
			for _, p := range ch.params {
				ps.set(p, newMap().set("description", "A path segment that varied or looked like an id or a credential; its values are not kept."))
			}
		}
		c.sub("messages")
		if len(ch.qorder) > 0 {
			q := newMap().set("type", "object")
			props := q.sub("properties")
			for _, k := range ch.qorder {
				p := newMap().set("type", "string")
				if ch.query[k] {
					p.set("description", "A credential: its values are not kept.")
				}
				props.set(k, p)
			}
			c.sub("bindings").sub("ws").set("bindingVersion", "0.1.0").set("query", q)
		}
	}
	for _, m := range msgs {
		mm, mr := b.message(m)
		cmsgs.set(m.name, mm)
		rep.Messages = append(rep.Messages, mr)
		channels.sub(chNames[m.ch]).sub("messages").set(m.name, newMap().set("$ref", "#/components/messages/"+m.name))
	}
	msgs = append(msgs, b.catchAlls(msgs, cmsgs, channels, chNames, rep)...)
	// Operations: one per message, the client's carrying their replies.
	for _, m := range msgs {
		ch := chNames[m.ch]
		op := newMap()
		action := "send"
		if (m.dir == "client") == (e.opt.Describes == "server") {
			action = "receive"
		}
		op.set("action", action)
		op.set("channel", newMap().set("$ref", "#/channels/"+ch))
		op.set("messages", []any{newMap().set("$ref", "#/channels/"+ch+"/messages/"+m.name)})
		if r := replies[m]; r != nil {
			var rs []any
			var names []string
			for _, x := range r.replies {
				rs = append(rs, newMap().set("$ref", "#/channels/"+chNames[x.ch]+"/messages/"+x.name))
				names = append(names, x.name)
			}
			op.set("reply", newMap().set("channel", newMap().set("$ref", "#/channels/"+ch)).set("messages", rs))
			rep.Replies = append(rep.Replies, fmt.Sprintf("%s -> %s, by %s echoed at %s (%d pairs)", m.name, strings.Join(names, ", "), r.path, r.rePath, r.count))
		}
		ops.set(opName(action, m.name), op)
	}
	for _, m := range msgs {
		if m.corr != "" {
			cmsgs.sub(m.name).set("correlationId", newMap().set("location", "$message.payload#"+m.corr))
		}
	}
	rep.Lifted = liftShared(cmsgs, b)
	if len(b.schemas.keys) > 0 {
		comps.set("schemas", b.schemas)
	}
	comps.set("messages", cmsgs)
	doc.set("components", comps)
	// Servers and schemas first in the file would be the usual order; the
	// parser does not mind.
	y, err := marshal(doc)
	if err != nil {
		return nil, err
	}
	return &Result{YAML: y, Report: rep, document: doc, msgs: msgs, keep: e.opt.KeepValues}, nil
}

func opName(action, msg string) string {
	return action + msg
}

// channelName makes a channel key from its address.
func channelName(addr string, i int) string {
	n := camel(strings.ReplaceAll(addr, "/", " "))
	if n == "Value" {
		n = "Root"
	}
	n = strings.ToLower(n[:1]) + n[1:]
	if len(n) > 60 {
		n = fmt.Sprintf("channel%d", i+1)
	}
	if i > 0 {
		n = fmt.Sprintf("%s%d", n, i+1)
	}
	return n
}

// name gives every message a unique name from its discriminator values.
// A name both directions would take goes to the server's message; the
// client's gets "Request".
func (b *docBuilder) name(msgs []*message) {
	base := map[*message]string{}
	count := map[string]int{}
	for _, m := range msgs {
		var s strings.Builder
		for _, p := range m.parts {
			s.WriteString(camel(p))
		}
		n := s.String()
		if n == "" {
			n = "Frame"
		}
		if len(n) > 80 {
			n = n[:80]
		}
		base[m] = n
		count[n]++
	}
	for _, dir := range []string{"server", "client"} {
		for _, m := range msgs {
			if m.dir != dir {
				continue
			}
			n := base[m]
			if count[n] > 1 && dir == "client" {
				n += "Request"
			}
			m.name = b.unique(n)
		}
	}
}

// message writes one message and its part of the report.
func (b *docBuilder) message(m *message) (*omap, MessageReport) {
	e := &emitter{minRequired: b.e.opt.MinRequired, doc: b, msg: m.name}
	if m.shape != nil {
		e.shape = map[string]bool{}
		for _, k := range m.shape {
			e.shape[k] = true
		}
	}
	payload := e.schema(m.root, "", m.consts)
	// The guesses that shape the most first: unions and maps, then
	// types and enums, formats last.
	sort.SliceStable(e.notes, func(i, j int) bool { return noteRank(e.notes[i]) < noteRank(e.notes[j]) })
	if e.fewSamples > 0 {
		e.note("%s in every sample left optional: %s (fewer than %d)", plural(e.fewSamples, "field"), plural(e.fewMax, "sample"), e.minRequired)
	}
	mm := newMap()
	mm.set("name", m.name)
	var how string
	switch {
	case len(m.consts) > 0:
		var kv []string
		for _, p := range m.cpaths {
			kv = append(kv, fmt.Sprintf("%s = %s", strings.Join(p, "."), m.consts[strings.Join(p, ".")]))
		}
		how = "told apart by " + strings.Join(kv, ", ")
	case m.shape != nil:
		how = "no discriminator: told apart by its shape (keys " + strings.Join(clip(m.shape, 6), ", ") + ")"
	default:
		how = "the only " + kindName(m.kind) + " frames"
	}
	mm.set("summary", fmt.Sprintf("%s, %s; inferred from %s.", dirName(m.dir), how, plural(m.frames, "frame")))
	mm.set("payload", payload)
	if m.example != nil {
		ex := m.example
		if !b.e.opt.KeepValues {
			ex = redact(ex, false)
		}
		mm.set("examples", []any{newMap().set("name", "captured").set("summary", "The first frame of the capture, credentials redacted.").set("payload", ex)})
	}
	return mm, MessageReport{Name: m.name, Direction: m.dir, Frames: m.frames, Fields: e.fields, Refused: m.root.budget.refused, How: how, Notes: e.notes}
}

func dirName(d string) string {
	if d == "client" {
		return "Sent by the client"
	}
	return "Sent by the server"
}

func clip(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("+%d more", len(s)-n))
}

// catchAlls adds, for each level split by a top-level property under
// top-level constants, a message for values no other message has: a new
// topic is then valid, with an unknown-variant note.
func (b *docBuilder) catchAlls(msgs []*message, cmsgs, channels *omap, chNames map[*channel]string, rep *Report) []*message {
	type group struct {
		ch     *channel
		dir    string
		parent map[string]string
		pkeys  []string
		path   string
		values []string
		name   string
		sample *message // the sibling with the smallest example
	}
	groups := map[string]*group{}
	var order []string
	var out []*message
	for _, m := range msgs {
		for i := 1; i < len(m.cpaths); i++ {
			top := true
			for _, p := range m.cpaths[:i+1] {
				top = top && len(p) == 1
			}
			if !top {
				break
			}
			last := m.cpaths[i][0]
			parent := map[string]string{}
			var pk []string
			for _, p := range m.cpaths[:i] {
				parent[p[0]] = m.consts[p[0]]
				pk = append(pk, p[0])
			}
			key := fmt.Sprintf("%p/%s/%v/%s", m.ch, m.dir, parent, last)
			g := groups[key]
			if g == nil {
				var nm strings.Builder
				for _, p := range m.parts[:i] {
					nm.WriteString(camel(p))
				}
				g = &group{ch: m.ch, dir: m.dir, parent: parent, pkeys: pk, path: last, name: nm.String()}
				groups[key] = g
				order = append(order, key)
			}
			if v := m.consts[last]; !slices.Contains(g.values, v) {
				g.values = append(g.values, v)
			}
			if m.example != nil && (g.sample == nil || size(m.example) < size(g.sample.example)) {
				g.sample = m
			}
		}
	}
	for _, k := range order {
		g := groups[k]
		if len(g.values) < 2 {
			continue
		}
		sort.Strings(g.values)
		name := b.unique(g.name + "Other")
		props := newMap()
		var req []string
		for _, p := range g.pkeys {
			props.set(p, newMap().set("type", "string").set("const", g.parent[p]))
			req = append(req, p)
		}
		props.set(g.path, newMap().set("type", "string").set("not", newMap().set("enum", g.values)))
		req = append(req, g.path)
		mm := newMap().set("name", name).set("x-wsbind-open", true)
		mm.set("summary", fmt.Sprintf("%s: a %s value none of the other messages has (an open set: valid, with an unknown-variant note).", dirName(g.dir), g.path))
		mm.set("payload", newMap().set("type", "object").set("properties", props).set("required", req))
		if g.sample != nil {
			// No frame had an unknown value: the example is a sibling's
			// frame with one its value changed, which is what the
			// catch-all will take.
			other := "unlisted"
			for slices.Contains(g.values, other) {
				other += "-value"
			}
			ex := withTop(g.sample.example, g.path, other)
			if !b.e.opt.KeepValues {
				ex = redact(ex, false)
			}
			mm.set("examples", []any{newMap().set("name", "unlisted").set("summary", fmt.Sprintf("A captured %s frame with its %s changed to a value no message has.", g.sample.name, g.path)).set("payload", ex)})
		}
		cmsgs.set(name, mm)
		channels.sub(chNames[g.ch]).sub("messages").set(name, newMap().set("$ref", "#/components/messages/"+name))
		out = append(out, &message{name: name, dir: g.dir, ch: g.ch})
		rep.Messages = append(rep.Messages, MessageReport{Name: name, Direction: g.dir, How: fmt.Sprintf("catch-all of the open set of %s values (%d known)", g.path, len(g.values)), Open: true})
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (e *Engine) description() string {
	var b strings.Builder
	b.WriteString("Inferred by wsbind infer")
	if len(e.opt.Sources) > 0 {
		b.WriteString(" from " + strings.Join(clip(e.opt.Sources, 5), ", "))
	}
	if e.opt.Date != "" {
		b.WriteString(" on " + e.opt.Date)
	}
	fmt.Fprintf(&b, " (%s). Review it: names, required fields and enums are guesses from the frames seen.", plural(e.Stats.JSON, "JSON frame"))
	return b.String()
}

// size counts the values in v, to pick a short example.
func size(v *value) int {
	n := 1
	for _, x := range v.vals {
		n += size(x)
	}
	for _, x := range v.items {
		n += size(x)
	}
	return n
}

// withTop returns a copy of object v with key set to the string s.
func withTop(v *value, key, s string) *value {
	out := &value{kind: kObject, keys: v.keys, vals: append([]*value(nil), v.vals...)}
	for i, k := range out.keys {
		if k == key {
			out.vals[i] = &value{kind: kString, str: s}
		}
	}
	return out
}

func noteRank(n string) int {
	for i, k := range []string{"a union", "a map", "a credential", "number,", "open enum", "one of", "nullable", "format"} {
		if strings.Contains(n, k) {
			return i
		}
	}
	return 9
}
