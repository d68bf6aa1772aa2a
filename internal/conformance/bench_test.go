package conformance

import (
	"encoding/json"
	"testing"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/schemacheck"
)

func example(b *testing.B, message, name string) []byte {
	for _, ex := range astro.Examples {
		if ex.Message == message && ex.Name == name {
			return []byte(ex.JSON)
		}
	}
	b.Fatalf("no example %s/%s", message, name)
	return nil
}

// BenchmarkAstroNotification compares, on one typical ~500-byte Astro
// notification, the generated Decode+Validate with encoding/json into the
// same struct (no validation at all) and with the interpreted path
// (encoding/json into any, then jsonschema). Compare ns/op and allocs/op of
// the sub-benchmarks of one run.
func BenchmarkAstroNotification(b *testing.B) {
	frame := example(b, "ChannelTipsMessage", "tipCompleted")
	b.Run("generated-decode-validate", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			m, err := astro.DecodeServerMessage(frame)
			if err != nil {
				b.Fatal(err)
			}
			if err := m.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			var m astro.ChannelTipsMessage
			if err := json.Unmarshal(frame, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-interpreted-jsonschema", func(b *testing.B) {
		sc, err := schemacheck.New(astro.Schema())
		if err != nil {
			b.Fatal(err)
		}
		s, err := sc.Definition("ServerMessage")
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			v, err := schemacheck.Decode(frame)
			if err != nil {
				b.Fatal(err)
			}
			if vs := schemacheck.ValidateValue(s, v); len(vs) > 0 {
				b.Fatal(vs)
			}
		}
	})
}
