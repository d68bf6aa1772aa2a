package infer

import (
	"math"
	"regexp"
	"strings"
	"unicode"
)

// Redacted replaces a secret string in examples.
const Redacted = "REDACTED"

// credentialWords are the words of a key that names a credential. A key is
// split into words at case changes, digits and punctuation: sessionId,
// reconnect_token and X-Api-Key all match.
var credentialWords = map[string]bool{
	"token": true, "ticket": true, "secret": true, "password": true, "passwd": true,
	"auth": true, "authorization": true, "session": true, "key": true, "apikey": true,
	"signature": true, "cookie": true, "credential": true, "credentials": true, "jwt": true,
	"bearer": true, "otp": true, "sid": true,
}

// notSecretTail are last words that turn a credential key into a label of
// one: token_type says which kind of token, not the token.
var notSecretTail = map[string]bool{"type": true, "kind": true, "count": true, "expires": true, "ttl": true, "length": true, "len": true}

// SecretKey reports whether a property or query parameter name names a
// credential.
func SecretKey(k string) bool {
	w := words(k)
	if len(w) == 0 {
		return false
	}
	if len(w) > 1 && notSecretTail[w[len(w)-1]] {
		return false
	}
	for _, x := range w {
		if credentialWords[x] {
			return true
		}
	}
	return false
}

// words splits an identifier into lower-case words.
func words(k string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(k)
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			// A new word starts at an upper-case letter after a lower-case
			// one, or before a lower-case one inside a run ("APIKey").
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				flush()
			}
			cur = append(cur, r)
		case unicode.IsLower(r):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

var reJWT = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$`)

// SecretValue reports whether a string looks like a credential by its
// shape: a JWT, or a long string of high entropy.
func SecretValue(s string) bool {
	if strings.HasPrefix(strings.ToLower(s), "bearer ") {
		return true
	}
	return reJWT.MatchString(s) || highEntropy(s, 32)
}

// highEntropy reports whether s is at least minLen bytes of token
// characters with more than 4.2 bits of entropy per character: more
// symbols than hex or a UUID use, as random base64 or base62 keys have.
func highEntropy(s string, minLen int) bool {
	if len(s) < minLen || len(s) > 4096 {
		return false
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+/=_-.~", c) >= 0) {
			return false
		}
		counts[c]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h > 4.2
}

// redact returns a copy of v with secrets replaced: every scalar under a
// credential key, and strings shaped like credentials anywhere. Strings
// become Redacted, numbers 0; booleans and null stay.
func redact(v *value, under bool) *value {
	if v == nil {
		return nil
	}
	switch v.kind {
	case kString:
		if under || SecretValue(v.str) {
			return &value{kind: kString, str: Redacted}
		}
		return v
	case kNumber:
		if under {
			return &value{kind: kNumber, str: "0"}
		}
		return v
	case kObject:
		out := &value{kind: kObject, keys: v.keys, vals: make([]*value, len(v.vals)), deep: v.deep}
		for i, k := range v.keys {
			out.vals[i] = redact(v.vals[i], under || SecretKey(k))
		}
		return out
	case kArray:
		out := &value{kind: kArray, items: make([]*value, len(v.items)), deep: v.deep}
		for i, it := range v.items {
			out.items[i] = redact(it, under)
		}
		return out
	}
	return v
}
