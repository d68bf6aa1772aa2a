package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The fuzz targets feed arbitrary bytes to Read: FuzzJSONL as a file named
// .jsonl (so read as JSONL unless its content looks like a HAR), FuzzHAR as
// a file named .har, with and without Stream. Read must return (errors are
// returned, never panicked), frames come in file order, and what Read
// reports agrees with a simple model of each format built on
// encoding/json.

// capturesDir holds the sample captures that seed both targets.
const capturesDir = "../../../../testdata/captures"

func seedCaptures(f *testing.F, ext string) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join(capturesDir, "*"+ext))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no sample captures *%s in %s: %v", ext, capturesDir, err)
	}
	var seeds [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// readTimeout bounds one Read: inputs are at most a few MB.
const readTimeout = 10 * time.Second

// event is one handler call, Data copied.
type event struct {
	Kind      string // "start", "socket", "frame"
	Format    Format
	Line      int
	Direction string
	Data      string
	Opcode    int
	Skip      string
	TooLong   bool
	Seq       int // socket's Seq for sockets and HAR frames, -1 for JSONL frames
	URL       string
}

type outcome struct {
	events  []event
	sockets []*Socket
	frames  map[*Socket]int // frames seen per socket
	err     error
}

// run reads input with rd, stopping with errStop after stopAfter frames
// when stopAfter > 0, and fails t if Read does not return in time or
// panics.
// With seek set it reads with ReadSeeker.
func run(t *testing.T, rd *Reader, name string, input []byte, stopAfter int, seek ...bool) outcome {
	t.Helper()
	var o outcome
	o.frames = map[*Socket]int{}
	h := Handler{
		Start: func(f Format) error {
			o.events = append(o.events, event{Kind: "start", Format: f})
			return nil
		},
		Socket: func(s *Socket) error {
			o.sockets = append(o.sockets, s)
			o.events = append(o.events, event{Kind: "socket", Line: s.Line, Seq: s.Seq, URL: s.URL})
			return nil
		},
		Frame: func(f *Frame) error {
			e := event{Kind: "frame", Line: f.Line, Direction: f.Direction, Data: string(f.Data), Opcode: f.Opcode, Skip: f.Skip, TooLong: f.TooLong, Seq: -1}
			if f.Socket != nil {
				e.Seq = f.Socket.Seq
				o.frames[f.Socket]++
			}
			o.events = append(o.events, e)
			if stopAfter > 0 && countFrames(o.events) == stopAfter {
				return errStop
			}
			return nil
		},
	}
	done := make(chan struct{})
	var panicked any
	go func() {
		defer close(done)
		defer func() { panicked = recover() }()
		if len(seek) > 0 && seek[0] {
			o.err = rd.ReadSeeker(bytes.NewReader(input), name, h)
		} else {
			o.err = rd.Read(bytes.NewReader(input), name, h)
		}
	}()
	select {
	case <-done:
	case <-time.After(readTimeout):
		t.Fatalf("Read(%q, MaxLine %d, Stream %v) did not return in %v", name, rd.MaxLine, rd.Stream, readTimeout)
	}
	if panicked != nil {
		t.Fatalf("Read(%q, MaxLine %d, Stream %v) panicked: %v", name, rd.MaxLine, rd.Stream, panicked)
	}
	return o
}

var errStop = errors.New("handler stops")

func countFrames(events []event) int {
	n := 0
	for _, e := range events {
		if e.Kind == "frame" {
			n++
		}
	}
	return n
}

func frameEvents(events []event) []event {
	var fs []event
	for _, e := range events {
		if e.Kind == "frame" {
			fs = append(fs, e)
		}
	}
	return fs
}

// checkCommon checks what holds for every Read: Start once and first,
// line numbers within the input and in file order (strictly increasing for
// JSONL, where each frame has its own line), and, when Read succeeded,
// each HAR socket's final frame count.
func checkCommon(t *testing.T, input []byte, o outcome) {
	t.Helper()
	lines := bytes.Count(input, []byte("\n")) + 1
	starts := 0
	for i, e := range o.events {
		if e.Kind == "start" {
			starts++
			if i != 0 {
				t.Fatalf("Start called after %d other calls", i)
			}
		}
	}
	if starts > 1 {
		t.Fatalf("Start called %d times", starts)
	}
	if len(o.events) > 0 && starts == 0 {
		t.Fatalf("handlers called without Start: %v", o.events[0])
	}
	last, lastSock, socks := 0, 0, 0
	jsonl := len(o.events) > 0 && o.events[0].Format == JSONL
	for _, e := range o.events {
		switch e.Kind {
		case "socket":
			if jsonl {
				t.Fatalf("a JSONL capture reported a socket")
			}
			if e.Seq != socks {
				t.Fatalf("socket Seq %d, want %d", e.Seq, socks)
			}
			socks++
			if e.Line < lastSock || e.Line < 1 || e.Line > lines {
				t.Fatalf("socket %d at line %d (previous %d, input has %d lines)", e.Seq, e.Line, lastSock, lines)
			}
			lastSock = e.Line
		case "frame":
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("frame at line %d of %d", e.Line, lines)
			}
			if e.Line < last || (jsonl && e.Line == last) {
				t.Fatalf("frame at line %d after a frame at line %d", e.Line, last)
			}
			last = e.Line
			if jsonl != (e.Seq == -1) {
				t.Fatalf("frame at line %d: socket %d in a %s capture", e.Line, e.Seq, o.events[0].Format)
			}
			if !jsonl {
				if e.Seq != socks-1 {
					t.Fatalf("frame at line %d of socket %d, the last socket announced is %d", e.Line, e.Seq, socks-1)
				}
				if e.Line < lastSock {
					t.Fatalf("frame at line %d before its socket's line %d", e.Line, lastSock)
				}
			}
			if e.TooLong && e.Data != "" {
				t.Fatalf("frame at line %d: too long, with data", e.Line)
			}
		}
	}
	if o.err == nil {
		for _, s := range o.sockets {
			if s.Frames != o.frames[s] {
				t.Fatalf("socket %d: Frames %d, %d frames read", s.Seq, s.Frames, o.frames[s])
			}
		}
	}
}

// checkStop reads input again with a handler that fails at frame k and
// requires Read to return that error after exactly k frames.
func checkStop(t *testing.T, rd *Reader, name string, input []byte, full outcome) {
	t.Helper()
	n := countFrames(full.events)
	if n == 0 {
		return
	}
	k := 1 + len(input)%n
	o := run(t, rd, name, input, k)
	if !errors.Is(o.err, errStop) {
		t.Fatalf("handler error at frame %d of %d: Read returned %v", k, n, o.err)
	}
	if got := countFrames(o.events); got != k {
		t.Fatalf("handler error at frame %d: %d frames read", k, got)
	}
	if diff := cmp.Diff(frameEvents(full.events)[:k], frameEvents(o.events)); diff != "" {
		t.Fatalf("frames before a handler error differ (-full +stopped):\n%s", diff)
	}
}

func FuzzJSONL(f *testing.F) {
	for _, b := range seedCaptures(f, ".jsonl") {
		f.Add(b, uint16(4095))
		f.Add(b, uint16(100))
	}
	for _, s := range []string{
		"", "\n", "\r\n", "\xef\xbb\xbf", "\xef\xbb\xbf{}\n", " \t\n\n  x  \n",
		"abcd\n", "abcd\r\nabc",
		`{"type":"send","data":"{\"a\":1}"}`,
		`{"type":"receive","data":"AAE=","opcode":2}` + "\n" + `{"type":"receive","data":"x","opcode":16}`,
		`{"type":"send","data":"x","type":"send"}`,
		`{"type":"send","data":"x"} {}`,
		`{"log":{"entries":[{"_webSocketMessages":[{"type":"send","data":"x"}]}]}}`,
		`{"log":{"entries":"no"}}` + "\n" + `{"log":{}}`,
		`{"log":{"entries":[1]}}`,
	} {
		f.Add([]byte(s), uint16(3))
		f.Add([]byte(s), uint16(4095))
	}
	f.Fuzz(func(t *testing.T, input []byte, maxLine uint16) {
		rd := &Reader{MaxLine: 1 + int(maxLine)%4096}
		o := run(t, rd, "c.jsonl", input, 0)
		checkCommon(t, input, o)
		checkStop(t, rd, "c.jsonl", input, o)
		if len(o.events) == 0 || o.events[0].Format != JSONL {
			// Read as a HAR (its content starts like one): checked by FuzzHAR.
			return
		}
		if o.err != nil {
			t.Fatalf("reading JSONL from memory: %v", o.err)
		}
		want := jsonlModel(input, rd.MaxLine)
		if diff := cmp.Diff(want, frameEvents(o.events)); diff != "" {
			t.Fatalf("MaxLine %d: frames (-model +Read):\n%s", rd.MaxLine, diff)
		}
	})
}

// jsonlModel is what Read should report for a JSONL capture: one frame per
// line (split at \n) that is not blank, a line longer than maxLine bytes
// (without its \n) TooLong.
func jsonlModel(input []byte, maxLine int) []event {
	input = bytes.TrimPrefix(input, []byte("\xef\xbb\xbf"))
	lines := bytes.Split(input, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	var fs []event
	for i, l := range lines {
		e := event{Kind: "frame", Line: i + 1, Seq: -1}
		text := bytes.TrimSpace(l)
		switch {
		case len(l) > maxLine:
			e.TooLong = true
		case len(text) == 0:
			continue
		default:
			if env, ok := envelopeModel(text); ok {
				e.Direction, e.Data, e.Opcode, e.Skip = env.direction(), string(env.data), env.opcode, opcodeSkip(env.opcode)
			} else {
				e.Data = string(text)
			}
		}
		fs = append(fs, e)
	}
	return fs
}

// envelopeModel decides whether line is an envelope with encoding/json: an
// object whose keys are type and data, optionally time and opcode, each at
// most once, type "send" or "receive", data a string, opcode an integer
// from 0 to 15.
func envelopeModel(line []byte) (envelope, bool) {
	var env envelope
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil || hasDuplicateTopKey(line) {
		return env, false
	}
	for k, v := range m {
		switch k {
		case "type":
			if json.Unmarshal(v, &env.typ) != nil || (env.typ != "send" && env.typ != "receive") {
				return env, false
			}
		case "data":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return env, false
			}
			env.data = []byte(s)
		case "time":
		case "opcode":
			op, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || op < 0 || op > 15 {
				return env, false
			}
			env.opcode = int(op)
		default:
			return env, false
		}
	}
	_, hasType := m["type"]
	_, hasData := m["data"]
	return env, hasType && hasData
}

// hasDuplicateTopKey reports whether the object b has a key twice (after
// unescaping); duplicates inside its values do not count.
func hasDuplicateTopKey(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		k, _ := tok.(string)
		if seen[k] {
			return true
		}
		seen[k] = true
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return false
		}
	}
	return false
}

// hasDuplicateKey reports whether some object of the JSON value b has a
// key twice (after unescaping), which encoding/json's maps hide.
func hasDuplicateKey(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // the next token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.obj && top.key {
			k := tok.(string)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		if top != nil && top.obj {
			top.key = true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{obj: d == '{', keys: map[string]bool{}, key: true})
		}
	}
}

func FuzzHAR(f *testing.F) {
	for _, b := range seedCaptures(f, ".har") {
		f.Add(b)
	}
	for _, s := range []string{
		chromeHAR,
		`{"log":{"entries":[]}}`,
		`{"log":{"entries":[{"_webSocketMessages":null}]}}`,
		`{"log":{"entries":[{"_webSocketMessages":[{"type":"send","data":"x"}],"request":{"url":"wss://a/"}}]}}`,
		`{"log":{"entries":[{"request":{"url":"wss://a/"},"_webSocketMessages":[{"type":"receive","opcode":2,"data":"AAE="},{"type":"x"}]}]}}`,
		"{\"log\":{\"entries\":[\n{\"_webSocketMessages\":[\n{\"type\":\"send\",\"data\":\"a\"},{\"type\":\"send\",\"data\":\"b\"}]}]}}",
		`{"log":{"entries":[{"_webSocketMessages":[{"type":"send","opcode":1.5,"data":"x"}]}]}}`,
		`{"log":{"entries":[{"_webSocketMessages":{}}]}}`,
		`{"log":{"entries":[1]}}`,
		`{"log":{"entries":[]}} {}`,
		`{"log":{"entries":[{"_webSocketMessages":[{"type":"send"`,
		`{"log":null}`, `{"log":{"entries":null}}`, `[]`, ``, `<html>`,
		"\xef\xbb\xbf{\"log\":{\"entries\":[]}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		var outs [2]outcome
		for i, stream := range []bool{false, true} {
			rd := &Reader{MaxLine: 4096, Stream: stream}
			o := run(t, rd, "c.har", input, 0)
			checkCommon(t, input, o)
			checkStop(t, rd, "c.har", input, o)
			if len(o.events) > 0 && o.events[0].Format != HAR {
				t.Fatalf("a .har file read as %s", o.events[0].Format)
			}
			if o.err == nil && len(o.events) == 0 {
				t.Fatalf("Stream %v: a HAR read without error never called Start", stream)
			}
			outs[i] = o
		}
		// Stream changes when sockets are announced, not what is read.
		if (outs[0].err == nil) != (outs[1].err == nil) {
			t.Fatalf("errors differ: %v without Stream, %v with", outs[0].err, outs[1].err)
		}
		if outs[0].err != nil {
			return
		}
		if diff := cmp.Diff(frameEvents(outs[0].events), frameEvents(outs[1].events)); diff != "" {
			t.Fatalf("frames differ (-without Stream +with):\n%s", diff)
		}
		// Two passes read the same frames, and announce every socket with
		// its URL.
		two := run(t, &Reader{MaxLine: 4096}, "c.har", input, 0, true)
		if two.err == nil {
			checkCommon(t, input, two)
		}
		if (two.err == nil) != (outs[0].err == nil) {
			t.Fatalf("errors differ: %v with one pass, %v with two", outs[0].err, two.err)
		}
		if diff := cmp.Diff(frameEvents(outs[0].events), frameEvents(two.events)); diff != "" {
			t.Fatalf("frames differ (-one pass +two):\n%s", diff)
		}
		for _, e := range two.events {
			if e.Kind == "socket" && e.URL != two.sockets[e.Seq].URL {
				t.Fatalf("socket %d announced with URL %q, read %q", e.Seq, e.URL, two.sockets[e.Seq].URL)
			}
		}
		// Compare with encoding/json's reading of the file. Duplicate keys
		// are left out: Read takes the first, encoding/json the last.
		input = bytes.TrimPrefix(input, []byte("\xef\xbb\xbf"))
		if hasDuplicateKey(input) {
			return
		}
		want, ok := harModel(input)
		if !ok {
			t.Fatalf("Read accepted a HAR that encoding/json does not read as one")
		}
		var got []event
		for _, e := range frameEvents(outs[0].events) {
			e.Line = 0
			got = append(got, e)
		}
		for _, s := range outs[0].sockets {
			got = append(got, event{Kind: "socket", Seq: s.Seq, URL: s.URL, Opcode: s.Frames})
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("(-encoding/json +Read):\n%s", diff)
		}
	})
}

// harModel reads a HAR with encoding/json: frames (without lines), then
// sockets with their URL and frame count (in Opcode). Keys of the file,
// log and entries are matched exactly, as Read does; a request and a
// message are decoded into structs, as Read does (so their keys match
// case-insensitively in both).
func harModel(input []byte) ([]event, bool) {
	object := func(raw json.RawMessage) (map[string]json.RawMessage, bool) {
		var m map[string]json.RawMessage
		return m, json.Unmarshal(raw, &m) == nil && m != nil
	}
	isNull := func(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }
	top, ok := object(input)
	if !ok {
		return nil, false
	}
	log, ok := object(top["log"])
	if !ok {
		return nil, false
	}
	var entries []json.RawMessage
	if json.Unmarshal(log["entries"], &entries) != nil || isNull(log["entries"]) {
		return nil, false
	}
	var frames, sockets []event
	for _, raw := range entries {
		en, ok := object(raw)
		if !ok {
			return nil, false
		}
		var req struct {
			URL string `json:"url"`
		}
		if r, has := en["request"]; has && json.Unmarshal(r, &req) != nil {
			return nil, false
		}
		var msgs []struct {
			Type   string  `json:"type"`
			Opcode *int    `json:"opcode"`
			Data   *string `json:"data"`
		}
		ms, has := en["_webSocketMessages"]
		if !has || isNull(ms) {
			continue
		}
		if json.Unmarshal(ms, &msgs) != nil {
			return nil, false
		}
		seq := len(sockets)
		for _, m := range msgs {
			e := event{Kind: "frame", Seq: seq}
			switch m.Type {
			case "send":
				e.Direction = "client"
			case "receive":
				e.Direction = "server"
			default:
				e.Skip = typeSkip(m.Type)
			}
			if m.Opcode != nil {
				e.Opcode = *m.Opcode
			}
			if e.Skip == "" {
				e.Skip = opcodeSkip(e.Opcode)
			}
			switch {
			case e.Skip != "":
			case m.Data == nil:
				e.Skip = "no data"
			default:
				e.Data = *m.Data
			}
			frames = append(frames, e)
		}
		sockets = append(sockets, event{Kind: "socket", Seq: seq, URL: req.URL, Opcode: len(msgs)})
	}
	return append(frames, sockets...), true
}

// Read returns the error of the reader it reads.
func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	for name, input := range map[string]string{"c.jsonl": "1\n2", "c.har": "{\"log\":{\"entries\":[\n"} {
		err := Read(io.MultiReader(strings.NewReader(input), errReader{boom}), name, Handler{})
		if !errors.Is(err, boom) {
			t.Errorf("%s: Read returned %v, want %v", name, err, boom)
		}
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// FuzzJSONL found it (testdata/fuzz/FuzzJSONL/c5d78e6115d70bb7): a last
// line without a newline was accepted with MaxLine+1 bytes, as readLine
// counted a newline it did not have.
func TestRegressionJSONLMaxLineAtEOF(t *testing.T) {
	for _, input := range []string{"00000", "00000\n", "1\n00000", "\xef\xbb\xbf00000"} {
		g, err := read(t, &Reader{MaxLine: 4}, "c.jsonl", input)
		if err != nil {
			t.Fatal(err)
		}
		line := 1 + strings.Count(strings.TrimSuffix(input, "\n"), "\n")
		if n := len(g.Frames); n == 0 || !g.Frames[n-1].TooLong || g.Frames[n-1].Line != line {
			t.Errorf("%q with MaxLine 4: frames %+v, want the 5-byte line %d TooLong", input, g.Frames, line)
		}
	}
}

// FuzzJSONL's model found it (testdata/fuzz/FuzzJSONL/escaped-data-key): an
// envelope whose data key is written with an escape ("\u0064ata") was read
// as a bare frame, as parseEnvelope's quick test looks for `"data"` as is.
func TestRegressionEnvelopeEscapedKey(t *testing.T) {
	env, ok := parseEnvelope([]byte(`{"type":"send","\u0064ata":"x"}`), nil)
	if !ok || env.typ != "send" || string(env.data) != "x" {
		t.Errorf("parseEnvelope = %+v, %v; want a send envelope with data \"x\"", env, ok)
	}
}

// TestEnvelopeEdgesAgreeWithModel holds parseEnvelope to the encoding/json
// model on the inputs where a hand-written JSON reader is most likely to
// part ways with it.
func TestEnvelopeEdgesAgreeWithModel(t *testing.T) {
	for _, line := range []string{
		`{"type":"send","data":"x"}`,
		`{"type":"send","data":null}`,
		`{"type":null,"data":"x"}`,
		`{"type":"send","data":1}`,
		`{"type":"send","data":"x","opcode":"1"}`,
		`{"type":"send","data":"x","opcode":1.0}`,
		`{"type":"send","data":"x","opcode":1e0}`,
		`{"type":"send","data":"x","opcode":-0}`,
		`{"type":"send","data":"x","opcode":01}`,
		`{"type":"send","data":"x","opcode":16}`,
		`{"type":"send","data":"x","time":{"a":1,"a":2}}`,
		`{"type":"send","data":"x","time":[1,}`,
		`{"type":"send","data":"x","time":"\q"}`,
		`{"type":"send","data":"x"}"`,
		`{"type":"send","data":"x"}}`,
		"{\"type\":\"send\",\"data\":\"x\"}\x00",
		`{"type":"send","data":"x"} {}`,
		`{"type":"send","data":"x"}x`,
		`{"type":"send","data":"x",}`,
		`{"type":"send","data":"x","data":"y"}`,
		`{"\u0074ype":"send","d\u0061ta":"x"}`,
		"{\"type\":\"send\",\"data\":\"a\xffb\xc3\"}",
		`{"type":"send","data":"\ud800"}`,
		`{"type":"send","data":"\ud83d\ude00 \u00e9 \"q\" \\ \/"}`,
		`{"type":"send","data":"\ud83dx"}`,
		`{"type":"receive","data":"x","opcode":2,"time":1.5e9}`,
	} {
		got, gotOK := parseEnvelope([]byte(line), nil)
		want, wantOK := envelopeModel([]byte(line))
		if gotOK != wantOK || (gotOK && (got.typ != want.typ || string(got.data) != string(want.data) || got.opcode != want.opcode)) {
			t.Errorf("%s: parseEnvelope = %+v, %v; model = %+v, %v", line, got, gotOK, want, wantOK)
		}
	}
}
