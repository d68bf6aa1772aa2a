package conn_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/runtime/conn"
)

type countingMetrics struct {
	mu                               sync.Mutex
	frames, bytes, reconnects, vfail int
	maxDepth                         int
}

func (m *countingMetrics) FrameIn(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.frames++
	m.bytes += n
}

func (m *countingMetrics) Reconnect() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reconnects++
}

func (m *countingMetrics) ValidationFailure() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.vfail++
}

func (m *countingMetrics) QueueDepth(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maxDepth = max(m.maxDepth, n)
}

func (m *countingMetrics) get() (frames, bytes, reconnects, vfail, depth int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.frames, m.bytes, m.reconnects, m.vfail, m.maxDepth
}

func TestMetricsHook(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := start(t, &echo{})
	defer srv.Close()
	m := &countingMetrics{}
	release := make(chan struct{})
	delivered := make(chan struct{}, 16)
	cfg := config(srv, func(conn.Inbound) {
		<-release // handlers are slow: frames queue up
		delivered <- struct{}{}
	})
	cfg.Metrics = m
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	frames := []string{`{"op":"a"}`, `{"op":"bb"}`, `not json`, `{"op":"ccc"}`}
	want := 0
	for _, f := range frames {
		srv.Conns()[0].Send([]byte(f))
		want += len(f)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, b, _, vf, depth := m.get()
		if n == len(frames) && b == want && vf == 1 && depth >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("frames %d bytes %d validation failures %d max depth %d; want %d, %d, 1, >= 2", n, b, vf, depth, len(frames), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	for range 3 { // the frame that is not JSON is not delivered
		<-delivered
	}
	// A dropped link is a reconnect.
	srv.Conns()[0].Drop()
	deadline = time.Now().Add(5 * time.Second)
	for {
		if _, _, r, _, _ := m.get(); r == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no reconnect counted")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
