package wire_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/wire"
)

// TestCheckerMatchesCheck holds the reusing Checker to Codec.Check on
// every server frame of the sample captures and every server example of
// the spec, each also with its keys sorted and cut in half, fed forwards
// then backwards so that each frame is decoded into the memory of two
// different earlier messages: the same verdict, the same notes and
// drift, and an equal message.
func TestCheckerMatchesCheck(t *testing.T) {
	for _, p := range []*wire.Provider{&astro.Provider, &dlive.Provider, &neuro.Provider, &octave.Provider} {
		if p.Server.Release == nil {
			t.Fatalf("%s: the generated server codec has no Release", p.Name)
		}
		frames := captureFrames(t, filepath.Join("..", "..", "testdata", "captures", p.Name+".jsonl"))
		for _, ex := range p.Examples {
			if ex.Direction == "server" {
				frames = append(frames, []byte(ex.JSON))
			}
		}
		if len(frames) < 10 {
			t.Fatalf("%s: only %d server frames", p.Name, len(frames))
		}
		for _, f := range frames[:len(frames):len(frames)] {
			var v any
			if err := json.Unmarshal(f, &v); err != nil {
				t.Fatal(err)
			}
			sorted, err := json.Marshal(v) // map keys come out sorted
			if err != nil {
				t.Fatal(err)
			}
			frames = append(frames, sorted, f[:len(f)/2])
		}
		k := wire.Checker{Codec: p.Server}
		for round := range 2 {
			for i, f := range frames {
				if round == 1 {
					f = frames[len(frames)-1-i] // a different predecessor for each
				}
				want := p.Server.Check(f, true)
				got := k.Check(f, true)
				opts := []cmp.Option{cmpopts.EquateEmpty(), cmp.Exporter(func(reflect.Type) bool { return true }), cmp.Comparer(func(a, b error) bool { return (a == nil) == (b == nil) })}
				if d := cmp.Diff(want, got, opts...); d != "" {
					t.Fatalf("%s frame %d round %d: Checker differs from Check (-Check +Checker):\n%s", p.Name, i, round, d)
				}
			}
		}
	}
}

// captureFrames reads the received frames of a JSONL capture.
func captureFrames(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var env struct{ Type, Data string }
		if err := json.Unmarshal(sc.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		if env.Type == "receive" {
			out = append(out, []byte(env.Data))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
