// Command suitegen compiles every schema of the official
// JSON-Schema-Test-Suite draft7 (vendored under testdata/jsonschema) into
// one Go package of validators, through gen/schema and gen/check: the
// same path as a payload of any spec. internal/suite then runs every case
// of the suite against it. Each group's schema is written to a file of its
// own first, so that "#..." refers to the group's schema, as draft-07 says.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/wsbind/wsbind/gen/check"
	"github.com/wsbind/wsbind/gen/golang"
	"github.com/wsbind/wsbind/gen/schema"
	"github.com/wsbind/wsbind/gen/spec"
)

// Refused lists the groups gen refuses on purpose, and why; suitegen
// fails if one of them compiles, or if any other group does not.
var Refused = map[string]string{
	"optional/cross-draft.json#0":      "refs a 2019-09 remote: wsbind compiles draft-07 only",
	"optional/ecmascript-regex.json#2": `\cC: Go's regexp (RE2) has no control-letter escapes`,
	"optional/ecmascript-regex.json#3": `\cc: Go's regexp (RE2) has no control-letter escapes`,
}

func main() {
	suite := flag.String("suite", "testdata/jsonschema/JSON-Schema-Test-Suite", "the vendored test suite")
	meta := flag.String("meta", "testdata/jsonschema/metaschema/draft-07.json", "the draft-07 meta-schema")
	out := flag.String("out", "internal/suite/draft7/validators_gen.go", "the file to write")
	flag.Parse()
	if err := run(*suite, *meta, *out); err != nil {
		fmt.Fprintln(os.Stderr, "suitegen:", err)
		os.Exit(1)
	}
}

type group struct {
	Schema json.RawMessage `json:"schema"`
}

func run(suite, meta, out string) error {
	tmp, err := os.MkdirTemp("", "suitegen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	remotes := map[string]string{
		"http://localhost:1234/":                 filepath.Join(suite, "remotes") + "/",
		"http://json-schema.org/draft-07/schema": meta,
	}
	root := filepath.Join(suite, "tests", "draft7")
	var files []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	f := jen.NewFile("draft7")
	f.HeaderComment(golang.Header)
	table := jen.Dict{}
	warnings, n := 0, 0
	for _, file := range files {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			return err
		}
		var groups []group
		if err := json.Unmarshal(b, &groups); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for i, g := range groups {
			key := fmt.Sprintf("%s#%d", file, i)
			path := filepath.Join(tmp, fmt.Sprintf("%s-%d.json", strings.NewReplacer("/", "_", ".json", "").Replace(file), i))
			if err := os.WriteFile(path, g.Schema, 0o600); err != nil {
				return err
			}
			// A compiler per group: groups reuse $ids.
			sc, err := schema.NewCompiler(spec.NewLoader(), remotes).CompileFile(path)
			_, refused := Refused[key]
			switch {
			case err != nil && refused:
				continue
			case err != nil:
				return fmt.Errorf("%s: %w", key, err)
			case refused:
				return fmt.Errorf("%s compiles, but is listed as refused", key)
			}
			e := check.New(fmt.Sprintf("g%d_", n))
			fn := e.Func(sc)
			if err := e.Emit(f); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			warnings += len(e.Warning)
			name := fmt.Sprintf("validate%d", n)
			f.Commentf("%s validates data against %s.", name, key)
			f.Func().Id(name).Params(jen.Id("data").Index().Byte()).Error().Block(
				jen.Return(jen.Qual("github.com/wsbind/wsbind/runtime/wire", "CheckJSON").Call(jen.Id("data"), jen.Id(fn), jen.Lit(key))),
			)
			table[jen.Lit(key)] = jen.Id(name)
			n++
		}
	}
	f.Comment("Validators maps \"file#group\" of tests/draft7 to the group's compiled validator.")
	f.Var().Id("Validators").Op("=").Map(jen.String()).Func().Params(jen.Index().Byte()).Error().Values(table)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "suitegen: %d groups compiled into %s, %d refused on purpose, %d annotation warnings\n", n, out, len(Refused), warnings)
	return nil
}
