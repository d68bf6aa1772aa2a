package ir

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/wsbind/wsbind/gen/spec"
)

// bundle writes one self-contained JSON Schema (draft 7) for the package:
// a definition per message and per referenced component schema, every $ref
// rewritten to "#/definitions/<name>", and one definition per direction
// ("ServerMessage", "ClientMessage") that accepts exactly the frames the
// generated decoder matches to a message. Annotations are dropped; the
// validating keywords are kept as written, so santhosh-tekuri/jsonschema
// judges the very schema the generator lowered.
func bundle(doc *spec.Document, pkg *Package) ([]byte, error) {
	b := &bundler{loader: doc.Loader, defs: map[string]any{}, names: map[*spec.Node]string{}}
	for _, m := range doc.Messages {
		target, err := doc.Loader.Deref(m.Payload)
		if err != nil {
			return nil, err
		}
		b.names[target] = m.Key
	}
	for _, m := range doc.Messages {
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
	return out
}

type bundler struct {
	loader *spec.Loader
	defs   map[string]any
	names  map[*spec.Node]string
}

// ref returns a "$ref" object for the named schema at n, adding its
// definition on first use.
func (b *bundler) ref(n *spec.Node) (map[string]any, error) {
	target, err := b.loader.Deref(n)
	if err != nil {
		return nil, err
	}
	name, ok := b.names[target]
	if !ok {
		name = componentName(target)
		if name == "" {
			return nil, n.Errorf("$ref must point at components/schemas/<name>")
		}
		for other, used := range b.names {
			if used == name && other != target {
				return nil, n.Errorf("schema name %s is defined in two files (%s)", name, other.Loc)
			}
		}
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
		return n.Scalar, nil
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
			out[k] = v.JSON(nil) // a value, not a schema
		case k == "enum":
			vals := v.JSON(nil).([]any)
			if _, nullable, _ := schemaTypes(n); nullable && !containsNil(vals) {
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

func containsNil(vals []any) bool {
	for _, v := range vals {
		if v == nil {
			return true
		}
	}
	return false
}
