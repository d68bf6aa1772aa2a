// Package randschema makes random draft-07 schemas and, for each, random
// instances near its boundaries, from a seed: the same seed gives the same
// schemas and instances, so a generated package and the test that runs it
// agree on what was compiled. It covers every draft-07 keyword, typed
// shapes the generator lowers to Go types as well as shapes only a
// compiled validator can hold.
package randschema

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// Schema is one random schema, as a JSON value (maps, slices, strings,
// json.Number, bools, nil), with its index.
type Schema struct {
	Index int
	Value any
}

// Schemas returns n schemas for seed.
func Schemas(seed uint64, n int) []Schema {
	out := make([]Schema, n)
	for i := range out {
		g := &gen{r: rand.New(rand.NewPCG(seed, uint64(i)))}
		out[i] = Schema{Index: i, Value: g.schema(0)}
	}
	return out
}

// JSON renders v with sorted keys.
func JSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

type gen struct{ r *rand.Rand }

func (g *gen) pick(n int) int        { return g.r.IntN(n) }
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

var jsonTypes = []string{"null", "boolean", "object", "array", "number", "string", "integer"}

// numbers are bounds and multiples the schemas use: integers, decimals
// that float64 cannot hold exactly, negatives, large values, and int64's
// ends and what lies just past them, which decide whether a typed integer
// is an int64 or a wire.Integer.
var numbers = []string{"0", "1", "2", "3", "5", "10", "-1", "-2.5", "0.5", "0.1", "0.01", "1.5", "100", "1e3", "2.5", "9007199254740993", "-100",
	"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "9223372036854775807.5", "1e19", "-1e19"}
var multiples = []string{"1", "2", "3", "0.5", "0.1", "0.01", "2.5", "7", "1e19", "0.75"}

// huge are integer literals far beyond int64, in the spellings JSON
// allows: digits, exponents, a zero fraction.
var huge = []string{"98249283749234923498293171823948729348710298301928331", "-98249283749234923498293171823948729348710298301928331",
	"1e30", "-1e30", "1.5e30", "1e19", "-1e19", "2e19", "1.0e20", "3e30", "1e100"}
var patterns = []string{"^a", "b$", "^[a-z]+$", "[0-9]", "^.{2,4}$", "x|y", "^$", "é"}
var formats = []string{"date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri", "uri-reference", "json-pointer", "uuid", "regex", "relative-json-pointer", "duration", "ice-cream"}
var names = []string{"a", "b", "c", "id", "x-y", "é"}

func num(s string) json.Number { return json.Number(s) }

// schema makes one schema; depth bounds nesting.
func (g *gen) schema(depth int) any {
	if depth > 0 && g.chance(0.08) {
		return g.chance(0.6) // boolean schema
	}
	s := map[string]any{}
	if depth >= 3 {
		return g.leaf(s)
	}
	switch g.pick(10) {
	case 0, 1:
		g.object(s, depth)
	case 2:
		g.array(s, depth)
	case 3:
		g.applicator(s, depth)
	case 4:
		// no type: keywords of several families at once, which apply only
		// to values of their own type
		g.numeric(s)
		g.stringy(s)
		if g.chance(0.5) {
			s["required"] = []any{names[g.pick(len(names))]}
		}
	default:
		return g.leaf(s)
	}
	if g.chance(0.15) {
		g.applicator(s, depth)
	}
	return s
}

// leaf makes a schema for one scalar type, or a type list.
func (g *gen) leaf(s map[string]any) any {
	switch g.pick(8) {
	case 0:
		s["type"] = "string"
		g.stringy(s)
	case 1:
		s["type"] = "integer"
		g.numeric(s)
	case 2:
		s["type"] = "number"
		g.numeric(s)
	case 3:
		s["type"] = "boolean"
	case 4:
		t1, t2 := jsonTypes[g.pick(len(jsonTypes))], jsonTypes[g.pick(len(jsonTypes))]
		if t1 == t2 {
			s["type"] = []any{t1}
		} else {
			s["type"] = []any{t1, t2}
		}
		g.stringy(s)
	case 5:
		s["enum"] = g.values(1 + g.pick(3))
		if g.chance(0.5) {
			s["type"] = []any{"string", "null"}[g.pick(2)]
		}
	case 6:
		s["const"] = g.values(1)[0]
	default:
		s["type"] = []any{"string", "null"}
		if g.chance(0.5) {
			s["enum"] = []any{"a", "b"}
		}
	}
	return s
}

func (g *gen) numeric(s map[string]any) {
	keys := []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
	for _, k := range keys {
		if !g.chance(0.3) {
			continue
		}
		if k == "multipleOf" {
			s[k] = num(multiples[g.pick(len(multiples))])
		} else {
			s[k] = num(numbers[g.pick(len(numbers))])
		}
	}
}

func (g *gen) stringy(s map[string]any) {
	if g.chance(0.3) {
		s["minLength"] = g.pick(4)
	}
	if g.chance(0.3) {
		s["maxLength"] = g.pick(5)
	}
	if g.chance(0.25) {
		s["pattern"] = patterns[g.pick(len(patterns))]
	}
	if g.chance(0.2) {
		s["format"] = formats[g.pick(len(formats))]
	}
}

func (g *gen) array(s map[string]any, depth int) {
	s["type"] = "array"
	switch g.pick(3) {
	case 0:
		s["items"] = g.schema(depth + 1)
	case 1:
		tuple := []any{}
		for i := 0; i < 1+g.pick(3); i++ {
			tuple = append(tuple, g.schema(depth+1))
		}
		s["items"] = tuple
		if g.chance(0.5) {
			s["additionalItems"] = g.schema(depth + 1)
		}
	}
	if g.chance(0.3) {
		s["minItems"] = g.pick(3)
	}
	if g.chance(0.3) {
		s["maxItems"] = g.pick(4)
	}
	if g.chance(0.25) {
		s["uniqueItems"] = true
	}
	if g.chance(0.2) {
		s["contains"] = g.schema(depth + 1)
	}
}

func (g *gen) object(s map[string]any, depth int) {
	if g.chance(0.85) {
		s["type"] = "object"
	}
	props := map[string]any{}
	var declared []string
	for i := 0; i < g.pick(4); i++ {
		n := names[g.pick(len(names))]
		props[n] = g.schema(depth + 1)
		declared = append(declared, n)
	}
	if len(props) > 0 {
		s["properties"] = props
	}
	if len(declared) > 0 && g.chance(0.6) {
		s["required"] = []any{declared[g.pick(len(declared))]}
	}
	if g.chance(0.15) {
		s["required"] = []any{names[g.pick(len(names))]} // maybe undeclared
	}
	switch g.pick(6) {
	case 0:
		s["additionalProperties"] = false
	case 1:
		s["additionalProperties"] = g.schema(depth + 1)
	}
	if g.chance(0.15) {
		s["patternProperties"] = map[string]any{patterns[g.pick(len(patterns))]: g.schema(depth + 1)}
	}
	if g.chance(0.1) {
		s["propertyNames"] = map[string]any{"maxLength": g.pick(3) + 1}
	}
	if g.chance(0.15) {
		a, b := names[g.pick(len(names))], names[g.pick(len(names))]
		if g.chance(0.5) {
			s["dependencies"] = map[string]any{a: []any{b}}
		} else {
			s["dependencies"] = map[string]any{a: g.schema(depth + 1)}
		}
	}
	if g.chance(0.15) {
		s["minProperties"] = g.pick(3)
	}
	if g.chance(0.15) {
		s["maxProperties"] = g.pick(4)
	}
}

func (g *gen) applicator(s map[string]any, depth int) {
	list := func() []any {
		var out []any
		for i := 0; i < 2+g.pick(2); i++ {
			out = append(out, g.schema(depth+1))
		}
		return out
	}
	switch g.pick(5) {
	case 0:
		s["allOf"] = list()
	case 1:
		s["anyOf"] = list()
	case 2:
		s["oneOf"] = list()
	case 3:
		s["not"] = g.schema(depth + 1)
	default:
		s["if"] = g.schema(depth + 1)
		s["then"] = g.schema(depth + 1)
		if g.chance(0.6) {
			s["else"] = g.schema(depth + 1)
		}
	}
}

// values returns n distinct JSON values of mixed types.
func (g *gen) values(n int) []any {
	pool := []any{nil, true, false, num("0"), num("1"), num("1.5"), num("-2"), "", "a", "b", "é",
		[]any{}, []any{num("1")}, map[string]any{}, map[string]any{"a": num("1")},
		num("9223372036854775808"), num("-1e19")}
	seen := map[string]bool{}
	var out []any
	for len(out) < n {
		v := pool[g.pick(len(pool))]
		k := string(JSON(v))
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// Instances returns instances for schema s: values built to sit on and
// around the boundaries of its keywords, plus values of every JSON type.
// The same seed and schema give the same instances.
func Instances(seed uint64, s Schema, n int) [][]byte {
	g := &gen{r: rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(s.Index)))}
	seen := map[string]bool{}
	var out [][]byte
	add := func(v any) {
		b := JSON(v)
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	for _, v := range basics {
		add(v)
	}
	for tries := 0; len(out) < n && tries < 20*n; tries++ {
		add(g.instance(s.Value, 0))
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i]) < string(out[j]) })
	return out
}

var basics = []any{nil, true, false, num("0"), num("1"), num("1.0"), num("-1"), num("0.5"), num("1e3"), "", "a", "ab", "abc",
	[]any{}, []any{num("1"), num("1")}, map[string]any{}, map[string]any{"a": num("1")},
	num("9223372036854775808"), num("-1e30")}

// instance makes a value aimed at schema v: mostly shaped to it, with
// values at and around its bounds, sometimes anything at all.
func (g *gen) instance(v any, depth int) any {
	s, ok := v.(map[string]any)
	if !ok || depth > 4 || g.chance(0.15) {
		return g.any(depth)
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := s[key].([]any); ok && g.chance(0.5) {
			return g.instance(list[g.pick(len(list))], depth+1)
		}
	}
	if c, ok := s["const"]; ok && g.chance(0.6) {
		return c
	}
	if e, ok := s["enum"].([]any); ok && g.chance(0.6) {
		return e[g.pick(len(e))]
	}
	typ := ""
	switch t := s["type"].(type) {
	case string:
		typ = t
	case []any:
		typ = t[g.pick(len(t))].(string)
	}
	if typ == "" {
		switch {
		case s["properties"] != nil || s["required"] != nil:
			typ = "object"
		case s["items"] != nil:
			typ = "array"
		case s["minimum"] != nil || s["maximum"] != nil || s["multipleOf"] != nil:
			typ = "number"
		case s["minLength"] != nil || s["pattern"] != nil || s["format"] != nil:
			typ = "string"
		}
	}
	switch typ {
	case "object":
		return g.object1(s, depth)
	case "array":
		return g.array1(s, depth)
	case "number", "integer":
		return g.number1(s, typ == "integer")
	case "string":
		return g.string1(s)
	case "boolean":
		return g.chance(0.5)
	case "null":
		return nil
	}
	return g.any(depth)
}

func (g *gen) object1(s map[string]any, depth int) any {
	out := map[string]any{}
	props, _ := s["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if g.chance(0.75) {
			out[k] = g.instance(props[k], depth+1)
		}
	}
	if req, ok := s["required"].([]any); ok && g.chance(0.7) {
		for _, r := range req {
			if _, has := out[r.(string)]; !has {
				out[r.(string)] = g.instance(props[r.(string)], depth+1)
			}
		}
	}
	if g.chance(0.3) {
		out[names[g.pick(len(names))]] = g.instance(s["additionalProperties"], depth+1)
	}
	if pp, ok := s["patternProperties"].(map[string]any); ok && g.chance(0.5) {
		for _, sub := range pp {
			out["zab"+strconv.Itoa(g.pick(10))] = g.instance(sub, depth+1)
		}
	}
	return out
}

func (g *gen) array1(s map[string]any, depth int) any {
	n := g.pick(4)
	if mi, ok := s["minItems"].(int); ok && g.chance(0.5) {
		n = mi + g.pick(2) - 1
		if n < 0 {
			n = 0
		}
	}
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		var sub any = s["items"]
		if tuple, ok := sub.([]any); ok {
			if i < len(tuple) {
				sub = tuple[i]
			} else {
				sub = s["additionalItems"]
			}
		}
		out = append(out, g.instance(sub, depth+1))
	}
	if s["uniqueItems"] == true && len(out) > 0 && g.chance(0.5) {
		out = append(out, out[0])
	}
	return out
}

func (g *gen) number1(s map[string]any, integer bool) any {
	var bounds []string
	for _, k := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} {
		if b, ok := s[k].(json.Number); ok {
			bounds = append(bounds, string(b))
		}
	}
	if len(bounds) == 0 || g.chance(0.3) {
		bounds = numbers
	}
	base := bounds[g.pick(len(bounds))]
	switch g.pick(11) {
	case 8:
		return num(huge[g.pick(len(huge))])
	case 9:
		return num(exponent(shift(base, fmt.Sprint(g.pick(3)-1)))) // 9.223372036854775808e18
	case 10:
		// Just past int64's ends, whatever the bounds.
		return num([]string{"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809"}[g.pick(4)])
	case 6:
		return num(shift(base, "-1e-20")) // rounds to the bound in float64
	case 7:
		return num(shift(base, "1e-20"))
	case 0:
		return num(base)
	case 1:
		return num(shift(base, "1"))
	case 2:
		return num(shift(base, "-1"))
	case 3:
		return num(shift(base, "0.01"))
	case 4:
		if !integer && strings.Contains(base, ".") && !strings.ContainsAny(base, "eE") {
			return num(base + "1") // one more digit: 0.5 -> 0.51
		}
		if strings.ContainsAny(base, ".eE") {
			return num(base)
		}
		return num(base + ".0") // an integer written as a decimal
	}
	return num(fmt.Sprint(g.pick(20) - 10))
}

// shift adds d to the decimal literal a, exactly.
func shift(a, d string) string {
	x, ok1 := newRat(a)
	y, ok2 := newRat(d)
	if !ok1 || !ok2 {
		return a
	}
	return ratString(x.Add(x, y))
}

// exponent writes an integer literal of two or more digits in exponent
// form (12 → 1.2e1, -100 → -1.00e2); any other literal is kept.
func exponent(lit string) string {
	sign, digits := "", lit
	if strings.HasPrefix(lit, "-") {
		sign, digits = "-", lit[1:]
	}
	if len(digits) < 2 || strings.Trim(digits, "0123456789") != "" {
		return lit
	}
	return sign + digits[:1] + "." + digits[1:] + "e" + strconv.Itoa(len(digits)-1)
}

func (g *gen) string1(s map[string]any) any {
	pool := []string{"", "a", "ab", "abc", "abcd", "abcde", "b", "xy", "2026-12-06T03:51:07Z", "2026-12-06", "03:51:07Z", "user@example.com",
		"example.com", "127.0.0.1", "::1", "https://example.com/a", "/a/b", "0/a", "6a2f41a3-c54c-fce8-32d2-0324e1c32e22", "P1D", "[a-", "é", "éé", "aé0"}
	return pool[g.pick(len(pool))]
}

func (g *gen) any(depth int) any {
	switch g.pick(7) {
	case 0:
		return nil
	case 1:
		return g.chance(0.5)
	case 2:
		return num(numbers[g.pick(len(numbers))])
	case 3:
		return []string{"", "a", "abc", "é"}[g.pick(4)]
	case 4:
		if depth > 3 {
			return []any{}
		}
		return []any{g.any(depth + 1)}
	case 5:
		if depth > 3 {
			return map[string]any{}
		}
		return map[string]any{names[g.pick(len(names))]: g.any(depth + 1)}
	}
	return num("1.0")
}
