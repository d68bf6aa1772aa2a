package ir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wsbind/wsbind/gen/spec"
)

// TestDiscriminatorIsTriedFirst: two properties could split the messages;
// the one the payloads name as their AsyncAPI discriminator is the one
// dispatch uses, although another comes first in the schema.
func TestDiscriminatorIsTriedFirst(t *testing.T) {
	doc := `asyncapi: 3.0.0
info: {title: t, version: '1', x-wsbind-describes: client}
channels:
  c:
    address: /
    messages:
      Cat: {payload: {$ref: '#/components/schemas/Cat'}}
      Dog: {payload: {$ref: '#/components/schemas/Dog'}}
operations:
  o: {action: receive, channel: {$ref: '#/channels/c'}}
components:
  schemas:
    Pet:
      type: object
      discriminator: petType
      required: [kind, petType]
    Cat:
      allOf:
        - $ref: '#/components/schemas/Pet'
        - properties: {kind: {const: feline}, petType: {const: Cat}}
    Dog:
      allOf:
        - $ref: '#/components/schemas/Pet'
        - properties: {kind: {const: canine}, petType: {const: Dog}}
`
	path := filepath.Join(t.TempDir(), "pets.yaml")
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
	for _, m := range pkg.Messages {
		if m.Discriminator != "petType" {
			t.Errorf("%s: discriminator %q, want petType (from Pet, through allOf)", m.Name, m.Discriminator)
		}
	}
	if root := pkg.Server.Root; root.Key != "petType" || len(root.Cases) != 2 {
		t.Errorf("server dispatch on %q with %d cases, want petType with 2", root.Key, len(root.Cases))
	}
}
