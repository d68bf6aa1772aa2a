// Package capture reads recorded WebSocket traffic, frame by frame, from
// JSONL captures and HAR files, without holding the whole input in memory.
//
// A JSONL capture has one frame per non-empty line. A line is either the
// frame itself (any JSON value, or text that is not JSON at all) or an
// envelope in the shape of a HAR _webSocketMessages entry:
//
//	{"type": "send"|"receive", "data": "<frame text>", "time": ..., "opcode": 1}
//
// A line is an envelope when it is an object whose keys are type and data,
// optionally time and opcode, nothing else, with type "send" or "receive",
// data a string and opcode, when present, an integer.
//
// A HAR file (Chrome DevTools "Export HAR", or any JSON object with
// log.entries) is read entry by entry; entries carrying _webSocketMessages
// are sockets.
package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-faster/jx"
)

// DefaultMaxLine is the longest JSONL line Read accepts; a longer line is
// reported as a Frame with TooLong set and skipped.
const DefaultMaxLine = 64 << 20

// Format is the kind of a capture file.
type Format string

// The formats Read understands.
const (
	JSONL Format = "jsonl"
	HAR   Format = "har"
)

// Skip reasons of frames that carry no text to validate.
const (
	SkipBinary  = "binary frame"
	SkipControl = "control frame"
)

// Frame is one WebSocket message of a capture.
type Frame struct {
	File string
	// Line is the 1-based line where the frame (its JSONL line, or its HAR
	// message object) starts.
	Line int
	// Direction is "server" for frames the client received, "client" for
	// frames it sent, "" for a bare JSONL frame (the caller picks).
	Direction string
	// Data is the frame's text. It aliases a buffer that is reused once the
	// handler returns.
	Data []byte
	// Opcode is the WebSocket opcode when the capture records it (1 text,
	// 2 binary), else 0.
	Opcode int
	// Skip, when set, says why the frame carries no text to validate
	// (SkipBinary, SkipControl, or another reason).
	Skip string
	// TooLong is set for a JSONL line longer than the reader's MaxLine;
	// Data is then empty.
	TooLong bool
	// Socket is the HAR socket the frame belongs to; nil for JSONL.
	Socket *Socket
	// Time is when the frame was captured, in seconds since the Unix
	// epoch, when HasTime is set: a HAR message's time, or a JSONL
	// envelope's time (a number of seconds, or an RFC 3339 string).
	Time    float64
	HasTime bool
}

// Socket is one HAR entry with WebSocket messages.
type Socket struct {
	File string
	// Line is where the entry starts.
	Line int
	// Seq numbers the sockets of one file from 0.
	Seq int
	// URL is the entry's request.url as recorded: it may carry credentials
	// in its query. Never print it as is. With Reader.Stream it may be ""
	// when the socket is announced, and is set once the entry is read.
	URL string
	// Frames counts the socket's messages; -1 until they are all read.
	Frames int
}

// Handler receives what Read finds. Any func may be nil. An error returned
// by a func stops Read, which returns it.
type Handler struct {
	// Start is called once, with the detected format, before anything else.
	Start func(f Format) error
	// Socket is called for each HAR socket before its frames.
	Socket func(s *Socket) error
	// Frame is called for each frame, in file order.
	Frame func(f *Frame) error
}

// Reader reads captures.
type Reader struct {
	// MaxLine bounds a JSONL line; 0 means DefaultMaxLine.
	MaxLine int
	// Stream announces a HAR socket at its first message even when the
	// entry's request (its URL) comes later, as in Chrome's exports, so its
	// frames are never held in memory; Socket.URL is then "" when
	// announced. Without it, such a socket's messages are held until the
	// URL is read.
	Stream bool

	urls    map[int]string // see harReader
	collect map[int]string
}

// Read reads one capture from r. name is used in frames and to recognize a
// HAR file by its extension; without it a HAR is recognized by its content
// (a top-level object whose first key is "log"). Errors are I/O errors, a
// HAR file that is not well-formed, or a Handler's error.
func Read(r io.Reader, name string, h Handler) error {
	return (&Reader{}).Read(r, name, h)
}

// Read is the package-level Read with the reader's limits.
func (rd *Reader) Read(r io.Reader, name string, h Handler) error {
	br := bufio.NewReaderSize(r, 64<<10)
	// A UTF-8 byte order mark is not part of the content.
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	byName := strings.EqualFold(extension(name), ".har")
	if !byName && !harHead(br, false) {
		return rd.jsonl(br, name, h)
	}
	hr := newHARReader(br, name, h, !byName)
	hr.stream, hr.urls, hr.collect = rd.Stream, rd.urls, rd.collect
	err := hr.run()
	if err == nil || byName || hr.committed {
		return err
	}
	// The content looked like a HAR but is not one (no handler has been
	// called yet): read it again as JSONL.
	return rd.jsonl(bufio.NewReaderSize(io.MultiReader(bytes.NewReader(hr.lr.rec.Bytes()), br), 64<<10), name, h)
}

// errFirstPass stops a first pass that found no HAR.
var errFirstPass = errors.New("not a HAR")

// ReadSeeker is Read for input that can be read twice, such as a file.
// Without Stream, a HAR is read twice: a first pass finds each socket's
// URL, the second announces every socket with its URL at its first message
// and streams its frames, so no socket's messages are held in memory,
// whatever the order of its entry. Other input is read once.
func (rd *Reader) ReadSeeker(r io.ReadSeeker, name string, h Handler) error {
	if rd.Stream {
		return rd.Read(r, name, h)
	}
	urls := map[int]string{}
	first := Reader{MaxLine: rd.MaxLine, collect: urls}
	// A broken HAR fails this pass too; the second reports it, after the
	// frames before the break.
	err := first.Read(r, name, Handler{Start: func(f Format) error {
		if f != HAR {
			return errFirstPass
		}
		return nil
	}})
	if _, serr := r.Seek(0, io.SeekStart); serr != nil {
		return serr
	}
	second := *rd
	if !errors.Is(err, errFirstPass) {
		second.urls = urls
	}
	return second.Read(r, name, h)
}

// Source is one capture named on a command line, ready to read.
type Source struct {
	// Name is what its frames carry as File: the path, or "stdin" for "-".
	Name string
	file *os.File
	in   io.Reader
}

// Open opens the capture path names: "-" is in (standard input), which
// ReadSpooled reads; a file is read with ReadSeeker. Close releases it.
func Open(path string, in io.Reader) (*Source, error) {
	if path == "-" {
		return &Source{Name: "stdin", in: in}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &Source{Name: path, file: f}, nil
}

// Read reads the source with rd's settings.
func (s *Source) Read(rd *Reader, h Handler) error {
	if s.file == nil {
		return rd.ReadSpooled(s.in, s.Name, "", h)
	}
	return rd.ReadSeeker(s.file, s.Name, h)
}

// Close closes the file; standard input is left open.
func (s *Source) Close() error {
	if s.file == nil {
		return nil
	}
	return s.file.Close()
}

// ReadSpooled is ReadSeeker for input that cannot seek (standard input).
// Unless Stream is set, input that looks like a HAR is first copied to a
// temporary file in dir ("" for the system's), which is removed before
// ReadSpooled returns; other input streams.
func (rd *Reader) ReadSpooled(r io.Reader, name, dir string, h Handler) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if rd.Stream || !looksLikeHAR(br, name) {
		return rd.Read(br, name, h)
	}
	f, err := os.CreateTemp(dir, "wsbind-spool-*.har")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, br); err != nil {
		return fmt.Errorf("spooling to a temporary file: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return rd.ReadSeeker(f, name, h)
}

// looksLikeHAR tells, without consuming br, whether Read would take its
// input for a HAR.
func looksLikeHAR(br *bufio.Reader, name string) bool {
	if strings.EqualFold(extension(name), ".har") {
		return true
	}
	return harHead(br, true)
}

// harHead tells, without consuming br, whether its first 4096 bytes start
// like a HAR: blanks (" \t\r\n"), then `{"log":{` with any of
// " \t\n\f\r" between the tokens; with bom, after an optional UTF-8
// byte order mark. It peeks one byte more at a time and stops as soon as
// the answer is known, so a live pipe's first JSONL line is never held
// back waiting for 4096 bytes.
func harHead(br *bufio.Reader, bom bool) bool {
	const want = `{"log":{`
	lead, tok, at := true, 0, 0
	if bom {
		if b, _ := br.Peek(1); len(b) == 1 && b[0] == 0xef {
			if b, _ := br.Peek(3); !bytes.Equal(b, []byte("\xef\xbb\xbf")) {
				return false
			}
			at = 3
		}
	}
	for ; at < 4096; at++ {
		b, _ := br.Peek(at + 1)
		if len(b) <= at {
			return false // the input ended first
		}
		c := b[at]
		switch {
		case lead && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			continue
		case tok > 0 && (tok < 2 || tok > 5) && (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'):
			continue // between tokens, never inside "log"
		case c != want[tok]:
			return false
		}
		lead = false
		if tok++; tok == len(want) {
			return true
		}
	}
	return false
}

func extension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.ContainsAny(name[i:], `/\`) {
		return name[i:]
	}
	return ""
}

// readLine appends the next line, without its newline, to buf. A line
// longer than max is consumed and reported with tooLong and no content.
func readLine(br *bufio.Reader, buf []byte, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			n := len(chunk)
			if err == nil {
				n-- // the newline does not count against the limit
			}
			if len(buf)+n > max {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil:
			return buf, tooLong, err
		default:
			return bytes.TrimSuffix(buf, []byte("\n")), tooLong, nil
		}
	}
}

type envelope struct {
	typ     string
	data    []byte
	opcode  int
	time    float64
	hasTime bool
}

func (e *envelope) direction() string {
	if e.typ == "send" {
		return "client"
	}
	return "server"
}

// opcodeSkip says why a frame with opcode op carries no text to validate.
func opcodeSkip(op int) string {
	switch op {
	case 0, 1: // unknown (treated as text), text
		return ""
	case 2:
		return SkipBinary
	case 8, 9, 10:
		return SkipControl
	default:
		return fmt.Sprintf("opcode %d", op)
	}
}

var errNotEnvelope = errors.New("not an envelope")

// parseEnvelope reports whether line is an envelope and decodes it, with
// the same verdicts as encoding/json (a fuzz target holds it to a model
// built on encoding/json). It stops at the first key that rules an
// envelope out, so a bare frame costs little.
// The frame text is appended to buf.
func parseEnvelope(line, buf []byte) (envelope, bool) {
	var env envelope
	// A quick filter before the JSON decoder; a key may be spelled with
	// escapes ("\u0064ata"), so lines with \u go through too.
	if line[0] != '{' || (!bytes.Contains(line, []byte(`"data"`)) && !bytes.Contains(line, []byte(`\u`))) {
		return env, false
	}
	d := jx.GetDecoder()
	defer jx.PutDecoder(d)
	d.ResetBytes(line)
	var haveType, haveData, haveTime, haveOpcode bool
	err := d.ObjBytes(func(d *jx.Decoder, key []byte) error {
		var dup *bool
		switch string(key) {
		case "type":
			dup = &haveType
			typ, ok := envelopeType(d)
			if !ok {
				return errNotEnvelope
			}
			env.typ = typ
		case "data":
			dup = &haveData
			if d.Next() == jx.Null {
				// encoding/json leaves a string alone on null.
				if err := d.Null(); err != nil {
					return err
				}
				env.data = nil
				break
			}
			if d.Next() != jx.String {
				return errNotEnvelope
			}
			b, err := d.StrAppend(buf[:0])
			if err != nil {
				return errNotEnvelope
			}
			env.data = wellFormed(b)
		case "time":
			dup = &haveTime
			// Skip is lenient about escapes inside strings; Valid is not.
			raw, err := d.Raw()
			if err != nil || !jx.Valid(raw) {
				return errNotEnvelope
			}
			env.time, env.hasTime = parseTime(raw)
		case "opcode":
			dup = &haveOpcode
			op, ok := opcode(d)
			if !ok {
				return errNotEnvelope
			}
			env.opcode = op
		default:
			return errNotEnvelope
		}
		if *dup {
			return errNotEnvelope
		}
		*dup = true
		return nil
	})
	if err != nil || !haveType || !haveData {
		return env, false
	}
	// Nothing may follow the object: Skip then finds the end of input.
	if d.Next() != jx.Invalid || !errors.Is(d.Skip(), io.EOF) {
		return env, false
	}
	return env, true
}

// envelopeType reads an envelope's type, "send" or "receive", without
// allocating a string for it: it is read on every line of a capture.
func envelopeType(d *jx.Decoder) (string, bool) {
	if d.Next() != jx.String {
		return "", false
	}
	b, err := d.StrBytes()
	switch {
	case err != nil:
		return "", false
	case string(b) == "send":
		return "send", true
	case string(b) == "receive":
		return "receive", true
	}
	return "", false
}

// opcode reads an opcode: a JSON integer from 0 to 15.
func opcode(d *jx.Decoder) (int, bool) {
	if d.Next() != jx.Number {
		return 0, false
	}
	raw, err := d.Raw()
	if err != nil {
		return 0, false
	}
	op, err := strconv.ParseInt(string(raw), 10, 64)
	return int(op), err == nil && op >= 0 && op <= 15
}

// wellFormed replaces each byte that is not part of valid UTF-8 with
// U+FFFD, as encoding/json does when it reads a string.
func wellFormed(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// parseTime reads a capture's time: a JSON number of seconds since the
// Unix epoch, or a string in RFC 3339. Anything else is no time.
func parseTime(raw []byte) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, false
		}
		return float64(t.Unix()) + float64(t.Nanosecond())/1e9, true
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}
