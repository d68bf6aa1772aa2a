package conformance

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/schemacheck"
	"github.com/wsbind/wsbind/runtime/wire"
)

// mutation is one broken variant of a valid example, with the violation
// the generated validator must report for it.
type mutation struct {
	what    string
	frame   []byte
	pointer string
	keyword string
	// note is set for a mutation inside an open set (x-extensible-enum,
	// x-wsbind-open): the frame may stay valid, with a note of this kind
	// at pointer, and generated and jsonschema must agree either way.
	note string
}

// mutator walks an example along its IR type and breaks it in every way the
// issue lists: a required property dropped, a value of the wrong type, a bad
// enum value, a property where none is allowed, a bad format, a pattern
// miss, an unknown discriminator.
type mutator struct {
	root any
	out  []mutation
}

func (m *mutator) add(what, ptr, keyword string, edit func(root any) any) {
	var copyRoot any
	b, _ := json.Marshal(m.root)
	_ = json.Unmarshal(b, &copyRoot)
	copyRoot = edit(copyRoot)
	frame, err := json.Marshal(copyRoot)
	if err != nil {
		panic(err)
	}
	m.out = append(m.out, mutation{what: what + " at " + ptr, frame: frame, pointer: ptr, keyword: keyword})
}

// addOpen adds a mutation inside an open set, which may keep the frame
// valid with a note of kind at notePtr.
func (m *mutator) addOpen(what, ptr, notePtr, kind string, edit func(root any) any) {
	m.add(what, ptr, "", edit)
	last := &m.out[len(m.out)-1]
	last.pointer, last.note = notePtr, kind
}

// at returns a function that replaces the value at path in a decoded copy.
func at(path []string, replace func(parent any, key string) any) func(any) any {
	return func(root any) any {
		if len(path) == 0 {
			return replace(nil, "")
		}
		cur := root
		for _, seg := range path[:len(path)-1] {
			cur = child(cur, seg)
		}
		replace(cur, path[len(path)-1])
		return root
	}
}

func child(v any, seg string) any {
	switch c := v.(type) {
	case map[string]any:
		return c[seg]
	case []any:
		var i int
		fmt.Sscan(seg, &i)
		return c[i]
	}
	return nil
}

func set(parent any, key string, val any) {
	switch c := parent.(type) {
	case map[string]any:
		c[key] = val
	case []any:
		var i int
		fmt.Sscan(key, &i)
		c[i] = val
	}
}

func pointer(path []string) string {
	if len(path) == 0 {
		return ""
	}
	esc := make([]string, len(path))
	for i, p := range path {
		esc[i] = wire.EscapePointer(p)
	}
	return "/" + strings.Join(esc, "/")
}

func wrongTypeFor(t *ir.Type) any {
	switch t.Kind {
	case ir.String, ir.Enum:
		return 12345
	case ir.Int, ir.Float:
		return "not a number"
	case ir.Bool:
		return "not a boolean"
	case ir.Slice:
		return map[string]any{"not": "an array"}
	case ir.Struct, ir.Map:
		return []any{"not an object"}
	}
	return nil
}

func (m *mutator) walk(t *ir.Type, v any, path []string, discKeys map[string]bool) {
	ptr := pointer(path)
	p := append([]string{}, path...)
	switch t.Kind {
	case ir.Nullable:
		if v != nil {
			m.walk(t.Elem, v, path, nil)
		}
	case ir.String:
		s, _ := v.(string)
		if t.Const == nil {
			m.add("wrong type", ptr, "type", at(p, func(par any, k string) any { set(par, k, 12345); return 12345 }))
		}
		if t.Format != "" {
			m.add("bad format", ptr, "format", at(p, func(par any, k string) any { set(par, k, "not a "+t.Format); return nil }))
		}
		if t.Pattern != "" && s != "" {
			m.add("pattern miss", ptr, "pattern", at(p, func(par any, k string) any { set(par, k, "\x01!"); return nil }))
		}
	case ir.Int, ir.Float, ir.Bool:
		if t.Const == nil {
			bad := wrongTypeFor(t)
			m.add("wrong type", ptr, "type", at(p, func(par any, k string) any { set(par, k, bad); return bad }))
		}
	case ir.Enum:
		if t.Open {
			m.addOpen("value new to an open enum", ptr, ptr, wire.NoteUnknownValue, at(p, func(par any, k string) any { set(par, k, "zz-not-listed"); return nil }))
			return
		}
		m.add("bad enum", ptr, "enum", at(p, func(par any, k string) any { set(par, k, "zz-not-listed"); return nil }))
	case ir.Slice:
		arr, _ := v.([]any)
		for i, e := range arr {
			m.walk(t.Elem, e, append(p, fmt.Sprint(i)), nil)
		}
	case ir.Map:
		obj, _ := v.(map[string]any)
		for _, k := range sortedKeys(obj) {
			m.walk(t.Elem, obj[k], append(p, k), nil)
		}
	case ir.Union:
		if t.Disc == "" {
			return // by JSON type: the branch values are walked by their own tests
		}
		obj, _ := v.(map[string]any)
		tag, _ := obj[t.Disc].(string)
		open := slices.ContainsFunc(t.Branches, func(b *ir.Branch) bool { return b.Open })
		for _, b := range t.Branches {
			if slices.Contains(b.Values, tag) || (b.Open && !slices.ContainsFunc(t.Branches, func(o *ir.Branch) bool { return slices.Contains(o.Values, tag) })) {
				unknown := at(append(p, t.Disc), func(par any, k string) any { set(par, k, "ZzUnknownValue"); return nil })
				if open {
					m.addOpen("discriminator new to an open union", ptr, pointer(append(p, t.Disc)), wire.NoteUnknownVariant, unknown)
				} else {
					m.add("unknown discriminator", ptr, "oneOf", unknown)
				}
				m.walk(b.Type, v, path, map[string]bool{t.Disc: true})
			}
		}
	case ir.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		if len(path) > 0 {
			bad := wrongTypeFor(t)
			m.add("wrong type", ptr, "type", at(p, func(par any, k string) any { set(par, k, bad); return nil }))
		}
		if t.Closed {
			m.add("extra property", pointer(append(p, "zz_extra")), "additionalProperties", at(append(p, "zz_extra"), func(par any, k string) any { set(par, k, true); return nil }))
		}
		for _, f := range t.Fields {
			fv, present := obj[f.Name]
			if !present {
				continue
			}
			if _, isDisc := discKeys[f.Name]; isDisc {
				continue // changing a discriminator picks another branch: covered above
			}
			if f.Required {
				name := f.Name
				m.add("dropped "+name, ptr, "required", at(append(p, name), func(par any, k string) any { delete(par.(map[string]any), k); return nil }))
			}
			m.walk(f.Type, fv, append(p, f.Name), nil)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func loadIR(t *testing.T, name string) *ir.Package {
	t.Helper()
	doc, err := spec.Load(spec.NewLoader(), filepath.Join("..", "..", "specs", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := ir.Build(doc)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// TestMutatedExamplesFailWithTheRightPointerAndValidatorsAgree breaks every
// example in every listed way and requires the generated checks to report
// the mutation's JSON pointer and keyword, and the interpreted schema to
// reject the frame too.
func TestMutatedExamplesFailWithTheRightPointerAndValidatorsAgree(t *testing.T) {
	total := 0
	for _, p := range generated.Providers {
		pkg := loadIR(t, p.Name)
		sc, err := schemacheck.New(p.Schema)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]*ir.Message{}
		for _, m := range pkg.Messages {
			byName[m.Name] = m
		}
		for _, ex := range p.Examples {
			msg := byName[ex.Message]
			var root any
			if err := json.Unmarshal([]byte(ex.JSON), &root); err != nil {
				t.Fatal(err)
			}
			mu := &mutator{root: root}
			keys := map[string]bool{}
			dirRoot := pkg.Server.Root
			if ex.Direction == "client" {
				dirRoot = pkg.Client.Root
			}
			collectKeys(dirRoot, keys)
			open := map[string]bool{}
			openKeys(dirRoot, open)
			mu.walk(msg.Type, root, nil, keys)
			for _, k := range sortedKeys(keysAsAny(keys)) {
				unknown := at([]string{k}, func(par any, kk string) any { set(par, kk, "zz-unknown"); return nil })
				dropped := at([]string{k}, func(par any, kk string) any { delete(par.(map[string]any), kk); return nil })
				if _, ok := root.(map[string]any)[k]; ok && open[k] {
					// A catch-all message takes these: valid or not, as
					// its schema says, and jsonschema agrees.
					mu.addOpen("message new to an open set, by "+k, "", "/"+k, wire.NoteUnknownVariant, unknown)
					mu.addOpen("dispatch key "+k+" dropped", "", "", "", dropped)
					continue
				}
				if _, ok := root.(map[string]any)[k]; ok && keys[k] {
					mu.add("unknown message "+k, "", "oneOf", unknown)
				}
				if _, ok := root.(map[string]any)[k]; ok {
					mu.add("dispatch key "+k+" dropped", "", "oneOf", dropped)
				}
			}
			codec := p.Codec(ex.Direction)
			for _, mut := range mu.out {
				total++
				r := codec.Check(mut.frame, false)
				if mut.note != "" || mut.keyword == "" {
					checkOpen(t, p.Name+" "+ex.Message+"/"+ex.Name, mut, r, sc, dirDef(ex.Direction))
					continue
				}
				if r.Valid() {
					t.Errorf("%s %s/%s %s: generated accepts %s", p.Name, ex.Message, ex.Name, mut.what, mut.frame)
					continue
				}
				found := false
				for _, v := range r.Violations {
					found = found || (v.Pointer == mut.pointer && v.Keyword == mut.keyword)
				}
				if !found {
					t.Errorf("%s %s/%s %s: want %s at %q, got %v", p.Name, ex.Message, ex.Name, mut.what, mut.keyword, mut.pointer, r.Violations)
				} else if len(r.Violations) != 1 {
					// One broken value is one violation: a missing or
					// mistyped value must not also fail the checks of its
					// zero value.
					t.Errorf("%s %s/%s %s: want only %s at %q, got %v", p.Name, ex.Message, ex.Name, mut.what, mut.keyword, mut.pointer, r.Violations)
				}
				vs, err := sc.Validate(dirDef(ex.Direction), mut.frame)
				if err == nil && len(vs) == 0 {
					t.Errorf("%s %s/%s %s: jsonschema accepts what generated rejects: %s", p.Name, ex.Message, ex.Name, mut.what, mut.frame)
				}
			}
		}
	}
	if total < 500 {
		t.Fatalf("only %d mutations: the walk is not reaching into the examples", total)
	}
	t.Logf("%d mutated frames checked", total)
}

func keysAsAny(m map[string]bool) map[string]any {
	out := map[string]any{}
	for k := range m {
		out[k] = true
	}
	return out
}

// checkOpen judges a mutation inside an open set: generated and
// jsonschema agree on the verdict, and a valid frame carries the note.
func checkOpen(t *testing.T, where string, mut mutation, r wire.Result, sc *schemacheck.Checker, def string) {
	t.Helper()
	vs, err := sc.Validate(def, mut.frame)
	if err != nil {
		t.Fatal(err)
	}
	if r.Valid() != (len(vs) == 0) {
		t.Errorf("%s %s: generated valid=%v %v, jsonschema %v: %s", where, mut.what, r.Valid(), r.Violations, vs, mut.frame)
		return
	}
	if !r.Valid() || mut.note == "" {
		return
	}
	if !slices.ContainsFunc(r.Notes, func(n wire.Note) bool { return n.Kind == mut.note && n.Pointer == mut.pointer }) {
		t.Errorf("%s %s: valid without a %s note at %q: %v", where, mut.what, mut.note, mut.pointer, r.Notes)
	}
}

// openKeys marks the keys whose switch has a catch-all message.
func openKeys(sw *ir.Switch, keys map[string]bool) {
	if sw == nil || sw.Message != nil {
		return
	}
	if sw.Default != nil {
		keys[sw.Key] = true
	}
	for _, c := range sw.Cases {
		openKeys(c.Next, keys)
	}
}

func collectKeys(sw *ir.Switch, keys map[string]bool) {
	if sw.Message != nil {
		return
	}
	for _, c := range sw.Cases {
		if sw.Presence {
			keys[c.Values[0]] = false
		} else {
			keys[sw.Key] = true
		}
		collectKeys(c.Next, keys)
	}
}
