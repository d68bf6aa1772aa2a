package hostile

// `wsbind record` as a user runs it, in a child process: a failed run
// never costs an existing capture, an existing capture is not overwritten
// without --force, a real endpoint is never dialled without the
// credentials the spec requires, progress shows at once and --for bounds
// the whole run.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wsbind/wsbind/runtime/testserver"
)

const recordCapture = "1\n2\n3\n4\n5\n6\n7\n" // the audit's 7-line keep.jsonl

// recordRun is one child `wsbind record`, its stderr read line by line as
// it comes.
type recordRun struct {
	cmd     *exec.Cmd
	start   time.Time
	mu      sync.Mutex
	stderr  strings.Builder
	first   time.Time // when the first stderr line arrived
	lines   chan string
	readEnd chan struct{}
	cancel  context.CancelFunc
}

// recordStart starts bin with args, no WSBIND_* credential in its
// environment, and a 30 s limit.
func recordStart(t *testing.T, bin string, args ...string) *recordRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	cmd := exec.CommandContext(ctx, bin, append([]string{"record"}, args...)...)
	cmd.WaitDelay = 2 * time.Second
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WSBIND_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &recordRun{cmd: cmd, lines: make(chan string, 100), readEnd: make(chan struct{}), cancel: cancel}
	r.start = time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		defer close(r.readEnd)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			r.mu.Lock()
			if r.first.IsZero() {
				r.first = time.Now()
			}
			r.stderr.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			select {
			case r.lines <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	return r
}

// wait returns the exit code, how long the run took and its stderr.
func (r *recordRun) wait(t *testing.T) (int, time.Duration, string) {
	t.Helper()
	// Read stderr to its end before Wait: Wait closes the pipe, and lines
	// still unread would be lost.
	<-r.readEnd
	err := r.cmd.Wait()
	took := time.Since(r.start)
	r.cancel()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return code, took, r.stderr.String()
}

// waitLine waits up to d for a stderr line containing want.
func (r *recordRun) waitLine(t *testing.T, want string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case l := <-r.lines:
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q on stderr within %v", want, d)
		}
	}
}

// recordListener counts TCP connections on loopback and never answers.
type recordListener struct {
	ln      net.Listener
	accepts atomic.Int32
	mu      sync.Mutex
	conns   []net.Conn
}

func recordListen(t *testing.T) *recordListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &recordListener{ln: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.accepts.Add(1)
			l.mu.Lock()
			l.conns = append(l.conns, c)
			l.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, c := range l.conns {
			c.Close()
		}
	})
	return l
}

func (l *recordListener) port() string {
	return strconv.Itoa(l.ln.Addr().(*net.TCPAddr).Port)
}

func recordKeep(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "keep.jsonl")
	if err := os.WriteFile(path, []byte(recordCapture), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func recordAssertKept(t *testing.T, path string) {
	t.Helper()
	if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, []byte(recordCapture)) {
		t.Errorf("%s holds %q, %v; want it byte for byte as before", path, b, err)
	}
}

// recordAssertOnly fails unless dir holds exactly names: no temporary
// file is left behind.
func recordAssertOnly(t *testing.T, dir string, names ...string) {
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

func TestRecordCLI(t *testing.T) {
	bin := wsbindBinary(t)

	t.Run("FailedRunKeepsTheCapture", func(t *testing.T) {
		dir := t.TempDir()
		keep := recordKeep(t, dir)
		// Nothing listens on port 1; --for ends the retries.
		r := recordStart(t, bin, "--provider", "astro", "--url", "ws://127.0.0.1:1", "--out", keep, "--force", "--for", "2s")
		code, took, stderr := r.wait(t)
		if code != 1 || took > 6*time.Second || !strings.Contains(stderr, "left as it was") {
			t.Errorf("exit %d after %v\n%s", code, took, stderr)
		}
		recordAssertKept(t, keep)
		recordAssertOnly(t, dir, "keep.jsonl")
	})

	t.Run("RefusedRequestKeepsTheCaptureAndAPartialFile", func(t *testing.T) {
		m, err := testserver.StartMock("astro", testserver.MockOptions{Addr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		dir := t.TempDir()
		keep := recordKeep(t, dir)
		r := recordStart(t, bin, "--provider", "astro", "--url", m.URL(), "--out", keep, "--force",
			"--cred", "token=wrong-secret-token", "--cred", "token_type=jwt", "--call", "Subscribe channel.tips")
		code, _, stderr := r.wait(t)
		partial := filepath.Join(dir, "keep.partial.jsonl")
		if code != 1 || !strings.Contains(stderr, partial) {
			t.Errorf("exit %d\n%s", code, stderr)
		}
		recordAssertKept(t, keep)
		recordAssertOnly(t, dir, "keep.jsonl", "keep.partial.jsonl")
		if b, _ := os.ReadFile(partial); !bytes.Contains(b, []byte("err_unauthorized")) || bytes.Contains(b, []byte("wrong-secret-token")) {
			t.Errorf("partial recording:\n%s", b)
		}
		if strings.Contains(stderr, "wrong-secret-token") {
			t.Error("the token was printed")
		}
	})

	t.Run("NoOverwriteWithoutForce", func(t *testing.T) {
		l := recordListen(t)
		dir := t.TempDir()
		keep := recordKeep(t, dir)
		r := recordStart(t, bin, "--provider", "astro", "--url", "ws://127.0.0.1:"+l.port(), "--out", keep,
			"--cred", "token=secret-token", "--cred", "token_type=jwt")
		code, took, stderr := r.wait(t)
		if code != 2 || took > 3*time.Second || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "--force") {
			t.Errorf("exit %d after %v\n%s", code, took, stderr)
		}
		time.Sleep(50 * time.Millisecond)
		if n := l.accepts.Load(); n != 0 {
			t.Errorf("%d connections before the refusal", n)
		}
		recordAssertKept(t, keep)
		recordAssertOnly(t, dir, "keep.jsonl")
	})

	t.Run("NoRealEndpointWithoutCredentials", func(t *testing.T) {
		l := recordListen(t)
		dir := t.TempDir()
		out := filepath.Join(dir, "x.jsonl")
		for _, args := range [][]string{
			{"--provider", "astro"}, // the spec's wss://astro.streamelements.com/
			// 0.0.0.0 reaches this machine but is no loopback address: a
			// dial would show up on the listener.
			{"--provider", "astro", "--url", "ws://0.0.0.0:" + l.port() + "/?ticket=query-secret-value"},
			{"--provider", "octave", "--url", "ws://0.0.0.0:" + l.port() + "/session/{sessionId}/ws"},
		} {
			r := recordStart(t, bin, append(args, "--out", out, "--for", "10s")...)
			code, took, stderr := r.wait(t)
			want := []string{"WSBIND_ASTRO_TOKEN", "--cred token=", "WSBIND_ASTRO_TOKEN_TYPE"}
			if args[1] == "octave" {
				want = []string{"WSBIND_OCTAVE_X_AUTH_COMPANY", "WSBIND_OCTAVE_X_AUTH_TOKEN", "--cred X-Auth-Token="}
			}
			if code != 2 || took > 2*time.Second || !strings.Contains(stderr, "refusing to dial a real endpoint") {
				t.Errorf("%q: exit %d after %v\n%s", args, code, took, stderr)
			}
			for _, w := range want {
				if !strings.Contains(stderr, w) {
					t.Errorf("%q: stderr lacks %q:\n%s", args, w, stderr)
				}
			}
			if strings.Contains(stderr, "query-secret-value") {
				t.Error("a query value was printed")
			}
		}
		time.Sleep(50 * time.Millisecond)
		if n := l.accepts.Load(); n != 0 {
			t.Errorf("%d connections made without credentials", n)
		}
		recordAssertOnly(t, dir)
	})

	t.Run("ProgressAtOnceAndForBoundsTheDial", func(t *testing.T) {
		l := recordListen(t) // accepts, never answers the upgrade
		dir := t.TempDir()
		out := filepath.Join(dir, "x.jsonl")
		r := recordStart(t, bin, "--provider", "astro", "--url", "ws://127.0.0.1:"+l.port()+"/?ticket=query-secret-value",
			"--out", out, "--cred", "token=secret-token", "--cred", "token_type=jwt", "--for", "3s")
		r.waitLine(t, "dialing astro at", 2*time.Second)
		code, took, stderr := r.wait(t)
		r.mu.Lock()
		first := r.first.Sub(r.start)
		r.mu.Unlock()
		if first > 2*time.Second {
			t.Errorf("first stderr line after %v", first)
		}
		if code != 1 || took > 3*time.Second+3*time.Second || !strings.Contains(stderr, "--for 3s ran out while connecting") {
			t.Errorf("exit %d after %v with --for 3s\n%s", code, took, stderr)
		}
		if !strings.Contains(stderr, "?ticket=REDACTED") || strings.Contains(stderr, "secret") {
			t.Errorf("URL not redacted:\n%s", stderr)
		}
		if l.accepts.Load() == 0 {
			t.Error("never dialled")
		}
		recordAssertOnly(t, dir)
	})

	t.Run("InterruptFinishesTheCapture", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no SIGINT for a child on Windows")
		}
		m, err := testserver.StartMock("astro", testserver.MockOptions{Addr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		dir := t.TempDir()
		keep := recordKeep(t, dir)
		r := recordStart(t, bin, "--provider", "astro", "--url", m.URL(), "--out", keep, "--force",
			"--cred", "token="+testserver.DemoToken, "--cred", "token_type=jwt", "--call", "Subscribe channel.tips")
		r.waitLine(t, "connected after", 10*time.Second)
		time.Sleep(300 * time.Millisecond) // let the subscribe finish
		if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		code, _, stderr := r.wait(t)
		if code != 0 || time.Since(start) > 5*time.Second {
			t.Errorf("exit %d %v after SIGINT\n%s", code, time.Since(start), stderr)
		}
		b, err := os.ReadFile(keep)
		if err != nil || !bytes.Contains(b, []byte(`\"type\":\"welcome\"`)) || bytes.Contains(b, []byte(testserver.DemoToken)) {
			t.Errorf("capture after SIGINT (%v):\n%s", err, b)
		}
		recordAssertOnly(t, dir, "keep.jsonl")
	})
}
