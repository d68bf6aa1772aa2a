package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbind/wsbind/runtime/testserver"
)

// wscatScript is scripts/wscat-mock.sh and the frame it sends.
func wscatScript(t *testing.T) (path, nonce, subscribe string) {
	t.Helper()
	path = filepath.Join(moduleRoot(t), "scripts", "wscat-mock.sh")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := regexp.MustCompile(`(?m)^NONCE=(\S+)$`).FindSubmatch(b)
	s := regexp.MustCompile(`(?m)^SUBSCRIBE='([^']+)'$`).FindSubmatch(b)
	if n == nil || s == nil {
		t.Fatalf("%s: no NONCE= or SUBSCRIBE='...' line", path)
	}
	return path, string(n[1]), string(s[1])
}

// The script itself, with wscat from npm: opt in with WSBIND_WSCAT=1.
func TestWscatScript(t *testing.T) {
	if os.Getenv("WSBIND_WSCAT") != "1" {
		t.Skip("set WSBIND_WSCAT=1 to run scripts/wscat-mock.sh: it needs npm to install wscat")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, tool := range []string{"npm", "npx", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: %v", tool, err)
		}
	}
	path, _, _ := wscatScript(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, path, "3")
	cmd.Dir = moduleRoot(t)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, out)
	}
	if !strings.Contains(string(out), "wscat-mock: ok") {
		t.Errorf("output:\n%s", out)
	}
}

// What wscat does, with a plain WebSocket client and no generated code:
// send the script's subscribe text to the astro mock and see the reply with
// the same nonce and a notification arrive. Always runs.
func TestWscatEquivalentRawClient(t *testing.T) {
	noLeaks(t)
	_, nonce, subscribe := wscatScript(t)
	m := startMock(t, "astro")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, m.URL()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	defer ws.Close()
	deadline, _ := ctx.Deadline()
	ws.SetReadDeadline(deadline)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(subscribe)); err != nil {
		t.Fatal(err)
	}

	type frame struct {
		Type  string          `json:"type"`
		Nonce string          `json:"nonce"`
		Error string          `json:"error"`
		Topic string          `json:"topic"`
		Data  json.RawMessage `json:"data"`
	}
	read := func() frame {
		t.Helper()
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("reading: %v", err)
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("frame %s: %v", b, err)
		}
		return f
	}
	for {
		f := read()
		if f.Type == "response" && f.Nonce == nonce {
			if f.Error != "" {
				t.Fatalf("subscribe refused: %s %s", f.Error, f.Data)
			}
			break
		}
		if f.Type != "welcome" {
			t.Fatalf("unexpected %q frame before the reply", f.Type)
		}
	}
	// The mock pushes what it is given to subscribers, like wsbind mock's
	// replay loop does.
	tip := `{"type":"message","topic":"channel.tips","data":{"donation":{"amount":5,"currency":"USD"}}}`
	if n := m.Replay([]byte(tip)); n != 1 {
		t.Fatalf("the notification reached %d connections, want 1", n)
	}
	f := read()
	if f.Type != "message" || f.Topic != "channel.tips" || !strings.Contains(string(f.Data), `"amount":5`) {
		t.Errorf("got %+v, want the channel.tips notification", f)
	}
	if err := ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(subscribe, `"token":"`+testserver.DemoToken+`"`) {
		t.Errorf("the script does not subscribe with the demo token: %s", subscribe)
	}
}
