// Command benchtable turns the raw output of make bench (the interleaved
// rounds of BenchmarkServerFrame and BenchmarkLoopbackDelivery) into the
// Markdown tables of BENCHMARKS.md: medians over the rounds with their
// range, and each ratio's median with the range of that ratio computed
// within each round.
//
//	go run ./cmd/benchtable < ../testdata/last-run.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// result is one sub-benchmark in one round.
type result struct {
	ns, framesPerSec float64
	allocs           int
}

var line = regexp.MustCompile(`^Benchmark(\S+?)(?:#(\d+))?-\d+\s+\d+\s+([\d.]+) ns/op(.*)$`)

func metric(rest, unit string) (float64, bool) {
	f := strings.Fields(rest)
	for i := 1; i < len(f); i++ {
		if f[i] == unit {
			v, err := strconv.ParseFloat(f[i-1], 64)
			return v, err == nil
		}
	}
	return 0, false
}

// parse returns, per sub-benchmark name, its result in each round.
func parse(r io.Reader) (map[string]map[int]result, error) {
	out := map[string]map[int]result{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		round := 0
		if m[2] != "" {
			round, _ = strconv.Atoi(m[2])
		}
		var res result
		res.ns, _ = strconv.ParseFloat(m[3], 64)
		res.framesPerSec, _ = metric(m[4], "frames/s")
		a, _ := metric(m[4], "allocs/op")
		res.allocs = int(a)
		if out[m[1]] == nil {
			out[m[1]] = map[int]result{}
		}
		out[m[1]][round] = res
	}
	return out, sc.Err()
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func span(xs []float64) (lo, hi float64) {
	lo, hi = xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return
}

func rounds(m map[int]result) []int {
	var rs []int
	for r := range m {
		rs = append(rs, r)
	}
	sort.Ints(rs)
	return rs
}

// ratio is num's time over den's (or den's rate over num's), per round.
func ratios(num, den map[int]result, rate bool) []float64 {
	var out []float64
	for _, r := range rounds(den) {
		n, ok := num[r]
		if !ok {
			continue
		}
		d := den[r]
		if rate {
			out = append(out, d.framesPerSec/n.framesPerSec)
		} else {
			out = append(out, n.ns/d.ns)
		}
	}
	return out
}

func fmtNs(v float64) string {
	if v >= 100000 {
		return fmt.Sprintf("%.0f µs", v/1000)
	}
	if v >= 10000 {
		return fmt.Sprintf("%.1f µs", v/1000)
	}
	return fmt.Sprintf("%.2f µs", v/1000)
}

func fmtRatio(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

var (
	providers = []string{"astro", "dlive", "neuro", "octave"}
	orders    = []string{"docs", "sorted"}
	anchors   = []struct{ name, label string }{
		{"a-encoding-json", "(a) encoding/json"},
		{"a2-sonic-std", "(a2) sonic ConfigStd"},
		{"a2-sonic-default", "(a2) sonic default"},
		{"a3-goccy", "(a3) goccy/go-json"},
		{"b-sonic-jsonschema-v6", "(b) sonic + jsonschema v6"},
		{"b-sonic-jsonschema-v5", "(b) sonic + jsonschema v5"},
	}
	// targets: the ratio each anchor's time over generated's must reach.
	targets = map[string]float64{"a-encoding-json": 3, "a2-sonic-std": 1, "b-sonic-jsonschema-v6": 10}
)

func times(res map[int]result) []float64 {
	var xs []float64
	for _, r := range rounds(res) {
		xs = append(xs, res[r].ns)
	}
	return xs
}

func allocs(res map[int]result) string {
	lo, hi := -1, -1
	for _, r := range res {
		if lo < 0 || r.allocs < lo {
			lo = r.allocs
		}
		hi = max(hi, r.allocs)
	}
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

func main() {
	all, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	get := func(p, o, d string) map[int]result { return all["ServerFrame/"+p+"/"+o+"/"+d] }

	n := len(all["ServerFrame/astro/docs/generated"])
	fmt.Printf("Per-frame time, median of %d rounds (range over the rounds), allocations per frame:\n\n", n)
	fmt.Print("| provider, key order | generated |")
	for _, a := range anchors {
		fmt.Printf(" %s |", a.label)
	}
	fmt.Print("\n|---|---|")
	for range anchors {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, p := range providers {
		for _, o := range orders {
			fmt.Printf("| %s, %s |", p, o)
			for _, d := range append([]string{"generated"}, names()...) {
				res := get(p, o, d)
				if len(res) == 0 {
					fmt.Print(" – |")
					continue
				}
				xs := times(res)
				lo, hi := span(xs)
				fmt.Printf(" %s (%s–%s), %s allocs |", fmtNs(median(xs)), strings.TrimSuffix(fmtNs(lo), " µs"), fmtNs(hi), allocs(res))
			}
			fmt.Println()
		}
	}

	fmt.Printf("\nAnchor time ÷ generated time, median of the per-round ratios (range over the rounds); above 1 the generated path is faster:\n\n")
	fmt.Print("| provider, key order |")
	for _, a := range anchors {
		if t, ok := targets[a.name]; ok {
			fmt.Printf(" vs %s, target %gx |", a.label, t)
		} else {
			fmt.Printf(" vs %s |", a.label)
		}
	}
	fmt.Print("\n|---|")
	for range anchors {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, p := range providers {
		for _, o := range orders {
			fmt.Printf("| %s, %s |", p, o)
			gen := get(p, o, "generated")
			for _, a := range anchors {
				rs := ratios(get(p, o, a.name), gen, false)
				if len(rs) == 0 {
					fmt.Print(" – |")
					continue
				}
				m := median(rs)
				lo, hi := span(rs)
				cell := fmt.Sprintf("%sx (%s–%s)", fmtRatio(m), fmtRatio(lo), fmtRatio(hi))
				if t, ok := targets[a.name]; ok {
					if m >= t {
						cell = "**" + fmtRatio(m) + "x** met" + cell[len(fmtRatio(m))+1:]
					} else {
						miss := fmt.Sprintf("%.0f%%", 100*(1-m/t))
						if miss == "0%" {
							miss = "<1%"
						}
						cell = "**" + fmtRatio(m) + "x** missed by " + miss + cell[len(fmtRatio(m))+1:]
					}
				}
				fmt.Printf(" %s |", cell)
			}
			fmt.Println()
		}
	}

	gen := all["LoopbackDelivery/generated-client"]
	if len(gen) == 0 {
		return
	}
	fmt.Printf("\nLoopback, frames/s, median of %d rounds (range), and generated ÷ reader per round:\n\n", len(gen))
	fmt.Println("| reader | frames/s | allocs/frame | generated client ÷ this reader |")
	fmt.Println("|---|---|---|---|")
	for _, r := range []struct{ name, label string }{
		{"generated-client", "generated client: decode, validate, ordered delivery, typed handler"},
		{"raw-gorilla-sonic-std", "raw gorilla + sonic ConfigStd into the plain struct"},
		{"raw-gorilla-sonic-default", "raw gorilla + sonic default into the plain struct"},
		{"raw-gorilla-json", "raw gorilla + encoding/json into the plain struct"},
	} {
		res := all["LoopbackDelivery/"+r.name]
		var fs []float64
		for _, k := range rounds(res) {
			fs = append(fs, res[k].framesPerSec)
		}
		lo, hi := span(fs)
		ratio := "–"
		if r.name != "generated-client" {
			rs := ratios(res, gen, true)
			a, b := span(rs)
			ratio = fmt.Sprintf("%sx (%s–%s)", fmtRatio(median(rs)), fmtRatio(a), fmtRatio(b))
		}
		fmt.Printf("| %s | %s (%s–%s) | %s | %s |\n", r.label, commas(median(fs)), commas(lo), commas(hi), allocs(res), ratio)
	}
}

func names() []string {
	var s []string
	for _, a := range anchors {
		s = append(s, a.name)
	}
	return s
}

func commas(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
