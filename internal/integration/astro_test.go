package integration_test

// Integration tests of the generated Astro client (generated/astro) against
// the Astro test server (runtime/testserver) over real loopback sockets.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

// astroWait bounds every test.
const astroWait = 5 * time.Second

// astroToken is the credential of the tests; it must never show up in logs
// or errors.
const astroToken = "astro-secret-token-7f3c9a51"

// ---------------------------------------------------------------- helpers

func astroStart(t *testing.T, opt testserver.AstroOptions) *testserver.Astro {
	t.Helper()
	srv, err := testserver.NewAstro(opt)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func astroContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), astroWait)
}

// astroPut hands v to ch without ever blocking a client goroutine (a
// blocked handler would block Close).
func astroPut[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// astroRecv waits for a value on ch.
func astroRecv[T any](t *testing.T, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// astroRecorder collects what the client reports through its Config hooks.
type astroRecorder struct {
	errs      chan error
	discs     chan error
	connected chan struct{}
	restored  chan struct{}
}

func newAstroRecorder() *astroRecorder {
	return &astroRecorder{
		errs:      make(chan error, 256),
		discs:     make(chan error, 256),
		connected: make(chan struct{}, 256),
		restored:  make(chan struct{}, 256),
	}
}

// config returns a client configuration with millisecond cadences.
func (r *astroRecorder) config(srv *testserver.Astro, token string) astro.Config {
	return astro.Config{
		URL:            srv.URL,
		Token:          token,
		TokenType:      astro.TokenTypeJWT,
		OnError:        func(_ context.Context, err error) { astroPut(r.errs, err) },
		OnDisconnected: func(_ context.Context, err error) { astroPut(r.discs, err) },
		OnConnected:    func(context.Context) { astroPut(r.connected, struct{}{}) },
		OnRestored:     func(context.Context) { astroPut(r.restored, struct{}{}) },
		Conn: conn.Config{
			ReadTimeout:      3 * time.Second,
			ReplyTimeout:     2 * time.Second,
			HandshakeTimeout: 2 * time.Second,
			WriteTimeout:     time.Second,
			Backoff:          conn.Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		},
	}
}

// drainErrs returns the errors reported so far.
func (r *astroRecorder) drainErrs() []error {
	var out []error
	for {
		select {
		case err := <-r.errs:
			out = append(out, err)
		default:
			return out
		}
	}
}

func astroConnect(t *testing.T, ctx context.Context, c *astro.Client) {
	t.Helper()
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("Connect: %v", err)
	}
}

// astroOnlyConn waits until the server has exactly one connection and
// returns it.
func astroOnlyConn(t *testing.T, ctx context.Context, srv *testserver.Astro) *testserver.Conn {
	t.Helper()
	conns, err := srv.WaitConns(ctx, 1)
	if err != nil {
		t.Fatalf("waiting for one server connection: %v", err)
	}
	return conns[0]
}

func astroSubscribe(t *testing.T, ctx context.Context, c *astro.Client, topic, room string) *astro.Response {
	t.Helper()
	r, err := c.Subscribe(ctx, astro.Topic(topic), room)
	if err != nil {
		t.Fatalf("Subscribe(%q, %q): %v", topic, room, err)
	}
	return r
}

func astroResponseData(t *testing.T, r *astro.Response) *astro.ResponseData {
	t.Helper()
	if r == nil {
		t.Fatal("nil *astro.Response")
	}
	d, ok := r.Data.(*astro.ResponseData)
	if !ok {
		t.Fatalf("response data is %T, want *astro.ResponseData", r.Data)
	}
	return d
}

// astroTip is a valid channel.tips payload.
func astroTip(id string, amount float64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"_id":%q,"channel":"5ad23dcc18fff500d78c5348","provider":"paypal",`+
		`"approved":"allowed","status":"success","donation":{"user":{"username":"Styler","geo":"ZZ"},`+
		`"message":"gl hf","amount":%v,"currency":"USD","paymentMethod":"scheme"},`+
		`"createdAt":"2025-02-19T15:07:09.302Z","transactionId":"2YH79902JR1691017"}`, id, amount))
}

// astroActivity is a valid channel.activities payload of activity type typ.
func astroActivity(id, typ, user string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"_id":%q,"activityId":%q,"channel":"5ad23dcc18fff500d78c5348",`+
		`"provider":"twitch","type":%q,"createdAt":"2025-06-19T11:37:57.120Z","sessionEventsCount":2,`+
		`"data":{"username":%q,"displayName":"Viewer","providerId":"1002","amount":5,"currency":"USD"}}`, id, id, typ, user))
}

// astroFrame is a hand-written notification frame.
func astroFrame(topic, data string) []byte {
	return []byte(fmt.Sprintf(`{"id":"01JMFBZF7KSRDDXXV0EH7G8X6G","ts":"2025-02-19T15:07:17Z","type":"message","topic":%q,"data":%s}`, topic, data))
}

// astroTipIDs collects the ids of the tips a client receives.
func astroTipIDs(c *astro.Client) chan string {
	ch := make(chan string, 256)
	c.OnChannelTipsMessage(func(_ context.Context, m *astro.ChannelTipsMessage) {
		astroPut(ch, m.Data.ID.Value)
	})
	return ch
}

func astroIsClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func astroReplyError(t *testing.T, err error) *astro.ReplyError {
	t.Helper()
	var re *astro.ReplyError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not an *astro.ReplyError", err, err)
	}
	return re
}

// astroLog is a slog destination safe for the client's goroutines.
type astroLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *astroLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *astroLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ---------------------------------------------------------------- connect

func TestAstroConnectWaitsForWelcome(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	welcomes := make(chan *astro.Welcome, 8)
	c.OnWelcomeMessage(func(_ context.Context, w *astro.Welcome) { astroPut(welcomes, w) })
	if c.Welcome() != nil {
		t.Fatal("Welcome() is set before Connect")
	}
	astroConnect(t, ctx, c)
	defer c.Close()

	w := c.Welcome()
	if w == nil {
		t.Fatal("Connect returned before the welcome arrived")
	}
	sc := astroOnlyConn(t, ctx, srv)
	if want := srv.ClientID(sc); w.Data.ClientID != want || want == "" {
		t.Errorf("Welcome().Data.ClientID = %q, want the server's %q", w.Data.ClientID, want)
	}
	if got := w.Data.Message.Or(""); got != testserver.AstroWelcomeMessage {
		t.Errorf("welcome message = %q, want %q", got, testserver.AstroWelcomeMessage)
	}
	if hw := astroRecv(t, ctx, welcomes, "the OnWelcome handler"); hw.Data.ClientID != w.Data.ClientID {
		t.Errorf("OnWelcome got client_id %q, want %q", hw.Data.ClientID, w.Data.ClientID)
	}
	astroRecv(t, ctx, rec.connected, "OnConnected")
	astroRecv(t, ctx, rec.restored, "OnRestored")
	if n := srv.Accepted(); n != 1 {
		t.Errorf("server accepted %d connections, want 1", n)
	}
}

func TestAstroDialReturnsReadyClient(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	c, err := astro.Dial(ctx, newAstroRecorder().config(srv, astroToken))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if c.Welcome() == nil {
		t.Fatal("Dial returned before the welcome")
	}
	astroSubscribe(t, ctx, c, "channel.tips", "")
	if c.Subscriptions() != 1 {
		t.Errorf("Subscriptions() = %d, want 1", c.Subscriptions())
	}
}

// ---------------------------------------------------------------- subscribe

func TestAstroSubscribeSendsTokenAndReturnsCanonicalRoom(t *testing.T) {
	for _, tt := range []astro.TokenType{astro.TokenTypeApikey, astro.TokenTypeJWT, astro.TokenTypeOauth, astro.TokenTypeOauth2} {
		t.Run(string(tt), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			// Only astroToken is valid and it may read tips only: a success
			// proves the subscribe carried the token and a valid token_type.
			srv := astroStart(t, testserver.AstroOptions{Tokens: map[string][]string{astroToken: {"tips:read"}}})
			defer srv.Close()
			ctx, cancel := astroContext()
			defer cancel()

			cfg := newAstroRecorder().config(srv, astroToken)
			cfg.TokenType = tt
			c := astro.NewClient(cfg)
			astroConnect(t, ctx, c)
			defer c.Close()

			r := astroSubscribe(t, ctx, c, "channel.tips", "")
			if r.Error.Set {
				t.Errorf("success response carries error %q", r.Error.Value)
			}
			if !r.Nonce.Set || r.Nonce.Value == "" {
				t.Error("response has no nonce")
			}
			d := astroResponseData(t, r)
			canonical := testserver.AstroChannelID(astroToken)
			if d.Room.Or("") != canonical || d.Topic.Or("") != "channel.tips" || d.Message != "successfully subscribed to topic" {
				t.Errorf("response data = %+v, want topic channel.tips in canonical room %s", d, canonical)
			}

			r = astroSubscribe(t, ctx, c, "channel.tips", "room-b")
			if got := astroResponseData(t, r).Room.Or(""); got != "room-b" {
				t.Errorf("explicit room answered with room %q, want room-b", got)
			}
			want := []testserver.AstroSubscription{{Topic: "channel.tips", Room: canonical}, {Topic: "channel.tips", Room: "room-b"}}
			if diff := cmp.Diff(want, srv.Subscriptions(astroOnlyConn(t, ctx, srv))); diff != "" {
				t.Errorf("server subscriptions (-want +got):\n%s", diff)
			}
			if c.Subscriptions() != 2 {
				t.Errorf("client remembers %d subscriptions, want 2", c.Subscriptions())
			}
		})
	}
}

func TestAstroConcurrentSubscribesAreCorrelatedByNonce(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
	astroConnect(t, ctx, c)
	defer c.Close()

	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			room := fmt.Sprintf("room-%02d", i)
			r, err := c.Subscribe(ctx, "channel.activities", room)
			if err != nil {
				errs <- err
				return
			}
			if d, ok := r.Data.(*astro.ResponseData); !ok || d.Room.Or("") != room {
				errs <- fmt.Errorf("Subscribe(%s) got the reply %+v of another request", room, r.Data)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if c.Subscriptions() != n || len(srv.Subscriptions(astroOnlyConn(t, ctx, srv))) != n {
		t.Errorf("client %d / server %d subscriptions, want %d", c.Subscriptions(), len(srv.Subscriptions(astroOnlyConn(t, ctx, srv))), n)
	}
}

// ---------------------------------------------------------------- unsubscribe

func TestAstroUnsubscribeWithAndWithoutRoom(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	astroConnect(t, ctx, c)
	defer c.Close()
	astroRecv(t, ctx, rec.restored, "the first OnRestored")

	astroSubscribe(t, ctx, c, "channel.tips", "room-a")
	astroSubscribe(t, ctx, c, "channel.tips", "room-b")
	astroSubscribe(t, ctx, c, "channel.activities", "room-a")

	r, err := c.Unsubscribe(ctx, "channel.tips", "room-a")
	if err != nil {
		t.Fatalf("Unsubscribe with room: %v", err)
	}
	if d := astroResponseData(t, r); d.Message != "successfully unsubscribed from topic" || d.Room.Or("") != "room-a" {
		t.Errorf("unsubscribe response data = %+v", d)
	}
	sc := astroOnlyConn(t, ctx, srv)
	want := []testserver.AstroSubscription{{Topic: "channel.tips", Room: "room-b"}, {Topic: "channel.activities", Room: "room-a"}}
	if diff := cmp.Diff(want, srv.Subscriptions(sc)); diff != "" {
		t.Errorf("server subscriptions after Unsubscribe(tips, room-a) (-want +got):\n%s", diff)
	}
	if c.Subscriptions() != 2 {
		t.Errorf("client remembers %d subscriptions, want 2", c.Subscriptions())
	}

	// No room: every room of the topic.
	if _, err := c.Unsubscribe(ctx, "channel.tips", ""); err != nil {
		t.Fatalf("Unsubscribe without room: %v", err)
	}
	want = []testserver.AstroSubscription{{Topic: "channel.activities", Room: "room-a"}}
	if diff := cmp.Diff(want, srv.Subscriptions(sc)); diff != "" {
		t.Errorf("server subscriptions after Unsubscribe(tips) (-want +got):\n%s", diff)
	}
	if c.Subscriptions() != 1 {
		t.Errorf("client remembers %d subscriptions, want 1", c.Subscriptions())
	}

	// What was unsubscribed is not restored after a reconnect.
	srv.DropAll()
	astroRecv(t, ctx, rec.restored, "OnRestored after the drop")
	nc := astroOnlyConn(t, ctx, srv)
	if diff := cmp.Diff(want, srv.Subscriptions(nc)); diff != "" {
		t.Errorf("restored subscriptions (-want +got):\n%s", diff)
	}
}

// The server binds a subscribe without room to the canonical room it
// returns; unsubscribing from that room must also stop the client from
// restoring the subscription.
func TestAstroUnsubscribeFromCanonicalRoomIsNotRestored(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	astroConnect(t, ctx, c)
	defer c.Close()
	astroRecv(t, ctx, rec.restored, "the first OnRestored")

	room := astroResponseData(t, astroSubscribe(t, ctx, c, "channel.tips", "")).Room.Or("")
	if _, err := c.Unsubscribe(ctx, "channel.tips", room); err != nil {
		t.Fatalf("Unsubscribe(tips, %s): %v", room, err)
	}
	if n := len(srv.Subscriptions(astroOnlyConn(t, ctx, srv))); n != 0 {
		t.Fatalf("server still has %d subscriptions", n)
	}
	if c.Subscriptions() != 0 {
		t.Errorf("client still remembers %d subscriptions after unsubscribing from the canonical room", c.Subscriptions())
	}
	srv.DropAll()
	astroRecv(t, ctx, rec.restored, "OnRestored after the drop")
	if subs := srv.Subscriptions(astroOnlyConn(t, ctx, srv)); len(subs) != 0 {
		t.Errorf("client resubscribed to %v after unsubscribing from it", subs)
	}
}

// ---------------------------------------------------------------- error replies

func TestAstroErrorRepliesAreTypedReplyErrors(t *testing.T) {
	type call func(ctx context.Context, c *astro.Client) (*astro.Response, error)
	sub := func(topic, room string) call {
		return func(ctx context.Context, c *astro.Client) (*astro.Response, error) {
			return c.Subscribe(ctx, astro.Topic(topic), room)
		}
	}
	cases := []struct {
		name      string
		token     string
		tokenType astro.TokenType
		call      call
		code      string
		fatal     bool
		usable    bool // a valid Subscribe works afterwards
		keep      int  // subscriptions the client keeps
	}{
		{name: "invalid token", token: "astro-wrong-token-0b1d", call: sub("channel.tips", ""), code: "err_unauthorized", fatal: true},
		{name: "missing token type", tokenType: "-", call: sub("channel.tips", ""), code: "err_unauthorized", fatal: true},
		{name: "missing scope", call: sub("channel.activities", ""), code: "err_unauthorized", fatal: true, usable: true},
		{name: "unknown topic", call: sub("channel.nope", ""), code: "err_bad_request", usable: true},
		{name: "subscription limit", call: func(ctx context.Context, c *astro.Client) (*astro.Response, error) {
			for _, room := range []string{"a", "b"} {
				if _, err := c.Subscribe(ctx, "channel.tips", room); err != nil {
					return nil, fmt.Errorf("setup: %w", err)
				}
			}
			return c.Subscribe(ctx, "channel.tips", "c")
		}, code: "err_bad_request", keep: 2},
		{name: "unsubscribe without subscription", call: func(ctx context.Context, c *astro.Client) (*astro.Response, error) {
			return c.Unsubscribe(ctx, "channel.tips", "")
		}, code: "err_bad_request", usable: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			srv := astroStart(t, testserver.AstroOptions{
				Tokens:           map[string][]string{astroToken: {"tips:read"}},
				MaxSubscriptions: 2,
			})
			defer srv.Close()
			ctx, cancel := astroContext()
			defer cancel()

			cfg := newAstroRecorder().config(srv, astroToken)
			if tc.token != "" {
				cfg.Token = tc.token
			}
			if tc.tokenType == "-" {
				cfg.TokenType = ""
			}
			c := astro.NewClient(cfg)
			astroConnect(t, ctx, c)
			defer c.Close()

			r, err := tc.call(ctx, c)
			if err == nil {
				t.Fatal("call succeeded, want an error reply")
			}
			re := astroReplyError(t, err)
			if re.Code != tc.code {
				t.Errorf("ReplyError.Code = %q, want %q (%v)", re.Code, tc.code, err)
			}
			if reply, ok := re.Reply.(*astro.Response); !ok || reply.Error.Value != astro.ErrorCode(tc.code) {
				t.Errorf("ReplyError.Reply = %#v, want the *astro.Response with error %s", re.Reply, tc.code)
			}
			if r == nil || r.Error.Value != astro.ErrorCode(tc.code) {
				t.Errorf("the call returned response %+v, want the error response", r)
			}
			var pe *conn.PermanentError
			if got := errors.As(err, &pe); got != tc.fatal {
				t.Errorf("errors.As(err, *conn.PermanentError) = %v, want %v", got, tc.fatal)
			}
			// A refused request leaves the client running and changes nothing.
			if astroIsClosed(c.Done()) || c.Err() != nil {
				t.Fatalf("client stopped after an error reply: %v", c.Err())
			}
			if c.Subscriptions() != tc.keep {
				t.Errorf("Subscriptions() = %d after a refused request, want %d", c.Subscriptions(), tc.keep)
			}
			if tc.usable {
				astroSubscribe(t, ctx, c, "channel.tips", "after-error")
			}
		})
	}
}

// Commands the server does not know, and malformed ones, are answered with
// an error response; sent with Send, nobody waits for it, so it reaches
// OnError (and OnResponse).
func TestAstroSendOfUnknownCommandReportsInvalidMessageType(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	responses := make(chan *astro.Response, 16)
	c.OnResponseMessage(func(_ context.Context, r *astro.Response) { astroPut(responses, r) })
	astroConnect(t, ctx, c)
	defer c.Close()

	for _, tc := range []struct {
		raw, nonce, code string
	}{
		{`{"type":"ping","nonce":"raw-1"}`, "raw-1", "invalid_message_type"},
		{`[1,2,3]`, "", "err_bad_request"},
		{`{"type":"subscribe","nonce":7,"data":{"topic":"channel.tips"}}`, "", "err_bad_request"},
	} {
		err := c.Send(ctx, &astro.UnknownClientMessage{Unknown: wire.Unknown{Raw: json.RawMessage(tc.raw)}})
		if err != nil {
			t.Fatalf("Send(%s): %v", tc.raw, err)
		}
		r := astroRecv(t, ctx, responses, "the error response")
		if r.Error.Value != astro.ErrorCode(tc.code) || r.Nonce.Or("") != tc.nonce {
			t.Errorf("response to %s: error %q nonce %q, want %q %q", tc.raw, r.Error.Value, r.Nonce.Or(""), tc.code, tc.nonce)
		}
		re := astroReplyError(t, astroRecv(t, ctx, rec.errs, "OnError"))
		if re.Code != tc.code {
			t.Errorf("OnError code = %q, want %q", re.Code, tc.code)
		}
	}
	if astroIsClosed(c.Done()) {
		t.Fatalf("client stopped: %v", c.Err())
	}
}

func TestAstroRateLimitExceededIsReplyError(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{RateLimit: 2, RateWindow: time.Minute})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
	astroConnect(t, ctx, c)
	defer c.Close()

	astroSubscribe(t, ctx, c, "channel.tips", "a")
	astroSubscribe(t, ctx, c, "channel.tips", "b")
	_, err := c.Subscribe(ctx, "channel.tips", "c")
	if re := astroReplyError(t, err); re.Code != "rate_limit_exceeded" {
		t.Errorf("Code = %q, want rate_limit_exceeded", re.Code)
	}
	var pe *conn.PermanentError
	if errors.As(err, &pe) {
		t.Error("rate_limit_exceeded is marked permanent")
	}
	if astroIsClosed(c.Done()) || c.Subscriptions() != 2 {
		t.Errorf("after the rate limit: stopped=%v subscriptions=%d, want running with 2", astroIsClosed(c.Done()), c.Subscriptions())
	}
}

// The spec says the human text of an error is at /data/message.
func TestAstroReplyErrorCarriesServerText(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
	astroConnect(t, ctx, c)
	defer c.Close()

	_, err := c.Subscribe(ctx, "channel.nope", "")
	re := astroReplyError(t, err)
	if re.Code != "err_bad_request" || re.Text != "invalid topic" {
		t.Errorf("ReplyError = {Code: %q, Text: %q}, want {err_bad_request, invalid topic}", re.Code, re.Text)
	}
}

// The spec lists err_bad_request "already subscribed to topic" as success.
func TestAstroSubscribeWhenAlreadySubscribedIsSuccess(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
	astroConnect(t, ctx, c)
	defer c.Close()

	astroSubscribe(t, ctx, c, "channel.tips", "room-a")
	if _, err := c.Subscribe(ctx, "channel.tips", "room-a"); err != nil {
		t.Errorf("second Subscribe to the same topic and room: %v, want success (x-wsbind-error success rule)", err)
	}
	if c.Subscriptions() != 1 {
		t.Errorf("Subscriptions() = %d, want 1", c.Subscriptions())
	}
}

// ---------------------------------------------------------------- timeouts and context

func TestAstroSubscribeWithoutReplyTimesOut(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	cfg := newAstroRecorder().config(srv, astroToken)
	cfg.Conn.ReplyTimeout = 50 * time.Millisecond
	c := astro.NewClient(cfg)
	astroConnect(t, ctx, c)
	defer c.Close()
	astroOnlyConn(t, ctx, srv).Silence() // reads frames, answers nothing

	// No deadline on the context: ReplyTimeout applies.
	_, err := c.Subscribe(context.Background(), "channel.tips", "")
	if err == nil || !strings.Contains(err.Error(), "no reply within") {
		t.Errorf("Subscribe without a reply: %v, want the reply timeout", err)
	}
	// A context deadline wins.
	short, cancelShort := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancelShort()
	if _, err := c.Subscribe(short, "channel.tips", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Subscribe with an expiring context: %v, want context.DeadlineExceeded", err)
	}
	if c.Subscriptions() != 0 {
		t.Errorf("unanswered subscribes are remembered: %d", c.Subscriptions())
	}
}

// ---------------------------------------------------------------- reconnects

// An Astro reconnect message resumes the session: the client redials with
// ?reconnect_token=, sends no subscribe, and events flow again.
func TestAstroRestartResumesSessionWithoutResubscribing(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	tips := astroTipIDs(c)
	reconnects := make(chan *astro.Reconnect, 4)
	c.OnReconnectMessage(func(_ context.Context, m *astro.Reconnect) { astroPut(reconnects, m) })
	activities := make(chan string, 16)
	c.OnActivityTip(func(_ context.Context, _ *astro.ChannelActivitiesMessage, a *astro.ActivityTip) {
		astroPut(activities, a.ID.Or(""))
	})
	astroConnect(t, ctx, c)
	defer c.Close()
	astroRecv(t, ctx, rec.restored, "the first OnRestored")

	astroSubscribe(t, ctx, c, "channel.tips", "")
	astroSubscribe(t, ctx, c, "channel.activities", "room-a")
	old := astroOnlyConn(t, ctx, srv)
	oldSubs := srv.Subscriptions(old)

	tok := srv.AnnounceRestart(old)
	if tok == "" {
		t.Fatal("AnnounceRestart found no connection")
	}
	if m := astroRecv(t, ctx, reconnects, "OnReconnect"); m.Data.ReconnectToken != tok {
		t.Error("OnReconnect got another reconnect token")
	}
	astroRecv(t, ctx, rec.restored, "OnRestored after the resume")
	nc := astroOnlyConn(t, ctx, srv)
	if nc == old {
		t.Fatal("still on the old connection")
	}
	if got := nc.Request.URL.Query().Get("reconnect_token"); got != tok {
		t.Error("the redial did not present the announced reconnect token")
	}
	if !srv.Resumed(nc) {
		t.Error("server did not resume the session")
	}
	if n := nc.Received.Load(); n != 0 {
		t.Errorf("client sent %d frames on the resumed connection, want none (no resubscribe)", n)
	}
	if diff := cmp.Diff(oldSubs, srv.Subscriptions(nc)); diff != "" {
		t.Errorf("resumed subscriptions (-before +after):\n%s", diff)
	}
	if c.Subscriptions() != 2 {
		t.Errorf("client remembers %d subscriptions, want 2 (no duplicates)", c.Subscriptions())
	}
	if srv.Accepted() != 2 {
		t.Errorf("server accepted %d connections, want 2", srv.Accepted())
	}
	if w := c.Welcome(); w == nil || w.Data.ClientID != srv.ClientID(nc) {
		t.Error("Welcome() is not the resumed connection's welcome")
	}

	if n := srv.Publish("channel.tips", "", astroTip("after-resume", 1)); n != 1 {
		t.Fatalf("Publish reached %d connections, want 1", n)
	}
	if id := astroRecv(t, ctx, tips, "a tip after the resume"); id != "after-resume" {
		t.Errorf("tip %q, want after-resume", id)
	}
	srv.Publish("channel.activities", "room-a", astroActivity("act-1", "tip", "viewer2"))
	if id := astroRecv(t, ctx, activities, "an activity after the resume"); id != "act-1" {
		t.Errorf("activity %q, want act-1", id)
	}
	select {
	case id := <-tips:
		t.Errorf("duplicate tip %q", id)
	default:
	}
}

// A reconnect token the server no longer accepts (closed with 4000) makes
// the client start a fresh session and resubscribe.
func TestAstroExpiredResumeTokenFallsBackToResubscribe(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{ResumeTTL: time.Nanosecond})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	tips := astroTipIDs(c)
	astroConnect(t, ctx, c)
	defer c.Close()
	astroRecv(t, ctx, rec.restored, "the first OnRestored")
	astroSubscribe(t, ctx, c, "channel.tips", "room-a")

	old := astroOnlyConn(t, ctx, srv)
	srv.AnnounceRestartAll()
	astroRecv(t, ctx, rec.restored, "OnRestored after the fallback")
	nc := astroOnlyConn(t, ctx, srv)
	if nc == old || srv.Resumed(nc) {
		t.Fatalf("new connection resumed=%v, want a fresh session", srv.Resumed(nc))
	}
	want := []testserver.AstroSubscription{{Topic: "channel.tips", Room: "room-a"}}
	if diff := cmp.Diff(want, srv.Subscriptions(nc)); diff != "" {
		t.Errorf("subscriptions after the fallback (-want +got):\n%s", diff)
	}
	if srv.Accepted() != 3 {
		t.Errorf("server accepted %d connections, want 3 (first, refused resume, fresh)", srv.Accepted())
	}
	var sawRefusal bool
	for len(rec.discs) > 0 {
		var ce *websocket.CloseError
		if err := <-rec.discs; errors.As(err, &ce) && ce.Code == testserver.AstroCloseInvalidResume {
			sawRefusal = true
		}
	}
	if !sawRefusal {
		t.Error("OnDisconnected never saw the 4000 close of the refused resume")
	}
	srv.Publish("channel.tips", "", astroTip("fresh", 1))
	if id := astroRecv(t, ctx, tips, "a tip on the fresh session"); id != "fresh" {
		t.Errorf("tip %q, want fresh", id)
	}
}

// A server-side drop (no restart announced) makes the client reconnect,
// send its token again and resubscribe; later events arrive in order.
func TestAstroServerDropResubscribesAndKeepsOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{Tokens: map[string][]string{astroToken: {"*"}}})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	tips := astroTipIDs(c)
	astroConnect(t, ctx, c)
	defer c.Close()
	astroRecv(t, ctx, rec.restored, "the first OnRestored")
	astroSubscribe(t, ctx, c, "channel.tips", "")
	astroSubscribe(t, ctx, c, "channel.activities", "room-a")
	old := astroOnlyConn(t, ctx, srv)
	want := srv.Subscriptions(old)

	srv.Publish("channel.tips", "", astroTip("before", 1))
	if id := astroRecv(t, ctx, tips, "the tip before the drop"); id != "before" {
		t.Fatalf("tip %q, want before", id)
	}

	old.Drop()
	astroRecv(t, ctx, rec.discs, "OnDisconnected")
	astroRecv(t, ctx, rec.restored, "OnRestored after the drop")
	nc := astroOnlyConn(t, ctx, srv)
	if nc == old || srv.Resumed(nc) {
		t.Fatal("want a new, not resumed, connection")
	}
	if diff := cmp.Diff(want, srv.Subscriptions(nc)); diff != "" {
		t.Errorf("resubscribed (-before +after):\n%s", diff)
	}
	if n := nc.Received.Load(); n != 2 {
		t.Errorf("client sent %d frames after the drop, want 2 subscribes", n)
	}

	const n = 25
	for i := range n {
		if srv.Publish("channel.tips", "", astroTip(fmt.Sprintf("ev-%02d", i), float64(i))) != 1 {
			t.Fatalf("event %d reached no connection", i)
		}
	}
	for i := range n {
		want := fmt.Sprintf("ev-%02d", i)
		if id := astroRecv(t, ctx, tips, want); id != want {
			t.Fatalf("event #%d is %q, want %q", i, id, want)
		}
	}
	if errs := rec.drainErrs(); len(errs) != 0 {
		t.Errorf("OnError got %v", errs)
	}
}

// A link that stops delivering anything (no frames, no pings) is dead after
// ReadTimeout; the client reconnects and resubscribes.
func TestAstroSilentServerTriggersReconnect(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{PingInterval: 20 * time.Millisecond})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	cfg := rec.config(srv, astroToken)
	cfg.Conn.ReadTimeout = 200 * time.Millisecond
	c := astro.NewClient(cfg)
	tips := astroTipIDs(c)
	astroConnect(t, ctx, c)
	defer c.Close()
	astroRecv(t, ctx, rec.restored, "the first OnRestored")
	astroSubscribe(t, ctx, c, "channel.tips", "")

	old := astroOnlyConn(t, ctx, srv)
	old.Silence()
	if err := astroRecv(t, ctx, rec.discs, "OnDisconnected"); !errors.Is(err, conn.ErrDead) {
		t.Errorf("disconnect cause %v, want conn.ErrDead", err)
	}
	astroRecv(t, ctx, rec.restored, "OnRestored after the dead link")
	nc := astroOnlyConn(t, ctx, srv)
	if nc == old || len(srv.Subscriptions(nc)) != 1 {
		t.Fatalf("new connection subscriptions %v, want channel.tips", srv.Subscriptions(nc))
	}
	srv.Publish("channel.tips", "", astroTip("after-silence", 1))
	if id := astroRecv(t, ctx, tips, "a tip after the reconnect"); id != "after-silence" {
		t.Errorf("tip %q, want after-silence", id)
	}
}

// The server pings every 20 ms and drops links whose pong is 100 ms late;
// the client, whose own read timeout is 150 ms, lives on the pings alone.
func TestAstroServerPingsAreAnswered(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{PingInterval: 20 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	cfg := rec.config(srv, astroToken)
	cfg.Conn.ReadTimeout = 150 * time.Millisecond
	c := astro.NewClient(cfg)
	astroConnect(t, ctx, c)
	defer c.Close()
	sc := astroOnlyConn(t, ctx, srv)

	// Nothing but the pings can keep both sides alive for 500 ms; only the
	// absence of a disconnect can be observed, so wait the whole time.
	hold := time.NewTimer(500 * time.Millisecond)
	defer hold.Stop()
	select {
	case err := <-rec.discs:
		t.Fatalf("disconnected while idle: %v", err)
	case <-sc.Done():
		t.Fatal("server dropped the idle link")
	case <-hold.C:
	}
	if since := time.Since(time.Unix(0, sc.LastActivity.Load())); since > 100*time.Millisecond {
		t.Errorf("last pong %v ago", since)
	}
	if srv.Accepted() != 1 {
		t.Errorf("server accepted %d connections, want 1", srv.Accepted())
	}
	astroSubscribe(t, ctx, c, "channel.tips", "")
}

// A frame over ReadLimit ends the connection; the client reconnects and
// restores its subscriptions.
func TestAstroOversizedFrameEndsConnectionAndReconnects(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	cfg := rec.config(srv, astroToken)
	cfg.Conn.ReadLimit = 2048
	c := astro.NewClient(cfg)
	tips := astroTipIDs(c)
	astroConnect(t, ctx, c)
	defer c.Close()
	astroRecv(t, ctx, rec.restored, "the first OnRestored")
	astroSubscribe(t, ctx, c, "channel.tips", "")

	big := fmt.Sprintf(`{"_id":"big","approved":"allowed","donation":{"message":%q}}`, strings.Repeat("x", 4096))
	astroOnlyConn(t, ctx, srv).Send(astroFrame("channel.tips", big))
	if err := astroRecv(t, ctx, rec.discs, "OnDisconnected"); !errors.Is(err, websocket.ErrReadLimit) {
		t.Errorf("disconnect cause %v, want websocket.ErrReadLimit", err)
	}
	astroRecv(t, ctx, rec.restored, "OnRestored after the oversized frame")
	srv.Publish("channel.tips", "", astroTip("small", 1))
	if id := astroRecv(t, ctx, tips, "a tip after the reconnect"); id != "small" {
		t.Errorf("tip %q, want small (the oversized one must not be delivered)", id)
	}
}

// err_unauthorized is fatal: when the token stops being valid while the
// client is away, restoring its subscriptions fails and the client stops
// instead of reconnecting forever. The server restarts on the same address
// with a token list that no longer has the client's token.
func TestAstroUnauthorizedWhileRestoringStopsClient(t *testing.T) {
	defer goleak.VerifyNone(t)
	first := astroStart(t, testserver.AstroOptions{Tokens: map[string][]string{astroToken: {"*"}}})
	closeFirst := sync.OnceFunc(first.Close)
	defer closeFirst()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(first, astroToken))
	astroConnect(t, ctx, c)
	defer c.Close()
	astroSubscribe(t, ctx, c, "channel.tips", "")

	addr := first.Addr()
	closeFirst()
	second := astroStart(t, testserver.AstroOptions{Addr: addr, Tokens: map[string][]string{"astro-other-token-55e2": {"*"}}})
	defer second.Close()

	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("client kept running after err_unauthorized on restore")
	}
	err := c.Err()
	re := astroReplyError(t, err)
	if re.Code != "err_unauthorized" {
		t.Errorf("Err() code %q, want err_unauthorized (%v)", re.Code, err)
	}
	var pe *conn.PermanentError
	if !errors.As(err, &pe) {
		t.Errorf("Err() = %v, want a *conn.PermanentError", err)
	}
	if n := second.Accepted(); n != 1 {
		t.Errorf("restarted server accepted %d connections, want exactly 1 (no retry after the fatal reply)", n)
	}
	if _, err := c.Subscribe(ctx, "channel.tips", "x"); err == nil {
		t.Error("Subscribe on a stopped client succeeded")
	}
}

// ---------------------------------------------------------------- handshake refusals

func TestAstroHandshake429RetryAfterIsHonoured(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	var logs astroLog
	cfg := newAstroRecorder().config(srv, astroToken)
	cfg.Conn.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := astro.NewClient(cfg)
	srv.RejectNext(1, http.StatusTooManyRequests, "1")
	start := time.Now()
	astroConnect(t, ctx, c)
	defer c.Close()

	if waited := time.Since(start); waited < time.Second {
		t.Errorf("reconnected after %v, want at least the Retry-After of 1s", waited)
	}
	if srv.Rejected() != 1 || srv.Accepted() != 1 {
		t.Errorf("rejected %d accepted %d, want 1 and 1", srv.Rejected(), srv.Accepted())
	}
	if !strings.Contains(logs.String(), "HTTP 429") {
		t.Errorf("the 429 was not logged:\n%s", logs.String())
	}
}

func TestAstroHandshake502IsRetried(t *testing.T) {
	t.Run("RejectNext", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		srv := astroStart(t, testserver.AstroOptions{})
		defer srv.Close()
		ctx, cancel := astroContext()
		defer cancel()

		c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
		srv.RejectNext(3, http.StatusBadGateway, "")
		astroConnect(t, ctx, c)
		defer c.Close()
		if srv.Rejected() != 3 || srv.Accepted() != 1 {
			t.Errorf("rejected %d accepted %d, want 3 and 1", srv.Rejected(), srv.Accepted())
		}
	})
	t.Run("Draining", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		srv := astroStart(t, testserver.AstroOptions{Draining: true})
		defer srv.Close()
		ctx, cancel := astroContext()
		defer cancel()

		c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
		defer c.Close()
		done := make(chan error, 1)
		go func() { done <- c.Connect(ctx) }()
		// Nothing signals a refused upgrade: poll the server's counter.
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for srv.Rejected() < 2 {
			select {
			case <-tick.C:
			case err := <-done:
				t.Fatalf("Connect returned %v while the server was draining", err)
			case <-ctx.Done():
				t.Fatal("no refused upgrade")
			}
		}
		srv.SetDraining(false)
		if err := astroRecv(t, ctx, done, "Connect"); err != nil {
			t.Fatalf("Connect after draining: %v", err)
		}
		if c.Welcome() == nil || srv.Accepted() != 1 {
			t.Errorf("welcome %v, accepted %d", c.Welcome(), srv.Accepted())
		}
	})
}

func TestAstroHandshake401IsPermanent(t *testing.T) {
	t.Run("Connect", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		srv := astroStart(t, testserver.AstroOptions{})
		defer srv.Close()
		ctx, cancel := astroContext()
		defer cancel()

		c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
		defer c.Close()
		srv.RejectNext(5, http.StatusUnauthorized, "")
		err := c.Connect(ctx)
		var he *conn.HandshakeError
		if !errors.As(err, &he) {
			t.Fatalf("Connect: %v, want a *conn.HandshakeError", err)
		}
		if he.Status != http.StatusUnauthorized || he.Text != "Unauthorized" || !he.Permanent() {
			t.Errorf("HandshakeError = %+v, want permanent 401 Unauthorized", he)
		}
		if srv.Rejected() != 1 || srv.Accepted() != 0 {
			t.Errorf("rejected %d accepted %d, want one attempt only", srv.Rejected(), srv.Accepted())
		}
	})
	t.Run("Reconnect", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		srv := astroStart(t, testserver.AstroOptions{})
		defer srv.Close()
		ctx, cancel := astroContext()
		defer cancel()

		rec := newAstroRecorder()
		c := astro.NewClient(rec.config(srv, astroToken))
		astroConnect(t, ctx, c)
		defer c.Close()
		srv.RejectNext(5, http.StatusUnauthorized, "")
		srv.DropAll()
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatal("client kept reconnecting after a 401")
		}
		var he *conn.HandshakeError
		if err := c.Err(); !errors.As(err, &he) || he.Status != http.StatusUnauthorized {
			t.Errorf("Err() = %v, want the 401 *conn.HandshakeError", err)
		}
		if srv.Rejected() != 1 {
			t.Errorf("rejected %d upgrades, want 1", srv.Rejected())
		}
		astroRecv(t, ctx, rec.discs, "OnDisconnected")
	})
}

func TestAstroMaxAttemptsStopsReconnecting(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{Draining: true})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	cfg := newAstroRecorder().config(srv, astroToken)
	cfg.Conn.MaxAttempts = 3
	c := astro.NewClient(cfg)
	defer c.Close()
	err := c.Connect(ctx)
	var he *conn.HandshakeError
	if !errors.As(err, &he) || he.Status != http.StatusBadGateway {
		t.Fatalf("Connect: %v, want the last 502 as *conn.HandshakeError", err)
	}
	if srv.Rejected() != 3 {
		t.Errorf("server refused %d upgrades, want 3", srv.Rejected())
	}
}

// With Overflow DropWithError, frames a slow handler cannot take are
// dropped and each one is reported as conn.ErrQueueFull: none vanishes.
func TestAstroSlowHandlerOverflowReportsEveryDroppedFrame(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	cfg := rec.config(srv, astroToken)
	cfg.Conn.QueueSize = 1
	cfg.Conn.Overflow = conn.DropWithError
	c := astro.NewClient(cfg)
	entered := make(chan string, 1)
	release := make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	delivered := make(chan string, 64)
	c.OnChannelTipsMessage(func(_ context.Context, m *astro.ChannelTipsMessage) {
		astroPut(entered, m.Data.ID.Value)
		<-release
		astroPut(delivered, m.Data.ID.Value)
	})
	// The welcome and the subscribe reply go through the same one-frame
	// queue; each must have left it before the server sends the next frame,
	// or that frame would be dropped however fast the drainer is.
	handled := make(chan string, 2)
	c.OnWelcomeMessage(func(context.Context, *astro.Welcome) { astroPut(handled, "welcome") })
	c.OnResponseMessage(func(context.Context, *astro.Response) { astroPut(handled, "response") })
	astroConnect(t, ctx, c)
	defer c.Close()
	defer releaseOnce() // runs before Close, which waits for the handler
	astroRecv(t, ctx, rec.restored, "OnRestored")
	if got := astroRecv(t, ctx, handled, "the welcome at its handler"); got != "welcome" {
		t.Fatalf("first frame handled: %s, want welcome", got)
	}
	astroSubscribe(t, ctx, c, "channel.tips", "")
	if got := astroRecv(t, ctx, handled, "the subscribe reply at its handler"); got != "response" {
		t.Fatalf("second frame handled: %s, want response", got)
	}

	// The first tip holds the handler before the rest arrive, so the outcome
	// does not depend on when the drainer is scheduled: the second tip fills
	// the one-frame queue and every later one is dropped with a report.
	srv.Publish("channel.tips", "", astroTip("ev-00", 1))
	if id := astroRecv(t, ctx, entered, "the handler to hold the first tip"); id != "ev-00" {
		t.Fatalf("handler entered with %s, want ev-00", id)
	}
	const n = 10
	for i := 1; i < n; i++ {
		srv.Publish("channel.tips", "", astroTip(fmt.Sprintf("ev-%02d", i), 1))
	}
	dropped := 0
	for dropped < n-2 {
		err := astroRecv(t, ctx, rec.errs, "an ErrQueueFull report")
		if !errors.Is(err, conn.ErrQueueFull) {
			t.Fatalf("OnError got %v, want conn.ErrQueueFull", err)
		}
		var fe *conn.FrameError
		if !errors.As(err, &fe) || fe.Seq == 0 {
			t.Errorf("drop report %v names no frame", err)
		}
		dropped++
	}
	releaseOnce()
	var got []string
	for len(got) < 2 {
		got = append(got, astroRecv(t, ctx, delivered, "a delivered tip"))
	}
	if want := []string{"ev-00", "ev-01"}; !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	// Nothing beyond the queue's one frame and the one in hand may arrive.
	select {
	case id := <-delivered:
		t.Errorf("tip %s delivered after its drop was reported", id)
	case err := <-rec.errs:
		t.Errorf("extra report: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
}

// ---------------------------------------------------------------- close

func TestAstroCloseLeavesNoGoroutinesAndIsIdempotent(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{PingInterval: 10 * time.Millisecond})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
	if err := c.Close(); err != nil {
		t.Errorf("Close before Connect: %v", err)
	}
	astroConnect(t, ctx, c)
	astroSubscribe(t, ctx, c, "channel.tips", "")
	sc := astroOnlyConn(t, ctx, srv)

	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !astroIsClosed(c.Done()) {
		t.Error("Done not closed after Close")
	}
	if !errors.Is(c.Err(), conn.ErrClosed) {
		t.Errorf("Err() = %v, want conn.ErrClosed", c.Err())
	}
	if _, err := c.Subscribe(ctx, "channel.tips", "x"); !errors.Is(err, conn.ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want conn.ErrClosed", err)
	}
	select {
	case <-sc.Done():
	case <-ctx.Done():
		t.Fatal("server connection still open after Close")
	}
}

func TestAstroCloseDuringReconnectBackoffReturnsPromptly(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	cfg := rec.config(srv, astroToken)
	cfg.Conn.Backoff = conn.Backoff{Base: time.Minute, Max: time.Minute, Rand: func() float64 { return 0.99 }}
	c := astro.NewClient(cfg)
	astroConnect(t, ctx, c)
	srv.DropAll()
	astroRecv(t, ctx, rec.discs, "OnDisconnected")

	start := time.Now()
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v during a one-minute backoff", d)
	}
	if !astroIsClosed(c.Done()) {
		t.Error("Done not closed")
	}
}

// Done and Err are documented as the client's status; on a client whose
// Connect failed (or never ran) they must answer, not panic.
func TestAstroClientStatusAfterFailedConnectDoesNotPanic(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	c := astro.NewClient(newAstroRecorder().config(srv, astroToken))
	defer c.Close()
	srv.RejectNext(1, http.StatusUnauthorized, "")
	if err := c.Connect(ctx); err == nil {
		t.Fatal("Connect succeeded despite the 401")
	}
	try := func(name string, fn func()) {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("%s after a failed Connect panics: %v", name, p)
			}
		}()
		fn()
	}
	try("Done", func() { _ = c.Done() })
	try("Err", func() { _ = c.Err() })
	try("Subscriptions", func() { _ = c.Subscriptions() })
	try("Subscribe", func() { _, _ = c.Subscribe(ctx, "channel.tips", "") })
}

// ---------------------------------------------------------------- validation policy

func TestAstroValidationPolicy(t *testing.T) {
	invalid := astroFrame("channel.tips", `{"_id":"bad","approved":"maybe"}`)
	valid := astroFrame("channel.tips", string(astroTip("good", 1)))
	cases := []struct {
		name         string
		policy       wire.Policy
		reported     bool
		dispatchedOK bool
	}{
		{"Report", wire.Report, true, true},
		{"Strict", wire.Strict, true, false},
		{"Off", wire.Off, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			srv := astroStart(t, testserver.AstroOptions{})
			defer srv.Close()
			ctx, cancel := astroContext()
			defer cancel()

			rec := newAstroRecorder()
			cfg := rec.config(srv, astroToken)
			cfg.Validation = tc.policy
			c := astro.NewClient(cfg)
			tips := astroTipIDs(c)
			astroConnect(t, ctx, c)
			defer c.Close()
			astroRecv(t, ctx, rec.restored, "OnRestored")

			sc := astroOnlyConn(t, ctx, srv)
			sc.Send(invalid)
			sc.Send(valid)
			var got []string
			for id := ""; id != "good"; {
				id = astroRecv(t, ctx, tips, "the valid tip")
				got = append(got, id)
			}
			want := []string{"good"}
			if tc.dispatchedOK {
				want = []string{"bad", "good"}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("dispatched tips (-want +got):\n%s", diff)
			}
			// Errors of a frame are reported before later frames are delivered.
			errs := rec.drainErrs()
			if !tc.reported {
				if len(errs) != 0 {
					t.Errorf("OnError got %v under Off", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("OnError got %d errors (%v), want 1", len(errs), errs)
			}
			var fe *wire.FrameError
			if !errors.As(errs[0], &fe) {
				t.Fatalf("OnError got %v (%T), want a *wire.FrameError inside", errs[0], errs[0])
			}
			if fe.Message != "ChannelTipsMessage" || len(fe.Violations) != 1 ||
				fe.Violations[0].Pointer != "/data/approved" || fe.Violations[0].Keyword != "enum" {
				t.Errorf("FrameError = %+v, want one enum violation at /data/approved", fe)
			}
			var cfe *conn.FrameError
			if !errors.As(errs[0], &cfe) || cfe.Seq == 0 {
				t.Errorf("OnError error %v does not name the frame's sequence number", errs[0])
			}
		})
	}
}

func TestAstroMalformedFrameIsReportedAndConnectionSurvives(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	tips := astroTipIDs(c)
	unknown := make(chan *wire.Unknown, 8)
	c.OnUnknown(func(_ context.Context, u *wire.Unknown) { astroPut(unknown, u) })
	astroConnect(t, ctx, c)
	defer c.Close()

	sc := astroOnlyConn(t, ctx, srv)
	sc.Send([]byte(`{"type":"message","topic":"channel.tips","data":{`))
	sc.Send(astroFrame("channel.tips", string(astroTip("after", 1))))
	if id := astroRecv(t, ctx, tips, "the tip after the malformed frame"); id != "after" {
		t.Errorf("tip %q, want after", id)
	}
	errs := rec.drainErrs()
	var fe *wire.FrameError
	if len(errs) != 1 || !errors.As(errs[0], &fe) || fe.Syntax == nil {
		t.Errorf("OnError got %v, want one malformed-JSON *wire.FrameError", errs)
	}
	if len(unknown) != 0 || len(rec.discs) != 0 || srv.Accepted() != 1 {
		t.Errorf("malformed frame: %d unknown, %d disconnects, %d connections", len(unknown), len(rec.discs), srv.Accepted())
	}
}

func TestAstroUnknownFramesGoToOnUnknown(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	unknown := make(chan *wire.Unknown, 8)
	c.OnUnknown(func(_ context.Context, u *wire.Unknown) { astroPut(unknown, u) })
	activities := make(chan string, 8)
	c.OnChannelActivitiesMessage(func(_ context.Context, m *astro.ChannelActivitiesMessage) { astroPut(activities, m.ID) })
	// Topics and activity types are open sets: a new one reaches its
	// catch-all handler, not OnUnknown.
	topics := make(chan string, 8)
	c.OnUnknownTopicMessage(func(_ context.Context, m *astro.UnknownTopicMessage) { astroPut(topics, string(m.Topic)) })
	others := make(chan string, 8)
	c.OnActivityOther(func(_ context.Context, _ *astro.ChannelActivitiesMessage, a *astro.ActivityOther) {
		astroPut(others, string(a.Raw))
	})
	astroConnect(t, ctx, c)
	defer c.Close()

	sc := astroOnlyConn(t, ctx, srv)
	sc.Send([]byte(`{"type":"brand_new","data":{"x":1}}`))
	sc.Send(astroFrame("channel.brand_new", `{"x":1}`))
	sc.Send(astroFrame("channel.activities", `{"_id":"a","channel":"c","provider":"twitch","type":"teleport","data":{}}`))
	// The frame type is a protocol keyword, a closed set.
	u := astroRecv(t, ctx, unknown, "OnUnknown")
	if u.Pointer != "" || !strings.Contains(string(u.Raw), `"brand_new"`) {
		t.Errorf("OnUnknown got pointer %q raw %s, want the brand_new frame", u.Pointer, u.Raw)
	}
	if topic := astroRecv(t, ctx, topics, "OnUnknownTopicMessage"); topic != `"channel.brand_new"` {
		t.Errorf("unknown topic %q, want channel.brand_new", topic)
	}
	if raw := astroRecv(t, ctx, others, "OnActivityOther"); !strings.Contains(raw, `"teleport"`) {
		t.Errorf("ActivityOther raw %s, want the teleport activity", raw)
	}
	// The known envelope of the unknown activity still reaches its handler.
	astroRecv(t, ctx, activities, "OnChannelActivitiesMessage for the unknown activity type")
	if srv.Accepted() != 1 || len(rec.discs) != 0 {
		t.Error("unknown frames cost the connection")
	}
}

// ---------------------------------------------------------------- typed handlers

func TestAstroTopicHandlersReceiveTypedValues(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	tips := make(chan *astro.ChannelTipsMessage, 4)
	c.OnChannelTipsMessage(func(_ context.Context, m *astro.ChannelTipsMessage) { astroPut(tips, m) })
	moderation := make(chan *astro.ChannelTipsModerationMessage, 4)
	c.OnChannelTipsModerationMessage(func(_ context.Context, m *astro.ChannelTipsModerationMessage) { astroPut(moderation, m) })
	unhandled := make(chan astro.ServerMessage, 4)
	c.OnUnhandled(func(_ context.Context, m astro.ServerMessage) { astroPut(unhandled, m) })
	responses := make(chan *astro.Response, 8)
	c.OnResponseMessage(func(_ context.Context, r *astro.Response) { astroPut(responses, r) })
	astroConnect(t, ctx, c)
	defer c.Close()

	r := astroSubscribe(t, ctx, c, "channel.tips", "")
	astroSubscribe(t, ctx, c, "channel.tips.moderation", "room-m")
	astroSubscribe(t, ctx, c, "channel.chatstats", "")
	if hr := astroRecv(t, ctx, responses, "OnResponse"); hr.Nonce != r.Nonce {
		t.Errorf("OnResponse nonce %q, want %q", hr.Nonce.Value, r.Nonce.Value)
	}
	room := astroResponseData(t, r).Room.Or("")

	srv.Publish("channel.tips", "", astroTip("tip-1", 4.2))
	m := astroRecv(t, ctx, tips, "OnChannelTipsMessage")
	d := m.Data.Donation.Value
	if m.Topic != "channel.tips" || m.Room.Or("") != room || m.Data.ID.Or("") != "tip-1" ||
		m.Data.Approved.Or("") != astro.TipApprovalAllowed || d.User.Value.Username.Or("") != "Styler" ||
		d.Amount.Or(0) != 4.2 || d.Currency.Or("") != "USD" || m.Data.ApprovedBy.Set {
		t.Errorf("OnChannelTipsMessage got %+v", m)
	}
	if len(m.RawFrame()) == 0 {
		t.Error("RawFrame is empty")
	}

	srv.Publish("channel.tips.moderation", "room-m", json.RawMessage(`{"_id":"tip-2","approved":"rejected","approvedBy":"mod1"}`))
	mm := astroRecv(t, ctx, moderation, "OnChannelTipsModerationMessage")
	if mm.Room.Or("") != "room-m" || mm.Data.Approved.Or("") != astro.TipApprovalRejected || mm.Data.ApprovedBy.Or("") != "mod1" {
		t.Errorf("OnChannelTipsModerationMessage got %+v", mm)
	}

	// No handler for channel.chatstats: OnUnhandled gets the typed message.
	srv.Publish("channel.chatstats", "", json.RawMessage(`{"totalMessages":42}`))
	um := astroRecv(t, ctx, unhandled, "OnUnhandled")
	if _, ok := um.(*astro.Welcome); ok { // no OnWelcome either
		um = astroRecv(t, ctx, unhandled, "OnUnhandled")
	}
	cs, ok := um.(*astro.ChannelChatstatsMessage)
	if !ok || !strings.Contains(string(cs.Data), "42") {
		t.Errorf("OnUnhandled got %#v, want the *astro.ChannelChatstatsMessage", um)
	}
	if errs := rec.drainErrs(); len(errs) != 0 {
		t.Errorf("OnError got %v", errs)
	}
}

func TestAstroActivityHandlersDispatchByType(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := astroStart(t, testserver.AstroOptions{})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	rec := newAstroRecorder()
	c := astro.NewClient(rec.config(srv, astroToken))
	// Handlers run one at a time on the delivery goroutine.
	var order []string
	done := make(chan struct{}, 8)
	c.OnChannelActivitiesMessage(func(_ context.Context, m *astro.ChannelActivitiesMessage) {
		order = append(order, "message:"+m.ID)
	})
	c.OnActivityFollow(func(_ context.Context, m *astro.ChannelActivitiesMessage, a *astro.ActivityFollow) {
		if m.Data != astro.ChannelActivitiesMessageData(a) {
			t.Error("OnActivityFollow got a value that is not the message's data")
		}
		order = append(order, fmt.Sprintf("follow:%s:%s:%s", a.ID.Or(""), a.Provider, a.Data.Value.Username.Or("")))
		astroPut(done, struct{}{})
	})
	c.OnActivityTip(func(_ context.Context, m *astro.ChannelActivitiesMessage, a *astro.ActivityTip) {
		order = append(order, fmt.Sprintf("tip:%s:%s:%d", a.ID.Or(""), a.Data.Value.Username.Or(""), a.SessionEventsCount.Or(0)))
		astroPut(done, struct{}{})
	})
	c.OnActivityRaid(func(_ context.Context, m *astro.ChannelActivitiesMessage, a *astro.ActivityRaid) {
		order = append(order, "raid:"+a.ID.Or(""))
		astroPut(done, struct{}{})
	})
	astroConnect(t, ctx, c)
	defer c.Close()
	astroSubscribe(t, ctx, c, "channel.activities", "room-a")

	activities := []struct{ id, typ, user string }{
		{"act-1", "follow", "jtv"}, {"act-2", "tip", "viewer2"}, {"act-3", "raid", "raider"},
	}
	for _, a := range activities {
		srv.Publish("channel.activities", "room-a", astroActivity(a.id, a.typ, a.user))
	}
	for range activities {
		astroRecv(t, ctx, done, "an activity handler")
	}
	c.Close() // orders the handlers' writes before the reads below
	if len(order) != 6 {
		t.Fatalf("handler calls %v, want 6", order)
	}
	for i, w := range []string{"follow:act-1:twitch:jtv", "tip:act-2:viewer2:2", "raid:act-3"} {
		if !strings.HasPrefix(order[2*i], "message:") || order[2*i+1] != w {
			t.Errorf("calls %d-%d = %v, want the message handler then %q", 2*i, 2*i+1, order[2*i:2*i+2], w)
		}
	}
	if errs := rec.drainErrs(); len(errs) != 0 {
		t.Errorf("OnError got %v", errs)
	}
}

// ---------------------------------------------------------------- secrets

// Every log line and every error the client produces, across a session
// with refusals, resumes, drops and a fatal stop, is free of the token, a
// bad token and the reconnect tokens.
func TestAstroSecretsNeverAppearInLogsOrErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	const badToken = "astro-wrong-token-91bd3e"
	srv := astroStart(t, testserver.AstroOptions{Tokens: map[string][]string{astroToken: {"tips:read"}}})
	defer srv.Close()
	ctx, cancel := astroContext()
	defer cancel()

	var logs astroLog
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var seen []string // every error text the test saw
	record := func(err error) {
		if err != nil {
			seen = append(seen, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}

	rec := newAstroRecorder()
	cfg := rec.config(srv, astroToken)
	cfg.Conn.Logger = logger
	c := astro.NewClient(cfg)
	defer c.Close()
	resumeTokens := make(chan string, 8)
	c.OnReconnectMessage(func(_ context.Context, m *astro.Reconnect) { astroPut(resumeTokens, m.Data.ReconnectToken) })

	srv.RejectNext(1, http.StatusTooManyRequests, "0") // a retried handshake refusal
	record(c.Connect(ctx))
	astroRecv(t, ctx, rec.restored, "the first OnRestored")
	astroSubscribe(t, ctx, c, "channel.tips", "")
	_, err := c.Subscribe(ctx, "channel.activities", "") // err_unauthorized: missing scope
	record(err)

	secrets := []string{astroToken, badToken}
	for range 2 { // two resumed sessions
		srv.AnnounceRestartAll()
		// The reconnect frame reaches its handler on the delivery queue,
		// which may lag behind the resume the reader already started.
		secrets = append(secrets, astroRecv(t, ctx, resumeTokens, "the reconnect frame at its handler"))
		astroRecv(t, ctx, rec.restored, "OnRestored after a resume")
		astroOnlyConn(t, ctx, srv)
	}
	srv.Publish("channel.tips", "", json.RawMessage(`{"approved":"maybe"}`)) // an invalid frame
	srv.DropAll()                                                            // a resubscribe
	astroRecv(t, ctx, rec.restored, "OnRestored after the drop")
	srv.RejectNext(1, http.StatusUnauthorized, "") // a permanent stop
	srv.DropAll()
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("client did not stop on the 401")
	}
	record(c.Err())

	badCfg := newAstroRecorder().config(srv, badToken)
	badCfg.Conn.Logger = logger
	badCfg.OnError = cfg.OnError
	badCfg.OnDisconnected = cfg.OnDisconnected
	bad := astro.NewClient(badCfg)
	astroConnect(t, ctx, bad)
	_, err = bad.Subscribe(ctx, "channel.tips", "") // err_unauthorized: invalid token
	record(err)
	bad.Close()
	c.Close()

	if len(resumeTokens) > 0 {
		t.Errorf("%d more reconnect frames than the two announced restarts", len(resumeTokens))
	}
	for _, ch := range []chan error{rec.errs, rec.discs} {
		for len(ch) > 0 {
			record(<-ch)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "reconnect_token=REDACTED") {
		t.Errorf("the resumed dial was not logged with a redacted URL:\n%s", out)
	}
	if len(seen) < 3*8 {
		t.Errorf("only %d error texts captured; the scenario did not run", len(seen)/3)
	}
	for i, s := range secrets {
		if s == "" {
			t.Fatalf("secret #%d is empty", i)
		}
		if strings.Contains(out, s) {
			t.Errorf("secret #%d appears in the logs", i)
		}
		for _, e := range seen {
			if strings.Contains(e, s) {
				t.Errorf("secret #%d appears in an error: %s", i, strings.ReplaceAll(e, s, "<SECRET>"))
			}
		}
	}
}
