package ir

import (
	"strings"
	"unicode"
)

// initialisms are upper-cased whole, as Go style asks.
var initialisms = map[string]bool{
	"ID": true, "URL": true, "URI": true, "API": true, "HTTP": true, "JSON": true,
	"JWT": true, "UUID": true, "ULID": true, "TTL": true, "TS": true, "IP": true,
	"HTML": true, "CSS": true, "TC": true, "VOD": true, "SHA": true, "OK": true,
}

// GoName turns a wire name ("token_type", "__typename", "thumbnailUrl",
// "channel.chatbot.status", "queue.add") into an exported Go identifier.
func GoName(s string) string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && len(cur) > 0 &&
			(unicode.IsLower(cur[len(cur)-1]) || unicode.IsDigit(cur[len(cur)-1]) ||
				(i+1 < len(rs) && unicode.IsLower(rs[i+1]))):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	var b strings.Builder
	for _, w := range words {
		up := strings.ToUpper(w)
		if initialisms[up] {
			b.WriteString(up)
			continue
		}
		if up == w && len(w) > 1 {
			w = strings.ToLower(w) // SHOUTING_CASE words read as words
		}
		r := []rune(w)
		b.WriteString(strings.ToUpper(string(r[0])) + string(r[1:]))
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	if unicode.IsDigit(rune(out[0])) {
		out = "N" + out
	}
	return out
}
