package wsauth_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wsauth"
)

const token = "tok-SECRET-4242"

// thief is a loopback server that records every request it gets and the
// credentials they carried.
type thief struct {
	*httptest.Server
	hits  atomic.Int64
	creds atomic.Int64
}

func newThief(t *testing.T) *thief {
	t.Helper()
	th := &thief{}
	th.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		th.hits.Add(1)
		if r.Header.Get("Authorization") != "" || r.Header.Get("X-Auth-Token") != "" {
			th.creds.Add(1)
		}
		fmt.Fprint(w, `{"ticket":"stolen"}`)
	}))
	t.Cleanup(th.Close)
	return th
}

func ticketRequest(u string) wsauth.Request {
	return wsauth.Request{
		Step:    "ticket",
		Method:  http.MethodGet,
		URL:     u,
		Header:  http.Header{"Authorization": {"Bearer " + token}, "X-Auth-Token": {token}},
		Pointer: "/ticket",
	}
}

func port(s *httptest.Server) string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

func TestCredentialsNeverFollowARedirectToAnotherOrigin(t *testing.T) {
	th := newThief(t)
	cases := []struct {
		name   string
		status int
		to     func(r *http.Request) string
	}{
		// 127.0.0.1 and localhost reach the same socket but are two origins.
		{"127.0.0.1 to localhost, same port", http.StatusTemporaryRedirect, func(r *http.Request) string {
			return "http://localhost:" + strings.Split(r.Host, ":")[1] + "/steal"
		}},
		{"127.0.0.1 to localhost, other port", http.StatusFound, func(*http.Request) string {
			return "http://localhost:" + port(th.Server) + "/steal"
		}},
		{"same host, other port", http.StatusPermanentRedirect, func(*http.Request) string {
			return "http://127.0.0.1:" + port(th.Server) + "/steal"
		}},
		{"another scheme", http.StatusMovedPermanently, func(r *http.Request) string {
			return "https://" + r.Host + "/steal"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := th.hits.Load()
			var selfHits atomic.Int64
			src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/steal" {
					selfHits.Add(1)
					return
				}
				w.Header().Set("Location", tc.to(r))
				w.WriteHeader(tc.status)
			}))
			defer src.Close()
			_, err := wsauth.Do(context.Background(), ticketRequest(src.URL+"/ticket"))
			var re *wsauth.RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RedirectError", err)
			}
			var pe *conn.PermanentError
			if !errors.As(err, &pe) {
				t.Errorf("a cross-origin redirect should end reconnecting: %v", err)
			}
			if got := th.hits.Load() - before + selfHits.Load(); got != 0 {
				t.Errorf("the redirect target got %d requests, want none", got)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "steal") {
				t.Errorf("error leaks the token or the Location path: %v", err)
			}
		})
	}
}

func TestSameOriginRedirectIsFollowed(t *testing.T) {
	var withCreds atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ticket" {
			http.Redirect(w, r, "/ticket/", http.StatusMovedPermanently)
			return
		}
		if r.Header.Get("Authorization") == "Bearer "+token {
			withCreds.Add(1)
		}
		fmt.Fprint(w, `{"ticket":"t-1"}`)
	}))
	defer s.Close()
	got, err := wsauth.Do(context.Background(), ticketRequest(s.URL+"/ticket"))
	if err != nil || got != "t-1" {
		t.Fatalf("Do = %q, %v; want t-1", got, err)
	}
	if withCreds.Load() != 1 {
		t.Errorf("the same-origin target got the credentials %d times, want 1", withCreds.Load())
	}
}

func TestRedirectLoopWithinTheOriginIsBounded(t *testing.T) {
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	defer s.Close()
	if _, err := wsauth.Do(context.Background(), ticketRequest(s.URL)); err == nil {
		t.Fatal("a redirect loop succeeded")
	}
	if n := hits.Load(); n > 6 {
		t.Errorf("followed %d redirects, want at most 5", n-1)
	}
}

// countingListener is a loopback listener that counts the connections it
// accepts and the bytes they carry.
type countingListener struct {
	ln    net.Listener
	conns atomic.Int64
	bytes atomic.Int64
}

func newCountingListener(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{ln: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cl.conns.Add(1)
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				for {
					n, err := c.Read(buf)
					cl.bytes.Add(int64(n))
					if err != nil {
						return
					}
					if strings.Contains(string(buf[:n]), "\r\n\r\n") {
						_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{\"ticket\":\"x\"}\n"))
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return cl
}

// mappedClient resolves every name to the counting listener, as a hosts
// file entry for auth.example.test would.
func mappedClient(cl *countingListener) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, cl.ln.Addr().String())
	}
	return &http.Client{Transport: tr}
}

func TestPlainHTTPToANonLoopbackHostSendsNothing(t *testing.T) {
	cl := newCountingListener(t)
	client := mappedClient(cl)
	defer client.CloseIdleConnections()
	r := ticketRequest("http://auth.example.test/ticket")
	r.Client = client
	_, err := wsauth.Do(context.Background(), r)
	if !errors.Is(err, conn.ErrInsecure) {
		t.Fatalf("err = %v, want ErrInsecure", err)
	}
	if n := cl.conns.Load(); n != 0 {
		t.Fatalf("the listener behind auth.example.test got %d connections, want none", n)
	}
	// The same request with AllowInsecure does reach the listener: the
	// mapping works, so the zero above means the check ran first.
	r.AllowInsecure = true
	if _, err := wsauth.Do(context.Background(), r); err != nil {
		t.Fatalf("with AllowInsecure: %v", err)
	}
	if n := cl.conns.Load(); n != 1 {
		t.Fatalf("with AllowInsecure the listener got %d connections, want 1", n)
	}
}

// farConn claims to be connected to a public address.
type farConn struct{ net.Conn }

func (farConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 80} }

func TestPlainHTTPToALoopbackNameThatResolvesElsewhereSendsNothing(t *testing.T) {
	cl := newCountingListener(t)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, cl.ln.Addr().String())
		if err != nil {
			return nil, err
		}
		return farConn{c}, nil
	}
	client := &http.Client{Transport: tr}
	defer client.CloseIdleConnections()
	r := ticketRequest("http://localhost/ticket")
	r.Client = client
	_, err := wsauth.Do(context.Background(), r)
	if !errors.Is(err, conn.ErrNotLoopback) {
		t.Fatalf("err = %v, want ErrNotLoopback", err)
	}
	// Give the listener's reader a moment to count anything that came.
	time.Sleep(50 * time.Millisecond)
	if n := cl.bytes.Load(); n != 0 {
		t.Fatalf("%d bytes reached the non-loopback peer, want none", n)
	}
}

func TestUserinfoInTheAuthURLIsRefused(t *testing.T) {
	th := newThief(t)
	u := strings.Replace(th.URL, "http://", "http://user:pa55word@", 1)
	_, err := wsauth.Do(context.Background(), ticketRequest(u))
	if !errors.Is(err, conn.ErrUserinfo) {
		t.Fatalf("err = %v, want ErrUserinfo", err)
	}
	if strings.Contains(err.Error(), "pa55word") || th.hits.Load() != 0 {
		t.Fatalf("leaked the password or sent the request: %v, %d hits", err, th.hits.Load())
	}
}

func TestASlowAnswerEndsAtTheDeadline(t *testing.T) {
	stop := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		for i := 0; i < 100; i++ {
			_, _ = w.Write([]byte(" "))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}))
	defer s.Close()
	defer close(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := wsauth.Do(ctx, ticketRequest(s.URL))
	if err == nil || !strings.Contains(err.Error(), "reading the answer") {
		t.Fatalf("err = %v, want a deadline while reading the answer", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Do took %v after a 300ms deadline", d)
	}
}

func TestRefusalCodesAreBoundedAndNeverEchoCredentials(t *testing.T) {
	long := strings.Repeat("x", 10000)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		if r.URL.Path == "/echo" {
			fmt.Fprintf(w, `{"error":{"code":"bad token %s"}}`, token)
			return
		}
		fmt.Fprintf(w, `{"error":{"code":%q}}`, long)
	}))
	defer s.Close()
	_, err := wsauth.Do(context.Background(), ticketRequest(s.URL+"/echo"))
	if err == nil || strings.Contains(err.Error(), token) {
		t.Fatalf("err = %v: leaks the token", err)
	}
	_, err = wsauth.Do(context.Background(), ticketRequest(s.URL+"/long"))
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("err is %d bytes, want a short one", len(err.Error()))
	}
}

// TestMain checks that no test leaves a goroutine behind, cleanups included.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
