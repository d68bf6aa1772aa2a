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

	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
	"github.com/wsbind/wsbind/runtime/wsauth"
)

// Credentials of the test company. The token is a made-up secret: tests
// must never print it, and the client must never log it.
const (
	octaveCompany = "acme_corp"
	octaveToken   = "oct-tok-7f3a9c1e5b2d4f6a"
	octaveUser    = "greenhouse.operator"

	octaveSID1  = "s53b1d1600cf27b75148de0ac"
	octavePath1 = "/acme_corp/devices/greenhouse_01/temperature"
	octaveSID2  = "s5a1b2c3d4e5f60718293a4b5"
	octavePath2 = "/acme_corp/devices/greenhouse_01/humidity"
)

const octaveWait = 5 * time.Second

func octaveStreams() map[string]string {
	return map[string]string{octaveSID1: octavePath1, octaveSID2: octavePath2}
}

func octaveServer(t *testing.T, opt testserver.OctaveOptions) *testserver.Octave {
	t.Helper()
	srv, err := testserver.NewOctave(opt)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func octaveCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), octaveWait)
	t.Cleanup(cancel)
	return ctx
}

// octaveTransport sees every session request the client makes: its URL and
// headers, and the session id of each successful answer. after, if set,
// runs once the answer is in (to expire the session before the upgrade).
type octaveTransport struct {
	base  http.RoundTripper
	after atomic.Pointer[func()]

	mu       sync.Mutex
	urls     []string
	methods  []string
	headers  []http.Header
	sessions []string
}

func newOctaveTransport() *octaveTransport {
	return &octaveTransport{base: &http.Transport{DisableKeepAlives: true}}
}

func (tr *octaveTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tr.mu.Lock()
	tr.urls = append(tr.urls, r.URL.String())
	tr.methods = append(tr.methods, r.Method)
	tr.headers = append(tr.headers, r.Header.Clone())
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
		Body struct {
			ID string `json:"id"`
		} `json:"body"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.Body.ID != "" {
		tr.mu.Lock()
		tr.sessions = append(tr.sessions, doc.Body.ID)
		tr.mu.Unlock()
	}
	if fn := tr.after.Load(); fn != nil {
		(*fn)()
	}
	return resp, nil
}

func (tr *octaveTransport) requests() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.urls)
}

func (tr *octaveTransport) sessionIDs() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.sessions)
}

func (tr *octaveTransport) request(i int) (method, url string, h http.Header) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.methods[i], tr.urls[i], tr.headers[i]
}

// octaveLife records the lifecycle hooks and errors of one client. Sends
// never block the runtime: the buffers are far larger than any test needs.
type octaveLife struct {
	restored     chan struct{}
	disconnected chan error
	errs         chan error
}

func newOctaveLife() *octaveLife {
	return &octaveLife{
		restored:     make(chan struct{}, 64),
		disconnected: make(chan error, 64),
		errs:         make(chan error, 256),
	}
}

func octavePut[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// octaveConfig is a client config for srv with short cadences.
func octaveConfig(srv *testserver.Octave, tr *octaveTransport, life *octaveLife) octave.Config {
	cfg := octave.Config{
		URL:          srv.WSURL("{sessionId}"),
		AuthURL:      srv.SessionURL(),
		HTTPClient:   &http.Client{Transport: tr},
		XAuthCompany: octaveCompany,
		XAuthToken:   octaveToken,
		XAuthUser:    octaveUser,
		Conn: conn.Config{
			ReadTimeout:      2 * time.Second,
			PingInterval:     100 * time.Millisecond,
			ReplyTimeout:     2 * time.Second,
			HandshakeTimeout: 2 * time.Second,
			WriteTimeout:     2 * time.Second,
			Backoff:          conn.Backoff{Base: 2 * time.Millisecond, Max: 20 * time.Millisecond},
		},
	}
	if life != nil {
		cfg.OnRestored = func(context.Context) { octavePut(life.restored, struct{}{}) }
		cfg.OnDisconnected = func(_ context.Context, err error) { octavePut(life.disconnected, err) }
		cfg.OnError = func(_ context.Context, err error) { octavePut(life.errs, err) }
	}
	return cfg
}

func octaveRecv[T any](t *testing.T, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func octaveEventsTo(c *octave.Client) <-chan *octave.EventMessage {
	ch := make(chan *octave.EventMessage, 1024)
	c.OnEventMessage(func(_ context.Context, m *octave.EventMessage) { octavePut(ch, m) })
	return ch
}

// octaveOnlyConn returns the server's connection once exactly one is open
// (the previous one, if any, has been torn down).
func octaveOnlyConn(t *testing.T, ctx context.Context, srv *testserver.Octave) *testserver.Conn {
	t.Helper()
	conns, err := srv.WaitConns(ctx, 1)
	if err != nil {
		t.Fatalf("waiting for one server connection: %v", err)
	}
	return conns[0]
}

func octaveSessionOf(c *testserver.Conn) string {
	id, _ := strings.CutSuffix(strings.TrimPrefix(c.Request.URL.Path, "/session/"), "/ws")
	return id
}

func octaveEvent(streamID, path string, seq int) map[string]any {
	return testserver.NewOctaveEvent(streamID, path, map[string]any{"seq": seq})
}

func octaveSeq(t *testing.T, m *octave.EventMessage) int {
	t.Helper()
	var e struct {
		Seq *int `json:"seq"`
	}
	if err := json.Unmarshal(m.Value.Elems, &e); err != nil || e.Seq == nil {
		t.Fatalf("event elems %s carry no seq (%v)", m.Value.Elems, err)
	}
	return *e.Seq
}

// octaveConnect starts a client with the defaults above and waits until it
// is ready.
func octaveConnect(t *testing.T, ctx context.Context, cfg octave.Config) *octave.Client {
	t.Helper()
	c := octave.NewClient(cfg)
	if err := c.Connect(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	return c
}

func octaveAckOK(t *testing.T, what string, ack *octave.Ack, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if ack == nil {
		t.Fatalf("%s: nil ack", what)
	}
	h := ack.Head
	if !h.OK || h.MsgID == "" || len(h.Errors) != 0 || !slices.Equal(h.Messages, []string{testserver.OctaveAckMessage}) {
		t.Fatalf("%s: ack head %+v, want ok with the server's note", what, h)
	}
}

func TestOctaveConnectCreatesASessionAndDialsItsID(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Companies: map[string]string{octaveCompany: octaveToken}})
	defer srv.Close()
	tr := newOctaveTransport()
	cfg := octaveConfig(srv, tr, nil)
	c := octaveConnect(t, ctx, cfg)
	defer c.Close()

	if got := srv.SessionsIssued(); got != 1 {
		t.Fatalf("SessionsIssued = %d, want 1", got)
	}
	if tr.requests() != 1 {
		t.Fatalf("%d session requests, want 1", tr.requests())
	}
	method, url, h := tr.request(0)
	if method != http.MethodPost || url != srv.SessionURL() {
		t.Fatalf("session request %s %s, want POST %s", method, url, srv.SessionURL())
	}
	if h.Get("X-Auth-Company") != octaveCompany || h.Get("X-Auth-Token") != octaveToken || h.Get("X-Auth-User") != octaveUser {
		t.Fatal("session request lacks the X-Auth-Company, X-Auth-Token or X-Auth-User header")
	}
	sc := octaveOnlyConn(t, ctx, srv)
	if ids := tr.sessionIDs(); len(ids) != 1 || octaveSessionOf(sc) != ids[0] {
		t.Fatal("the WebSocket was not dialled at /session/{the issued id}/ws")
	}
	if got := srv.Sessions(); got != 1 {
		t.Fatalf("server holds %d sessions, want the one bound to the connection", got)
	}
}

func TestOctaveAuthURLDefaultsToTheDialledHost(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	tr := newOctaveTransport()
	cfg := octaveConfig(srv, tr, nil)
	cfg.AuthURL = ""
	c := octaveConnect(t, ctx, cfg)
	defer c.Close()

	if _, url, _ := tr.request(0); url != srv.SessionURL() {
		t.Fatalf("session POSTed to %s, want the dialled host's %s", url, srv.SessionURL())
	}
	if srv.SessionsIssued() != 1 {
		t.Fatalf("SessionsIssued = %d, want 1", srv.SessionsIssued())
	}
}

func TestOctaveOptionalUserHeader(t *testing.T) {
	cases := []struct {
		name    string
		opt     testserver.OctaveOptions
		user    string
		refused bool
	}{
		{name: "omitted when empty", user: ""},
		{name: "omitted when empty is refused if the server requires it", opt: testserver.OctaveOptions{RequireUser: true}, user: "", refused: true},
		{name: "sent when set", opt: testserver.OctaveOptions{RequireUser: true, Users: map[string][]string{octaveCompany: {octaveUser}}}, user: octaveUser},
		{name: "unknown user is refused", opt: testserver.OctaveOptions{Users: map[string][]string{octaveCompany: {octaveUser}}}, user: "mallory", refused: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ctx := octaveCtx(t)
			srv := octaveServer(t, tc.opt)
			defer srv.Close()
			tr := newOctaveTransport()
			cfg := octaveConfig(srv, tr, nil)
			cfg.XAuthUser = tc.user
			c := octave.NewClient(cfg)
			err := c.Connect(ctx)
			defer c.Close()

			if tr.requests() != 1 {
				t.Fatalf("%d session requests, want exactly 1", tr.requests())
			}
			_, _, h := tr.request(0)
			vals, present := h["X-Auth-User"]
			if tc.user == "" && present {
				t.Fatalf("X-Auth-User sent as %q, want it omitted", vals)
			}
			if tc.user != "" && h.Get("X-Auth-User") != tc.user {
				t.Fatalf("X-Auth-User = %q, want %q", h.Get("X-Auth-User"), tc.user)
			}
			if !tc.refused {
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				return
			}
			var we *wsauth.Error
			if !errors.As(err, &we) || we.Status != http.StatusUnauthorized {
				t.Fatalf("connect error %v, want a 401 *wsauth.Error", err)
			}
		})
	}
}

func TestOctaveSubscribeAcksAndDeliversTypedEventsByIDAndPath(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Streams: octaveStreams()})
	defer srv.Close()
	c := octave.NewClient(octaveConfig(srv, newOctaveTransport(), nil))
	events := octaveEventsTo(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ack1, err := c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream", ack1, err)
	ack2, err := c.SubscribePath(ctx, octavePath2)
	octaveAckOK(t, "SubscribePath", ack2, err)
	if ack1.Head.MsgID == ack2.Head.MsgID {
		t.Fatalf("two requests share msgId %q", ack1.Head.MsgID)
	}
	sc := octaveOnlyConn(t, ctx, srv)
	if got := srv.Subscriptions(sc); !slices.Equal(got, []string{octaveSID1, octavePath2}) {
		t.Fatalf("server subscriptions %v, want [%s %s]", got, octaveSID1, octavePath2)
	}
	if c.Subscriptions() != 2 {
		t.Fatalf("client remembers %d subscriptions, want 2", c.Subscriptions())
	}

	// An edge Event on the stream subscribed by id.
	ev1 := testserver.NewOctaveEvent(octaveSID1, octavePath1, map[string]any{"temperature": 21.5})
	if n := srv.Publish(octaveSID1, ev1); n != 1 {
		t.Fatalf("published to %d connections, want 1", n)
	}
	m := octaveRecv(t, ctx, events, "the event published by stream id")
	v := m.Value
	gen, genOK := v.GeneratedDate.Value.Get()
	ver, verOK := v.Version.Get()
	switch {
	case m.Type != "message" || m.Resource != octaveSID1:
		t.Fatalf("envelope type %q resource %q", m.Type, m.Resource)
	case v.ID != ev1["id"] || v.StreamID != octaveSID1 || v.Path != octavePath1:
		t.Fatalf("event id/stream/path %q %q %q", v.ID, v.StreamID, v.Path)
	case v.CreationDate != ev1["creationDate"] || v.LastEditDate != ev1["lastEditDate"]:
		t.Fatalf("dates %d %d, want %v", v.CreationDate, v.LastEditDate, ev1["creationDate"])
	case !genOK || gen != ev1["generatedDate"]:
		t.Fatalf("generatedDate %+v, want %v", v.GeneratedDate, ev1["generatedDate"])
	case v.CreatorID != ev1["creatorId"] || v.LastEditorID != ev1["lastEditorId"]:
		t.Fatalf("creator %q editor %q", v.CreatorID, v.LastEditorID)
	case !v.Hash.Set || v.Hash.Value.Valid:
		t.Fatalf("hash %+v, want null", v.Hash)
	case string(v.Location) != "null" || string(v.Metadata) != "null":
		t.Fatalf("location %s metadata %s, want null", v.Location, v.Metadata)
	case v.Tags == nil || len(v.Tags) != 0:
		t.Fatalf("tags %v, want {}", v.Tags)
	case !verOK || ver != 0:
		t.Fatalf("version %+v, want present 0", v.Version)
	}
	var elems map[string]float64
	if err := json.Unmarshal(v.Elems, &elems); err != nil || elems["temperature"] != 21.5 {
		t.Fatalf("elems %s", v.Elems)
	}
	if !bytes.Contains(m.RawFrame(), []byte(octaveSID1)) {
		t.Fatal("RawFrame does not hold the received frame")
	}

	// A cloud Event (no generatedDate) on the stream subscribed by path, with
	// a hash and a tag and without version.
	ev2 := testserver.NewOctaveEvent(octaveSID2, octavePath2, map[string]any{"rh": 64})
	ev2["generatedDate"] = nil
	ev2["hash"] = "dedup-1"
	ev2["tags"] = map[string]any{"site": "north"}
	delete(ev2, "version")
	if n := srv.Publish(octavePath2, ev2); n != 1 {
		t.Fatalf("published to %d connections, want 1", n)
	}
	m = octaveRecv(t, ctx, events, "the event published by path")
	v = m.Value
	hash, hashOK := v.Hash.Value.Get()
	switch {
	case m.Resource != octaveSID2 || v.StreamID != octaveSID2 || v.Path != octavePath2:
		t.Fatalf("resource %q stream %q path %q", m.Resource, v.StreamID, v.Path)
	case !v.GeneratedDate.Set || v.GeneratedDate.Value.Valid:
		t.Fatalf("generatedDate %+v, want null", v.GeneratedDate)
	case !hashOK || hash != "dedup-1":
		t.Fatalf("hash %+v", v.Hash)
	case v.Tags["site"] != "north":
		t.Fatalf("tags %v", v.Tags)
	case v.Version.Set:
		t.Fatalf("version %+v, want absent", v.Version)
	}
	// A stream nobody subscribed to reaches nobody.
	if n := srv.Publish("s0000000000000000000000ff", octaveEvent("s0000000000000000000000ff", "/other", 0)); n != 0 {
		t.Fatalf("unsubscribed stream published to %d connections", n)
	}
}

func TestOctaveConcurrentRequestsEachGetTheirOwnAck(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	streams := map[string]string{}
	for i := range 8 {
		streams[fmt.Sprintf("s%024x", i+1)] = fmt.Sprintf("/acme_corp/devices/d%02d/value", i+1)
	}
	srv := octaveServer(t, testserver.OctaveOptions{Streams: streams})
	defer srv.Close()
	c := octaveConnect(t, ctx, octaveConfig(srv, newOctaveTransport(), nil))
	defer c.Close()

	// Known streams succeed, unknown ones fail: if acks were matched to the
	// wrong request, some success would come back as a failure or the other
	// way round.
	type result struct {
		i    int
		want bool
		ack  *octave.Ack
		err  error
	}
	const n = 32
	results := make(chan result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := i/4 + 1
			known := i%2 == 0
			sid, path := fmt.Sprintf("s%024x", k), fmt.Sprintf("/acme_corp/devices/d%02d/value", k)
			if !known {
				sid, path = fmt.Sprintf("s%024x", 100+i), fmt.Sprintf("/nowhere/%d", i)
			}
			var ack *octave.Ack
			var err error
			if i%4 < 2 {
				ack, err = c.SubscribeStream(ctx, sid)
			} else {
				ack, err = c.SubscribePath(ctx, path)
			}
			results <- result{i, known, ack, err}
		}()
	}
	wg.Wait()
	close(results)
	ids := map[string]bool{}
	for r := range results {
		if r.ack == nil {
			t.Fatalf("request %d: no ack (%v)", r.i, r.err)
		}
		if ids[r.ack.Head.MsgID] {
			t.Fatalf("request %d: msgId %q answered twice", r.i, r.ack.Head.MsgID)
		}
		ids[r.ack.Head.MsgID] = true
		var re *octave.ReplyError
		switch {
		case r.want && (r.err != nil || !r.ack.Head.OK):
			t.Errorf("request %d for a known stream: ok=%v err=%v", r.i, r.ack.Head.OK, r.err)
		case !r.want && (!errors.As(r.err, &re) || r.ack.Head.OK):
			t.Errorf("request %d for an unknown stream: ok=%v err=%v", r.i, r.ack.Head.OK, r.err)
		}
	}
	if c.Subscriptions() != n/2 {
		t.Fatalf("client remembers %d subscriptions, want %d (only the acknowledged ones)", c.Subscriptions(), n/2)
	}
	if got := srv.Subscriptions(octaveOnlyConn(t, ctx, srv)); len(got) != n/2 {
		t.Fatalf("server holds %d subscriptions, want %d", len(got), n/2)
	}
}

func TestOctaveRefusedRequestIsAReplyErrorWithTheServerText(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Streams: octaveStreams()})
	defer srv.Close()
	c := octaveConnect(t, ctx, octaveConfig(srv, newOctaveTransport(), nil))
	defer c.Close()

	check := func(what string, ack *octave.Ack, err error, status int64, text string) {
		t.Helper()
		var re *octave.ReplyError
		if !errors.As(err, &re) {
			t.Fatalf("%s: error %v, want *octave.ReplyError", what, err)
		}
		if !strings.Contains(re.Text, text) || !strings.Contains(err.Error(), text) {
			t.Fatalf("%s: ReplyError text %q (error %q), want the server's %q", what, re.Text, err, text)
		}
		reply, ok := re.Reply.(*octave.Ack)
		if !ok || reply.Head.OK || reply != ack {
			t.Fatalf("%s: Reply %T, want the refusing *Ack, also returned", what, re.Reply)
		}
		if s, ok := reply.Head.Status.Get(); !ok || s != status {
			t.Fatalf("%s: ack status %+v, want %d", what, reply.Head.Status, status)
		}
		if reply.Head.MsgID == "" {
			t.Fatalf("%s: ack without msgId", what)
		}
	}
	ack, err := c.SubscribeStream(ctx, "s000000000000000000000bad")
	check("SubscribeStream unknown id", ack, err, 404, "Stream not found")
	ack, err = c.SubscribePath(ctx, "/no/such/stream")
	check("SubscribePath unknown path", ack, err, 404, "Stream not found")
	ack, err = c.UnsubscribeStream(ctx, octaveSID1)
	check("UnsubscribeStream not subscribed", ack, err, 404, "Not subscribed to this stream")
	ack, err = c.UnsubscribePath(ctx, octavePath1)
	check("UnsubscribePath not subscribed", ack, err, 404, "Not subscribed to this stream")
	if c.Subscriptions() != 0 {
		t.Fatalf("refused subscriptions are remembered: %d", c.Subscriptions())
	}
	// The connection survives refusals.
	ack, err = c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream after refusals", ack, err)
}

func TestOctaveUnsubscribeStopsEventsAndIsNotRestored(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Streams: octaveStreams()})
	defer srv.Close()
	life := newOctaveLife()
	c := octave.NewClient(octaveConfig(srv, newOctaveTransport(), life))
	events := octaveEventsTo(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	octaveRecv(t, ctx, life.restored, "the first connection")

	ack, err := c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream", ack, err)
	ack, err = c.SubscribePath(ctx, octavePath2)
	octaveAckOK(t, "SubscribePath", ack, err)
	ack, err = c.UnsubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "UnsubscribeStream", ack, err)
	sc := octaveOnlyConn(t, ctx, srv)
	if got := srv.Subscriptions(sc); !slices.Equal(got, []string{octavePath2}) {
		t.Fatalf("server subscriptions %v after UnsubscribeStream", got)
	}
	if c.Subscriptions() != 1 {
		t.Fatalf("client remembers %d subscriptions, want 1", c.Subscriptions())
	}
	ack, err = c.UnsubscribePath(ctx, octavePath2)
	octaveAckOK(t, "UnsubscribePath", ack, err)
	if got := srv.Subscriptions(sc); len(got) != 0 {
		t.Fatalf("server subscriptions %v after UnsubscribePath", got)
	}
	if c.Subscriptions() != 0 {
		t.Fatalf("client remembers %d subscriptions, want 0", c.Subscriptions())
	}
	if n := srv.Publish(octaveSID1, octaveEvent(octaveSID1, octavePath1, 1)); n != 0 {
		t.Fatalf("event sent to %d connections after unsubscribing", n)
	}

	srv.DropAll()
	octaveRecv(t, ctx, life.restored, "the reconnect")
	if got := srv.Subscriptions(octaveOnlyConn(t, ctx, srv)); len(got) != 0 {
		t.Fatalf("unsubscribed streams restored after reconnect: %v", got)
	}
	if n := srv.Publish(octavePath2, octaveEvent(octaveSID2, octavePath2, 2)); n != 0 {
		t.Fatalf("event sent to %d connections after reconnect", n)
	}
	select {
	case m := <-events:
		t.Fatalf("event %q delivered after unsubscribing", m.Value.ID)
	default:
	}
}

func TestOctaveSendWritesAnyClientMessageWithoutWaiting(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Streams: octaveStreams()})
	defer srv.Close()
	c := octave.NewClient(octaveConfig(srv, newOctaveTransport(), nil))
	acks := make(chan *octave.Ack, 16)
	c.OnAckMessage(func(_ context.Context, a *octave.Ack) { octavePut(acks, a) })
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	m := octave.NewSubscribeByStreamID()
	m.MsgID, m.StreamID = "manual-1", octaveSID1
	if err := c.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	a := octaveRecv(t, ctx, acks, "the ack of a sent message")
	if a.Head.MsgID != "manual-1" || !a.Head.OK {
		t.Fatalf("ack head %+v", a.Head)
	}
	if got := srv.Subscriptions(octaveOnlyConn(t, ctx, srv)); !slices.Equal(got, []string{octaveSID1}) {
		t.Fatalf("server subscriptions %v", got)
	}
	if c.Subscriptions() != 0 {
		t.Fatal("Send must not be remembered as a subscription")
	}
}

func TestOctaveDropReconnectsWithAFreshSessionAndResubscribesInOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Streams: octaveStreams()})
	defer srv.Close()
	life := newOctaveLife()
	tr := newOctaveTransport()
	c := octave.NewClient(octaveConfig(srv, tr, life))
	events := octaveEventsTo(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	octaveRecv(t, ctx, life.restored, "the first connection")
	ack, err := c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream", ack, err)
	ack, err = c.SubscribePath(ctx, octavePath2)
	octaveAckOK(t, "SubscribePath", ack, err)

	const drops, n = 3, 60
	prev := octaveOnlyConn(t, ctx, srv)
	seen := map[string]bool{octaveSessionOf(prev): true}
	seq := 0
	for d := 1; d <= drops; d++ {
		// Mid-stream: a few events, then the cut.
		for range 5 {
			srv.Publish(octaveSID1, octaveEvent(octaveSID1, octavePath1, -1))
		}
		srv.DropAll()
		cause := octaveRecv(t, ctx, life.disconnected, "the disconnect")
		if cause == nil {
			t.Fatal("OnDisconnected without a cause")
		}
		octaveRecv(t, ctx, life.restored, "the restore after the drop")
		sc := octaveOnlyConn(t, ctx, srv)
		if sc == prev {
			t.Fatal("no new server connection after the drop")
		}
		if got := srv.SessionsIssued(); got != 1+d {
			t.Fatalf("after drop %d: SessionsIssued = %d, want %d (one POST per dial)", d, got, 1+d)
		}
		id := octaveSessionOf(sc)
		if seen[id] || id != tr.sessionIDs()[d] {
			t.Fatalf("after drop %d: the new connection does not use the freshly issued session", d)
		}
		seen[id] = true
		if got := srv.Subscriptions(sc); !slices.Equal(got, []string{octaveSID1, octavePath2}) {
			t.Fatalf("after drop %d: server subscriptions %v, want [%s %s]", d, got, octaveSID1, octavePath2)
		}
		if got := srv.Sessions(); got != 1 {
			t.Fatalf("after drop %d: %d live sessions, want only the bound one", d, got)
		}
		first := seq
		for range n {
			var sent int
			if seq%2 == 0 {
				sent = srv.Publish(octaveSID1, octaveEvent(octaveSID1, octavePath1, seq))
			} else {
				sent = srv.Publish(octavePath2, octaveEvent(octaveSID2, octavePath2, seq))
			}
			if sent != 1 {
				t.Fatalf("event %d sent to %d connections, want 1", seq, sent)
			}
			seq++
		}
		// Every event of this connection arrives, in order, before the next
		// drop cuts it.
		for want := first; want < seq; {
			m := octaveRecv(t, ctx, events, fmt.Sprintf("event %d", want))
			got := octaveSeq(t, m)
			if got == -1 {
				continue // sent just before the drop: may or may not have arrived
			}
			if got != want {
				t.Fatalf("event %d arrived where %d was due", got, want)
			}
			wantRes := octaveSID1
			if got%2 == 1 {
				wantRes = octaveSID2
			}
			if m.Resource != wantRes {
				t.Fatalf("event %d resource %q, want %q", got, m.Resource, wantRes)
			}
			want++
		}
		prev = sc
	}
}

func TestOctaveRequestDuringReconnectWaitsForTheNextSession(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Streams: octaveStreams()})
	defer srv.Close()
	life := newOctaveLife()
	tr := newOctaveTransport()
	c := octaveConnect(t, ctx, octaveConfig(srv, tr, life))
	defer c.Close()
	octaveRecv(t, ctx, life.restored, "the first connection")
	ack, err := c.SubscribePath(ctx, octavePath2)
	octaveAckOK(t, "SubscribePath", ack, err)

	srv.FailNextSessions(3, http.StatusServiceUnavailable)
	srv.DropAll()
	octaveRecv(t, ctx, life.disconnected, "the disconnect")
	ack, err = c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream while reconnecting", ack, err)
	if tr.requests() != 5 || srv.SessionsIssued() != 2 {
		t.Fatalf("%d session requests, %d issued; want 5 (1 + 3 refused + 1) and 2", tr.requests(), srv.SessionsIssued())
	}
	if got := srv.Subscriptions(octaveOnlyConn(t, ctx, srv)); !slices.Equal(got, []string{octavePath2, octaveSID1}) {
		t.Fatalf("server subscriptions %v, want the restored path then the new id", got)
	}
}

func TestOctaveSilentServerTriggersReconnect(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Streams: octaveStreams()})
	defer srv.Close()
	life := newOctaveLife()
	cfg := octaveConfig(srv, newOctaveTransport(), life)
	// The server sends nothing of its own: the client's pings keep a
	// healthy link alive, and their missing pongs reveal a dead one.
	cfg.Conn.PingInterval = 20 * time.Millisecond
	cfg.Conn.ReadTimeout = 200 * time.Millisecond
	c := octave.NewClient(cfg)
	events := octaveEventsTo(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	octaveRecv(t, ctx, life.restored, "the first connection")
	ack, err := c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream", ack, err)

	old := octaveOnlyConn(t, ctx, srv)
	old.Silence()
	cause := octaveRecv(t, ctx, life.disconnected, "the dead-link disconnect")
	if !errors.Is(cause, conn.ErrDead) {
		t.Fatalf("disconnect cause %v, want conn.ErrDead", cause)
	}
	octaveRecv(t, ctx, life.restored, "the restore after the silence")
	sc := octaveOnlyConn(t, ctx, srv)
	if sc == old || srv.SessionsIssued() != 2 {
		t.Fatalf("no fresh connection and session after the silence (issued %d)", srv.SessionsIssued())
	}
	if got := srv.Subscriptions(sc); !slices.Equal(got, []string{octaveSID1}) {
		t.Fatalf("server subscriptions %v after reconnect", got)
	}
	srv.Publish(octaveSID1, octaveEvent(octaveSID1, octavePath1, 7))
	if got := octaveSeq(t, octaveRecv(t, ctx, events, "an event after the reconnect")); got != 7 {
		t.Fatalf("event seq %d, want 7", got)
	}
	select {
	case err := <-life.disconnected:
		t.Fatalf("a second disconnect (%v): pings should keep the healthy link alive", err)
	default:
	}
}

func TestOctaveUnansweredRequestTimesOutAndIsNotRemembered(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	cfg := octaveConfig(srv, newOctaveTransport(), nil)
	cfg.Conn.ReplyTimeout = 100 * time.Millisecond
	cfg.Conn.ReadTimeout = 3 * time.Second
	cfg.Conn.PingInterval = time.Second
	c := octaveConnect(t, ctx, cfg)
	defer c.Close()
	octaveOnlyConn(t, ctx, srv).Silence() // reads and drops every request

	// Without a deadline of its own, the call is bounded by ReplyTimeout.
	_, err := c.SubscribeStream(context.WithoutCancel(ctx), octaveSID1)
	if err == nil || !strings.Contains(err.Error(), "no reply within") {
		t.Fatalf("error %v, want the reply timeout", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.SubscribePath(short, octavePath1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want context.DeadlineExceeded", err)
	}
	if c.Subscriptions() != 0 {
		t.Fatalf("unanswered subscriptions remembered: %d", c.Subscriptions())
	}
}

func TestOctaveCloseLeavesNoGoroutinesAndIsIdempotent(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	life := newOctaveLife()
	c := octaveConnect(t, ctx, octaveConfig(srv, newOctaveTransport(), life))
	defer c.Close()
	ack, err := c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream", ack, err)

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
	if !errors.Is(c.Err(), conn.ErrClosed) {
		t.Fatalf("Err = %v, want conn.ErrClosed", c.Err())
	}
	if _, err := c.SubscribeStream(ctx, octaveSID2); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("SubscribeStream after Close: %v, want conn.ErrClosed", err)
	}
	if _, err := srv.WaitConns(ctx, 0); err != nil {
		t.Fatal("the server still sees the connection after Close")
	}
	if got := srv.Sessions(); got != 0 {
		t.Fatalf("%d sessions live after Close, want 0", got)
	}
}

// octaveInvalidFrames break the Event schema in the values Validate checks
// (pattern of streamId) and in one the decoder checks (generatedDate's
// type), each in its own frame.
func octaveInvalidFrames(t *testing.T) (pattern, typ []byte) {
	ev := octaveEvent(octaveSID1, octavePath1, 0)
	ev["streamId"] = "not a stream id!"
	pattern, err := json.Marshal(map[string]any{"type": "message", "resource": octaveSID1, "value": ev})
	if err != nil {
		t.Fatal(err)
	}
	ev = octaveEvent(octaveSID1, octavePath1, 1)
	ev["generatedDate"] = "yesterday"
	typ, err = json.Marshal(map[string]any{"type": "message", "resource": octaveSID1, "value": ev})
	if err != nil {
		t.Fatal(err)
	}
	return pattern, typ
}

func octaveFrameErr(t *testing.T, ctx context.Context, life *octaveLife, pointer, keyword string) {
	t.Helper()
	err := octaveRecv(t, ctx, life.errs, "the schema violation on OnError")
	var ce *conn.FrameError
	var fe *wire.FrameError
	if !errors.As(err, &ce) || !errors.As(err, &fe) {
		t.Fatalf("OnError got %T %v, want *conn.FrameError wrapping *wire.FrameError", err, err)
	}
	if fe.Protocol != "octave" || fe.Direction != "server" || fe.Message != "EventMessage" {
		t.Fatalf("frame error names %s/%s/%s", fe.Protocol, fe.Direction, fe.Message)
	}
	if !slices.ContainsFunc(fe.Violations, func(v wire.Violation) bool { return v.Pointer == pointer && v.Keyword == keyword }) {
		t.Fatalf("violations %v, want %s at %s", fe.Violations, keyword, pointer)
	}
}

func TestOctaveInvalidFrameIsReportedAndStillDispatchedByDefault(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	life := newOctaveLife()
	c := octave.NewClient(octaveConfig(srv, newOctaveTransport(), life))
	events := octaveEventsTo(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := octaveOnlyConn(t, ctx, srv)
	pattern, typ := octaveInvalidFrames(t)

	sc.Send(pattern)
	octaveFrameErr(t, ctx, life, "/value/streamId", "pattern")
	if m := octaveRecv(t, ctx, events, "the invalid event"); m.Value.StreamID != "not a stream id!" {
		t.Fatalf("dispatched stream id %q", m.Value.StreamID)
	}
	sc.Send(typ)
	octaveFrameErr(t, ctx, life, "/value/generatedDate", "type")
	if m := octaveRecv(t, ctx, events, "the mistyped event"); octaveSeq(t, m) != 1 {
		t.Fatal("wrong event dispatched")
	}
	// The connection survives.
	sc.Send(octaveJSON(t, map[string]any{"type": "message", "resource": octaveSID1, "value": octaveEvent(octaveSID1, octavePath1, 2)}))
	if m := octaveRecv(t, ctx, events, "a valid event"); octaveSeq(t, m) != 2 {
		t.Fatal("wrong event dispatched")
	}
	if srv.Accepted() != 1 {
		t.Fatalf("%d connections accepted, want 1", srv.Accepted())
	}
}

func TestOctaveInvalidFrameReportsEveryViolation(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	life := newOctaveLife()
	c := octaveConnect(t, ctx, octaveConfig(srv, newOctaveTransport(), life))
	defer c.Close()

	// One frame, two violations: a type the decoder sees and a pattern only
	// Validate sees. wsbind validate (Codec.Check) reports both.
	ev := octaveEvent(octaveSID1, octavePath1, 0)
	ev["streamId"] = "not a stream id!"
	ev["generatedDate"] = "yesterday"
	frame := octaveJSON(t, map[string]any{"type": "message", "resource": octaveSID1, "value": ev})
	if r := octave.ServerCodec.Check(frame, false); len(r.Violations) != 2 {
		t.Fatalf("Codec.Check finds %v, want 2 violations", r.Violations)
	}
	octaveOnlyConn(t, ctx, srv).Send(frame)
	err := octaveRecv(t, ctx, life.errs, "the report")
	var fe *wire.FrameError
	if !errors.As(err, &fe) {
		t.Fatalf("OnError got %v, want *wire.FrameError", err)
	}
	var got []string
	for _, v := range fe.Violations {
		got = append(got, v.Keyword+" "+v.Pointer)
	}
	slices.Sort(got)
	if want := []string{"pattern /value/streamId", "type /value/generatedDate"}; !slices.Equal(got, want) {
		t.Errorf("OnError violations %q, want %q", got, want)
	}
}

func TestOctaveInvalidFrameIsOnlyReportedUnderStrict(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	life := newOctaveLife()
	cfg := octaveConfig(srv, newOctaveTransport(), life)
	cfg.Validation = wire.Strict
	c := octave.NewClient(cfg)
	events := octaveEventsTo(c)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := octaveOnlyConn(t, ctx, srv)
	pattern, typ := octaveInvalidFrames(t)

	sc.Send(pattern)
	sc.Send(typ)
	sc.Send(octaveJSON(t, map[string]any{"type": "message", "resource": octaveSID1, "value": octaveEvent(octaveSID1, octavePath1, 2)}))
	octaveFrameErr(t, ctx, life, "/value/streamId", "pattern")
	octaveFrameErr(t, ctx, life, "/value/generatedDate", "type")
	// Delivery is in order: had an invalid frame been dispatched, it would
	// come before the valid one.
	if m := octaveRecv(t, ctx, events, "the valid event"); octaveSeq(t, m) != 2 {
		t.Fatalf("event %d dispatched under Strict", octaveSeq(t, m))
	}
}

func TestOctaveUnknownFrameGoesToOnUnknown(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	life := newOctaveLife()
	c := octave.NewClient(octaveConfig(srv, newOctaveTransport(), life))
	unknown := make(chan *wire.Unknown, 8)
	c.OnUnknown(func(_ context.Context, u *wire.Unknown) { octavePut(unknown, u) })
	unhandled := make(chan octave.ServerMessage, 8)
	c.OnUnhandled(func(_ context.Context, m octave.ServerMessage) { octavePut(unhandled, m) })
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := octaveOnlyConn(t, ctx, srv)

	frames := []string{
		`{"kind":"presence","device":"greenhouse_01"}`, // neither head nor type
		`{"head":{"msgId":"x"},"type":"message"}`,      // both: matches no single message
	}
	for _, f := range frames {
		sc.Send([]byte(f))
		u := octaveRecv(t, ctx, unknown, "the unknown frame")
		if string(u.Raw) != f || u.Pointer != "" {
			t.Fatalf("OnUnknown got %s at %q, want %s", u.Raw, u.Pointer, f)
		}
		err := octaveRecv(t, ctx, life.errs, "the report of the unknown frame")
		var fe *wire.FrameError
		if !errors.As(err, &fe) || len(fe.Violations) != 1 || fe.Violations[0].Keyword != "oneOf" {
			t.Fatalf("OnError got %v, want a oneOf violation", err)
		}
	}
	// A known message nobody handles goes to OnUnhandled.
	sc.Send(octaveJSON(t, map[string]any{"type": "message", "resource": octaveSID1, "value": octaveEvent(octaveSID1, octavePath1, 0)}))
	if m := octaveRecv(t, ctx, unhandled, "the unhandled event"); m.MessageName() != "EventMessage" {
		t.Fatalf("OnUnhandled got %s", m.MessageName())
	}
}

func TestOctaveUnsolicitedErrorAckGoesToOnError(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	life := newOctaveLife()
	c := octave.NewClient(octaveConfig(srv, newOctaveTransport(), life))
	acks := make(chan *octave.Ack, 8)
	c.OnAckMessage(func(_ context.Context, a *octave.Ack) { octavePut(acks, a) })
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := octaveOnlyConn(t, ctx, srv)

	sc.Send([]byte(`{"head":{"msgId":"nobody-waits","ok":false,"status":410,"errors":["Stream deleted"],"messages":[]},"body":{}}`))
	err := octaveRecv(t, ctx, life.errs, "the unsolicited error reply")
	var re *octave.ReplyError
	if !errors.As(err, &re) || !strings.Contains(re.Text, "Stream deleted") {
		t.Fatalf("OnError got %v, want *octave.ReplyError with the server text", err)
	}
	if a := octaveRecv(t, ctx, acks, "the ack on OnAck"); a.Head.MsgID != "nobody-waits" || a.Head.OK {
		t.Fatalf("OnAck got %+v", a.Head)
	}
	// A request in flight is not answered by someone else's ack.
	ack, err := c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream", ack, err)
}

func TestOctaveRefusedSessionStopsConnectWithAPermanentError(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Companies: map[string]string{octaveCompany: "the-right-token-0000"}})
	defer srv.Close()
	tr := newOctaveTransport()
	c := octave.NewClient(octaveConfig(srv, tr, nil))
	err := c.Connect(ctx)
	defer c.Close()

	var we *wsauth.Error
	if !errors.As(err, &we) || we.Status != http.StatusUnauthorized || we.Step != "session" {
		t.Fatalf("connect error %T, want a 401 *wsauth.Error of the session step", err)
	}
	var pe *conn.PermanentError
	if !errors.As(err, &pe) {
		t.Fatal("a refused session is not a *conn.PermanentError")
	}
	if strings.Contains(err.Error(), octaveToken) {
		t.Fatal("the connect error contains the token")
	}
	if tr.requests() != 1 || srv.Accepted() != 0 || srv.SessionsIssued() != 0 {
		t.Fatalf("%d session requests, %d upgrades, %d sessions; want 1, 0, 0", tr.requests(), srv.Accepted(), srv.SessionsIssued())
	}
}

func TestOctaveRefusedSessionErrorCarriesTheServerText(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Companies: map[string]string{octaveCompany: "the-right-token-0000"}})
	defer srv.Close()
	c := octave.NewClient(octaveConfig(srv, newOctaveTransport(), nil))
	err := c.Connect(ctx)
	defer c.Close()
	var we *wsauth.Error
	if !errors.As(err, &we) {
		t.Fatalf("connect error %T, want *wsauth.Error", err)
	}
	// wsauth.errorCode documents that it takes Octave's head.errors[0].
	if we.Code != "Invalid authentication credentials" {
		t.Errorf("wsauth.Error.Code = %q, want the first of head.errors (%q)", we.Code, "Invalid authentication credentials")
	}
}

func TestOctaveRefusedSessionOnReconnectStopsTheClient(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	life := newOctaveLife()
	tr := newOctaveTransport()
	c := octaveConnect(t, ctx, octaveConfig(srv, tr, life))
	defer c.Close()
	ack, err := c.SubscribeStream(ctx, octaveSID1)
	octaveAckOK(t, "SubscribeStream", ack, err)

	srv.FailNextSessions(1, http.StatusUnauthorized)
	srv.DropAll()
	octaveRecv(t, ctx, c.Done(), "the client to stop")
	var we *wsauth.Error
	if err := c.Err(); !errors.As(err, &we) || we.Status != http.StatusUnauthorized {
		t.Fatalf("Err = %v, want the 401 *wsauth.Error", err)
	}
	if strings.Contains(c.Err().Error(), octaveToken) {
		t.Fatal("Err contains the token")
	}
	if _, err := c.SubscribePath(ctx, octavePath1); err == nil {
		t.Fatal("a request on a stopped client succeeded")
	}
	if tr.requests() != 2 {
		t.Fatalf("%d session requests, want 2: a refusal is not retried", tr.requests())
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close after a permanent failure: %v", err)
	}
}

func TestOctaveTransientSessionFailuresAreRetried(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{})
	defer srv.Close()
	life := newOctaveLife()
	tr := newOctaveTransport()
	srv.FailNextSessions(2, http.StatusServiceUnavailable)
	c := octaveConnect(t, ctx, octaveConfig(srv, tr, life))
	defer c.Close()
	if tr.requests() != 3 || srv.SessionsIssued() != 1 {
		t.Fatalf("%d session requests and %d sessions, want 3 and 1", tr.requests(), srv.SessionsIssued())
	}
	select {
	case <-c.Done():
		t.Fatalf("client stopped: %v", c.Err())
	default:
	}
}

func TestOctaveHandshakeRefusalIsAHandshakeError(t *testing.T) {
	t.Run("session expired before the upgrade", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		ctx := octaveCtx(t)
		srv := octaveServer(t, testserver.OctaveOptions{})
		defer srv.Close()
		tr := newOctaveTransport()
		expire := srv.ExpireSessions
		tr.after.Store(&expire)
		c := octave.NewClient(octaveConfig(srv, tr, nil))
		err := c.Connect(ctx)
		defer c.Close()
		var he *conn.HandshakeError
		if !errors.As(err, &he) || he.Status != http.StatusUnauthorized || he.Text != testserver.OctaveSessionRefused {
			t.Fatalf("connect error %v, want HTTP 401 %q", err, testserver.OctaveSessionRefused)
		}
		// A refused one-time session is retried once with a fresh one;
		// refused again, the failure is permanent.
		var pe *conn.PermanentError
		if !errors.As(err, &pe) {
			t.Fatalf("a second 401 upgrade refusal is not permanent: %v", err)
		}
		if n := len(tr.sessionIDs()); n != 2 {
			t.Fatalf("%d sessions requested, want 2 (one fresh retry)", n)
		}
		for _, id := range tr.sessionIDs() {
			if strings.Contains(err.Error(), id) {
				t.Fatal("the handshake error contains the session id")
			}
		}
	})
	t.Run("wrong path", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		ctx := octaveCtx(t)
		srv := octaveServer(t, testserver.OctaveOptions{})
		defer srv.Close()
		cfg := octaveConfig(srv, newOctaveTransport(), nil)
		cfg.URL = srv.WSURL("{sessionId}") + "/extra"
		c := octave.NewClient(cfg)
		err := c.Connect(ctx)
		defer c.Close()
		var he *conn.HandshakeError
		if !errors.As(err, &he) || he.Status != http.StatusNotFound || he.Text != "404 page not found" {
			t.Fatalf("connect error %v, want HTTP 404", err)
		}
	})
}

func TestOctaveFailedConnectLeavesAStoppedClient(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{RequireUser: true})
	defer srv.Close()
	cfg := octaveConfig(srv, newOctaveTransport(), nil)
	cfg.XAuthUser = ""
	c := octave.NewClient(cfg)
	err := c.Connect(ctx)
	if err == nil {
		t.Fatal("connect succeeded without the required user")
	}
	defer c.Close()
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("BUG: Done/Err on a client whose Connect failed panic: %v", r)
			}
		}()
		select {
		case <-c.Done():
		default:
			t.Error("Done not closed after a permanent Connect failure")
		}
		if c.Err() == nil {
			t.Error("Err is nil after a permanent Connect failure")
		}
	}()
}

func TestOctaveSecretsNeverAppearInLogsOrErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := octaveCtx(t)
	srv := octaveServer(t, testserver.OctaveOptions{Streams: octaveStreams()})
	defer srv.Close()

	var mu sync.Mutex
	var logs bytes.Buffer
	var reported []string
	record := func(err error) {
		if err != nil {
			mu.Lock()
			reported = append(reported, err.Error(), fmt.Sprintf("%+v", err))
			mu.Unlock()
		}
	}
	life := newOctaveLife()
	tr := newOctaveTransport()
	cfg := octaveConfig(srv, tr, nil)
	cfg.Conn.Logger = slog.New(slog.NewTextHandler(&octaveLockedWriter{mu: &mu, w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Conn.PingInterval = 20 * time.Millisecond
	cfg.Conn.ReadTimeout = 200 * time.Millisecond
	cfg.OnError = func(_ context.Context, err error) { record(err); octavePut(life.errs, err) }
	cfg.OnDisconnected = func(_ context.Context, err error) { record(err); octavePut(life.disconnected, err) }
	cfg.OnRestored = func(context.Context) { octavePut(life.restored, struct{}{}) }
	c := octave.NewClient(cfg)
	if err := c.Connect(ctx); err != nil {
		t.Fatal("connect failed")
	}
	defer c.Close()
	octaveRecv(t, ctx, life.restored, "the first connection")

	// Requests, refusals, invalid frames and unsolicited errors.
	_, err := c.SubscribeStream(ctx, octaveSID1)
	record(err)
	_, err = c.SubscribePath(ctx, "/no/such/stream")
	record(err)
	pattern, _ := octaveInvalidFrames(t)
	octaveOnlyConn(t, ctx, srv).Send(pattern)
	octaveRecv(t, ctx, life.errs, "the invalid frame report")
	// A drop, a transient session failure, a dead link.
	srv.FailNextSessions(1, http.StatusServiceUnavailable)
	srv.DropAll()
	octaveRecv(t, ctx, life.restored, "the restore after a drop")
	octaveOnlyConn(t, ctx, srv).Silence()
	octaveRecv(t, ctx, life.restored, "the restore after a dead link")
	// Finally an upgrade refused because the session expired, which stops
	// the client, then a refused session on a fresh client.
	expire := srv.ExpireSessions
	tr.after.Store(&expire)
	srv.DropAll()
	octaveRecv(t, ctx, c.Done(), "the client to stop")
	record(c.Err())
	_, err = c.SubscribeStream(ctx, octaveSID2)
	record(err)
	tr.after.Store(nil)
	badSrv := octaveServer(t, testserver.OctaveOptions{Companies: map[string]string{octaveCompany: "other-token-0000"}})
	defer badSrv.Close()
	bad := octaveConfig(badSrv, tr, nil)
	bad.Conn.Logger = cfg.Conn.Logger
	record(octave.NewClient(bad).Connect(ctx))

	secrets := map[string]string{"token": octaveToken}
	for i, id := range tr.sessionIDs() {
		secrets[fmt.Sprintf("session id #%d", i+1)] = id
	}
	if len(secrets) < 5 {
		t.Fatalf("only %d session ids issued; the scenario did not run", len(secrets)-1)
	}
	mu.Lock()
	defer mu.Unlock()
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

type octaveLockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *octaveLockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func octaveJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
