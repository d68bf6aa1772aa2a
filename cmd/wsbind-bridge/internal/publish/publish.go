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

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/metrics"
)

// Publisher publishes with a bounded window.
type Publisher struct {
	js      jetstream.JetStream
	window  chan struct{}
	pending chan *pending
	m       *metrics.Bridge
	log     *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.RWMutex // held for reading while publishing, for writing by Close
	closed bool

	stalled      atomic.Bool
	stallSince   atomic.Int64
	lastStallLog atomic.Int64
	stallsLogged atomic.Int64
	healthy      atomic.Bool
}

type pending struct {
	fut      jetstream.PubAckFuture
	msg      *nats.Msg
	provider string
	kind     string
	start    time.Time
}

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("publisher closed")

// New starts a publisher on nc with at most maxInFlight unacknowledged
// events; an acknowledgement later than ackTimeout makes it publish again.
func New(nc *nats.Conn, maxInFlight int, ackTimeout time.Duration, m *metrics.Bridge, log *slog.Logger) (*Publisher, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(maxInFlight+16), jetstream.WithPublishAsyncTimeout(ackTimeout))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Publisher{
		js:      js,
		window:  make(chan struct{}, maxInFlight),
		pending: make(chan *pending, maxInFlight),
		m:       m,
		log:     log,
		ctx:     ctx,
		cancel:  cancel,
	}
	p.healthy.Store(true)
	p.wg.Add(1)
	go p.acks()
	return p, nil
}

// Healthy is false while acknowledgements fail.
func (p *Publisher) Healthy() bool { return p.healthy.Load() }

// Publish sends msg (its Nats-Msg-Id header set) and returns once it is
// in flight; it blocks while the window is full, until ctx ends.
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
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		<-p.window
		return ErrClosed
	}
	p.m.InFlight.Inc()
	pd := &pending{msg: msg, provider: provider, kind: kind, start: time.Now()}
	p.send(pd)
	p.pending <- pd // never blocks: the window bounds it
	return nil
}

// send publishes pd.msg, retrying until the client takes it or the
// publisher closes.
func (p *Publisher) send(pd *pending) {
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		fut, err := p.js.PublishMsgAsync(pd.msg)
		if err == nil {
			pd.fut = fut
			return
		}
		p.healthy.Store(false)
		p.m.PublishRetries.Inc()
		p.log.Warn("publish failed, retrying", "subject", pd.msg.Subject, "err", err)
		select {
		case <-time.After(delay):
		case <-p.ctx.Done():
			return
		}
	}
}

// acks waits for each acknowledgement in publishing order, publishes
// again what failed, and frees the window.
func (p *Publisher) acks() {
	defer p.wg.Done()
	for pd := range p.pending {
		for pd.fut != nil {
			select {
			case ack := <-pd.fut.Ok():
				pd.fut = nil
				p.healthy.Store(true)
				p.m.Latency.Observe(time.Since(pd.start).Seconds())
				if ack.Duplicate {
					p.m.Duplicates.WithLabelValues(pd.provider).Inc()
				} else {
					p.m.Published.WithLabelValues(pd.provider, pd.kind).Inc()
				}
			case err := <-pd.fut.Err():
				pd.fut = nil
				p.healthy.Store(false)
				if p.ctx.Err() != nil {
					break
				}
				p.m.PublishRetries.Inc()
				p.log.Warn("no acknowledgement, publishing again with the same Nats-Msg-Id", "subject", pd.msg.Subject, "err", err)
				p.send(pd)
			case <-p.ctx.Done():
				pd.fut = nil
			}
		}
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
}

// Close waits for the events in flight until ctx ends, then stops.
func (p *Publisher) Close(ctx context.Context) {
	stop := context.AfterFunc(ctx, p.cancel) // ends retries that hold the lock
	defer stop()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.pending)
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	<-done
	p.cancel()
}
