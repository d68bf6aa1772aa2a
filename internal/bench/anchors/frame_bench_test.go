package anchors

import (
	"flag"
	"runtime"
	"testing"
)

// rounds repeats the sub-benchmarks behind each ratio in turn (generated,
// a, a2, a3, b, then again ...), unlike -count, which repeats each one
// back to back: on a shared machine whose speed drifts over minutes,
// interleaving lets the drift fall on every side of a ratio alike. Go
// suffixes repeated names with #01, #02, ...; make bench passes -rounds 5
// and BENCHMARKS.md quotes medians (cmd/benchtable computes them).
var rounds = flag.Int("rounds", 1, "times to repeat the ratio benchmarks, interleaved")

// settle collects the garbage earlier sub-benchmarks left (the interpreted
// anchors allocate tens of KiB per frame), so that no sub-benchmark pays
// for its predecessor's sweeping. b.Loop starts the clock after it.
func settle() {
	runtime.GC()
	runtime.GC()
}

// BenchmarkServerFrame runs, per provider and key order (the docs' order,
// then sorted keys), the generated Decode + Validate + Dispatch against
// every anchor, named <provider>/<order>/<decoder>:
//
//   - generated: DecodeServerMessage, a fresh message per frame;
//   - generated-reuse: a ServerMessageDecoder, reusing the memory of the
//     message it returned before;
//   - a-encoding-json: encoding/json into the plain struct, no validation;
//   - a2-sonic-std, a2-sonic-default: sonic into the plain struct with
//     ConfigStd (strings copied) and with its default config;
//   - a2-sonic-std-reuse: sonic ConfigStd into one plain struct kept
//     across frames and reset before each, the counterpart of
//     generated-reuse;
//   - a3-goccy: goccy/go-json into the plain struct;
//   - b-sonic-jsonschema-v6, -v5: sonic into any, a switch on the
//     discriminator, then jsonschema on the dispatched message's own
//     definition in the provider's bundle.
func BenchmarkServerFrame(b *testing.B) {
	cs := cases(b)
	type order struct {
		name   string
		frames [][]byte
	}
	sorted := make([][]byte, len(cs))
	docs := make([][]byte, len(cs))
	for i, c := range cs {
		docs[i] = c.frame
		// The same frame with its keys sorted, as some senders write them:
		// discriminators then often come after the values they select.
		sorted[i] = sortKeys(b, c.frame)
		// Warm up: sonic and goccy compile their decoders on first use.
		for _, d := range c.decoders {
			for _, f := range [][]byte{docs[i], sorted[i]} {
				if err := d.read(f); err != nil {
					b.Fatalf("%s/%s: %v", c.name, d.name, err)
				}
			}
		}
	}
	for range *rounds {
		for i, c := range cs {
			for _, o := range []order{{"docs", docs}, {"sorted", sorted}} {
				frame := o.frames[i]
				for _, d := range c.decoders {
					b.Run(c.name+"/"+o.name+"/"+d.name, func(b *testing.B) {
						b.SetBytes(int64(len(frame)))
						b.ReportAllocs()
						settle()
						for b.Loop() {
							if err := d.read(frame); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		}
	}
}
