// Command wsbind-gen generates Go bindings from AsyncAPI 3 documents.
//
//	wsbind-gen --out ../generated astro.yaml dlive.yaml
//
// Each document becomes the package <out>/<name>, where name is --package
// or one derived from the file name. `wsbind gen` is the same generator,
// always with clients, inside the wsbind command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wsbind/wsbind/gen"
	"github.com/wsbind/wsbind/gen/golang"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Usage: wsbind-gen [--out DIR] [--package NAME] [--describes server|client]
                  [--registry IMPORTPATH] [--client=false] SPEC.yaml|DIR...
       wsbind-gen --list SPEC.yaml|DIR...
       wsbind-gen --version

Each AsyncAPI 3.0 document becomes the Go package DIR/NAME: NAME is
--package, or else the file name without its extension made into a Go
package name (lower case, only letters, digits and underscores kept, "pkg"
in front of a name that would start with a digit or be a Go keyword). A
directory stands for every AsyncAPI document in it.

Flags (-flag and --flag are the same):
  --out DIR               parent directory of the packages (default generated)
  --package NAME          the Go package name and its folder; one spec only
  --describes SIDE        server or client: the side the document describes;
                          default: its info.x-wsbind-describes, else server
  --registry IMPORTPATH   import path of DIR: also write DIR/registry_gen.go
  --client                also generate a typed client (default true)
  --list                  print the spec files the arguments stand for
  --version               print the version of wsbind-gen
`

// run is main with its arguments and outputs, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wsbind-gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "generated", "")
	client := fs.Bool("client", true, "")
	list := fs.Bool("list", false, "")
	registry := fs.String("registry", "", "")
	pkgName := fs.String("package", "", "")
	describes := fs.String("describes", "", "")
	version := fs.Bool("version", false, "")
	fail := func(err error) int {
		fmt.Fprintf(stderr, "wsbind-gen: %v\nRun 'wsbind-gen --help' for usage.\n", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		return fail(err)
	}
	if *version {
		fmt.Fprintln(stdout, "wsbind-gen", gen.Version())
		return 0
	}
	switch {
	case fs.NArg() == 0:
		return fail(errors.New("no spec file or directory given"))
	case *out == "":
		return fail(errors.New("--out must not be empty"))
	case *describes != "" && *describes != "server" && *describes != "client":
		return fail(fmt.Errorf("--describes %q: want server or client", *describes))
	}
	if *pkgName != "" {
		if err := golang.CheckPackageName(*pkgName); err != nil {
			return fail(fmt.Errorf("--package: %w", err))
		}
	}
	specs, err := gen.Expand(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "wsbind-gen:", err)
		return 1
	}
	if *list {
		for _, s := range specs {
			fmt.Fprintln(stdout, s)
		}
		return 0
	}
	if *pkgName != "" && len(specs) > 1 {
		return fail(fmt.Errorf("--package names one package, but the arguments stand for %d specs", len(specs)))
	}
	opt := gen.Options{Out: *out, Client: *client, Registry: *registry, Package: *pkgName, Describes: *describes,
		Warn: func(w string) { fmt.Fprintln(stderr, "wsbind-gen: warning:", w) }}
	if err := gen.Write(specs, opt); err != nil {
		fmt.Fprintln(stderr, "wsbind-gen:", err)
		return 1
	}
	return 0
}
