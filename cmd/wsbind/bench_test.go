package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/schemacheck"
	"github.com/wsbind/wsbind/runtime/wire"
)

// captureSize is the size each provider's benchmark capture grows to.
const captureSize = 512 << 10

type benchCapture struct {
	provider *wire.Provider
	path     string
	lines    [][]byte
}

// bigCaptures repeats each provider's sample capture (every spec example,
// both directions) to captureSize bytes of JSONL.
func bigCaptures(b *testing.B) (caps []benchCapture, size int64, frames int) {
	dir := b.TempDir()
	for _, p := range generated.Providers {
		sample, err := os.ReadFile(filepath.Join("..", "..", "testdata", "captures", p.Name+".jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		lines := bytes.Split(bytes.TrimSpace(sample), []byte("\n"))
		var buf bytes.Buffer
		var kept [][]byte
		for buf.Len() < captureSize {
			for _, l := range lines {
				buf.Write(l)
				buf.WriteByte('\n')
				kept = append(kept, l)
			}
		}
		path := filepath.Join(dir, p.Name+".jsonl")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		caps = append(caps, benchCapture{p, path, kept})
		size += int64(buf.Len())
		frames += len(kept)
	}
	return caps, size, frames
}

// BenchmarkValidateCommand runs `wsbind validate --provider P FILE` over a
// large JSONL capture per provider (reading, decoding, validating, drift
// and text report to io.Discard) against the baseline of santhosh-tekuri
// jsonschema validating the same frames after encoding/json decoding.
// Both report MB/s of capture and frames/s.
func BenchmarkValidateCommand(b *testing.B) {
	caps, size, frames := bigCaptures(b)
	b.Run("wsbind-validate", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range caps {
				if code := runValidate([]string{"--provider", c.provider.Name, c.path}, io.Discard, io.Discard); code != 0 {
					b.Fatalf("%s: exit %d", c.provider.Name, code)
				}
			}
		}
		b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	})
	b.Run("jsonschema", func(b *testing.B) {
		type defs struct{ server, client *jsonschema.Schema }
		schemas := map[*wire.Provider]defs{}
		for _, c := range caps {
			sc, err := schemacheck.New(c.provider.Schema)
			if err != nil {
				b.Fatal(err)
			}
			var d defs
			if d.server, err = sc.Definition("ServerMessage"); err != nil {
				b.Fatal(err)
			}
			if d.client, err = sc.Definition("ClientMessage"); err != nil {
				b.Fatal(err)
			}
			schemas[c.provider] = d
		}
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range caps {
				d := schemas[c.provider]
				for _, l := range c.lines {
					var env struct{ Type, Data string }
					if err := json.Unmarshal(l, &env); err != nil {
						b.Fatal(err)
					}
					s := d.server
					if env.Type == "send" {
						s = d.client
					}
					v, err := schemacheck.Decode([]byte(env.Data))
					if err != nil {
						b.Fatal(err)
					}
					if vs := schemacheck.ValidateValue(s, v); len(vs) > 0 {
						b.Fatalf("%s: %v", c.provider.Name, vs)
					}
				}
			}
		}
		b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	})
}
