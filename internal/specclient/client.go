package specclient

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
	"github.com/wsbind/wsbind/runtime/wsauth"
)

// PingInterval is how often a spec client pings the server: each pong
// extends the read deadline, so a quiet server does not look dead.
const PingInterval = 25 * time.Second

// maxFetched bounds the fetched secrets kept for redacting errors.
const maxFetched = 64

// Config of a Client beside its plan.
type Config struct {
	// Conn tunes the runtime (Logger, Metrics, QueueSize, Overflow,
	// timeouts, Backoff). Its Name (default: the document's), Hooks,
	// Tap and Keepalive are the client's; PingInterval defaults to
	// PingInterval.
	Conn conn.Config
	// Frame receives every server frame, secrets replaced, on the read
	// loop: while it blocks, nothing more is read.
	Frame func(frame []byte)
	// Verdict, when set, receives every server frame, secrets replaced,
	// with its verdict (drift included) from the one decode the client
	// also marks replies with, on the read loop; Frame is then not
	// called. The frame may be kept; the client never modifies it.
	Verdict func(frame []byte, r *wire.Result)
	// OnError receives failed attempts and frames the runtime refused;
	// errors carry no secrets.
	OnError func(error)
	// OnDisconnected and OnRestored report the lifecycle: a connection
	// lost, and one back with its subscriptions sent again.
	OnDisconnected func(context.Context, error)
	OnRestored     func(context.Context)
}

// Client is a reconnecting connection for a document. Every (re)connect
// runs the auth step, waits for the welcome, then sends the frames given
// to Subscribe again, in order, before anything else; a reconnect the
// server asked for with its x-wsbind-resume message sends none.
type Client struct {
	dial   *Dial
	server *wire.Codec
	cfg    Config
	rt     *conn.Client

	mu      sync.Mutex
	fetched []string // tickets, session ids and values handed out
}

// Connect dials d and returns once the first connection is ready (auth
// done, welcome in), or fails when ctx ends or the failure is permanent.
// The client then reconnects with backoff until Close.
func Connect(ctx context.Context, d *Dial, cfg Config) (*Client, error) {
	c := &Client{dial: d, server: d.ServerCodec(), cfg: cfg}
	cc := cfg.Conn
	if cc.Name == "" {
		cc.Name = d.spec.Name
	}
	if cc.PingInterval == 0 {
		cc.PingInterval = PingInterval
	}
	cc.Keepalive, cc.KeepaliveInterval = d.Keepalive, d.KeepaliveEvery
	if cfg.Frame != nil && cfg.Verdict == nil {
		cc.Tap = func(direction string, frame []byte) {
			if direction == "server" {
				cfg.Frame(frame)
			}
		}
	}
	cc.Hooks = conn.Hooks{
		Dial:         c.target,
		Inspect:      c.inspect,
		Open:         c.open,
		Disconnected: cfg.OnDisconnected,
		Restored:     cfg.OnRestored,
		Error: func(_ context.Context, err error) {
			if cfg.OnError != nil {
				cfg.OnError(c.redactErr(err))
			}
		},
	}
	rt, err := conn.Dial(ctx, cc)
	if err != nil {
		return nil, c.redactErr(err)
	}
	c.rt = rt
	return c, nil
}

// Subscribe sends frame and remembers it: it is sent again after every
// reconnect, once the auth step is done. When the document's operation
// for the frame's message awaits a reply, Subscribe returns once it has
// come (by correlation id, else by the reply's name), with the failure an
// error reply reports, as a typed client's request methods do; a restore
// waits for it again. The frame is sent as given: check it with
// Spec.Outgoing first.
func (c *Client) Subscribe(ctx context.Context, frame []byte) error {
	m, _ := c.dial.ClientCodec().Judge(frame, wire.Off)
	_, err := c.rt.Request(ctx, frame, conn.Request{Keys: c.dial.spec.awaitKeys(m), Sub: conn.SubAdd, SubKey: []string{string(frame)}})
	return c.redactErr(err)
}

// Close ends the connection with a close frame and stops every goroutine.
func (c *Client) Close() error { return c.rt.Close() }

// Done is closed when the client has stopped for good.
func (c *Client) Done() <-chan struct{} { return c.rt.Done() }

// Err says why the client stopped, nil while it runs.
func (c *Client) Err() error { return c.redactErr(c.rt.Err()) }

// Redact replaces the client's secrets in text: the credentials, header
// and query values, and what the auth step fetched or the server handed
// out.
func (c *Client) Redact(text string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return conn.Redact(text, append(slices.Clip(c.dial.Secrets), c.fetched...))
}

// redactErr is err with the secrets replaced; an error that shows none
// is kept as it is, for errors.Is and errors.As.
func (c *Client) redactErr(err error) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); c.Redact(msg) != msg {
		return errors.New(c.Redact(msg))
	}
	return err
}

func (c *Client) addSecrets(values ...string) {
	if len(values) == 0 {
		return
	}
	c.mu.Lock()
	c.fetched = append(c.fetched, values...)
	// Each attempt may fetch a new ticket: errors name the latest only.
	if n := len(c.fetched) - maxFetched; n > 0 {
		c.fetched = slices.Delete(c.fetched, 0, n)
	}
	c.mu.Unlock()
}

func (c *Client) target(ctx context.Context) (conn.Target, error) {
	t, fresh, err := c.dial.Target(ctx)
	c.addSecrets(fresh...)
	return t, err
}

// inspect marks the frames open and Subscribe wait for, and takes the
// values a frame hands out (x-wsbind-secrets) as secrets of the session
// before the tap or Verdict sees it. Nothing is delivered: the tap or
// Verdict hands every frame out.
func (c *Client) inspect(s *conn.Session, frame []byte, _ uint64) conn.Inbound {
	in := conn.Inbound{Drop: true}
	resume := c.dial.spec.resume()
	verdict := c.cfg.Verdict
	if verdict == nil && !c.dial.Awaits() && !c.dial.spec.HasSecrets() && !c.dial.spec.HasReplies() && resume == nil {
		return in
	}
	var r wire.Result
	if verdict != nil {
		r = c.server.Check(frame, true)
	} else if m, err := c.server.Judge(frame, wire.Off); err == nil && m != nil {
		// Decoding is enough: the caller judges the frame.
		r = wire.Result{Message: m, Name: m.MessageName()}
	}
	if m := r.Message; m != nil && r.Name != "" {
		for _, v := range c.dial.spec.HandedOut(r) {
			s.AddSecret(v)
			c.addSecrets(v)
		}
		in.Msg, in.ReplyKeys = m, c.dial.ReplyKeys(r.Name)
		c.dial.spec.answer(&in, m)
		if resume != nil && resume.Message.Name == r.Name {
			c.resumeWith(s, m, resume)
		}
	}
	if verdict != nil {
		// After the secrets it hands out are known: they are redacted.
		verdict(s.Redact(frame), &r)
	}
	return in
}

// resumeWith follows the server's x-wsbind-resume message as a typed
// client does: the token it hands out is a secret from now on, and the
// client reconnects at once with it in the URL's query; the server then
// keeps the session's subscriptions, so open does not send them again.
func (c *Client) resumeWith(s *conn.Session, m wire.Message, r *ir.Resume) {
	v, _ := valueOf(m)
	tok, ok := textAt(v, r.TokenPointer)
	if !ok || tok == "" {
		return
	}
	s.AddSecret(tok)
	c.addSecrets(tok)
	s.Reconnect(func(t *conn.Target) {
		t.URL = wsauth.WithQuery(t.URL, r.QueryParam, tok)
		t.Secrets = append(t.Secrets, tok)
	})
}

// open runs the auth step and the welcome, then sends the subscriptions
// again unless the server resumed the session with them.
func (c *Client) open(ctx context.Context, s *conn.Session, resumed bool) error {
	if err := c.dial.Open(ctx, s); err != nil {
		return err
	}
	if resumed {
		return nil
	}
	return s.Restore(ctx)
}
