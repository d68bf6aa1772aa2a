package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/wire"
)

func providerExample(tb testing.TB, p *wire.Provider, message, name string) []byte {
	for _, ex := range p.Examples {
		if ex.Message == message && ex.Name == name {
			return []byte(ex.JSON)
		}
	}
	tb.Fatalf("%s: no example %s/%s", p.Name, message, name)
	return nil
}

// BenchmarkOptEncodingJSON decodes the Astro channel.tips frame of
// BENCHMARKS.md with encoding/json into the generated struct, whose
// optional fields (some of them objects holding optional fields) are
// wire.Opt.
func BenchmarkOptEncodingJSON(b *testing.B) {
	frame := providerExample(b, &astro.Provider, "ChannelTipsMessage", "tipCompleted")
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		var m astro.ChannelTipsMessage
		if err := json.Unmarshal(frame, &m); err != nil {
			b.Fatal(err)
		}
	}
}
