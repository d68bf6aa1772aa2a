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
	// A bad action (line 11) and two broken references (lines 7 and 8):
	// all three, in line order, in one run.
	_, _, err := Files(path, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	i, j, k := strings.Index(msg, "Missing"), strings.Index(msg, "Gone"), strings.Index(msg, `action "shout"`)
	if i < 0 || j < 0 || k < 0 || i > j || j > k {
		t.Errorf("error %q: want Missing (line 7), Gone (line 8) and the bad action (line 11), in that order", msg)
	}
}
