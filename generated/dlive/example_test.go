package dlive_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// TestMain checks that the example leaves no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Example connects to a local DLive test server (connection_init with the
// token, then connection_ack), subscribes to a streamer's chat and prints
// the message the server publishes.
func Example() {
	srv, err := testserver.NewDLive(testserver.DLiveOptions{Tokens: []string{"my-access-token"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	chat := make(chan string, 1)
	c := dlive.NewClient(dlive.Config{URL: srv.URL, Token: "my-access-token"})
	c.OnChatText(func(_ context.Context, _ *dlive.Data, m *dlive.ChatText) {
		chat <- fmt.Sprintf("%s: %s", m.Sender.Displayname, m.Content)
	})
	if err := c.Connect(ctx); err != nil { // returns once connection_ack has arrived
		fmt.Println(err)
		return
	}
	defer c.Close()
	if _, err := c.SubscribeStreamMessages(ctx, "dbl-lee"); err != nil {
		fmt.Println(err)
		return
	}

	// DLive never acknowledges a start, so the server may not have
	// registered it yet: publish once it has a subscriber.
	for srv.PublishChat("dbl-lee", testserver.ChatText("", "alice", "hello DLive")) == 0 {
		select {
		case <-ctx.Done():
			fmt.Println("not subscribed")
			return
		case <-time.After(time.Millisecond):
		}
	}
	select {
	case line := <-chat:
		fmt.Println(line)
	case <-ctx.Done():
		fmt.Println("no message")
	}
	// Output: alice: hello DLive
}
