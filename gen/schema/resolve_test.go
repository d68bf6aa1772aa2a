package schema

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen/spec"
)

func TestBaseURIChange(t *testing.T) {
	s := mustCompile(t, `{
		"$id": "http://example.com/root.json",
		"definitions": {
			"A": {"$id": "folder/", "definitions": {"B": {"$id": "item.json", "type": "integer"}}},
			"Y": {"$id": "http://other.example/a.json", "definitions": {"b": {"$ref": "c.json"}}},
			"C": {"$id": "http://other.example/c.json", "type": "string"}
		},
		"allOf": [
			{"$ref": "folder/item.json"},
			{"$ref": "http://example.com/folder/item.json"},
			{"$ref": "#/definitions/A/definitions/B"},
			{"$ref": "#/definitions/Y/definitions/b"}
		]
	}`, nil)
	for i, want := range []string{"/definitions/A/definitions/B", "/definitions/A/definitions/B", "/definitions/A/definitions/B", "/definitions/C"} {
		if got := deref(s.AllOf[i]).Loc.Pointer; got != want {
			t.Errorf("allOf/%d resolved to %s, want %s", i, got, want)
		}
	}
	if s.AllOf[0].Ref != s.AllOf[1].Ref || s.AllOf[1].Ref != s.AllOf[2].Ref {
		t.Errorf("one target, several Schemas")
	}
}

func TestRemoteRefs(t *testing.T) {
	s := mustCompile(t, `{"allOf": [
		{"$ref": "http://localhost:1234/integer.json"},
		{"$ref": "http://localhost:1234/baseUriChangeFolder/folderInteger.json"},
		{"$ref": "http://json-schema.org/draft-07/schema#/definitions/nonNegativeInteger"}
	]}`, suiteRemotes)
	if got := deref(s.AllOf[0]); strings.Join(got.Types, "") != "integer" || !strings.HasSuffix(got.Loc.File, "integer.json") {
		t.Errorf("remote integer.json: %+v", got)
	}
	if got := deref(s.AllOf[1]); !strings.HasSuffix(got.Loc.File, "folderInteger.json") {
		t.Errorf("remote in a subfolder: %+v", got)
	}
	if got := deref(s.AllOf[2]); got.Minimum != "0" || !strings.HasSuffix(got.Loc.File, "draft-07.json") {
		t.Errorf("meta-schema: %+v", got)
	}
	_, _, err := compileText(t, `{"properties": {"a": {"$ref": "https://nowhere.example/x.json#/a"}}}`, suiteRemotes)
	if err == nil || !strings.Contains(err.Error(), "https://nowhere.example/x.json") || !strings.Contains(err.Error(), "never fetched") {
		t.Errorf("unmapped remote: %v", err)
	}
}

func TestAnchorsAndRefBesideID(t *testing.T) {
	s := mustCompile(t, `{
		"$id": "http://localhost:1234/root",
		"allOf": [{"$ref": "#foo"}, {"$ref": "http://localhost:1234/nested.json#bar"}],
		"definitions": {
			"A": {"$id": "#foo", "type": "integer"},
			"N": {"$id": "nested.json", "definitions": {"B": {"$id": "#bar", "type": "string"}}},
			"data": {"enum": [{"$id": "#foo"}], "const": {"$id": "http://localhost:1234/root"}}
		}
	}`, nil)
	if got := deref(s.AllOf[0]).Loc.Pointer; got != "/definitions/A" {
		t.Errorf("#foo -> %s", got)
	}
	if got := deref(s.AllOf[1]).Loc.Pointer; got != "/definitions/N/definitions/B" {
		t.Errorf("nested.json#bar -> %s", got)
	}
	// draft-07 ignores an $id beside $ref: "foo.json" resolves against
	// .../base/, not against the sibling $id.
	s = mustCompile(t, `{
		"$id": "http://localhost:1234/sibling_id/base/",
		"definitions": {
			"foo": {"$id": "http://localhost:1234/sibling_id/foo.json", "type": "string"},
			"base_foo": {"$id": "foo.json", "type": "number"}
		},
		"allOf": [{"$id": "http://localhost:1234/sibling_id/", "$ref": "foo.json", "type": "null"}]
	}`, nil)
	if r := s.AllOf[0]; r.Ref == nil || r.Ref.Loc.Pointer != "/definitions/base_foo" || r.Types != nil {
		t.Errorf("$ref beside $id: %+v", r)
	}
	_, _, err := compileText(t, `{"allOf": [{"$ref": "#nope"}]}`, nil)
	if err == nil || !strings.Contains(err.Error(), `no schema has $id "#nope"`) {
		t.Errorf("missing anchor: %v", err)
	}
}

func TestPointerEscapes(t *testing.T) {
	s := mustCompile(t, `{
		"definitions": {"tilde~field": {"type": "integer"}, "slash/field": {"type": "string"}, "percent%field": {"type": "null"}, "": {"definitions": {"": {"type": "boolean"}}}},
		"allOf": [{"$ref": "#/definitions/tilde~0field"}, {"$ref": "#/definitions/slash~1field"}, {"$ref": "#/definitions/percent%25field"}, {"$ref": "#/definitions//definitions/"}]
	}`, nil)
	for i, want := range []string{"integer", "string", "null", "boolean"} {
		if got := strings.Join(deref(s.AllOf[i]).Types, ""); got != want {
			t.Errorf("allOf/%d: %s, want %s", i, got, want)
		}
	}
}

func TestRecursion(t *testing.T) {
	s := mustCompile(t, `{"$id": "http://localhost:1234/tree", "type": "object",
		"properties": {"nodes": {"type": "array", "items": {"$ref": "node"}}},
		"definitions": {"node": {"$id": "http://localhost:1234/node", "properties": {"subtree": {"$ref": "tree"}}}}}`, nil)
	node := s.Properties[0].Schema.Items.Ref
	if node == nil || node.Properties[0].Schema.Ref != s {
		t.Fatalf("tree/node recursion not closed: %+v", node)
	}
	_, c, err := compileText(t, `{"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}, "allOf": [{"$ref": "#/definitions/a"}]}`, nil)
	if err == nil || !strings.Contains(err.Error(), "refers back to itself through $refs alone") {
		t.Errorf("pure $ref cycle: %v", err)
	}
	if len(c.All()) != 0 {
		t.Errorf("a failed Compile left %d schemas behind", len(c.All()))
	}
}

func TestAsyncAPIDocument(t *testing.T) {
	dir := write(t, map[string]string{
		"api.yaml": `asyncapi: 3.0.0
components:
  messages:
    Tip:
      payload:
        type: object
        properties:
          money: {$ref: '#/components/schemas/Money'}
          group: {$ref: './group.json'}
          shared: {$ref: 'common/shared.yaml#/components/schemas/Id'}
      examples:
        - payload: {$id: '#Money'}
    Wrapped:
      payload:
        schemaFormat: application/schema+json;version=draft-07
        schema: {items: {$ref: './group.json'}}
  schemas:
    Money:
      $id: '#Money'
      type: number
      multipleOf: 0.01
`,
		"group.json":         `{"type": "string", "definitions": {"x": {"type": "null"}}, "not": {"$ref": "#/definitions/x"}}`,
		"common/shared.yaml": "components:\n  schemas:\n    Id: {$ref: '#/components/schemas/Ulid'}\n    Ulid: {type: string, pattern: '^[0-9A-Z]{26}$'}\n",
	})
	l := spec.NewLoader()
	root, err := l.File(filepath.Join(dir, "api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := NewCompiler(l, nil)
	s, err := c.Compile(root.Lookup("/components/messages/Tip/payload"))
	if err != nil {
		t.Fatal(err)
	}
	money, group, shared := deref(s.Properties[0].Schema), deref(s.Properties[1].Schema), deref(s.Properties[2].Schema)
	if money.MultipleOf != "0.01" || money.Loc.Pointer != "/components/schemas/Money" {
		t.Errorf("money: %+v", money)
	}
	if strings.Join(group.Types, "") != "string" || deref(group.Not).Loc.Pointer != "/definitions/x" || !strings.HasSuffix(deref(group.Not).Loc.File, "group.json") {
		t.Errorf("group.json: %+v", group)
	}
	if !shared.HasPattern || !strings.HasSuffix(shared.Loc.File, "shared.yaml") {
		t.Errorf("shared.yaml: %+v", shared)
	}
	// A schema where the index did not look (a multi-format payload) still
	// resolves against its file.
	w, err := c.Compile(root.Lookup("/components/messages/Wrapped/payload/schema"))
	if err != nil || deref(w.Items) != group {
		t.Errorf("multi-format payload: %v", err)
	}
	// The anchor is found, and the example's $id (data) did not clash with it.
	if _, err := c.Compile(root.Lookup("/components/schemas/Money")); err != nil {
		t.Error(err)
	}
}

// Errors name file:line:col, the keyword, the pointer, and say what to do.
func TestErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"type: object\nproperties:\n  a:\n    maxLength: -1\n", `s.yaml:4:16: maxLength at #/properties/a/maxLength: must be a non-negative integer`},
		{"properties:\n  a:\n    pattern: '(?<=x)y'\n", `s.yaml:3:14: pattern at #/properties/a/pattern: "\(\?<=x\)y" does not compile: .* \(patterns are Go RE2 syntax`},
		{"items:\n  - $ref: '#/definitions/missing'\n", `s.yaml:2:11: \$ref at #/items/0/\$ref: "#/definitions/missing": s.yaml has nothing at #/definitions/missing \(check the pointer`},
		{"type: strin\n", `s.yaml:1:7: type at #/type: "strin" is not a JSON Schema type \(use one of array, boolean`},
		{"required: [a, a]\n", `s.yaml:1:11: required at #/required: "a" is listed twice`},
		{"minimum: '1'\n", `s.yaml:1:10: minimum at #/minimum: must be a number, not "1"`},
		{"multipleOf: 0\n", `multipleOf at #/multipleOf: must be greater than 0`},
		{"properties: {a: 1}\n", `s.yaml:1:17: properties at #/properties/a: must be a schema \(object or boolean\), not number \(write {} or true`},
		{"allOf: []\n", `allOf at #/allOf: must list at least one schema`},
		{"enum: [1, 1.0]\n", `enum at #/enum/1: value 1 repeats value 0`},
		{"$id: 5\n", `s.yaml:1:6: \$id at #/\$id: must be a string`},
		{"$ref: 5\n", `\$ref at #/\$ref: must be a string, not number`},
		{"$schema: http://json-schema.org/draft-04/schema#\n", `is not draft-07`},
		{"definitions:\n  a: {$id: 'http://x/a'}\n  b: {$id: 'http://x/a'}\n", `s.yaml:3:12: \$id at #/definitions/b/\$id: http://x/a is also the identifier of the schema at s.yaml:2`},
		{"additionalProperties: [true]\n", `additionalProperties at #/additionalProperties: must be a schema`},
		{"title: 5\n", `title at #/title: must be a string, not number`},
		{"[1]\n", `schema at #: a schema must be an object or a boolean, not array`},
	} {
		dir := write(t, map[string]string{"s.yaml": tc.doc})
		_, err := NewCompiler(spec.NewLoader(), nil).CompileFile(filepath.Join(dir, "s.yaml"))
		if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
			t.Errorf("%q:\n got %v\nwant %s", tc.doc, err, tc.want)
		}
	}
}
