// Command randgen writes an AsyncAPI document of random draft-07 schemas
// (internal/suite/randschema), one server message each, generates its Go
// package with wsbind-gen's code path, and writes the differential test
// that holds every verdict of that package to santhosh-tekuri/jsonschema.
//
//	go run ./internal/suite/randgen -seed 1 -n 300 -dir internal/suite/random
//
// Each schema sits under property "v" of its message, beside a const "k"
// that selects the message, so one package holds them all and compiles once.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wsbind/wsbind/gen"
	"github.com/wsbind/wsbind/gen/golang"
	"github.com/wsbind/wsbind/internal/suite/randschema"
)

func main() {
	seed := flag.Uint64("seed", 1, "random seed")
	n := flag.Int("n", 300, "how many schemas")
	per := flag.Int("instances", 24, "instances per schema")
	dir := flag.String("dir", "internal/suite/random", "package folder; its base name is the package name")
	flag.Parse()
	if err := run(*seed, *n, *per, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "randgen:", err)
		os.Exit(1)
	}
}

func run(seed uint64, n, per int, dir string) error {
	name := filepath.Base(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	messages := map[string]any{}
	var refs []any
	for _, s := range randschema.Schemas(seed, n) {
		key := fmt.Sprintf("M%d", s.Index)
		messages[key] = map[string]any{"payload": randschema.Wrap(s)}
		refs = append(refs, map[string]any{"$ref": "#/channels/main/messages/" + key})
	}
	messages["Hello"] = map[string]any{"payload": map[string]any{
		"type": "object", "properties": map[string]any{"op": map[string]any{"const": "hello"}},
	}}
	chMsgs := map[string]any{}
	for k := range messages {
		chMsgs[k] = map[string]any{"$ref": "#/components/messages/" + k}
	}
	doc := map[string]any{
		"asyncapi": "3.0.0",
		"info": map[string]any{"title": "Random draft-07 schemas", "version": "1.0.0", "x-wsbind-describes": "client",
			"description": fmt.Sprintf("%d random schemas from seed %d (internal/suite/randschema), made by internal/suite/randgen.", n, seed)},
		"channels": map[string]any{"main": map[string]any{"address": "/", "messages": chMsgs}},
		"operations": map[string]any{
			"receive": map[string]any{"action": "receive", "channel": map[string]any{"$ref": "#/channels/main"}, "messages": refs},
			"send": map[string]any{"action": "send", "channel": map[string]any{"$ref": "#/channels/main"},
				"messages": []any{map[string]any{"$ref": "#/channels/main/messages/Hello"}}},
		},
		"components": map[string]any{"messages": messages},
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	specPath := filepath.Join(dir, name+".yaml") // JSON is YAML
	if err := os.WriteFile(specPath, append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := gen.Write([]string{specPath}, gen.Options{Out: filepath.Dir(dir)}); err != nil {
		return err
	}
	test := strings.NewReplacer("PKG", name, "SEED", fmt.Sprint(seed), "COUNT", fmt.Sprint(n), "PER", fmt.Sprint(per), "HEADER", golang.Header).Replace(testTemplate)
	return os.WriteFile(filepath.Join(dir, "random_gen_test.go"), []byte(test), 0o644)
}

const testTemplate = `// HEADER

package PKG

import (
	"testing"

	"github.com/wsbind/wsbind/internal/suite/randschema"
)

// TestEveryVerdictAgreesWithJSONSchema decodes and validates every
// instance of every random schema with the generated package and with
// santhosh-tekuri/jsonschema v5 on the same schema: 0 disagreements.
func TestEveryVerdictAgreesWithJSONSchema(t *testing.T) {
	randschema.Differential(t, &ServerCodec, SEED, COUNT, PER)
}
`
