package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/internal/specclient"
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
		"--call", `Subscribe channel.tips ""`, "--for", "2s")
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
	// Progress on stderr: the dial, the connection, a frame count.
	for _, want := range []string{"dialing astro at " + m.URL(), "connected after", " frames ("} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
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
		"--call", "SubscribeStream s53b1d1600cf27b75148de0ac", "--for", "2s")
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

func TestRecordRefusedCallExits1AndKeepsThePartialFile(t *testing.T) {
	noLeaks(t)
	m := startMock(t, "astro")
	dir := t.TempDir()
	out := filepath.Join(dir, "astro.jsonl")
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
	// A failed run never writes --out; what it recorded is kept next to it.
	partial := filepath.Join(dir, "astro.partial.jsonl")
	if !strings.Contains(stderr, "astro.jsonl not written") || !strings.Contains(stderr, partial) {
		t.Errorf("stderr does not say where the frames went:\n%s", stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--out written by a failed run: %v", err)
	}
	assertOnly(t, dir, "astro.partial.jsonl")
	// The refusal is part of the protocol: the recording still validates.
	report := assertValid(t, "astro", partial)
	if !strings.Contains(report, "server Response ok") {
		t.Errorf("no error response recorded:\n%s", report)
	}
	assertAbsent(t, partial, "wrong-secret-token")
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
		"--cred", "token="+testserver.DemoToken, "--cred", "token_type=jwt", "--call", "Subscribe channel.tips", "--for", "1s")
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
	dir := t.TempDir()
	out := filepath.Join(dir, "astro.jsonl")
	code, stdout, stderr := wsbind(t, "record", "--provider", "astro", "--url", dead, "--out", out, "--cred", "token=secret-token")
	if code != exitFailure || !strings.Contains(stderr, "connecting") || !strings.Contains(stderr, "nothing recorded; "+out+" not written") {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "secret-token") {
		t.Error("the token was printed")
	}
	assertOnly(t, dir) // no recording, no temporary file
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
		"no provider":        {loop, "--provider NAME or --spec FILE is required"},
		"unknown provider":   {append([]string{"--provider", "nope"}, loop...), `unknown provider "nope"`},
		"no out":             {[]string{"--provider", "astro", "--url", "ws://127.0.0.1:1/"}, "--out is required"},
		"cred without =":     {append([]string{"--provider", "astro", "--cred", "tokenvalue"}, loop...), "KEY=VALUE"},
		"unknown cred":       {append([]string{"--provider", "astro", "--cred", "password=hunter22"}, loop...), `no credential "password"`},
		"short secret":       {append([]string{"--provider", "astro", "--cred", "token=abc"}, loop...), "shorter than 4"},
		"unknown method":     {append([]string{"--provider", "astro", "--call", "Publish x"}, loop...), `no request method "Publish"`},
		"too many arguments": {append([]string{"--provider", "astro", "--call", "Subscribe a b c"}, loop...), "takes 2 arguments"},
		"unterminated quote": {append([]string{"--provider", "astro", "--call", "Subscribe 'a"}, loop...), "unterminated"},
		"empty call":         {append([]string{"--provider", "astro", "--call", " "}, loop...), "needs a method"},
		"bad url":            {[]string{"--provider", "astro", "--url", "http://127.0.0.1:1/", "--out", out}, "ws:// or wss://"},
		"negative for":       {append([]string{"--provider", "astro", "--for", "-1s"}, loop...), "--for"},
		"bad duration":       {append([]string{"--provider", "astro", "--for", "soon"}, loop...), "invalid value"},
		"unknown flag":       {append([]string{"--provider", "astro", "--nope"}, loop...), "not defined"},
		"positional":         {append([]string{"--provider", "astro", "extra"}, loop...), `unexpected argument "extra"`},
		"url with password":  {[]string{"--provider", "astro", "--url", "ws://me:hunter22@127.0.0.1:1/", "--out", out}, "user:password"},
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

// assertOnly fails unless dir holds exactly names: no temporary file left.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

// stallServer accepts TCP connections on loopback, counts them and never
// answers: a dial to it hangs until the client gives up.
type stallServer struct {
	ln      net.Listener
	accepts atomic.Int32
	mu      sync.Mutex
	conns   []net.Conn
	wg      sync.WaitGroup
}

func startStall(t *testing.T) *stallServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stallServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepts.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			c.Close()
		}
	})
	return s
}

func (s *stallServer) port() string {
	return s.ln.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):]
}

// timedWriter is a goroutine-safe buffer that notes when it was first
// written to.
type timedWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first time.Time
	wrote chan struct{}
}

func newTimedWriter() *timedWriter { return &timedWriter{wrote: make(chan struct{})} }

func (w *timedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.first.IsZero() {
		w.first = time.Now()
		close(w.wrote)
	}
	return w.buf.Write(p)
}

func (w *timedWriter) firstWrite() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.first
}

func (w *timedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// runTimed runs the CLI in a goroutine with a timed stderr.
func runTimed(args ...string) (stderr *timedWriter, wait func() (int, string)) {
	stderr = newTimedWriter()
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(args, &out, stderr) }()
	return stderr, func() (int, string) { code := <-done; return code, out.String() }
}

// noCredentials empties every WSBIND_* credential variable for the test.
func noCredentials(t *testing.T) {
	for _, p := range generated.Providers {
		if p.Driver != nil {
			for _, k := range p.Driver.Credentials {
				t.Setenv(credentialEnv(p.Name, k), "")
			}
		}
	}
}

const keepCapture = "1\n2\n3\n4\n5\n6\n7\n"

func writeKeep(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "keep.jsonl")
	if err := os.WriteFile(path, []byte(keepCapture), 0o640); err != nil {
		t.Fatal(err)
	}
	return path
}

func assertKept(t *testing.T, path string) {
	t.Helper()
	if b, err := os.ReadFile(path); err != nil || string(b) != keepCapture {
		t.Errorf("%s now holds %q, %v; want it untouched", path, b, err)
	}
}

// The audit's case: a failed recording emptied a 7-line capture.
func TestRecordFailureKeepsExistingCapture(t *testing.T) {
	noLeaks(t)
	old := recordDialTimeout
	recordDialTimeout = 300 * time.Millisecond
	defer func() { recordDialTimeout = old }()
	dir := t.TempDir()
	keep := writeKeep(t, dir)

	// Nothing listens: nothing recorded, nothing kept.
	code, _, stderr := wsbind(t, "record", "--provider", "astro", "--url", "ws://127.0.0.1:1/", "--out", keep, "--force")
	if code != exitFailure || !strings.Contains(stderr, "nothing recorded; "+keep+" left as it was") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	assertKept(t, keep)
	assertOnly(t, dir, "keep.jsonl")

	// A refused request after some frames: those go to a .partial file,
	// never over the capture, and a second failure does not replace the
	// first partial file either.
	m := startMock(t, "astro")
	for i, partial := range []string{"keep.partial.jsonl", "keep.partial-2.jsonl"} {
		code, _, stderr = wsbind(t, "record", "--provider", "astro", "--url", m.URL(), "--out", keep, "--force",
			"--cred", "token=wrong-secret-token", "--cred", "token_type=jwt", "--call", "Subscribe channel.tips")
		if code != exitFailure || !strings.Contains(stderr, filepath.Join(dir, partial)) || !strings.Contains(stderr, "left as it was") {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, stderr)
		}
		assertKept(t, keep)
		assertValid(t, "astro", filepath.Join(dir, partial))
	}
	assertOnly(t, dir, "keep.jsonl", "keep.partial.jsonl", "keep.partial-2.jsonl")
}

func TestRecordRefusesToOverwriteWithoutForce(t *testing.T) {
	noLeaks(t)
	noCredentials(t)
	stall := startStall(t)
	dir := t.TempDir()
	keep := writeKeep(t, dir)
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(filepath.Join(dir, "gone.jsonl"), link); err != nil {
		t.Skip(err)
	}
	for _, out := range []string{keep, link} {
		start := time.Now()
		code, stdout, stderr := wsbind(t, "record", "--provider", "astro", "--url", "ws://127.0.0.1:"+stall.port()+"/", "--out", out)
		if code != exitUsage || !strings.Contains(stderr, out+" already exists") || !strings.Contains(stderr, "--force") || stdout != "" {
			t.Errorf("exit %d\n%s%s", code, stdout, stderr)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("refusal took %v", d)
		}
	}
	time.Sleep(50 * time.Millisecond) // a stray dial would have landed
	if n := stall.accepts.Load(); n != 0 {
		t.Errorf("%d connections made before refusing", n)
	}
	assertKept(t, keep)
	assertOnly(t, dir, "keep.jsonl", "link.jsonl")
}

func TestRecordForceReplacesOnlyOnSuccess(t *testing.T) {
	noLeaks(t)
	m := startMock(t, "astro")
	dir := t.TempDir()
	keep := writeKeep(t, dir)
	code, stdout, stderr := wsbind(t, "record", "--provider", "astro", "--url", m.URL(), "--out", keep, "--force",
		"--cred", "token="+testserver.DemoToken, "--cred", "token_type=jwt", "--call", "Subscribe channel.tips", "--for", "500ms")
	if code != exitOK || !strings.Contains(stdout, "recorded 3 frames") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	assertValid(t, "astro", keep)
	if fi, err := os.Stat(keep); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode of the replaced capture: %v, %v; want 0640 kept", fi.Mode(), err)
	}
	assertOnly(t, dir, "keep.jsonl")
	// A new file is private: recordings hold account traffic.
	fresh := filepath.Join(dir, "fresh.jsonl")
	if code, _, stderr := wsbind(t, "record", "--provider", "astro", "--url", m.URL(), "--out", fresh,
		"--cred", "token="+testserver.DemoToken, "--cred", "token_type=jwt", "--for", "200ms"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of a new capture: %v, %v", fi.Mode(), err)
	}
}

func TestRecordRefusesRealEndpointWithoutCredentials(t *testing.T) {
	noLeaks(t)
	noCredentials(t)
	stall := startStall(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.jsonl")
	// 0.0.0.0 reaches this machine on Linux but is not a loopback address:
	// had record dialled, the stall server would have counted it.
	notLoopback := "ws://0.0.0.0:" + stall.port() + "/"
	for name, tc := range map[string]struct {
		args     []string
		want     []string
		unwanted []string
	}{
		"astro default": {[]string{"--provider", "astro"},
			[]string{"wss://astro.streamelements.com/", "WSBIND_ASTRO_TOKEN or --cred token=", "WSBIND_ASTRO_TOKEN_TYPE or --cred token_type="}, nil},
		"astro half": {[]string{"--provider", "astro", "--cred", "token=hunter2222"},
			[]string{"WSBIND_ASTRO_TOKEN_TYPE"}, []string{"WSBIND_ASTRO_TOKEN ", "hunter2222"}},
		"astro elsewhere": {[]string{"--provider", "astro", "--url", notLoopback + "?ticket=query-secret"},
			[]string{"WSBIND_ASTRO_TOKEN", "?ticket=REDACTED"}, []string{"query-secret"}},
		"dlive":  {[]string{"--provider", "dlive"}, []string{"WSBIND_DLIVE_TOKEN or --cred token="}, nil},
		"neuro":  {[]string{"--provider", "neuro", "--url", notLoopback}, []string{"WSBIND_NEURO_TOKEN"}, nil},
		"octave": {[]string{"--provider", "octave", "--cred", "X-Auth-Company=acme"}, []string{"WSBIND_OCTAVE_X_AUTH_TOKEN or --cred X-Auth-Token="}, []string{"X_AUTH_USER", "X_AUTH_COMPANY"}},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			code, stdout, stderr := wsbind(t, append([]string{"record", "--out", out}, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, "refusing to dial a real endpoint") || stdout != "" {
				t.Errorf("exit %d\n%s%s", code, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			for _, w := range tc.unwanted {
				if strings.Contains(stderr, w) {
					t.Errorf("stderr has %q:\n%s", w, stderr)
				}
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusal took %v", d)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if n := stall.accepts.Load(); n != 0 {
		t.Errorf("%d connections made before refusing", n)
	}
	assertOnly(t, dir)
}

func TestRecordRequiredCredentials(t *testing.T) {
	for _, tc := range []struct {
		provider, url string
		want          []string
	}{
		{"astro", "", []string{"token", "token_type"}},
		{"astro", "wss://astro.streamelements.com/", []string{"token", "token_type"}},
		{"dlive", "", []string{"token"}},
		{"dlive", "wss://graphigostream.prd.dlive.tv/", nil}, // the web endpoint takes no token
		{"neuro", "wss://elsewhere.example/api", []string{"token"}},
		{"octave", "", []string{"X-Auth-Company", "X-Auth-Token"}},
	} {
		p, err := drivenProvider(tc.provider)
		if err != nil {
			t.Fatal(err)
		}
		var u *url.URL
		if tc.url != "" {
			u, _ = url.Parse(tc.url)
		}
		if got := missingCredentials(p, recordServer(p, u), nil); !slices.Equal(got, tc.want) {
			t.Errorf("%s at %q requires %q, want %q", tc.provider, tc.url, got, tc.want)
		}
	}
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.3.2.1": true, "::1": true, "localhost": true, "LOCALHOST": true,
		"0.0.0.0": false, "::": false, "localhost.example": false, "127.0.0.1.nip.io": false, "10.0.0.1": false, "": false,
	} {
		if specclient.IsLoopbackHost(host) != want {
			t.Errorf("specclient.IsLoopbackHost(%q) = %v", host, !want)
		}
	}
}

// The audit saw record silent for 30 s with --for 10s: progress must show
// within 2 s, and --for bounds the dial too.
func TestRecordProgressAndForBoundTheDial(t *testing.T) {
	noLeaks(t)
	stall := startStall(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.jsonl")
	base := "ws://127.0.0.1:" + stall.port() + "/"
	start := time.Now()
	stderr, wait := runTimed("record", "--provider", "astro", "--url", base+"?ticket=query-secret-value", "--out", out,
		"--cred", "token=secret-token", "--cred", "token_type=jwt", "--for", "2500ms")
	select {
	case <-stderr.wrote:
	case <-time.After(10 * time.Second):
	}
	if first := stderr.firstWrite(); first.IsZero() || first.Sub(start) > 2*time.Second {
		t.Errorf("first progress line after %v", first.Sub(start))
	}
	code, stdout := wait()
	took := time.Since(start)
	if code != exitFailure || took > 6*time.Second || took < 2*time.Second {
		t.Errorf("exit %d after %v with --for 2.5s", code, took)
	}
	text := stderr.String()
	for _, want := range []string{"dialing astro at " + base + "?ticket=REDACTED\n", "still connecting after ", "--for 2.5s ran out while connecting", out + " not written"} {
		if !strings.Contains(text, want) {
			t.Errorf("stderr lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text+stdout, "secret") {
		t.Errorf("a secret was printed:\n%s%s", stdout, text)
	}
	if stall.accepts.Load() == 0 {
		t.Error("never dialled")
	}
	assertOnly(t, dir)
}

func TestRecordInterruptWhileConnecting(t *testing.T) {
	noLeaks(t)
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Skip(err)
	}
	stall := startStall(t)
	dir := t.TempDir()
	keep := writeKeep(t, dir)
	stderr, wait := runTimed("record", "--provider", "astro", "--url", "ws://127.0.0.1:"+stall.port()+"/", "--out", keep, "--force",
		"--cred", "token=secret-token", "--cred", "token_type=jwt")
	// The dialing line is printed after the signal handler is installed.
	select {
	case <-stderr.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("no progress line")
	}
	start := time.Now()
	if err := self.Signal(os.Interrupt); err != nil {
		t.Skipf("cannot interrupt: %v", err)
	}
	code, _ := wait()
	if code != exitFailure || time.Since(start) > 5*time.Second || !strings.Contains(stderr.String(), "interrupted while connecting") {
		t.Errorf("exit %d after %v\n%s", code, time.Since(start), stderr)
	}
	assertKept(t, keep)
	assertOnly(t, dir, "keep.jsonl")
}
