package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Client keeps a session alive until Close.
type Client struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	queue  deliveries
	wg     sync.WaitGroup // the connection loop and any drainer

	mu      sync.Mutex
	sess    *Session      // current session, nil between connections
	ready   chan struct{} // closed whenever a ready session exists; replaced on disconnect
	final   error         // why the client stopped for good
	last    error         // why the latest attempt failed
	stopped chan struct{} // closed when the connection loop has ended

	closeOnce sync.Once
	subs      subscriptions
}

type delivery struct {
	sess *Session
	in   Inbound
}

// Dial starts a client and returns once the first connection is open and
// its Open hook succeeded, or fails if ctx ends first (ConnectTimeout when
// ctx has no deadline) or the failure is permanent. The client then lives
// until Close, reconnecting as needed.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Hooks.Dial == nil || cfg.Hooks.Inspect == nil {
		return nil, errors.New("conn: Hooks.Dial and Hooks.Inspect are required")
	}
	cfg.defaults()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
	}
	lctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		cfg:     cfg,
		ctx:     lctx,
		cancel:  cancel,
		queue:   deliveries{space: make(chan struct{}, 1)},
		ready:   make(chan struct{}),
		stopped: make(chan struct{}),
	}
	c.wg.Add(1)
	go c.run()
	select {
	case <-c.readyCh():
		return c, nil
	case <-c.stopped:
		err := c.Err()
		c.Close()
		return nil, err
	case <-ctx.Done():
		c.Close()
		cause := context.Cause(ctx)
		if errors.Is(cause, context.DeadlineExceeded) {
			cause = fmt.Errorf("no connection within the deadline: %w", cause)
		}
		if last := c.lastError(); last != nil {
			return nil, fmt.Errorf("%s: dial: %w (last attempt: %w)", cfg.Name, cause, last)
		}
		return nil, fmt.Errorf("%s: dial: %w", cfg.Name, cause)
	}
}

func (c *Client) readyCh() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ready
}

// Err returns why the client stopped for good, or nil while it runs.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.final
}

// Done is closed when the client has stopped for good (Close, or a
// permanent failure such as rejected credentials).
func (c *Client) Done() <-chan struct{} { return c.stopped }

// Session waits for a ready session (reconnecting clients have none for a
// while) and returns it.
func (c *Client) Session(ctx context.Context) (*Session, error) {
	for {
		c.mu.Lock()
		s, ready, final := c.sess, c.ready, c.final
		c.mu.Unlock()
		if final != nil {
			return nil, final
		}
		select {
		case <-ready:
			if s != nil {
				select {
				case <-s.dead:
					continue
				default:
					return s, nil
				}
			}
			c.mu.Lock()
			s = c.sess
			c.mu.Unlock()
			if s != nil {
				return s, nil
			}
		case <-c.stopped:
			return nil, c.Err()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Call sends frame on the current session and waits for a frame answering
// any of keys.
func (c *Client) Call(ctx context.Context, frame []byte, keys ...string) (Inbound, error) {
	s, err := c.Session(ctx)
	if err != nil {
		return Inbound{}, err
	}
	return s.Call(ctx, frame, keys...)
}

// Close ends the session with a normal close frame and stops every
// goroutine the client started. It is safe to call more than once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.wg.Wait()
	})
	return nil
}

func (c *Client) lastError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

func (c *Client) setFinal(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.final == nil {
		c.final = err
	}
}

func (c *Client) report(ctx context.Context, err error) {
	if c.cfg.Hooks.Error != nil {
		c.cfg.Hooks.Error(ctx, err)
	}
}

// run is the client's one long-lived goroutine: it dials, serves each
// connection as its reader, and waits out the backoff between attempts.
func (c *Client) run() {
	defer c.wg.Done()
	defer close(c.stopped)
	log := c.cfg.Logger.With("client", c.cfg.Name)
	failures := 0
	refusedFresh := false
	var resume func(*Target)
	connected := false // a connection was opened before: the next is a reconnect
	for {
		if c.ctx.Err() != nil {
			c.setFinal(ErrClosed)
			return
		}
		resumed := resume != nil
		sess, step, err := c.connect(resume)
		resume = nil
		if err == nil {
			if connected {
				c.cfg.Metrics.Reconnect()
			}
			connected = true
			opened := c.runSession(sess, resumed, log)
			if c.ctx.Err() != nil {
				c.setFinal(ErrClosed)
				return
			}
			cause := sess.Cause()
			if resume = sess.resumeHook(); resume != nil {
				log.Info("reconnecting to resume the session")
				continue
			}
			if opened {
				failures = 0
			}
			if isPermanent(cause) {
				c.setFinal(cause)
				return
			}
			err, step = cause, StepOpen
			if opened {
				step = ""
			}
		}
		// An attempt cut short by Close (or by Start's context, which closes
		// the client) says nothing about the server: keep the previous
		// attempt's error as the one Start reports.
		if c.ctx.Err() != nil {
			c.setFinal(ErrClosed)
			return
		}
		// A refused one-time credential gets one more try with a fresh one;
		// refused twice in a row, it will not heal.
		var he *HandshakeError
		if errors.As(err, &he) && he.Transient {
			if refusedFresh {
				err = &PermanentError{Err: err}
			}
			refusedFresh = true
		} else {
			refusedFresh = false
		}
		if step != "" {
			// An attempt that never got ready is reported with its step,
			// so a client stuck reconnecting is never silent.
			c.report(c.ctx, &AttemptError{Attempt: failures + 1, Step: step, Err: err})
		}
		if isPermanent(err) {
			log.Error("giving up", "err", err)
			c.setFinal(fmt.Errorf("%s: %w", c.cfg.Name, err))
			return
		}
		failures++
		c.mu.Lock()
		c.last = err
		c.mu.Unlock()
		if c.cfg.MaxAttempts > 0 && failures >= c.cfg.MaxAttempts {
			c.setFinal(fmt.Errorf("%s: %d attempts failed, last: %w", c.cfg.Name, failures, err))
			return
		}
		var floor time.Duration
		if errors.As(err, &he) {
			floor = he.RetryAfter
		}
		wait := c.cfg.Backoff.Delay(failures-1, floor)
		log.Info("reconnecting", "in", wait.Round(time.Millisecond), "attempt", failures, "cause", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
		}
	}
}

// connect runs the auth step and dials once. On failure it names the step.
// Every URL passes CheckURL before anything is sent to it; the Dial hook
// checks its own auth URLs the same way (runtime/wsauth).
func (c *Client) connect(resume func(*Target)) (*Session, string, error) {
	actx, cancel := context.WithTimeout(c.ctx, c.cfg.AuthTimeout)
	target, err := c.cfg.Hooks.Dial(actx)
	timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
	cancel()
	if err != nil {
		if timedOut {
			err = fmt.Errorf("no answer within %v: %w", c.cfg.AuthTimeout, err)
		}
		return nil, StepAuth, err
	}
	if resume != nil {
		resume(&target)
	}
	secrets := append(URLSecrets(target.URL), target.Secrets...)
	if err := CheckURL(target.URL, c.cfg.AllowInsecure); err != nil {
		return nil, StepHandshake, err
	}
	d := websocket.Dialer{
		Proxy:             http.ProxyFromEnvironment,
		HandshakeTimeout:  c.cfg.HandshakeTimeout,
		EnableCompression: !c.cfg.DisableCompression,
		Subprotocols:      target.Subprotocols,
		TLSClientConfig:   c.cfg.TLS,
		WriteBufferPool:   writeBuffers,
		NetDialContext:    c.cfg.NetDialContext,
	}
	if PlainNeedsGuard(target.URL, c.cfg.AllowInsecure) {
		d.NetDialContext = LoopbackOnly(c.cfg.NetDialContext)
	}
	var release func() bool
	d.NetDialContext = abortable(c.ctx, d.NetDialContext, &release)
	ws, resp, err := d.DialContext(c.ctx, target.URL, target.Header)
	// Once the handshake is over the session closes the connection itself,
	// with a close frame; release reports false if ctx already aborted it.
	aborted := release != nil && !release()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			he := handshakeError(resp, secrets)
			// A refused one-time ticket or session heals with a fresh one;
			// bad credentials were already refused by the auth request.
			he.Transient = target.FreshCredential && (he.Status == 401 || he.Status == 403)
			return nil, StepHandshake, he
		}
		if isPermanent(err) {
			return nil, StepHandshake, err
		}
		return nil, StepHandshake, errors.New(Redact(err.Error(), secrets))
	}
	if aborted {
		// Closed during the handshake: the connection is already closed.
		ws.Close()
		return nil, StepHandshake, ErrClosed
	}
	c.cfg.Logger.Debug("connected", "client", c.cfg.Name, "url", Redact(RedactURL(target.URL), target.Secrets))
	return newSession(c, ws, target.Secrets), "", nil
}

// abortable wraps dial (nil: a net.Dialer) so that ending ctx also ends a
// handshake in progress on the connection it opens: gorilla honours ctx
// while connecting but not while it waits for the upgrade answer, and Close
// must not wait out HandshakeTimeout. *release ends that link to ctx.
func abortable(ctx context.Context, dial DialFunc, release *func() bool) DialFunc {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return func(dctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dial(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		// Close, not a past deadline: gorilla sets its handshake deadline
		// after this returns, which would undo one set before it.
		*release = context.AfterFunc(ctx, func() { _ = nc.Close() })
		return nc, nil
	}
}

// writeBuffers lends gorilla a write buffer for the length of one write,
// so idle connections hold none.
var writeBuffers = &sync.Pool{}

func handshakeError(resp *http.Response, secrets []string) *HandshakeError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	text := strings.TrimSpace(string(body))
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	he := &HandshakeError{Status: resp.StatusCode, Text: Redact(text, secrets)}
	if resp.StatusCode/100 == 3 {
		// The Location may carry secrets, and nothing follows it anyway.
		he.Text = "redirects are not followed"
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if n, err := strconv.Atoi(ra); err == nil && n >= 0 {
			he.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return he
}

// runSession serves one connection on the calling goroutine, which reads
// until the connection ends. Open runs beside it, because Open awaits
// replies that only the reader can see; ping and keepalive run on timers.
func (c *Client) runSession(s *Session, resumed bool, log interface {
	Info(string, ...any)
}) (opened bool) {
	if c.cfg.Hooks.Connected != nil {
		c.cfg.Hooks.Connected(c.ctx, 0)
	}
	stop := context.AfterFunc(c.ctx, func() {
		s.end(&websocket.CloseError{Code: websocket.CloseNormalClosure, Text: "client closing"},
			websocket.CloseNormalClosure, "client closing")
	})
	openDone := make(chan struct{})
	go func() {
		defer close(openDone)
		c.open(s, resumed)
	}()
	s.startTimers()
	s.readLoop()
	stop()
	s.stopTimers()
	<-openDone

	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
		c.ready = make(chan struct{})
	}
	c.mu.Unlock()
	// Say goodbye unless a close frame already went out; then release.
	s.end(ErrClosed, websocket.CloseGoingAway, "")
	_ = s.ws.Close()
	cause := s.Cause()
	if !errors.Is(cause, errResume) {
		log.Info("disconnected", "cause", cause)
	}
	if c.cfg.Hooks.Disconnected != nil {
		c.cfg.Hooks.Disconnected(c.ctx, cause)
	}
	return s.opened()
}

// open runs the Open hook and, if the session survived it, publishes the
// session as ready.
func (c *Client) open(s *Session, resumed bool) {
	if c.cfg.Hooks.Open != nil {
		if err := c.cfg.Hooks.Open(s.ctx, s, resumed); err != nil {
			s.fail(fmt.Errorf("open: %w", err))
			return
		}
	}
	s.mu.Lock()
	alive := s.cause == nil
	if alive {
		close(s.ready)
	}
	s.mu.Unlock()
	if !alive {
		return
	}
	c.mu.Lock()
	c.sess = s
	close(c.ready)
	c.mu.Unlock()
	if c.cfg.Hooks.Restored != nil {
		c.cfg.Hooks.Restored(c.ctx)
	}
}
