// Package demo runs the whole bridge in one process: embedded NATS with
// JetStream, the four providers' mock servers, two bridge replicas, and a
// JetStream consumer printing the typed events as they arrive. Halfway it
// kills one replica and shows the other take its subscriptions over.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/bridge"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/config"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Options of a demo run.
type Options struct {
	Duration time.Duration
	Out      io.Writer
	Log      *slog.Logger
}

// Fleet is what the demo (and the tests) start: mocks, their replayable
// event frames, and a config bridging subscriptions over them.
type Fleet struct {
	Mocks  map[string]testserver.Mock
	Frames map[string][][]byte // per provider: event examples the subscriptions receive
	Config *config.Config
	Env    map[string]string
}

// Lookup resolves the fleet's demo credentials.
func (f *Fleet) Lookup(k string) (string, bool) { v, ok := f.Env[k]; return v, ok }

// Close stops the mocks.
func (f *Fleet) Close() {
	for _, m := range f.Mocks {
		m.Close()
	}
}

// StartFleet starts the four mocks (stamping every replayed event with a
// fresh id when stamp is set) and a config bridging about total
// subscriptions over them: Neuro 4 (its mock, like the service, allows 5
// connections per token, and the bridge opens one per subscription), one
// per Octave stream of the examples, the rest split between Astro (the
// example topics, one room each) and DLive (one streamer each).
func StartFleet(total int, stamp bool) (*Fleet, error) {
	f := &Fleet{Mocks: map[string]testserver.Mock{}, Frames: map[string][][]byte{}, Env: map[string]string{
		"WSBIND_DEMO_TOKEN": testserver.DemoToken, "WSBIND_DEMO_TOKEN_TYPE": "jwt", "WSBIND_DEMO_COMPANY": "demo",
	}}
	cfg := &config.Config{}
	neuroN := min(4, max(1, total/8))
	for _, name := range []string{"astro", "dlive", "neuro", "octave"} {
		m, err := testserver.StartMock(name, testserver.MockOptions{Addr: "127.0.0.1:0", StampIDs: stamp})
		if err != nil {
			f.Close()
			return nil, err
		}
		f.Mocks[name] = m
		p := generated.Lookup(name)
		c := config.Connection{Name: name, Provider: name, URL: m.URL()}
		switch name {
		case "astro":
			c.Credentials = map[string]string{"token": "WSBIND_DEMO_TOKEN", "token_type": "WSBIND_DEMO_TOKEN_TYPE"}
		case "octave":
			c.Credentials = map[string]string{"X-Auth-Company": "WSBIND_DEMO_COMPANY", "X-Auth-Token": "WSBIND_DEMO_TOKEN"}
		default:
			c.Credentials = map[string]string{"token": "WSBIND_DEMO_TOKEN"}
		}
		// The event examples, one per distinct topic, stream or event type.
		var keys []string
		seen := map[string]bool{}
		for _, ex := range p.Examples {
			if ex.Direction != "server" || !slices(p.Events, ex.Message) {
				continue
			}
			key, call := subFor(name, []byte(ex.JSON))
			if call == "" || seen[key] {
				continue
			}
			if _, ok := astroTopics[key]; name == "astro" && !ok {
				continue // a topic the mock does not let anyone subscribe to
			}
			seen[key] = true
			keys = append(keys, key)
			f.Frames[name] = append(f.Frames[name], []byte(ex.JSON))
			if name == "dlive" {
				break // every DLive subscription gets every data frame
			}
		}
		c.Subscriptions = fleetSubs(name, keys, total, neuroN)
		cfg.Connections = append(cfg.Connections, c)
	}
	f.Config = cfg
	return f, nil
}

func fleetSubs(name string, keys []string, total, neuroN int) []config.Subscription {
	var out []config.Subscription
	rest := max(2, total-neuroN-2)
	switch name {
	case "neuro":
		for i := 0; i < neuroN && i < len(keys); i++ {
			out = append(out, config.Subscription{Call: "AddEvent", Args: []string{keys[i]}})
		}
	case "octave":
		for _, k := range keys {
			out = append(out, config.Subscription{Call: "SubscribeStream", Args: []string{k}})
		}
	case "astro":
		for i := 0; i < (rest+1)/2 && len(keys) > 0; i++ {
			out = append(out, config.Subscription{Call: "Subscribe", Args: []string{keys[i%len(keys)], fmt.Sprintf("room-%d", i)}})
		}
	case "dlive":
		for i := 0; i < rest/2; i++ {
			out = append(out, config.Subscription{Call: "SubscribeStreamMessages", Args: []string{fmt.Sprintf("streamer-%d", i)}})
		}
	}
	return out
}

var astroTopics = testserver.AstroTopicScopes()

func slices(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// subFor names the subscription an event example needs.
func subFor(provider string, frame []byte) (key, call string) {
	o, ok := testserver.ParseObject(frame)
	if !ok {
		return "", ""
	}
	switch provider {
	case "astro":
		if o.Str("type") == "message" && o.Str("topic") != "" {
			return o.Str("topic"), "Subscribe"
		}
	case "dlive":
		if o.Str("type") == "data" && o.Obj("payload").Obj("data").Has("streamMessageReceived") {
			return "dbl-lee", "SubscribeStreamMessages"
		}
	case "neuro":
		if o.Str("type") == "event" && o.Obj("data").Str("eventType") != "" {
			return o.Obj("data").Str("eventType"), "AddEvent"
		}
	case "octave":
		if o.Str("type") == "message" && o.Str("resource") != "" && !strings.HasPrefix(o.Str("resource"), "/") {
			return o.Str("resource"), "SubscribeStream"
		}
	}
	return "", ""
}

// Replay sends one round: each provider's event frames once. It returns
// the ids stamped (per provider) and the deliveries made.
func (f *Fleet) Replay() (ids []string, delivered int) {
	for name, frames := range f.Frames {
		st, _ := f.Mocks[name].(testserver.Stamper)
		for _, fr := range frames {
			if st != nil {
				n, id := st.ReplayStamped(fr)
				if n > 0 && id != "" {
					ids = append(ids, id)
				}
				delivered += n
			} else {
				delivered += f.Mocks[name].Replay(fr)
			}
		}
	}
	return ids, delivered
}

// Run runs the demo.
func Run(ctx context.Context, o Options) error {
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	out := &lockedWriter{w: o.Out}
	dir, err := os.MkdirTemp("", "wsbind-bridge-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := natsrv.Start(natsrv.Options{Name: "demo", Listen: "127.0.0.1:0", Dir: dir})
	if err != nil {
		return err
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	out.printf("embedded nats-server %s with JetStream (file storage in %s)\n", srv.ClientURL(), dir)

	fleet, err := StartFleet(12, true)
	if err != nil {
		return err
	}
	defer fleet.Close()
	for _, c := range fleet.Config.Connections {
		out.printf("%s mock on %s: %d subscription(s)\n", c.Provider, c.URL, len(c.Subscriptions))
	}
	base := fleet.Config
	mk := func(name string) (*bridge.Replica, error) {
		yaml := demoYAML(name)
		cfg, err := config.Parse([]byte(yaml), fleet.Lookup)
		if err != nil {
			return nil, err
		}
		cfg.Connections = base.Connections
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		r, err := bridge.Connect(cctx, cfg, bridge.Options{NATSURL: srv.ClientURL(), Lookup: fleet.Lookup, Log: o.Log})
		if err != nil {
			return nil, err
		}
		return r, r.Start()
	}
	a, err := mk("replica-a")
	if err != nil {
		return err
	}
	b, err := mk("replica-b")
	if err != nil {
		a.Kill()
		return err
	}
	defer b.Stop(context.Background())

	// Read the stream back with an ordered consumer and print typed events.
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		return err
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	cons, err := js.OrderedConsumer(ctx, "WSBIND", jetstream.OrderedConsumerConfig{})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	seen := map[string]int{}  // by stamped id
	pairs := map[string]int{} // by subscription and stamped id
	gaps := 0
	cc, err := cons.Consume(func(m jetstream.Msg) {
		h := m.Headers()
		provider := h.Get(bridge.HeaderProvider)
		line := "  <- " + m.Subject()
		if strings.HasSuffix(m.Subject(), "._gap") {
			var g bridge.Gap
			_ = json.Unmarshal(m.Data(), &g)
			line += fmt.Sprintf(": %s taken over by %s, events between %s and %s not replayable", g.Subscription, g.Replica, g.Start.Format("15:04:05.000"), g.End.Format("15:04:05.000"))
			mu.Lock()
			gaps++
			mu.Unlock()
		} else if p := generated.Lookup(provider); p != nil {
			if msg, err := p.Server.Judge(m.Data(), wire.Off); msg != nil && err == nil {
				line += fmt.Sprintf(" %T", msg)
			}
			mu.Lock()
			stamp := stampOf(provider, m.Data())
			seen[stamp]++
			pairs[h.Get(bridge.HeaderSubscription)+" "+stamp]++
			mu.Unlock()
		}
		out.printf("%s (%s)\n", line, h.Get(bridge.HeaderSubscription))
	})
	if err != nil {
		return err
	}
	defer cc.Stop()

	if err := waitHeld(ctx, len(allSubs(base)), a, b); err != nil {
		return err
	}
	out.printf("replica-a holds %d subscriptions, replica-b %d\n", len(a.Held()), len(b.Held()))
	var sent []string
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	end := time.Now().Add(o.Duration)
	killAt := time.Now().Add(o.Duration / 3)
	killed := false
	var killTime time.Time
	tookOver := false
	// The run lasts Duration, and past it until the takeover is shown
	// (at most 15 s more).
	for time.Now().Before(end) || (!tookOver && time.Now().Before(end.Add(15*time.Second))) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		ids, _ := fleet.Replay()
		sent = append(sent, ids...)
		if !killed && time.Now().After(killAt) {
			out.printf("== killing replica-a (holding %d subscriptions): its leases expire within 3s\n", len(a.Held()))
			a.Kill()
			killed, killTime = true, time.Now()
		}
		if killed && !tookOver && len(b.Held()) == len(allSubs(base)) {
			tookOver = true
			out.printf("== replica-b holds all %d subscriptions, %.1fs after the kill\n", len(b.Held()), time.Since(killTime).Seconds())
		}
	}
	time.Sleep(time.Second) // the last acknowledgements and deliveries
	mu.Lock()
	defer mu.Unlock()
	dups, missing := 0, 0
	for _, id := range sent {
		if seen[id] == 0 {
			missing++
		}
	}
	for _, n := range pairs {
		if n > 1 {
			dups++
		}
	}
	out.printf("sent %d stamped events; in the stream once: %d, duplicated: %d, not in the stream (inside a gap): %d; %d gap events\n",
		len(sent), len(sent)-missing-dups, dups, missing, gaps)
	if !tookOver {
		return fmt.Errorf("replica-b did not take over within the run")
	}
	if dups > 0 {
		return fmt.Errorf("%d events were duplicated", dups)
	}
	return nil
}

func demoYAML(name string) string {
	return "replica: " + name + "\nnats: {url: nats://127.0.0.1:1}\nleases: {ttl: 3s}\nstream: {duplicate_window: 1m}\n"
}

func allSubs(c *config.Config) []string {
	var out []string
	for _, cn := range c.Connections {
		for _, s := range cn.Subscriptions {
			out = append(out, cn.Name+s.Call+strings.Join(s.Args, ","))
		}
	}
	sort.Strings(out)
	return out
}

func waitHeld(ctx context.Context, n int, rs ...*bridge.Replica) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		held := 0
		for _, r := range rs {
			held += len(r.Held())
		}
		if held == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("the subscriptions were not all held within 30s")
}

// stampOf reads the id the mock stamped into an event.
func stampOf(provider string, frame []byte) string {
	o, ok := testserver.ParseObject(frame)
	if !ok {
		return ""
	}
	switch provider {
	case "astro", "neuro":
		return o.Str("id")
	case "octave":
		return o.Obj("value").Str("id")
	case "dlive":
		if l, ok := o.Obj("payload").Obj("data")["streamMessageReceived"].([]any); ok && len(l) > 0 {
			if e, ok := l[0].(map[string]any); ok {
				s, _ := e["id"].(string)
				return s
			}
		}
	}
	return ""
}

// StampOf is stampOf for tests.
func StampOf(provider string, frame []byte) string { return stampOf(provider, frame) }

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format, args...)
}
