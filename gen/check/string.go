package check

import (
	"regexp"
	"strconv"

	"github.com/dave/jennifer/jen"
	jsonschema "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/gen/schema"
)

// stringKeywords emits minLength and maxLength (in code points, as draft-07
// counts), pattern (unanchored, with Go's regexp, which the reference
// validator uses too) and the formats draft-07 asserts.
func stringKeywords(e *Emitter, sc *schema.Schema) ([]jen.Code, error) {
	var out []jen.Code
	if sc.MinLength > 0 || sc.MaxLength >= 0 { // minLength 0 holds for every string
		out = append(out, jen.Id("n").Op(":=").Qual(valuePkg, "Length").Call(val().Dot("Str")))
		if sc.MinLength > 0 {
			out = append(out, jen.If(jen.Id("n").Op("<").Lit(sc.MinLength)).Block(
				fail("minLength", jen.Lit("shorter than "+strconv.Itoa(sc.MinLength)+" characters"))...,
			))
		}
		if sc.MaxLength >= 0 {
			out = append(out, jen.If(jen.Id("n").Op(">").Lit(sc.MaxLength)).Block(
				fail("maxLength", jen.Lit("longer than "+strconv.Itoa(sc.MaxLength)+" characters"))...,
			))
		}
	}
	if sc.HasPattern {
		if _, err := regexp.Compile(sc.Pattern); err != nil {
			return nil, refuse(sc, "pattern", "Go's regexp cannot compile it (%v); rewrite it in the RE2 subset", err)
		}
		name := e.name(sc, "Pattern")
		e.vars = append(e.vars, jen.Id(name).Op("=").Qual("regexp", "MustCompile").Call(jen.Lit(sc.Pattern)))
		out = append(out, jen.If(jen.Op("!").Id(name).Dot("MatchString").Call(val().Dot("Str"))).Block(
			fail("pattern", jen.Lit("does not match "+strconv.Quote(clip(sc.Pattern, 200))))...,
		))
	}
	if sc.Format != "" {
		if !formatAsserted(sc.Format) {
			e.Warning = append(e.Warning, refuse(sc, "format", "%q is not a format draft-07 validators assert: it is an annotation", sc.Format).Error())
		} else {
			out = append(out, jen.If(jen.Op("!").Qual(valuePkg, "Format").Call(jen.Lit(sc.Format), val().Dot("Str"))).Block(
				fail("format", jen.Lit("not a valid "+sc.Format))...,
			))
		}
	}
	return out, nil
}

// formatAsserted reports whether the reference validator asserts format
// under draft-07; any other format is an annotation.
func formatAsserted(format string) bool {
	_, ok := jsonschema.Formats[format]
	return ok
}
