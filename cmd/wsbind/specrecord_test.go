package main

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/runtime/testserver"
)

const (
	quotesDoc = "testdata/quotes.yaml"
	roomsDoc  = "testdata/rooms.yaml"
	ticketDoc = "testdata/ticketauth.yaml"
)

// startSpecMockFor serves doc on loopback, answering requests from its
// examples, until the test ends.
func startSpecMockFor(t *testing.T, doc string) *specMock {
	t.Helper()
	s, err := interp.LoadSpec(doc, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := startSpecMock(s, testserver.MockOptions{Addr: "127.0.0.1:0"}, &syncWriter{w: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// roomSession is the session id the rooms server hands out in its welcome,
// which rooms.yaml marks x-wsbind-secrets.
const roomSession = "room-session-4711"

// roomServer speaks rooms.yaml on loopback: it greets with a welcome and a
// frame that echoes the request's X-Api-Key, query and session id back,
// answers say with said, and notes what each upgrade asked for.
type roomServer struct {
	srv    *testserver.Server
	refuse int  // answer upgrades with this status, echoing the key
	hangUp bool // close the connection on the first client frame

	mu    sync.Mutex
	paths []string // escaped request paths
	keys  []string // X-Api-Key values
}

func startRooms(t *testing.T, refuse int, hangUp bool) *roomServer {
	t.Helper()
	r := &roomServer{refuse: refuse, hangUp: hangUp}
	srv, err := testserver.New(r, testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = srv
	t.Cleanup(srv.Close)
	return r
}

func (r *roomServer) port() string { return r.srv.Addr()[len("127.0.0.1:"):] }

func (r *roomServer) requests() (paths, keys []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...), append([]string(nil), r.keys...)
}

func (r *roomServer) Accept(req *http.Request) (int, string, http.Header) {
	r.mu.Lock()
	r.paths = append(r.paths, req.URL.EscapedPath())
	r.keys = append(r.keys, req.Header.Get("X-Api-Key"))
	r.mu.Unlock()
	if r.refuse != 0 {
		return r.refuse, "bad key " + req.Header.Get("X-Api-Key"), nil
	}
	return 0, "", nil
}

func (r *roomServer) Open(c *testserver.Conn) {
	c.SendJSON(map[string]any{"op": "welcome", "session": roomSession})
	c.SendJSON(map[string]any{"op": "said", "text": "key " + c.Request.Header.Get("X-Api-Key") +
		" query " + c.Request.URL.RawQuery + " session " + roomSession})
}

func (r *roomServer) Frame(c *testserver.Conn, frame []byte) {
	if r.hangUp {
		c.CloseWith(websocket.CloseNormalClosure, "bye")
		return
	}
	var m struct{ Op, Text string }
	if json.Unmarshal(frame, &m) == nil && m.Op == "say" {
		c.SendJSON(map[string]any{"op": "said", "text": m.Text})
	}
}

func (r *roomServer) Closed(*testserver.Conn) {}

func TestRecordSpecSendsAndRecordsTheReplies(t *testing.T) {
	noLeaks(t)
	m := startSpecMockFor(t, quotesDoc)
	out := filepath.Join(t.TempDir(), "quotes.jsonl")
	// The example (id 1) first, then --send (id 7), as given; the mock
	// answers each with its Quote example, the request's id copied in.
	code, stdout, stderr := wsbind(t, "record", "--spec", quotesDoc, "--url", m.URL()+"quotes", "--out", out,
		"--send-example", "quoterequest", "--send", `{"op":"quote","id":7,"symbol":"ACME"}`, "--frames", "2", "--for", "10s")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"  client QuoteRequest ok\n", "  server Quote ok\n", "summary: 4 frames checked: 4 valid, 0 invalid\n", "recorded 4 frames (2 sent, 2 received) to " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, want := range []string{"dialing quotes at " + m.URL() + "quotes\n", "connected after", "2 frames received: stopping (--frames)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var sent []string
	ids := map[float64]bool{}
	for _, l := range readRecording(t, out) {
		var v struct {
			Op string
			ID float64
		}
		if err := json.Unmarshal([]byte(l.Data), &v); err != nil {
			t.Fatalf("recorded frame %q: %v", l.Data, err)
		}
		if l.Type == "send" {
			sent = append(sent, l.Data)
		} else {
			ids[v.ID] = true
		}
	}
	want := []string{`{"op":"quote","id":1,"symbol":"ACME"}`, `{"op":"quote","id":7,"symbol":"ACME"}`}
	if strings.Join(sent, "\n") != strings.Join(want, "\n") || !ids[1] || !ids[7] || len(ids) != 2 {
		t.Errorf("sent %q, replies to ids %v", sent, ids)
	}
	if code, report, errOut := wsbind(t, "validate", "--spec", quotesDoc, out); code != exitOK ||
		!strings.Contains(report, "client QuoteRequest ok") || !strings.Contains(report, "server Quote ok") {
		t.Errorf("validate --spec: exit %d\n%s%s", code, report, errOut)
	}
}

func TestRecordSpecRefusesAnInvalidSendBeforeDialling(t *testing.T) {
	noLeaks(t)
	stall := startStall(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.jsonl")
	loop := []string{"record", "--spec", quotesDoc, "--url", "ws://127.0.0.1:" + stall.port() + "/quotes", "--out", out}
	rooms := []string{"--spec", roomsDoc, "--url", "ws://127.0.0.1:" + stall.port() + "/rooms/lobby"} // a later --spec wins
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"breaks a pattern": {[]string{"--send", `{"op":"quote","id":1,"symbol":"secret-symbol-value"}`},
			"--send #1 is not a valid QuoteRequest: /symbol: "},
		"second of two": {[]string{"--send", `{"op":"quote","id":1,"symbol":"ACME"}`, "--send", `{"op":"quote","id":0,"symbol":"secret-symbol-value"}`},
			"--send #2 is not a valid QuoteRequest: /id: "},
		"two violations": {[]string{"--send", `{"op":"quote","id":0,"symbol":"secret-symbol-value"}`},
			"(+1 more violation); nothing was sent"},
		"malformed": {[]string{"--send", `{"op":"quote","symbol":"secret-symbol-value"`}, "--send #1 is not JSON"},
		"no such message": {append(rooms, "--send", `{"op":"sell","symbol":"secret-symbol-value"}`),
			"--send #1 matches no client message of " + roomsDoc},
		"a server message": {append(rooms, "--send", `{"op":"said","text":"secret-symbol-value"}`), "matches no client message"},
		"the only client message": {[]string{"--send", `{"op":"tick","symbol":"secret-symbol-value"}`},
			"--send #1 is not a valid QuoteRequest: (frame): missing properties"},
		"example of a server message": {[]string{"--send-example", "Quote"},
			"has no client message Quote (client messages: QuoteRequest; those with examples: QuoteRequest)"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := wsbind(t, append(loop, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, want 2 and %q\n%s%s", code, tc.want, stdout, stderr)
			}
			if strings.Contains(stderr, "secret-symbol-value") {
				t.Errorf("the frame's value was printed:\n%s", stderr)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // a stray dial would have landed
	if n := stall.accepts.Load(); n != 0 {
		t.Errorf("%d connections made before refusing", n)
	}
	assertOnly(t, dir)
}

func TestRecordSpecFillsTheURLFromTheDocument(t *testing.T) {
	noLeaks(t)
	rooms := startRooms(t, 0, false)
	dir := t.TempDir()
	out := filepath.Join(dir, "rooms.jsonl")
	// The server's port is a variable, the room a channel parameter: both
	// come from --param, the room path-escaped.
	code, stdout, stderr := wsbind(t, "record", "--spec", roomsDoc, "--param", "port="+rooms.port(), "--param", "room=a b/c",
		"--header", "X-Api-Key: header-secret-value", "--send-example", "Say", "--frames", "4", "--for", "10s", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	paths, _ := rooms.requests()
	if len(paths) != 1 || paths[0] != "/v1/rooms/a%20b%2Fc" {
		t.Errorf("requested %q, want /v1/rooms/a%%20b%%2Fc once", paths)
	}
	if !strings.Contains(stderr, "dialing rooms at ws://127.0.0.1:"+rooms.port()+"/v1/rooms/a%20b%2Fc\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
	// Welcome, the echo, and said for each of the two examples of Say.
	if !strings.Contains(stdout, "summary: 6 frames checked: 6 valid, 0 invalid") {
		t.Errorf("stdout:\n%s", stdout)
	}

	stall := startStall(t)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"missing room":    {[]string{"--param", "port=" + stall.port()}, "the URL needs {room} (a parameter of channel room): give --param room=VALUE"},
		"missing port":    {[]string{"--param", "room=lobby"}, "the URL needs {port} (a variable of server local): give --param port=VALUE"},
		"unknown param":   {[]string{"--param", "port=" + stall.port(), "--param", "room=lobby", "--param", "floor=2"}, "--param floor: the URL has no {floor}"},
		"param without =": {[]string{"--param", "room"}, "--param wants NAME=VALUE"},
		"not in the enum": {[]string{"--param", "port=" + stall.port(), "--param", "room=lobby", "--param", "version=v3"},
			"--param version=v3: the document allows only v1, v2 (a variable of server local)"},
		"param in --url": {[]string{"--url", "ws://127.0.0.1:" + stall.port() + "/rooms/{room}"}, "give --param room=VALUE"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := wsbind(t, append([]string{"record", "--spec", roomsDoc, "--out", filepath.Join(dir, "x.jsonl")}, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, want 2 and %q\n%s%s", code, tc.want, stdout, stderr)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if n := stall.accepts.Load(); n != 0 {
		t.Errorf("%d connections made before refusing", n)
	}
	assertOnly(t, dir, "rooms.jsonl")
}

func TestRecordSpecNeverShowsSecrets(t *testing.T) {
	noLeaks(t)
	const key, query = "header-secret-value", "query-secret-value"
	rooms := startRooms(t, 0, false)
	dir := t.TempDir()
	out := filepath.Join(dir, "rooms.jsonl")
	code, stdout, stderr := wsbind(t, "record", "--spec", roomsDoc, "--url", "ws://127.0.0.1:"+rooms.port()+"/v2/rooms/lobby?token="+query,
		"--header", "x-api-key:"+key, "--send", `{"op":"say","text":"hi"}`, "--frames", "3", "--for", "10s", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if _, keys := rooms.requests(); len(keys) != 1 || keys[0] != key {
		t.Errorf("the server got X-Api-Key %q", keys)
	}
	// The document declares security but no auth step: a note says it is
	// not applied.
	for _, want := range []string{"note: server local declares security (apiKey), which record --spec does not apply", "?token=REDACTED"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// The echo holds all three secrets: the header value, the query value
	// and the session id, a secret once the welcome has handed it out.
	got := map[string]bool{}
	for _, l := range readRecording(t, out) {
		got[l.Type+" "+l.Data] = true
	}
	want := map[string]bool{
		`receive {"op":"welcome","session":"REDACTED"}`:                                     true,
		`receive {"op":"said","text":"key REDACTED query token=REDACTED session REDACTED"}`: true,
		`send {"op":"say","text":"hi"}`:                                                     true,
		`receive {"op":"said","text":"hi"}`:                                                 true,
	}
	if !maps.Equal(got, want) {
		t.Errorf("recorded %q, want %q", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	assertAbsent(t, out, key, query, roomSession)
	for _, s := range []string{key, query, roomSession} {
		if strings.Contains(stdout+stderr, s) {
			t.Errorf("%q was printed:\n%s%s", s, stdout, stderr)
		}
	}

	// A refused handshake whose body echoes the key: exit 1, not shown.
	refusing := startRooms(t, http.StatusUnauthorized, false)
	code, stdout, stderr = wsbind(t, "record", "--spec", roomsDoc, "--param", "port="+refusing.port(), "--param", "room=lobby",
		"--header", "X-Api-Key: "+key, "--for", "10s", "--out", out, "--force")
	if code != exitFailure || !strings.Contains(stderr, "401") {
		t.Errorf("refused handshake: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, key) {
		t.Errorf("the key was printed:\n%s%s", stdout, stderr)
	}
}

// A real endpoint whose auth step needs a credential not given is refused
// before anything is dialled; a loopback mock is dialled without the step.
func TestRecordSpecRefusesAnAuthStepWithoutCredentials(t *testing.T) {
	noLeaks(t)
	stall := startStall(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.jsonl")
	for name, args := range map[string][]string{
		"the document's server": nil,
		"that server by --url":  {"--url", "wss://stream.example.invalid/stream"},
		"elsewhere":             {"--url", "wss://0.0.0.0:" + stall.port() + "/stream"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := wsbind(t, append([]string{"record", "--spec", ticketDoc, "--out", out, "--send-example", "Ping"}, args...)...)
			want := "server prod of " + ticketDoc + ` authenticates with an x-wsbind-auth "ticket" step, which needs token (WSBIND_TICKETAUTH_TOKEN or --cred token=...); refusing to dial a real endpoint without them (nothing was sent)`
			if code != exitUsage || !strings.Contains(stderr, want) || stdout != "" {
				t.Errorf("exit %d\n%s%s", code, stdout, stderr)
			}
		})
	}
	// Plain ws:// leaves only for loopback.
	code, _, stderr := wsbind(t, "record", "--spec", quotesDoc, "--url", "ws://0.0.0.0:"+stall.port()+"/quotes", "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "refusing plain ws:// to 0.0.0.0:"+stall.port()+", which is not loopback") {
		t.Errorf("plain ws:// elsewhere: exit %d\n%s", code, stderr)
	}
	time.Sleep(50 * time.Millisecond)
	if n := stall.accepts.Load(); n != 0 {
		t.Errorf("%d connections made before refusing", n)
	}
	assertOnly(t, dir)

	// A loopback mock (wsbind mock --spec runs no auth step) is dialled
	// without the step when no credential is given, and record says so.
	m := startSpecMockFor(t, ticketDoc)
	code, stdout, stderr := wsbind(t, "record", "--spec", ticketDoc, "--url", m.URL()+"stream", "--out", out,
		"--send-example", "Ping", "--frames", "1", "--for", "10s")
	if code != exitOK || !strings.Contains(stderr, `note: server prod authenticates with an x-wsbind-auth "ticket" step, and no token was given: dialing loopback without it`) ||
		!strings.Contains(stdout, "  server Pong ok\n") {
		t.Errorf("loopback: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestRecordSpecFailureKeepsExistingCapture(t *testing.T) {
	noLeaks(t)
	old := recordDialTimeout
	recordDialTimeout = 300 * time.Millisecond
	defer func() { recordDialTimeout = old }()
	dir := t.TempDir()
	keep := writeKeep(t, dir)

	// Nothing listens: nothing recorded, nothing kept.
	code, _, stderr := wsbind(t, "record", "--spec", quotesDoc, "--url", "ws://127.0.0.1:1/quotes", "--out", keep, "--force")
	if code != exitFailure || !strings.Contains(stderr, "nothing recorded; "+keep+" left as it was") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	assertKept(t, keep)
	assertOnly(t, dir, "keep.jsonl")

	// The server hangs up on the first frame: what was recorded goes to
	// the .partial file, never over the capture.
	rooms := startRooms(t, 0, true)
	code, stdout, stderr := wsbind(t, "record", "--spec", roomsDoc, "--param", "port="+rooms.port(), "--param", "room=lobby",
		"--send", `{"op":"say","text":"hi"}`, "--for", "10s", "--out", keep, "--force")
	partial := filepath.Join(dir, "keep.partial.jsonl")
	if code != exitFailure || !strings.Contains(stderr, "the connection ended before the recording did: websocket: close 1000 (normal): bye") ||
		!strings.Contains(stderr, keep+" left as it was") || !strings.Contains(stderr, partial) {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	assertKept(t, keep)
	assertOnly(t, dir, "keep.jsonl", "keep.partial.jsonl")
	var sent int
	for _, l := range readRecording(t, partial) {
		if l.Type == "send" {
			sent++
		}
	}
	if sent == 0 {
		t.Error("the partial recording lacks the frame sent")
	}

	// Without --force an existing capture is refused before dialling.
	code, _, stderr = wsbind(t, "record", "--spec", roomsDoc, "--param", "port="+rooms.port(), "--param", "room=lobby", "--out", keep)
	if code != exitUsage || !strings.Contains(stderr, keep+" already exists") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	if paths, _ := rooms.requests(); len(paths) != 1 {
		t.Errorf("%d upgrades, want the one of the failed run", len(paths))
	}
	assertKept(t, keep)
}

func TestRecordSpecUsageErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.jsonl")
	loop := []string{"--url", "ws://127.0.0.1:1/", "--out", out}
	spec := append([]string{"--spec", quotesDoc}, loop...)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"both":                 {append([]string{"--provider", "astro"}, spec...), "--provider and --spec are alternatives"},
		"call":                 {append([]string{"--call", "Subscribe x"}, spec...), "--call applies to --provider"},
		"cred without auth":    {append([]string{"--cred", "token=hunter22"}, spec...), "--cred: server local of " + quotesDoc + " has no x-wsbind-auth; give credentials with --header"},
		"cred unknown":         {[]string{"--spec", ticketDoc, "--url", "ws://127.0.0.1:1/", "--out", out, "--cred", "key=hunter22"}, `ticketauth has no credential "key" (have token)`},
		"cred short":           {[]string{"--spec", ticketDoc, "--url", "ws://127.0.0.1:1/", "--out", out, "--cred", "token=abc"}, "credential token is shorter than 4 characters"},
		"send with provider":   {append([]string{"--provider", "astro", "--send", "{}"}, loop...), "--send applies to --spec"},
		"param with provider":  {append([]string{"--provider", "astro", "--param", "a=b"}, loop...), "--param applies to --spec"},
		"describes":            {append([]string{"--describes", "both"}, spec...), "--describes must be server or client"},
		"no document":          {[]string{"--spec", filepath.Join(dir, "none.yaml"), "--out", out}, "none.yaml"},
		"no out":               {[]string{"--spec", quotesDoc}, "--out is required"},
		"negative frames":      {append([]string{"--frames", "-1"}, spec...), "--frames must not be negative"},
		"header without colon": {append([]string{"--header", "hunter22"}, spec...), "--header wants 'Name: value'"},
		"header short value":   {append([]string{"--header", "X-Key: abc"}, spec...), "--header X-Key: the value is shorter than 4"},
		"header control":       {append([]string{"--header", "X-Key: hunter22\r\nX-Other: 1"}, spec...), "--header X-Key: the value holds a control character"},
		"header host":          {append([]string{"--header", "host: hunter22.example"}, spec...), "--header Host: the WebSocket handshake sets it"},
		"header name":          {append([]string{"--header", "X Key: hunter22"}, spec...), `--header "X Key": not a header name`},
		"url password":         {[]string{"--spec", quotesDoc, "--url", "ws://me:hunter22@127.0.0.1:1/", "--out", out}, "user:password (use --header)"},
		"example unknown":      {append([]string{"--send-example", "Nope"}, spec...), "--send-example Nope: " + quotesDoc + " has no client message Nope"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := wsbind(t, append([]string{"record"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, stderr, tc.want)
			}
			if strings.Contains(stderr, "hunter22") {
				t.Error("a secret was printed")
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a usage error created the output file: %v", err)
	}
}

// --frames ends a provider recording too, after the frame that fills it.
func TestRecordFramesStopsTheRecording(t *testing.T) {
	noLeaks(t)
	m := startMock(t, "astro")
	start := time.Now()
	code, stdout, stderr := wsbind(t, "record", "--provider", "astro", "--url", m.URL(), "--out", "-",
		"--cred", "token="+testserver.DemoToken, "--cred", "token_type=jwt", "--call", "Subscribe channel.tips", "--frames", "2", "--for", "10s")
	if code != exitOK || time.Since(start) > 5*time.Second {
		t.Fatalf("exit %d after %v\n%s", code, time.Since(start), stderr)
	}
	if !strings.Contains(stderr, "recorded 3 frames (1 sent, 2 received) to -") || !strings.Contains(stderr, "Ctrl-C, --frames 2 or --for stops it at") {
		t.Errorf("stderr:\n%s", stderr)
	}
	path := writeFile(t, "stdout.jsonl", strings.TrimSpace(stdout))
	assertValid(t, "astro", path)
}
