package main

import (
	"fmt"
	"io"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

// runSpecDemo runs the demo for any document (`wsbind demo --spec`): the spec
// mock in-process, a plain WebSocket client sending each valid client
// example, the mock answering requests and replaying events, every frame
// checked by the interpreter as it arrives. No Go code is generated.
func runSpecDemo(s *interp.Spec, timeout time.Duration, stdout, stderr io.Writer) int {
	log := &syncWriter{w: io.Discard}
	m, err := startSpecMock(s, testserver.MockOptions{}, log)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind demo: %v\n", err)
		return exitUsage
	}
	defer m.Close()
	fmt.Fprintf(stdout, "%s: mock server for %s on %s\n", s.Name, s.Title, m.URL())
	ws, _, err := websocket.DefaultDialer.Dial(m.URL(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind demo: %v\n", err)
		return exitUsage
	}
	defer ws.Close()
	deadline := time.Now().Add(timeout)
	frames := make(chan []byte, 64)
	go func() {
		defer close(frames)
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			frames <- b
		}
	}()
	var sum struct{ sent, received, valid, invalid int }
	verdict := func(dir string, c *wire.Codec, frame []byte) {
		r := c.Check(frame, false)
		name := r.Name
		if name == "" {
			name = unmatched
		}
		if r.Valid() && r.Name != "" {
			sum.valid++
			fmt.Fprintf(stdout, "  %s %s ok\n", dir, name)
			return
		}
		sum.invalid++
		fmt.Fprintf(stdout, "  %s %s INVALID\n", dir, name)
		for i, v := range r.Violations {
			if i == 3 {
				fmt.Fprintf(stdout, "      (+%d more)\n", len(r.Violations)-i)
				break
			}
			fmt.Fprintf(stdout, "      %s: %s (%s)\n", pointerOrFrame(v.Pointer), v.Message, v.Keyword)
		}
	}
	// drain reads what the server sends until it has been quiet a moment.
	drain := func() {
		for {
			select {
			case b, ok := <-frames:
				if !ok {
					return
				}
				sum.received++
				verdict("server", s.Server, b)
			case <-time.After(200 * time.Millisecond):
				return
			}
			if time.Now().After(deadline) {
				return
			}
		}
	}
	for _, ex := range s.Examples {
		if ex.Direction != "client" || time.Now().After(deadline) {
			continue
		}
		if r := s.Client.Check([]byte(ex.JSON), false); !r.Valid() || r.Name != ex.Message {
			fmt.Fprintf(stdout, "client example %s of %s is not sent: the spec's own schema refuses it\n", ex.Name, ex.Message)
			continue
		}
		fmt.Fprintf(stdout, "send %s (example %s)\n", ex.Message, ex.Name)
		if err := ws.WriteMessage(websocket.TextMessage, []byte(ex.JSON)); err != nil {
			fmt.Fprintf(stderr, "wsbind demo: %v\n", err)
			return exitUsage
		}
		sum.sent++
		drain()
	}
	frs, err := mockLoad(s.Provider, "", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind demo: %v\n", err)
		return exitUsage
	}
	for _, f := range frs {
		if time.Now().After(deadline) {
			break
		}
		fmt.Fprintf(stdout, "replay event %s\n", f.name)
		m.Replay(f.data)
		drain()
	}
	fmt.Fprintf(stdout, "summary: sent %s, received %s: %d valid, %d invalid\n",
		count(sum.sent, "client frame"), count(sum.received, "server frame"), sum.valid, sum.invalid)
	if sum.invalid > 0 {
		return exitFailure
	}
	return exitOK
}
