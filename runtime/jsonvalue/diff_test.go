package jsonvalue

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// The differential test builds one-keyword draft-07 schemas and instances
// from a fixed seed and requires the verdict assembled from this package's
// functions to equal santhosh v5's on every case.

// santhosh compiles schema under draft-07 and validates instance (decoded
// with UseNumber, as v5 requires for exact numbers).
func santhosh(t *testing.T, schema, instance string) bool {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	if err := c.AddResource("s.json", strings.NewReader(schema)); err != nil {
		t.Fatalf("AddResource(%s): %v", schema, err)
	}
	s, err := c.Compile("s.json")
	if err != nil {
		t.Fatalf("Compile(%s): %v", schema, err)
	}
	dec := json.NewDecoder(strings.NewReader(instance))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode instance %s: %v", instance, err)
	}
	if dec.More() {
		t.Fatalf("instance %s: trailing data", instance)
	}
	return s.Validate(v) == nil
}

// ours is what compiled code for the one-keyword schema would compute.
func ours(keyword string, arg, inst *Value) bool {
	switch keyword {
	case "enum":
		for i := range arg.Items {
			if Equal(inst, &arg.Items[i]) {
				return true
			}
		}
		return false
	case "const":
		return Equal(inst, arg)
	case "uniqueItems":
		return inst.Kind != Array || !arg.Bool || Unique(inst.Items)
	case "type":
		switch arg.Str {
		case "integer":
			return inst.IsInteger()
		case "number":
			return inst.Kind == Number
		}
		return inst.Kind.String() == arg.Str
	case "multipleOf":
		return inst.Kind != Number || MultipleOf(inst.Num, MustNumber(arg.Num))
	case "minimum":
		return inst.Kind != Number || Cmp(inst.Num, MustNumber(arg.Num)) >= 0
	case "maximum":
		return inst.Kind != Number || Cmp(inst.Num, MustNumber(arg.Num)) <= 0
	case "exclusiveMinimum":
		return inst.Kind != Number || Cmp(inst.Num, MustNumber(arg.Num)) > 0
	case "exclusiveMaximum":
		return inst.Kind != Number || Cmp(inst.Num, MustNumber(arg.Num)) < 0
	case "maxLength": // the bound may be spelled 2.0: compare as numbers
		return inst.Kind != String || Cmp(strconv.Itoa(Length(inst.Str)), MustNumber(arg.Num)) <= 0
	case "minLength":
		return inst.Kind != String || Cmp(strconv.Itoa(Length(inst.Str)), MustNumber(arg.Num)) >= 0
	case "format":
		return inst.Kind != String || Format(arg.Str, inst.Str)
	}
	panic("unknown keyword " + keyword)
}

// gen makes random JSON texts biased towards values that are equal in
// different spellings, and numbers near each other.
type gen struct{ r *rand.Rand }

// dec is a test-side decimal: digits × 10^exp, digits without leading zeros.
type dec struct {
	neg    bool
	digits string
	exp    int
}

func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	if b[0] == '0' {
		b[0] = byte('1' + g.r.IntN(9))
	}
	return string(b)
}

func (g *gen) dec() dec {
	d := dec{neg: g.r.IntN(3) == 0}
	switch g.r.IntN(10) {
	case 0:
		d.digits = "0"
	case 1, 2:
		d.digits = g.digits(1 + g.r.IntN(25))
	default:
		d.digits = g.digits(1 + g.r.IntN(4))
	}
	switch g.r.IntN(10) {
	case 0:
		d.exp = g.r.IntN(801) - 400
	case 1, 2, 3:
		d.exp = g.r.IntN(21) - 10
	default:
		d.exp = g.r.IntN(5) - 3
	}
	return d
}

// spell writes d as a JSON literal in one of several equivalent forms.
func (g *gen) spell(d dec) string {
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	digits, exp := d.digits, d.exp
	if digits == "0" {
		b.WriteString([...]string{"0", "0.0", "0" + g.expStr(g.r.IntN(9)-4), "0.000" + g.expStr(-3)}[g.r.IntN(4)])
		return b.String()
	}
	if g.r.IntN(4) == 0 { // trailing zeros moved into the digits
		z := g.r.IntN(4)
		digits += strings.Repeat("0", z)
		exp -= z
	}
	switch g.r.IntN(4) {
	case 0: // d.ddd e±x
		b.WriteString(digits[:1])
		if len(digits) > 1 {
			b.WriteString("." + digits[1:])
		}
		b.WriteString(g.expStr(exp + len(digits) - 1))
	case 1: // digits e x
		b.WriteString(digits + g.expStr(exp))
	case 2: // 0.ddd e x
		b.WriteString("0." + digits + g.expStr(exp+len(digits)))
	default: // plain, if the exponent is small
		if exp > 30 || exp < -30 {
			b.WriteString(digits + "e" + strconv.Itoa(exp))
			break
		}
		if exp >= 0 {
			b.WriteString(digits + strings.Repeat("0", exp))
			if g.r.IntN(3) == 0 {
				b.WriteString(".0")
			}
			break
		}
		p := len(digits) + exp
		if p > 0 {
			b.WriteString(digits[:p] + "." + digits[p:])
		} else {
			b.WriteString("0." + strings.Repeat("0", -p) + digits)
		}
	}
	return b.String()
}

// expStr writes an exponent part in one of the JSON spellings.
func (g *gen) expStr(x int) string {
	mark := [...]string{"e", "E"}[g.r.IntN(2)]
	sign := ""
	switch {
	case x < 0:
		sign, x = "-", -x
	case g.r.IntN(2) == 0:
		sign = "+"
	}
	zeros := strings.Repeat("0", g.r.IntN(3)/2)
	return mark + sign + zeros + strconv.Itoa(x)
}

// near returns a number close to d: equal, a hair above or below, or a
// sign flip.
func (g *gen) near(d dec) dec {
	if d.digits == "0" {
		if g.r.IntN(2) == 0 {
			return d
		}
		return dec{neg: g.r.IntN(2) == 0, digits: "1", exp: -g.r.IntN(400)}
	}
	switch g.r.IntN(5) {
	case 0:
		return dec{neg: d.neg, digits: d.digits + "1", exp: d.exp - 1}
	case 1:
		// One unit lower in the last digit (or a hair lower when it is 1).
		b := []byte(d.digits)
		if b[len(b)-1] > '1' || len(b) > 1 && b[len(b)-1] > '0' {
			b[len(b)-1]--
			s := strings.TrimLeft(string(b), "0")
			if s == "" {
				s = "0"
			}
			return dec{neg: d.neg, digits: s, exp: d.exp}
		}
		// Ends in 1 or 0: subtract a hair instead, e.g. 1 -> 0.99.
		var x big.Int
		x.SetString(d.digits+"00", 10)
		x.Sub(&x, big.NewInt(1))
		return dec{neg: d.neg, digits: x.String(), exp: d.exp - 2}
	case 2:
		return dec{neg: !d.neg, digits: d.digits, exp: d.exp}
	}
	return d
}

var strPool = []string{"", "a", "A", "ab", "é", "e\u0301", "😀", "日本", "a b", "\"", "\\", "\n", "x\u0000y", "1", "true", "null"}

func (g *gen) str() string {
	s := strPool[g.r.IntN(len(strPool))]
	if g.r.IntN(3) == 0 {
		s += strPool[g.r.IntN(len(strPool))]
	}
	return s
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// value makes a random JSON text; depth bounds nesting.
func (g *gen) value(depth int) string {
	k := g.r.IntN(10)
	if depth <= 0 && k >= 8 {
		k = g.r.IntN(8)
	}
	switch k {
	case 0:
		return "null"
	case 1:
		return [...]string{"true", "false"}[g.r.IntN(2)]
	case 2, 3, 4:
		return g.spell(g.dec())
	case 5, 6, 7:
		return quoteJSON(g.str())
	case 8:
		n := g.r.IntN(4)
		items := make([]string, n)
		for i := range items {
			items[i] = g.value(depth - 1)
		}
		return "[" + strings.Join(items, ",") + "]"
	default:
		keys := []string{"a", "b", "c", "d"}
		n := g.r.IntN(4)
		g.r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		items := make([]string, n)
		for i := range items {
			items[i] = quoteJSON(keys[i]) + ":" + g.value(depth-1)
		}
		return "{" + strings.Join(items, ",") + "}"
	}
}

// respell rewrites every number in a JSON text in another equivalent form
// and shuffles object members, so the result is Equal but not identical.
func (g *gen) respell(text string) string {
	v := MustParse(text)
	return g.respellValue(&v)
}

func (g *gen) respellValue(v *Value) string {
	switch v.Kind {
	case Number:
		return g.spell(toDec(v.Num))
	case Array:
		items := make([]string, len(v.Items))
		for i := range v.Items {
			items[i] = g.respellValue(&v.Items[i])
		}
		return "[" + strings.Join(items, ",") + "]"
	case Object:
		idx := g.r.Perm(len(v.Keys))
		items := make([]string, len(v.Keys))
		for j, i := range idx {
			items[j] = quoteJSON(v.Keys[i]) + ":" + g.respellValue(&v.Vals[i])
		}
		return "{" + strings.Join(items, ",") + "}"
	}
	return v.String()
}

// toDec reads a literal back into a dec (test-side, independent of numLit).
func toDec(lit string) dec {
	d := dec{}
	if strings.HasPrefix(lit, "-") {
		d.neg = true
		lit = lit[1:]
	}
	mant, exp := lit, 0
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		mant = lit[:i]
		exp, _ = strconv.Atoi(strings.TrimPrefix(lit[i+1:], "+"))
	}
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		exp -= len(mant) - i - 1
		mant = mant[:i] + mant[i+1:]
	}
	mant = strings.TrimLeft(mant, "0")
	if mant == "" {
		return dec{digits: "0"}
	}
	d.digits = mant
	d.exp = exp
	return d
}

func (g *gen) positive() dec {
	d := g.dec()
	d.neg = false
	if d.digits == "0" {
		d.digits = g.digits(1 + g.r.IntN(3))
	}
	return d
}

func mulDec(a dec, k int) dec {
	var x, y big.Int
	x.SetString(a.digits, 10)
	y.SetInt64(int64(k))
	x.Mul(&x, &y)
	if x.Sign() == 0 {
		return dec{digits: "0"}
	}
	neg := a.neg != (x.Sign() < 0)
	return dec{neg: neg, digits: x.Abs(&x).String(), exp: a.exp}
}

var formatSamples = map[string][]string{
	"date-time":             {"1963-06-19T08:30:06.283185Z", "1963-06-19T08:30:06Z", "1963-06-19t08:30:06z", "1998-12-31T23:59:60Z", "1963-06-19 08:30:06Z", "2013-350T01:01:01", "1990-02-31T15:59:59.123-08:00"},
	"date":                  {"1963-06-19", "2020-02-29", "2021-02-29", "1963-6-19", "06/19/1963", "2020-13-01"},
	"time":                  {"08:30:06Z", "08:30:06.283185Z", "23:59:60Z", "8:30:06Z", "08:30:06", "24:00:00Z"},
	"email":                 {"joe.bloggs@example.com", "2962", "te~st@example.com", ".test@example.com", "te..st@example.com"},
	"hostname":              {"www.example.com", "-a-host-name-that-starts-with--", "not_a_valid_host_name", "a" + strings.Repeat("b", 63) + ".com", "xn--4gbwdl.xn--wgbh1c"},
	"ipv4":                  {"192.168.0.1", "127.0.0.0.1", "256.256.256.256", "0x7f000001", "087.10.0.1"},
	"ipv6":                  {"::1", "12345::", "::laptop", ":2:3:4:5:6:7:8", "1::d6:192.168.0.1"},
	"uri":                   {"http://foo.bar/?baz=qux#quux", "//foo.bar/?baz=qux#quux", "\\\\WINDOWS\\fileshare", "abc", "urn:isbn:0451450523"},
	"uri-reference":         {"http://foo.bar/?baz=qux#quux", "/abc", "\\\\WINDOWS\\fileshare", "#fragment", "#frag\\ment"},
	"uri-template":          {"http://example.com/dictionary/{term:1}/{term}", "http://example.com/dictionary/{term:1}/{term", "/dictionary/{term:1}/{term}"},
	"json-pointer":          {"/foo/bar~0/baz~1/%a", "/foo/bar~", "", "#", "/foo//bar"},
	"relative-json-pointer": {"1", "0/foo/bar", "2/0/baz/1/zip", "0#", "/foo/bar", "-1/foo"},
	"regex":                 {"([abc])+\\s+$", "^(abc]", "\\a"},
	"uuid":                  {"2EB8AA08-AA98-11EA-B4AA-73B441D16380", "2eb8aa08-aa98-11ea-b4aa-73b441d1638", "2eb8aa08aa9811eab4aa73b441d16380"},
	"duration":              {"P4DT12H30M5S", "PT1D", "P1Y2W", "P"},
	"unknown-format":        {"anything"},
}

func TestDifferentialSanthosh(t *testing.T) {
	g := &gen{r: rand.New(rand.NewPCG(1, 2))}
	type tc struct{ keyword, arg, inst string }
	var cases []tc
	add := func(k, a, i string) { cases = append(cases, tc{k, a, i}) }

	for range 250 { // enum and const: instance usually a respelling
		x := g.value(2)
		inst := x
		switch g.r.IntN(3) {
		case 0:
			inst = g.respell(x)
		case 1:
			inst = g.value(2)
		}
		add("const", x, inst)
		// enum items must be unique or the meta-schema rejects the schema.
		y := g.value(1)
		xv, yv := MustParse(x), MustParse(y)
		enum := "[" + y + "," + x + "]"
		if Equal(&xv, &yv) {
			enum = "[" + x + "]"
		}
		add("enum", enum, g.respell(inst))
	}
	for range 200 { // uniqueItems: short (pairwise) and long (hashed) arrays
		n := g.r.IntN(6)
		if g.r.IntN(2) == 0 {
			n = 17 + g.r.IntN(30)
		}
		items := make([]string, n)
		for i := range items {
			items[i] = g.value(1)
		}
		if n > 0 && g.r.IntN(2) == 0 {
			items[g.r.IntN(n)] = g.respell(items[g.r.IntN(n)])
		}
		add("uniqueItems", "true", "["+strings.Join(items, ",")+"]")
	}
	for range 400 { // multipleOf: exact multiples in other spellings, and near misses
		d := g.positive()
		inst := mulDec(g.dec(), 1)
		switch g.r.IntN(3) {
		case 0:
			inst = mulDec(d, g.r.IntN(2000)-1000)
		case 1:
			m := mulDec(d, g.r.IntN(50))
			inst = g.near(m)
		}
		add("multipleOf", g.spell(d), g.spell(inst))
	}
	for _, k := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} {
		for range 150 {
			b := g.dec()
			add(k, g.spell(b), g.spell(g.near(b)))
		}
	}
	for range 200 {
		inst := g.value(1)
		if g.r.IntN(2) == 0 {
			inst = g.spell(g.dec())
		}
		add("type", `"`+[...]string{"integer", "number", "string", "null", "boolean", "array", "object"}[g.r.IntN(7)]+`"`, inst)
	}
	for range 200 {
		k := [...]string{"maxLength", "minLength"}[g.r.IntN(2)]
		add(k, strconv.Itoa(g.r.IntN(5)), quoteJSON(g.str()))
	}
	names := make([]string, 0, len(formatSamples))
	for name := range formatSamples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, s := range formatSamples[name] {
			add("format", quoteJSON(name), quoteJSON(s))
		}
		add("format", quoteJSON(name), "12") // non-strings pass
	}

	bad := 0
	outcomes := map[string][2]int{} // keyword -> [invalid, valid] counts
	for _, c := range cases {
		schema := `{"` + c.keyword + `":` + c.arg + `}`
		want := santhosh(t, schema, c.inst)
		o := outcomes[c.keyword]
		if want {
			o[1]++
		} else {
			o[0]++
		}
		outcomes[c.keyword] = o
		arg, inst := MustParse(c.arg), MustParse(c.inst)
		if got := ours(c.keyword, &arg, &inst); got != want {
			bad++
			if bad <= 20 {
				t.Errorf("schema %s instance %s: ours %v, santhosh %v", schema, c.inst, got, want)
			}
		}
	}
	t.Logf("%d cases, %d disagreements; [invalid valid] per keyword: %v", len(cases), bad, outcomes)
	for k, o := range outcomes {
		// Both verdicts must occur often, or the generator tests little.
		if o[0] < 10 || o[1] < 10 {
			t.Errorf("keyword %s: only %v [invalid valid] verdicts", k, o)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases disagree", bad, len(cases))
	}
}

// sanity check on the test's own helpers: spellings round-trip.
func TestSpellRoundTrip(t *testing.T) {
	g := &gen{r: rand.New(rand.NewPCG(3, 4))}
	for range 2000 {
		d := g.dec()
		lit := g.spell(d)
		if !validNumber(lit) {
			t.Fatalf("spell produced bad literal %q", lit)
		}
		a, _ := new(big.Rat).SetString(lit)
		b, _ := new(big.Rat).SetString(fmt.Sprintf("%s%se%d", map[bool]string{true: "-"}[d.neg], d.digits, d.exp))
		if a.Cmp(b) != 0 {
			t.Fatalf("spell(%v) = %s has another value", d, lit)
		}
	}
}
