package wire

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// Pattern is a compiled JSON Schema pattern. Most spec patterns are an
// anchored run of literals and ASCII character classes (`^[0-9]+$`,
// `^streamchatuser:`, a ULID); those are matched by a small byte loop,
// several times faster than the regexp engine. Anything else uses regexp,
// which has the same (RE2) semantics santhosh-tekuri/jsonschema uses.
type Pattern struct {
	re    *regexp.Regexp
	steps []step // nil: use re
	// open means the pattern is not anchored at the end ($ missing).
	open bool
}

// step matches min..max bytes of one class (a literal byte is a class of
// one); max < 0 means unbounded.
type step struct {
	class    [4]uint64 // bitmap over bytes 0-255; only ASCII is ever set
	min, max int
	// lit, when set, is a run of literal characters matched as one
	// prefix (class then holds only its first byte, for overlap checks).
	lit string
}

// MustPattern compiles src or panics; generated code calls it for the
// patterns the generator already checked.
func MustPattern(src string) *Pattern {
	p := &Pattern{re: regexp.MustCompile(src)}
	p.steps, p.open = simple(src)
	return p
}

// String returns the source.
func (p *Pattern) String() string { return p.re.String() }

// MatchString reports whether s contains a match, as regexp does.
func (p *Pattern) MatchString(s string) bool {
	if p.steps == nil {
		return p.re.MatchString(s)
	}
	i := 0
	for k := range p.steps {
		st := &p.steps[k] // a step is 64 bytes: no copy per step
		if st.lit != "" {
			if !strings.HasPrefix(s[i:], st.lit) {
				return false
			}
			i += len(st.lit)
			continue
		}
		end := len(s)
		if st.max >= 0 && i+st.max < end {
			end = i + st.max
		}
		start := i
		for i < end && st.class[s[i]>>6]&(1<<(s[i]&63)) != 0 {
			// Greedy is exact here: a class run is never followed by a
			// step that could also take its bytes (checked by simple).
			i++
		}
		if i-start < st.min {
			return false
		}
	}
	return p.open || i == len(s)
}

// simple turns an anchored concatenation of literals and repeated ASCII
// classes into steps. It refuses (nil) whenever greedy matching could
// differ from backtracking: two adjacent steps whose classes overlap.
func simple(src string) ([]step, bool) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, false
	}
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return nil, false
	}
	subs := re.Sub[1:]
	open := true
	if last := subs[len(subs)-1]; last.Op == syntax.OpEndText {
		open = false
		subs = subs[:len(subs)-1]
	}
	var steps []step
	add := func(st step) bool {
		if n := len(steps); n > 0 {
			prev := steps[n-1]
			if prev.min != prev.max && overlaps(prev.class, st.class) {
				return false
			}
		}
		steps = append(steps, st)
		return true
	}
	for _, sub := range subs {
		switch sub.Op {
		case syntax.OpLiteral:
			if sub.Flags&syntax.FoldCase != 0 {
				return nil, false
			}
			for _, r := range sub.Rune {
				if r >= 0x80 {
					return nil, false
				}
			}
			st := step{lit: string(sub.Rune), min: 1, max: 1}
			st.class[sub.Rune[0]>>6] |= 1 << (sub.Rune[0] & 63)
			if !add(st) {
				return nil, false
			}
		case syntax.OpCharClass, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
			st, ok := classStep(sub)
			if !ok || !add(st) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	if open && len(steps) > 0 && steps[len(steps)-1].min != steps[len(steps)-1].max {
		// An unanchored trailing run matches as soon as its minimum does:
		// trim it to its minimum so MatchString stays a prefix test.
		steps[len(steps)-1].max = steps[len(steps)-1].min
	}
	return steps, open
}

func classStep(sub *syntax.Regexp) (step, bool) {
	st := step{min: 1, max: 1}
	cls := sub
	switch sub.Op {
	case syntax.OpStar:
		st.min, st.max, cls = 0, -1, sub.Sub[0]
	case syntax.OpPlus:
		st.min, st.max, cls = 1, -1, sub.Sub[0]
	case syntax.OpQuest:
		st.min, st.max, cls = 0, 1, sub.Sub[0]
	case syntax.OpRepeat:
		st.min, st.max, cls = sub.Min, sub.Max, sub.Sub[0]
	}
	if sub.Flags&syntax.NonGreedy != 0 {
		return st, false
	}
	switch cls.Op {
	case syntax.OpCharClass:
		for i := 0; i+1 < len(cls.Rune); i += 2 {
			lo, hi := cls.Rune[i], cls.Rune[i+1]
			if hi >= 0x80 {
				return st, false
			}
			for r := lo; r <= hi; r++ {
				st.class[r>>6] |= 1 << (r & 63)
			}
		}
	case syntax.OpLiteral:
		if len(cls.Rune) != 1 || cls.Rune[0] >= 0x80 || cls.Flags&syntax.FoldCase != 0 {
			return st, false
		}
		st.class[cls.Rune[0]>>6] |= 1 << (cls.Rune[0] & 63)
	default:
		return st, false
	}
	return st, true
}

func overlaps(a, b [4]uint64) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}
