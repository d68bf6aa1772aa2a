package octave_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// Example follows one Octave stream: the client creates a session (POST
// /session with the X-Auth headers), dials its WebSocket, subscribes by
// stream id and prints the Event the server pushes.
func Example() {
	const stream = "s53b1d1600cf27b75148de0ac"
	srv, err := testserver.NewOctave(testserver.OctaveOptions{
		Companies: map[string]string{"acme_corp": "my-token"},
		Streams:   map[string]string{stream: "/acme_corp/devices/greenhouse_01/temperature"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := octave.NewClient(octave.Config{
		URL:          srv.WSURL("{sessionId}"), // the session endpoint is derived from it
		XAuthCompany: "acme_corp",
		XAuthToken:   "my-token",
	})
	got := make(chan struct{})
	c.OnEventMessage(func(_ context.Context, m *octave.EventMessage) {
		fmt.Printf("%s: %s\n", m.Value.Path, m.Value.Elems)
		close(got)
	})
	if err := c.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if _, err := c.SubscribeStream(ctx, stream); err != nil {
		log.Fatal(err)
	}
	srv.Publish(stream, testserver.NewOctaveEvent(stream, "/acme_corp/devices/greenhouse_01/temperature",
		map[string]any{"celsius": 21.5}))
	select {
	case <-got:
	case <-ctx.Done():
		log.Fatal(ctx.Err())
	}
	// Output: /acme_corp/devices/greenhouse_01/temperature: {"celsius":21.5}
}
