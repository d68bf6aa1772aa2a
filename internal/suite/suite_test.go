package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/internal/suite/draft7"
)

const suiteDir = "../../testdata/jsonschema/JSON-Schema-Test-Suite"

type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

// suiteFile reads one file of tests/draft7.
func suiteFile(t *testing.T, rel string) []suiteGroup {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(suiteDir, "tests", "draft7", rel))
	if err != nil {
		t.Fatal(err)
	}
	var groups []suiteGroup
	if err := json.Unmarshal(b, &groups); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return groups
}

func suiteFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(suiteDir, "tests", "draft7", dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			out = append(out, filepath.ToSlash(filepath.Join(dir, e.Name())))
		}
	}
	if len(out) == 0 {
		t.Fatalf("no suite files in %s", dir)
	}
	return out
}

// TestEveryRequiredDraft7CaseAgrees runs every case of every non-optional
// draft7 file (refRemote included) through the generated validators: each
// verdict must be the suite's.
func TestEveryRequiredDraft7CaseAgrees(t *testing.T) {
	total, groups := 0, 0
	for _, file := range suiteFiles(t, ".") {
		for i, g := range suiteFile(t, file) {
			key := fmt.Sprintf("%s#%d", file, i)
			validate, ok := draft7.Validators[key]
			if !ok {
				t.Errorf("%s (%s): no generated validator", key, g.Description)
				continue
			}
			groups++
			for _, c := range g.Tests {
				total++
				err := validate(c.Data)
				if (err == nil) != c.Valid {
					t.Errorf("%s %q / %q: generated says valid=%v (%v), the suite says %v", key, g.Description, c.Description, err == nil, err, c.Valid)
				}
			}
		}
	}
	t.Logf("draft7, required: %d cases in %d groups", total, groups)
	if total < 900 {
		t.Fatalf("only %d cases: is the vendored suite complete?", total)
	}
}

// annotationsOnly are optional files whose keywords wsbind treats as
// annotations, as draft-07 allows: santhosh-tekuri v5 asserts
// contentEncoding and contentMediaType, wsbind does not.
var annotationsOnly = map[string]bool{"optional/content.json": true}

// TestOptionalDraft7AgreesWithTheReference runs the optional files. Their
// cases are not part of draft-07's requirements, so the yardstick is
// santhosh-tekuri v5 under draft-07 (formats asserted, as draft-07 does):
// every verdict must match its verdict. The count per file, against the
// suite's own expectations, is logged: for optional/format, per format.
func TestOptionalDraft7AgreesWithTheReference(t *testing.T) {
	files := append(suiteFiles(t, "optional"), suiteFiles(t, "optional/format")...)
	sort.Strings(files)
	for _, file := range files {
		passed, total := 0, 0
		for i, g := range suiteFile(t, file) {
			key := fmt.Sprintf("%s#%d", file, i)
			validate, ok := draft7.Validators[key]
			if !ok {
				continue // refused on purpose by suitegen
			}
			ref := referenceSchema(t, key, g.Schema)
			for _, c := range g.Tests {
				total++
				got := validate(c.Data) == nil
				if got == c.Valid {
					passed++
				}
				var inst any
				d := json.NewDecoder(bytes.NewReader(c.Data))
				d.UseNumber()
				if err := d.Decode(&inst); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				if want := ref.Validate(inst) == nil; got != want && !annotationsOnly[file] {
					t.Errorf("%s %q / %q: generated says valid=%v, santhosh-tekuri says %v", key, g.Description, c.Description, got, want)
				}
			}
		}
		t.Logf("%-45s %3d of %3d as the suite expects", file, passed, total)
	}
}

// referenceSchema compiles a group's schema with santhosh-tekuri v5 as
// draft-07, with the suite's remotes served from the vendored copies.
func referenceSchema(t *testing.T, key string, schema json.RawMessage) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		const remote = "http://localhost:1234/"
		if strings.HasPrefix(u, remote) {
			return os.Open(filepath.Join(suiteDir, "remotes", filepath.FromSlash(strings.TrimPrefix(u, remote))))
		}
		return nil, fmt.Errorf("not fetched: %s", u)
	}
	if err := c.AddResource("group.json", bytes.NewReader(schema)); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	s, err := c.Compile("group.json")
	if err != nil {
		t.Fatalf("%s: santhosh-tekuri: %v", key, err)
	}
	return s
}

// TestInterpreterAgreesWithGenerated runs every case of the suite through
// the interpreter (gen/interp, what `wsbind validate --spec` uses) on the
// very document suitegen generated, and holds it to the generated
// package: one IR, two back ends, the same verdicts.
func TestInterpreterAgreesWithGenerated(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	remotes := map[string]string{
		"http://localhost:1234/":                 abs(filepath.Join(suiteDir, "remotes")) + "/",
		"http://json-schema.org/draft-07/schema": abs("../../testdata/jsonschema/metaschema/draft-07.json"),
	}
	p, _, err := interp.Load("draft7/schemas/doc0.json", interp.Options{Remotes: remotes, Describes: "client"})
	if err != nil {
		t.Fatal(err)
	}
	files := append(append(suiteFiles(t, "."), suiteFiles(t, "optional")...), suiteFiles(t, "optional/format")...)
	cases, disagree := 0, 0
	for _, file := range files {
		if annotationsOnly[file] {
			continue // the bundle keeps contentEncoding, which santhosh-tekuri asserts
		}
		for i, g := range suiteFile(t, file) {
			key := fmt.Sprintf("%s#%d", file, i)
			validate, ok := draft7.Validators[key]
			if !ok {
				continue
			}
			ch := p.Server.ForChannel(draft7.Channels[key])
			if ch == p.Server {
				t.Fatalf("%s: the interpreter has no channel %s", key, draft7.Channels[key])
			}
			for _, c := range g.Tests {
				cases++
				want := validate(c.Data) == nil
				r := ch.Check(c.Data, false)
				if r.Valid() != want {
					disagree++
					t.Errorf("%s %q / %q: generated says valid=%v, the interpreter %v (%v)", key, g.Description, c.Description, want, r.Valid(), r.Violations)
				}
			}
		}
	}
	t.Logf("interpreter vs generated: %d cases, %d disagreements", cases, disagree)
}
