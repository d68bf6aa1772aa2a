package wire

import (
	"github.com/go-faster/jx"
)

// Peek walks the members of one JSON object straight from a frame's bytes,
// so that a decoder can find its discriminators before it decodes. It
// tracks only what it needs to know where each value ends, which makes it
// several times cheaper than a tokenizer pass: strings are skipped with
// bytes.IndexByte, nested values with a byte loop. Well-formedness is left
// to the decoder that follows: on malformed input Peek stops early or sees
// whatever it sees, and the frame is rejected anyway. On well-formed input
// it reports every member in order, keys and string values unescaped, so a
// caller that keeps the last occurrence of a key resolves duplicates as
// encoding/json does.
type Peek struct {
	b     []byte
	i     int // next unread byte
	val   int // start of the current member's value; -1 once consumed
	key   []byte
	first bool
	done  bool
}

// PeekObject starts a walk over the object that opens b (white space may
// precede it).
func PeekObject(b []byte) Peek {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return Peek{done: true}
	}
	return Peek{b: b, i: i + 1, val: -1, first: true}
}

// PeekLast starts a walk over the object b holds, like PeekObject, except
// when the object's last member is key with a string value: then the walk
// visits that member alone. It is the occurrence that counts, whatever
// comes before it, and finding it costs a few bytes read backwards instead
// of a pass over the frame. Senders that order keys alphabetically put
// "type" last.
func PeekLast(b []byte, key string) Peek {
	if i, ok := lastMember(b, key); ok {
		return peekMembers(b[i:])
	}
	return PeekObject(b)
}

// lastMember returns the index of the opening quote of the last member's
// key when b ends with `"key": "string"}`.
func lastMember(b []byte, key string) (int, bool) {
	i := skipSpaceBack(b, len(b)-1)
	if i < 0 || b[i] != '}' {
		return 0, false
	}
	i = skipSpaceBack(b, i-1)
	if i < 0 || b[i] != '"' {
		return 0, false
	}
	open, ok := openingQuote(b, i)
	if !ok {
		return 0, false
	}
	i = skipSpaceBack(b, open-1)
	if i < 0 || b[i] != ':' {
		return 0, false
	}
	i = skipSpaceBack(b, i-1)
	if i < len(key)+1 || b[i] != '"' || string(b[i-len(key):i]) != key || b[i-len(key)-1] != '"' {
		return 0, false
	}
	k := i - len(key) - 1
	if escapedAt(b, k) {
		return 0, false
	}
	if j := skipSpaceBack(b, k-1); j < 0 || (b[j] != ',' && b[j] != '{') {
		return 0, false
	}
	return k, true
}

func skipSpaceBack(b []byte, i int) int {
	for i >= 0 {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i--
		default:
			return i
		}
	}
	return i
}

// openingQuote finds the quote that opens the string closed by b[end]:
// string content holds no quote that is not escaped.
func openingQuote(b []byte, end int) (int, bool) {
	for j := end - 1; j >= 0; j-- {
		if b[j] == '"' && !escapedAt(b, j) {
			return j, true
		}
	}
	return 0, false
}

// escapedAt reports whether an odd run of backslashes precedes b[i].
func escapedAt(b []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// peekMembers starts a walk at the first member's key, the opening quote
// at b[0], of an object whose '{' was already read.
func peekMembers(b []byte) Peek { return Peek{b: b, val: -1, first: true} }

// Next moves to the next member and reports whether there is one.
func (p *Peek) Next() bool {
	if p.done {
		return false
	}
	b := p.b
	if p.val >= 0 {
		end, ok := skipValue(b, p.val)
		if !ok {
			return p.stop()
		}
		p.i, p.val = end, -1
	}
	i := skipSpace(b, p.i)
	if i >= len(b) {
		return p.stop()
	}
	if p.first {
		p.first = false
		if b[i] == '}' {
			return p.stop()
		}
	} else {
		if b[i] != ',' {
			return p.stop()
		}
		i = skipSpace(b, i+1)
	}
	if i >= len(b) || b[i] != '"' {
		return p.stop()
	}
	key, end, ok := readString(b, i)
	if !ok {
		return p.stop()
	}
	i = skipSpace(b, end)
	if i >= len(b) || b[i] != ':' {
		return p.stop()
	}
	i = skipSpace(b, i+1)
	if i >= len(b) {
		return p.stop()
	}
	p.key, p.i, p.val = key, i, i
	return true
}

func (p *Peek) stop() bool {
	p.done = true
	return false
}

// Key is the current member's key, unescaped.
func (p *Peek) Key() []byte { return p.key }

// Str returns the current member's value, unescaped, when it is a string.
func (p *Peek) Str() ([]byte, bool) {
	if p.val < 0 || p.b[p.val] != '"' {
		return nil, false
	}
	s, end, ok := readString(p.b, p.val)
	if !ok {
		p.stop()
		return nil, false
	}
	p.i, p.val = end, -1
	return s, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringStop marks the bytes that end a run of plain string content.
var stringStop = [256]bool{'"': true, '\\': true}

// stringEnd returns the index just past the closing quote of the string
// whose opening quote is b[i], and whether it holds an escape. Frames'
// strings are short, so a byte loop beats bytes.IndexByte's call overhead.
func stringEnd(b []byte, i int) (end int, escaped, ok bool) {
	j := i + 1
	for {
		for j+4 <= len(b) && !stringStop[b[j]] && !stringStop[b[j+1]] && !stringStop[b[j+2]] && !stringStop[b[j+3]] {
			j += 4
		}
		for j < len(b) && !stringStop[b[j]] {
			j++
		}
		if j >= len(b) {
			return 0, false, false
		}
		if b[j] == '"' {
			return j + 1, escaped, true
		}
		escaped = true
		j += 2 // the backslash and the character it escapes
	}
}

// readString returns the content of the string whose opening quote is b[i]
// and the index past it. Content without escapes aliases b; escaped content
// is unescaped into a new slice by jx, which also rejects bad escapes.
func readString(b []byte, i int) ([]byte, int, bool) {
	end, escaped, ok := stringEnd(b, i)
	if !ok {
		return nil, 0, false
	}
	if !escaped {
		return b[i+1 : end-1], end, true
	}
	s, err := jx.DecodeBytes(b[i:end]).StrBytes()
	if err != nil {
		return nil, 0, false
	}
	return s, end, true
}

// structural marks the bytes that matter while skipping a nested value.
var structural = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

// skipValue returns the index just past the value that starts at b[i].
func skipValue(b []byte, i int) (int, bool) {
	switch b[i] {
	case '"':
		end, _, ok := stringEnd(b, i)
		return end, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			c := b[j]
			if !structural[c] {
				continue
			}
			switch c {
			case '"':
				end, _, ok := stringEnd(b, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			default:
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j, j > i
		}
		j++
	}
	return j, j > i
}

// Members starts a Peek over the object d is about to read. When d reads
// the frame given to SetFrame and the object's first key is unescaped, the
// key locates the object in the frame and the look-ahead costs one key
// read by d; otherwise d captures the object's bytes, a full tokenizer
// pass. The decoder is left where it was.
func (s *Scope) Members(d *jx.Decoder) Peek {
	var key, raw []byte
	_ = d.Capture(func(d *jx.Decoder) error {
		it, err := d.ObjIter()
		if err == nil && it.Next() {
			key = it.Key()
		}
		return nil
	})
	if off, ok := s.offsetOf(key); ok && off > 0 && s.frame[off-1] == '"' {
		return peekMembers(s.frame[off-1:])
	}
	_ = d.Capture(func(d *jx.Decoder) error {
		raw, _ = d.Raw()
		return nil
	})
	return PeekObject(raw)
}
