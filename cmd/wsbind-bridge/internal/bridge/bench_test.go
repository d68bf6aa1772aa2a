package bridge_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/bridge"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/config"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/demo"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// benchFrames are n Astro tip notifications with unique ids, as the mock
// sends them.
func benchFrames(n, round int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"id":"01JMFBZF7KSRDDX%d%010d","ts":"2025-02-19T15:07:17Z","type":"message","topic":"channel.tips","room":"room-0",`+
			`"data":{"donation":{"user":{"username":"Styler"},"message":"","amount":4.2,"currency":"USD","paymentMethod":"scheme"},`+
			`"_id":"67b5f39d07ecd4c594e60f73","channel":"5ad23dcc18fff500d78c5348","provider":"paypal","approved":"allowed","status":"success",`+
			`"createdAt":"2025-02-19T15:07:09.302Z","updatedAt":"2025-02-19T15:07:17.099Z"}}`, round, i)
	}
	return out
}

// BenchmarkBridge measures, in one run on one embedded R1 file-backed
// JetStream: events/s from a loopback Astro mock through a bridge replica
// (benchSubs subscriptions, one connection each) into the stream, against
// a plain nats.go async publish loop of the same payloads with the same
// window into a stream of its own (ratio = bridge / plain, the median of
// benchRounds interleaved rounds after a warm-up one, the legs taking
// turns going first, so that a busy machine slows both alike); the
// latency from the
// bridge reading a frame to JetStream storing it (p50, p99); and the
// memory one bridged subscription costs. The latency is also taken at a
// paced 2,000 events/s, below saturation.
//
//	go test -run '^$' -bench Bridge -benchtime 1x ./internal/bridge
//
// WSBIND_BRIDGE_BENCH_EVENTS sets the events per round (40,000), and
// WSBIND_BRIDGE_BENCH_CPUPROFILE a path for CPU profiles of the bridge
// legs alone.
func BenchmarkBridge(b *testing.B) {
	n := 40000
	if s := os.Getenv("WSBIND_BRIDGE_BENCH_EVENTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for b.Loop() {
		benchOnce(b, n)
	}
}

const (
	benchPaced  = 2000 // events/s of the paced run
	benchSubs   = 4
	benchRounds = 5
	benchWindow = 512

	// Frame ids carry their round's digit (see latencies).
	benchWarmRound  = 8
	benchPacedRound = 9
)

// leg is one measured leg of a round: events/s, and per event the
// process's CPU time (µs), heap allocations and heap bytes.
type leg struct{ rate, cpu, allocs, bytes float64 }

func measured(frames [][]byte, start time.Time, cpu0 time.Duration, m0 heap) leg {
	n, m := len(frames), mallocs()
	return leg{
		rate:   float64(n) / time.Since(start).Seconds(),
		cpu:    perEvent(cpuTime()-cpu0, n),
		allocs: float64(m.allocs-m0.allocs) / float64(n),
		bytes:  float64(m.bytes-m0.bytes) / float64(n),
	}
}

func benchOnce(b *testing.B, n int) {
	dir := b.TempDir()
	srv, err := natsrv.Start(natsrv.Options{Name: "bench", Listen: "127.0.0.1:0", Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	m, err := testserver.StartMock("astro", testserver.MockOptions{Limits: testserver.Limits{MaxQueueBytes: 256 << 20}})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	var subs []config.Subscription
	for i := range benchSubs {
		subs = append(subs, config.Subscription{Call: "Subscribe", Args: []string{"channel.tips", "room-" + strconv.Itoa(i)}})
	}
	f := &demo.Fleet{Env: map[string]string{"T": testserver.DemoToken, "TT": "jwt"}, Config: &config.Config{Connections: []config.Connection{{
		Name: "astro", Provider: "astro", URL: m.URL(), Credentials: map[string]string{"token": "T", "token_type": "TT"}, Subscriptions: subs,
	}}}}
	r := newReplica(&testing.T{}, "bench", srv.ClientURL(), f, replicaOpts{window: benchWindow, ttl: "10s"})
	defer r.Kill()
	conns := func() []*testserver.Conn { return m.(interface{ Conns() []*testserver.Conn }).Conns() }
	deadline := time.Now().Add(20 * time.Second)
	for held(r) != benchSubs || len(conns()) != benchSubs {
		if time.Now().After(deadline) {
			b.Fatal("subscriptions not held")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // every subscribe answered
	// Memory before the rounds, whose JetStream caches are freed at
	// JetStream's own pace; the one-time costs (stream, buckets) are paid.
	perSub := memPerSub(b, m, srv.ClientURL())
	for len(conns()) != benchSubs { // the memory replica's clients gone
		if time.Now().After(deadline.Add(30 * time.Second)) {
			b.Fatalf("%d connections to the mock, want %d", len(conns()), benchSubs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(benchWindow))
	ctx := context.Background()
	// One stream per leg, configured as the bridge's: each stream takes
	// one leg's events per round, so that a stream growing fuller (its
	// duplicate window holds every id of the run) slows no leg more than
	// another.
	for _, name := range []string{"PLAIN", "PLAINH"} {
		if _, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{strings.ToLower(name) + ".>"}, Storage: jetstream.FileStorage, Replicas: 1,
			Duplicates: time.Minute /* newReplica's duplicate_window */}); err != nil {
			b.Fatal(err)
		}
	}
	count := func(name string) uint64 {
		st, err := js.Stream(ctx, name)
		if err != nil {
			b.Fatal(err)
		}
		i, err := st.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return i.State.Msgs
	}
	cs := conns()
	published := r.Metrics.Published.WithLabelValues("astro", "event")

	// Through the bridge: the mock writes the frames, spread over its
	// clients; done when JetStream has acknowledged them all, as the plain
	// loop is (the bridge's own counter: asking the stream's state every
	// few milliseconds would load the server the plain loop does not),
	// then checked against the stream.
	viaBridge := func(frames [][]byte, round int) leg {
		base := count("WSBIND")
		acked0 := testutil.ToFloat64(published)
		stopProfile := profileBridge(b, round)
		start, cpu0, m0 := time.Now(), cpuTime(), mallocs()
		for i, fr := range frames {
			cs[i%len(cs)].Send(fr)
		}
		for want := acked0 + float64(len(frames)); testutil.ToFloat64(published) < want; {
			if time.Since(start) > time.Minute {
				mt := r.Metrics
				b.Fatalf("bridge: %d of %d events stored; frames in %v, published %v, duplicates %v, invalid %v, unknown %v, in flight %v, retries %v",
					count("WSBIND")-base, len(frames), testutil.ToFloat64(mt.FramesIn.WithLabelValues("astro")),
					testutil.ToFloat64(published), testutil.ToFloat64(mt.Duplicates.WithLabelValues("astro")),
					testutil.ToFloat64(mt.Invalid.WithLabelValues("astro")), testutil.ToFloat64(mt.Unknown.WithLabelValues("astro")),
					testutil.ToFloat64(mt.InFlight), testutil.ToFloat64(mt.PublishRetries))
			}
			time.Sleep(time.Millisecond)
		}
		l := measured(frames, start, cpu0, m0)
		stopProfile()
		if got := count("WSBIND") - base; got != uint64(len(frames)) {
			b.Fatalf("bridge: the stream holds %d new events, want %d", got, len(frames))
		}
		return l
	}

	// The plain loop: the same payloads, the same window; with headers set,
	// the ones the bridge sets, to show what they cost JetStream.
	plain := func(frames [][]byte, round int, headers bool) leg {
		start, cpu0, m0 := time.Now(), cpuTime(), mallocs()
		at := time.Now().UTC().Format(time.RFC3339Nano)
		subj := "plain.astro.channel_tips.room-0"
		if headers {
			subj = "plainh.astro.channel_tips.room-0"
		}
		for i, fr := range frames {
			msg := nats.NewMsg(subj)
			msg.Data = fr
			msg.Header.Set(nats.MsgIdHdr, "plain:"+strconv.FormatBool(headers)+":"+strconv.Itoa(round)+":"+strconv.Itoa(i))
			if headers {
				for _, h := range [][2]string{{bridge.HeaderProvider, "astro"}, {bridge.HeaderMessage, "ChannelTipsMessage"},
					{bridge.HeaderConnection, "astro"}, {bridge.HeaderSubscription, "astro-0123456789abcdef"}, {bridge.HeaderReceivedAt, at}} {
					msg.Header.Set(h[0], h[1])
				}
			}
			if _, err := js.PublishMsgAsync(msg); err != nil {
				b.Fatal(err)
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(5 * time.Minute):
			b.Fatal("plain loop: acknowledgements missing")
		}
		return measured(frames, start, cpu0, m0)
	}

	// A warm-up round, not counted: the first events through a fresh
	// stream and fresh connections pay for buffers, stacks and file
	// blocks, and the bridge's leg would pay for both.
	viaBridge(benchFrames(n, benchWarmRound), -1)
	plain(benchFrames(n, benchWarmRound), benchWarmRound, false)
	plain(benchFrames(n, benchWarmRound), benchWarmRound, true)

	var ratios, bridgeRates, plainRates, headerRates, headerRatios []float64
	for round := range benchRounds {
		frames := benchFrames(n, round)
		// The legs take turns going first: whichever runs right after
		// another leg shares the machine with that leg's tail (JetStream
		// flushing its blocks, the collector finishing a cycle).
		var bl, pl, hl leg
		if round%2 == 0 {
			bl, pl, hl = viaBridge(frames, round), plain(frames, round, false), plain(frames, round, true)
		} else {
			hl, pl, bl = plain(frames, round, true), plain(frames, round, false), viaBridge(frames, round)
		}
		bridgeRates, plainRates, ratios = append(bridgeRates, bl.rate), append(plainRates, pl.rate), append(ratios, bl.rate/pl.rate)
		headerRates, headerRatios = append(headerRates, hl.rate), append(headerRatios, bl.rate/hl.rate)
		b.Logf("round %d: bridge %.0f events/s, plain %.0f events/s, ratio %.2f; plain with the bridge's headers %.0f events/s, ratio %.2f",
			round+1, bl.rate, pl.rate, bl.rate/pl.rate, hl.rate, bl.rate/hl.rate)
		b.Logf("         per event (whole process, mock included): CPU bridge %.1f µs, plain %.1f µs, plain with headers %.1f µs; allocations bridge %.1f (%.0f B), plain %.1f (%.0f B)",
			bl.cpu, pl.cpu, hl.cpu, bl.allocs, bl.bytes, pl.allocs, pl.bytes)
	}

	// Paced: benchPaced events/s for 2 s, well below saturation, so the
	// latency is the pipeline's and not the window's queue.
	paced := benchFrames(2*benchPaced, benchPacedRound)
	base := count("WSBIND")
	tick := time.NewTicker(10 * time.Millisecond)
	for i := 0; i < len(paced); {
		<-tick.C
		for j := 0; j < benchPaced/100 && i < len(paced); j++ {
			cs[i%len(cs)].Send(paced[i])
			i++
		}
	}
	tick.Stop()
	for want := base + uint64(len(paced)); count("WSBIND") < want; {
		time.Sleep(10 * time.Millisecond)
	}

	// Latency: from the bridge reading the frame to JetStream storing it,
	// under saturation (the rounds) and paced.
	all := latencies(b, js, "WSBIND", (1+benchRounds)*n+len(paced))
	var lat, pacedLat []time.Duration
	for _, l := range all {
		if l.round == benchWarmRound {
			continue
		}
		if l.round == benchPacedRound {
			pacedLat = append(pacedLat, l.d)
		} else {
			lat = append(lat, l.d)
		}
	}
	sortDurations(lat)
	sortDurations(pacedLat)
	r.Kill()

	b.ReportMetric(median(bridgeRates), "bridge-events/s")
	b.ReportMetric(median(plainRates), "plain-events/s")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(median(headerRates), "plain-headers-events/s")
	b.ReportMetric(median(headerRatios), "ratio-to-plain-headers")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(pacedLat[len(pacedLat)/2].Microseconds()), "paced-p50-µs")
	b.ReportMetric(float64(pacedLat[len(pacedLat)*99/100].Microseconds()), "paced-p99-µs")
	b.ReportMetric(perSub, "B/subscription")
}

// profileBridge writes a CPU profile of the round's bridge leg alone to
// $WSBIND_BRIDGE_BENCH_CPUPROFILE.<round> when that is set, so that the
// plain loop's work does not hide the bridge's (not the warm-up's); merge the rounds with
// go tool pprof -proto. It returns the func that stops the profile.
func profileBridge(b *testing.B, round int) func() {
	path := os.Getenv("WSBIND_BRIDGE_BENCH_CPUPROFILE")
	if path == "" || round < 0 {
		return func() {}
	}
	f, err := os.Create(path + "." + strconv.Itoa(round+1))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// mallocs is how many heap objects this process has allocated.
// heap is the number and bytes of heap allocations so far.
type heap struct{ allocs, bytes uint64 }

func mallocs() heap {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return heap{ms.Mallocs, ms.TotalAlloc}
}

func perEvent(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

type latency struct {
	round int
	d     time.Duration
}

func sortDurations(v []time.Duration) { sort.Slice(v, func(i, j int) bool { return v[i] < v[j] }) }

func latencies(b *testing.B, js jetstream.JetStream, stream string, n int) []latency {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	var out []latency
	for len(out) < n {
		batch, err := c.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			md, err := msg.Metadata()
			if err != nil {
				b.Fatal(err)
			}
			at, err := time.Parse(time.RFC3339Nano, msg.Headers().Get(bridge.HeaderReceivedAt))
			if err != nil {
				continue
			}
			// The frame id carries the round: 01JMFBZF7KSRDDX<round><i>.
			round := -1
			if id := msg.Headers().Get(nats.MsgIdHdr); len(id) > 16 {
				if i := strings.Index(id, "01JMFBZF7KSRDDX"); i >= 0 && i+15 < len(id) {
					round = int(id[i+15] - '0')
				}
			}
			out = append(out, latency{round, md.Timestamp.Sub(at)})
		}
		if got == 0 {
			break
		}
	}
	if len(out) == 0 {
		b.Fatal("no latencies")
	}
	return out
}

// memPerSub returns the heap one bridged subscription costs: the heap
// grown by a fresh replica holding 220 subscriptions less that of one
// holding 20, over the 200 between them. Each replica makes its own lease
// bucket, so the fixed costs (bucket, publisher, registry) cancel out.
func memPerSub(b *testing.B, m testserver.Mock, url string) float64 {
	small := memHeld(b, m, url, 20, "mem-small")
	large := memHeld(b, m, url, 220, "mem-large")
	return float64(large-small) / 200
}

// memHeld is the heap a replica holding k subscriptions adds.
func memHeld(b *testing.B, m testserver.Mock, url string, k int, name string) int64 {
	subs := make([]config.Subscription, k)
	for i := range subs {
		subs[i] = config.Subscription{Call: "Subscribe", Args: []string{"channel.tips", name + "-" + strconv.Itoa(i)}}
	}
	f := &demo.Fleet{Env: map[string]string{"T": testserver.DemoToken, "TT": "jwt"}, Config: &config.Config{Connections: []config.Connection{{
		Name: name, Provider: "astro", URL: m.URL(), Credentials: map[string]string{"token": "T", "token_type": "TT"}, Subscriptions: subs,
	}}}}
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapInuse + ms.StackInuse)
	}
	before := heap()
	r := newReplica(&testing.T{}, name, url, f, replicaOpts{ttl: "30s", bucket: name + "-leases"})
	defer r.Kill()
	deadline := time.Now().Add(60 * time.Second)
	for held(r) < k {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d held", held(r), k)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // every client subscribed
	return heap() - before
}
