package fields

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGeneralize(t *testing.T) {
	doc := decode(t, `{"items":[{"a":1},{"new":[0,{"x":1}]}],"map":{"0":{"y":1}},"a/b":[1]}`)
	tests := []struct{ ptr, want string }{
		{"", ""},
		{"/items/1/new", "/items/*/new"},
		{"/items/1/new/1/x", "/items/*/new/*/x"},
		{"/map/0/y", "/map/0/y"},
		{"/a~1b/0", "/a~1b/*"},
		{"/gone/3/z", "/gone/*/z"},
	}
	for _, tt := range tests {
		if got := Generalize(tt.ptr, doc); got != tt.want {
			t.Errorf("Generalize(%q) = %q, want %q", tt.ptr, got, tt.want)
		}
	}
	if got := Generalize("/a/12/b", nil); got != "/a/*/b" {
		t.Errorf("without a document: %q", got)
	}
	if HasIndex("/a/b") || !HasIndex("/a/0") {
		t.Error("HasIndex")
	}
}

const bundle = `{"definitions":{
  "Msg":{"allOf":[{"$ref":"#/definitions/Base"},{"type":"object","required":["type","data"],
    "properties":{"type":{"const":"m"},"data":{"type":"object","properties":{
      "list":{"type":"array","items":{"$ref":"#/definitions/Item"}},
      "opt":{"type":"object","properties":{"deep":{"type":"string"}}},
      "map":{"type":"object","additionalProperties":{"type":"object","properties":{"k":{}}}},
      "node":{"$ref":"#/definitions/Node"}}}}}]},
  "Base":{"type":"object","properties":{"room":{"type":"string"},"type":{"type":"string"}}},
  "Item":{"oneOf":[
    {"type":"object","required":["kind"],"properties":{"kind":{"const":"a"},"x":{"type":"string"}}},
    {"type":"object","required":["kind","y"],"properties":{"kind":{"const":"b"},"y":{"type":"string"}}}]},
  "Node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/definitions/Node"}}}}
}}`

func TestOptional(t *testing.T) {
	got, err := Optional([]byte(bundle), []string{"Msg", "Missing"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"Msg": {
		"/data/list", "/data/list/*/x", "/data/map", "/data/node", "/data/node/children",
		"/data/opt", "/data/opt/deep", "/room",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	tr := NewTracker(got["Msg"])
	tr.Observe(decode(t, `{"type":"m","data":{"list":[{"kind":"b","y":"1"}],"opt":{},"unknown":{"deep":1}}}`))
	tr.Observe(decode(t, `{"type":"m","room":"r","data":{}}`))
	wantNever := []string{"/data/list/*/x", "/data/map", "/data/node", "/data/opt/deep"}
	if diff := cmp.Diff(wantNever, tr.NeverFilled()); diff != "" {
		t.Errorf("never filled (-want +got):\n%s", diff)
	}
}
