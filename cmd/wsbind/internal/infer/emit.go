package infer

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Guess thresholds, documented in the README section of wsbind infer.
const (
	// DefaultMinRequired is how many samples a message needs before a field
	// present in all of them is declared required: one or two frames say
	// too little about what a server always sends.
	DefaultMinRequired = 3
	minEnumSamples     = 4 // strings seen before a field may be an enum
	maxEnumDistinct    = 10
)

// emitter turns a message's accumulated samples into JSON Schema.
type emitter struct {
	// shape lists the top-level keys that tell a message without
	// discriminator apart: required whatever the sample count.
	shape       map[string]bool
	minRequired int
	doc         *docBuilder
	msg         string
	notes       []string
	fields      int
	// fields present in every sample, but in too few samples to be required
	fewSamples int
	fewMax     int
}

func (e *emitter) note(format string, args ...any) {
	e.notes = append(e.notes, fmt.Sprintf(format, args...))
}

// schema returns the schema of nd at path; consts holds the message's
// discriminator values by dotted path.
func (e *emitter) schema(nd *node, path string, consts map[string]string) *omap {
	s := newMap()
	if nd == nil || nd.n == 0 || nd.deep {
		return s // any value
	}
	if c, ok := consts[path]; ok {
		return s.set("type", "string").set("const", c)
	}
	var types []string
	for k := kBool; k <= kArray; k++ {
		if nd.kinds[k] == 0 {
			continue
		}
		t := kindName(k)
		if k == kNumber {
			t = "integer"
			if nd.nonInt > 0 {
				t = "number"
				if nd.nonInt < nd.kinds[kNumber] {
					e.note("`%s`: number, since %d of %d samples are not integers", show(path), nd.nonInt, nd.kinds[kNumber])
				}
			}
		}
		types = append(types, t)
	}
	if nd.kinds[kNull] > 0 {
		types = append(types, "null")
		if len(types) > 1 {
			e.note("`%s`: nullable, null in %d of %d samples", show(path), nd.kinds[kNull], nd.n)
		}
	}
	if len(types) == 1 {
		s.set("type", types[0])
	} else {
		s.set("type", types)
		if len(types) > 2 || nd.kinds[kNull] == 0 {
			e.note("`%s`: one of %s", show(path), strings.Join(types, ", "))
		}
	}
	if nd.kinds[kString] > 0 {
		e.stringKeywords(s, nd, path)
	}
	if nd.kinds[kArray] > 0 && nd.items != nil && nd.items.n > 0 {
		s.set("items", e.schema(nd.items, path+"[]", consts))
	}
	if nd.kinds[kObject] > 0 {
		if u := e.union(nd, path, consts, len(types) == 1); u != nil {
			return u
		}
		e.objectKeywords(s, nd, path, consts)
	}
	return s
}

func (e *emitter) stringKeywords(s *omap, nd *node, path string) {
	n := nd.kinds[kString]
	if nd.secret {
		e.note("`%s`: a credential (by its key or shape): values redacted, no format or enum", show(path))
		return
	}
	if f := formatName(nd.formats); f != "" {
		s.set("format", f)
		e.note("`%s`: format %s, as every sample (%d)", show(path), f, n)
		return
	}
	if nd.strs != nil && nd.label && n >= minEnumSamples && len(nd.strs) <= maxEnumDistinct && 2*len(nd.strs) <= n {
		vals := slices.Sorted(maps.Keys(nd.strs))
		s.set("x-extensible-enum", vals)
		e.note("`%s`: open enum (x-extensible-enum) of %s in %d samples", show(path), plural(len(vals), "value"), n)
	}
}

var reIDKey = regexp.MustCompile(`^(-?\d+|[0-9a-fA-F]{8,}|[0-9a-fA-F-]{36}|[0-9A-HJKMNP-TV-Z]{26})$`)

// isMap tells a map (keys are data) from a record (keys are names).
func isMap(nd *node) (bool, string) {
	if nd.mapped != nil {
		return true, fmt.Sprintf("more than %d distinct keys", maxProps)
	}
	if len(nd.props) == 0 {
		return false, ""
	}
	ids := 0
	for _, p := range nd.props {
		if reIDKey.MatchString(p.name) {
			ids++
		}
	}
	if ids == len(nd.props) {
		return true, "its keys look like ids"
	}
	if nd.objN >= 4 && len(nd.props) >= 8 {
		for _, p := range nd.props {
			if 2*p.count > nd.objN {
				return false, ""
			}
		}
		return true, fmt.Sprintf("its %d keys vary from frame to frame", len(nd.props))
	}
	return false, ""
}

func (e *emitter) objectKeywords(s *omap, nd *node, path string, consts map[string]string) {
	if ok, why := isMap(nd); ok {
		m := nd.mapped
		if m == nil {
			m = newNode()
			for _, p := range nd.props {
				m.merge(p.node)
			}
		}
		e.note("`%s`: a map (additionalProperties), since %s", show(path), why)
		s.set("additionalProperties", e.schema(m, path+"{}", nil))
		return
	}
	props := newMap()
	var req []string
	for _, p := range nd.props {
		if p.name == "$ref" {
			// AsyncAPI tools read any $ref key as a reference: the property
			// stays undeclared (the object is open) and out of examples.
			e.note("`%s`: a property named $ref is left undeclared", show(path))
			continue
		}
		sub := join(path, p.name)
		e.fields++
		props.set(p.name, e.schema(p.node, sub, consts))
		_, isConst := consts[sub]
		switch {
		case isConst || (p.count == nd.objN && (nd.objN >= e.minRequired || path == "" && e.shape[p.name])):
			req = append(req, p.name)
		case p.count == nd.objN:
			e.fewSamples++
			e.fewMax = max(e.fewMax, p.count)
		}
	}
	if len(props.keys) > 0 {
		s.set("properties", props)
	}
	if len(req) > 0 {
		s.set("required", req)
	}
}

// union writes a tagged union as a oneOf of named branches, each with the
// tag as a const. It returns nil when the place is not one.
func (e *emitter) union(nd *node, path string, consts map[string]string, onlyObjects bool) *omap {
	if !onlyObjects || nd.untagged || len(nd.variants) < 2 || nd.mapped != nil || e.doc == nil || !variantsDiffer(nd) {
		return nil
	}
	if _, ok := consts[join(path, nd.tag)]; ok {
		return nil
	}
	var branches []any
	order := append([]string(nil), nd.vorder...)
	sort.Strings(order)
	for _, val := range order {
		v := nd.variants[val]
		bc := map[string]string{nd.tag: val}
		sub := &emitter{minRequired: e.minRequired, doc: e.doc, msg: e.msg}
		bs := newMap().set("type", "object")
		sub.objectKeywords(bs, v, "", bc)
		e.fields += sub.fields
		e.fewSamples += sub.fewSamples
		e.fewMax = max(e.fewMax, sub.fewMax)
		for _, n := range sub.notes {
			e.notes = append(e.notes, strings.Replace(n, "`", "`"+show(path)+"("+val+").", 1))
		}
		name := e.doc.schemaName(camel(val), e.msg)
		e.doc.schemas.set(name, bs)
		branches = append(branches, newMap().set("$ref", "#/components/schemas/"+name))
	}
	// New variants are the rule (GraphQL types, event kinds): a catch-all
	// branch takes them, valid with an unknown-variant note.
	other := newMap().set("type", "object").set("x-wsbind-open", true)
	other.set("properties", newMap().set(nd.tag, newMap().set("type", "string").set("not", newMap().set("enum", order))))
	other.set("required", []string{nd.tag})
	oname := e.doc.schemaName(camel(nd.tag)+"Other", e.msg)
	e.doc.schemas.set(oname, other)
	branches = append(branches, newMap().set("$ref", "#/components/schemas/"+oname))
	e.note("`%s`: a union of %d variants told apart by `%s`, open to new ones", show(path), len(order), nd.tag)
	return newMap().set("oneOf", branches)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// show makes a path printable and bounded: keys come from the capture.
func show(p string) string {
	if p == "" {
		p = "(frame)"
	}
	p = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '`' {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(p, "?"))
	if len(p) > 120 {
		p = p[:117] + "..."
	}
	return p
}

// camel makes a Go-friendly name out of a discriminator value:
// channel.tips gives ChannelTips, connection_ack ConnectionAck.
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	if b.Len() == 0 {
		return "Value"
	}
	return b.String()
}

// variantsDiffer reports whether the variants of a union have different
// fields, either their own (DLive chat types) or below a shared envelope
// (Neuro's eventData): variants of one shape are a record with an enum,
// not a union.
func variantsDiffer(nd *node) bool {
	own := make([]map[string]bool, 0, len(nd.variants))
	deep := make([]map[string]bool, 0, len(nd.variants))
	for _, k := range nd.vorder {
		v := nd.variants[k]
		o := map[string]bool{}
		for _, p := range v.props {
			o[p.name] = true
		}
		d := map[string]bool{}
		nodePaths(v, "", d, 0)
		own, deep = append(own, o), append(deep, d)
	}
	return meanJaccard(own) < 0.7 || meanJaccard(deep) < splitSimilarity
}

func meanJaccard(sets []map[string]bool) float64 {
	total, pairs := 0.0, 0
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			total += jaccard(sets[i], sets[j])
			pairs++
		}
	}
	if pairs == 0 {
		return 1
	}
	return total / float64(pairs)
}

// nodePaths collects the property paths of an accumulated object, a few
// levels deep: variants may differ only below a shared envelope.
func nodePaths(nd *node, prefix string, out map[string]bool, depth int) {
	if nd == nil || depth > 4 || len(out) > 512 {
		return
	}
	for _, p := range nd.props {
		k := prefix + "/" + p.name
		out[k] = true
		nodePaths(p.node, k, out, depth+1)
	}
	if nd.items != nil {
		nodePaths(nd.items, prefix+"/*", out, depth+1)
	}
}
