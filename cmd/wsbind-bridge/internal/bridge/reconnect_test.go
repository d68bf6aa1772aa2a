package bridge_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/bridge"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/config"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/demo"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// TestProviderReconnectPublishesAGap: when a built-in provider's server
// drops the connection, the typed client redials and restores the
// subscription on its own, and the bridge publishes a _gap (cause
// reconnect) for the time it was down, since the provider does not replay
// what it sent meanwhile. Events then keep flowing.
func TestProviderReconnectPublishesAGap(t *testing.T) {
	m, err := testserver.StartMock("astro", testserver.MockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ns := startNATS(t, "reconnect")
	f := &demo.Fleet{Env: map[string]string{"T": testserver.DemoToken, "TT": "jwt"}, Config: &config.Config{Connections: []config.Connection{{
		Name: "astro", Provider: "astro", URL: m.URL(), Credentials: map[string]string{"token": "T", "token_type": "TT"},
		Subscriptions: []config.Subscription{{Call: "Subscribe", Args: []string{"channel.tips", "room-0"}}},
	}}}}
	r := newReplica(t, "solo", ns.ClientURL(), f, replicaOpts{})
	defer r.Kill()
	conns := func() []*testserver.Conn { return m.(interface{ Conns() []*testserver.Conn }).Conns() }
	waitFor(t, 20*time.Second, "the subscription held", func() bool { return held(r) == 1 && len(conns()) == 1 })
	time.Sleep(300 * time.Millisecond) // the subscribe answered

	before := time.Now()
	conns()[0].Drop()
	var gaps []bridge.Gap
	waitFor(t, 20*time.Second, "the reconnect's _gap", func() bool {
		gaps = gaps[:0]
		for _, s := range readStream(t, ns.ClientURL(), "WSBIND") {
			if s.subject != "wsbind.astro._gap" {
				continue
			}
			var g bridge.Gap
			if err := json.Unmarshal(s.data, &g); err != nil {
				t.Fatal(err)
			}
			gaps = append(gaps, g)
		}
		return len(gaps) > 0
	})
	g := gaps[0]
	if len(gaps) != 1 || g.Cause != bridge.GapReconnect || g.Previous != "solo" || g.Start.Before(before.Add(-time.Second)) || g.End.Before(g.Start) {
		t.Fatalf("gaps %+v, want one reconnect gap starting after the drop", gaps)
	}
	waitFor(t, 10*time.Second, "one connection again", func() bool { return len(conns()) == 1 })
	conns()[0].Send(benchFrames(1, 7)[0])
	waitFor(t, 10*time.Second, "an event after the reconnect", func() bool {
		for _, s := range readStream(t, ns.ClientURL(), "WSBIND") {
			if s.subject == "wsbind.astro.channel_tips.room-0" {
				return true
			}
		}
		return false
	})
}
