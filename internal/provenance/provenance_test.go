// Package provenance checks that the product cites only what a user can
// open: public URLs and files of this repository. Research notes kept
// beside a checkout (seed documents, fact sheets) are not part of it.
package provenance

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// private matches references to files outside the repository.
var private = regexp.MustCompile(`(?i)PROTOCOL-FACTS|seeds/|\bthe seeds?\b|\.\./shared/`)

// scope is what users read: specs, generated godoc, runtime, generator,
// CLI, the READMEs and the changelog.
var scope = []string{"specs", "generated", "runtime", "gen", "cmd", "examples", "README.md", "CHANGELOG.md", "BENCHMARKS.md"}

func TestProductCitesNoPrivateFiles(t *testing.T) {
	root := filepath.Join("..", "..")
	files := 0
	for _, s := range scope {
		err := filepath.WalkDir(filepath.Join(root, s), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" || d.Name() == "node_modules" {
					return filepath.SkipDir // vendored third-party data keeps its own words
				}
				return nil
			}
			switch filepath.Ext(p) {
			case ".go", ".md", ".yaml", ".yml", ".json":
			default:
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files++
			for i, line := range strings.Split(string(b), "\n") {
				if m := private.FindString(line); m != "" {
					rel, _ := filepath.Rel(root, p)
					t.Errorf("%s:%d cites %q, a file users do not have; cite the public page or repository instead", rel, i+1, m)
				}
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if files < 50 {
		t.Fatalf("only %d files read: is the scope right?", files)
	}
}
