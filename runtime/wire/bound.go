package wire

import (
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Frames come from peers and captures that may be hostile or carry live
// tokens, so nothing this package reports quotes a frame's bytes, and what
// it renders is bounded: pointers and messages are clipped on display
// (Violation.String), and syntax errors are reduced to a cause and an
// offset (SyntaxError).

// Display caps of Violation.String, in bytes.
const (
	MaxPointerText = 128
	MaxMessageText = 512
)

// Clip returns s cut to at most max bytes, on a UTF-8 boundary, followed
// by "…(+N bytes)" naming how many bytes were left out.
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(+" + strconv.Itoa(len(s)-cut) + " bytes)"
}

// KeywordUTF8 is the keyword of a text frame that is not valid UTF-8.
const KeywordUTF8 = "utf8"

// checkUTF8 returns the violation of a frame that is not valid UTF-8: JSON
// text (RFC 8259 §8.1) and WebSocket text frames (RFC 6455 §5.6) must be.
// utf8.Valid is cheap; the offset is looked for only when it fails.
func checkUTF8(frame []byte) (Violation, bool) {
	if utf8.Valid(frame) {
		return Violation{}, false
	}
	off := 0
	for off < len(frame) {
		r, n := utf8.DecodeRune(frame[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	return Violation{Keyword: KeywordUTF8, Message: "invalid UTF-8 at byte offset " + strconv.Itoa(off)}, true
}

// SyntaxError is a frame that is not well-formed JSON. Its text names the
// cause and, when known, the byte offset, never the frame's bytes: the
// decoder's own errors quote input and wrap once per nesting level, so a
// deeply nested frame would otherwise give an error longer than itself.
type SyntaxError struct {
	// Offset is the byte offset in the frame, or -1 when unknown.
	Offset int
	// Cause is a short description that quotes nothing from the frame.
	Cause string
	err   error
}

func (e *SyntaxError) Error() string {
	if e.Offset < 0 {
		return e.Cause
	}
	return e.Cause + " at byte offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns the decoder's error, for errors.Is; do not print it.
func (e *SyntaxError) Unwrap() error { return e.err }

// maxDepth is the decoder's nesting limit (go-faster/jx).
const maxDepth = 10000

var badByte = regexp.MustCompile(`^unexpected byte \d+ .* at (\d+)$`)

// syntaxError turns a decoder error into a *SyntaxError.
func syntaxError(err error) error {
	var se *SyntaxError
	if err == nil || errors.As(err, &se) {
		return err
	}
	root := err
	for {
		next := errors.Unwrap(root)
		if next == nil {
			break
		}
		root = next
	}
	out := &SyntaxError{Offset: -1, err: err}
	msg := root.Error()
	switch {
	case root == errTrailing:
		out.Cause = msg
	case root == io.ErrUnexpectedEOF || root == io.EOF:
		out.Cause = "unexpected end of JSON input"
	case msg == "depth: maximum":
		out.Cause = "nested deeper than " + strconv.Itoa(maxDepth) + " levels"
	default:
		if m := badByte.FindStringSubmatch(msg); m != nil {
			out.Cause = "unexpected character"
			out.Offset, _ = strconv.Atoi(m[1])
		} else if len(msg) <= 64 && !strings.ContainsAny(msg, "'\"`\\") {
			out.Cause = "invalid JSON: " + msg // a fixed text of the decoder
		} else {
			out.Cause = "invalid JSON"
		}
	}
	return out
}
