// Package conn keeps one logical WebSocket session alive on top of
// gorilla/websocket: pre-dial auth, serialized writes, bounded reads,
// liveness, correlated replies, ordered delivery through a bounded queue,
// and reconnects with capped, jittered backoff that redo auth and restore
// subscriptions before handlers see new frames.
//
// It knows no provider: generated clients supply the hooks that decode
// frames, authenticate and resubscribe.
package conn

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"time"
)

// Target is where and how to dial one connection attempt.
type Target struct {
	URL          string
	Header       http.Header
	Subprotocols []string
	// Secrets are values (tickets, session ids, tokens) that must never be
	// logged; the URL is logged with them replaced.
	Secrets []string
	// FreshCredential says the URL carries a one-time credential fetched
	// for this dial (ticket, session), so a 401 at the upgrade is retried
	// with a new one instead of ending the client.
	FreshCredential bool
}

// Inbound is one text frame after the protocol hook has looked at it.
type Inbound struct {
	Frame []byte
	// Seq is the frame's position on its connection, from 1.
	Seq uint64
	// Msg is the decoded message (provider type), nil if undecodable.
	Msg any
	// Err is set when the frame broke its schema or could not be decoded.
	Err error
	// ReplyKeys are the correlation keys this frame answers, if any.
	ReplyKeys []string
	// AnswersOldest marks an error reply without correlation: it answers
	// the oldest outstanding request.
	AnswersOldest bool
	// ReplyErr is the typed error carried by a reply, if it is one.
	ReplyErr error
	// Drop means the frame is for the runtime only (keepalive) and is not
	// delivered to handlers.
	Drop bool
	// EndsSub is the key of a subscription the server ended with this
	// frame (DLive complete or error): it is no longer restored.
	EndsSub []string
	// Quarantine keeps an invalid frame from handlers (strict validation);
	// it still answers a waiting request and reaches the Error hook.
	Quarantine bool
}

// Overflow says what happens when handlers fall behind and the delivery
// queue is full.
type Overflow int

const (
	// Block stops reading until handlers catch up (the default). TCP
	// backpressure then reaches the server.
	Block Overflow = iota
	// DropWithError discards the frame and reports ErrQueueFull through
	// OnError, so nothing vanishes unseen.
	DropWithError
)

// Hooks connect the runtime to a protocol. Every hook is optional except
// Dial and Inspect.
type Hooks struct {
	// Dial returns the target of the next attempt; it performs pre-dial
	// auth such as fetching a one-time ticket or a session id.
	Dial func(ctx context.Context) (Target, error)
	// Inspect decodes a frame on the read goroutine, so replies are
	// correlated even while handlers are busy.
	Inspect func(s *Session, frame []byte, seq uint64) Inbound
	// Open runs after each handshake, before any frame of that connection
	// is delivered: post-handshake auth, waiting for a welcome, restoring
	// subscriptions. resumed is true when the server restored the session.
	Open func(ctx context.Context, s *Session, resumed bool) error
	// Deliver hands an inbound frame to handlers, in arrival order.
	Deliver func(ctx context.Context, in Inbound)
	// Error receives frames that broke their schema, queue overflow,
	// replies nobody waited for, and every failed connection attempt as an
	// *AttemptError naming its step.
	Error func(ctx context.Context, err error)
	// Connected, Disconnected and Restored report the lifecycle.
	Connected    func(ctx context.Context, attempt int)
	Disconnected func(ctx context.Context, cause error)
	Restored     func(ctx context.Context)
}

// Config tunes a Client. The zero value of every field has a sane default.
type Config struct {
	Hooks Hooks
	// TLS is used as is when set; certificates are always verified
	// otherwise.
	TLS *tls.Config
	// AllowInsecure permits plain ws:// (and http:// auth steps) to hosts
	// other than loopback. Without it, CheckURL refuses them before any
	// byte is sent, and a plain connection to a loopback name must reach
	// a loopback address.
	AllowInsecure bool
	// NetDialContext opens the TCP connection of the WebSocket dial (nil:
	// a net.Dialer). Tests use it to map names to loopback listeners.
	NetDialContext DialFunc
	// ReadLimit caps one frame; larger frames end the connection
	// (default 1 MiB). A compressed frame is held to it after inflating.
	ReadLimit int64
	// DisableCompression stops the client from offering permessage-deflate
	// (RFC 7692). By default it offers it, and both sides compress their
	// frames when the server accepts; a server that does not answer the
	// offer is spoken to uncompressed.
	DisableCompression bool
	// WriteTimeout bounds each write (default 10 s).
	WriteTimeout time.Duration
	// HandshakeTimeout bounds the dial and upgrade (default 15 s).
	HandshakeTimeout time.Duration
	// AuthTimeout bounds the pre-dial step of each attempt, the Dial
	// hook: a ticket or session request, its body included (default 15 s).
	AuthTimeout time.Duration
	// ConnectTimeout bounds Dial, every attempt and backoff included, when
	// its context has no deadline (default 30 s). Each wait for a welcome
	// or an ack inside an attempt is bounded by ReplyTimeout.
	ConnectTimeout time.Duration
	// ReadTimeout: the link is dead if nothing (frame, ping, pong) arrives
	// for this long (default 75 s). A busy link's deadline moves once per
	// sixteenth of it, so a link is declared dead between 15/16 of
	// ReadTimeout and all of it after its last frame.
	ReadTimeout time.Duration
	// PingInterval sends WebSocket pings this often (0: never).
	PingInterval time.Duration
	// Keepalive is a frame sent every KeepaliveInterval (JSON-level ping).
	Keepalive         []byte
	KeepaliveInterval time.Duration
	// ReplyTimeout bounds waiting for a correlated reply when the caller's
	// context has no deadline (default 15 s); this includes the welcome
	// and the auth ack an attempt waits for.
	ReplyTimeout time.Duration
	// Backoff between reconnect attempts.
	Backoff Backoff
	// MaxAttempts stops reconnecting after this many failed attempts in a
	// row (0: keep trying).
	MaxAttempts int
	// QueueSize bounds frames waiting for handlers (default 64).
	QueueSize int
	Overflow  Overflow
	// Logger receives lifecycle logs; secrets are never logged.
	Logger *slog.Logger
	// Tap, when set, sees a copy of every text frame in both directions
	// ("server", "client") with the session's secrets replaced, for
	// recording traffic.
	Tap func(direction string, frame []byte)
	// Name prefixes errors and logs ("astro").
	Name string
	// Metrics receives frame, byte, reconnect, validation and queue
	// figures (default: discarded). See Metrics.
	Metrics Metrics
}

func (c *Config) defaults() {
	if c.ReadLimit == 0 {
		c.ReadLimit = 1 << 20
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = 15 * time.Second
	}
	if c.AuthTimeout == 0 {
		c.AuthTimeout = 15 * time.Second
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 30 * time.Second
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 75 * time.Second
	}
	if c.ReplyTimeout == 0 {
		c.ReplyTimeout = 15 * time.Second
	}
	if c.QueueSize == 0 {
		c.QueueSize = 64
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Name == "" {
		c.Name = "wsbind"
	}
	if c.Metrics == nil {
		c.Metrics = NoMetrics{}
	}
	c.Backoff.defaults()
}
