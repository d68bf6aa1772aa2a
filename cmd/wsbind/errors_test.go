package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Each layer names itself once, and no internal package name reaches the
// user: the exact text of a few errors as printed.
func TestErrorTextNamesEachLayerOnce(t *testing.T) {
	noLeaks(t)
	m := startMock(t, "astro")
	out := filepath.Join(t.TempDir(), "refused.jsonl")
	for name, tc := range map[string]struct {
		args []string
		code int
		want string // a whole line of stderr
	}{
		// wsbind record, then the generated client (provider and method),
		// then the reply (message, code, text), then the call's arguments.
		"refused request": {
			[]string{"record", "--provider", "astro", "--url", m.URL(), "--out", out, "--force",
				"--cred", "token=wrong-secret-token", "--cred", "token_type=jwt", "--call", `Subscribe channel.tips ""`},
			exitFailure,
			`wsbind record: astro: Subscribe: Response: err_unauthorized: invalid token (call: Subscribe channel.tips "")`,
		},
		// The mock's own check, not the test server package's.
		"mock off loopback": {
			[]string{"mock", "astro", "--addr", "0.0.0.0:8765"},
			exitUsage,
			"wsbind mock: --addr: 0.0.0.0:8765 is not a loopback address; the mock listens on 127.0.0.1, ::1 or localhost only",
		},
		"bad package name": {
			[]string{"gen", "--package", "My-Feed", "feed.yaml"},
			exitUsage,
			`wsbind gen: --package: package name "My-Feed" is not a lower-case Go identifier (a-z first, then a-z, 0-9 or _)`,
		},
		"bad side": {
			[]string{"gen", "--describes", "both", "feed.yaml"},
			exitUsage,
			`wsbind gen: --describes "both": want server or client`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := wsbind(t, tc.args...)
			if code != tc.code || !hasLine(stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and the line\n%s", code, stderr, tc.code, tc.want)
			}
			for _, internal := range []string{"testserver", "conn:", "wsauth", "wire:"} {
				if strings.Contains(stderr, internal) {
					t.Errorf("stderr names the internal package %s:\n%s", internal, stderr)
				}
			}
		})
	}
}

func hasLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
