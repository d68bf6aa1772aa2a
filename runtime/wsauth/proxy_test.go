package wsauth_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wsauth"
)

// connectProxy is an HTTP proxy on loopback that tunnels every CONNECT to
// one address, whatever host the client named, and records what it was
// asked. A plain request (a proxied http:// URL) is recorded and refused.
type connectProxy struct {
	*httptest.Server
	to string // where every tunnel goes

	mu       sync.Mutex
	requests []string // "CONNECT host:port", or "GET http://..."
	creds    int      // requests that carried a credential header
	tunnels  sync.WaitGroup
}

func newConnectProxy(t *testing.T, to string) *connectProxy {
	t.Helper()
	p := &connectProxy{to: to}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.Close()
		p.tunnels.Wait()
	})
	return p
}

func (p *connectProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if r.Method == http.MethodConnect {
		p.requests = append(p.requests, "CONNECT "+r.Host)
	} else {
		p.requests = append(p.requests, r.Method+" "+r.URL.String())
	}
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-Auth-Token") != "" {
		p.creds++
	}
	p.mu.Unlock()
	if r.Method != http.MethodConnect {
		http.Error(w, "this proxy only tunnels", http.StatusForbidden)
		return
	}
	up, err := net.Dial("tcp", p.to)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		client.Close()
		up.Close()
		return
	}
	p.tunnels.Add(2)
	pipe := func(dst, src net.Conn) {
		defer p.tunnels.Done()
		_, _ = io.Copy(dst, src)
		dst.Close()
		src.Close()
	}
	go pipe(up, client)
	go pipe(client, up)
}

// onlyTunnelsTo fails t unless every request p saw was a CONNECT to
// hostport, and none carried a credential.
func (p *connectProxy) onlyTunnelsTo(t *testing.T, hostport, after string) {
	t.Helper()
	seen, creds := p.seen()
	for _, s := range seen {
		if s != "CONNECT "+hostport {
			t.Fatalf("after %s the proxy saw %q, want only CONNECT %s", after, seen, hostport)
		}
	}
	if creds > 0 {
		t.Fatalf("after %s the proxy saw %d requests with credentials", after, creds)
	}
}

func (p *connectProxy) seen() ([]string, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...), p.creds
}

// authServer answers GET /ticket with a ticket when the request carries
// the token, redirects /elsewhere to another origin, and upgrades /ws.
func authServer(t *testing.T, tlsOn bool) *httptest.Server {
	t.Helper()
	up := websocket.Upgrader{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ticket", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, `{"error":{"code":"unauthorized"}}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"ticket":"T-42"}`)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://other.example.test/ticket", http.StatusFound)
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("ticket") != "T-42" {
			http.Error(w, "no ticket", http.StatusUnauthorized)
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"op":"welcome"}`))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	})
	var srv *httptest.Server
	if tlsOn {
		srv = httptest.NewTLSServer(mux)
	} else {
		srv = httptest.NewServer(mux)
	}
	t.Cleanup(srv.Close)
	return srv
}

const proxyChildEnv = "WSBIND_WSAUTH_PROXY_CHILD"

// The auth step and the WebSocket dial honour HTTPS_PROXY and NO_PROXY as
// http.DefaultTransport reads them, through a CONNECT tunnel that keeps TLS
// end to end; the origin policy still judges the URL, not the proxy.
//
// The proxy settings are read once per process, so the test runs itself
// again in a child with the environment set before any request; the
// child trusts the test server's certificate through SSL_CERT_FILE, which
// is how the default client, with no TLS configuration, can reach it.
func TestAuthStepsHonourTheProxyEnvironment(t *testing.T) {
	if os.Getenv(proxyChildEnv) == "" {
		switch runtime.GOOS {
		case "windows", "darwin", "ios", "android", "plan9", "js", "wasip1":
			t.Skipf("SSL_CERT_FILE does not set the system roots on %s", runtime.GOOS)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), proxyChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}

	srv := authServer(t, true)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	proxy := newConnectProxy(t, srv.Listener.Addr().String())
	for _, k := range []string{"https_proxy", "http_proxy", "no_proxy", "all_proxy", "ALL_PROXY", "REQUEST_METHOD"} {
		os.Unsetenv(k)
	}
	os.Setenv("SSL_CERT_FILE", ca)
	os.Setenv("HTTPS_PROXY", proxy.URL)
	os.Setenv("HTTP_PROXY", proxy.URL)
	os.Setenv("NO_PROXY", "direct.example.test")
	defer http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// example.com is a name the test certificate holds; only the proxy
	// knows where it leads.
	ticket, err := wsauth.Do(ctx, ticketRequest("https://example.com/ticket"))
	if err != nil || ticket != "T-42" {
		t.Fatalf("through the proxy: ticket %q, err %v", ticket, err)
	}
	if seen, _ := proxy.seen(); len(seen) != 1 {
		t.Fatalf("the proxy saw %q, want one CONNECT example.com:443", seen)
	}
	proxy.onlyTunnelsTo(t, "example.com:443", "the ticket request")

	// The WebSocket dial goes the same way with the ticket.
	c, err := conn.Dial(ctx, conn.Config{
		Hooks: conn.Hooks{
			Dial: func(context.Context) (conn.Target, error) {
				return conn.Target{URL: wsauth.WithQuery("wss://example.com/ws", "ticket", ticket), Secrets: []string{ticket}}, nil
			},
			Inspect: func(*conn.Session, []byte, uint64) conn.Inbound { return conn.Inbound{} },
		},
		MaxAttempts: 1,
	})
	if err != nil {
		t.Fatalf("WebSocket dial through the proxy: %v", err)
	}
	c.Close()
	if seen, _ := proxy.seen(); len(seen) != 2 {
		t.Fatalf("the proxy saw %q, want a second CONNECT example.com:443 for the WebSocket", seen)
	}
	proxy.onlyTunnelsTo(t, "example.com:443", "the WebSocket dial")

	// A redirect to another origin is refused before anything goes there,
	// through the proxy or not.
	_, err = wsauth.Do(ctx, ticketRequest("https://example.com/elsewhere"))
	var re *wsauth.RedirectError
	if !errors.As(err, &re) || re.To != "https://other.example.test:443" {
		t.Fatalf("redirect through the proxy: err %v, want a *wsauth.RedirectError to https://other.example.test:443", err)
	}
	proxy.onlyTunnelsTo(t, "example.com:443", "the redirect")

	// NO_PROXY: the request goes straight to the host (which does not
	// exist), not to the proxy.
	dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
	defer dcancel()
	if _, err := wsauth.Do(dctx, ticketRequest("https://direct.example.test/ticket")); err == nil {
		t.Fatal("a host that does not exist answered")
	}
	proxy.onlyTunnelsTo(t, "example.com:443", "a request to a NO_PROXY host")

	// Plain http to loopback never goes through a proxy, even one the
	// environment names for http.
	plain := authServer(t, false)
	if ticket, err := wsauth.Do(ctx, ticketRequest(plain.URL+"/ticket")); err != nil || ticket != "T-42" {
		t.Fatalf("plain loopback: ticket %q, err %v", ticket, err)
	}
	proxy.onlyTunnelsTo(t, "example.com:443", "a plain request to loopback")
}

// A caller's transport keeps its proxy for https, where TLS runs end to end
// through the tunnel; for plain http to loopback the proxy is dropped, so
// credentials in clear only ever reach the loopback host itself.
func TestACallersProxyIsKeptForHTTPSAndDroppedForPlainLoopback(t *testing.T) {
	srv := authServer(t, true)
	proxy := newConnectProxy(t, srv.Listener.Addr().String())
	proxyURL, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(proxyURL)
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	req := ticketRequest("https://example.com/ticket")
	req.Client = &http.Client{Transport: tr}
	if ticket, err := wsauth.Do(ctx, req); err != nil || ticket != "T-42" {
		t.Fatalf("https through the caller's proxy: ticket %q, err %v", ticket, err)
	}
	if seen, _ := proxy.seen(); len(seen) != 1 {
		t.Fatalf("the proxy saw %q, want one CONNECT example.com:443", seen)
	}
	proxy.onlyTunnelsTo(t, "example.com:443", "the ticket request")

	plain := authServer(t, false)
	req = ticketRequest(plain.URL + "/ticket")
	req.Client = &http.Client{Transport: tr}
	if ticket, err := wsauth.Do(ctx, req); err != nil || ticket != "T-42" {
		t.Fatalf("plain loopback: ticket %q, err %v", ticket, err)
	}
	proxy.onlyTunnelsTo(t, "example.com:443", "a plain request to loopback")
	if tr.Proxy == nil {
		t.Error("the caller's transport lost its proxy")
	}
}
