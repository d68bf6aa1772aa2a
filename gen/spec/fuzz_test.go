package spec

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzMaxInput skips larger inputs: the loader's cost should grow with the
// input, and 64 KiB is plenty to find where it does not.
const fuzzMaxInput = 64 << 10

// Every loader error names the file and a line: "main.yaml:12" or
// "main.yaml:12:3 (#/pointer)".
var fuzzErrPos = regexp.MustCompile(`(main|other)\.yaml:\d+`)

// FuzzLoad loads arbitrary bytes as a spec (main.yaml) with a second file
// its $refs may name (other.yaml): no panic, no hang, errors with
// file:line, and a loaded tree that marshals and whose references resolve
// or fail cleanly.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s[0], s[1])
	}
	// One folder per fuzzing process, rewritten for each input: a fresh
	// t.TempDir per input costs more than loading.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, main, other []byte) {
		if len(main)+len(other) > fuzzMaxInput {
			t.Skip()
		}
		path := filepath.Join(dir, "main.yaml")
		if err := os.WriteFile(path, main, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "other.yaml"), other, 0o600); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			fuzzLoadOnce(t, path)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("loading %d+%d bytes took over 10s", len(main), len(other))
		}
	})
}

func fuzzLoadOnce(t *testing.T, path string) {
	l := NewLoader()
	root, err := l.File(path)
	if err != nil {
		fuzzCheckErr(t, err)
		return
	}
	if _, err := Load(l, path); err != nil {
		fuzzCheckErr(t, err)
	}
	if _, err := root.MarshalJSON(); err != nil && !strings.Contains(err.Error(), "unsupported value") {
		// NaN and infinities are the only values JSON cannot hold.
		t.Errorf("MarshalJSON: %v", err)
	}
	// Resolve every reference that stays within the two files.
	nodes := 0
	var walk func(n *Node)
	walk = func(n *Node) {
		if nodes++; nodes > 1_000_000 {
			t.Fatalf("more than a million nodes from %d bytes", fuzzMaxInput)
		}
		if ref := n.Get("$ref"); ref != nil {
			file, _, _ := strings.Cut(ref.Str(), "#")
			if file == "" || file == "main.yaml" || file == "other.yaml" || file == "./other.yaml" {
				if _, err := l.Deref(n); err != nil {
					fuzzCheckErr(t, err)
				}
			}
		}
		for _, v := range n.Values {
			walk(v)
		}
		for _, v := range n.Items {
			walk(v)
		}
	}
	walk(root)
}

func fuzzCheckErr(t *testing.T, err error) {
	t.Helper()
	if !fuzzErrPos.MatchString(err.Error()) {
		t.Errorf("error without file:line: %v", err)
	}
}

// fuzzSeeds pairs snippets of the real specs and of the generator's test
// cases (other.yaml standing in for the files they reference) with
// hand-written hostile documents.
func fuzzSeeds(f *testing.F) [][2][]byte {
	var out [][2][]byte
	add := func(main, other string) { out = append(out, [2][]byte{[]byte(main), []byte(other)}) }
	shared, _ := os.ReadFile(filepath.Join("..", "testdata", "crossref", "shared.yaml"))
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.yaml"))
	specs, _ := filepath.Glob(filepath.Join("..", "..", "specs", "*.yaml"))
	for _, name := range append(files, specs...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("shared.yaml"), []byte("other.yaml"))
		if len(b) > fuzzMaxInput/4 {
			b = b[:fuzzMaxInput/4] // a truncated spec is a fine seed, and quicker to minimise
		}
		add(string(b), string(shared))
	}
	add("a: &a [x, y]\nb: *a\nc: {d: *a}\n", "")
	add(fuzzLaughs(9), "")
	add("a: &a [*a]\n", "")
	add("a: &a {b: *a}\n", "")
	add(strings.Repeat("[", 5000)+strings.Repeat("]", 5000), "")
	add("a: 1\na: 2\n", "")
	add("x: {$ref: 'other.yaml#/y'}\n", "y: {$ref: 'main.yaml#/x'}\n")
	add("x: {$ref: '#/x'}\n", "")
	add("\xff\xfe", "")
	add("a: b\n\x00", "")
	add("", "")
	add("- \"unterminated\n", "")
	add("n: .nan\ni: -.inf\nt: 2001-12-14\nb: !!binary aGk=\nu: 18446744073709551616\n", "")
	return out
}

// fuzzLaughs is the billion-laughs document with levels levels of ten
// aliases each: 10^levels nodes once expanded.
func fuzzLaughs(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol]\n")
	for i := 1; i <= levels; i++ {
		prev := "*l" + string(rune('0'+i-1))
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(prev)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// The loader refuses what would blow up, with the file and line.
func TestLoadRefusesHostileYAML(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"billion laughs": {fuzzLaughs(9), "aliases expand to more than"},
		"self alias":     {"a: &a [*a]\n", "refers to itself"},
		"deep":           {"a: " + strings.Repeat("[", 1500) + strings.Repeat("]", 1500) + "\n", "deeper than"},
		"duplicate":      {"a: 1\nb: 2\na: 3\n", `duplicate key "a"`},
		"syntax line 1":  {"a: [\n", "main.yaml:"},
		"syntax later":   {"a: b\nc: d\n  e: f\n", "main.yaml:3: yaml: "},
		"bad byte":       {"a: b\nc: \x01\n", "main.yaml:2: yaml: "},
		"empty":          {"", "main.yaml:1: empty document"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "main.yaml")
			if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err := NewLoader().File(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !fuzzErrPos.MatchString(err.Error()) {
				t.Errorf("got %v, want %q with file:line", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	// A long mapping without duplicates still loads, and quickly.
	path := filepath.Join(t.TempDir(), "main.yaml")
	var keys strings.Builder
	for i := range 20000 {
		keys.WriteString("k" + strconv.Itoa(i) + ": 1\n")
	}
	if err := os.WriteFile(path, []byte(keys.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if n, err := NewLoader().File(path); err != nil || len(n.Keys) != 20000 {
		t.Fatalf("long mapping: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("long mapping took %v", d)
	}
	// $ref to something that is not a file is refused, not read forever.
	if _, err := os.Stat("/dev/zero"); err == nil {
		dir := t.TempDir()
		main := filepath.Join(dir, "main.yaml")
		rel, err := filepath.Rel(dir, "/dev/zero") // resolve joins even absolute paths to the folder
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(main, []byte("x: {$ref: '"+rel+"#/a'}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		l := NewLoader()
		root, err := l.File(main)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Deref(root.Get("x")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("$ref to /dev/zero: %v", err)
		}
	}
}
