package hostile

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The wsbind binary the child-process scenarios run, built once per test
// run into a folder TestMain removes.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// wsbindBinary returns the path of cmd/wsbind built from this checkout,
// building it on first use.
func wsbindBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			binErr = fmt.Errorf("no go on PATH: %w", err)
			return
		}
		if binDir, binErr = os.MkdirTemp("", "wsbind-hostile-"); binErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		binPath = filepath.Join(binDir, "wsbind")
		build := exec.CommandContext(ctx, goBin, "build", "-o", binPath, "./cmd/wsbind")
		build.Dir = filepath.Join("..", "..") // tests run in their package's folder
		if out, err := build.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}
