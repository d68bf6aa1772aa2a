package conn_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/runtime/conn"
)

// rawServer runs fn on every accepted connection; fn owns it.
func rawServer(t *testing.T, tlsOn bool, fn func(ws *websocket.Conn)) *httptest.Server {
	t.Helper()
	up := websocket.Upgrader{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		fn(ws)
	})
	if tlsOn {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

func wsURL(s *httptest.Server) string {
	return "ws" + strings.TrimPrefix(s.URL, "http")
}

func TestServerClosingMidFrameIsReportedAndHealed(t *testing.T) {
	defer goleak.VerifyNone(t)
	var accepted atomic.Int64
	srv := rawServer(t, false, func(ws *websocket.Conn) {
		if accepted.Add(1) == 1 {
			// A text frame header announcing 200 bytes, then 10 of them,
			// then the TCP connection goes away.
			nc := ws.UnderlyingConn()
			_, _ = nc.Write([]byte{0x81, 0x7e, 0x00, 0xc8})
			_, _ = nc.Write([]byte(`{"op":"ev"`))
			nc.Close()
			return
		}
		defer ws.Close()
		_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"op":"ev","id":"after"}`))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	causes := make(chan error, 4)
	got := make(chan string, 4)
	cfg := conn.Config{
		Hooks: conn.Hooks{
			Dial:         func(context.Context) (conn.Target, error) { return conn.Target{URL: wsURL(srv)}, nil },
			Inspect:      inspect,
			Deliver:      func(_ context.Context, in conn.Inbound) { got <- in.Msg.(map[string]string)["id"] },
			Disconnected: func(_ context.Context, err error) { causes <- err },
		},
		Backoff: conn.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond},
	}
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case err := <-causes:
		if !strings.Contains(err.Error(), "EOF") {
			t.Fatalf("cause %v, want an unexpected EOF", err)
		}
	case <-ctx.Done():
		t.Fatal("the cut frame went unnoticed")
	}
	select {
	case id := <-got:
		if id != "after" {
			t.Fatalf("delivered %q: the partial frame must not be delivered", id)
		}
	case <-ctx.Done():
		t.Fatal("no frame after reconnecting")
	}
}

func TestServerThatStopsReadingBoundsWritesByTheDeadline(t *testing.T) {
	defer goleak.VerifyNone(t)
	hold := make(chan struct{})
	srv := rawServer(t, false, func(ws *websocket.Conn) {
		<-hold // never reads: the client's writes pile up in TCP buffers
		ws.Close()
	})
	defer srv.Close()
	defer close(hold)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	causes := make(chan error, 4)
	cfg := conn.Config{
		Hooks: conn.Hooks{
			Dial:         func(context.Context) (conn.Target, error) { return conn.Target{URL: wsURL(srv)}, nil },
			Inspect:      inspect,
			Disconnected: func(_ context.Context, err error) { causes <- err },
		},
		WriteTimeout: 200 * time.Millisecond,
		MaxAttempts:  1,
	}
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	big := []byte(`{"op":"x","pad":"` + strings.Repeat("x", 256<<10) + `"}`)
	var sendErr error
	for range 200 {
		if sendErr = func() error {
			_, err := c.Request(ctx, big, conn.Request{})
			return err
		}(); sendErr != nil {
			break
		}
	}
	if sendErr == nil {
		t.Fatal("200 sends of 256 KiB to a server that never reads all succeeded")
	}
	var ne interface{ Timeout() bool }
	select {
	case cause := <-causes:
		if !errors.As(cause, &ne) || !ne.Timeout() {
			t.Fatalf("cause %v, want a write timeout", cause)
		}
	case <-ctx.Done():
		t.Fatal("blocked write never ended the session")
	}
}

func TestTLSCertificatesAreVerifiedUnlessTheCallerSaysOtherwise(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := rawServer(t, true, func(ws *websocket.Conn) {
		defer ws.Close()
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	})
	defer srv.Close()
	url := "wss" + strings.TrimPrefix(srv.URL, "https")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := conn.Config{
		Hooks: conn.Hooks{
			Dial:    func(context.Context) (conn.Target, error) { return conn.Target{URL: url}, nil },
			Inspect: inspect,
		},
		MaxAttempts: 1,
	}
	// The test server's certificate is self-signed: refused by default.
	if _, err := conn.Dial(ctx, cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err %v, want a certificate error", err)
	}
	// Trusting its CA through the caller's tls.Config works.
	cfg.TLS = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.TLS.MinVersion = tls.VersionTLS12
	c, err := conn.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
