package rules

import (
	"strings"
	"testing"
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
