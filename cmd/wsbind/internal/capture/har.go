package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// harReader streams a HAR file: the entries array element by element, and
// a socket's _webSocketMessages message by message when the entry's request
// comes before them, or when the reader streams anyway. Chrome writes
// _webSocketMessages before request, so without Reader.Stream one socket's
// messages of its exports are held until its URL is known.
type harReader struct {
	dec       *json.Decoder
	lr        *lineReader
	name      string
	h         Handler
	committed bool // entries were found: the file is a HAR
	seq       int
	stream    bool // Reader.Stream
	// urls holds each socket's URL by Seq, from a first pass (ReadSeeker):
	// sockets are then announced at their first message with their URL.
	urls map[int]string
	// collect, on a first pass, receives each socket's URL by Seq; message
	// arrays are skipped and no handler but Start is called.
	collect map[int]string
}

func newHARReader(r io.Reader, name string, h Handler, record bool) *harReader {
	lr := &lineReader{r: r, line: 1}
	if record {
		lr.rec = new(bytes.Buffer)
	}
	return &harReader{dec: json.NewDecoder(lr), lr: lr, name: name, h: h}
}

var errNotHAR = errors.New("not a HAR file: no log.entries array")

func (hr *harReader) run() error {
	tok, err := hr.token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errNotHAR
	}
	seenLog := false
	for hr.dec.More() {
		key, err := hr.key()
		if err != nil {
			return err
		}
		if key == "log" && !seenLog {
			seenLog = true
			if err := hr.log(); err != nil {
				return err
			}
			continue
		}
		if err := hr.skip(); err != nil {
			return err
		}
	}
	if _, err := hr.token(); err != nil { // '}'
		return err
	}
	if !hr.committed {
		return errNotHAR
	}
	if _, err := hr.dec.Token(); err != io.EOF {
		return hr.errorf("data after the HAR object")
	}
	return nil
}

func (hr *harReader) log() error {
	tok, err := hr.token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errNotHAR
	}
	for hr.dec.More() {
		key, err := hr.key()
		if err != nil {
			return err
		}
		if key != "entries" || hr.committed {
			if err := hr.skip(); err != nil {
				return err
			}
			continue
		}
		if tok, err := hr.token(); err != nil {
			return err
		} else if tok != json.Delim('[') {
			return errNotHAR
		}
		hr.committed = true
		hr.lr.rec = nil
		if hr.h.Start != nil {
			if err := hr.h.Start(HAR); err != nil {
				return err
			}
		}
		for i := 0; hr.dec.More(); i++ {
			if err := hr.entry(i); err != nil {
				return err
			}
		}
		if _, err := hr.token(); err != nil { // ']'
			return err
		}
	}
	_, err = hr.token() // '}'
	return err
}

func (hr *harReader) entry(i int) error {
	off := hr.dec.InputOffset()
	tok, err := hr.token()
	if err != nil {
		return err
	}
	line := hr.lr.nextValueLine(off)
	if tok != json.Delim('{') {
		return fmt.Errorf("line %d: log.entries[%d] is not an object", line, i)
	}
	var (
		url       string
		haveReq   bool
		sock      *Socket
		announced bool
		pending   []Frame
	)
	for hr.dec.More() {
		key, err := hr.key()
		if err != nil {
			return err
		}
		switch {
		case key == "request" && !haveReq:
			var req struct {
				URL string `json:"url"`
			}
			if err := hr.decode(&req, fmt.Sprintf("log.entries[%d].request", i)); err != nil {
				return err
			}
			url, haveReq = req.URL, true
			hr.lr.advance(hr.dec.InputOffset())
		case key == "_webSocketMessages" && sock == nil:
			tok, err := hr.token()
			if err != nil {
				return err
			}
			if tok == nil { // null: no messages
				continue
			}
			if tok != json.Delim('[') {
				return hr.errorf("log.entries[%d]._webSocketMessages is not an array", i)
			}
			sock = &Socket{File: hr.name, Line: line, Seq: hr.seq, URL: url, Frames: -1}
			hr.seq++
			if hr.collect != nil {
				if err := hr.skipRest(); err != nil {
					return err
				}
				continue
			}
			if !haveReq && hr.urls != nil {
				sock.URL = hr.urls[sock.Seq]
			}
			if haveReq || hr.stream || hr.urls != nil {
				announced = true
				if err := hr.announce(sock); err != nil {
					return err
				}
			}
			n := 0
			for ; hr.dec.More(); n++ {
				f, err := hr.message(sock, i, n)
				if err != nil {
					return err
				}
				if announced {
					if err := hr.frame(&f); err != nil {
						return err
					}
					continue
				}
				pending = append(pending, f)
			}
			sock.Frames = n
			if _, err := hr.token(); err != nil { // ']'
				return err
			}
		default:
			if err := hr.skip(); err != nil {
				return err
			}
		}
	}
	if _, err := hr.token(); err != nil { // '}'
		return err
	}
	if sock == nil {
		return nil
	}
	sock.URL = url
	if hr.collect != nil {
		hr.collect[sock.Seq] = url
		return nil
	}
	if announced {
		return nil
	}
	if err := hr.announce(sock); err != nil {
		return err
	}
	for k := range pending {
		if err := hr.frame(&pending[k]); err != nil {
			return err
		}
		pending[k] = Frame{}
	}
	return nil
}

func (hr *harReader) message(sock *Socket, entry, n int) (Frame, error) {
	off := hr.dec.InputOffset()
	var m struct {
		Type   string          `json:"type"`
		Opcode *int            `json:"opcode"`
		Data   *string         `json:"data"`
		Time   json.RawMessage `json:"time"`
	}
	if err := hr.decode(&m, fmt.Sprintf("log.entries[%d]._webSocketMessages[%d]", entry, n)); err != nil {
		return Frame{}, err
	}
	f := Frame{File: hr.name, Line: hr.lr.nextValueLine(off), Socket: sock}
	f.Time, f.HasTime = parseTime(m.Time)
	hr.lr.advance(hr.dec.InputOffset())
	switch m.Type {
	case "send":
		f.Direction = "client"
	case "receive":
		f.Direction = "server"
	default:
		f.Skip = typeSkip(m.Type)
	}
	if m.Opcode != nil {
		f.Opcode = *m.Opcode
	}
	if f.Skip == "" {
		f.Skip = opcodeSkip(f.Opcode)
	}
	switch {
	case f.Skip != "":
	case m.Data == nil:
		f.Skip = "no data"
	default:
		f.Data = []byte(*m.Data)
	}
	return f, nil
}

func (hr *harReader) announce(s *Socket) error {
	if hr.h.Socket == nil {
		return nil
	}
	return hr.h.Socket(s)
}

func (hr *harReader) frame(f *Frame) error {
	if hr.h.Frame == nil {
		return nil
	}
	return hr.h.Frame(f)
}

func (hr *harReader) token() (json.Token, error) {
	tok, err := hr.dec.Token()
	if err != nil {
		return nil, hr.wrap(err)
	}
	return tok, nil
}

// decode decodes the next value into v; where names it in errors.
func (hr *harReader) decode(v any, where string) error {
	if err := hr.dec.Decode(v); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = errors.New("unexpected end of file")
		}
		return hr.wrap(fmt.Errorf("%s: %w", where, err))
	}
	return nil
}

func (hr *harReader) key() (string, error) {
	tok, err := hr.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", hr.errorf("expected an object key")
	}
	return s, nil
}

// skip consumes one value token by token, so a large value is never held
// as a whole (beyond one string).
func (hr *harReader) skip() error {
	tok, err := hr.token()
	if err != nil {
		return err
	}
	hr.lr.advance(hr.dec.InputOffset())
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		return hr.skipRest()
	}
	return nil
}

// skipRest consumes the rest of an array or object whose opening token
// was read.
func (hr *harReader) skipRest() error {
	depth := 1
	for depth > 0 {
		tok, err := hr.token()
		if err != nil {
			return err
		}
		hr.lr.advance(hr.dec.InputOffset())
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func (hr *harReader) errorf(format string, args ...any) error {
	line := hr.lr.lineAt(hr.dec.InputOffset())
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

var quotedChar = regexp.MustCompile(`invalid character '(\\'|[^']*)'`)

// wrap gives a decoding error its line. Errors from encoding/json quote at
// most one character of the input; wrap drops it.
func (hr *harReader) wrap(err error) error {
	var se *json.SyntaxError
	switch {
	case err == io.EOF:
		return fmt.Errorf("line %d: unexpected end of file", hr.lr.lineAt(hr.dec.InputOffset()))
	case errors.As(err, &se):
		// The character encoding/json quotes may sit inside a frame.
		msg := quotedChar.ReplaceAllLiteralString(err.Error(), "invalid character")
		return fmt.Errorf("line %d: %s", hr.lr.lineAt(se.Offset), msg)
	default:
		return fmt.Errorf("line %d: %w", hr.lr.lineAt(hr.dec.InputOffset()), err)
	}
}

// lineReader passes reads through and keeps the bytes read but not yet
// counted, so that a stream offset can be turned into a line number. The
// decoder's offsets only move forward, and every offset asked for drops
// the bytes before it: memory stays about what the decoder itself buffers.
type lineReader struct {
	r      io.Reader
	chunks [][]byte
	base   int64 // stream offset of chunks[0][0]
	line   int   // line number at base
	// rec, when set, records everything read, so the input can be read
	// again as JSONL if it turns out not to be a HAR.
	rec *bytes.Buffer
}

func (l *lineReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		l.chunks = append(l.chunks, bytes.Clone(p[:n]))
		if l.rec != nil {
			l.rec.Write(p[:n])
		}
	}
	return n, err
}

var newline = []byte{'\n'}

// advance counts the lines before stream offset off.
func (l *lineReader) advance(off int64) {
	for off > l.base && len(l.chunks) > 0 {
		c := l.chunks[0]
		n := off - l.base
		if n >= int64(len(c)) {
			l.line += bytes.Count(c, newline)
			l.base += int64(len(c))
			l.chunks[0] = nil
			l.chunks = l.chunks[1:]
			continue
		}
		l.line += bytes.Count(c[:n], newline)
		l.chunks[0] = c[n:]
		l.base = off
	}
}

// lineAt returns the line of stream offset off.
func (l *lineReader) lineAt(off int64) int {
	l.advance(off)
	return l.line
}

// nextValueLine returns the line of the first byte at or after off that is
// not white space or a comma: where the next JSON value starts.
func (l *lineReader) nextValueLine(off int64) int {
	l.advance(off)
	line := l.line
	for _, c := range l.chunks {
		for _, b := range c {
			switch b {
			case '\n':
				line++
			case ' ', '\t', '\r', ',':
			default:
				return line
			}
		}
	}
	return line
}

// typeSkip is the skip reason of a message whose type is neither send nor
// receive. The type is named only when short and plain: it is input, of
// any length and content.
func typeSkip(typ string) string {
	ok := len(typ) <= 24
	for i := 0; ok && i < len(typ); i++ {
		c := typ[i]
		ok = c == '_' || c == '-' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
	}
	if !ok {
		return "message of another type"
	}
	return strconv.Quote(typ) + " message"
}
