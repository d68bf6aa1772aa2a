package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Session is one WebSocket connection of a Client. Hooks use it to send
// and to await replies during Open; it ends when the connection does.
type Session struct {
	c      *Client
	ws     *websocket.Conn
	ctx    context.Context // ends with the session; Open runs under it
	cancel context.CancelFunc
	wsem   chan struct{} // held by the one goroutine writing data frames
	dead   chan struct{} // closed when the connection has ended
	ready  chan struct{} // closed once Open succeeded
	seq    atomic.Uint64
	lr     io.LimitedReader // readMessage's, on the read goroutine

	// rmu orders read-deadline changes: once the session ends, frames no
	// longer push the deadline out, so the reader stops within a second.
	rmu    sync.Mutex
	ending bool

	mu      sync.Mutex
	cause   error
	waiters map[string][]*waiter
	order   uint64
	mailbox map[string][]Inbound // replies that arrived before anyone waited
	resume  func(*Target)        // set when the server asked for a resumed redial
	secrets []string
	needles [][]byte    // the redactable forms of secrets, for Redact's check
	ping    *time.Timer // WebSocket pings, when configured
	keep    *time.Timer // JSON keepalives, when configured
}

type waiter struct {
	keys  []string
	order uint64
	ch    chan Inbound
}

// mailboxLimit bounds replies kept for a later Await on one key.
const mailboxLimit = 16

func newSession(c *Client, ws *websocket.Conn, secrets []string) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{
		c:       c,
		ws:      ws,
		ctx:     ctx,
		cancel:  cancel,
		wsem:    make(chan struct{}, 1),
		dead:    make(chan struct{}),
		ready:   make(chan struct{}),
		waiters: map[string][]*waiter{},
		mailbox: map[string][]Inbound{},
	}
	for _, sec := range secrets {
		s.addSecret(sec)
	}
	return s
}

// fail ends the session with cause (the first cause wins) and makes the
// reader stop.
func (s *Session) fail(cause error) { s.end(cause, websocket.CloseGoingAway, "") }

// end ends the session with cause if it still lives: it sends a close
// frame with code and reason, and gives the peer a second to echo it
// before the reader gives up. A session still opening gets a tenth of
// that, so Close ends a Connect in flight at once.
func (s *Session) end(cause error, code int, reason string) {
	grace := time.Second
	if !s.opened() {
		grace = 100 * time.Millisecond
	}
	if !s.setCause(cause) {
		return
	}
	msg := websocket.FormatCloseMessage(code, reason)
	_ = s.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(grace))
	s.rmu.Lock()
	s.ending = true
	_ = s.ws.SetReadDeadline(time.Now().Add(grace))
	s.rmu.Unlock()
}

// opened reports whether the Open hook succeeded on this session.
func (s *Session) opened() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// setCause records why the session ended; it reports false if it had
// already ended.
func (s *Session) setCause(cause error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cause != nil {
		return false
	}
	s.cause = cause
	close(s.dead)
	s.cancel()
	// A waiter is listed under each of its keys: close it once.
	closed := map[*waiter]bool{}
	for _, ws := range s.waiters {
		for _, w := range ws {
			if !closed[w] {
				closed[w] = true
				close(w.ch)
			}
		}
	}
	s.waiters = map[string][]*waiter{}
	return true
}

// Cause returns why the session ended, or nil while it lives.
func (s *Session) Cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cause
}

// Done is closed when the connection has ended.
func (s *Session) Done() <-chan struct{} { return s.dead }

// Send writes one text frame. Writers take turns; each write is bounded by
// the write deadline.
func (s *Session) Send(ctx context.Context, frame []byte) error {
	select {
	case s.wsem <- struct{}{}:
	case <-s.dead:
		return fmt.Errorf("send: %w", s.endErr())
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wsem }()
	select {
	case <-s.dead:
		return fmt.Errorf("send: %w", s.endErr())
	default:
	}
	s.tap("client", frame)
	_ = s.ws.SetWriteDeadline(time.Now().Add(s.c.cfg.WriteTimeout))
	if err := s.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		s.fail(fmt.Errorf("write: %w", err))
		return err
	}
	return nil
}

func (s *Session) endErr() error {
	if err := s.Cause(); err != nil {
		return err
	}
	return ErrNotConnected
}

// Call sends frame and waits for an inbound frame answering any of keys.
// With no keys it only sends.
func (s *Session) Call(ctx context.Context, frame []byte, keys ...string) (Inbound, error) {
	if len(keys) == 0 {
		return Inbound{}, s.Send(ctx, frame)
	}
	w := s.register(keys)
	if err := s.Send(ctx, frame); err != nil {
		s.unregister(w)
		return Inbound{}, err
	}
	return s.wait(ctx, w)
}

// Await waits for an inbound frame answering any of keys, including one
// that arrived before the call (such as a welcome sent right after the
// handshake).
func (s *Session) Await(ctx context.Context, keys ...string) (Inbound, error) {
	s.mu.Lock()
	for _, k := range keys {
		if box := s.mailbox[k]; len(box) > 0 {
			in := box[0]
			s.mailbox[k] = box[1:]
			s.mu.Unlock()
			return in, nil
		}
	}
	s.mu.Unlock()
	return s.wait(ctx, s.register(keys))
}

func (s *Session) register(keys []string) *waiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.order++
	w := &waiter{keys: keys, order: s.order, ch: make(chan Inbound, 1)}
	if s.cause != nil {
		close(w.ch)
		return w
	}
	for _, k := range keys {
		s.waiters[k] = append(s.waiters[k], w)
	}
	return w
}

func (s *Session) unregister(w *waiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(w)
}

func (s *Session) removeLocked(w *waiter) {
	for _, k := range w.keys {
		list := s.waiters[k]
		for i, o := range list {
			if o == w {
				s.waiters[k] = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(s.waiters[k]) == 0 {
			delete(s.waiters, k)
		}
	}
}

func (s *Session) wait(ctx context.Context, w *waiter) (Inbound, error) {
	var timeout <-chan time.Time
	if _, ok := ctx.Deadline(); !ok {
		t := time.NewTimer(s.c.cfg.ReplyTimeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case in, ok := <-w.ch:
		if !ok {
			return Inbound{}, fmt.Errorf("waiting for reply: %w", s.endErr())
		}
		return in, nil
	case <-ctx.Done():
		s.unregister(w)
		return Inbound{}, ctx.Err()
	case <-timeout:
		s.unregister(w)
		return Inbound{}, fmt.Errorf("no reply within %v", s.c.cfg.ReplyTimeout)
	}
}

// resolve hands in to the oldest waiter on one of its keys; replies no one
// waits for are kept briefly for a later Await. It reports whether a
// waiter took it.
func (s *Session) resolve(in Inbound) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *waiter
	if in.AnswersOldest {
		for _, list := range s.waiters {
			if len(list) > 0 && (best == nil || list[0].order < best.order) {
				best = list[0]
			}
		}
	}
	for _, k := range in.ReplyKeys {
		if list := s.waiters[k]; len(list) > 0 && (best == nil || list[0].order < best.order) {
			best = list[0]
		}
	}
	if best == nil {
		for _, k := range in.ReplyKeys {
			if len(s.mailbox[k]) < mailboxLimit {
				s.mailbox[k] = append(s.mailbox[k], in)
			}
		}
		return false
	}
	s.removeLocked(best)
	best.ch <- in
	return true
}

// Reconnect ends this connection and redials at once; modify adjusts the
// next dial target (a resume token, say). Open then runs with resumed set.
func (s *Session) Reconnect(modify func(*Target)) {
	s.mu.Lock()
	s.resume = modify
	s.mu.Unlock()
	s.fail(errResume)
}

var errResume = errors.New("server asked to reconnect")

func (s *Session) resumeHook() func(*Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resume
}

// readLoop reads frames until the connection fails. It runs Inspect and
// resolves replies here, so a handler that awaits a reply cannot block the
// reply it waits for.
func (s *Session) readLoop() {
	cfg := &s.c.cfg
	ctx := s.c.ctx
	// Moving the deadline is a runtime timer update: a busy connection
	// moves it once per sixteenth of ReadTimeout, not once per frame, so a
	// silent link is declared dead between 15/16 of ReadTimeout and all of
	// it after its last frame. Pings and pongs run on this goroutine too.
	var extended time.Time
	extend := func() {
		now := time.Now()
		if now.Sub(extended) < cfg.ReadTimeout/16 {
			return
		}
		extended = now
		s.rmu.Lock()
		if !s.ending {
			_ = s.ws.SetReadDeadline(now.Add(cfg.ReadTimeout))
		}
		s.rmu.Unlock()
	}
	s.ws.SetReadLimit(cfg.ReadLimit)
	extend()
	s.ws.SetPingHandler(func(data string) error {
		extend()
		err := s.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(cfg.WriteTimeout))
		if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
			return err
		}
		return nil
	})
	s.ws.SetPongHandler(func(string) error { extend(); return nil })
	for {
		typ, data, err := s.readMessage(cfg.ReadLimit)
		if err != nil {
			s.setCause(readErr(err))
			return
		}
		extend()
		cfg.Metrics.FrameIn(len(data))
		seq := s.seq.Add(1)
		if typ != websocket.TextMessage {
			s.c.report(ctx, &FrameError{Seq: seq, Err: errors.New("binary frame ignored: the protocol uses text frames")})
			continue
		}
		in := cfg.Hooks.Inspect(s, data, seq)
		in.Frame, in.Seq = data, seq
		if in.Err != nil {
			cfg.Metrics.ValidationFailure()
		}
		s.tap("server", data)
		taken := false
		if len(in.ReplyKeys) > 0 || in.AnswersOldest {
			taken = s.resolve(in)
		}
		if !taken && in.ReplyErr != nil {
			s.c.report(ctx, &FrameError{Seq: seq, Err: in.ReplyErr})
		}
		if in.EndsSub != nil {
			s.c.subs.remove(in.EndsSub)
		}
		if in.Drop {
			continue
		}
		if !s.c.enqueue(delivery{sess: s, in: in}) {
			s.setCause(ErrClosed)
			return
		}
	}
}

// readMessage reads one whole message. gorilla's read limit counts the
// bytes on the wire, so a compressed message is held to limit again as it
// inflates: a few KiB of deflate can stand for gigabytes.
func (s *Session) readMessage(limit int64) (int, []byte, error) {
	typ, r, err := s.ws.NextReader()
	if err != nil {
		return typ, nil, err
	}
	if limit <= 0 {
		data, err := io.ReadAll(r)
		return typ, data, err
	}
	buf := readBufs.Get().(*bytes.Buffer)
	defer putReadBuf(buf)
	buf.Reset()
	s.lr = io.LimitedReader{R: r, N: limit + 1} // the session's own: no allocation per frame
	_, err = buf.ReadFrom(&s.lr)
	s.lr.R = nil
	if err != nil {
		return typ, nil, err
	}
	if int64(buf.Len()) > limit {
		msg := websocket.FormatCloseMessage(websocket.CloseMessageTooBig, "")
		_ = s.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.c.cfg.WriteTimeout))
		return typ, nil, websocket.ErrReadLimit
	}
	// The frame outlives the read (handlers, taps): one exact-size copy,
	// where io.ReadAll would grow a fresh slice two or three times.
	return typ, bytes.Clone(buf.Bytes()), nil
}

// readBufs are shared by every session: an idle connection keeps none.
var readBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putReadBuf returns buf to the pool unless one huge frame made it big.
func putReadBuf(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		readBufs.Put(buf)
	}
}

func readErr(err error) error {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrDead
	}
	return err
}

// startTimers arms the WebSocket ping and the JSON keepalive. They run as
// timers rather than goroutines, so an idle session costs no extra stack.
func (s *Session) startTimers() {
	cfg := &s.c.cfg
	s.mu.Lock()
	defer s.mu.Unlock()
	if cfg.PingInterval > 0 {
		s.ping = time.AfterFunc(cfg.PingInterval, s.sendPing)
	}
	if len(cfg.Keepalive) > 0 && cfg.KeepaliveInterval > 0 {
		s.keep = time.AfterFunc(cfg.KeepaliveInterval, s.sendKeepalive)
	}
}

func (s *Session) stopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range []*time.Timer{s.ping, s.keep} {
		if t != nil {
			t.Stop()
		}
	}
}

// rearm schedules the ping (or keepalive) timer again unless the session
// has ended.
func (s *Session) rearm(ping bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cause != nil {
		return
	}
	if ping {
		s.ping.Reset(s.c.cfg.PingInterval)
	} else {
		s.keep.Reset(s.c.cfg.KeepaliveInterval)
	}
}

func (s *Session) sendPing() {
	cfg := &s.c.cfg
	if err := s.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(cfg.WriteTimeout)); err != nil {
		s.fail(fmt.Errorf("ping: %w", err))
		return
	}
	s.rearm(true)
}

func (s *Session) sendKeepalive() {
	cfg := &s.c.cfg
	if err := s.Send(s.ctx, cfg.Keepalive); err != nil {
		if s.ctx.Err() == nil {
			s.fail(fmt.Errorf("write keepalive: %w", err))
		}
		return
	}
	s.rearm(false)
}

// Restore sends the client's live subscriptions again on this session.
func (s *Session) Restore(ctx context.Context) error { return s.c.Restore(ctx, s) }

// AddSecret registers a value (a resume token, say) that taps must never
// see.
func (s *Session) AddSecret(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addSecret(v)
}

func (s *Session) addSecret(v string) {
	s.secrets = append(s.secrets, v)
	for _, form := range redactable(v) {
		s.needles = append(s.needles, []byte(form))
	}
}

// tap hands a redacted copy of frame to the configured Tap.
func (s *Session) tap(direction string, frame []byte) {
	tap := s.c.cfg.Tap
	if tap == nil {
		return
	}
	r := s.Redact(frame)
	if len(r) > 0 && &r[0] == &frame[0] {
		r = bytes.Clone(frame)
	}
	tap(direction, r)
}

// Redact returns frame with the session's secrets (tokens, tickets,
// session ids, query values) replaced, as Tap sees it. A frame that holds
// none is returned as is, not copied: do not modify it.
func (s *Session) Redact(frame []byte) []byte {
	s.mu.Lock()
	secrets, needles := s.secrets, s.needles
	s.mu.Unlock()
	for _, n := range needles {
		if bytes.Contains(frame, n) {
			return []byte(Redact(string(frame), secrets))
		}
	}
	return frame
}
