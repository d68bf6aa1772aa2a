package ir

import (
	"regexp"
	"strings"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/runtime/jsonvalue"
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
	"string": {"pattern", "format", "minLength", "maxLength", "const", "enum"},
	// An integer is int64 or wire.Integer, whichever holds every value its
	// keywords admit (IntRule.Int64); wire.IntegerRule checks them exactly.
	"integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "const", "enum"},
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
var typedFormats = map[string]bool{"date-time": true, "date": true, "time": true, "uri": true}

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
	if e := n.Get("enum"); e != nil {
		fits := enumFits(e, nullable)
		if typ == "integer" {
			fits = intEnumFits(e, nullable)
		}
		if !fits {
			return false
		}
	}
	if f := n.Get("format"); f != nil && !typedFormats[f.Str()] && asserted(f.Str()) {
		return false // a format the compiled path asserts and the typed one does not
	}
	if p := n.Get("pattern"); p != nil && !patternTyped(p.Str()) {
		return false
	}
	switch typ {
	case "integer":
		r, err := intRuleOf(n)
		if err != nil {
			return false // the compiled path refuses the bad keyword with its location
		}
		if r != nil && r.MultipleOf != "" && jsonvalue.MustNumber(r.MultipleOf).Sign() <= 0 {
			return false // likewise a multipleOf of 0 or less
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

// constFits reports whether a const of JSON type typ holds v. An integer
// schema takes any number as its const: one that is not an integer
// (1.5) admits no value, which wire.IntegerRule says as well.
func constFits(typ string, v any) bool {
	got := jsonTypeOf(v)
	switch typ {
	case "integer":
		return numberScalar(v)
	case "number":
		return got == "number" || got == "integer"
	}
	return got == typ
}

// numberScalar reports whether a scalar is a number.
func numberScalar(v any) bool {
	switch v.(type) {
	case int64, uint64, float64:
		return true
	}
	return false
}

// intEnumFits reports whether an integer's enum is carried by an IntRule:
// numbers, with null among them exactly when null is allowed.
func intEnumFits(e *spec.Node, nullable bool) bool {
	hasNull := false
	for _, v := range e.Items {
		if v.Kind == spec.ScalarKind && v.Scalar == nil {
			hasNull = true
			continue
		}
		if _, ok := numberLit(v); !ok {
			return false
		}
	}
	return hasNull == nullable
}

// IntRule holds an Int's numeric keywords as written in the spec: ""
// leaves one out, and a nil Enum means no enum (an empty one admits
// nothing). gen/golang hands it to wire.NewIntegerRule.
type IntRule struct {
	Minimum, ExclusiveMinimum, Maximum, ExclusiveMaximum string
	MultipleOf, Const                                    string
	Enum                                                 []string
}

// intRuleOf reads the numeric keywords of the integer schema n; nil when
// it has none.
func intRuleOf(n *spec.Node) (*IntRule, error) {
	r := &IntRule{}
	found := false
	for _, k := range []struct {
		key string
		dst *string
	}{
		{"minimum", &r.Minimum}, {"exclusiveMinimum", &r.ExclusiveMinimum},
		{"maximum", &r.Maximum}, {"exclusiveMaximum", &r.ExclusiveMaximum},
		{"multipleOf", &r.MultipleOf}, {"const", &r.Const},
	} {
		v := n.Get(k.key)
		if v == nil {
			continue
		}
		lit, ok := numberLit(v)
		if !ok {
			return nil, v.Errorf("%s of an integer must be a number", k.key)
		}
		*k.dst, found = lit, true
	}
	if e := n.Get("enum"); e != nil {
		r.Enum, found = []string{}, true
		for _, v := range e.Items {
			if v.Kind == spec.ScalarKind && v.Scalar == nil {
				continue // null is the Nullable wrapper's business
			}
			lit, ok := numberLit(v)
			if !ok {
				return nil, v.Errorf("enum of an integer must hold numbers")
			}
			r.Enum = append(r.Enum, lit)
		}
	}
	if !found {
		return nil, nil
	}
	return r, nil
}

// numberLit returns the literal of a number node as written, when it is
// a JSON number.
func numberLit(v *spec.Node) (string, bool) {
	if v.Kind != spec.ScalarKind {
		return "", false
	}
	if !numberScalar(v.Scalar) {
		return "", false
	}
	lit := numberText(v)
	if _, err := jsonvalue.ParseNumber(lit); err != nil {
		return "", false
	}
	return lit, true
}

// The integers next to int64's range, as exact decimals.
var (
	belowInt64 = jsonvalue.MustNumber("-9223372036854775809")
	minInt64   = jsonvalue.MustNumber("-9223372036854775808")
	maxInt64   = jsonvalue.MustNumber("9223372036854775807")
	aboveInt64 = jsonvalue.MustNumber("9223372036854775808")
)

// Int64 reports whether r admits no integer beyond int64, so that an
// int64 holds every valid value: a const or every enum value is within
// int64 (or not an integer at all), or a lower and an upper bound are.
// Bounds compare as exact decimals: maximum 9223372036854775807.5 keeps
// int64, 9223372036854775808 and 1e19 do not; exclusiveMaximum
// 9223372036854775808 does. A nil r (plain `type: integer`) admits every
// integer.
func (r *IntRule) Int64() bool {
	if r == nil {
		return false
	}
	within := func(lit string) bool {
		_, integer, fits := jsonvalue.IntValue(lit)
		return !integer || fits
	}
	if r.Const != "" {
		return within(r.Const)
	}
	if r.Enum != nil {
		for _, lit := range r.Enum {
			if !within(lit) {
				return false
			}
		}
		return true
	}
	cmp := func(lit string, d jsonvalue.Decimal) int { return jsonvalue.Cmp(lit, d) }
	low := (r.Minimum != "" && cmp(r.Minimum, belowInt64) > 0) ||
		(r.ExclusiveMinimum != "" && cmp(r.ExclusiveMinimum, belowInt64) >= 0)
	high := (r.Maximum != "" && cmp(r.Maximum, aboveInt64) < 0) ||
		(r.ExclusiveMaximum != "" && cmp(r.ExclusiveMaximum, aboveInt64) <= 0)
	return low && high
}

// checks reports whether Validate has anything to check in a value r
// governs: on an int64 field, a keyword that every int64 meets (maximum
// 9223372036854775807, multipleOf 1) leaves nothing, though the decoder
// still needs it to name what a larger literal breaks.
func (r *IntRule) checks(wide bool) bool {
	switch {
	case r == nil:
		return false
	case wide || r.Const != "" || r.Enum != nil:
		return true
	}
	cmp := func(lit string, d jsonvalue.Decimal) int { return jsonvalue.Cmp(lit, d) }
	if (r.Minimum != "" && cmp(r.Minimum, minInt64) > 0) ||
		(r.ExclusiveMinimum != "" && cmp(r.ExclusiveMinimum, minInt64) >= 0) ||
		(r.Maximum != "" && cmp(r.Maximum, maxInt64) < 0) ||
		(r.ExclusiveMaximum != "" && cmp(r.ExclusiveMaximum, maxInt64) <= 0) {
		return true
	}
	if r.MultipleOf != "" {
		step, ok := jsonvalue.MustNumber(r.MultipleOf).IntegerStep()
		return !ok || step != 1
	}
	return false
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
	ad, err1 := l.deref(a)
	bd, err2 := l.deref(b)
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
			if part, err := l.deref(p); err != nil || part.Get("properties") != nil || part.Get("patternProperties") != nil {
				return false
			}
		}
	}
	seen := map[string]bool{}
	props := map[string]*spec.Node{}
	typ := ""
	for _, p := range append(append([]*spec.Node{}, all.Items...), own) {
		part, err := l.deref(p)
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
