package infer

import (
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Formats a string may be given, as bits: a string schema gets a format
// only when every sample of it has that format.
const (
	fDateTime uint8 = 1 << iota
	fDate
	fURI
	fEmail
	fUUID
	fAll = fDateTime | fDate | fURI | fEmail | fUUID
)

var formatNames = []struct {
	bit  uint8
	name string
}{{fDateTime, "date-time"}, {fDate, "date"}, {fURI, "uri"}, {fEmail, "email"}, {fUUID, "uuid"}}

var (
	reDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$`)
	reDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	reEmail    = regexp.MustCompile(`^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$`)
	reUUID     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// Only web URLs without characters a strict URI parser refuses: a
	// format that a validator disagrees about would fail real frames.
	reURI = regexp.MustCompile(`^(https?|wss?)://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*)?(\?[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?(#[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?$`)
)

// formatsOf returns the formats s has.
func formatsOf(s string) uint8 {
	var f uint8
	if len(s) > 2048 {
		return 0
	}
	if reDateTime.MatchString(s) {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			f |= fDateTime
		}
	}
	if reDate.MatchString(s) {
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			f |= fDate
		}
	}
	if reURI.MatchString(s) {
		if u, err := url.Parse(s); err == nil && u.IsAbs() && u.Host != "" {
			f |= fURI
		}
	}
	if reEmail.MatchString(s) {
		f |= fEmail
	}
	if reUUID.MatchString(s) {
		f |= fUUID
	}
	return f
}

// formatName is the one format a set of bits names, or "".
func formatName(f uint8) string {
	for _, n := range formatNames {
		if f&n.bit != 0 {
			return n.name
		}
	}
	return ""
}

// isInteger reports whether a number literal has no fractional part
// (draft-07: 1.0 is an integer).
func isInteger(lit string) bool {
	if !strings.ContainsAny(lit, ".eE") {
		return true
	}
	f, err := strconv.ParseFloat(lit, 64)
	return err == nil && !math.IsInf(f, 0) && f == math.Trunc(f) && math.Abs(f) < 1<<53
}

// labelLike reports whether s reads as a name from a small vocabulary
// (a message type, a topic, an event name) rather than data: no spaces,
// not a number, date or identifier.
func labelLike(s string) bool {
	if s == "" || len(s) > 64 || !reLabel.MatchString(s) {
		return false
	}
	if formatsOf(s) != 0 || highEntropy(s, 16) || reHexID.MatchString(s) {
		return false
	}
	return true
}

var (
	reLabel = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_.:\-/$]*$`)
	reHexID = regexp.MustCompile(`^[0-9a-fA-F]{12,}$|^[0-9A-HJKMNP-TV-Z]{26}$`)
)
