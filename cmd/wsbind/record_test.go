package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/runtime/testserver"
)

// noLeaks checks, after the test and its cleanups, that it left no
// goroutine behind. Call it first.
func noLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// startMock starts provider's mock on loopback and closes it with the test.
func startMock(t *testing.T, provider string) testserver.Mock {
	t.Helper()
	m, err := testserver.StartMock(provider, testserver.MockOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	if u, err := url.Parse(strings.ReplaceAll(m.URL(), "{sessionId}", "x")); err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("mock URL %q is not loopback", m.URL())
	}
	return m
}

// asyncRun runs the CLI in a goroutine; wait returns its results.
func asyncRun(args ...string) (wait func() (code int, stdout, stderr string)) {
	var out, errb bytes.Buffer
	var code int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		code = run(args, &out, &errb)
	}()
	return func() (int, string, string) {
		wg.Wait()
		return code, out.String(), errb.String()
	}
}

// replayUntil replays frame through m until it reached somebody n times or
// the deadline passes; it returns the deliveries.
func replayUntil(t *testing.T, m testserver.Mock, frame string, n int, within time.Duration) int {
	t.Helper()
	got := 0
	deadline := time.Now().Add(within)
	for got < n && time.Now().Before(deadline) {
		got += m.Replay([]byte(frame))
		time.Sleep(20 * time.Millisecond)
	}
	return got
}

// readRecording parses a recording and checks each line's envelope.
func readRecording(t *testing.T, path string) []recordLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []recordLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("line %d is not JSON: %v", len(lines)+1, err)
		}
		if len(raw) != 3 {
			t.Errorf("line %d has keys %v, want type, time, data", len(lines)+1, raw)
		}
		var l recordLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		if l.Type != "send" && l.Type != "receive" {
			t.Errorf("line %d: type %q", len(lines)+1, l.Type)
		}
		if _, err := time.Parse(time.RFC3339Nano, l.Time); err != nil {
			t.Errorf("line %d: time %q: %v", len(lines)+1, l.Time, err)
		}
		lines = append(lines, l)
	}
	return lines
}

// assertValid validates a recording in-process like wsbind validate.
func assertValid(t *testing.T, provider, path string) string {
	t.Helper()
	code, out, errOut := wsbind(t, "validate", "--provider", provider, path)
	if code != exitOK {
		t.Fatalf("validate exit %d\n%s%s", code, out, errOut)
	}
	return out
}

// assertAbsent fails if any of secrets appears in the file, in any
// spelling.
func assertAbsent(t *testing.T, path string, secrets ...string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		for _, f := range []string{s, url.QueryEscape(s), jsonEscape(s), jsonEscape(jsonEscape(s))} {
			if bytes.Contains(b, []byte(f)) {
				t.Errorf("%s contains the credential %q", path, f)
			}
		}
	}
}

func TestRecordAstroMock(t *testing.T) {
	noLeaks(t)
	m := startMock(t, "astro")
	t.Setenv("WSBIND_ASTRO_TOKEN", testserver.DemoToken)
	t.Setenv("WSBIND_ASTRO_TOKEN_TYPE", "jwt")
	out := filepath.Join(t.TempDir(), "astro.jsonl")
	wait := asyncRun("record", "--provider", "astro", "--url", m.URL(), "--out", out,
		"--call", `Subscribe channel.tips ""`, "--for", "1s")
	tip := example(t, "astro", "ChannelTipsMessage").JSON
	if n := replayUntil(t, m, tip, 3, 10*time.Second); n < 3 {
		t.Errorf("only %d tips reached the recorder", n)
	}
	code, stdout, stderr := wait()
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, `Subscribe channel.tips "": ok`) || !strings.Contains(stdout, "recorded ") {
		t.Errorf("stdout:\n%s", stdout)
	}
	lines := readRecording(t, out)
	var sent, tips int
	for _, l := range lines {
		if l.Type == "send" {
			sent++
			if !strings.Contains(l.Data, `"token":"REDACTED"`) {
				t.Errorf("sent frame without the redacted token: %s", l.Data)
			}
		}
		if strings.Contains(l.Data, `"topic":"channel.tips"`) && strings.Contains(l.Data, `"type":"message"`) {
			tips++
		}
	}
	if sent != 1 || tips < 3 || lines[0].Type != "receive" {
		t.Errorf("%d sent, %d tips in %d lines; first %q", sent, tips, len(lines), lines[0].Type)
	}
	report := assertValid(t, "astro", out)
	for _, want := range []string{"client Subscribe ok", "server Welcome ok", "server Response ok", "server ChannelTipsMessage ok"} {
		if !strings.Contains(report, want) {
			t.Errorf("validate report lacks %q:\n%s", want, report)
		}
	}
	assertAbsent(t, out, testserver.DemoToken)
	if strings.Contains(stdout+stderr, testserver.DemoToken) {
		t.Error("the token was printed")
	}
}

func TestRecordOctaveCredentialsNeverRecorded(t *testing.T) {
	noLeaks(t)
	m := startMock(t, "octave")
	t.Setenv("WSBIND_OCTAVE_X_AUTH_COMPANY", "demo")
	out := filepath.Join(t.TempDir(), "octave.jsonl")
	wait := asyncRun("record", "--provider", "octave", "--url", m.URL(), "--out", out,
		"--cred", "x-auth-token="+testserver.DemoToken, "--cred", "X_AUTH_USER=someone@example.com",
		"--call", "SubscribeStream s53b1d1600cf27b75148de0ac", "--for", "500ms")
	ev := example(t, "octave", "EventMessage").JSON
	if n := replayUntil(t, m, ev, 2, 10*time.Second); n < 2 {
		t.Errorf("only %d events reached the recorder", n)
	}
	code, stdout, stderr := wait()
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if lines := readRecording(t, out); len(lines) < 4 {
		t.Errorf("%d lines, want the subscribe, its ack and 2 events", len(lines))
	}
	assertValid(t, "octave", out)
	assertAbsent(t, out, "demo", testserver.DemoToken, "someone@example.com")
}

func TestRecordRefusedCallExits1AndKeepsTheFile(t *testing.T) {
	noLeaks(t)
	m := startMock(t, "astro")
	out := filepath.Join(t.TempDir(), "astro.jsonl")
	code, stdout, stderr := wsbind(t, "record", "--provider", "astro", "--url", m.URL(), "--out", out,
		"--cred", "token=wrong-secret-token", "--cred", "token_type=jwt", "--call", "Subscribe channel.tips")
	if code != exitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "Subscribe channel.tips") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, "wrong-secret-token") {
		t.Error("the token was printed")
	}
	// The refusal is part of the protocol: the recording still validates.
	report := assertValid(t, "astro", out)
	if !strings.Contains(report, "server Response ok") {
		t.Errorf("no error response recorded:\n%s", report)
	}
	assertAbsent(t, out, "wrong-secret-token")
}

func TestRecordInterrupt(t *testing.T) {
	noLeaks(t)
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Skip(err)
	}
	m := startMock(t, "astro")
	out := filepath.Join(t.TempDir(), "astro.jsonl")
	wait := asyncRun("record", "--provider", "astro", "--url", m.URL(), "--out", out,
		"--cred", "token="+testserver.DemoToken, "--cred", "token_type=jwt", "--call", "Subscribe channel.tips", "--for", "20s")
	// Interrupt once the subscription is live: the handler is installed.
	if n := replayUntil(t, m, example(t, "astro", "ChannelTipsMessage").JSON, 1, 10*time.Second); n < 1 {
		t.Fatal("the recorder never subscribed")
	}
	start := time.Now()
	if err := self.Signal(os.Interrupt); err != nil {
		t.Skipf("cannot interrupt: %v", err)
	}
	code, stdout, stderr := wait()
	if code != exitOK || time.Since(start) > 5*time.Second {
		t.Fatalf("exit %d after %v\n%s%s", code, time.Since(start), stdout, stderr)
	}
	assertValid(t, "astro", out)
	assertAbsent(t, out, testserver.DemoToken)
}

func TestRecordToStdout(t *testing.T) {
	noLeaks(t)
	m := startMock(t, "astro")
	code, stdout, stderr := wsbind(t, "record", "--provider", "astro", "--url", m.URL(), "--out", "-",
		"--cred", "token="+testserver.DemoToken, "--cred", "token_type=jwt", "--call", "Subscribe channel.tips", "--for", "10ms")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "recorded 3 frames (1 sent, 2 received) to -") {
		t.Errorf("stderr:\n%s", stderr)
	}
	path := writeFile(t, "stdout.jsonl", strings.TrimSpace(stdout))
	if n := len(readRecording(t, path)); n != 3 {
		t.Errorf("%d lines on stdout, want welcome, subscribe, response", n)
	}
	assertValid(t, "astro", path)
	assertAbsent(t, path, testserver.DemoToken)
}

func TestRecordDialFailure(t *testing.T) {
	noLeaks(t)
	old := recordDialTimeout
	recordDialTimeout = 300 * time.Millisecond
	defer func() { recordDialTimeout = old }()
	m := startMock(t, "astro")
	dead := m.URL()
	m.Close() // nothing listens there any more
	out := filepath.Join(t.TempDir(), "astro.jsonl")
	code, stdout, stderr := wsbind(t, "record", "--provider", "astro", "--url", dead, "--out", out, "--cred", "token=secret-token")
	if code != exitFailure || !strings.Contains(stderr, "connecting") {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "secret-token") {
		t.Error("the token was printed")
	}
	if b, err := os.ReadFile(out); err != nil || len(b) != 0 {
		t.Errorf("recording %q, %v; want an empty file", b, err)
	}
}

// The recorder itself: every spelling of a secret goes, even one that
// needs escaping, and lines stay valid envelopes.
func TestRecorderScrubsEverySpelling(t *testing.T) {
	secret := `s3cr"et/+x y`
	var b bytes.Buffer
	r := newRecorder(&b, []string{secret})
	frames := []string{
		`{"token":` + string(mustJSON(t, secret)) + `}`,
		`{"url":"wss://h/p?ticket=` + url.QueryEscape(secret) + `"}`,
		`{"path":"/x/` + url.PathEscape(secret) + `"}`,
		"raw " + secret,
	}
	for i, f := range frames {
		dir := "server"
		if i%2 == 0 {
			dir = "client"
		}
		r.tap(dir, []byte(f))
	}
	if err := r.close(); err != nil {
		t.Fatal(err)
	}
	r.tap("server", []byte("after close "+secret)) // dropped
	path := writeFile(t, "rec.jsonl", strings.TrimSpace(b.String()))
	lines := readRecording(t, path)
	if len(lines) != len(frames) {
		t.Fatalf("%d lines, want %d", len(lines), len(frames))
	}
	for i, l := range lines {
		if !strings.Contains(l.Data, "REDACTED") {
			t.Errorf("line %d not redacted: %s", i+1, l.Data)
		}
	}
	if lines[0].Type != "send" || lines[1].Type != "receive" {
		t.Errorf("types %q %q", lines[0].Type, lines[1].Type)
	}
	if lines[0].Data != `{"token":"REDACTED"}` {
		t.Errorf("escaped secret not replaced whole: %s", lines[0].Data)
	}
	assertAbsent(t, path, secret, url.PathEscape(secret))
	if s, r := r.counts(); s != 2 || r != 2 {
		t.Errorf("counts %d sent %d received", s, r)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSplitWordsAndParseCall(t *testing.T) {
	p, err := drivenProvider("astro")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"Subscribe channel.tips":              `Subscribe channel.tips ""`,
		`subscribe  channel.tips  ''`:         `Subscribe channel.tips ""`,
		`Subscribe "channel.tips" 'a room'`:   `Subscribe channel.tips "a room"`,
		"Unsubscribe channel.activities room": "Unsubscribe channel.activities room",
	} {
		c, err := parseCall(p, in)
		if err != nil || c.String() != want {
			t.Errorf("parseCall(%q) = %q, %v; want %q", in, c, err, want)
		}
	}
}

func TestResolveCredentials(t *testing.T) {
	p, _ := drivenProvider("octave")
	env := map[string]string{"WSBIND_OCTAVE_X_AUTH_COMPANY": "acme", "WSBIND_OCTAVE_X_AUTH_TOKEN": "from-env"}
	got, err := resolveCredentials(p, []string{"X-Auth-Token=from-flag"}, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["X-Auth-Company"] != "acme" || got["X-Auth-Token"] != "from-flag" {
		t.Errorf("got %v", got)
	}
	if credentialEnv("astro", "token_type") != "WSBIND_ASTRO_TOKEN_TYPE" || credentialEnv("octave", "X-Auth-Company") != "WSBIND_OCTAVE_X_AUTH_COMPANY" {
		t.Error("environment names")
	}
}

func TestRecordHelp(t *testing.T) {
	code, stdout, _ := wsbind(t, "record", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"WSBIND_ASTRO_TOKEN", "WSBIND_ASTRO_TOKEN_TYPE", "WSBIND_DLIVE_TOKEN", "WSBIND_OCTAVE_X_AUTH_COMPANY", "WSBIND_OCTAVE_X_AUTH_TOKEN", "SubscribeStream", "Exit codes"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	if code, out, _ := wsbind(t, "help", "record"); code != exitOK || out != stdout {
		t.Errorf("wsbind help record: exit %d", code)
	}
}

func TestRecordUsageErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.jsonl")
	// Every case fails before dialling; the URL is loopback anyway.
	loop := []string{"--url", "ws://127.0.0.1:1/", "--out", out}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no provider":        {loop, "--provider is required"},
		"unknown provider":   {append([]string{"--provider", "nope"}, loop...), `unknown provider "nope"`},
		"no out":             {[]string{"--provider", "astro", "--url", "ws://127.0.0.1:1/"}, "--out is required"},
		"cred without =":     {append([]string{"--provider", "astro", "--cred", "tokenvalue"}, loop...), "KEY=VALUE"},
		"unknown cred":       {append([]string{"--provider", "astro", "--cred", "password=hunter22"}, loop...), `no credential "password"`},
		"short secret":       {append([]string{"--provider", "astro", "--cred", "token=abc"}, loop...), "shorter than 4"},
		"unknown method":     {append([]string{"--provider", "astro", "--call", "Publish x"}, loop...), `no request method "Publish"`},
		"too many arguments": {append([]string{"--provider", "astro", "--call", "Subscribe a b c"}, loop...), "takes 2 argument(s)"},
		"unterminated quote": {append([]string{"--provider", "astro", "--call", "Subscribe 'a"}, loop...), "unterminated"},
		"empty call":         {append([]string{"--provider", "astro", "--call", " "}, loop...), "needs a method"},
		"bad url":            {[]string{"--provider", "astro", "--url", "http://127.0.0.1:1/", "--out", out}, "ws:// or wss://"},
		"negative for":       {append([]string{"--provider", "astro", "--for", "-1s"}, loop...), "--for"},
		"bad duration":       {append([]string{"--provider", "astro", "--for", "soon"}, loop...), "invalid value"},
		"unknown flag":       {append([]string{"--provider", "astro", "--nope"}, loop...), "not defined"},
		"positional":         {append([]string{"--provider", "astro", "extra"}, loop...), `unexpected argument "extra"`},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := wsbind(t, append([]string{"record"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "wsbind record --help") {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q", stdout)
			}
			if strings.Contains(stderr, "hunter22") {
				t.Error("a credential value was printed")
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a usage error created the output file: %v", err)
	}
	code, _, stderr := wsbind(t, "record", "--provider", "astro", "--url", "ws://127.0.0.1:1/", "--out", filepath.Join(dir, "missing", "x.jsonl"))
	if code != exitUsage || !strings.Contains(stderr, "no such file") {
		t.Errorf("unwritable --out: exit %d, %s", code, stderr)
	}
}
