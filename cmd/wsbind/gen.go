package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/wsbind/wsbind/gen"
	"github.com/wsbind/wsbind/gen/golang"
)

func init() {
	register(command{name: "gen", summary: "generate typed Go bindings and clients from your own AsyncAPI specs", run: runGen})
}

func genUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: wsbind gen [--out DIR] [--package NAME] [--describes server|client]
                  [--registry IMPORTPATH] SPEC.yaml|DIR...

Generate a Go package per AsyncAPI 3.0 document: types, decoders,
validators, a dispatcher, the embedded schema bundle and a typed client (the
same generator as wsbind-gen, always with clients). Each document becomes
the package DIR/NAME. NAME is --package, or else the file name without its
extension made into a Go package name: lower case, only letters, digits and
underscores kept (simple-asyncapi.yaml and simple.asyncapi.yaml give
simpleasyncapi), with "pkg" in front of a name that would start with a
digit or be a Go keyword. A directory argument stands for every AsyncAPI
document in it (shared schema files are skipped). Generated files that the
new output no longer has are removed; unchanged files are left alone.

Flags:
  --out DIR               parent directory of the packages (default generated)
  --package NAME          the Go package name, and its folder under DIR; one
                          spec only. A lower-case Go identifier, not a keyword
  --describes SIDE        the side the document describes: server (its send
                          operations are what the server sends) or client;
                          default: the document's info.x-wsbind-describes,
                          else server
  --registry IMPORTPATH   import path of DIR: also write DIR/registry_gen.go
                          listing the providers (as wire.Provider values)

Flags may be spelled -flag or --flag.

In a module that requires github.com/wsbind/wsbind (Go 1.24 or later:
go get -tool github.com/wsbind/wsbind/cmd/wsbind), next to feed.yaml:
  //go:generate go tool wsbind gen --out . feed.yaml

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
	pkgName := fs.String("package", "", "")
	describes := fs.String("describes", "", "")
	specs, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		genUsage(stdout)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "gen", err)
	}
	if err := checkGenFlags(*out, *pkgName, *describes); err != nil {
		return usageError(stderr, "gen", err)
	}
	if len(specs) == 0 {
		return usageError(stderr, "gen", errors.New("no spec file or directory given"))
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
	if *pkgName != "" && len(files) > 1 {
		return usageError(stderr, "gen", fmt.Errorf("--package names one package, but the arguments stand for %d specs", len(files)))
	}
	opt := gen.Options{Out: *out, Client: true, Registry: *registry, Package: *pkgName, Describes: *describes,
		Warn: func(w string) { fmt.Fprintf(stderr, "wsbind gen: warning: %s\n", w) }}
	if err := gen.Write(files, opt); err != nil {
		fmt.Fprintf(stderr, "wsbind gen: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// checkGenFlags refuses flag values gen cannot use, before any spec is read.
func checkGenFlags(out, pkgName, describes string) error {
	if out == "" {
		return errors.New("--out must not be empty")
	}
	if pkgName != "" {
		if err := golang.CheckPackageName(pkgName); err != nil {
			return fmt.Errorf("--package: %w", err)
		}
	}
	switch describes {
	case "", "server", "client":
	default:
		return fmt.Errorf("--describes %q: want server or client", describes)
	}
	return nil
}
