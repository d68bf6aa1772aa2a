package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

const astroWait = 5 * time.Second

var (
	astroULID = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)
	astroTS   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

func astroStart(t *testing.T, opt AstroOptions) *Astro {
	t.Helper()
	a, err := NewAstro(opt)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func astroCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), astroWait)
	t.Cleanup(cancel)
	return ctx
}

// astroDialRaw dials without reading the welcome.
func astroDialRaw(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// astroDial dials and checks that the first frame is the welcome.
func astroDial(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	ws := astroDialRaw(t, ctx, url)
	w := astroRead(t, ws)
	if w["type"] != "welcome" {
		t.Fatalf("first frame is %v, want welcome", w)
	}
	return ws
}

func astroRead(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(astroWait))
	typ, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("frame type %d, want text", typ)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("frame %s: %v", b, err)
	}
	return m
}

func astroSend(t *testing.T, ws *websocket.Conn, v any) {
	t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func astroSub(nonce, topic, room, token, tokenType string) map[string]any {
	d := map[string]any{"topic": topic, "token": token, "token_type": tokenType}
	if room != "" {
		d["room"] = room
	}
	m := map[string]any{"type": "subscribe", "data": d}
	if nonce != "" {
		m["nonce"] = nonce
	}
	return m
}

// astroCall sends req and reads the response, checking id and ts.
func astroCall(t *testing.T, ws *websocket.Conn, req any) map[string]any {
	t.Helper()
	astroSend(t, ws, req)
	r := astroRead(t, ws)
	if r["type"] != "response" {
		t.Fatalf("got %v, want a response", r)
	}
	id, _ := r["id"].(string)
	ts, _ := r["ts"].(string)
	if !astroULID.MatchString(id) || !astroTS.MatchString(ts) {
		t.Fatalf("response id %q ts %q are not a ULID and an RFC 3339 second", id, ts)
	}
	return r
}

func astroMustSubscribe(t *testing.T, ws *websocket.Conn, topic, room, token string) {
	t.Helper()
	r := astroCall(t, ws, astroSub("n", topic, room, token, "jwt"))
	if r["error"] != nil {
		t.Fatalf("subscribe %s/%s: %v", topic, room, r)
	}
}

// astroConns waits for n server conns.
func astroConns(t *testing.T, ctx context.Context, a *Astro, n int) []*Conn {
	t.Helper()
	cs, err := a.WaitConns(ctx, n)
	if err != nil {
		t.Fatalf("waiting for %d conns (have %d): %v", n, len(a.Conns()), err)
	}
	return cs
}

func TestAstroWelcomeIsFirstFrame(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDialRaw(t, ctx, a.URL)
	w := astroRead(t, ws)
	id, _ := w["id"].(string)
	ts, _ := w["ts"].(string)
	if w["type"] != "welcome" || !astroULID.MatchString(id) || !astroTS.MatchString(ts) {
		t.Fatalf("welcome = %v", w)
	}
	data, _ := w["data"].(map[string]any)
	cid, _ := data["client_id"].(string)
	if data["message"] != AstroWelcomeMessage || cid == "" {
		t.Fatalf("welcome data = %v", data)
	}
	c := astroConns(t, ctx, a, 1)[0]
	if a.ClientID(c) != cid || a.Resumed(c) {
		t.Fatalf("ClientID = %q, Resumed = %v; want %q, false", a.ClientID(c), a.Resumed(c), cid)
	}
}

func TestAstroSubscribeEchoesNonceAndCanonicalRoom(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDial(t, ctx, a.URL)

	r := astroCall(t, ws, astroSub("86ccb2b3", "channel.activities", "", "tok-a", "jwt"))
	want := map[string]any{"message": "successfully subscribed to topic", "topic": "channel.activities", "room": AstroChannelID("tok-a")}
	if r["nonce"] != "86ccb2b3" || r["error"] != nil || !cmp.Equal(r["data"], any(want)) {
		t.Fatalf("response = %v, want nonce 86ccb2b3 and data %v", r, want)
	}
	if AstroChannelID("tok-a") == AstroChannelID("tok-b") || len(AstroChannelID("x")) != 24 {
		t.Fatal("AstroChannelID is not a per-token 24-digit id")
	}

	r = astroCall(t, ws, astroSub("", "channel.tips", "room-7", "tok-a", "oauth2"))
	if _, has := r["nonce"]; has {
		t.Fatalf("response to a request without nonce carries one: %v", r)
	}
	if d, _ := r["data"].(map[string]any); d["room"] != "room-7" || r["error"] != nil {
		t.Fatalf("response = %v, want room-7", r)
	}
	for _, tt := range []string{"apikey", "oauth"} {
		if r := astroCall(t, ws, astroSub("x", "channel.contests", tt, "tok-a", tt)); r["error"] != nil {
			t.Fatalf("token_type %s refused: %v", tt, r)
		}
	}

	c := astroConns(t, ctx, a, 1)[0]
	got := a.Subscriptions(c)
	wantSubs := []AstroSubscription{
		{"channel.activities", AstroChannelID("tok-a")},
		{"channel.tips", "room-7"},
		{"channel.contests", "apikey"},
		{"channel.contests", "oauth"},
	}
	if diff := cmp.Diff(wantSubs, got); diff != "" {
		t.Fatalf("Subscriptions (-want +got):\n%s", diff)
	}
}

func TestAstroErrorResponses(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{
		Tokens: map[string][]string{
			"owner": {"*"},
			"tips":  {"tips:read"},
		},
		MaxSubscriptions: 3,
	})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDial(t, ctx, a.URL)

	steps := []struct {
		name    string
		req     any
		code    string
		message string // "" = any
	}{
		{"unknown token", astroSub("1", "channel.tips", "", "nope", "jwt"), "err_unauthorized", "invalid token"},
		{"missing token", astroSub("2", "channel.tips", "", "", "jwt"), "err_unauthorized", "invalid token"},
		{"bad token_type", astroSub("3", "channel.tips", "", "owner", "basic"), "err_unauthorized", "invalid token"},
		{"missing token_type", map[string]any{"type": "subscribe", "nonce": "4", "data": map[string]any{"topic": "channel.tips", "token": "owner"}}, "err_unauthorized", "invalid token"},
		{"missing scope", astroSub("5", "channel.activities", "", "tips", "jwt"), "err_unauthorized", ""},
		{"missing topic", astroSub("6", "", "", "owner", "jwt"), "err_bad_request", ""},
		{"unknown topic", astroSub("7", "channel.nope", "", "owner", "jwt"), "err_bad_request", ""},
		{"missing data", map[string]any{"type": "subscribe", "nonce": "8"}, "err_bad_request", ""},
		{"scoped ok", astroSub("9", "channel.tips", "", "tips", "jwt"), "", "successfully subscribed to topic"},
		{"no-scope topic ok", astroSub("10", "channel.giveaways", "", "tips", "apikey"), "", "successfully subscribed to topic"},
		{"already subscribed", astroSub("11", "channel.tips", "", "tips", "oauth"), "err_bad_request", "already subscribed to topic"},
		{"owner ok", astroSub("12", "channel.activities", "r1", "owner", "jwt"), "", "successfully subscribed to topic"},
		{"limit", astroSub("13", "channel.activities", "r2", "owner", "jwt"), "err_bad_request", "limit exceeded"},
		{"unknown command", map[string]any{"type": "ping", "nonce": "14"}, "invalid_message_type", ""},
		{"upper-case command", map[string]any{"type": "SUBSCRIBE", "nonce": "15"}, "invalid_message_type", ""},
		{"not subscribed", map[string]any{"type": "unsubscribe", "nonce": "16", "data": map[string]any{"topic": "channel.chatstats"}}, "err_bad_request", "not subscribed to topic"},
	}
	for _, s := range steps {
		r := astroCall(t, ws, s.req)
		nonce := s.req.(map[string]any)["nonce"]
		data, _ := r["data"].(map[string]any)
		msg, _ := data["message"].(string)
		code, _ := r["error"].(string)
		if r["nonce"] != nonce || code != s.code || msg == "" || (s.message != "" && msg != s.message) {
			t.Errorf("%s: response %v, want nonce %v error %q message %q", s.name, r, nonce, s.code, s.message)
		}
	}
}

func TestAstroMalformedFrames(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDial(t, ctx, a.URL)

	for _, frame := range []string{`{"type":"subscribe","nonce":"x"`, `[1,2]`, `null`, `"str"`} {
		r := astroCall(t, ws, []byte(frame))
		if _, has := r["nonce"]; has || r["error"] != "err_bad_request" {
			t.Errorf("%s: got %v, want err_bad_request without nonce", frame, r)
		}
	}
	r := astroCall(t, ws, []byte(`{"type":"subscribe","nonce":7,"data":{}}`))
	if _, has := r["nonce"]; has || r["error"] != "err_bad_request" {
		t.Errorf("numeric nonce: got %v", r)
	}
	// Binary frames are ignored: the next answer is the subscribe's.
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"unsubscribe"}`)); err != nil {
		t.Fatal(err)
	}
	if r := astroCall(t, ws, astroSub("after-binary", "channel.tips", "", "t", "jwt")); r["nonce"] != "after-binary" || r["error"] != nil {
		t.Fatalf("after a binary frame: %v", r)
	}
	// A frame over the 1 MiB read limit ends the connection.
	big := `{"type":"subscribe","nonce":"` + strings.Repeat("x", 1<<20) + `"}`
	_ = ws.WriteMessage(websocket.TextMessage, []byte(big))
	_ = ws.SetReadDeadline(time.Now().Add(astroWait))
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Fatal("oversized frame: connection survived")
	}
	astroConns(t, ctx, a, 0)
}

func TestAstroRateLimit(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{RateLimit: 2, RateWindow: time.Hour})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDial(t, ctx, a.URL)
	astroMustSubscribe(t, ws, "channel.tips", "", "t")
	astroMustSubscribe(t, ws, "channel.tips", "r", "t")
	r := astroCall(t, ws, astroSub("third", "channel.activities", "", "t", "jwt"))
	if r["error"] != "rate_limit_exceeded" || r["nonce"] != "third" {
		t.Fatalf("third command: %v, want rate_limit_exceeded", r)
	}
	if got := a.Subscriptions(astroConns(t, ctx, a, 1)[0]); len(got) != 2 {
		t.Fatalf("rate-limited subscribe took effect: %v", got)
	}
}

func TestAstroUnsubscribe(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDial(t, ctx, a.URL)
	c := astroConns(t, ctx, a, 1)[0]
	astroMustSubscribe(t, ws, "channel.tips", "r1", "t")
	astroMustSubscribe(t, ws, "channel.tips", "r2", "t")
	astroMustSubscribe(t, ws, "channel.tips", "r3", "t")
	astroMustSubscribe(t, ws, "channel.activities", "r1", "t")

	unsub := func(nonce, room string) map[string]any {
		d := map[string]any{"topic": "channel.tips"}
		if room != "" {
			d["room"] = room
		}
		return astroCall(t, ws, map[string]any{"type": "unsubscribe", "nonce": nonce, "data": d})
	}
	r := unsub("one", "r2")
	if d, _ := r["data"].(map[string]any); r["error"] != nil || r["nonce"] != "one" || d["message"] != "successfully unsubscribed from topic" || d["room"] != "r2" {
		t.Fatalf("unsubscribe one room: %v", r)
	}
	want := []AstroSubscription{{"channel.tips", "r1"}, {"channel.tips", "r3"}, {"channel.activities", "r1"}}
	if diff := cmp.Diff(want, a.Subscriptions(c)); diff != "" {
		t.Fatalf("after one room (-want +got):\n%s", diff)
	}
	if r := unsub("all", ""); r["error"] != nil {
		t.Fatalf("unsubscribe all rooms: %v", r)
	}
	want = []AstroSubscription{{"channel.activities", "r1"}}
	if diff := cmp.Diff(want, a.Subscriptions(c)); diff != "" {
		t.Fatalf("after all rooms (-want +got):\n%s", diff)
	}
	if r := unsub("again", ""); r["error"] != "err_bad_request" {
		t.Fatalf("unsubscribe when not subscribed: %v", r)
	}
}

func TestAstroPublishReachesOnlyMatchingSubscriptions(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{})
	defer a.Close()
	ctx := astroCtx(t)
	wsA := astroDial(t, ctx, a.URL)
	wsB := astroDial(t, ctx, a.URL)
	wsC := astroDial(t, ctx, a.URL)
	conns := astroConns(t, ctx, a, 3)
	astroMustSubscribe(t, wsA, "channel.tips", "r1", "t")
	astroMustSubscribe(t, wsB, "channel.tips", "r2", "t")
	astroMustSubscribe(t, wsC, "channel.activities", "r1", "t")

	expect := func(ws *websocket.Conn, room string, data any) {
		t.Helper()
		m := astroRead(t, ws)
		id, _ := m["id"].(string)
		ts, _ := m["ts"].(string)
		if m["type"] != "message" || m["topic"] != "channel.tips" || m["room"] != room || !cmp.Equal(m["data"], data) ||
			!astroULID.MatchString(id) || !astroTS.MatchString(ts) {
			t.Fatalf("got %v, want channel.tips message in %s with %v", m, room, data)
		}
	}
	one := map[string]any{"n": 1.0}
	if n := a.Publish("channel.tips", "r1", one); n != 1 {
		t.Fatalf("Publish to r1 reached %d conns, want 1", n)
	}
	expect(wsA, "r1", one)
	two := map[string]any{"n": 2.0}
	if n := a.Publish("channel.tips", "", two); n != 2 {
		t.Fatalf("Publish to every room reached %d conns, want 2", n)
	}
	expect(wsA, "r1", two)
	expect(wsB, "r2", two)
	if n := a.Publish("channel.tips", "r9", one); n != 0 {
		t.Fatalf("Publish to an empty room reached %d conns", n)
	}
	// C got none of it: the first frame it reads is the marker PublishTo
	// queues after everything above.
	var cConn *Conn
	for _, c := range conns {
		if len(a.Subscriptions(c)) == 1 && a.Subscriptions(c)[0].Topic == "channel.activities" {
			cConn = c
		}
	}
	a.PublishTo(cConn, "channel.tips", "marker", "end")
	expect(wsC, "marker", "end")
}

func TestAstroHeartbeatDropsSilentClient(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{PingInterval: 10 * time.Millisecond, PongTimeout: 200 * time.Millisecond})
	defer a.Close()
	ctx := astroCtx(t)

	// A live client answers pings (gorilla's handler does while reading).
	live := astroDial(t, ctx, a.URL)
	var pings atomic.Int64
	enough := make(chan struct{})
	live.SetPingHandler(func(data string) error {
		if pings.Add(1) == 3 {
			close(enough)
		}
		return live.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	liveDone := make(chan error, 1)
	go func() {
		_ = live.SetReadDeadline(time.Now().Add(astroWait))
		_, _, err := live.ReadMessage()
		liveDone <- err
	}()
	select {
	case <-enough:
	case <-ctx.Done():
		t.Fatalf("saw %d pings, want 3", pings.Load())
	}

	// A silent client reads (so it gets pings) but never pongs.
	start := time.Now() // before the server can open the conn
	silent := astroDial(t, ctx, a.URL)
	silent.SetPingHandler(func(string) error { return nil })
	_ = silent.SetReadDeadline(time.Now().Add(astroWait))
	if _, _, err := silent.ReadMessage(); err == nil {
		t.Fatal("silent client got a frame, want its connection dropped")
	} else if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("silent client was not dropped: %v", err)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Fatalf("silent client dropped after %v, before PongTimeout", el)
	}
	// The live client is still there, well past PongTimeout.
	astroConns(t, ctx, a, 1)
	select {
	case err := <-liveDone:
		t.Fatalf("live client lost its connection: %v", err)
	default:
	}
	live.Close()
	<-liveDone
}

func TestAstroSilencedConnGetsNoPingsOrAnswers(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{PingInterval: 5 * time.Millisecond, PongTimeout: 20 * time.Millisecond})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDial(t, ctx, a.URL)
	c := astroConns(t, ctx, a, 1)[0]
	c.Silence()
	var pings atomic.Int64
	ws.SetPingHandler(func(string) error { pings.Add(1); return nil })
	astroSend(t, ws, astroSub("n", "channel.tips", "", "t", "jwt"))
	// Read until well past PongTimeout: nothing may arrive, and the silent
	// link is not dropped by the server.
	_ = ws.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	_, _, err := ws.ReadMessage()
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read on a silenced conn: %v, want a timeout", err)
	}
	if n := pings.Load(); n > 1 { // one ping may have been sent before Silence
		t.Fatalf("silenced conn got %d pings", n)
	}
	if len(a.Conns()) != 1 || len(a.Subscriptions(c)) != 0 {
		t.Fatalf("silenced conn dropped or answered: conns %d subs %v", len(a.Conns()), a.Subscriptions(c))
	}
}

func TestAstroReconnectTokenRestoresSubscriptions(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{})
	defer a.Close()
	ctx := astroCtx(t)
	old := astroDial(t, ctx, a.URL)
	astroMustSubscribe(t, old, "channel.tips", "", "tok")
	astroMustSubscribe(t, old, "channel.activities", "r1", "tok")
	oldConn := astroConns(t, ctx, a, 1)[0]
	want := a.Subscriptions(oldConn)

	tok := a.AnnounceRestart(oldConn)
	m := astroRead(t, old)
	wantFrame := map[string]any{"type": "reconnect", "data": map[string]any{"message": "The server is shutting down.", "reconnect_token": tok}}
	if tok == "" || !cmp.Equal(m, wantFrame) {
		t.Fatalf("reconnect frame = %v, want exactly %v", m, wantFrame)
	}
	_ = old.SetReadDeadline(time.Now().Add(astroWait))
	_, _, err := old.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("old conn after grace: %v, want close 1001", err)
	}
	astroConns(t, ctx, a, 0)

	ws := astroDial(t, ctx, a.URL+"/?reconnect_token="+tok)
	c := astroConns(t, ctx, a, 1)[0]
	if !a.Resumed(c) {
		t.Fatal("Resumed = false for a conn opened with a reconnect token")
	}
	if diff := cmp.Diff(want, a.Subscriptions(c)); diff != "" {
		t.Fatalf("restored subscriptions (-want +got):\n%s", diff)
	}
	if n := a.Publish("channel.tips", "", "hi"); n != 1 {
		t.Fatalf("Publish after resume reached %d conns, want 1", n)
	}
	if m := astroRead(t, ws); m["type"] != "message" || m["data"] != "hi" || m["room"] != AstroChannelID("tok") {
		t.Fatalf("after resume got %v", m)
	}
	// Subscribing again is "already subscribed", as seen live.
	r := astroCall(t, ws, astroSub("again", "channel.tips", "", "tok", "jwt"))
	if d, _ := r["data"].(map[string]any); r["error"] != "err_bad_request" || d["message"] != "already subscribed to topic" {
		t.Fatalf("re-subscribe after resume: %v", r)
	}

	// The token is single-use.
	reused := astroDialRaw(t, ctx, a.URL+"/?reconnect_token="+tok)
	_ = reused.SetReadDeadline(time.Now().Add(astroWait))
	_, _, err = reused.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != AstroCloseInvalidResume || ce.Text != "invalid reconnect token" {
		t.Fatalf("reused token: %v, want close 4000", err)
	}
	if a.Accepted() != 3 {
		t.Fatalf("Accepted = %d, want 3 (the bad token is accepted, then closed)", a.Accepted())
	}
}

func TestAstroReconnectTokenExpires(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{ResumeTTL: time.Nanosecond})
	defer a.Close()
	ctx := astroCtx(t)
	astroDial(t, ctx, a.URL)
	tok := a.AnnounceRestart(astroConns(t, ctx, a, 1)[0])
	for _, q := range []string{tok, "forged"} {
		ws := astroDialRaw(t, ctx, a.URL+"/?reconnect_token="+q)
		_ = ws.SetReadDeadline(time.Now().Add(astroWait))
		_, _, err := ws.ReadMessage()
		if !websocket.IsCloseError(err, AstroCloseInvalidResume) {
			t.Fatalf("token %q: %v, want close 4000", q, err)
		}
	}
}

func TestAstroHandshakeRefusals(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{Draining: true})
	defer a.Close()
	ctx := astroCtx(t)
	dial := func() (*http.Response, error) {
		ws, resp, err := websocket.DefaultDialer.DialContext(ctx, a.URL, nil)
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if ws != nil {
			ws.Close()
		}
		return resp, err
	}
	resp, err := dial()
	if !errors.Is(err, websocket.ErrBadHandshake) || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("draining: %v %v, want 502", resp, err)
	}
	a.SetDraining(false)
	a.RejectNext(1, http.StatusTooManyRequests, "2")
	resp, err = dial()
	if !errors.Is(err, websocket.ErrBadHandshake) || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("rate limited: %v %v, want 429 with Retry-After 2", resp, err)
	}
	// Accepted counts only after the upgrade: wait for the server side.
	astroDial(t, ctx, a.URL)
	astroConns(t, ctx, a, 1)
	if a.Rejected() != 2 || a.Accepted() != 1 {
		t.Fatalf("Rejected %d Accepted %d, want 2 and 1", a.Rejected(), a.Accepted())
	}
}
