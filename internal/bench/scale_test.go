package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// The scale run keeps the servers in a child process (this test binary,
// re-run as TestScaleServerProcess), so the parent's memory figures are the
// clients' alone and both ends fit the machine's open-file limit.

const scaleServerEnv = "WSBIND_SCALE_SERVER"

// TestIdleConnectionsAndReconnectStorm checks at a small scale what
// BenchmarkIdleConnections measures at 10,000: every idle client is
// resubscribed after its server restarts. It is skipped in -short runs.
func TestIdleConnectionsAndReconnectStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	r := runScale(t, 300)
	t.Logf("%+v", r)
}

// BenchmarkIdleConnections opens WSBIND_CONNS (default 10,000) idle,
// subscribed Astro clients against a loopback server in a child process,
// and reports per connection the heap and RSS of the client process next
// to the baseline of bare gorilla connections with one reader goroutine
// each. It then restarts the server and reports how long until every
// client was resubscribed and the peak reconnect rate the server saw. It
// runs once whatever b.N is.
func BenchmarkIdleConnections(b *testing.B) {
	n := 10000
	if v := os.Getenv("WSBIND_CONNS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("WSBIND_CONNS=%q: want a positive count", v)
		}
	}
	r := runScale(b, n)
	b.ReportMetric(r.heapKiB, "heap-KiB/conn")
	b.ReportMetric(r.rssKiB, "rss-KiB/conn")
	b.ReportMetric(r.goroutines, "goroutines/conn")
	b.ReportMetric(r.rawHeapKiB, "raw-heap-KiB/conn")
	b.ReportMetric(r.rawRSSKiB, "raw-rss-KiB/conn")
	b.ReportMetric(r.resubscribed.Seconds(), "resubscribe-s")
	b.ReportMetric(float64(r.peakPerSecond), "peak-reconnects/s")
	b.ReportMetric(0, "ns/op") // one run, not a per-op time
}

type scaleResult struct {
	conns                 int
	heapKiB, rssKiB       float64
	goroutines            float64
	rawConns              int
	rawHeapKiB, rawRSSKiB float64
	resubscribed          time.Duration
	peakPerSecond         int
}

func runScale(tb testing.TB, n int) scaleResult {
	raiseFDLimit(tb, n+512)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv := startScaleServer(tb)
	r := scaleResult{conns: n, rawConns: max(n/5, 1)}

	// Baseline: bare gorilla connections, one goroutine blocked in a read.
	before := memory()
	g0 := runtime.NumGoroutine()
	raws := make([]*websocket.Conn, r.rawConns)
	var readers sync.WaitGroup
	for i := range raws {
		ws, _, err := websocket.DefaultDialer.DialContext(ctx, srv.rawURL, nil)
		if err != nil {
			tb.Fatalf("raw dial %d: %v", i, err)
		}
		raws[i] = ws
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	after := memory()
	r.rawHeapKiB, r.rawRSSKiB = after.perConn(before, r.rawConns)
	for _, ws := range raws {
		ws.Close()
	}
	readers.Wait()
	if g := runtime.NumGoroutine(); g > g0+8 {
		tb.Logf("raw baseline left %d goroutines", g-g0)
	}

	// wsbind: typed clients, each subscribed once.
	var restored atomic.Int64
	clients := make([]*astro.Client, n)
	before = memory()
	g0 = runtime.NumGoroutine()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	var failed atomic.Int64
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := astro.NewClient(astro.Config{
				URL: srv.astroURL, Token: "t", TokenType: astro.TokenTypeJWT,
				OnRestored: func(context.Context) { restored.Add(1) },
				Conn: conn.Config{
					Backoff:     conn.Backoff{Base: 200 * time.Millisecond, Max: 5 * time.Second},
					ReadTimeout: 10 * time.Minute,
				},
			})
			clients[i] = c
			if err := c.Connect(ctx); err != nil {
				if failed.Add(1) == 1 {
					tb.Error(err)
				}
				return
			}
			if _, err := c.Subscribe(ctx, "channel.tips", ""); err != nil && failed.Add(1) == 1 {
				tb.Error(err)
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	if tb.Failed() {
		tb.FailNow()
	}
	after = memory()
	r.heapKiB, r.rssKiB = after.perConn(before, n)
	r.goroutines = float64(runtime.NumGoroutine()-g0) / float64(n)
	tb.Logf("%d idle subscribed clients: heap %.1f KiB/conn, RSS %.1f KiB/conn, %.2f goroutines/conn; "+
		"%d bare gorilla connections: heap %.1f KiB/conn, RSS %.1f KiB/conn",
		n, r.heapKiB, r.rssKiB, r.goroutines, r.rawConns, r.rawHeapKiB, r.rawRSSKiB)

	// Restart: the server drops everyone and comes back on the same address.
	restored.Store(0)
	began := time.Now()
	srv.command(tb, "restart")
	for restored.Load() < int64(n) {
		select {
		case <-ctx.Done():
			tb.Fatalf("only %d of %d clients resubscribed", restored.Load(), n)
		case <-time.After(20 * time.Millisecond):
		}
	}
	r.resubscribed = time.Since(began)
	fields := strings.Fields(srv.command(tb, "stats"))
	if len(fields) != 2 {
		tb.Fatalf("server stats: %q", fields)
	}
	peak, _ := strconv.Atoi(fields[0])
	r.peakPerSecond = peak * 10
	tb.Logf("server restart: all %d clients resubscribed in %v; peak %d reconnects per 100 ms (%d/s); %s upgrades in total",
		n, r.resubscribed.Round(10*time.Millisecond), peak, r.peakPerSecond, fields[1])
	return r
}

// scaleServer is the child process holding the servers.
type scaleServer struct {
	astroURL, rawURL string
	in               io.Writer
	out              *bufio.Scanner
}

func startScaleServer(tb testing.TB) *scaleServer {
	cmd := exec.Command(os.Args[0], "-test.run=^TestScaleServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), scaleServerEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		in.Close() // the child exits when its stdin ends
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	s := &scaleServer{in: in, out: bufio.NewScanner(out)}
	s.astroURL = s.line(tb, "astro")
	s.rawURL = s.line(tb, "raw")
	return s
}

// line reads the child's next line, which must start with key.
func (s *scaleServer) line(tb testing.TB, key string) string {
	for s.out.Scan() {
		if rest, ok := strings.CutPrefix(s.out.Text(), key+" "); ok {
			return rest
		}
	}
	tb.Fatalf("scale server ended before %q: %v", key, s.out.Err())
	return ""
}

func (s *scaleServer) command(tb testing.TB, cmd string) string {
	if _, err := fmt.Fprintln(s.in, cmd); err != nil {
		tb.Fatal(err)
	}
	return s.line(tb, cmd)
}

// TestScaleServerProcess is the child side: an Astro test server and a bare
// gorilla server on loopback, driven by lines on stdin. Run directly, it
// skips.
func TestScaleServerProcess(t *testing.T) {
	if os.Getenv(scaleServerEnv) != "1" {
		t.Skip("runs only as the scale benchmark's server process")
	}
	raiseFDLimit(t, 1<<20)
	opts := testserver.AstroOptions{PingInterval: -1, MaxSubscriptions: 10}
	srv, err := testserver.NewAstro(opts)
	if err != nil {
		t.Fatal(err)
	}
	raw := startRawServer(t)
	fmt.Printf("astro %s\nraw %s\n", srv.URL, raw)

	var mu sync.Mutex
	peak, last := 0, 0
	sampler := func(a *testserver.Astro, stop <-chan struct{}) {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				acc := a.Accepted()
				mu.Lock()
				peak, last = max(peak, acc-last), acc
				mu.Unlock()
			}
		}
	}
	stop := make(chan struct{})
	defer func() { close(stop); srv.Close() }()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "restart":
			addr := srv.Addr()
			srv.Close()
			opts.Addr = addr
			if srv, err = testserver.NewAstro(opts); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			peak, last = 0, 0
			mu.Unlock()
			go sampler(srv, stop)
			fmt.Println("restart ok")
		case "stats":
			mu.Lock()
			fmt.Printf("stats %d %d\n", peak, srv.Accepted())
			mu.Unlock()
		}
	}
}

// startRawServer accepts WebSocket connections and reads them until they
// close: the other end of the bare gorilla baseline.
func startRawServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var up websocket.Upgrader
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	})}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close() })
	return "ws://" + ln.Addr().String() + "/"
}

type mem struct{ heap, rss uint64 }

// memory returns live heap plus goroutine stacks, and the resident set,
// after returning freed memory to the OS so phases do not mask each other.
func memory() mem {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := mem{heap: ms.HeapInuse + ms.StackInuse}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			m.rss = pages * uint64(os.Getpagesize())
		}
	}
	return m
}

// perConn is the growth since before, in KiB per connection.
func (m mem) perConn(before mem, n int) (heapKiB, rssKiB float64) {
	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / 1024 / float64(n) }
	return per(m.heap, before.heap), per(m.rss, before.rss)
}

func raiseFDLimit(tb testing.TB, want int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Fatal(err)
	}
	if lim.Cur >= uint64(want) || lim.Cur == lim.Max {
		return
	}
	lim.Cur = min(uint64(want), lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Fatalf("raise fd limit: %v", err)
	}
}
