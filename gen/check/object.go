package check

import (
	"regexp"
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/schema"
)

// objectKeywords emits minProperties, maxProperties, required,
// dependencies, propertyNames and, in one pass over the members,
// properties, patternProperties and additionalProperties.
func objectKeywords(e *Emitter, sc *schema.Schema) ([]jen.Code, error) {
	var out []jen.Code
	n := func() jen.Code { return jen.Len(val().Dot("Keys")) }
	if sc.MinProperties > 0 { // 0 holds for every object
		out = append(out, jen.If(jen.Add(n()).Op("<").Lit(sc.MinProperties)).Block(
			fail("minProperties", jen.Lit("fewer than "+strconv.Itoa(sc.MinProperties)+" properties"))...))
	}
	if sc.MaxProperties >= 0 {
		out = append(out, jen.If(jen.Add(n()).Op(">").Lit(sc.MaxProperties)).Block(
			fail("maxProperties", jen.Lit("more than "+strconv.Itoa(sc.MaxProperties)+" properties"))...))
	}
	for _, r := range sc.Required {
		out = append(out, jen.If(jen.List(jen.Id("_"), jen.Id("has")).Op(":=").Add(val()).Dot("Get").Call(jen.Lit(r)), jen.Op("!").Id("has")).Block(
			fail("required", jen.Lit("missing property "+strconv.Quote(r)))...))
	}
	for _, d := range sc.Dependencies {
		var then []jen.Code
		if d.Schema != nil {
			then = e.sub(d.Schema, jen.Id("s"), val(), false)
		}
		for _, r := range d.Required {
			then = append(then, jen.If(jen.List(jen.Id("_"), jen.Id("has")).Op(":=").Add(val()).Dot("Get").Call(jen.Lit(r)), jen.Op("!").Id("has")).Block(
				fail("dependencies", jen.Lit("property "+strconv.Quote(d.Name)+" requires property "+strconv.Quote(r)))...))
		}
		if len(then) > 0 {
			out = append(out, jen.If(jen.List(jen.Id("_"), jen.Id("has")).Op(":=").Add(val()).Dot("Get").Call(jen.Lit(d.Name)), jen.Id("has")).Block(then...))
		}
	}
	if sc.PropertyNames != nil && !trivial(sc.PropertyNames) {
		out = append(out, jen.For(jen.List(jen.Id("_"), jen.Id("k")).Op(":=").Range().Add(val()).Dot("Keys")).Block(
			jen.Id("name").Op(":=").Qual(valuePkg, "Value").Values(jen.Dict{jen.Id("Kind"): kind("String"), jen.Id("Str"): jen.Id("k")}),
			jen.If(jen.Op("!").Add(e.verdict(sc.PropertyNames, jen.Op("&").Id("name")))).Block(
				fail("propertyNames", jen.Lit("a property name does not match the propertyNames schema"))...),
		))
	}
	members, err := e.members(sc)
	if err != nil {
		return nil, err
	}
	return append(out, members...), nil
}

// members emits the loop over an object's members for properties,
// patternProperties and additionalProperties: a member is checked against
// its property schema and every pattern it matches, and against
// additionalProperties only when neither applies.
func (e *Emitter) members(sc *schema.Schema) ([]jen.Code, error) {
	additional := sc.AdditionalProperties != nil && !trivial(sc.AdditionalProperties)
	needed := additional
	for _, p := range sc.Properties {
		needed = needed || !trivial(p.Schema)
	}
	for _, p := range sc.PatternProperties {
		needed = needed || !trivial(p.Schema)
	}
	if !needed {
		return nil, nil
	}
	member := jen.Op("&").Add(val()).Dot("Vals").Index(jen.Id("i"))
	enter := jen.Id("s").Dot("Enter").Call(jen.Id("k"))
	var loop []jen.Code
	if additional {
		loop = append(loop, jen.Id("known").Op(":=").False())
	}
	if len(sc.Properties) > 0 {
		var cases []jen.Code
		for _, p := range sc.Properties {
			body := e.sub(p.Schema, enter, member, true)
			if additional {
				body = append([]jen.Code{jen.Id("known").Op("=").True()}, body...)
			}
			if len(body) > 0 {
				cases = append(cases, jen.Case(jen.Lit(p.Name)).Block(body...))
			}
		}
		if len(cases) > 0 {
			loop = append(loop, jen.Switch(jen.Id("k")).Block(cases...))
		}
	}
	for i, p := range sc.PatternProperties {
		if _, err := regexp.Compile(p.Pattern); err != nil {
			return nil, refuse(sc, "patternProperties", "Go's regexp cannot compile %q (%v); rewrite it in the RE2 subset", p.Pattern, err)
		}
		name := e.name(sc, "Prop"+strconv.Itoa(i)+"_")
		e.vars = append(e.vars, jen.Id(name).Op("=").Qual("regexp", "MustCompile").Call(jen.Lit(p.Pattern)))
		body := e.sub(p.Schema, enter, member, true)
		if additional {
			body = append([]jen.Code{jen.Id("known").Op("=").True()}, body...)
		}
		if len(body) > 0 {
			loop = append(loop, jen.If(jen.Id(name).Dot("MatchString").Call(jen.Id("k"))).Block(body...))
		}
	}
	if additional {
		loop = append(loop, jen.If(jen.Op("!").Id("known")).Block(e.sub(sc.AdditionalProperties, enter, member, true)...))
	}
	return []jen.Code{jen.For(jen.List(jen.Id("i"), jen.Id("k")).Op(":=").Range().Add(val()).Dot("Keys")).Block(loop...)}, nil
}
