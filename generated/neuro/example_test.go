package neuro_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// Example follows one NeuroInfoAPI event type: the client fetches a one-time
// ticket with its API token, dials the v2 WebSocket with it, waits for the
// welcome, subscribes to streamOnline and prints the event the server pushes.
func Example() {
	srv, err := testserver.NewNeuro(testserver.NeuroOptions{Tokens: []string{"my-token"}})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := neuro.NewClient(neuro.Config{
		URL:   srv.URL, // ws://127.0.0.1:<port>/api/v2/ws; the ticket endpoint is derived from it
		Token: "my-token",
	})
	got := make(chan struct{})
	c.OnStreamOnlineEvent(func(_ context.Context, _ *neuro.Event, e *neuro.StreamOnlineEvent) {
		fmt.Println("live:", e.EventData.Title, "with", e.EventData.ViewerCount, "viewers")
		close(got)
	})
	if err := c.Connect(ctx); err != nil { // ticket, dial, welcome
		log.Fatal(err)
	}
	defer c.Close()

	if _, err := c.AddEvent(ctx, string(neuro.EventTypeStreamOnline)); err != nil {
		log.Fatal(err) // subscribed:false and invalid replies are a *neuro.ReplyError
	}
	srv.Publish("streamOnline", map[string]any{
		"isLive": true, "id": "331913732989", "title": "NEURO STREAM",
		"game":     map[string]any{"id": "509658", "name": "Just Chatting"},
		"language": "en", "tags": []string{"English", "Vtuber"}, "isMature": false,
		"viewerCount": 5799, "startedAt": 1755626443000,
		"thumbnailUrl": "https://static-cdn.jtvnw.net/previews-ttv/live_user_vedal987-{width}x{height}.jpg",
	})
	select {
	case <-got:
	case <-ctx.Done():
		log.Fatal(ctx.Err())
	}
	// Output: live: NEURO STREAM with 5799 viewers
}
