// Package testserver runs protocol-faithful WebSocket servers on 127.0.0.1
// for tests, the CLI's mock command and demos. Server is the protocol-free
// base: it accepts connections, keeps one writer per connection, and lets a
// test push frames, drop links, go silent or send garbage. The provider
// servers (astro.go, dlive.go, neuro.go, octave.go) speak each protocol as
// the providers' public docs describe (the URLs are in specs/*.yaml), using
// plain JSON so that
// runtime/ never depends on generated/.
package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Handler is a protocol: Accept decides whether a WebSocket upgrade may
// proceed (returning an HTTP status and plain-text body to refuse it), Serve
// runs one accepted connection, and Frame handles each text frame.
type Handler interface {
	Accept(r *http.Request) (status int, body string, header http.Header)
	Open(c *Conn)
	Frame(c *Conn, frame []byte)
	Closed(c *Conn)
}

// Server is a loopback WebSocket server.
type Server struct {
	// URL is the ws:// base URL; HTTPURL the http:// one for REST steps.
	URL     string
	HTTPURL string
	// Mux serves REST endpoints beside the WebSocket path.
	Mux *http.ServeMux

	h          Handler
	readLimit  int64
	lim        Limits
	srv        *httptest.Server
	up         websocket.Upgrader
	mu         sync.Mutex
	conns      map[*Conn]struct{}
	accepts    atomic.Int64
	slowClosed atomic.Int64
	changed    chan struct{} // closed and replaced whenever conns changes
	wg         sync.WaitGroup
	closed     atomic.Bool
}

// Options tune a Server.
type Options struct {
	// Addr to listen on; default 127.0.0.1:0. Only loopback is allowed.
	Addr string
	// Path of the WebSocket endpoint; default "/".
	Path string
	// Subprotocols the server accepts.
	Subprotocols []string
	// ReadLimit caps one client frame (default 1 MiB).
	ReadLimit int64
	// Limits bound what one client may cost the server.
	Limits Limits
}

// CloseSlowClient is the close code sent to a client that does not read
// its frames fast enough: 1008 policy violation, since the client, not the
// server, is at fault (1013 would tell it the server is overloaded).
const CloseSlowClient = websocket.ClosePolicyViolation

// Defaults of Limits.
const (
	DefaultMaxQueueBytes    = 4 << 20
	DefaultWriteTimeout     = 10 * time.Second
	DefaultCloseTimeout     = time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultHTTPIdleTimeout  = 60 * time.Second
)

// frameOverhead is what a queued frame costs beside its bytes (slice
// header, allocation rounding), so that many tiny frames count too.
const frameOverhead = 64

// Limits bound the memory and time one client may hold on a server, so
// that clients that never read or never finish a request cannot exhaust
// it. Zero fields take the defaults in brackets.
type Limits struct {
	// MaxQueueBytes bounds the frames queued for one connection, each
	// counted as its length plus 64 bytes [4 MiB]. A frame that would pass
	// the bound ends the connection: the queue is dropped, a close frame
	// with CloseSlowClient is sent within CloseTimeout and the TCP
	// connection is cut. One frame larger than the bound is still queued
	// when the queue is empty.
	MaxQueueBytes int64
	// WriteTimeout bounds writing one frame [10s]. A client that reads
	// nothing for that long is cut without a close frame: its TCP buffer
	// is full, so none could reach it.
	WriteTimeout time.Duration
	// CloseTimeout bounds the close frame sent to a slow client [1s].
	CloseTimeout time.Duration
	// HandshakeTimeout bounds reading an HTTP request (the upgrade or a
	// REST step), headers and body, and writing the 101 answer [10s]; it
	// stops clients that never finish their headers.
	HandshakeTimeout time.Duration
	// HTTPIdleTimeout closes a keep-alive HTTP connection idle between
	// REST requests [60s].
	HTTPIdleTimeout time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxQueueBytes <= 0 {
		l.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	if l.CloseTimeout <= 0 {
		l.CloseTimeout = DefaultCloseTimeout
	}
	if l.HandshakeTimeout <= 0 {
		l.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if l.HTTPIdleTimeout <= 0 {
		l.HTTPIdleTimeout = DefaultHTTPIdleTimeout
	}
	return l
}

// New starts a server for h.
func New(h Handler, opt Options) (*Server, error) {
	if opt.Addr == "" {
		opt.Addr = "127.0.0.1:0"
	}
	if opt.Path == "" {
		opt.Path = "/"
	}
	if opt.ReadLimit == 0 {
		opt.ReadLimit = 1 << 20
	}
	host, _, err := net.SplitHostPort(opt.Addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, errors.New("testserver: listens on loopback only")
	}
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return nil, err
	}
	lim := opt.Limits.withDefaults()
	s := &Server{
		Mux:       http.NewServeMux(),
		h:         h,
		readLimit: opt.ReadLimit,
		lim:       lim,
		conns:     map[*Conn]struct{}{},
		changed:   make(chan struct{}),
		up: websocket.Upgrader{
			HandshakeTimeout: lim.HandshakeTimeout,
			Subprotocols:     opt.Subprotocols,
			CheckOrigin:      func(*http.Request) bool { return true },
		},
	}
	s.Mux.HandleFunc(opt.Path, s.serveWS)
	s.srv = httptest.NewUnstartedServer(s.Mux)
	// Slowloris: a request must arrive whole within HandshakeTimeout. The
	// upgrader clears these deadlines on the hijacked connection.
	s.srv.Config.ReadHeaderTimeout = lim.HandshakeTimeout
	s.srv.Config.ReadTimeout = lim.HandshakeTimeout
	s.srv.Config.WriteTimeout = lim.WriteTimeout
	s.srv.Config.IdleTimeout = lim.HTTPIdleTimeout
	s.srv.Config.MaxHeaderBytes = 64 << 10
	s.srv.Listener.Close()
	s.srv.Listener = batchListener{ln}
	s.srv.Start()
	s.HTTPURL = s.srv.URL
	s.URL = "ws" + strings.TrimPrefix(s.srv.URL, "http") + strings.TrimSuffix(opt.Path, "/")
	if opt.Path != "/" {
		s.URL = "ws" + strings.TrimPrefix(s.srv.URL, "http") + opt.Path
	}
	return s, nil
}

// HandleWS serves the WebSocket protocol on one more path (Neuro's v1
// and v2 endpoints, say).
func (s *Server) HandleWS(path string) { s.Mux.HandleFunc(path, s.serveWS) }

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.srv.Listener.Addr().String() }

// Accepted counts upgrades accepted so far.
func (s *Server) Accepted() int { return int(s.accepts.Load()) }

// Stats is a snapshot of a server's load.
type Stats struct {
	// Conns counts the open connections.
	Conns int `json:"conns"`
	// Accepted counts the upgrades accepted so far.
	Accepted int `json:"accepted"`
	// SlowClosed counts the connections ended because the client did not
	// read: queue over MaxQueueBytes or a write over WriteTimeout.
	SlowClosed int `json:"slow_closed"`
	// QueuedBytes is what the open connections' queues hold, overhead
	// included.
	QueuedBytes int64 `json:"queued_bytes"`
}

// Stats returns the server's current load.
func (s *Server) Stats() Stats {
	st := Stats{Accepted: s.Accepted(), SlowClosed: int(s.slowClosed.Load())}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Conns = len(s.conns)
	for c := range s.conns {
		st.QueuedBytes += c.QueuedBytes()
	}
	return st
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if status, body, header := s.h.Accept(r); status != 0 {
		for k, vs := range header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		http.Error(w, body, status)
		return
	}
	ws, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.accepts.Add(1)
	ws.SetReadLimit(s.readLimit)
	c := newConn(s, ws, r)
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.notifyLocked()
	s.wg.Add(2)
	s.mu.Unlock()
	go c.writeLoop()
	go c.readLoop()
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) remove(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; ok {
		delete(s.conns, c)
		s.notifyLocked()
	}
}

// Conns returns the open connections, oldest first.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].id < out[j-1].id; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// WaitConns waits until exactly n connections are open.
func (s *Server) WaitConns(ctx context.Context, n int) ([]*Conn, error) {
	for {
		s.mu.Lock()
		ch, count := s.changed, len(s.conns)
		s.mu.Unlock()
		if count == n {
			return s.Conns(), nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Broadcast sends frame to every open connection.
func (s *Server) Broadcast(frame []byte) {
	for _, c := range s.Conns() {
		c.Send(frame)
	}
}

// DropAll cuts every connection without a close frame.
func (s *Server) DropAll() {
	for _, c := range s.Conns() {
		c.Drop()
	}
}

// Close stops the server and every connection, and waits for their
// goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed.Store(true)
	s.mu.Unlock()
	s.DropAll()
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.wg.Wait()
}

// Conn is one server-side connection.
type Conn struct {
	s       *Server
	ws      *websocket.Conn
	id      uint64
	Request *http.Request
	wake    chan struct{} // one pending wake-up for the writer
	done    chan struct{}
	once    sync.Once
	silent  atomic.Bool
	// The outbound queue, bounded by Limits.MaxQueueBytes.
	qmu    sync.Mutex
	queue  [][]byte
	qbytes int64
	slow   bool // over the bound: the writer sends the close frame
	ended  bool
	// State is the protocol's per-connection data, guarded by Mu.
	Mu    sync.Mutex
	State map[string]any
	// Received counts text frames read from the client.
	Received atomic.Int64
	// LastActivity is the UnixNano time of the last frame or pong read.
	LastActivity atomic.Int64
	onPong       atomic.Pointer[func()]
	queued       atomic.Int64 // bytes ever accepted by Send
}

// OnPong sets a function called for every pong the client sends.
func (c *Conn) OnPong(fn func()) { c.onPong.Store(&fn) }

var connIDs atomic.Uint64

func newConn(s *Server, ws *websocket.Conn, r *http.Request) *Conn {
	return &Conn{
		s: s, ws: ws, id: connIDs.Add(1), Request: r,
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		State: map[string]any{},
	}
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Send queues a text frame. It never blocks: a frame that would take the
// queue over Limits.MaxQueueBytes ends the connection with
// CloseSlowClient instead. It is a no-op on a closed or silent connection.
func (c *Conn) Send(frame []byte) {
	if c.silent.Load() {
		return
	}
	cost := int64(len(frame)) + frameOverhead
	c.qmu.Lock()
	if c.ended || c.slow {
		c.qmu.Unlock()
		return
	}
	if len(c.queue) > 0 && c.qbytes+cost > c.s.lim.MaxQueueBytes {
		c.slow = true
		clear(c.queue)
		c.queue, c.qbytes = nil, 0
		c.qmu.Unlock()
		c.s.slowClosed.Add(1)
		// A write stuck on a full TCP buffer gives up soon, so the client
		// is cut within CloseTimeout rather than WriteTimeout.
		_ = c.ws.UnderlyingConn().SetWriteDeadline(time.Now().Add(c.s.lim.CloseTimeout))
		c.kick()
		return
	}
	c.queue = append(c.queue, frame)
	c.qbytes += cost
	c.qmu.Unlock()
	c.queued.Add(int64(len(frame)))
	c.kick()
}

func (c *Conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// QueuedBytes is what the outbound queue holds now, overhead included.
func (c *Conn) QueuedBytes() int64 {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.qbytes
}

// next pops the oldest queued frame; slow reports that the connection
// must be closed instead.
func (c *Conn) next() (frame []byte, slow bool) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.slow {
		return nil, true
	}
	if len(c.queue) == 0 {
		c.queue = nil // let a grown backing array go
		return nil, false
	}
	frame = c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	c.qbytes -= int64(len(frame)) + frameOverhead
	return frame, false
}

func (c *Conn) isSlow() bool {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.slow
}

// SendJSON marshals v and sends it.
func (c *Conn) SendJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // test servers only marshal their own maps
	}
	c.Send(b)
}

// Silence stops every frame and ping the server would send, and stops
// answering pings: the link looks dead to the client.
func (c *Conn) Silence() { c.silent.Store(true) }

// Silent reports whether Silence was called.
func (c *Conn) Silent() bool { return c.silent.Load() }

// Drop cuts the TCP connection without a close frame.
func (c *Conn) Drop() {
	c.end()
	c.ws.UnderlyingConn().Close()
}

// CloseWith sends a close frame with code and reason, then closes.
func (c *Conn) CloseWith(code int, reason string) {
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(c.s.lim.CloseTimeout))
	if b, ok := c.ws.NetConn().(*batchConn); ok {
		_ = b.Flush() // the close frame may sit in the write loop's batch
	}
	c.end()
	c.ws.Close()
}

// Ping sends a WebSocket ping control frame.
func (c *Conn) Ping() error {
	if c.silent.Load() {
		return nil
	}
	return c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
}

// end marks the connection over and drops its queue, so that a Conn still
// referenced somewhere holds no frames.
func (c *Conn) end() {
	c.once.Do(func() {
		c.qmu.Lock()
		c.ended = true
		clear(c.queue)
		c.queue, c.qbytes = nil, 0
		c.qmu.Unlock()
		close(c.done)
	})
}

func (c *Conn) writeLoop() {
	defer c.s.wg.Done()
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		// A run of queued frames goes out in one write where it can.
		batch, _ := c.ws.NetConn().(*batchConn)
		if batch != nil {
			batch.Hold()
		}
		for {
			f, slow := c.next()
			if slow {
				if batch != nil {
					_ = batch.Release()
				}
				_ = c.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(CloseSlowClient, "client too slow: outbound queue full"),
					time.Now().Add(c.s.lim.CloseTimeout))
				c.Drop()
				return
			}
			if f == nil {
				if batch != nil {
					if err := batch.Release(); err != nil {
						c.writeFailed(err)
						return
					}
				}
				break
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(c.s.lim.WriteTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, f); err != nil {
				c.writeFailed(err)
				return
			}
		}
	}
}

// writeFailed drops the connection after a failed write, counting a
// timeout as a slow client.
func (c *Conn) writeFailed(err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !c.isSlow() {
		c.s.slowClosed.Add(1)
	}
	c.Drop()
}

func (c *Conn) readLoop() {
	defer c.s.wg.Done()
	defer c.s.remove(c)
	defer c.s.h.Closed(c)
	defer c.Drop()
	c.ws.SetPingHandler(func(data string) error {
		if c.silent.Load() {
			return nil
		}
		return c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	c.ws.SetPongHandler(func(string) error {
		c.LastActivity.Store(time.Now().UnixNano())
		if fn := c.onPong.Load(); fn != nil {
			(*fn)()
		}
		return nil
	})
	c.LastActivity.Store(time.Now().UnixNano())
	c.s.h.Open(c)
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		c.LastActivity.Store(time.Now().UnixNano())
		if typ != websocket.TextMessage {
			continue // like Astro: binary frames are ignored
		}
		c.Received.Add(1)
		if c.silent.Load() || c.isSlow() {
			continue // a slow client's requests would only be dropped
		}
		c.s.h.Frame(c, data)
	}
}
