package htmlreport

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTimelineBinsEveryValue checks, after growth in both directions,
// that each bin counts exactly the values in its range.
func TestTimelineBinsEveryValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, spread := range []float64{0.0005, 3, 1e4, 1.7e9} {
		tl := newTimeline(0.001)
		var xs []float64
		base := 1.7e9
		for i := range 5000 {
			x := base + (rng.Float64()-0.3)*spread
			xs = append(xs, x)
			tl.add(x, i%3, i%11 == 0, false)
		}
		want := make([]int64, tl.bins)
		var inv int64
		for i, x := range xs {
			b := int(math.Floor((x - tl.origin) / tl.width))
			if b < 0 || b >= tl.bins {
				t.Fatalf("spread %g: %g outside the range [%g, +%g*%d)", spread, x, tl.origin, tl.width, tl.bins)
			}
			want[b]++
			if i%11 == 0 {
				inv++
			}
		}
		got := make([]int64, tl.bins)
		var gotInv int64
		for _, s := range tl.series {
			for b, c := range s {
				got[b] += c
			}
		}
		for _, c := range tl.invalid {
			gotInv += c
		}
		for b := range want {
			// A value on a bin's edge may land either side after float
			// rounding: compare the totals of neighbours then.
			if got[b] != want[b] && (b == 0 || got[b-1]+got[b] != want[b-1]+want[b]) && (b+1 == tl.bins || got[b]+got[b+1] != want[b]+want[b+1]) {
				t.Fatalf("spread %g: bin %d counts %d, want %d", spread, b, got[b], want[b])
			}
		}
		if gotInv != inv || tl.n != int64(len(xs)) {
			t.Fatalf("spread %g: %d invalid of %d, want %d of %d", spread, gotInv, tl.n, inv, len(xs))
		}
	}
}

func TestTimelineCoarseKeepsCounts(t *testing.T) {
	tl := newTimeline(1)
	for i := range 1000 {
		tl.add(float64(i), i%4, i%100 == 0, i%10 == 0)
	}
	c := tl.coarse(displayBins(tl.n))
	if c.bins > 120 {
		t.Fatalf("%d bins shown, want at most 120", c.bins)
	}
	var n, inv, noted int64
	for _, s := range c.series {
		for _, v := range s {
			n += v
		}
	}
	for b := range c.bins {
		inv += c.invalid[b]
		noted += c.noted[b]
	}
	if n != 1000 || inv != 10 || noted != 100 {
		t.Fatalf("coarse counts %d frames, %d invalid, %d noted; want 1000, 10, 100", n, inv, noted)
	}
}
