package ir

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/wsbind/wsbind/gen/schema"
	"github.com/wsbind/wsbind/gen/spec"
)

// bundle writes one self-contained JSON Schema (draft 7) for the package:
// a definition per message and per referenced component schema, every $ref
// rewritten to "#/definitions/<name>", and one definition per direction
// ("ServerMessage", "ClientMessage") that accepts exactly the frames the
// generated decoder matches to a message. Annotations are dropped; the
// validating keywords are kept as written, so santhosh-tekuri/jsonschema
// judges the very schema the generator lowered.
func bundle(doc *spec.Document, pkg *Package, c *schema.Compiler) ([]byte, error) {
	b := &bundler{loader: doc.Loader, compiler: c, defs: map[string]any{}, names: map[*spec.Node]string{}, taken: map[string]bool{}}
	aliases := map[string]string{}
	for _, m := range doc.Messages {
		b.taken[m.Key] = true
		if m.Payload == nil {
			continue
		}
		// Compiled here if lowering did not need to: the compiler knows
		// the base URI in effect at every node, which $refs resolve with.
		if _, err := c.Compile(m.Payload); err != nil {
			return nil, err
		}
		target, err := c.Target(m.Payload)
		if err != nil {
			return nil, err
		}
		if first, shared := b.names[target]; shared {
			aliases[m.Key] = first // two messages, one payload schema
			continue
		}
		b.names[target] = m.Key
	}
	for _, m := range doc.Messages {
		if m.Payload == nil {
			b.defs[m.Key] = true
			continue
		}
		if first, ok := aliases[m.Key]; ok {
			b.defs[m.Key] = map[string]any{"$ref": "#/definitions/" + first}
			continue
		}
		if _, err := b.ref(m.Payload); err != nil {
			return nil, err
		}
	}
	for _, d := range []*Direction{pkg.Server, pkg.Client} {
		if d.Root == nil {
			b.defs[d.GoName] = false // the side sends nothing: no frame is valid
			continue
		}
		b.defs[d.GoName] = map[string]any{"oneOf": directionBranches(d.Root)}
	}
	out := map[string]any{
		"$schema":     "http://json-schema.org/draft-07/schema#",
		"$id":         "https://wsbind.dev/schemas/" + pkg.Name + ".json",
		"definitions": b.defs,
	}
	return json.Marshal(out)
}

// directionBranches lists one branch per message. Messages told apart by
// presence also forbid their siblings' keys, mirroring the decoder, which
// treats a frame carrying two such keys as matching neither.
func directionBranches(sw *Switch) []any {
	if sw.Message != nil {
		return []any{map[string]any{"$ref": "#/definitions/" + sw.Message.Name}}
	}
	if len(sw.Candidates) > 0 {
		// The decoder keeps the one candidate the frame satisfies: oneOf.
		var out []any
		for _, m := range sw.Candidates {
			out = append(out, map[string]any{"$ref": "#/definitions/" + m.Name})
		}
		return out
	}
	var out []any
	for _, c := range sw.Cases {
		sub := directionBranches(c.Next)
		if !sw.Presence {
			out = append(out, sub...)
			continue
		}
		var others []any
		for _, o := range sw.Cases {
			if o != c {
				others = append(others, map[string]any{"required": []string{o.Values[0]}})
			}
		}
		for _, s := range sub {
			out = append(out, map[string]any{
				"allOf":    []any{s},
				"required": []string{c.Values[0]},
				"not":      map[string]any{"anyOf": others},
			})
		}
	}
	if sw.Default != nil {
		out = append(out, map[string]any{"$ref": "#/definitions/" + sw.Default.Name})
	}
	return out
}

type bundler struct {
	loader   *spec.Loader
	compiler *schema.Compiler
	defs     map[string]any
	names    map[*spec.Node]string
	taken    map[string]bool
}

// defName names a definition for a schema outside components/schemas (a
// definitions entry, a file of its own, a subschema reached by pointer):
// its last pointer segment or file name, made unique.
func (b *bundler) defName(target *spec.Node) string {
	base := target.Loc.Pointer[strings.LastIndexByte(target.Loc.Pointer, '/')+1:]
	if base == "" {
		f := target.Loc.File
		base = strings.TrimSuffix(f[strings.LastIndexAny(f, "/\\")+1:], ".json")
	}
	name := GoName(base)
	for i := 2; b.taken[name]; i++ {
		name = fmt.Sprintf("%s%d", GoName(base), i)
	}
	b.taken[name] = true
	return name
}

// ref returns a "$ref" object for the named schema at n, adding its
// definition on first use.
func (b *bundler) ref(n *spec.Node) (map[string]any, error) {
	target, err := b.compiler.Target(n)
	if err != nil {
		return nil, err
	}
	name, ok := b.names[target]
	if !ok {
		name = componentName(target)
		if name == "" || b.taken[name] {
			name = b.defName(target)
		}
		b.taken[name] = true
		b.names[target] = name
	}
	if _, done := b.defs[name]; !done {
		b.defs[name] = nil // placeholder against cycles
		body, err := b.convert(target)
		if err != nil {
			return nil, err
		}
		b.defs[name] = body
	}
	return map[string]any{"$ref": "#/definitions/" + name}, nil
}

var annotations = map[string]bool{
	"description": true, "title": true, "examples": true, "default": true, "deprecated": true,
}

// convert turns a schema node into plain JSON values, rewriting $refs.
func (b *bundler) convert(n *spec.Node) (any, error) {
	switch n.Kind {
	case spec.ScalarKind:
		return n, nil // the node marshals a number as written: 1e400, big integers
	case spec.Sequence:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			v, err := b.convert(it)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	if n.Get("$ref") != nil {
		return b.ref(n)
	}
	out := map[string]any{}
	for i, k := range n.Keys {
		v := n.Values[i]
		switch {
		case annotations[k] || strings.HasPrefix(k, "x-"):
			continue
		case k == "$id" || k == "$schema":
			// Every $ref is rewritten to a definition of the bundle, so a
			// base URI of the source would only mislead the reader.
			continue
		case k == "properties" && out["properties"] == nil:
			props := map[string]any{}
			for j, pk := range v.Keys {
				pv, err := b.convert(v.Values[j])
				if err != nil {
					return nil, err
				}
				props[pk] = pv
			}
			out[k] = props
		case k == "const":
			out[k] = v // a value, not a schema; numbers kept as written
		case k == "enum" && v.Kind == spec.Sequence:
			vals := make([]any, 0, len(v.Items)+1)
			hasNull := false
			for _, it := range v.Items {
				vals = append(vals, it)
				hasNull = hasNull || (it.Kind == spec.ScalarKind && it.Scalar == nil)
			}
			if _, nullable, _ := schemaTypes(n); nullable && !hasNull {
				vals = append(vals, nil) // as the Go type's Nullable wrapper accepts
			}
			out[k] = vals
		case k == "properties" && out["properties"] != nil:
			props := out["properties"].(map[string]any)
			for j, pk := range v.Keys {
				pv, err := b.convert(v.Values[j])
				if err != nil {
					return nil, err
				}
				props[pk] = pv
			}
		default:
			cv, err := b.convert(v)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
	}
	return out, nil
}

// DefinitionNames lists the bundle's definitions, for tests.
func DefinitionNames(schema []byte) ([]string, error) {
	var doc struct {
		Definitions map[string]json.RawMessage `json:"definitions"`
	}
	if err := json.Unmarshal(schema, &doc); err != nil {
		return nil, fmt.Errorf("schema bundle: %w", err)
	}
	var out []string
	for k := range doc.Definitions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}
