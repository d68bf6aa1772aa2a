// Package jsonvalue is a parsed JSON value and the draft-07 leaf checks
// that compiled validators (generated code) call.
//
// Every check agrees with santhosh-tekuri/jsonschema/v5 under draft-07, the
// reference validator; numbers are kept as their literal and compared as
// exact decimals, so no float64 rounding can change a verdict.
package jsonvalue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-faster/jx"
)

// Kind is the JSON type of a Value. Integer is not a kind: draft-07 treats
// it as a property of a number (see IsInteger).
type Kind uint8

// The six JSON kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"null", "boolean", "number", "string", "array", "object"}

// String returns the draft-07 type name, as used by the "type" keyword.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MaxDepth is the deepest nesting of arrays and objects Parse accepts; it
// bounds recursion on hostile input (and equals jx's own limit).
const MaxDepth = 10000

// indexMin is the member count above which Parse builds a key index: below
// it a linear scan is faster than hashing.
const indexMin = 8

// Value is one parsed JSON value. Only the fields of its Kind are set.
type Value struct {
	Kind  Kind
	Bool  bool
	Num   string   // the number literal exactly as written (JSON syntax), for Kind Number
	Str   string   // decoded string, for Kind String
	Items []Value  // Kind Array
	Keys  []string // Kind Object: member names in document order, each once
	Vals  []Value  // parallel to Keys

	// index maps a key to its position when an object has more than
	// indexMin members. It is built by Parse and never written afterwards,
	// so shared values (generated constants) are safe for concurrent use.
	index map[string]int
}

// Get returns the member named key of an object.
func (v *Value) Get(key string) (*Value, bool) {
	if v.index != nil {
		if i, ok := v.index[key]; ok {
			return &v.Vals[i], true
		}
		return nil, false
	}
	for i, k := range v.Keys {
		if k == key {
			return &v.Vals[i], true
		}
	}
	return nil, false
}

// IsInteger reports whether v is a number with no fractional part, the
// draft-07 meaning of "integer" (1.0 and 1e2 count), decided exactly.
func (v *Value) IsInteger() bool {
	return v.Kind == Number && isIntegerLit(v.Num)
}

// TypeName is the most specific draft-07 type of v, for error messages.
func (v *Value) TypeName() string {
	if v.IsInteger() {
		return "integer"
	}
	return v.Kind.String()
}

// Parse parses exactly one JSON value; surrounding whitespace is allowed,
// anything else after it is an error. Of duplicate keys the last value
// wins at the position of the first, as with encoding/json.
func Parse(data []byte) (Value, error) {
	data = fixSurrogates(data)
	return parse(data, string(data))
}

// parse reads data; src is the same text as a string, from which Parse
// slices numbers, keys and unescaped strings instead of allocating each.
// (A parsed Value therefore keeps its whole input alive.)
func parse(data []byte, src string) (Value, error) {
	d := jx.DecodeBytes(data)
	p := parsers.Get().(*parser)
	p.buf, p.src, p.depth = data, src, 0
	v, err := p.value(d)
	p.buf, p.src = nil, ""
	if cap(p.items) <= maxPooledScratch && cap(p.vals) <= maxPooledScratch {
		clear(p.items[:cap(p.items)]) // drop references to this input
		clear(p.keys[:cap(p.keys)])
		clear(p.vals[:cap(p.vals)])
		p.items, p.keys, p.vals = p.items[:0], p.keys[:0], p.vals[:0]
		parsers.Put(p)
	}
	if err != nil {
		return Value{}, err
	}
	// Only a bare io.EOF from the tokenizer means nothing but whitespace is
	// left; a wrapped EOF is a truncated second value.
	if err := d.Skip(); err != io.EOF {
		return Value{}, errors.New("jsonvalue: trailing data after JSON value")
	}
	return v, nil
}

// MustParse is Parse for literals in generated code (enum and const
// values), where bad JSON is a generator bug.
func MustParse(s string) Value {
	data := fixSurrogates([]byte(s))
	src := s
	if string(data) != s {
		src = string(data)
	}
	v, err := parse(data, src)
	if err != nil {
		panic(fmt.Sprintf("jsonvalue.MustParse(%q): %v", s, err))
	}
	return v
}

// fixSurrogates returns data with every \u escape of a surrogate that
// does not start a valid pair rewritten to \ufffd (same length). That is
// what encoding/json decodes it to, and so the string santhosh v5 sees;
// jx alone would also break a valid pair that follows a lone surrogate
// ("\ud800\ud800\udc00"). Input without surrogate escapes is returned as
// is after one fast scan.
func fixSurrogates(data []byte) []byte {
	if !hasSurrogateEscape(data) {
		return data
	}
	out := bytes.Clone(data)
	inStr := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case !inStr:
			inStr = c == '"'
		case c == '"':
			inStr = false
		case c == '\\' && i+1 < len(out) && out[i+1] != 'u':
			i++ // skip the escaped character
		case c == '\\':
			r, ok := Hex4(out, i+2)
			if !ok {
				return data // malformed: let jx report it
			}
			if !utf16.IsSurrogate(r) {
				i += 5
				break
			}
			if out2, ok := Hex4(out, i+8); ok && i+7 < len(out) && out[i+6] == '\\' && out[i+7] == 'u' &&
				utf16.DecodeRune(r, out2) != utf8.RuneError {
				i += 11 // a valid pair: keep both escapes
				break
			}
			copy(out[i+2:i+6], "fffd")
			i += 5
		}
	}
	return out
}

func hasSurrogateEscape(data []byte) bool {
	for {
		i := bytes.Index(data, []byte(`\u`))
		if i < 0 || i+3 >= len(data) {
			return false
		}
		if c := data[i+2]; c == 'd' || c == 'D' {
			switch data[i+3] {
			case '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F':
				return true
			}
		}
		data = data[i+2:]
	}
}

// Hex4 reads the four hex digits of a \u escape at data[i:].
func Hex4(data []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// parsers recycles scratch stacks between Parse calls; huge ones are
// dropped rather than pinned.
var parsers = sync.Pool{New: func() any { return new(parser) }}

const maxPooledScratch = 4096

type parser struct {
	buf   []byte // the input jx reads
	src   string // the input as a string
	depth int
	// Scratch stacks: members of all open arrays and objects, so each
	// finished one is copied once into an exact-size slice.
	items []Value
	keys  []string
	vals  []Value
}

// str returns b as a string, sharing src when b is a slice of the input
// (jx returns such slices for numbers, keys and strings without escapes).
// cap tells where b would start in buf; comparing the bytes makes that
// guess safe when b is really jx's own scratch buffer.
func (p *parser) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	off := cap(p.buf) - cap(b)
	if off >= 0 && off+len(b) <= len(p.buf) && bytes.Equal(p.buf[off:off+len(b)], b) {
		return p.src[off : off+len(b)]
	}
	return string(b)
}

var errDepth = fmt.Errorf("jsonvalue: nesting deeper than %d", MaxDepth)

func (p *parser) value(d *jx.Decoder) (Value, error) {
	switch d.Next() {
	case jx.Null:
		if err := d.Null(); err != nil {
			return Value{}, err
		}
		return Value{Kind: Null}, nil
	case jx.Bool:
		b, err := d.Bool()
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: Bool, Bool: b}, nil
	case jx.Number:
		n, err := d.Num()
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: Number, Num: p.str(n)}, nil
	case jx.String:
		s, err := d.StrBytes()
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: String, Str: p.str(s)}, nil
	case jx.Array:
		if p.depth++; p.depth > MaxDepth {
			return Value{}, errDepth
		}
		base := len(p.items)
		err := d.Arr(func(d *jx.Decoder) error {
			it, err := p.value(d)
			p.items = append(p.items, it)
			return err
		})
		p.depth--
		if err != nil {
			return Value{}, err
		}
		items := make([]Value, len(p.items)-base) // [] stays distinct from nil
		copy(items, p.items[base:])
		clear(p.items[base:])
		p.items = p.items[:base]
		return Value{Kind: Array, Items: items}, nil
	case jx.Object:
		if p.depth++; p.depth > MaxDepth {
			return Value{}, errDepth
		}
		base := len(p.keys)
		var index map[string]int
		err := d.ObjBytes(func(d *jx.Decoder, key []byte) error {
			it, err := p.value(d)
			if err != nil {
				return err
			}
			index = p.set(base, index, p.str(key), it)
			return nil
		})
		p.depth--
		if err != nil {
			return Value{}, err
		}
		v := Value{Kind: Object, Keys: make([]string, len(p.keys)-base), Vals: make([]Value, len(p.vals)-base), index: index}
		copy(v.Keys, p.keys[base:])
		copy(v.Vals, p.vals[base:])
		clear(p.vals[base:])
		p.keys, p.vals = p.keys[:base], p.vals[:base]
		return v, nil
	default:
		// Let jx produce the positioned syntax error.
		if err := d.Skip(); err != nil {
			return Value{}, err
		}
		return Value{}, errors.New("jsonvalue: invalid JSON value")
	}
}

// set adds or replaces a member of the object open at base; replacing
// keeps the first position so Keys stays in document order with each name
// once. Past indexMin members it keeps a key index, which the Value keeps.
func (p *parser) set(base int, index map[string]int, key string, val Value) map[string]int {
	keys := p.keys[base:]
	if index == nil && len(keys) < indexMin {
		for i, k := range keys {
			if k == key {
				p.vals[base+i] = val
				return nil
			}
		}
		p.keys = append(p.keys, key)
		p.vals = append(p.vals, val)
		return nil
	}
	if index == nil {
		index = make(map[string]int, 2*indexMin)
		for i, k := range keys {
			index[k] = i
		}
	}
	if i, ok := index[key]; ok {
		p.vals[base+i] = val
		return index
	}
	index[key] = len(keys)
	p.keys = append(p.keys, key)
	p.vals = append(p.vals, val)
	return index
}

// AppendJSON appends v as compact JSON, numbers as their original literal.
// Error messages and tests use it; it is not a canonical form.
func (v *Value) AppendJSON(b []byte) []byte {
	var w jx.Writer
	w.Buf = b
	v.write(&w)
	return w.Buf
}

// String returns v as compact JSON.
func (v *Value) String() string {
	return string(v.AppendJSON(nil))
}

func (v *Value) write(w *jx.Writer) {
	switch v.Kind {
	case Null:
		w.Null()
	case Bool:
		w.Bool(v.Bool)
	case Number:
		w.RawStr(v.Num)
	case String:
		w.Str(v.Str)
	case Array:
		w.ArrStart()
		for i := range v.Items {
			if i > 0 {
				w.Comma()
			}
			v.Items[i].write(w)
		}
		w.ArrEnd()
	case Object:
		w.ObjStart()
		for i, k := range v.Keys {
			if i > 0 {
				w.Comma()
			}
			w.FieldStart(k)
			v.Vals[i].write(w)
		}
		w.ObjEnd()
	}
}
