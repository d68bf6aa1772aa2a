package wire

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// The spec patterns plus shapes that must fall back to regexp.
var patterns = []string{
	`^[0-9A-HJKMNP-TV-Z]{26}$`, `^[0-9]+$`, `^-?[0-9]+$`, `^streamchatuser:`, `^s[0-9a-zA-Z]+$`,
	`^/`, `^e[0-9a-f]{24}$`, `^[0-9a-f]{64}$`, `^ab?c*d+$`, `^x{2,4}y$`, `^[a-c]+[c-e]$`,
	`^ab[0-9]+cd$`, `^x[0-9]*abc`, `^[a-c]+abc$`, `a+b`, `^(ab)+$`, `^[α-ω]+$`, `^a|b$`, `^(?i)abc$`, `^a+?b$`, `^.*$`,
}

// TestPatternAgreesWithRegexp holds the byte-loop matcher to regexp on every
// pattern above, over edge cases and random strings over a small alphabet.
func TestPatternAgreesWithRegexp(t *testing.T) {
	alphabet := []byte("0123456789abcdefxyzABCDEHJKMNPZs-:/é\x00\xff")
	r := rand.New(rand.NewPCG(1, 2))
	for _, src := range patterns {
		p, re := MustPattern(src), regexp.MustCompile(src)
		inputs := []string{"", "a", "0", "-", "streamchatuser:x", "s1", "/x", "01HB0YE5TR26EH71DVPJ68MA82", "01hb0ye5tr26eh71dvpj68ma82"}
		for range 3000 {
			b := make([]byte, r.IntN(30))
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			inputs = append(inputs, string(b))
		}
		for _, in := range inputs {
			if got, want := p.MatchString(in), re.MatchString(in); got != want {
				t.Fatalf("%s on %q: fast %v, regexp %v", src, in, got, want)
			}
		}
	}
}

func TestSimplePatternsUseTheFastPath(t *testing.T) {
	for _, src := range []string{`^[0-9A-HJKMNP-TV-Z]{26}$`, `^[0-9]+$`, `^streamchatuser:`, `^s[0-9a-zA-Z]+$`} {
		if MustPattern(src).steps == nil {
			t.Errorf("%s falls back to regexp", src)
		}
	}
}

func BenchmarkPattern(b *testing.B) {
	const src, in = `^[0-9A-HJKMNP-TV-Z]{26}$`, "01HB0YE5TR26EH71DVPJ68MA82"
	p, re := MustPattern(src), regexp.MustCompile(src)
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			p.MatchString(in)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			re.MatchString(in)
		}
	})
}
