package htmlreport

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-faster/jx"

	"github.com/wsbind/wsbind/cmd/wsbind/internal/fields"
	"github.com/wsbind/wsbind/runtime/wire"
)

// A frame's body is shown pretty-printed, one line per value, each value
// line tagged with its JSON pointer so that the page can highlight the
// places violations and notes name. Values are masked (their JSON type
// only) unless a display func is given; keys are shown, as the text
// report shows them in pointers, clipped.

// maxKeyText bounds a key as shown, in bytes.
const maxKeyText = 80

// bodyLine is one line of a pretty-printed frame. Ptr is set on lines that
// open or hold a value; closing brackets have none.
type bodyLine struct {
	depth int
	text  string
	ptr   string
	value bool // the line starts a value (ptr is meaningful)
}

// renderer pretty-prints one frame.
type renderer struct {
	display  func([]byte) string
	maxLines int
	lines    []bodyLine
	total    int
}

func (r *renderer) emit(l bodyLine) {
	r.total++
	if len(r.lines) < r.maxLines {
		r.lines = append(r.lines, l)
	}
}

// comma ends the last line with "," before another element, when that
// line was kept.
func (r *renderer) comma() {
	if r.total == len(r.lines) && len(r.lines) > 0 {
		r.lines[len(r.lines)-1].text += ","
	}
}

var errNotJSON = errors.New("not JSON")

// renderBody pretty-prints frame into at most maxLines lines. display
// shows a scalar's JSON text; nil masks it. ok is false when the frame is
// not JSON, and more counts the lines left out.
func renderBody(frame []byte, display func([]byte) string, maxLines int) (lines []bodyLine, more int, ok bool) {
	d := jx.GetDecoder()
	defer jx.PutDecoder(d)
	d.ResetBytes(frame)
	r := &renderer{display: display, maxLines: maxLines}
	if err := r.value(d, 0, "", ""); err != nil {
		return nil, 0, false
	}
	// Nothing may follow the value.
	if d.Next() != jx.Invalid || !errors.Is(d.Skip(), io.EOF) {
		return nil, 0, false
	}
	return r.lines, r.total - len(r.lines), true
}

func (r *renderer) value(d *jx.Decoder, depth int, ptr, prefix string) error {
	switch d.Next() {
	case jx.Object:
		open := len(r.lines)
		kept := r.total == len(r.lines) && len(r.lines) < r.maxLines
		r.emit(bodyLine{depth: depth, text: prefix + "{", ptr: ptr, value: true})
		n := 0
		err := d.ObjBytes(func(d *jx.Decoder, key []byte) error {
			if n > 0 {
				r.comma()
			}
			n++
			k := string(key)
			return r.value(d, depth+1, ptr+"/"+wire.EscapePointer(k), quoteKey(k)+": ")
		})
		if err != nil {
			return err
		}
		if n == 0 {
			if kept {
				r.lines[open].text = prefix + "{}"
			}
			return nil
		}
		r.emit(bodyLine{depth: depth, text: "}"})
		return nil
	case jx.Array:
		open := len(r.lines)
		kept := r.total == len(r.lines) && len(r.lines) < r.maxLines
		r.emit(bodyLine{depth: depth, text: prefix + "[", ptr: ptr, value: true})
		n := 0
		err := d.Arr(func(d *jx.Decoder) error {
			if n > 0 {
				r.comma()
			}
			i := n
			n++
			return r.value(d, depth+1, ptr+"/"+strconv.Itoa(i), "")
		})
		if err != nil {
			return err
		}
		if n == 0 {
			if kept {
				r.lines[open].text = prefix + "[]"
			}
			return nil
		}
		r.emit(bodyLine{depth: depth, text: "]"})
		return nil
	case jx.String, jx.Number, jx.Bool, jx.Null:
		t := d.Next()
		raw, err := d.Raw()
		if err != nil || !jx.Valid(raw) {
			return errNotJSON
		}
		if len(r.lines) >= r.maxLines {
			r.total++ // counted, not shown
			return nil
		}
		r.emit(bodyLine{depth: depth, text: prefix + r.scalar(t, raw), ptr: ptr, value: true})
		return nil
	}
	return errNotJSON
}

// scalar shows a JSON scalar: its type when masked, else its JSON text as
// display makes it.
func (r *renderer) scalar(t jx.Type, raw []byte) string {
	if r.display == nil {
		switch t {
		case jx.String:
			return "‹string›"
		case jx.Number:
			return "‹number›"
		case jx.Bool:
			return "‹boolean›"
		default:
			return "null"
		}
	}
	return r.display(raw)
}

// quoteKey shows a key quoted, clipped to maxKeyText bytes, one printable
// line.
func quoteKey(k string) string {
	if len(k) > maxKeyText {
		cut := maxKeyText
		for cut > 0 && !utf8.RuneStart(k[cut]) {
			cut--
		}
		k = k[:cut] + "…"
	}
	return fields.Printable(string(appendQuoted(nil, k)))
}

// appendQuoted appends s as a JSON string: '"', '\\' and control
// characters escaped, invalid UTF-8 as U+FFFD, nothing else (the page
// sets text, never markup, so "<" may stay "<").
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xF])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
