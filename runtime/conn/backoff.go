package conn

import (
	"math/rand/v2"
	"time"
)

// Backoff is capped exponential backoff with full jitter: attempt n waits a
// uniformly random time in [0, min(Max, Base·2^n)), so that many clients
// dropped at once spread their reconnects instead of stampeding.
type Backoff struct {
	Base time.Duration // default 500 ms
	Max  time.Duration // default 30 s
	// Rand returns a float in [0,1); tests may fix it.
	Rand func() float64
}

func (b *Backoff) defaults() {
	if b.Base == 0 {
		b.Base = 500 * time.Millisecond
	}
	if b.Max == 0 {
		b.Max = 30 * time.Second
	}
	if b.Rand == nil {
		b.Rand = rand.Float64
	}
}

// Delay returns the wait before attempt n (0-based), never less than floor
// (a server's Retry-After).
func (b *Backoff) Delay(n int, floor time.Duration) time.Duration {
	ceil := b.Max
	if n < 32 {
		if c := b.Base << n; c > 0 && c < ceil {
			ceil = c
		}
	}
	d := time.Duration(b.Rand() * float64(ceil))
	if d < floor {
		d = floor
	}
	return d
}
