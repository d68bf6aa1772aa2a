package main

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/wire"
)

// FuzzParseCall feeds arbitrary --call values to every driven provider:
// parsing never panics, an accepted call names one of the provider's
// methods with exactly its parameters, and String gives the same call
// back (it is what record prints and what a user pastes into --call).
func FuzzParseCall(f *testing.F) {
	for _, s := range []string{
		"", " ", "Subscribe channel.tips", `Subscribe channel.tips ""`, `subscribe  channel.tips  ''`,
		`Subscribe "channel.tips" 'a room'`, "Unsubscribe channel.activities room", "Subscribe 'a",
		`Subscribe "it's" 'say "hi"'`, `Subscribe a'b'"c"d`, "SubscribeStream s53b1d1600cf27b75148de0ac",
		"AddEvent streamOnline", "ListEvents", "SubscribeStreamMessages dbl-lee", "Stop 1 2",
		"Subscribe\t\u00a0x\u2028y", "Subscribe \xff\xfe", "Subscribe '\n'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, werr := splitWords(s)
		if werr == nil {
			// Words re-quoted parse back to themselves.
			quoted := make([]string, len(words))
			for i, w := range words {
				if !utf8.ValidString(w) {
					t.Fatalf("splitWords(%q) gave invalid UTF-8 %q", s, w)
				}
				quoted[i] = quoteWord(w)
			}
			again, err := splitWords(strings.Join(quoted, " "))
			if err != nil || !slices.Equal(again, words) {
				t.Fatalf("splitWords(%q) = %q; requoted %q gives %q, %v", s, words, quoted, again, err)
			}
		}
		for _, p := range generated.Providers {
			if p.Driver == nil {
				continue
			}
			c, err := parseCall(p, s)
			if err != nil {
				continue
			}
			if werr != nil {
				t.Fatalf("%s: parseCall(%q) accepted what splitWords refused: %v", p.Name, s, werr)
			}
			i := slices.IndexFunc(p.Driver.Ops, func(o wire.DriverOp) bool { return o.Name == c.op })
			if i < 0 || len(c.args) != len(p.Driver.Ops[i].Params) {
				t.Fatalf("%s: parseCall(%q) = %#v: not a method with its parameters", p.Name, s, c)
			}
			back, err := parseCall(p, c.String())
			if err != nil || back.op != c.op || !slices.Equal(back.args, c.args) {
				t.Fatalf("%s: parseCall(%q) = %#v; its String %q parses to %#v, %v", p.Name, s, c, c.String(), back, err)
			}
		}
	})
}
