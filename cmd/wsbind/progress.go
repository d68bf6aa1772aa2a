package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints a one-line frames/s counter to a terminal, at most twice
// a second, and nothing at all when the output is piped or redirected.
type progress struct {
	w      io.Writer
	start  time.Time
	last   time.Time
	frames int
	shown  bool
}

// newProgress returns nil unless w is a character device (a terminal).
func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	now := time.Now()
	return &progress{w: w, start: now, last: now}
}

// frame counts one frame and redraws when due.
func (p *progress) frame() {
	if p == nil {
		return
	}
	p.frames++
	if p.frames%1024 != 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 500*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(p.frames) / now.Sub(p.start).Seconds()
	fmt.Fprintf(p.w, "\r%s, %.0f frames/s ", count(p.frames, "frame"), rate)
	p.shown = true
}

// done clears the line.
func (p *progress) done() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
