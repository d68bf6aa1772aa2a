package main

import (
	"strings"
	"testing"
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
