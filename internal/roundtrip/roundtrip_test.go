package roundtrip

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/internal/openset/openset"
	"github.com/wsbind/wsbind/internal/suite/integers"
	"github.com/wsbind/wsbind/internal/suite/random"
	"github.com/wsbind/wsbind/internal/suite/randschema"
	"github.com/wsbind/wsbind/internal/suite/shapes"
	"github.com/wsbind/wsbind/runtime/wire"
)

// rawType is json.RawMessage, which the comparison holds to JSON
// equality: encoding compacts it, as encoding/json does.
var rawType = reflect.TypeFor[json.RawMessage]()

// cmpOpts compare two decodings of one message. They leave out what
// records the frame rather than the message: the unexported raw frame of
// a message, and the json:"-" Raw of the catch-all struct of an open
// union (the object as received; its encoding writes the declared fields,
// which are compared). Raw JSON compares compacted; wire.Integer by its
// Equal method.
var cmpOpts = cmp.Options{
	cmp.Exporter(func(reflect.Type) bool { return true }),
	cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		if !ok {
			return false
		}
		if sf.Name() == "raw" {
			return true
		}
		parent := p.Index(-2).Type()
		if parent.Kind() != reflect.Struct {
			return false
		}
		f := parent.Field(sf.Index())
		return f.Type == rawType && f.Tag.Get("json") == "-"
	}, cmp.Ignore()),
	cmp.Comparer(func(a, b json.RawMessage) bool {
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		ca, errA := wire.AppendCompact(nil, a)
		cb, errB := wire.AppendCompact(nil, b)
		return errA == nil && errB == nil && bytes.Equal(ca, cb)
	}),
}

// oracle is what json.Marshal, by reflection, writes for m. A message
// whose payload is not an object (it has MarshalJSON, which calls the
// generated encoder, and a Value field) is held to json.Marshal of its
// Value.
func oracle(m wire.Message) ([]byte, error) {
	if _, ok := m.(json.Marshaler); ok {
		v := reflect.ValueOf(m).Elem()
		if v.Kind() == reflect.Struct {
			if f := v.FieldByName("Value"); f.IsValid() {
				return json.Marshal(f.Interface())
			}
		}
	}
	return json.Marshal(m)
}

// outcome tells what roundTrip could check of a frame.
type outcome int

const (
	malformed outcome = iota // not JSON: nothing to encode
	invalid                  // decoded with violations: compared, not required valid
	valid                    // valid, and its encoding found valid too
)

// roundTrip decodes frame with c and checks its encoding as the package
// doc says.
func roundTrip(t testing.TB, c *wire.Codec, frame []byte) outcome {
	t.Helper()
	return roundTripAt(t, c, frame, 0)
}

// roundTripAt is roundTrip on the depth-th encoding of a frame.
func roundTripAt(t testing.TB, c *wire.Codec, frame []byte, depth int) outcome {
	t.Helper()
	r1 := c.Check(frame, false)
	if r1.Syntax != nil {
		return malformed
	}
	m1 := r1.Message
	a, ok := m1.(wire.JSONAppender)
	if !ok {
		t.Fatalf("%T has no AppendJSON", m1)
	}
	enc, err := a.AppendJSON(nil)
	want, werr := oracle(m1)
	if (err == nil) != (werr == nil) {
		t.Fatalf("frame %q as %T: AppendJSON error %v, json.Marshal error %v", frame, m1, err, werr)
	}
	if err != nil {
		// Only a raw value that is not JSON fails, and a decoded frame
		// holds none.
		t.Fatalf("frame %q as %T: AppendJSON: %v", frame, m1, err)
	}
	if !bytes.Equal(enc, want) {
		t.Fatalf("frame %q as %T:\n AppendJSON   %s\n json.Marshal %s", frame, m1, enc, want)
	}
	if sent, err := wire.Encode(context.Background(), m1, wire.Off, nil); err != nil || !bytes.Equal(sent, enc) {
		t.Fatalf("frame %q as %T: wire.Encode gives %s, %v; AppendJSON %s", frame, m1, sent, err, enc)
	}

	r2 := c.Check(enc, false)
	if r2.Syntax != nil {
		t.Fatalf("frame %q as %T encodes to %s, which is malformed: %v", frame, m1, enc, r2.Syntax)
	}
	if r1.Valid() && !r2.Valid() {
		t.Fatalf("frame %q is valid as %s; its encoding %s is not, as %s: %v", frame, r1.Name, enc, r2.Name, r2.Violations)
	}
	if r2.Name != r1.Name {
		t.Fatalf("frame %q decodes as %q; its encoding %s as %q", frame, r1.Name, enc, r2.Name)
	}
	// A valid frame comes back the same. One with violations need not: a
	// value of the wrong type decodes to its zero value, which encodes as
	// such. Invalid UTF-8 cannot come back either: the encoder writes it
	// as U+FFFD, as encoding/json does. Both are still held to the
	// stability check below.
	if r1.Valid() && utf8.Valid(frame) {
		if diff := cmp.Diff(m1, r2.Message, cmpOpts); diff != "" {
			t.Fatalf("frame %q as %T encodes to %s, which decodes to a different message (-first +second):\n%s", frame, m1, enc, diff)
		}
	}
	if !utf8.Valid(frame) && depth < 2 {
		// The first encoding replaces invalid UTF-8 in strings with the
		// escape \ufffd, and the second writes U+FFFD as it is (as
		// encoding/json does); raw JSON keeps its bytes. From the third
		// on, the encoding is stable: hold it to the checks.
		return roundTripAt(t, c, enc, depth+1)
	}
	if again, err := r2.Message.(wire.JSONAppender).AppendJSON(nil); err != nil || !bytes.Equal(again, enc) {
		t.Fatalf("frame %q: encoding is not stable:\n first  %s\n second %s (%v)", frame, enc, again, err)
	}
	if r1.Valid() {
		return valid
	}
	return invalid
}

// captures returns the frames of testdata/captures/<name>.jsonl that went
// in direction dir.
func captures(t testing.TB, name, dir string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "captures", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{"client": "send", "server": "receive"}[dir]
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct{ Type, Data string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line.Type == want {
			out = append(out, []byte(line.Data))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func examples(p *wire.Provider, dir string) [][]byte {
	var out [][]byte
	for _, ex := range p.Examples {
		if ex.Direction == dir {
			out = append(out, []byte(ex.JSON))
		}
	}
	return out
}

// TestExamplesRoundTrip runs every example of every package wsbind-gen
// writes in this repository, and every captured frame: all are valid, and
// so are their encodings.
func TestExamplesRoundTrip(t *testing.T) {
	providers := append([]*wire.Provider{}, generated.Providers...)
	providers = append(providers, &openset.Provider, &shapes.Provider, &integers.Provider, &random.Provider)
	for _, p := range providers {
		for _, dir := range []string{"server", "client"} {
			t.Run(p.Name+"/"+dir, func(t *testing.T) {
				frames := examples(p, dir)
				if _, err := os.Stat(filepath.Join("..", "..", "testdata", "captures", p.Name+".jsonl")); err == nil {
					frames = append(frames, captures(t, p.Name, dir)...)
				}
				for _, fr := range frames {
					if got := roundTrip(t, p.Codec(dir), fr); got != valid {
						t.Errorf("example %s is not valid (%d)", fr, got)
					}
				}
			})
		}
	}
}

// TestRandomSchemasRoundTrip round-trips every instance of the 300
// random schemas internal/suite/random was generated from: a wide spread
// of shapes (nullable, wide integers, unions by type, nested arrays).
func TestRandomSchemasRoundTrip(t *testing.T) {
	counts := map[outcome]int{}
	for _, s := range randschema.Schemas(1, 300) {
		for _, inst := range randschema.Instances(1, s, 24) {
			frame := fmt.Appendf(nil, `{"k":"m%d","v":%s}`, s.Index, inst)
			counts[roundTrip(t, &random.ServerCodec, frame)]++
		}
	}
	t.Logf("%d valid, %d invalid, %d malformed", counts[valid], counts[invalid], counts[malformed])
	if counts[valid] == 0 || counts[invalid] == 0 {
		t.Fatal("the instances test nothing")
	}
}

// TestBuiltInCode encodes values built in code the way json.Marshal
// does, including what no decoded frame holds.
func TestBuiltInCode(t *testing.T) {
	for _, m := range []wire.Message{
		astro.NewSubscribe(),
		&astro.Subscribe{},
		dlive.NewStart(),
		neuro.NewAddEvent(),
		octave.NewSubscribeByPath(),
		&astro.UnknownClientMessage{Unknown: wire.Unknown{Raw: json.RawMessage(" {\"a\" : \"<&>\u2028\" } ")}},
	} {
		got, err := wire.Marshal(m.(wire.JSONAppender))
		want, werr := json.Marshal(m)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			t.Errorf("%T: wire.Marshal %s (%v), json.Marshal %s (%v)", m, got, err, want, werr)
		}
	}
	// An Unknown with no frame is an error for both.
	if _, err := wire.Marshal(&astro.UnknownClientMessage{}); err == nil {
		t.Error("empty Unknown: no error")
	}
	if _, err := json.Marshal(&astro.UnknownClientMessage{}); err == nil {
		t.Error("empty Unknown: json.Marshal gives no error")
	}
}

func fuzzTarget(f *testing.F, p *wire.Provider, dir string) {
	for _, fr := range examples(p, dir) {
		f.Add(fr)
	}
	for _, fr := range captures(f, p.Name, dir) {
		f.Add(fr)
	}
	c := p.Codec(dir)
	f.Fuzz(func(t *testing.T, frame []byte) {
		roundTrip(t, c, frame)
	})
}

func FuzzRoundTripAstroServer(f *testing.F)  { fuzzTarget(f, &astro.Provider, "server") }
func FuzzRoundTripAstroClient(f *testing.F)  { fuzzTarget(f, &astro.Provider, "client") }
func FuzzRoundTripDliveServer(f *testing.F)  { fuzzTarget(f, &dlive.Provider, "server") }
func FuzzRoundTripDliveClient(f *testing.F)  { fuzzTarget(f, &dlive.Provider, "client") }
func FuzzRoundTripNeuroServer(f *testing.F)  { fuzzTarget(f, &neuro.Provider, "server") }
func FuzzRoundTripNeuroClient(f *testing.F)  { fuzzTarget(f, &neuro.Provider, "client") }
func FuzzRoundTripOctaveServer(f *testing.F) { fuzzTarget(f, &octave.Provider, "server") }
func FuzzRoundTripOctaveClient(f *testing.F) { fuzzTarget(f, &octave.Provider, "client") }
