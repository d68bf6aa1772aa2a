package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/runtime/wire"
)

// TestAppendFrameJSON holds the hand-written per-frame JSON to what
// json.Encoder (SetEscapeHTML(false)) writes for the same *frameJSON: every
// field set or left empty, strings with every kind of byte encoding/json
// escapes.
func TestAppendFrameJSON(t *testing.T) {
	// A field added to frameJSON, errorJSON or wire.Note must be added to
	// appendFrameJSON too (and to random below).
	for typ, n := range map[reflect.Type]int{
		reflect.TypeFor[frameJSON](): 16,
		reflect.TypeFor[errorJSON](): 4,
		reflect.TypeFor[wire.Note](): 3,
	} {
		if typ.NumField() != n {
			t.Fatalf("%s has %d fields, appendFrameJSON writes %d", typ, typ.NumField(), n)
		}
	}
	pieces := []string{"", "a", "/data/x", "\"", "\\", "\x00", "\x1f", "\b", "\f", "\n", "\r", "\t", "\x7f",
		"<", ">", "&", "\u2028", "\u2029", "é", "😀", "\xff", "\xe2\x80", "\xed\xa0\x80", "\uFFFD", "~1"}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var b strings.Builder
		for range rng.IntN(5) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	num := func() int {
		switch rng.IntN(3) {
		case 0:
			return 0
		case 1:
			return rng.IntN(1000)
		}
		return -rng.IntN(5)
	}
	for i := range 5000 {
		rep := frameJSON{
			Index: num(), File: str(), Line: num(), Provider: str(), Direction: str(), Message: str(),
			Valid: rng.IntN(2) == 0, Skipped: str(), Malformed: str(), Error: str(),
			MoreErrors: num(), MoreDrift: num(), MoreNotes: num(),
		}
		if rng.IntN(4) > 0 {
			rep.Errors = []errorJSON{}
			for range rng.IntN(3) {
				e := errorJSON{Pointer: str(), Keyword: str(), Message: str()}
				if rng.IntN(2) == 0 {
					s := str()
					e.Value = &s
				}
				rep.Errors = append(rep.Errors, e)
			}
		}
		if rng.IntN(3) > 0 {
			var d []string
			if rng.IntN(4) > 0 {
				d = []string{}
			}
			for range rng.IntN(3) {
				d = append(d, str())
			}
			rep.Drift = &d
		}
		if rng.IntN(4) > 0 {
			rep.Notes = []wire.Note{}
			for range rng.IntN(3) {
				rep.Notes = append(rep.Notes, wire.Note{Pointer: str(), Kind: str(), Message: str()})
			}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&rep); err != nil {
			t.Fatal(err)
		}
		if got := appendFrameJSON(nil, &rep); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("frame %d:\n got %q\nwant %q", i, got, want.Bytes())
		}
	}
}
