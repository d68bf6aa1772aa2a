package main

import "github.com/wsbind/wsbind/cmd/wsbind/internal/capture"

// frameTime is when a frame was captured, in seconds since the Unix epoch,
// for the --html timeline; false when the capture does not say.
func frameTime(f *capture.Frame) (float64, bool) {
	return f.Time, f.HasTime
}
