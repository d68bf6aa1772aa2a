package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen"
)

func wsbindGen(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionFlag(t *testing.T) {
	for _, flag := range []string{"--version", "-version"} {
		code, stdout, stderr := wsbindGen(flag)
		if want := "wsbind-gen " + gen.Version() + "\n"; code != 0 || stdout != want || stderr != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q", flag, code, stdout, stderr, want)
		}
	}
}

func TestHelpSpellsFlagsWithTwoDashes(t *testing.T) {
	code, stdout, _ := wsbindGen("--help")
	if code != 0 || !strings.HasPrefix(stdout, "Usage: wsbind-gen [--out DIR]") {
		t.Fatalf("--help: exit %d\n%s", code, stdout)
	}
	for _, f := range strings.Fields(stdout) {
		f = strings.Trim(f, "[](),")
		if len(f) > 1 && f[0] == '-' && f[1] != '-' && f != "-flag" {
			t.Errorf("usage spells %q with one dash", f)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	spec := filepath.Join("..", "..", "testdata", "dispatchconst", "dispatchconst.yaml")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no spec":     {nil, "wsbind-gen: no spec file or directory given\n"},
		"empty out":   {[]string{"--out", "", spec}, "wsbind-gen: --out must not be empty\n"},
		"bad package": {[]string{"--package", "my-feed", spec}, `wsbind-gen: --package: package name "my-feed" is not a lower-case Go identifier (a-z first, then a-z, 0-9 or _)` + "\n"},
		"keyword":     {[]string{"--package", "func", spec}, `wsbind-gen: --package: package name "func" is a Go keyword` + "\n"},
		"bad side":    {[]string{"--describes", "server,client", spec}, `wsbind-gen: --describes "server,client": want server or client` + "\n"},
		"two specs":   {[]string{"--package", "feed", spec, spec}, "wsbind-gen: --package names one package, but the arguments stand for 2 specs\n"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := wsbindGen(tc.args...)
			if code != 2 || stdout != "" || !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

func TestPackageFlagNamesPackageAndFolder(t *testing.T) {
	out := t.TempDir()
	spec := filepath.Join("..", "..", "testdata", "dispatchconst", "dispatchconst.yaml")
	if code, _, stderr := wsbindGen("--out", out, "--package", "market", "--client=false", spec); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "market", "types_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("\npackage market\n")) {
		t.Error("market/types_gen.go does not declare package market")
	}
	if _, err := os.Stat(filepath.Join(out, "market", "client_gen.go")); !os.IsNotExist(err) {
		t.Errorf("--client=false still wrote a client: %v", err)
	}
}
