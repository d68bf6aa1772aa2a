package publish_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/metrics"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/publish"
)

// start runs an in-process nats-server with a stream on "t.>" and a
// duplicate window of a minute, and connects to it.
func start(t *testing.T) (*server.Server, natsrv.Options, *nats.Conn, jetstream.Stream) {
	t.Helper()
	o := natsrv.Options{Name: "publish", Listen: "127.0.0.1:0", Dir: t.TempDir()}
	s, err := natsrv.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	nc, err := nats.Connect(s.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
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
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Duplicates: time.Minute, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	o.Listen = s.Addr().String() // the same port and store on a restart
	return s, o, nc, st
}

func event(id int) *nats.Msg {
	m := nats.NewMsg(fmt.Sprintf("t.e.%d", id%3))
	m.Data = []byte(fmt.Sprintf(`{"id":%d}`, id))
	m.Header.Set(nats.MsgIdHdr, fmt.Sprintf("id-%d", id))
	return m
}

// Every event is stored once; an event published again with its
// Nats-Msg-Id is dropped by JetStream and counted as a duplicate, not
// as published.
func TestPublishStoresEachEventOnce(t *testing.T) {
	_, _, nc, st := start(t)
	m := metrics.New("test")
	p, err := publish.New(nc, 8, 2*time.Second, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 100 {
		if err := p.Publish(ctx, event(i), "astro", "event"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		if err := p.Publish(ctx, event(i*7), "astro", "event"); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p.Close(cctx)
	info, err := st.Info(cctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 100 {
		t.Errorf("the stream holds %d events, want 100", info.State.Msgs)
	}
	if got := testutil.ToFloat64(m.Published.WithLabelValues("astro", "event")); got != 100 {
		t.Errorf("published_total %v, want 100", got)
	}
	if got := testutil.ToFloat64(m.Duplicates.WithLabelValues("astro")); got != 10 {
		t.Errorf("duplicates_suppressed_total %v, want 10", got)
	}
	if got := testutil.ToFloat64(m.InFlight); got != 0 {
		t.Errorf("in flight after Close: %v", got)
	}
	if err := p.Publish(ctx, event(1000), "astro", "event"); !errors.Is(err, publish.ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
}

// While NATS is down the window fills and Publish blocks (the read loop
// stops) instead of buffering; the stall is counted. Once NATS is back,
// what was in flight is acknowledged and publishing goes on.
func TestPublishStallsWhileNATSIsDownAndResumes(t *testing.T) {
	s, o, nc, st := start(t)
	m := metrics.New("test")
	const window = 4
	p, err := publish.New(nc, window, 300*time.Millisecond, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	s.WaitForShutdown()

	ctx := context.Background()
	for i := range window {
		if err := p.Publish(ctx, event(i), "neuro", "event"); err != nil {
			t.Fatalf("event %d of the window: %v", i, err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err = p.Publish(short, event(window), "neuro", "event")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish past a full window with NATS down returned %v, want to block until its context ends", err)
	}
	if got := testutil.ToFloat64(m.Stalls); got < 1 {
		t.Errorf("stalls_total %v, want at least 1", got)
	}
	if got := testutil.ToFloat64(m.InFlight); got != window {
		t.Errorf("in flight %v, want the window (%d)", got, window)
	}
	if p.Healthy() {
		// Acknowledgements time out after 300 ms; give them the time.
		time.Sleep(time.Second)
		if p.Healthy() {
			t.Error("Healthy is still true with NATS down")
		}
	}

	// NATS back, on the same port and store: the window drains.
	s2, err := natsrv.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s2.Shutdown)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := p.Publish(wctx, event(window), "neuro", "event"); err != nil {
		t.Fatalf("Publish after NATS came back: %v", err)
	}
	p.Close(wctx)
	for wctx.Err() == nil {
		info, err := st.Info(wctx)
		if err == nil && info.State.Msgs == window+1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if wctx.Err() != nil {
		t.Fatalf("the stream never held the %d events published across the outage", window+1)
	}
	if !p.Healthy() {
		t.Error("Healthy is false after NATS came back and acknowledged")
	}
}
