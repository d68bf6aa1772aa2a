package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// got is what a Read reported, frames flattened for comparison.
type got struct {
	Format  Format
	Sockets []Socket
	Frames  []flat
}

type flat struct {
	Line      int
	Direction string
	Data      string
	Opcode    int
	Skip      string
	TooLong   bool
	Socket    int // Seq+1 of its socket, 0 for none
}

func read(t *testing.T, rd *Reader, name, input string) (got, error) {
	t.Helper()
	var g got
	err := rd.Read(strings.NewReader(input), name, Handler{
		Start:  func(f Format) error { g.Format = f; return nil },
		Socket: func(s *Socket) error { g.Sockets = append(g.Sockets, *s); return nil },
		Frame: func(f *Frame) error {
			fl := flat{f.Line, f.Direction, string(f.Data), f.Opcode, f.Skip, f.TooLong, 0}
			if f.Socket != nil {
				fl.Socket = f.Socket.Seq + 1
			}
			g.Frames = append(g.Frames, fl)
			return nil
		},
	})
	return g, err
}

func TestEnvelope(t *testing.T) {
	tests := []struct {
		line string
		want bool
		env  envelope
	}{
		{`{"type":"send","data":"{\"a\":1}"}`, true, envelope{"send", []byte(`{"a":1}`), 0, 0, false}},
		{`{"data":"x","type":"receive","time":1714564800.5,"opcode":1}`, true, envelope{"receive", []byte("x"), 1, 1714564800.5, true}},
		{`{"type":"receive","data":"AAE=","opcode":2}`, true, envelope{"receive", []byte("AAE="), 2, 0, false}},
		{`{"type":"send","data":"x","time":"2024-05-01T12:00:00.25Z"}`, true, envelope{"send", []byte("x"), 0, 1714564800.25, true}},
		{`{"type":"receive","data":"x","time":{"any":"thing"}}`, true, envelope{"receive", []byte("x"), 0, 0, false}},
		// Frames that only look like envelopes.
		{`{"type":"send"}`, false, envelope{}},
		{`{"type":"data","data":"x"}`, false, envelope{}},
		{`{"type":"send","data":{"a":1}}`, false, envelope{}},
		{`{"type":"send","data":"x","id":"1"}`, false, envelope{}},
		{`{"type":"send","data":"x","opcode":1.5}`, false, envelope{}},
		{`{"type":"send","data":"x","type":"send"}`, false, envelope{}},
		{`{"type":"send","data":"x"} {}`, false, envelope{}},
		{`{"type":"send","data":"x"`, false, envelope{}},
		{`["type","send","data","x"]`, false, envelope{}},
	}
	for _, tt := range tests {
		env, ok := parseEnvelope([]byte(tt.line), nil)
		if ok != tt.want {
			t.Errorf("%s: envelope = %v, want %v", tt.line, ok, tt.want)
			continue
		}
		if ok && cmp.Diff(tt.env, env, cmp.AllowUnexported(envelope{})) != "" {
			t.Errorf("%s: got %+v, want %+v", tt.line, env, tt.env)
		}
	}
}

func TestJSONL(t *testing.T) {
	input := "\xef\xbb\xbf{\"type\":\"welcome\"}\r\n" +
		"\n" +
		"   \n" +
		`{"type":"send","data":"{\"op\":1}","time":2}` + "\n" +
		`{"type":"receive","data":"AAE=","opcode":2}` + "\n" +
		`{"type":"receive","data":"","opcode":9}` + "\n" +
		`{"broken":` + "\n" +
		`"no final newline"`
	g, err := read(t, &Reader{}, "c.jsonl", input)
	if err != nil {
		t.Fatal(err)
	}
	want := got{Format: JSONL, Frames: []flat{
		{Line: 1, Data: `{"type":"welcome"}`},
		{Line: 4, Direction: "client", Data: `{"op":1}`},
		{Line: 5, Direction: "server", Data: "AAE=", Opcode: 2, Skip: SkipBinary},
		{Line: 6, Direction: "server", Opcode: 9, Skip: SkipControl},
		{Line: 7, Data: `{"broken":`},
		{Line: 8, Data: `"no final newline"`},
	}}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestJSONLTooLong(t *testing.T) {
	long := strings.Repeat("x", 200)
	g, err := read(t, &Reader{MaxLine: 50}, "c.jsonl", "1\n"+long+"\n2\n"+long)
	if err != nil {
		t.Fatal(err)
	}
	want := []flat{{Line: 1, Data: "1"}, {Line: 2, TooLong: true}, {Line: 3, Data: "2"}, {Line: 4, TooLong: true}}
	if diff := cmp.Diff(want, g.Frames); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

const chromeHAR = `{
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"id": "page_1", "title": "x", "pageTimings": {}}],
    "entries": [
      {
        "_resourceType": "document",
        "request": {"method": "GET", "url": "https://example.com/"},
        "response": {"status": 200, "content": {"text": "{\"looks\":\"like a frame\"}"}}
      },
      {
        "_resourceType": "websocket",
        "_webSocketMessages": [
          {
            "type": "send",
            "time": 1.5,
            "opcode": 1,
            "data": "{\"a\":1}"
          },
          {"type": "receive", "time": 2, "opcode": 2, "data": "AAE="},
          {"type": "error", "time": 3, "opcode": -1, "data": "boom"}
        ],
        "request": {"method": "GET", "url": "wss://a.example/ws?token=t"},
        "response": {"status": 101}
      },
      {
        "request": {"url": "wss://b.example/"},
        "_webSocketMessages": [
          {"type": "receive", "opcode": 1, "data": "{\"b\":2}"}]
      }
    ]
  }
}
`

func TestHAR(t *testing.T) {
	want := got{
		Format: HAR,
		Sockets: []Socket{
			{File: "x", Line: 12, Seq: 0, URL: "wss://a.example/ws?token=t", Frames: 3},
			{File: "x", Line: 27, Seq: 1, URL: "wss://b.example/", Frames: 1},
		},
		Frames: []flat{
			{Line: 15, Direction: "client", Data: `{"a":1}`, Opcode: 1, Socket: 1},
			{Line: 21, Direction: "server", Opcode: 2, Skip: SkipBinary, Socket: 1},
			{Line: 22, Opcode: -1, Skip: `"error" message`, Socket: 1},
			{Line: 30, Direction: "server", Data: `{"b":2}`, Opcode: 1, Socket: 2},
		},
	}
	for _, name := range []string{"x.har", "x"} { // by extension, by content
		g, err := read(t, &Reader{}, name, chromeHAR)
		if err != nil {
			t.Fatal(err)
		}
		// The second socket lists its request first, so it is announced
		// before its frames are counted.
		g.Sockets[1].Frames = 1
		for i := range g.Sockets {
			g.Sockets[i].File = "x"
		}
		if diff := cmp.Diff(want, g); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

// With Stream, a socket whose messages come first is announced at once,
// without its URL, which is set when the entry ends.
func TestHARStream(t *testing.T) {
	var socks []*Socket
	var events []string
	err := (&Reader{Stream: true}).Read(strings.NewReader(chromeHAR), "x.har", Handler{
		Socket: func(s *Socket) error {
			socks = append(socks, s)
			events = append(events, "socket "+s.URL)
			return nil
		},
		Frame: func(f *Frame) error { events = append(events, "frame"); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"socket ", "frame", "frame", "frame", "socket wss://b.example/", "frame"}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if socks[0].URL != "wss://a.example/ws?token=t" || socks[0].Frames != 3 || socks[1].Frames != 1 {
		t.Errorf("sockets after Read: %+v %+v", *socks[0], *socks[1])
	}
}

// A JSONL capture whose first frame starts like a HAR is read as JSONL.
func TestHARLookalike(t *testing.T) {
	input := `{"log":{"level":"info","msg":"x"}}` + "\n" + `{"log":{"entries":"no"}}` + "\n"
	g, err := read(t, &Reader{}, "frames.jsonl", input)
	if err != nil {
		t.Fatal(err)
	}
	want := got{Format: JSONL, Frames: []flat{
		{Line: 1, Data: `{"log":{"level":"info","msg":"x"}}`},
		{Line: 2, Data: `{"log":{"entries":"no"}}`},
	}}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Named .har, it is an error.
	if _, err := read(t, &Reader{}, "frames.har", input); err == nil {
		t.Error("no error for a .har file without log.entries")
	}
}

func TestHARErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"truncated", `{"log":{"entries":[{"_webSocketMessages":[{"type":"send"`, "unexpected end of file"},
		{"entry not an object", "{\"log\":{\"entries\":[\n1]}}", "line 2: log.entries[0] is not an object"},
		{"messages not an array", `{"log":{"entries":[{"_webSocketMessages":{}}]}}`, "_webSocketMessages is not an array"},
		{"trailing data", `{"log":{"entries":[]}} {}`, "data after the HAR object"},
		{"not JSON", `<html>`, "invalid character"},
	}
	for _, tt := range tests {
		_, err := read(t, &Reader{}, "x.har", tt.input)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// ReadSeeker and ReadSpooled announce a Chrome-order socket with its URL
// at its first message, and stream its frames.
func TestHARTwoPass(t *testing.T) {
	type ev struct{ kind, url string }
	want := []ev{{"socket", "wss://a.example/ws?token=t"}, {"frame", ""}, {"frame", ""}, {"frame", ""}, {"socket", "wss://b.example/"}, {"frame", ""}}
	collect := func(read func(Handler) error) []ev {
		t.Helper()
		var evs []ev
		err := read(Handler{
			Socket: func(s *Socket) error { evs = append(evs, ev{"socket", s.URL}); return nil },
			Frame:  func(*Frame) error { evs = append(evs, ev{"frame", ""}); return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	got := collect(func(h Handler) error { return (&Reader{}).ReadSeeker(strings.NewReader(chromeHAR), "x.har", h) })
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(ev{})); diff != "" {
		t.Errorf("ReadSeeker (-want +got):\n%s", diff)
	}
	dir := t.TempDir()
	got = collect(func(h Handler) error { return (&Reader{}).ReadSpooled(strings.NewReader(chromeHAR), "stdin", dir, h) })
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(ev{})); diff != "" {
		t.Errorf("ReadSpooled (-want +got):\n%s", diff)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the spool file was left behind: %v", left)
	}
	// JSONL is not spooled, and still read.
	got = collect(func(h Handler) error {
		return (&Reader{}).ReadSpooled(strings.NewReader(`{"a":1}`+"\n"), "stdin", filepath.Join(dir, "missing"), h)
	})
	if len(got) != 1 {
		t.Errorf("JSONL through ReadSpooled: %v", got)
	}
}
