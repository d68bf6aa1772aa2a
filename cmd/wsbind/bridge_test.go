package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckoutRoot(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "go.mod"), "module github.com/wsbind/wsbind\n\ngo 1.26.0\n")
	write(filepath.Join(dir, "cmd/wsbind-bridge/go.mod"), "module github.com/wsbind/wsbind/cmd/wsbind-bridge\n")
	deep := filepath.Join(dir, "cmd", "wsbind-bridge", "internal")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	// The nested module's go.mod is passed over: the root is the one of
	// github.com/wsbind/wsbind.
	if got := checkoutRoot(deep); got != dir {
		t.Fatalf("checkoutRoot(%s) = %q, want %q", deep, got, dir)
	}
	if got := checkoutRoot(t.TempDir()); got != "" {
		t.Fatalf("checkoutRoot outside a checkout = %q", got)
	}
}

func TestBridgeCommandInCheckout(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no wsbind-bridge on PATH
	wd, _ := os.Getwd()           // cmd/wsbind of this checkout
	name, argv, err := bridgeCommand([]string{"--demo"})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(wd))
	want := []string{"-C", filepath.Join(root, "cmd", "wsbind-bridge"), "run", ".", "--demo"}
	if name != "go" || strings.Join(argv, " ") != strings.Join(want, " ") {
		t.Fatalf("got %s %v, want go %v", name, argv, want)
	}
}

func TestBridgeOutsideCheckout(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Chdir(t.TempDir())
	var out, errb bytes.Buffer
	if code := run([]string{"bridge", "--demo"}, &out, &errb); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errb.String(), "not on PATH") || !strings.Contains(errb.String(), "go install") {
		t.Fatalf("stderr: %s", errb.String())
	}
	// Help needs neither the binary nor the checkout.
	out.Reset()
	if code := run([]string{"help", "bridge"}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "Usage: wsbind bridge --config") {
		t.Fatalf("wsbind help bridge outside a checkout: exit %d, stdout %q", code, out.String())
	}
}
