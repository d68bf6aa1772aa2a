package ir

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/wsbind/wsbind/gen/schema"
	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/runtime/jsonvalue"
)

// schemaExtensions are the x-wsbind-* keys allowed on a schema.
var schemaExtensions = []string{"x-wsbind-go-name", "x-wsbind-dispatch", "x-wsbind-source", "x-wsbind-open", "x-wsbind-inferred"}

// lowerer turns schema nodes into Types. Named schemas and every node it
// has seen are cached by node identity so that a schema reached by several
// $refs becomes one Go type.
type lowerer struct {
	loader *spec.Loader
	// checker compiles the full meaning of schemas no typed lowering
	// carries, for validators compiled from them.
	checker *schema.Compiler
	// warnings are annotations gen accepts but a user should hear of.
	warnings []string
	cache    map[*spec.Node]*Type
	named    map[string]*Type // Go name to type, for collision checks
	// building holds structs whose fields are being lowered: a struct is
	// cached before its fields so recursion terminates, and a field that
	// holds one by value would make the Go type infinitely large.
	building map[*Type]bool
	// reserved are the Go names of components/schemas entries: a type
	// named after its property (Parent+Property) steps aside for them.
	reserved map[string]bool
}

// componentGoName is the Go name a components/schemas key gives its type:
// PascalCase keys stay as written (ChatTCValueAdd), others become Go names.
func componentGoName(c string) string {
	if strings.ToUpper(c[:1]) != c[:1] {
		return GoName(c)
	}
	return c
}

// freeName returns hint, or hint with the first number that makes it a
// name no component reserves and no type has.
func (l *lowerer) freeName(hint string) string {
	name := hint
	for i := 2; l.reserved[name] || l.named[name] != nil; i++ {
		name = fmt.Sprintf("%s%d", hint, i)
	}
	return name
}

func newLowerer(l *spec.Loader) *lowerer {
	return &lowerer{loader: l, checker: schema.NewCompiler(l, l.Remotes), cache: map[*spec.Node]*Type{}, named: map[string]*Type{}, building: map[*Type]bool{}}
}

// componentName returns X when n sits at #/components/schemas/X.
func componentName(n *spec.Node) string {
	const prefix = "/components/schemas/"
	p := n.Loc.Pointer
	if !strings.HasPrefix(p, prefix) || strings.Contains(p[len(prefix):], "/") {
		return ""
	}
	return p[len(prefix):]
}

// lower lowers the schema at n. hint names the type if the schema is not a
// named component (Parent+Property).
func (l *lowerer) lower(n *spec.Node, hint string) (*Type, error) {
	if remote := l.remoteRef(n); remote != nil {
		return l.checked(remote)
	}
	target, err := l.deref(n)
	if err != nil {
		return nil, err
	}
	if t, ok := l.cache[target]; ok {
		return t, nil
	}
	name := hint
	if c := componentName(target); c != "" {
		name = componentGoName(c)
	} else if hint != "" {
		name = l.freeName(hint)
	}
	return l.lowerNew(target, name)
}

// forceName lowers a message payload under the message's own name.
func (l *lowerer) forceName(n *spec.Node, name string) (*Type, error) {
	if remote := l.remoteRef(n); remote != nil {
		return l.checked(remote)
	}
	target, err := l.deref(n)
	if err != nil {
		return nil, err
	}
	if t, ok := l.cache[target]; ok {
		return shareable(t, name), nil
	}
	return l.lowerNew(target, name)
}

// lowerNew lowers a schema not seen before and caches it. A schema whose
// every constraint a typed lowering carries becomes that type; any other
// becomes raw JSON with a validator compiled from its whole meaning.
func (l *lowerer) lowerNew(target *spec.Node, name string) (*Type, error) {
	if !l.losslessAllOf(target) {
		return l.checked(target)
	}
	body, err := l.flatten(target)
	if err != nil {
		return nil, err
	}
	if !exact(body) {
		return l.checked(target)
	}
	t, err := l.lowerBody(target, body, name)
	if err != nil {
		return nil, err
	}
	l.cache[target] = t
	return t, nil
}

// checked holds the schema at n as raw JSON, checked by a validator
// compiled from its full draft-07 meaning.
func (l *lowerer) checked(n *spec.Node) (*Type, error) {
	if _, err := spec.Extensions(n, schemaExtensions...); err != nil {
		return nil, err
	}
	sc, err := l.checker.Compile(n)
	if err != nil {
		return nil, err
	}
	t := &Type{Kind: Raw, Check: sc, Doc: schemaDoc(n), Loc: short(n.Loc)}
	l.cache[n] = t
	return t, nil
}

// flatten merges allOf parts into one synthetic mapping node. Properties
// named in several parts are merged keyword by keyword; a later part that
// is a $ref replaces an earlier part that only annotates or types loosely.
func (l *lowerer) flatten(n *spec.Node) (*spec.Node, error) {
	all := n.Get("allOf")
	if all == nil {
		return n, nil
	}
	out := &spec.Node{Kind: spec.Mapping, Loc: n.Loc}
	set := func(k string, v *spec.Node) {
		for i, have := range out.Keys {
			if have == k {
				out.Values[i] = v
				return
			}
		}
		out.Keys = append(out.Keys, k)
		out.Values = append(out.Values, v)
	}
	props := &spec.Node{Kind: spec.Mapping, Loc: n.Loc}
	var required []*spec.Node
	parts := append([]*spec.Node{}, all.Items...)
	// The node's own keywords beside allOf count as one more part.
	own := &spec.Node{Kind: spec.Mapping, Loc: n.Loc}
	for i, k := range n.Keys {
		if k != "allOf" {
			own.Keys = append(own.Keys, k)
			own.Values = append(own.Values, n.Values[i])
		}
	}
	parts = append(parts, own)
	for _, p := range parts {
		part, err := l.deref(p)
		if err != nil {
			return nil, err
		}
		part, err = l.flatten(part)
		if err != nil {
			return nil, err
		}
		if part.Kind != spec.Mapping {
			return nil, p.Errorf("allOf part must be a schema object")
		}
		for i, k := range part.Keys {
			v := part.Values[i]
			switch k {
			case "properties":
				for j, pk := range v.Keys {
					merged, err := l.mergeProp(props.Get(pk), v.Values[j])
					if err != nil {
						return nil, err
					}
					setKey(props, pk, merged)
				}
			case "required":
				required = append(required, v.Items...)
			case "additionalProperties":
				if v.Kind == spec.ScalarKind && v.Scalar == false && p != own {
					return nil, v.Errorf("additionalProperties: false inside an allOf part changes meaning under JSON Schema; put it beside allOf")
				}
				set(k, v)
			default:
				set(k, v)
			}
		}
	}
	if len(props.Keys) > 0 {
		set("properties", props)
	}
	if len(required) > 0 {
		set("required", &spec.Node{Kind: spec.Sequence, Items: required, Loc: n.Loc})
	}
	return out, nil
}

func setKey(m *spec.Node, k string, v *spec.Node) {
	for i, have := range m.Keys {
		if have == k {
			m.Values[i] = v
			return
		}
	}
	m.Keys = append(m.Keys, k)
	m.Values = append(m.Values, v)
}

// annotationOnly reports whether a schema constrains nothing beyond a type.
func annotationOnly(n *spec.Node) bool {
	for _, k := range n.Keys {
		switch k {
		case "description", "title", "examples", "default", "deprecated", "type":
		default:
			if !strings.HasPrefix(k, "x-") {
				return false
			}
		}
	}
	return true
}

func (l *lowerer) mergeProp(a, b *spec.Node) (*spec.Node, error) {
	if a == nil {
		return b, nil
	}
	if b.Get("$ref") != nil || b.Get("oneOf") != nil {
		ad, err := l.deref(a)
		if err != nil {
			return nil, err
		}
		if !annotationOnly(ad) {
			return nil, b.Errorf("cannot override a constrained property with a $ref or oneOf in allOf")
		}
		return b, nil
	}
	ad, err := l.deref(a)
	if err != nil {
		return nil, err
	}
	bd, err := l.deref(b)
	if err != nil {
		return nil, err
	}
	out := &spec.Node{Kind: spec.Mapping, Loc: bd.Loc}
	for i, k := range ad.Keys {
		setKey(out, k, ad.Values[i])
	}
	for i, k := range bd.Keys {
		setKey(out, k, bd.Values[i])
	}
	return out, nil
}

// types returns the schema's type keyword as a list and whether null is
// among them.
func schemaTypes(n *spec.Node) (types []string, nullable bool, err error) {
	t := n.Get("type")
	switch {
	case t == nil:
		return nil, false, nil
	case t.Kind == spec.ScalarKind:
		return []string{t.Str()}, false, nil
	case t.Kind == spec.Sequence:
		for _, it := range t.Items {
			if it.Str() == "null" {
				nullable = true
				continue
			}
			types = append(types, it.Str())
		}
		if len(types) > 1 {
			return nil, false, t.Errorf("a type list may hold one type and \"null\"")
		}
		return types, nullable, nil
	}
	return nil, false, t.Errorf("bad type")
}

func (l *lowerer) lowerBody(orig, n *spec.Node, name string) (*Type, error) {
	if n.Kind != spec.Mapping {
		if n.Kind == spec.ScalarKind && n.Scalar == true {
			return &Type{Kind: Raw, Loc: short(n.Loc)}, nil
		}
		return nil, n.Errorf("schema must be an object")
	}
	if _, err := spec.Extensions(n, schemaExtensions...); err != nil {
		return nil, err
	}
	for _, k := range n.Keys {
		if !supportedKeyword[k] && !strings.HasPrefix(k, "x-") && !noConstraint[k] {
			// exact() sent every draft-07 keyword the typed path lacks to
			// the compiled path; what is left is unknown to draft-07.
			l.warnings = append(l.warnings, fmt.Sprintf("%s: unknown keyword %q is an annotation under draft-07: nothing checks it", n.Loc, k))
		}
	}
	doc := schemaDoc(n)
	types, nullable, err := schemaTypes(n)
	if err != nil {
		return nil, err
	}
	if nullable && nullExcluded(n) {
		// An enum without null, or a const, rules null out whatever the
		// type says: the value is not nullable at all.
		nullable = false
	}
	if nullable {
		inner, err := l.lowerNonNull(orig, n, name, types, doc)
		if err != nil {
			return nil, err
		}
		if inner.Kind == Raw {
			if inner.RawTypes != nil {
				inner.RawTypes = append(inner.RawTypes, "null")
			}
			return inner, nil
		}
		return &Type{Kind: Nullable, Elem: inner, Loc: short(n.Loc)}, nil
	}
	return l.lowerNonNull(orig, n, name, types, doc)
}

var supportedKeyword = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true,
	"items": true, "enum": true, "const": true, "pattern": true, "minLength": true,
	"maxLength": true, "minimum": true, "maximum": true, "minItems": true, "maxItems": true,
	"exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true, // integers only: exact() says so
	"format": true, "description": true, "title": true, "default": true, "examples": true,
	"deprecated": true, "$ref": true, "oneOf": true, "allOf": true,
}

func (l *lowerer) lowerNonNull(orig, n *spec.Node, name string, types []string, doc string) (*Type, error) {
	loc := short(n.Loc)
	if one := n.Get("oneOf"); one != nil {
		// A union whose branches nothing tells apart (a const property or
		// the JSON type) has no Go type: it is held raw and checked with
		// oneOf's exactly-one meaning. Undo what the attempt registered.
		named, cache := maps.Clone(l.named), maps.Clone(l.cache)
		t := &Type{Kind: Union, Name: name, Doc: doc, Loc: loc}
		l.cache[orig] = t
		if err := l.register(n, t); err != nil {
			return nil, err
		}
		if err := l.lowerUnion(t, one); err != nil {
			var te *untypedUnion
			if !errors.As(err, &te) {
				return nil, err
			}
			l.named, l.cache = named, cache
			return l.checked(orig)
		}
		return t, nil
	}
	typ := ""
	if len(types) == 1 {
		typ = types[0]
	}
	if typ == "" {
		if c := n.Get("const"); c != nil {
			typ = jsonTypeOf(c.Scalar)
		} else if e := n.Get("enum"); e != nil {
			typ = "string"
		}
	}
	switch typ {
	case "":
		return &Type{Kind: Raw, Doc: doc, Loc: loc}, nil
	case "string":
		if e := n.Get("enum"); e != nil && n.Get("const") == nil {
			t := &Type{Kind: Enum, Name: name, Doc: doc, Loc: loc}
			_, nullable, _ := schemaTypes(n)
			for _, v := range e.Items {
				if v.Scalar == nil && v.Kind == spec.ScalarKind && nullable {
					continue // null is the Nullable wrapper's business
				}
				s, ok := v.Scalar.(string)
				if !ok {
					return nil, v.Errorf("enum values must be strings")
				}
				t.Values = append(t.Values, s)
			}
			l.cache[orig] = t
			return t, l.register(n, t)
		}
		if t, err := openEnum(n, name, doc, loc); err != nil {
			return nil, err
		} else if t != nil {
			l.cache[orig] = t
			return t, l.register(n, t)
		}
		t := scalar(String, doc, loc)
		return t, l.scalarChecks(t, n)
	case "integer":
		t := scalar(Int, doc, loc)
		return t, l.scalarChecks(t, n)
	case "number":
		t := scalar(Float, doc, loc)
		return t, l.scalarChecks(t, n)
	case "boolean":
		t := scalar(Bool, doc, loc)
		return t, l.scalarChecks(t, n)
	case "array":
		t := scalar(Slice, doc, loc)
		if err := l.scalarChecks(t, n); err != nil {
			return nil, err
		}
		items := n.Get("items")
		if items == nil {
			t.Elem = &Type{Kind: Raw, Loc: loc}
			return t, nil
		}
		elem, err := l.lower(items, name+"Item")
		if err != nil {
			return nil, err
		}
		t.Elem = elem
		return t, nil
	case "object":
		props := n.Get("properties")
		ap := n.Get("additionalProperties")
		if props == nil || len(props.Keys) == 0 {
			if ap != nil && ap.Kind == spec.Mapping {
				elem, err := l.lower(ap, name+"Value")
				if err != nil {
					return nil, err
				}
				return &Type{Kind: Map, Elem: elem, Doc: doc, Loc: loc}, nil
			}
			return &Type{Kind: Raw, RawTypes: []string{"object"}, Doc: doc, Loc: loc}, nil
		}
		return l.lowerStruct(orig, n, name, doc)
	case "null":
		return &Type{Kind: Raw, RawTypes: []string{"null"}, Doc: doc, Loc: loc}, nil
	}
	return nil, n.Errorf("unsupported type %q", typ)
}

// numberText is a number node's literal as written.
func numberText(n *spec.Node) string {
	if n.Text != "" && spec.IsJSONNumber(n.Text) {
		return n.Text
	}
	return fmt.Sprint(n.Scalar)
}

func scalar(k Kind, doc, loc string) *Type {
	return &Type{Kind: k, Doc: doc, Loc: loc, MinLength: -1, MaxLength: -1, MinItems: -1, MaxItems: -1}
}

func jsonTypeOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return ""
}

func (l *lowerer) register(n *spec.Node, t *Type) error {
	if t.Name == "" {
		return n.Errorf("cannot name this type; give it a components/schemas key")
	}
	if prev, ok := l.named[t.Name]; ok && prev != t {
		return n.Errorf("Go type name %s is used twice (also %s)", t.Name, prev.Loc)
	}
	l.named[t.Name] = t
	return nil
}

func intOf(n *spec.Node) (int, bool) {
	if n == nil {
		return -1, false
	}
	switch v := n.Scalar.(type) {
	case int64:
		return int(v), true
	case float64:
		return int(v), true
	}
	return -1, false
}

func floatOf(n *spec.Node) *float64 {
	if n == nil {
		return nil
	}
	switch v := n.Scalar.(type) {
	case int64:
		f := float64(v)
		return &f
	case float64:
		return &v
	}
	return nil
}

func (l *lowerer) scalarChecks(t *Type, n *spec.Node) error {
	if t.Kind == Int {
		return intChecks(t, n)
	}
	if c := n.Get("const"); c != nil {
		if want := map[Kind]string{String: "string", Int: "integer", Float: "number", Bool: "boolean"}[t.Kind]; want == "" || (jsonTypeOf(c.Scalar) != want && !(want == "number" && jsonTypeOf(c.Scalar) == "integer")) {
			return c.Errorf("const does not fit type")
		}
		t.Const = c.Scalar
		if i, ok := c.Scalar.(int64); ok && t.Kind == Float {
			t.Const = float64(i)
		}
	}
	if e := n.Get("enum"); e != nil {
		return e.Errorf("enum is supported on strings only")
	}
	if p := n.Get("pattern"); p != nil {
		if _, err := regexp.Compile(p.Str()); err != nil {
			return p.Errorf("pattern: %v", err)
		}
		t.Pattern = p.Str()
	}
	if f := n.Get("format"); f != nil {
		switch {
		case typedFormats[f.Str()]:
			t.Format = f.Str()
		case asserted(f.Str()):
			return f.Errorf("format %q reached the typed lowering; exact() should have sent it to the compiled path", f.Str())
		default:
			l.warnings = append(l.warnings, fmt.Sprintf("%s: format %q is not one draft-07 validators assert: it is an annotation", f.Loc, f.Str()))
		}
	}
	if v, ok := intOf(n.Get("minLength")); ok {
		t.MinLength = v
	}
	if v, ok := intOf(n.Get("maxLength")); ok {
		t.MaxLength = v
	}
	if v, ok := intOf(n.Get("minItems")); ok {
		t.MinItems = v
	}
	if v, ok := intOf(n.Get("maxItems")); ok {
		t.MaxItems = v
	}
	t.Minimum = floatOf(n.Get("minimum"))
	if t.Kind == Float {
		for i, k := range []string{"minimum", "maximum", "const"} {
			if v := n.Get(k); v != nil {
				t.NumberLits[i] = numberText(v)
			}
		}
	}
	t.Maximum = floatOf(n.Get("maximum"))
	return nil
}

// intChecks sets an Int's keywords and its Go type: int64 when they
// confine every valid value to int64, else wire.Integer. A const that is
// an int64 is kept in Const too, for code that sets it.
func intChecks(t *Type, n *spec.Node) error {
	r, err := intRuleOf(n)
	if err != nil {
		return err
	}
	t.Ints, t.Wide = r, !r.Int64()
	if r != nil && r.Const != "" {
		if v, integer, fits := jsonvalue.IntValue(r.Const); integer && fits {
			t.Const = v
		}
	}
	return nil
}

func (l *lowerer) lowerStruct(orig, n *spec.Node, name, doc string) (*Type, error) {
	t := &Type{Kind: Struct, Name: name, Doc: doc, Loc: short(n.Loc), Deprecated: deprecated(n)}
	l.cache[orig] = t // before fields, so recursive schemas terminate
	if err := l.register(n, t); err != nil {
		return nil, err
	}
	if ap := n.Get("additionalProperties"); ap != nil {
		switch {
		case ap.Kind == spec.ScalarKind && ap.Scalar == false:
			t.Closed = true
		case ap.Kind == spec.ScalarKind && ap.Scalar == true:
		default:
			return nil, ap.Errorf("additionalProperties with a schema is supported only on objects without properties")
		}
	}
	l.building[t] = true
	defer delete(l.building, t)
	required := map[string]bool{}
	if r := n.Get("required"); r != nil {
		for _, it := range r.Items {
			required[it.Str()] = true
		}
	}
	props := n.Get("properties")
	goNames := map[string]string{}
	for i, key := range props.Keys {
		pn := props.Values[i]
		pd, err := l.deref(pn)
		if err != nil {
			return nil, err
		}
		ext, err := spec.Extensions(pn, schemaExtensions...)
		if err != nil {
			return nil, err
		}
		goName := GoName(key)
		explicit := ext["x-wsbind-go-name"] != nil
		if explicit {
			goName = ext["x-wsbind-go-name"].Str()
		}
		if prev, ok := goNames[goName]; ok && !explicit {
			// "e" and "E" (Binance: event type and event time): the later
			// property takes the first free numbered name, with a warning.
			base := goName
			for i := 2; ok; i++ {
				goName = fmt.Sprintf("%s%d", base, i)
				_, ok = goNames[goName]
			}
			l.warnings = append(l.warnings, fmt.Sprintf("%s: properties %q and %q would both be field %s; %q is %s (set x-wsbind-go-name to choose)", pn.Loc, prev, key, base, key, goName))
		}
		if prev, ok := goNames[goName]; ok {
			return nil, pn.Errorf("properties %q and %q both become field %s; set x-wsbind-go-name", prev, key, goName)
		}
		goNames[goName] = key
		ft, err := l.lower(pn, name+goName)
		if err != nil {
			return nil, err
		}
		if inner := ft; inner.Kind == Struct || (inner.Kind == Nullable && inner.Elem.Kind == Struct) {
			if inner.Kind == Nullable {
				inner = inner.Elem
			}
			if l.building[inner] {
				// A Go struct cannot hold itself by value: this property
				// stays raw JSON, checked by a validator compiled from
				// the same schema.
				sc, err := l.checker.Compile(pd)
				if err != nil {
					return nil, err
				}
				ft = &Type{Kind: Raw, Check: sc, Loc: short(pn.Loc)}
			}
		}
		fdoc := pn.Get("description").Str()
		if fdoc == "" {
			fdoc = pd.Get("description").Str()
		}
		if deprecated(pn) { // not pd: a field holding a deprecated type is not itself deprecated
			fdoc = withDeprecation(fdoc, "property")
		}
		f := &Field{Name: key, GoName: goName, Doc: fdoc, Required: required[key], Type: ft, Deprecated: deprecated(pn)}
		if d := ext["x-wsbind-dispatch"]; d != nil && d.Scalar == true {
			u := ft
			if u.Kind == Slice {
				u = u.Elem
			}
			if u.Kind != Union || u.Disc == "" {
				return nil, pn.Errorf("x-wsbind-dispatch needs a discriminated union or an array of one")
			}
			f.Dispatch = true
		}
		delete(required, key)
		t.Fields = append(t.Fields, f)
	}
	if len(required) > 0 {
		var missing []string
		for k := range required {
			missing = append(missing, k)
		}
		sort.Strings(missing)
		return nil, n.Errorf("required properties %q are not declared in properties", missing)
	}
	return t, nil
}

func (l *lowerer) lowerUnion(t *Type, one *spec.Node) error {
	if len(one.Items) < 2 {
		return &untypedUnion{} // a union of one: the compiled check carries it
	}
	var branches []*Type
	open := -1
	for i, b := range one.Items {
		bt, err := l.lower(b, fmt.Sprintf("%s%d", t.Name, i))
		if err != nil {
			return err
		}
		branches = append(branches, bt)
		if bn, err := l.deref(b); err == nil && bn.Get("x-wsbind-open") != nil {
			if x := bn.Get("x-wsbind-open"); x.Scalar != true || open >= 0 {
				return x.Errorf("x-wsbind-open must be true, on one branch of a oneOf")
			}
			open = i
		}
	}
	if open >= 0 {
		return l.openUnion(t, one, branches, open)
	}
	// Discriminated: every branch a struct with the same required const/enum
	// property, values disjoint.
	if disc, vals := findDiscriminator(branches); disc != "" {
		t.Disc = disc
		for i, bt := range branches {
			t.Branches = append(t.Branches, &Branch{Values: vals[i], Type: bt})
			bt.Unions = append(bt.Unions, t)
		}
		return nil
	}
	seen := map[string]bool{}
	for _, bt := range branches {
		jt := jsonTypeOfKind(bt)
		if jt == "" || seen[jt] {
			return &untypedUnion{}
		}
		seen[jt] = true
		br := &Branch{JSONType: jt, Type: bt}
		if bt.Kind == Struct {
			bt.Unions = append(bt.Unions, t)
		} else {
			br.GoName = t.Name + GoName(jt)
		}
		t.Branches = append(t.Branches, br)
	}
	if seen["integer"] && seen["number"] {
		return &untypedUnion{} // 1 is both
	}
	return nil
}

// openUnion lowers a discriminated union with a catch-all branch
// (x-wsbind-open): the other branches are told apart by a const property,
// and the catch-all's schema excludes every value they take at it, so a
// frame matches exactly one branch, as oneOf requires.
func (l *lowerer) openUnion(t *Type, one *spec.Node, branches []*Type, open int) error {
	at := one.Items[open]
	closed := append(slices.Clone(branches[:open]), branches[open+1:]...)
	disc, vals := findDiscriminator(closed)
	if disc == "" {
		return at.Errorf("x-wsbind-open branch of %s: the other branches must be told apart by a required const property", t.Name)
	}
	key, excl, err := l.openKey(at, "branch of "+t.Name)
	if err != nil {
		return err
	}
	if key != disc {
		return at.Errorf("x-wsbind-open branch of %s stands apart by %s, but the other branches are told apart by %s", t.Name, key, disc)
	}
	t.Disc = disc
	k := 0
	for i, bt := range branches {
		bt.Unions = append(bt.Unions, t)
		if i == open {
			if bt.Kind != Struct {
				return at.Errorf("x-wsbind-open branch of %s must be an object", t.Name)
			}
			bt.KeepRaw = true
			t.Branches = append(t.Branches, &Branch{Open: true, Type: bt})
			continue
		}
		for _, v := range vals[k] {
			if !slices.Contains(excl, v) {
				return at.Errorf("x-wsbind-open branch of %s: its %s must exclude %q, a value another branch has: add it to its not: enum", t.Name, disc, v)
			}
		}
		t.Branches = append(t.Branches, &Branch{Values: vals[k], Type: bt})
		k++
	}
	return nil
}

// untypedUnion is a oneOf whose branches no Go union can tell apart.
type untypedUnion struct{}

func (*untypedUnion) Error() string {
	return "oneOf branches told apart by neither a const property nor JSON type"
}

func jsonTypeOfKind(t *Type) string {
	switch t.Kind {
	case String, Enum:
		return "string"
	case Int:
		return "integer"
	case Float:
		return "number"
	case Bool:
		return "boolean"
	case Slice:
		return "array"
	case Struct, Map:
		return "object"
	}
	return ""
}

// discValues returns the string values a required const or enum field of
// struct t may take, or nil.
func discValues(t *Type, key string) []string {
	if t.Kind != Struct {
		return nil
	}
	for _, f := range t.Fields {
		if f.Name != key || !f.Required {
			continue
		}
		switch {
		case f.Type.Kind == String && f.Type.Const != nil:
			return []string{f.Type.Const.(string)}
		case f.Type.Kind == Enum && !f.Type.Open: // an open enum takes any value
			return f.Type.Values
		}
	}
	return nil
}

// findDiscriminator finds the first property (in the first branch's order)
// that every branch requires with const/enum values disjoint across branches.
func findDiscriminator(branches []*Type) (string, [][]string) {
	if branches[0].Kind != Struct {
		return "", nil
	}
	for _, f := range branches[0].Fields {
		vals := make([][]string, len(branches))
		ok := true
		seen := map[string]bool{}
		for i, b := range branches {
			vals[i] = discValues(b, f.Name)
			if vals[i] == nil {
				ok = false
				break
			}
			for _, v := range vals[i] {
				if seen[v] {
					ok = false
				}
				seen[v] = true
			}
		}
		if ok {
			return f.Name, vals
		}
	}
	return "", nil
}

// sortedTypes returns the named types sorted by name.
func (l *lowerer) sortedTypes() []*Type {
	out := make([]*Type, 0, len(l.named))
	for _, t := range l.named {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// short names a schema by file and JSON pointer, for generated comments:
// stable when lines move.
func short(l spec.Loc) string {
	return filepath.Base(l.File) + "#" + l.Pointer
}

// remoteRef follows n's $refs while the loader can, by path, and returns
// the node whose $ref is an absolute URI mapped by Remotes, or nil. The
// compiled check resolves such refs; the loader does not fetch.
func (l *lowerer) remoteRef(n *spec.Node) *spec.Node {
	if l.loader.Remotes == nil {
		return nil
	}
	for hops := 0; n != nil && n.Get("$ref") != nil && hops < 32; hops++ {
		if isAbsoluteRef(n) {
			return n
		}
		next, err := l.loader.Follow(n)
		if err != nil {
			return nil
		}
		n = next
	}
	return nil
}

// isAbsoluteRef reports whether n is a $ref to an absolute URI.
func isAbsoluteRef(n *spec.Node) bool {
	ref := n.Get("$ref").Str()
	i := strings.IndexByte(ref, ':')
	return i > 0 && !strings.ContainsAny(ref[:i], "/#.")
}

// deref follows $refs as draft-07 says, $id base changes included: the
// compiler resolves them, never the file path alone.
func (l *lowerer) deref(n *spec.Node) (*spec.Node, error) {
	for hops := 0; n != nil && n.Get("$ref") != nil; hops++ {
		if hops > 32 {
			return nil, n.Errorf("$ref chain too long")
		}
		next, err := l.checker.Target(n)
		if err != nil {
			return nil, err
		}
		n = next
	}
	return n, nil
}

// shareable returns the type a message whose payload schema was lowered
// already (another message's payload, a field's type) can take: a struct
// is copied under the message's own name, fields shared, so each message
// keeps its own Go type and methods; any other type is the message's
// Value as it is.
func shareable(t *Type, name string) *Type {
	if t.Kind != Struct {
		return t
	}
	c := *t
	c.Name, c.Message, c.Unions = name, nil, nil
	return &c
}

// schemaDoc is a schema's description (else its title), with a
// Deprecated paragraph when the schema says deprecated: true.
func schemaDoc(n *spec.Node) string {
	doc := n.Get("description").Str()
	if doc == "" {
		doc = n.Get("title").Str()
	}
	if deprecated(n) {
		doc = withDeprecation(doc, "schema")
	}
	return doc
}

func deprecated(n *spec.Node) bool {
	d := n.Get("deprecated")
	return d != nil && d.Scalar == true
}

// withDeprecation adds the paragraph gopls and staticcheck read as a
// deprecation notice.
func withDeprecation(doc, what string) string {
	note := "Deprecated: the spec marks this " + what + " deprecated; a provider may still send it."
	if doc == "" {
		return note
	}
	return doc + "\n\n" + note
}

// openEnum lowers a string schema with x-extensible-enum in place of enum
// (the convention of Zalando's API guidelines): the listed values are the
// known ones, and plain JSON Schema accepts any string. It is an open
// Enum only when nothing else constrains the string; otherwise the string
// keeps its checks and the list is documentation. nil when n has none.
func openEnum(n *spec.Node, name, doc, loc string) (*Type, error) {
	x := n.Get("x-extensible-enum")
	if x == nil || n.Get("enum") != nil || n.Get("const") != nil {
		return nil, nil
	}
	if x.Kind != spec.Sequence || len(x.Items) == 0 {
		return nil, x.Errorf("x-extensible-enum must be a non-empty list of strings")
	}
	t := &Type{Kind: Enum, Name: name, Doc: doc, Loc: loc, Open: true}
	for _, v := range x.Items {
		s, ok := v.Scalar.(string)
		if !ok {
			return nil, v.Errorf("x-extensible-enum values must be strings")
		}
		t.Values = append(t.Values, s)
	}
	if constraints(n) > 0 {
		return nil, nil
	}
	return t, nil
}
