package htmlreport

// timeline counts frames per series (message) in a fixed number of bins
// over a range that grows as values arrive: when a value falls outside,
// the bin width doubles (pairs of bins merge) until the range holds it.
// Memory is bins × series, whatever the capture's length; values need not
// arrive in order (the sockets of a HAR each start over).
type timeline struct {
	bins    int
	width   float64 // of a bin; the first width, then doubled
	origin  float64
	started bool

	series  [][]int64 // per series id, nil until seen
	invalid []int64
	noted   []int64
	lo, hi  float64 // smallest and largest value seen
	n       int64
}

const timelineBins = 240

func newTimeline(firstWidth float64) *timeline {
	return &timeline{bins: timelineBins, width: firstWidth, invalid: make([]int64, timelineBins), noted: make([]int64, timelineBins)}
}

func (t *timeline) add(x float64, series int, invalid, noted bool) {
	if !t.started {
		t.started, t.origin, t.lo, t.hi = true, x, x, x
	}
	t.lo, t.hi = min(t.lo, x), max(t.hi, x)
	for x < t.origin {
		t.grow(true)
	}
	for x >= t.origin+t.width*float64(t.bins) {
		t.grow(false)
	}
	i := min(int((x-t.origin)/t.width), t.bins-1)
	for len(t.series) <= series {
		t.series = append(t.series, nil)
	}
	if t.series[series] == nil {
		t.series[series] = make([]int64, t.bins)
	}
	t.series[series][i]++
	if invalid {
		t.invalid[i]++
	}
	if noted {
		t.noted[i]++
	}
	t.n++
}

// grow doubles the bin width; left extends the range below its origin,
// else above its end.
func (t *timeline) grow(left bool) {
	merge := func(b []int64) {
		if b == nil {
			return
		}
		half := t.bins / 2
		if left {
			// Old bins become the upper half.
			for i := t.bins - 1; i >= half; i-- {
				j := 2 * (i - half)
				b[i] = b[j] + b[j+1]
			}
			clear(b[:half])
			return
		}
		for i := range half {
			b[i] = b[2*i] + b[2*i+1]
		}
		clear(b[half:])
	}
	for _, s := range t.series {
		merge(s)
	}
	merge(t.invalid)
	merge(t.noted)
	if left {
		t.origin -= t.width * float64(t.bins)
	}
	t.width *= 2
}

// used returns the first and last bins holding a value.
func (t *timeline) used() (first, last int) {
	first, last = -1, -1
	for i := range t.bins {
		any := false
		for _, s := range t.series {
			if s != nil && s[i] > 0 {
				any = true
				break
			}
		}
		if any {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}
