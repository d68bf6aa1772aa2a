package bridge_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/bridge"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/config"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/demo"
)

func testLog(t *testing.T) *slog.Logger {
	if os.Getenv("WSBIND_BRIDGE_LOG") != "" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

type replicaOpts struct {
	streamReplicas int
	ttl            string
	window         int
	bucket         string
}

func newReplica(t *testing.T, name, url string, f *demo.Fleet, o replicaOpts) *bridge.Replica {
	t.Helper()
	if o.streamReplicas == 0 {
		o.streamReplicas = 1
	}
	if o.ttl == "" {
		o.ttl = "3s"
	}
	if o.window == 0 {
		o.window = 256
	}
	if o.bucket == "" {
		o.bucket = "wsbind-leases"
	}
	y := fmt.Sprintf("replica: %s\nnats: {url: %q}\nleases: {ttl: %s, bucket: %s}\nstream: {replicas: %d, duplicate_window: 1m}\npublish: {max_in_flight: %d, ack_timeout: 2s}\n",
		name, url, o.ttl, o.bucket, o.streamReplicas, o.window)
	cfg, err := config.Parse([]byte(y), f.Lookup)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Connections = f.Config.Connections
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := bridge.Connect(ctx, cfg, bridge.Options{Lookup: f.Lookup, Log: testLog(t).With("test", t.Name()),
		NATSOptions: []nats.Option{nats.ReconnectWait(100 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

func countSubs(f *demo.Fleet) int {
	n := 0
	for _, c := range f.Config.Connections {
		n += len(c.Subscriptions)
	}
	return n
}

func held(rs ...*bridge.Replica) int {
	n := 0
	for _, r := range rs {
		if r != nil {
			n += len(r.Held())
		}
	}
	return n
}

// waitFor polls cond every 50 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < d {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, d)
	return 0
}

type stored struct {
	subject string
	header  nats.Header
	data    []byte
}

// readStream reads every message of the stream.
func readStream(t *testing.T, url, stream string) []stored {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := int(info.State.Msgs)
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []stored
	for len(out) < want && ctx.Err() == nil {
		b, err := c.Fetch(min(500, want-len(out)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range b.Messages() {
			out = append(out, stored{m.Subject(), m.Headers(), m.Data()})
		}
	}
	if len(out) != want {
		t.Fatalf("read %d of %d stream messages", len(out), want)
	}
	return out
}

// sender replays rounds of events in the background, recording each
// stamped id with the time it was sent.
type sender struct {
	f    *demo.Fleet
	mu   sync.Mutex
	sent map[string]time.Time
	stop chan struct{}
	done chan struct{}
}

func startSender(f *demo.Fleet, every time.Duration) *sender {
	s := &sender{f: f, sent: map[string]time.Time{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
			now := time.Now()
			ids, _ := f.Replay()
			s.mu.Lock()
			for _, id := range ids {
				s.sent[id] = now
			}
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *sender) halt() map[string]time.Time {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// verdict checks exactly once: no (subscription, stamped id) pair twice,
// and every sent id in the stream or inside a gap event's interval.
type verdict struct {
	events, dups, missing, gaps int
	invalid, unknown            int
	// gapsFrom counts the _gap events by the replica that held the
	// subscription before (previousReplica).
	gapsFrom map[string]int
}

func check(t *testing.T, msgs []stored, sent map[string]time.Time) verdict {
	t.Helper()
	v := verdict{gapsFrom: map[string]int{}}
	pairs := map[string]int{}
	seen := map[string]bool{}
	type gap struct{ start, end time.Time }
	var gaps []gap
	for _, m := range msgs {
		provider := m.header.Get(bridge.HeaderProvider)
		switch {
		case len(m.subject) > 5 && m.subject[len(m.subject)-5:] == "._gap":
			var g bridge.Gap
			if err := jsonUnmarshal(m.data, &g); err != nil {
				t.Fatal(err)
			}
			gaps = append(gaps, gap{g.Start, g.End})
			v.gaps++
			v.gapsFrom[g.Previous]++
			continue
		case len(m.subject) > 9 && m.subject[len(m.subject)-9:] == "._invalid":
			v.invalid++
		case len(m.subject) > 9 && m.subject[len(m.subject)-9:] == "._unknown":
			v.unknown++
		}
		if m.header.Get(nats.MsgIdHdr) == "" || provider == "" || m.header.Get(bridge.HeaderReceivedAt) == "" || m.header.Get(bridge.HeaderConnection) == "" {
			t.Errorf("%s: headers missing: %v", m.subject, m.header)
		}
		id := demo.StampOf(provider, m.data)
		if id == "" {
			continue
		}
		v.events++
		seen[id] = true
		pairs[m.header.Get(bridge.HeaderSubscription)+" "+id]++
	}
	for p, n := range pairs {
		if n > 1 {
			v.dups++
			t.Errorf("event %s is in the stream %d times", p, n)
		}
	}
	for id, at := range sent {
		if seen[id] {
			continue
		}
		covered := false
		for _, g := range gaps {
			if !at.Before(g.start.Add(-time.Second)) && !at.After(g.end.Add(time.Second)) {
				covered = true
			}
		}
		if !covered {
			v.missing++
			t.Errorf("event %s sent at %s is neither in the stream nor inside a gap", id, at.Format("15:04:05.000"))
		}
	}
	return v
}
