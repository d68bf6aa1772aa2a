package ir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/gen/spec"
)

func TestParseSubjectTemplate(t *testing.T) {
	parts, err := ParseSubjectTemplate("tips.{/room}.{/data/a~1b}")
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 || parts[0].Literal != "tips" || parts[1].Pointer != "/room" || parts[2].Pointer != "/data/a~1b" {
		t.Fatalf("parts: %+v", parts)
	}
	for _, bad := range []string{"", " ", "a..b", "{room}", "{/}", "a.*", "a.>", "{/a b}", "{/a~2}", "é"} {
		if _, err := ParseSubjectTemplate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSanitizeToken(t *testing.T) {
	for in, want := range map[string]string{"channel.tips": "channel_tips", "": "_", "unknown topic": "unknown_topic", "EventMessage": "EventMessage"} {
		if got := SanitizeToken(in); got != want {
			t.Errorf("SanitizeToken(%q) = %q, want %q", in, got, want)
		}
	}
}

// The provider specs carry the bridge extensions the README promises.
func TestBridgeRulesOfTheSpecs(t *testing.T) {
	want := map[string]BridgeRule{
		"astro/ChannelTipsMessage": {Token: "channel_tips", Template: "{/room}", Dedupe: "/id"},
		"octave/EventMessage":      {Token: "EventMessage", Template: "{/resource}", Dedupe: "/value/id"},
		"dlive/Data":               {Token: "data", Dedupe: "/payload/data/streamMessageReceived/0/id"},
		"neuro/Event":              {Token: "event", Template: "{/data/eventType}"},
	}
	for key, w := range want {
		provider, msg, _ := strings.Cut(key, "/")
		doc, err := spec.Load(spec.NewLoader(), filepath.Join("..", "..", "specs", provider+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		rules, err := BridgeRules(doc)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rules {
			if r.Message == msg {
				found = true
				if r.Token != w.Token || r.Template != w.Template || r.Dedupe != w.Dedupe {
					t.Errorf("%s: %+v, want %+v", key, r, w)
				}
			}
		}
		if !found {
			t.Errorf("%s: no rule", key)
		}
	}
}

// A bad x-wsbind-subject fails the build with its location.
func TestBadSubjectExtension(t *testing.T) {
	dir := t.TempDir()
	doc := `asyncapi: 3.0.0
info: {title: T, version: "1"}
channels:
  c:
    address: /
    messages:
      M:
        $ref: '#/components/messages/M'
operations:
  recv:
    action: send
    channel: {$ref: '#/channels/c'}
components:
  messages:
    M:
      x-wsbind-subject: "{room}"
      payload: {type: object, properties: {room: {type: string}}}
`
	p := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := BuildLoaded(spec.Load(spec.NewLoader(), p))
	if err == nil || !strings.Contains(err.Error(), "x-wsbind-subject") || !strings.Contains(err.Error(), "t.yaml") {
		t.Fatalf("err = %v", err)
	}
}
