package hostile

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// These tests run `wsbind mock astro` as a child process and attack it
// with clients that send subscribe requests carrying large nonces (each
// answered with a response echoing the nonce) and never read. They watch
// the child's peak RSS (VmHWM) and goroutines (via --stats-addr) and check
// that the clients are cut.

// mockStatsDoc is what `wsbind mock --stats-addr` serves.
type mockStatsDoc struct {
	Conns      int   `json:"conns"`
	Accepted   int   `json:"accepted"`
	SlowClosed int   `json:"slow_closed"`
	Queued     int64 `json:"queued_bytes"`
	Goroutines int   `json:"goroutines"`
}

// mockChild is a running `wsbind mock` process.
type mockChild struct {
	cmd      *exec.Cmd
	wsURL    string
	statsURL string
	stderr   *strings.Builder
}

// mockBuild returns the wsbind binary, on a machine with /proc to read
// the child's memory from.
func mockBuild(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the child's RSS")
	}
	return wsbindBinary(t)
}

// mockStart runs `wsbind mock astro` on loopback with extra flags and
// waits for the URLs it prints.
func mockStart(t *testing.T, bin string, flags ...string) *mockChild {
	t.Helper()
	args := append([]string{"mock", "astro", "--addr", "127.0.0.1:0", "--stats-addr", "127.0.0.1:0",
		"--every", "1h", "--for", "10m"}, flags...)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	m := &mockChild{cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = m.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if s := m.stderr.String(); s != "" && t.Failed() {
			t.Logf("child stderr:\n%s", s)
		}
	})
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody listens any more
			}
		}
	}()
	timeout := time.After(10 * time.Second)
	for m.wsURL == "" || m.statsURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the mock exited early")
			}
			if _, u, ok := strings.Cut(l, " listening on "); ok {
				m.wsURL = u
			}
			if u, ok := strings.CutPrefix(l, "stats: "); ok {
				m.statsURL = u
			}
		case <-timeout:
			t.Fatal("the mock printed no URLs within 10s")
		}
	}
	return m
}

func (m *mockChild) stats(t *testing.T) mockStatsDoc {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(m.statsURL)
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	defer resp.Body.Close()
	var st mockStatsDoc
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("stats: %v", err)
	}
	return st
}

// mockProcKB reads a field such as VmHWM or VmRSS, in kB, from the
// child's /proc status.
func (m *mockChild) mockProcKB(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc status", field)
	return 0
}

// mockWatch polls the child's stats until stop is closed and keeps the
// largest goroutine and connection counts.
type mockWatch struct {
	maxGoroutines, maxConns atomic.Int64
	done                    chan struct{}
}

func mockWatchStats(t *testing.T, m *mockChild, stop <-chan struct{}) *mockWatch {
	w := &mockWatch{done: make(chan struct{})}
	go func() {
		defer close(w.done)
		c := http.Client{Timeout: 2 * time.Second}
		for i := 0; i < 100000; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			resp, err := c.Get(m.statsURL)
			if err != nil {
				continue
			}
			var st mockStatsDoc
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err != nil {
				continue
			}
			if int64(st.Goroutines) > w.maxGoroutines.Load() {
				w.maxGoroutines.Store(int64(st.Goroutines))
			}
			if int64(st.Conns) > w.maxConns.Load() {
				w.maxConns.Store(int64(st.Conns))
			}
		}
	}()
	return w
}

// mockRequest is a subscribe whose response echoes a nonce of n bytes.
func mockRequest(n int) []byte {
	return []byte(`{"type":"subscribe","nonce":"` + strings.Repeat("n", n) +
		`","data":{"topic":"channel.tips","token":"demo-token","token_type":"jwt"}}`)
}

// mockNonReader connects, sends req until the server cuts it (or until
// the deadline), never reading, and reports whether it was cut and how
// many requests it sent.
func mockNonReader(ctx context.Context, url string, req []byte, deadline time.Time) (cut bool, sent int, err error) {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return false, 0, err
	}
	defer ws.Close()
	for sent < 1_000_000 && time.Now().Before(deadline) && ctx.Err() == nil {
		_ = ws.SetWriteDeadline(time.Now().Add(time.Second))
		if err := ws.WriteMessage(websocket.TextMessage, req); err != nil {
			break
		}
		sent++
	}
	// Now read: what the server queued, then its close frame or the cut.
	// A client still connected times out here.
	for i := 0; i < 1_000_000; i++ {
		_ = ws.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, _, err := ws.ReadMessage(); err != nil {
			var ne interface{ Timeout() bool }
			return !(errors.As(err, &ne) && ne.Timeout()), sent, nil
		}
	}
	return false, sent, nil
}

// TestMockNonReadingClients is the CI-size run: small limits, three
// non-reading clients, a few seconds.
func TestMockNonReadingClients(t *testing.T) {
	start := time.Now()
	bin := mockBuild(t)
	built := time.Since(start)
	m := mockStart(t, bin, "--max-queue-bytes", "262144", "--write-timeout", "2s", "--handshake-timeout", "2s")
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()

	base := m.stats(t)
	rssBefore := m.mockProcKB(t, "VmRSS")
	stop := make(chan struct{})
	w := mockWatchStats(t, m, stop)

	const clients = 3
	req := mockRequest(128 << 10)
	var wg sync.WaitGroup
	cuts := make([]bool, clients)
	errs := make([]error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cuts[i], _, errs[i] = mockNonReader(ctx, m.wsURL, req, time.Now().Add(10*time.Second))
		}()
	}
	wg.Wait()
	for i := range clients {
		if errs[i] != nil {
			t.Fatalf("client %d: %v", i, errs[i])
		}
		if !cuts[i] {
			t.Errorf("client %d was not cut", i)
		}
	}
	var after mockStatsDoc
	for i := 0; i < 100; i++ {
		if after = m.stats(t); after.Conns == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	<-w.done
	hwm := m.mockProcKB(t, "VmHWM")
	t.Logf("RSS before %d kB, peak %d kB; goroutines before %d, peak %d, after %d; slow clients cut %d; build %v, attack %v",
		rssBefore, hwm, base.Goroutines, w.maxGoroutines.Load(), after.Goroutines, after.SlowClosed,
		built.Round(time.Millisecond), (time.Since(start) - built).Round(time.Millisecond))
	if after.Conns != 0 || after.SlowClosed < clients {
		t.Errorf("after the attack: %+v, want no connections and %d slow clients cut", after, clients)
	}
	// Three clients with 256 KiB queues and ~130 KiB frames: the bound
	// leaves room for the runtime and GC headroom, far below what 1024
	// queued frames per client would take (about 400 MB).
	if hwm > 96<<10 {
		t.Errorf("peak RSS %d kB, want under 96 MiB", hwm)
	}
	if g := w.maxGoroutines.Load(); g > int64(base.Goroutines+6*clients+8) {
		t.Errorf("peak %d goroutines, base %d", g, base.Goroutines)
	}
	// A few more for the keep-alive connections of the stats pollers.
	if after.Goroutines > base.Goroutines+4 {
		t.Errorf("%d goroutines after the clients left, %d before", after.Goroutines, base.Goroutines)
	}
}

// TestMockFullNonReadingClients is the full-size run behind `make
// hostile-full`: default limits, two clients that reconnect and spam for
// 30 s without reading. It logs RSS before, at peak and after, and the
// goroutines.
func TestMockFullNonReadingClients(t *testing.T) {
	if os.Getenv("WSBIND_HOSTILE_FULL") != "1" {
		t.Skip("set WSBIND_HOSTILE_FULL=1 (make hostile-full)")
	}
	bin := mockBuild(t)
	m := mockStart(t, bin)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	base := m.stats(t)
	rssBefore := m.mockProcKB(t, "VmRSS")
	stop := make(chan struct{})
	w := mockWatchStats(t, m, stop)

	const clients = 2
	const attack = 30 * time.Second
	req := mockRequest(1000 << 10) // under the 1 MiB read limit
	end := time.Now().Add(attack)
	var wg sync.WaitGroup
	var conns, cut, sent atomic.Int64
	var firstErr atomic.Pointer[error]
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10000 && time.Now().Before(end); i++ {
				c, n, err := mockNonReader(ctx, m.wsURL, req, end)
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				conns.Add(1)
				sent.Add(int64(n))
				if c {
					cut.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		t.Fatal(*p)
	}
	hwm := m.mockProcKB(t, "VmHWM")
	rssEnd := m.mockProcKB(t, "VmRSS")
	var after mockStatsDoc
	for i := 0; i < 100; i++ {
		if after = m.stats(t); after.Conns == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(5 * time.Second)
	after = m.stats(t)
	rssAfter := m.mockProcKB(t, "VmRSS")
	close(stop)
	<-w.done
	t.Logf("%d clients, %v: %d connections, %d cut by the server, %d requests of %d KiB sent",
		clients, attack, conns.Load(), cut.Load(), sent.Load(), len(req)>>10)
	t.Logf("RSS before %d kB; peak (VmHWM) %d kB; at the end of the attack %d kB; 5 s after the clients left %d kB",
		rssBefore, hwm, rssEnd, rssAfter)
	t.Logf("goroutines before %d, peak %d, after %d; slow clients cut %d; connections open after %d",
		base.Goroutines, w.maxGoroutines.Load(), after.Goroutines, after.SlowClosed, after.Conns)
	if after.Conns != 0 || cut.Load() == 0 {
		t.Errorf("after the attack: %+v, %d cut", after, cut.Load())
	}
	if hwm > 512<<10 {
		t.Errorf("peak RSS %d kB, want under 512 MiB", hwm)
	}
}
