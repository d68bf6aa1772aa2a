package integration_test

// Integration tests of the generated DLive client (generated/dlive) against
// the DLive test server (runtime/testserver), over loopback sockets.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

const (
	dliveToken = "dlive-s3cret-token-7c1f9a"
	dliveWait  = 5 * time.Second
)

// dliveServer starts a DLive server accepting dliveToken.
func dliveServer(t *testing.T, opt testserver.DLiveOptions) *testserver.DLive {
	t.Helper()
	if opt.Tokens == nil {
		opt.Tokens = []string{dliveToken}
	}
	d, err := testserver.NewDLive(opt)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// dliveConfig is a client config with millisecond cadences.
func dliveConfig(url string) dlive.Config {
	return dlive.Config{
		URL:   url,
		Token: dliveToken,
		Conn: conn.Config{
			ReadTimeout:      2 * time.Second,
			ReplyTimeout:     time.Second,
			HandshakeTimeout: time.Second,
			WriteTimeout:     time.Second,
			Backoff:          conn.Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		},
	}
}

func dliveCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), dliveWait)
}

// dliveRec records handler calls as strings, in delivery order.
type dliveRec struct {
	ch    chan string
	errs  chan error // Config.OnError
	discs chan error // Config.OnDisconnected
	rest  chan struct{}
}

func newDliveRec() *dliveRec {
	return &dliveRec{
		ch:    make(chan string, 4096),
		errs:  make(chan error, 4096),
		discs: make(chan error, 256),
		rest:  make(chan struct{}, 256),
	}
}

func (r *dliveRec) add(ctx context.Context, format string, args ...any) {
	select {
	case r.ch <- fmt.Sprintf(format, args...):
	case <-ctx.Done():
	}
}

// hook wires the lifecycle callbacks of cfg to r.
func (r *dliveRec) hook(cfg *dlive.Config) {
	cfg.OnError = func(_ context.Context, err error) { r.errs <- err }
	cfg.OnDisconnected = func(_ context.Context, err error) { r.discs <- err }
	cfg.OnRestored = func(context.Context) { r.rest <- struct{}{} }
}

// handlers registers a recording handler for every message the tests use.
func (r *dliveRec) handlers(c *dlive.Client) {
	c.OnConnectionAckMessage(func(ctx context.Context, _ *dlive.ConnectionAck) { r.add(ctx, "ack") })
	c.OnConnectionErrorMessage(func(ctx context.Context, m *dlive.ConnectionError) {
		r.add(ctx, "connection_error %s", m.Payload.Value.Message.Value)
	})
	c.OnKaMessage(func(ctx context.Context, _ *dlive.Ka) { r.add(ctx, "ka") })
	c.OnDataMessage(func(ctx context.Context, m *dlive.Data) { r.add(ctx, "data %s", m.ID) })
	c.OnChatText(func(ctx context.Context, _ *dlive.Data, m *dlive.ChatText) {
		r.add(ctx, "text %s %s", m.Sender.Username, m.Content)
	})
	c.OnChatGift(func(ctx context.Context, _ *dlive.Data, m *dlive.ChatGift) {
		r.add(ctx, "gift %s %s %s", m.Sender.Username, m.Gift.Value, m.Amount.Value)
	})
	c.OnChatFollow(func(ctx context.Context, _ *dlive.Data, m *dlive.ChatFollow) {
		r.add(ctx, "follow %s", m.Sender.Username)
	})
	c.OnChatDelete(func(ctx context.Context, _ *dlive.Data, m *dlive.ChatDelete) {
		r.add(ctx, "delete %s", strings.Join(m.Ids, ","))
	})
	c.OnChatLive(func(ctx context.Context, _ *dlive.Data, _ *dlive.ChatLive) { r.add(ctx, "live") })
	c.OnChatOffline(func(ctx context.Context, _ *dlive.Data, _ *dlive.ChatOffline) { r.add(ctx, "offline") })
	c.OnUnknownStreamEvent(func(ctx context.Context, _ *dlive.Data, m *dlive.UnknownStreamEvent) {
		r.add(ctx, "other-event %s", m.Typename)
	})
	c.OnUnknownTreasureChestEvent(func(ctx context.Context, _ *dlive.Data, m *dlive.UnknownTreasureChestEvent) {
		r.add(ctx, "other-chest %s", m.Typename)
	})
	c.OnTreasureChestValueUpdated(func(ctx context.Context, _ *dlive.Data, m *dlive.TreasureChestValueUpdated) {
		r.add(ctx, "chest-value %s", m.Value.Value)
	})
	c.OnTreasureChestGiveawayStarted(func(ctx context.Context, _ *dlive.Data, m *dlive.TreasureChestGiveawayStarted) {
		r.add(ctx, "chest-giveaway %s %d", m.PricePool.Value, m.DurationInSeconds.Value)
	})
	c.OnErrorMessage(func(ctx context.Context, m *dlive.Error) { r.add(ctx, "error %s", m.ID) })
	c.OnCompleteMessage(func(ctx context.Context, m *dlive.Complete) { r.add(ctx, "complete %s", m.ID) })
	c.OnUnknown(func(ctx context.Context, u *wire.Unknown) { r.add(ctx, "unknown %q", u.Pointer) })
	c.OnUnhandled(func(ctx context.Context, m dlive.ServerMessage) { r.add(ctx, "unhandled %T", m) })
}

// expect reads the next len(want) handler calls and compares them.
func (r *dliveRec) expect(t *testing.T, ctx context.Context, want ...string) {
	t.Helper()
	var got []string
	for len(got) < len(want) {
		select {
		case s := <-r.ch:
			got = append(got, s)
		case <-ctx.Done():
			t.Fatalf("handler calls: got %q, want %q (%v)", got, want, ctx.Err())
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("handler calls:\n got %q\nwant %q", got, want)
	}
}

// none fails if any handler call is pending.
func (r *dliveRec) none(t *testing.T) {
	t.Helper()
	select {
	case s := <-r.ch:
		t.Fatalf("unexpected handler call %q", s)
	default:
	}
}

// nextErr returns the next error passed to Config.OnError.
func (r *dliveRec) nextErr(t *testing.T, ctx context.Context) error {
	t.Helper()
	select {
	case err := <-r.errs:
		return err
	case <-ctx.Done():
		t.Fatalf("no error reported: %v", ctx.Err())
		return nil
	}
}

// noErr fails if an error is pending.
func (r *dliveRec) noErr(t *testing.T) {
	t.Helper()
	select {
	case err := <-r.errs:
		t.Fatalf("unexpected error reported: %v", err)
	default:
	}
}

func (r *dliveRec) nextDisc(t *testing.T, ctx context.Context) error {
	t.Helper()
	select {
	case err := <-r.discs:
		return err
	case <-ctx.Done():
		t.Fatalf("no disconnect reported: %v", ctx.Err())
		return nil
	}
}

func (r *dliveRec) restored(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-r.rest:
	case <-ctx.Done():
		t.Fatalf("no restore reported: %v", ctx.Err())
	}
}

// dlivePoll runs cond every 2 ms until it holds. It is used only for
// server-side state that has no signal (the server registers a start
// asynchronously and the protocol never acknowledges it).
func dlivePoll(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

// dliveOnlyConn waits until the server has exactly one connection, other
// than old, and returns it.
func dliveOnlyConn(t *testing.T, ctx context.Context, d *testserver.DLive, old *testserver.Conn) *testserver.Conn {
	t.Helper()
	var c *testserver.Conn
	dlivePoll(t, ctx, "one new server connection", func() bool {
		cs := d.Conns()
		if len(cs) == 1 && cs[0] != old {
			c = cs[0]
			return true
		}
		return false
	})
	return c
}

// dliveWaitSubs waits until c's subscriptions on the server are exactly want.
func dliveWaitSubs(t *testing.T, ctx context.Context, d *testserver.DLive, c *testserver.Conn, want map[string]testserver.DLiveSubscription) {
	t.Helper()
	dlivePoll(t, ctx, fmt.Sprintf("server subscriptions %v", want), func() bool {
		got := d.Subscriptions(c)
		if len(got) != len(want) {
			return false
		}
		for id, s := range want {
			if got[id] != s {
				return false
			}
		}
		return true
	})
}

func dliveChat(streamer string) testserver.DLiveSubscription {
	return testserver.DLiveSubscription{Field: testserver.DLiveFieldStreamMessages, Streamer: streamer}
}

func dliveChest(streamer string) testserver.DLiveSubscription {
	return testserver.DLiveSubscription{Field: testserver.DLiveFieldTreasureChest, Streamer: streamer}
}

// dliveConnected starts a client with recording handlers on d and waits
// for its connection. The caller defers Close.
func dliveConnected(t *testing.T, ctx context.Context, cfg dlive.Config, r *dliveRec) *dlive.Client {
	t.Helper()
	r.hook(&cfg)
	c := dlive.NewClient(cfg)
	r.handlers(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return c
}

// dliveFrame marshals a data frame carrying events in streamMessageReceived.
func dliveFrame(t *testing.T, id string, events ...any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": id, "type": "data",
		"payload": map[string]any{"data": map[string]any{"streamMessageReceived": events}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dliveSubscribeChat subscribes to streamer's chat and waits until the
// server has registered the subscription on sc.
func dliveSubscribeChat(t *testing.T, ctx context.Context, c *dlive.Client, d *testserver.DLive, sc *testserver.Conn, streamer string) *dlive.Start {
	t.Helper()
	s, err := c.SubscribeStreamMessages(ctx, streamer)
	if err != nil {
		t.Fatalf("SubscribeStreamMessages: %v", err)
	}
	dlivePoll(t, ctx, "server registers "+s.ID, func() bool { return d.Subscriptions(sc)[s.ID] == dliveChat(streamer) })
	return s
}

// ---------------------------------------------------------------- connect

func TestDLiveConnectSendsTokenAndWaitsForAck(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{Tokens: []string{"other-token", dliveToken}})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()

	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()

	cs := d.Conns()
	if len(cs) != 1 {
		t.Fatalf("server has %d connections, want 1", len(cs))
	}
	// Connect returns only after connection_ack: the server has acked the
	// token by then.
	if !d.Acked(cs[0]) {
		t.Fatal("Connect returned before the server acknowledged connection_init")
	}
	if got := cs[0].Request.Header.Get("Sec-WebSocket-Protocol"); got != testserver.DLiveSubprotocol {
		t.Fatalf("offered subprotocols %q, want %q", got, testserver.DLiveSubprotocol)
	}
	if got := cs[0].Received.Load(); got != 1 {
		t.Fatalf("server read %d frames after Connect, want 1 (connection_init)", got)
	}
	r.expect(t, ctx, "ack")
	select {
	case <-c.Done():
		t.Fatal("Done closed on a live client")
	default:
	}
	if err := c.Err(); err != nil {
		t.Fatalf("Err on a live client: %v", err)
	}
}

func TestDLiveConnectWithoutTokenWhenServerDoesNotRequireAuth(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{RequireAuth: new(false)})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()

	cfg := dliveConfig(d.URL)
	cfg.Token = ""
	c, err := dlive.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if cs := d.Conns(); len(cs) != 1 || !d.Acked(cs[0]) {
		t.Fatal("the server did not acknowledge the token-less connection_init")
	}
}

func TestDLiveBadTokenIsPermanentReplyError(t *testing.T) {
	for _, tc := range []struct{ name, token, serverSays string }{
		{"wrong", "dlive-wrong-token-0d9e8f", "invalid access token"},
		{"missing", "", "missing access token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			d := dliveServer(t, testserver.DLiveOptions{})
			defer d.Close()
			ctx, cancel := dliveCtx()
			defer cancel()

			cfg := dliveConfig(d.URL)
			cfg.Token = tc.token
			c := dlive.NewClient(cfg)
			defer c.Close()
			err := c.Connect(ctx)
			if err == nil {
				t.Fatal("Connect succeeded with a bad token")
			}
			var pe *conn.PermanentError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *conn.PermanentError", err, err)
			}
			var re *dlive.ReplyError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *dlive.ReplyError", err)
			}
			ce, ok := re.Reply.(*dlive.ConnectionError)
			if !ok {
				t.Fatalf("ReplyError.Reply is %T, want *dlive.ConnectionError", re.Reply)
			}
			if got := ce.Payload.Value.Message.Value; !strings.Contains(got, tc.serverSays) {
				t.Fatalf("connection_error message %q, want it to mention %q", got, tc.serverSays)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("Connect waited for its context instead of failing at once")
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatal("the error text contains the token")
			}
			if n := d.Accepted(); n != 1 {
				t.Fatalf("the client dialled %d times, want 1: a bad token is not worth retrying", n)
			}
		})
	}
}

// dliveGate serves the DLive endpoint on /gate, or refuses the upgrade
// with a status while one is set.
type dliveGate struct {
	d      *testserver.DLive
	mu     sync.Mutex
	refuse []int // statuses for the next dials; the last one sticks if sticky
	sticky bool
	body   string
	hits   atomic.Int64
}

func newDliveGate(d *testserver.DLive, body string, sticky bool, statuses ...int) *dliveGate {
	g := &dliveGate{d: d, refuse: statuses, sticky: sticky, body: body}
	d.Mux.HandleFunc("/gate", g.serve)
	return g
}

func (g *dliveGate) set(sticky bool, statuses ...int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refuse, g.sticky = statuses, sticky
}

func (g *dliveGate) serve(w http.ResponseWriter, r *http.Request) {
	g.hits.Add(1)
	g.mu.Lock()
	status := 0
	if len(g.refuse) > 0 {
		status = g.refuse[0]
		if len(g.refuse) > 1 || !g.sticky {
			g.refuse = g.refuse[1:]
		}
	}
	g.mu.Unlock()
	if status != 0 {
		w.Header().Set("Retry-After", "0")
		http.Error(w, g.body, status)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/"
	g.d.Mux.ServeHTTP(w, r2)
}

func TestDLiveHandshakeRefusalIsTypedAndPermanent(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	// The body echoes the token, as some gateways do: it must be redacted.
	g := newDliveGate(d, "forbidden: token "+dliveToken+" is banned", true, http.StatusForbidden)
	ctx, cancel := dliveCtx()
	defer cancel()

	c := dlive.NewClient(dliveConfig(d.URL + "/gate"))
	defer c.Close()
	err := c.Connect(ctx)
	var he *conn.HandshakeError
	if !errors.As(err, &he) {
		t.Fatalf("Connect error %v (%T) is not a *conn.HandshakeError", err, err)
	}
	if he.Status != http.StatusForbidden || !he.Permanent() {
		t.Fatalf("status %d permanent %v, want 403 and permanent", he.Status, he.Permanent())
	}
	if !strings.HasPrefix(he.Text, "forbidden: token ") || !strings.Contains(he.Text, "REDACTED") {
		t.Fatalf("HandshakeError.Text %q, want the server's text with the token redacted", he.Text)
	}
	if strings.Contains(err.Error(), dliveToken) {
		t.Fatal("the handshake error contains the token")
	}
	if n := g.hits.Load(); n != 1 {
		t.Fatalf("the client dialled %d times, want 1", n)
	}
	if d.Accepted() != 0 {
		t.Fatal("the server accepted an upgrade behind the refusing gate")
	}
}

func TestDLiveHandshake503IsRetried(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	g := newDliveGate(d, "draining", false, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	ctx, cancel := dliveCtx()
	defer cancel()

	c, err := dlive.Dial(ctx, dliveConfig(d.URL+"/gate"))
	if err != nil {
		t.Fatalf("Dial through two 503s: %v", err)
	}
	defer c.Close()
	if n := g.hits.Load(); n != 3 {
		t.Fatalf("the client dialled %d times, want 3 (two 503s, then the upgrade)", n)
	}
}

// dliveNoAck is a graphql-ws endpoint that never answers connection_init.
type dliveNoAck struct{}

func (dliveNoAck) Accept(*http.Request) (int, string, http.Header) { return 0, "", nil }
func (dliveNoAck) Open(*testserver.Conn)                           {}
func (dliveNoAck) Frame(*testserver.Conn, []byte)                  {}
func (dliveNoAck) Closed(*testserver.Conn)                         {}

func TestDLiveConnectGivesUpWhenContextEnds(t *testing.T) {
	t.Run("no listener", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		d := dliveServer(t, testserver.DLiveOptions{})
		url := d.URL
		d.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		c := dlive.NewClient(dliveConfig(url))
		defer c.Close()
		if err := c.Connect(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Connect error %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("no connection_ack", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		srv, err := testserver.New(dliveNoAck{}, testserver.Options{Subprotocols: []string{testserver.DLiveSubprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		r := newDliveRec()
		cfg := dliveConfig(srv.URL)
		cfg.Conn.ReplyTimeout = 50 * time.Millisecond
		r.hook(&cfg)
		c := dlive.NewClient(cfg)
		defer c.Close()
		if err := c.Connect(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Connect error %v, want context.DeadlineExceeded", err)
		}
		if n := srv.Accepted(); n < 2 {
			t.Fatalf("the client dialled %d times, want a retry after the missing ack", n)
		}
		dctx, dcancel := dliveCtx()
		defer dcancel()
		if err := r.nextDisc(t, dctx); !strings.Contains(err.Error(), "no reply within") {
			t.Fatalf("disconnect cause %v, want the reply timeout", err)
		}
	})
}

// ---------------------------------------------------------------- operations

func TestDLiveSubscribeAndStop(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	sc := d.Conns()[0]

	chat, err := c.SubscribeStreamMessages(ctx, "alice")
	if err != nil {
		t.Fatalf("SubscribeStreamMessages: %v", err)
	}
	chest, err := c.SubscribeTreasureChest(ctx, "alice")
	if err != nil {
		t.Fatalf("SubscribeTreasureChest: %v", err)
	}
	if chat.ID == "" || chest.ID == "" || chat.ID == chest.ID {
		t.Fatalf("start ids %q and %q, want two distinct non-empty ids", chat.ID, chest.ID)
	}
	if chat.Type != "start" || chat.Payload.Query != `subscription{streamMessageReceived(streamer:"alice"){__typename}}` {
		t.Fatalf("chat start %+v", chat)
	}
	if chest.Payload.Query != `subscription{treasureChestMessageReceived(streamer:"alice"){__typename}}` {
		t.Fatalf("chest query %q", chest.Payload.Query)
	}
	dliveWaitSubs(t, ctx, d, sc, map[string]testserver.DLiveSubscription{chat.ID: dliveChat("alice"), chest.ID: dliveChest("alice")})
	if n := c.Subscriptions(); n != 2 {
		t.Fatalf("client remembers %d subscriptions, want 2", n)
	}

	stop, err := c.Stop(ctx, chat.ID)
	if err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if stop.ID != chat.ID || stop.Type != "stop" {
		t.Fatalf("sent stop %+v", stop)
	}
	r.expect(t, ctx, "complete "+chat.ID)
	dliveWaitSubs(t, ctx, d, sc, map[string]testserver.DLiveSubscription{chest.ID: dliveChest("alice")})
	if n := c.Subscriptions(); n != 1 {
		t.Fatalf("client remembers %d subscriptions after Stop, want 1", n)
	}
	if n := d.PublishChat("alice", testserver.ChatText("", "bob", "after stop")); n != 0 {
		t.Fatalf("chat published to %d subscriptions after Stop, want 0", n)
	}

	// A stopped subscription is not restored after a reconnect.
	d.DropAll()
	r.nextDisc(t, ctx)
	r.restored(t, ctx) // the first Connect's restore
	r.restored(t, ctx)
	nc := dliveOnlyConn(t, ctx, d, sc)
	dliveWaitSubs(t, ctx, d, nc, map[string]testserver.DLiveSubscription{chest.ID: dliveChest("alice")})
	r.expect(t, ctx, "ack")
	r.none(t)
	r.noErr(t)
}

func TestDLiveStreamerNameIsEscaped(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	sc := d.Conns()[0]

	want := map[string]testserver.DLiveSubscription{}
	for _, name := range []string{
		`quo"te`,
		`x"){__typename}}subscription{treasureChestMessageReceived(streamer:"victim`,
		`back\slash"`,
		"tab\tnew\nline",
		`<ünï&code>`,
	} {
		s, err := c.SubscribeStreamMessages(ctx, name)
		if err != nil {
			t.Fatalf("SubscribeStreamMessages(%q): %v", name, err)
		}
		lit, _ := json.Marshal(name)
		if q := `subscription{streamMessageReceived(streamer:` + string(lit) + `){__typename}}`; s.Payload.Query != q {
			t.Fatalf("query for %q:\n got %s\nwant %s", name, s.Payload.Query, q)
		}
		if !strings.ContainsRune(name, ')') {
			want[s.ID] = dliveChat(name)
			continue
		}
		// The test server's query parser stops at the first ')', even
		// inside a string; it must then reject the start cleanly.
		r.expect(t, ctx, "error "+s.ID)
		var re *dlive.ReplyError
		if err := r.nextErr(t, ctx); !errors.As(err, &re) {
			t.Fatalf("error for %q: %v, want a *dlive.ReplyError", name, err)
		}
	}
	dliveWaitSubs(t, ctx, d, sc, want)
	for _, s := range d.Subscriptions(sc) {
		if s.Field != testserver.DLiveFieldStreamMessages || s.Streamer == "victim" {
			t.Fatalf("the streamer name changed the query: %+v", s)
		}
	}
}

func TestDLiveOneFrameManyEventsDispatchInOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	s := dliveSubscribeChat(t, ctx, c, d, d.Conns()[0], "alice")

	if n := d.PublishChat("alice",
		testserver.ChatText("", "bob", "hello"),
		testserver.ChatGift("", "carol", "LEMON", 5),
		testserver.ChatFollow("", "dave"),
		testserver.ChatDelete("m1", "m2"),
		testserver.ChatLive(),
		testserver.ChatOffline(),
	); n != 1 {
		t.Fatalf("published to %d subscriptions, want 1", n)
	}
	r.expect(t, ctx,
		"data "+s.ID,
		"text bob hello",
		"gift carol LEMON 5",
		"follow dave",
		"delete m1,m2",
		"live",
		"offline",
	)
	// An empty array is one data frame with no events.
	d.PublishChat("alice")
	r.expect(t, ctx, "data "+s.ID)
	r.none(t)
	r.noErr(t)
}

// StreamEvent is an open union (specs/dlive.yaml): an unknown __typename
// goes to its catch-all branch, UnknownStreamEvent, with its own handler,
// and is valid (a note, not an error).
func TestDLiveUnknownTypenameGoesToCatchAllOthersStillDispatched(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	s := dliveSubscribeChat(t, ctx, c, d, d.Conns()[0], "alice")

	d.PublishChat("alice",
		testserver.ChatText("", "bob", "before"),
		map[string]any{"__typename": "ChatHologram", "type": "Hologram", "id": "h1"},
		testserver.ChatFollow("", "dave"),
	)
	r.expect(t, ctx,
		"data "+s.ID,
		"text bob before",
		`other-event "ChatHologram"`,
		"follow dave",
	)
	r.none(t)
	r.noErr(t)
}

func dliveHasViolation(fe *wire.FrameError, pointer, keyword string) bool {
	for _, v := range fe.Violations {
		if v.Pointer == pointer && v.Keyword == keyword {
			return true
		}
	}
	return false
}

func TestDLiveTreasureChestEvents(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	sc := d.Conns()[0]

	s, err := c.SubscribeTreasureChest(ctx, "Alice")
	if err != nil {
		t.Fatalf("SubscribeTreasureChest: %v", err)
	}
	dliveWaitSubs(t, ctx, d, sc, map[string]testserver.DLiveSubscription{s.ID: dliveChest("Alice")})

	d.PublishChest("alice", testserver.TreasureChestValueUpdated(1234500000))
	d.PublishChest("alice", testserver.TreasureChestGiveawayStarted(time.Now().Add(3*time.Minute), 500000, 3*time.Minute))
	d.PublishChest("alice", map[string]any{"__typename": "TreasureChestExploded", "type": "Exploded"})
	r.expect(t, ctx,
		"data "+s.ID, "chest-value 1234500000",
		"data "+s.ID, "chest-giveaway 500000 180",
		"data "+s.ID, `other-chest "TreasureChestExploded"`,
	)
	// A chat publish does not reach the chest subscription.
	if n := d.PublishChat("alice", testserver.ChatText("", "bob", "hi")); n != 0 {
		t.Fatalf("chat reached %d chest subscriptions", n)
	}
}

func TestDLiveGraphQLErrorsInDataReachOnData(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	cfg := dliveConfig(d.URL)
	r := newDliveRec()
	r.hook(&cfg)
	c := dlive.NewClient(cfg)
	got := make(chan *dlive.Data, 1)
	c.OnDataMessage(func(_ context.Context, m *dlive.Data) { got <- m })
	c.OnUnhandled(func(ctx context.Context, m dlive.ServerMessage) { r.add(ctx, "unhandled %T", m) })
	c.OnConnectionAckMessage(func(context.Context, *dlive.ConnectionAck) {})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.SubscribeStreamMessages(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	d.SendData(d.Conns()[0], s.ID, map[string]any{"data": nil, "errors": []any{map[string]any{"message": testserver.DLivePersistedQueryNotFound}}})
	select {
	case m := <-got:
		if m.ID != s.ID || m.Payload.Data.Value.Valid || len(m.Payload.Errors) != 1 || m.Payload.Errors[0].Message != testserver.DLivePersistedQueryNotFound {
			t.Fatalf("data %+v, want null data and one PersistedQueryNotFound error", m)
		}
	case <-ctx.Done():
		t.Fatal("the data frame with errors never reached OnData")
	}
	r.none(t)
	r.noErr(t)
}

// ---------------------------------------------------------------- liveness and reconnects

func TestDLiveKeepAliveFramesNeverReachHandlers(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{KeepAliveInterval: 10 * time.Millisecond})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	cfg := dliveConfig(d.URL)
	// Much longer than the ka cadence, much shorter than the test: only
	// the ka frames keep this link up.
	cfg.Conn.ReadTimeout = 150 * time.Millisecond
	c := dliveConnected(t, ctx, cfg, r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	sc := d.Conns()[0]
	s := dliveSubscribeChat(t, ctx, c, d, sc, "alice")

	// Several read timeouts' worth of ka frames.
	dlivePoll(t, ctx, "40 ka frames", func() bool { return d.KeepAlives(sc) >= 40 })
	// Delivery is ordered: once this event arrives, every ka sent before
	// it would have reached a handler too.
	d.PublishChat("alice", testserver.ChatText("", "bob", "barrier"))
	r.expect(t, ctx, "data "+s.ID, "text bob barrier")
	r.none(t) // no "ka", no "unhandled *dlive.Ka"
	r.noErr(t)
	if n := d.Accepted(); n != 1 {
		t.Fatalf("the client dialled %d times while ka frames flowed, want 1", n)
	}
	select {
	case err := <-r.discs:
		t.Fatalf("disconnected while ka frames flowed: %v", err)
	default:
	}
}

func TestDLiveSilenceTriggersReconnectAndResubscribe(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{KeepAliveInterval: 10 * time.Millisecond})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	cfg := dliveConfig(d.URL)
	cfg.Conn.ReadTimeout = 100 * time.Millisecond
	c := dliveConnected(t, ctx, cfg, r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	r.restored(t, ctx)
	sc := d.Conns()[0]
	chat := dliveSubscribeChat(t, ctx, c, d, sc, "alice")
	chest, err := c.SubscribeTreasureChest(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]testserver.DLiveSubscription{chat.ID: dliveChat("alice"), chest.ID: dliveChest("bob")}
	dliveWaitSubs(t, ctx, d, sc, want)

	sc.Silence() // no more ka: the link looks dead
	if err := r.nextDisc(t, ctx); !errors.Is(err, conn.ErrDead) {
		t.Fatalf("disconnect cause %v, want conn.ErrDead", err)
	}
	r.restored(t, ctx)
	nc := dliveOnlyConn(t, ctx, d, sc)
	if !d.Acked(nc) {
		t.Fatal("the new connection was not initialised")
	}
	dliveWaitSubs(t, ctx, d, nc, want) // both starts again, with their ids

	d.PublishChat("alice", testserver.ChatText("", "carol", "back"))
	d.PublishChest("bob", testserver.TreasureChestValueUpdated(7))
	r.expect(t, ctx, "ack", "data "+chat.ID, "text carol back", "data "+chest.ID, "chest-value 7")
}

func TestDLiveDropReconnectsReauthsResubscribesInOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	r.restored(t, ctx)
	sc := d.Conns()[0]
	chat := dliveSubscribeChat(t, ctx, c, d, sc, "alice")
	chest, err := c.SubscribeTreasureChest(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]testserver.DLiveSubscription{chat.ID: dliveChat("alice"), chest.ID: dliveChest("alice")}
	dliveWaitSubs(t, ctx, d, sc, want)
	d.PublishChat("alice", testserver.ChatText("", "bob", "before"))
	r.expect(t, ctx, "data "+chat.ID, "text bob before")

	d.DropAll()
	if err := r.nextDisc(t, ctx); err == nil {
		t.Fatal("OnDisconnected got a nil cause")
	}
	r.restored(t, ctx)
	nc := dliveOnlyConn(t, ctx, d, sc)
	if !d.Acked(nc) {
		t.Fatal("the new connection was not re-authenticated")
	}
	dliveWaitSubs(t, ctx, d, nc, want)
	if n := c.Subscriptions(); n != 2 {
		t.Fatalf("client remembers %d subscriptions, want 2", n)
	}

	const n = 50
	var wantCalls []string
	wantCalls = append(wantCalls, "ack")
	for i := range n {
		d.PublishChat("alice", testserver.ChatText("", "bob", fmt.Sprintf("m%02d", i)))
		wantCalls = append(wantCalls, "data "+chat.ID, fmt.Sprintf("text bob m%02d", i))
		if i%10 == 9 {
			d.PublishChest("alice", testserver.TreasureChestValueUpdated(int64(i)))
			wantCalls = append(wantCalls, "data "+chest.ID, fmt.Sprintf("chest-value %d", i))
		}
	}
	r.expect(t, ctx, wantCalls...)
	r.none(t)
	r.noErr(t)
}

func TestDLiveServerCloseLeadsToReconnect(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	r.restored(t, ctx)
	sc := d.Conns()[0]
	s := dliveSubscribeChat(t, ctx, c, d, sc, "alice")

	// connection_terminate through the raw Send: the server closes with
	// 1000; the client treats it as a lost link and comes back.
	// The frame is written; Send may still report the close that races
	// with its completion.
	if err := c.Send(ctx, dlive.NewConnectionTerminate()); err != nil && !strings.Contains(err.Error(), "close 1000") {
		t.Fatalf("Send(connection_terminate): %v", err)
	}
	r.nextDisc(t, ctx)
	r.restored(t, ctx)
	nc := dliveOnlyConn(t, ctx, d, sc)
	dliveWaitSubs(t, ctx, d, nc, map[string]testserver.DLiveSubscription{s.ID: dliveChat("alice")})
	d.PublishChat("alice", testserver.ChatText("", "bob", "again"))
	r.expect(t, ctx, "ack", "data "+s.ID, "text bob again")
}

func TestDLiveOversizedFrameEndsConnectionAndReconnects(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	cfg := dliveConfig(d.URL)
	cfg.Conn.ReadLimit = 2048
	c := dliveConnected(t, ctx, cfg, r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	r.restored(t, ctx)
	sc := d.Conns()[0]
	s := dliveSubscribeChat(t, ctx, c, d, sc, "alice")

	d.PublishChat("alice", testserver.ChatText("", "bob", strings.Repeat("x", 4096)))
	if err := r.nextDisc(t, ctx); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("disconnect cause %v, want the read limit", err)
	}
	r.restored(t, ctx)
	nc := dliveOnlyConn(t, ctx, d, sc)
	dliveWaitSubs(t, ctx, d, nc, map[string]testserver.DLiveSubscription{s.ID: dliveChat("alice")})
	d.PublishChat("alice", testserver.ChatText("", "bob", "small"))
	r.expect(t, ctx, "ack", "data "+s.ID, "text bob small")
}

func TestDLivePermanentFailureStopsClient(t *testing.T) {
	t.Run("token revoked before a reconnect", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		d := dliveServer(t, testserver.DLiveOptions{})
		defer d.Close()
		ctx, cancel := dliveCtx()
		defer cancel()
		r := newDliveRec()
		c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
		defer c.Close()
		if _, err := c.SubscribeStreamMessages(ctx, "alice"); err != nil {
			t.Fatal(err)
		}

		d.SetTokens("some-other-token")
		d.DropAll()
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatal("the client kept running after its token was refused")
		}
		err := c.Err()
		var re *dlive.ReplyError
		var pe *conn.PermanentError
		if !errors.As(err, &re) || !errors.As(err, &pe) {
			t.Fatalf("Err %v, want a *dlive.ReplyError inside a *conn.PermanentError", err)
		}
		if _, ok := re.Reply.(*dlive.ConnectionError); !ok {
			t.Fatalf("ReplyError.Reply is %T, want *dlive.ConnectionError", re.Reply)
		}
		if n := d.Accepted(); n != 2 {
			t.Fatalf("the client dialled %d times, want 2 (no retry after connection_error)", n)
		}
		if _, err := c.SubscribeStreamMessages(ctx, "bob"); !errors.As(err, &re) {
			t.Fatalf("SubscribeStreamMessages on a stopped client: %v, want the stop cause", err)
		}
	})
	t.Run("handshake refused after a drop", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		d := dliveServer(t, testserver.DLiveOptions{})
		defer d.Close()
		g := newDliveGate(d, "unauthorized", true)
		ctx, cancel := dliveCtx()
		defer cancel()
		r := newDliveRec()
		c := dliveConnected(t, ctx, dliveConfig(d.URL+"/gate"), r)
		defer c.Close()

		g.set(true, http.StatusUnauthorized)
		d.DropAll()
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatal("the client kept running after a 401 handshake")
		}
		var he *conn.HandshakeError
		if err := c.Err(); !errors.As(err, &he) || he.Status != http.StatusUnauthorized || he.Text != "unauthorized" {
			t.Fatalf("Err %v, want a 401 *conn.HandshakeError saying unauthorized", err)
		}
		if n := g.hits.Load(); n != 2 {
			t.Fatalf("the client dialled %d times, want 2", n)
		}
	})
}

func TestDLiveSubscribeDuringOutageHonoursContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	g := newDliveGate(d, "down", true)
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL+"/gate"), r)
	defer c.Close()

	g.set(true, http.StatusBadGateway) // retried forever
	d.DropAll()
	r.nextDisc(t, ctx)
	sctx, scancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer scancel()
	if _, err := c.SubscribeStreamMessages(sctx, "alice"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SubscribeStreamMessages while disconnected: %v, want context.DeadlineExceeded", err)
	}
	if _, err := c.Stop(sctx, "nope"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop while disconnected: %v, want context.DeadlineExceeded", err)
	}
	if n := c.Subscriptions(); n != 0 {
		t.Fatalf("a failed subscribe was remembered: %d subscriptions", n)
	}

	// The link comes back; a subscribe then works.
	g.set(false)
	r.restored(t, ctx) // first connect
	r.restored(t, ctx)
	nc := dliveOnlyConn(t, ctx, d, nil)
	s := dliveSubscribeChat(t, ctx, c, d, nc, "alice")
	d.PublishChat("alice", testserver.ChatText("", "bob", "up"))
	r.expect(t, ctx, "ack", "ack", "data "+s.ID, "text bob up")
}

// ---------------------------------------------------------------- errors and validation

func TestDLiveErrorFrameIsTypedReplyError(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	sc := d.Conns()[0]
	s := dliveSubscribeChat(t, ctx, c, d, sc, "alice")

	if !d.FailSubscription(sc, s.ID, "streamer alice was banned") {
		t.Fatal("FailSubscription: unknown id")
	}
	r.expect(t, ctx, "error "+s.ID)
	err := r.nextErr(t, ctx)
	var re *dlive.ReplyError
	if !errors.As(err, &re) {
		t.Fatalf("OnError got %v (%T), want a *dlive.ReplyError", err, err)
	}
	if re.Message != "Error" || !strings.Contains(re.Text, "streamer alice was banned") {
		t.Fatalf("ReplyError %+v, want the server's message in Text", re)
	}
	if m, ok := re.Reply.(*dlive.Error); !ok || m.ID != s.ID {
		t.Fatalf("ReplyError.Reply %#v, want the *dlive.Error for %s", re.Reply, s.ID)
	}
	var fe *conn.FrameError
	if !errors.As(err, &fe) || fe.Seq == 0 {
		t.Fatalf("OnError got %v, want it wrapped in a *conn.FrameError naming the frame", err)
	}
	if d.Subscriptions(sc)[s.ID] != (testserver.DLiveSubscription{}) {
		t.Fatal("the server kept the failed subscription")
	}
}

func TestDLiveSendWritesAnyClientMessage(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	sc := d.Conns()[0]

	// The web client's form: a persisted query hash, variables, no text.
	pq := func(id, hash string) *dlive.Start {
		m := dlive.NewStart()
		m.ID = id
		m.Payload.Variables = json.RawMessage(`{"streamer":"alice"}`)
		m.Payload.OperationName = wire.Some("TreasureChestMessageReceived")
		m.Payload.Extensions = wire.Some(dlive.StartPayloadExtensions{
			PersistedQuery: wire.Some(dlive.PersistedQuery{Version: wire.Some[int64](1), Sha256Hash: wire.Some(hash)}),
		})
		return m
	}
	if err := c.Send(ctx, pq("pq-1", testserver.DLiveQueryHash(testserver.DLiveChestQuery))); err != nil {
		t.Fatalf("Send: %v", err)
	}
	dliveWaitSubs(t, ctx, d, sc, map[string]testserver.DLiveSubscription{"pq-1": dliveChest("alice")})
	if n := c.Subscriptions(); n != 0 {
		t.Fatalf("Send registered %d subscriptions to restore, want 0", n)
	}
	d.PublishChest("alice", testserver.TreasureChestValueUpdated(3))
	r.expect(t, ctx, "data pq-1", "chest-value 3")

	if err := c.Send(ctx, pq("pq-2", strings.Repeat("0", 64))); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r.expect(t, ctx, "error pq-2")
	var re *dlive.ReplyError
	if err := r.nextErr(t, ctx); !errors.As(err, &re) || !strings.Contains(re.Text, testserver.DLivePersistedQueryNotFound) {
		t.Fatalf("OnError got %v, want a *dlive.ReplyError saying %s", err, testserver.DLivePersistedQueryNotFound)
	}
}

func TestDLiveValidationPolicy(t *testing.T) {
	// A ChatText whose createdAt breaks its pattern (role is an open enum).
	badEvent := func() map[string]any {
		ev := testserver.ChatText("x1", "mallory", "bad role")
		ev["createdAt"] = "Emperor"
		return ev
	}
	const badPointer = "/payload/data/streamMessageReceived/0/createdAt"

	// run connects a client with policy, subscribes, and has the server
	// send the bad frame, then a good one. done closes client and server.
	run := func(t *testing.T, policy wire.Policy) (r *dliveRec, s *dlive.Start, ctx context.Context, done func()) {
		t.Helper()
		d := dliveServer(t, testserver.DLiveOptions{})
		ctx, cancel := dliveCtx()
		r = newDliveRec()
		cfg := dliveConfig(d.URL)
		cfg.Validation = policy
		r.hook(&cfg)
		c := dlive.NewClient(cfg)
		r.handlers(c)
		done = func() { c.Close(); d.Close(); cancel() }
		if err := c.Connect(ctx); err != nil {
			done()
			t.Fatalf("Connect: %v", err)
		}
		r.expect(t, ctx, "ack")
		sc := d.Conns()[0]
		s = dliveSubscribeChat(t, ctx, c, d, sc, "alice")
		sc.Send(dliveFrame(t, s.ID, badEvent()))
		sc.Send(dliveFrame(t, s.ID, testserver.ChatText("", "bob", "good")))
		return r, s, ctx, done
	}

	t.Run("Report dispatches and reports", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		r, s, ctx, done := run(t, wire.Report)
		defer done()
		r.expect(t, ctx, "data "+s.ID, "text mallory bad role", "data "+s.ID, "text bob good")
		var fe *wire.FrameError
		if err := r.nextErr(t, ctx); !errors.As(err, &fe) || !dliveHasViolation(fe, badPointer, "pattern") {
			t.Fatalf("OnError got %v, want a pattern violation at %s", err, badPointer)
		}
		if strings.Contains(fe.Error(), "Emperor") {
			t.Fatal("the frame error echoes the frame's value")
		}
		r.noErr(t)
	})
	t.Run("Strict only reports", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		r, s, ctx, done := run(t, wire.Strict)
		defer done()
		r.expect(t, ctx, "data "+s.ID, "text bob good")
		var fe *wire.FrameError
		if err := r.nextErr(t, ctx); !errors.As(err, &fe) || !dliveHasViolation(fe, badPointer, "pattern") {
			t.Fatalf("OnError got %v, want a pattern violation at %s", err, badPointer)
		}
		r.noErr(t)
	})
	t.Run("Off dispatches silently", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		r, s, ctx, done := run(t, wire.Off)
		defer done()
		r.expect(t, ctx, "data "+s.ID, "text mallory bad role", "data "+s.ID, "text bob good")
		r.noErr(t)
	})
}

func TestDLiveUnknownMessageTypeGoesToOnUnknown(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	cfg := dliveConfig(d.URL)
	r := newDliveRec()
	r.hook(&cfg)
	c := dlive.NewClient(cfg)
	r.handlers(c)
	raws := make(chan string, 1)
	c.OnUnknown(func(ctx context.Context, u *wire.Unknown) {
		raws <- string(u.Raw)
		r.add(ctx, "unknown %q", u.Pointer)
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r.expect(t, ctx, "ack")
	sc := d.Conns()[0]
	s := dliveSubscribeChat(t, ctx, c, d, sc, "alice")

	const frame = `{"type":"hologram","id":"z","payload":{"shape":"cube"}}`
	sc.Send([]byte(frame))
	d.PublishChat("alice", testserver.ChatText("", "bob", "after"))
	r.expect(t, ctx, `unknown ""`, "data "+s.ID, "text bob after")
	if got := <-raws; got != frame {
		t.Fatalf("OnUnknown raw %s, want the whole frame %s", got, frame)
	}
	var fe *wire.FrameError
	if err := r.nextErr(t, ctx); !errors.As(err, &fe) || !dliveHasViolation(fe, "", "oneOf") {
		t.Fatalf("OnError got %v, want a oneOf violation for the whole frame", err)
	}
	r.noErr(t)
}

func TestDLiveMalformedFrameIsReportedAndConnectionSurvives(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()
	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	r.expect(t, ctx, "ack")
	sc := d.Conns()[0]
	s := dliveSubscribeChat(t, ctx, c, d, sc, "alice")

	sc.Send([]byte(`{"type":"data","id":`))
	sc.Send([]byte(`[1,2,3]`))
	d.PublishChat("alice", testserver.ChatText("", "bob", "still here"))
	r.expect(t, ctx, `unknown ""`, "data "+s.ID, "text bob still here")
	var fe *wire.FrameError
	if err := r.nextErr(t, ctx); !errors.As(err, &fe) || fe.Syntax == nil {
		t.Fatalf("OnError got %v, want a *wire.FrameError with a syntax error", err)
	}
	if err := r.nextErr(t, ctx); !errors.As(err, &fe) || !dliveHasViolation(fe, "", "oneOf") {
		t.Fatalf("OnError got %v, want a oneOf violation for the array frame", err)
	}
	if n := d.Accepted(); n != 1 {
		t.Fatalf("the client dialled %d times, want 1: bad frames do not end the link", n)
	}
}

func TestDLiveServerEndedSubscriptionIsNotRestored(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(d *testserver.DLive, c *testserver.Conn, id string) bool
		call string
	}{
		{"complete", func(d *testserver.DLive, c *testserver.Conn, id string) bool { return d.CompleteSubscription(c, id) }, "complete"},
		{"error", func(d *testserver.DLive, c *testserver.Conn, id string) bool {
			return d.FailSubscription(c, id, "gone")
		}, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			d := dliveServer(t, testserver.DLiveOptions{})
			defer d.Close()
			ctx, cancel := dliveCtx()
			defer cancel()
			r := newDliveRec()
			c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
			defer c.Close()
			r.expect(t, ctx, "ack")
			r.restored(t, ctx)
			sc := d.Conns()[0]
			ended := dliveSubscribeChat(t, ctx, c, d, sc, "alice")
			kept := dliveSubscribeChat(t, ctx, c, d, sc, "bob")

			// The protocol: after complete or error no more data follows
			// for that id. Restoring it would revive what the server ended.
			if !tc.end(d, sc, ended.ID) {
				t.Fatal("the server did not know the subscription")
			}
			r.expect(t, ctx, tc.call+" "+ended.ID)
			d.DropAll()
			r.restored(t, ctx)
			nc := dliveOnlyConn(t, ctx, d, sc)
			// Wait for the kept one, then compare the whole set.
			dlivePoll(t, ctx, "restore", func() bool { return d.Subscriptions(nc)[kept.ID] == dliveChat("bob") })
			if got := d.Subscriptions(nc); len(got) != 1 {
				t.Errorf("after a reconnect the server has %v: the subscription it ended with %s was started again", got, tc.call)
			}
			if n := c.Subscriptions(); n != 1 {
				t.Errorf("client remembers %d subscriptions after the server ended one, want 1", n)
			}
		})
	}
}

// ---------------------------------------------------------------- lifecycle

func TestDLiveCloseIsIdempotentAndCallsAfterCloseFail(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()

	if err := dlive.NewClient(dliveConfig(d.URL)).Close(); err != nil {
		t.Fatalf("Close of a never-connected client: %v", err)
	}

	r := newDliveRec()
	c := dliveConnected(t, ctx, dliveConfig(d.URL), r)
	defer c.Close()
	s := dliveSubscribeChat(t, ctx, c, d, d.Conns()[0], "alice")
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done is open after Close")
	}
	if err := c.Err(); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("Err after Close: %v, want conn.ErrClosed", err)
	}
	if _, err := c.SubscribeStreamMessages(ctx, "bob"); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("SubscribeStreamMessages after Close: %v, want conn.ErrClosed", err)
	}
	if _, err := c.SubscribeTreasureChest(ctx, "bob"); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("SubscribeTreasureChest after Close: %v, want conn.ErrClosed", err)
	}
	if _, err := c.Stop(ctx, s.ID); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("Stop after Close: %v, want conn.ErrClosed", err)
	}
	if err := c.Send(ctx, dlive.NewConnectionTerminate()); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("Send after Close: %v, want conn.ErrClosed", err)
	}
	// The server sees the connection end.
	if _, err := d.WaitConns(ctx, 0); err != nil {
		t.Fatalf("the server still has a connection after Close: %v", err)
	}
}

func TestDLiveUnconnectedClientReturnsErrorsInsteadOfPanicking(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{})
	defer d.Close()
	ctx, cancel := dliveCtx()
	defer cancel()

	try := func(name string, fn func()) {
		t.Helper()
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("%s panics: %v", name, p)
			}
		}()
		fn()
	}
	fresh := dlive.NewClient(dliveConfig(d.URL))
	defer fresh.Close()
	try("SubscribeStreamMessages before Connect", func() {
		if _, err := fresh.SubscribeStreamMessages(ctx, "alice"); err == nil {
			t.Error("SubscribeStreamMessages before Connect succeeded")
		}
	})
	try("Subscriptions before Connect", func() { _ = fresh.Subscriptions() })

	cfg := dliveConfig(d.URL)
	cfg.Token = "dlive-refused-token-41a2"
	failed := dlive.NewClient(cfg)
	defer failed.Close()
	cerr := failed.Connect(ctx)
	if cerr == nil {
		t.Fatal("Connect with a refused token succeeded")
	}
	try("Done after a failed Connect", func() {
		select {
		case <-failed.Done():
		default:
			t.Error("Done is open after a permanent Connect failure")
		}
	})
	try("Err after a failed Connect", func() {
		if err := failed.Err(); err == nil {
			t.Error("Err is nil after a permanent Connect failure")
		}
	})
}

// ---------------------------------------------------------------- secrets

func TestDLiveSecretsNeverLeak(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveServer(t, testserver.DLiveOptions{KeepAliveInterval: 10 * time.Millisecond})
	defer d.Close()
	g := newDliveGate(d, "token "+dliveToken+" rejected", true)
	ctx, cancel := dliveCtx()
	defer cancel()

	var logs bytes.Buffer // slog handlers serialise their writes
	var mu sync.Mutex
	var seen []error
	keep := func(err error) {
		if err != nil {
			mu.Lock()
			seen = append(seen, err)
			mu.Unlock()
		}
	}
	cfg := dliveConfig(d.URL + "/gate")
	cfg.Conn.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Conn.ReadTimeout = 100 * time.Millisecond
	r := newDliveRec()
	r.hook(&cfg)
	onErr, onDisc := cfg.OnError, cfg.OnDisconnected
	cfg.OnError = func(ctx context.Context, err error) { keep(err); onErr(ctx, err) }
	cfg.OnDisconnected = func(ctx context.Context, err error) { keep(err); onDisc(ctx, err) }
	c := dlive.NewClient(cfg)
	r.handlers(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := d.Conns()[0]
	s := dliveSubscribeChat(t, ctx, c, d, sc, "alice")

	// Every path that logs or reports: an error frame, an invalid frame,
	// a silent link, a drop, refused handshakes whose body names the
	// token, and finally the token refused by connection_error.
	d.FailSubscription(sc, s.ID, "denied")
	r.nextErr(t, ctx)
	sc.Send(dliveFrame(t, "x", map[string]any{"__typename": "ChatText"}))
	r.nextErr(t, ctx)
	r.restored(t, ctx) // the first Connect's
	sc.Silence()
	r.nextDisc(t, ctx)
	r.restored(t, ctx)
	nc := dliveOnlyConn(t, ctx, d, sc)
	g.set(false, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	nc.Drop()
	r.nextDisc(t, ctx)
	r.restored(t, ctx) // dropping during connection_init would hit the bug of TestDLiveDropDuringInitDoesNotCrash
	d.SetTokens("another-token")
	d.DropAll()
	<-c.Done()
	keep(c.Err())

	// A Connect refused at the handshake, and one refused in-band.
	g.set(true, http.StatusForbidden)
	c2 := dlive.NewClient(cfg)
	defer c2.Close()
	keep(c2.Connect(ctx))
	cfg.URL = d.URL
	c3 := dlive.NewClient(cfg)
	defer c3.Close()
	keep(c3.Connect(ctx))

	if logs.Len() == 0 {
		t.Fatal("no logs captured")
	}
	if !strings.Contains(logs.String(), "reconnecting") {
		t.Fatalf("logs lack the reconnects:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), dliveToken) {
		t.Errorf("the token appears in the logs:\n%s", logs.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 8 {
		t.Fatalf("captured %d errors, want every path above", len(seen))
	}
	for _, err := range seen {
		if strings.Contains(err.Error(), dliveToken) || strings.Contains(fmt.Sprintf("%+v", err), dliveToken) {
			t.Errorf("the token appears in an error: %v", err)
		}
	}
}

// dliveDropOnInit is a graphql-ws endpoint that cuts the link when
// connection_init arrives, while the client waits for connection_ack.
type dliveDropOnInit struct{}

func (dliveDropOnInit) Accept(*http.Request) (int, string, http.Header) { return 0, "", nil }
func (dliveDropOnInit) Open(*testserver.Conn)                           {}
func (dliveDropOnInit) Frame(c *testserver.Conn, _ []byte)              { c.Drop() }
func (dliveDropOnInit) Closed(*testserver.Conn)                         {}

// TestDLiveDropDuringInitDoesNotCrash guards against a panic ("close of
// closed channel" in conn.Session.fail) when a link dies while Open waits
// for connection_ack or connection_error. The scenario runs in a child
// process so that a panic fails this test instead of killing the binary.
func TestDLiveDropDuringInitDoesNotCrash(t *testing.T) {
	dliveInChild(t, "TestDLiveDropDuringInitDoesNotCrash", dliveDropDuringInit)
}

// dliveInChild runs scenario in a child test process (the same binary,
// this test only), so that a panic or a leaked client fails this test
// instead of killing the binary or tripping the goleak checks of others.
func dliveInChild(t *testing.T, name string, scenario func(*testing.T)) {
	t.Helper()
	if os.Getenv("WSBIND_DLIVE_CHILD") == name {
		scenario(t)
		return
	}
	defer goleak.VerifyNone(t)
	ctx, cancel := dliveCtx()
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+name+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "WSBIND_DLIVE_CHILD="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scenario failed (%v):\n%s", err, dliveFirstLines(string(out), 16))
	}
}

func dliveDropDuringInit(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv, err := testserver.New(dliveDropOnInit{}, testserver.Options{Subprotocols: []string{testserver.DLiveSubprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := newDliveRec()
	cfg := dliveConfig(srv.URL)
	r.hook(&cfg)
	c := dlive.NewClient(cfg)
	defer c.Close()
	if err := c.Connect(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Connect error %v, want context.DeadlineExceeded", err)
	}
	if n := srv.Accepted(); n < 2 {
		t.Fatalf("the client dialled %d times, want retries", n)
	}
}

func dliveFirstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// TestDLiveConnectTwiceLeavesNoLiveConnectionBehind: a second Connect must
// either fail or reuse the first connection; Close must then stop
// everything. Run in a child process: a leaked client would keep
// redialling and break the goroutine checks of the tests after it.
func TestDLiveConnectTwiceLeavesNoLiveConnectionBehind(t *testing.T) {
	dliveInChild(t, "TestDLiveConnectTwiceLeavesNoLiveConnectionBehind", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		d := dliveServer(t, testserver.DLiveOptions{})
		defer d.Close()
		ctx, cancel := dliveCtx()
		defer cancel()
		c := dlive.NewClient(dliveConfig(d.URL))
		defer c.Close()
		if err := c.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Connect(ctx); err == nil {
			if n := len(d.Conns()); n != 1 {
				t.Errorf("a second Connect succeeded and opened connection #%d", n)
			}
		}
		c.Close()
		if _, err := d.WaitConns(ctx, 0); err != nil {
			t.Errorf("the server still has %d connections after Close", len(d.Conns()))
		}
	})
}
