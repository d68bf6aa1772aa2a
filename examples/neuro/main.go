// Command neuro prints when the stream goes live or offline.
// Try it against the mock: go run ./cmd/wsbind mock neuro (then run this).
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/wsbind/wsbind/generated/neuro"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// A one-time ticket is fetched with the token before every (re)connect.
	c := neuro.NewClient(neuro.Config{URL: env("NEURO_URL", "ws://127.0.0.1:8765/api/v2/ws"), Token: env("NEURO_TOKEN", "demo-token")})
	c.OnStreamOnlineEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamOnlineEvent) {
		fmt.Println("live:", e.EventData.Title, "with", e.EventData.ViewerCount, "viewers")
	})
	c.OnStreamOfflineEvent(func(context.Context, *neuro.Event, *neuro.StreamOfflineEvent) { fmt.Println("offline") })
	if err := c.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for _, ev := range []string{"streamOnline", "streamOffline"} {
		if _, err := c.AddEvent(ctx, ev); err != nil {
			log.Fatal(err)
		}
	}
	<-ctx.Done()
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
