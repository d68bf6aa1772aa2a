package lease_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/lease"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
)

// fleet is an in-process nats-server with the lease buckets, and a record
// of which replica serves which subscription right now.
type fleet struct {
	leases, state jetstream.KeyValue
	mu            sync.Mutex
	serving       map[string]string // subscription id -> replica
	twice         []string          // ids two replicas served at once
	takeovers     map[string]lease.Takeover
}

func newFleet(t *testing.T, ttl time.Duration) *fleet {
	t.Helper()
	s, err := natsrv.Start(natsrv.Options{Name: "lease", Listen: "127.0.0.1:0", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := &fleet{serving: map[string]string{}, takeovers: map[string]lease.Takeover{}}
	if f.leases, f.state, err = lease.Buckets(ctx, js, "leases", ttl, 1); err != nil {
		t.Fatal(err)
	}
	return f
}

// replica starts a manager whose subscriptions only record who serves
// them; stop ends it gracefully, crash as a killed process would.
func (f *fleet) replica(name string, ttl time.Duration) (stop, crash func()) {
	m := lease.New(lease.Config{
		Replica: name, TTL: ttl, Leases: f.leases, State: f.state,
		Run: func(ctx context.Context, s lease.Sub, t lease.Takeover, ready func()) {
			f.mu.Lock()
			if other, ok := f.serving[s.ID]; ok && other != name {
				f.twice = append(f.twice, s.ID)
			}
			f.serving[s.ID] = name
			f.takeovers[s.ID] = t
			f.mu.Unlock()
			ready()
			<-ctx.Done()
			f.mu.Lock()
			if f.serving[s.ID] == name {
				delete(f.serving, s.ID)
			}
			f.mu.Unlock()
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	stop = func() { cancel(); <-done }
	crash = func() { m.Crash(); cancel(); <-done }
	return stop, crash
}

func (f *fleet) count() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, r := range f.serving {
		out[r]++
	}
	return out
}

func (f *fleet) waitFor(t *testing.T, d time.Duration, what string, ok func(map[string]int) bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok(f.count()) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v (serving %v)", what, d, f.count())
}

func putSubs(t *testing.T, f *fleet, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		s := lease.Sub{Connection: "c", Call: "Subscribe", Args: []string{"topic", string(rune('a' + i))}}
		s.ID = lease.SubID(s.Connection, s.Call, s.Args)
		if err := lease.Put(context.Background(), f.state, s); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	return ids
}

func TestSubIDIsStableAndTellsCallsApart(t *testing.T) {
	a := lease.SubID("astro", "Subscribe", []string{"channel.tips", "r1"})
	if a != lease.SubID("astro", "Subscribe", []string{"channel.tips", "r1"}) {
		t.Fatal("SubID is not stable")
	}
	for _, other := range []string{
		lease.SubID("astro", "Subscribe", []string{"channel.tips", "r2"}),
		lease.SubID("astro", "Subscribe", []string{"channel.tipsr1"}), // the separator counts
		lease.SubID("dlive", "Subscribe", []string{"channel.tips", "r1"}),
	} {
		if other == a {
			t.Fatalf("SubID gives %s to two different subscriptions", a)
		}
	}
}

// Two replicas share six subscriptions evenly, each served once; when one
// is killed its leases expire and the other takes them over with the
// killed replica named as the previous holder; Remove stops one everywhere.
func TestLeasesShareTakeOverAndFollowRemove(t *testing.T) {
	ttl := 900 * time.Millisecond
	f := newFleet(t, ttl)
	ids := putSubs(t, f, 6)
	stopA, crashA := f.replica("a", ttl)
	_ = stopA
	stopB, _ := f.replica("b", ttl)
	defer stopB()

	f.waitFor(t, 10*time.Second, "six subscriptions held 3 and 3", func(c map[string]int) bool { return c["a"] == 3 && c["b"] == 3 })
	var onA []string
	f.mu.Lock()
	for id, r := range f.serving {
		if r == "a" {
			onA = append(onA, id)
		}
	}
	f.mu.Unlock()
	crashA()
	f.waitFor(t, 5*ttl, "b holds all six after a dies", func(c map[string]int) bool { return c["b"] == 6 && c["a"] == 0 })
	f.mu.Lock()
	for _, id := range onA {
		if tk := f.takeovers[id]; tk.Previous != "a" || tk.GapStart.IsZero() {
			t.Errorf("%s, a's before it died, taken over as %+v: want previous a and a gap start", id, tk)
		}
	}
	if len(f.twice) > 0 {
		t.Errorf("served by two replicas at once: %v", f.twice)
	}
	f.mu.Unlock()

	if err := lease.Remove(context.Background(), f.state, ids[0]); err != nil {
		t.Fatal(err)
	}
	f.waitFor(t, 5*ttl, "the removed subscription stopped", func(c map[string]int) bool { return c["b"] == 5 })
}

// A replica that joins takes load off the one that held everything until
// they hold 4 and 4, without any subscription served twice (no handoff
// configured: a move stops first).
func TestJoinRebalancesWithinTheBound(t *testing.T) {
	ttl := 900 * time.Millisecond
	f := newFleet(t, ttl)
	putSubs(t, f, 8)
	stopA, _ := f.replica("a", ttl)
	defer stopA()
	f.waitFor(t, 10*time.Second, "a holds all eight", func(c map[string]int) bool { return c["a"] == 8 })
	stopB, _ := f.replica("b", ttl)
	defer stopB()
	f.waitFor(t, 20*time.Second, "load split 4 and 4", func(c map[string]int) bool { return c["a"] == 4 && c["b"] == 4 })
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.twice) > 0 {
		t.Errorf("served by two replicas at once: %v", f.twice)
	}
}

// A graceful stop releases at once: the other replica need not wait for
// the TTL.
func TestGracefulStopReleasesBeforeTheTTL(t *testing.T) {
	ttl := 6 * time.Second
	f := newFleet(t, ttl)
	putSubs(t, f, 4)
	stopA, _ := f.replica("a", ttl)
	stopB, _ := f.replica("b", ttl)
	defer stopB()
	f.waitFor(t, 20*time.Second, "four subscriptions held 2 and 2", func(c map[string]int) bool { return c["a"] == 2 && c["b"] == 2 })
	start := time.Now()
	stopA()
	f.waitFor(t, ttl, "b holds all four", func(c map[string]int) bool { return c["b"] == 4 })
	if took := time.Since(start); took >= ttl {
		t.Fatalf("takeover after a graceful stop took %v, not under the TTL %v", took, ttl)
	}
}
