package specclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/internal/specclient"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

const (
	feedDoc     = "testdata/feed.yaml"
	feedToken   = "feed-token-0d9a"
	feedSession = "feed-session-" // and the connection's number
)

// feedServer speaks feed.yaml: it answers init with ready (a session id)
// when the token is feedToken and with denied otherwise, answers
// subscribe with subscribed once the connection is authenticated, and
// notes each connection's frames in order.
type feedServer struct {
	srv *testserver.Server

	mu      sync.Mutex
	queries []string // each upgrade's raw query
	conns   []*testserver.Conn
	ops     map[*testserver.Conn][]string
	authd   map[*testserver.Conn]bool
}

func startFeed(t *testing.T) *feedServer {
	t.Helper()
	fs := &feedServer{ops: map[*testserver.Conn][]string{}, authd: map[*testserver.Conn]bool{}}
	srv, err := testserver.New(fs, testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	fs.srv = srv
	return fs
}

func (fs *feedServer) url() string { return "ws://" + fs.srv.Addr() + "/feed/{topic}" }

func (fs *feedServer) Accept(r *http.Request) (int, string, http.Header) {
	fs.mu.Lock()
	fs.queries = append(fs.queries, r.URL.RawQuery)
	fs.mu.Unlock()
	return 0, "", nil
}

func (fs *feedServer) Open(c *testserver.Conn) {
	fs.mu.Lock()
	fs.conns = append(fs.conns, c)
	fs.mu.Unlock()
}

func (fs *feedServer) Closed(*testserver.Conn) {}

func (fs *feedServer) Frame(c *testserver.Conn, frame []byte) {
	var m struct {
		Op       string
		Auth     struct{ Token string }
		Item, ID string
	}
	_ = json.Unmarshal(frame, &m)
	fs.mu.Lock()
	fs.ops[c] = append(fs.ops[c], m.Op)
	n := len(fs.conns)
	authd := fs.authd[c]
	fs.mu.Unlock()
	switch {
	case m.Op == "init" && m.Auth.Token == feedToken:
		fs.mu.Lock()
		fs.authd[c] = true
		fs.mu.Unlock()
		c.SendJSON(map[string]any{"op": "ready", "session": feedSession + string(rune('0'+n))})
	case m.Op == "init":
		c.SendJSON(map[string]any{"op": "denied"})
	case m.Op == "subscribe" && authd && m.Item == "slow": // no answer
	case m.Op == "subscribe" && authd && m.Item == "secret":
		c.SendJSON(map[string]any{"op": "rejected", "id": m.ID, "code": "forbidden", "reason": "no access to " + m.Item})
	case m.Op == "subscribe" && authd && m.Item == "banned":
		c.SendJSON(map[string]any{"op": "rejected", "id": m.ID, "code": "banned"})
	case m.Op == "subscribe" && authd && m.ID != "":
		// Another subscribe's answer first, a refusal: the client must wait
		// for its own.
		c.SendJSON(map[string]any{"op": "rejected", "id": "not-" + m.ID, "code": "forbidden"})
		c.SendJSON(map[string]any{"op": "subscribed", "id": m.ID})
	case m.Op == "subscribe" && authd:
		c.SendJSON(map[string]any{"op": "subscribed"})
	}
}

// opsOf returns the ops connection i (from 0) sent, nil before it exists.
func (fs *feedServer) opsOf(i int) []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if i >= len(fs.conns) {
		return nil
	}
	return slices.Clone(fs.ops[fs.conns[i]])
}

// push sends frame on the latest connection.
func (fs *feedServer) push(frame string) {
	fs.mu.Lock()
	c := fs.conns[len(fs.conns)-1]
	fs.mu.Unlock()
	c.Send([]byte(frame))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 10s", what)
}

// testWords name the inputs plainly, so errors show which word is used.
var testWords = specclient.Words{
	Tool: "the test",
	URL:  "URL",
	Param: func(name, value string) string {
		if value == "" {
			return "P:" + name
		}
		return "P:" + name + "=" + value
	},
	Header:     "H",
	HeaderHint: "H:",
	Cred:       "C",
	Creds:      func(keys []string) string { return "C:" + strings.Join(keys, ",") },
}

func feedPlan(t *testing.T, url, token string) (*specclient.Spec, *specclient.Dial) {
	t.Helper()
	s, err := specclient.Load(feedDoc, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Plan(specclient.PlanOptions{
		URL:        url,
		Params:     map[string]string{"topic": "news"},
		Creds:      func([]string) (map[string]string, error) { return map[string]string{"token": token}, nil },
		CredsGiven: true,
		Words:      testWords,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

// feedSetup starts a feed server and plans a dial to it with the right
// token; cleanups close the server and check no goroutine is left.
func feedSetup(t *testing.T) (*feedServer, *specclient.Spec, *specclient.Dial, context.Context) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last
	fs := startFeed(t)
	t.Cleanup(fs.srv.Close)
	s, d := feedPlan(t, fs.url(), feedToken)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return fs, s, d, ctx
}

// subscribedFeed is a client of a feed server, subscribed with the
// document's example, handing its frames to the channel it returns.
func subscribedFeed(t *testing.T) (*feedServer, *specclient.Client, chan string) {
	t.Helper()
	fs, s, d, ctx := feedSetup(t)
	out, err := s.Outgoing(d.ClientCodec(), []specclient.Send{{Example: true, Value: "subscribe", What: "the example"}}, d.Auth)
	if err != nil || len(out) != 1 {
		t.Fatalf("outgoing %v: %v", out, err)
	}
	frames := make(chan string, 64)
	c, err := specclient.Connect(ctx, d, specclient.Config{Frame: func(f []byte) { frames <- string(f) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Subscribe(ctx, out[0].Frame); err != nil {
		t.Fatal(err)
	}
	return fs, c, frames
}

// Every (re)connect runs the init step and only then sends the
// subscription again; the token and the session id the ack hands out
// never reach the frames handed out.
func TestClientReconnectsAuthenticatesAndResubscribes(t *testing.T) {
	fs, c, frames := subscribedFeed(t)
	want := []string{"init", "subscribe"}
	waitFor(t, "init then subscribe", func() bool { return slices.Equal(fs.opsOf(0), want) })
	fs.push(`{"op":"item","id":"1","text":"token ` + feedToken + ` session ` + feedSession + `1"}`)
	item := func() string {
		t.Helper()
		for {
			select {
			case f := <-frames:
				if strings.Contains(f, feedToken) || strings.Contains(f, feedSession) {
					t.Errorf("a secret was handed out: %s", f)
				}
				if strings.Contains(f, `"item"`) {
					return f
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no item within 10s")
			}
		}
	}
	if got := item(); got != `{"op":"item","id":"1","text":"token REDACTED session REDACTED"}` {
		t.Errorf("item %s", got)
	}

	fs.srv.DropAll()
	waitFor(t, "init then subscribe on the second connection", func() bool { return slices.Equal(fs.opsOf(1), want) })
	fs.push(`{"op":"item","id":"2","text":"again"}`)
	if got := item(); got != `{"op":"item","id":"2","text":"again"}` {
		t.Errorf("item after the reconnect %s", got)
	}
	if c.Err() != nil {
		t.Errorf("Err %v while running", c.Err())
	}
	c.Close()
	<-c.Done()
}

// A denied init ends the client at once, without the token in the error.
func TestClientDeniedIsPermanent(t *testing.T) {
	defer goleak.VerifyNone(t)
	fs := startFeed(t)
	defer fs.srv.Close()
	const wrong = "wrong-token-8b1c"
	_, d := feedPlan(t, fs.url(), wrong)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := specclient.Connect(ctx, d, specclient.Config{})
	if err == nil || !strings.Contains(err.Error(), "the server answered Init with Denied: authentication refused") || strings.Contains(err.Error(), wrong) {
		t.Fatalf("err %v", err)
	}
}

// Subscribe waits for the reply the document's operation awaits, by
// correlation id when the frame has one, and fails with the error a
// rejected reply reports (x-wsbind-error), a fatal code permanently.
func TestSubscribeWaitsForItsReply(t *testing.T) {
	_, _, d, ctx := feedSetup(t)
	reported := make(chan error, 8)
	c, err := specclient.Connect(ctx, d, specclient.Config{OnError: func(err error) { reported <- err }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if err := c.Subscribe(ctx, []byte(`{"op":"subscribe","item":"news","id":"s1"}`)); err != nil {
		t.Fatalf("answered subscribe: %v", err)
	}
	select {
	case err := <-reported: // the refusal of another id, nobody's reply
		if !strings.Contains(err.Error(), "Rejected: forbidden") {
			t.Errorf("reported %v, want the other id's refusal", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the refusal no request waited for was not reported")
	}

	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	err = c.Subscribe(short, []byte(`{"op":"subscribe","item":"slow","id":"s2"}`))
	stop()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unanswered subscribe: %v, want the deadline", err)
	}

	err = c.Subscribe(ctx, []byte(`{"op":"subscribe","item":"secret","id":"s3"}`))
	var re *specclient.ReplyError
	if !errors.As(err, &re) || re.Code != "forbidden" || re.Text != "no access to secret" {
		t.Fatalf("rejected subscribe: %v, want a ReplyError forbidden", err)
	}
	var perm *conn.PermanentError
	if errors.As(err, &perm) {
		t.Errorf("forbidden is not a fatal code, yet: %v", err)
	}
	err = c.Subscribe(ctx, []byte(`{"op":"subscribe","item":"banned","id":"s4"}`))
	if !errors.As(err, &perm) || !errors.As(err, &re) || re.Code != "banned" {
		t.Errorf("banned subscribe: %v, want a permanent ReplyError", err)
	}
	if strings.Contains(fmt.Sprint(err), feedToken) {
		t.Errorf("the error shows the token: %v", err)
	}
}

// A moved frame (x-wsbind-resume) makes the client reconnect at once with
// its token in the query, redo the auth step, and send no subscription
// again: the server kept them. The token is a secret from then on.
func TestClientResumesWhereTheServerSays(t *testing.T) {
	fs, c, frames := subscribedFeed(t)
	const tok = "resume-tok-77aa"
	fs.push(`{"op":"moved","token":"` + tok + `"}`)
	waitFor(t, "a second connection that authenticates", func() bool { return slices.Equal(fs.opsOf(1), []string{"init"}) })
	time.Sleep(300 * time.Millisecond)
	if got := fs.opsOf(1); !slices.Equal(got, []string{"init"}) {
		t.Errorf("the resumed connection sent %v, want init only", got)
	}
	fs.mu.Lock()
	query := fs.queries[len(fs.queries)-1]
	fs.mu.Unlock()
	if query != "resume="+tok {
		t.Errorf("resumed with query %q, want resume=%s", query, tok)
	}
	for len(frames) > 0 {
		if f := <-frames; strings.Contains(f, tok) {
			t.Errorf("the token was handed out: %s", f)
		}
	}
	if strings.Contains(c.Redact("a "+tok), tok) {
		t.Error("Redact does not know the resume token")
	}
}

// With Verdict set, each server frame comes with the verdict of the one
// decode the client marks replies with: the same as Codec.Check with
// drift, computed on the frame as received, and the frame handed out
// with the session id it carries replaced.
func TestClientVerdictIsCheck(t *testing.T) {
	fs, _, d, ctx := feedSetup(t)
	type seen struct {
		frame string
		r     wire.Result
	}
	got := make(chan seen, 64)
	c, err := specclient.Connect(ctx, d, specclient.Config{
		Verdict: func(f []byte, r *wire.Result) { got <- seen{string(f), *r} },
		Frame:   func([]byte) { t.Error("Frame called beside Verdict") },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent := []string{
		`{"op":"item","id":"1","text":"plain"}`,
		`{"op":"item","id":"2","text":"more","extra":true}`,
		`{"op":"item","id":3,"text":"bad id"}`,
		`{"op":"surprise"}`,
	}
	for _, f := range sent {
		fs.push(f)
	}
	var ready bool
	byFrame := map[string]wire.Result{}
	for len(byFrame) < len(sent) {
		select {
		case s := <-got:
			if strings.Contains(s.frame, `"ready"`) {
				ready = true
				if strings.Contains(s.frame, feedSession) {
					t.Errorf("the session id was handed out: %s", s.frame)
				}
				continue
			}
			byFrame[s.frame] = s.r
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d verdicts", len(byFrame), len(sent))
		}
	}
	if !ready {
		t.Error("no verdict for the ack")
	}
	// Everything but the decoded value, which is a fresh one per decode.
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(wire.Result{}, "Message"),
		cmp.Comparer(func(a, b error) bool { return (a == nil) == (b == nil) })}
	for _, f := range sent {
		r, ok := byFrame[f]
		if !ok {
			t.Errorf("no verdict for %s", f)
			continue
		}
		if diff := cmp.Diff(d.ServerCodec().Check([]byte(f), true), r, opts...); diff != "" {
			t.Errorf("%s: the verdict differs from Check (-Check +Verdict):\n%s", f, diff)
		}
	}
	if r := byFrame[sent[1]]; len(r.Drift) == 0 {
		t.Error("no drift for the undeclared property")
	}
	if r := byFrame[sent[2]]; r.Valid() {
		t.Error("a number id judged valid")
	}
}
