package rules

import (
	"strings"
	"testing"

	"github.com/wsbind/wsbind/runtime/wire"
)

func TestBuiltin(t *testing.T) {
	c, err := Builtin("astro", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Lookup("ChannelTipsMessage")
	if m == nil || m.Token != "channel_tips" || len(m.Key) != 1 || strings.Join(m.Key[0].Pointer, "/") != "room" || strings.Join(m.Dedupe, "/") != "id" {
		t.Fatalf("ChannelTipsMessage: %+v", m)
	}
	o, _ := Builtin("octave", nil)
	if m := o.Lookup("EventMessage"); m == nil || strings.Join(m.Dedupe, "/") != "value/id" {
		t.Fatalf("octave EventMessage: %+v", m)
	}
	n, _ := Builtin("neuro", nil)
	if m := n.Lookup("Event"); m == nil || m.Dedupe != nil || len(m.Key) != 1 {
		t.Fatalf("neuro Event: %+v", m)
	}
	c, err = Builtin("astro", map[string]string{"ChannelTipsMessage": "tips.{/data/provider}"})
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Lookup("ChannelTipsMessage"); len(m.Key) != 2 || m.Key[0].Literal != "tips" {
		t.Fatalf("override: %+v", m)
	}
	for _, bad := range []string{"a..b", "{room}", "a.*", "{/a b}", "{/a~2}"} {
		if _, err := Builtin("astro", map[string]string{"ChannelTipsMessage": bad}); err == nil {
			t.Errorf("template %q accepted", bad)
		}
	}
	if _, err := Builtin("twitch", nil); err == nil {
		t.Error("unknown provider accepted")
	}
}

// A provider built at run time brings its own rules: those gen/interp
// read from the document, or, for overrides of messages without one, the
// message's name as its token.
func TestFromProvider(t *testing.T) {
	p := &wire.Provider{
		Name:   "ticker",
		Server: &wire.Codec{Messages: []string{"Welcome", "Tick", "News"}},
		Bridge: []wire.BridgeRule{{Message: "Tick", Token: "tick", Subject: "{/symbol}", Dedupe: "/id"}, {Message: "Welcome", Token: "welcome"}},
	}
	c, err := FromProvider("ticker", p, map[string]string{"News": "n.{/topic}"})
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Lookup("Tick"); m == nil || m.Token != "tick" || len(m.Key) != 1 || strings.Join(m.Dedupe, "/") != "id" {
		t.Errorf("Tick: %+v", m)
	}
	if m := c.Lookup("News"); m == nil || m.Token != "News" || len(m.Key) != 2 || m.Dedupe != nil {
		t.Errorf("News: %+v", m)
	}
	if !c.Dedupes([]string{"Tick"}) || c.Dedupes([]string{"Tick", "News"}) || c.Dedupes(nil) {
		t.Error("Dedupes")
	}
	if _, err := FromProvider("ticker", p, map[string]string{"Quote": "q"}); err == nil || !strings.Contains(err.Error(), `subjects: ticker has no message "Quote"`) {
		t.Errorf("unknown message: %v", err)
	}
	if _, err := FromProvider("ticker", p, map[string]string{"Tick": "{symbol}"}); err == nil {
		t.Error("a bad template accepted")
	}
}
