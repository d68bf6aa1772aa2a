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

// ExampleDecodeServerMessage decodes frames without a connection.
// Decoding checks what it must to build the message (well-formed JSON,
// which message it is, JSON types, required properties); Validate checks
// the values (formats, patterns, enums, bounds). Malformed JSON yields no
// message, so there is nothing to validate. ServerCodec.Check does both
// in one verdict, as wsbind validate does.
func ExampleDecodeServerMessage() {
	for _, frame := range []string{
		`{"id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"2026-03-20T10:15:00Z","type":"welcome","data":{"message":"hi","client_id":"01JQ3M8V5XQ4E8GZ2H7C9D3F5M"}}`,
		`{"id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"yesterday","type":"welcome","data":{"message":"hi"}}`,
		`{"type":"welcome",`,
	} {
		m, err := astro.DecodeServerMessage([]byte(frame))
		if m == nil {
			fmt.Println("decode:", err)
			continue
		}
		fmt.Printf("decode: %s, %v\n", m.MessageName(), err)
		fmt.Println("validate:", m.Validate())
	}
	frame := []byte(`{"id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"yesterday","type":"welcome","data":{"message":"hi"}}`)
	r := astro.ServerCodec.Check(frame, false)
	fmt.Println("check:", r.Err(&astro.ServerCodec))
	// Output:
	// decode: Welcome, <nil>
	// validate: <nil>
	// decode: Welcome, astro: server frame (Welcome): /data: missing property "client_id" (required)
	// validate: Welcome invalid: /ts: not a valid date-time (format)
	// decode: astro: server frame: malformed JSON: unexpected end of JSON input
	// check: astro: server frame (Welcome): /data: missing property "client_id" (required); /ts: not a valid date-time (format)
}
