package bench

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// TestIdleConnectionsAndReconnectStorm opens N idle, subscribed Astro
// clients (WSBIND_CONNS, default 300; 9000 for the BENCHMARKS.md figure)
// against one loopback server, reports heap and RSS per connection
// (client and server share this process, so both are included), then
// restarts the server on the same address and measures how long until
// every client is resubscribed and the peak reconnect rate the server saw.
// It is skipped in -short runs.
func TestIdleConnectionsAndReconnectStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	n := 300 // kept small for go test -race ./...; see BENCHMARKS.md for 9,000
	if v := os.Getenv("WSBIND_CONNS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	raiseFDLimit(t, 4*n+256)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	opts := testserver.AstroOptions{PingInterval: -1, MaxSubscriptions: 10}
	srv, err := testserver.NewAstro(opts)
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	before := memory()

	var restored atomic.Int64
	clients := make([]*astro.Client, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := astro.NewClient(astro.Config{
				URL: srv.URL, Token: "t", TokenType: astro.TokenTypeJWT,
				OnRestored: func(context.Context) { restored.Add(1) },
				Conn: conn.Config{
					Backoff:     conn.Backoff{Base: 200 * time.Millisecond, Max: 5 * time.Second},
					ReadTimeout: 10 * time.Minute,
				},
			})
			if err := c.Connect(ctx); err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Subscribe(ctx, "channel.tips", ""); err != nil {
				t.Error(err)
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	after := memory()
	t.Logf("%d idle subscribed connections: heap %.1f KiB/conn, RSS %.1f KiB/conn (client and server in one process), %d goroutines",
		n, float64(after.heap-before.heap)/1024/float64(n), float64(after.rss-before.rss)/1024/float64(n), runtime.NumGoroutine())

	// Restart: the old server goes away, a new one takes the address.
	restored.Store(0)
	srv.Close()
	began := time.Now()
	opts.Addr = addr
	srv2, err := testserver.NewAstro(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	peak, last := 0, 0
	window := time.NewTicker(100 * time.Millisecond)
	defer window.Stop()
	for restored.Load() < int64(n) {
		select {
		case <-ctx.Done():
			t.Fatalf("only %d of %d clients restored", restored.Load(), n)
		case <-window.C:
			acc := srv2.Accepted()
			if d := acc - last; d > peak {
				peak = d
			}
			last = acc
		}
	}
	t.Logf("server restart: all %d clients resubscribed in %v; peak %d reconnects per 100 ms (%d/s); %d upgrades in total",
		n, time.Since(began).Round(10*time.Millisecond), peak, peak*10, srv2.Accepted())
	if time.Since(began) > 30*time.Second {
		t.Errorf("resubscription took %v, target 30s", time.Since(began))
	}
}

type mem struct{ heap, rss uint64 }

func memory() mem {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := mem{heap: ms.HeapInuse + ms.StackInuse}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		var size, res uint64
		for i, f := range splitFields(string(b)) {
			v, _ := strconv.ParseUint(f, 10, 64)
			if i == 0 {
				size = v
			}
			if i == 1 {
				res = v
			}
		}
		_ = size
		m.rss = res * uint64(os.Getpagesize())
	}
	return m
}

func splitFields(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		if r == ' ' || r == '\n' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		cur += string(r)
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

func raiseFDLimit(t *testing.T, want int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= uint64(want) {
		return
	}
	lim.Cur = min(uint64(want), lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("raise fd limit: %v", err)
	}
}
