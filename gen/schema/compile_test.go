package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen/spec"
)

// write puts files (name -> text) into a fresh folder and returns it.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func compileText(t *testing.T, text string, remotes map[string]string) (*Schema, *Compiler, error) {
	t.Helper()
	dir := write(t, map[string]string{"s.json": text})
	c := NewCompiler(spec.NewLoader(), remotes)
	s, err := c.CompileFile(filepath.Join(dir, "s.json"))
	return s, c, err
}

func mustCompile(t *testing.T, text string, remotes map[string]string) *Schema {
	t.Helper()
	s, _, err := compileText(t, text, remotes)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// deref follows Ref links.
func deref(s *Schema) *Schema {
	for s.Ref != nil {
		s = s.Ref
	}
	return s
}

func TestKeywordsAndLiterals(t *testing.T) {
	s := mustCompile(t, `{
		"type": ["integer", "null"], "multipleOf": 0.10, "maximum": 1e400, "minimum": -12345678901234567890123,
		"exclusiveMaximum": 1.10, "maxLength": 2.0, "enum": [1.10, 12345678901234567890123, {"b": 1, "a": [true, null]}],
		"const": null, "items": [], "required": [], "properties": {"z": {}, "a": true}, "title": "t",
		"x-extension": {"anything": 1}, "nonsense": 1, "dependencies": {"a": [], "b": {"minProperties": 1}}
	}`, nil)
	if got := strings.Join(s.Types, ","); got != "integer,null" {
		t.Errorf("Types %q", got)
	}
	if s.MultipleOf != "0.10" || s.Maximum != "1e400" || s.Minimum != "-12345678901234567890123" || s.ExclusiveMaximum != "1.10" || s.ExclusiveMinimum != "" {
		t.Errorf("number literals: %q %q %q %q %q", s.MultipleOf, s.Maximum, s.Minimum, s.ExclusiveMaximum, s.ExclusiveMinimum)
	}
	if s.MaxLength != 2 || s.MinLength != -1 || s.MaxItems != -1 {
		t.Errorf("counts %d %d %d", s.MaxLength, s.MinLength, s.MaxItems)
	}
	var enum []string
	for _, e := range s.Enum {
		enum = append(enum, string(e))
	}
	if got := strings.Join(enum, " "); got != `1.10 12345678901234567890123 {"b":1,"a":[true,null]}` {
		t.Errorf("Enum %s", got)
	}
	if string(s.Const) != "null" {
		t.Errorf("Const %q", s.Const)
	}
	if !s.ItemsIsTuple || s.TupleItems == nil || len(s.TupleItems) != 0 || s.Items != nil {
		t.Errorf("empty tuple items: %v %v %v", s.ItemsIsTuple, s.TupleItems, s.Items)
	}
	if s.Required == nil || len(s.Required) != 0 {
		t.Errorf("Required %#v", s.Required)
	}
	if len(s.Properties) != 2 || s.Properties[0].Name != "z" || s.Properties[1].Name != "a" {
		t.Errorf("Properties out of document order: %+v", s.Properties)
	}
	if z := s.Properties[0].Schema; z.Bool != nil || z.Ref != nil {
		t.Errorf("{} must stay an empty schema: %+v", z)
	}
	if a := s.Properties[1].Schema; a.Bool == nil || !*a.Bool {
		t.Errorf("true: %+v", a)
	}
	if d := s.Dependencies; len(d) != 2 || d[0].Required == nil || len(d[0].Required) != 0 || d[0].Schema != nil || d[1].Schema == nil || d[1].Required != nil {
		t.Errorf("Dependencies %+v", d)
	}
	if strings.Join(s.Annotations, ",") != "title" || strings.Join(s.Unknown, ",") != "nonsense" {
		t.Errorf("Annotations %v Unknown %v", s.Annotations, s.Unknown)
	}
}

func TestIDsAndAll(t *testing.T) {
	s, c, err := compileText(t, `{"definitions": {"n": {"type": "integer"}, "unused": {"type": "string"}},
		"properties": {"a": {"$ref": "#/definitions/n"}, "b": {"$ref": "#/definitions/n"}, "self": {"$ref": "#"}}}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := c.All()
	for i, x := range all {
		if x.ID != i {
			t.Errorf("All()[%d].ID = %d", i, x.ID)
		}
	}
	if len(all) != 5 { // root, a, n, b, self: "unused" is compiled only when referenced
		t.Errorf("compiled %d schemas, want 5", len(all))
	}
	a, b, self := s.Properties[0].Schema, s.Properties[1].Schema, s.Properties[2].Schema
	if a.Ref != b.Ref || a.Ref == nil || a.Ref.Loc.Pointer != "/definitions/n" {
		t.Errorf("one node, one Schema: %+v %+v", a.Ref, b.Ref)
	}
	if self.Ref != s {
		t.Errorf("recursive ref: %+v", self.Ref)
	}
	root, _, _ := c.l.Root(c.docRootOf(t, s))
	if again, err := c.Compile(root.Lookup("/definitions/n")); err != nil || again != a.Ref {
		t.Errorf("recompiling a node: %v, same Schema %v", err, again == a.Ref)
	}
	if len(c.All()) != 5 {
		t.Errorf("recompiling added schemas")
	}
	unused, err := c.Compile(root.Lookup("/definitions/unused"))
	if err != nil || unused.ID != 5 || len(unused.Types) != 1 {
		t.Errorf("unused definition compiled on request: %v %+v", err, unused)
	}
}

// docRootOf finds the root node of the file s was compiled from.
func (c *Compiler) docRootOf(t *testing.T, s *Schema) *spec.Node {
	t.Helper()
	for root := range c.docs {
		if root.Loc.File == s.Loc.File {
			return root
		}
	}
	t.Fatalf("no document for %s", s.Loc.File)
	return nil
}
