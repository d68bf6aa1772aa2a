package testserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

const octaveWait = 5 * time.Second

const (
	octaveSID   = "s53b1d1600cf27b75148de0ac"
	octavePath  = "/acme_corp/devices/greenhouse_01/temperature"
	octaveSID2  = "s5a1b2c3d4e5f60718293a4b5"
	octavePath2 = "/acme_corp/devices/greenhouse_01/:default"
)

var (
	octaveSessionIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{32}$`)
	octaveEventIDRe   = regexp.MustCompile(`^e[0-9a-f]{24}$`)
	octaveUserIDRe    = regexp.MustCompile(`^i[0-9a-f]{24}$`)
)

func octaveStart(t *testing.T, opt OctaveOptions) *Octave {
	t.Helper()
	o, err := NewOctave(opt)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func octaveCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), octaveWait)
	t.Cleanup(cancel)
	return ctx
}

// octaveHTTP does one request without keep-alive (no idle goroutines) and
// returns the status, headers and body.
func octaveHTTP(t *testing.T, ctx context.Context, method, url string, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func octaveCreds(company, token, user string) map[string]string {
	h := map[string]string{}
	if company != "" {
		h["X-Auth-Company"] = company
	}
	if token != "" {
		h["X-Auth-Token"] = token
	}
	if user != "" {
		h["X-Auth-User"] = user
	}
	return h
}

// octaveNewSession POSTs /session with valid demo credentials and returns
// the id.
func octaveNewSession(t *testing.T, ctx context.Context, o *Octave) string {
	t.Helper()
	status, _, b := octaveHTTP(t, ctx, http.MethodPost, o.SessionURL(), octaveCreds("acme_corp", "tok-secret", "alice"))
	var m struct {
		Body struct {
			ID string `json:"id"`
		} `json:"body"`
	}
	if err := json.Unmarshal(b, &m); status != http.StatusCreated || err != nil || m.Body.ID == "" {
		t.Fatalf("POST /session: %d %s (%v)", status, b, err)
	}
	return m.Body.ID
}

// octaveDialStatus dials url and returns the connection, or the refusal's
// status and body.
func octaveDialStatus(t *testing.T, ctx context.Context, url string) (*websocket.Conn, int, string) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err == nil {
		t.Cleanup(func() { ws.Close() })
		return ws, http.StatusSwitchingProtocols, ""
	}
	if resp == nil {
		t.Fatalf("dial: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return nil, resp.StatusCode, string(b)
}

func octaveDial(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	ws, status, body := octaveDialStatus(t, ctx, url)
	if ws == nil {
		t.Fatalf("dial refused: %d %q", status, body)
	}
	return ws
}

// octaveConnect posts a session and dials it.
func octaveConnect(t *testing.T, ctx context.Context, o *Octave) *websocket.Conn {
	t.Helper()
	return octaveDial(t, ctx, o.WSURL(octaveNewSession(t, ctx, o)))
}

func octaveRead(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(octaveWait))
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

func octaveSend(t *testing.T, ws *websocket.Conn, v any) {
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

func octaveReq(msgID, typ, field, value string) map[string]any {
	return map[string]any{"msgId": msgID, "object": "event", "type": typ, field: value}
}

// octaveCall sends req and reads the next frame, which must be an ack.
func octaveCall(t *testing.T, ws *websocket.Conn, req any) map[string]any {
	t.Helper()
	octaveSend(t, ws, req)
	r := octaveRead(t, ws)
	if _, ok := r["head"].(map[string]any); !ok || !cmp.Equal(r["body"], any(map[string]any{})) {
		t.Fatalf("got %v, want an ack with head and empty body", r)
	}
	return r
}

func octaveOKAck(msgID string) map[string]any {
	return map[string]any{
		"head": map[string]any{"msgId": msgID, "ok": true, "errors": []any{}, "messages": []any{OctaveAckMessage}},
		"body": map[string]any{},
	}
}

func octaveMustAck(t *testing.T, ws *websocket.Conn, req map[string]any) {
	t.Helper()
	r := octaveCall(t, ws, req)
	if diff := cmp.Diff(octaveOKAck(req["msgId"].(string)), r); diff != "" {
		t.Fatalf("ack of %v (-want +got):\n%s", req, diff)
	}
}

// octaveJSON round-trips v through JSON, as a client sees it.
func octaveJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func octaveConns(t *testing.T, ctx context.Context, o *Octave, n int) []*Conn {
	t.Helper()
	cs, err := o.WaitConns(ctx, n)
	if err != nil {
		t.Fatalf("waiting for %d conns (have %d): %v", n, len(o.Conns()), err)
	}
	return cs
}

func TestOctaveSessionPostReturns201WithID(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{Companies: map[string]string{"acme_corp": "tok-secret"}})
	defer o.Close()
	ctx := octaveCtx(t)

	ids := map[string]bool{}
	for _, user := range []string{"alice", ""} { // master token, restricted token
		status, h, b := octaveHTTP(t, ctx, http.MethodPost, o.SessionURL(), octaveCreds("acme_corp", "tok-secret", user))
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || status != http.StatusCreated || h.Get("Content-Type") != "application/json" {
			t.Fatalf("user %q: %d %s %s (%v)", user, status, h.Get("Content-Type"), b, err)
		}
		wantHead := map[string]any{"ok": true, "status": 201.0, "errors": []any{}}
		if diff := cmp.Diff(any(wantHead), m["head"]); diff != "" {
			t.Fatalf("head (-want +got):\n%s", diff)
		}
		body, _ := m["body"].(map[string]any)
		id, _ := body["id"].(string)
		if len(body) != 1 || !octaveSessionIDRe.MatchString(id) || ids[id] {
			t.Fatalf("body %v: want one fresh id shaped like n2fBC9YeE6g.qsQNPOZfoSRP3brEY_9QWapawcjXl04Y", body)
		}
		ids[id] = true
	}
	if o.Sessions() != 2 || o.SessionsIssued() != 2 {
		t.Fatalf("Sessions = %d, SessionsIssued = %d, want 2 and 2", o.Sessions(), o.SessionsIssued())
	}
}

func TestOctaveSessionPostRefusals(t *testing.T) {
	defer goleak.VerifyNone(t)
	opt := OctaveOptions{
		Companies: map[string]string{"acme_corp": "tok-secret"},
		Users:     map[string][]string{"acme_corp": {"alice"}},
	}
	o := octaveStart(t, opt)
	defer o.Close()
	opt.RequireUser = true
	strict := octaveStart(t, opt)
	defer strict.Close()
	ctx := octaveCtx(t)

	cases := []struct {
		name   string
		url    string
		method string
		header map[string]string
		status int
	}{
		{"no company", o.SessionURL(), http.MethodPost, octaveCreds("", "tok-secret", "alice"), 401},
		{"no token", o.SessionURL(), http.MethodPost, octaveCreds("acme_corp", "", "alice"), 401},
		{"no headers", o.SessionURL(), http.MethodPost, nil, 401},
		{"wrong token", o.SessionURL(), http.MethodPost, octaveCreds("acme_corp", "tok-wrong-XYZ", "alice"), 401},
		{"unknown company", o.SessionURL(), http.MethodPost, octaveCreds("globex", "tok-secret", ""), 401},
		{"unknown user", o.SessionURL(), http.MethodPost, octaveCreds("acme_corp", "tok-secret", "mallory"), 401},
		{"user required", strict.SessionURL(), http.MethodPost, octaveCreds("acme_corp", "tok-secret", ""), 401},
		{"GET", o.SessionURL(), http.MethodGet, octaveCreds("acme_corp", "tok-secret", "alice"), 405},
		{"PUT", o.SessionURL(), http.MethodPut, octaveCreds("acme_corp", "tok-secret", "alice"), 405},
	}
	for _, tc := range cases {
		status, h, b := octaveHTTP(t, ctx, tc.method, tc.url, tc.header)
		var m struct {
			Head struct {
				OK     *bool `json:"ok"`
				Status int   `json:"status"`
				Errors []any `json:"errors"`
			} `json:"head"`
			Body map[string]any `json:"body"`
		}
		err := json.Unmarshal(b, &m)
		msg := ""
		if len(m.Head.Errors) == 1 {
			msg, _ = m.Head.Errors[0].(string)
		}
		if err != nil || status != tc.status || m.Head.OK == nil || *m.Head.OK || m.Head.Status != tc.status || msg == "" || m.Body == nil || len(m.Body) != 0 {
			t.Errorf("%s: %d %s, want %d with the REST error envelope", tc.name, status, b, tc.status)
		}
		if strings.Contains(string(b), "tok-") {
			t.Errorf("%s: the answer echoes a token: %s", tc.name, b)
		}
		if tc.status == 405 && h.Get("Allow") != http.MethodPost {
			t.Errorf("%s: Allow = %q, want POST", tc.name, h.Get("Allow"))
		}
	}
	if o.Sessions() != 0 || strict.Sessions() != 0 {
		t.Fatalf("refused requests made sessions: %d, %d", o.Sessions(), strict.Sessions())
	}
	if octaveNewSession(t, ctx, strict) == "" {
		t.Fatal("strict server refused a master token with its user")
	}
}

func TestOctaveFailNextSessions(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	ctx := octaveCtx(t)
	o.FailNextSessions(1, http.StatusServiceUnavailable)
	status, _, b := octaveHTTP(t, ctx, http.MethodPost, o.SessionURL(), octaveCreds("any", "any", ""))
	if status != http.StatusServiceUnavailable || !strings.Contains(string(b), `"ok":false`) {
		t.Fatalf("first POST: %d %s, want 503 envelope", status, b)
	}
	octaveNewSession(t, ctx, o) // any non-empty credentials pass by default
	if o.SessionsIssued() != 1 {
		t.Fatalf("SessionsIssued = %d, want 1", o.SessionsIssued())
	}
}

func TestOctaveConnectWithSessionID(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	ctx := octaveCtx(t)
	id := octaveNewSession(t, ctx, o)
	if want := "ws://" + o.Addr() + "/session/" + id + "/ws"; o.WSURL(id) != want {
		t.Fatalf("WSURL = %q, want %q", o.WSURL(id), want)
	}
	ws := octaveDial(t, ctx, o.WSURL(id))
	c := octaveConns(t, ctx, o, 1)[0]
	if o.Sessions() != 1 || len(o.Subscriptions(c)) != 0 {
		t.Fatalf("Sessions = %d, Subscriptions = %v", o.Sessions(), o.Subscriptions(c))
	}
	// The server says nothing first; the first frame is the answer.
	octaveMustAck(t, ws, octaveReq("first", "subscribe", "streamId", octaveSID))
}

func TestOctaveUpgradeRefusals(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	ctx := octaveCtx(t)
	id := octaveNewSession(t, ctx, o)
	base := "ws://" + o.Addr()

	for _, p := range []string{"/session/", "/session/" + id, "/session/" + id + "/", "/session/" + id + "/ws/x", "/session/" + id + "/wss"} {
		if ws, status, _ := octaveDialStatus(t, ctx, base+p); ws != nil || status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, status)
		}
	}
	ws, status, body := octaveDialStatus(t, ctx, o.WSURL("n2fBC9YeE6g.qsQNPOZfoSRP3brEY_9QWapawcjXl04Y"))
	if ws != nil || status != http.StatusUnauthorized || strings.TrimSpace(body) != OctaveSessionRefused {
		t.Errorf("unknown id: %d %q, want 401 %q", status, body, OctaveSessionRefused)
	}
	// A plain GET (no upgrade) is refused without using up the session.
	if status, _, _ := octaveHTTP(t, ctx, http.MethodGet, o.HTTPURL+"/session/"+id+"/ws", nil); status != http.StatusBadRequest {
		t.Errorf("plain GET: %d, want 400", status)
	}
	octaveDial(t, ctx, o.WSURL(id))
}

func TestOctaveSessionExpiresWithoutConnection(t *testing.T) {
	defer goleak.VerifyNone(t)
	const ttl = 250 * time.Millisecond
	o := octaveStart(t, OctaveOptions{SessionTTL: ttl})
	defer o.Close()
	ctx := octaveCtx(t)
	idle := octaveNewSession(t, ctx, o)
	used := octaveNewSession(t, ctx, o)
	ws := octaveDial(t, ctx, o.WSURL(used))
	if o.Sessions() != 2 {
		t.Fatalf("Sessions = %d, want 2", o.Sessions())
	}

	<-time.After(ttl + 20*time.Millisecond) // the passing of time is what is under test

	if o.Sessions() != 1 {
		t.Fatalf("Sessions = %d after the TTL, want 1 (the connected one)", o.Sessions())
	}
	if w, status, body := octaveDialStatus(t, ctx, o.WSURL(idle)); w != nil || status != http.StatusUnauthorized || strings.TrimSpace(body) != OctaveSessionRefused {
		t.Fatalf("expired session: %d %q, want 401", status, body)
	}
	// The connected session outlives the TTL.
	octaveMustAck(t, ws, octaveReq("still-here", "subscribe", "path", octavePath))

	// ExpireSessions does the same at once.
	fresh := octaveNewSession(t, ctx, o)
	o.ExpireSessions()
	if w, status, _ := octaveDialStatus(t, ctx, o.WSURL(fresh)); w != nil || status != http.StatusUnauthorized {
		t.Fatalf("ExpireSessions: dial %d, want 401", status)
	}
	if o.Sessions() != 1 {
		t.Fatalf("ExpireSessions expired a connected session: Sessions = %d", o.Sessions())
	}
}

func TestOctaveSessionIsSingleUse(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	ctx := octaveCtx(t)
	id := octaveNewSession(t, ctx, o)
	ws := octaveDial(t, ctx, o.WSURL(id))
	octaveConns(t, ctx, o, 1)

	if w, status, body := octaveDialStatus(t, ctx, o.WSURL(id)); w != nil || status != http.StatusUnauthorized || strings.TrimSpace(body) != OctaveSessionRefused {
		t.Fatalf("second connection on a bound session: %d %q, want 401", status, body)
	}
	ws.Close()
	octaveConns(t, ctx, o, 0)
	if o.Sessions() != 0 {
		t.Fatalf("Sessions = %d after the connection closed, want 0", o.Sessions())
	}
	if w, status, _ := octaveDialStatus(t, ctx, o.WSURL(id)); w != nil || status != http.StatusUnauthorized {
		t.Fatalf("reconnect with a used session: %d, want 401", status)
	}
	// Reconnecting takes a new POST.
	octaveConnect(t, ctx, o)
	octaveConns(t, ctx, o, 1)
}

func TestOctaveSubscribeAcksEchoMsgID(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	ctx := octaveCtx(t)
	ws := octaveConnect(t, ctx, o)
	c := octaveConns(t, ctx, o, 1)[0]

	octaveMustAck(t, ws, octaveReq("my-request", "subscribe", "streamId", octaveSID))
	octaveMustAck(t, ws, octaveReq("my-path-request", "subscribe", "path", "/my/stream/path"))
	octaveMustAck(t, ws, octaveReq("again", "subscribe", "streamId", octaveSID)) // idempotent
	if diff := cmp.Diff([]string{octaveSID, "/my/stream/path"}, o.Subscriptions(c)); diff != "" {
		t.Fatalf("Subscriptions (-want +got):\n%s", diff)
	}
	octaveMustAck(t, ws, octaveReq("my-request", "unsubscribe", "streamId", octaveSID))
	octaveMustAck(t, ws, octaveReq("un-path", "unsubscribe", "path", "/my/stream/path"))
	if got := o.Subscriptions(c); len(got) != 0 {
		t.Fatalf("Subscriptions after unsubscribing = %v", got)
	}
	// An empty msgId is echoed; a request without one is answered with "".
	octaveMustAck(t, ws, map[string]any{"object": "event", "type": "subscribe", "streamId": octaveSID2, "msgId": ""})
	r := octaveCall(t, ws, map[string]any{"object": "event", "type": "subscribe", "streamId": octaveSID})
	if h := r["head"].(map[string]any); h["msgId"] != "" || h["ok"] != true {
		t.Fatalf("no msgId: %v", r)
	}
}

func TestOctaveErrorAcks(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	known := octaveStart(t, OctaveOptions{Streams: map[string]string{octaveSID: octavePath}})
	defer known.Close()
	ctx := octaveCtx(t)
	ws := octaveConnect(t, ctx, o)
	wsKnown := octaveConnect(t, ctx, known)

	both := octaveReq("both", "subscribe", "streamId", octaveSID)
	both["path"] = octavePath
	neither := octaveReq("neither", "subscribe", "streamId", "")
	delete(neither, "streamId")
	noObject := octaveReq("no-object", "subscribe", "streamId", octaveSID)
	delete(noObject, "object")
	device := octaveReq("device", "subscribe", "streamId", octaveSID)
	device["object"] = "device"
	numID := octaveReq("num-id", "subscribe", "streamId", "")
	numID["streamId"] = 7
	numMsgID := octaveReq("", "subscribe", "streamId", octaveSID)
	numMsgID["msgId"] = 42

	cases := []struct {
		name   string
		ws     *websocket.Conn
		req    map[string]any
		msgID  string
		status float64
	}{
		{"both streamId and path", ws, both, "both", 400},
		{"neither streamId nor path", ws, neither, "neither", 400},
		{"no object", ws, noObject, "no-object", 400},
		{"object not event", ws, device, "device", 400},
		{"unknown type", ws, octaveReq("publish", "publish", "streamId", octaveSID), "publish", 400},
		{"bad stream id", ws, octaveReq("bad-id", "subscribe", "streamId", "x-53b1"), "bad-id", 400},
		{"numeric stream id", ws, numID, "num-id", 400},
		{"relative path", ws, octaveReq("rel", "subscribe", "path", "my/stream"), "rel", 400},
		{"unsubscribe not subscribed", ws, octaveReq("unsub", "unsubscribe", "streamId", octaveSID), "unsub", 404},
		{"numeric msgId", ws, numMsgID, "", 400},
		{"unknown stream id", wsKnown, octaveReq("unknown-id", "subscribe", "streamId", octaveSID2), "unknown-id", 404},
		{"unknown stream path", wsKnown, octaveReq("unknown-path", "subscribe", "path", octavePath2), "unknown-path", 404},
	}
	for _, tc := range cases {
		r := octaveCall(t, tc.ws, tc.req)
		h := r["head"].(map[string]any)
		errs, _ := h["errors"].([]any)
		msg := ""
		if len(errs) == 1 {
			msg, _ = errs[0].(string)
		}
		if h["msgId"] != tc.msgID || h["ok"] != false || h["status"] != tc.status || msg == "" ||
			!cmp.Equal(h["messages"], any([]any{})) {
			t.Errorf("%s: ack %v, want msgId %q ok false status %v, one error, no messages", tc.name, r, tc.msgID, tc.status)
		}
	}
	for _, w := range []*websocket.Conn{ws, wsKnown} { // both links survive
		octaveMustAck(t, w, octaveReq("ok", "subscribe", "streamId", octaveSID))
	}
	octaveMustAck(t, wsKnown, octaveReq("ok-path", "subscribe", "path", octavePath))
}

func TestOctaveMalformedFramesGetErrorAck(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	ctx := octaveCtx(t)
	ws := octaveConnect(t, ctx, o)

	for _, frame := range []string{`{"msgId":"x","object":"event"`, `not json`, `[1,2]`, `null`, `"str"`} {
		r := octaveCall(t, ws, []byte(frame))
		h := r["head"].(map[string]any)
		if errs, _ := h["errors"].([]any); h["msgId"] != "" || h["ok"] != false || len(errs) != 1 {
			t.Errorf("%s: ack %v, want msgId \"\" and ok false", frame, r)
		}
	}
	// Binary frames are ignored: the next answer is the subscribe's.
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	octaveMustAck(t, ws, octaveReq("after", "subscribe", "streamId", octaveSID))

	// A frame over the 1 MiB read limit ends the connection and its session.
	big := `{"msgId":"` + strings.Repeat("x", 1<<20) + `"}`
	_ = ws.WriteMessage(websocket.TextMessage, []byte(big))
	_ = ws.SetReadDeadline(time.Now().Add(octaveWait))
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Fatal("oversized frame: connection survived")
	}
	octaveConns(t, ctx, o, 0)
	if o.Sessions() != 0 {
		t.Fatalf("Sessions = %d, want 0", o.Sessions())
	}
}

func TestOctavePublishReachesSubscribersByIDAndPath(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{Streams: map[string]string{octaveSID: octavePath, octaveSID2: octavePath2}})
	defer o.Close()
	ctx := octaveCtx(t)
	wsA := octaveConnect(t, ctx, o)
	wsB := octaveConnect(t, ctx, o)
	wsC := octaveConnect(t, ctx, o)
	octaveConns(t, ctx, o, 3)
	octaveMustAck(t, wsA, octaveReq("a", "subscribe", "streamId", octaveSID))
	octaveMustAck(t, wsB, octaveReq("b", "subscribe", "path", octavePath))
	octaveMustAck(t, wsC, octaveReq("c", "subscribe", "streamId", octaveSID2))

	expect := func(ws *websocket.Conn, ev map[string]any) {
		t.Helper()
		want := octaveJSON(t, map[string]any{"type": "message", "resource": octaveSID, "value": ev})
		if diff := cmp.Diff(want, any(octaveRead(t, ws))); diff != "" {
			t.Fatalf("event frame (-want +got):\n%s", diff)
		}
	}
	ev1 := NewOctaveEvent(octaveSID, octavePath, map[string]any{"temp": 21.7})
	if n := o.Publish(octaveSID, ev1); n != 2 {
		t.Fatalf("Publish by id reached %d conns, want 2", n)
	}
	expect(wsA, ev1)
	expect(wsB, ev1)
	ev2 := NewOctaveEvent(octaveSID, octavePath, map[string]any{"temp": 22.0})
	if n := o.Publish(octavePath, ev2); n != 2 {
		t.Fatalf("Publish by path reached %d conns, want 2", n)
	}
	expect(wsA, ev2)
	expect(wsB, ev2)
	// C got none of it: its next frame is the answer to a new request.
	octaveMustAck(t, wsC, octaveReq("marker", "subscribe", "path", octavePath2))

	octaveMustAck(t, wsA, octaveReq("a-off", "unsubscribe", "streamId", octaveSID))
	if n := o.Publish(octaveSID, ev1); n != 1 {
		t.Fatalf("Publish after A unsubscribed reached %d conns, want 1", n)
	}
	expect(wsB, ev1)
	octaveMustAck(t, wsA, octaveReq("a-marker", "subscribe", "streamId", octaveSID2))

	// A silenced connection gets nothing.
	for _, c := range o.Conns() {
		if cmp.Equal(o.Subscriptions(c), []string{octavePath}) {
			c.Silence()
		}
	}
	if n := o.Publish(octaveSID, ev1); n != 0 {
		t.Fatalf("Publish to a silenced subscriber reached %d conns, want 0", n)
	}
}

func TestOctavePublishWithoutStreamsOption(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	ctx := octaveCtx(t)
	wsA := octaveConnect(t, ctx, o)
	wsB := octaveConnect(t, ctx, o)
	octaveMustAck(t, wsA, octaveReq("a", "subscribe", "streamId", octaveSID))
	octaveMustAck(t, wsB, octaveReq("b", "subscribe", "path", octavePath))

	// The event's own streamId and path name the stream's other half.
	ev := NewOctaveEvent(octaveSID, octavePath, nil)
	for _, name := range []string{octaveSID, octavePath} {
		if n := o.Publish(name, ev); n != 2 {
			t.Fatalf("Publish(%s) reached %d conns, want 2", name, n)
		}
		for _, ws := range []*websocket.Conn{wsA, wsB} {
			if m := octaveRead(t, ws); m["type"] != "message" || m["resource"] != octaveSID {
				t.Fatalf("Publish(%s): got %v", name, m)
			}
		}
	}
	// A path with no known id is reported by path.
	if n := o.Publish(octavePath, map[string]any{"elems": map[string]any{}}); n != 1 {
		t.Fatalf("Publish by bare path reached %d conns, want 1", n)
	}
	if m := octaveRead(t, wsB); m["resource"] != octavePath {
		t.Fatalf("bare path: got %v", m)
	}
}

func TestOctaveEventShape(t *testing.T) {
	ev := octaveJSON(t, NewOctaveEvent(octaveSID, octavePath, map[string]any{"redSensor": map[string]any{"temp": 21.7}})).(map[string]any)
	id, _ := ev["id"].(string)
	creator, _ := ev["creatorId"].(string)
	created, _ := ev["creationDate"].(float64)
	if !octaveEventIDRe.MatchString(id) || !octaveUserIDRe.MatchString(creator) || ev["lastEditorId"] != creator {
		t.Fatalf("ids: %v", ev)
	}
	if now := float64(time.Now().UnixMilli()); created < now-60_000 || created > now+1000 ||
		ev["lastEditDate"] != created || ev["generatedDate"] != created {
		t.Fatalf("dates: %v", ev)
	}
	rest := map[string]any{
		"streamId": octaveSID, "path": octavePath,
		"elems": map[string]any{"redSensor": map[string]any{"temp": 21.7}},
		"hash":  nil, "location": nil, "metadata": nil, "tags": map[string]any{}, "version": 0.0,
	}
	for k, want := range rest {
		if v, ok := ev[k]; !ok || !cmp.Equal(v, want) {
			t.Errorf("%s = %v (present %v), want %v", k, v, ok, want)
		}
	}
	if len(ev) != len(rest)+6 {
		t.Errorf("event has %d fields, want %d: %v", len(ev), len(rest)+6, ev)
	}
	if NewOctaveEvent("s1", "/p", nil)["id"] == NewOctaveEvent("s1", "/p", nil)["id"] {
		t.Error("event ids repeat")
	}
}

func TestOctaveAnswersClientPings(t *testing.T) {
	defer goleak.VerifyNone(t)
	o := octaveStart(t, OctaveOptions{})
	defer o.Close()
	ctx := octaveCtx(t)
	ws := octaveConnect(t, ctx, o)
	pong := make(chan string, 1)
	ws.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := ws.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(octaveWait)); err != nil {
		t.Fatal(err)
	}
	// The server reads the ping (and pongs) before the request, so the pong
	// arrives before the ack; nothing unsolicited comes first.
	octaveMustAck(t, ws, octaveReq("after-ping", "subscribe", "streamId", octaveSID))
	select {
	case d := <-pong:
		if d != "hi" {
			t.Fatalf("pong %q, want hi", d)
		}
	default:
		t.Fatal("no pong before the ack")
	}
}
