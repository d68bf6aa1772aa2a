package hostile

import (
	"context"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

// TestClientVerdictsComeFromTheDispatchDecode holds OnVerdict to
// Codec.Check with drift on frames of every kind, under wire.Off, with a
// handler registered and without one (when the client decodes into the
// memory of the frame before), and checks that handlers get the very
// message the verdict holds: one decode serves both.
func TestClientVerdictsComeFromTheDispatchDecode(t *testing.T) {
	for _, withHandler := range []bool{true, false} {
		name := "handler"
		if !withHandler {
			name = "no-handler"
		}
		t.Run(name, func(t *testing.T) { testVerdicts(t, withHandler) })
	}
}

func testVerdicts(t *testing.T, withHandler bool) {
	m, err := testserver.StartMock("astro", testserver.MockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	type seen struct {
		frame string
		r     wire.Result // Message only with a handler: without, it is reused
		diff  string      // from Codec.Check, taken during the call
	}
	var mu sync.Mutex
	var verdicts []seen
	handled := make(chan *astro.ChannelTipsMessage, 4)
	c := astro.NewClient(astro.Config{URL: m.URL(), Token: testserver.DemoToken, TokenType: astro.TokenTypeJWT, Validation: wire.Off,
		OnVerdict: func(frame []byte, r *wire.Result) {
			want := astro.ServerCodec.Check(frame, true)
			diff := cmp.Diff(want, *r, cmpopts.EquateEmpty(), cmp.Exporter(func(reflect.Type) bool { return true }),
				cmp.Comparer(func(a, b error) bool { return (a == nil) == (b == nil) }))
			mu.Lock()
			verdicts = append(verdicts, seen{string(frame), *r, diff})
			mu.Unlock()
		}})
	if withHandler {
		c.OnChannelTipsMessage(func(_ context.Context, m *astro.ChannelTipsMessage) { handled <- m })
	}
	if err := c.Connect(clientCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Subscribe(clientCtx(t, 5*time.Second), "channel.tips", "room-1"); err != nil {
		t.Fatal(err)
	}
	tip := func(extra string) string {
		return `{"id":"01JMFBZF7KSRDDXXV0EH7G8X6G","ts":"2025-02-19T15:07:17Z","type":"message","topic":"channel.tips","room":"room-1",` +
			`"data":{"donation":{"user":{"username":"Styler"},"message":"","amount":4.2,"currency":"USD","paymentMethod":"scheme"},` +
			`"_id":"67b5f39d07ecd4c594e60f73","channel":"5ad23dcc18fff500d78c5348","provider":"paypal","approved":"allowed","status":"success",` +
			`"createdAt":"2025-02-19T15:07:09.302Z","updatedAt":"2025-02-19T15:07:17.099Z"` + extra + `}}`
	}
	frames := []string{
		tip(""),
		tip(`,"undeclared":1`),
		`{"id":"01JMFBZF7KSRDDXXV0EH7G8X6G","ts":"yesterday","type":"message","topic":"channel.tips","room":"room-1","data":{}}`,
		`{"type":"no-such-type"}`,
		`{"type":`,
		tip(""),
	}
	conns := m.(interface{ Conns() []*testserver.Conn }).Conns()
	if len(conns) != 1 {
		t.Fatalf("%d connections to the mock", len(conns))
	}
	mu.Lock()
	before := len(verdicts)
	mu.Unlock()
	for _, f := range frames {
		conns[0].Send([]byte(f))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(verdicts) - before
		mu.Unlock()
		if n >= len(frames) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d verdicts for %d frames", n, len(frames))
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	got := verdicts[before:]
	mu.Unlock()
	for i, f := range frames {
		if got[i].frame != f {
			t.Errorf("verdict %d: frame %q, want %q", i, got[i].frame, f)
			continue
		}
		if got[i].diff != "" {
			t.Errorf("verdict %d differs from Check (-Check +OnVerdict):\n%s", i, got[i].diff)
		}
	}
	if len(got[1].r.Drift) == 0 || len(got[2].r.Violations) == 0 || got[3].r.Name != "" || got[4].r.Syntax == nil {
		t.Errorf("verdicts lack drift, violations, unknown or syntax under wire.Off: %+v", got)
	}
	if !withHandler {
		// The two valid tips, three frames apart, share memory.
		if got[0].r.Message != got[5].r.Message {
			t.Errorf("without a handler, frames were not decoded into the memory of the ones before")
		}
		return
	}
	for _, i := range []int{0, 1} {
		select {
		case h := <-handled:
			if h != got[i].r.Message {
				t.Errorf("frame %d: the handler got another message than the verdict's: decoded twice", i)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("frame %d reached no handler", i)
		}
	}
}

// TestClientWithoutHandlersKeepsWhatRouteKeeps: without a handler the
// client decodes into reused memory, but not the messages it holds on to:
// the stored Welcome stays as it was when another Welcome, and then other
// frames, arrive; and a request still gets its reply.
func TestClientWithoutHandlersKeepsWhatRouteKeeps(t *testing.T) {
	m, err := testserver.StartMock("astro", testserver.MockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var verdicts atomic.Int64
	c := astro.NewClient(astro.Config{URL: m.URL(), Token: testserver.DemoToken, TokenType: astro.TokenTypeJWT,
		OnVerdict: func([]byte, *wire.Result) { verdicts.Add(1) }})
	if err := c.Connect(clientCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := c.Welcome()
	if w == nil {
		t.Fatal("no Welcome stored")
	}
	kept := *w
	conns := m.(interface{ Conns() []*testserver.Conn }).Conns()
	if len(conns) != 1 {
		t.Fatalf("%d connections to the mock", len(conns))
	}
	n0 := verdicts.Load()
	second := `{"id":"01JMFBZF7KSRDDXXV0EH7G8X6H","ts":"2025-02-19T15:07:18Z","type":"welcome","data":{"message":"another","client_id":"other"}}`
	conns[0].Send([]byte(second))
	conns[0].Send([]byte(`{"type":"no-such-type"}`))
	for i := 0; i < 3; i++ {
		if _, err := c.Subscribe(clientCtx(t, 5*time.Second), "channel.tips", "room-"+strconv.Itoa(i)); err != nil {
			t.Fatalf("subscribe %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for verdicts.Load() < n0+5 {
		if time.Now().After(deadline) {
			t.Fatalf("%d verdicts, want 5", verdicts.Load()-n0)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if diff := cmp.Diff(kept, *w, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
		t.Errorf("the first Welcome changed after more frames (-then +now):\n%s", diff)
	}
	if c.Welcome() == w || c.Welcome().Data.ClientID != "other" {
		t.Errorf("the second Welcome was not stored as a message of its own: %+v", c.Welcome())
	}
}

// queueCount counts what reaches the delivery queue.
type queueCount struct {
	conn.NoMetrics
	changes atomic.Int64
}

func (q *queueCount) QueueDepth(int) { q.changes.Add(1) }

// TestClientWithoutHandlersQueuesNothing: until a handler is registered,
// frames skip the delivery queue (no drainer per frame for a bridge or a
// recorder); once one is, they reach it.
func TestClientWithoutHandlersQueuesNothing(t *testing.T) {
	m, err := testserver.StartMock("astro", testserver.MockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	q := &queueCount{}
	var verdicts atomic.Int64
	c := astro.NewClient(astro.Config{URL: m.URL(), Token: testserver.DemoToken, TokenType: astro.TokenTypeJWT,
		OnVerdict: func([]byte, *wire.Result) { verdicts.Add(1) }, Conn: conn.Config{Metrics: q}})
	if err := c.Connect(clientCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Subscribe(clientCtx(t, 5*time.Second), "channel.tips", "room-1"); err != nil {
		t.Fatal(err)
	}
	conns := m.(interface{ Conns() []*testserver.Conn }).Conns()
	tip := []byte(`{"id":"01JMFBZF7KSRDDXXV0EH7G8X6G","ts":"2025-02-19T15:07:17Z","type":"message","topic":"channel.tips","room":"room-1",` +
		`"data":{"donation":{"user":{"username":"Styler"},"amount":4.2,"currency":"USD"},"_id":"67b5f39d07ecd4c594e60f73","provider":"paypal","status":"success","createdAt":"2025-02-19T15:07:09.302Z"}}`)
	before := verdicts.Load()
	for range 20 {
		conns[0].Send(tip)
	}
	deadline := time.Now().Add(5 * time.Second)
	for verdicts.Load() < before+20 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 20 frames read", verdicts.Load()-before)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := q.changes.Load(); n != 0 {
		t.Fatalf("with no handler, the delivery queue changed %d times", n)
	}
	got := make(chan *astro.ChannelTipsMessage, 1)
	c.OnChannelTipsMessage(func(_ context.Context, m *astro.ChannelTipsMessage) {
		select {
		case got <- m:
		default:
		}
	})
	conns[0].Send(tip)
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("a frame after the handler was registered did not reach it")
	}
	if q.changes.Load() == 0 {
		t.Fatal("the delivery queue saw nothing once a handler was registered")
	}
}
