package conn_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/runtime/conn"
)

// clientGoroutines counts goroutines running code of package conn (the
// test server lives in another package).
func clientGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("wsbind/runtime/conn.")) {
			n++
		}
	}
	return n
}

// An idle client costs one goroutine: its reader. Open, delivery, pings and
// keepalives come and go; at 10,000 clients each extra goroutine is
// another 8 KiB of stack or more.
func TestIdleClientHoldsOneGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := start(t, &echo{welcome: true})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	delivered := make(chan struct{}, 16)
	cfg := config(srv, func(conn.Inbound) { delivered <- struct{}{} })
	cfg.PingInterval = 20 * time.Millisecond
	cfg.Keepalive, cfg.KeepaliveInterval = []byte(`{"op":"ka"}`), 20*time.Millisecond
	cfg.Hooks.Open = func(ctx context.Context, s *conn.Session, _ bool) error {
		_, err := s.Await(ctx, "welcome")
		return err
	}
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Request(ctx, []byte(`{"op":"ping","id":"1"}`), conn.Request{Keys: []string{"id:1"}}); err != nil {
		t.Fatal(err)
	}
	<-delivered // the welcome
	<-delivered // the pong
	// Let a few pings and keepalives fire, then wait for the transient
	// goroutines (Open, the drainer, timer callbacks) to finish.
	time.Sleep(100 * time.Millisecond)
	var got int
	for range 100 {
		if got = clientGoroutines(); got == 1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("idle client runs %d goroutines, want 1", got)
}
