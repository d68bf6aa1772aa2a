package wire

import (
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/go-faster/jx"
)

// segment is one step of a JSON pointer: an object key, or an array index
// when index >= 0.
type segment struct {
	key   string
	index int
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
	// Notes are what a consumer should hear of although the frame keeps
	// its documented contract: a duplicate key, a deprecated property.
	Notes []Note
	// Skipped lists pointers whose value is missing or was not decoded
	// (wrong type): Validate sees only a zero value there, so checks of it
	// must not be reported on top of the decoder's violation.
	Skipped []string

	// frame is the frame being decoded, and text the same bytes as one
	// string, made on first use: decoded strings that need no unescaping
	// are slices of it, so a frame costs one string allocation instead of
	// one per field. Strings keep the whole frame's text alive, as Raw
	// fields keep the frame.
	frame   []byte
	text    string
	hasText bool
	// stable says the caller never modifies the frame (Checker.Stable):
	// text is then the frame's own memory, not a copy.
	stable bool

	// Look-aheads stop at the first occurrence of a discriminator, which
	// is the one that counts unless the key repeats. A repeated key or an
	// unmatched discriminator sets recheck, and Decode then decodes the
	// frame again with lastWins set, look-aheads reading every member.
	lastWins bool
	recheck  bool
	// watch lists the keys that tell a frame's messages apart by their
	// presence. A look-ahead stops at the first it finds; if another shows
	// up while the chosen message is decoded, the frame is checked again.
	watch []string
	// reuse, when set, holds memory of earlier messages to decode into
	// (DecodeFrameReuse).
	reuse *Reuse
	// dec is the decoder Decoder hands out, kept with the scope.
	dec *jx.Decoder
}

var scopePool = sync.Pool{New: func() any { return newScope() }}

func newScope() *Scope { return &Scope{path: make([]segment, 0, 16)} }

// GetScope returns an empty Scope from a pool.
func GetScope() *Scope { return scopePool.Get().(*Scope) }

// PutScope returns s to the pool. The caller must not keep s, s.Violations
// or s.Drift.
func PutScope(s *Scope) {
	s.clear()
	scopePool.Put(s)
}

func (s *Scope) clear() {
	s.path = s.path[:0]
	s.Violations = nil
	s.Notes = nil
	s.Drift = nil
	s.Skipped = nil
	s.CollectDrift = false
	s.SetFrame(nil)
	if s.dec != nil {
		s.dec.ResetBytes(nil) // keep no frame alive
	}
	s.lastWins, s.recheck, s.watch, s.reuse, s.stable = false, false, nil, nil, false
}

// scopeFor returns r's own scope, set to decode into r's memory, or one
// from the pool when r is nil: a reusing decoder pays no pool traffic.
func scopeFor(r *Reuse) *Scope {
	if r == nil {
		return GetScope()
	}
	if r.scope == nil {
		r.scope = newScope()
	}
	r.scope.reuse = r
	return r.scope
}

// release undoes scopeFor.
func release(s *Scope) {
	own := s.reuse != nil && s.reuse.scope == s
	s.clear()
	if !own {
		scopePool.Put(s)
	}
}

// Decoder returns s's jx decoder reset to read frame. A generated
// top-level decode takes it instead of a pooled one: the scope already
// came from a pool, or belongs to a reusing decoder.
func (s *Scope) Decoder(frame []byte) *jx.Decoder {
	if s.dec == nil {
		s.dec = jx.DecodeBytes(frame)
	} else {
		s.dec.ResetBytes(frame)
	}
	return s.dec
}

// SetFrame tells s which frame is being decoded, so that strings and
// look-aheads can be taken from it directly.
func (s *Scope) SetFrame(frame []byte) {
	s.frame, s.text, s.hasText = frame, "", false
}

// Text returns b as a string. When b is part of the frame (jx hands out
// unescaped strings and keys as slices of its input) the string shares the
// frame's text instead of being allocated.
func (s *Scope) Text(b []byte) string {
	off, ok := s.offsetOf(b)
	if !ok || len(b) == 0 {
		return string(b)
	}
	if !s.hasText {
		if s.stable {
			s.text = unsafe.String(unsafe.SliceData(s.frame), len(s.frame))
		} else {
			s.text = string(s.frame)
		}
		s.hasText = true
	}
	return s.text[off : off+len(b)]
}

// offsetOf returns where b starts in the frame, if b is a slice of it.
// Slices of the frame share its backing array up to its end, so the
// difference in capacity is the offset; comparing element addresses
// confirms it.
func (s *Scope) offsetOf(b []byte) (int, bool) {
	f := s.frame
	if cap(b) == 0 || cap(f) == 0 {
		return 0, false
	}
	off := cap(f) - cap(b)
	if off < 0 || off+len(b) > len(f) || &f[:off+1][off] != &b[:1][0] {
		return 0, false
	}
	return off, true
}

// Push enters the property key.
func (s *Scope) Push(key string) { s.path = append(s.path, segment{key: key, index: -1}) }

// PushIndex enters the array element i.
func (s *Scope) PushIndex(i int) { s.path = append(s.path, segment{index: i}) }

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
		if seg.index >= 0 {
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

// Note records a note of kind at the current position.
func (s *Scope) Note(kind, msg string) {
	s.Notes = append(s.Notes, Note{Pointer: s.Pointer(), Kind: kind, Message: msg})
}

// NoteAt records a note at the property key of the current object.
func (s *Scope) NoteAt(key, kind, msg string) {
	s.Push(key)
	s.Note(kind, msg)
	s.Pop()
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
	if len(s.path) == 0 {
		for _, w := range s.watch {
			if w == string(key) {
				s.recheck = true
			}
		}
	}
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

// FirstWins reports whether a look-ahead may stop at the first occurrence
// of its discriminators.
func (s *Scope) FirstWins() bool { return !s.lastWins }

// Watch sets the keys that select a frame's message by their presence (see
// the watch field).
func (s *Scope) Watch(keys []string) { s.watch = keys }

// Recheck records that a look-ahead found no known discriminator value.
// An occurrence after the first might have matched, so the frame is
// decoded again reading every member.
func (s *Scope) Recheck() { s.recheck = true }

// Decode runs once on frame and, when that pass saw a repeated key or an
// unmatched discriminator, runs it again with look-aheads honouring the
// last occurrence of every key, as encoding/json does. Well-formed traffic
// has neither, so it is decoded once.
func Decode[M any](frame []byte, s *Scope, once func([]byte, *Scope) (M, error)) (M, error) {
	nv, nd, ns, nn := len(s.Violations), len(s.Drift), len(s.Skipped), len(s.Notes)
	m, err := once(frame, s)
	if err != nil || !s.recheck || s.lastWins {
		return m, err
	}
	s.Violations, s.Drift, s.Skipped, s.Notes = s.Violations[:nv], s.Drift[:nd], s.Skipped[:ns], s.Notes[:nn]
	s.lastWins = true
	defer func() { s.lastWins, s.recheck = false, false }()
	return once(frame, s)
}

// Forget drops what was recorded at or below the property key of the
// current object. A duplicated key means the last occurrence wins, as in
// encoding/json, so findings about an earlier one no longer apply.
func (s *Scope) Forget(key string) {
	s.recheck = true
	s.Push(key)
	p := s.Pointer()
	s.Pop()
	if s.lastWins { // noted once, on the pass that counts
		s.Notes = append(s.Notes, Note{Pointer: p, Kind: NoteDuplicateKey, Message: "the key appears more than once; the last occurrence counts"})
	}
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
