package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/lease"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
	"github.com/wsbind/wsbind/runtime/testserver"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeSubscribeUnsubscribe runs a replica on an embedded server as
// wsbind bridge --config does, adds and removes a subscription at run time
// with wsbind bridge subscribe|unsubscribe (which reach the embedded
// server on its loopback port), reads /metrics and /healthz, and shuts
// down as on SIGTERM: the leases are released.
func TestServeSubscribeUnsubscribe(t *testing.T) {
	m, err := testserver.StartMock("astro", testserver.MockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ports, err := natsrv.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	natsAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	metricsAddr := "127.0.0.1:" + strconv.Itoa(ports[1])
	t.Setenv("TEST_ASTRO_TOKEN", testserver.DemoToken)
	t.Setenv("TEST_ASTRO_TOKEN_TYPE", "jwt")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bridge.yaml")
	cfg := `replica: solo
nats: {embedded: true, dir: ` + filepath.Join(dir, "data") + `, listen: "` + natsAddr + `"}
leases: {ttl: 3s}
metrics: {listen: "` + metricsAddr + `"}
connections:
  - name: astro
    provider: astro
    url: ` + m.URL() + `
    credentials: {token: TEST_ASTRO_TOKEN, token_type: TEST_ASTRO_TOKEN_TYPE}
    subscriptions:
      - {call: Subscribe, args: [channel.tips, room-1]}
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	done := make(chan int)
	go func() {
		log := slog.New(slog.NewJSONHandler(logs, nil))
		c, err := loadConfig(cfgPath)
		if err != nil {
			t.Error(err)
			done <- 2
			return
		}
		done <- serve(ctx, c, log, io.Discard)
	}()

	nc := waitNATS(t, "nats://"+natsAddr)
	defer nc.Close()
	js, _ := jetstream.New(nc)
	leaseKeys := func() []string {
		kv, err := js.KeyValue(context.Background(), "wsbind-leases")
		if err != nil {
			return nil
		}
		kl, err := kv.ListKeys(context.Background())
		if err != nil {
			return nil
		}
		var out []string
		for k := range kl.Keys() {
			if strings.HasPrefix(k, "sub.") {
				out = append(out, k)
			}
		}
		return out
	}
	first := "sub." + lease.SubID("astro", "Subscribe", []string{"channel.tips", "room-1"})
	added := "sub." + lease.SubID("astro", "Subscribe", []string{"channel.tips", "room-2"})
	waitUntil(t, "the configured subscription held", func() bool { return strings.Join(leaseKeys(), ",") == first })

	var out, errb bytes.Buffer
	if code := run([]string{"subscribe", "--config", cfgPath, "--connection", "astro", "Subscribe", "channel.tips", "room-2"}, &out, &errb); code != 0 {
		t.Fatalf("subscribe: exit %d: %s", code, errb.String())
	}
	waitUntil(t, "the added subscription held", func() bool { return len(leaseKeys()) == 2 })
	if code := run([]string{"unsubscribe", "--config", cfgPath, "--connection", "astro", "Subscribe", "channel.tips", "room-2"}, &out, &errb); code != 0 {
		t.Fatalf("unsubscribe: exit %d: %s", code, errb.String())
	}
	waitUntil(t, "the removed subscription released", func() bool { k := leaseKeys(); return len(k) == 1 && k[0] != added })
	if code := run([]string{"subscribe", "--config", cfgPath, "--connection", "astro", "Listen", "x"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), `"Listen" is not a subscribe method`) {
		t.Fatalf("a bad call: exit %d: %s", code, errb.String())
	}

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"wsbind_bridge_leases_held", "wsbind_bridge_frames_in_total", "wsbind_bridge_publish_latency_seconds", "wsbind_bridge_reconnects_total"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	resp, err = http.Get("http://" + metricsAddr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	cancel() // SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no graceful shutdown within 30s")
	}
	if !strings.Contains(logs.String(), `"msg":"lease released"`) {
		t.Error("shutdown did not release the lease")
	}
	if strings.Contains(logs.String(), testserver.DemoToken) {
		t.Error("a credential reached the logs")
	}
}

func waitNATS(t *testing.T, url string) *nats.Conn {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		nc, err := nats.Connect(url)
		if err == nil {
			return nc
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUsageAndBadConfig(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "wsbind bridge --config") {
		t.Fatalf("--help: %d %s", code, out.String())
	}
	if code := run(nil, &out, &errb); code != 2 {
		t.Fatalf("no flags: exit %d", code)
	}
	p := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(p, []byte("connections: [{name: a, provider: twitch}]\n"), 0o644)
	errb.Reset()
	if code := run([]string{"--config", p}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "connections[0].provider") {
		t.Fatalf("bad config: exit %d: %s", code, errb.String())
	}
}

// TestSubscribeChecksASpecFrame: `bridge subscribe` on a spec connection
// checks the frame against the document before it reaches NATS.
func TestSubscribeChecksASpecFrame(t *testing.T) {
	dir := t.TempDir()
	doc, err := os.ReadFile(filepath.Join("internal", "bridge", "testdata", "spec", "ticker.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ticker.yaml"), doc, 0o644); err != nil {
		t.Fatal(err)
	}
	ports, err := natsrv.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "bridge.yaml")
	cfg := `nats: {url: "nats://127.0.0.1:` + strconv.Itoa(ports[0]) + `"}
connections:
  - name: feed
    spec: ticker.yaml
    url: ws://127.0.0.1:1/ticker
    subscriptions:
      - {send: '{"op":"subscribe","symbol":"ACME"}'}
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"subscribe", "--config", cfgPath, "--connection", "feed", "send", `{"op":"subscribe","symbol":"lower"}`}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "/symbol") {
		t.Fatalf("a frame breaking the document: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	// A good frame passes the check; nothing listens on the NATS port.
	code = run([]string{"subscribe", "--config", cfgPath, "--connection", "feed", "send", `{"op":"subscribe","symbol":"BETA"}`}, &out, &errb)
	if code == 0 || strings.Contains(errb.String(), "/symbol") || !strings.Contains(strings.ToLower(errb.String()), "nats") {
		t.Fatalf("a good frame: exit %d: %s", code, errb.String())
	}
}
