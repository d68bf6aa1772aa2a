// Package bench holds the benchmarks behind BENCHMARKS.md. Every target is
// a ratio between sub-benchmarks of one run, never a timed unit test.
package bench

import (
	"context"
	"encoding/json"
	"flag"
	"runtime"
	"testing"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/schemacheck"
	"github.com/wsbind/wsbind/runtime/wire"
)

func example(tb testing.TB, p *wire.Provider, message, name string) []byte {
	for _, ex := range p.Examples {
		if ex.Message == message && ex.Name == name {
			return []byte(ex.JSON)
		}
	}
	tb.Fatalf("%s: no example %s/%s", p.Name, message, name)
	return nil
}

// frameCase is one typical server frame per provider with its three ways
// to read it.
type frameCase struct {
	name  string
	p     *wire.Provider
	frame []byte
	// generated decodes, validates and dispatches to a typed handler.
	generated func(frame []byte) error
	// plain unmarshals with encoding/json into the generated struct, with no
	// validation. For frames whose struct holds a union (an interface,
	// which encoding/json cannot fill) it uses a struct with the same
	// fields and the union replaced by the branch the frame carries.
	plain func(frame []byte) error
}

var ctx = context.Background()

func cases(tb testing.TB) []frameCase {
	var astroD astro.ServerDispatcher
	var tips int
	astroD.OnChannelTipsMessage(func(context.Context, *astro.ChannelTipsMessage) { tips++ })

	var dliveD dlive.ServerDispatcher
	var texts int
	dliveD.OnChatText(func(context.Context, *dlive.Data, *dlive.ChatText) { texts++ })

	var neuroD neuro.ServerDispatcher
	var subathons int
	neuroD.OnSubathonUpdateEvent(func(context.Context, *neuro.Event, *neuro.SubathonUpdateEvent) { subathons++ })

	var octaveD octave.ServerDispatcher
	var events int
	octaveD.OnEventMessage(func(context.Context, *octave.EventMessage) { events++ })

	return []frameCase{
		{
			name: "astro", p: &astro.Provider, frame: example(tb, &astro.Provider, "ChannelTipsMessage", "tipCompleted"),
			generated: func(f []byte) error {
				m, err := astro.DecodeServerMessage(f)
				if err != nil {
					return err
				}
				if err := m.Validate(); err != nil {
					return err
				}
				astroD.Dispatch(ctx, m)
				return nil
			},
			plain: func(f []byte) error { var m astro.ChannelTipsMessage; return json.Unmarshal(f, &m) },
		},
		{
			name: "dlive", p: &dlive.Provider, frame: example(tb, &dlive.Provider, "Data", "seed-chat-text"),
			generated: func(f []byte) error {
				m, err := dlive.DecodeServerMessage(f)
				if err != nil {
					return err
				}
				if err := m.Validate(); err != nil {
					return err
				}
				dliveD.Dispatch(ctx, m)
				return nil
			},
			plain: func(f []byte) error {
				var m struct {
					ID      string `json:"id"`
					Type    string `json:"type"`
					Payload struct {
						Data struct {
							StreamMessageReceived []dlive.ChatText `json:"streamMessageReceived"`
						} `json:"data"`
					} `json:"payload"`
				}
				return json.Unmarshal(f, &m)
			},
		},
		{
			name: "neuro", p: &neuro.Provider, frame: example(tb, &neuro.Provider, "Event", "eventSubathonUpdate"),
			generated: func(f []byte) error {
				m, err := neuro.DecodeServerMessage(f)
				if err != nil {
					return err
				}
				if err := m.Validate(); err != nil {
					return err
				}
				neuroD.Dispatch(ctx, m)
				return nil
			},
			plain: func(f []byte) error {
				var m struct {
					Type string                    `json:"type"`
					Data neuro.SubathonUpdateEvent `json:"data"`
				}
				return json.Unmarshal(f, &m)
			},
		},
		{
			name: "octave", p: &octave.Provider, frame: example(tb, &octave.Provider, "EventMessage", "event-with-sensor-values"),
			generated: func(f []byte) error {
				m, err := octave.DecodeServerMessage(f)
				if err != nil {
					return err
				}
				if err := m.Validate(); err != nil {
					return err
				}
				octaveD.Dispatch(ctx, m)
				return nil
			},
			plain: func(f []byte) error { var m octave.EventMessage; return json.Unmarshal(f, &m) },
		},
	}
}

// TestBenchmarkFramesAreTypicalAndHandled keeps the benchmarks honest: each
// frame is 300 to 600 bytes, valid, reaches its typed handler, and the
// plain baseline decodes it without error.
func TestBenchmarkFramesAreTypicalAndHandled(t *testing.T) {
	for _, c := range cases(t) {
		if n := len(c.frame); n < 300 || n > 600 {
			t.Errorf("%s: frame is %d bytes, want 300 to 600", c.name, n)
		}
		if err := c.generated(c.frame); err != nil {
			t.Errorf("%s: generated: %v", c.name, err)
		}
		if err := c.plain(c.frame); err != nil {
			t.Errorf("%s: encoding/json: %v", c.name, err)
		}
	}
}

// rounds repeats the sub-benchmarks behind each ratio in turn (a, b, c, a,
// b, c, ...), unlike -count, which repeats each one back to back: on a
// shared machine whose speed drifts over minutes, interleaving lets the
// drift fall on every side of a ratio alike. Go suffixes repeated names
// with #01, #02, ...; make bench passes -rounds 5 and BENCHMARKS.md quotes
// medians.
var rounds = flag.Int("rounds", 1, "times to repeat the ratio benchmarks, interleaved")

// settle collects the garbage earlier sub-benchmarks left (the interpreted
// path allocates hundreds of KiB per frame), so that no sub-benchmark pays
// for its predecessor's sweeping. b.Loop starts the clock after it.
func settle() {
	runtime.GC()
	runtime.GC()
}

// sortKeys re-encodes frame with every object's keys in order.
func sortKeys(tb testing.TB, frame []byte) []byte {
	var v any
	if err := json.Unmarshal(frame, &v); err != nil {
		tb.Fatal(err)
	}
	out, err := json.Marshal(v) // encoding/json writes map keys sorted
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkServerFrame runs, per provider, the generated Decode + Validate +
// Dispatch against (a) encoding/json into the same struct, no validation,
// and (b) the interpreted path: encoding/json into any, jsonschema, then a
// type switch on the message name.
func BenchmarkServerFrame(b *testing.B) {
	for range *rounds {
		for _, c := range cases(b) {
			serverFrame(b, c)
		}
	}
}

func serverFrame(b *testing.B, c frameCase) {
	run := func(name string, frame []byte, read func([]byte) error) {
		b.Run(c.name+"/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			settle()
			for b.Loop() {
				if err := read(frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("generated", c.frame, c.generated)
	// The same frame with its keys sorted, as some senders write them:
	// discriminators then come after the values they select ("type"
	// last, "eventType" after "eventData"), the look-ahead's worst case.
	run("generated-sorted-keys", sortKeys(b, c.frame), c.generated)
	run("encoding-json", c.frame, c.plain)
	b.Run(c.name+"/interpreted", func(b *testing.B) {
		sc, err := schemacheck.New(c.p.Schema)
		if err != nil {
			b.Fatal(err)
		}
		s, err := sc.Definition("ServerMessage")
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(c.frame)))
		b.ReportAllocs()
		settle()
		seen := 0
		for b.Loop() {
			v, err := schemacheck.Decode(c.frame)
			if err != nil {
				b.Fatal(err)
			}
			if vs := schemacheck.ValidateValue(s, v); len(vs) > 0 {
				b.Fatal(vs)
			}
			switch v.(map[string]any)["type"] {
			case "message", "data", "event":
				seen++
			default:
				seen--
			}
		}
		_ = seen
	})
}
