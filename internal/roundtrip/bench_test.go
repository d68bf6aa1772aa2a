package roundtrip

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/wire"
)

// benchCase is one message to encode: a typical client request, or the
// server frame internal/bench/anchors decodes for the same provider.
type benchCase struct {
	name    string
	p       *wire.Provider
	dir     string
	message string
	example string
}

var benchCases = []benchCase{
	{"astro/client", &astro.Provider, "client", "Subscribe", "subscribeRoomOauth2"},
	{"astro/server", &astro.Provider, "server", "ChannelTipsMessage", "tipCompleted"},
	{"dlive/client", &dlive.Provider, "client", "Start", "seed-stream-messages"},
	{"dlive/server", &dlive.Provider, "server", "Data", "seed-chat-text"},
	{"neuro/client", &neuro.Provider, "client", "AddEvent", "addEventStreamOnline"},
	{"neuro/server", &neuro.Provider, "server", "Event", "eventSubathonUpdate"},
	{"octave/client", &octave.Provider, "client", "SubscribeByPath", "subscribe-device-stream-path"},
	{"octave/server", &octave.Provider, "server", "EventMessage", "event-with-sensor-values"},
}

// decoded decodes the case's example, checking that it is valid and that
// both encoders agree on it.
func (bc benchCase) decoded(tb testing.TB) wire.Message {
	tb.Helper()
	for _, ex := range bc.p.Examples {
		if ex.Message != bc.message || ex.Name != bc.example {
			continue
		}
		r := bc.p.Codec(bc.dir).Check([]byte(ex.JSON), false)
		if !r.Valid() || r.Name != bc.message {
			tb.Fatalf("%s: example %s decodes as %q: %v %v", bc.name, ex.Name, r.Name, r.Syntax, r.Violations)
		}
		got, err := wire.Marshal(r.Message.(wire.JSONAppender))
		want, werr := json.Marshal(r.Message)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			tb.Fatalf("%s: generated %s (%v), json.Marshal %s (%v)", bc.name, got, err, want, werr)
		}
		return r.Message
	}
	tb.Fatalf("%s: no example %s/%s", bc.name, bc.message, bc.example)
	return nil
}

// BenchmarkEncode sets, per provider and direction, the generated
// encoder against json.Marshal on the same message:
//
//   - generated: AppendJSON into a reused buffer;
//   - wire.Marshal: what the send path (wire.Encode) does, a pooled
//     buffer copied into a slice of its own;
//   - json.Marshal: encoding/json by reflection, the send path before.
func BenchmarkEncode(b *testing.B) {
	for _, bc := range benchCases {
		m := bc.decoded(b)
		a := m.(wire.JSONAppender)
		size, _ := a.AppendJSON(nil)
		b.Run(bc.name+"/generated", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(size)))
			buf := make([]byte, 0, 4096)
			for b.Loop() {
				out, err := a.AppendJSON(buf[:0])
				if err != nil {
					b.Fatal(err)
				}
				buf = out
			}
		})
		b.Run(bc.name+"/wire.Marshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(size)))
			for b.Loop() {
				if _, err := wire.Marshal(a); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/json.Marshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(size)))
			for b.Loop() {
				if _, err := json.Marshal(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
