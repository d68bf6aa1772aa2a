// Command octave prints the events of one Octave stream.
// Try it against the mock: go run ./cmd/wsbind mock octave (then run this).
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/wsbind/wsbind/generated/octave"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// A session is POSTed with these credentials before every (re)connect.
	c := octave.NewClient(octave.Config{
		URL:          env("OCTAVE_URL", "ws://127.0.0.1:8765/session/{sessionId}/ws"),
		XAuthCompany: env("OCTAVE_COMPANY", "demo"),
		XAuthToken:   env("OCTAVE_TOKEN", "demo-token"),
	})
	c.OnEventMessage(func(_ context.Context, m *octave.EventMessage) {
		fmt.Println(m.Value.Path, string(m.Value.Elems))
	})
	if err := c.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := c.SubscribeStream(ctx, env("OCTAVE_STREAM", "s53b1d1600cf27b75148de0ac")); err != nil {
		log.Fatal(err)
	}
	<-ctx.Done()
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
