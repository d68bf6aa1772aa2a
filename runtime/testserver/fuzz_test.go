package testserver

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The fuzz targets feed arbitrary client frames straight into each
// provider's Handler.Frame on a real loopback connection and check that
// nothing panics and that the replies queued stay proportional to the
// input. An input holds up to fuzzMaxFrames frames, one per line, so that
// sequences (DLive's init then start) are reachable.

const fuzzMaxFrames = 16

// fuzzReplyBound is the most one frame of n bytes may queue: replies echo
// nonces, ids and msgIds, which JSON escaping may grow sixfold.
func fuzzReplyBound(n int) int64 { return int64(16*n + 4096) }

// fuzzTarget is one provider server and its current connection.
type fuzzTarget struct {
	h     Handler
	srv   *Server
	dial  func(ctx context.Context) (*websocket.Conn, error)
	prime [][]byte // frames that bring a fresh connection to its steady state
	ws    *websocket.Conn
	c     *Conn
}

// conn returns a live server-side connection, dialling a new one when the
// last was closed by an earlier input.
func (ft *fuzzTarget) conn(t *testing.T) *Conn {
	if ft.c != nil {
		select {
		case <-ft.c.Done():
		default:
			return ft.c
		}
		ft.ws.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	before := map[*Conn]bool{}
	for _, c := range ft.srv.Conns() {
		before[c] = true
	}
	ws, err := ft.dial(ctx)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	go func() { // drain replies so the queue never fills
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ft.ws, ft.c = ws, nil
	for i := 0; i < 500 && ft.c == nil; i++ {
		for _, c := range ft.srv.Conns() {
			if !before[c] {
				ft.c = c
			}
		}
		if ft.c == nil {
			time.Sleep(time.Millisecond)
		}
	}
	if ft.c == nil {
		t.Fatal("the server never registered the connection")
	}
	for _, p := range ft.prime {
		ft.h.Frame(ft.c, p)
	}
	return ft.c
}

func (ft *fuzzTarget) run(t *testing.T, input []byte) {
	c := ft.conn(t)
	frames := bytes.SplitN(input, []byte("\n"), fuzzMaxFrames)
	for _, f := range frames {
		before := c.queued.Load()
		ft.h.Frame(c, f)
		if got := c.queued.Load() - before; got > fuzzReplyBound(len(f)) {
			t.Fatalf("a %d-byte frame queued %d bytes of replies", len(f), got)
		}
		if q := c.QueuedBytes(); q > DefaultMaxQueueBytes+fuzzReplyBound(len(f)) {
			t.Fatalf("queue holds %d bytes", q)
		}
	}
}

func fuzzDial(url string, h http.Header, sub ...string) func(context.Context) (*websocket.Conn, error) {
	return func(ctx context.Context) (*websocket.Conn, error) {
		d := websocket.Dialer{Subprotocols: sub, HandshakeTimeout: 5 * time.Second}
		ws, resp, err := d.DialContext(ctx, url, h)
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return ws, err
	}
}

func fuzzClose(f *testing.F, ft *fuzzTarget, stop func()) {
	f.Cleanup(func() {
		if ft.ws != nil {
			ft.ws.Close()
		}
		stop()
	})
}

func FuzzAstroFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"subscribe","nonce":"1","data":{"topic":"channel.tips","token":"demo-token","token_type":"jwt"}}`,
		`{"type":"subscribe","nonce":"2","data":{"topic":"channel.activities","room":"5b2e2007760aeb7729487dab","token":"t","token_type":"apikey"}}`,
		`{"type":"unsubscribe","nonce":"3","data":{"topic":"channel.tips"}}`,
		"{\"type\":\"subscribe\",\"nonce\":\"a\",\"data\":{\"topic\":\"astro\",\"token\":\"t\",\"token_type\":\"oauth2\"}}\n{\"type\":\"unsubscribe\",\"nonce\":\"b\",\"data\":{\"topic\":\"astro\"}}",
		`{"type":"subscribe","nonce":7,"data":{}}`,
		`{"type":"subscribe","nonce":"x"`,
		`[1,2]`,
		`null`,
		`{"type":"bogus","nonce":"\u0000<&>"}`,
	} {
		f.Add([]byte(s))
	}
	a, err := NewAstro(AstroOptions{PingInterval: -1, RateLimit: 1000, MaxSubscriptions: 8})
	if err != nil {
		f.Fatal(err)
	}
	ft := &fuzzTarget{h: a, srv: a.Server, dial: fuzzDial(a.URL, nil)}
	fuzzClose(f, ft, a.Close)
	f.Fuzz(func(t *testing.T, input []byte) { ft.run(t, input) })
}

func FuzzDLiveFrame(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","type":"start","payload":{"variables":{"streamer":"dbl-lee"},"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + DLiveQueryHash(DLiveStreamMessageQuery) + `"}},"operationName":"StreamMessageSubscription"}}`,
		`{"id":"2","type":"start","payload":{"query":"subscription { treasureChestMessageReceived(streamer: \"dbl-lee\") { type } }"}}`,
		"{\"id\":\"3\",\"type\":\"start\",\"payload\":{\"query\":\"subscription($s: String!) { streamMessageReceived(streamer: $s) { type } }\",\"variables\":{\"s\":\"x\"}}}\n{\"id\":\"3\",\"type\":\"stop\"}",
		`{"type":"connection_init","payload":{"authorization":"demo-token"}}`,
		`{"type":"connection_init","payload":{}}`,
		`{"type":"connection_terminate"}`,
		`{"id":"4","type":"start","payload":{"extensions":{"persistedQuery":{"sha256Hash":"00"}}}}`,
		`{"type":"nope","id":"\u00ff"}`,
		`not json`,
	} {
		f.Add([]byte(s))
	}
	d, err := NewDLive(DLiveOptions{KeepAliveInterval: -1, InitTimeout: -1, CloseDelay: time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	ft := &fuzzTarget{
		h: d, srv: d.Server,
		dial:  fuzzDial(d.URL, nil, DLiveSubprotocol),
		prime: [][]byte{[]byte(`{"type":"connection_init","payload":{"authorization":"demo-token"}}`)},
	}
	fuzzClose(f, ft, d.Close)
	f.Fuzz(func(t *testing.T, input []byte) { ft.run(t, input) })
}

func FuzzNeuroFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"addEvent","data":{"eventType":"streamOnline"}}`,
		`{"type":"removeEvent","data":{"eventType":"streamOnline"}}`,
		`{"type":"listEvents"}`,
		`{"type":"ping"}`,
		"{\"type\":\"addEvent\",\"data\":{\"eventType\":\"subathonUpdate\"}}\n{\"type\":\"listEvents\",\"data\":{}}",
		`{"type":"addEvent","data":{"eventType":42}}`,
		`{"type":"addEvent","data":"streamOnline"}`,
		`{"type":"unknown"}`,
		`{`,
	} {
		f.Add([]byte(s))
	}
	n, err := NewNeuro(NeuroOptions{Tokens: []string{DemoToken}, MaxConnections: -1, PingInterval: -1, IdleTimeout: -1, StreamUpdateInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	ft := &fuzzTarget{h: n, srv: n.Server, dial: fuzzDial(n.URL, http.Header{"Authorization": {"Bearer " + DemoToken}})}
	fuzzClose(f, ft, n.Close)
	f.Fuzz(func(t *testing.T, input []byte) { ft.run(t, input) })
}

func FuzzOctaveFrame(f *testing.F) {
	for _, s := range []string{
		`{"msgId":"m1","object":"event","type":"subscribe","streamId":"s53b1d1600cf27b75148de0ac"}`,
		`{"msgId":"m2","object":"event","type":"subscribe","path":"/company/devices/dev/:inbox"}`,
		"{\"msgId\":\"m3\",\"object\":\"event\",\"type\":\"subscribe\",\"streamId\":\"sabc\"}\n{\"msgId\":\"m4\",\"object\":\"event\",\"type\":\"unsubscribe\",\"streamId\":\"sabc\"}",
		`{"msgId":"m5","object":"event","type":"unsubscribe","path":"/nope"}`,
		`{"msgId":5,"object":"event"}`,
		`{"object":"device","type":"subscribe","streamId":"s1","path":"/x"}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	o, err := NewOctave(OctaveOptions{Companies: map[string]string{"demo": DemoToken}})
	if err != nil {
		f.Fatal(err)
	}
	ft := &fuzzTarget{h: o, srv: o.Server}
	ft.dial = func(ctx context.Context) (*websocket.Conn, error) {
		return fuzzDial(o.WSURL(o.CreateSession()), nil)(ctx)
	}
	fuzzClose(f, ft, o.Close)
	f.Fuzz(func(t *testing.T, input []byte) { ft.run(t, input) })
}
