package bench

import (
	"testing"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/schemacheck"
)

// BenchmarkValidateCapture validates every spec example of every provider
// (in both directions, ~150 frames, ~60 KB) per iteration: the inner loop of
// wsbind validate (Codec.Check with drift) against jsonschema on the same
// frames. MB/s and ns per capture pass come from one run.
func BenchmarkValidateCapture(b *testing.B) {
	type frame struct {
		check func([]byte) bool
		ref   func([]byte) bool
		data  []byte
	}
	var frames []frame
	var size int64
	for _, p := range generated.Providers {
		sc, err := schemacheck.New(p.Schema)
		if err != nil {
			b.Fatal(err)
		}
		for _, dir := range []string{"server", "client"} {
			codec := p.Codec(dir)
			def := "ServerMessage"
			if dir == "client" {
				def = "ClientMessage"
			}
			s, err := sc.Definition(def)
			if err != nil {
				b.Fatal(err)
			}
			for _, ex := range p.Examples {
				if ex.Direction != dir {
					continue
				}
				frames = append(frames, frame{
					check: func(f []byte) bool { r := codec.Check(f, true); return r.Valid() },
					ref: func(f []byte) bool {
						v, err := schemacheck.Decode(f)
						return err == nil && len(schemacheck.ValidateValue(s, v)) == 0
					},
					data: []byte(ex.JSON),
				})
				size += int64(len(ex.JSON))
			}
		}
	}
	b.Run("generated", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range frames {
				if !f.check(f.data) {
					b.Fatal("example invalid")
				}
			}
		}
		b.ReportMetric(float64(len(frames))*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	})
	b.Run("jsonschema", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range frames {
				if !f.ref(f.data) {
					b.Fatal("example invalid")
				}
			}
		}
		b.ReportMetric(float64(len(frames))*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	})
}
