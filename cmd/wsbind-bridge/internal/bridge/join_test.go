package bridge_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/bridge"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/demo"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
)

// TestJoinRebalances: a replica that joins gets its share while the one
// that held everything sheds down to its own; every subscription moves at
// most once (the first replica's set only shrinks, the second's only
// grows), and the events sent meanwhile are in the stream once or inside a
// _gap event.
func TestJoinRebalances(t *testing.T) {
	if testing.Short() {
		t.Skip("lease periods")
	}
	srv, err := natsrv.Start(natsrv.Options{Name: "join", Listen: "127.0.0.1:0", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	f, err := demo.StartFleet(12, true)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := countSubs(f)
	a := newReplica(t, "a", srv.ClientURL(), f, replicaOpts{ttl: "2s"})
	defer a.Kill()
	waitFor(t, 20*time.Second, "the first replica holds everything", func() bool { return len(a.Held()) == n })
	s := startSender(f, 100*time.Millisecond)
	b := newReplica(t, "b", srv.ClientURL(), f, replicaOpts{ttl: "2s"})
	defer b.Kill()
	share := (n + 1) / 2
	prevA, prevB := set(a.Held()), set(b.Held())
	deadline := time.Now().Add(30 * time.Second)
	for len(b.Held()) < share || len(a.Held()) > share || held(a, b) != n {
		if time.Now().After(deadline) {
			t.Fatalf("not rebalanced within 30s: a holds %d, b %d of %d", len(a.Held()), len(b.Held()), n)
		}
		time.Sleep(20 * time.Millisecond)
		curA, curB := set(a.Held()), set(b.Held())
		for id := range curA {
			if !prevA[id] {
				t.Errorf("%s came back to the first replica", id)
			}
		}
		for id := range prevB {
			if !curB[id] {
				t.Errorf("%s left the second replica again", id)
			}
		}
		prevA, prevB = curA, curB
	}
	time.Sleep(time.Second)
	sent := s.halt()
	time.Sleep(time.Second)
	msgs := readStream(t, srv.ClientURL(), "WSBIND")
	v := check(t, msgs, sent)
	dups := 0.0
	for _, r := range []*bridge.Replica{a, b} {
		for _, p := range []string{"astro", "dlive", "neuro", "octave"} {
			dups += testutil.ToFloat64(r.Metrics.Duplicates.WithLabelValues(p))
		}
	}
	t.Logf("rebalanced to %d and %d of %d; %d stamped events sent, %d in the stream, %d gap events, %v publishes of the handoff overlaps removed by JetStream",
		len(a.Held()), len(b.Held()), n, len(sent), v.events, v.gaps, dups)
	// Subscriptions whose provider has message ids move make-before-break,
	// without a gap; the others (Neuro) stop first and leave one.
	gapped := map[string]bool{}
	for _, m := range msgs {
		if strings.HasSuffix(m.subject, "._gap") {
			gapped[m.header.Get(bridge.HeaderSubscription)] = true
		}
	}
	for _, id := range b.Held() {
		neuro := strings.HasPrefix(id, "neuro.")
		if gapped[id] != neuro {
			t.Errorf("%s moved: gap event %v, want %v", id, gapped[id], neuro)
		}
	}
}

func set(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}
