// Command dlive prints a DLive streamer's chat.
// Try it against the mock: go run ./cmd/wsbind mock dlive (then run this).
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/wsbind/wsbind/generated/dlive"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := dlive.NewClient(dlive.Config{URL: env("DLIVE_URL", "ws://127.0.0.1:8765"), Token: env("DLIVE_TOKEN", "demo-token")})
	c.OnChatText(func(_ context.Context, _ *dlive.Data, m *dlive.ChatText) {
		fmt.Printf("%s: %s\n", m.Sender.Displayname, m.Content)
	})
	if err := c.Connect(ctx); err != nil { // sends connection_init, waits for the ack
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := c.SubscribeStreamMessages(ctx, env("DLIVE_STREAMER", "dbl-lee")); err != nil {
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
