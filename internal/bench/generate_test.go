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
