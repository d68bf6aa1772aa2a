package anchors

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	jsonschemav5 "github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/wire"
)

var ctx = context.Background()

func example(tb testing.TB, p *wire.Provider, message, name string) []byte {
	tb.Helper()
	for _, ex := range p.Examples {
		if ex.Message == message && ex.Name == name {
			return []byte(ex.JSON)
		}
	}
	tb.Fatalf("%s: no example %s/%s", p.Name, message, name)
	return nil
}

// sortKeys re-encodes frame with every object's keys in order (numbers
// kept exact).
func sortKeys(tb testing.TB, frame []byte) []byte {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out) // encoding/json writes map keys sorted
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatal(err)
	}
	return bytes.TrimRight(out.Bytes(), "\n")
}

// decoder is one way to read a frame. Each returns an error for a frame it
// does not accept.
type decoder struct {
	name string
	read func(frame []byte) error
}

// frameCase is one typical server frame per provider with every way to
// read it, in the order each round runs them.
type frameCase struct {
	name    string
	message string // the dispatched message, whose definition (b) checks
	p       *wire.Provider
	frame   []byte
	// plainStrict decodes frame into the plain struct rejecting unknown
	// fields (TestPlainStructsCoverTheFrames).
	plainStrict func(frame []byte) error
	decoders    []decoder
}

// plain decodes into a fresh plain struct T with unmarshal, no validation.
func plain[T any](unmarshal func([]byte, any) error) func([]byte) error {
	return func(f []byte) error {
		var m T
		return unmarshal(f, &m)
	}
}

// plainReuse is plain decoding into one plain struct kept across frames,
// reset to its zero value before each, as a user reusing memory would (the
// counterpart of the generated reusing decoder): encoding/json semantics
// would otherwise merge maps and keep fields the frame lacks.
func plainReuse[T any](unmarshal func([]byte, any) error) func([]byte) error {
	m := new(T)
	return func(f []byte) error {
		var zero T
		*m = zero
		return unmarshal(f, m)
	}
}

// generatedPaths returns the generated Decode + Validate + Dispatch of one
// provider: one-shot (decode, the provider's DecodeServerMessage) and with
// the reusing decoder (reuse, a ServerMessageDecoder's Decode).
func generatedPaths[M interface{ Validate() error }](decode, reuse func([]byte) (M, error), dispatch func(context.Context, M)) (one, again func([]byte) error) {
	path := func(dec func([]byte) (M, error)) func([]byte) error {
		return func(f []byte) error {
			m, err := dec(f)
			if err != nil {
				return err
			}
			if err := m.Validate(); err != nil {
				return err
			}
			dispatch(ctx, m)
			return nil
		}
	}
	return path(decode), path(reuse)
}

func strict[T any](f []byte) error {
	dec := json.NewDecoder(bytes.NewReader(f))
	dec.DisallowUnknownFields()
	var m T
	return dec.Decode(&m)
}

// interpreted is anchor (b): sonic into any, a switch on the discriminator
// as a user would write it, then the dispatched message's own definition
// in the provider's bundle. validate is v6's or v5's Schema.Validate.
func interpreted(pick func(map[string]any) string, validate map[string]func(any) error) func([]byte) error {
	return func(f []byte) error {
		var v any
		if err := sonic.ConfigDefault.Unmarshal(f, &v); err != nil {
			return err
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("not an object")
		}
		check, ok := validate[pick(obj)]
		if !ok {
			return fmt.Errorf("no message matched")
		}
		return check(v)
	}
}

// bundleID reads a bundle's $id.
func bundleID(tb testing.TB, bundle []byte) string {
	var head struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(bundle, &head); err != nil || head.ID == "" {
		tb.Fatalf("bundle $id: %v", err)
	}
	return head.ID
}

// v6 compiles definitions/<message> of bundle with jsonschema v6 (draft 7,
// whose formats it asserts by default).
func v6(tb testing.TB, bundle []byte, message string) map[string]func(any) error {
	tb.Helper()
	id := bundleID(tb, bundle)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(bundle))
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource(id, doc); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile(id + "#/definitions/" + message)
	if err != nil {
		tb.Fatal(err)
	}
	return map[string]func(any) error{message: s.Validate}
}

// v5 is the same with jsonschema v5.
func v5(tb testing.TB, bundle []byte, message string) map[string]func(any) error {
	tb.Helper()
	id := bundleID(tb, bundle)
	c := jsonschemav5.NewCompiler()
	c.Draft = jsonschemav5.Draft7
	if err := c.AddResource(id, bytes.NewReader(bundle)); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile(id + "#/definitions/" + message)
	if err != nil {
		tb.Fatal(err)
	}
	return map[string]func(any) error{message: s.Validate}
}

// anchorsFor builds the generated paths, g (one-shot) and reuse (the
// reusing decoder), and the plain and interpreted anchors of one case.
func anchorsFor[T any](tb testing.TB, bundle []byte, message string, pick func(map[string]any) string, g, reuse func([]byte) error) []decoder {
	return []decoder{
		{"generated", g},
		{"generated-reuse", reuse},
		{"a-encoding-json", plain[T](json.Unmarshal)},
		{"a2-sonic-std", plain[T](sonic.ConfigStd.Unmarshal)},
		{"a2-sonic-std-reuse", plainReuse[T](sonic.ConfigStd.Unmarshal)},
		{"a2-sonic-default", plain[T](sonic.ConfigDefault.Unmarshal)},
		{"a3-goccy", plain[T](gojson.Unmarshal)},
		{"b-sonic-jsonschema-v6", interpreted(pick, v6(tb, bundle, message))},
		{"b-sonic-jsonschema-v5", interpreted(pick, v5(tb, bundle, message))},
	}
}

func cases(tb testing.TB) []frameCase {
	var astroD astro.ServerDispatcher
	var tips int
	astroD.OnChannelTipsMessage(func(context.Context, *astro.ChannelTipsMessage) { tips++ })
	var astroR astro.ServerMessageDecoder
	astroOne, astroReuse := generatedPaths(astro.DecodeServerMessage, astroR.Decode, astroD.Dispatch)

	var dliveD dlive.ServerDispatcher
	var texts int
	dliveD.OnChatText(func(context.Context, *dlive.Data, *dlive.ChatText) { texts++ })
	var dliveR dlive.ServerMessageDecoder
	dliveOne, dliveReuse := generatedPaths(dlive.DecodeServerMessage, dliveR.Decode, dliveD.Dispatch)

	var neuroD neuro.ServerDispatcher
	var subathons int
	neuroD.OnSubathonUpdateEvent(func(context.Context, *neuro.Event, *neuro.SubathonUpdateEvent) { subathons++ })
	var neuroR neuro.ServerMessageDecoder
	neuroOne, neuroReuse := generatedPaths(neuro.DecodeServerMessage, neuroR.Decode, neuroD.Dispatch)

	var octaveD octave.ServerDispatcher
	var events int
	octaveD.OnEventMessage(func(context.Context, *octave.EventMessage) { events++ })
	var octaveR octave.ServerMessageDecoder
	octaveOne, octaveReuse := generatedPaths(octave.DecodeServerMessage, octaveR.Decode, octaveD.Dispatch)

	typeIs := func(want, message string) func(map[string]any) string {
		return func(m map[string]any) string {
			if m["type"] == want {
				return message
			}
			return ""
		}
	}

	return []frameCase{
		{
			name: "astro", message: "ChannelTipsMessage", p: &astro.Provider,
			frame:       example(tb, &astro.Provider, "ChannelTipsMessage", "tipCompleted"),
			plainStrict: strict[astroTipsMessage],
			decoders: anchorsFor[astroTipsMessage](tb, astro.Schema(), "ChannelTipsMessage",
				func(m map[string]any) string {
					if m["type"] == "message" && m["topic"] == "channel.tips" {
						return "ChannelTipsMessage"
					}
					return ""
				},
				astroOne, astroReuse),
		},
		{
			name: "dlive", message: "Data", p: &dlive.Provider,
			frame:       example(tb, &dlive.Provider, "Data", "seed-chat-text"),
			plainStrict: strict[dliveData],
			decoders: anchorsFor[dliveData](tb, dlive.Schema(), "Data", typeIs("data", "Data"),
				dliveOne, dliveReuse),
		},
		{
			name: "neuro", message: "Event", p: &neuro.Provider,
			frame:       example(tb, &neuro.Provider, "Event", "eventSubathonUpdate"),
			plainStrict: strict[neuroEvent],
			decoders: anchorsFor[neuroEvent](tb, neuro.Schema(), "Event", typeIs("event", "Event"),
				neuroOne, neuroReuse),
		},
		{
			name: "octave", message: "EventMessage", p: &octave.Provider,
			frame:       example(tb, &octave.Provider, "EventMessage", "event-with-sensor-values"),
			plainStrict: strict[octaveEventMessage],
			decoders: anchorsFor[octaveEventMessage](tb, octave.Schema(), "EventMessage", typeIs("message", "EventMessage"),
				octaveOne, octaveReuse),
		},
	}
}

// TestBenchmarkFramesAreTypicalAndHandled keeps the benchmarks honest: each
// frame is 300 to 600 bytes, and every decoder, the generated one
// dispatching to its typed handler, accepts it in both key orders.
func TestBenchmarkFramesAreTypicalAndHandled(t *testing.T) {
	for _, c := range cases(t) {
		if n := len(c.frame); n < 300 || n > 600 {
			t.Errorf("%s: frame is %d bytes, want 300 to 600", c.name, n)
		}
		for _, f := range [][]byte{c.frame, sortKeys(t, c.frame)} {
			for _, d := range c.decoders {
				if err := d.read(f); err != nil {
					t.Errorf("%s/%s: %v", c.name, d.name, err)
				}
			}
		}
	}
}

// TestPlainStructsCoverTheFrames holds every member of each frame to a
// field of its plain struct: a plain struct that skipped members would
// make the anchors faster than a fair user's code.
func TestPlainStructsCoverTheFrames(t *testing.T) {
	for _, c := range cases(t) {
		if err := c.plainStrict(c.frame); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestValidatingDecodersRejectABadMember checks that the generated path
// and both (b) anchors do validate, date-time formats included: each frame
// with one member made invalid deep in the message is refused.
func TestValidatingDecodersRejectABadMember(t *testing.T) {
	bad := map[string][2]string{
		"astro":  {`"createdAt":"2025-02-19T15:07:09.302Z"`, `"createdAt":"2025-02-19 15:07"`},
		"dlive":  {`"subscribing":false`, `"subscribing":"no"`},
		"neuro":  {`"isActive":true`, `"isActive":1`},
		"octave": {`"creationDate":1700000042512`, `"creationDate":"1700000042512"`},
	}
	for _, c := range cases(t) {
		r := bad[c.name]
		if !bytes.Contains(c.frame, []byte(r[0])) {
			t.Fatalf("%s: frame lacks %s", c.name, r[0])
		}
		f := bytes.Replace(c.frame, []byte(r[0]), []byte(r[1]), 1)
		for _, d := range c.decoders {
			if strings.HasPrefix(d.name, "generated") || d.name[0] == 'b' {
				if err := d.read(f); err == nil {
					t.Errorf("%s/%s accepts %s", c.name, d.name, r[1])
				}
			}
		}
	}
}

// TestReusingDecoderAllocatesAtMostTwice holds the reusing decoder to issue
// 14's budget of two allocations per frame (Decode + Validate + Dispatch),
// on every provider in both key orders, once its memory is warm.
func TestReusingDecoderAllocatesAtMostTwice(t *testing.T) {
	for _, c := range cases(t) {
		for _, f := range [][]byte{c.frame, sortKeys(t, c.frame)} {
			for _, d := range c.decoders {
				if d.name != "generated-reuse" {
					continue
				}
				var err error
				n := testing.AllocsPerRun(50, func() { err = d.read(f) })
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if n > 2 {
					t.Errorf("%s: %v allocations per frame, want at most 2", c.name, n)
				}
			}
		}
	}
}
