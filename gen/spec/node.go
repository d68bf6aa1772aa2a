// Package spec loads AsyncAPI 3 documents written in YAML or JSON, keeps
// their key order and source positions, and resolves $ref within and
// across files. It knows AsyncAPI and JSON Schema, not Go.
package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
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
	Scalar any // string, int64, uint64, float64, bool or nil for scalars
	// Text is a scalar's source text as written (quotes removed). Numbers
	// need it: float64 loses 1.10's trailing zero, big integers' digits
	// and 1e400 altogether, and exact checks (multipleOf, const) must not.
	Text string
	Kind Kind
	Loc  Loc
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
		if n.isNumber() && IsJSONNumber(n.Text) {
			return []byte(n.Text), nil
		}
		return json.Marshal(n.Scalar)
	}
}

func (n *Node) isNumber() bool {
	switch n.Scalar.(type) {
	case int64, uint64, float64:
		return true
	}
	return false
}

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// IsJSONNumber reports whether s is a number literal in JSON's grammar
// (YAML also writes 0x1F, +1, .5 and 1_000, which JSON cannot carry).
func IsJSONNumber(s string) bool { return jsonNumber.MatchString(s) }

// Limits on what one document may expand to. Specs are downloaded, and
// YAML aliases let a few hundred bytes stand for billions of nodes (the
// "billion laughs"); no real spec nests or repeats anywhere near this.
const (
	maxDepth      = 1000
	maxAliasNodes = 100_000 // nodes made by expanding aliases, per file
)

// converter turns one file's yaml.Node tree into Nodes.
type converter struct {
	file       string
	aliasNodes int
	expanding  map[*yaml.Node]bool // anchors being expanded: an alias to one is a cycle
}

func fromYAML(file string, y *yaml.Node, ptr string) (*Node, error) {
	c := &converter{file: file, expanding: map[*yaml.Node]bool{}}
	return c.node(y, ptr, 0, false)
}

// node converts y; inAlias says it is reached through an alias, so it
// counts against maxAliasNodes.
func (c *converter) node(y *yaml.Node, ptr string, depth int, inAlias bool) (*Node, error) {
	for y.Kind == yaml.DocumentNode && len(y.Content) == 1 {
		y = y.Content[0]
	}
	loc := Loc{File: c.file, Pointer: ptr, Line: y.Line, Col: y.Column}
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: nested deeper than %d levels", loc, maxDepth)
	}
	if inAlias {
		if c.aliasNodes++; c.aliasNodes > maxAliasNodes {
			return nil, fmt.Errorf("%s: aliases expand to more than %d nodes", loc, maxAliasNodes)
		}
	}
	switch y.Kind {
	case yaml.MappingNode:
		n := &Node{Kind: Mapping, Loc: loc}
		var seen map[string]bool // for long mappings only: a scan is cheaper below that
		if len(y.Content) > 32 {
			seen = make(map[string]bool, len(y.Content)/2)
		}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i].Value
			dup := seen[k]
			if seen == nil {
				dup = slices.Contains(n.Keys, k)
			} else {
				seen[k] = true
			}
			if dup {
				return nil, fmt.Errorf("%s: duplicate key %q", loc, k)
			}
			v, err := c.node(y.Content[i+1], ptr+"/"+escape(k), depth+1, inAlias)
			if err != nil {
				return nil, err
			}
			n.Keys = append(n.Keys, k)
			n.Values = append(n.Values, v)
		}
		return n, nil
	case yaml.SequenceNode:
		n := &Node{Kind: Sequence, Loc: loc}
		for i, item := range y.Content {
			v, err := c.node(item, ptr+"/"+strconv.Itoa(i), depth+1, inAlias)
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
		if s, ok := v.(string); ok && y.Style == 0 && y.Tag == "!!str" && IsJSONNumber(s) {
			// The parser gives up on floats beyond float64 (1e400) and
			// keeps them as strings; in JSON they are numbers.
			v = math.Inf(1)
			if strings.HasPrefix(s, "-") {
				v = math.Inf(-1)
			}
		}
		return &Node{Kind: ScalarKind, Scalar: v, Text: y.Value, Loc: loc}, nil
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, fmt.Errorf("%s: alias to nothing", loc)
		}
		if c.expanding[y.Alias] {
			return nil, fmt.Errorf("%s: alias *%s refers to itself", loc, y.Value)
		}
		c.expanding[y.Alias] = true
		defer delete(c.expanding, y.Alias)
		// The alias itself is a node of the expansion too, so that
		// aliases to empty collections still count.
		if c.aliasNodes++; c.aliasNodes > maxAliasNodes {
			return nil, fmt.Errorf("%s: aliases expand to more than %d nodes", loc, maxAliasNodes)
		}
		return c.node(y.Alias, ptr, depth+1, true)
	}
	return nil, fmt.Errorf("%s: unsupported YAML node", loc)
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}
