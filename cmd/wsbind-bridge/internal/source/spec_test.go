package source

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/internal/specclient"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

// counting accepts every upgrade and counts them, and answers
// subscribe as ticker.yaml says.
type counting struct{ n atomic.Int32 }

func (c *counting) Accept(*http.Request) (int, string, http.Header) { c.n.Add(1); return 0, "", nil }
func (c *counting) Open(tc *testserver.Conn) {
	tc.SendJSON(map[string]any{"op": "welcome", "session": "s-0001"})
}
func (c *counting) Frame(tc *testserver.Conn, frame []byte) {
	// The document's reply to subscribe, which Subscribe waits for.
	var m struct{ Op, Symbol string }
	if json.Unmarshal(frame, &m) == nil && m.Op == "subscribe" {
		tc.SendJSON(map[string]any{"op": "subscribed", "symbol": m.Symbol})
	}
}
func (c *counting) Closed(*testserver.Conn) {}

// DialSpec checks the subscription's frame against the document before
// dialling, and sends a valid one on a connection it then hands frames of.
func TestDialSpec(t *testing.T) {
	h := &counting{}
	srv, err := testserver.New(h, testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	doc, err := specclient.Load("../bridge/testdata/spec/ticker.yaml", interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plan := specclient.PlanOptions{URL: "ws://" + srv.Addr() + "/ticker", Words: specclient.Words{Param: func(n, _ string) string { return n }}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	frames := make(chan string, 4)
	o := Options{Frame: func(f []byte, r *wire.Result) { frames <- string(f) }}

	_, err = DialSpec(ctx, doc, plan, specclient.Send{Value: `{"op":"subscribe","symbol":"lower"}`, What: "send"}, o)
	if err == nil || !strings.Contains(err.Error(), "send is not a valid Subscribe") || h.n.Load() != 0 {
		t.Fatalf("invalid frame: err %v, %d dials", err, h.n.Load())
	}
	c, err := DialSpec(ctx, doc, plan, specclient.Send{Example: true, Value: "subscribe", What: "send_example"}, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case f := <-frames:
		if f != `{"op":"welcome","session":"REDACTED"}` {
			t.Errorf("welcome %s", f)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no frame")
	}
}
