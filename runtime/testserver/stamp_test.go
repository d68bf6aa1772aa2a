package testserver

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestStampIDs: with StampIDs every Replay gives its event one fresh id,
// the same on every connection that receives it.
func TestStampIDs(t *testing.T) {
	m, err := StartMock("astro", MockOptions{StampIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	st, ok := m.(Stamper)
	if !ok {
		t.Fatal("a stamping mock is not a Stamper")
	}
	dial := func(room string) *websocket.Conn {
		ws, _, err := websocket.DefaultDialer.Dial(m.URL(), nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, _ = ws.ReadMessage() // welcome
		sub := `{"type":"subscribe","nonce":"n","data":{"topic":"channel.tips","room":"` + room + `","token":"` + DemoToken + `","token_type":"jwt"}}`
		if err := ws.WriteMessage(websocket.TextMessage, []byte(sub)); err != nil {
			t.Fatal(err)
		}
		_, _, _ = ws.ReadMessage() // response
		return ws
	}
	a, b := dial("r1"), dial("r2")
	defer a.Close()
	defer b.Close()
	frame := []byte(`{"id":"01JMFBZF7KSRDDXXV0EH7G8X6G","ts":"2025-02-19T15:07:17Z","type":"message","topic":"channel.tips","room":"x","data":{"amount":1}}`)
	ids := map[string]bool{}
	for range 3 {
		n, id := st.ReplayStamped(frame)
		if n != 2 || id == "" || ids[id] {
			t.Fatalf("ReplayStamped = %d, %q (ids so far %v)", n, id, ids)
		}
		ids[id] = true
		for _, ws := range []*websocket.Conn{a, b} {
			_, got, err := ws.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			o, _ := ParseObject(got)
			if o.Str("id") != id {
				t.Fatalf("event id %q, want the stamped %q", o.Str("id"), id)
			}
		}
	}
}
