package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
	"github.com/wsbind/wsbind/runtime/wsauth"
)

// The API token of the test user. It is a made-up secret: tests never
// print it, and the client must never log it.
const neuroToken = "neuro-tok-5e1b9d3a7c2f4e60"

const neuroWait = 5 * time.Second

// neuroServer starts a Neuro server that knows only neuroToken unless opt
// names its own tokens.
func neuroServer(t *testing.T, opt testserver.NeuroOptions) *testserver.Neuro {
	t.Helper()
	if opt.Tokens == nil {
		opt.Tokens = []string{neuroToken}
	}
	srv, err := testserver.NewNeuro(opt)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func neuroCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), neuroWait)
	t.Cleanup(cancel)
	return ctx
}

// neuroTransport sees every ticket request the client makes: its URL, its
// Authorization header and the ticket of each successful answer. after, if
// set, runs once the answer is in (to expire the ticket before the upgrade).
type neuroTransport struct {
	base  http.RoundTripper
	after atomic.Pointer[func()]

	mu      sync.Mutex
	urls    []string
	auths   []string
	tickets []string
}

func newNeuroTransport() *neuroTransport {
	return &neuroTransport{base: &http.Transport{DisableKeepAlives: true}}
}

func (tr *neuroTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tr.mu.Lock()
	tr.urls = append(tr.urls, r.URL.String())
	tr.auths = append(tr.auths, r.Header.Get("Authorization"))
	tr.mu.Unlock()
	resp, err := tr.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var doc struct {
		Data struct {
			Ticket string `json:"ticket"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.Data.Ticket != "" {
		tr.mu.Lock()
		tr.tickets = append(tr.tickets, doc.Data.Ticket)
		tr.mu.Unlock()
	}
	if fn := tr.after.Load(); fn != nil {
		(*fn)()
	}
	return resp, nil
}

func (tr *neuroTransport) requests() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.urls)
}

func (tr *neuroTransport) ticketList() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.tickets)
}

func (tr *neuroTransport) request(i int) (url, auth string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.urls[i], tr.auths[i]
}

// expireOnce makes the next ticket expire between its fetch and the upgrade.
func (tr *neuroTransport) expireOnce(srv *testserver.Neuro) {
	fn := func() {
		srv.ExpireTickets()
		tr.after.Store(nil)
	}
	tr.after.Store(&fn)
}

// neuroLife records the lifecycle hooks and errors of one client. Sends
// never block the runtime: the buffers are far larger than any test needs.
type neuroLife struct {
	restored     chan struct{}
	disconnected chan error
	errs         chan error
}

func newNeuroLife() *neuroLife {
	return &neuroLife{
		restored:     make(chan struct{}, 64),
		disconnected: make(chan error, 64),
		errs:         make(chan error, 256),
	}
}

func neuroPut[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// neuroConfig is a client config for srv's v2 endpoint with short cadences.
func neuroConfig(srv *testserver.Neuro, tr *neuroTransport, life *neuroLife) neuro.Config {
	cfg := neuro.Config{
		URL:        srv.URL,
		AuthURL:    srv.TicketURL(),
		HTTPClient: &http.Client{Transport: tr},
		Token:      neuroToken,
		Conn: conn.Config{
			ReadTimeout:      2 * time.Second,
			ReplyTimeout:     2 * time.Second,
			HandshakeTimeout: 2 * time.Second,
			WriteTimeout:     2 * time.Second,
			Backoff:          conn.Backoff{Base: 2 * time.Millisecond, Max: 20 * time.Millisecond},
		},
	}
	if life != nil {
		cfg.OnRestored = func(context.Context) { neuroPut(life.restored, struct{}{}) }
		cfg.OnDisconnected = func(_ context.Context, err error) { neuroPut(life.disconnected, err) }
		cfg.OnError = func(_ context.Context, err error) { neuroPut(life.errs, err) }
	}
	return cfg
}

func neuroRecv[T any](t *testing.T, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func neuroNone[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s (%T)", what, v) // never the value: it may hold a session id
	default:
	}
}

func neuroConnect(t *testing.T, ctx context.Context, cfg neuro.Config) *neuro.Client {
	t.Helper()
	c := neuro.NewClient(cfg)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	return c
}

// neuroOnlyConn returns the server's connection once exactly one is open
// (the previous one, if any, has been torn down).
func neuroOnlyConn(t *testing.T, ctx context.Context, srv *testserver.Neuro) *testserver.Conn {
	t.Helper()
	conns, err := srv.WaitConns(ctx, 1)
	if err != nil {
		t.Fatalf("waiting for exactly one server connection: %v", err)
	}
	return conns[0]
}

func neuroAdd(t *testing.T, ctx context.Context, c *neuro.Client, eventTypes ...string) {
	t.Helper()
	for _, et := range eventTypes {
		r, err := c.AddEvent(ctx, et)
		if err != nil {
			t.Fatalf("AddEvent(%s): %v", et, err)
		}
		if r == nil || r.Type != "addSuccess" || r.Data.EventType != et || !r.Data.Subscribed {
			t.Fatalf("AddEvent(%s) reply %+v", et, r)
		}
	}
}

func neuroIsClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func neuroJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Event payloads, valid for the spec.

func neuroStreamOnline(title string, viewers int) map[string]any {
	return map[string]any{
		"isLive": true, "id": "331913732989", "title": title,
		"game":     map[string]any{"id": "509658", "name": "Just Chatting"},
		"language": "en", "tags": []string{"English", "Vtuber"}, "isMature": false,
		"viewerCount": viewers, "startedAt": int64(1755626443000),
		"thumbnailUrl": "https://static-cdn.jtvnw.net/previews-ttv/live_user_vedal987-{width}x{height}.jpg",
	}
}

func neuroRaid(name string, viewers int) map[string]any {
	return map[string]any{
		"channel":     map[string]any{"displayName": name, "name": strings.ToLower(name), "id": "123456789"},
		"viewerCount": viewers,
	}
}

func neuroXFeed(user, id, content string) map[string]any {
	return map[string]any{"user": user, "entries": []any{map[string]any{
		"id": id, "type": "tweet", "author": map[string]any{"username": user},
		"url": "https://x.com/" + user + "/status/" + id, "createdTimestamp": int64(1787050190000),
		"content": content, "media": []any{map[string]any{"type": "image", "url": "https://pbs.twimg.com/media/example.jpg"}},
	}}}
}

// neuroSeqs routes the sequence numbers carried as viewerCount by
// streamOnline and streamRaidIncoming events into one channel, in
// delivery order.
func neuroSeqs(c *neuro.Client) <-chan int {
	ch := make(chan int, 1024)
	c.OnStreamOnlineEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamOnlineEvent) {
		neuroPut(ch, int(e.EventData.ViewerCount))
	})
	c.OnStreamRaidIncomingEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamRaidIncomingEvent) {
		neuroPut(ch, int(e.EventData.ViewerCount))
	})
	return ch
}

// neuroPublishSeq publishes seq as the viewerCount of a streamOnline (even)
// or streamRaidIncoming (odd) event and returns how many connections got it.
func neuroPublishSeq(srv *testserver.Neuro, seq int) int {
	if seq%2 == 0 {
		return srv.Publish("streamOnline", neuroStreamOnline("NEURO STREAM", seq))
	}
	return srv.Publish("streamRaidIncoming", neuroRaid("SomeStreamer", seq))
}

func neuroReplyError(t *testing.T, err error) *neuro.ReplyError {
	t.Helper()
	var re *neuro.ReplyError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T), want a *neuro.ReplyError", err, err)
	}
	return re
}

func neuroHandshakeError(t *testing.T, err error, status int, text string) *conn.HandshakeError {
	t.Helper()
	var he *conn.HandshakeError
	if !errors.As(err, &he) {
		t.Fatalf("error %v (%T), want a *conn.HandshakeError", err, err)
	}
	if he.Status != status || he.Text != text {
		t.Fatalf("handshake error HTTP %d %q, want HTTP %d %q", he.Status, he.Text, status, text)
	}
	return he
}

// ---------------------------------------------------------------- connect

func TestNeuroConnectFetchesATicketAndWaitsForTheWelcome(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	tr := newNeuroTransport()
	cfg := neuroConfig(srv, tr, nil)
	c := neuro.NewClient(cfg)
	welcomes := make(chan string, 8)
	c.OnWelcomeMessage(func(_ context.Context, w *neuro.Welcome) { neuroPut(welcomes, w.Data.SessionID) })
	if c.Welcome() != nil {
		t.Fatal("Welcome is set before Connect")
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()

	// Connect returned, so the welcome is in.
	w := c.Welcome()
	if w == nil || w.Data.SessionID == "" {
		t.Fatal("Connect returned before the welcome")
	}
	sc := neuroOnlyConn(t, ctx, srv)
	if w.Data.SessionID != srv.SessionID(sc) {
		t.Fatal("Welcome().Data.SessionID is not the session id the server gave")
	}
	if got := neuroRecv(t, ctx, welcomes, "the welcome on OnWelcome"); got != srv.SessionID(sc) {
		t.Fatal("OnWelcome got another session id")
	}
	if srv.TicketsIssued() != 1 || tr.requests() != 1 {
		t.Fatalf("%d ticket requests, %d tickets issued; want 1 and 1", tr.requests(), srv.TicketsIssued())
	}
	url, auth := tr.request(0)
	if url != srv.TicketURL() {
		t.Fatalf("ticket fetched from %s, want %s", url, srv.TicketURL())
	}
	if auth != "Bearer "+neuroToken {
		t.Fatal("the ticket request does not carry the token as a Bearer header")
	}
	if got := sc.Request.URL.Query().Get("ticket"); got == "" || got != tr.ticketList()[0] {
		t.Fatal("the upgrade does not carry the fetched ticket as ?ticket=")
	}
	if sc.Request.Header.Get("Authorization") != "" {
		t.Fatal("the ticket flow also sent the token on the upgrade")
	}
	if srv.Version(sc) != 2 {
		t.Fatalf("server sees API version %d, want 2", srv.Version(sc))
	}
	if err := c.Connect(ctx); err == nil || srv.TicketsIssued() != 1 {
		t.Fatal("a second Connect on the same client dialled again")
	}

	// Dial is NewClient plus Connect: a second client is ready at once,
	// with its own ticket and session.
	c2, err := neuro.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c2.Close()
	if w2 := c2.Welcome(); w2 == nil || w2.Data.SessionID == "" || w2.Data.SessionID == w.Data.SessionID {
		t.Fatal("Dial returned without its own welcome")
	}
	if srv.TicketsIssued() != 2 || srv.ConnsOf(neuroToken) != 2 {
		t.Fatalf("%d tickets, %d connections; want 2 and 2", srv.TicketsIssued(), srv.ConnsOf(neuroToken))
	}
}

func TestNeuroAuthURLDefaultsToTheDialledHost(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	tr := newNeuroTransport()
	cfg := neuroConfig(srv, tr, nil)
	cfg.AuthURL = ""
	c := neuroConnect(t, ctx, cfg)
	defer c.Close()
	if tr.requests() != 1 {
		t.Fatalf("%d ticket requests, want 1", tr.requests())
	}
	if url, _ := tr.request(0); url != srv.TicketURL() {
		t.Fatalf("ticket fetched from %s, want the spec's path on the dialled host %s", url, srv.TicketURL())
	}
	neuroAdd(t, ctx, c, "streamOnline")
}

func TestNeuroBearerHeaderSendsTheTokenOnTheUpgradeWithoutATicket(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	tr := newNeuroTransport()
	cfg := neuroConfig(srv, tr, nil)
	cfg.BearerHeader = true
	cfg.Header = http.Header{"X-Client": {"integration"}}
	c := neuroConnect(t, ctx, cfg)
	defer c.Close()
	events := neuroSeqs(c)

	sc := neuroOnlyConn(t, ctx, srv)
	if tr.requests() != 0 || srv.TicketsIssued() != 0 {
		t.Fatalf("%d ticket requests, %d tickets; the Bearer flow needs none", tr.requests(), srv.TicketsIssued())
	}
	if sc.Request.Header.Get("Authorization") != "Bearer "+neuroToken {
		t.Fatal("the upgrade does not carry the token as a Bearer header")
	}
	if sc.Request.Header.Get("X-Client") != "integration" {
		t.Fatal("Config.Header is not sent on the upgrade")
	}
	if sc.Request.URL.RawQuery != "" {
		t.Fatal("the Bearer flow dialled with a query")
	}
	if w := c.Welcome(); w == nil || w.Data.SessionID != srv.SessionID(sc) {
		t.Fatal("no welcome")
	}
	neuroAdd(t, ctx, c, "streamOnline")
	srv.Publish("streamOnline", neuroStreamOnline("NEURO STREAM", 5799))
	if got := neuroRecv(t, ctx, events, "the event"); got != 5799 {
		t.Fatalf("viewerCount %d, want 5799", got)
	}
	if cfg.Header.Get("Authorization") != "" {
		t.Fatal("Connect wrote the token into the caller's Config.Header")
	}
}

func TestNeuroV1AndV2EndpointsBothWork(t *testing.T) {
	cases := []struct {
		name    string
		v1      bool
		bearer  bool
		version int
	}{
		{"v2 ticket", false, false, 2},
		{"v2 bearer", false, true, 2},
		{"v1 ticket", true, false, 1},
		{"v1 bearer", true, true, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ctx := neuroCtx(t)
			srv := neuroServer(t, testserver.NeuroOptions{})
			defer srv.Close()
			tr := newNeuroTransport()
			cfg := neuroConfig(srv, tr, nil)
			wantTicketURL := srv.TicketURL()
			if tc.v1 {
				cfg.URL, cfg.AuthURL = srv.URLV1(), srv.TicketURLV1()
				wantTicketURL = srv.TicketURLV1()
			}
			cfg.BearerHeader = tc.bearer
			c := neuroConnect(t, ctx, cfg)
			defer c.Close()
			events := neuroSeqs(c)

			sc := neuroOnlyConn(t, ctx, srv)
			if got := srv.Version(sc); got != tc.version {
				t.Fatalf("server sees API version %d, want %d", got, tc.version)
			}
			if tc.bearer {
				if tr.requests() != 0 {
					t.Fatal("the Bearer flow fetched a ticket")
				}
			} else if url, _ := tr.request(0); tr.requests() != 1 || url != wantTicketURL {
				t.Fatalf("ticket fetched from %s, want %s", url, wantTicketURL)
			}
			if c.Welcome() == nil || c.Welcome().Data.SessionID != srv.SessionID(sc) {
				t.Fatal("no welcome")
			}
			neuroAdd(t, ctx, c, "streamRaidIncoming")
			if n := srv.Publish("streamRaidIncoming", neuroRaid("SomeStreamer", 420)); n != 1 {
				t.Fatalf("event sent to %d connections, want 1", n)
			}
			if got := neuroRecv(t, ctx, events, "the event"); got != 420 {
				t.Fatalf("viewerCount %d, want 420", got)
			}
			if _, err := c.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		})
	}
}

// -------------------------------------------------------------- requests

func TestNeuroRequestsReturnTypedReplies(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), life))
	adds := make(chan string, 16)
	c.OnAddSuccessMessage(func(_ context.Context, m *neuro.AddSuccess) { neuroPut(adds, m.Data.EventType) })
	pongs := make(chan *neuro.Pong, 16)
	c.OnPongMessage(func(_ context.Context, m *neuro.Pong) { neuroPut(pongs, m) })
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	sc := neuroOnlyConn(t, ctx, srv)

	neuroAdd(t, ctx, c, "streamOnline", "scheduleUpdate")
	if got := srv.Subscriptions(sc); !slices.Equal(got, []string{"streamOnline", "scheduleUpdate"}) {
		t.Fatalf("server subscriptions %v", got)
	}
	if c.Subscriptions() != 2 {
		t.Fatalf("client remembers %d subscriptions, want 2", c.Subscriptions())
	}
	// Adding a type twice is one subscription.
	neuroAdd(t, ctx, c, "streamOnline")
	if c.Subscriptions() != 2 || len(srv.Subscriptions(sc)) != 2 {
		t.Fatalf("re-adding a type: client %d, server %v", c.Subscriptions(), srv.Subscriptions(sc))
	}

	list, err := c.ListEvents(ctx)
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	if list.Type != "listEvents" || !slices.Equal(list.Data.SubscribedEvents, []string{"streamOnline", "scheduleUpdate"}) {
		t.Fatalf("ListEvents subscribed %v", list.Data.SubscribedEvents)
	}
	if !slices.Equal(list.Data.AvailableEvents, testserver.NeuroEventTypes()) {
		t.Fatalf("ListEvents available %v", list.Data.AvailableEvents)
	}

	pong, err := c.Ping(ctx)
	if err != nil || pong == nil || pong.Type != "pong" {
		t.Fatalf("Ping: %+v, %v", pong, err)
	}

	rm, err := c.RemoveEvent(ctx, "streamOnline")
	if err != nil {
		t.Fatalf("RemoveEvent: %v", err)
	}
	if rm.Type != "removeSuccess" || rm.Data.EventType != "streamOnline" || !rm.Data.Unsubscribed {
		t.Fatalf("RemoveEvent reply %+v", rm.Data)
	}
	if got := srv.Subscriptions(sc); !slices.Equal(got, []string{"scheduleUpdate"}) {
		t.Fatalf("server subscriptions after RemoveEvent %v", got)
	}
	if c.Subscriptions() != 1 {
		t.Fatalf("client remembers %d subscriptions after RemoveEvent, want 1", c.Subscriptions())
	}
	list, err = c.ListEvents(ctx)
	if err != nil || !slices.Equal(list.Data.SubscribedEvents, []string{"scheduleUpdate"}) {
		t.Fatalf("ListEvents after RemoveEvent: %v, %v", list, err)
	}

	// Replies also reach their handlers, in order; pongs never do.
	for _, want := range []string{"streamOnline", "scheduleUpdate", "streamOnline"} {
		if got := neuroRecv(t, ctx, adds, "an AddSuccess on OnAddSuccess"); got != want {
			t.Fatalf("OnAddSuccess got %s, want %s", got, want)
		}
	}
	neuroNone(t, pongs, "Pong on OnPong")
	neuroNone(t, life.errs, "error")
}

func TestNeuroConcurrentAddEventsEachGetTheirOwnReply(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	c := neuroConnect(t, ctx, neuroConfig(srv, newNeuroTransport(), nil))
	defer c.Close()

	types := []string{"streamOnline", "streamOffline", "subathonUpdate"}
	for round := range 10 {
		replies := make([]*neuro.AddSuccess, len(types))
		errs := make([]error, len(types))
		var wg sync.WaitGroup
		for i, et := range types {
			wg.Go(func() { replies[i], errs[i] = c.AddEvent(ctx, et) })
		}
		wg.Wait()
		for i, et := range types {
			if errs[i] != nil {
				t.Fatalf("round %d: AddEvent(%s): %v", round, et, errs[i])
			}
			if replies[i].Data.EventType != et || !replies[i].Data.Subscribed {
				t.Fatalf("round %d: AddEvent(%s) got the reply for %s", round, et, replies[i].Data.EventType)
			}
		}
	}
	got := srv.Subscriptions(neuroOnlyConn(t, ctx, srv))
	slices.Sort(got)
	want := slices.Sorted(slices.Values(types))
	if !slices.Equal(got, want) || c.Subscriptions() != 3 {
		t.Fatalf("server subscriptions %v, client %d; want %v and 3", got, c.Subscriptions(), want)
	}
}

func TestNeuroRefusedSubscriptionIsAReplyErrorAndNotRestored(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{RefuseSubscribe: []string{"subathonUpdate"}})
	defer srv.Close()
	life := newNeuroLife()
	c := neuroConnect(t, ctx, neuroConfig(srv, newNeuroTransport(), life))
	defer c.Close()
	neuroRecv(t, ctx, life.restored, "the first connection")

	r, err := c.AddEvent(ctx, "subathonUpdate")
	re := neuroReplyError(t, err)
	if re.Message != "AddSuccess" || re.Text != "subathonUpdate" || re.Code != "" {
		t.Fatalf("ReplyError %+v", re)
	}
	if rep, ok := re.Reply.(*neuro.AddSuccess); !ok || rep.Data.Subscribed || rep.Data.EventType != "subathonUpdate" {
		t.Fatalf("ReplyError.Reply %#v, want the subscribed:false AddSuccess", re.Reply)
	}
	if r == nil || r.Data.Subscribed {
		t.Fatalf("AddEvent returned %+v with the error, want the refusing reply", r)
	}
	var pe *conn.PermanentError
	if errors.As(err, &pe) {
		t.Fatal("a refused subscription is a permanent error")
	}
	if c.Subscriptions() != 0 {
		t.Fatalf("refused subscription remembered: %d", c.Subscriptions())
	}

	// Removing a type the session does not follow: unsubscribed:false.
	_, err = c.RemoveEvent(ctx, "streamOffline")
	re = neuroReplyError(t, err)
	if re.Message != "RemoveSuccess" || re.Text != "streamOffline" {
		t.Fatalf("ReplyError %+v", re)
	}
	if rep, ok := re.Reply.(*neuro.RemoveSuccess); !ok || rep.Data.Unsubscribed {
		t.Fatalf("ReplyError.Reply %#v, want the unsubscribed:false RemoveSuccess", re.Reply)
	}

	// The client carries on; only the accepted type comes back after a drop.
	neuroAdd(t, ctx, c, "streamOnline")
	old := neuroOnlyConn(t, ctx, srv)
	srv.DropAll()
	neuroRecv(t, ctx, life.restored, "the restore after the drop")
	sc := neuroOnlyConn(t, ctx, srv)
	if sc == old {
		t.Fatal("no new connection")
	}
	if got := srv.Subscriptions(sc); !slices.Equal(got, []string{"streamOnline"}) {
		t.Fatalf("restored subscriptions %v, want [streamOnline]", got)
	}
	neuroNone(t, life.errs, "error")
}

func TestNeuroInvalidRepliesAreReplyErrorsWithTheReasonAsCode(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), life))
	invalids := make(chan neuro.InvalidReason, 8)
	c.OnInvalidMessage(func(_ context.Context, m *neuro.Invalid) { neuroPut(invalids, m.Data.Reason) })
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()

	cases := []struct {
		op, eventType string
		code          neuro.InvalidReason
		text          string
	}{
		{"add", "noSuchEvent", neuro.InvalidReasonInvalidEventtype, "Invalid eventType."},
		{"add", "", neuro.InvalidReasonMissingEventtype, "Missing eventType."},
		{"remove", "noSuchEvent", neuro.InvalidReasonInvalidEventtype, "Invalid eventType."},
	}
	for _, tc := range cases {
		var err error
		if tc.op == "add" {
			_, err = c.AddEvent(ctx, tc.eventType)
		} else {
			_, err = c.RemoveEvent(ctx, tc.eventType)
		}
		re := neuroReplyError(t, err)
		if re.Code != string(tc.code) || re.Text != tc.text || re.Message != "Invalid" {
			t.Fatalf("%s %q: ReplyError code %q text %q message %q, want %q %q Invalid", tc.op, tc.eventType, re.Code, re.Text, re.Message, tc.code, tc.text)
		}
		if inv, ok := re.Reply.(*neuro.Invalid); !ok || inv.Data.Reason != tc.code {
			t.Fatalf("ReplyError.Reply %#v, want the Invalid frame", re.Reply)
		}
		var pe *conn.PermanentError
		if errors.As(err, &pe) {
			t.Fatalf("%s is a permanent error", tc.code)
		}
		if got := neuroRecv(t, ctx, invalids, "the Invalid on OnInvalid"); got != tc.code {
			t.Fatalf("OnInvalid got %s, want %s", got, tc.code)
		}
	}
	if c.Subscriptions() != 0 {
		t.Fatalf("%d refused subscriptions remembered", c.Subscriptions())
	}
	if neuroIsClosed(c.Done()) {
		t.Fatalf("client stopped: %v", c.Err())
	}
	if _, err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping after invalid replies: %v", err)
	}
	neuroNone(t, life.errs, "error: answered error replies are not reported again")
}

func TestNeuroUnsolicitedErrorRepliesGoToOnError(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), life))
	invalids := make(chan *neuro.Invalid, 8)
	c.OnInvalidMessage(func(_ context.Context, m *neuro.Invalid) { neuroPut(invalids, m) })
	adds := make(chan *neuro.AddSuccess, 8)
	c.OnAddSuccessMessage(func(_ context.Context, m *neuro.AddSuccess) { neuroPut(adds, m) })
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	sc := neuroOnlyConn(t, ctx, srv)

	srv.SendInvalid(sc, "malformed", testserver.NeuroTextCouldNotParse)
	err := neuroRecv(t, ctx, life.errs, "the unsolicited invalid on OnError")
	var fe *conn.FrameError
	if !errors.As(err, &fe) {
		t.Fatalf("OnError got %T, want a *conn.FrameError naming the frame", err)
	}
	re := neuroReplyError(t, err)
	if re.Code != "malformed" || re.Text != testserver.NeuroTextCouldNotParse {
		t.Fatalf("ReplyError code %q text %q", re.Code, re.Text)
	}
	if m := neuroRecv(t, ctx, invalids, "the Invalid on OnInvalid"); m.Data.Reason != neuro.InvalidReasonMalformed {
		t.Fatalf("OnInvalid got %s", m.Data.Reason)
	}

	sc.Send([]byte(`{"type":"addSuccess","data":{"eventType":"streamOnline","subscribed":false}}`))
	re = neuroReplyError(t, neuroRecv(t, ctx, life.errs, "the unsolicited refusal on OnError"))
	if re.Message != "AddSuccess" || re.Text != "streamOnline" {
		t.Fatalf("ReplyError %+v", re)
	}
	if m := neuroRecv(t, ctx, adds, "the AddSuccess on OnAddSuccess"); m.Data.Subscribed {
		t.Fatal("OnAddSuccess got subscribed:true")
	}

	// Neither answered a later request.
	neuroAdd(t, ctx, c, "streamOnline")
	if neuroIsClosed(c.Done()) {
		t.Fatalf("client stopped: %v", c.Err())
	}

	// A reason the spec marks fatal is reported as a permanent error.
	srv.SendInvalid(sc, "unauthenticated", "")
	err = neuroRecv(t, ctx, life.errs, "the unsolicited fatal invalid on OnError")
	var pe *conn.PermanentError
	if re := neuroReplyError(t, err); !errors.As(err, &pe) || re.Code != "unauthenticated" {
		t.Fatalf("OnError got %v, want a *conn.PermanentError wrapping the unauthenticated ReplyError", err)
	}
}

func TestNeuroSendWritesAnyClientMessageWithoutWaiting(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), nil))
	adds := make(chan *neuro.AddSuccess, 8)
	c.OnAddSuccessMessage(func(_ context.Context, m *neuro.AddSuccess) { neuroPut(adds, m) })
	lists := make(chan *neuro.ListEventsResult, 8)
	c.OnListEventsResultMessage(func(_ context.Context, m *neuro.ListEventsResult) { neuroPut(lists, m) })
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()

	add := neuro.NewAddEvent()
	add.Data.EventType = "streamOffline"
	if err := c.Send(ctx, add); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := neuroRecv(t, ctx, adds, "the AddSuccess on OnAddSuccess"); m.Data.EventType != "streamOffline" || !m.Data.Subscribed {
		t.Fatalf("OnAddSuccess got %+v", m.Data)
	}
	if c.Subscriptions() != 0 {
		t.Fatal("Send must not be remembered as a subscription")
	}
	list := neuro.NewListEventsRequest()
	list.Data = json.RawMessage(`{}`)
	if err := c.Send(ctx, list); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := neuroRecv(t, ctx, lists, "the ListEventsResult on OnListEventsResult"); !slices.Equal(m.Data.SubscribedEvents, []string{"streamOffline"}) {
		t.Fatalf("OnListEventsResult got %v", m.Data.SubscribedEvents)
	}
}

func TestNeuroClientFramesAreValidForTheSpec(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	var mu sync.Mutex
	var sent [][]byte
	cfg := neuroConfig(srv, newNeuroTransport(), nil)
	cfg.Conn.Keepalive = []byte(`{"type":"ping"}`)
	cfg.Conn.KeepaliveInterval = 10 * time.Millisecond
	cfg.Conn.Tap = func(direction string, frame []byte) {
		if direction == "client" {
			mu.Lock()
			sent = append(sent, slices.Clone(frame))
			mu.Unlock()
		}
	}
	c := neuroConnect(t, ctx, cfg)
	defer c.Close()

	neuroAdd(t, ctx, c, "streamOnline")
	if _, err := c.RemoveEvent(ctx, "streamOnline"); err != nil {
		t.Fatalf("RemoveEvent: %v", err)
	}
	if _, err := c.ListEvents(ctx); err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	if _, err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]bool{}
	for _, f := range sent {
		r := neuro.ClientCodec.Check(f, false)
		seen[r.Name] = true
		if !r.Valid() {
			t.Errorf("the client sent an invalid %s frame %s: %v", r.Name, f, r.Violations)
		}
	}
	for _, name := range []string{"AddEvent", "RemoveEvent", "ListEventsRequest", "Ping"} {
		if !seen[name] {
			t.Errorf("no %s frame seen", name)
		}
	}
}

// ---------------------------------------------------------------- events

func TestNeuroTypedHandlersReceiveEveryEventType(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{StreamUpdateInterval: -1})
	defer srv.Close()
	life := newNeuroLife()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), life))
	got := make(chan string, 64)
	put := func(format string, args ...any) { neuroPut(got, fmt.Sprintf(format, args...)) }
	c.OnScheduleUpdateEvent(func(_ context.Context, _ *neuro.Event, e *neuro.ScheduleUpdateEvent) {
		d := e.EventData
		put("scheduleUpdate %d/%d %s %s %s null=%v", d.Year, d.Week, d.Schedule[0].Type, d.Schedule[0].Message, d.Status.Value, d.ImageURL.Set && !d.ImageURL.Value.Valid)
	})
	c.OnSubathonUpdateEvent(func(_ context.Context, _ *neuro.Event, e *neuro.SubathonUpdateEvent) {
		d := e.EventData
		put("subathonUpdate %s %d goal=%s end-null=%v", d.Name, d.Subcount, d.Goals["1000"].Name, d.EndTimestamp.Set && !d.EndTimestamp.Value.Valid)
	})
	c.OnSubathonGoalUpdateEvent(func(_ context.Context, _ *neuro.Event, e *neuro.SubathonGoalUpdateEvent) {
		put("subathonGoalUpdate %d %s %v", e.EventData.GoalNumber, e.EventData.Goal.Name, e.EventData.Goal.Completed)
	})
	c.OnStreamOnlineEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamOnlineEvent) {
		started, _ := e.EventData.StartedAt.(neuro.StreamOnlineDataStartedAtInteger)
		put("streamOnline %s %d %s %d", e.EventData.Title, e.EventData.ViewerCount, e.EventData.Game.Name, started)
	})
	c.OnStreamUpdateEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamUpdateEvent) {
		put("streamUpdate %s %s", e.EventData.Title, e.EventData.Game.Name)
	})
	c.OnStreamOfflineEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamOfflineEvent) {
		put("streamOffline live=%v", e.EventData.IsLive)
	})
	c.OnSecretneuroaccountOnlineEvent(func(_ context.Context, _ *neuro.Event, e *neuro.SecretneuroaccountOnlineEvent) {
		started, _ := e.EventData.StartedAt.(neuro.StreamOnlineDataStartedAtString)
		put("secretneuroaccountOnline %s %s", e.EventData.Title, started)
	})
	c.OnStreamRaidIncomingEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamRaidIncomingEvent) {
		put("streamRaidIncoming %s %d", e.EventData.Channel.DisplayName, e.EventData.ViewerCount)
	})
	c.OnStreamRaidOutgoingEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamRaidOutgoingEvent) {
		put("streamRaidOutgoing %s %d", e.EventData.Channel.Name, e.EventData.ViewerCount)
	})
	c.OnBlogFeedUpdateEvent(func(_ context.Context, _ *neuro.Event, e *neuro.BlogFeedUpdateEvent) {
		put("blogFeedUpdate %s %s/%s", e.EventData.Title, e.EventData.Entries[0].Title, e.EventData.Entries[0].Content[0].Header)
	})
	c.OnXFeedNewEntriesEvent(func(_ context.Context, _ *neuro.Event, e *neuro.XFeedNewEntriesEvent) {
		m, _ := e.EventData.Entries[0].Media[0].(*neuro.XFeedImageMedia)
		put("xFeedNewEntries %s %s %s image=%v", e.EventData.User, e.EventData.Entries[0].Type, e.EventData.Entries[0].Content, m != nil)
	})
	//lint:ignore SA1019 the deprecated alias must still reach its handler
	c.OnXFeedUpdateEvent(func(_ context.Context, _ *neuro.Event, e *neuro.XFeedUpdateEvent) {
		put("xFeedUpdate %s %s", e.EventData.User, e.EventData.Entries[0].ID)
	})
	envelopes := make(chan string, 64)
	c.OnEventMessage(func(_ context.Context, m *neuro.Event) {
		if m.Type != "event" {
			neuroPut(envelopes, "bad type "+m.Type)
			return
		}
		neuroPut(envelopes, fmt.Sprintf("%T", m.Data))
	})
	unhandled := make(chan neuro.ServerMessage, 8)
	c.OnUnhandled(func(_ context.Context, m neuro.ServerMessage) {
		if _, ok := m.(*neuro.Event); ok {
			neuroPut(unhandled, m)
		}
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()

	events := []struct {
		eventType string
		data      any
		want      string
	}{
		{"scheduleUpdate", map[string]any{
			"year": 2026, "week": 8, "status": "confirmed", "imageUrl": nil,
			"schedule": []any{map[string]any{"day": 1, "time": int64(1771268400000), "message": "Neuro stream", "type": "normal"}},
		}, "scheduleUpdate 2026/8 normal Neuro stream confirmed null=true"},
		{"subathonUpdate", map[string]any{
			"year": 2024, "name": "Subathon 2", "subcount": 165839, "isActive": true,
			"goals":          map[string]any{"1000": map[string]any{"name": "Neuro Buys Stocks", "completed": true, "reached": true}},
			"startTimestamp": int64(1734634800000), "endTimestamp": nil,
		}, "subathonUpdate Subathon 2 165839 goal=Neuro Buys Stocks end-null=true"},
		{"subathonGoalUpdate", map[string]any{
			"year": 2024, "goalNumber": 100000, "subcount": 165839,
			"goal": map[string]any{"name": "Abandoned Archive", "completed": true, "reached": true},
		}, "subathonGoalUpdate 100000 Abandoned Archive true"},
		{"streamOnline", neuroStreamOnline("NEURO STREAM", 5799), "streamOnline NEURO STREAM 5799 Just Chatting 1755626443000"},
		{"streamUpdate", map[string]any{
			"title": "NEURO PLAYS MINECRAFT", "game": map[string]any{"id": "27471", "name": "Minecraft"},
			"language": "en", "isMature": false,
		}, "streamUpdate NEURO PLAYS MINECRAFT Minecraft"},
		{"streamOffline", map[string]any{"isLive": false}, "streamOffline live=false"},
		{"secretneuroaccountOnline", func() map[string]any {
			d := neuroStreamOnline("secret stream", 1200)
			d["startedAt"] = "2025-08-19T18:00:43.000Z"
			return d
		}(), "secretneuroaccountOnline secret stream 2025-08-19T18:00:43.000Z"},
		{"streamRaidIncoming", neuroRaid("SomeStreamer", 420), "streamRaidIncoming SomeStreamer 420"},
		{"streamRaidOutgoing", neuroRaid("OtherStreamer", 6100), "streamRaidOutgoing otherstreamer 6100"},
		{"blogFeedUpdate", map[string]any{
			"url": "https://blog.neurosama.com/", "lastUpdated": int64(1774872600000),
			"title": "Neuro-sama Blog", "subtitle": "Official updates",
			"entries": []any{map[string]any{
				"title": "Weekly Update", "author": "Vedal", "url": "https://blog.neurosama.com/posts/weekly-update",
				"published": int64(1774872000000), "updated": int64(1774872600000), "summary": "More streams.",
				"content": []any{map[string]any{"header": "Highlights", "body": "More streams."}},
			}},
		}, "blogFeedUpdate Neuro-sama Blog Weekly Update/Highlights"},
		{"xFeedNewEntries", neuroXFeed("NeurosamaAI", "2089666074224546277", "hello"), "xFeedNewEntries NeurosamaAI tweet hello image=true"},
		{"xFeedUpdate", neuroXFeed("Vedal987", "2089700000000000001", "song"), "xFeedUpdate Vedal987 2089700000000000001"},
	}
	for _, ev := range events {
		neuroAdd(t, ctx, c, ev.eventType)
	}
	for _, ev := range events {
		if n := srv.Publish(ev.eventType, ev.data); n != 1 {
			t.Fatalf("%s sent to %d connections, want 1", ev.eventType, n)
		}
	}
	for _, ev := range events {
		if g := neuroRecv(t, ctx, got, ev.eventType); g != ev.want {
			t.Errorf("handler got %q, want %q", g, ev.want)
		}
		env := neuroRecv(t, ctx, envelopes, "the Event on OnEvent")
		if !strings.HasPrefix(env, "*neuro.") || !strings.HasSuffix(env, "Event") {
			t.Errorf("OnEvent got data %s", env)
		}
	}
	neuroNone(t, unhandled, "unhandled event")
	neuroNone(t, life.errs, "error: every published event is valid")
}

func TestNeuroDropReconnectsWithAFreshTicketAndReaddsEveryEventTypeInOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	tr := newNeuroTransport()
	c := neuro.NewClient(neuroConfig(srv, tr, life))
	events := neuroSeqs(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	neuroRecv(t, ctx, life.restored, "the first connection")
	types := []string{"streamOnline", "scheduleUpdate", "streamRaidIncoming"}
	neuroAdd(t, ctx, c, types...)

	const drops, n = 3, 60
	prev := neuroOnlyConn(t, ctx, srv)
	sessions := map[string]bool{srv.SessionID(prev): true}
	seq := 0
	for d := 1; d <= drops; d++ {
		// Mid-stream: a few events, then the cut.
		for i := range 5 {
			neuroPublishSeq(srv, 1_000_000+i)
		}
		srv.DropAll()
		if cause := neuroRecv(t, ctx, life.disconnected, "the disconnect"); cause == nil {
			t.Fatal("OnDisconnected without a cause")
		}
		neuroRecv(t, ctx, life.restored, "the restore after the drop")
		sc := neuroOnlyConn(t, ctx, srv)
		if sc == prev {
			t.Fatal("no new server connection after the drop")
		}
		if got := srv.TicketsIssued(); got != 1+d || tr.requests() != 1+d {
			t.Fatalf("after drop %d: %d tickets issued, want %d (one per dial)", d, got, 1+d)
		}
		if sc.Request.URL.Query().Get("ticket") != tr.ticketList()[d] {
			t.Fatalf("after drop %d: the new connection does not use the fresh ticket", d)
		}
		sid := srv.SessionID(sc)
		if sessions[sid] || c.Welcome() == nil || c.Welcome().Data.SessionID != sid {
			t.Fatalf("after drop %d: Welcome() is not the new connection's", d)
		}
		sessions[sid] = true
		if got := srv.Subscriptions(sc); !slices.Equal(got, types) {
			t.Fatalf("after drop %d: server subscriptions %v, want %v", d, got, types)
		}
		first := seq
		for range n {
			if sent := neuroPublishSeq(srv, seq); sent != 1 {
				t.Fatalf("event %d sent to %d connections, want 1", seq, sent)
			}
			seq++
		}
		// Every event of this connection arrives, in order, before the next
		// drop cuts it.
		for want := first; want < seq; {
			got := neuroRecv(t, ctx, events, fmt.Sprintf("event %d", want))
			if got >= 1_000_000 {
				continue // sent just before the drop: may or may not have arrived
			}
			if got != want {
				t.Fatalf("event %d arrived where %d was due", got, want)
			}
			want++
		}
		prev = sc
	}
	if c.Subscriptions() != len(types) || srv.ConnsOf(neuroToken) != 1 {
		t.Fatalf("client remembers %d subscriptions, server counts %d connections", c.Subscriptions(), srv.ConnsOf(neuroToken))
	}
}

func TestNeuroEventsWaitUntilEveryEventTypeIsReadded(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	cfg := neuroConfig(srv, newNeuroTransport(), life)
	types := []string{"streamOnline", "streamOffline", "streamRaidIncoming", "scheduleUpdate"}

	// When the client sends its first addEvent after the drop, the server
	// pushes events at once: they reach the client before the addSuccess
	// replies, and must still wait until every type is back.
	var old atomic.Pointer[testserver.Conn]
	var armed atomic.Bool
	var newConn atomic.Pointer[testserver.Conn]
	var mu sync.Mutex
	var arrivals []string // server frames of the new connection, by type
	cfg.Conn.Tap = func(direction string, frame []byte) {
		if direction == "server" && newConn.Load() != nil {
			var f struct{ Type string }
			_ = json.Unmarshal(frame, &f)
			mu.Lock()
			arrivals = append(arrivals, f.Type)
			mu.Unlock()
		}
		if direction != "client" || !bytes.Contains(frame, []byte(`"addEvent"`)) || !armed.CompareAndSwap(true, false) {
			return
		}
		for _, sc := range srv.Conns() {
			if sc != old.Load() && srv.SessionID(sc) != "" {
				newConn.Store(sc)
				for i := range 3 {
					srv.PublishTo(sc, "streamRaidIncoming", neuroRaid("Early", i))
				}
			}
		}
	}
	c := neuro.NewClient(cfg)
	type seen struct {
		seq, subs int
	}
	got := make(chan seen, 64)
	c.OnStreamRaidIncomingEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamRaidIncomingEvent) {
		subs := 0
		if sc := newConn.Load(); sc != nil {
			subs = len(srv.Subscriptions(sc))
		}
		neuroPut(got, seen{int(e.EventData.ViewerCount), subs})
	})
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	neuroRecv(t, ctx, life.restored, "the first connection")
	neuroAdd(t, ctx, c, types...)

	old.Store(neuroOnlyConn(t, ctx, srv))
	armed.Store(true)
	srv.DropAll()
	neuroRecv(t, ctx, life.restored, "the restore after the drop")
	if newConn.Load() == nil {
		t.Fatal("the early events were not pushed")
	}
	for i := 3; i < 6; i++ {
		srv.Publish("streamRaidIncoming", neuroRaid("Later", i))
	}
	for want := range 6 {
		s := neuroRecv(t, ctx, got, fmt.Sprintf("event %d", want))
		if s.seq != want {
			t.Fatalf("event %d arrived where %d was due", s.seq, want)
		}
		if s.subs != len(types) {
			t.Fatalf("event %d delivered while the server had %d of %d types back", s.seq, s.subs, len(types))
		}
	}
	// The scenario ran: the early events reached the client before the
	// replies to the re-adds.
	mu.Lock()
	defer mu.Unlock()
	firstEvent := slices.Index(arrivals, "event")
	lastAdd := -1
	for i, typ := range arrivals {
		if typ == "addSuccess" {
			lastAdd = i
		}
	}
	if firstEvent < 0 || firstEvent > lastAdd {
		t.Fatalf("frames arrived as %v: no event came before the re-adds were answered", arrivals)
	}
}

func TestNeuroRemovedEventTypeIsNotReadded(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	c := neuroConnect(t, ctx, neuroConfig(srv, newNeuroTransport(), life))
	defer c.Close()
	neuroRecv(t, ctx, life.restored, "the first connection")
	neuroAdd(t, ctx, c, "streamOnline", "streamOffline", "xFeedNewEntries")
	if _, err := c.RemoveEvent(ctx, "streamOffline"); err != nil {
		t.Fatalf("RemoveEvent: %v", err)
	}
	srv.DropAll()
	neuroRecv(t, ctx, life.restored, "the restore after the drop")
	if got := srv.Subscriptions(neuroOnlyConn(t, ctx, srv)); !slices.Equal(got, []string{"streamOnline", "xFeedNewEntries"}) {
		t.Fatalf("restored subscriptions %v, want [streamOnline xFeedNewEntries]", got)
	}
}

func TestNeuroRequestDuringReconnectWaitsForTheNextConnection(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	tr := newNeuroTransport()
	c := neuroConnect(t, ctx, neuroConfig(srv, tr, life))
	defer c.Close()
	neuroRecv(t, ctx, life.restored, "the first connection")
	neuroAdd(t, ctx, c, "streamOnline")

	srv.FailUpgrade(3, http.StatusServiceUnavailable, "")
	srv.DropAll()
	neuroRecv(t, ctx, life.disconnected, "the disconnect")
	neuroAdd(t, ctx, c, "streamOffline")
	if srv.TicketsIssued() != 5 || srv.Rejected() != 3 {
		t.Fatalf("%d tickets, %d refused upgrades; want 5 (1 + 3 refused + 1) and 3", srv.TicketsIssued(), srv.Rejected())
	}
	if got := srv.Subscriptions(neuroOnlyConn(t, ctx, srv)); !slices.Equal(got, []string{"streamOnline", "streamOffline"}) {
		t.Fatalf("server subscriptions %v, want the restored type then the new one", got)
	}
}

func TestNeuroUnansweredRequestTimesOutAndIsNotRemembered(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	cfg := neuroConfig(srv, newNeuroTransport(), nil)
	cfg.Conn.ReplyTimeout = 100 * time.Millisecond
	cfg.Conn.ReadTimeout = 3 * time.Second
	c := neuroConnect(t, ctx, cfg)
	defer c.Close()
	neuroOnlyConn(t, ctx, srv).Silence() // reads and drops every request

	// Without a deadline of its own, the call is bounded by ReplyTimeout.
	_, err := c.AddEvent(context.WithoutCancel(ctx), "streamOnline")
	if err == nil || !strings.Contains(err.Error(), "no reply within") {
		t.Fatalf("error %v, want the reply timeout", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.ListEvents(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want context.DeadlineExceeded", err)
	}
	if c.Subscriptions() != 0 {
		t.Fatalf("unanswered subscriptions remembered: %d", c.Subscriptions())
	}
}

// -------------------------------------------------------------- liveness

func TestNeuroSilentServerTriggersReconnect(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	// The server pings every 20 ms, which keeps a healthy link alive; a
	// silenced one stops pinging and answering.
	srv := neuroServer(t, testserver.NeuroOptions{PingInterval: 20 * time.Millisecond})
	defer srv.Close()
	life := newNeuroLife()
	cfg := neuroConfig(srv, newNeuroTransport(), life)
	cfg.Conn.ReadTimeout = time.Second
	c := neuro.NewClient(cfg)
	events := neuroSeqs(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	neuroRecv(t, ctx, life.restored, "the first connection")
	neuroAdd(t, ctx, c, "streamOnline")

	old := neuroOnlyConn(t, ctx, srv)
	old.Silence()
	cause := neuroRecv(t, ctx, life.disconnected, "the dead-link disconnect")
	if !errors.Is(cause, conn.ErrDead) {
		t.Fatalf("disconnect cause %v, want conn.ErrDead", cause)
	}
	neuroRecv(t, ctx, life.restored, "the restore after the silence")
	sc := neuroOnlyConn(t, ctx, srv)
	if sc == old || srv.TicketsIssued() != 2 {
		t.Fatalf("no fresh connection and ticket after the silence (%d tickets)", srv.TicketsIssued())
	}
	if got := srv.Subscriptions(sc); !slices.Equal(got, []string{"streamOnline"}) {
		t.Fatalf("server subscriptions %v after reconnect", got)
	}
	srv.Publish("streamOnline", neuroStreamOnline("back", 7))
	if got := neuroRecv(t, ctx, events, "an event after the reconnect"); got != 7 {
		t.Fatalf("event %d, want 7", got)
	}
	neuroNone(t, life.disconnected, "second disconnect: server pings keep the healthy link alive")
}

// neuroIdle is the idle timeout of neuroIdleServer.
const neuroIdle = 500 * time.Millisecond

// neuroIdleServer drops a link with no client traffic for neuroIdle and
// never pings, so only the client's JSON ping can keep a link open.
func neuroIdleServer(t *testing.T) *testserver.Neuro {
	return neuroServer(t, testserver.NeuroOptions{PingInterval: -1, IdleTimeout: neuroIdle})
}

func TestNeuroClientPingKeepsAnIdleLinkAliveAndPongsNeverReachHandlers(t *testing.T) {
	cases := []struct {
		name     string
		setFrame bool
	}{
		// Conn.KeepaliveInterval alone should shorten the spec's 30 s cadence.
		{"KeepaliveInterval only", false},
		{"Keepalive and KeepaliveInterval", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ctx := neuroCtx(t)
			srv := neuroIdleServer(t)
			defer srv.Close()
			life := newNeuroLife()
			cfg := neuroConfig(srv, newNeuroTransport(), life)
			const every, enough = 10 * time.Millisecond, 120 // 1.2 s: over two idle timeouts
			cfg.Conn.KeepaliveInterval = every
			if tc.setFrame {
				cfg.Conn.Keepalive = neuroJSON(t, neuro.NewPing())
			}
			cfg.Conn.ReadTimeout = 3 * time.Second
			var pings atomic.Int64
			pinged := make(chan struct{})
			cfg.Conn.Tap = func(direction string, frame []byte) {
				if direction == "client" && string(frame) == `{"type":"ping"}` && pings.Add(1) == enough {
					close(pinged)
				}
			}
			c := neuro.NewClient(cfg)
			pongs := make(chan *neuro.Pong, 64)
			c.OnPongMessage(func(_ context.Context, m *neuro.Pong) { neuroPut(pongs, m) })
			unhandled := make(chan neuro.ServerMessage, 64)
			c.OnUnhandled(func(_ context.Context, m neuro.ServerMessage) {
				if _, ok := m.(*neuro.Welcome); !ok {
					neuroPut(unhandled, m)
				}
			})
			if err := c.Connect(ctx); err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer c.Close()

			// Over two idle timeouts pass with no request: only the
			// keepalive talks.
			start := time.Now()
			select {
			case err := <-life.disconnected:
				t.Fatalf("the server dropped the idle link (%v) after %d client pings in %v", err, pings.Load(), time.Since(start).Round(time.Millisecond))
			case <-pinged:
			case <-ctx.Done():
				t.Fatalf("%d JSON pings in %v, want one every %v", pings.Load(), neuroWait, every)
			}
			if srv.Accepted() != 1 {
				t.Fatalf("%d connections accepted, want 1", srv.Accepted())
			}
			// An explicit Ping gets its Pong; no Pong reaches a handler.
			if p, err := c.Ping(ctx); err != nil || p.Type != "pong" {
				t.Fatalf("Ping: %v, %v", p, err)
			}
			neuroNone(t, pongs, "Pong on OnPong")
			neuroNone(t, unhandled, "message on OnUnhandled")
			neuroNone(t, life.errs, "error")
		})
	}
}

func TestNeuroIdleLinkWithoutKeepaliveIsDroppedAndRestored(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroIdleServer(t)
	defer srv.Close()
	life := newNeuroLife()
	cfg := neuroConfig(srv, newNeuroTransport(), life)
	cfg.Conn.Keepalive = neuroJSON(t, neuro.NewPing())
	cfg.Conn.KeepaliveInterval = time.Hour
	cfg.Conn.ReadTimeout = 3 * time.Second
	c := neuroConnect(t, ctx, cfg)
	defer c.Close()
	neuroRecv(t, ctx, life.restored, "the first connection")
	neuroAdd(t, ctx, c, "streamOffline")
	old := neuroOnlyConn(t, ctx, srv)

	neuroRecv(t, ctx, life.disconnected, "the idle drop")
	neuroRecv(t, ctx, life.restored, "the restore after the idle drop")
	// The new link idles too; check it before its own idle timeout.
	sc := neuroOnlyConn(t, ctx, srv)
	if sc == old || srv.TicketsIssued() < 2 {
		t.Fatalf("no fresh connection and ticket after the idle drop (%d tickets)", srv.TicketsIssued())
	}
	if got := srv.Subscriptions(sc); !slices.Equal(got, []string{"streamOffline"}) {
		t.Fatalf("server subscriptions %v after the idle drop", got)
	}
}

// ------------------------------------------------------ handshake and auth

func TestNeuroHandshakeRefusalsAreTypedHandshakeErrors(t *testing.T) {
	cases := []struct {
		name      string
		setup     func(srv *testserver.Neuro, tr *neuroTransport, cfg *neuro.Config)
		status    int
		text      string
		permanent bool
	}{
		{"expired ticket", func(srv *testserver.Neuro, tr *neuroTransport, cfg *neuro.Config) {
			tr.expireOnce(srv)
			cfg.Conn.MaxAttempts = 1
		}, http.StatusUnauthorized, testserver.NeuroTextBadTicket, false},
		{"ticket past its TTL", func(srv *testserver.Neuro, tr *neuroTransport, cfg *neuro.Config) {
			// A slow path between fetch and upgrade outlives the ticket.
			wait := func() { time.Sleep(30 * time.Millisecond) }
			tr.after.Store(&wait)
			cfg.Conn.MaxAttempts = 1
		}, http.StatusUnauthorized, testserver.NeuroTextBadTicket, false},
		{"bad bearer token", func(_ *testserver.Neuro, _ *neuroTransport, cfg *neuro.Config) {
			cfg.BearerHeader = true
			cfg.Token = "not-the-right-token"
		}, http.StatusUnauthorized, testserver.NeuroTextBadToken, true},
		{"no bearer token", func(_ *testserver.Neuro, _ *neuroTransport, cfg *neuro.Config) {
			cfg.BearerHeader = true
			cfg.Token = ""
		}, http.StatusUnauthorized, testserver.NeuroTextMissingAuth, true},
		{"authentication error", func(srv *testserver.Neuro, _ *neuroTransport, cfg *neuro.Config) {
			srv.FailUpgrade(1, http.StatusInternalServerError, testserver.NeuroTextAuthError)
			cfg.Conn.MaxAttempts = 1
		}, http.StatusInternalServerError, testserver.NeuroTextAuthError, false},
		{"wrong path", func(srv *testserver.Neuro, _ *neuroTransport, cfg *neuro.Config) {
			cfg.URL = strings.Replace(srv.URL, "/api/v2/ws", "/api/v3/ws", 1)
		}, http.StatusNotFound, testserver.NeuroTextNotFound, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ctx := neuroCtx(t)
			opt := testserver.NeuroOptions{}
			if tc.name == "ticket past its TTL" {
				opt.TicketTTL = 5 * time.Millisecond
			}
			srv := neuroServer(t, opt)
			defer srv.Close()
			tr := newNeuroTransport()
			cfg := neuroConfig(srv, tr, nil)
			tc.setup(srv, tr, &cfg)
			c := neuro.NewClient(cfg)
			err := c.Connect(ctx)
			defer c.Close()
			he := neuroHandshakeError(t, err, tc.status, tc.text)
			if he.Permanent() != tc.permanent {
				t.Fatalf("Permanent() = %v, want %v", he.Permanent(), tc.permanent)
			}
			if !neuroIsClosed(c.Done()) || c.Err() == nil {
				t.Fatal("a client whose Connect failed is not stopped with its error")
			}
			if !errors.As(c.Err(), &he) {
				t.Fatalf("Err() = %v, want the handshake error", c.Err())
			}
			if srv.Accepted() != 0 || srv.Rejected() == 0 && tc.status != http.StatusNotFound {
				t.Fatalf("%d accepted, %d rejected", srv.Accepted(), srv.Rejected())
			}
			if strings.Contains(err.Error(), neuroToken) {
				t.Fatal("the error contains the token")
			}
			for _, tk := range tr.ticketList() {
				if strings.Contains(err.Error(), tk) {
					t.Fatal("the error contains the ticket")
				}
			}
		})
	}
}

func TestNeuroExpiredTicketIsReplacedByAFreshOne(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	tr := newNeuroTransport()
	tr.expireOnce(srv)
	c := neuroConnect(t, ctx, neuroConfig(srv, tr, nil))
	defer c.Close()
	sc := neuroOnlyConn(t, ctx, srv)
	tickets := tr.ticketList()
	if srv.TicketsIssued() != 2 || srv.Rejected() != 1 || len(tickets) != 2 || tickets[0] == tickets[1] {
		t.Fatalf("%d tickets, %d refused upgrades; want 2 distinct tickets and 1 refusal", srv.TicketsIssued(), srv.Rejected())
	}
	if sc.Request.URL.Query().Get("ticket") != tickets[1] {
		t.Fatal("the connection does not use the second ticket")
	}
}

func TestNeuroUpgrade401StopsTheClient(t *testing.T) {
	t.Run("bearer token refused on reconnect", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		ctx := neuroCtx(t)
		srv := neuroServer(t, testserver.NeuroOptions{})
		defer srv.Close()
		life := newNeuroLife()
		cfg := neuroConfig(srv, newNeuroTransport(), life)
		cfg.BearerHeader = true
		c := neuroConnect(t, ctx, cfg)
		defer c.Close()
		neuroAdd(t, ctx, c, "streamOnline")

		srv.FailUpgrade(1, http.StatusUnauthorized, testserver.NeuroTextBadToken)
		srv.DropAll()
		neuroRecv(t, ctx, c.Done(), "the client to stop")
		neuroHandshakeError(t, c.Err(), http.StatusUnauthorized, testserver.NeuroTextBadToken)
		if _, err := c.AddEvent(ctx, "streamOffline"); err == nil {
			t.Fatal("a request on a stopped client succeeded")
		}
		if srv.Rejected() != 1 {
			t.Fatalf("%d refused upgrades, want 1: a 401 is not retried", srv.Rejected())
		}
		if err := c.Close(); err != nil {
			t.Fatalf("Close after a permanent failure: %v", err)
		}
	})
	t.Run("401 even with fresh tickets", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		ctx := neuroCtx(t)
		srv := neuroServer(t, testserver.NeuroOptions{})
		defer srv.Close()
		life := newNeuroLife()
		tr := newNeuroTransport()
		c := neuroConnect(t, ctx, neuroConfig(srv, tr, life))
		defer c.Close()
		neuroAdd(t, ctx, c, "streamOnline")

		// From now on every ticket is refused at the upgrade. One fresh
		// ticket may heal an expired one; a second refusal will not heal.
		expire := srv.ExpireTickets
		tr.after.Store(&expire)
		srv.DropAll()
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatalf("the client is still reconnecting after %d upgrades refused with 401 (%d tickets fetched)",
				srv.Rejected(), srv.TicketsIssued())
		}
		neuroHandshakeError(t, c.Err(), http.StatusUnauthorized, testserver.NeuroTextBadTicket)
		if srv.Rejected() != 2 {
			t.Fatalf("%d upgrades refused, want 2: one fresh ticket, then stop", srv.Rejected())
		}
	})
}

func TestNeuroConnectionLimitIs429AndRetried(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	tr := newNeuroTransport()
	var clients []*neuro.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range 5 {
		cfg := neuroConfig(srv, tr, nil)
		cfg.BearerHeader = i%2 == 1 // the cap counts the user, however it authenticated
		clients = append(clients, neuroConnect(t, ctx, cfg))
	}
	if srv.ConnsOf(neuroToken) != 5 {
		t.Fatalf("server counts %d connections, want 5", srv.ConnsOf(neuroToken))
	}

	// A sixth is refused with the documented plain text; 429 is worth
	// retrying, so MaxAttempts bounds it here.
	cfg := neuroConfig(srv, tr, nil)
	cfg.Conn.MaxAttempts = 2
	sixth := neuro.NewClient(cfg)
	err := sixth.Connect(ctx)
	defer sixth.Close()
	he := neuroHandshakeError(t, err, http.StatusTooManyRequests, "Connection limit reached (max 5)")
	if he.Permanent() {
		t.Fatal("429 is permanent")
	}
	if srv.Rejected() != 2 {
		t.Fatalf("%d refused upgrades, want 2 (MaxAttempts)", srv.Rejected())
	}

	// Without a limit, a client keeps trying and gets in once a slot frees.
	cfg.Conn.MaxAttempts = 0
	seventh := neuro.NewClient(cfg)
	defer seventh.Close()
	done := make(chan error, 1)
	go func() { done <- seventh.Connect(ctx) }()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for srv.Rejected() < 4 {
		select {
		case <-tick.C:
		case err := <-done:
			t.Fatalf("Connect returned %v while the limit held", err)
		case <-ctx.Done():
			t.Fatal("the seventh client does not retry")
		}
	}
	clients[0].Close()
	if err := neuroRecv(t, ctx, done, "Connect after a slot freed"); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	neuroAdd(t, ctx, seventh, "streamOnline")
	if srv.ConnsOf(neuroToken) != 5 {
		t.Fatalf("server counts %d connections, want 5", srv.ConnsOf(neuroToken))
	}
}

func TestNeuroConnectGivingUpReportsTheLastRefusal(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	srv.FailUpgrade(1_000_000, http.StatusTooManyRequests, "Connection limit reached (max 5)")
	short, cancel := context.WithCancel(ctx)
	defer cancel()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), nil))
	defer c.Close()
	done := make(chan error, 1)
	go func() { done <- c.Connect(short) }()
	// Give up once two attempts were refused.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for srv.Rejected() < 2 {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("the client does not retry")
		}
	}
	cancel()
	err := neuroRecv(t, ctx, done, "Connect to give up")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Connect: %v, want context.Canceled", err)
	}
	var he *conn.HandshakeError
	if !errors.As(err, &he) {
		t.Fatalf("Connect gave up after %d refused upgrades with %q, which does not say why", srv.Rejected(), err)
	}
	if he.Status != http.StatusTooManyRequests {
		t.Fatalf("last refusal HTTP %d, want 429", he.Status)
	}
}

func TestNeuroRefusedTicketRequestIsTyped(t *testing.T) {
	cases := []struct {
		name      string
		v1        bool
		token     string
		rate      int
		status    int
		code      string
		permanent bool
	}{
		{"v2 bad token", false, "not-the-right-token", 0, http.StatusUnauthorized, "AU11", true},
		{"v1 bad token", true, "not-the-right-token", 0, http.StatusUnauthorized, "AU2", true},
		{"v2 no token", false, "", 0, http.StatusUnauthorized, "AU9", true},
		{"v2 rate limit", false, neuroToken, 1, http.StatusTooManyRequests, "RL6", false},
		{"v1 rate limit", true, neuroToken, 1, http.StatusTooManyRequests, "RL4", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ctx := neuroCtx(t)
			srv := neuroServer(t, testserver.NeuroOptions{TicketRateLimit: tc.rate})
			defer srv.Close()
			tr := newNeuroTransport()
			cfg := neuroConfig(srv, tr, nil)
			if tc.v1 {
				cfg.URL, cfg.AuthURL = srv.URLV1(), srv.TicketURLV1()
			}
			cfg.Token = tc.token
			if tc.rate > 0 {
				// Use up the budget, then only one more attempt.
				first := neuroConnect(t, ctx, cfg)
				defer first.Close()
				cfg.Conn.MaxAttempts = 1
			}
			c := neuro.NewClient(cfg)
			err := c.Connect(ctx)
			defer c.Close()
			var we *wsauth.Error
			if !errors.As(err, &we) || we.Step != "ticket" || we.Status != tc.status || we.Code != tc.code {
				t.Fatalf("Connect: %v, want a ticket *wsauth.Error HTTP %d %s", err, tc.status, tc.code)
			}
			var pe *conn.PermanentError
			if errors.As(err, &pe) != tc.permanent {
				t.Fatalf("permanent = %v, want %v", !tc.permanent, tc.permanent)
			}
			if !neuroIsClosed(c.Done()) || c.Err() == nil {
				t.Fatal("the client is not stopped with its error")
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatal("the error contains the token")
			}
			if srv.Accepted() != 0 && tc.rate == 0 {
				t.Fatal("the client dialled without a ticket")
			}
		})
	}
}

// ------------------------------------------------------------ validation

// neuroFrameErr reads the next OnError report and checks it is a schema
// violation of an Event at pointer with keyword.
func neuroFrameErr(t *testing.T, ctx context.Context, life *neuroLife, pointer, keyword string) {
	t.Helper()
	err := neuroRecv(t, ctx, life.errs, "the schema violation on OnError")
	var ce *conn.FrameError
	var fe *wire.FrameError
	if !errors.As(err, &ce) || !errors.As(err, &fe) {
		t.Fatalf("OnError got %T %v, want *conn.FrameError wrapping *wire.FrameError", err, err)
	}
	if fe.Protocol != "neuro" || fe.Direction != "server" || fe.Message != "Event" {
		t.Fatalf("frame error names %s/%s/%s", fe.Protocol, fe.Direction, fe.Message)
	}
	if !slices.ContainsFunc(fe.Violations, func(v wire.Violation) bool { return v.Pointer == pointer && v.Keyword == keyword }) {
		t.Fatalf("violations %v, want %s at %s", fe.Violations, keyword, pointer)
	}
}

// neuroInvalidFrames break the schema: a negative viewerCount (minimum,
// seen by Validate) and an isLive string (type, seen by the decoder).
func neuroInvalidFrames(t *testing.T) (minimum, typ []byte) {
	d := neuroStreamOnline("minus", -1)
	minimum = neuroJSON(t, map[string]any{"type": "event", "data": map[string]any{"eventType": "streamOnline", "eventData": d, "timestamp": 1}})
	d = neuroStreamOnline("mistyped", 1)
	d["isLive"] = "yes"
	typ = neuroJSON(t, map[string]any{"type": "event", "data": map[string]any{"eventType": "streamOnline", "eventData": d, "timestamp": 1}})
	return minimum, typ
}

func neuroValidFrame(t *testing.T, viewers int) []byte {
	return neuroJSON(t, map[string]any{"type": "event", "data": map[string]any{
		"eventType": "streamOnline", "eventData": neuroStreamOnline("fine", viewers), "timestamp": 1,
	}})
}

func TestNeuroInvalidFrameIsReportedAndStillDispatchedByDefault(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), life))
	events := neuroSeqs(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	sc := neuroOnlyConn(t, ctx, srv)
	minimum, typ := neuroInvalidFrames(t)

	sc.Send(minimum)
	neuroFrameErr(t, ctx, life, "/data/eventData/viewerCount", "minimum")
	if got := neuroRecv(t, ctx, events, "the invalid event"); got != -1 {
		t.Fatalf("dispatched viewerCount %d, want -1", got)
	}
	sc.Send(typ)
	neuroFrameErr(t, ctx, life, "/data/eventData/isLive", "type")
	if got := neuroRecv(t, ctx, events, "the mistyped event"); got != 1 {
		t.Fatalf("dispatched viewerCount %d, want 1", got)
	}
	// The connection survives.
	sc.Send(neuroValidFrame(t, 2))
	if got := neuroRecv(t, ctx, events, "a valid event"); got != 2 {
		t.Fatalf("dispatched viewerCount %d, want 2", got)
	}
	if srv.Accepted() != 1 {
		t.Fatalf("%d connections accepted, want 1", srv.Accepted())
	}
	neuroNone(t, life.errs, "error for the valid frame")
}

func TestNeuroInvalidFrameIsOnlyReportedUnderStrict(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	cfg := neuroConfig(srv, newNeuroTransport(), life)
	cfg.Validation = wire.Strict
	c := neuro.NewClient(cfg)
	events := neuroSeqs(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	sc := neuroOnlyConn(t, ctx, srv)
	minimum, typ := neuroInvalidFrames(t)

	sc.Send(minimum)
	sc.Send(typ)
	sc.Send(neuroValidFrame(t, 2))
	neuroFrameErr(t, ctx, life, "/data/eventData/viewerCount", "minimum")
	neuroFrameErr(t, ctx, life, "/data/eventData/isLive", "type")
	// Delivery is in order: had an invalid frame been dispatched, it would
	// come before the valid one.
	if got := neuroRecv(t, ctx, events, "the valid event"); got != 2 {
		t.Fatalf("event %d dispatched under Strict", got)
	}
	// Strict keeps the connection too, and requests still work.
	neuroAdd(t, ctx, c, "streamOnline")
}

func TestNeuroValidationOffDispatchesWithoutReporting(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	cfg := neuroConfig(srv, newNeuroTransport(), life)
	cfg.Validation = wire.Off
	c := neuro.NewClient(cfg)
	events := neuroSeqs(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	sc := neuroOnlyConn(t, ctx, srv)
	minimum, _ := neuroInvalidFrames(t)
	sc.Send(minimum)
	sc.Send(neuroValidFrame(t, 2))
	if got := neuroRecv(t, ctx, events, "the invalid event"); got != -1 {
		t.Fatalf("dispatched viewerCount %d, want -1", got)
	}
	neuroRecv(t, ctx, events, "the valid event")
	neuroNone(t, life.errs, "error under Off")
	// Malformed JSON is still reported.
	sc.Send([]byte(`{"type":"event",`))
	var fe *wire.FrameError
	if err := neuroRecv(t, ctx, life.errs, "the malformed frame"); !errors.As(err, &fe) || fe.Syntax == nil {
		t.Fatalf("OnError got %v, want a syntax *wire.FrameError", err)
	}
}

func TestNeuroUnknownFramesGoToOnUnknown(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), life))
	unknown := make(chan *wire.Unknown, 8)
	c.OnUnknown(func(_ context.Context, u *wire.Unknown) { neuroPut(unknown, u) })
	envelopes := make(chan neuro.EventData, 8)
	c.OnEventMessage(func(_ context.Context, m *neuro.Event) { neuroPut(envelopes, m.Data) })
	unhandled := make(chan neuro.ServerMessage, 8)
	c.OnUnhandled(func(_ context.Context, m neuro.ServerMessage) { neuroPut(unhandled, m) })
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	sc := neuroOnlyConn(t, ctx, srv)
	// The welcome nobody handles went to OnUnhandled.
	if m := neuroRecv(t, ctx, unhandled, "the welcome on OnUnhandled"); m.MessageName() != "Welcome" {
		t.Fatalf("OnUnhandled got %s", m.MessageName())
	}

	// A message type the spec does not know.
	frame := `{"type":"authChallenge","data":{"nonce":"x"}}`
	sc.Send([]byte(frame))
	u := neuroRecv(t, ctx, unknown, "the unknown frame")
	if string(u.Raw) != frame || u.Pointer != "" {
		t.Fatalf("OnUnknown got %s at %q", u.Raw, u.Pointer)
	}
	var fe *wire.FrameError
	err := neuroRecv(t, ctx, life.errs, "the report of the unknown frame")
	// A first attempt that timed out on a loaded machine (-race, parallel
	// packages) is reported too, before the frame: it is not the report.
	for ae := (*conn.AttemptError)(nil); errors.As(err, &ae); {
		err = neuroRecv(t, ctx, life.errs, "the report of the unknown frame")
	}
	if !errors.As(err, &fe) || len(fe.Violations) != 1 || fe.Violations[0].Keyword != "oneOf" {
		t.Fatalf("OnError got %v, want one oneOf violation", err)
	}

	// An event type the spec does not know: the set is open, so OnEvent
	// sees the envelope with the catch-all OtherEvent, which keeps the raw
	// object; it is valid (an unknown-variant note), not unknown.
	srv.PublishTo(sc, "newShinyEvent", map[string]any{"shiny": true})
	if d := neuroRecv(t, ctx, envelopes, "the envelope on OnEvent"); d == nil {
		t.Fatal("OnEvent got no data")
	} else if o, ok := d.(*neuro.OtherEvent); !ok || !bytes.Contains(o.Raw, []byte(`"newShinyEvent"`)) {
		t.Fatalf("OnEvent got %T, want *neuro.OtherEvent with the raw object", d)
	}
	neuroNone(t, life.errs, "error for the unknown event type")

	// A known message nobody handles goes to OnUnhandled, not OnUnknown.
	sc.Send([]byte(`{"type":"authSuccess","data":{}}`))
	if m := neuroRecv(t, ctx, unhandled, "the authSuccess on OnUnhandled"); m.MessageName() != "AuthSuccess" {
		t.Fatalf("OnUnhandled got %s", m.MessageName())
	}
	neuroNone(t, unknown, "unknown value")
}

func TestNeuroMalformedFrameIsReportedAndTheConnectionSurvives(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{})
	defer srv.Close()
	life := newNeuroLife()
	c := neuro.NewClient(neuroConfig(srv, newNeuroTransport(), life))
	events := neuroSeqs(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close()
	sc := neuroOnlyConn(t, ctx, srv)
	sc.Send([]byte(`{"type":"event","data":`))
	var fe *wire.FrameError
	if err := neuroRecv(t, ctx, life.errs, "the malformed frame"); !errors.As(err, &fe) || fe.Syntax == nil {
		t.Fatalf("OnError got %v, want a syntax *wire.FrameError", err)
	}
	sc.Send(neuroValidFrame(t, 4))
	if got := neuroRecv(t, ctx, events, "the next event"); got != 4 {
		t.Fatalf("event %d, want 4", got)
	}
	if srv.Accepted() != 1 {
		t.Fatalf("%d connections accepted, want 1", srv.Accepted())
	}
}

// --------------------------------------------------------------- closing

func TestNeuroCloseLeavesNoGoroutinesAndIsIdempotent(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{PingInterval: 10 * time.Millisecond})
	defer srv.Close()
	cfg := neuroConfig(srv, newNeuroTransport(), nil)
	cfg.Conn.KeepaliveInterval = 10 * time.Millisecond
	cfg.Conn.Keepalive = neuroJSON(t, neuro.NewPing())
	c := neuroConnect(t, ctx, cfg)
	defer c.Close()
	neuroAdd(t, ctx, c, "streamOnline")
	srv.Publish("streamOnline", neuroStreamOnline("x", 1))

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if !neuroIsClosed(c.Done()) {
		t.Fatal("Done not closed after Close")
	}
	if !errors.Is(c.Err(), conn.ErrClosed) {
		t.Fatalf("Err = %v, want conn.ErrClosed", c.Err())
	}
	if _, err := c.AddEvent(ctx, "streamOffline"); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("AddEvent after Close: %v, want conn.ErrClosed", err)
	}
	if _, err := srv.WaitConns(ctx, 0); err != nil {
		t.Fatal("the server still sees the connection after Close")
	}
	if srv.ConnsOf(neuroToken) != 0 {
		t.Fatalf("the server still counts %d connections of the user", srv.ConnsOf(neuroToken))
	}
}

func TestNeuroUnconnectedClientFailsWithoutPanicking(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	c := neuro.NewClient(neuro.Config{Token: neuroToken})
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !neuroIsClosed(c.Done()) {
		t.Fatal("Done of a never-connected client is open")
	}
	if !errors.Is(c.Err(), conn.ErrNotConnected) {
		t.Fatalf("Err = %v, want conn.ErrNotConnected", c.Err())
	}
	if _, err := c.AddEvent(ctx, "streamOnline"); !errors.Is(err, conn.ErrNotConnected) {
		t.Fatalf("AddEvent: %v, want conn.ErrNotConnected", err)
	}
	if err := c.Send(ctx, neuro.NewPing()); !errors.Is(err, conn.ErrNotConnected) {
		t.Fatalf("Send: %v, want conn.ErrNotConnected", err)
	}
	if c.Welcome() != nil || c.Subscriptions() != 0 {
		t.Fatal("a never-connected client has a welcome or subscriptions")
	}
}

// --------------------------------------------------------------- secrets

type neuroLockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *neuroLockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func TestNeuroSecretsNeverAppearInLogsOrErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := neuroCtx(t)
	srv := neuroServer(t, testserver.NeuroOptions{PingInterval: 20 * time.Millisecond, RefuseSubscribe: []string{"subathonUpdate"}})
	defer srv.Close()

	var mu sync.Mutex
	var logs bytes.Buffer
	var reported []string
	var sessions []string
	record := func(err error) {
		if err != nil {
			mu.Lock()
			reported = append(reported, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
			mu.Unlock()
		}
	}
	life := newNeuroLife()
	tr := newNeuroTransport()
	logger := slog.New(slog.NewTextHandler(&neuroLockedWriter{mu: &mu, w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := neuroConfig(srv, tr, nil)
	cfg.Conn.Logger = logger
	cfg.Conn.ReadTimeout = time.Second
	cfg.OnError = func(_ context.Context, err error) { record(err); neuroPut(life.errs, err) }
	cfg.OnDisconnected = func(_ context.Context, err error) { record(err); neuroPut(life.disconnected, err) }
	cfg.OnRestored = func(context.Context) { neuroPut(life.restored, struct{}{}) }
	c := neuro.NewClient(cfg)
	// A connection's welcome reaches its handler after OnRestored, so each
	// restore below also waits for the welcome that carries its session id.
	welcomed := make(chan struct{}, 16)
	c.OnWelcomeMessage(func(_ context.Context, w *neuro.Welcome) {
		mu.Lock()
		sessions = append(sessions, w.Data.SessionID)
		mu.Unlock()
		neuroPut(welcomed, struct{}{})
	})
	restoredWithSession := func(what string) {
		t.Helper()
		neuroRecv(t, ctx, life.restored, what)
		neuroRecv(t, ctx, welcomed, "the welcome of "+what)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal("connect failed")
	}
	defer c.Close()
	restoredWithSession("the first connection")

	// Requests, refusals, invalid replies, invalid frames.
	_, err := c.AddEvent(ctx, "streamOnline")
	record(err)
	_, err = c.AddEvent(ctx, "subathonUpdate")
	record(err)
	_, err = c.AddEvent(ctx, "noSuchEvent")
	record(err)
	sc := neuroOnlyConn(t, ctx, srv)
	srv.SendInvalid(sc, "malformed", testserver.NeuroTextCouldNotParse)
	neuroRecv(t, ctx, life.errs, "the unsolicited invalid")
	minimum, _ := neuroInvalidFrames(t)
	sc.Send(minimum)
	neuroRecv(t, ctx, life.errs, "the invalid frame report")
	// A drop, then an upgrade refused with 500.
	srv.FailUpgrade(1, http.StatusInternalServerError, testserver.NeuroTextAuthError)
	srv.DropAll()
	restoredWithSession("the restore after a drop")
	// A dead link.
	neuroOnlyConn(t, ctx, srv).Silence()
	restoredWithSession("the restore after a dead link")
	// An upgrade refused with 401, healed by a fresh ticket.
	srv.FailUpgrade(1, http.StatusUnauthorized, testserver.NeuroTextBadTicket)
	srv.DropAll()
	restoredWithSession("the restore after a 401")
	// Clients that fail: connection limit, bad Bearer token, bad ticket token.
	var extra []*neuro.Client
	defer func() {
		for _, x := range extra {
			x.Close()
		}
	}()
	connect := func(cfg neuro.Config) {
		x := neuro.NewClient(cfg)
		extra = append(extra, x)
		record(x.Connect(ctx))
	}
	for range 4 {
		connect(cfg)
	}
	limited := cfg
	limited.Conn.MaxAttempts = 1
	connect(limited)
	bad := cfg
	bad.BearerHeader = true
	bad.Token = "wrong-" + neuroToken
	connect(bad)
	bad.BearerHeader = false
	connect(bad)
	c.Close()
	record(c.Err())

	secrets := map[string]string{"token": neuroToken}
	for i, tk := range tr.ticketList() {
		secrets[fmt.Sprintf("ticket #%d", i+1)] = tk
	}
	mu.Lock()
	defer mu.Unlock()
	for i, s := range sessions {
		secrets[fmt.Sprintf("session id #%d", i+1)] = s
	}
	if len(tr.ticketList()) < 8 || len(sessions) < 4 {
		t.Fatalf("only %d tickets and %d sessions; the scenario did not run", len(tr.ticketList()), len(sessions))
	}
	if logs.Len() == 0 || len(reported) == 0 {
		t.Fatal("nothing captured")
	}
	for name, s := range secrets {
		for i, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, s) {
				// Never print the line: it holds the secret.
				_, rest, _ := strings.Cut(line, "msg=")
				msg, _, _ := strings.Cut(rest, " ")
				t.Errorf("log line %d (msg=%s) contains the %s", i+1, msg, name)
			}
		}
		for i, e := range reported {
			if strings.Contains(e, s) {
				t.Errorf("reported error #%d contains the %s", i+1, name)
			}
		}
	}
}
