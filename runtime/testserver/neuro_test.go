package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

const neuroWait = 5 * time.Second

var (
	neuroSessionRE = regexp.MustCompile(`^[0-9a-f]{8}$`)
	neuroTicketRE  = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

func neuroStart(t *testing.T, opt NeuroOptions) *Neuro {
	t.Helper()
	n, err := NewNeuro(opt)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func neuroCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), neuroWait)
	t.Cleanup(cancel)
	return ctx
}

func neuroBearerHeader(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}

// neuroGet fetches url with an optional Authorization header and decodes
// the JSON answer.
func neuroGet(t *testing.T, ctx context.Context, url, auth string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q, want JSON", url, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: body %s: %v", url, b, err)
	}
	return resp.StatusCode, m
}

// neuroGetTicket fetches a ticket for tok and checks the 200 answer.
func neuroGetTicket(t *testing.T, ctx context.Context, url, tok string) map[string]any {
	t.Helper()
	status, m := neuroGet(t, ctx, url, "Bearer "+tok)
	if status != http.StatusOK {
		t.Fatalf("ticket: status %d, body %v", status, m)
	}
	d, _ := m["data"].(map[string]any)
	if tk, _ := d["ticket"].(string); !neuroTicketRE.MatchString(tk) {
		t.Fatalf("ticket answer %v", m)
	}
	return d
}

// neuroDial dials, reads the welcome and returns its sessionId.
func neuroDial(t *testing.T, ctx context.Context, url string, h http.Header) (*websocket.Conn, string) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, h)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatalf("dial: %v", err) // never print url: it may carry a ticket
	}
	t.Cleanup(func() { ws.Close() })
	w := neuroRead(t, ws)
	d, _ := w["data"].(map[string]any)
	sid, _ := d["sessionId"].(string)
	if w["type"] != "welcome" || !neuroSessionRE.MatchString(sid) || len(w) != 2 || len(d) != 1 {
		t.Fatalf("first frame %v, want welcome with an 8-hex sessionId", w)
	}
	return ws, sid
}

// neuroRefused dials expecting a refused handshake and returns its status
// and plain-text body.
func neuroRefused(t *testing.T, ctx context.Context, url string, h http.Header) (int, string) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, h)
	if err == nil {
		ws.Close()
		t.Fatal("dial succeeded, want a refusal")
	}
	if resp == nil {
		t.Fatalf("dial: %v, want an HTTP refusal", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("refusal Content-Type %q, want text/plain", ct)
	}
	return resp.StatusCode, strings.TrimSuffix(string(b), "\n")
}

func neuroRead(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(neuroWait))
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

func neuroSend(t *testing.T, ws *websocket.Conn, frame string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// neuroAsk sends frame and returns the next frame.
func neuroAsk(t *testing.T, ws *websocket.Conn, frame string) map[string]any {
	t.Helper()
	neuroSend(t, ws, frame)
	return neuroRead(t, ws)
}

func neuroWant(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(w, got); d != "" {
		t.Errorf("frame mismatch (-want +got):\n%s", d)
	}
}

// neuroNothingPending proves no frame is queued before the answer to a
// ping.
func neuroNothingPending(t *testing.T, ws *websocket.Conn) {
	t.Helper()
	neuroWant(t, neuroAsk(t, ws, `{"type":"ping"}`), `{"type":"pong","data":{}}`)
}

func neuroOnly(t *testing.T, ctx context.Context, n *Neuro) *Conn {
	t.Helper()
	conns, err := n.WaitConns(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	return conns[0]
}

func TestNeuroTicketFlow(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{Tokens: []string{"tok-a"}})
	defer n.Close()
	ctx := neuroCtx(t)

	d := neuroGetTicket(t, ctx, n.TicketURL(), "tok-a")
	if d["expiresIn"] != float64(30) || d["usage"] != "Connect with "+n.URL+"?ticket=<ticket>" || len(d) != 3 {
		t.Errorf("v2 ticket answer %v", d)
	}
	if !strings.HasSuffix(n.URL, NeuroPathV2) {
		t.Errorf("URL %s does not end in %s", n.URL, NeuroPathV2)
	}
	ticket := d["ticket"].(string)
	ws, sid := neuroDial(t, ctx, n.URL+"?ticket="+ticket, nil)
	c := neuroOnly(t, ctx, n)
	if got := n.SessionIDs(); !cmp.Equal(got, []string{sid}) || n.SessionID(c) != sid {
		t.Errorf("SessionIDs %v, SessionID %q; welcome said %q", got, n.SessionID(c), sid)
	}
	if n.ConnsOf("tok-a") != 1 || n.Version(c) != 2 {
		t.Errorf("ConnsOf %d, Version %d; want 1, 2", n.ConnsOf("tok-a"), n.Version(c))
	}
	neuroNothingPending(t, ws)

	// A ticket is good for one handshake only.
	if status, body := neuroRefused(t, ctx, n.URL+"?ticket="+ticket, nil); status != 401 || body != NeuroTextBadTicket {
		t.Errorf("reused ticket: %d %q", status, body)
	}

	// v1: its own ticket endpoint and path, the same protocol.
	d1 := neuroGetTicket(t, ctx, n.TicketURLV1(), "tok-a")
	if d1["usage"] != "Connect with "+n.URLV1()+"?ticket=<ticket>" || !strings.HasSuffix(n.URLV1(), NeuroPathV1) {
		t.Errorf("v1 ticket answer %v", d1)
	}
	ws1, sid1 := neuroDial(t, ctx, n.URLV1()+"?ticket="+d1["ticket"].(string), nil)
	conns, err := n.WaitConns(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if n.Version(conns[1]) != 1 || n.SessionID(conns[1]) != sid1 || sid1 == sid {
		t.Errorf("v1 conn: version %d, session %q (v2 %q)", n.Version(conns[1]), n.SessionID(conns[1]), sid)
	}
	neuroNothingPending(t, ws1)
	if n.TicketsIssued() != 2 || n.ConnsOf("tok-a") != 2 {
		t.Errorf("TicketsIssued %d, ConnsOf %d; want 2, 2", n.TicketsIssued(), n.ConnsOf("tok-a"))
	}
}

func TestNeuroTicketExpiry(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{Tokens: []string{"tok-a"}, TicketTTL: 30 * time.Millisecond})
	defer n.Close()
	ctx := neuroCtx(t)

	d := neuroGetTicket(t, ctx, n.TicketURL(), "tok-a")
	if d["expiresIn"] != float64(1) {
		t.Errorf("expiresIn %v, want 1 (30ms rounded up)", d["expiresIn"])
	}
	// Only the clock can say when the ticket has expired.
	select {
	case <-time.After(60 * time.Millisecond):
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	if status, body := neuroRefused(t, ctx, n.URL+"?ticket="+d["ticket"].(string), nil); status != 401 || body != NeuroTextBadTicket {
		t.Errorf("expired ticket: %d %q", status, body)
	}

	// ExpireTickets ends every outstanding ticket at once.
	long := neuroStart(t, NeuroOptions{Tokens: []string{"tok-a"}})
	defer long.Close()
	tk := long.IssueTicket("tok-a")
	long.ExpireTickets()
	if status, body := neuroRefused(t, ctx, long.URL+"?ticket="+tk, nil); status != 401 || body != NeuroTextBadTicket {
		t.Errorf("ExpireTickets: %d %q", status, body)
	}
	neuroDial(t, ctx, long.URL+"?ticket="+long.IssueTicket("tok-a"), nil)
}

func TestNeuroTicketEndpointErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{Tokens: []string{"tok-a"}})
	defer n.Close()
	ctx := neuroCtx(t)

	for _, auth := range []string{"", "Basic dG9rLWE=", "Bearer ", "tok-a"} {
		status, m := neuroGet(t, ctx, n.TicketURLV1(), auth)
		if status != 401 {
			t.Errorf("v1 auth %q: status %d", auth, status)
		}
		neuroWant(t, m, `{"error":{"code":"AU1","message":"Missing or invalid authorization header"}}`)
	}
	status, m := neuroGet(t, ctx, n.TicketURLV1(), "Bearer secret-wrong")
	if status != 401 {
		t.Errorf("v1 bad token: status %d", status)
	}
	neuroWant(t, m, `{"error":{"code":"AU2","message":"Invalid or expired API token"}}`)

	v2 := func(auth, code, msg string) {
		t.Helper()
		status, m := neuroGet(t, ctx, n.TicketURL(), auth)
		e, _ := m["error"].(map[string]any)
		ts, _ := e["timestamp"].(float64)
		if status != 401 || e["code"] != code || e["message"] != msg || e["path"] != NeuroTicketPathV2 || len(e) != 4 {
			t.Errorf("v2 auth %q: %d %v", auth, status, m)
		}
		if now := float64(time.Now().UnixMilli()); ts > now || ts < now-60000 {
			t.Errorf("v2 timestamp %v is not epoch ms of now", e["timestamp"])
		}
	}
	v2("", "AU9", "Missing or invalid authorization header. Use: Authorization: Bearer YOUR_TOKEN")
	v2("Bearer secret-wrong", "AU11", "Invalid or expired API token")
	if n.TicketsIssued() != 0 {
		t.Errorf("refused requests issued %d tickets", n.TicketsIssued())
	}

	// Rate limit: per client address, across both versions.
	rl := neuroStart(t, NeuroOptions{Tokens: []string{"tok-a"}, TicketRateLimit: 2})
	defer rl.Close()
	neuroGetTicket(t, ctx, rl.TicketURLV1(), "tok-a")
	neuroGetTicket(t, ctx, rl.TicketURL(), "tok-a")
	status, m = neuroGet(t, ctx, rl.TicketURLV1(), "Bearer tok-a")
	if status != 429 {
		t.Errorf("v1 over the limit: status %d", status)
	}
	neuroWant(t, m, `{"error":{"code":"RL4","message":"Rate limit exceeded: Maximum 2 requests per minute"}}`)
	status, m = neuroGet(t, ctx, rl.TicketURL(), "Bearer tok-a")
	if e, _ := m["error"].(map[string]any); status != 429 || e["code"] != "RL6" || e["path"] != NeuroTicketPathV2 {
		t.Errorf("v2 over the limit: %d %v", status, m)
	}
}

func TestNeuroBearerFlow(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{Tokens: []string{"tok-a"}})
	defer n.Close()
	ctx := neuroCtx(t)

	ws, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok-a"))
	neuroNothingPending(t, ws)
	ws1, _ := neuroDial(t, ctx, n.URLV1(), http.Header{"Authorization": {"bearer tok-a"}})
	neuroNothingPending(t, ws1)
	conns, err := n.WaitConns(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if n.Version(conns[0]) != 2 || n.Version(conns[1]) != 1 || n.ConnsOf("tok-a") != 2 || n.TicketsIssued() != 0 {
		t.Errorf("versions %d %d, ConnsOf %d", n.Version(conns[0]), n.Version(conns[1]), n.ConnsOf("tok-a"))
	}
}

func TestNeuroHandshakeErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{Tokens: []string{"tok-a"}})
	defer n.Close()
	ctx := neuroCtx(t)
	host := "ws" + strings.TrimPrefix(n.HTTPURL, "http")

	cases := []struct {
		name   string
		url    string
		h      http.Header
		status int
		body   string
	}{
		{"no auth v2", n.URL, nil, 401, NeuroTextMissingAuth},
		{"no auth v1", n.URLV1(), nil, 401, NeuroTextMissingAuth},
		{"empty ticket", n.URL + "?ticket=", nil, 401, NeuroTextMissingAuth},
		{"basic auth", n.URL, http.Header{"Authorization": {"Basic dG9rLWE="}}, 401, NeuroTextMissingAuth},
		{"unknown ticket", n.URL + "?ticket=0123456789abcdef0123456789abcdef", nil, 401, NeuroTextBadTicket},
		{"bad token", n.URL, neuroBearerHeader("secret-wrong"), 401, NeuroTextBadToken},
		{"bad token v1", n.URLV1(), neuroBearerHeader("secret-wrong"), 401, NeuroTextBadToken},
		{"wrong path", host + "/api/v3/ws", neuroBearerHeader("tok-a"), 404, NeuroTextNotFound},
		{"root", host + "/", neuroBearerHeader("tok-a"), 404, NeuroTextNotFound},
		{"trailing slash", n.URL + "/", neuroBearerHeader("tok-a"), 404, NeuroTextNotFound},
	}
	for _, tc := range cases {
		status, body := neuroRefused(t, ctx, tc.url, tc.h)
		if status != tc.status || body != tc.body {
			t.Errorf("%s: %d %q, want %d %q", tc.name, status, body, tc.status, tc.body)
		}
		if strings.Contains(body, "secret-wrong") {
			t.Errorf("%s: the refusal echoes the token", tc.name)
		}
	}
	if n.Rejected() != 7 { // the 404s never reach the WebSocket handler
		t.Errorf("Rejected %d, want 7", n.Rejected())
	}

	// FailUpgrade refuses before auth and does not consume the ticket.
	tk := n.IssueTicket("tok-a")
	n.FailUpgrade(2, 500, NeuroTextAuthError)
	for range 2 {
		if status, body := neuroRefused(t, ctx, n.URL+"?ticket="+tk, nil); status != 500 || body != NeuroTextAuthError {
			t.Errorf("FailUpgrade: %d %q", status, body)
		}
	}
	n.FailUpgrade(1, 500, "")
	if status, body := neuroRefused(t, ctx, n.URL, neuroBearerHeader("tok-a")); status != 500 || body != "Internal Server Error" {
		t.Errorf("FailUpgrade default text: %d %q", status, body)
	}
	neuroDial(t, ctx, n.URL+"?ticket="+tk, nil)

	// A plain GET with valid auth is no upgrade: refused by the upgrader,
	// and it takes no connection slot.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.HTTPURL+NeuroPathV2, nil)
	req.Header.Set("Authorization", "Bearer tok-a")
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || n.ConnsOf("tok-a") != 1 {
		t.Errorf("plain GET: status %d, ConnsOf %d; want 400, 1", resp.StatusCode, n.ConnsOf("tok-a"))
	}
}

func TestNeuroConnectionLimit(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{Tokens: []string{"tok-a", "tok-b"}, UnlimitedTokens: []string{"tok-u"}})
	defer n.Close()
	ctx := neuroCtx(t)

	var mine []*websocket.Conn
	for i := range 5 {
		h := neuroBearerHeader("tok-a")
		url := n.URL
		if i%2 == 1 { // tickets count for the user they were issued to
			url, h = n.URLV1()+"?ticket="+neuroGetTicket(t, ctx, n.TicketURLV1(), "tok-a")["ticket"].(string), nil
		}
		ws, _ := neuroDial(t, ctx, url, h)
		mine = append(mine, ws)
	}
	if n.ConnsOf("tok-a") != 5 {
		t.Fatalf("ConnsOf %d, want 5", n.ConnsOf("tok-a"))
	}
	if status, body := neuroRefused(t, ctx, n.URL, neuroBearerHeader("tok-a")); status != 429 || body != "Connection limit reached (max 5)" {
		t.Errorf("sixth by header: %d %q", status, body)
	}
	tk := n.IssueTicket("tok-a")
	if status, body := neuroRefused(t, ctx, n.URL+"?ticket="+tk, nil); status != 429 || body != "Connection limit reached (max 5)" {
		t.Errorf("sixth by ticket: %d %q", status, body)
	}
	if status, body := neuroRefused(t, ctx, n.URL+"?ticket="+tk, nil); status != 401 || body != NeuroTextBadTicket {
		t.Errorf("the refused ticket was not consumed: %d %q", status, body)
	}

	// Other users are not affected; unlimited tokens have no cap.
	neuroDial(t, ctx, n.URL, neuroBearerHeader("tok-b"))
	for range 6 {
		neuroDial(t, ctx, n.URL, neuroBearerHeader("tok-u"))
	}
	if _, err := n.WaitConns(ctx, 12); err != nil {
		t.Fatal(err)
	}

	// Closing one frees its slot.
	mine[2].Close()
	if _, err := n.WaitConns(ctx, 11); err != nil {
		t.Fatal(err)
	}
	if n.ConnsOf("tok-a") != 4 {
		t.Errorf("after a close ConnsOf %d, want 4", n.ConnsOf("tok-a"))
	}
	ws, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok-a"))
	neuroNothingPending(t, ws)
	if status, _ := neuroRefused(t, ctx, n.URL, neuroBearerHeader("tok-a")); status != 429 {
		t.Errorf("full again: status %d, want 429", status)
	}

	// MaxConnections is configurable.
	one := neuroStart(t, NeuroOptions{MaxConnections: 1})
	defer one.Close()
	neuroDial(t, ctx, one.URL, neuroBearerHeader("anything"))
	if status, body := neuroRefused(t, ctx, one.URL, neuroBearerHeader("anything")); status != 429 || body != "Connection limit reached (max 1)" {
		t.Errorf("max 1: %d %q", status, body)
	}
}

func TestNeuroSubscriptions(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{RefuseSubscribe: []string{"subathonUpdate"}})
	defer n.Close()
	ctx := neuroCtx(t)
	ws, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok"))
	c := neuroOnly(t, ctx, n)

	neuroWant(t, neuroAsk(t, ws, `{"type":"addEvent","data":{"eventType":"streamOnline"}}`),
		`{"type":"addSuccess","data":{"eventType":"streamOnline","subscribed":true}}`)
	neuroWant(t, neuroAsk(t, ws, `{"type":"addEvent","data":{"eventType":"streamOnline"}}`),
		`{"type":"addSuccess","data":{"eventType":"streamOnline","subscribed":true}}`)
	neuroWant(t, neuroAsk(t, ws, `{"type":"addEvent","data":{"eventType":"subathonUpdate"}}`),
		`{"type":"addSuccess","data":{"eventType":"subathonUpdate","subscribed":false}}`)
	neuroWant(t, neuroAsk(t, ws, `{"type":"addEvent","data":{"eventType":"xFeedNewEntries"}}`),
		`{"type":"addSuccess","data":{"eventType":"xFeedNewEntries","subscribed":true}}`)
	if got := n.Subscriptions(c); !cmp.Equal(got, []string{"streamOnline", "xFeedNewEntries"}) {
		t.Errorf("Subscriptions %v", got)
	}
	all, _ := json.Marshal(NeuroEventTypes())
	neuroWant(t, neuroAsk(t, ws, `{"type":"listEvents","data":{}}`),
		`{"type":"listEvents","data":{"subscribedEvents":["streamOnline","xFeedNewEntries"],"availableEvents":`+string(all)+`}}`)
	if len(NeuroEventTypes()) != 12 {
		t.Errorf("%d event types, want 12", len(NeuroEventTypes()))
	}

	neuroWant(t, neuroAsk(t, ws, `{"type":"removeEvent","data":{"eventType":"streamOnline"}}`),
		`{"type":"removeSuccess","data":{"eventType":"streamOnline","unsubscribed":true}}`)
	neuroWant(t, neuroAsk(t, ws, `{"type":"removeEvent","data":{"eventType":"streamOnline"}}`),
		`{"type":"removeSuccess","data":{"eventType":"streamOnline","unsubscribed":false}}`)
	neuroWant(t, neuroAsk(t, ws, `{"type":"removeEvent","data":{"eventType":"xFeedNewEntries"}}`),
		`{"type":"removeSuccess","data":{"eventType":"xFeedNewEntries","unsubscribed":true}}`)
	neuroWant(t, neuroAsk(t, ws, `{"type":"listEvents"}`),
		`{"type":"listEvents","data":{"subscribedEvents":[],"availableEvents":`+string(all)+`}}`)

	neuroWant(t, neuroAsk(t, ws, `{"type":"ping"}`), `{"type":"pong","data":{}}`)
	neuroWant(t, neuroAsk(t, ws, `{"type":"ping","data":{}}`), `{"type":"pong","data":{}}`)

	missing := `{"type":"invalid","data":{"reason":"missingEventtype","message":"Missing eventType."}}`
	invalid := `{"type":"invalid","data":{"reason":"invalidEventtype","message":"Invalid eventType."}}`
	malformed := `{"type":"invalid","data":{"reason":"malformed","message":"Could not parse message."}}`
	unknown := `{"type":"invalid","data":{"reason":"malformed","message":"Unknown message type."}}`
	for _, tc := range []struct{ send, want string }{
		{`{"type":"addEvent"}`, missing},
		{`{"type":"addEvent","data":{}}`, missing},
		{`{"type":"addEvent","data":"streamOnline"}`, missing},
		{`{"type":"addEvent","data":{"eventType":""}}`, missing},
		{`{"type":"addEvent","data":{"eventType":null}}`, missing},
		{`{"type":"removeEvent","data":{}}`, missing},
		{`{"type":"addEvent","data":{"eventType":"nope"}}`, invalid},
		{`{"type":"addEvent","data":{"eventType":5}}`, invalid},
		{`{"type":"removeEvent","data":{"eventType":"nope"}}`, invalid},
		{`not json`, malformed},
		{`{"type":"ping"`, malformed},
		{`[1,2]`, malformed},
		{`null`, malformed},
		{`"ping"`, malformed},
		{`{"type":"subscribe","data":{}}`, unknown},
		{`{"data":{}}`, unknown},
		{`{"type":"pong"}`, unknown},
	} {
		got := neuroAsk(t, ws, tc.send)
		var want map[string]any
		_ = json.Unmarshal([]byte(tc.want), &want)
		if !cmp.Equal(got, want) {
			t.Errorf("%s: got %v, want %s", tc.send, got, tc.want)
		}
	}
	// Binary frames are ignored.
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	neuroNothingPending(t, ws)
	if got := n.Subscriptions(c); len(got) != 0 {
		t.Errorf("Subscriptions after the errors %v", got)
	}
}

func TestNeuroPublish(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{})
	defer n.Close()
	ctx := neuroCtx(t)
	a, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok"))
	b, _ := neuroDial(t, ctx, n.URLV1(), neuroBearerHeader("tok"))
	conns, err := n.WaitConns(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	neuroAsk(t, a, `{"type":"addEvent","data":{"eventType":"streamOnline"}}`)
	neuroAsk(t, b, `{"type":"addEvent","data":{"eventType":"streamOffline"}}`)

	data := map[string]any{"isLive": true, "id": "331913732989", "title": "NEURO STREAM", "viewerCount": 5799}
	before := time.Now().UnixMilli()
	if got := n.Publish("streamOnline", data); got != 1 {
		t.Errorf("Publish reached %d, want 1", got)
	}
	ev := neuroRead(t, a)
	d, _ := ev["data"].(map[string]any)
	ts, _ := d["timestamp"].(float64)
	if ev["type"] != "event" || d["eventType"] != "streamOnline" || len(d) != 3 || int64(ts) < before || int64(ts) > time.Now().UnixMilli() {
		t.Errorf("event frame %v", ev)
	}
	if diff := cmp.Diff(map[string]any{"isLive": true, "id": "331913732989", "title": "NEURO STREAM", "viewerCount": float64(5799)}, d["eventData"]); diff != "" {
		t.Errorf("eventData (-want +got):\n%s", diff)
	}
	neuroNothingPending(t, b) // b did not subscribe to streamOnline

	if got := n.Publish("scheduleUpdate", map[string]any{"year": 2026}); got != 0 {
		t.Errorf("nobody subscribed, Publish reached %d", got)
	}
	n.PublishTo(conns[1], "scheduleUpdate", map[string]any{"year": 2026, "week": 8, "schedule": []any{}, "isFinal": true})
	if ev := neuroRead(t, b); ev["type"] != "event" || ev["data"].(map[string]any)["eventType"] != "scheduleUpdate" {
		t.Errorf("PublishTo frame %v", ev)
	}
	if got := n.Publish("streamOffline", map[string]any{"isLive": false}); got != 1 {
		t.Errorf("streamOffline reached %d, want 1", got)
	}
	if ev := neuroRead(t, b); ev["data"].(map[string]any)["eventType"] != "streamOffline" {
		t.Errorf("streamOffline frame %v", ev)
	}
	neuroNothingPending(t, a)

	neuroAsk(t, a, `{"type":"removeEvent","data":{"eventType":"streamOnline"}}`)
	if got := n.Publish("streamOnline", data); got != 0 {
		t.Errorf("after removeEvent Publish reached %d", got)
	}
	neuroNothingPending(t, a)

	n.SendInvalid(conns[0], "unauthenticated", "")
	neuroWant(t, neuroRead(t, a), `{"type":"invalid","data":{"reason":"unauthenticated"}}`)

	// A silenced connection is not counted.
	neuroAsk(t, b, `{"type":"addEvent","data":{"eventType":"streamOnline"}}`)
	conns[1].Silence()
	if got := n.Publish("streamOnline", data); got != 0 {
		t.Errorf("silenced subscriber: Publish reached %d", got)
	}
}

func TestNeuroStreamUpdateThrottle(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{StreamUpdateInterval: 50 * time.Millisecond})
	defer n.Close()
	ctx := neuroCtx(t)
	ws, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok"))
	neuroAsk(t, ws, `{"type":"addEvent","data":{"eventType":"streamUpdate"}}`)

	if got := n.Publish("streamUpdate", map[string]any{"title": "one"}); got != 1 {
		t.Errorf("first streamUpdate reached %d", got)
	}
	for _, title := range []string{"two", "three"} {
		if got := n.Publish("streamUpdate", map[string]any{"title": title}); got != 0 {
			t.Errorf("throttled streamUpdate %q reached %d", title, got)
		}
	}
	for _, want := range []string{"one", "three"} { // the held one: the latest
		ev := neuroRead(t, ws)
		if got := ev["data"].(map[string]any)["eventData"].(map[string]any)["title"]; got != want {
			t.Errorf("streamUpdate title %v, want %s", got, want)
		}
	}
	neuroNothingPending(t, ws)

	// Held and not yet sent when the server closes: the timer goroutine
	// ends with it (goleak checks).
	n.Publish("streamUpdate", map[string]any{"title": "four"})
}

func TestNeuroKeepalive(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{PingInterval: 10 * time.Millisecond, IdleTimeout: 150 * time.Millisecond})
	defer n.Close()
	ctx := neuroCtx(t)

	// A client that reads answers the pings and outlives the idle timeout
	// many times over.
	ws, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok"))
	pings := make(chan struct{}, 1)
	ws.SetPingHandler(func(data string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	readerDone := make(chan error, 1)
	go func() {
		_ = ws.SetReadDeadline(time.Now().Add(neuroWait))
		_, _, err := ws.ReadMessage()
		readerDone <- err
	}()
	for range 40 { // at least 400ms, over two idle timeouts
		select {
		case <-pings:
		case <-ctx.Done():
			t.Fatal("no pings")
		}
	}
	if len(n.Conns()) != 1 {
		t.Fatal("an answering client was dropped")
	}
	ws.Close()
	<-readerDone
	if _, err := n.WaitConns(ctx, 0); err != nil {
		t.Fatal(err)
	}

	// A client that neither reads nor writes sends no pongs and is dropped.
	silent, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok"))
	if _, err := n.WaitConns(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := n.WaitConns(ctx, 0); err != nil {
		t.Fatalf("idle client not dropped: %v", err)
	}
	if n.ConnsOf("tok") != 0 {
		t.Errorf("slot not freed: ConnsOf %d", n.ConnsOf("tok"))
	}
	_ = silent.SetReadDeadline(time.Now().Add(neuroWait))
	for {
		if _, _, err := silent.ReadMessage(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("dropped link still open for the client: %v", err)
			}
			break
		}
	}
}

func TestNeuroSilence(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{PingInterval: 10 * time.Millisecond, IdleTimeout: 40 * time.Millisecond})
	defer n.Close()
	ctx := neuroCtx(t)
	ws, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok"))
	neuroOnly(t, ctx, n).Silence()

	// No pong, no ping, no frame for well past the idle timeout, and the
	// silent server keeps the link (the client is to notice, not the server).
	var lastPing time.Time
	ws.SetPingHandler(func(string) error { lastPing = time.Now(); return nil })
	neuroSend(t, ws, `{"type":"ping"}`)
	start := time.Now()
	_ = ws.SetReadDeadline(start.Add(200 * time.Millisecond))
	_, b, err := ws.ReadMessage()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("silenced server answered: %s %v", b, err)
	}
	// Pings sent before Silence are read at once; 20 more were due.
	if late := lastPing.Sub(start); late > 50*time.Millisecond {
		t.Errorf("silenced server pinged %v into the read", late)
	}
	if len(n.Conns()) != 1 {
		t.Error("silenced connection dropped by the idle timeout")
	}
}

func TestNeuroReadLimit(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{})
	defer n.Close()
	ctx := neuroCtx(t)
	ws, _ := neuroDial(t, ctx, n.URL, neuroBearerHeader("tok"))
	huge := append([]byte(`{"type":"ping","data":{"pad":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	huge = append(huge, `"}}`...)
	_ = ws.WriteMessage(websocket.TextMessage, huge) // the server may cut the link mid-write
	_ = ws.SetReadDeadline(time.Now().Add(neuroWait))
	if _, b, err := ws.ReadMessage(); err == nil {
		t.Fatalf("oversized frame answered: %.80s", b)
	}
	if _, err := n.WaitConns(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if n.ConnsOf("tok") != 0 {
		t.Errorf("slot not freed: ConnsOf %d", n.ConnsOf("tok"))
	}
}

func TestNeuroMock(t *testing.T) {
	defer goleak.VerifyNone(t)
	m, err := StartMock("neuro", MockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := neuroCtx(t)
	if creds := strings.Join(m.Credentials(), "\n"); !strings.Contains(creds, DemoToken) || !strings.Contains(creds, "/ws/ticket") {
		t.Errorf("Credentials %q", creds)
	}
	ws, _ := neuroDial(t, ctx, m.URL(), neuroBearerHeader(DemoToken))
	neuroAsk(t, ws, `{"type":"addEvent","data":{"eventType":"scheduleUpdate"}}`)
	frame := []byte(`{"type":"event","data":{"eventType":"scheduleUpdate","eventData":{"year":2026,"week":8,"schedule":[],"isFinal":true},"timestamp":1766924114000}}`)
	if got := m.Replay(frame); got != 1 {
		t.Errorf("Replay reached %d, want 1", got)
	}
	_ = ws.SetReadDeadline(time.Now().Add(neuroWait))
	if _, b, err := ws.ReadMessage(); err != nil || !bytes.Equal(b, frame) {
		t.Errorf("replayed %s %v, want the frame as captured", b, err)
	}
	if got := m.Replay([]byte(`{"type":"event","data":{"eventType":"streamOffline","eventData":{"isLive":false},"timestamp":1}}`)); got != 0 {
		t.Errorf("unsubscribed Replay reached %d", got)
	}
	neuroNothingPending(t, ws)
	if status, _ := neuroRefused(t, ctx, m.URL(), neuroBearerHeader("not-the-demo-token")); status != 401 {
		t.Errorf("mock accepted another token: %d", status)
	}
}
