// Package subject builds NATS subjects and reads JSON pointers out of a
// frame without decoding it into maps: one pass of go-faster/jx, no
// reflection.
package subject

import (
	"strconv"
	"strings"

	"github.com/go-faster/jx"
)

// Pointer is a parsed JSON pointer (RFC 6901): its reference tokens.
type Pointer []string

// ParsePointer parses "/a/b~1c" into [a b/c]. The caller checked the
// syntax (gen/ir does).
func ParsePointer(p string) Pointer {
	p = strings.TrimPrefix(p, "/")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		s = strings.ReplaceAll(s, "~1", "/")
		parts[i] = strings.ReplaceAll(s, "~0", "~")
	}
	return parts
}

// Lookup returns the scalar at p in frame: a string's value, or a number's
// or boolean's literal. ok is false when p is absent or names an object,
// an array or null.
func Lookup(frame []byte, p Pointer) (string, bool) {
	b, ok := Append(nil, frame, p)
	return string(b), ok
}

// Append appends the scalar Lookup returns to dst, without allocating a
// string for it. It walks with jx's iterators rather than callbacks:
// stopping a callback early takes an error, which jx wraps with a stack
// trace on every frame.
func Append(dst, frame []byte, p Pointer) ([]byte, bool) {
	if len(p) == 0 {
		return dst, false
	}
	d := jx.GetDecoder()
	defer jx.PutDecoder(d)
	d.ResetBytes(frame)
	for _, tok := range p {
		if !descend(d, tok) {
			return dst, false
		}
	}
	switch d.Next() {
	case jx.String:
		out, err := d.StrAppend(dst)
		if err != nil {
			return dst, false
		}
		return out, true
	case jx.Number:
		n, err := d.Num() // a view of the frame
		if err != nil {
			return dst, false
		}
		return append(dst, n...), true
	case jx.Bool:
		b, err := d.Bool()
		if err != nil {
			return dst, false
		}
		return strconv.AppendBool(dst, b), true
	}
	return dst, false
}

// descend moves d onto the member tok of the object or array at d.
func descend(d *jx.Decoder, tok string) bool {
	switch d.Next() {
	case jx.Object:
		it, err := d.ObjIter()
		if err != nil {
			return false
		}
		for it.Next() {
			if string(it.Key()) == tok {
				return true
			}
			if d.Skip() != nil {
				return false
			}
		}
	case jx.Array:
		n, ok := index(tok)
		if !ok {
			return false
		}
		it, err := d.ArrIter()
		if err != nil {
			return false
		}
		for i := 0; it.Next(); i++ {
			if i == n {
				return true
			}
			if d.Skip() != nil {
				return false
			}
		}
	}
	return false
}

func index(tok string) (int, bool) {
	if tok == "" || (len(tok) > 1 && tok[0] == '0') {
		return 0, false
	}
	n := 0
	for _, c := range tok {
		if c < '0' || c > '9' || n > 1<<24 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Sanitize makes s one subject token: letters, digits, _ and - stay, any
// other byte (dots, wildcards, spaces, non-ASCII) becomes _, a token is at
// most 128 bytes, and the empty string is "_".
func Sanitize(s string) string {
	if s == "" {
		return "_"
	}
	if len(s) > maxToken {
		s = s[:maxToken]
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return string(SanitizeTail([]byte(s), 0))
}

// SanitizeTail makes b[start:] one subject token in place, as Sanitize
// does, and returns b.
func SanitizeTail(b []byte, start int) []byte {
	if len(b) == start {
		return append(b, '_')
	}
	if len(b)-start > maxToken {
		b = b[:start+maxToken]
	}
	for i := start; i < len(b); i++ {
		if !tokenByte(b[i]) {
			b[i] = '_'
		}
	}
	return b
}

// maxToken bounds one subject token, in bytes.
const maxToken = 128

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
