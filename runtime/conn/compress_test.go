package conn_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/runtime/conn"
)

// wireConn records what the client reads off the network: the upgrade
// answer and the frames as they travel, compressed or not.
type wireConn struct {
	net.Conn
	mu   sync.Mutex
	read bytes.Buffer
}

func (c *wireConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.read.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

// upgrade is the HTTP answer to the upgrade request, and how many bytes
// came after it.
func (c *wireConn) upgrade(t *testing.T) (*http.Response, int) {
	t.Helper()
	c.mu.Lock()
	raw := bytes.Clone(c.read.Bytes())
	c.mu.Unlock()
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no complete upgrade answer in %q", raw)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...))), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp, len(raw) - len(head) - 4
}

// compressingServer upgrades with permessage-deflate on offer, sends frame
// to every client, and tells offered what each client's request offered.
func compressingServer(t *testing.T, frame []byte, offered chan<- string) *httptest.Server {
	t.Helper()
	up := websocket.Upgrader{EnableCompression: true}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offered <- r.Header.Get("Sec-WebSocket-Extensions")
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
			return
		}
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
}

// dialRecording dials srv with cfg's hooks, recording the client's side of
// the wire, and returns the first frame delivered.
func dialRecording(t *testing.T, srv *httptest.Server, cfg conn.Config) (*wireConn, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wires := make(chan *wireConn, 4)
	got := make(chan []byte, 4)
	cfg.Hooks.Dial = func(context.Context) (conn.Target, error) { return conn.Target{URL: wsURL(srv)}, nil }
	cfg.Hooks.Inspect = func(_ *conn.Session, frame []byte, _ uint64) conn.Inbound { return conn.Inbound{Msg: frame} }
	cfg.Hooks.Deliver = func(_ context.Context, in conn.Inbound) { got <- in.Frame }
	cfg.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		w := &wireConn{Conn: nc}
		wires <- w
		return w, nil
	}
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case frame := <-got:
		return <-wires, frame
	case <-ctx.Done():
		t.Fatal("no frame delivered")
		return nil, nil
	}
}

func TestCompressionIsNegotiatedByDefault(t *testing.T) {
	defer goleak.VerifyNone(t)
	frame := []byte(`{"op":"ev","pad":"` + strings.Repeat("tip ", 16<<10) + `"}`)
	offered := make(chan string, 4)
	srv := compressingServer(t, frame, offered)
	defer srv.Close()

	wire, got := dialRecording(t, srv, conn.Config{})
	if !bytes.Equal(got, frame) {
		t.Fatalf("delivered %d bytes, want the %d the server sent", len(got), len(frame))
	}
	if offer := <-offered; !strings.Contains(offer, "permessage-deflate") {
		t.Errorf("the client offered %q, want permessage-deflate", offer)
	}
	resp, after := wire.upgrade(t)
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
		t.Errorf("negotiated extensions %q, want permessage-deflate", ext)
	}
	// The frame crossed the wire compressed.
	if after >= len(frame)/10 {
		t.Errorf("%d bytes on the wire for a %d-byte frame: not compressed", after, len(frame))
	}
}

func TestDisableCompressionMakesNoOffer(t *testing.T) {
	defer goleak.VerifyNone(t)
	frame := []byte(`{"op":"ev","pad":"` + strings.Repeat("tip ", 1024) + `"}`)
	offered := make(chan string, 4)
	srv := compressingServer(t, frame, offered)
	defer srv.Close()

	wire, got := dialRecording(t, srv, conn.Config{DisableCompression: true})
	if !bytes.Equal(got, frame) {
		t.Fatalf("delivered %d bytes, want the %d the server sent", len(got), len(frame))
	}
	if offer := <-offered; offer != "" {
		t.Errorf("the client offered %q with compression disabled", offer)
	}
	resp, after := wire.upgrade(t)
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Errorf("negotiated extensions %q with compression disabled", ext)
	}
	if after < len(frame) {
		t.Errorf("%d bytes on the wire for a %d-byte frame sent plain", after, len(frame))
	}
}

// A frame small on the wire but over ReadLimit once inflated ends the
// connection like any frame over the limit, and is never delivered.
func TestReadLimitHoldsAfterInflating(t *testing.T) {
	defer goleak.VerifyNone(t)
	bomb := []byte(`{"op":"ev","pad":"` + strings.Repeat("a", 4<<20) + `"}`)
	offered := make(chan string, 16)
	srv := compressingServer(t, bomb, offered)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	causes := make(chan error, 16)
	delivered := make(chan int, 16)
	cfg := conn.Config{
		Hooks: conn.Hooks{
			Dial:         func(context.Context) (conn.Target, error) { return conn.Target{URL: wsURL(srv)}, nil },
			Inspect:      func(_ *conn.Session, f []byte, _ uint64) conn.Inbound { return conn.Inbound{Msg: f} },
			Deliver:      func(_ context.Context, in conn.Inbound) { delivered <- len(in.Frame) },
			Disconnected: func(_ context.Context, err error) { causes <- err },
		},
		ReadLimit: 64 << 10,
		Backoff:   conn.Backoff{Base: time.Second, Max: time.Second},
	}
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case err := <-causes:
		if !errors.Is(err, websocket.ErrReadLimit) {
			t.Fatalf("cause %v, want %v", err, websocket.ErrReadLimit)
		}
	case n := <-delivered:
		t.Fatalf("a %d-byte frame over the 64 KiB read limit was delivered", n)
	case <-ctx.Done():
		t.Fatal("the inflated frame went unnoticed")
	}
}
