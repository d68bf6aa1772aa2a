package wire_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/runtime/wire"
)

// oldOpt and oldNullable are wire.Opt and wire.Nullable as they were
// before UnmarshalJSON stopped calling json.Unmarshal for every value: the
// reference the new ones are held to.
type oldOpt[T any] struct {
	Value T
	Set   bool
}

func (o *oldOpt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	return json.Unmarshal(b, &o.Value)
}

type oldNullable[T any] struct {
	Value T
	Valid bool
}

func (n *oldNullable[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		var zero T
		n.Value, n.Valid = zero, false
		return nil
	}
	n.Valid = true
	return json.Unmarshal(b, &n.Value)
}

type optEnum string

// optText is read through UnmarshalText, which encoding/json uses for
// strings only.
type optText struct{ S string }

func (t *optText) UnmarshalText(b []byte) error {
	if string(b) == "bad" {
		return fmt.Errorf("bad text")
	}
	t.S = "<" + string(b) + ">"
	return nil
}

type newInner struct {
	A wire.Opt[string]                         `json:"a,omitzero"`
	N wire.Opt[wire.Nullable[float64]]         `json:"n,omitzero"`
	D wire.Opt[newInner2]                      `json:"d,omitzero"`
	L wire.Opt[[]wire.Opt[wire.Nullable[int]]] `json:"l,omitzero"`
	X int                                      `json:"x"`
}

type newInner2 struct {
	S wire.Opt[string] `json:"s,omitzero"`
	I wire.Opt[int32]  `json:"i,omitzero"`
}

type oldInner struct {
	A oldOpt[string]                     `json:"a,omitzero"`
	N oldOpt[oldNullable[float64]]       `json:"n,omitzero"`
	D oldOpt[oldInner2]                  `json:"d,omitzero"`
	L oldOpt[[]oldOpt[oldNullable[int]]] `json:"l,omitzero"`
	X int                                `json:"x"`
}

type oldInner2 struct {
	S oldOpt[string] `json:"s,omitzero"`
	I oldOpt[int32]  `json:"i,omitzero"`
}

type newOuter struct {
	S   wire.Opt[string]                     `json:"s,omitzero"`
	E   wire.Opt[optEnum]                    `json:"e,omitzero"`
	I   wire.Opt[int64]                      `json:"i,omitzero"`
	I8  wire.Opt[int8]                       `json:"i8,omitzero"`
	U   wire.Opt[uint16]                     `json:"u,omitzero"`
	F   wire.Opt[float64]                    `json:"f,omitzero"`
	F32 wire.Opt[float32]                    `json:"f32,omitzero"`
	B   wire.Opt[bool]                       `json:"b,omitzero"`
	N   wire.Opt[wire.Nullable[int64]]       `json:"n,omitzero"`
	NS  wire.Opt[wire.Nullable[string]]      `json:"ns,omitzero"`
	NO  wire.Opt[wire.Nullable[newInner]]    `json:"no,omitzero"`
	O   wire.Opt[newInner]                   `json:"o,omitzero"`
	P   wire.Opt[*newInner]                  `json:"p,omitzero"`
	L   wire.Opt[[]wire.Opt[string]]         `json:"l,omitzero"`
	M   wire.Opt[map[string]wire.Opt[int64]] `json:"m,omitzero"`
	Num wire.Opt[json.Number]                `json:"num,omitzero"`
	Any wire.Opt[any]                        `json:"any,omitzero"`
	T   wire.Opt[optText]                    `json:"t,omitzero"`
	Raw wire.Opt[json.RawMessage]            `json:"raw,omitzero"`
	OO  wire.Opt[wire.Opt[string]]           `json:"oo,omitzero"`
	Bs  wire.Opt[[]byte]                     `json:"bs,omitzero"`
	//lint:ignore SA5008 a misused ",string" must behave as it did before
	Q  wire.Opt[int64]                       `json:"q,omitzero,string"`
	NN wire.Nullable[wire.Nullable[optEnum]] `json:"nn"`
	NF wire.Nullable[float32]                `json:"nf"`
}

type oldOuter struct {
	S   oldOpt[string]                   `json:"s,omitzero"`
	E   oldOpt[optEnum]                  `json:"e,omitzero"`
	I   oldOpt[int64]                    `json:"i,omitzero"`
	I8  oldOpt[int8]                     `json:"i8,omitzero"`
	U   oldOpt[uint16]                   `json:"u,omitzero"`
	F   oldOpt[float64]                  `json:"f,omitzero"`
	F32 oldOpt[float32]                  `json:"f32,omitzero"`
	B   oldOpt[bool]                     `json:"b,omitzero"`
	N   oldOpt[oldNullable[int64]]       `json:"n,omitzero"`
	NS  oldOpt[oldNullable[string]]      `json:"ns,omitzero"`
	NO  oldOpt[oldNullable[oldInner]]    `json:"no,omitzero"`
	O   oldOpt[oldInner]                 `json:"o,omitzero"`
	P   oldOpt[*oldInner]                `json:"p,omitzero"`
	L   oldOpt[[]oldOpt[string]]         `json:"l,omitzero"`
	M   oldOpt[map[string]oldOpt[int64]] `json:"m,omitzero"`
	Num oldOpt[json.Number]              `json:"num,omitzero"`
	Any oldOpt[any]                      `json:"any,omitzero"`
	T   oldOpt[optText]                  `json:"t,omitzero"`
	Raw oldOpt[json.RawMessage]          `json:"raw,omitzero"`
	OO  oldOpt[oldOpt[string]]           `json:"oo,omitzero"`
	Bs  oldOpt[[]byte]                   `json:"bs,omitzero"`
	//lint:ignore SA5008 a misused ",string" must behave as it did before
	Q  oldOpt[int64]                     `json:"q,omitzero,string"`
	NN oldNullable[oldNullable[optEnum]] `json:"nn"`
	NF oldNullable[float32]              `json:"nf"`
}

// dump renders v with its field names and values but without type names,
// so that a newOuter and an oldOuter holding the same values print alike.
func dump(sb *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		sb.WriteString("<nil>")
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			sb.WriteString("nil")
			return
		}
		sb.WriteString("&")
		dump(sb, v.Elem())
	case reflect.Struct:
		sb.WriteString("{")
		for i := 0; i < v.NumField(); i++ {
			fmt.Fprintf(sb, "%s:", v.Type().Field(i).Name)
			dump(sb, v.Field(i))
			sb.WriteString(" ")
		}
		sb.WriteString("}")
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			sb.WriteString("nil")
			return
		}
		sb.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			dump(sb, v.Index(i))
			sb.WriteString(",")
		}
		sb.WriteString("]")
	case reflect.Map:
		if v.IsNil() {
			sb.WriteString("nilmap")
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		sb.WriteString("map[")
		for _, k := range keys {
			fmt.Fprintf(sb, "%q:", k.String())
			dump(sb, v.MapIndex(k))
			sb.WriteString(",")
		}
		sb.WriteString("]")
	default:
		fmt.Fprintf(sb, "%#v", v.Interface())
	}
}

func dumpOf(v any) string {
	var sb strings.Builder
	dump(&sb, reflect.ValueOf(v))
	return sb.String()
}

var errNames = strings.NewReplacer(
	"wire_test.oldOpt", "wire.Opt", "wire_test.oldNullable", "wire.Nullable",
	"oldOpt", "Opt", "oldNullable", "Nullable",
	"oldOuter", "newOuter", "oldInner2", "newInner2", "oldInner", "newInner",
)

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return errNames.Replace(fmt.Sprintf("%T: %v", err, err))
}

// compareOpt decodes data with encoding/json into the new and the old
// types, starting from the same prefilled values, and reports any
// difference in the result or the error.
func compareOpt(t *testing.T, data []byte) {
	t.Helper()
	var nv newOuter
	var ov oldOuter
	// Prefill both alike, to show what null and errors leave behind.
	pre := []byte(`{"s":"pre","i":7,"f":1.5,"b":true,"n":3,"ns":"x","o":{"a":"pa","x":1},"l":["a"],"nn":"v","nf":2}`)
	if err := json.Unmarshal(pre, &nv); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(pre, &ov); err != nil {
		t.Fatal(err)
	}
	nerr := json.Unmarshal(data, &nv)
	oerr := json.Unmarshal(data, &ov)
	if got, want := errString(nerr), errString(oerr); got != want {
		t.Errorf("%s:\nerror  %s\nbefore %s", data, got, want)
	}
	if got, want := dumpOf(nv), errNames.Replace(dumpOf(ov)); got != want {
		t.Errorf("%s:\nvalue  %s\nbefore %s", data, got, want)
	}
}

var optCorpus = []string{
	`{}`,
	`{"s":"hello","e":"pending","i":-42,"i8":127,"u":65535,"f":4.2,"f32":1e-3,"b":false}`,
	`{"s":null,"e":null,"i":null,"i8":null,"u":null,"f":null,"f32":null,"b":null}`,
	`{"s":"caf\u00e9 \"q\" \\ \n","e":"\u0041"}`,
	`{"s":"café ☕ 𝄞"}`,
	"{\"s\":\"bad \xff utf8\"}",
	"{\"s\":\"bad \xed\xa0\x80 surrogate\"}",
	`{"s":"\ud800 lone"}`,
	`{"s":""}`,
	`{"s":1}`, `{"s":true}`, `{"s":{}}`, `{"s":[]}`,
	`{"i":"1"}`, `{"i":1.0}`, `{"i":1e2}`, `{"i":-0}`, `{"i":9223372036854775807}`, `{"i":9223372036854775808}`,
	`{"i":-9223372036854775808}`, `{"i":123456789012345678}`, `{"i":1234567890123456789}`, `{"i":true}`, `{"i":{}}`,
	`{"i8":128}`, `{"i8":-128}`, `{"i8":-129}`, `{"u":-1}`, `{"u":65536}`, `{"u":7}`,
	`{"f":1e400}`, `{"f":-0}`, `{"f":0.1e-5}`, `{"f":"1"}`, `{"f32":3.5e38}`, `{"f32":1e39}`, `{"f32":-1e-50}`,
	`{"b":true}`, `{"b":1}`, `{"b":"true"}`,
	`{"n":null}`, `{"n":5}`, `{"n":"5"}`, `{"n":5.5}`, `{"ns":null}`, `{"ns":"v"}`, `{"ns":1}`,
	`{"no":null}`, `{"no":{"a":"x","n":null,"d":{"s":"y","i":3},"l":[1,null,2],"x":9}}`, `{"no":{"a":1}}`,
	`{"o":{}}`, `{"o":null}`, `{"o":{"a":"x","n":2.5,"d":null,"x":3}}`, `{"o":{"d":{"i":2147483648}}}`, `{"o":{"d":{"i":"1"}}}`,
	`{"o":{"l":[null,1,"2"]}}`, `{"o":{"x":"1","a":"after"}}`, `{"o":[]}`, `{"o":"str"}`,
	`{"p":null}`, `{"p":{"a":"x"}}`, `{"p":{"a":null,"n":null}}`,
	`{"l":["a",null,"b"]}`, `{"l":null}`, `{"l":[1]}`, `{"m":{"a":1,"b":null}}`, `{"m":null}`, `{"m":{"a":"x"}}`,
	`{"num":12.5e3}`, `{"num":"12"}`, `{"num":"x"}`, `{"num":null}`,
	`{"any":{"a":[1,"b",null,true]}}`, `{"any":null}`, `{"any":1}`,
	`{"t":"hi"}`, `{"t":"bad"}`, `{"t":1}`, `{"t":null}`, `{"t":"a\nb"}`,
	`{"raw":{"a": [1, 2]}}`, `{"raw":null}`, `{"raw":"s"}`,
	`{"oo":"x"}`, `{"oo":null}`, `{"oo":1}`,
	`{"bs":"aGVsbG8="}`, `{"bs":"!!"}`, `{"bs":null}`,
	`{"q":"12"}`, `{"q":12}`, `{"q":null}`,
	`{"nn":null}`, `{"nn":"v"}`, `{"nn":1}`, `{"nf":null}`, `{"nf":1e39}`, `{"nf":2.5}`,
	`{"s":"a","i":"wrong","b":true}`, `{"i":"wrong","s":"after"}`,
	` { "s" : "sp" , "n" : null , "o" : { "a" : "x" } } `,
}

func TestOptDecodesAsBefore(t *testing.T) {
	for _, c := range optCorpus {
		compareOpt(t, []byte(c))
	}
}

// TestOptPresence pins the semantics generated code relies on.
func TestOptPresence(t *testing.T) {
	type msg struct {
		A wire.Opt[string]                `json:"a,omitzero"`
		N wire.Opt[wire.Nullable[int64]]  `json:"n,omitzero"`
		O wire.Opt[wire.Opt[int64]]       `json:"o,omitzero"`
		S wire.Opt[struct{ X int }]       `json:"s,omitzero"`
		P wire.Opt[wire.Nullable[string]] `json:"p,omitzero"`
	}
	for _, c := range []struct {
		in   string
		want msg
	}{
		{`{}`, msg{}},
		{`{"a":null}`, msg{A: wire.Opt[string]{Set: true}}},
		{`{"a":"x"}`, msg{A: wire.Some("x")}},
		{`{"a":""}`, msg{A: wire.Some("")}},
		{`{"n":null}`, msg{N: wire.Some(wire.Nullable[int64]{})}},
		{`{"n":0}`, msg{N: wire.Some(wire.NotNull[int64](0))}},
		{`{"n":12}`, msg{N: wire.Some(wire.NotNull[int64](12))}},
		{`{"o":null}`, msg{O: wire.Some(wire.Opt[int64]{Set: true})}},
		{`{"o":3}`, msg{O: wire.Some(wire.Some[int64](3))}},
		{`{"s":{"X":4}}`, msg{S: wire.Some(struct{ X int }{4})}},
		{`{"s":null}`, msg{S: wire.Opt[struct{ X int }]{Set: true}}},
		{`{"p":null,"a":"y"}`, msg{A: wire.Some("y"), P: wire.Some(wire.Nullable[string]{})}},
		{`{"p":"v"}`, msg{P: wire.Some(wire.NotNull("v"))}},
	} {
		var got msg
		if err := json.Unmarshal([]byte(c.in), &got); err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.in, got, c.want)
		}
	}

	// A null over a value already there: Nullable becomes null, the Opt
	// stays set, and a plain value is left as it was (as encoding/json
	// leaves a string or number field).
	n := wire.Some(wire.NotNull[int64](5))
	if err := json.Unmarshal([]byte("null"), &n); err != nil || !n.Set || n.Value.Valid || n.Value.Value != 0 {
		t.Errorf("null over NotNull(5): %+v, %v", n, err)
	}
	s := wire.Opt[string]{Value: "keep"}
	if err := json.Unmarshal([]byte("null"), &s); err != nil || !s.Set || s.Value != "keep" {
		t.Errorf("null over a string: %+v, %v", s, err)
	}

	// Direct calls, with the whitespace json.Unmarshal would trim.
	var d wire.Opt[wire.Nullable[int64]]
	if err := d.UnmarshalJSON([]byte(" \n null\t")); err != nil || !d.Set || d.Value.Valid {
		t.Errorf("direct null: %+v, %v", d, err)
	}
	if err := d.UnmarshalJSON([]byte(" 17 ")); err != nil || !d.Set || !d.Value.Valid || d.Value.Value != 17 {
		t.Errorf("direct 17: %+v, %v", d, err)
	}
	var e wire.Opt[int64]
	if err := e.UnmarshalJSON([]byte("+5")); err == nil {
		t.Errorf("+5 accepted: %+v", e)
	}
}

// FuzzOptUnmarshal holds the new Opt and Nullable to the old ones on
// arbitrary JSON documents.
func FuzzOptUnmarshal(f *testing.F) {
	for _, c := range optCorpus {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		compareOpt(t, data)
	})
}
