package htmlreport

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"
)

// The timeline plot is an inline SVG written here: stacked bars of frames
// per second (or per bin of frames, without timestamps) for each message,
// the busiest maxSeries apart and the rest as "other", and two lanes above
// marking the bins with invalid frames (▼) and with notes (●), each mark
// with a title giving its counts.

const maxSeries = 8

// palette is Okabe-Ito's, readable with the common colour deficiencies;
// "other" is grey.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#332288"}

const otherColour = "#999999"

type legendItem struct {
	Name   string
	Colour string
	Total  int64
}

// plot is the rendered timeline and its legend.
type plot struct {
	SVG     template.HTML
	Legend  []legendItem
	Caption string
}

func renderTimeline(t *timeline, names []string, timed bool) plot {
	if t.n == 0 {
		return plot{Caption: "no validated frames to plot"}
	}
	t = t.coarse(displayBins(t.n))
	first, last := t.used()
	// Series by total, busiest first.
	type ser struct {
		id    int
		total int64
	}
	var all []ser
	for id, s := range t.series {
		if s == nil {
			continue
		}
		var n int64
		for _, c := range s[first : last+1] {
			n += c
		}
		all = append(all, ser{id, n})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].total > all[j].total })
	shown := all
	var rest []ser
	if len(all) > maxSeries {
		shown, rest = all[:maxSeries-1], all[maxSeries-1:]
	}
	nb := last - first + 1
	// stacks[b][k]: the count of shown series k (the last: other) in bin b.
	stacks := make([][]int64, nb)
	var top float64
	perUnit := 1.0
	if timed {
		perUnit = 1 / t.width
	}
	var legend []legendItem
	for k, s := range shown {
		legend = append(legend, legendItem{names[s.id], palette[k%len(palette)], s.total})
	}
	if len(rest) > 0 {
		var n int64
		for _, s := range rest {
			n += s.total
		}
		legend = append(legend, legendItem{fmt.Sprintf("other (%d messages)", len(rest)), otherColour, n})
	}
	for b := range nb {
		stacks[b] = make([]int64, len(legend))
		var sum int64
		for k, s := range shown {
			stacks[b][k] = t.series[s.id][first+b]
			sum += stacks[b][k]
		}
		for _, s := range rest {
			stacks[b][len(legend)-1] += t.series[s.id][first+b]
			sum += t.series[s.id][first+b]
		}
		top = max(top, float64(sum)*perUnit)
	}

	const (
		w, h           = 960.0, 270.0
		x0, x1         = 64.0, 948.0
		laneInvalid    = 14.0
		laneNotes      = 32.0
		plotTop, plotY = 48.0, 226.0
	)
	bw := (x1 - x0) / float64(nb)
	yMax := niceCeil(top)
	y := func(v float64) float64 { return plotY - (plotY-plotTop)*v/yMax }
	start := t.origin + float64(first)*t.width
	span := float64(nb) * t.width
	var sb strings.Builder
	unit := "frames per second"
	if !timed {
		unit = fmt.Sprintf("frames per bin of %s", plural(int64(t.width), "frame"))
	}
	fmt.Fprintf(&sb, `<svg viewBox="0 0 %g %g" role="img" aria-labelledby="tl-title tl-desc" class="timeline">`, w, h)
	fmt.Fprintf(&sb, `<title id="tl-title">Timeline: %s per message</title>`, esc(unit))
	var nInvalid, nNoted int64
	for b := range nb {
		nInvalid += t.invalid[first+b]
		nNoted += t.noted[first+b]
	}
	fmt.Fprintf(&sb, `<desc id="tl-desc">%d frames in %d bins; %d invalid, %d with notes, marked in the lanes above the bars.</desc>`, t.n, nb, nInvalid, nNoted)
	// Axes and grid.
	for _, f := range []float64{0, 0.5, 1} {
		yy := y(yMax * f)
		fmt.Fprintf(&sb, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" class="grid"/>`, x0, yy, x1, yy)
		fmt.Fprintf(&sb, `<text x="%g" y="%.1f" class="axis" text-anchor="end">%s</text>`, x0-6, yy+4, esc(shortNum(yMax*f)))
	}
	fmt.Fprintf(&sb, `<text x="12" y="%g" class="axis" transform="rotate(-90 12 %g)" text-anchor="middle">%s</text>`, (plotTop+plotY)/2, (plotTop+plotY)/2, esc(unit))
	fmt.Fprintf(&sb, `<text x="%g" y="%g" class="lane" text-anchor="end">invalid ▼</text>`, x0-6, laneInvalid+4)
	fmt.Fprintf(&sb, `<text x="%g" y="%g" class="lane" text-anchor="end">notes ●</text>`, x0-6, laneNotes+4)
	for i := 0; i <= 5; i++ {
		xx := x0 + (x1-x0)*float64(i)/5
		v := start + span*float64(i)/5
		label := ""
		if timed {
			label = "+" + shortNum(v-start) + " s"
		} else {
			label = "#" + fmt.Sprint(int64(math.Round(v)))
		}
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if i == 5 {
			anchor = "end"
		}
		fmt.Fprintf(&sb, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" class="tick"/><text x="%.1f" y="%g" class="axis" text-anchor="%s">%s</text>`, xx, plotY, xx, plotY+4, xx, plotY+18, anchor, esc(label))
	}
	// Bars.
	for b := range nb {
		xx := x0 + bw*float64(b)
		lo := start + t.width*float64(b)
		var title strings.Builder
		if timed {
			fmt.Fprintf(&title, "+%s s to +%s s", shortNum(lo-start), shortNum(lo+t.width-start))
		} else {
			fmt.Fprintf(&title, "frames #%d to #%d", int64(lo), int64(lo+t.width)-1)
		}
		var sum int64
		for k := range legend {
			sum += stacks[b][k]
		}
		if sum == 0 {
			continue
		}
		fmt.Fprintf(&title, ": %s", plural(sum, "frame"))
		for k, it := range legend {
			if stacks[b][k] > 0 {
				fmt.Fprintf(&title, "; %s %d", it.Name, stacks[b][k])
			}
		}
		if n := t.invalid[first+b]; n > 0 {
			fmt.Fprintf(&title, "; %d invalid", n)
		}
		if n := t.noted[first+b]; n > 0 {
			fmt.Fprintf(&title, "; %d with notes", n)
		}
		fmt.Fprintf(&sb, `<g class="bin"><title>%s</title>`, esc(title.String()))
		acc := 0.0
		for k, it := range legend {
			c := stacks[b][k]
			if c == 0 {
				continue
			}
			v := float64(c) * perUnit
			fmt.Fprintf(&sb, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"/>`, xx, y(acc+v), math.Max(bw-0.5, 0.5), y(acc)-y(acc+v), it.Colour)
			acc += v
		}
		sb.WriteString(`</g>`)
		cx := xx + bw/2
		if n := t.invalid[first+b]; n > 0 {
			fmt.Fprintf(&sb, `<path class="mark-invalid" d="M%.1f %.1f l-5 -8 h10 z"><title>%s</title></path>`, cx, laneInvalid+4, esc(fmt.Sprintf("%s: %s", title.String()[:strings.Index(title.String(), ":")], plural(n, "invalid frame"))))
		}
		if n := t.noted[first+b]; n > 0 {
			fmt.Fprintf(&sb, `<circle class="mark-notes" cx="%.1f" cy="%g" r="4"><title>%s</title></circle>`, cx, laneNotes, esc(fmt.Sprintf("%s: %s", title.String()[:strings.Index(title.String(), ":")], plural(n, "frame")+" with notes")))
		}
	}
	sb.WriteString(`</svg>`)
	p := plot{SVG: template.HTML(sb.String()), Legend: legend}
	if timed {
		p.Caption = "time +0 s is " + formatTime(start)
	} else {
		p.Caption = "no timestamps in the capture: frames are placed by index"
	}
	return p
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// shortNum formats a number with at most three significant decimals.
func shortNum(v float64) string {
	switch a := math.Abs(v); {
	case a == math.Trunc(a) && a < 1e15:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
	default:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
	}
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// displayBins is how many bars n frames get at most: a few frames per bar
// on a short capture, up to 120 bars.
func displayBins(n int64) int {
	return int(min(max(n/3, 20), 120))
}

// coarse returns the used range of t in at most bins bins, merging runs
// of adjacent ones.
func (t *timeline) coarse(bins int) *timeline {
	first, last := t.used()
	k := (last - first + bins) / bins // ceil((last-first+1)/bins)
	if k <= 1 {
		return t
	}
	nb := (last-first)/k + 1
	c := &timeline{bins: nb, width: t.width * float64(k), origin: t.origin + float64(first)*t.width, started: true, lo: t.lo, hi: t.hi, n: t.n}
	sum := func(b []int64) []int64 {
		if b == nil {
			return nil
		}
		out := make([]int64, nb)
		for i := first; i <= last; i++ {
			out[(i-first)/k] += b[i]
		}
		return out
	}
	c.series = make([][]int64, len(t.series))
	for i, s := range t.series {
		c.series[i] = sum(s)
	}
	c.invalid, c.noted = sum(t.invalid), sum(t.noted)
	return c
}
