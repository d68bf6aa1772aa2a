package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

const (
	dliveWait  = 5 * time.Second
	dliveToken = "s3cret-app-token"
)

func dliveStart(t *testing.T, opt DLiveOptions) *DLive {
	t.Helper()
	if opt.Tokens == nil {
		opt.Tokens = []string{dliveToken}
	}
	d, err := NewDLive(opt)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func dliveCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), dliveWait)
	t.Cleanup(cancel)
	return ctx
}

// dliveDialWith dials with the given subprotocols and returns the response
// status too.
func dliveDialWith(ctx context.Context, url string, protos []string) (*websocket.Conn, int, error) {
	dl := websocket.Dialer{Subprotocols: protos, HandshakeTimeout: dliveWait}
	ws, resp, err := dl.DialContext(ctx, url, nil)
	status := 0
	if resp != nil {
		status = resp.StatusCode
		if resp.Body != nil {
			resp.Body.Close()
		}
	}
	return ws, status, err
}

func dliveDialRaw(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := dliveDialWith(ctx, url, []string{DLiveSubprotocol})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	if ws.Subprotocol() != DLiveSubprotocol {
		t.Fatalf("negotiated subprotocol %q, want graphql-ws", ws.Subprotocol())
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// dliveDial dials, sends a valid connection_init and checks ack then ka.
func dliveDial(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	ws := dliveDialRaw(t, ctx, url)
	dliveSend(t, ws, dliveInitFrame(dliveToken))
	dliveExpect(t, ws, map[string]any{"type": "connection_ack"})
	dliveExpect(t, ws, map[string]any{"type": "ka"})
	return ws
}

func dliveInitFrame(token string) map[string]any {
	return map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": token}}
}

func dliveStartFrame(id, query string) map[string]any {
	return map[string]any{"id": id, "type": "start", "payload": map[string]any{"query": query}}
}

func dliveQuery(field, streamer string) string {
	return `subscription{` + field + `(streamer:"` + streamer + `"){__typename}}`
}

func dliveRead(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(dliveWait))
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

func dliveExpect(t *testing.T, ws *websocket.Conn, want map[string]any) {
	t.Helper()
	if diff := cmp.Diff(want, dliveRead(t, ws)); diff != "" {
		t.Fatalf("frame (-want +got):\n%s", diff)
	}
}

// dliveExpectError reads an error frame for id and returns its message.
func dliveExpectError(t *testing.T, ws *websocket.Conn, typ, id string) string {
	t.Helper()
	m := dliveRead(t, ws)
	if m["type"] != typ {
		t.Fatalf("got %v, want a %s frame", m, typ)
	}
	if typ == "error" && m["id"] != id {
		t.Fatalf("error frame id %v, want %q", m["id"], id)
	}
	p, _ := m["payload"].(map[string]any)
	msg, _ := p["message"].(string)
	if msg == "" {
		t.Fatalf("%s frame without payload.message: %v", typ, m)
	}
	return msg
}

func dliveSend(t *testing.T, ws *websocket.Conn, v any) {
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

// dliveSync makes sure the server handled every frame sent before it: the
// server reads frames in order, and answers an unknown type with an error.
func dliveSync(t *testing.T, ws *websocket.Conn) {
	t.Helper()
	dliveSend(t, ws, map[string]any{"id": "sync", "type": "sync"})
	if msg := dliveExpectError(t, ws, "error", "sync"); msg != "Invalid message type!" {
		t.Fatalf("sync answer %q", msg)
	}
}

// dliveExpectClose reads until the close frame and returns its code.
func dliveExpectClose(t *testing.T, ws *websocket.Conn) int {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(dliveWait))
	_, b, err := ws.ReadMessage()
	if err == nil {
		t.Fatalf("frame %s before the close", b)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("read ended with %v, want a close frame", err)
	}
	return ce.Code
}

func dliveOneConn(t *testing.T, ctx context.Context, d *DLive) *Conn {
	t.Helper()
	cs, err := d.WaitConns(ctx, 1)
	if err != nil {
		t.Fatalf("waiting for a conn: %v", err)
	}
	return cs[0]
}

func TestDLiveAckThenKaAtCadence(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{KeepAliveInterval: 10 * time.Millisecond})
	defer d.Close()
	ctx := dliveCtx(t)
	ws := dliveDial(t, ctx, d.URL) // ack, then a ka at once
	for range 3 {
		dliveExpect(t, ws, map[string]any{"type": "ka"})
	}
	c := dliveOneConn(t, ctx, d)
	if !d.Acked(c) || d.KeepAlives(c) < 4 {
		t.Fatalf("acked %v, keep-alives %d", d.Acked(c), d.KeepAlives(c))
	}
}

func TestDLiveFirstKaOnlyUntilInterval(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{KeepAliveInterval: time.Hour})
	defer d.Close()
	ws := dliveDial(t, dliveCtx(t), d.URL)
	// The next frame is the answer to this one, not another ka.
	dliveSync(t, ws)
}

func TestDLiveRejectedInitGetsConnectionErrorThenClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	for name, first := range map[string]any{
		"wrong token":   dliveInitFrame("not-the-token"),
		"no payload":    map[string]any{"type": "connection_init"},
		"start first":   dliveStartFrame("1", dliveQuery(DLiveFieldStreamMessages, "dbl-lee")),
		"unknown first": map[string]any{"type": "hello"},
	} {
		t.Run(name, func(t *testing.T) {
			ws := dliveDialRaw(t, dliveCtx(t), d.URL)
			dliveSend(t, ws, first)
			msg := dliveExpectError(t, ws, "connection_error", "")
			if strings.Contains(msg, "not-the-token") {
				t.Fatalf("connection_error echoes the token: %q", msg)
			}
			if code := dliveExpectClose(t, ws); code != DLiveCloseUnauthorized {
				t.Fatalf("close code %d, want %d", code, DLiveCloseUnauthorized)
			}
		})
	}
}

func TestDLiveAnyTokenWhenNoneConfiguredAndNoAuthWhenOff(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{Tokens: []string{}})
	defer d.Close()
	ctx := dliveCtx(t)
	ws := dliveDialRaw(t, ctx, d.URL)
	dliveSend(t, ws, dliveInitFrame("whatever"))
	dliveExpect(t, ws, map[string]any{"type": "connection_ack"})

	open := dliveStart(t, DLiveOptions{RequireAuth: new(false)})
	defer open.Close()
	ws2 := dliveDialRaw(t, ctx, open.URL)
	dliveSend(t, ws2, map[string]any{"type": "connection_init"})
	dliveExpect(t, ws2, map[string]any{"type": "connection_ack"})
	dliveExpect(t, ws2, map[string]any{"type": "ka"})
}

func TestDLiveInitTimeoutCloses(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{InitTimeout: 20 * time.Millisecond})
	defer d.Close()
	ws := dliveDialRaw(t, dliveCtx(t), d.URL)
	if code := dliveExpectClose(t, ws); code != DLiveCloseInitTimeout {
		t.Fatalf("close code %d, want %d", code, DLiveCloseInitTimeout)
	}
}

func TestDLiveSubprotocolRequired(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ctx := dliveCtx(t)
	for _, protos := range [][]string{nil, {"graphql-transport-ws"}} {
		ws, status, err := dliveDialWith(ctx, d.URL, protos)
		if err == nil {
			ws.Close()
			t.Fatalf("upgrade with %v accepted", protos)
		}
		if status != http.StatusBadRequest {
			t.Fatalf("upgrade with %v: status %d, want 400", protos, status)
		}
	}
	if d.Accepted() != 0 {
		t.Fatalf("accepted %d upgrades", d.Accepted())
	}

	lax := dliveStart(t, DLiveOptions{RequireSubprotocol: new(false)})
	defer lax.Close()
	ws, _, err := dliveDialWith(ctx, lax.URL, nil)
	if err != nil {
		t.Fatalf("lax server refused: %v", err)
	}
	ws.Close()
}

func TestDLiveStartStopComplete(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ctx := dliveCtx(t)
	ws := dliveDial(t, ctx, d.URL)
	c := dliveOneConn(t, ctx, d)

	dliveSend(t, ws, dliveStartFrame("1", dliveQuery(DLiveFieldStreamMessages, "dbl-lee")))
	dliveSend(t, ws, dliveStartFrame("2", dliveQuery(DLiveFieldTreasureChest, "dbl-lee")))
	dliveSync(t, ws)
	want := map[string]DLiveSubscription{
		"1": {Field: DLiveFieldStreamMessages, Streamer: "dbl-lee"},
		"2": {Field: DLiveFieldTreasureChest, Streamer: "dbl-lee"},
	}
	if diff := cmp.Diff(want, d.Subscriptions(c)); diff != "" {
		t.Fatalf("subscriptions (-want +got):\n%s", diff)
	}

	dliveSend(t, ws, map[string]any{"id": "1", "type": "stop"})
	dliveExpect(t, ws, map[string]any{"id": "1", "type": "complete"})
	// Stopping an unknown id is ignored, as the legacy server does.
	dliveSend(t, ws, map[string]any{"id": "1", "type": "stop"})
	dliveSync(t, ws)
	delete(want, "1")
	if diff := cmp.Diff(want, d.Subscriptions(c)); diff != "" {
		t.Fatalf("subscriptions after stop (-want +got):\n%s", diff)
	}
	if n := d.PublishChat("dbl-lee", ChatText("", "a", "b")); n != 0 {
		t.Fatalf("chat after stop reached %d subscriptions", n)
	}

	// Server-side endings.
	if !d.CompleteSubscription(c, "2") || d.CompleteSubscription(c, "2") {
		t.Fatal("CompleteSubscription did not report the live subscription once")
	}
	dliveExpect(t, ws, map[string]any{"id": "2", "type": "complete"})
	dliveSend(t, ws, dliveStartFrame("3", dliveQuery(DLiveFieldTreasureChest, "dbl-lee")))
	dliveSync(t, ws)
	if !d.FailSubscription(c, "3", "internal error") {
		t.Fatal("FailSubscription found no subscription 3")
	}
	if msg := dliveExpectError(t, ws, "error", "3"); msg != "internal error" {
		t.Fatalf("error message %q", msg)
	}

	dliveSend(t, ws, map[string]any{"type": "connection_terminate"})
	if code := dliveExpectClose(t, ws); code != websocket.CloseNormalClosure {
		t.Fatalf("close code %d after connection_terminate, want 1000", code)
	}
}

func TestDLiveStartErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ctx := dliveCtx(t)
	ws := dliveDial(t, ctx, d.URL)
	q := dliveQuery(DLiveFieldStreamMessages, "dbl-lee")

	dliveSend(t, ws, dliveStartFrame("1", q))
	dliveSend(t, ws, dliveStartFrame("1", q))
	if msg := dliveExpectError(t, ws, "error", "1"); !strings.Contains(msg, "already in use") {
		t.Fatalf("duplicate id: %q", msg)
	}
	dliveSend(t, ws, map[string]any{"type": "start", "payload": map[string]any{"query": q}})
	dliveExpectError(t, ws, "error", "")

	for id, payload := range map[string]any{
		"no-payload":   nil,
		"no-query":     map[string]any{},
		"query-op":     map[string]any{"query": `query{streamMessageReceived(streamer:"x"){__typename}}`},
		"other-field":  map[string]any{"query": `subscription{livestreamUpdated(streamer:"x"){__typename}}`},
		"no-streamer":  map[string]any{"query": `subscription{streamMessageReceived(viewer:"x"){__typename}}`},
		"no-variable":  map[string]any{"query": `subscription($s: String!){streamMessageReceived(streamer: $s){__typename}}`},
		"empty-string": map[string]any{"query": `subscription{streamMessageReceived(streamer:""){__typename}}`},
	} {
		f := map[string]any{"id": id, "type": "start"}
		if payload != nil {
			f["payload"] = payload
		}
		dliveSend(t, ws, f)
		dliveExpectError(t, ws, "error", id)
	}
	c := dliveOneConn(t, ctx, d)
	if got := d.Subscriptions(c); len(got) != 1 {
		t.Fatalf("subscriptions %v, want only id 1", got)
	}
}

func TestDLiveQueryForms(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ctx := dliveCtx(t)
	ws := dliveDial(t, ctx, d.URL)
	frames := []map[string]any{
		dliveStartFrame("spaces", "subscription {\n  streamMessageReceived ( streamer : \"spaced\" ) { __typename }\n}"),
		{"id": "vars", "type": "start", "payload": map[string]any{
			"query":     `subscription S($streamer: String!) { treasureChestMessageReceived(streamer: $streamer) { __typename } }`,
			"variables": map[string]any{"streamer": "fromvar"},
		}},
		// The web client's full start: query, variables, operation and hash.
		{"id": "web", "type": "start", "payload": map[string]any{
			"query": DLiveStreamMessageQuery, "operationName": "StreamMessageSubscription",
			"variables":  map[string]any{"streamer": "webuser", "viewer": ""},
			"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": DLiveQueryHash(DLiveStreamMessageQuery)}},
		}},
	}
	for _, f := range frames {
		dliveSend(t, ws, f)
	}
	dliveSync(t, ws)
	want := map[string]DLiveSubscription{
		"spaces": {Field: DLiveFieldStreamMessages, Streamer: "spaced"},
		"vars":   {Field: DLiveFieldTreasureChest, Streamer: "fromvar"},
		"web":    {Field: DLiveFieldStreamMessages, Streamer: "webuser"},
	}
	if diff := cmp.Diff(want, d.Subscriptions(dliveOneConn(t, ctx, d))); diff != "" {
		t.Fatalf("subscriptions (-want +got):\n%s", diff)
	}
}

func TestDLivePublishChatSendsOneFrameInOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ctx := dliveCtx(t)
	ws := dliveDial(t, ctx, d.URL)
	other := dliveDial(t, ctx, d.URL)
	dliveSend(t, ws, dliveStartFrame("7", dliveQuery(DLiveFieldStreamMessages, "dbl-lee")))
	dliveSend(t, ws, dliveStartFrame("8", dliveQuery(DLiveFieldTreasureChest, "dbl-lee")))
	dliveSync(t, ws)
	dliveSend(t, other, dliveStartFrame("1", dliveQuery(DLiveFieldStreamMessages, "someone-else")))
	dliveSync(t, other)

	events := []any{
		ChatText("80364c42-1d4e-49f2-ac16-dffc9cb2e3d8", "testpotato", "hello"),
		ChatGift("", "testpotato", "LEMON", 1),
		ChatFollow("", "newviewer"),
	}
	if n := d.PublishChat("DBL-LEE", events...); n != 1 {
		t.Fatalf("PublishChat reached %d subscriptions, want 1", n)
	}
	m := dliveRead(t, ws)
	if m["type"] != "data" || m["id"] != "7" {
		t.Fatalf("got %v, want data for 7", m)
	}
	got := m["payload"].(map[string]any)["data"].(map[string]any)["streamMessageReceived"].([]any)
	var wantJSON []any
	b, _ := json.Marshal(events)
	_ = json.Unmarshal(b, &wantJSON)
	if diff := cmp.Diff(wantJSON, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	first := got[0].(map[string]any)
	sender := first["sender"].(map[string]any)
	if first["type"] != "Message" || first["roomRole"] != "Member" || first["role"] != "None" ||
		sender["__typename"] != "StreamchatUser" || sender["id"] != "streamchatuser:testpotato" ||
		sender["partnerStatus"] != "NONE" || len(sender["badges"].([]any)) != 0 {
		t.Fatalf("ChatText not shaped like the docs' example: %v", first)
	}
	if ts, _ := first["createdAt"].(string); len(ts) < 19 || strings.Trim(ts, "0123456789") != "" {
		t.Fatalf("createdAt %q is not a nanosecond string", ts)
	}
	if g := got[1].(map[string]any); g["amount"] != "1" || g["gift"] != "LEMON" || len(g["id"].(string)) != 36 {
		t.Fatalf("ChatGift %v", g)
	}
	// Nothing reached the chest subscription or the other streamer: the
	// next frames are the sync answers.
	dliveSync(t, ws)
	dliveSync(t, other)
}

func TestDLivePublishChest(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ws := dliveDial(t, dliveCtx(t), d.URL)
	dliveSend(t, ws, dliveStartFrame("2", dliveQuery(DLiveFieldTreasureChest, "dbl-lee")))
	dliveSync(t, ws)
	if n := d.PublishChest("dbl-lee", TreasureChestValueUpdated(1234500000)); n != 1 {
		t.Fatalf("PublishChest reached %d", n)
	}
	dliveExpect(t, ws, map[string]any{"id": "2", "type": "data", "payload": map[string]any{"data": map[string]any{
		"treasureChestMessageReceived": map[string]any{"__typename": "TreasureChestValueUpdated", "type": "ValueUpdated", "value": "1234500000"},
	}}})
}

func TestDLivePersistedQueries(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ctx := dliveCtx(t)
	ws := dliveDial(t, ctx, d.URL)
	pq := func(id, hash string) map[string]any {
		return map[string]any{"id": id, "type": "start", "payload": map[string]any{
			"variables":     map[string]any{"streamer": "dbl-lee"},
			"operationName": "TreasureChestMessageReceived",
			"extensions":    map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}},
		}}
	}
	if h := DLiveQueryHash(DLiveChestQuery); h != "68ad3a464ae2f860541e98dfe28a64756ef772811d2307298f0fb865b5593566" {
		t.Fatalf("chest query hash %s", h)
	}
	if h := DLiveQueryHash(DLiveStreamMessageQuery); h != "1246db4612a2a1acc520afcbd34684cdbcebad35bcfff29dcd7916a247722a7a" {
		t.Fatalf("stream query hash %s", h)
	}
	dliveSend(t, ws, pq("known", DLiveQueryHash(DLiveChestQuery)))
	dliveSend(t, ws, pq("unknown", strings.Repeat("ab", 32)))
	if msg := dliveExpectError(t, ws, "error", "unknown"); msg != DLivePersistedQueryNotFound {
		t.Fatalf("unknown hash: %q", msg)
	}
	want := map[string]DLiveSubscription{"known": {Field: DLiveFieldTreasureChest, Streamer: "dbl-lee"}}
	if diff := cmp.Diff(want, d.Subscriptions(dliveOneConn(t, ctx, d))); diff != "" {
		t.Fatalf("subscriptions (-want +got):\n%s", diff)
	}
	if n := d.PublishChest("dbl-lee", TreasureChestGiveawayStarted(time.UnixMilli(1718035320000), 250000000, 2*time.Minute)); n != 1 {
		t.Fatalf("PublishChest reached %d", n)
	}
	dliveExpect(t, ws, map[string]any{"id": "known", "type": "data", "payload": map[string]any{"data": map[string]any{
		"treasureChestMessageReceived": map[string]any{
			"__typename": "TreasureChestGiveawayStarted", "type": "GiveawayStarted",
			"endTime": "1718035320000", "pricePool": "250000000", "durationInSeconds": float64(120),
		},
	}}})
}

func TestDLiveSilencedConnGetsNoKa(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{KeepAliveInterval: 5 * time.Millisecond})
	defer d.Close()
	ctx := dliveCtx(t)
	ws := dliveDial(t, ctx, d.URL)
	c := dliveOneConn(t, ctx, d)
	c.Silence()
	before := d.KeepAlives(c)
	// A second connection is the clock: ten of its ka frames span many
	// intervals of the silenced one.
	clock := dliveDial(t, ctx, d.URL)
	for range 10 {
		dliveExpect(t, clock, map[string]any{"type": "ka"})
	}
	if after := d.KeepAlives(c); after != before {
		t.Fatalf("silenced conn got %d more ka", after-before)
	}
	// Only ka frames queued before Silence may still reach the client (one
	// was read already); then nothing.
	_ = ws.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	for stale := 0; ; stale++ {
		_, b, err := ws.ReadMessage()
		if err != nil {
			var ne interface{ Timeout() bool }
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("read ended with %v, want a timeout", err)
			}
			break
		}
		if string(b) != `{"type":"ka"}` || stale >= before-1 {
			t.Fatalf("silenced conn received %s after %d stale frames", b, stale)
		}
	}
}

func TestDLiveMalformedFramesKeepTheConnection(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ws := dliveDialRaw(t, dliveCtx(t), d.URL)
	// Before init: a parse error is answered, the connection stays.
	dliveSend(t, ws, []byte(`{"type":`))
	dliveExpectError(t, ws, "connection_error", "")
	dliveSend(t, ws, dliveInitFrame(dliveToken))
	dliveExpect(t, ws, map[string]any{"type": "connection_ack"})
	dliveExpect(t, ws, map[string]any{"type": "ka"})
	for _, bad := range []string{`not json`, `[1,2]`, `"start"`, `null`} {
		dliveSend(t, ws, []byte(bad))
		dliveExpectError(t, ws, "connection_error", "")
	}
	dliveSync(t, ws)
}

func TestDLiveOversizedFrameEndsConnection(t *testing.T) {
	defer goleak.VerifyNone(t)
	d := dliveStart(t, DLiveOptions{})
	defer d.Close()
	ws := dliveDial(t, dliveCtx(t), d.URL)
	big := `{"type":"start","id":"x","payload":{"query":"` + strings.Repeat("a", 1<<20) + `"}}`
	_ = ws.WriteMessage(websocket.TextMessage, []byte(big))
	if code := dliveExpectClose(t, ws); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code %d, want 1009", code)
	}
}
