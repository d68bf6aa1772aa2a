// Command astro prints StreamElements tips as they arrive.
// Try it against the mock: go run ./cmd/wsbind mock astro (then run this).
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/wsbind/wsbind/generated/astro"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := astro.NewClient(astro.Config{URL: env("ASTRO_URL", "ws://127.0.0.1:8765"), Token: env("ASTRO_TOKEN", "demo-token"), TokenType: astro.TokenTypeJWT})
	c.OnChannelTipsMessage(func(_ context.Context, m *astro.ChannelTipsMessage) {
		d := m.Data.Donation.Value
		fmt.Println("tip from", d.User.Value.Username.Or("someone"), d.Amount.Value, d.Currency.Value)
	})
	if err := c.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Subscribe(ctx, "channel.tips", ""); err != nil {
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
