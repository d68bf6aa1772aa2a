package interp

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/runtime/wire"
)

// notes walks a decoded frame along its message's IR type and records
// what the generated decoder records beside violations, at the same
// pointers and with the same words: undeclared properties of open objects
// (drift, when collected), deprecated properties and schemas, and values
// an open enum does not list. Violations are jsonschema's business; where
// the value does not fit the type, the walk stops, as the decoder does.
func notes(t *ir.Type, v any, s *wire.Scope, depth int) {
	if depth > 512 { // deeper than any decoder goes; recursive schemas
		return
	}
	switch t.Kind {
	case ir.Nullable:
		if v != nil {
			notes(t.Elem, v, s, depth+1)
		}
	case ir.Enum:
		if str, ok := v.(string); ok && t.Open && !slices.Contains(t.Values, str) {
			wire.UnknownValue(s, "", quoteList(t.Values))
		}
	case ir.Slice:
		items, _ := v.([]any)
		for i, it := range items {
			s.PushIndex(i)
			notes(t.Elem, it, s, depth+1)
			s.Pop()
		}
	case ir.Map:
		obj, _ := v.(map[string]any)
		for _, k := range sortedKeys(obj) {
			s.Push(k)
			notes(t.Elem, obj[k], s, depth+1)
			s.Pop()
		}
	case ir.Union:
		if b := branchOf(t, v); b != nil {
			if b.Open {
				if obj, ok := v.(map[string]any); ok {
					if _, isStr := obj[t.Disc].(string); isStr {
						wire.UnknownVariant(s, t.Disc, b.Type.Name)
					}
				}
			}
			notes(b.Type, v, s, depth+1)
		}
	case ir.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		if t.Deprecated {
			s.Note(wire.NoteDeprecated, "the spec marks "+t.Name+" deprecated")
		}
		for _, k := range sortedKeys(obj) {
			f := t.FieldNamed(k)
			if f == nil {
				if !t.Closed {
					s.Unknown([]byte(k), false)
				}
				continue
			}
			if f.Deprecated {
				s.NoteAt(k, wire.NoteDeprecated, "the spec marks this property deprecated")
			}
			s.Push(k)
			notes(f.Type, obj[k], s, depth+1)
			s.Pop()
		}
	}
}

// branchOf is the branch of union t that v takes: by its discriminator
// property, or by its JSON type.
func branchOf(t *ir.Type, v any) *ir.Branch {
	if t.Disc != "" {
		obj, isObj := v.(map[string]any)
		tag, _ := obj[t.Disc].(string)
		var open *ir.Branch
		for _, b := range t.Branches {
			if b.Open {
				open = b
			} else if slices.Contains(b.Values, tag) && isObj {
				return b
			}
		}
		if !isObj {
			return nil
		}
		return open
	}
	jt := jsonType(v)
	for _, b := range t.Branches {
		if b.JSONType == jt || (b.JSONType == "integer" && jt == "number") || (b.JSONType == "number" && jt == "number") {
			return b
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// quoteList is the generated code's list of values in messages.
func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}
