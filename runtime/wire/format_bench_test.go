package wire

import (
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// BenchmarkFormats compares the byte-level checks (new) with the ones they
// replace (old: time.Parse, strconv.Atoi and url.Parse, kept in
// format_old_test.go) and with jsonschema's, on typical values and an
// invalid one. time.Parse(RFC3339Nano) alone is there for scale.
func BenchmarkFormats(b *testing.B) {
	type check struct {
		name string
		f    func(string) bool
	}
	ref := func(name string) check {
		f := jsonschema.Formats[name]
		return check{"jsonschema", func(s string) bool { return f(s) }}
	}
	dateTime := []check{
		{"new", IsDateTime}, {"old", oldIsDateTime}, ref("date-time"),
		{"time.Parse", func(s string) bool { _, err := time.Parse(time.RFC3339Nano, s); return err == nil }},
	}
	uri := []check{{"new", IsURI}, {"old", oldIsURI}, ref("uri")}
	for _, c := range []struct {
		name, in string
		valid    bool
		checks   []check
	}{
		{"date-time", "2024-02-15T14:52:41.608Z", true, dateTime},
		{"date-time-invalid", "2024-02-30T14:52:41.608Z", false, dateTime},
		{"uri", "https://images.prd.dlivecdn.com/avatar/default22.png", true, uri},
		{"uri-ipv6", "http://[2001:db8::1]:8080/x?y#z", true, uri},
	} {
		for _, k := range c.checks {
			if k.name != "time.Parse" && k.f(c.in) != c.valid {
				b.Fatalf("%s %s(%q) != %v", k.name, c.name, c.in, c.valid)
			}
			b.Run(c.name+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					k.f(c.in)
				}
			})
		}
	}
}
