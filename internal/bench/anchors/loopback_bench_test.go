package anchors

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bytedance/sonic"
	"github.com/gorilla/websocket"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// BenchmarkLoopbackDelivery pushes b.N Astro channel.tips notifications
// (the docs' key order) from a loopback test server as fast as it can and
// measures frames per second reaching:
//
//   - generated-client: typed handlers of the generated client (decode,
//     validate, ordered delivery, dispatch);
//   - raw-gorilla-sonic-std, raw-gorilla-sonic-default: a raw
//     gorilla/websocket read loop with sonic (ConfigStd, then its default
//     config) into the plain struct, no validation;
//   - raw-gorilla-json: the same loop with encoding/json.
//
// All read the same bytes from the same server in the same run, in
// interleaved rounds.
func BenchmarkLoopbackDelivery(b *testing.B) {
	// The pusher outruns every reader, so the server's slow-client cut
	// (4 MiB queued by default) is lifted: the queue holds b.N headers of
	// the one frame slice.
	srv, err := testserver.NewAstro(testserver.AstroOptions{PingInterval: -1, Limits: testserver.Limits{MaxQueueBytes: 1 << 40}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	frame := example(b, &astro.Provider, "ChannelTipsMessage", "tipCompleted")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	push := func(b *testing.B, n int) {
		conns, err := srv.WaitConns(ctx, 1)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for range n {
				conns[0].Send(frame)
			}
		}()
	}
	// Warm up sonic's decoder for the plain struct.
	var m astroTipsMessage
	if err := sonic.ConfigStd.Unmarshal(frame, &m); err != nil {
		b.Fatal(err)
	}
	if err := sonic.ConfigDefault.Unmarshal(frame, &m); err != nil {
		b.Fatal(err)
	}

	for range *rounds {
		loopbackDelivery(b, srv.URL, push)
	}
}

func loopbackDelivery(b *testing.B, url string, push func(*testing.B, int)) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.Run("generated-client", func(b *testing.B) {
		var got atomic.Int64
		done := make(chan struct{})
		n := int64(b.N)
		c := astro.NewClient(astro.Config{URL: url, Token: "t", TokenType: astro.TokenTypeJWT})
		c.OnChannelTipsMessage(func(context.Context, *astro.ChannelTipsMessage) {
			if got.Add(1) == n {
				close(done)
			}
		})
		if err := c.Connect(ctx); err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		b.ReportAllocs()
		settle()
		b.ResetTimer()
		push(b, b.N)
		select {
		case <-done:
		case <-time.After(3 * time.Minute):
			b.Fatalf("%d of %d frames delivered in 3 minutes", got.Load(), n)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	})

	raw := func(name string, unmarshal func([]byte, any) error) {
		b.Run(name, func(b *testing.B) {
			ws, _, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer ws.Close()
			if _, _, err := ws.ReadMessage(); err != nil { // the welcome
				b.Fatal(err)
			}
			b.ReportAllocs()
			settle()
			b.ResetTimer()
			push(b, b.N)
			for range b.N {
				_, data, err := ws.ReadMessage()
				if err != nil {
					b.Fatal(err)
				}
				var m astroTipsMessage
				if err := unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
	raw("raw-gorilla-sonic-std", sonic.ConfigStd.Unmarshal)
	raw("raw-gorilla-sonic-default", sonic.ConfigDefault.Unmarshal)
	raw("raw-gorilla-json", json.Unmarshal)
}
