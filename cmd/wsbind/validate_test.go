package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/wire"
)

// wsbind runs the CLI in-process.
func wsbind(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func capturePath(name string) string { return filepath.Join(capturesDir, name) }

// writeFile writes lines to a temporary file and returns its path.
func writeFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// envelopeLine is a JSONL envelope line holding frame.
func envelopeLine(t *testing.T, direction, frame string) string {
	t.Helper()
	b, err := json.Marshal(envelope{envelopeType(direction), frame})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// example returns the first example of provider's message msg.
func example(t *testing.T, provider, msg string) wire.Example {
	t.Helper()
	for _, e := range generated.Lookup(provider).Examples {
		if e.Message == msg {
			return e
		}
	}
	t.Fatalf("%s has no example of %s", provider, msg)
	return wire.Example{}
}

// mutate decodes an example, lets f change it, and encodes it again.
func mutate(t *testing.T, frame string, f func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(frame), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// frameLine matches a text report line of a frame.
var frameLine = regexp.MustCompile(`^(\S+):(\d+) #(\d+) (server|client) (\S+) (ok|INVALID)(?:, with notes)?$`)

type textFrame struct {
	file                  string
	line, index           int
	direction, msg, state string
}

func textFrames(t *testing.T, out string) []textFrame {
	t.Helper()
	var fs []textFrame
	for _, l := range strings.Split(out, "\n") {
		m := frameLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		var f textFrame
		f.file, f.direction, f.msg, f.state = m[1], m[4], m[5], m[6]
		fmt.Sscan(m[2], &f.line)
		fmt.Sscan(m[3], &f.index)
		fs = append(fs, f)
	}
	return fs
}

// jsonReport splits --format json output into frames and the summary.
func jsonReport(t *testing.T, out string) (frames []frameJSON, sum summary, raw []map[string]any) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("output line is not JSON: %v", err)
		}
		raw = append(raw, m)
		if _, ok := m["summary"]; ok {
			var s struct{ Summary summary }
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			sum = s.Summary
			continue
		}
		var f frameJSON
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	if len(raw) == 0 || raw[len(raw)-1]["summary"] == nil {
		t.Fatalf("output does not end with a summary object:\n%s", out)
	}
	return frames, sum, raw
}

func TestValidateSampleCaptures(t *testing.T) {
	for _, p := range generated.Providers {
		t.Run(p.Name, func(t *testing.T) {
			path := capturePath(p.Name + ".jsonl")
			code, out, errOut := wsbind(t, "validate", "--provider", p.Name, path)
			if code != exitOK {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			var want, got []textFrame
			for i, e := range p.Examples {
				want = append(want, textFrame{path, i + 1, i, e.Direction, e.Message, "ok"})
			}
			got = textFrames(t, out)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(textFrame{})); diff != "" {
				t.Errorf("frame lines (-want +got):\n%s", diff)
			}
			// The spec's own examples keep its contract; some carry
			// properties it leaves undeclared, which are notes.
			sum := regexp.MustCompile(fmt.Sprintf(`summary: %d frames: %d valid( \(\d+ with notes\))?, 0 invalid`, len(p.Examples), len(p.Examples)))
			if !sum.MatchString(out) {
				t.Errorf("summary missing:\n%s", out)
			}
		})
	}
}

// The command the README shows, run from the module root.
func TestValidateReadmeCommand(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	code, out, errOut := wsbind(t, "validate", "--provider", "astro", "testdata/captures/astro.jsonl")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	// The first example subscribes to channel.follow, a topic of the
	// first docs the current list lacks: an open set's unknown value.
	if !strings.HasPrefix(out, "testdata/captures/astro.jsonl:1 #0 client Subscribe ok, with notes\n  note: /data/topic: not one of the values the spec knows; kept as it is (unknown-value)\n") {
		t.Errorf("unexpected start of output:\n%.300s", out)
	}
}

func TestValidateInvalidFrames(t *testing.T) {
	subscribe := example(t, "astro", "Subscribe")
	welcome := example(t, "astro", "Welcome")
	tests := []struct {
		name     string
		provider string
		lines    []string
		wantCode int
		want     []string // substrings of stdout
	}{{
		name:     "enum violation",
		provider: "astro",
		lines: []string{
			envelopeLine(t, "server", welcome.JSON),
			envelopeLine(t, "client", mutate(t, subscribe.JSON, func(m map[string]any) {
				m["data"].(map[string]any)["token_type"] = "bogus"
			})),
		},
		wantCode: exitFailure,
		want: []string{
			":1 #0 server Welcome ok\n",
			":2 #1 client Subscribe INVALID\n  /data/token_type: ",
			"(enum)\n",
		},
	}, {
		name:     "missing required property",
		provider: "astro",
		lines: []string{envelopeLine(t, "client", mutate(t, subscribe.JSON, func(m map[string]any) {
			delete(m["data"].(map[string]any), "topic")
		}))},
		wantCode: exitFailure,
		want:     []string{"#0 client Subscribe INVALID\n", `/data: missing property "topic" (required)`},
	}, {
		name:     "wrong type in a bare frame",
		provider: "astro",
		lines: []string{mutate(t, welcome.JSON, func(m map[string]any) {
			m["data"] = "not an object"
		})},
		wantCode: exitFailure,
		want:     []string{"#0 server Welcome INVALID\n  /data: expected object", "(type)"},
	}, {
		name:     "unmatched message",
		provider: "dlive",
		lines:    []string{`{"type":"no_such_type","id":"1"}`},
		wantCode: exitFailure,
		want:     []string{"#0 server unmatched INVALID\n  (frame): ", "(oneOf)"},
	}, {
		name:     "malformed JSON, counted in the index",
		provider: "neuro",
		lines: []string{
			envelopeLine(t, "server", example(t, "neuro", "Welcome").JSON),
			`{"type": "welcome", `,
			envelopeLine(t, "client", `{"type":"ping"`),
			envelopeLine(t, "server", example(t, "neuro", "Welcome").JSON),
		},
		wantCode: exitFailure,
		want: []string{
			":2 #1 server unmatched INVALID\n  malformed JSON: ",
			":3 #2 client unmatched INVALID\n  malformed JSON: ",
			":4 #3 server Welcome ok\n",
			"4 frames: 2 valid, 2 invalid",
		},
	}, {
		name:     "not JSON at all",
		provider: "octave",
		lines:    []string{"hello there"},
		wantCode: exitFailure,
		want:     []string{"#0 server unmatched INVALID\n  malformed JSON: "},
	}, {
		name:     "binary envelope is skipped, not invalid",
		provider: "octave",
		lines:    []string{`{"type":"receive","opcode":2,"data":"AAEC","time":1.5}`},
		wantCode: exitOK,
		want:     []string{"#0 server (binary frame) skipped\n", "1 frame: 0 valid, 0 invalid, 1 skipped (binary)"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "capture.jsonl", tt.lines...)
			code, out, errOut := wsbind(t, "validate", "--provider", tt.provider, path)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.wantCode, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestValidateDirectionFlag(t *testing.T) {
	ping := example(t, "neuro", "Ping").JSON
	path := writeFile(t, "bare.jsonl", ping)
	if code, out, _ := wsbind(t, "validate", "--provider", "neuro", path); code != exitFailure || !strings.Contains(out, "#0 server unmatched INVALID") {
		t.Errorf("as a server frame: exit %d\n%s", code, out)
	}
	if code, out, _ := wsbind(t, "validate", path, "--provider", "neuro", "--direction", "client"); code != exitOK || !strings.Contains(out, "#0 client Ping ok") {
		t.Errorf("as a client frame (flags after the file): exit %d\n%s", code, out)
	}
}

func TestValidateIndexAcrossFiles(t *testing.T) {
	a := writeFile(t, "a.jsonl", example(t, "octave", "Ack").JSON)
	b := writeFile(t, "b.jsonl", "", example(t, "octave", "Ack").JSON, "   ", example(t, "octave", "EventMessage").JSON)
	code, out, _ := wsbind(t, "validate", "--provider", "octave", a, b)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	want := []textFrame{
		{a, 1, 0, "server", "Ack", "ok"},
		{b, 2, 1, "server", "Ack", "ok"},
		{b, 4, 2, "server", "EventMessage", "ok"},
	}
	if diff := cmp.Diff(want, textFrames(t, out), cmp.AllowUnexported(textFrame{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestValidateStdin(t *testing.T) {
	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader(envelopeLine(t, "client", example(t, "dlive", "Start").JSON) + "\n")
	code, out, _ := wsbind(t, "validate", "--provider", "dlive", "-")
	if code != exitOK || !strings.Contains(out, "stdin:1 #0 client Start ok") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestValidateLineTooLong(t *testing.T) {
	old := maxFrameLine
	t.Cleanup(func() { maxFrameLine = old })
	ack := example(t, "octave", "Ack").JSON
	maxFrameLine = len(ack)
	path := writeFile(t, "long.jsonl", `{"type":"ack","data":"`+strings.Repeat("x", 2*len(ack))+`"}`, ack)
	code, out, _ := wsbind(t, "validate", "--provider", "octave", path)
	if code != exitFailure || !strings.Contains(out, fmt.Sprintf("#0 server unmatched INVALID\n  line longer than %d bytes", len(ack))) || !strings.Contains(out, ":2 #1 server Ack ok") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestValidateUsageAndInputErrors(t *testing.T) {
	good := capturePath("octave.jsonl")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no command", nil, exitUsage, "", "Usage:"},
		{"help", []string{"help"}, exitOK, "validate", ""},
		{"--help", []string{"--help"}, exitOK, "Commands:", ""},
		{"help validate", []string{"help", "validate"}, exitOK, "Exit codes:", ""},
		{"help unknown", []string{"help", "nope"}, exitUsage, "", `unknown command "nope"`},
		{"unknown command", []string{"nope"}, exitUsage, "", `unknown command "nope"`},
		{"validate --help", []string{"validate", "--help"}, exitOK, "wsbind validate --provider astro testdata/captures/astro.jsonl", ""},
		{"validate -h", []string{"validate", "-h"}, exitOK, "Exit codes:", ""},
		{"bad flag", []string{"validate", "--nope", good}, exitUsage, "", "flag provided but not defined: -nope"},
		{"flag without value", []string{"validate", good, "--provider"}, exitUsage, "", "flag needs an argument"},
		{"unknown provider", []string{"validate", "--provider", "nope", good}, exitUsage, "", `unknown provider "nope" (have astro, dlive, neuro, octave)`},
		{"bad format", []string{"validate", "--provider", "octave", "--format", "xml", good}, exitUsage, "", "--format must be text or json"},
		{"bad direction", []string{"validate", "--provider", "octave", "--direction", "up", good}, exitUsage, "", "--direction must be server or client"},
		{"no file", []string{"validate", "--provider", "octave"}, exitUsage, "", "no capture file given"},
		{"missing file", []string{"validate", "--provider", "octave", "no/such/file.jsonl"}, exitUsage, "", "open no/such/file.jsonl: no such file or directory"},
		{"missing file among good ones", []string{"validate", "--provider", "octave", good, "missing.jsonl", good}, exitUsage, "summary: 20 frames: 20 valid", "missing.jsonl"},
		{"JSONL needs a provider", []string{"validate", good}, exitUsage, "", "a JSONL capture needs --provider"},
		{"a directory", []string{"validate", "--provider", "octave", capturesDir}, exitUsage, "", "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := wsbind(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, out)
			}
			if !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, errOut)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
				t.Errorf("stack trace on stderr:\n%s", errOut)
			}
		})
	}
}

func TestValidateJSONOutput(t *testing.T) {
	welcome := example(t, "astro", "Welcome").JSON
	bad := mutate(t, example(t, "astro", "Subscribe").JSON, func(m map[string]any) {
		m["data"].(map[string]any)["token_type"] = "bogus"
		m["data"].(map[string]any)["topic"] = "channel.tips" // a topic the spec lists: no note
	})
	drifted := mutate(t, welcome, func(m map[string]any) { m["brandNew"] = true })
	path := writeFile(t, "c.jsonl",
		envelopeLine(t, "server", welcome),
		envelopeLine(t, "client", bad),
		`{"type":`,
		`{"type":"receive","opcode":2,"data":"AAEC"}`,
		envelopeLine(t, "server", drifted),
	)
	code, out, _ := wsbind(t, "validate", "--provider", "astro", "--format", "json", "--drift", path)
	if code != exitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	frames, sum, raw := jsonReport(t, out)
	enumErr := errorJSON{Pointer: "/data/token_type", Keyword: "enum"}
	want := []frameJSON{
		{Index: 0, File: path, Line: 1, Provider: "astro", Direction: "server", Message: "Welcome", Valid: true, Errors: []errorJSON{}, Drift: &[]string{}, Notes: []wire.Note{}},
		{Index: 1, File: path, Line: 2, Provider: "astro", Direction: "client", Message: "Subscribe", Errors: []errorJSON{enumErr}, Drift: &[]string{}, Notes: []wire.Note{}},
		{Index: 2, File: path, Line: 3, Provider: "astro", Direction: "server", Message: "unmatched", Malformed: "x", Errors: []errorJSON{}, Drift: &[]string{}, Notes: []wire.Note{}},
		{Index: 3, File: path, Line: 4, Provider: "astro", Direction: "server", Skipped: "binary frame", Errors: []errorJSON{}},
		{Index: 4, File: path, Line: 5, Provider: "astro", Direction: "server", Message: "Welcome", Valid: true, Errors: []errorJSON{}, Drift: &[]string{"/brandNew"},
			Notes: []wire.Note{{Pointer: "/brandNew", Kind: wire.NoteUnknownProperty, Message: "not declared by the spec"}}},
	}
	opts := cmp.Options{
		// Messages and syntax errors are the runtime's wording.
		cmp.Comparer(func(a, b errorJSON) bool { return a.Pointer == b.Pointer && a.Keyword == b.Keyword }),
		cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Malformed" }, cmp.Comparer(func(a, b string) bool { return (a == "") == (b == "") })),
	}
	if diff := cmp.Diff(want, frames, opts); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
	// The raw shape: every frame object has the documented keys.
	for i, m := range raw[:len(raw)-1] {
		for _, k := range []string{"index", "file", "line", "provider", "direction", "message", "valid", "errors", "drift"} {
			if _, ok := m[k]; !ok && !(i == 3 && k == "drift") {
				t.Errorf("frame %d lacks %q: %v", i, k, m)
			}
		}
	}
	wantSum := summary{
		Frames: 5, Valid: 2, Noted: 1, Invalid: 2, SkippedBinary: 1,
		Messages: []messageJSON{
			{"astro", "server", "Welcome", 2, 0},
			{"astro", "server", "unmatched", 1, 1},
			{"astro", "client", "Subscribe", 1, 1},
		},
		Drift: &[]driftJSON{{"astro", "server", "Welcome", "/brandNew", 1}},
		DriftByKind: map[string]*kindJSON{
			wire.NoteUnknownProperty: {Count: 1, Items: []driftJSON{{"astro", "server", "Welcome", "/brandNew", 1}}},
			wire.NoteDeprecated:      {Items: []driftJSON{}},
			wire.NoteDuplicateKey:    {Items: []driftJSON{}},
		},
	}
	if diff := cmp.Diff(wantSum, sum, cmp.AllowUnexported(socketInfo{})); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestValidateHAR(t *testing.T) {
	har := capturePath("mixed.har")
	astro, dlive := generated.Lookup("astro"), generated.Lookup("dlive")

	t.Run("providers matched by URL", func(t *testing.T) {
		code, out, errOut := wsbind(t, "validate", har)
		if code != exitOK {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		for _, w := range []string{
			"socket wss://astro.streamelements.com/: provider astro\n",
			"socket wss://graphigostream.prd.dlive.tv/: provider dlive\n",
			"server (binary frame) skipped\n",
			fmt.Sprintf("%d frames: %d valid (", len(astro.Examples)+len(dlive.Examples)+1, len(astro.Examples)+len(dlive.Examples)),
			"with notes), 0 invalid, 1 skipped (binary)",
		} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q", w)
			}
		}
		var want []string
		for _, e := range append(slices.Clone(astro.Examples), dlive.Examples...) {
			want = append(want, e.Direction+" "+e.Message)
		}
		var got []string
		for _, f := range textFrames(t, out) {
			got = append(got, f.direction+" "+f.msg)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("messages (-want +got):\n%s", diff)
		}
	})

	t.Run("json: provider per frame, sockets and skipped binary", func(t *testing.T) {
		code, out, _ := wsbind(t, "validate", "--format", "json", har)
		if code != exitOK {
			t.Fatalf("exit %d", code)
		}
		frames, sum, _ := jsonReport(t, out)
		perProvider := map[string]int{}
		var skipped []frameJSON
		for _, f := range frames {
			if f.Skipped != "" {
				skipped = append(skipped, f)
				continue
			}
			perProvider[f.Provider]++
		}
		if diff := cmp.Diff(map[string]int{"astro": len(astro.Examples), "dlive": len(dlive.Examples)}, perProvider); diff != "" {
			t.Errorf("frames per provider (-want +got):\n%s", diff)
		}
		if len(skipped) != 1 || skipped[0].Provider != "dlive" || skipped[0].Skipped != "binary frame" || skipped[0].Index != len(astro.Examples)+1 {
			t.Errorf("skipped frames: %+v", skipped)
		}
		if sum.SkippedBinary != 1 {
			t.Errorf("skippedBinary = %d", sum.SkippedBinary)
		}
		wantSockets := []*socketInfo{
			{URL: "wss://astro.streamelements.com/", File: har, Provider: "astro", Frames: len(astro.Examples)},
			{URL: "wss://graphigostream.prd.dlive.tv/", File: har, Provider: "dlive", Frames: len(dlive.Examples) + 1},
		}
		if diff := cmp.Diff(wantSockets, sum.Sockets, cmp.AllowUnexported(socketInfo{}), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Line" }, cmp.Ignore())); diff != "" {
			t.Errorf("sockets (-want +got):\n%s", diff)
		}
	})

	t.Run("--provider forces one binding on every socket", func(t *testing.T) {
		code, out, _ := wsbind(t, "validate", "--provider", "astro", har)
		if code != exitFailure {
			t.Errorf("exit %d, want 1 (DLive frames are not Astro frames)", code)
		}
		// Chrome writes a socket's messages before its URL; with
		// --provider they stream, and the summary names the URL.
		if !strings.Contains(out, "mixed.har:729 socket (URL after its messages): provider astro (--provider)\n") {
			t.Errorf("socket line missing:\n%.2000s", out)
		}
		if !regexp.MustCompile(`\n  \S+mixed.har:729 +wss://graphigostream.prd.dlive.tv/ +astro +27 frames\n`).MatchString(out) {
			t.Errorf("sockets summary missing:\n%s", out[strings.Index(out, "summary:"):])
		}
	})

	socketEntry := func(url string, requestFirst bool, frames ...string) string {
		var msgs []string
		for i, f := range frames {
			msgs = append(msgs, fmt.Sprintf(`{"type":"receive","time":%d.5,"opcode":1,"data":%q}`, i, f))
		}
		req := fmt.Sprintf(`"request":{"method":"GET","url":%q}`, url)
		ms := `"_webSocketMessages":[` + strings.Join(msgs, ",\n") + `]`
		if requestFirst {
			return "{" + req + ",\n" + ms + "}"
		}
		return "{" + ms + ",\n" + req + "}"
	}
	harOf := func(entries ...string) string {
		return `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[` + strings.Join(entries, ",\n") + "]}}"
	}
	ack := example(t, "octave", "Ack").JSON
	welcome := example(t, "neuro", "Welcome").JSON

	t.Run("unknown socket beside known ones", func(t *testing.T) {
		path := writeFile(t, "some.har", harOf(
			socketEntry("wss://chat.example.com/socket?token=SECRET_Q", false, `{"a":1}`, `{"b":2}`),
			socketEntry("wss://octave-ws.sierrawireless.io/session/SESSION_ID_123/ws", true, ack),
			socketEntry("wss://neuro.appstun.net/api/v2?ticket=TICKET_456", false, welcome),
		))
		code, out, errOut := wsbind(t, "validate", path)
		if code != exitOK {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
		for _, w := range []string{
			"some.har:1 socket wss://chat.example.com/…: no provider matches",
			"some.har:4 socket wss://octave-ws.sierrawireless.io/…: provider octave\n",
			"some.har:5 #0 server Ack ok\n",
			"some.har:6 socket wss://neuro.appstun.net/api/v2: provider neuro\n",
			"some.har:6 #1 server Welcome ok\n",
			"2 frames: 2 valid, 0 invalid, 0 skipped (binary); 2 frames of 1 socket not validated (no provider)",
		} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		for _, secret := range []string{"SECRET_Q", "SESSION_ID_123", "TICKET_456"} {
			if strings.Contains(out+errOut, secret) {
				t.Errorf("output shows %s", secret)
			}
		}
	})

	t.Run("no socket matches", func(t *testing.T) {
		path := writeFile(t, "other.har", harOf(socketEntry("wss://chat.example.com/", true, `{"a":1}`)))
		code, _, errOut := wsbind(t, "validate", path)
		if code != exitUsage || !strings.Contains(errOut, "no socket matched a provider") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
		// Naming the provider validates the frames instead.
		if code, _, _ := wsbind(t, "validate", "--provider", "octave", path); code != exitFailure {
			t.Errorf("with --provider: exit %d, want 1", code)
		}
	})

	t.Run("broken HAR", func(t *testing.T) {
		path := writeFile(t, "broken.har", `{"log":{"entries":[{"request":{"url":"wss://x"}},`, `  {"_webSocketMessages": [tru`)
		code, _, errOut := wsbind(t, "validate", path)
		if code != exitUsage || !strings.Contains(errOut, "broken.har: line 2: log.entries[1]._webSocketMessages[0]: invalid character") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})

	t.Run("HAR without sockets", func(t *testing.T) {
		path := writeFile(t, "pages.har", harOf(`{"request":{"url":"https://example.com/"},"response":{"status":200}}`))
		code, out, errOut := wsbind(t, "validate", path)
		// No frame at all is an input error: an empty export proves nothing.
		if code != exitUsage || !strings.Contains(errOut, "no WebSocket messages") || !strings.Contains(errOut, "no frames") || !strings.Contains(out, "0 frames") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
}

func TestValidateDrift(t *testing.T) {
	// A DLive Data example with an array of events: add a field the spec
	// does not declare to its first event, in two frames.
	var data string
	for _, e := range generated.Lookup("dlive").Examples {
		if e.Message == "Data" && strings.Contains(e.JSON, `"streamMessageReceived":[{`) {
			data = e.JSON
			break
		}
	}
	if data == "" {
		t.Fatal("no DLive Data example with streamMessageReceived events")
	}
	drifted := mutate(t, data, func(m map[string]any) {
		events := m["payload"].(map[string]any)["data"].(map[string]any)["streamMessageReceived"].([]any)
		events[0].(map[string]any)["newField"] = "x"
		m["payload"].(map[string]any)["extensions"] = map[string]any{"tracing": 1}
	})
	path := writeFile(t, "drift.jsonl", envelopeLine(t, "server", drifted), envelopeLine(t, "server", drifted), envelopeLine(t, "server", data))
	code, out, _ := wsbind(t, "validate", "--provider", "dlive", "--drift", path)
	if code != exitOK {
		t.Errorf("exit %d (drift alone does not make a frame invalid)\n%s", code, out)
	}
	section := out[strings.Index(out, "drift: "):]
	for _, w := range []string{
		"drift: properties the spec does not declare (array indices as *):\n  dlive server Data\n",
		"    /payload/data/streamMessageReceived/*/newField  2\n",
		"    /payload/extensions",
	} {
		if !strings.Contains(section, w) {
			t.Errorf("drift report lacks %q:\n%s", w, section)
		}
	}
	// Without --drift there is no report.
	if _, out, _ := wsbind(t, "validate", "--provider", "dlive", path); strings.Contains(out, "drift:") {
		t.Errorf("drift reported without --drift:\n%s", out)
	}
	// Clean captures report none.
	if _, out, _ := wsbind(t, "validate", "--provider", "octave", "--drift", capturePath("octave.jsonl")); !strings.Contains(out, "\ndrift: none\n") {
		t.Errorf("octave examples: %s", out)
	}
}

func TestValidateCoverage(t *testing.T) {
	path := writeFile(t, "few.jsonl",
		envelopeLine(t, "server", example(t, "astro", "Welcome").JSON),
		envelopeLine(t, "client", example(t, "astro", "Subscribe").JSON),
	)
	code, out, _ := wsbind(t, "validate", "--provider", "astro", "--coverage", path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	section := out[strings.Index(out, "coverage: messages never seen:"):]
	astro := generated.Lookup("astro")
	for _, w := range []string{
		fmt.Sprintf("  astro server: %d of %d never seen:\n    Response\n    Reconnect\n", len(astro.Server.Messages)-1, len(astro.Server.Messages)),
		fmt.Sprintf("  astro client: %d of %d never seen:\n    Unsubscribe\n    SubscribeLegacy\n", len(astro.Client.Messages)-1, len(astro.Client.Messages)),
	} {
		if !strings.Contains(section, w) {
			t.Errorf("coverage lacks %q:\n%s", w, section)
		}
	}
	if strings.Contains(section, "    Welcome\n") || strings.Contains(section, "    Subscribe\n") {
		t.Errorf("a seen message is listed as never seen:\n%s", section)
	}

	// JSON: unseen messages and optional fields never filled (Subscribe's
	// examples without nonce or room exist, so one of them is optional).
	code, out, _ = wsbind(t, "validate", "--provider", "astro", "--coverage", "--format", "json", path)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	_, sum, _ := jsonReport(t, out)
	if sum.Coverage == nil || len(sum.Coverage.Unseen) != 2 {
		t.Fatalf("coverage: %+v", sum.Coverage)
	}
	if u := sum.Coverage.Unseen[1]; u.Direction != "client" || !slices.Equal(u.Messages, []string{"Unsubscribe", "SubscribeLegacy"}) || u.Seen != 1 {
		t.Errorf("client coverage: %+v", u)
	}
	var subscribeOpt []string
	for _, o := range sum.Coverage.OptionalNeverFilled {
		if o.Message == "Subscribe" {
			subscribeOpt = o.Pointers
		}
	}
	if !slices.Contains(subscribeOpt, "/data/room") {
		t.Errorf("Subscribe optional fields never filled = %v, want /data/room among them", subscribeOpt)
	}
}

// Frames carry tokens; no report may show them, whatever the flags.
func TestValidateNeverPrintsFrameContent(t *testing.T) {
	secrets := []string{"test_token", "YOUR_APP_ACCESS_TOKEN", "SECRET_in_broken_frame"}
	for _, s := range secrets[:2] {
		all, _ := os.ReadFile(capturePath("mixed.har"))
		if !bytes.Contains(all, []byte(s)) {
			t.Fatalf("the sample captures no longer hold %q: pick another token", s)
		}
	}
	subscribe := example(t, "astro", "Subscribe").JSON
	bad := writeFile(t, "bad.jsonl",
		envelopeLine(t, "client", mutate(t, subscribe, func(m map[string]any) {
			d := m["data"].(map[string]any)
			d["token_type"] = "test_token"
			d["unknownTokenField"] = "test_token"
		})),
		envelopeLine(t, "client", mutate(t, subscribe, func(m map[string]any) { m["data"] = "test_token" })),
		`{"type":"subscribe","data":{"token":"SECRET_in_broken_frame`,
		`"test_token"`,
	)
	runs := [][]string{
		{"--provider", "astro", capturePath("astro.jsonl")},
		{"--provider", "dlive", capturePath("dlive.jsonl")},
		{capturePath("mixed.har")},
		{"--provider", "astro", bad},
	}
	for _, args := range runs {
		for _, extra := range [][]string{nil, {"--drift", "--coverage"}, {"--format", "json", "--drift", "--coverage"}} {
			args := append(slices.Clone(args), extra...)
			_, out, errOut := wsbind(t, append([]string{"validate"}, args...)...)
			for _, s := range secrets {
				if strings.Contains(out+errOut, s) {
					t.Errorf("validate %v shows %q", args, s)
				}
			}
		}
	}
}

func TestValidateShowsNoProgressWhenPiped(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", "--provider", "astro", "../../testdata/captures/astro.jsonl"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if strings.Contains(errOut.String(), "frames/s") {
		t.Fatalf("progress shown on a non-terminal: %q", errOut.String())
	}
	if newProgress(&errOut) != nil {
		t.Fatal("a buffer counted as a terminal")
	}
}

// A frame's report is bounded however the frame was built: made-up keys
// are clipped in drift and pointers, and violations past the budget are
// counted, in both formats.
func TestValidateOutputIsBounded(t *testing.T) {
	welcome := example(t, "astro", "Welcome").JSON
	longKey := "K" + strings.Repeat("k", 5000)
	drifted := mutate(t, welcome, func(m map[string]any) { m[longKey] = true })
	items := strings.TrimSuffix(strings.Repeat(`{},`, 2000), ",")
	many := `{"type":"event","data":{"eventType":"scheduleUpdate","eventData":{"year":2026,"week":8,"schedule":[` + items + `],"isFinal":true},"timestamp":1}}`
	astro := writeFile(t, "a.jsonl", envelopeLine(t, "server", drifted))
	neuro := writeFile(t, "n.jsonl", many)

	code, out, _ := wsbind(t, "validate", "--provider", "astro", "--drift", astro)
	if code != exitOK || len(out) > 2000 || !strings.Contains(out, "/Kkkk") || !strings.Contains(out, "bytes)") {
		t.Errorf("drift of a long key: exit %d, %d bytes\n%.3000s", code, len(out), out)
	}
	code, out, _ = wsbind(t, "validate", "--provider", "neuro", neuro)
	if code != exitFailure || len(out) > 6000 || !strings.Contains(out, "more violations)") {
		t.Errorf("text: exit %d, %d bytes\n%.3000s", code, len(out), out)
	}
	_, out, _ = wsbind(t, "validate", "--provider", "neuro", "--format", "json", neuro)
	frames, _, _ := jsonReport(t, out)
	// 2000 items, each missing its 4 required properties and checked once
	// by the decoder and once more by the raw schema check: 8000.
	if len(frames) != 1 || frames[0].MoreErrors == 0 || len(frames[0].Errors)+frames[0].MoreErrors != 8000 {
		t.Errorf("json: %d frames, %d errors listed, %d more", len(frames), len(frames[0].Errors), frames[0].MoreErrors)
	}
}

// TestValidateSpecAgreesWithProvider validates the sample captures twice:
// with the generated binding (--provider) and with the interpreter on the
// same spec file (--spec). Each frame must get the same message and the
// same verdict, and the HAR's sockets the same providers.
func TestValidateSpecAgreesWithProvider(t *testing.T) {
	type verdict struct {
		Message string `json:"message"`
		Valid   bool   `json:"valid"`
	}
	frames := func(out string) []verdict {
		var vs []verdict
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if strings.HasPrefix(line, `{"summary"`) {
				continue
			}
			var v verdict
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			vs = append(vs, v)
		}
		return vs
	}
	for _, name := range []string{"astro", "dlive", "neuro", "octave"} {
		spec := filepath.Join("..", "..", "specs", name+".yaml")
		capture := mutated(t, capturePath(name+".jsonl"))
		gcode, gout, _ := wsbind(t, "validate", "--format", "json", "--provider", name, capture)
		icode, iout, ierr := wsbind(t, "validate", "--format", "json", "--spec", spec, capture)
		if gcode != icode {
			t.Errorf("%s: exit %d with --provider, %d with --spec (%s)", name, gcode, icode, ierr)
		}
		g, i := frames(gout), frames(iout)
		invalid := 0
		for _, v := range g {
			if !v.Valid {
				invalid++
			}
		}
		if len(g) == 0 || invalid == 0 {
			t.Fatalf("%s: %d frames, %d invalid: the comparison needs both", name, len(g), invalid)
		}
		t.Logf("%s: %d frames (%d invalid), the same message and verdict both ways", name, len(g), invalid)
		if diff := cmp.Diff(g, i); diff != "" {
			t.Errorf("%s: --spec disagrees with --provider (-provider +spec):\n%s", name, diff)
		}
	}
	// HAR sockets are matched to the spec's servers like a provider's.
	code, out, _ := wsbind(t, "validate", "--spec", filepath.Join("..", "..", "specs", "astro.yaml"), capturePath("mixed.har"))
	if code == exitUsage || !strings.Contains(out, "provider astro") || !strings.Contains(out, "no provider matches") {
		t.Errorf("mixed.har with --spec astro: exit %d, want astro's sockets matched and the others not:\n%s", code, out)
	}
}

// mutated writes a JSONL capture holding every frame of path and, for
// each top-level key of each object frame, three broken copies: the key
// removed, its value null, its value 12345. Most are invalid, at the
// dispatch level or below it.
func mutated(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		lines = append(lines, line)
		var env map[string]any
		if json.Unmarshal([]byte(line), &env) != nil {
			continue
		}
		data, ok := env["data"].(string)
		if !ok {
			continue
		}
		var frame map[string]any
		if json.Unmarshal([]byte(data), &frame) != nil {
			continue
		}
		for k, orig := range frame {
			for _, change := range []any{"delete", nil, 12345} {
				if change == "delete" {
					delete(frame, k)
				} else {
					frame[k] = change
				}
				fb, _ := json.Marshal(frame)
				env["data"] = string(fb)
				eb, _ := json.Marshal(env)
				lines = append(lines, string(eb))
				frame[k] = orig
			}
		}
	}
	return writeFile(t, filepath.Base(path), lines...)
}

// TestValidateNotes: a frame that keeps its contract but carries a
// duplicate key or an undeclared property is valid with notes: exit 0,
// unless --strict; the notes name the pointer and kind, never the value.
func TestValidateNotes(t *testing.T) {
	welcome := example(t, "astro", "Welcome").JSON
	dup := strings.Replace(welcome, `"type":"welcome"`, `"type":"welcome","type":"welcome"`, 1)
	drifted := mutate(t, welcome, func(m map[string]any) { m["secretThing"] = "hunter2" })
	path := writeFile(t, "n.jsonl", envelopeLine(t, "server", dup), envelopeLine(t, "server", drifted))
	code, out, _ := wsbind(t, "validate", "--provider", "astro", path)
	if code != exitOK {
		t.Errorf("exit %d, want 0: notes are not violations\n%s", code, out)
	}
	for _, want := range []string{
		"#0 server Welcome ok, with notes",
		"note: /type: the key appears more than once; the last occurrence counts (duplicate-key)",
		"#1 server Welcome ok, with notes",
		"note: /secretThing: not declared by the spec (unknown-property)",
		"2 valid (2 with notes), 0 invalid",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("a note printed a value:\n%s", out)
	}
	if code, _, _ := wsbind(t, "validate", "--provider", "astro", "--strict", path); code != exitFailure {
		t.Errorf("--strict: exit %d, want 1", code)
	}
}
