package ir

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/gen/spec"
)

// A typed Go representation (struct, enum, scalar, slice, map, union)
// carries only some keywords: the decoder and Validate enforce those and no
// others. exact decides, per schema, whether the typed lowering enforces
// everything the schema says. When it does not, the value is held as raw
// JSON and checked by a validator compiled from the schema's full draft-07
// meaning (gen/schema, gen/check): a Go type that cannot carry a constraint
// never hides it.

// noConstraint are keywords that constrain nothing.
var noConstraint = map[string]bool{
	"title": true, "description": true, "default": true, "examples": true, "$comment": true,
	"readOnly": true, "writeOnly": true, "contentMediaType": true, "contentEncoding": true,
	"deprecated": true, "example": true, "externalDocs": true, "discriminator": true,
	"$schema": true, "definitions": true,
}

// typedKeywords are what each typed lowering enforces, beside "type".
var typedKeywords = map[string][]string{
	"string":  {"pattern", "format", "minLength", "maxLength", "const", "enum"},
	"integer": {"minimum", "maximum", "const"},
	// A float64 rounds what it decodes (0.1000000000000000001 is 0.1),
	// so the decoder compares bounds and const with the literal (FloatIn).
	"number":  {"minimum", "maximum", "const"},
	"boolean": {"const"},
	"null":    {},
	"array":   {"items", "minItems", "maxItems"},
	"object":  {"properties", "required", "additionalProperties"},
}

// asserted reports whether the reference validator asserts format under
// draft-07; any other format is an annotation.
func asserted(format string) bool {
	_, ok := jsonschema.Formats[format]
	return ok
}

// typedFormats are the formats wire.CheckFormat knows.
var typedFormats = map[string]bool{"date-time": true, "uri": true}

// exact reports whether lowering n (dereferenced, allOf already
// flattened when lossless) to a typed Go value enforces all of n.
func exact(n *spec.Node) bool {
	if n.Kind != spec.Mapping {
		return n.Kind == spec.ScalarKind && n.Scalar == true
	}
	if n.Get("oneOf") != nil {
		// lowerUnion checks the branches apart (by a const property or by
		// JSON type), so exactly one matches; anything beside oneOf would
		// be ignored.
		return constraints(n, "oneOf") == 0
	}
	types, nullable, err := schemaTypes(n)
	if err != nil || len(types) > 1 {
		return false
	}
	if nullable && nullExcluded(n) {
		nullable = false // lowerBody drops the null: see there
	}
	if nullable && len(types) == 0 {
		return false // type [null]: the typed lowering would take any value
	}
	typ := ""
	if len(types) == 1 {
		typ = types[0]
	}
	if typ == "" {
		switch {
		case n.Get("const") != nil:
			typ = jsonTypeOf(n.Get("const").Scalar)
		case n.Get("enum") != nil:
			typ = "string"
		default:
			return constraints(n) == 0 // untyped: raw JSON, exact only if it constrains nothing
		}
		if typ == "" {
			return false
		}
	}
	allowed, ok := typedKeywords[typ]
	if !ok || constraints(n, allowed...) > 0 {
		return false
	}
	if c := n.Get("const"); c != nil && (nullable || c.Kind != spec.ScalarKind || !constFits(typ, c.Scalar)) {
		return false // null would pass the Nullable wrapper; objects and lists have no typed const
	}
	if e := n.Get("enum"); e != nil && !enumFits(e, nullable) {
		return false
	}
	if f := n.Get("format"); f != nil && !typedFormats[f.Str()] && asserted(f.Str()) {
		return false // a format the compiled path asserts and the typed one does not
	}
	if p := n.Get("pattern"); p != nil && !patternTyped(p.Str()) {
		return false
	}
	switch typ {
	case "integer":
		for _, k := range []string{"minimum", "maximum"} {
			if b := n.Get(k); b != nil && !float64Exact(b) {
				return false
			}
		}
	case "array":
		if it := n.Get("items"); it != nil && it.Kind == spec.Sequence {
			return false // tuples
		}
	case "object":
		props := n.Get("properties")
		ap := n.Get("additionalProperties")
		if props == nil || len(props.Keys) == 0 {
			// A map (additionalProperties: schema) or raw object: required
			// or additionalProperties: false would be dropped.
			return n.Get("required") == nil && (ap == nil || ap.Kind == spec.Mapping || ap.Scalar == true)
		}
		if ap != nil && ap.Kind == spec.Mapping {
			return false // schema-valued additionalProperties beside properties
		}
		if r := n.Get("required"); r != nil {
			for _, it := range r.Items {
				if props.Get(it.Str()) == nil {
					return false // a struct holds declared properties only
				}
			}
		}
	}
	return true
}

// validation are the draft-07 keywords that constrain values; any other
// keyword is an annotation (draft-07 ignores unknown ones, gen warns).
var validation = map[string]bool{
	"$ref": true, "type": true, "enum": true, "const": true,
	"multipleOf": true, "maximum": true, "exclusiveMaximum": true, "minimum": true, "exclusiveMinimum": true,
	"maxLength": true, "minLength": true, "pattern": true, "format": true,
	"items": true, "additionalItems": true, "maxItems": true, "minItems": true, "uniqueItems": true, "contains": true,
	"maxProperties": true, "minProperties": true, "required": true, "properties": true, "patternProperties": true,
	"additionalProperties": true, "dependencies": true, "propertyNames": true,
	"if": true, "then": true, "else": true, "allOf": true, "anyOf": true, "oneOf": true, "not": true,
}

// constraints counts n's draft-07 keywords that constrain values, leaving
// out "type" and the ones listed in carried.
func constraints(n *spec.Node, carried ...string) int {
	count := 0
	for _, k := range n.Keys {
		if k == "type" || !validation[k] || contains(carried, k) {
			continue
		}
		count++
	}
	return count
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// float64Exact reports whether an integer field's bound is compared
// exactly in float64: representable, and within ±2^53 so that every int64
// on the near side of it converts exactly.
func float64Exact(b *spec.Node) bool {
	lit := b.Text
	if lit == "" {
		lit = fmt.Sprint(b.Scalar)
	}
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		return false
	}
	f, exact := r.Float64()
	return exact && math.Abs(f) <= 1<<53
}

// nullExcluded reports whether n's enum or const leaves no room for null.
func nullExcluded(n *spec.Node) bool {
	if c := n.Get("const"); c != nil {
		return !(c.Kind == spec.ScalarKind && c.Scalar == nil)
	}
	if e := n.Get("enum"); e != nil {
		for _, v := range e.Items {
			if v.Kind == spec.ScalarKind && v.Scalar == nil {
				return false
			}
		}
		return true
	}
	return false
}

// constFits reports whether a const of JSON type typ holds v.
func constFits(typ string, v any) bool {
	got := jsonTypeOf(v)
	return got == typ || (typ == "number" && got == "integer")
}

// enumFits reports whether a typed Enum carries e exactly: string values,
// with null among them when null is allowed.
func enumFits(e *spec.Node, nullable bool) bool {
	hasNull := false
	for _, v := range e.Items {
		if v.Kind != spec.ScalarKind {
			return false
		}
		switch v.Scalar.(type) {
		case string:
		case nil:
			hasNull = true
		default:
			return false
		}
	}
	return hasNull == nullable
}

// mergesLossless reports whether mergeProp can merge property schema b
// into a without dropping a constraint: b replaces a constraint-free a,
// or their keywords are disjoint but for annotations and an equal type.
func (l *lowerer) mergesLossless(a, b *spec.Node) bool {
	ad, err1 := l.loader.Deref(a)
	bd, err2 := l.loader.Deref(b)
	if err1 != nil || err2 != nil || ad.Kind != spec.Mapping || bd.Kind != spec.Mapping {
		return false
	}
	sameType := func(x, y *spec.Node) bool {
		tx, ty := x.Get("type"), y.Get("type")
		return tx == nil || (ty != nil && tx.Kind == spec.ScalarKind && ty.Kind == spec.ScalarKind && tx.Str() == ty.Str())
	}
	if b.Get("$ref") != nil || b.Get("oneOf") != nil {
		return constraints(ad) == 0 && sameType(ad, bd)
	}
	for _, k := range bd.Keys {
		if ad.Get(k) == nil || noConstraint[k] || strings.HasPrefix(k, "x-") {
			continue
		}
		if k != "type" || !sameType(ad, bd) {
			return false
		}
	}
	return true
}

// patternTyped reports whether the typed path can carry a pattern: Go's
// regexp must compile it, as the compiled path would.
func patternTyped(p string) bool {
	_, err := regexp.Compile(p)
	return err == nil
}

// losslessAllOf reports whether flatten can merge n's allOf parts without
// dropping a constraint: no keyword but required (a union) and an equal
// type may come from two parts, and no property from two parts.
func (l *lowerer) losslessAllOf(n *spec.Node) bool {
	all := n.Get("allOf")
	if all == nil {
		return true
	}
	own := &spec.Node{Kind: spec.Mapping, Loc: n.Loc}
	for i, k := range n.Keys {
		if k != "allOf" {
			own.Keys = append(own.Keys, k)
			own.Values = append(own.Values, n.Values[i])
		}
	}
	if ap := own.Get("additionalProperties"); ap != nil && !(ap.Kind == spec.ScalarKind && ap.Scalar == true) {
		// Beside allOf, additionalProperties sees only its siblings'
		// properties, not the parts': a merged struct would mean otherwise.
		for _, p := range all.Items {
			if part, err := l.loader.Deref(p); err != nil || part.Get("properties") != nil || part.Get("patternProperties") != nil {
				return false
			}
		}
	}
	seen := map[string]bool{}
	props := map[string]*spec.Node{}
	typ := ""
	for _, p := range append(append([]*spec.Node{}, all.Items...), own) {
		part, err := l.loader.Deref(p)
		if err != nil || part.Kind != spec.Mapping || part.Get("allOf") != nil {
			return false
		}
		for i, k := range part.Keys {
			v := part.Values[i]
			switch {
			case noConstraint[k] || strings.HasPrefix(k, "x-") || k == "required":
			case k == "type":
				if typ != "" && typ != v.Str() || v.Kind != spec.ScalarKind {
					return false
				}
				typ = v.Str()
			case k == "additionalProperties" && p != own:
				return false // a part's additionalProperties sees only that part's properties
			case k == "properties":
				for j, pk := range v.Keys {
					if prev := props[pk]; prev != nil && !l.mergesLossless(prev, v.Values[j]) {
						return false
					}
					props[pk] = v.Values[j]
				}
			default:
				if seen[k] {
					return false
				}
				seen[k] = true
			}
		}
	}
	return true
}
