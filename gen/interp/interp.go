// Package interp runs an AsyncAPI document without generating code: the
// second back end of the generator's IR. It builds the same ir.Package as
// gen, then decodes frames by walking the same dispatch tree and checks
// them with santhosh-tekuri/jsonschema v5 against the same bundle the
// generated package embeds. `wsbind validate --spec` and `wsbind mock
// --spec` use it, so a user's own spec works with no Go toolchain.
//
// Generated code is the fast path; this is the faithful one. A test holds
// the two to the same verdicts on the JSON-Schema-Test-Suite, the built-in
// providers' captures and the public corpus.
package interp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/runtime/schemacheck"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Spec is a document ready to run: its provider, whose codecs interpret
// it, plus what a mock needs to answer requests.
type Spec struct {
	*wire.Provider
	// Replies names, per client message, the server messages that answer
	// it; Correlation the JSON pointer of each message's correlation id.
	Replies     map[string][]string
	Correlation map[string]string
	// Warnings are what gen would print about the document.
	Warnings []string
	// Document and Package are the loaded document and its IR, for
	// callers that need more of it (servers, channels, secrets).
	Document *spec.Document
	Package  *ir.Package
}

// Options say how to read a document, as gen.Options do.
type Options struct {
	// Describes overrides the document's x-wsbind-describes.
	Describes string
	// Remotes maps absolute URI prefixes of $refs to local files or folders.
	Remotes map[string]string
	// Package names the provider (default: from the file name).
	Package string
}

// LoadSpec reads the document at path like Load, keeping replies and
// correlation ids.
func LoadSpec(path string, opt Options) (*Spec, error) {
	doc, pkg, err := build(path, opt)
	if err != nil {
		return nil, err
	}
	p, err := FromPackage(pkg)
	if err != nil {
		return nil, err
	}
	s := &Spec{Provider: p, Replies: map[string][]string{}, Correlation: map[string]string{}, Warnings: pkg.Warnings, Document: doc, Package: pkg}
	for _, m := range pkg.Messages {
		for _, r := range m.Replies {
			s.Replies[m.Name] = append(s.Replies[m.Name], r.Name)
		}
		if len(m.Correlation) > 0 {
			s.Correlation[m.Name] = "/" + strings.Join(m.Correlation, "/")
		}
	}
	return s, nil
}

func build(path string, opt Options) (*spec.Document, *ir.Package, error) {
	l := spec.NewLoader()
	l.Remotes = opt.Remotes
	doc, err := spec.LoadWith(l, path, spec.Options{Describes: opt.Describes})
	pkg, err := ir.BuildLoaded(doc, err)
	if err != nil {
		return nil, nil, err
	}
	if opt.Package != "" {
		pkg.Name = opt.Package
	}
	return doc, pkg, nil
}

// Load reads the document at path (AsyncAPI 3.x, or 2.x converted) and
// returns a provider whose codecs interpret it. Warnings are what gen
// would print. opt's Describes and Remotes apply; Package names the
// provider.
func Load(path string, opt Options) (*wire.Provider, []string, error) {
	_, pkg, err := build(path, opt)
	if err != nil {
		return nil, nil, err
	}
	p, err := FromPackage(pkg)
	return p, pkg.Warnings, err
}

// FromPackage builds a provider from an IR package.
func FromPackage(pkg *ir.Package) (*wire.Provider, error) {
	chk, err := schemacheck.New(pkg.Schema)
	if err != nil {
		return nil, err
	}
	in := &interp{pkg: pkg, schemas: map[string]*jsonschema.Schema{}}
	for _, m := range pkg.Messages {
		s, err := chk.Definition(m.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		in.schemas[m.Name] = s
	}
	p := &wire.Provider{
		Name:   pkg.Name,
		Title:  pkg.Title,
		Server: in.codec(pkg.Server),
		Client: in.codec(pkg.Client),
		Schema: pkg.Schema,
	}
	for _, c := range pkg.Channels {
		p.Server.Channels = append(p.Server.Channels, in.codec(c.Server))
		p.Client.Channels = append(p.Client.Channels, in.codec(c.Client))
	}
	for _, m := range pkg.Messages {
		for _, ex := range m.Examples {
			if m.Server {
				p.Examples = append(p.Examples, wire.Example{Message: m.Name, Direction: "server", Name: ex.Name, JSON: string(ex.JSON)})
			}
			if m.Client {
				p.Examples = append(p.Examples, wire.Example{Message: m.Name, Direction: "client", Name: ex.Name, JSON: string(ex.JSON)})
			}
		}
	}
	for _, s := range pkg.Servers {
		ext := map[string]string{}
		for k, v := range s.Extensions {
			ext[k] = string(v)
		}
		p.Servers = append(p.Servers, wire.Server{Name: s.Name, URL: s.URL, Extensions: ext})
	}
	p.Events = events(pkg)
	// As gen writes into a generated package: wsbind-bridge names and
	// deduplicates events by them.
	for _, r := range pkg.Bridge {
		p.Bridge = append(p.Bridge, wire.BridgeRule{Message: r.Message, Token: r.Token, Subject: r.Template, Dedupe: r.Dedupe})
	}
	return p, nil
}

// events are the server messages sent unasked: not a reply to any client
// message and not an error.
func events(pkg *ir.Package) []string {
	replies := map[*ir.Message]bool{}
	for _, m := range pkg.Messages {
		for _, r := range m.Replies {
			replies[r] = true
		}
	}
	var out []string
	for _, m := range pkg.Server.Messages {
		if !replies[m] && m.Error == nil {
			out = append(out, m.Name)
		}
	}
	return out
}

type interp struct {
	pkg     *ir.Package
	schemas map[string]*jsonschema.Schema
}

func (in *interp) codec(d *ir.Direction) *wire.Codec {
	// encoding/json keeps a repeated key's last value without a word:
	// Check scans the frame for them instead.
	c := &wire.Codec{Protocol: in.pkg.Name, Direction: d.Name, Channel: d.Channel, Address: d.Address, ScanDuplicates: true}
	for _, m := range d.Messages {
		c.Messages = append(c.Messages, m.Name)
		if m.Deprecated {
			c.Deprecated = append(c.Deprecated, m.Name)
		}
	}
	c.Decode = func(frame []byte, s *wire.Scope) (wire.Message, error) {
		v, err := schemacheck.Decode(frame)
		if err != nil {
			return nil, err
		}
		if d.Root == nil {
			s.Violate("oneOf", "matches no "+d.Name+" message of the spec: it lists none")
			return &wire.Unknown{Raw: frame}, nil
		}
		m, err := in.route(d, d.Root, frame, v, s)
		if im, ok := m.(*Message); ok && err == nil {
			notes(im.typ, v, s, 0)
		}
		return m, err
	}
	return c
}

// route walks the dispatch tree as the generated decoder does.
func (in *interp) route(d *ir.Direction, sw *ir.Switch, frame []byte, v any, s *wire.Scope) (wire.Message, error) {
	switch {
	case sw.Message != nil:
		return in.message(sw.Message, frame, v), nil
	case len(sw.Candidates) > 0:
		cands := make([]wire.Candidate, len(sw.Candidates))
		for i, m := range sw.Candidates {
			cands[i] = wire.Candidate{Name: m.Name, Decode: func([]byte, *wire.Scope) (wire.Message, error) {
				return in.message(m, frame, v), nil
			}}
		}
		m, err := wire.Pick(frame, s, d.Name, cands)
		if err != nil || m != nil {
			return m, err
		}
		return &wire.Unknown{Raw: frame}, nil
	}
	var next *ir.Switch
	obj, isObj := v.(map[string]any)
	switch {
	case sw.ByType:
		t := jsonType(v)
		for _, c := range sw.Cases {
			for _, want := range c.Values {
				if want == t || (want == "integer" && t == "number") {
					next = c.Next
				}
			}
		}
	case sw.Presence:
		found := 0
		for _, c := range sw.Cases {
			if _, ok := obj[c.Values[0]]; isObj && ok {
				next, found = c.Next, found+1
			}
		}
		if found != 1 {
			next = nil // two such keys match neither, as in the decoder
		}
	default:
		tag, isStr := obj[sw.Key].(string)
		if isObj && isStr {
			for _, c := range sw.Cases {
				for _, want := range c.Values {
					if want == tag {
						next = c.Next
					}
				}
			}
		}
		if next == nil && sw.Default != nil {
			if isObj && isStr {
				wire.UnknownVariant(s, sw.Key, sw.Default.Name)
			}
			next = &ir.Switch{Message: sw.Default}
		}
	}
	if next == nil {
		s.Violate("oneOf", "matches no "+d.Name+" message of the spec")
		return &wire.Unknown{Raw: frame}, nil
	}
	return in.route(d, next, frame, v, s)
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}

func (in *interp) message(m *ir.Message, frame []byte, v any) *Message {
	return &Message{name: m.Name, raw: frame, value: v, schema: in.schemas[m.Name], typ: m.Type}
}

// Message is a frame the interpreter matched to a message of the spec.
type Message struct {
	name   string
	raw    []byte
	value  any
	schema *jsonschema.Schema
	typ    *ir.Type
}

// MessageName is the message's name in the spec.
func (m *Message) MessageName() string { return m.name }

// RawFrame is the frame as received.
func (m *Message) RawFrame() []byte { return m.raw }

// Value is the frame decoded as plain JSON values (json.Number for numbers).
func (m *Message) Value() any { return m.value }

// Validate checks the frame against the message's schema with
// santhosh-tekuri/jsonschema: every keyword, every violation.
func (m *Message) Validate() error {
	vs := schemacheck.ValidateValue(m.schema, m.value)
	if len(vs) == 0 {
		return nil
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Pointer < vs[j].Pointer })
	return &wire.ValidationError{Type: m.name, Violations: vs}
}

// MarshalJSON returns the frame as received.
func (m *Message) MarshalJSON() ([]byte, error) { return m.raw, nil }
