// Package testserver runs protocol-faithful WebSocket servers on 127.0.0.1
// for tests, the CLI's mock command and demos. Server is the protocol-free
// base: it accepts connections, keeps one writer per connection, and lets a
// test push frames, drop links, go silent or send garbage. The provider
// servers (astro.go, dlive.go, neuro.go, octave.go) speak each protocol as
// the seeds and PROTOCOL-FACTS.md describe, using plain JSON so that
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

	h         Handler
	readLimit int64
	srv       *httptest.Server
	up        websocket.Upgrader
	mu        sync.Mutex
	conns     map[*Conn]struct{}
	accepts   atomic.Int64
	changed   chan struct{} // closed and replaced whenever conns changes
	wg        sync.WaitGroup
	closed    atomic.Bool
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
	s := &Server{
		Mux:       http.NewServeMux(),
		h:         h,
		readLimit: opt.ReadLimit,
		conns:     map[*Conn]struct{}{},
		changed:   make(chan struct{}),
		up: websocket.Upgrader{
			Subprotocols: opt.Subprotocols,
			CheckOrigin:  func(*http.Request) bool { return true },
		},
	}
	s.Mux.HandleFunc(opt.Path, s.serveWS)
	s.srv = httptest.NewUnstartedServer(s.Mux)
	s.srv.Listener.Close()
	s.srv.Listener = ln
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
	out     chan []byte
	done    chan struct{}
	once    sync.Once
	silent  atomic.Bool
	// State is the protocol's per-connection data, guarded by Mu.
	Mu    sync.Mutex
	State map[string]any
	// Received counts text frames read from the client.
	Received atomic.Int64
	// LastActivity is the UnixNano time of the last frame or pong read.
	LastActivity atomic.Int64
	onPong       atomic.Pointer[func()]
}

// OnPong sets a function called for every pong the client sends.
func (c *Conn) OnPong(fn func()) { c.onPong.Store(&fn) }

var connIDs atomic.Uint64

func newConn(s *Server, ws *websocket.Conn, r *http.Request) *Conn {
	return &Conn{
		s: s, ws: ws, id: connIDs.Add(1), Request: r,
		out:   make(chan []byte, 1024),
		done:  make(chan struct{}),
		State: map[string]any{},
	}
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Send queues a text frame; it never blocks the caller for long and is a
// no-op on a closed or silent connection.
func (c *Conn) Send(frame []byte) {
	if c.silent.Load() {
		return
	}
	select {
	case c.out <- frame:
	case <-c.done:
	}
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
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
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

func (c *Conn) end() {
	c.once.Do(func() { close(c.done) })
}

func (c *Conn) writeLoop() {
	defer c.s.wg.Done()
	for {
		select {
		case f := <-c.out:
			_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, f); err != nil {
				c.Drop()
				return
			}
		case <-c.done:
			return
		}
	}
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
		if c.silent.Load() {
			continue
		}
		c.s.h.Frame(c, data)
	}
}
