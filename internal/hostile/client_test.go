package hostile

// Hostile servers against the generated clients: redirects that would
// carry credentials elsewhere, plain ws:// to hosts that are not loopback,
// names that claim loopback but are not, servers that never greet, auth
// endpoints that trickle, error bodies that echo the query. Every server is
// on 127.0.0.1; "auth.example.test" is mapped onto a loopback listener by
// an injected dialer, as a hosts file would.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
	"github.com/wsbind/wsbind/runtime/wsauth"
)

// Made-up credentials: no test may print them and no client may send them
// anywhere but their own origin.
const (
	clientToken   = "hostile-tok-5e1f0c2a9b"
	clientCompany = "hostile-company-77"
	clientQuery   = "QSECRET123"
)

// clientThief is a loopback HTTP server that counts requests and the
// credentials they carry.
type clientThief struct {
	*httptest.Server
	hits, creds atomic.Int64
}

func newClientThief(t *testing.T) *clientThief {
	t.Helper()
	th := &clientThief{}
	th.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		th.hits.Add(1)
		for _, v := range r.Header {
			if strings.Contains(strings.Join(v, " "), clientToken) || strings.Contains(strings.Join(v, " "), clientCompany) {
				th.creds.Add(1)
			}
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"ticket":"stolen","body":{"id":"stolen"}}`)
	}))
	t.Cleanup(th.Close)
	return th
}

func clientPort(s *httptest.Server) string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

// clientRedirector answers every request with 307 to where(r).
func clientRedirector(t *testing.T, where func(r *http.Request) string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", where(r))
		w.WriteHeader(http.StatusTemporaryRedirect)
	}))
	t.Cleanup(s.Close)
	return s
}

func clientCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// clientNoLeaks fails t if a goroutine started during the test outlives
// it and its cleanups (which run before this check).
func clientNoLeaks(t *testing.T) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
}

func clientNoSecrets(t *testing.T, what string, s string) {
	t.Helper()
	for _, sec := range []string{clientToken, clientCompany, clientQuery, "stolen"} {
		if strings.Contains(s, sec) {
			t.Errorf("%s carries a secret: %q", what, s)
		}
	}
}

func TestClientCredentialsNeverFollowARedirectToAnotherOrigin(t *testing.T) {
	th := newClientThief(t)
	targets := map[string]func(r *http.Request) string{
		// One socket, two origins: 127.0.0.1 and localhost.
		"to localhost": func(r *http.Request) string {
			return "http://localhost:" + clientPort(th.Server) + "/steal"
		},
		"to the same host on another port": func(r *http.Request) string {
			return "http://127.0.0.1:" + clientPort(th.Server) + "/steal"
		},
	}
	clients := map[string]func(authURL string) interface{ Connect(context.Context) error }{
		"octave session": func(authURL string) interface{ Connect(context.Context) error } {
			return octave.NewClient(octave.Config{URL: "ws://127.0.0.1:1/session/{sessionId}/ws", AuthURL: authURL,
				XAuthCompany: clientCompany, XAuthToken: clientToken})
		},
		"neuro ticket": func(authURL string) interface{ Connect(context.Context) error } {
			return neuro.NewClient(neuro.Config{URL: "ws://127.0.0.1:1/api/v2/ws", AuthURL: authURL, Token: clientToken})
		},
	}
	for name, where := range targets {
		auth := clientRedirector(t, where)
		for client, newClient := range clients {
			t.Run(client+" "+name, func(t *testing.T) {
				before := th.hits.Load()
				err := newClient(auth.URL + "/auth").Connect(clientCtx(t, 5*time.Second))
				var re *wsauth.RedirectError
				if !errors.As(err, &re) {
					t.Fatalf("Connect = %v, want a refused redirect", err)
				}
				if n := th.hits.Load() - before; n != 0 {
					t.Fatalf("the other origin got %d requests", n)
				}
				clientNoSecrets(t, "the error", err.Error())
			})
		}
	}
}

// clientListener is a loopback listener that stands in for a remote host:
// it counts connections and the bytes they carry, and answers nothing.
type clientListener struct {
	ln           net.Listener
	conns, bytes atomic.Int64
	wg           sync.WaitGroup
}

func newClientListener(t *testing.T) *clientListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &clientListener{ln: ln}
	cl.wg.Add(1)
	go func() {
		defer cl.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cl.conns.Add(1)
			cl.wg.Add(1)
			go func() {
				defer cl.wg.Done()
				defer c.Close()
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					cl.bytes.Add(int64(n))
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); cl.wg.Wait() })
	return cl
}

// dial maps every address onto the listener, as a hosts file entry for
// auth.example.test would.
func (cl *clientListener) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, cl.ln.Addr().String())
}

func (cl *clientListener) httpClient() *http.Client {
	tr := &http.Transport{DialContext: cl.dial, DisableKeepAlives: true}
	return &http.Client{Transport: tr}
}

func TestClientPlainTextToANonLoopbackHostSendsNothing(t *testing.T) {
	type dialer func(ctx context.Context, insecure bool, cl *clientListener) error
	clients := map[string]dialer{
		"octave": func(ctx context.Context, insecure bool, cl *clientListener) error {
			c := octave.NewClient(octave.Config{
				URL: "ws://auth.example.test/session/{sessionId}/ws", HTTPClient: cl.httpClient(),
				XAuthCompany: clientCompany, XAuthToken: clientToken,
				Conn: conn.Config{AllowInsecure: insecure, NetDialContext: cl.dial, MaxAttempts: 1},
			})
			defer c.Close()
			return c.Connect(ctx)
		},
		"neuro": func(ctx context.Context, insecure bool, cl *clientListener) error {
			c := neuro.NewClient(neuro.Config{
				URL: "ws://auth.example.test/api/v2/ws", HTTPClient: cl.httpClient(), Token: clientToken,
				Conn: conn.Config{AllowInsecure: insecure, NetDialContext: cl.dial, MaxAttempts: 1},
			})
			defer c.Close()
			return c.Connect(ctx)
		},
		"neuro bearer": func(ctx context.Context, insecure bool, cl *clientListener) error {
			c := neuro.NewClient(neuro.Config{
				URL: "ws://auth.example.test/api/v2/ws", Token: clientToken, BearerHeader: true,
				Conn: conn.Config{AllowInsecure: insecure, NetDialContext: cl.dial, MaxAttempts: 1},
			})
			defer c.Close()
			return c.Connect(ctx)
		},
		"astro": func(ctx context.Context, insecure bool, cl *clientListener) error {
			c := astro.NewClient(astro.Config{
				URL: "ws://auth.example.test/", Token: clientToken, TokenType: astro.TokenTypeJWT,
				Conn: conn.Config{AllowInsecure: insecure, NetDialContext: cl.dial, MaxAttempts: 1},
			})
			defer c.Close()
			return c.Connect(ctx)
		},
	}
	for name, connect := range clients {
		t.Run(name, func(t *testing.T) {
			cl := newClientListener(t)
			start := time.Now()
			err := connect(clientCtx(t, 5*time.Second), false, cl)
			if !errors.Is(err, conn.ErrInsecure) {
				t.Fatalf("Connect = %v, want ErrInsecure", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the refusal took %v: it should not retry", d)
			}
			if n := cl.conns.Load(); n != 0 {
				t.Fatalf("auth.example.test got %d connections, want none", n)
			}
			// Positive control: allowed, the same client does reach the
			// listener, so the zero above is the policy at work.
			_ = connect(clientCtx(t, time.Second), true, cl)
			if cl.conns.Load() == 0 {
				t.Fatal("with AllowInsecure the listener got no connection: the mapping is broken")
			}
		})
	}
}

// clientFarConn claims a public peer address: a resolver or hosts file
// that maps localhost elsewhere.
type clientFarConn struct{ net.Conn }

func (clientFarConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("198.51.100.9"), Port: 80}
}

func TestClientLoopbackNameResolvingElsewhereSendsNothing(t *testing.T) {
	cl := newClientListener(t)
	far := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := cl.dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return clientFarConn{c}, nil
	}
	c := astro.NewClient(astro.Config{
		URL: "ws://localhost:8765/?" + "token=" + clientQuery, Token: clientToken, TokenType: astro.TokenTypeJWT,
		Conn: conn.Config{NetDialContext: far},
	})
	defer c.Close()
	err := c.Connect(clientCtx(t, 5*time.Second))
	if !errors.Is(err, conn.ErrNotLoopback) {
		t.Fatalf("Connect = %v, want ErrNotLoopback", err)
	}
	clientNoSecrets(t, "the error", err.Error())
	time.Sleep(50 * time.Millisecond) // let the listener count what came
	if n := cl.bytes.Load(); n != 0 {
		t.Fatalf("%d bytes reached the far peer, want none", n)
	}
}

// clientSilentServer upgrades and then says nothing, ever.
func clientSilentServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var upgrades atomic.Int64
	up := websocket.Upgrader{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		upgrades.Add(1)
		defer ws.Close()
		// Neither a welcome nor a reply to the close frame: swallow raw
		// bytes until the client goes.
		nc := ws.NetConn()
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 512)
		for {
			if _, err := nc.Read(buf); err != nil {
				return
			}
		}
	}))
	t.Cleanup(func() { s.CloseClientConnections(); s.Close() })
	return s, &upgrades
}

func TestClientCloseEndsAConnectInFlight(t *testing.T) {
	// A ticket or session endpoint that takes the request and never answers.
	hang := func(t *testing.T) (*httptest.Server, *atomic.Int64) {
		var hits atomic.Int64
		release := make(chan struct{})
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(func() { close(release); s.Close() })
		return s, &hits
	}
	type closer interface {
		Connect(context.Context) error
		Close() error
	}
	cases := map[string]func(t *testing.T) (closer, *atomic.Int64){
		"astro waiting for its welcome": func(t *testing.T) (closer, *atomic.Int64) {
			srv, n := clientSilentServer(t)
			return astro.NewClient(astro.Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Token: clientToken, TokenType: astro.TokenTypeJWT}), n
		},
		"astro waiting for the upgrade answer": func(t *testing.T) (closer, *atomic.Int64) {
			cl := newClientListener(t) // accepts TCP, never answers HTTP
			return astro.NewClient(astro.Config{URL: "ws://" + cl.ln.Addr().String(), Token: clientToken, TokenType: astro.TokenTypeJWT}), &cl.conns
		},
		"neuro in its ticket request": func(t *testing.T) (closer, *atomic.Int64) {
			auth, n := hang(t)
			return neuro.NewClient(neuro.Config{URL: "ws://127.0.0.1:1/api/v2/ws", AuthURL: auth.URL, Token: clientToken}), n
		},
		"octave in its session request": func(t *testing.T) (closer, *atomic.Int64) {
			auth, n := hang(t)
			return octave.NewClient(octave.Config{URL: "ws://127.0.0.1:1/session/{sessionId}/ws", AuthURL: auth.URL,
				XAuthCompany: clientCompany, XAuthToken: clientToken}), n
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			clientNoLeaks(t)
			c, reached := setup(t)
			done := make(chan error, 1)
			go func() { done <- c.Connect(context.Background()) }()
			deadline := time.Now().Add(5 * time.Second)
			for reached.Load() == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if reached.Load() == 0 {
				t.Fatal("the client never reached the server")
			}
			closed := time.Now()
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if !errors.Is(err, conn.ErrClosed) {
					t.Errorf("Connect = %v, want ErrClosed", err)
				}
				if d := time.Since(closed); d > time.Second {
					t.Errorf("Connect returned %v after Close, want within 1s", d)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("Connect still blocked 3s after Close")
			}
		})
	}
}

func TestClientConnectWithoutDeadlineEndsAtTheConfiguredDeadline(t *testing.T) {
	clientNoLeaks(t)
	srv, _ := clientSilentServer(t)
	var mu sync.Mutex
	var reported []*conn.AttemptError
	c := astro.NewClient(astro.Config{
		URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Token: clientToken, TokenType: astro.TokenTypeJWT,
		OnError: func(_ context.Context, err error) {
			var ae *conn.AttemptError
			if errors.As(err, &ae) {
				mu.Lock()
				reported = append(reported, ae)
				mu.Unlock()
			}
		},
		// Small stand-ins for the defaults (ReplyTimeout 15 s bounds the
		// welcome wait; ConnectTimeout 30 s bounds Connect).
		Conn: conn.Config{ReplyTimeout: 200 * time.Millisecond, ConnectTimeout: time.Second,
			Backoff: conn.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}},
	})
	start := time.Now()
	err := c.Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Welcome") {
		t.Fatalf("Connect = %v, want a missing welcome", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Connect took %v with a 1s ConnectTimeout", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) == 0 || reported[0].Step != conn.StepOpen || reported[0].Attempt != 1 {
		t.Fatalf("OnError got %v, want attempts failing at %q", reported, conn.StepOpen)
	}
	srv.CloseClientConnections()
}

func TestClientStuckReconnectIsReportedWithItsStep(t *testing.T) {
	srv, err := testserver.NewNeuro(testserver.NeuroOptions{Tokens: []string{clientToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// The ticket endpoint works once, then trickles a byte a second.
	var calls atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, srv.TicketURL(), nil)
			req.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			w.WriteHeader(resp.StatusCode)
			buf := make([]byte, 4096)
			n, _ := resp.Body.Read(buf)
			_, _ = w.Write(buf[:n])
			return
		}
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 100; i++ {
			_, _ = w.Write([]byte(" "))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(time.Second):
			}
		}
	}))
	defer auth.Close()
	stuck := make(chan *conn.AttemptError, 8)
	c := neuro.NewClient(neuro.Config{
		URL: srv.URL, AuthURL: auth.URL, Token: clientToken,
		OnError: func(_ context.Context, err error) {
			var ae *conn.AttemptError
			if errors.As(err, &ae) {
				select {
				case stuck <- ae:
				default:
				}
			}
		},
		Conn: conn.Config{AuthTimeout: 300 * time.Millisecond, Backoff: conn.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}},
	})
	if err := c.Connect(clientCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.DropAll()
	select {
	case ae := <-stuck:
		if ae.Step != conn.StepAuth {
			t.Fatalf("reported step %q, want %q: %v", ae.Step, conn.StepAuth, ae)
		}
		clientNoSecrets(t, "the report", ae.Error())
	case <-time.After(5 * time.Second):
		t.Fatal("a reconnect stuck in the ticket request was never reported")
	}
}

func TestClientHandshakeErrorsNeverEchoQueryValues(t *testing.T) {
	// The server answers 403 with the request URI, as the audit's did.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden: "+r.URL.RequestURI(), http.StatusForbidden)
	}))
	defer srv.Close()
	for _, q := range []string{"api_key=" + clientQuery, "k=abc&api_key=" + clientQuery, "short=QS1"} {
		c := astro.NewClient(astro.Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/?" + q, Token: clientToken, TokenType: astro.TokenTypeJWT})
		err := c.Connect(clientCtx(t, 5*time.Second))
		var he *conn.HandshakeError
		if !errors.As(err, &he) || he.Status != http.StatusForbidden {
			t.Fatalf("Connect = %v, want HTTP 403", err)
		}
		clientNoSecrets(t, "the error", err.Error())
		if strings.Contains(err.Error(), "QS1") || strings.Contains(err.Error(), "abc") {
			t.Errorf("a short query value came back: %v", err)
		}
	}
}

func TestClientHandshakeRedirectIsNotFollowed(t *testing.T) {
	th := newClientThief(t)
	auth := clientRedirector(t, func(*http.Request) string { return th.URL + "/steal" })
	c := astro.NewClient(astro.Config{URL: "ws" + strings.TrimPrefix(auth.URL, "http") + "/?token=" + clientQuery, Token: clientToken, TokenType: astro.TokenTypeJWT})
	start := time.Now()
	err := c.Connect(clientCtx(t, 5*time.Second))
	var he *conn.HandshakeError
	if !errors.As(err, &he) || !he.Permanent() {
		t.Fatalf("Connect = %v, want a permanent handshake refusal", err)
	}
	if time.Since(start) > 2*time.Second || th.hits.Load() != 0 {
		t.Fatalf("retried or followed: %v, %d hits", time.Since(start), th.hits.Load())
	}
	clientNoSecrets(t, "the error", err.Error())
}

func TestClientUserinfoURLFailsAtOnce(t *testing.T) {
	srv, _ := clientSilentServer(t)
	u := strings.Replace(srv.URL, "http://", "ws://user:"+clientQuery+"@", 1)
	c := astro.NewClient(astro.Config{URL: u, Token: clientToken, TokenType: astro.TokenTypeJWT})
	start := time.Now()
	err := c.Connect(clientCtx(t, 10*time.Second))
	if !errors.Is(err, conn.ErrUserinfo) {
		t.Fatalf("Connect = %v, want ErrUserinfo", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v: a bad URL must not be retried", d)
	}
	clientNoSecrets(t, "the error", err.Error())
}

func TestClientOutgoingFramesAreValidated(t *testing.T) {
	srv, err := testserver.NewAstro(testserver.AstroOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, policy := range []wire.Policy{wire.Strict, wire.Report} {
		var sent atomic.Int64
		reports := make(chan error, 4)
		c := astro.NewClient(astro.Config{
			// token_type is a closed enum (TokenType in specs/astro.yaml); the
			// client leaves an empty one out, so an unlisted value breaks it.
			URL: srv.URL, Token: clientToken, TokenType: "bogus",
			Validation: policy,
			OnError:    func(_ context.Context, err error) { reports <- err },
			Conn: conn.Config{Tap: func(dir string, frame []byte) {
				if dir == "client" && strings.Contains(string(frame), "subscribe") {
					sent.Add(1)
				}
			}},
		})
		if err := c.Connect(clientCtx(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
		_, err := c.Subscribe(clientCtx(t, 2*time.Second), "channel.tips", "")
		var oe *wire.OutgoingError
		switch policy {
		case wire.Strict:
			if !errors.As(err, &oe) || sent.Load() != 0 {
				t.Errorf("Strict: Subscribe = %v with %d frames sent, want an OutgoingError and none", err, sent.Load())
			}
		case wire.Report:
			if sent.Load() != 1 {
				t.Errorf("Report: %d subscribe frames sent, want 1", sent.Load())
			}
			select {
			case r := <-reports:
				if !errors.As(r, &oe) {
					t.Errorf("Report: OnError got %v, want an OutgoingError", r)
				}
			case <-time.After(2 * time.Second):
				t.Error("Report: the invalid frame was not reported")
			}
		}
		c.Close()
	}
}

func TestClientSessionIDsNeverReachATap(t *testing.T) {
	srv, err := testserver.NewNeuro(testserver.NeuroOptions{Tokens: []string{clientToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var mu sync.Mutex
	var frames []string
	var verdicts []string
	c := neuro.NewClient(neuro.Config{URL: srv.URL, AuthURL: srv.TicketURL(), Token: clientToken,
		OnVerdict: func(frame []byte, _ *wire.Result) {
			mu.Lock()
			verdicts = append(verdicts, string(frame))
			mu.Unlock()
		},
		Conn: conn.Config{Tap: func(_ string, frame []byte) {
			mu.Lock()
			frames = append(frames, string(frame))
			mu.Unlock()
		}}})
	if err := c.Connect(clientCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := c.Welcome()
	if w == nil || w.Data.SessionID == "" {
		t.Fatal("no welcome with a session id")
	}
	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(frames, "\n")
	if strings.Contains(joined, w.Data.SessionID) || !strings.Contains(joined, "REDACTED") {
		t.Fatalf("the tap saw the session id, or no redaction: %d frames", len(frames))
	}
	joined = strings.Join(verdicts, "\n")
	if strings.Contains(joined, w.Data.SessionID) || !strings.Contains(joined, "REDACTED") {
		t.Fatalf("OnVerdict saw the session id, or no redaction: %d frames", len(verdicts))
	}
}
