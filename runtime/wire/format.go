package wire

import "strings"

// The format checks accept exactly what santhosh-tekuri/jsonschema/v5
// accepts for draft 7, so that generated validators and the interpreted
// schema agree. They work on the bytes: no time.Parse, no url.Parse, no
// strconv, and no allocation. The reference reaches its answers through
// time.Parse, strconv.Atoi, url.Parse and net.ParseIP; the comments below
// say which quirk of each is reproduced, and FuzzFormats (format_test.go)
// holds every check to the reference on arbitrary strings.

// IsDateTime reports whether s is an RFC 3339 date-time: full-date "T"
// full-time, with "t" accepted for "T" (jsonschema's isDateTime).
func IsDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return false
	}
	return IsDate(s[:10]) && IsTime(s[11:])
}

// IsDate reports whether s is an RFC 3339 full-date, yyyy-mm-dd: exactly
// what time.Parse("2006-01-02", s) accepts, so years 0000 to 9999, months
// 01 to 12, and days up to the month's length in the proleptic Gregorian
// calendar (Feb 29 only in leap years).
func IsDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	c, ok1 := twoDigits(s[0], s[1])
	y, ok2 := twoDigits(s[2], s[3])
	month, ok3 := twoDigits(s[5], s[6])
	day, ok4 := twoDigits(s[8], s[9])
	return ok1 && ok2 && ok3 && ok4 &&
		month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, c*100+y)
}

// twoDigits reads two decimal digits.
func twoDigits(a, b byte) (int, bool) {
	a, b = a-'0', b-'0'
	return int(a)*10 + int(b), a <= 9 && b <= 9
}

// daysIn is the length of month in year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// IsTime reports whether s is an RFC 3339 full-time as jsonschema's isTime
// reads it: hh:mm:ss[.frac](Z|z|±hh:mm), with any number of fraction
// digits, and a leap second (ss = 60) only where the time shifted to UTC
// is 23:59.
//
// Its quirks are kept. Each two-character field is read with
// strconv.Atoi, so "+5" stands for 05 and "-0" for 00. The shift to UTC
// wraps below midnight but not above it: 23:59:60-00:01 is refused.
func IsTime(s string) bool {
	if len(s) < 9 || s[2] != ':' || s[5] != ':' {
		return false
	}
	h, ok1 := field(s[0], s[1], 23)
	m, ok2 := field(s[3], s[4], 59)
	sec, ok3 := field(s[6], s[7], 60)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	t := s[8:]
	if t[0] == '.' {
		n := 1
		for n < len(t) && t[n] >= '0' && t[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		t = t[n:]
	}
	hm := h*60 + m
	switch {
	case len(t) == 1 && (t[0] == 'Z' || t[0] == 'z'):
	case len(t) == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':':
		zh, ok1 := field(t[1], t[2], 23)
		zm, ok2 := field(t[4], t[5], 59)
		if !ok1 || !ok2 {
			return false
		}
		if t[0] == '+' {
			hm -= zh*60 + zm
		} else {
			hm += zh*60 + zm
		}
		if hm < 0 {
			hm += 24 * 60
		}
	default:
		return false
	}
	return sec != 60 || hm == 23*60+59
}

// field reads the two characters a, b as strconv.Atoi reads a two-byte
// string and checks 0 <= n <= max. Besides two digits, Atoi takes a sign
// and one digit; "-d" is negative, and so out of range, unless d is 0.
func field(a, b byte, max int) (int, bool) {
	if n, ok := twoDigits(a, b); ok {
		return n, n <= max
	}
	if b < '0' || b > '9' || a != '+' && (a != '-' || b != '0') {
		return 0, false
	}
	return int(b - '0'), true // max is never below 9
}

// IsURI reports whether s is an absolute URI as jsonschema's isURI judges
// one: url.Parse accepts it, it has a scheme, and a host with a colon in
// it is a bracketed IPv6 address that net.ParseIP accepts.
//
// url.Parse checks little: no control characters before the fragment;
// well-formed %-escapes in the path, fragment and userinfo; the userinfo's
// and host's characters; a numeric port. The query and an opaque part
// (scheme:rest, rest not starting with "/") are not looked at.
func IsURI(s string) bool {
	rest, frag := s, ""
	if i := strings.IndexByte(s, '#'); i >= 0 {
		rest, frag = s[:i], s[i+1:]
	}
	if !validEscapes(frag) {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c < ' ' || c == 0x7f {
			return false
		}
	}
	// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"; without one
	// the reference is either an error or relative.
	i := 0
scheme:
	for ; i < len(rest); i++ {
		switch c := rest[i]; {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return false
			}
		case c == ':':
			break scheme
		default:
			return false
		}
	}
	if i == 0 || i == len(rest) {
		return false
	}
	rest = rest[i+1:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[:q]
	}
	if rest == "" || rest[0] != '/' {
		return true // opaque
	}
	if len(rest) >= 2 && rest[1] == '/' {
		authority := rest[2:]
		rest = ""
		if j := strings.IndexByte(authority, '/'); j >= 0 {
			authority, rest = authority[:j], authority[j:]
		}
		if !validAuthority(authority) {
			return false
		}
	}
	return validEscapes(rest) // the path
}

// validAuthority checks [userinfo@]host[:port] as url.Parse does, together
// with jsonschema's rule for colons in the host.
func validAuthority(a string) bool {
	host := a
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		host = a[at+1:]
		userinfo := a[:at]
		for i := 0; i < len(userinfo); i++ {
			if !isUserinfoByte(userinfo[i]) {
				return false
			}
		}
		if !validEscapes(userinfo) {
			return false
		}
	}
	if host != "" && host[0] == '[' {
		// An IP literal. url.Parse wants netip.ParseAddr to give an IPv6
		// address (zone allowed) and jsonschema wants net.ParseIP to accept
		// it (no zone); together, a plain IPv6 address. A %-escape or a
		// non-ASCII byte leaves something neither accepts.
		if strings.IndexByte(host[1:], '[') >= 0 {
			return false
		}
		end := strings.LastIndexByte(host, ']')
		return end >= 0 && validPort(host[end+1:]) && isIPv6(host[1:end])
	}
	if strings.IndexByte(host, '[') >= 0 {
		return false
	}
	// A host with two colons either fails url.Parse's port check or leaves a
	// colon in the host name, which jsonschema then refuses for want of
	// brackets.
	if c := strings.IndexByte(host, ':'); c >= 0 {
		if strings.LastIndexByte(host, ':') != c || !validPort(host[c:]) {
			return false
		}
	}
	for i := 0; i < len(host); {
		c := host[i]
		if c == '%' {
			// Only non-ASCII bytes may be escaped in a host, and %25.
			if i+2 >= len(host) || !isHex(host[i+1]) || !isHex(host[i+2]) ||
				unhex(host[i+1]) < 8 && host[i+1:i+3] != "25" {
				return false
			}
			i += 3
			continue
		}
		if c < 0x80 && !isHostByte(c) {
			return false
		}
		i++
	}
	return true
}

// validPort reports whether p is empty or a colon followed by digits.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != ':' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// validEscapes reports whether every % in s starts a %XX escape.
func validEscapes(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0; {
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return false
		}
		j := strings.IndexByte(s[i+3:], '%')
		if j < 0 {
			break
		}
		i += 3 + j
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte { return 9*(c>>6) + c&15 }

// uriBytes classes the bytes for isUserinfoByte and isHostByte.
var uriBytes = func() (t [256]uint8) {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for _, c := range []byte(alnum + "-._:~!$&'()*+,;=%@") {
		t[c] |= userinfoByte
	}
	for _, c := range []byte(alnum + "!$&'()*+,;=:[]<>\"-_.~") {
		t[c] |= hostByte
	}
	return t
}()

const (
	userinfoByte = 1 << iota
	hostByte
)

// isUserinfoByte is url.Parse's validUserinfo: unreserved, sub-delims, ":",
// "%" and (leniently) "@"; nothing outside ASCII.
func isUserinfoByte(c byte) bool { return uriBytes[c]&userinfoByte != 0 }

// isHostByte is an ASCII byte url.Parse lets stand unescaped in a host.
func isHostByte(c byte) bool { return uriBytes[c]&hostByte != 0 }

// isIPv6 reports whether s is an IPv6 address without a zone, as
// netip.ParseAddr reads one (and so net.ParseIP): up to eight groups of one
// to four hex digits, at most one "::" standing for at least one zero
// group, and optionally a dotted IPv4 address (no leading zeros) in place
// of the last two groups.
func isIPv6(s string) bool {
	ellipsis := -1 // position of "::", in bytes of the address
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
		if s == "" {
			return true
		}
	}
	i := 0 // bytes of the address filled
	for i < 16 {
		off := 0
		for ; off < len(s) && isHex(s[off]); off++ {
			if off > 3 {
				return false
			}
		}
		if off == 0 {
			return false
		}
		if off < len(s) && s[off] == '.' {
			if ellipsis < 0 && i != 12 || i+4 > 16 || !isIPv4(s) {
				return false
			}
			s = ""
			i += 4
			break
		}
		i += 2
		s = s[off:]
		if s == "" {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return false
			}
			ellipsis = i
			s = s[1:]
			if s == "" {
				break
			}
		}
	}
	if s != "" {
		return false
	}
	if i < 16 {
		return ellipsis >= 0
	}
	return ellipsis < 0
}

// isIPv4 reports whether s is a dotted-quad IPv4 address as netip reads
// one inside an IPv6 address: four decimal fields of at most 255, without
// leading zeros.
func isIPv4(s string) bool {
	val, dots, digits := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if digits == 1 && val == 0 {
				return false
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return false
			}
		case c == '.':
			if i == 0 || i == len(s)-1 || s[i-1] == '.' || dots == 3 {
				return false
			}
			dots++
			val, digits = 0, 0
		default:
			return false
		}
	}
	return dots == 3
}
