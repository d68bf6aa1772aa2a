package gen_test

// Golden tests in the sqlc style. Each directory testdata/<case>/ holds
//
//   - <case>.yaml, the input spec (the Go package name is the file's base
//     name, so <case> must be a Go identifier for success cases), plus any
//     file it references with $ref;
//   - want/, the *_gen.go files the generator must produce byte for byte, or
//   - error.txt, a stable substring of the error generation must fail with
//     (the part after file:line:col, so that editing a spec does not break it).
//
// go test ./gen -run Golden -update rewrites want/ and error.txt from the
// generator's output; an error.txt that still matches is left as written,
// so a hand-trimmed substring survives.
//
// Every want/ that matched is then built and vetted in place, one go vet per
// case from the module root (skipped with -short). The go tool ignores
// testdata only when it expands patterns such as ./..., so `go vet ./...`
// never sees these packages, while ./gen/testdata/<case>/want, named
// explicitly, builds like any package of the module. TestGoldenExamples
// checks every example against the embedded JSON Schema bundle, and
// TestGoldenDeterministic that output depends on the spec alone.
//
// Cases that document a generator bug say so in their info.description;
// they fail until the generator is fixed.

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wsbind/wsbind/gen"
	"github.com/wsbind/wsbind/runtime/schemacheck"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want and error.txt from the generator's output")

// goldenCase is one directory of testdata.
type goldenCase struct {
	name string
	dir  string // testdata/<name>
	spec string // testdata/<name>/<name>.yaml
}

func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenCase
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		dir := filepath.Join("testdata", e.Name())
		c := goldenCase{name: e.Name(), dir: dir, spec: filepath.Join(dir, e.Name()+".yaml")}
		if _, err := os.Stat(c.spec); err != nil {
			t.Fatalf("case %s: no spec %s", c.name, c.spec)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatal("no golden cases under testdata")
	}
	return out
}

// result is one generation: the files by name, or the error.
type result struct {
	files map[string][]byte
	err   error
}

func generate(c goldenCase) result {
	_, files, err := gen.Files(c.spec, gen.Options{})
	if err != nil {
		return result{err: err}
	}
	r := result{files: map[string][]byte{}}
	for _, f := range files {
		r.files[f.Name] = f.Src
	}
	return r
}

// readWant reads want/ (nil if absent) and error.txt ("" and false if absent).
func readWant(t *testing.T, c goldenCase) (map[string][]byte, string, bool) {
	t.Helper()
	var files map[string][]byte
	entries, err := os.ReadDir(filepath.Join(c.dir, "want"))
	switch {
	case err == nil:
		files = map[string][]byte{}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(c.dir, "want", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = b
		}
	case !os.IsNotExist(err):
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(c.dir, "error.txt"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files, strings.TrimSpace(string(b)), err == nil
}

func TestGolden(t *testing.T) {
	var compile []goldenCase // cases whose want/ matched and must build
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got := generate(c)
			if *update {
				writeWant(t, c, got)
			}
			wantFiles, wantErr, hasErr := readWant(t, c)
			switch {
			case hasErr && wantFiles != nil:
				t.Fatalf("%s has both want/ and error.txt", c.dir)
			case !hasErr && wantFiles == nil:
				t.Fatalf("%s has neither want/ nor error.txt; run with -update", c.dir)
			case hasErr:
				if wantErr == "" {
					t.Fatalf("%s/error.txt is empty", c.dir)
				}
				if got.err == nil {
					t.Fatalf("generation succeeded; want an error containing %q", wantErr)
				}
				if !strings.Contains(got.err.Error(), wantErr) {
					t.Fatalf("error:\n  %v\nwant it to contain:\n  %s", got.err, wantErr)
				}
				return
			}
			if got.err != nil {
				t.Fatalf("generation failed: %v", got.err)
			}
			ok := true
			for _, name := range sortedNames(got.files, wantFiles) {
				g, inGot := got.files[name]
				w, inWant := wantFiles[name]
				switch {
				case !inWant:
					t.Errorf("generated %s, which want/ lacks (run with -update)", name)
					ok = false
				case !inGot:
					t.Errorf("want/%s is not generated any more (run with -update)", name)
					ok = false
				case !bytes.Equal(g, w):
					t.Errorf("%s differs from want/ (-want +got):\n%s", name,
						cmp.Diff(strings.Split(string(w), "\n"), strings.Split(string(g), "\n")))
					ok = false
				}
			}
			if ok {
				compile = append(compile, c)
			}
		})
	}
	// Every golden output must build and pass go vet. The cases run in
	// parallel, each as its own go vet from the module root.
	t.Run("compile", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: not compiling golden output")
		}
		root := moduleRoot(t)
		for _, c := range compile {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				dir := "./" + filepath.ToSlash(filepath.Join("gen", c.dir, "want"))
				cmd := exec.Command("go", "vet", dir)
				cmd.Dir = root
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("go vet %s: %v\n%s", dir, err, out)
				}
			})
		}
	})
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(gomod)))
}

// TestGoldenExamples checks each success case's examples against the JSON
// Schema bundle the generator embeds (schema_gen.go): every example must be
// valid for its message and for the direction that carries it, as
// specs/README.md promises. The bundle is the second opinion next to the
// generated validators, so it must accept what the spec calls valid.
func TestGoldenExamples(t *testing.T) {
	for _, c := range goldenCases(t) {
		if _, err := os.Stat(filepath.Join(c.dir, "error.txt")); err == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			pkg, _, err := gen.Files(c.spec, gen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			chk, err := schemacheck.New(pkg.Schema)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range pkg.Messages {
				defs := []string{m.Name}
				if m.Server {
					defs = append(defs, "ServerMessage")
				}
				if m.Client {
					defs = append(defs, "ClientMessage")
				}
				for _, ex := range m.Examples {
					for _, def := range defs {
						vs, err := chk.Validate(def, ex.JSON)
						if err != nil {
							t.Errorf("%s example %s against %s: %v", m.Name, ex.Name, def, err)
						}
						for _, v := range vs {
							t.Errorf("%s example %s %s against %s: %v", m.Name, ex.Name, ex.JSON, def, v)
						}
					}
				}
			}
		})
	}
}

func sortedNames(a, b map[string][]byte) []string {
	var names []string
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// writeWant makes want/ or error.txt match r.
func writeWant(t *testing.T, c goldenCase, r result) {
	t.Helper()
	wantDir := filepath.Join(c.dir, "want")
	errPath := filepath.Join(c.dir, "error.txt")
	if r.err != nil {
		if err := os.RemoveAll(wantDir); err != nil {
			t.Fatal(err)
		}
		if old, err := os.ReadFile(errPath); err == nil {
			if s := strings.TrimSpace(string(old)); s != "" && strings.Contains(r.err.Error(), s) {
				return // still matches; keep the hand-trimmed substring
			}
		}
		if err := os.WriteFile(errPath, []byte(r.err.Error()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.Remove(errPath); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.RemoveAll(wantDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(wantDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range r.files {
		if err := os.WriteFile(filepath.Join(wantDir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGoldenDeterministic checks that output depends on the spec alone:
// generating a case twice gives the same bytes, and generating every case
// again in a shuffled order, concurrently, changes nothing either.
func TestGoldenDeterministic(t *testing.T) {
	cases := goldenCases(t)
	first := make([]result, len(cases))
	for i, c := range cases {
		first[i] = generate(c)
		if d := diffResults(first[i], generate(c)); d != "" {
			t.Errorf("%s: second run differs: %s", c.name, d)
		}
	}
	order := rand.Perm(len(cases))
	again := make([]result, len(cases))
	var wg sync.WaitGroup
	for _, i := range order {
		wg.Go(func() { again[i] = generate(cases[i]) })
	}
	wg.Wait()
	for _, i := range order {
		if d := diffResults(first[i], again[i]); d != "" {
			t.Errorf("%s: output changes with generation order: %s", cases[i].name, d)
		}
	}
}

func diffResults(a, b result) string {
	if (a.err == nil) != (b.err == nil) {
		return fmt.Sprintf("error %v versus %v", a.err, b.err)
	}
	if a.err != nil {
		if a.err.Error() != b.err.Error() {
			return fmt.Sprintf("error %q versus %q", a.err, b.err)
		}
		return ""
	}
	for _, name := range sortedNames(a.files, b.files) {
		if !bytes.Equal(a.files[name], b.files[name]) {
			return name + ":\n" + cmp.Diff(strings.Split(string(a.files[name]), "\n"), strings.Split(string(b.files[name]), "\n"))
		}
	}
	return ""
}
