// Package schema compiles JSON Schema (draft-07) nodes of loaded spec
// files into a graph that says what each schema means, with every $ref
// resolved. It knows JSON Schema and URIs, not Go: emitters walk the graph
// to write validators and types.
package schema

import (
	"encoding/json"
	"fmt"

	"github.com/wsbind/wsbind/gen/spec"
)

// Schema is one draft-07 schema after $ref resolution. Graphs may be
// cyclic (recursive refs): walk them with a visited set.
type Schema struct {
	Loc spec.Loc // where it is written, for errors (file:line, pointer)
	// ID is unique and stable within one Compiler (order of first
	// compilation); emitters name functions by it.
	ID int
	// Bool is set for a boolean schema: true accepts all, false nothing.
	// {} stays an empty Schema.
	Bool *bool
	// Ref is the $ref target. draft-07 ignores the keywords beside $ref,
	// so a Schema with Ref has nothing else set.
	Ref *Schema

	Types []string          // "type" (one or a list), as written; nil: absent
	Enum  []json.RawMessage // nil: absent; compact JSON, number literals as written
	Const json.RawMessage   // nil: absent (const null is the text "null")

	// Number literals as written ("" absent): float64 cannot hold 1e400
	// or 0.1 exactly, and exact checks must not round.
	MultipleOf, Maximum, ExclusiveMaximum, Minimum, ExclusiveMinimum string

	// -1 absent.
	MaxLength, MinLength, MaxItems, MinItems, MaxProperties, MinProperties int

	Pattern    string
	HasPattern bool
	Format     string

	// "items" is one schema (Items) or an array of them (TupleItems,
	// ItemsIsTuple; the array may be empty).
	Items           *Schema
	TupleItems      []*Schema
	ItemsIsTuple    bool
	AdditionalItems *Schema
	UniqueItems     bool
	Contains        *Schema

	Required             []string
	Properties           []Property        // document order
	PatternProperties    []PatternProperty // document order
	AdditionalProperties *Schema
	Dependencies         []Dependency // document order
	PropertyNames        *Schema

	AllOf, AnyOf, OneOf []*Schema
	Not, If, Then, Else *Schema

	// Annotations lists the annotation keywords present, in document
	// order: title, description, default, examples, $comment, readOnly,
	// writeOnly, contentMediaType, contentEncoding, and AsyncAPI's
	// example, discriminator, externalDocs, deprecated.
	Annotations []string
	// Unknown lists the other keywords, in document order: annotations
	// under draft-07, but likely typos or another draft's keywords, so gen
	// warns about them. x-* extensions are in neither list.
	Unknown []string
}

// Property is one entry of "properties".
type Property struct {
	Name   string
	Schema *Schema
}

// PatternProperty is one entry of "patternProperties".
type PatternProperty struct {
	Pattern string
	Schema  *Schema
}

// Dependency is one entry of "dependencies": the array form sets Required
// (possibly empty, never nil), the schema form sets Schema.
type Dependency struct {
	Name     string
	Required []string
	Schema   *Schema
}

// Error is a schema that cannot be compiled: where, which keyword, what is
// wrong and what to do about it.
type Error struct {
	Loc     spec.Loc // of the offending value
	Keyword string
	Msg     string
	Hint    string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s:%d:%d: %s at #%s: %s", e.Loc.File, e.Loc.Line, e.Loc.Col, e.Keyword, e.Loc.Pointer, e.Msg)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}
