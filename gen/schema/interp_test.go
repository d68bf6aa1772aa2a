package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// This file is throwaway test scaffolding, not a validator: a direct
// interpreter of the graph, to show that the compiled graphs mean what the
// suite's schemas mean. The real validators are generated elsewhere.

type interp struct{ re map[string]*regexp.Regexp }

func (in *interp) match(p, s string) bool {
	r, ok := in.re[p]
	if !ok {
		r = regexp.MustCompile(p)
		in.re[p] = r
	}
	return r.MatchString(s)
}

func mustDecode(b []byte) any {
	v, err := decodeJSON(b)
	if err != nil {
		panic(err)
	}
	return v
}

func rat(lit string) *big.Rat {
	r, ok := ratOf(lit)
	if !ok {
		panic("number " + lit)
	}
	return r
}

func jsonTypeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if rat(string(x)).IsInt() {
			return "integer"
		}
		return "number"
	}
	panic(fmt.Sprintf("%T", v))
}

func (in *interp) valid(s *Schema, v any) bool {
	if s.Bool != nil {
		return *s.Bool
	}
	if s.Ref != nil {
		return in.valid(s.Ref, v)
	}
	if len(s.Types) > 0 {
		t, ok := jsonTypeOf(v), false
		for _, want := range s.Types {
			ok = ok || want == t || (want == "number" && t == "integer")
		}
		if !ok {
			return false
		}
	}
	if s.Enum != nil {
		ok := false
		for _, e := range s.Enum {
			ok = ok || valueEqual(mustDecode(e), v)
		}
		if !ok {
			return false
		}
	}
	if s.Const != nil && !valueEqual(mustDecode(s.Const), v) {
		return false
	}
	switch x := v.(type) {
	case json.Number:
		n := rat(string(x))
		cmp := func(lit string, ok func(int) bool) bool { return lit == "" || ok(n.Cmp(rat(lit))) }
		if !cmp(s.Maximum, func(c int) bool { return c <= 0 }) || !cmp(s.ExclusiveMaximum, func(c int) bool { return c < 0 }) ||
			!cmp(s.Minimum, func(c int) bool { return c >= 0 }) || !cmp(s.ExclusiveMinimum, func(c int) bool { return c > 0 }) {
			return false
		}
		if s.MultipleOf != "" && !new(big.Rat).Quo(n, rat(s.MultipleOf)).IsInt() {
			return false
		}
	case string:
		l := utf8.RuneCountInString(x)
		if s.MaxLength >= 0 && l > s.MaxLength || s.MinLength >= 0 && l < s.MinLength {
			return false
		}
		if s.HasPattern && !in.match(s.Pattern, x) {
			return false
		}
	case []any:
		if !in.array(s, x) {
			return false
		}
	case map[string]any:
		if !in.object(s, x) {
			return false
		}
	}
	for _, a := range s.AllOf {
		if !in.valid(a, v) {
			return false
		}
	}
	if len(s.AnyOf) > 0 {
		ok := false
		for _, a := range s.AnyOf {
			ok = ok || in.valid(a, v)
		}
		if !ok {
			return false
		}
	}
	if len(s.OneOf) > 0 {
		n := 0
		for _, a := range s.OneOf {
			if in.valid(a, v) {
				n++
			}
		}
		if n != 1 {
			return false
		}
	}
	if s.Not != nil && in.valid(s.Not, v) {
		return false
	}
	if s.If != nil {
		if in.valid(s.If, v) {
			return s.Then == nil || in.valid(s.Then, v)
		}
		return s.Else == nil || in.valid(s.Else, v)
	}
	return true
}

func (in *interp) array(s *Schema, x []any) bool {
	if s.MaxItems >= 0 && len(x) > s.MaxItems || s.MinItems >= 0 && len(x) < s.MinItems {
		return false
	}
	for i, it := range x {
		switch {
		case !s.ItemsIsTuple && s.Items != nil && !in.valid(s.Items, it):
			return false
		case s.ItemsIsTuple && i < len(s.TupleItems) && !in.valid(s.TupleItems[i], it):
			return false
		case s.ItemsIsTuple && i >= len(s.TupleItems) && s.AdditionalItems != nil && !in.valid(s.AdditionalItems, it):
			return false
		}
	}
	if s.UniqueItems {
		for i := range x {
			for j := i + 1; j < len(x); j++ {
				if valueEqual(x[i], x[j]) {
					return false
				}
			}
		}
	}
	if s.Contains != nil {
		ok := false
		for _, it := range x {
			ok = ok || in.valid(s.Contains, it)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (in *interp) object(s *Schema, x map[string]any) bool {
	if s.MaxProperties >= 0 && len(x) > s.MaxProperties || s.MinProperties >= 0 && len(x) < s.MinProperties {
		return false
	}
	for _, r := range s.Required {
		if _, ok := x[r]; !ok {
			return false
		}
	}
	for k, v := range x {
		matched := false
		for _, p := range s.Properties {
			if p.Name == k {
				matched = true
				if !in.valid(p.Schema, v) {
					return false
				}
			}
		}
		for _, p := range s.PatternProperties {
			if in.match(p.Pattern, k) {
				matched = true
				if !in.valid(p.Schema, v) {
					return false
				}
			}
		}
		if !matched && s.AdditionalProperties != nil && !in.valid(s.AdditionalProperties, v) {
			return false
		}
		if s.PropertyNames != nil && !in.valid(s.PropertyNames, k) {
			return false
		}
	}
	for _, d := range s.Dependencies {
		if _, ok := x[d.Name]; !ok {
			continue
		}
		for _, r := range d.Required {
			if _, ok := x[r]; !ok {
				return false
			}
		}
		if d.Schema != nil && !in.valid(d.Schema, x) {
			return false
		}
	}
	return true
}

// TestSuiteScaffoldInterpreter runs the suite's cases through the
// scaffold interpreter. Every required (non-optional) case must pass;
// optional ones (formats, which the graph only names) are counted.
func TestSuiteScaffoldInterpreter(t *testing.T) {
	dir := t.TempDir()
	in := &interp{re: map[string]*regexp.Regexp{}}
	var pass, total, optPass, optTotal int
	for _, sc := range suiteCases(t) {
		name := fmt.Sprintf("%s#%d", sc.file, sc.index)
		if _, refused := suiteRefused[name]; refused {
			continue
		}
		s, err := compileSuiteCase(t, dir, sc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		optional := strings.HasPrefix(sc.file, "optional/")
		for _, tc := range sc.group.Tests {
			got := in.valid(s, mustDecode(tc.Data))
			if optional {
				optTotal++
			} else {
				total++
			}
			switch {
			case got == tc.Valid && optional:
				optPass++
			case got == tc.Valid:
				pass++
			case optional:
				t.Logf("optional %s %q / %q: got valid=%v", name, sc.group.Description, tc.Description, got)
			default:
				t.Errorf("%s %q / %q: got valid=%v", name, sc.group.Description, tc.Description, got)
			}
		}
	}
	t.Logf("scaffold interpreter: required %d/%d, optional %d/%d", pass, total, optPass, optTotal)
}
