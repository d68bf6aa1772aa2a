package spec

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMarshalJSONKeepsDocumentOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ex.yaml")
	doc := "type: event\ndata:\n  eventType: x\n  list: [b, {z: 1, a: null}]\n  ok: true\n  n: 1.5\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := NewLoader().File(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"event","data":{"eventType":"x","list":["b",{"z":1,"a":null}],"ok":true,"n":1.5}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
