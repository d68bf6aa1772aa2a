// Command suitegen puts every schema of the official
// JSON-Schema-Test-Suite draft7 (vendored under testdata/jsonschema)
// through the whole generator, as a user's spec would: each group's schema
// is written to a file of its own (so that "#..." refers to the group's
// schema, as draft-07 says), and an AsyncAPI document makes each file the
// payload of one message, by $ref, on a channel of its own. Groups whose
// $ids would clash go to different documents; each document becomes a
// package under the output folder, and validators_gen.go maps every
// "file#group" to its channel's codec. internal/suite runs every case of
// the suite against those.
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

	"github.com/wsbind/wsbind/gen"
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
	out := flag.String("out", "internal/suite/draft7", "the folder to write: validators_gen.go, schemas/ and one package per document")
	flag.Parse()
	if err := run(*suite, *meta, *out); err != nil {
		fmt.Fprintln(os.Stderr, "suitegen:", err)
		os.Exit(1)
	}
}

type group struct {
	Schema json.RawMessage `json:"schema"`
}

// entry is one group on its way into a document.
type entry struct {
	key  string // "file#index"
	file string // its schema file, in schemas/
	ids  []string
	doc  int
	n    int // its number: message G<n> on channel g<n>
}

func run(suite, meta, out string) error {
	suite, err := filepath.Abs(suite)
	if err != nil {
		return err
	}
	if meta, err = filepath.Abs(meta); err != nil {
		return err
	}
	remotes := map[string]string{
		"http://localhost:1234/":                 filepath.Join(suite, "remotes") + "/",
		"http://json-schema.org/draft-07/schema": meta,
	}
	schemas := filepath.Join(out, "schemas")
	if err := os.RemoveAll(schemas); err != nil {
		return err
	}
	if err := os.MkdirAll(schemas, 0o755); err != nil {
		return err
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
	var entries []*entry
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
			e := &entry{key: fmt.Sprintf("%s#%d", file, i), n: len(entries)}
			e.file = fmt.Sprintf("%s-%d.json", strings.NewReplacer("/", "_", ".json", "").Replace(file), i)
			if err := os.WriteFile(filepath.Join(schemas, e.file), g.Schema, 0o644); err != nil {
				return err
			}
			var v any
			if err := json.Unmarshal(g.Schema, &v); err != nil {
				return fmt.Errorf("%s: %w", e.key, err)
			}
			e.ids = absoluteIDs(v, nil)
			entries = append(entries, e)
		}
	}
	if err := checkRefused(entries, schemas, remotes); err != nil {
		return err
	}
	docs := partition(entries)
	f := jen.NewFile("draft7")
	f.HeaderComment(golang.Header)
	table := jen.Dict{}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	// Generate from inside schemas/, so that the file names in generated
	// comments do not depend on where suitegen runs.
	if err := os.Chdir(schemas); err != nil {
		return err
	}
	defer os.Chdir(wd)
	warnings := 0
	for d, members := range docs {
		name := fmt.Sprintf("doc%d", d)
		if err := os.WriteFile(name+".json", asyncAPI(members), 0o644); err != nil {
			return err
		}
		_, gfiles, err := gen.Files(name+".json", gen.Options{Package: name, Remotes: remotes, Describes: "client", Warn: func(string) { warnings++ }})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		dir := filepath.Join(absOut, name)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, gf := range gfiles {
			if err := os.WriteFile(filepath.Join(dir, gf.Name), gf.Src, 0o644); err != nil {
				return err
			}
		}
		imp := "github.com/wsbind/wsbind/internal/suite/draft7/" + name
		for _, e := range members {
			codec := jen.Op("&").Qual(imp, "ServerCodec")
			table[jen.Lit(e.key)] = jen.Func().Params(jen.Id("data").Index().Byte()).Error().Block(
				jen.Return(jen.Id("check").Call(codec, jen.Lit(fmt.Sprintf("g%d", e.n)), jen.Id("data"))),
			)
		}
	}
	chans := jen.Dict{}
	for _, members := range docs {
		for _, e := range members {
			chans[jen.Lit(e.key)] = jen.Lit(fmt.Sprintf("g%d", e.n))
		}
	}
	f.Comment("Channels maps \"file#group\" to the group's channel in its document.")
	f.Var().Id("Channels").Op("=").Map(jen.String()).String().Values(chans)
	f.Comment("check decodes and validates data on one channel of a generated package, as wsbind validate would.")
	f.Func().Id("check").Params(jen.Id("c").Op("*").Qual("github.com/wsbind/wsbind/runtime/wire", "Codec"), jen.Id("channel").String(), jen.Id("data").Index().Byte()).Error().Block(
		jen.Id("ch").Op(":=").Id("c").Dot("ForChannel").Call(jen.Id("channel")),
		jen.Id("r").Op(":=").Id("ch").Dot("Check").Call(jen.Id("data"), jen.False()),
		jen.Return(jen.Id("r").Dot("Err").Call(jen.Id("ch"))),
	)
	f.Comment("Validators maps \"file#group\" of tests/draft7 to a check of the group's message, on its channel of a generated package.")
	f.Var().Id("Validators").Op("=").Map(jen.String()).Func().Params(jen.Index().Byte()).Error().Values(table)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(absOut, "validators_gen.go"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "suitegen: %d groups in %d AsyncAPI documents under %s, %d refused on purpose, %d warnings\n", len(entries)-len(Refused), len(docs), out, len(Refused), warnings)
	return nil
}

// checkRefused compiles each refused group on its own, as a payload schema
// would be: it must fail, and no other group may be listed.
func checkRefused(entries []*entry, schemas string, remotes map[string]string) error {
	found := 0
	for _, e := range entries {
		if _, refused := Refused[e.key]; !refused {
			continue
		}
		found++
		if _, err := schema.NewCompiler(spec.NewLoader(), remotes).CompileFile(filepath.Join(schemas, e.file)); err == nil {
			return fmt.Errorf("%s compiles, but is listed as refused", e.key)
		}
	}
	if found != len(Refused) {
		return fmt.Errorf("%d groups listed as refused, %d found in the suite", len(Refused), found)
	}
	return nil
}

// absoluteIDs lists the absolute $ids in a schema: two groups declaring
// the same one cannot share a document, as one document's schemas share
// one set of identifiers.
func absoluteIDs(v any, out []string) []string {
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			if k == "$id" {
				if id, ok := sub.(string); ok && strings.Contains(id, ":") {
					out = append(out, strings.TrimSuffix(id, "#"))
				}
				continue
			}
			if k == "enum" || k == "const" || k == "default" || k == "examples" {
				continue
			}
			out = absoluteIDs(sub, out)
		}
	case []any:
		for _, sub := range x {
			out = absoluteIDs(sub, out)
		}
	}
	return out
}

// partition puts each group that gen compiles into the first document
// whose $ids it does not clash with.
func partition(entries []*entry) [][]*entry {
	var docs [][]*entry
	var taken []map[string]bool
	for _, e := range entries {
		if _, refused := Refused[e.key]; refused {
			continue
		}
		d := 0
		for ; d < len(docs); d++ {
			clash := false
			for _, id := range e.ids {
				clash = clash || taken[d][id]
			}
			if !clash {
				break
			}
		}
		if d == len(docs) {
			docs = append(docs, nil)
			taken = append(taken, map[string]bool{})
		}
		docs[d] = append(docs[d], e)
		for _, id := range e.ids {
			taken[d][id] = true
		}
		e.doc = d
	}
	return docs
}

// asyncAPI writes the document for a set of groups: a channel per group,
// its one message's payload a $ref to the group's file, sent by the
// server.
func asyncAPI(members []*entry) []byte {
	channels, ops := map[string]any{}, map[string]any{}
	for _, e := range members {
		ch, msg := fmt.Sprintf("g%d", e.n), fmt.Sprintf("G%d", e.n)
		channels[ch] = map[string]any{
			"address":     "/" + ch,
			"description": e.key,
			"messages":    map[string]any{msg: map[string]any{"payload": map[string]any{"$ref": e.file}}},
		}
		ops["receive"+msg] = map[string]any{
			"action":  "receive",
			"channel": map[string]any{"$ref": "#/channels/" + ch},
		}
	}
	doc := map[string]any{
		"asyncapi": "3.0.0",
		"info": map[string]any{
			"title":              "JSON-Schema-Test-Suite draft7",
			"version":            "1.0.0",
			"description":        "Each group of the suite's tests/draft7 as the payload of one message on a channel of its own (internal/suite/suitegen).",
			"x-wsbind-describes": "client",
		},
		"channels":   channels,
		"operations": ops,
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic(err) // plain maps and strings always encode
	}
	return append(b, '\n')
}
