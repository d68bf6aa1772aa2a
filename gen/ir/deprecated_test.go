package ir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen/spec"
)

// TestDeprecatedBecomesGodoc: deprecated: true on a message, a schema and
// a property gives each Go declaration a "Deprecated:" paragraph, which
// gopls and staticcheck read.
func TestDeprecatedBecomesGodoc(t *testing.T) {
	doc := `asyncapi: 3.0.0
info: {title: t, version: '1', x-wsbind-describes: client}
channels:
  c:
    address: /
    messages:
      Old: {$ref: '#/components/messages/Old'}
operations:
  o: {action: receive, channel: {$ref: '#/channels/c'}}
components:
  messages:
    Old:
      deprecated: true
      summary: The old event.
      payload: {$ref: '#/components/schemas/OldPayload'}
  schemas:
    OldPayload:
      type: object
      properties:
        legacy: {type: string, deprecated: true, description: Gone soon.}
        kept: {type: string}
        shape: {$ref: '#/components/schemas/Shape'}
    Shape:
      type: object
      deprecated: true
      properties: {x: {type: integer}}
`
	path := filepath.Join(t.TempDir(), "old.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := spec.Load(spec.NewLoader(), path)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := Build(d)
	if err != nil {
		t.Fatal(err)
	}
	m := pkg.Messages[0]
	if !strings.Contains(m.Doc, "The old event.\n\nDeprecated: the spec marks this message deprecated") {
		t.Errorf("message doc %q", m.Doc)
	}
	for _, f := range m.Type.Fields {
		has := strings.Contains(f.Doc, "Deprecated: ")
		if want := f.Name == "legacy"; has != want {
			t.Errorf("field %s doc %q: Deprecated paragraph %v, want %v", f.Name, f.Doc, has, want)
		}
		if f.Name == "shape" && !strings.HasPrefix(f.Type.Doc, "Deprecated: the spec marks this schema deprecated") {
			t.Errorf("type Shape doc %q", f.Type.Doc)
		}
	}
}
