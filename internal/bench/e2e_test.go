package bench

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// BenchmarkLoopbackDelivery pushes b.N Astro notifications from a loopback
// test server as fast as it can and measures frames per second reaching
// (a) typed handlers of the generated client (decode, validate, dispatch,
// ordered delivery) and (b) a raw gorilla/websocket read loop doing only
// json.Unmarshal into the same struct. Both read the same bytes from the
// same server in the same run.
func BenchmarkLoopbackDelivery(b *testing.B) {
	srv, err := testserver.NewAstro(testserver.AstroOptions{PingInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	frame := example(b, &astro.Provider, "ChannelTipsMessage", "tipCompleted")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
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
		b.ResetTimer()
		push(b, b.N)
		<-done
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	})

	b.Run("raw-gorilla-json", func(b *testing.B) {
		ws, _, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.Close()
		if _, _, err := ws.ReadMessage(); err != nil { // the welcome
			b.Fatal(err)
		}
		b.ResetTimer()
		push(b, b.N)
		for range b.N {
			_, data, err := ws.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			var m astro.ChannelTipsMessage
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	})
}
