package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// A malformed capture line is skipped with a warning that names its line
// and never its content; the good frames are still replayed.
func TestMockScriptWarnsOnMalformedLine(t *testing.T) {
	noLeaks(t)
	script := writeFile(t, "script.jsonl",
		`{"type":"receive","data":"{\"type\":\"welcome\",\"data\":{\"message\":\"hi\",\"client_id\":\"c\"}}"}`,
		`{"type":"receive","data":"{\"token\":\"secret-token-123\""}`,
		`not json secret-token-456`,
		`{"type":"message","topic":"channel.tips","data":{}}`,
	)
	code, stdout, stderr := wsbind(t, "mock", "astro", "--addr", "127.0.0.1:0", "--script", script, "--for", "100ms")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"script.jsonl:2: not a JSON frame, skipped", "script.jsonl:3: not a JSON frame, skipped"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "secret-token") || strings.Contains(stdout, "secret-token") {
		t.Error("a malformed line's content was printed")
	}
	if !strings.Contains(stdout, "replaying 2 event frames") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

// A capture with nothing but malformed lines fails with exit 2.
func TestMockScriptAllMalformed(t *testing.T) {
	noLeaks(t)
	script := writeFile(t, "bad.jsonl", `{oops`, `still not json`)
	code, _, stderr := wsbind(t, "mock", "astro", "--addr", "127.0.0.1:0", "--script", script, "--for", "100ms")
	if code != exitUsage || !strings.Contains(stderr, "no server frames to replay") || !strings.Contains(stderr, "bad.jsonl:1:") {
		t.Fatalf("exit %d, want 2 with warnings and no frames\n%s", code, stderr)
	}
}

// The limit flags reach the server and --stats-addr must be loopback.
func TestMockLimitFlags(t *testing.T) {
	noLeaks(t)
	code, _, stderr := wsbind(t, "mock", "astro", "--addr", "127.0.0.1:0", "--max-queue-bytes", "0")
	if code != exitUsage || !strings.Contains(stderr, "must be positive") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, _, stderr = wsbind(t, "mock", "astro", "--addr", "127.0.0.1:0", "--stats-addr", "0.0.0.0:0", "--for", "100ms")
	if code != exitUsage || !strings.Contains(stderr, "loopback") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := wsbind(t, "mock", "astro", "--addr", "127.0.0.1:0", "--stats-addr", "127.0.0.1:0",
		"--write-timeout", "1s", "--handshake-timeout", "1s", "--max-queue-bytes", "65536", "--for", "100ms")
	if code != exitOK || !strings.Contains(stdout, "stats: http://127.0.0.1:") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestMockSpecAnswersFromExamples serves a document of our own with
// `mock --spec`: a valid request is answered with its reply's example,
// carrying the request's correlation id; an invalid one is logged and not
// answered; Replay reaches every client.
func TestMockSpecAnswersFromExamples(t *testing.T) {
	noLeaks(t)
	s, err := interp.LoadSpec(filepath.Join("testdata", "quotes.yaml"), interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	m, err := startSpecMock(s, testserver.MockOptions{}, &syncWriter{w: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ws, _, err := websocket.DefaultDialer.Dial(m.URL()+"quotes", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	send := func(frame string) {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
			t.Fatal(err)
		}
	}
	read := func() string {
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	send(`{"op":"quote","id":7,"symbol":"lowercase"}`) // breaks its pattern: no answer
	send(`{"op":"quote","id":42,"symbol":"ACME"}`)
	if got, want := read(), `{"id":42,"op":"quote","price":101.5}`; got != want {
		t.Errorf("answer %s, want %s", got, want)
	}
	if n := m.Replay([]byte(`{"op":"tick","symbol":"ACME"}`)); n != 1 {
		t.Errorf("Replay reached %d clients, want 1", n)
	}
	if got := read(); got != `{"op":"tick","symbol":"ACME"}` {
		t.Errorf("replayed %s", got)
	}
	ws.Close()
	m.Close()
	for _, want := range []string{"client QuoteRequest INVALID: /symbol:", "client QuoteRequest ok", "answered with Quote"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), "lowercase") {
		t.Errorf("the log echoes a frame's value:\n%s", log.String())
	}
}
