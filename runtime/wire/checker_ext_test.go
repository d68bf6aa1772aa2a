package wire_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

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
		for _, stable := range []bool{false, true} {
			k := wire.Checker{Codec: p.Server, Stable: stable}
			for round := range 2 {
				for i, f := range frames {
					if round == 1 {
						f = frames[len(frames)-1-i] // a different predecessor for each
					}
					want := p.Server.Check(f, true)
					got := k.Check(f, true)
					opts := []cmp.Option{cmpopts.EquateEmpty(), cmp.Exporter(func(reflect.Type) bool { return true }), cmp.Comparer(func(a, b error) bool { return (a == nil) == (b == nil) })}
					if d := cmp.Diff(want, got, opts...); d != "" {
						t.Fatalf("%s frame %d round %d stable %v: Checker differs from Check (-Check +Checker):\n%s", p.Name, i, round, stable, d)
					}
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

// TestStableCheckerSharesTheFrame: with Stable set, decoded strings are
// the frame's own bytes (no copy of the frame per check), and without it
// they are not.
func TestStableCheckerSharesTheFrame(t *testing.T) {
	frame := []byte(astro.Examples[0].JSON)
	for _, ex := range astro.Examples {
		if ex.Direction == "server" && ex.Message == "ChannelTipsMessage" {
			frame = []byte(ex.JSON)
		}
	}
	for _, stable := range []bool{false, true} {
		k := wire.Checker{Codec: &astro.ServerCodec, Stable: stable}
		r := k.Check(frame, false)
		m, ok := r.Message.(*astro.ChannelTipsMessage)
		if !ok {
			t.Fatalf("decoded %T, want *astro.ChannelTipsMessage", r.Message)
		}
		shared := len(m.ID) > 0 && unsafe.StringData(m.ID) == &frame[bytes.Index(frame, []byte(m.ID))]
		if shared != stable {
			t.Errorf("stable %v: the id shares the frame's memory: %v", stable, shared)
		}
		copied := testing.AllocsPerRun(100, func() { k.Check(frame, false) })
		if stable && copied != 0 {
			t.Errorf("a stable Checker allocates %.1f times per frame, want 0", copied)
		}
	}
}
