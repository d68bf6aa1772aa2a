package ir

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wsbind/wsbind/gen/spec"
)

var serverExtensions = []string{
	"x-wsbind-auth", "x-wsbind-keepalive", "x-wsbind-limits", "x-wsbind-resume", "x-wsbind-subprotocols",
	"x-wsbind-welcome",
}

var messageExtensions = []string{"x-wsbind-source", "x-wsbind-error", "x-wsbind-ends-subscription", "x-wsbind-secrets", "x-wsbind-open", "x-wsbind-inferred"}

// Build lowers a loaded document to a Package.
func Build(doc *spec.Document) (*Package, error) {
	l := newLowerer(doc.Loader)
	pkg := &Package{
		Name:  doc.Name,
		Title: doc.Root.Lookup("/info/title").Str(),
		Doc:   doc.Root.Lookup("/info/description").Str(),
	}
	byName := map[string]*Message{}
	var err error
	l.reserved = map[string]bool{}
	if schemas := doc.Root.Lookup("/components/schemas"); schemas != nil {
		for _, k := range schemas.Keys {
			if k != "" {
				l.reserved[componentGoName(k)] = true
			}
		}
	}
	pkg.Warnings = append(pkg.Warnings, doc.Notes...)
	// Every error of the document is reported, in line order: each message
	// and component is lowered even when an earlier one failed.
	var errs []error
	// Message keys become Go type names; a document may spell them any way
	// ("lightMeasured", "user-joined").
	goNames := map[*spec.Message]string{}
	for _, m := range doc.Messages {
		goNames[m] = GoName(m.Key)
		for _, o := range doc.Messages {
			if o != m && GoName(o.Key) == goNames[m] {
				errs = append(errs, m.Node.Errorf("messages %s and %s would both be the Go type %s", m.Key, o.Key, goNames[m]))
			}
		}
	}
	if len(errs) > 0 {
		return nil, spec.JoinInOrder(errs)
	}
	for _, m := range doc.Messages {
		m.Key = goNames[m]
	}
	for _, m := range doc.Messages {
		msg, err := func() (*Message, error) {
			if _, err := spec.Extensions(m.Node, append(messageExtensions, bridgeExtensions...)...); err != nil {
				return nil, err
			}
			if err := checkBridge(m.Node); err != nil {
				return nil, err
			}
			var t *Type
			if m.Payload == nil {
				t = &Type{Kind: Raw, Loc: short(m.Node.Loc)}
			} else if t, err = l.forceName(m.Payload, m.Key); err != nil {
				return nil, err
			}
			switch {
			case m.Payload == nil:
			case t.Kind == Struct:
				if err := l.register(m.Payload, t); err != nil {
					return nil, err
				}
			case t.Message != nil:
				// A value type another message's payload named already.
			default:
				if err := l.renameValue(m.Payload, m.Key, t); err != nil {
					return nil, err
				}
			}
			rule, err := buildErrorRule(m.Node.Get("x-wsbind-error"))
			if err != nil {
				return nil, err
			}
			msg := &Message{Name: m.Key, Type: t, Doc: messageDoc(m.Node, t), Error: rule}
			if ends := m.Node.Get("x-wsbind-ends-subscription"); ends != nil {
				for _, it := range ends.Items {
					msg.EndsSub = append(msg.EndsSub, it.Str())
				}
			}
			if secrets := m.Node.Get("x-wsbind-secrets"); secrets != nil {
				for _, it := range secrets.Items {
					msg.Secrets = append(msg.Secrets, it.Str())
				}
			}
			// Also on a payload that is not a struct, naming its value type
			// after the first message that has it.
			if t.Message == nil {
				t.Message = msg
			}
			if m.Payload != nil {
				msg.Discriminator = l.discriminator(m.Payload)
			}
			msg.Deprecated = deprecated(m.Node)
			if x := m.Node.Get("x-wsbind-open"); x != nil {
				if x.Scalar != true {
					return nil, x.Errorf("x-wsbind-open must be true")
				}
				msg.Open, msg.openAt = true, x
				if msg.OpenKey, msg.Excludes, err = l.openKey(m.Payload, "message "+m.Key); err != nil {
					return nil, err
				}
			}
			if m.CorrelationPointer != "" {
				msg.Correlation = strings.Split(strings.TrimPrefix(m.CorrelationPointer, "/"), "/")
			}
			for _, ex := range m.Examples() {
				b, err := ex.Payload.MarshalJSON()
				if err != nil {
					return nil, ex.Payload.Errorf("example %s: %v", ex.Name, err)
				}
				msg.Examples = append(msg.Examples, Example{Name: ex.Name, JSON: b})
			}
			return msg, nil
		}()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pkg.Messages = append(pkg.Messages, msg)
		byName[m.Key] = msg
	}
	// Every named component becomes a type, used or not: REST bodies of
	// auth flows live there too.
	if schemas := doc.Root.Lookup("/components/schemas"); schemas != nil {
		for _, v := range schemas.Values {
			if _, err := l.lower(v, ""); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return nil, &LoweringError{Errs: errs}
	}
	for _, m := range doc.Messages {
		for _, r := range m.Replies {
			byName[m.Key].Replies = append(byName[m.Key].Replies, byName[r.Key])
		}
	}
	if len(doc.Receive) == 0 && len(doc.Send) == 0 {
		return nil, doc.Root.Errorf("no operation carries a message")
	}
	if pkg.Server, err = direction("server", "ServerMessage", doc.Receive, byName); err != nil {
		return nil, err
	}
	if pkg.Client, err = direction("client", "ClientMessage", doc.Send, byName); err != nil {
		return nil, err
	}
	if pkg.Channels, err = channelDirections(doc, byName); err != nil {
		return nil, err
	}
	for _, m := range pkg.Server.Messages {
		m.Server = true
	}
	for _, m := range pkg.Client.Messages {
		m.Client = true
	}
	pkg.Types = l.sortedTypes()
	pkg.Warnings = append(pkg.Warnings, l.warnings...)
	if pkg.ClientSpec, err = buildClient(doc, pkg, byName); err != nil {
		return nil, err
	}
	if pkg.Servers, err = servers(doc.Root, byName); err != nil {
		return nil, err
	}
	if protos := otherProtocols(pkg.Servers); protos != "" {
		pkg.NoClient = fmt.Sprintf("the document's servers speak %s, not WebSocket", protos)
		pkg.Doc = strings.TrimSpace(pkg.Doc + "\n\nNo typed client is generated: " + pkg.NoClient + ". The types, decoders, validators and dispatchers work on frames from any transport.")
		pkg.Warnings = append(pkg.Warnings, fmt.Sprintf("%s: no client: %s; types, validators and dispatchers only", doc.Root.Loc.File, pkg.NoClient))
	}
	if pkg.Schema, err = bundle(doc, pkg, l.checker); err != nil {
		return nil, err
	}
	rules, err := BridgeRules(doc)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if r.Template != "" || r.Dedupe != "" {
			pkg.Bridge = rules
			break
		}
	}
	return pkg, nil
}

func messageDoc(n *spec.Node, t *Type) string {
	doc := t.Doc
	for _, k := range []string{"description", "summary", "title"} {
		if s := n.Get(k).Str(); s != "" {
			doc = s
			break
		}
	}
	if deprecated(n) && !strings.Contains(doc, "Deprecated: ") {
		doc = withDeprecation(doc, "message")
	}
	return doc
}

// renameValue gives a new name to the named type (enum, union, or a
// nullable struct) that a payload which is not a struct lowered to under
// the message's name: that name belongs to the message's wrapper type.
// The type takes its component name, or <Message>Value.
func (l *lowerer) renameValue(payload *spec.Node, msg string, t *Type) error {
	inner := t
	if inner.Kind == Nullable {
		inner = inner.Elem
	}
	if !inner.Kind.Named() || inner.Name != msg {
		return nil
	}
	name := msg + "Value"
	if target, err := l.deref(payload); err == nil {
		if c := componentName(target); c != "" && c != msg {
			name = c
			if strings.ToUpper(c[:1]) != c[:1] {
				name = GoName(c)
			}
		}
	}
	if prev, ok := l.named[name]; ok && prev != inner {
		return payload.Errorf("message %s: its payload type would be named %s, which %s already is", msg, name, prev.Loc)
	}
	delete(l.named, msg)
	inner.Name = name
	l.named[name] = inner
	for _, b := range inner.Branches {
		if b.GoName != "" {
			b.GoName = name + strings.TrimPrefix(b.GoName, msg)
		}
	}
	return nil
}

// direction collects the messages one side sends. A side that sends none
// has a nil Root: its decoder reports every frame as unknown.
func direction(name, goName string, msgs []*spec.Message, byName map[string]*Message) (*Direction, error) {
	d := &Direction{Name: name, GoName: goName}
	for _, m := range msgs {
		d.Messages = append(d.Messages, byName[m.Key])
	}
	if len(d.Messages) == 0 {
		return d, nil
	}
	var closed, open []*Message
	for _, m := range d.Messages {
		if m.Open {
			open = append(open, m)
		} else {
			closed = append(closed, m)
		}
	}
	if len(closed) == 0 {
		closed, open = open, nil // a catch-all alone is just a message
	}
	d.Root = split(closed, map[string]bool{})
	for _, m := range open {
		if err := attachOpen(&d.Root, m); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// openKey finds the property a catch-all message stands apart by: the one
// required top-level property whose schema is not: {enum: [...]} or not:
// {const: ...}, and the values it excludes.
func (l *lowerer) openKey(payload *spec.Node, name string) (string, []string, error) {
	fail := func(n *spec.Node) (string, []string, error) {
		return "", nil, n.Errorf("x-wsbind-open %s: its schema needs exactly one required property whose schema is not: {enum: [...]}, listing the values of the others it stands apart from", name)
	}
	if payload == nil {
		return "", nil, fmt.Errorf("x-wsbind-open %s has no payload", name)
	}
	n, err := l.deref(payload)
	if err != nil {
		return "", nil, err
	}
	props := n.Get("properties")
	if props == nil {
		return fail(n)
	}
	var key string
	var excl []string
	for i, k := range props.Keys {
		p, err := l.deref(props.Values[i])
		if err != nil {
			return "", nil, err
		}
		not := p.Get("not")
		if not == nil {
			continue
		}
		if not, err = l.deref(not); err != nil {
			return "", nil, err
		}
		var vals []string
		if e := not.Get("enum"); e != nil {
			for _, it := range e.Items {
				if s, ok := it.Scalar.(string); ok {
					vals = append(vals, s)
				}
			}
		} else if c, ok := not.Get("const").Scalar.(string); ok {
			vals = []string{c}
		}
		if len(vals) == 0 {
			continue
		}
		if key != "" {
			return fail(n)
		}
		key, excl = k, vals
	}
	req := n.Get("required")
	if key == "" || req == nil || !slices.ContainsFunc(req.Items, func(it *spec.Node) bool { return it.Str() == key }) {
		return fail(n)
	}
	return key, excl, nil
}

// attachOpen places catch-all message m in the dispatch tree: down the
// cases its own const properties select, to the switch on its OpenKey,
// whose Default it becomes. Every value a case there takes must be one
// m's schema excludes, or a frame could match two messages.
func attachOpen(root **Switch, m *Message) error {
	at := m.openAt
	for swp := root; ; {
		sw := *swp
		switch {
		case sw.Message != nil:
			vals := discValues(sw.Message.Type, m.OpenKey)
			if vals == nil {
				return at.Errorf("x-wsbind-open message %s: message %s, which frames like it reach, has no const %s to stand apart from", m.Name, sw.Message.Name, m.OpenKey)
			}
			*swp = &Switch{Key: m.OpenKey, Cases: []*Case{{Values: vals, Next: sw}}}
		case sw.Key == m.OpenKey && !sw.Presence && !sw.ByType && len(sw.Candidates) == 0:
			for _, c := range sw.Cases {
				for _, v := range c.Values {
					if !slices.Contains(m.Excludes, v) {
						return at.Errorf("x-wsbind-open message %s: its %s must exclude %q, a value another message has: add it to its not: enum", m.Name, m.OpenKey, v)
					}
				}
			}
			if sw.Default != nil {
				return at.Errorf("x-wsbind-open messages %s and %s both take the unknown values of %s", sw.Default.Name, m.Name, m.OpenKey)
			}
			sw.Default = m
			return nil
		case sw.Key != "" && !sw.Presence && !sw.ByType && len(sw.Candidates) == 0:
			vals := discValues(m.Type, sw.Key)
			if vals == nil {
				return at.Errorf("x-wsbind-open message %s: the others are told apart by %s first, which it has no const for", m.Name, sw.Key)
			}
			var next **Switch
			for _, c := range sw.Cases {
				switch overlap(c.Values, vals) {
				case 2:
					next = &c.Next
				case 1:
					return at.Errorf("x-wsbind-open message %s: its %s values overlap those of other messages without being equal", m.Name, sw.Key)
				}
			}
			if next == nil {
				sw.Cases = append(sw.Cases, &Case{Values: vals, Next: &Switch{Key: m.OpenKey, Default: m}})
				return nil
			}
			swp = next
		default:
			return at.Errorf("x-wsbind-open message %s: the others are told apart by presence, JSON type or validation, not by a const property it could stand apart from", m.Name)
		}
	}
}

// split builds the dispatch tree for msgs, using a const property that
// splits the set (rule 1 and 2 of specs/README.md) or, failing that,
// presence of a property only one message declares (rule 3). A set with a
// payload that is not an object is split by JSON type first. A set none of
// these tells apart becomes a leaf of candidates, chosen by validation
// (rule 4).
func split(msgs []*Message, used map[string]bool) *Switch {
	if len(msgs) == 1 {
		return &Switch{Message: msgs[0]}
	}
	for _, m := range msgs {
		if m.Wrapped() {
			return splitByType(msgs, used)
		}
	}
	for _, key := range splitKeys(msgs) {
		if used[key] {
			continue
		}
		groups, ok := groupBy(msgs, key)
		if !ok || len(groups) < 2 {
			continue
		}
		sw := &Switch{Key: key}
		next := map[string]bool{key: true}
		for k := range used {
			next[k] = true
		}
		for _, g := range groups {
			sw.Cases = append(sw.Cases, &Case{Values: g.values, Next: split(g.msgs, next)})
		}
		return sw
	}
	// Presence: each message needs a required property no other declares.
	sw := &Switch{Presence: true}
	for _, m := range msgs {
		key := ""
		for _, f := range m.Type.Fields {
			if !f.Required || used[f.Name] {
				continue
			}
			unique := true
			for _, o := range msgs {
				if o != m && o.Type.field(f.Name) != nil {
					unique = false
				}
			}
			if unique {
				key = f.Name
				break
			}
		}
		if key == "" {
			return &Switch{Candidates: msgs}
		}
		sw.Cases = append(sw.Cases, &Case{Values: []string{key}, Next: &Switch{Message: m}})
	}
	return sw
}

// splitByType splits msgs by the JSON type of the frame: each message's
// payload must admit a known set of JSON types, and two sets must be
// equal or disjoint. Messages sharing the object type are split further by
// the other rules. Integers and numbers count as one type, as a decoder
// cannot tell 1 from 1.0 before reading it.
func splitByType(msgs []*Message, used map[string]bool) *Switch {
	var groups []group
	for _, m := range msgs {
		types := frameTypes(m.Type, map[*Type]bool{})
		if len(types) == 0 {
			return &Switch{Candidates: msgs}
		}
		placed := false
		for i := range groups {
			switch overlap(groups[i].values, types) {
			case 2:
				groups[i].msgs = append(groups[i].msgs, m)
				placed = true
			case 1:
				return &Switch{Candidates: msgs}
			}
		}
		if !placed {
			groups = append(groups, group{values: types, msgs: []*Message{m}})
		}
	}
	if len(groups) < 2 {
		return &Switch{Candidates: msgs}
	}
	sw := &Switch{ByType: true}
	for _, g := range groups {
		sw.Cases = append(sw.Cases, &Case{Values: g.values, Next: split(g.msgs, used)})
	}
	return sw
}

// frameTypes lists the JSON types a value of t may have, integer folded
// into number, sorted; nil when t admits any value or its types are not
// known from the Go type alone (raw JSON under a compiled check).
func frameTypes(t *Type, seen map[*Type]bool) []string {
	var out []string
	add := func(ts ...string) {
		for _, x := range ts {
			if x == "integer" {
				x = "number"
			}
			if !contains(out, x) {
				out = append(out, x)
			}
		}
	}
	switch t.Kind {
	case String, Enum:
		add("string")
	case Int, Float:
		add("number")
	case Bool:
		add("boolean")
	case Slice:
		add("array")
	case Struct, Map:
		add("object")
	case Nullable:
		inner := frameTypes(t.Elem, seen)
		if inner == nil {
			return nil
		}
		add(inner...)
		add("null")
	case Raw:
		if t.Check != nil || len(t.RawTypes) == 0 {
			return nil
		}
		add(t.RawTypes...)
	case Union:
		if seen[t] {
			return nil
		}
		seen[t] = true
		for _, b := range t.Branches {
			bt := frameTypes(b.Type, seen)
			if bt == nil {
				return nil
			}
			add(bt...)
		}
	}
	sort.Strings(out)
	return out
}

// FieldNamed returns the field with wire name name, or nil.
func (t *Type) FieldNamed(name string) *Field { return t.field(name) }

func (t *Type) field(name string) *Field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

type group struct {
	values []string
	msgs   []*Message
}

// groupBy groups msgs by their value set for key. ok is false unless every
// message requires key with const/enum values and any two value sets are
// equal or disjoint.
func groupBy(msgs []*Message, key string) ([]group, bool) {
	var groups []group
	for _, m := range msgs {
		vals := discValues(m.Type, key)
		if vals == nil {
			return nil, false
		}
		placed := false
		for i := range groups {
			switch overlap(groups[i].values, vals) {
			case 2:
				groups[i].msgs = append(groups[i].msgs, m)
				placed = true
			case 1:
				return nil, false
			}
		}
		if !placed {
			groups = append(groups, group{values: vals, msgs: []*Message{m}})
		}
	}
	return groups, true
}

// overlap returns 0 for disjoint sets, 2 for equal ones and 1 otherwise.
func overlap(a, b []string) int {
	common := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				common++
			}
		}
	}
	switch {
	case common == 0:
		return 0
	case common == len(a) && common == len(b):
		return 2
	}
	return 1
}

func servers(root *spec.Node, byName map[string]*Message) ([]Server, error) {
	ss := root.Get("servers")
	if ss == nil {
		return nil, nil
	}
	var out []Server
	for i, name := range ss.Keys {
		n := ss.Values[i]
		ext, err := spec.Extensions(n, serverExtensions...)
		if err != nil {
			return nil, err
		}
		s := Server{
			Name:       name,
			URL:        n.Get("protocol").Str() + "://" + n.Get("host").Str() + n.Get("pathname").Str(),
			Doc:        n.Get("description").Str(),
			Extensions: map[string][]byte{},
		}
		if a := n.Get("x-wsbind-auth"); a != nil {
			if s.Auth, err = parseAuth(a, byName); err != nil {
				return nil, err
			}
		}
		keys := make([]string, 0, len(ext))
		for k := range ext {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b, err := json.Marshal(ext[k].JSON(nil))
			if err != nil {
				return nil, err
			}
			s.Extensions[k] = b
		}
		out = append(out, s)
	}
	return out, nil
}

// channelDirections builds each channel's directions when more than one
// channel carries messages.
func channelDirections(doc *spec.Document, byName map[string]*Message) ([]*ChannelDirections, error) {
	var used []*spec.Channel
	for _, ch := range doc.Channels {
		if len(ch.Messages) > 0 {
			used = append(used, ch)
		}
	}
	if len(used) < 2 {
		return nil, nil
	}
	var out []*ChannelDirections
	seen := map[string]string{}
	for _, ch := range used {
		suffix := "On" + GoName(ch.Key)
		if prev, ok := seen[suffix]; ok {
			return nil, ch.Node.Errorf("channels %s and %s would both be named %s", prev, ch.Key, suffix)
		}
		seen[suffix] = ch.Key
		cd := &ChannelDirections{Key: ch.Key, Address: ch.Address}
		var err error
		if cd.Server, err = direction("server", "ServerMessage", ch.Receive, byName); err != nil {
			return nil, err
		}
		if cd.Client, err = direction("client", "ClientMessage", ch.Send, byName); err != nil {
			return nil, err
		}
		for _, d := range []*Direction{cd.Server, cd.Client} {
			d.Channel, d.Address, d.Suffix = ch.Key, ch.Address, suffix
		}
		out = append(out, cd)
	}
	return out, nil
}

// otherProtocols lists the servers' protocols when none is WebSocket; ""
// when one is, or when the document names no server (the caller gives
// the URL).
func otherProtocols(servers []Server) string {
	var other []string
	for _, s := range servers {
		proto, _, _ := strings.Cut(s.URL, "://")
		switch proto {
		case "ws", "wss":
			return ""
		}
		if !contains(other, proto) {
			other = append(other, proto)
		}
	}
	return strings.Join(other, ", ")
}

// splitKeys lists the properties that may split msgs, in the order they
// are tried: the AsyncAPI discriminators the messages declare, then the
// first message's properties.
func splitKeys(msgs []*Message) []string {
	var keys []string
	for _, m := range msgs {
		if m.Discriminator != "" && !contains(keys, m.Discriminator) {
			keys = append(keys, m.Discriminator)
		}
	}
	for _, f := range msgs[0].Type.Fields {
		if !contains(keys, f.Name) {
			keys = append(keys, f.Name)
		}
	}
	return keys
}

// discriminator is the AsyncAPI discriminator property of the schema at n,
// declared on it or on one of its allOf parts.
func (l *lowerer) discriminator(n *spec.Node) string {
	return l.discriminatorAt(n, 0)
}

func (l *lowerer) discriminatorAt(n *spec.Node, depth int) string {
	n, err := l.deref(n)
	if err != nil || n == nil || depth > 32 { // allOf may lead back to itself
		return ""
	}
	if d := n.Get("discriminator").Str(); d != "" {
		return d
	}
	if all := n.Get("allOf"); all != nil {
		for _, part := range all.Items {
			if d := l.discriminatorAt(part, depth+1); d != "" {
				return d
			}
		}
	}
	return ""
}

// LoweringError holds every error met lowering a document's messages and
// components, so that a caller can report them with the loader's.
type LoweringError struct{ Errs []error }

func (e *LoweringError) Error() string { return spec.JoinInOrder(e.Errs).Error() }

// Unwrap returns the errors, for errors.Is and errors.As.
func (e *LoweringError) Unwrap() []error { return e.Errs }

// BuildLoaded lowers a document spec.LoadWith returned along with loadErr:
// when the loader found errors, they are reported together with those of
// the document's schemas, in line order, so that one run names every
// problem; nothing else of a broken document is.
func BuildLoaded(doc *spec.Document, loadErr error) (*Package, error) {
	if doc == nil {
		return nil, loadErr
	}
	pkg, err := Build(doc)
	if loadErr == nil {
		return pkg, err
	}
	all := unwrapAll(loadErr)
	var le *LoweringError
	if errors.As(err, &le) {
		all = append(all, le.Errs...)
	}
	return nil, spec.JoinInOrder(all)
}

// unwrapAll lists the errors an errors.Join holds, or err alone.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
