package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wsbind/wsbind/runtime/testserver"
)

// record --spec runs each kind of x-wsbind-auth the way the typed clients
// do, against the built-in mocks, which refuse a connection that skipped
// the step: astro puts the token in each subscribe (per-message), dlive
// sends connection_init and waits for the ack (init-payload), neuro fetches
// a ticket for the query (ticket), octave creates a session for the
// address (session).
func TestRecordSpecRunsTheAuthSteps(t *testing.T) {
	noLeaks(t)
	for _, tc := range []struct {
		provider string
		path     string // dialled on the mock
		env      map[string]string
		args     []string
		frames   string
		want     []string // verdict lines on stdout, in order
		sent     string   // a sent frame holds this
	}{
		{
			provider: "astro",
			env:      map[string]string{"WSBIND_ASTRO_TOKEN": testserver.DemoToken, "WSBIND_ASTRO_TOKEN_TYPE": "jwt"},
			args:     []string{"--send", `{"type":"subscribe","nonce":"n-1","data":{"topic":"channel.tips","room":"5f1b8e3c"}}`},
			frames:   "2",
			want:     []string{"server Welcome ok", "client Subscribe ok", "server Response ok"},
			sent:     `"token":"REDACTED","token_type":"jwt"`,
		},
		{
			provider: "dlive",
			env:      map[string]string{"WSBIND_DLIVE_TOKEN": testserver.DemoToken},
			args:     []string{"--send-example", "Start"},
			frames:   "3",
			want:     []string{"client ConnectionInit ok", "server ConnectionAck ok", "client Start ok"},
			sent:     `"authorization":"REDACTED"`,
		},
		{
			provider: "neuro",
			path:     testserver.NeuroPathV2,
			env:      map[string]string{"WSBIND_NEURO_TOKEN": testserver.DemoToken},
			frames:   "1",
			want:     []string{"server Welcome ok"},
		},
		{
			provider: "octave",
			path:     "/session/{sessionId}/ws",
			env:      map[string]string{"WSBIND_OCTAVE_X_AUTH_COMPANY": "demo"},
			args:     []string{"--cred", "x-auth-token=" + testserver.DemoToken, "--send-example", "SubscribeByPath"},
			frames:   "1",
			want:     []string{"client SubscribeByPath ok", "server Ack ok"},
		},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			m := startMock(t, tc.provider)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			u := m.URL()
			if tc.path != "" {
				u = u[:strings.Index(u[len("ws://"):], "/")+len("ws://")] + tc.path
			}
			out := filepath.Join(t.TempDir(), tc.provider+".jsonl")
			doc := filepath.Join("..", "..", "specs", tc.provider+".yaml")
			code, stdout, stderr := wsbind(t, append([]string{"record", "--spec", doc, "--url", u, "--out", out, "--frames", tc.frames, "--for", "20s"}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			at := 0
			for _, w := range tc.want {
				i := strings.Index(stdout[at:], "  "+w+"\n")
				if i < 0 {
					t.Fatalf("stdout lacks %q after byte %d:\n%s", w, at, stdout)
				}
				at += i
			}
			if strings.Contains(stdout, "INVALID") || strings.Contains(stderr, "note:") {
				t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
			if tc.sent != "" {
				found := false
				for _, l := range readRecording(t, out) {
					found = found || (l.Type == "send" && strings.Contains(l.Data, tc.sent))
				}
				if !found {
					t.Errorf("no sent frame holds %s", tc.sent)
				}
			}
			assertAbsent(t, out, testserver.DemoToken)
			if strings.Contains(stdout+stderr, testserver.DemoToken) {
				t.Error("the token was printed")
			}
			if code, vout, verr := wsbind(t, "validate", "--spec", doc, out); code != exitOK {
				t.Errorf("validate --spec: exit %d\n%s%s", code, vout, verr)
			}
		})
	}
}

// A refused auth step ends the recording with the server's reason, and
// without the credential.
func TestRecordSpecReportsARefusedAuthStep(t *testing.T) {
	noLeaks(t)
	const wrong = "not-the-demo-token"
	for _, tc := range []struct {
		provider, path, env, want string
	}{
		{"neuro", testserver.NeuroPathV2, "WSBIND_NEURO_TOKEN", "ticket request refused: HTTP 401"},
		{"octave", "/session/{sessionId}/ws", "WSBIND_OCTAVE_X_AUTH_TOKEN", "session request refused: HTTP 401"},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			m := startMock(t, tc.provider)
			t.Setenv(tc.env, wrong)
			t.Setenv("WSBIND_OCTAVE_X_AUTH_COMPANY", "demo")
			u := m.URL()
			u = u[:strings.Index(u[len("ws://"):], "/")+len("ws://")] + tc.path
			out := filepath.Join(t.TempDir(), "x.jsonl")
			code, stdout, stderr := wsbind(t, "record", "--spec", filepath.Join("..", "..", "specs", tc.provider+".yaml"), "--url", u, "--out", out, "--for", "10s")
			if code != exitFailure || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "nothing recorded") {
				t.Errorf("exit %d\n%s%s", code, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, wrong) {
				t.Error("the token was printed")
			}
		})
	}
}

const initDoc = "testdata/initauth.yaml"

// initServer speaks initauth.yaml: it answers init with ready when the
// token is initToken and with denied otherwise, answers ping with pong,
// and counts the pings.
type initServer struct {
	srv   *testserver.Server
	pings atomic.Int32
	first chan string // the op of each connection's first frame
}

const initToken = "init-token-8c1f"

func startInitServer(t *testing.T) *initServer {
	t.Helper()
	s := &initServer{first: make(chan string, 8)}
	srv, err := testserver.New(s, testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = srv
	t.Cleanup(srv.Close)
	return s
}

func (s *initServer) url() string { return "ws://" + s.srv.Addr() + "/stream" }

func (s *initServer) Accept(*http.Request) (int, string, http.Header) { return 0, "", nil }
func (s *initServer) Open(*testserver.Conn)                           {}
func (s *initServer) Closed(*testserver.Conn)                         {}

func (s *initServer) Frame(c *testserver.Conn, frame []byte) {
	var m struct {
		Op   string
		Auth struct{ Token string }
	}
	_ = json.Unmarshal(frame, &m)
	select {
	case s.first <- m.Op:
	default:
	}
	switch {
	case m.Op == "init" && m.Auth.Token == initToken:
		c.SendJSON(map[string]any{"op": "ready"})
	case m.Op == "init":
		c.SendJSON(map[string]any{"op": "denied", "reason": "bad token " + m.Auth.Token})
	case m.Op == "ping":
		s.pings.Add(1)
		c.SendJSON(map[string]any{"op": "pong"})
	}
}

// The init message, built from the document's constants with the token
// put in, goes first and its ack is awaited before any --send frame; the
// keepalive message goes every clientSeconds; a denied init ends the
// recording at once with the error message's name, not the server's text.
func TestRecordSpecInitPayloadAndKeepalive(t *testing.T) {
	noLeaks(t)
	s := startInitServer(t)
	out := filepath.Join(t.TempDir(), "init.jsonl")
	code, stdout, stderr := wsbind(t, "record", "--spec", initDoc, "--url", s.url(), "--out", out,
		"--cred", "token="+initToken, "--send", `{"op":"hello","text":"hi"}`, "--for", "2500ms")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if first := <-s.first; first != "init" {
		t.Errorf("the first frame was %q, want init", first)
	}
	if !strings.HasPrefix(stdout, "  client Init ok\n  server Ready ok\n  client Hello ok\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if n := s.pings.Load(); n < 1 || n > 4 {
		t.Errorf("%d pings in 2.5 s, want one a second", n)
	}
	lines := readRecording(t, out)
	if len(lines) == 0 || lines[0].Data != `{"auth":{"token":"REDACTED"},"op":"init"}` {
		t.Errorf("recording: %+v", lines)
	}
	assertAbsent(t, out, initToken)

	code, stdout, stderr = wsbind(t, "record", "--spec", initDoc, "--url", s.url(), "--out", out, "--force",
		"--cred", "token=wrong-token-77", "--for", "10s")
	if code != exitFailure || !strings.Contains(stderr, "the server answered Init with Denied: authentication refused") {
		t.Errorf("denied: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "wrong-token-77") {
		t.Error("the token was printed")
	}

	// A token the init message's schema refuses is refused before dialling.
	code, _, stderr = wsbind(t, "record", "--spec", initDoc, "--url", s.url(), "--out", out, "--force", "--cred", "token=short")
	if code != exitUsage || !strings.Contains(stderr, "the x-wsbind-auth init message Init, built from its constant fields, is not a valid Init: /auth/token") {
		t.Errorf("short token: exit %d\n%s", code, stderr)
	}
}
