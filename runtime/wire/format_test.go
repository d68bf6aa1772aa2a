package wire

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

var formatSeeds = []string{
	"2024-12-24T10:00:00Z",
	"2024-02-15T14:52:41.608Z",
	"2024-12-24t10:00:00.123+05:30",
	"2024-12-24T10:00:00.123456789012-00:00",
	"2016-12-31T23:59:60Z",
	"2016-12-31T23:59:60+01:00",
	"2017-01-01T00:59:60+01:00",
	"2016-12-31T22:59:60-01:00",
	"2016-12-31T23:59:60-00:01",
	"2024-02-29T10:00:00Z",
	"2023-02-29T10:00:00Z",
	"2000-02-29T00:00:00Z",
	"1900-02-29T00:00:00Z",
	"0000-02-29T00:00:00Z",
	"2024-04-31T10:00:00Z",
	"2024-02-30T10:00:00Z",
	"2024-00-10T10:00:00Z",
	"2024-13-10T10:00:00Z",
	"2024-12-00T10:00:00Z",
	"2024-12-24T24:00:00Z",
	"2024-12-24T10:60:00Z",
	"2024-12-24T10:00:61Z",
	"2024-12-24T10:00:00.Z",
	"2024-12-24T10:00:00+0530",
	"2024-12-24T10:00:00+24:00",
	"2024-12-24T10:00:00+05:60",
	"2024-12-24T10:00:00z",
	"2024-12-24T10:00:00Zz",
	"2024-12-24 10:00:00Z",
	"2024-12-24T+1:00:00Z",
	"2024-12-24T-0:-0:+0+-0:+0",
	"2024-12-24T-1:00:00Z",
	"+024-12-24T10:00:00Z",
	"2024-1-24T10:00:00Z",
	"2024-12-24T10:00:00,5Z",
	"2024-12-24",
	"10:00:00Z",
	"23:59:60Z",
	"https://images.prd.dlivecdn.com/avatar/default22.png",
	"http://[::1]:8080/x",
	"http://[::1]:80a/x",
	"http://[fe80::1%25en0]/",
	"http://[::ffff:1.2.3.4]/",
	"http://[1.2.3.4]/",
	"http://[1:2:3:4:5:6:7:8]/",
	"http://[1:2:3:4:5:6:7::]/",
	"http://[1::2::3]/",
	"http://[::1]x/",
	"http://[::1/",
	"http://a[::1]/",
	"http://::1/x",
	"http://a:b/",
	"http://a:1:2/",
	"ftp://a:1:2/",
	"http://a:/",
	"http://user:p@ss@host:8080/p?q=1#f",
	"http://us%zzer@host/",
	"http://ü@host/",
	"http://hö%C3%B6st/",
	"http://h%41st/",
	"http://h%25st/",
	"http://h%7est/",
	"http://h%80st/",
	"http://h st/",
	"http://h<st>/",
	"http:///p",
	"http:",
	"http:opaque %zz",
	"http://h/p%2",
	"http://h/p#%zz",
	"http://h/p#f\x01",
	"http://h/p\x01",
	"http://h/p?q\x7f",
	"http://h/p?q%zz",
	"HTTP://H/",
	"a+b-c.d:x",
	"1a:x",
	":x",
	"*",
	"mailto:someone@example.com",
	"urn:isbn:0451450523",
	"/relative/path",
	"ht tp://bad",
	"",
	"::",
	"::1",
	"1::",
	"::ffff:255.255.255.255",
	"::ffff:256.1.1.1",
	"::ffff:01.1.1.1",
	"1:2:3:4:5:6:1.2.3.4",
	"1:2:3:4:5:6:7:1.2.3.4",
	"12345::",
	"fe80::1%eth0",
}

var formatChecks = []struct {
	name string
	ours func(string) bool
}{
	{"date-time", IsDateTime},
	{"date", IsDate},
	{"time", IsTime},
	{"uri", IsURI},
}

// checkFormats holds the generated validators' format checks to the
// interpreted schema's: both must accept exactly the same strings. It also
// holds isIPv6 to netip and net, and IsDateTime to time.Parse where the
// two grammars meet.
func checkFormats(t *testing.T, s string) {
	t.Helper()
	for _, c := range formatChecks {
		if got, want := c.ours(s), jsonschema.Formats[c.name](s); got != want {
			t.Errorf("%s(%q) = %v, jsonschema says %v", c.name, s, got, want)
		}
	}
	a, err := netip.ParseAddr(s)
	want := err == nil && !a.Is4() && a.Zone() == ""
	if got := isIPv6(s); got != want {
		t.Errorf("isIPv6(%q) = %v, netip says %v", s, got, want)
	}
	if want && net.ParseIP(s) == nil {
		t.Errorf("isIPv6(%q): net.ParseIP refuses it", s)
	}
	checkRFC3339(t, s)
}

// checkRFC3339 compares IsDateTime with time.Parse(time.RFC3339Nano) on
// the strings both grammars are meant to judge alike. time.Parse refuses
// leap seconds and the lowercase "t" and "z", and IsDateTime (like
// jsonschema) refuses what time.Parse reads leniently: one-digit fields,
// a comma before the fraction, offsets of 24 hours or 60 minutes. Between
// those, they must agree.
func checkRFC3339(t *testing.T, s string) {
	if !rfc3339Shape(s) {
		return
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	if got, want := IsDateTime(s), err == nil; got != want {
		t.Errorf("IsDateTime(%q) = %v, time.Parse(RFC3339Nano) says %v", s, got, want)
	}
}

// rfc3339Shape reports whether s is yyyy-mm-ddThh:mm:ss[.frac](Z|±hh:mm)
// with digits where digits go, uppercase T and Z, no leap second, and an
// offset of at most 23:59.
func rfc3339Shape(s string) bool {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(layout)+1 {
		return false
	}
	for i := 0; i < len(layout); i++ {
		if c := s[i]; layout[i] == 'd' && (c < '0' || c > '9') || layout[i] != 'd' && c != layout[i] {
			return false
		}
	}
	if s[17:19] == "60" {
		return false
	}
	z := s[len(layout):]
	if z[0] == '.' {
		n := 1
		for n < len(z) && z[n] >= '0' && z[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		z = z[n:]
	}
	if z == "Z" {
		return true
	}
	return len(z) == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':' &&
		digits(z[1:3]) && digits(z[4:6]) && z[1:3] <= "23" && z[4:6] <= "59"
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func TestFormatsAgreeWithJSONSchema(t *testing.T) {
	for _, s := range formatSeeds {
		checkFormats(t, s)
	}
}

// TestDatesAgree walks every month and day field, and some that are not,
// through years that matter to leap years.
func TestDatesAgree(t *testing.T) {
	years := []string{"0000", "0001", "0004", "0100", "0400", "1600", "1700", "1896", "1900", "1999", "2000", "2001",
		"2023", "2024", "2100", "2400", "9996", "9999", "+024", "-024", "20a4", "202"}
	fields := []string{"+1", "-0", "1", "123", "0a", " 1"}
	for i := 0; i <= 40; i++ {
		fields = append(fields, fmt.Sprintf("%02d", i))
	}
	for _, y := range years {
		for _, m := range fields {
			for _, d := range fields {
				s := y + "-" + m + "-" + d
				if got, want := IsDate(s), jsonschema.Formats["date"](s); got != want {
					t.Errorf("IsDate(%q) = %v, jsonschema says %v", s, got, want)
				}
				dt := s + "T12:00:00Z"
				if got, want := IsDateTime(dt), jsonschema.Formats["date-time"](dt); got != want {
					t.Errorf("IsDateTime(%q) = %v, jsonschema says %v", dt, got, want)
				}
			}
		}
	}
}

// TestTimesAgree walks hours, minutes and seconds, fractions and offsets,
// and every leap second against every offset.
func TestTimesAgree(t *testing.T) {
	check := func(s string) {
		if got, want := IsTime(s), jsonschema.Formats["time"](s); got != want {
			t.Errorf("IsTime(%q) = %v, jsonschema says %v", s, got, want)
		}
	}
	odd := []string{"+0", "+9", "-0", "-1", "0+", "0-", " 1", "1 ", "+ ", "--", "++", "a1", "1a"}
	var hours, mins, secs []string
	for i := 0; i <= 25; i++ {
		hours = append(hours, fmt.Sprintf("%02d", i))
	}
	for _, i := range []int{0, 1, 9, 10, 30, 58, 59, 60, 61, 99} {
		mins = append(mins, fmt.Sprintf("%02d", i))
		secs = append(secs, fmt.Sprintf("%02d", i))
	}
	hours, mins, secs = append(hours, odd...), append(mins, odd...), append(secs, odd...)
	zones := []string{"Z", "z", "+00:00", "-00:00", "+01:00", "-01:00", "+05:30", "+23:59", "-23:59", "+24:00",
		"+00:60", "+-0:+0", "-+1:-0", "+0:00", "05:30", "+05:30x", "+05-30", "ZZ", "", "+05:3", "+0530"}
	fracs := []string{"", ".0", ".123456789", ".", ".x", ".5."}
	for _, h := range hours {
		for _, m := range mins {
			for _, s := range secs {
				for _, z := range zones {
					check(h + ":" + m + ":" + s + z)
				}
			}
		}
	}
	for _, f := range fracs {
		for _, z := range zones {
			check("23:59:60" + f + z)
			check("12:00:00" + f + z)
		}
	}
	// Leap seconds: every local minute against a spread of offsets.
	for h := 0; h < 24; h++ {
		for m := 0; m < 60; m++ {
			for zh := 0; zh < 24; zh++ {
				for _, zm := range []int{0, 1, 30, 59} {
					for _, sign := range "+-" {
						check(fmt.Sprintf("%02d:%02d:60%c%02d:%02d", h, m, sign, zh, zm))
					}
				}
			}
			check(fmt.Sprintf("%02d:%02d:60Z", h, m))
		}
	}
}

// TestIPv6Agrees walks group counts, ellipses and embedded IPv4 against
// netip.
func TestIPv6Agrees(t *testing.T) {
	groups := []string{"", "0", "1", "ff", "FFFF", "fffff", "g", "1.2.3.4", "01.2.3.4", "1.2.3", "255.255.255.256"}
	var build func(prefix string, n int)
	build = func(prefix string, n int) {
		a, err := netip.ParseAddr(prefix)
		want := err == nil && !a.Is4() && a.Zone() == ""
		if got := isIPv6(prefix); got != want {
			t.Errorf("isIPv6(%q) = %v, netip says %v", prefix, got, want)
		}
		if n == 0 {
			return
		}
		for _, g := range groups {
			for _, sep := range []string{":", "::"} {
				if prefix == "" {
					build(g+sep, n-1)
					build(sep+g, n-1)
				} else {
					build(prefix+sep+g, n-1)
				}
			}
		}
	}
	build("", 4)
	for _, s := range []string{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
		"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5::1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4", "1::1.2.3.4.5"} {
		a, err := netip.ParseAddr(s)
		want := err == nil && !a.Is4() && a.Zone() == ""
		if got := isIPv6(s); got != want {
			t.Errorf("isIPv6(%q) = %v, netip says %v", s, got, want)
		}
	}
}

// TestURIsAgree builds URIs from parts that each exercise a rule of
// url.Parse or jsonschema.
func TestURIsAgree(t *testing.T) {
	schemes := []string{"http:", "https:", "HTTPS:", "ftp:", "a+b.c-d:", "1a:", ":", "", "h t:"}
	auths := []string{"", "//", "//host", "//host:80", "//host:", "//host:8a", "//h:1:2", "//[::1]", "//[::1]:80",
		"//[::1]x", "//[1.2.3.4]", "//[::1", "//a[b]", "//u@h", "//u:p@h", "//u@p@h", "//u%41@h", "//u%4@h",
		"//ü@h", "//h%C3%BC", "//h%41", "//h%25", "//h%7e", "//h%7F", "//h%80", "//h%2525", "//h%2", "//h ", "//h<>\"", "//h{}", "//h|", "//h\\", "//h]"}
	paths := []string{"", "/", "/a/b", "/%41", "/%4", "/a b", "a", "a:b", "/\x01", "/\u00e9"}
	rests := []string{"", "?", "?q=1", "?q=%zz", "?a?b", "#", "#f", "#%zz", "#%41", "#a#b", "#\x01", "?q#f"}
	for _, sc := range schemes {
		for _, a := range auths {
			for _, p := range paths {
				for _, r := range rests {
					s := sc + a + p + r
					if got, want := IsURI(s), jsonschema.Formats["uri"](s); got != want {
						t.Errorf("IsURI(%q) = %v, jsonschema says %v", s, got, want)
					}
				}
			}
		}
	}
}

func TestFormatsDoNotAllocate(t *testing.T) {
	for _, s := range append(formatSeeds, strings.Repeat("x", 100)) {
		for _, c := range formatChecks {
			if n := testing.AllocsPerRun(10, func() { c.ours(s) }); n != 0 {
				t.Errorf("%s(%q): %v allocations", c.name, s, n)
			}
		}
	}
}

func FuzzFormats(f *testing.F) {
	for _, s := range formatSeeds {
		f.Add(s)
	}
	f.Fuzz(checkFormats)
}
