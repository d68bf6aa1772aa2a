package wire

import (
	"bytes"
	"github.com/wsbind/wsbind/runtime/jsonvalue"
	"strconv"
	"strings"
	"sync"
)

// Check's frame scan finds what no decoder shows: an escaped lone UTF-16
// surrogate, which every JSON decoder silently reads as U+FFFD, and, for
// back ends whose decoder keeps the last occurrence of a key without a
// word (encoding/json), duplicate keys.
//
// It is a byte walk like Peek, sharing its string helpers, rather than a
// jx walk: jx hands out keys already unescaped and does not say where in
// its input it is, so an escape in a key cannot be seen through it. The
// walk runs only when it can find something: a frame is first searched
// for lone surrogate escapes (one bytes.IndexByte for a frame without a
// backslash), and without one, and without ScanDuplicates, that is all.
// Malformed input ends the walk where it stops making sense; Check reports
// the syntax error.

// maxScanNotes bounds the notes the scan adds to one frame.
const maxScanNotes = 32

// maxScanDepth bounds the nesting the scan follows. Decoders refuse deeper
// frames (jx and encoding/json both stop at 10000).
const maxScanDepth = 10000

// scanKeysLinear is how many keys of one object are compared one by one
// before they go into a map.
const scanKeysLinear = 32

// Messages of the notes the scan makes. duplicateKeyMessage is the words
// Scope.Forget uses for the generated decoders' duplicate-key notes.
const (
	duplicateKeyMessage     = "the key appears more than once; the last occurrence counts"
	loneSurrogateMessage    = "the string holds an escaped lone UTF-16 surrogate, which decoders read as U+FFFD: the value read is not the value sent"
	loneSurrogateKeyMessage = "the key holds an escaped lone UTF-16 surrogate, which decoders read as U+FFFD: the key read is not the key sent"
)

// scanNotes appends to notes the lone-surrogate notes of frame and, with
// dups, its duplicate-key notes, in frame order and at most maxScanNotes
// of them. Duplicate keys are compared unescaped, as jx unescapes them
// for the generated decoders, and each occurrence after a key's first is
// noted at the property's pointer, as Scope.Forget notes them.
func scanNotes(frame []byte, dups bool, notes []Note) []Note {
	lone := hasLoneSurrogate(frame)
	if !lone && !dups {
		return notes
	}
	sc := scanPool.Get().(*scanner)
	sc.b, sc.i, sc.lone, sc.dups, sc.notes, sc.limit = frame, 0, lone, dups, notes, len(notes)+maxScanNotes
	sc.run()
	notes = sc.notes
	sc.reset()
	scanPool.Put(sc)
	return notes
}

var scanPool = sync.Pool{New: func() any { return new(scanner) }}

// scanKeep is the largest stack a pooled scanner keeps.
const scanKeep = 256

// reset drops what sc holds of the frame, so a pooled scanner keeps no
// frame alive.
func (sc *scanner) reset() {
	clear(sc.levels[:cap(sc.levels)])
	clear(sc.keys[:cap(sc.keys)])
	sc.levels, sc.keys = sc.levels[:0], sc.keys[:0]
	if cap(sc.levels) > scanKeep {
		sc.levels = nil
	}
	if cap(sc.keys) > scanKeep {
		sc.keys = nil
	}
	sc.b, sc.notes = nil, nil
}

// hasLoneSurrogate reports whether b, the content of a JSON string or a
// whole frame, holds a \u escape of a UTF-16 surrogate that is not half of
// a pair: a high surrogate (\uD800-\uDBFF) not followed at once by an
// escaped low one (\uDC00-\uDFFF), or a low one not preceded by a high
// one. Escapes are read in order, each from its backslash, so an escaped
// backslash followed by "ud800" is no escape. Outside strings well-formed
// JSON has no backslash, so this holds for whole frames too. Hex digits
// may be either case; pairs are as encoding/json and jx combine them.
func hasLoneSurrogate(b []byte) bool {
	i := 0
	for {
		j := bytes.IndexByte(b[i:], '\\')
		if j < 0 {
			return false
		}
		j += i
		if j+1 >= len(b) {
			return false
		}
		if b[j+1] != 'u' {
			i = j + 2
			continue
		}
		r, ok := jsonvalue.Hex4(b, j+2)
		if !ok {
			i = j + 2
			continue
		}
		i = j + 6
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
				if r2, ok := jsonvalue.Hex4(b, i+2); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					i += 6
					continue
				}
			}
			return true
		case r >= 0xDC00 && r < 0xE000:
			return true
		}
	}
}

// scanLevel is one open object or array of the walk.
type scanLevel struct {
	obj   bool
	index int    // the current element, in an array
	key   []byte // the current member's key, unescaped, in an object
	keys  int    // where this object's keys start in scanner.keys
	// set holds this object's keys once it has more than scanKeysLinear.
	set map[string]struct{}
}

type scanner struct {
	b          []byte
	i          int // next unread byte
	lone, dups bool
	levels     []scanLevel
	keys       [][]byte // keys seen in the open objects, when dups
	notes      []Note
	limit      int // len(notes) at which the walk stops
}

// run walks the value at sc.i and what it holds.
func (sc *scanner) run() {
	b := sc.b
	for {
		i := skipSpace(b, sc.i)
		if i >= len(b) {
			return
		}
		switch c := b[i]; c {
		case '{', '[':
			if len(sc.levels) >= maxScanDepth {
				return
			}
			obj := c == '{'
			sc.levels = append(sc.levels, scanLevel{obj: obj, keys: len(sc.keys)})
			i = skipSpace(b, i+1)
			if i < len(b) && ((obj && b[i] == '}') || (!obj && b[i] == ']')) {
				sc.close()
				sc.i = i + 1
				break
			}
			if obj {
				j, ok := sc.member(i)
				if !ok {
					return
				}
				i = j
			}
			sc.i = i
			continue // to the first member's value or element
		case '"':
			end, escaped, ok := stringEnd(b, i)
			if !ok {
				return
			}
			if escaped && sc.lone && hasLoneSurrogate(b[i+1:end-1]) && !sc.note(NoteLoneSurrogate, loneSurrogateMessage) {
				return
			}
			sc.i = end
		default:
			j := i
			for j < len(b) && !scalarEnd[b[j]] {
				j++
			}
			if j == i {
				return // a separator where a value belongs
			}
			sc.i = j
		}
		if !sc.next() {
			return
		}
	}
}

// scalarEnd marks the bytes that end a number or a literal.
var scalarEnd = [256]bool{',': true, '}': true, ']': true, ' ': true, '\t': true, '\n': true, '\r': true}

// next moves sc.i past what follows a value, closing the objects and
// arrays it ends, to the next value. It reports false when the frame's
// value is done or the input is malformed.
func (sc *scanner) next() bool {
	b := sc.b
	for len(sc.levels) > 0 {
		i := skipSpace(b, sc.i)
		if i >= len(b) {
			return false
		}
		lv := &sc.levels[len(sc.levels)-1]
		switch c := b[i]; {
		case c == ',':
			if !lv.obj {
				lv.index++
				sc.i = i + 1
				return true
			}
			j, ok := sc.member(skipSpace(b, i+1))
			sc.i = j
			return ok
		case (c == '}' && lv.obj) || (c == ']' && !lv.obj):
			sc.close()
			sc.i = i + 1
		default:
			return false
		}
	}
	return false
}

// close leaves the innermost object or array.
func (sc *scanner) close() {
	lv := &sc.levels[len(sc.levels)-1]
	sc.keys = sc.keys[:lv.keys]
	*lv = scanLevel{}
	sc.levels = sc.levels[:len(sc.levels)-1]
}

// member reads the key and colon of the member of the innermost object
// whose key opens at b[i], notes the key, and returns where its value
// starts.
func (sc *scanner) member(i int) (int, bool) {
	b := sc.b
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	end, escaped, ok := stringEnd(b, i)
	if !ok {
		return 0, false
	}
	key := b[i+1 : end-1]
	if escaped {
		if key, _, ok = readString(b, i); !ok {
			return 0, false
		}
	}
	lv := &sc.levels[len(sc.levels)-1]
	lv.key = key
	if escaped && sc.lone && hasLoneSurrogate(b[i+1:end-1]) && !sc.note(NoteLoneSurrogate, loneSurrogateKeyMessage) {
		return 0, false
	}
	if sc.dups && sc.seen(lv, key) && !sc.note(NoteDuplicateKey, duplicateKeyMessage) {
		return 0, false
	}
	j := skipSpace(b, end)
	if j >= len(b) || b[j] != ':' {
		return 0, false
	}
	return j + 1, true
}

// seen reports whether the object lv already has key, and records it.
func (sc *scanner) seen(lv *scanLevel, key []byte) bool {
	if lv.set != nil {
		if _, ok := lv.set[string(key)]; ok {
			return true
		}
		lv.set[string(key)] = struct{}{}
		return false
	}
	mine := sc.keys[lv.keys:]
	for _, k := range mine {
		if bytes.Equal(k, key) {
			return true
		}
	}
	if len(mine) < scanKeysLinear {
		sc.keys = append(sc.keys, key)
		return false
	}
	lv.set = make(map[string]struct{}, 4*scanKeysLinear)
	for _, k := range mine {
		lv.set[string(k)] = struct{}{}
	}
	lv.set[string(key)] = struct{}{}
	sc.keys = sc.keys[:lv.keys]
	return false
}

// note records a note at the current position and reports whether the
// walk may go on.
func (sc *scanner) note(kind, msg string) bool {
	sc.notes = append(sc.notes, Note{Pointer: sc.pointer(), Kind: kind, Message: msg})
	return len(sc.notes) < sc.limit
}

// pointer renders the current position as a JSON pointer: the member or
// element each open object or array is at.
func (sc *scanner) pointer() string {
	n := 0
	for _, lv := range sc.levels {
		n += 1 + len(lv.key) + 4
	}
	var p strings.Builder
	p.Grow(n)
	for _, lv := range sc.levels {
		p.WriteByte('/')
		if lv.obj {
			p.WriteString(EscapePointer(string(lv.key)))
		} else {
			p.WriteString(strconv.Itoa(lv.index))
		}
	}
	return p.String()
}
