package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wsbind/wsbind/gen/spec"
)

// Compiler compiles schema nodes into graphs. Each distinct node is
// compiled once, so a $ref reached twice (or recursively) yields the same
// *Schema. A Compiler is not safe for concurrent use.
type Compiler struct {
	l       *spec.Loader
	remotes map[string]string

	docs    map[*spec.Node]*document // by file root
	byURI   map[string]*spec.Node    // documents and $id resources, by URI without fragment
	anchors map[string]*spec.Node    // plain-name anchors, by "uri#name"
	base    map[*spec.Node]string    // base URI in effect inside a node

	byNode map[*spec.Node]*Schema
	all    []*Schema
}

// NewCompiler compiles schemas from files loaded with l. remotes maps
// absolute URI prefixes to local files or folders, e.g.
// "http://localhost:1234/" to a folder, or
// "http://json-schema.org/draft-07/schema" to the meta-schema's file.
// Nothing is ever fetched from the network: an unmapped remote $ref is an
// error naming the URI.
func NewCompiler(l *spec.Loader, remotes map[string]string) *Compiler {
	r := make(map[string]string, len(remotes))
	for k, v := range remotes {
		r[k] = v
	}
	return &Compiler{
		l:       l,
		remotes: r,
		docs:    map[*spec.Node]*document{},
		byURI:   map[string]*spec.Node{},
		anchors: map[string]*spec.Node{},
		base:    map[*spec.Node]string{},
		byNode:  map[*spec.Node]*Schema{},
	}
}

// CompileFile loads path and compiles its root.
func (c *Compiler) CompileFile(path string) (*Schema, error) {
	root, err := c.l.File(path)
	if err != nil {
		return nil, err
	}
	return c.Compile(root)
}

// Compile returns the graph of the schema at n, a node of a file loaded
// with the Compiler's Loader. A file's base URI is its root's $id if it
// has one, else file://<absolute path>. On error nothing compiled by this
// call is kept.
func (c *Compiler) Compile(n *spec.Node) (*Schema, error) {
	if s, ok := c.byNode[n]; ok {
		return s, nil
	}
	if err := c.baseOf(n); err != nil {
		return nil, err
	}
	start := len(c.all)
	s, err := c.compile(n, c.base[n])
	if err == nil {
		err = c.checkRefCycles(c.all[start:])
	}
	if err != nil {
		for _, dead := range c.all[start:] {
			delete(c.byNode, nodeOf(dead, c.byNode))
		}
		c.all = c.all[:start]
		return nil, err
	}
	return s, nil
}

// baseOf makes sure the base URI in effect at n is known: n's file is
// indexed on first use, and a node off the indexed paths gets its lexical
// base.
func (c *Compiler) baseOf(n *spec.Node) error {
	if _, ok := c.base[n]; ok {
		return nil
	}
	root, abs, ok := c.l.Root(n)
	if !ok {
		return fmt.Errorf("%s: schema node is not part of a file loaded by the compiler's loader", n.Loc)
	}
	if _, err := c.docFor(root, fileURI(abs)); err != nil {
		return err
	}
	if _, ok := c.base[n]; !ok {
		c.walk(root, n.Loc.Pointer)
	}
	return nil
}

// nodeOf finds the node s was compiled from (only on the error path).
func nodeOf(s *Schema, m map[*spec.Node]*Schema) *spec.Node {
	for n, v := range m {
		if v == s {
			return n
		}
	}
	return nil
}

// All returns every Schema compiled so far, ordered by ID.
func (c *Compiler) All() []*Schema { return slices.Clone(c.all) }

// checkRefCycles refuses schemas that are $refs leading back to
// themselves through $refs alone: they never reach a keyword, and a
// validator following them would not terminate.
func (c *Compiler) checkRefCycles(list []*Schema) error {
	for _, s := range list {
		seen := map[*Schema]bool{}
		for t := s; t.Ref != nil; t = t.Ref {
			if seen[t] {
				return &Error{Loc: s.Loc, Keyword: "$ref", Msg: "refers back to itself through $refs alone", Hint: "point one of the $refs at a schema with keywords"}
			}
			seen[t] = true
		}
	}
	return nil
}

// compile compiles n and what it references; outer is the base URI
// around n, for a node the document index did not reach (one inside an
// unknown keyword, found by a JSON pointer).
func (c *Compiler) compile(n *spec.Node, outer string) (*Schema, error) {
	if s, ok := c.byNode[n]; ok {
		return s, nil
	}
	if _, ok := c.base[n]; !ok {
		if err := c.index(n, outer, true, ""); err != nil {
			return nil, err
		}
	}
	base := c.base[n]
	s := &Schema{Loc: n.Loc, ID: len(c.all), MaxLength: -1, MinLength: -1, MaxItems: -1, MinItems: -1, MaxProperties: -1, MinProperties: -1}
	c.byNode[n] = s
	c.all = append(c.all, s)
	switch n.Kind {
	case spec.ScalarKind:
		if b, ok := n.Scalar.(bool); ok {
			s.Bool = &b
			return s, nil
		}
		fallthrough
	case spec.Sequence:
		return nil, &Error{Loc: n.Loc, Keyword: "schema", Msg: "a schema must be an object or a boolean, not " + jsonType(n), Hint: "write {} or true to accept anything"}
	}
	if ref := n.Get("$ref"); ref != nil {
		if _, ok := ref.Scalar.(string); !ok || ref.Kind != spec.ScalarKind {
			return nil, &Error{Loc: ref.Loc, Keyword: "$ref", Msg: "must be a string, not " + jsonType(ref), Hint: "write a URI reference such as \"#/definitions/X\" or \"other.json\""}
		}
		target, err := c.resolveRef(n, ref)
		if err != nil {
			return nil, err
		}
		if s.Ref, err = c.compile(target, c.base[target]); err != nil {
			return nil, err
		}
		return s, nil
	}
	for i, k := range n.Keys {
		if err := c.keyword(s, k, n.Values[i], base); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// annotationTypes lists the annotation keywords and the JSON type their
// value must have ("" any).
var annotationTypes = map[string]string{
	"title": "string", "description": "string", "default": "", "examples": "array", "$comment": "string",
	"readOnly": "boolean", "writeOnly": "boolean", "contentMediaType": "string", "contentEncoding": "string",
	// AsyncAPI's Schema Object adds these.
	"example": "", "discriminator": "string", "externalDocs": "object", "deprecated": "boolean",
}

var typeNames = []string{"array", "boolean", "integer", "null", "number", "object", "string"}

// keyword compiles one keyword of a schema object whose base URI is base.
func (c *Compiler) keyword(s *Schema, k string, v *spec.Node, base string) error {
	bad := func(msg, hint string) error { return &Error{Loc: v.Loc, Keyword: k, Msg: msg, Hint: hint} }
	want := func(typ, hint string) error {
		return bad("must be "+typ+", not "+jsonType(v), hint)
	}
	var err error
	switch k {
	case "$id":
		// Indexed with the document (resolve.go); only its type matters here.
		if _, ok := v.Scalar.(string); !ok || v.Kind != spec.ScalarKind {
			return want("a string", "write a URI reference")
		}
	case "$schema":
		str, ok := v.Scalar.(string)
		if !ok || v.Kind != spec.ScalarKind {
			return want("a string", "write http://json-schema.org/draft-07/schema#")
		}
		switch strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(str, "http://"), "https://"), "#") {
		case "json-schema.org/draft-07/schema":
		default:
			return bad(fmt.Sprintf("%q is not draft-07, the only dialect wsbind compiles", str), "rewrite the schema in draft-07, or drop $schema if it already is")
		}
	case "definitions":
		// A container for $ref targets: compiled when referenced.
		if v.Kind != spec.Mapping {
			return want("an object", "map names to schemas")
		}
		for i, d := range v.Values {
			if !isSchemaNode(d) {
				return &Error{Loc: d.Loc, Keyword: k, Msg: fmt.Sprintf("%q must be a schema (object or boolean), not %s", v.Keys[i], jsonType(d))}
			}
		}
	case "type":
		s.Types, err = typeList(v)
		if err != nil {
			return bad(err.Error(), "use one of "+strings.Join(typeNames, ", ")+", or a list of them")
		}
	case "enum":
		if v.Kind != spec.Sequence {
			return want("an array", "list the allowed values: enum: [a, b]")
		}
		if len(v.Items) == 0 {
			return bad("must list at least one value", "a schema that accepts nothing is false")
		}
		s.Enum = make([]json.RawMessage, 0, len(v.Items))
		for i, it := range v.Items {
			raw, err := it.MarshalJSON()
			if err != nil {
				return &Error{Loc: it.Loc, Keyword: k, Msg: fmt.Sprintf("value %d is not JSON: %v", i, err)}
			}
			for j, prev := range s.Enum {
				if jsonEqual(prev, raw) {
					return &Error{Loc: it.Loc, Keyword: k, Msg: fmt.Sprintf("value %d repeats value %d", i, j), Hint: "list each value once"}
				}
			}
			s.Enum = append(s.Enum, raw)
		}
	case "const":
		if s.Const, err = v.MarshalJSON(); err != nil {
			return bad("is not JSON: "+err.Error(), "")
		}
	case "multipleOf":
		if s.MultipleOf, err = numberLit(v); err != nil {
			return bad(err.Error(), "write a number greater than 0")
		}
		if !positive(s.MultipleOf) {
			return bad("must be greater than 0, not "+s.MultipleOf, "")
		}
	case "maximum":
		s.Maximum, err = numberLit(v)
	case "exclusiveMaximum":
		s.ExclusiveMaximum, err = numberLit(v)
	case "minimum":
		s.Minimum, err = numberLit(v)
	case "exclusiveMinimum":
		s.ExclusiveMinimum, err = numberLit(v)
	case "maxLength":
		s.MaxLength, err = count(v)
	case "minLength":
		s.MinLength, err = count(v)
	case "maxItems":
		s.MaxItems, err = count(v)
	case "minItems":
		s.MinItems, err = count(v)
	case "maxProperties":
		s.MaxProperties, err = count(v)
	case "minProperties":
		s.MinProperties, err = count(v)
	case "pattern":
		p, ok := v.Scalar.(string)
		if !ok || v.Kind != spec.ScalarKind {
			return want("a string", "write a regular expression")
		}
		if _, err := regexp.Compile(p); err != nil {
			return bad(fmt.Sprintf("%q does not compile: %v", p, err), "patterns are Go RE2 syntax: no lookaround or backreferences")
		}
		s.Pattern, s.HasPattern = p, true
	case "format":
		f, ok := v.Scalar.(string)
		if !ok || v.Kind != spec.ScalarKind {
			return want("a string", "write a format name such as date-time")
		}
		s.Format = f
	case "items":
		if v.Kind == spec.Sequence {
			s.ItemsIsTuple = true
			s.TupleItems, err = c.list(k, v, true, base)
			return err
		}
		s.Items, err = c.sub(k, v, base)
	case "additionalItems":
		s.AdditionalItems, err = c.sub(k, v, base)
	case "uniqueItems":
		b, ok := v.Scalar.(bool)
		if !ok || v.Kind != spec.ScalarKind {
			return want("a boolean", "write true or false")
		}
		s.UniqueItems = b
	case "contains":
		s.Contains, err = c.sub(k, v, base)
	case "required":
		s.Required, err = stringSet(v)
		if err != nil {
			return bad(err.Error(), "list property names once each: required: [a, b]")
		}
	case "properties", "patternProperties":
		if v.Kind != spec.Mapping {
			return want("an object", "map property names (or patterns) to schemas")
		}
		for i, name := range v.Keys {
			sub, err := c.sub(k, v.Values[i], base)
			if err != nil {
				return err
			}
			if k == "properties" {
				s.Properties = append(s.Properties, Property{Name: name, Schema: sub})
				continue
			}
			if _, err := regexp.Compile(name); err != nil {
				return &Error{Loc: v.Values[i].Loc, Keyword: k, Msg: fmt.Sprintf("%q does not compile: %v", name, err), Hint: "patterns are Go RE2 syntax: no lookaround or backreferences"}
			}
			s.PatternProperties = append(s.PatternProperties, PatternProperty{Pattern: name, Schema: sub})
		}
	case "additionalProperties":
		s.AdditionalProperties, err = c.sub(k, v, base)
	case "dependencies":
		if v.Kind != spec.Mapping {
			return want("an object", "map property names to a list of names or a schema")
		}
		for i, name := range v.Keys {
			d := Dependency{Name: name}
			dv := v.Values[i]
			if dv.Kind == spec.Sequence {
				if d.Required, err = stringSet(dv); err != nil {
					return &Error{Loc: dv.Loc, Keyword: k, Msg: fmt.Sprintf("%q: %v", name, err), Hint: "list property names once each"}
				}
			} else if d.Schema, err = c.sub(k, dv, base); err != nil {
				return err
			}
			s.Dependencies = append(s.Dependencies, d)
		}
	case "propertyNames":
		s.PropertyNames, err = c.sub(k, v, base)
	case "allOf":
		s.AllOf, err = c.list(k, v, false, base)
	case "anyOf":
		s.AnyOf, err = c.list(k, v, false, base)
	case "oneOf":
		s.OneOf, err = c.list(k, v, false, base)
	case "not":
		s.Not, err = c.sub(k, v, base)
	case "if":
		s.If, err = c.sub(k, v, base)
	case "then":
		s.Then, err = c.sub(k, v, base)
	case "else":
		s.Else, err = c.sub(k, v, base)
	default:
		if strings.HasPrefix(k, "x-") {
			return nil
		}
		typ, ok := annotationTypes[k]
		if !ok {
			s.Unknown = append(s.Unknown, k)
			return nil
		}
		if typ != "" && jsonType(v) != typ {
			return want("a"+map[bool]string{true: "n", false: ""}[typ == "array" || typ == "object"]+" "+typ, "")
		}
		s.Annotations = append(s.Annotations, k)
	}
	if err != nil {
		if _, ok := err.(*Error); ok {
			return err
		}
		return bad(err.Error(), "")
	}
	return nil
}

// sub compiles the subschema of keyword k.
func (c *Compiler) sub(k string, v *spec.Node, base string) (*Schema, error) {
	if !isSchemaNode(v) {
		return nil, &Error{Loc: v.Loc, Keyword: k, Msg: "must be a schema (object or boolean), not " + jsonType(v), Hint: "write {} or true to accept anything"}
	}
	return c.compile(v, base)
}

// list compiles an array of subschemas; allOf, anyOf and oneOf may not be
// empty, a tuple "items" may.
func (c *Compiler) list(k string, v *spec.Node, emptyOK bool, base string) ([]*Schema, error) {
	if v.Kind != spec.Sequence {
		return nil, &Error{Loc: v.Loc, Keyword: k, Msg: "must be an array of schemas, not " + jsonType(v)}
	}
	if len(v.Items) == 0 && !emptyOK {
		return nil, &Error{Loc: v.Loc, Keyword: k, Msg: "must list at least one schema", Hint: "drop the keyword"}
	}
	out := make([]*Schema, 0, len(v.Items))
	for _, it := range v.Items {
		s, err := c.sub(k, it, base)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func isSchemaNode(n *spec.Node) bool {
	if n.Kind == spec.Mapping {
		return true
	}
	_, ok := n.Scalar.(bool)
	return ok && n.Kind == spec.ScalarKind
}

// jsonType names n's JSON type for messages.
func jsonType(n *spec.Node) string {
	switch n.Kind {
	case spec.Mapping:
		return "object"
	case spec.Sequence:
		return "array"
	}
	switch n.Scalar.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "number"
}

func typeList(v *spec.Node) ([]string, error) {
	items := []*spec.Node{v}
	if v.Kind == spec.Sequence {
		if len(v.Items) == 0 {
			return nil, fmt.Errorf("must name at least one type")
		}
		items = v.Items
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		t, ok := it.Scalar.(string)
		if !ok || it.Kind != spec.ScalarKind || !slices.Contains(typeNames, t) {
			return nil, fmt.Errorf("%s is not a JSON Schema type", jsonText(it))
		}
		if slices.Contains(out, t) {
			return nil, fmt.Errorf("%q is listed twice", t)
		}
		out = append(out, t)
	}
	return out, nil
}

func stringSet(v *spec.Node) ([]string, error) {
	if v.Kind != spec.Sequence {
		return nil, fmt.Errorf("must be an array of strings, not %s", jsonType(v))
	}
	out := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		str, ok := it.Scalar.(string)
		if !ok || it.Kind != spec.ScalarKind {
			return nil, fmt.Errorf("%s is not a string", jsonText(it))
		}
		if slices.Contains(out, str) {
			return nil, fmt.Errorf("%q is listed twice", str)
		}
		out = append(out, str)
	}
	return out, nil
}

func jsonText(n *spec.Node) string {
	b, err := n.MarshalJSON()
	if err != nil || len(b) > 40 {
		return jsonType(n)
	}
	return string(b)
}

// numberLit returns a number keyword's literal as written, or a JSON
// rendering of YAML-only spellings (0x1F, 1_000, +1).
func numberLit(v *spec.Node) (string, error) {
	if v.Kind == spec.ScalarKind && spec.IsJSONNumber(v.Text) {
		switch v.Scalar.(type) {
		case int64, uint64, float64:
			return v.Text, nil
		}
	}
	switch x := v.Scalar.(type) {
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		if !math.IsInf(x, 0) && !math.IsNaN(x) && v.Kind == spec.ScalarKind {
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	}
	return "", fmt.Errorf("must be a number, not %s", jsonText(v))
}

// count reads a non-negative integer keyword; 2.0 is an integer.
func count(v *spec.Node) (int, error) {
	if v.Kind == spec.ScalarKind {
		switch x := v.Scalar.(type) {
		case int64:
			if x >= 0 && x <= math.MaxInt32 {
				return int(x), nil
			}
		case float64:
			if x >= 0 && x <= math.MaxInt32 && x == math.Trunc(x) {
				return int(x), nil
			}
		}
	}
	return 0, fmt.Errorf("must be a non-negative integer (at most %d), not %s", math.MaxInt32, jsonText(v))
}

// positive reports whether a JSON number literal is greater than zero.
func positive(lit string) bool {
	if strings.HasPrefix(lit, "-") {
		return false
	}
	mant, _, _ := strings.Cut(strings.ToLower(lit), "e")
	return strings.Trim(mant, "0.") != ""
}

// jsonEqual compares two JSON texts as JSON values (numbers by value).
func jsonEqual(a, b json.RawMessage) bool {
	va, errA := decodeJSON(a)
	vb, errB := decodeJSON(b)
	return errA == nil && errB == nil && valueEqual(va, vb)
}
