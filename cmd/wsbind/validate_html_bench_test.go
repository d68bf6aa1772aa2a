package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkValidateHTML measures what --html adds to a run: set
// WSBIND_HTML_BENCH to a JSONL capture of Astro frames.
func BenchmarkValidateHTML(b *testing.B) {
	capture := os.Getenv("WSBIND_HTML_BENCH")
	if capture == "" {
		b.Skip("set WSBIND_HTML_BENCH to an Astro JSONL capture")
	}
	st, err := os.Stat(capture)
	if err != nil {
		b.Fatal(err)
	}
	for _, html := range []bool{false, true} {
		name := "plain"
		if html {
			name = "html"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				args := []string{"validate", "--provider", "astro", capture}
				if html {
					args = append(args, "--html", filepath.Join(b.TempDir(), "r.html"))
				}
				if code := run(args, io.Discard, io.Discard); code > exitFailure {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
