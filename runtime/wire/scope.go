package wire

import (
	"strconv"
	"strings"
	"sync"
)

// segment is one step of a JSON pointer: an object key or an array index.
type segment struct {
	key   string
	index int
	isIdx bool
}

// Scope tracks where in a frame a decoder or validator is, and collects the
// violations and drift it finds there. The path is kept as a stack of
// segments and rendered to a JSON pointer only when something is reported,
// so the happy path pays two slice operations per nested value.
type Scope struct {
	path       []segment
	Violations []Violation
	// Drift lists JSON pointers of properties the schema does not declare
	// in objects that allow them. Collected only when CollectDrift is set.
	Drift        []string
	CollectDrift bool
	// Skipped lists pointers whose value is missing or was not decoded
	// (wrong type): Validate sees only a zero value there, so checks of it
	// must not be reported on top of the decoder's violation.
	Skipped []string
}

var scopePool = sync.Pool{New: func() any { return &Scope{path: make([]segment, 0, 16)} }}

// GetScope returns an empty Scope from a pool.
func GetScope() *Scope { return scopePool.Get().(*Scope) }

// PutScope returns s to the pool. The caller must not keep s, s.Violations
// or s.Drift.
func PutScope(s *Scope) {
	s.path = s.path[:0]
	s.Violations = nil
	s.Drift = nil
	s.Skipped = nil
	s.CollectDrift = false
	scopePool.Put(s)
}

// Push enters the property key.
func (s *Scope) Push(key string) { s.path = append(s.path, segment{key: key}) }

// PushIndex enters the array element i.
func (s *Scope) PushIndex(i int) { s.path = append(s.path, segment{index: i, isIdx: true}) }

// Pop leaves the innermost segment.
func (s *Scope) Pop() { s.path = s.path[:len(s.path)-1] }

// Pointer renders the current position as an RFC 6901 JSON pointer.
func (s *Scope) Pointer() string {
	if len(s.path) == 0 {
		return ""
	}
	var b strings.Builder
	for _, seg := range s.path {
		b.WriteByte('/')
		if seg.isIdx {
			b.WriteString(strconv.Itoa(seg.index))
			continue
		}
		b.WriteString(EscapePointer(seg.key))
	}
	return b.String()
}

// EscapePointer escapes one JSON pointer reference token.
func EscapePointer(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// Violate records a violation at the current position.
func (s *Scope) Violate(keyword, msg string) {
	s.Violations = append(s.Violations, Violation{Pointer: s.Pointer(), Keyword: keyword, Message: msg})
}

// ViolateAt records a violation at the property key of the current object.
func (s *Scope) ViolateAt(key, keyword, msg string) {
	s.Push(key)
	s.Violate(keyword, msg)
	s.Pop()
}

// Unknown records a property the schema does not declare. Closed objects
// report it as a violation; open ones as drift when drift is collected.
func (s *Scope) Unknown(key []byte, closed bool) {
	if !closed && !s.CollectDrift {
		return
	}
	s.Push(string(key))
	if closed {
		s.Violate("additionalProperties", "property not allowed")
	} else {
		s.Drift = append(s.Drift, s.Pointer())
	}
	s.Pop()
}

// Missing records required properties absent from the current object.
func (s *Scope) Missing(name string) {
	s.Violate("required", "missing property "+strconv.Quote(name))
	s.Push(name)
	s.Skipped = append(s.Skipped, s.Pointer())
	s.Pop()
}

// skip marks the current position as not decoded.
func (s *Scope) skip() { s.Skipped = append(s.Skipped, s.Pointer()) }

// Covered reports whether ptr is at or below a skipped pointer.
func Covered(skipped []string, ptr string) bool {
	for _, sk := range skipped {
		if ptr == sk || (len(ptr) > len(sk) && ptr[:len(sk)] == sk && ptr[len(sk)] == '/') {
			return true
		}
	}
	return false
}

// Forget drops what was recorded at or below the property key of the
// current object. A duplicated key means the last occurrence wins, as in
// encoding/json, so findings about an earlier one no longer apply.
func (s *Scope) Forget(key string) {
	s.Push(key)
	p := s.Pointer()
	s.Pop()
	keepV := s.Violations[:0]
	for _, v := range s.Violations {
		if !Covered([]string{p}, v.Pointer) {
			keepV = append(keepV, v)
		}
	}
	s.Violations = keepV
	s.Skipped = dropCovered(s.Skipped, p)
	s.Drift = dropCovered(s.Drift, p)
}

func dropCovered(list []string, p string) []string {
	keep := list[:0]
	for _, x := range list {
		if !Covered([]string{p}, x) {
			keep = append(keep, x)
		}
	}
	return keep
}
