// Command wsbind-gen generates Go bindings from AsyncAPI 3 documents.
//
//	wsbind-gen -out ../generated astro.yaml dlive.yaml
//
// Each document becomes the package <out>/<file name without extension>.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wsbind/wsbind/gen"
)

func main() {
	out := flag.String("out", "generated", "parent directory of the generated packages")
	client := flag.Bool("client", true, "also generate a typed client per provider")
	list := flag.Bool("list", false, "print the spec files the arguments stand for and exit")
	registry := flag.String("registry", "", "import path of -out; writes registry_gen.go listing the providers")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: wsbind-gen [-out DIR] [-registry IMPORTPATH] [-client] SPEC.yaml|DIR...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	specs, err := gen.Expand(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsbind-gen:", err)
		os.Exit(1)
	}
	if *list {
		for _, s := range specs {
			fmt.Println(s)
		}
		return
	}
	if err := gen.Write(specs, gen.Options{Out: *out, Client: *client, Registry: *registry, Warn: func(w string) { fmt.Fprintln(os.Stderr, "wsbind-gen: warning:", w) }}); err != nil {
		fmt.Fprintln(os.Stderr, "wsbind-gen:", err)
		os.Exit(1)
	}
}
