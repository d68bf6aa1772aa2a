package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/wsbind/wsbind/gen"
)

func init() {
	register(command{name: "version", summary: "print the version of wsbind, and its VCS revision when the build recorded it", run: runVersion})
}

func versionUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: wsbind version
       wsbind --version

Print the version of the wsbind module this program was built from:
"(devel)" for a build inside its own checkout or from a local replace
directive, else the module version (v1.2.3, or a pseudo-version). When
wsbind is the main module and the build recorded it, the VCS revision
follows, with "modified" if the tree had uncommitted changes.

Exit codes: 0 printed, 2 usage error.
`)
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		versionUsage(stdout)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "version", err)
	}
	if len(pos) > 0 {
		return usageError(stderr, "version", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	fmt.Fprintln(stdout, "wsbind", gen.Version())
	return exitOK
}
