package bridge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/bridge"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/config"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/lease"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

const (
	tickerSpec = "testdata/spec/ticker.yaml"
	// tickerSession is the session id the ticker's welcome hands out,
	// which the document marks x-wsbind-secrets.
	tickerSession = "ticker-session-5b7e"
	tickerSub     = `{"op":"subscribe","symbol":"ACME"}`
)

// tickerServer serves ticker.yaml on loopback as a spec mock does: every
// connection is greeted with the welcome, each valid subscribe (judged by
// the document's client codec) is answered with subscribed, and ticks go
// to the connections that subscribed.
type tickerServer struct {
	srv        *testserver.Server
	client     *wire.Codec
	subscribes atomic.Int32

	mu         sync.Mutex
	subscribed map[*testserver.Conn]string // the symbol subscribed to
}

func startTicker(t *testing.T) *tickerServer {
	t.Helper()
	doc, err := interp.LoadSpec(tickerSpec, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := &tickerServer{client: doc.Client, subscribed: map[*testserver.Conn]string{}}
	if ts.srv, err = testserver.New(ts, testserver.Options{Addr: "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *tickerServer) url() string { return "ws://" + ts.srv.Addr() + "/ticker" }

func (ts *tickerServer) Accept(*http.Request) (int, string, http.Header) { return 0, "", nil }

func (ts *tickerServer) Open(c *testserver.Conn) {
	c.SendJSON(map[string]any{"op": "welcome", "session": tickerSession})
}

func (ts *tickerServer) Frame(c *testserver.Conn, frame []byte) {
	r := ts.client.Check(frame, false)
	if !r.Valid() || r.Name != "Subscribe" {
		return
	}
	var sub struct{ Symbol string }
	_ = json.Unmarshal(frame, &sub)
	ts.mu.Lock()
	ts.subscribed[c] = sub.Symbol
	ts.mu.Unlock()
	ts.subscribes.Add(1)
	c.SendJSON(map[string]any{"op": "subscribed", "symbol": sub.Symbol})
}

func (ts *tickerServer) Closed(c *testserver.Conn) {
	ts.mu.Lock()
	delete(ts.subscribed, c)
	ts.mu.Unlock()
}

// emit sends frames to every subscribed connection.
func (ts *tickerServer) emit(frames ...string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for c := range ts.subscribed {
		for _, f := range frames {
			c.Send([]byte(f))
		}
	}
}

// live counts the subscribed connections.
func (ts *tickerServer) live() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.subscribed)
}

// emitTicks sends a tick with id to every subscribed connection, for the
// symbol it subscribed to, and returns how many it sent.
func (ts *tickerServer) emitTicks(id string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for c, symbol := range ts.subscribed {
		c.Send([]byte(fmt.Sprintf(`{"op":"tick","id":%q,"symbol":%q,"price":1}`, id, symbol)))
	}
	return len(ts.subscribed)
}

// startSpecReplica connects and starts a replica with one spec connection
// to the ticker mock, holding the given subscriptions (YAML flow maps).
func startSpecReplica(t *testing.T, name, natsURL, tickerURL, ttl string, subs ...string) *bridge.Replica {
	t.Helper()
	y := fmt.Sprintf("replica: %s\nnats: {url: %q}\nleases: {ttl: %s}\nstream: {duplicate_window: 1m}\n"+
		"connections:\n  - name: ticker-1\n    spec: %s\n    url: %s\n    subscriptions:\n", name, natsURL, ttl, tickerSpec, tickerURL)
	for _, sub := range subs {
		y += "      - " + sub + "\n"
	}
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := config.Parse([]byte(y), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := bridge.Connect(ctx, cfg, bridge.Options{Lookup: noEnv, Log: testLog(t).With("test", t.Name()),
		NATSOptions: []nats.Option{nats.ReconnectWait(100 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

func tick(id string, price float64, note string) string {
	return fmt.Sprintf(`{"op":"tick","id":%q,"symbol":"ACME","price":%s,"note":%q}`, id, strconv.FormatFloat(price, 'f', -1, 64), note)
}

// streamCount is how many messages the stream holds.
func streamCount(t *testing.T, js jetstream.JetStream, name string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		return 0
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0
	}
	return int(info.State.Msgs)
}

// A spec connection end to end: the document's client subscribes by
// sending a frame, its events are judged by the interpreted codecs and
// published on the document's x-wsbind-subject with its x-wsbind-dedupe id
// (once each, a copy dropped by JetStream), invalid and unknown frames go
// to _invalid and _unknown, the welcome's session id is redacted from the
// events, and after the server drops the connection the client
// reconnects, subscribes again and events keep flowing.
func TestSpecConnectionBridgesEvents(t *testing.T) {
	ts := startTicker(t)
	ns := startNATS(t, "spec")

	r := startSpecReplica(t, "spec-r1", ns.ClientURL(), ts.url(), "3s", `{send: '`+tickerSub+`'}`)
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		r.Stop(sctx)
	}()

	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the subscribe frame sent", func() bool { return ts.subscribes.Load() == 1 })

	ts.emit(
		tick("t-1", 101.5, "seen in "+tickerSession),
		tick("t-2", 102, ""),
		tick("t-1", 101.5, "a copy"), // the same provider id: dropped
		tick("t-bad", -1, ""),        // breaks exclusiveMinimum
		`{"op":"mystery"}`,           // no message of the document
	)
	waitFor(t, 10*time.Second, "4 messages in the stream", func() bool { return streamCount(t, js, "WSBIND") >= 4 })

	// The server hangs up: the client redials, waits for the welcome and
	// sends its subscribe frame again before anything else.
	ts.srv.DropAll()
	waitFor(t, 15*time.Second, "subscribed again after the drop", func() bool { return ts.subscribes.Load() == 2 })
	ts.emit(tick("t-2", 102, "again"), tick("t-3", 103, ""))
	// 5 events and the reconnect's _gap: what the server sent while the
	// connection was down is not replayed.
	waitFor(t, 10*time.Second, "6 messages in the stream", func() bool { return streamCount(t, js, "WSBIND") >= 6 })
	time.Sleep(300 * time.Millisecond) // a stray seventh would have landed

	var msgs, gaps []stored
	for _, m := range readStream(t, ns.ClientURL(), "WSBIND") {
		if m.subject == "wsbind.ticker._gap" {
			gaps = append(gaps, m)
		} else {
			msgs = append(msgs, m)
		}
	}
	if len(gaps) != 1 {
		t.Fatalf("%d _gap events, want 1 for the reconnect", len(gaps))
	}
	var g bridge.Gap
	if err := json.Unmarshal(gaps[0].data, &g); err != nil {
		t.Fatal(err)
	}
	if g.Cause != bridge.GapReconnect || g.Previous != "spec-r1" || g.Replica != "spec-r1" || g.End.Before(g.Start) || g.Start.IsZero() {
		t.Errorf("reconnect gap %+v", g)
	}
	subID := lease.SubID("ticker-1", config.CallSend, []string{tickerSub})
	var subjects, ids []string
	for _, m := range msgs {
		subjects = append(subjects, m.subject)
		ids = append(ids, m.header.Get(nats.MsgIdHdr))
		if got := m.header.Get(bridge.HeaderProvider); got != "ticker" {
			t.Errorf("%s: provider %q, want ticker", m.subject, got)
		}
		if got := m.header.Get(bridge.HeaderConnection); got != "ticker-1" {
			t.Errorf("%s: connection %q", m.subject, got)
		}
		if got := m.header.Get(bridge.HeaderSubscription); got != subID {
			t.Errorf("%s: subscription %q, want %q", m.subject, got, subID)
		}
		if strings.Contains(string(m.data), tickerSession) {
			t.Errorf("%s: the session id was published: %s", m.subject, m.data)
		}
	}
	wantSubjects := []string{"wsbind.ticker.tick.ACME", "wsbind.ticker.tick.ACME", "wsbind.ticker._invalid", "wsbind.ticker._unknown", "wsbind.ticker.tick.ACME"}
	if !slices.Equal(subjects, wantSubjects) {
		t.Errorf("subjects %q, want %q", subjects, wantSubjects)
	}
	if len(msgs) != 5 {
		t.Fatalf("%d messages in the stream, want 5", len(msgs))
	}
	for i, id := range []string{"t-1", "t-2", "t-bad", "", "t-3"} {
		switch {
		case id == "" && strings.HasPrefix(ids[i], subID+":"):
			t.Errorf("message %d (no provider id) has Nats-Msg-Id %q", i, ids[i])
		case id != "" && ids[i] != subID+":"+id:
			t.Errorf("message %d: Nats-Msg-Id %q, want %q", i, ids[i], subID+":"+id)
		}
	}
	if got := string(msgs[0].data); !strings.Contains(got, `"note":"seen in REDACTED"`) {
		t.Errorf("first event %s: the session id is not redacted", got)
	}
	if got := msgs[0].header.Get(bridge.HeaderMessage); got != "Tick" {
		t.Errorf("first event: message %q, want Tick", got)
	}
	if got := msgs[2].header.Get(bridge.HeaderReasons); !strings.Contains(got, "/price") {
		t.Errorf("invalid event: reasons %q lack /price", got)
	}
}

// Spec connections shard and fail over as built-in ones do: two replicas
// with the same config agree on the subscription ids, share the two
// subscriptions, and when one dies the other takes its subscription over,
// sends its frame again and publishes the takeover's _gap event.
func TestSpecConnectionFailsOver(t *testing.T) {
	ts := startTicker(t)
	ns := startNATS(t, "specfo")
	replica := func(name string) *bridge.Replica {
		return startSpecReplica(t, name, ns.ClientURL(), ts.url(), "2s",
			`{send: '{"op":"subscribe","symbol":"ACME"}'}`, `{send_example: subscribe}`, `{send: '{"op":"subscribe","symbol":"BETA"}'}`)
	}
	a, b := replica("spec-a"), replica("spec-b")
	defer b.Kill()
	// The first replica up takes all three, then hands one or more over
	// to the second, make-before-break (ticks have ids).
	waitFor(t, 20*time.Second, "3 subscriptions shared by both", func() bool {
		return held(a, b) == 3 && len(a.Held()) > 0 && len(b.Held()) > 0 && ts.live() == 3
	})
	lost, before := len(a.Held()), ts.subscribes.Load()
	a.Kill()
	waitFor(t, 20*time.Second, "b holds all 3 and has subscribed again", func() bool {
		return len(b.Held()) == 3 && ts.subscribes.Load() == before+int32(lost) && ts.live() == 3
	})
	if n := ts.emitTicks("after"); n != 3 {
		t.Fatalf("%d subscribed connections, want 3", n)
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	want := 3 + lost // the ticks and one _gap per subscription taken over
	waitFor(t, 10*time.Second, "ticks and gaps in the stream", func() bool { return streamCount(t, js, "WSBIND") >= want })
	time.Sleep(300 * time.Millisecond)
	gaps, ticks := 0, map[string]int{}
	for _, m := range readStream(t, ns.ClientURL(), "WSBIND") {
		switch {
		case m.subject == "wsbind.ticker._gap":
			gaps++
		case strings.HasPrefix(m.subject, "wsbind.ticker.tick."):
			ticks[m.subject]++
		default:
			t.Errorf("unexpected %s: %s", m.subject, m.data)
		}
	}
	if gaps != lost || ticks["wsbind.ticker.tick.ACME"] != 2 || ticks["wsbind.ticker.tick.BETA"] != 1 {
		t.Errorf("%d gaps (want %d), ticks %v", gaps, lost, ticks)
	}
}

// startNATS starts an embedded JetStream server on a free loopback port,
// shut down when the test ends.
func startNATS(t *testing.T, name string) *server.Server {
	t.Helper()
	ports, err := natsrv.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := natsrv.Start(natsrv.Options{Name: name, Listen: "127.0.0.1:" + strconv.Itoa(ports[0]), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}
