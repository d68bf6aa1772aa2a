package check

import (
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/schema"
)

// arrayKeywords emits minItems, maxItems, uniqueItems (deep equality),
// items (one schema or a tuple), additionalItems and contains.
func arrayKeywords(e *Emitter, sc *schema.Schema) ([]jen.Code, error) {
	var out []jen.Code
	n := jen.Len(val().Dot("Items"))
	if sc.MinItems > 0 { // 0 holds for every array
		out = append(out, jen.If(jen.Add(n).Op("<").Lit(sc.MinItems)).Block(
			fail("minItems", jen.Lit("fewer than "+strconv.Itoa(sc.MinItems)+" items"))...))
	}
	if sc.MaxItems >= 0 {
		out = append(out, jen.If(jen.Len(val().Dot("Items")).Op(">").Lit(sc.MaxItems)).Block(
			fail("maxItems", jen.Lit("more than "+strconv.Itoa(sc.MaxItems)+" items"))...))
	}
	if sc.UniqueItems {
		out = append(out, jen.If(jen.Op("!").Qual(valuePkg, "Unique").Call(val().Dot("Items"))).Block(
			fail("uniqueItems", jen.Lit("has equal items"))...))
	}
	item := func(i jen.Code) jen.Code { return jen.Op("&").Add(val()).Dot("Items").Index(i) }
	enter := func(i jen.Code) jen.Code { return jen.Id("s").Dot("EnterIndex").Call(i) }
	switch {
	case sc.Items != nil && !trivial(sc.Items):
		out = append(out, jen.For(jen.Id("i").Op(":=").Range().Add(val()).Dot("Items")).Block(
			e.sub(sc.Items, enter(jen.Id("i")), item(jen.Id("i")), true)...))
	case sc.ItemsIsTuple:
		for i, t := range sc.TupleItems {
			if trivial(t) {
				continue
			}
			out = append(out, jen.If(jen.Len(val().Dot("Items")).Op(">").Lit(i)).Block(
				e.sub(t, enter(jen.Lit(i)), item(jen.Lit(i)), true)...))
		}
		// additionalItems applies only beside a tuple.
		if sc.AdditionalItems != nil && !trivial(sc.AdditionalItems) {
			out = append(out, jen.For(jen.Id("i").Op(":=").Lit(len(sc.TupleItems)), jen.Id("i").Op("<").Len(val().Dot("Items")), jen.Id("i").Op("++")).Block(
				e.sub(sc.AdditionalItems, enter(jen.Id("i")), item(jen.Id("i")), true)...))
		}
	}
	if sc.Contains != nil && trivial(sc.Contains) {
		// Any item matches: contains asks for a non-empty array.
		out = append(out, jen.If(jen.Len(val().Dot("Items")).Op("==").Lit(0)).Block(
			fail("contains", jen.Lit("no item matches the contains schema"))...))
	} else if sc.Contains != nil {
		out = append(out,
			jen.Id("found").Op(":=").False(),
			jen.For(jen.Id("i").Op(":=").Range().Add(val()).Dot("Items")).Block(
				jen.If(e.verdict(sc.Contains, item(jen.Id("i")))).Block(jen.Id("found").Op("=").True(), jen.Break()),
			),
			jen.If(jen.Op("!").Id("found")).Block(fail("contains", jen.Lit("no item matches the contains schema"))...),
		)
	}
	return out, nil
}
