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

// Numbers keep their literal: JSON output and Text carry 1e400, big
// integers and trailing zeros as written; YAML-only spellings and
// quoted numbers do not pass for JSON number text.
func TestNumberLiterals(t *testing.T) {
	for name, doc := range map[string]string{
		"n.json": `{"big": 1e400, "neg": -1e400, "int": 12345678901234567890123, "dec": 1.10, "zero": -0, "q": "1.5", "e": 1.5E+3, "ok": 7}`,
		"n.yaml": "big: 1e400\nneg: -1e400\nint: 12345678901234567890123\ndec: 1.10\nzero: -0\nq: '1.5'\ne: 1.5E+3\nok: 7\nhex: 0x1F\nplus: +1\n",
	} {
		path := filepath.Join(t.TempDir(), name)
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
		want := `{"big":1e400,"neg":-1e400,"int":12345678901234567890123,"dec":1.10,"zero":-0,"q":"1.5","e":1.5E+3,"ok":7`
		if name == "n.yaml" {
			want += `,"hex":31,"plus":1`
		}
		if want += "}"; string(b) != want {
			t.Errorf("%s:\n got %s\nwant %s", name, b, want)
		}
		if got := n.Get("dec").Text; got != "1.10" {
			t.Errorf("%s: Text %q", name, got)
		}
		if v, ok := n.Get("big").Scalar.(float64); !ok || v <= 1e308 {
			t.Errorf("%s: 1e400 is %#v, want +Inf", name, n.Get("big").Scalar)
		}
		if _, ok := n.Get("q").Scalar.(string); !ok {
			t.Errorf("%s: a quoted number must stay a string", name)
		}
	}
	for s, want := range map[string]bool{"0": true, "-0.5e-3": true, "1.10": true, "01": false, ".5": false, "+1": false, "1_000": false, "0x1F": false, "1.": false, "": false} {
		if IsJSONNumber(s) != want {
			t.Errorf("IsJSONNumber(%q) = %v", s, !want)
		}
	}
}

func TestLoaderRoot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(path, []byte("a:\n  b: [1, {c: 2}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := NewLoader()
	n, err := l.File(path)
	if err != nil {
		t.Fatal(err)
	}
	root, abs, ok := l.Root(n.Lookup("/a/b/1/c"))
	if !ok || root != n || abs != path {
		t.Errorf("Root: %v %q %v", root == n, abs, ok)
	}
	if _, _, ok := l.Root(&Node{Loc: Loc{File: "r.yaml", Pointer: "/a"}}); ok {
		t.Error("a node of no loaded file has a root")
	}
}
