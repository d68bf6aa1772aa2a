// Package bench holds the benchmarks behind BENCHMARKS.md that need only
// the library's own dependencies (generation, idle connections). The
// per-frame and loopback benchmarks, with their sonic, goccy and jsonschema
// v6 anchors, live in the nested module internal/bench/anchors, so that
// those never enter the library's go.mod. Every target is a ratio between
// sub-benchmarks of one run, never a timed unit test.
package bench

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkMakeGenerate times `make generate` (go generate ./..., which
// runs wsbind-gen over all four specs) from the repository root. The first
// iteration may pay for building the generator; the figure is the steady
// state a developer sees. Generation is idempotent, so rewriting
// generated/ changes nothing.
func BenchmarkMakeGenerate(b *testing.B) {
	mk, err := exec.LookPath("make")
	if err != nil {
		b.Skip("make not installed")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if out, err := exec.Command(mk, "-s", "-C", root, "generate").CombinedOutput(); err != nil {
			b.Fatalf("make generate: %v\n%s", err, out)
		}
	}
}
