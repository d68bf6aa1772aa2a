package conn

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// Handle is the part of a generated client that does not depend on the
// protocol: it holds the running Client once Start succeeded, refuses a
// second Start, and answers Done, Err and requests before, during and after
// the connection's life without racing.
type Handle struct {
	rt       atomic.Pointer[Client]
	startMu  sync.Mutex
	startErr atomic.Value // error of a failed Start

	mu     sync.Mutex
	abort  context.CancelCauseFunc // ends a Start in flight
	closed bool                    // Close ran while a Start was in flight or done
}

// ErrStarted is returned by a second Start on one Handle.
var ErrStarted = errors.New("already connected: make a new client")

// Start dials with cfg and keeps the client once it is ready. Close ends a
// Start in flight: it then returns an error wrapping ErrClosed.
func (h *Handle) Start(ctx context.Context, cfg Config) error {
	h.startMu.Lock()
	defer h.startMu.Unlock()
	if h.rt.Load() != nil {
		return ErrStarted
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return ErrClosed
	}
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	h.abort = abort
	h.mu.Unlock()

	c, err := Dial(ctx, cfg)

	h.mu.Lock()
	h.abort = nil
	closed := h.closed
	if err == nil && !closed {
		h.rt.Store(c)
	}
	h.mu.Unlock()
	if err == nil && closed {
		c.Close()
		err = ErrClosed
	}
	if err != nil {
		h.startErr.Store(err)
		return err
	}
	return nil
}

// Close ends the connection, or the Start in flight; it is a no-op before
// Start and safe twice.
func (h *Handle) Close() error {
	h.mu.Lock()
	abort := h.abort
	if abort != nil || h.rt.Load() != nil {
		h.closed = true
	}
	h.mu.Unlock()
	if abort != nil {
		abort(ErrClosed)
	}
	if c := h.rt.Load(); c != nil {
		return c.Close()
	}
	return nil
}

// Done is closed when the client stopped for good, or never started.
func (h *Handle) Done() <-chan struct{} {
	if c := h.rt.Load(); c != nil {
		return c.Done()
	}
	return Stopped()
}

// Err says why the client stopped, why Start failed, or ErrNotConnected
// before Start; nil while it runs.
func (h *Handle) Err() error {
	if c := h.rt.Load(); c != nil {
		return c.Err()
	}
	if err, ok := h.startErr.Load().(error); ok {
		return err
	}
	return ErrNotConnected
}

// Subscriptions counts the subscriptions restored after a reconnect.
func (h *Handle) Subscriptions() int {
	if c := h.rt.Load(); c != nil {
		return c.Subscriptions()
	}
	return 0
}

// Request sends through the running client, or fails with ErrNotConnected.
func (h *Handle) Request(ctx context.Context, frame []byte, r Request) (Inbound, error) {
	c := h.rt.Load()
	if c == nil {
		return Inbound{}, ErrNotConnected
	}
	return c.Request(ctx, frame, r)
}
