package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/runtime/schemacheck"
	"github.com/wsbind/wsbind/runtime/wire"
)

// interpLike is a codec that decodes as gen/interp does, with
// encoding/json, which cannot see duplicate keys.
func interpLike(scan bool) *wire.Codec {
	return &wire.Codec{
		Protocol:  "interp",
		Direction: "server",
		Decode: func(frame []byte, s *wire.Scope) (wire.Message, error) {
			if _, err := schemacheck.Decode(frame); err != nil {
				return nil, err
			}
			return &wire.Unknown{Raw: json.RawMessage(frame)}, nil
		},
		ScanDuplicates: scan,
	}
}

func notesOf(r wire.Result, kind string) []wire.Note {
	var out []wire.Note
	for _, n := range r.Notes {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// TestDuplicateParity holds the duplicate-key notes of a codec with
// ScanDuplicates to the generated decoders' notes on frames whose repeated
// keys are all declared properties (the generated decoders note those).
func TestDuplicateParity(t *testing.T) {
	for _, frame := range []string{
		`{"id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"2026-03-20T10:15:00Z","type":"welcome","data":{"message":"hi","client_id":"c","message":"again"}}`,
		`{"id":"a","id":"b","ts":"2026-03-20T10:15:00Z","type":"welcome","data":{"message":"hi","client_id":"c"},"id":"c"}`,
		`{"id":"01HB0YF39XF16HMHCPDYZYJYFK","ts":"2023-09-23T12:06:25Z","type":"message","topic":"astro","data":{"message":"Hello","message":"world"}}`,
		`{"type":"welcome","type":"welcome","id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"2026-03-20T10:15:00Z","data":{"message":"hi","client_id":"c"}}`,
		`{"id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"2026-03-20T10:15:00Z","type":"welcome","data":{"message":"hi","client_id":"c"},"data":{"message":"hi","client_id":"c"}}`,
		`{"id":"01HPPM2TQ6CCMFQGHEN8MM1NN0","ts":"2024-02-15T14:52:42Z","type":"message","topic":"channel.activities","data":{"type":"follow","provider":"twitch","channel":"6183c7d4ebc632abbf809890","data":{"username":"jtv","username":"x","displayName":"jtv","providerId":"14027"},"_id":"65ce2539b1585c5f909a91e1","createdAt":"2024-02-15T14:52:41.608Z","updatedAt":"2024-02-15T14:52:41.608Z","activityId":"65ce2539b1585c5f909a91e1","sessionEventsCount":6}}`,
	} {
		gen := astro.ServerCodec.Check([]byte(frame), false)
		want := notesOf(gen, wire.NoteDuplicateKey)
		if len(want) == 0 {
			t.Fatalf("astro noted no duplicate in %s: %+v", frame, gen)
		}
		got := notesOf(interpLike(true).Check([]byte(frame), false), wire.NoteDuplicateKey)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-generated +scan):\n%s", frame, diff)
		}
		if n := notesOf(interpLike(false).Check([]byte(frame), false), wire.NoteDuplicateKey); n != nil {
			t.Errorf("without ScanDuplicates: %+v", n)
		}
	}
}

// TestCheckLoneSurrogate: both back ends note a lone surrogate once, and
// the frame stays valid.
func TestCheckLoneSurrogate(t *testing.T) {
	frame := []byte(`{"id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"2026-03-20T10:15:00Z","type":"welcome","data":{"message":"hi \ud83d\ude00 \ud83d","client_id":"c"}}`)
	want := []wire.Note{{Pointer: "/data/message", Kind: wire.NoteLoneSurrogate}}
	for name, c := range map[string]*wire.Codec{"generated": &astro.ServerCodec, "interp": interpLike(true)} {
		r := c.Check(frame, false)
		if !r.Valid() || !r.Noted() {
			t.Errorf("%s: valid %v, noted %v: %+v", name, r.Valid(), r.Noted(), r)
		}
		got := notesOf(r, wire.NoteLoneSurrogate)
		for i := range got {
			got[i].Message = ""
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

// benchFrame is a server example of dlive of 1 to 2 KB.
func benchFrame(b *testing.B) []byte {
	for _, ex := range dlive.Provider.Examples {
		if ex.Direction == "server" && len(ex.JSON) >= 1000 && len(ex.JSON) <= 2048 {
			return []byte(ex.JSON)
		}
	}
	b.Fatal("no dlive server example of 1-2 KB")
	return nil
}

// BenchmarkCheck is Codec.Check on a typical frame, without any escape:
// the scan costs its precheck only. Compare BenchmarkScanNotes/plain.
func BenchmarkCheck(b *testing.B) {
	frame := benchFrame(b)
	if r := dlive.ServerCodec.Check(frame, false); !r.Valid() {
		b.Fatalf("frame invalid: %v", r.Err(&dlive.ServerCodec))
	}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dlive.ServerCodec.Check(frame, false)
	}
}
