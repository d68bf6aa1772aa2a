package main

import (
	"io"
	"testing"
)

// BenchmarkValidateFormat runs `wsbind validate --format F --provider P
// FILE` in-process over the captures of BenchmarkValidateCommand, once per
// output format, the report to io.Discard; with -cpuprofile it is the
// profile behind BENCHMARKS.md's "wsbind validate throughput" (make
// bench-validate times the built binary on a 200 MB capture).
func BenchmarkValidateFormat(b *testing.B) {
	caps, size, frames := bigCaptures(b)
	for _, format := range []string{"json", "text"} {
		b.Run(format, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range caps {
					if code := runValidate([]string{"--format", format, "--provider", c.provider.Name, c.path}, io.Discard, io.Discard); code > 1 {
						b.Fatalf("%s: exit %d", c.provider.Name, code)
					}
				}
			}
			b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
