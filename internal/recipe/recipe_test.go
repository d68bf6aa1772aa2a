// Package recipe_test runs the README's "Your own spec" recipe in a fresh
// module outside this repository, the way a user would: go get -tool,
// go generate, go mod tidy, go build, go vet, go run. A replace directive
// points github.com/wsbind/wsbind at this checkout, and nothing is fetched:
// every module comes from the module cache that `go mod download` filled.
package recipe_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// feedSpec is the user's AsyncAPI 3 document, written from the client's
// side. Its server sends a message named Error, whose handler must not
// clash with Config.OnError.
const feedSpec = `asyncapi: 3.0.0
info:
  title: Feed
  version: 1.0.0
  x-wsbind-describes: client
servers:
  production:
    host: feed.example.com
    protocol: wss
channels:
  feed:
    address: /ws
    messages:
      Tick:
        $ref: '#/components/messages/Tick'
      Error:
        $ref: '#/components/messages/Error'
      Subscribe:
        $ref: '#/components/messages/Subscribe'
operations:
  receive:
    action: receive
    channel:
      $ref: '#/channels/feed'
    messages:
      - $ref: '#/channels/feed/messages/Tick'
      - $ref: '#/channels/feed/messages/Error'
  send:
    action: send
    channel:
      $ref: '#/channels/feed'
    messages:
      - $ref: '#/channels/feed/messages/Subscribe'
components:
  messages:
    Tick:
      payload:
        type: object
        required: [type, symbol, price]
        properties:
          type: {type: string, const: tick}
          symbol: {type: string, minLength: 1}
          price: {type: number, minimum: 0}
      examples:
        - name: tick
          payload: {type: tick, symbol: ACME, price: 12.5}
    Error:
      payload:
        type: object
        required: [type, message]
        properties:
          type: {type: string, const: error}
          message: {type: string}
      examples:
        - name: error
          payload: {type: error, message: unknown symbol}
    Subscribe:
      payload:
        type: object
        required: [type, symbol]
        properties:
          type: {type: string, const: subscribe}
          symbol: {type: string, minLength: 1}
      examples:
        - name: subscribe
          payload: {type: subscribe, symbol: ACME}
`

// mainGo holds the //go:generate line of the README and decodes a frame
// with the generated package. The directive is spliced in, so that go
// generate in this repository does not take it for one of its own.
const mainGo = `// Command feedapp decodes one frame of the feed.
package main

` + "//go:" + `generate go tool wsbind gen --out . feed.yaml

import (
	"context"
	"fmt"
	"log"

	"example.com/feedapp/feed"
)

func main() {
	m, err := feed.DecodeServerMessage([]byte(` + "`" + `{"type":"tick","symbol":"ACME","price":12.5}` + "`" + `))
	if err != nil {
		log.Fatal(err)
	}
	tick := m.(*feed.Tick)
	c := feed.NewClient(feed.Config{
		OnError: func(context.Context, error) {}, // frames that break the schema
	})
	c.OnErrorMessage(func(context.Context, *feed.Error) {}) // the spec's Error message
	fmt.Println(m.MessageName(), tick.Symbol, tick.Price)
}
`

// heavy are modules a user of generated bindings must never be made to
// require.
var heavy = []string{"nats", "prometheus", "sonic", "goccy"}

func TestRecipeInAFreshModule(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: builds a fresh module with the go command (about a minute cold)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the recipe needs the go command: %v", err)
	}
	root := moduleRoot(t)
	dir := t.TempDir()
	if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(rel, "..") {
		t.Fatalf("the fresh module %s is inside the checkout %s", dir, root)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	modcache := strings.TrimSpace(run(ctx, t, goTool, root, nil, "env", "GOMODCACHE"))
	// Nothing is fetched: the proxy is off, and with it the checksum
	// database (the cache was checked by go mod verify when it was
	// filled). GOFLAGS=-mod=mod lets the go command update go.mod and
	// go.sum from what the cache holds.
	env := []string{
		"GOMODCACHE=" + modcache,
		"GOFLAGS=-mod=mod",
		"GOPROXY=off",
		"GOSUMDB=off",
		"GOWORK=off",
		"GOTOOLCHAIN=local",
	}
	write(t, dir, "go.mod", "module example.com/feedapp\n\ngo 1.24\n\nreplace github.com/wsbind/wsbind => "+strconv.Quote(root)+"\n")
	write(t, dir, "feed.yaml", feedSpec)
	write(t, dir, "main.go", mainGo)

	gocmd := func(args ...string) string {
		t.Helper()
		return run(ctx, t, goTool, dir, env, args...)
	}
	gocmd("get", "-tool", "github.com/wsbind/wsbind/cmd/wsbind")
	if v := gocmd("tool", "wsbind", "version"); !strings.HasPrefix(v, "wsbind (devel)") {
		t.Errorf("go tool wsbind version says %q, want wsbind (devel) for a replaced module", v)
	}
	gocmd("generate", "./...")
	for _, f := range []string{"client_gen.go", "decode_gen.go", "dispatch_gen.go", "schema_gen.go", "types_gen.go", "validate_gen.go"} {
		b, err := os.ReadFile(filepath.Join(dir, "feed", f))
		if err != nil {
			t.Fatalf("go generate did not write feed/%s: %v", f, err)
		}
		if !bytes.HasPrefix(b, []byte("// Code generated by wsbind-gen. DO NOT EDIT.\n")) {
			t.Errorf("feed/%s lacks the generated header", f)
		}
	}
	// -e: tidy also wants the modules that tests of dependencies import
	// (testify for jx, say), which no build needs and the cache may lack.
	gocmd("mod", "tidy", "-e")
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the user's go.mod after go mod tidy:\n%s", gomod)
	for _, h := range heavy {
		if bytes.Contains(gomod, []byte(h)) {
			t.Errorf("the user's go.mod requires %s:\n%s", h, gomod)
		}
	}
	if !bytes.Contains(gomod, []byte("tool github.com/wsbind/wsbind/cmd/wsbind")) {
		t.Errorf("go.mod lost its tool directive:\n%s", gomod)
	}
	gocmd("build", "./...")
	gocmd("vet", "./...")
	if out := strings.TrimSpace(gocmd("run", ".")); out != "Tick ACME 12.5" {
		t.Errorf("go run . printed %q, want %q", out, "Tick ACME 12.5")
	}
	// Generating again changes nothing.
	before := readTree(t, filepath.Join(dir, "feed"))
	gocmd("generate", "./...")
	if after := readTree(t, filepath.Join(dir, "feed")); after != before {
		t.Error("a second go generate changed the generated package")
	}
}

// run runs the go command in dir with env added, fails t on error, and
// returns its standard output.
func run(ctx context.Context, t *testing.T, goTool, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("go %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("go %s: %v\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("go %s: stderr:\n%s", strings.Join(args, " "), s)
	}
	return stdout.String()
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module github.com/wsbind/wsbind\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no github.com/wsbind/wsbind go.mod above the working directory")
		}
		dir = parent
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readTree returns every file under dir, named, as one string.
func readTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := os.ReadFile(p)
		b.WriteString(p + "\n" + string(src))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
