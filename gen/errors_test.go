package gen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryErrorInOneRun checks that gen reports every problem of a
// document at once, in line order: a user fixes them in one pass.
func TestEveryErrorInOneRun(t *testing.T) {
	doc := `asyncapi: 3.0.0
info: {title: t, version: '1', x-wsbind-describes: client}
channels:
  c:
    address: /
    messages:
      A: {payload: {type: object, properties: {x: {$ref: '#/components/schemas/Missing'}}}}
      B: {payload: {type: object, properties: {y: {$ref: '#/components/schemas/Gone'}}}}
operations:
  o: {action: receive, channel: {$ref: '#/channels/c'}}
  p: {action: shout, channel: {$ref: '#/channels/c'}}
`
	path := filepath.Join(t.TempDir(), "errs.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	// The spec level goes first: an operation's action is wrong.
	_, _, err := Files(path, Options{})
	if err == nil || !strings.Contains(err.Error(), `operation p: action "shout"`) {
		t.Fatalf("error %v, want the bad action", err)
	}
	// With that fixed, both broken references, in line order.
	if err := os.WriteFile(path, []byte(strings.Replace(doc, "shout", "send", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = Files(path, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	i, j := strings.Index(msg, "Missing"), strings.Index(msg, "Gone")
	if i < 0 || j < 0 || i > j {
		t.Errorf("error %q: want both broken references, Missing (line 7) before Gone (line 8)", msg)
	}
}
