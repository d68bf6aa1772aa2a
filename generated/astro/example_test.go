package astro_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// Example connects to a local Astro test server, subscribes to tips and
// prints the one the server publishes.
func Example() {
	srv, err := testserver.NewAstro(testserver.AstroOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	tips := make(chan string, 1)
	c := astro.NewClient(astro.Config{URL: srv.URL, Token: "my-jwt", TokenType: astro.TokenTypeJWT})
	c.OnChannelTipsMessage(func(_ context.Context, m *astro.ChannelTipsMessage) {
		d := m.Data.Donation.Value
		tips <- fmt.Sprintf("%s tipped %.2f %s", d.User.Value.Username.Or("anonymous"), d.Amount.Value, d.Currency.Value)
	})
	if err := c.Connect(ctx); err != nil { // returns once the welcome has arrived
		fmt.Println(err)
		return
	}
	defer c.Close()
	if _, err := c.Subscribe(ctx, "channel.tips", ""); err != nil {
		fmt.Println(err)
		return
	}

	srv.Publish("channel.tips", "", map[string]any{
		"approved": "allowed",
		"donation": map[string]any{"user": map[string]any{"username": "Styler"}, "amount": 4.2, "currency": "USD"},
	})
	select {
	case tip := <-tips:
		fmt.Println(tip)
	case <-ctx.Done():
		fmt.Println("no tip")
	}
	// Output: Styler tipped 4.20 USD
}
