package bridge_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/demo"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
)

// rss is the process's resident set in bytes (Linux), or 0.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestStallWhileNATSUnreachable: with NATS gone the in-flight window
// fills, the bridge stops reading from the provider sockets (counted and
// logged as a stall) instead of buffering, and memory stays bounded; once
// NATS is back, publishing resumes.
func TestStallWhileNATSUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("floods for seconds")
	}
	ports, err := natsrv.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	so := natsrv.Options{Name: "solo", Listen: "127.0.0.1:" + strconv.Itoa(ports[0]), Dir: t.TempDir()}
	srv, err := natsrv.Start(so)
	if err != nil {
		t.Fatal(err)
	}
	f, err := demo.StartFleet(10, true)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const window = 64
	r := newReplica(t, "solo", srv.ClientURL(), f, replicaOpts{window: window})
	defer r.Kill()
	n := countSubs(f)
	waitFor(t, 20*time.Second, "subscriptions held", func() bool { return held(r) == n })

	srv.Shutdown()
	srv.WaitForShutdown()
	runtime.GC()
	before := rss()
	flood := time.Now().Add(5 * time.Second)
	var peak int64
	maxInFlight := 0.0
	for time.Now().Before(flood) {
		for range 10 {
			f.Replay()
		}
		time.Sleep(5 * time.Millisecond)
		peak = max(peak, rss())
		maxInFlight = max(maxInFlight, testutil.ToFloat64(r.Metrics.InFlight))
	}
	stalls := testutil.ToFloat64(r.Metrics.Stalls)
	t.Logf("NATS unreachable for 5 s of flooding: RSS %.1f MiB before, peak %.1f MiB (+%.1f MiB); %v stalls; at most %v events in flight (window %d)",
		float64(before)/(1<<20), float64(peak)/(1<<20), float64(peak-before)/(1<<20), stalls, maxInFlight, window)
	if stalls < 1 {
		t.Error("no stall counted while NATS was unreachable")
	}
	if maxInFlight > window {
		t.Errorf("%v events in flight, above the window of %d", maxInFlight, window)
	}
	if growth := peak - before; growth > 256<<20 {
		t.Errorf("RSS grew by %d MiB while NATS was unreachable", growth>>20)
	}

	// NATS back on the same address and files: publishing resumes.
	srv, err = natsrv.Start(so)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	published := func() float64 {
		total := 0.0
		for _, p := range []string{"astro", "dlive", "neuro", "octave"} {
			total += testutil.ToFloat64(r.Metrics.Published.WithLabelValues(p, "event"))
		}
		return total
	}
	base := published()
	waitFor(t, 20*time.Second, "publishing resumed", func() bool {
		f.Replay()
		return published() > base+10 && r.Healthy()
	})
}
