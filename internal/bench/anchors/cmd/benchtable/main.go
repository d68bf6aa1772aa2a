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
		{"a2-sonic-std-reuse", "(a2) sonic ConfigStd, struct reused"},
		{"a2-sonic-default", "(a2) sonic default"},
		{"a3-goccy", "(a3) goccy/go-json"},
		{"b-sonic-jsonschema-v6", "(b) sonic + jsonschema v6"},
		{"b-sonic-jsonschema-v5", "(b) sonic + jsonschema v5"},
	}
	// targets: the ratio each anchor's time over generated's must reach;
	// floors: the least issue 14 accepts as resolved.
	targets = map[string]float64{"a-encoding-json": 3, "a2-sonic-std": 1, "a2-sonic-std-reuse": 1, "b-sonic-jsonschema-v6": 10}
	floors  = map[string]float64{"a-encoding-json": 3, "a2-sonic-std": 0.9, "a2-sonic-std-reuse": 0.9}
	// paths: the generated readers, each compared with every anchor.
	paths = []struct{ name, label string }{
		{"generated", "generated, one-shot (DecodeServerMessage)"},
		{"generated-reuse", "generated, reusing (ServerMessageDecoder)"},
	}
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
	fmt.Print("| provider, key order | generated | generated, reusing |")
	for _, a := range anchors {
		fmt.Printf(" %s |", a.label)
	}
	fmt.Print("\n|---|---|---|")
	for range anchors {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, p := range providers {
		for _, o := range orders {
			fmt.Printf("| %s, %s |", p, o)
			for _, d := range append([]string{"generated", "generated-reuse"}, names()...) {
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

	for _, path := range paths {
		ratioTable(get, path.name, path.label)
	}
	targetSummary(get)

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

// ratioTable prints each anchor's time over the generated path's, the
// median of the per-round ratios with their range, targets in bold.
func ratioTable(get func(p, o, d string) map[int]result, path, label string) {
	fmt.Printf("\nAnchor time ÷ %s time, median of the per-round ratios (range over the rounds); above 1 the generated path is faster:\n\n", label)
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
			gen := get(p, o, path)
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
					cell = "**" + fmtRatio(m) + "x** " + verdict(m, t) + cell[len(fmtRatio(m))+1:]
				}
				fmt.Printf(" %s |", cell)
			}
			fmt.Println()
		}
	}
}

func verdict(m, t float64) string {
	if m >= t {
		return "met"
	}
	miss := fmt.Sprintf("%.0f%%", 100*(1-m/t))
	if miss == "0%" {
		miss = "<1%"
	}
	return "missed by " + miss
}

// targetSummary prints, per generated path and target, on how many of the
// provider and key-order pairs the median ratio meets it and its floor,
// and the weakest pair; then the reusing path's allocations.
func targetSummary(get func(p, o, d string) map[int]result) {
	fmt.Printf("\nTargets of issue 14, over the %d provider and key-order pairs (medians):\n\n", len(providers)*len(orders))
	fmt.Println("| generated path | anchor | target (floor) | met | at or above the floor | weakest |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, path := range paths {
		for _, a := range anchors {
			t, ok := targets[a.name]
			if !ok || (a.name == "a2-sonic-std-reuse" && path.name != "generated-reuse") {
				continue
			}
			met, floored, n := 0, 0, 0
			weakest, where := 0.0, ""
			for _, p := range providers {
				for _, o := range orders {
					rs := ratios(get(p, o, a.name), get(p, o, path.name), false)
					if len(rs) == 0 {
						continue
					}
					m := median(rs)
					n++
					if m >= t {
						met++
					}
					if f, ok := floors[a.name]; !ok || m >= f {
						floored++
					}
					if where == "" || m < weakest {
						weakest, where = m, p+", "+o
					}
				}
			}
			if n == 0 {
				continue
			}
			floor := "–"
			if f, ok := floors[a.name]; ok {
				floor = fmt.Sprintf("%gx", f)
			}
			fmt.Printf("| %s | %s | %gx (%s) | %d of %d | %d of %d | %sx (%s) |\n", path.label, a.label, t, floor, met, n, floored, n, fmtRatio(weakest), where)
		}
	}
	most := 0
	for _, p := range providers {
		for _, o := range orders {
			for _, r := range get(p, o, "generated-reuse") {
				most = max(most, r.allocs)
			}
		}
	}
	if most > 0 {
		fmt.Printf("\nAllocations per frame with the reusing decoder: at most %d (target at most 2).\n", most)
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
