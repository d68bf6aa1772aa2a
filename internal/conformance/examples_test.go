package conformance

import (
	"strings"
	"testing"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/schemacheck"
)

// TestEveryExampleDecodesAsItsMessageAndBothValidatorsAccept holds each
// spec example to three things: the generated decoder picks the example's
// own message, the generated validators find nothing wrong, and the
// interpreted JSON Schema agrees.
func TestEveryExampleDecodesAsItsMessageAndBothValidatorsAccept(t *testing.T) {
	for _, p := range generated.Providers {
		sc, err := schemacheck.New(p.Schema)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Examples) == 0 {
			t.Fatalf("%s: no examples", p.Name)
		}
		for _, ex := range p.Examples {
			codec := p.Codec(ex.Direction)
			r := codec.Check([]byte(ex.JSON), true)
			if r.Name != ex.Message || !r.Valid() {
				t.Errorf("%s %s/%s: generated says message %q valid=%v syntax=%v violations=%v", p.Name, ex.Message, ex.Name, r.Name, r.Valid(), r.Syntax, r.Violations)
			}
			vs, err := sc.Validate(dirDef(ex.Direction), []byte(ex.JSON))
			if err != nil || len(vs) > 0 {
				t.Errorf("%s %s/%s: jsonschema says %v %v", p.Name, ex.Message, ex.Name, err, vs)
			}
		}
	}
}

func dirDef(direction string) string {
	if direction == "client" {
		return "ClientMessage"
	}
	return "ServerMessage"
}

// TestDuplicateKeysAreJudgedByTheLastOccurrence: encoding/json, and so the
// interpreted schema, keeps the last value of a repeated key; the generated
// decoders must judge the same value.
func TestDuplicateKeysAreJudgedByTheLastOccurrence(t *testing.T) {
	cases := []struct {
		provider, dir, frame string
		valid                bool
	}{
		{"octave", "client", `{"msgId":"a","object":"event","type":"subscribe","streamId":5,"streamId":"s53b1d1600cf27b75148de0ac"}`, true},
		{"octave", "client", `{"msgId":"a","object":"event","type":"subscribe","streamId":"s53b1d1600cf27b75148de0ac","streamId":5}`, false},
		{"neuro", "server", `{"type":"welcome","data":{"sessionId":1},"data":{"sessionId":"a1b2c3d4"}}`, true},
		{"neuro", "server", `{"type":"welcome","data":{"sessionId":"a1b2c3d4","extra":1},"data":{}}`, false},
	}
	for _, c := range cases {
		p := generated.Lookup(c.provider)
		r := p.Codec(c.dir).Check([]byte(c.frame), false)
		sc, _ := schemacheck.New(p.Schema)
		vs, err := sc.Validate(dirDef(c.dir), []byte(c.frame))
		if err != nil {
			t.Fatal(err)
		}
		if r.Valid() != c.valid || (len(vs) == 0) != c.valid {
			t.Errorf("%s: generated valid=%v %v, jsonschema valid=%v %v, want %v", c.frame, r.Valid(), r.Violations, len(vs) == 0, vs, c.valid)
		}
	}
}

// TestRepeatedDiscriminatorsSelectByTheLastOccurrence: look-aheads stop at
// the first occurrence of a discriminator and the frame is decoded again
// when a key repeats, so a repeated discriminator must still select what
// encoding/json's last-wins reading selects.
func TestRepeatedDiscriminatorsSelectByTheLastOccurrence(t *testing.T) {
	ex := func(provider, message, name string) string {
		for _, e := range generated.Lookup(provider).Examples {
			if e.Message == message && e.Name == name {
				return e.JSON
			}
		}
		t.Fatalf("%s: no example %s/%s", provider, message, name)
		return ""
	}
	chat := ex("dlive", "Data", "seed-chat-text")
	subathon := ex("neuro", "Event", "eventSubathonUpdate")
	octaveEvent := ex("octave", "EventMessage", "event-with-sensor-values")
	cases := []struct {
		provider, frame string
		name            string // message the generated decoder must pick
		want            string // "valid", "invalid", or "" when only the two verdicts must agree
	}{
		// Union inside an array, discriminator first: the later one wins.
		{"dlive", strings.Replace(chat, `"__typename":"ChatText"`, `"__typename":"ChatGift","__typename":"ChatText"`, 1), "Data", "valid"},
		{"dlive", strings.Replace(chat, `"__typename":"ChatText"`, `"__typename":"ChatText","__typename":"ChatGift"`, 1), "Data", ""},
		{"dlive", strings.Replace(chat, `"__typename":"ChatText"`, `"__typename":"ChatNope","__typename":"ChatText"`, 1), "Data", "valid"},
		// Top-level discriminator, first and last.
		{"dlive", `{"type":"bogus",` + chat[1:], "Data", "valid"},
		{"dlive", chat[:len(chat)-1] + `,"type":"ka"}`, "Ka", ""},
		{"neuro", `{"type":"welcome",` + subathon[1:], "Event", "valid"},
		{"neuro", strings.Replace(subathon, `"eventType":"subathonUpdate"`, `"eventType":"streamOnline","eventType":"subathonUpdate"`, 1), "Event", "valid"},
		{"neuro", strings.Replace(subathon, `"eventType":"subathonUpdate"`, `"eventType":"subathonUpdate","eventType":"streamOnline"`, 1), "Event", ""},
		// Presence keys: a frame with both matches neither.
		{"octave", `{"head":{"msgId":"a","ok":true},` + octaveEvent[1:], "", "invalid"},
		{"octave", octaveEvent[:len(octaveEvent)-1] + `,"head":{"msgId":"a","ok":true}}`, "", "invalid"},
		{"octave", `{"type":"message",` + octaveEvent[1:], "EventMessage", "valid"},
	}
	for _, c := range cases {
		p := generated.Lookup(c.provider)
		r := p.Server.Check([]byte(c.frame), false)
		sc, _ := schemacheck.New(p.Schema)
		vs, err := sc.Validate("ServerMessage", []byte(c.frame))
		if err != nil || r.Syntax != nil {
			t.Fatalf("%s: %v %v", c.frame, err, r.Syntax)
		}
		if r.Valid() != (len(vs) == 0) || (c.want != "" && r.Valid() != (c.want == "valid")) {
			t.Errorf("%s: generated valid=%v %v, jsonschema valid=%v %v, want %q", c.frame, r.Valid(), r.Violations, len(vs) == 0, vs, c.want)
		}
		if r.Name != c.name {
			t.Errorf("%s: decoded as %q, want %q", c.frame, r.Name, c.name)
		}
	}
}
