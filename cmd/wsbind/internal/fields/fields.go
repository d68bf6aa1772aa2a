// Package fields works on JSON pointers of frames: it turns array indices
// into "*" so pointers of many frames can be counted together, lists the
// optional properties a provider's JSON Schema bundle declares for each
// message, and tracks which of them frames ever filled.
package fields

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wsbind/wsbind/runtime/wire"
)

// Printable makes a pointer, key or value one line of text for a report:
// they come from the frame, and a tab, newline or invalid UTF-8 in one
// would break its columns, so each becomes U+FFFD.
func Printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

// Wildcard is the pointer segment that stands for any array index.
const Wildcard = "*"

// HasIndex reports whether ptr has a segment that may be an array index
// (all digits), so Generalize needs the frame to decide.
func HasIndex(ptr string) bool {
	for _, seg := range strings.Split(ptr, "/")[1:] {
		if isIndex(seg) {
			return true
		}
	}
	return false
}

// Generalize replaces the array indices of ptr, a JSON pointer into doc (a
// frame decoded with encoding/json into any), with "*". A numeric segment
// is an index only where doc holds an array; when doc is nil, or ptr leaves
// doc, every remaining all-digit segment is taken for an index.
func Generalize(ptr string, doc any) string {
	if ptr == "" {
		return ""
	}
	segs := strings.Split(ptr[1:], "/")
	node, known := doc, doc != nil
	for i, seg := range segs {
		if !known {
			if isIndex(seg) {
				segs[i] = Wildcard
			}
			continue
		}
		switch v := node.(type) {
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(v) {
				known = false
				if isIndex(seg) {
					segs[i] = Wildcard
				}
				continue
			}
			segs[i] = Wildcard
			node = v[n]
		case map[string]any:
			node, known = v[unescape(seg)]
		default:
			known = false
			if isIndex(seg) {
				segs[i] = Wildcard
			}
		}
	}
	return "/" + strings.Join(segs, "/")
}

func isIndex(seg string) bool {
	if seg == "" {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return false
		}
	}
	return true
}

func unescape(seg string) string {
	if !strings.Contains(seg, "~") {
		return seg
	}
	return strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
}

// Optional lists, for each message of messages that the bundle defines
// (under "definitions", keyed by message name, as wsbind-gen writes it),
// the JSON pointers of its optional properties, array items written "*",
// sorted. A property is optional where the object declaring it does not
// require it; properties of every oneOf/anyOf branch and allOf part count.
// Free-form values and map-like objects (additionalProperties schemas) add
// nothing.
func Optional(bundle []byte, messages []string) (map[string][]string, error) {
	var doc struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(bundle, &doc); err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(messages))
	for _, name := range messages {
		def, ok := doc.Definitions[name]
		if !ok {
			continue
		}
		w := walker{defs: doc.Definitions, found: map[string]bool{}, active: map[string]bool{name: true}}
		w.walk(def, "", 0)
		ptrs := make([]string, 0, len(w.found))
		for p := range w.found {
			ptrs = append(ptrs, p)
		}
		sort.Strings(ptrs)
		out[name] = ptrs
	}
	return out, nil
}

type walker struct {
	defs  map[string]any
	found map[string]bool
	// active holds the definitions being walked, so recursive schemas end.
	active map[string]bool
}

const maxDepth = 32

// walk visits schema s located at ptr.
func (w *walker) walk(s any, ptr string, depth int) {
	if depth > maxDepth {
		return
	}
	props := map[string][]any{}
	var names []string
	required := map[string]bool{}
	var branches, items []any
	var entered []string
	var collect func(s any)
	collect = func(s any) {
		m, ok := s.(map[string]any)
		if !ok {
			return
		}
		if ref, ok := m["$ref"].(string); ok {
			name, ok := strings.CutPrefix(ref, "#/definitions/")
			if ok && !w.active[name] {
				w.active[name] = true
				entered = append(entered, name)
				collect(w.defs[name])
			}
		}
		if ps, ok := m["properties"].(map[string]any); ok {
			for k, v := range ps {
				if _, seen := props[k]; !seen {
					names = append(names, k)
				}
				props[k] = append(props[k], v)
			}
		}
		if req, ok := m["required"].([]any); ok {
			for _, r := range req {
				if r, ok := r.(string); ok {
					required[r] = true
				}
			}
		}
		for _, k := range []string{"allOf"} {
			if parts, ok := m[k].([]any); ok {
				for _, p := range parts {
					collect(p)
				}
			}
		}
		for _, k := range []string{"oneOf", "anyOf"} {
			if bs, ok := m[k].([]any); ok {
				branches = append(branches, bs...)
			}
		}
		if it, ok := m["items"]; ok {
			items = append(items, it)
		}
	}
	collect(s)
	defer func() {
		for _, name := range entered {
			delete(w.active, name)
		}
	}()
	for _, k := range names {
		p := ptr + "/" + wire.EscapePointer(k)
		if !required[k] {
			w.found[p] = true
		}
		for _, ps := range props[k] {
			w.walk(ps, p, depth+1)
		}
	}
	for _, b := range branches {
		w.walk(b, ptr, depth+1)
	}
	for _, it := range items {
		w.walk(it, ptr+"/"+Wildcard, depth+1)
	}
}

// Tracker records which of a message's optional pointers frames filled.
type Tracker struct {
	declared []string
	want     map[string]bool // declared pointers
	prefixes map[string]bool // declared pointers and their ancestors
	filled   map[string]bool
}

// NewTracker tracks the optional pointers declared (as Optional lists them).
func NewTracker(declared []string) *Tracker {
	t := &Tracker{declared: declared, want: map[string]bool{}, prefixes: map[string]bool{}, filled: map[string]bool{}}
	for _, p := range declared {
		t.want[p] = true
		for q := p; q != ""; q = q[:strings.LastIndexByte(q, '/')] {
			t.prefixes[q] = true
		}
	}
	return t
}

// Observe records the pointers present in doc, a frame decoded with
// encoding/json into any. Only the parts of doc leading to declared
// pointers are visited.
func (t *Tracker) Observe(doc any) {
	if len(t.want) > 0 {
		t.visit(doc, "")
	}
}

func (t *Tracker) visit(v any, ptr string) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			p := ptr + "/" + wire.EscapePointer(k)
			if !t.prefixes[p] {
				continue
			}
			if t.want[p] {
				t.filled[p] = true
			}
			t.visit(c, p)
		}
	case []any:
		p := ptr + "/" + Wildcard
		if !t.prefixes[p] {
			return
		}
		for _, c := range v {
			t.visit(c, p)
		}
	}
}

// NeverFilled lists the declared pointers no observed frame held, sorted;
// a pointer under one already listed is left out.
func (t *Tracker) NeverFilled() []string {
	var out []string
	for _, p := range t.declared {
		if t.filled[p] {
			continue
		}
		under := false
		for _, q := range out {
			if strings.HasPrefix(p, q+"/") {
				under = true
				break
			}
		}
		if !under {
			out = append(out, p)
		}
	}
	return out
}

// Resolve returns the value at JSON pointer ptr in doc (a frame decoded
// with encoding/json into any).
func Resolve(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, doc != nil
	}
	if ptr[0] != '/' {
		return nil, false
	}
	node := doc
	for _, seg := range strings.Split(ptr[1:], "/") {
		switch v := node.(type) {
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || !isIndex(seg) || n >= len(v) {
				return nil, false
			}
			node = v[n]
		case map[string]any:
			var ok bool
			if node, ok = v[unescape(seg)]; !ok {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return node, true
}
