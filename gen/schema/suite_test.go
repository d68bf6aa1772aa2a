package schema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen/spec"
)

const suiteDir = "../../testdata/jsonschema/JSON-Schema-Test-Suite"

// suiteRemotes points the URIs the suite refers to at the vendored copies.
var suiteRemotes = map[string]string{
	"http://localhost:1234/":                 suiteDir + "/remotes/",
	"http://json-schema.org/draft-07/schema": "../../testdata/jsonschema/metaschema/draft-07.json",
}

type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

type suiteCase struct {
	file  string // relative to tests/draft7
	index int
	group suiteGroup
}

func suiteFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	root := filepath.Join(suiteDir, "tests", "draft7")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("suite files: %v (%d)", err, len(files))
	}
	return files
}

func suiteCases(t *testing.T) []suiteCase {
	t.Helper()
	var out []suiteCase
	for _, f := range suiteFiles(t) {
		b, err := os.ReadFile(filepath.Join(suiteDir, "tests", "draft7", f))
		if err != nil {
			t.Fatal(err)
		}
		var groups []suiteGroup
		if err := json.Unmarshal(b, &groups); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, g := range groups {
			out = append(out, suiteCase{file: f, index: i, group: g})
		}
	}
	return out
}

// compileSuiteCase writes the group's schema to its own file, so that
// "#..." refers to the group's schema, and compiles it with a fresh
// Compiler (groups reuse $ids).
func compileSuiteCase(t *testing.T, dir string, sc suiteCase) (*Schema, error) {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.json", strings.NewReplacer("/", "_", ".json", "").Replace(sc.file), sc.index))
	if err := os.WriteFile(path, sc.group.Schema, 0o600); err != nil {
		t.Fatal(err)
	}
	return NewCompiler(spec.NewLoader(), suiteRemotes).CompileFile(path)
}

// Groups whose schema is refused on purpose, and why.
var suiteRefused = map[string]string{
	"optional/cross-draft.json#0":      "refs to a 2019-09 remote: wsbind compiles draft-07 only",
	"optional/ecmascript-regex.json#2": `\cC: Go's regexp (RE2) has no control-letter escapes`,
	"optional/ecmascript-regex.json#3": `\cc: Go's regexp (RE2) has no control-letter escapes`,
}

func TestSuiteCompiles(t *testing.T) {
	dir := t.TempDir()
	cases := suiteCases(t)
	ok := 0
	for _, sc := range cases {
		name := fmt.Sprintf("%s#%d", sc.file, sc.index)
		_, err := compileSuiteCase(t, dir, sc)
		why, refused := suiteRefused[name]
		switch {
		case err == nil && !refused:
			ok++
		case err == nil && refused:
			t.Errorf("%s (%s) compiled, but is listed as refused (%s)", name, sc.group.Description, why)
		case err != nil && !refused:
			t.Errorf("%s (%s): %v", name, sc.group.Description, err)
		default:
			t.Logf("refused %s: %v", name, err)
		}
	}
	t.Logf("compiled %d of %d draft-07 suite schemas; refused on purpose: %d", ok, len(cases), len(suiteRefused))
}
