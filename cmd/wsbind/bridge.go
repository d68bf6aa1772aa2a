package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wsbind/wsbind/internal/bridgecli"
)

func init() {
	register(command{name: "bridge", summary: "put typed, validated events onto NATS JetStream, sharded over replicas (wsbind-bridge)", run: runBridge})
}

// bridgeModule is the nested module holding wsbind-bridge, so that NATS
// and Prometheus never enter the module wsbind's users import.
const bridgeModule = "cmd/wsbind-bridge"

// runBridge runs wsbind-bridge with args: the binary from PATH, or inside
// a source checkout of wsbind `go -C <root>/cmd/wsbind-bridge run .`.
func runBridge(args []string, stdout, stderr io.Writer) int {
	// Help needs no bridge: starting its module would build NATS first.
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-help" || args[0] == "-h") {
		fmt.Fprint(stdout, bridgecli.Usage)
		return exitOK
	}
	name, argv, err := bridgeCommand(args)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind bridge: %v\n", err)
		return exitUsage
	}
	cmd := exec.Command(name, argv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if code := ee.ExitCode(); code >= 0 {
				return code
			}
			return exitFailure // killed by a signal
		}
		fmt.Fprintf(stderr, "wsbind bridge: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// bridgeCommand finds what to run: wsbind-bridge on PATH first, else the
// nested module of the checkout the working directory is in.
func bridgeCommand(args []string) (string, []string, error) {
	if p, err := exec.LookPath("wsbind-bridge"); err == nil {
		return p, args, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", nil, err
	}
	if root := checkoutRoot(wd); root != "" {
		if _, err := os.Stat(filepath.Join(root, bridgeModule, "go.mod")); err == nil {
			return "go", append([]string{"-C", filepath.Join(root, bridgeModule), "run", "."}, args...), nil
		}
	}
	return "", nil, errors.New("wsbind-bridge is not on PATH and the working directory is not inside a wsbind checkout;\n" +
		"install it from a checkout of https://github.com/wsbind/wsbind with: cd cmd/wsbind-bridge && go install .\n" +
		"(go install ...@latest refuses it: its go.mod replaces wsbind with the checkout around it)")
}

// checkoutRoot is the nearest directory at or above dir whose go.mod
// declares module github.com/wsbind/wsbind, or "".
func checkoutRoot(dir string) string {
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(string(b)) == "github.com/wsbind/wsbind" {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func modulePath(gomod string) string {
	for _, line := range strings.Split(gomod, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
