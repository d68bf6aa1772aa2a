package conn_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// echo is a tiny protocol: {"id":X,"op":"ping"} is answered with
// {"id":X,"op":"pong"}; {"op":"sub","topic":T} is acknowledged; "refuse"
// makes Accept answer with a status.
type echo struct {
	mu       sync.Mutex
	refuse   []int // statuses for the next upgrades
	retry    string
	subs     map[string]int
	welcome  bool
	frames   atomic.Int64
	accepted atomic.Int64
}

func (e *echo) Accept(r *http.Request) (int, string, http.Header) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.refuse) > 0 {
		st := e.refuse[0]
		e.refuse = e.refuse[1:]
		h := http.Header{}
		if e.retry != "" {
			h.Set("Retry-After", e.retry)
		}
		return st, "refused ticket=SECRET-TICKET", h
	}
	e.accepted.Add(1)
	return 0, "", nil
}

func (e *echo) Open(c *testserver.Conn) {
	if e.welcome {
		c.Send([]byte(`{"op":"welcome"}`))
	}
}

func (e *echo) Frame(c *testserver.Conn, frame []byte) {
	e.frames.Add(1)
	var m map[string]string
	if json.Unmarshal(frame, &m) != nil {
		return
	}
	switch m["op"] {
	case "ping":
		c.Send([]byte(`{"op":"pong","id":"` + m["id"] + `"}`))
	case "sub":
		e.mu.Lock()
		if e.subs == nil {
			e.subs = map[string]int{}
		}
		e.subs[m["topic"]]++
		e.mu.Unlock()
		c.Send([]byte(`{"op":"subbed","id":"` + m["id"] + `","topic":"` + m["topic"] + `"}`))
	}
}

func (e *echo) Closed(*testserver.Conn) {}

func (e *echo) subCount(topic string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.subs[topic]
}

func inspect(_ *conn.Session, frame []byte, _ uint64) conn.Inbound {
	var m map[string]string
	if err := json.Unmarshal(frame, &m); err != nil {
		return conn.Inbound{Err: err}
	}
	in := conn.Inbound{Msg: m}
	if m["id"] != "" {
		in.ReplyKeys = []string{"id:" + m["id"]}
	}
	if m["op"] == "welcome" {
		in.ReplyKeys = append(in.ReplyKeys, "welcome")
	}
	return in
}

func start(t *testing.T, h testserver.Handler) *testserver.Server {
	t.Helper()
	srv, err := testserver.New(h, testserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func config(srv *testserver.Server, deliver func(conn.Inbound)) conn.Config {
	return conn.Config{
		Hooks: conn.Hooks{
			Dial:    func(context.Context) (conn.Target, error) { return conn.Target{URL: srv.URL}, nil },
			Inspect: inspect,
			Deliver: func(_ context.Context, in conn.Inbound) {
				if deliver != nil {
					deliver(in)
				}
			},
		},
		Backoff: conn.Backoff{Base: time.Millisecond, Max: 20 * time.Millisecond},
	}
}

func TestRequestGetsTheReplyWithItsCorrelationKey(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := start(t, &echo{})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := conn.Dial(ctx, config(srv, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, id := range []string{"a", "b", "c"} {
		in, err := c.Request(ctx, []byte(`{"op":"ping","id":"`+id+`"}`), conn.Request{Keys: []string{"id:" + id}})
		if err != nil {
			t.Fatal(err)
		}
		if got := in.Msg.(map[string]string)["id"]; got != id {
			t.Fatalf("reply id %q, want %q", got, id)
		}
	}
}

func TestFramesReachHandlersInArrivalOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := start(t, &echo{})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	const n = 500
	c, err := conn.Dial(ctx, config(srv, func(in conn.Inbound) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, in.Msg.(map[string]string)["id"])
		if len(got) == n {
			close(done)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conns, err := srv.WaitConns(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		conns[0].Send([]byte(`{"op":"ev","id":"` + itoa(i) + `"}`))
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("not every frame was delivered")
	}
	for i, id := range got {
		if id != itoa(i) {
			t.Fatalf("frame %d delivered as %s", i, id)
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func TestDropReconnectsAndRestoresSubscriptionsBeforeNewEvents(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := &echo{}
	srv := start(t, h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var events []string
	var mu sync.Mutex
	gotAfter := make(chan struct{}, 1)
	var restored atomic.Int64
	cfg := config(srv, func(in conn.Inbound) {
		m := in.Msg.(map[string]string)
		if m["op"] == "ev" {
			mu.Lock()
			events = append(events, m["id"])
			mu.Unlock()
			gotAfter <- struct{}{}
		}
	})
	cfg.Hooks.Open = func(ctx context.Context, s *conn.Session, resumed bool) error {
		return s.Restore(ctx)
	}
	cfg.Hooks.Restored = func(context.Context) { restored.Add(1) }
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Request(ctx, []byte(`{"op":"sub","id":"s1","topic":"news"}`), conn.Request{Keys: []string{"id:s1"}, Sub: conn.SubAdd, SubKey: []string{"news"}}); err != nil {
		t.Fatal(err)
	}
	srv.DropAll()
	// The new connection has the subscription again before any event on it
	// reaches the handler.
	conns, err := waitAccepted(ctx, srv, h, 2)
	if err != nil {
		t.Fatal(err)
	}
	for h.subCount("news") < 2 {
		if ctx.Err() != nil {
			t.Fatal("subscription not restored")
		}
		time.Sleep(time.Millisecond)
	}
	conns[len(conns)-1].Send([]byte(`{"op":"ev","id":"after"}`))
	select {
	case <-gotAfter:
	case <-ctx.Done():
		t.Fatal("event after reconnect not delivered")
	}
	if restored.Load() < 2 {
		t.Fatalf("Restored ran %d times, want 2", restored.Load())
	}
	if c.Subscriptions() != 1 {
		t.Fatalf("%d live subscriptions, want 1", c.Subscriptions())
	}
}

func waitAccepted(ctx context.Context, srv *testserver.Server, h *echo, n int64) ([]*testserver.Conn, error) {
	for h.accepted.Load() < n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		time.Sleep(time.Millisecond)
	}
	return srv.WaitConns(ctx, 1)
}

func TestSilentServerIsDeclaredDeadAndReplaced(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := &echo{}
	srv := start(t, h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	causes := make(chan error, 4)
	cfg := config(srv, nil)
	cfg.ReadTimeout = 100 * time.Millisecond
	cfg.Hooks.Disconnected = func(_ context.Context, err error) { causes <- err }
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conns, err := srv.WaitConns(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	conns[0].Silence()
	select {
	case err := <-causes:
		if !errors.Is(err, conn.ErrDead) {
			t.Fatalf("cause %v, want ErrDead", err)
		}
	case <-ctx.Done():
		t.Fatal("silence went unnoticed")
	}
	if _, err := waitAccepted(ctx, srv, h, 2); err != nil {
		t.Fatal("no reconnect after silence")
	}
}

func TestOversizedFrameEndsTheConnectionAndIsReported(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := &echo{}
	srv := start(t, h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	causes := make(chan error, 4)
	cfg := config(srv, nil)
	cfg.ReadLimit = 1024
	cfg.Hooks.Disconnected = func(_ context.Context, err error) { causes <- err }
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conns, _ := srv.WaitConns(ctx, 1)
	conns[0].Send([]byte(`{"op":"ev","id":"` + strings.Repeat("x", 4096) + `"}`))
	select {
	case err := <-causes:
		if !strings.Contains(err.Error(), "read limit") {
			t.Fatalf("cause %v, want the read limit", err)
		}
	case <-ctx.Done():
		t.Fatal("oversized frame not noticed")
	}
}

func TestUnauthorizedHandshakeStopsWithATypedErrorWithoutSecrets(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := &echo{refuse: []int{401}}
	srv := start(t, h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := config(srv, nil)
	cfg.Hooks.Dial = func(context.Context) (conn.Target, error) {
		return conn.Target{URL: srv.URL + "?ticket=SECRET-TICKET", Secrets: []string{"SECRET-TICKET"}}, nil
	}
	_, err := conn.Dial(ctx, cfg)
	var he *conn.HandshakeError
	if !errors.As(err, &he) || he.Status != 401 {
		t.Fatalf("err %v, want a 401 HandshakeError", err)
	}
	if strings.Contains(err.Error(), "SECRET-TICKET") {
		t.Fatalf("error leaks the ticket: %v", err)
	}
}

func TestRetryAfterIsHonouredAndTransientRefusalsHeal(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := &echo{refuse: []int{429, 502}, retry: "1"}
	srv := start(t, h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	c, err := conn.Dial(ctx, config(srv, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Two refusals with Retry-After: 1 each: at least two seconds passed.
	if waited := time.Since(began); waited < 2*time.Second {
		t.Fatalf("reconnected after %v, before Retry-After allowed", waited)
	}
}

func TestCloseIsIdempotentAndLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := start(t, &echo{welcome: true})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := config(srv, nil)
	cfg.Hooks.Open = func(ctx context.Context, s *conn.Session, _ bool) error {
		_, err := s.Await(ctx, "welcome") // arrived before Await: kept in the mailbox
		return err
	}
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	if _, err := c.Request(ctx, []byte(`{}`), conn.Request{}); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("request after Close: %v, want ErrClosed", err)
	}
}

func TestBackoffIsCappedJitteredAndRespectsAFloor(t *testing.T) {
	b := conn.Backoff{Base: 100 * time.Millisecond, Max: time.Second, Rand: func() float64 { return 0.999 }}
	for n, want := range []time.Duration{99, 199, 399, 799, 999, 999} {
		if got := b.Delay(n, 0).Milliseconds(); got != int64(want) {
			t.Errorf("Delay(%d) = %dms, want %dms", n, got, want)
		}
	}
	b.Rand = func() float64 { return 0 }
	if got := b.Delay(3, 2*time.Second); got != 2*time.Second {
		t.Errorf("floor ignored: %v", got)
	}
}

func TestPlainWebSocketToARemoteHostIsRefused(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cfg := conn.Config{Hooks: conn.Hooks{
		// Never dialled: the scheme check comes first.
		Dial:    func(context.Context) (conn.Target, error) { return conn.Target{URL: "ws://example.invalid/"}, nil },
		Inspect: inspect,
	}}
	if _, err := conn.Dial(ctx, cfg); !errors.Is(err, conn.ErrInsecure) {
		t.Fatalf("err %v, want ErrInsecure", err)
	}
}
