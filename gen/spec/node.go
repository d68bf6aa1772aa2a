// Package spec loads AsyncAPI 3 documents written in YAML or JSON, keeps
// their key order and source positions, and resolves $ref within and
// across files. It knows AsyncAPI and JSON Schema, not Go.
package spec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Node is one value of a document: a mapping (ordered), a sequence or a
// scalar. Loc says where it came from.
type Node struct {
	Keys   []string
	Values []*Node
	Items  []*Node
	Scalar any // string, int, float64, bool or nil for scalars
	Kind   Kind
	Loc    Loc
}

// Kind is the shape of a Node.
type Kind int

// Node kinds.
const (
	Mapping Kind = iota
	Sequence
	ScalarKind
)

// Loc is a position in a source file plus the JSON pointer of the value.
type Loc struct {
	File    string
	Pointer string
	Line    int
	Col     int
}

func (l Loc) String() string {
	return fmt.Sprintf("%s:%d:%d (#%s)", l.File, l.Line, l.Col, l.Pointer)
}

// Get returns the value of key in a mapping, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Mapping {
		return nil
	}
	for i, k := range n.Keys {
		if k == key {
			return n.Values[i]
		}
	}
	return nil
}

// Str returns a scalar string, or "".
func (n *Node) Str() string {
	if n == nil || n.Kind != ScalarKind {
		return ""
	}
	s, _ := n.Scalar.(string)
	return s
}

// Lookup follows a JSON pointer ("/a/b/0") from n.
func (n *Node) Lookup(ptr string) *Node {
	if ptr == "" {
		return n
	}
	cur := n
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch {
		case cur == nil:
			return nil
		case cur.Kind == Mapping:
			cur = cur.Get(tok)
		case cur.Kind == Sequence:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Items) {
				return nil
			}
			cur = cur.Items[i]
		default:
			return nil
		}
	}
	return cur
}

// Errorf makes an error that points at n's source position.
func (n *Node) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s", n.Loc, fmt.Sprintf(format, args...))
}

// JSON returns the node as plain Go values (map[string]any, []any,
// scalars) for encoding; keys starting with a prefix in drop are left out.
func (n *Node) JSON(drop func(key string) bool) any {
	switch n.Kind {
	case Mapping:
		m := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			if drop != nil && drop(k) {
				continue
			}
			m[k] = n.Values[i].JSON(drop)
		}
		return m
	case Sequence:
		s := make([]any, len(n.Items))
		for i, it := range n.Items {
			s[i] = it.JSON(drop)
		}
		return s
	default:
		return n.Scalar
	}
}

// MarshalJSON encodes the node with mapping keys in document order, so that
// examples reach mocks, captures and benchmarks as the spec (and the
// provider's docs it follows) writes them, not alphabetically.
func (n *Node) MarshalJSON() ([]byte, error) {
	switch n.Kind {
	case Mapping:
		b := []byte{'{'}
		for i, k := range n.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			kb, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			vb, err := n.Values[i].MarshalJSON()
			if err != nil {
				return nil, err
			}
			b = append(append(append(b, kb...), ':'), vb...)
		}
		return append(b, '}'), nil
	case Sequence:
		b := []byte{'['}
		for i, it := range n.Items {
			if i > 0 {
				b = append(b, ',')
			}
			vb, err := it.MarshalJSON()
			if err != nil {
				return nil, err
			}
			b = append(b, vb...)
		}
		return append(b, ']'), nil
	default:
		return json.Marshal(n.Scalar)
	}
}

func fromYAML(file string, y *yaml.Node, ptr string) (*Node, error) {
	for y.Kind == yaml.DocumentNode && len(y.Content) == 1 {
		y = y.Content[0]
	}
	loc := Loc{File: file, Pointer: ptr, Line: y.Line, Col: y.Column}
	switch y.Kind {
	case yaml.MappingNode:
		n := &Node{Kind: Mapping, Loc: loc}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i].Value
			for _, seen := range n.Keys {
				if seen == k {
					return nil, fmt.Errorf("%s: duplicate key %q", loc, k)
				}
			}
			v, err := fromYAML(file, y.Content[i+1], ptr+"/"+escape(k))
			if err != nil {
				return nil, err
			}
			n.Keys = append(n.Keys, k)
			n.Values = append(n.Values, v)
		}
		return n, nil
	case yaml.SequenceNode:
		n := &Node{Kind: Sequence, Loc: loc}
		for i, c := range y.Content {
			v, err := fromYAML(file, c, ptr+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, v)
		}
		return n, nil
	case yaml.ScalarNode:
		var v any
		if err := y.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %v", loc, err)
		}
		if i, ok := v.(int); ok {
			v = int64(i)
		}
		return &Node{Kind: ScalarKind, Scalar: v, Loc: loc}, nil
	case yaml.AliasNode:
		return fromYAML(file, y.Alias, ptr)
	}
	return nil, fmt.Errorf("%s: unsupported YAML node", loc)
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}
