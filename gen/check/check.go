// Package check compiles draft-07 schemas (gen/schema graphs) into Go:
// one function per schema node that checks a parsed JSON value
// (runtime/jsonvalue) and reports each violation with its JSON pointer and
// keyword. The functions run in two modes: with a Scope they report every
// violation; with a nil Scope they return the verdict at the first
// failure, which is what anyOf, oneOf, not, if and contains need.
//
// Keywords are emitted by family (generic.go, number.go, string.go,
// array.go, object.go, applicator.go), each behind its own JSON type test,
// as ajv groups them: a keyword never applies to a value of another type.
package check

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/schema"
)

const (
	wirePkg  = "github.com/wsbind/wsbind/runtime/wire"
	valuePkg = "github.com/wsbind/wsbind/runtime/jsonvalue"
)

// Emitter writes the check functions of every schema reachable from the
// ones it is asked for. Names are the prefix plus the schema's ID, so
// output is deterministic for a deterministic compilation order.
type Emitter struct {
	prefix  string
	queued  map[*schema.Schema]bool
	queue   []*schema.Schema
	vars    []jen.Code
	bodies  []emitted
	Warning []string // annotations gen warns about (unknown keywords and formats)
}

// New returns an Emitter whose functions and variables start with prefix.
func New(prefix string) *Emitter {
	return &Emitter{prefix: prefix, queued: map[*schema.Schema]bool{}}
}

// Func returns the name of the function that checks sc, queuing it (and
// through it everything it reaches) for Emit.
func (e *Emitter) Func(sc *schema.Schema) string {
	if !e.queued[sc] {
		e.queued[sc] = true
		e.queue = append(e.queue, sc)
	}
	return e.prefix + strconv.Itoa(sc.ID)
}

// name returns the name of a package variable that belongs to sc.
func (e *Emitter) name(sc *schema.Schema, what string) string {
	return e.prefix + what + strconv.Itoa(sc.ID)
}

// Emit writes every queued function, in ID order, and the variables they
// use into f.
func (e *Emitter) Emit(f *jen.File) error {
	for i := 0; i < len(e.queue); i++ {
		sc := e.queue[i]
		body, err := e.body(sc) // may queue more
		if err != nil {
			return err
		}
		e.bodies = append(e.bodies, emitted{sc, body})
	}
	sort.Slice(e.bodies, func(i, j int) bool { return e.bodies[i].sc.ID < e.bodies[j].sc.ID })
	if len(e.vars) > 0 {
		f.Var().Defs(e.vars...)
		f.Line()
	}
	for _, b := range e.bodies {
		f.Commentf("%s checks %s.", e.prefix+strconv.Itoa(b.sc.ID), where(b.sc))
		f.Func().Id(e.prefix+strconv.Itoa(b.sc.ID)).Params(
			jen.Id("s").Op("*").Qual(wirePkg, "Scope"),
			jen.Id("v").Op("*").Qual(valuePkg, "Value"),
		).Bool().Block(b.body...)
		f.Line()
	}
	e.bodies = nil
	return nil
}

type emitted struct {
	sc   *schema.Schema
	body []jen.Code
}

// where names a schema for comments and errors: file and pointer, which
// stay put when lines move.
func where(sc *schema.Schema) string {
	return fmt.Sprintf("%s#%s", baseName(sc.Loc.File), sc.Loc.Pointer)
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// refuse is a schema gen cannot compile faithfully: file:line, pointer and
// keyword, and what to do about it.
func refuse(sc *schema.Schema, keyword, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s at #%s: %s", sc.Loc.File, sc.Loc.Line, keyword, sc.Loc.Pointer, fmt.Sprintf(format, args...))
}

// body is the function body checking sc.
func (e *Emitter) body(sc *schema.Schema) ([]jen.Code, error) {
	if sc.Bool != nil {
		if *sc.Bool {
			return []jen.Code{jen.Return(jen.True())}, nil
		}
		return []jen.Code{
			jen.If(jen.Id("s").Op("!=").Nil()).Block(
				jen.Id("s").Dot("Violate").Call(jen.Lit("false"), jen.Lit("no value is allowed here (false schema)")),
			),
			jen.Return(jen.False()),
		}, nil
	}
	if sc.Ref != nil {
		// draft-07: the keywords beside $ref are ignored.
		return []jen.Code{jen.Return(jen.Id(e.Func(sc.Ref)).Call(jen.Id("s"), jen.Id("v")))}, nil
	}
	for _, k := range sc.Unknown {
		e.Warning = append(e.Warning, fmt.Sprintf("%s:%d: unknown keyword %q at #%s is an annotation under draft-07: nothing checks it", sc.Loc.File, sc.Loc.Line, k, sc.Loc.Pointer))
	}
	var out []jen.Code
	for _, fam := range families {
		code, err := fam(e, sc)
		if err != nil {
			return nil, err
		}
		out = append(out, code...)
	}
	if len(out) == 0 {
		return []jen.Code{jen.Return(jen.True())}, nil
	}
	body := []jen.Code{jen.Id("ok").Op(":=").True()}
	body = append(body, out...)
	return append(body, jen.Return(jen.Id("ok"))), nil
}

// families emit the keywords of one group each; a family returns no code
// when the schema has none of its keywords.
var families = []func(*Emitter, *schema.Schema) ([]jen.Code, error){
	genericKeywords,
	kindKeywords,
	applicatorKeywords,
}

// fail reports one violation at the current pointer, or, in a
// verdict-only run, returns false at once.
func fail(keyword string, msg jen.Code) []jen.Code {
	return []jen.Code{
		jen.If(jen.Id("s").Op("==").Nil()).Block(jen.Return(jen.False())),
		jen.Id("ok").Op("=").False(),
		jen.Id("s").Dot("Violate").Call(jen.Lit(keyword), msg),
	}
}

// sub checks value (a *jsonvalue.Value expression) against sc with scope
// expression scope, and folds the verdict into ok.
func (e *Emitter) sub(sc *schema.Schema, scope, value jen.Code, leave bool) []jen.Code {
	if trivial(sc) {
		return nil
	}
	call := jen.Id(e.Func(sc)).Call(scope, value)
	failed := []jen.Code{
		jen.If(jen.Id("s").Op("==").Nil()).Block(jen.Return(jen.False())),
		jen.Id("ok").Op("=").False(),
	}
	if !leave {
		return []jen.Code{jen.If(jen.Op("!").Add(call)).Block(failed...)}
	}
	return []jen.Code{jen.Block(
		jen.Id("r").Op(":=").Add(call),
		jen.Id("s").Dot("Leave").Call(),
		jen.If(jen.Op("!").Id("r")).Block(failed...),
	)}
}

// verdict is a verdict-only call: true when value passes sc.
func (e *Emitter) verdict(sc *schema.Schema, value jen.Code) jen.Code {
	if trivial(sc) {
		return jen.True()
	}
	return jen.Id(e.Func(sc)).Call(jen.Nil(), value)
}

// trivial reports whether sc accepts every value: true, {}, or only
// annotations. Calls to it are left out.
func trivial(sc *schema.Schema) bool {
	if sc.Bool != nil {
		return *sc.Bool
	}
	if sc.Ref != nil {
		return false
	}
	return len(sc.Types) == 0 && sc.Enum == nil && sc.Const == nil &&
		sc.MultipleOf == "" && sc.Maximum == "" && sc.ExclusiveMaximum == "" && sc.Minimum == "" && sc.ExclusiveMinimum == "" &&
		sc.MaxLength < 0 && sc.MinLength <= 0 && !sc.HasPattern && !formatAsserted(sc.Format) &&
		sc.Items == nil && !sc.ItemsIsTuple && sc.AdditionalItems == nil && sc.MaxItems < 0 && sc.MinItems <= 0 && !sc.UniqueItems && sc.Contains == nil &&
		sc.MaxProperties < 0 && sc.MinProperties <= 0 && len(sc.Required) == 0 && len(sc.Properties) == 0 && len(sc.PatternProperties) == 0 &&
		sc.AdditionalProperties == nil && len(sc.Dependencies) == 0 && sc.PropertyNames == nil &&
		len(sc.AllOf) == 0 && len(sc.AnyOf) == 0 && len(sc.OneOf) == 0 && sc.Not == nil && sc.If == nil
}

// clip bounds text taken from a schema (allowed values, say) in messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func val() *jen.Statement    { return jen.Id("v") }
func kind(k string) jen.Code { return jen.Qual(valuePkg, k) }
