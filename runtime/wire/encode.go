package wire

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// JSONAppender is implemented by every message type wsbind-gen writes:
// AppendJSON appends the message's JSON to dst with the encoder generated
// for its type, no reflection involved. The bytes are the ones
// encoding/json's Marshal writes for the same value, byte for byte. On
// error (a NaN or infinite number, a json.RawMessage that is not JSON)
// it returns nil and the error.
type JSONAppender interface {
	AppendJSON(dst []byte) ([]byte, error)
}

// Marshal returns a's JSON in a slice of its own, sized to fit: the
// encoder writes into a pooled buffer, so a message costs one allocation.
func Marshal(a JSONAppender) ([]byte, error) {
	bp := encodeBufs.Get().(*[]byte)
	b, err := a.AppendJSON((*bp)[:0])
	if err != nil {
		encodeBufs.Put(bp)
		return nil, err
	}
	out := slices.Clone(b)
	if cap(b) <= maxPooledBuf {
		*bp = b
		encodeBufs.Put(bp)
	}
	return out, nil
}

// maxPooledBuf bounds the buffers Marshal keeps: one huge message should
// not pin its buffer for good.
const maxPooledBuf = 64 << 10

var encodeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// AppendJSON appends the value as received, compacted as encoding/json
// compacts the output of a MarshalJSON method. An Unknown with no Raw is
// an error, as it is for json.Marshal.
func (u *Unknown) AppendJSON(dst []byte) ([]byte, error) {
	w := Writer{buf: dst}
	w.Marshaled(u.Raw)
	return w.Result()
}

// Writer is what generated encoders write JSON through. Each method
// writes what encoding/json writes for a value of the same Go type (with
// its default HTML escaping), so generated output matches json.Marshal
// byte for byte. The first error sticks: later writes are dropped and
// Result reports it.
type Writer struct {
	buf []byte
	err error
}

// NewWriter returns a Writer that appends to dst.
func NewWriter(dst []byte) Writer { return Writer{buf: dst} }

// Result returns the bytes written, or nil and the first error.
func (w *Writer) Result() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

// Fail records err unless an error is already recorded.
func (w *Writer) Fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Lit writes s, which must be JSON text (punctuation, pre-escaped keys).
func (w *Writer) Lit(s string) { w.buf = append(w.buf, s...) }

// Key writes key (a pre-escaped key with its quotes and colon) after a
// comma when *more says a property was written before, and records that
// one now is: generated encoders call it for properties after optional
// ones, where whether a comma goes first is known only at run time.
func (w *Writer) Key(more *bool, key string) {
	if *more {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, key...)
	*more = true
}

// Byte writes c, which must be JSON punctuation.
func (w *Writer) Byte(c byte) { w.buf = append(w.buf, c) }

// Null writes null.
func (w *Writer) Null() { w.buf = append(w.buf, "null"...) }

// Bool writes true or false.
func (w *Writer) Bool(v bool) { w.buf = strconv.AppendBool(w.buf, v) }

// Int writes v in decimal.
func (w *Writer) Int(v int64) { w.buf = strconv.AppendInt(w.buf, v, 10) }

// Integer writes i: its canonical digits, or its literal beyond int64.
func (w *Writer) Integer(i Integer) { w.buf = i.AppendJSON(w.buf) }

// Str writes s as a JSON string, escaped as encoding/json escapes it.
func (w *Writer) Str(s string) { w.buf = AppendString(w.buf, s) }

// Float writes f as encoding/json writes a float64. NaN and the
// infinities have no JSON form: they are an error.
func (w *Writer) Float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.Fail(&EncodeError{What: "number", Err: errors.New("unsupported value: " + strconv.FormatFloat(f, 'g', -1, 64))})
		return
	}
	w.buf = AppendFloat(w.buf, f)
}

// Raw writes a json.RawMessage field as encoding/json does: null when
// nil, and otherwise compacted, with <, >, & and U+2028/U+2029 in
// strings escaped. A value that is not JSON is an error.
func (w *Writer) Raw(r json.RawMessage) {
	if r == nil {
		w.Null()
		return
	}
	w.Marshaled(r)
}

// Marshaled writes b, the output of a MarshalJSON method (an Unknown's
// Raw), as encoding/json does: compacted and HTML-escaped; empty or
// malformed JSON is an error.
func (w *Writer) Marshaled(b []byte) {
	if w.err != nil {
		return
	}
	out, err := AppendCompact(w.buf, b)
	if err != nil {
		w.Fail(err)
		return
	}
	w.buf = out
}

// EncodeError is a value a generated encoder cannot write as JSON.
type EncodeError struct {
	What string // "number" or "raw JSON"
	Err  error
}

func (e *EncodeError) Error() string { return "wire: encode " + e.What + ": " + e.Err.Error() }
func (e *EncodeError) Unwrap() error { return e.Err }

// AppendFloat appends f as encoding/json formats a float64: like
// strconv's shortest 'f', switching to 'e' below 1e-6 and from 1e21, with
// a one-digit negative exponent unpadded (1e-7, not 1e-07). f must be
// finite.
func AppendFloat(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// noEscape marks the ASCII bytes a JSON string holds as they are under
// encoding/json's default (HTML-safe) escaping.
var noEscape = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		switch c {
		case '"', '\\', '<', '>', '&':
		default:
			t[c] = true
		}
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string escaped as encoding/json
// escapes it by default: ", \ and control characters; <, > and & as
// \u003c, \u003e, \u0026; U+2028 and U+2029; and each byte of invalid
// UTF-8 as \ufffd.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if noEscape[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendCompact appends src, which must be one JSON value, as
// encoding/json writes the output of a MarshalJSON method: without
// insignificant space, and with <, >, & and U+2028/U+2029 escaped. src is
// checked with json.Valid, which uses encoding/json's own scanner (no
// reflection), so that what it rejects is rejected here too.
func AppendCompact(dst, src []byte) ([]byte, error) {
	if !json.Valid(src) {
		what := "not JSON"
		if len(src) == 0 {
			what = "empty"
		}
		return nil, &EncodeError{What: "raw JSON", Err: errors.New(what)}
	}
	if compactAlready(src) {
		return append(dst, src...), nil
	}
	inStr := false
	start := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inStr {
			switch {
			case c == '\\':
				i++ // the escaped byte is never special
			case c == '"':
				inStr = false
			case c == '<' || c == '>' || c == '&':
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
				start = i + 1
			case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...), nil
}

// compactAlready reports whether valid JSON src is written as
// AppendCompact would write it: no space outside strings, nothing to
// escape inside them.
func compactAlready(src []byte) bool {
	for _, c := range src {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			// Space inside a string is kept, but telling needs a scan:
			// take the slow path.
			return false
		}
	}
	return true
}
