package testserver

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"time"
)

// Object is a decoded JSON object; servers read frames this way so that
// they accept whatever a client sends, as a real server must.
type Object map[string]any

// ParseObject decodes a frame that must be a JSON object.
func ParseObject(frame []byte) (Object, bool) {
	var o Object
	if err := json.Unmarshal(frame, &o); err != nil || o == nil {
		return nil, false
	}
	return o, true
}

// Str returns the string at key, or "".
func (o Object) Str(key string) string {
	s, _ := o[key].(string)
	return s
}

// Obj returns the object at key, or nil.
func (o Object) Obj(key string) Object {
	m, _ := o[key].(map[string]any)
	return Object(m)
}

// Has reports whether key is present.
func (o Object) Has(key string) bool {
	_, ok := o[key]
	return ok
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewULID returns a ULID for the current time: 48 bits of milliseconds and
// 80 random bits in Crockford base32, as Astro ids are.
func NewULID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	var sb strings.Builder
	// 128 bits -> 26 base32 digits, most significant first.
	var hi, lo uint64
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	for i := 25; i >= 0; i-- {
		shift := uint(i * 5)
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift+5 > 64:
			v = lo>>shift | hi<<(64-shift)
		default:
			v = lo >> shift
		}
		sb.WriteByte(crockford[v&31])
	}
	return sb.String()
}

// NewToken returns a random hex token for tickets, sessions and resume
// tokens.
func NewToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	const hex = "0123456789abcdef"
	out := make([]byte, 32)
	for i, x := range b {
		out[2*i], out[2*i+1] = hex[x>>4], hex[x&15]
	}
	return string(out)
}

// Now returns an RFC 3339 timestamp with second precision, as Astro sends.
func Now() string { return time.Now().UTC().Format(time.RFC3339) }
