// Package corpus holds public AsyncAPI documents to the generator: every
// document of testdata/asyncapi-corpus is generated, built and vetted, and
// each message example goes through the generated validator, the
// interpreter (`wsbind validate --spec`) and santhosh-tekuri/jsonschema,
// which must agree. A document gen cannot support is listed with the
// error it must give.
package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen"
)

const corpusDir = "../../testdata/asyncapi-corpus"

// refused lists the documents gen refuses, with a part of the error each
// must give; every other document must generate.
var refused = map[string]string{
	"generator-kafka-adeo": `schemaFormat "application/vnd.apache.avro;version=1.9.0" is not JSON Schema`,
}

type document struct {
	Name     string `json:"name"`
	File     string `json:"file"`
	AsyncAPI string `json:"asyncapi"`
}

func documents(t *testing.T) []document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []document
	if err := json.Unmarshal(b, &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) < 20 {
		t.Fatalf("only %d documents in the corpus", len(docs))
	}
	return docs
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]`)

func packageName(doc string) string { return "c" + nonIdent.ReplaceAllString(doc, "") }

// TestCorpus generates every document into one scratch tree inside this
// module, then builds, vets and tests the packages in one go command.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds about 25 generated packages")
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.MkdirTemp("testdata", "gen-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(out)
	generated, failed := 0, 0
	for _, d := range documents(t) {
		spec := filepath.Join(corpusDir, d.File)
		pkg := packageName(d.Name)
		_, files, err := gen.Files(spec, gen.Options{Client: true, Package: pkg})
		want, isRefused := refused[d.Name]
		switch {
		case err != nil && isRefused:
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: gen fails with\n%v\nwant an error containing %q", d.Name, err, want)
			}
			failed++
			continue
		case err != nil:
			t.Errorf("%s: gen: %v", d.Name, err)
			continue
		case isRefused:
			t.Errorf("%s generates, but is listed as refused (%s): update the list", d.Name, want)
		}
		generated++
		dir := filepath.Join(out, pkg)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(dir, f.Name), f.Src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		abs, err := filepath.Abs(spec)
		if err != nil {
			t.Fatal(err)
		}
		test := fmt.Sprintf(examplesTest, pkg, abs)
		if err := os.WriteFile(filepath.Join(dir, "examples_test.go"), []byte(test), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d documents generate, %d are refused as listed", generated, failed)
	pattern := "./" + filepath.ToSlash(out) + "/..."
	for _, args := range [][]string{{"vet", pattern}, {"test", "-count=1", "-v", pattern}} {
		cmd := exec.Command("go", args...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "examples:") {
				t.Log(strings.TrimSpace(line))
			}
		}
	}
}

// examplesTest is written into each generated package: every example of
// the document goes through the generated codec, the interpreter and
// santhosh-tekuri on the message's own schema. The generated codec and
// the interpreter must agree on the message and the verdict; both must
// agree with the reference on whether the example is valid for its
// message, unless the direction cannot tell the message from others.
const examplesTest = `package %[1]s

import (
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/runtime/schemacheck"
)

func TestExamples(t *testing.T) {
	p, _, err := interp.Load(%[2]q, interp.Options{Package: %[1]q})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := schemacheck.New(Schema())
	if err != nil {
		t.Fatal(err)
	}
	valid, ambiguous := 0, 0
	for _, ex := range Examples {
		c, ic := &ServerCodec, p.Server
		if ex.Direction == "client" {
			c, ic = &ClientCodec, p.Client
		}
		g, i := c.Check([]byte(ex.JSON), false), ic.Check([]byte(ex.JSON), false)
		if g.Name != i.Name || g.Valid() != i.Valid() {
			t.Errorf("%%s %%s: generated %%q valid=%%v, interpreter %%q valid=%%v", ex.Message, ex.Name, g.Name, g.Valid(), i.Name, i.Valid())
		}
		vs, err := ref.Validate(ex.Message, []byte(ex.JSON))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case g.Name == ex.Message:
			if g.Valid() != (len(vs) == 0) {
				t.Errorf("%%s %%s: generated valid=%%v, santhosh-tekuri %%v", ex.Message, ex.Name, g.Valid(), vs)
			}
			if g.Valid() {
				valid++
			}
		case g.Name == "" && len(vs) == 0 && len(g.Violations) > 0 && strings.HasPrefix(g.Violations[0].Message, "matches more than one"):
			ambiguous++ // valid for its message, but so for another of its direction
		case g.Name == "" && len(vs) == 0:
			t.Errorf("%%s %%s: valid for its message, yet the generated codec matched none: %%v", ex.Message, ex.Name, g.Violations)
		case g.Name == "":
			// invalid for its message; the direction matched none either
		default:
			t.Errorf("%%s %%s: decoded as %%s", ex.Message, ex.Name, g.Name)
		}
	}
	t.Logf("%[1]s examples: %%d, valid %%d, valid but not told apart %%d", len(Examples), valid, ambiguous)
}
`
