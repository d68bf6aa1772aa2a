package wire

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
)

// Text renders a decoded value as text for correlation keys and error
// codes: strings as they are, anything else as its JSON.
func Text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case Integer:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case json.RawMessage:
		return string(x)
	case []json.RawMessage:
		// Lists of messages (Octave head.errors) read best joined.
		parts := make([]string, 0, len(x))
		for _, r := range x {
			var s string
			if json.Unmarshal(r, &s) != nil {
				s = string(r)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "; ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// NewIDBase returns a random prefix for request ids (nonces, message ids),
// so ids of different clients and runs never collide.
func NewIDBase() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "-"
}

// QuoteTemplate escapes a value placed inside a quoted string of a query
// template (GraphQL strings escape like JSON ones), so user input cannot
// change the query.
func QuoteTemplate(v string) string {
	b, _ := json.Marshal(v)
	return strings.TrimSuffix(strings.TrimPrefix(string(b), `"`), `"`)
}
