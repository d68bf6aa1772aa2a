package wire

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The format checks as they were before they became byte-level (with
// time.Parse, strconv.Atoi and url.Parse), kept for BenchmarkFormats.

// oldIsDateTime reports whether s is an RFC 3339 date-time.
func oldIsDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return false
	}
	return oldIsFullTime(s[11:])
}

// oldIsFullTime checks hh:mm:ss[.frac](Z|±hh:mm), allowing a leap second only
// at 23:59:60 UTC.
func oldIsFullTime(t string) bool {
	if len(t) < 9 || t[2] != ':' || t[5] != ':' {
		return false
	}
	h, ok1 := oldTwoDigits(t[0:2], 23)
	m, ok2 := oldTwoDigits(t[3:5], 59)
	sec, ok3 := oldTwoDigits(t[6:8], 60)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	t = t[8:]
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
	switch {
	case t == "":
		return false
	case t[0] == 'z' || t[0] == 'Z':
		if len(t) != 1 {
			return false
		}
	default:
		if len(t) != 6 || t[3] != ':' || (t[0] != '+' && t[0] != '-') {
			return false
		}
		zh, ok1 := oldTwoDigits(t[1:3], 23)
		zm, ok2 := oldTwoDigits(t[4:6], 59)
		if !ok1 || !ok2 {
			return false
		}
		// Shift to UTC to judge a leap second.
		off := zh*60 + zm
		if t[0] == '+' {
			off = -off
		}
		hm := h*60 + m + off
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60, hm%60
	}
	return sec != 60 || (h == 23 && m == 59)
}

// oldTwoDigits parses a two-character field as strconv.Atoi does (a sign is
// accepted) and checks 0 <= n <= max.
func oldTwoDigits(f string, max int) (int, bool) {
	n, err := strconv.Atoi(f)
	if err != nil || n < 0 || n > max {
		return 0, false
	}
	return n, true
}

// oldIsURI reports whether s is an absolute URI.
func oldIsURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return false
	}
	host := u.Hostname()
	if strings.IndexByte(host, ':') >= 0 {
		if !strings.Contains(u.Host, "[") || !strings.Contains(u.Host, "]") {
			return false
		}
		return net.ParseIP(host) != nil
	}
	return true
}
