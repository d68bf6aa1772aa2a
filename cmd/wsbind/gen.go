package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/wsbind/wsbind/gen"
)

func init() {
	register(command{name: "gen", summary: "generate typed Go bindings and clients from your own AsyncAPI specs", run: runGen})
}

func genUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: wsbind gen [-out DIR] [-registry IMPORTPATH] SPEC.yaml|DIR...

Generate a Go package per AsyncAPI 3.0 document: types, decoders,
validators, a dispatcher, the embedded schema bundle and a typed client (the
same generator as wsbind-gen, always with clients). Each document becomes
the package DIR/<file name without extension>; a directory argument stands
for every AsyncAPI document in it (shared schema files are skipped).
Generated files that the new output no longer has are removed; unchanged
files are left alone.

Flags:
  -out DIR               parent directory of the packages (default generated)
  -registry IMPORTPATH   import path of DIR: also write DIR/registry_gen.go
                         listing the providers (as wire.Provider values)

With go generate, in a module that requires github.com/wsbind/wsbind:
  //go:generate go run github.com/wsbind/wsbind/cmd/wsbind gen -out . ../specs/feed.yaml

Exit codes:
  0  generated
  1  a spec could not be loaded or generated (the error names it)
  2  usage error, or an argument that does not exist
`)
}

func runGen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "generated", "")
	registry := fs.String("registry", "", "")
	specs, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		genUsage(stdout)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "gen", err)
	}
	if len(specs) == 0 {
		return usageError(stderr, "gen", errors.New("no spec file or directory given"))
	}
	if *out == "" {
		return usageError(stderr, "gen", errors.New("-out must not be empty"))
	}
	files, err := gen.Expand(specs)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind gen: %v\n", err)
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "wsbind gen: no AsyncAPI document in %v\n", specs)
		return exitUsage
	}
	if err := gen.Write(files, gen.Options{Out: *out, Client: true, Registry: *registry,
		Warn: func(w string) { fmt.Fprintf(stderr, "wsbind gen: warning: %s\n", w) }}); err != nil {
		fmt.Fprintf(stderr, "wsbind gen: %v\n", err)
		return exitFailure
	}
	return exitOK
}
