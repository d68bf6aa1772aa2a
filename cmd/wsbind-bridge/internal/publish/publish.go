// Package publish puts events on JetStream asynchronously, with a bounded
// window of events in flight. A full window blocks the caller, which is
// the provider client's read loop: the bridge then stops reading from the
// sockets instead of buffering. An event whose acknowledgement does not
// come (NATS down, a node lost) is published again with the same
// Nats-Msg-Id, and JetStream's duplicate window removes the copy.
package publish

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/metrics"
)

// Publisher publishes with a bounded window.
type Publisher struct {
	js     jetstream.JetStream
	window chan struct{}
	retry  chan *pending // never full: an event is in it at most once, and the window bounds them
	m      *metrics.Bridge
	log    *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	inflight map[*nats.Msg]*pending // published, not yet acknowledged
	counters map[[2]string]prometheus.Counter
	closed   bool
	msgs     sync.Pool     // acknowledged messages, for NewMsg
	drained  chan struct{} // closed once nothing is in flight after Close

	stalled      atomic.Bool
	stallSince   atomic.Int64
	lastStallLog atomic.Int64
	stallsLogged atomic.Int64
	healthy      atomic.Bool
}

type pending struct {
	msg       *nats.Msg
	published prometheus.Counter
	provider  string
	start     time.Time
}

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("publisher closed")

// New starts a publisher on nc with at most maxInFlight unacknowledged
// events; an acknowledgement later than ackTimeout makes it publish again.
// Acknowledgements come through nats.go's callbacks, on its own goroutine:
// no channel or goroutine hand-off per event.
func New(nc *nats.Conn, maxInFlight int, ackTimeout time.Duration, m *metrics.Bridge, log *slog.Logger) (*Publisher, error) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &Publisher{
		window:   make(chan struct{}, maxInFlight),
		retry:    make(chan *pending, maxInFlight),
		m:        m,
		log:      log,
		ctx:      ctx,
		cancel:   cancel,
		inflight: make(map[*nats.Msg]*pending, maxInFlight),
		counters: map[[2]string]prometheus.Counter{},
		drained:  make(chan struct{}),
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(maxInFlight+16), jetstream.WithPublishAsyncTimeout(ackTimeout),
		jetstream.WithPublishAsyncAckHandler(p.acked), jetstream.WithPublishAsyncErrHandler(p.failed))
	if err != nil {
		cancel()
		return nil, err
	}
	p.js = js
	p.healthy.Store(true)
	p.wg.Add(1)
	go p.retries()
	return p, nil
}

// NewMsg returns a message to fill and Publish, with an empty header map:
// one JetStream acknowledged, or a new one. Publish takes it over, and once
// it is acknowledged, it is handed out again.
func (p *Publisher) NewMsg() *nats.Msg {
	if m, ok := p.msgs.Get().(*nats.Msg); ok {
		return m
	}
	return &nats.Msg{Header: make(nats.Header, 8)}
}

// recycle empties an acknowledged message for NewMsg. nats.go is done
// with it: the acknowledgement callback comes last.
func (p *Publisher) recycle(m *nats.Msg) {
	h := m.Header
	if h == nil {
		return
	}
	clear(h)
	*m = nats.Msg{Header: h}
	p.msgs.Put(m)
}

// Healthy is false while acknowledgements fail.
func (p *Publisher) Healthy() bool { return p.healthy.Load() }

// Publish sends msg (its Nats-Msg-Id header set) and returns once it is
// in flight; it blocks while the window is full, until ctx ends. After a
// nil error, msg is the publisher's: the caller must not touch it again.
func (p *Publisher) Publish(ctx context.Context, msg *nats.Msg, provider, kind string) error {
	select {
	case p.window <- struct{}{}:
	default:
		if p.stalled.CompareAndSwap(false, true) {
			now := time.Now()
			p.stallSince.Store(now.UnixNano())
			p.m.Stalls.Inc()
			n := p.stallsLogged.Add(1)
			// Every stall is counted; a burst of short ones is logged once
			// a second, with how many there were.
			if last := p.lastStallLog.Load(); now.UnixNano()-last >= int64(time.Second) && p.lastStallLog.CompareAndSwap(last, now.UnixNano()) {
				p.stallsLogged.Store(0)
				p.log.Warn("publish window full: reading from the providers stops until JetStream acknowledges", "in_flight", cap(p.window), "stalls_since_last_log", n)
			}
		}
		select {
		case p.window <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-p.ctx.Done():
			return ErrClosed
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.window
		return ErrClosed
	}
	key := [2]string{provider, kind}
	c := p.counters[key]
	if c == nil { // one label lookup per provider and kind, not per event
		c = p.m.Published.WithLabelValues(provider, kind)
		p.counters[key] = c
	}
	pd := &pending{msg: msg, published: c, provider: provider, start: time.Now()}
	p.inflight[msg] = pd // before the acknowledgement can come
	p.mu.Unlock()
	p.m.InFlight.Inc()
	if !p.send(pd) {
		p.finish(pd)
	}
	return nil
}

// send publishes pd.msg, retrying until the client takes it; false when
// the publisher closed first.
func (p *Publisher) send(pd *pending) bool {
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		_, err := p.js.PublishMsgAsync(pd.msg)
		if err == nil {
			return true
		}
		p.healthy.Store(false)
		p.m.PublishRetries.Inc()
		p.log.Warn("publish failed, retrying", "subject", pd.msg.Subject, "err", err)
		select {
		case <-time.After(delay):
		case <-p.ctx.Done():
			return false
		}
	}
}

// acked is nats.go's acknowledgement callback: the event is stored.
func (p *Publisher) acked(_ jetstream.JetStream, msg *nats.Msg, ack *jetstream.PubAck) {
	pd := p.take(msg)
	if pd == nil {
		return
	}
	p.healthy.Store(true)
	p.m.Latency.Observe(time.Since(pd.start).Seconds())
	if ack.Duplicate {
		p.m.Duplicates.WithLabelValues(pd.provider).Inc()
	} else {
		pd.published.Inc()
	}
	p.recycle(msg)
	p.release()
}

// failed is nats.go's error callback (no acknowledgement in time, a
// disconnect, an error reply). It may run under nats.go's publisher lock,
// so the event goes to the retry goroutine.
func (p *Publisher) failed(_ jetstream.JetStream, msg *nats.Msg, err error) {
	pd := p.lookup(msg)
	if pd == nil {
		return
	}
	p.healthy.Store(false)
	if p.ctx.Err() != nil {
		p.finish(pd)
		return
	}
	p.m.PublishRetries.Inc()
	p.log.Warn("no acknowledgement, publishing again with the same Nats-Msg-Id", "subject", msg.Subject, "err", err)
	p.retry <- pd
}

func (p *Publisher) lookup(msg *nats.Msg) *pending {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inflight[msg]
}

// retries publishes again what failed, one at a time, with the backoff of
// send.
func (p *Publisher) retries() {
	defer p.wg.Done()
	for {
		select {
		case pd := <-p.retry:
			if !p.send(pd) {
				p.finish(pd)
			}
		case <-p.ctx.Done():
			return
		}
	}
}

// finish drops pd from the events in flight and frees its place in the
// window, unless that was done already.
func (p *Publisher) finish(pd *pending) {
	if p.take(pd.msg) != nil {
		p.release()
	}
}

// take removes msg's event from the events in flight and returns it, or
// nil when it is not in flight.
func (p *Publisher) take(msg *nats.Msg) *pending {
	p.mu.Lock()
	defer p.mu.Unlock()
	pd := p.inflight[msg]
	if pd == nil {
		return nil
	}
	delete(p.inflight, msg)
	if p.closed && len(p.inflight) == 0 {
		close(p.drained)
	}
	return pd
}

// release frees one place in the window, and says when a stall ends.
func (p *Publisher) release() {
	p.m.InFlight.Dec()
	<-p.window
	if len(p.window) <= cap(p.window)/2 && p.stalled.CompareAndSwap(true, false) {
		stalled := time.Since(time.Unix(0, p.stallSince.Load()))
		p.m.StallSeconds.Add(stalled.Seconds())
		if stalled >= 100*time.Millisecond || p.stallsLogged.Load() == 0 {
			p.log.Info("publish window open again: reading from the providers resumed", "stalled", stalled.Round(time.Millisecond))
		}
	}
}

// Close waits for the events in flight until ctx ends, then stops.
func (p *Publisher) Close(ctx context.Context) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	if len(p.inflight) == 0 {
		close(p.drained)
	}
	p.mu.Unlock()
	select {
	case <-p.drained:
	case <-ctx.Done():
	}
	p.cancel() // ends retries
	p.wg.Wait()
}
