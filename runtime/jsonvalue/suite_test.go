package jsonvalue

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// suiteDir is the vendored JSON-Schema-Test-Suite, kept elsewhere in the
// repo; the test skips when it is absent.
const suiteDir = "../../testdata/jsonschema/JSON-Schema-Test-Suite/tests/draft7"

// leafKeywords are the keywords this package implements alone; a suite
// schema using anything else needs the generator and is skipped here.
var leafKeywords = map[string]bool{
	"type": true, "enum": true, "const": true, "multipleOf": true, "minimum": true, "maximum": true,
	"exclusiveMinimum": true, "exclusiveMaximum": true, "maxLength": true, "minLength": true,
	"uniqueItems": true, "format": true,
}

var annotationKeywords = map[string]bool{"$comment": true, "description": true, "title": true, "$schema": true}

// leafSchemaValid applies every keyword of schema to inst with this
// package's functions, as compiled code would.
func leafSchemaValid(schema, inst *Value) bool {
	for i, k := range schema.Keys {
		arg := &schema.Vals[i]
		if annotationKeywords[k] {
			continue
		}
		if k == "type" && arg.Kind == Array {
			any := false
			for j := range arg.Items {
				any = any || ours("type", &arg.Items[j], inst)
			}
			if !any {
				return false
			}
			continue
		}
		if !ours(k, arg, inst) {
			return false
		}
	}
	return true
}

func leafOnly(schema *Value) bool {
	if schema.Kind != Object {
		return false
	}
	for _, k := range schema.Keys {
		if !leafKeywords[k] && !annotationKeywords[k] {
			return false
		}
	}
	return true
}

func TestSuiteLeafKeywords(t *testing.T) {
	files := []string{
		"type.json", "enum.json", "const.json", "multipleOf.json", "minimum.json", "maximum.json",
		"exclusiveMinimum.json", "exclusiveMaximum.json", "maxLength.json", "minLength.json",
		"uniqueItems.json", "format.json", "optional/bignum.json", "optional/float-overflow.json",
	}
	formats, _ := filepath.Glob(filepath.Join(suiteDir, "optional/format/*.json"))
	for _, f := range formats {
		files = append(files, strings.TrimPrefix(filepath.ToSlash(f), suiteDir+"/"))
	}
	var run, skipped, suiteDiffers int
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join(suiteDir, file))
		if os.IsNotExist(err) {
			t.Skipf("test suite not present at %s", suiteDir)
		}
		if err != nil {
			t.Fatal(err)
		}
		var groups []struct {
			Description string
			Schema      json.RawMessage
			Tests       []struct {
				Description string
				Data        json.RawMessage
				Valid       bool
			}
		}
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, g := range groups {
			schema, err := Parse(g.Schema)
			if err != nil {
				t.Fatalf("%s: %s: schema: %v", file, g.Description, err)
			}
			if !leafOnly(&schema) {
				skipped += len(g.Tests)
				continue
			}
			for _, tc := range g.Tests {
				inst, err := Parse(tc.Data)
				if err != nil {
					t.Fatalf("%s: %s: data: %v", file, tc.Description, err)
				}
				got := leafSchemaValid(&schema, &inst)
				ref := santhosh(t, string(g.Schema), string(tc.Data))
				run++
				if got != ref {
					t.Errorf("%s: %s / %s: ours %v, santhosh %v", file, g.Description, tc.Description, got, ref)
				}
				if got != tc.Valid {
					// Only optional format tests may differ, and only where
					// santhosh v5 differs from the suite too (checked above).
					if !strings.HasPrefix(file, "optional/format/") {
						t.Errorf("%s: %s / %s: ours %v, suite %v", file, g.Description, tc.Description, got, tc.Valid)
					}
					suiteDiffers++
				}
			}
		}
	}
	t.Logf("%d suite tests run (%d need more than leaf keywords, skipped); %d optional format tests where santhosh v5 and we differ from the suite", run, skipped, suiteDiffers)
}
