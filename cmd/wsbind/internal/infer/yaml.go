package infer

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// omap is a mapping that keeps its keys in insertion order, so the
// document reads in the order AsyncAPI authors write it.
type omap struct {
	keys []string
	vals map[string]any
}

func newMap() *omap { return &omap{vals: map[string]any{}} }

// set adds or replaces key; it returns m for chaining.
func (m *omap) set(key string, v any) *omap {
	if _, ok := m.vals[key]; !ok {
		m.keys = append(m.keys, key)
	}
	m.vals[key] = v
	return m
}

func (m *omap) get(key string) any { return m.vals[key] }

// sub returns the map under key, creating it.
func (m *omap) sub(key string) *omap {
	if s, ok := m.vals[key].(*omap); ok {
		return s
	}
	s := newMap()
	m.set(key, s)
	return s
}

// toNode converts a tree of omap, []any, []string and scalars to YAML.
func toNode(v any) *yaml.Node {
	switch x := v.(type) {
	case *omap:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range x.keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, toNode(x.vals[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, it := range x {
			n.Content = append(n.Content, toNode(it))
		}
		return n
	case []string:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, it := range x {
			n.Content = append(n.Content, toNode(it))
		}
		return n
	case *value:
		return valueNode(x)
	case *yaml.Node:
		return x
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
	}
	return n
}

// valueNode writes a captured JSON value, numbers by their literal.
func valueNode(v *value) *yaml.Node {
	switch v.kind {
	case kNull:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case kBool:
		if v.b {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"}
	case kNumber:
		tag := "!!int"
		if !isPlainInt(v.str) {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.str}
	case kString:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.str, Style: quoteStyle(v.str)}
	case kObject:
		n := &yaml.Node{Kind: yaml.MappingNode}
		seen := map[string]bool{}
		for i := len(v.keys) - 1; i >= 0; i-- { // the last of duplicate keys wins
			if seen[v.keys[i]] || v.keys[i] == "$ref" {
				continue // a $ref key would be read as a reference
			}
			seen[v.keys[i]] = true
			n.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.keys[i], Style: quoteStyle(v.keys[i])}, valueNode(v.vals[i])}, n.Content...)
		}
		return n
	case kArray:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, it := range v.items {
			n.Content = append(n.Content, valueNode(it))
		}
		return n
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

func isPlainInt(s string) bool {
	for i, c := range s {
		if !(c >= '0' && c <= '9' || c == '-' && i == 0) {
			return false
		}
	}
	return s != "" && s != "-"
}

// quoteStyle quotes strings YAML would otherwise read as another type.
func quoteStyle(s string) yaml.Style {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil || len(n.Content) != 1 || n.Content[0].Tag != "!!str" || n.Content[0].Value != s {
		return yaml.DoubleQuotedStyle
	}
	return 0
}

// marshal writes a document.
func marshal(doc *omap) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(toNode(doc)); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
