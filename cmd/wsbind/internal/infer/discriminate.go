package infer

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

// prioNames are discriminator names protocols use, best first; a property
// with one of these names wins over an unnamed candidate.
var prioNames = []string{"type", "op", "event", "eventType", "event_type", "action", "kind", "topic", "method", "cmd", "command", "msgType", "messageType", "message_type", "__typename", "t"}

func prioRank(key string) int {
	for i, n := range prioNames {
		if n == key {
			return i
		}
	}
	return len(prioNames)
}

const (
	maxDiscValues = 64 // a property with more values is data, not a discriminator
	maxDiscDepth  = 3  // levels of discriminators, and depth of their paths
	// Shapes of two groups split by a nested discriminator must differ:
	// below this mean Jaccard similarity of their key paths they do.
	splitSimilarity = 0.5
)

// level is one discriminator of a set of frames: the frames are told apart
// by the string at path, and each value may split further.
type level struct {
	path  []string
	depth int
	kids  map[string]*level // nil entry: a leaf
	order []string
}

// candidate is a string-valued place in a set of frames.
type candidate struct {
	path     []string
	present  int
	values   map[string][]*value // nil once past maxDiscValues
	allLabel bool
}

// decide picks the discriminator of frames, recursively; nil when none.
func decide(frames []*value, used map[string]bool, depth int) *level {
	if depth >= maxDiscDepth || len(frames) < 2 && depth > 0 {
		return nil
	}
	cands := map[string]*candidate{}
	for _, f := range frames {
		collectStrings(f, f, nil, cands, 0)
	}
	var best *candidate
	bestKey := ""
	for k, c := range cands {
		if used[k] || !acceptable(c, len(frames), depth) {
			continue
		}
		if best == nil || better(c, best) || !better(best, c) && k < bestKey {
			best, bestKey = c, k
		}
	}
	if best == nil {
		return nil
	}
	lv := &level{path: best.path, depth: depth, kids: map[string]*level{}}
	used = cloneSet(used)
	used[bestKey] = true
	for _, v := range slices.Sorted(maps.Keys(best.values)) {
		lv.order = append(lv.order, v)
		lv.kids[v] = decide(best.values[v], used, depth+1)
	}
	return lv
}

func cloneSet(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// acceptable says whether a candidate may split n frames at depth.
func acceptable(c *candidate, n, depth int) bool {
	if c.values == nil || !c.allLabel {
		return false
	}
	prio := prioRank(c.path[len(c.path)-1]) < len(prioNames)
	d := len(c.values)
	if depth == 0 {
		// A protocol's type property is a discriminator even when the
		// capture holds one value of it: it names the message.
		if d < 2 && c.present == n && !prio {
			return false
		}
		return prio || (2*d <= c.present && shapesDiffer(c))
	}
	// Deeper levels split frames only by a top-level property, so that an
	// open catch-all can take new values; a nested one (Neuro
	// data.eventType) is left to an open union inside the payload.
	return len(c.path) == 1 && c.present == n && d >= 2 && prio && shapesDiffer(c)
}

// better orders candidates: a known name first, then a shallower path,
// then the one present in more frames, then fewer values.
func better(a, b *candidate) bool {
	if ra, rb := prioRank(a.path[len(a.path)-1]), prioRank(b.path[len(b.path)-1]); ra != rb {
		return ra < rb
	}
	if len(a.path) != len(b.path) {
		return len(a.path) < len(b.path)
	}
	if a.present != b.present {
		return a.present > b.present
	}
	return len(a.values) < len(b.values)
}

// collectStrings records the string-valued places of an object frame,
// through objects only, maxDiscDepth keys deep.
func collectStrings(root, v *value, path []string, cands map[string]*candidate, depth int) {
	if v == nil || v.kind != kObject || depth >= maxDiscDepth {
		return
	}
	seen := map[string]bool{}
	for _, k := range v.keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		val := v.get(k)
		p := append(append([]string(nil), path...), k)
		if val.kind == kString && !SecretKey(k) {
			key := strings.Join(p, "\x1f")
			c := cands[key]
			if c == nil {
				c = &candidate{path: p, values: map[string][]*value{}, allLabel: true}
				cands[key] = c
			}
			c.present++
			if !labelLike(val.str) {
				c.allLabel = false
			}
			if c.values != nil {
				if _, ok := c.values[val.str]; !ok && len(c.values) >= maxDiscValues {
					c.values = nil
				} else {
					c.values[val.str] = append(c.values[val.str], root)
				}
			}
		}
		collectStrings(root, val, p, cands, depth+1)
	}
}

// shapesDiffer reports whether the groups a candidate makes have different
// shapes: their key paths are little alike.
func shapesDiffer(c *candidate) bool {
	vals := slices.Sorted(maps.Keys(c.values))
	if len(vals) < 2 {
		return true
	}
	sets := make([]map[string]bool, len(vals))
	for i, v := range vals {
		sets[i] = map[string]bool{}
		for _, f := range c.values[v] {
			keyPaths(f, "", sets[i], 0)
		}
	}
	total, pairs := 0.0, 0
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			total += jaccard(sets[i], sets[j])
			pairs++
		}
	}
	return total/float64(pairs) < splitSimilarity
}

func keyPaths(v *value, prefix string, out map[string]bool, depth int) {
	if v == nil || depth > 4 || len(out) > 512 {
		return
	}
	switch v.kind {
	case kObject:
		for i, k := range v.keys {
			p := prefix + "/" + k
			out[p] = true
			keyPaths(v.vals[i], p, out, depth+1)
		}
	case kArray:
		for _, it := range v.items {
			keyPaths(it, prefix+"/*", out, depth+1)
		}
	}
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	in := 0
	for k := range a {
		if b[k] {
			in++
		}
	}
	return float64(in) / float64(len(a)+len(b)-in)
}

// stringAt returns the string at path, if there is one.
func stringAt(v *value, path []string) (string, bool) {
	for _, k := range path {
		v = v.get(k)
		if v == nil {
			return "", false
		}
	}
	if v.kind != kString {
		return "", false
	}
	return v.str, true
}

// shapeKey names the shape of an object frame without a discriminator:
// its sorted top-level keys.
func shapeKeys(v *value) []string {
	keys := append([]string(nil), v.keys...)
	sort.Strings(keys)
	return compactStrings(keys)
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, k := range s {
		if i == 0 || k != s[i-1] {
			out = append(out, k)
		}
	}
	return out
}
