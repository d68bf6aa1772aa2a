package schema

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/wsbind/wsbind/gen/spec"
)

// Base URIs and identifiers.
//
// Every file is a document with a retrieval URI: file://<absolute path>,
// or the remote URI a remotes entry maps to it. When a document is first
// used, it is indexed once: walking the schema keywords that hold
// subschemas (not enum, const, default or unknown keywords, whose objects
// are data), each mapping's $id (unless it sits beside $ref, which
// draft-07 ignores) resolves against the base in effect and either starts
// a new base (a URI without fragment) or names a plain-name anchor
// ("#foo"). The base in effect at each schema node is recorded, so a
// schema reached by a JSON pointer through an embedded $id keeps that
// $id's base, as one reached lexically does.
//
// An AsyncAPI document (a root with "asyncapi" or "components") is not a
// schema: its structure is walked as a container, and message payloads,
// headers and components/schemas entries are indexed as schemas.

// document is one loaded file.
type document struct {
	root *spec.Node
	uri  string // retrieval URI, without fragment
	err  error  // from indexing: a broken document stays broken
}

// dataKeywords hold JSON values, not schemas: an $id inside is data.
var dataKeywords = map[string]bool{
	"enum": true, "const": true, "default": true, "examples": true, "example": true,
}

// docFor returns the document of the file root, indexing it on first use.
func (c *Compiler) docFor(root *spec.Node, uri string) (*document, error) {
	if d, ok := c.docs[root]; ok {
		if _, known := c.byURI[uri]; !known && d.err == nil {
			c.byURI[uri] = root // the same file under a second URI
		}
		return d, d.err
	}
	d := &document{root: root, uri: uri}
	c.docs[root] = d
	c.byURI[uri] = root
	asyncAPI := root.Kind == spec.Mapping && (root.Get("asyncapi") != nil || root.Get("components") != nil)
	d.err = c.index(root, uri, !asyncAPI, "")
	return d, d.err
}

// index records base URIs, $id resources and anchors under n. schemaMode
// says n is a schema; otherwise it is AsyncAPI structure, and parent is
// the key n is under.
func (c *Compiler) index(n *spec.Node, base string, schemaMode bool, parent string) error {
	if _, done := c.base[n]; done {
		return nil
	}
	switch n.Kind {
	case spec.Sequence:
		c.base[n] = base
		if !schemaMode {
			for _, it := range n.Items {
				if err := c.index(it, base, false, ""); err != nil {
					return err
				}
			}
		}
		return nil
	case spec.ScalarKind:
		c.base[n] = base
		return nil
	}
	own, err := c.applyID(n, base)
	if err != nil {
		return err
	}
	c.base[n] = own
	for i, k := range n.Keys {
		v := n.Values[i]
		if !schemaMode {
			if dataKeywords[k] {
				continue
			}
			sub := k == "payload" || k == "headers" || parent == "schemas"
			if err := c.index(v, own, sub, k); err != nil {
				return err
			}
			continue
		}
		for _, sub := range subschemas(k, v) {
			if err := c.index(sub, own, true, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// subschemas returns the schemas a keyword's value holds, or nil when it
// holds none (or is malformed: compilation reports that).
func subschemas(k string, v *spec.Node) []*spec.Node {
	switch k {
	case "items":
		if v.Kind == spec.Sequence {
			return v.Items
		}
		return []*spec.Node{v}
	case "additionalItems", "contains", "additionalProperties", "propertyNames", "not", "if", "then", "else":
		return []*spec.Node{v}
	case "allOf", "anyOf", "oneOf":
		if v.Kind == spec.Sequence {
			return v.Items
		}
	case "properties", "patternProperties", "definitions":
		if v.Kind == spec.Mapping {
			return v.Values
		}
	case "dependencies":
		if v.Kind == spec.Mapping {
			var out []*spec.Node
			for _, d := range v.Values {
				if d.Kind != spec.Sequence {
					out = append(out, d)
				}
			}
			return out
		}
	}
	return nil
}

// applyID registers n's $id and returns the base URI in effect inside n.
func (c *Compiler) applyID(n *spec.Node, base string) (string, error) {
	id := n.Get("$id")
	if id == nil || n.Get("$ref") != nil {
		return base, nil // draft-07: $ref makes its sibling $id ignored
	}
	s, ok := id.Scalar.(string)
	if !ok || id.Kind != spec.ScalarKind {
		return "", &Error{Loc: id.Loc, Keyword: "$id", Msg: "must be a string", Hint: "write a URI reference such as \"item.json\" or \"#name\""}
	}
	u, err := resolveURI(base, s)
	if err != nil {
		return "", &Error{Loc: id.Loc, Keyword: "$id", Msg: fmt.Sprintf("%q is not a URI reference: %v", s, err), Hint: "percent-encode spaces and other reserved characters"}
	}
	doc, frag := split(u)
	switch {
	case frag == "":
		return doc, c.register(c.byURI, doc, n, id)
	case strings.HasPrefix(frag, "/"):
		return "", &Error{Loc: id.Loc, Keyword: "$id", Msg: fmt.Sprintf("%q has a JSON pointer fragment", s), Hint: "an $id names a resource or a plain-name anchor (\"#name\"); refer to locations with $ref instead"}
	default:
		if doc != base {
			if err := c.register(c.byURI, doc, n, id); err != nil {
				return "", err
			}
		}
		return doc, c.register(c.anchors, doc+"#"+frag, n, id)
	}
}

// register records key -> n in m and refuses a second node under one key:
// two schemas with one identifier make every $ref to it ambiguous.
func (c *Compiler) register(m map[string]*spec.Node, key string, n, at *spec.Node) error {
	if prev, ok := m[key]; ok && prev != n {
		return &Error{Loc: at.Loc, Keyword: "$id", Msg: fmt.Sprintf("%s is also the identifier of the schema at %s:%d", key, prev.Loc.File, prev.Loc.Line), Hint: "give each schema its own $id"}
	}
	m[key] = n
	return nil
}

// Target returns the node the $ref at n names, resolved as draft-07 says
// (against the base URI in effect at n, $ids included), indexing n's file
// on first use.
func (c *Compiler) Target(n *spec.Node) (*spec.Node, error) {
	ref := n.Get("$ref")
	if ref == nil {
		return n, nil
	}
	if err := c.baseOf(n); err != nil {
		return nil, err
	}
	return c.resolveRef(n, ref)
}

// resolveRef finds the node a $ref at n names and the base URI in effect
// there.
func (c *Compiler) resolveRef(n, ref *spec.Node) (*spec.Node, error) {
	s := ref.Str()
	fail := func(msg, hint string) error {
		return &Error{Loc: ref.Loc, Keyword: "$ref", Msg: fmt.Sprintf("%q: %s", s, msg), Hint: hint}
	}
	u, err := resolveURI(c.base[n], s)
	if err != nil {
		return nil, fail("not a URI reference: "+err.Error(), "percent-encode spaces and other reserved characters")
	}
	doc, frag := split(u)
	res, ok := c.byURI[doc]
	if !ok {
		if res, err = c.load(doc); err != nil {
			return nil, fail(err.Error(), "")
		}
	}
	switch {
	case frag == "":
		return res, nil
	case strings.HasPrefix(frag, "/"):
		t := c.walk(res, frag)
		if t == nil {
			where := doc
			if strings.HasPrefix(doc, "file://") {
				where = res.Loc.File // no machine paths in errors
			}
			return nil, fail(fmt.Sprintf("%s has nothing at #%s", where, frag), "check the pointer against the document; escape ~ as ~0 and / as ~1")
		}
		return t, nil
	default:
		t, ok := c.anchors[doc+"#"+frag]
		if !ok {
			return nil, fail(fmt.Sprintf("no schema has $id \"#%s\" in %s", frag, doc), "declare the anchor with $id: \"#"+frag+"\" or use a JSON pointer (#/...)")
		}
		return t, nil
	}
}

// walk follows a JSON pointer (already percent-decoded) from n and
// records the base URI in effect at each node it passes, so that a
// pointer through an embedded $id lands with that $id's base.
func (c *Compiler) walk(n *spec.Node, ptr string) *spec.Node {
	base := c.base[n]
	cur := n
	for _, tok := range strings.Split(ptr, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch cur.Kind {
		case spec.Mapping:
			cur = cur.Get(tok)
		case spec.Sequence:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Items) || strconv.Itoa(i) != tok {
				return nil
			}
			cur = cur.Items[i]
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
		if b, ok := c.base[cur]; ok {
			base = b
			continue
		}
		if id := cur.Get("$id"); id != nil && cur.Get("$ref") == nil {
			if u, err := resolveURI(base, id.Str()); err == nil {
				base, _ = split(u)
			}
		}
		c.base[cur] = base
	}
	return cur
}

// load finds the document for an absolute URI without fragment: a file://
// URI names a file, other URIs go through the remotes map. Nothing is
// fetched from the network.
func (c *Compiler) load(uri string) (*spec.Node, error) {
	path := ""
	if u, err := url.Parse(uri); err == nil && u.Scheme == "file" {
		path = u.Path
	} else if path = c.remote(uri); path == "" {
		return nil, fmt.Errorf("no local file for %s (schemas are never fetched from the network)", uri)
	}
	root, err := c.l.File(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", uri, err)
	}
	if _, err := c.docFor(root, uri); err != nil {
		return nil, err
	}
	res, ok := c.byURI[uri]
	if !ok {
		return nil, fmt.Errorf("%s loaded from %s but not found there", uri, path)
	}
	return res, nil
}

// remote maps uri to a local path by the longest matching remotes prefix,
// or returns "".
func (c *Compiler) remote(uri string) string {
	prefixes := make([]string, 0, len(c.remotes))
	for p := range c.remotes {
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	for _, p := range prefixes {
		if !strings.HasPrefix(uri, p) {
			continue
		}
		local, rest := c.remotes[p], uri[len(p):]
		if rest == "" {
			return local
		}
		if !strings.HasSuffix(p, "/") && !strings.HasPrefix(rest, "/") {
			continue // "http://x/a" is no prefix of "http://x/ab.json"
		}
		if fi, err := os.Stat(local); err == nil && fi.IsDir() || strings.HasSuffix(local, "/") {
			return filepath.Join(local, filepath.FromSlash(rest))
		}
	}
	return ""
}

// fileURI is the retrieval URI of a file.
func fileURI(abs string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// resolveURI resolves ref against base (an absolute URI).
func resolveURI(base, ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	if base == "" {
		return r, nil
	}
	b, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	return b.ResolveReference(r), nil
}

// split returns u without its fragment, and the fragment, percent-decoded.
func split(u *url.URL) (string, string) {
	frag := u.Fragment
	v := *u
	v.Fragment, v.RawFragment = "", ""
	return v.String(), frag
}
