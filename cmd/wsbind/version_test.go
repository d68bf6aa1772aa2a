package main

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen"
)

func TestVersionOfNamesTheWsbindModuleAndItsRevision(t *testing.T) {
	const mod = "github.com/wsbind/wsbind"
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "550de0e1a2b3c4d5e6f708192a3b4c5d6e7f8091"}}
	for name, tc := range map[string]struct {
		bi   debug.BuildInfo
		want string
	}{
		"inside the checkout": {
			debug.BuildInfo{Main: debug.Module{Path: mod, Version: "(devel)"}},
			"(devel)",
		},
		"inside the checkout, with a revision": {
			debug.BuildInfo{Main: debug.Module{Path: mod, Version: "(devel)"}, Settings: vcs},
			"(devel) (revision 550de0e1a2b3c4d5e6f708192a3b4c5d6e7f8091)",
		},
		"inside the checkout, modified": {
			debug.BuildInfo{Main: debug.Module{Path: mod, Version: "v0.3.1-0.20260106101500-550de0e1a2b3+dirty"},
				Settings: append(vcs, debug.BuildSetting{Key: "vcs.modified", Value: "true"})},
			"v0.3.1-0.20260106101500-550de0e1a2b3+dirty (revision 550de0e1a2b3c4d5e6f708192a3b4c5d6e7f8091, modified)",
		},
		"go install at a version": {
			debug.BuildInfo{Main: debug.Module{Path: mod, Version: "v0.3.0"}},
			"v0.3.0",
		},
		"go tool with a local replace": {
			debug.BuildInfo{Main: debug.Module{Path: mod, Version: "v0.0.0-00010101000000-000000000000",
				Replace: &debug.Module{Path: "/src/wsbind"}}, Settings: vcs},
			"(devel)",
		},
		"a dependency of another program": {
			debug.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: "(devel)"}, Settings: vcs,
				Deps: []*debug.Module{{Path: "github.com/go-faster/jx", Version: "v1.2.0"}, {Path: mod, Version: "v0.3.0"}}},
			"v0.3.0",
		},
		"a replaced dependency": {
			debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
				Deps: []*debug.Module{{Path: mod, Version: "v0.3.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v0.3.0-fork.1"}}}},
			"v0.3.0-fork.1",
		},
	} {
		t.Run(name, func(t *testing.T) {
			if got := gen.VersionOf(&tc.bi); got != tc.want {
				t.Errorf("VersionOf = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVersionCommandAndFlag(t *testing.T) {
	want := "wsbind " + gen.Version() + "\n"
	if !strings.HasPrefix(want, "wsbind (devel)") {
		t.Errorf("a test binary in the checkout says %q, want wsbind (devel)", want)
	}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		code, stdout, stderr := wsbind(t, args...)
		if code != exitOK || stdout != want || stderr != "" {
			t.Errorf("wsbind %s: exit %d, stdout %q, stderr %q; want %q", strings.Join(args, " "), code, stdout, stderr, want)
		}
	}
	code, _, stderr := wsbind(t, "version", "extra")
	if code != exitUsage || !strings.Contains(stderr, `wsbind version: unexpected argument "extra"`) {
		t.Errorf("wsbind version extra: exit %d, stderr %q", code, stderr)
	}
}

// Every command answers wsbind help <command> with its usage on stdout,
// as <command> --help does; help itself included.
func TestHelpForEveryCommand(t *testing.T) {
	names := []string{"help"}
	for n := range commands {
		names = append(names, n)
	}
	for _, n := range names {
		code, stdout, stderr := wsbind(t, "help", n)
		if code != exitOK || stderr != "" || !strings.Contains(stdout, "Usage: wsbind "+n) {
			t.Errorf("wsbind help %s: exit %d, stderr %q, stdout %.80q", n, code, stderr, stdout)
		}
		if n == "help" {
			continue
		}
		if code, flagOut, _ := wsbind(t, n, "--help"); code != exitOK || flagOut != stdout {
			t.Errorf("wsbind %s --help (exit %d) differs from wsbind help %s", n, code, n)
		}
	}
	code, _, stderr := wsbind(t, "help", "nope")
	if code != exitUsage || !strings.Contains(stderr, `unknown command "nope"`) {
		t.Errorf("wsbind help nope: exit %d, stderr %q", code, stderr)
	}
	code, stdout, _ := wsbind(t, "help")
	if code != exitOK || !strings.Contains(stdout, "  version ") {
		t.Errorf("wsbind help: exit %d, no version command listed:\n%s", code, stdout)
	}
}

// Usage text spells flags --flag; -flag is accepted too but never shown.
func TestUsageSpellsFlagsWithTwoDashes(t *testing.T) {
	for n := range commands {
		_, stdout, _ := wsbind(t, "help", n)
		for _, line := range strings.Split(stdout, "\n") {
			if strings.Contains(line, "wscat ") || strings.Contains(line, "go get ") || strings.Contains(line, "go test ") {
				continue // other commands' flags
			}
			for _, f := range strings.Fields(line) {
				f = strings.Trim(f, "[](),'`")
				if len(f) > 2 && f[0] == '-' && f[1] != '-' && f[1] >= 'a' && f[1] <= 'z' && f != "-flag" {
					t.Errorf("wsbind help %s: %q spells a flag with one dash: %q", n, f, line)
				}
			}
		}
	}
}

func TestCountPlurals(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "frame", "0 frames"},
		{1, "frame", "1 frame"},
		{2, "event example", "2 event examples"},
		{1, "more violation", "1 more violation"},
		{3, "entry", "3 entries"},
		{2, "key", "2 keys"},
		{2, "pass", "2 passes"},
	} {
		if got := count(tc.n, tc.noun); got != tc.want {
			t.Errorf("count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
