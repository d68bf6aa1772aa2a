package golang_test

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/wire"
)

// TestReusingDecoderMatchesDecode decodes every server example of each
// provider, in turn and twice over, with one ServerMessageDecoder, and
// holds each message and error to DecodeServerMessage's.
func TestReusingDecoderMatchesDecode(t *testing.T) {
	check(t, &astro.Provider, astro.DecodeServerMessage, new(astro.ServerMessageDecoder).Decode)
	check(t, &dlive.Provider, dlive.DecodeServerMessage, new(dlive.ServerMessageDecoder).Decode)
	check(t, &neuro.Provider, neuro.DecodeServerMessage, new(neuro.ServerMessageDecoder).Decode)
	check(t, &octave.Provider, octave.DecodeServerMessage, new(octave.ServerMessageDecoder).Decode)
}

func check[M any](t *testing.T, p *wire.Provider, fresh, reuse func([]byte) (M, error)) {
	t.Helper()
	var frames [][]byte
	for _, ex := range p.Examples {
		if ex.Direction == "server" {
			frames = append(frames, []byte(ex.JSON))
		}
	}
	// Each frame also without its last member, so that a reused message
	// must lose what the previous frame of its type set.
	for _, f := range frames[:len(frames):len(frames)] {
		if i := lastComma(f); i > 0 {
			frames = append(frames, append(append([]byte{}, f[:i]...), '}'))
		}
	}
	for round := range 2 {
		for _, f := range frames {
			want, werr := fresh(f)
			got, gerr := reuse(f)
			if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
				t.Fatalf("%s round %d %s: error %v, want %v", p.Name, round, f, gerr, werr)
			}
			if d := cmp.Diff(want, got, cmp.Exporter(func(reflect.Type) bool { return true })); d != "" {
				t.Fatalf("%s round %d %s: (-want +got)\n%s", p.Name, round, f, d)
			}
		}
	}
}

// lastComma is where the last member of the top-level object starts (its
// comma), or -1.
func lastComma(f []byte) int {
	depth, at, in := 0, -1, false
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case in:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 1:
			at = i
		}
	}
	return at
}
