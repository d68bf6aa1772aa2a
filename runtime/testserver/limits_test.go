package testserver

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

// limitsSmall keeps the slow-client tests fast.
var limitsSmall = Limits{
	MaxQueueBytes:    64 << 10,
	WriteTimeout:     2 * time.Second,
	CloseTimeout:     200 * time.Millisecond,
	HandshakeTimeout: 300 * time.Millisecond,
}

// A server that queues faster than a reading client drains ends it with
// CloseSlowClient once the queue passes its bound, and the queue never
// holds more than the bound plus one frame.
func TestSlowClientGetsCloseCode(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{Limits: limitsSmall, PingInterval: -1})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDial(t, ctx, a.URL)
	c := astroConns(t, ctx, a, 1)[0]

	frame := []byte(`"` + strings.Repeat("x", 16<<10) + `"`)
	var peak int64
	for i := 0; i < 1000 && !c.isSlow(); i++ {
		c.Send(frame)
		peak = max(peak, c.QueuedBytes())
	}
	if !c.isSlow() {
		t.Fatal("1000 frames of 16 KiB did not pass a 64 KiB queue")
	}
	if bound := limitsSmall.MaxQueueBytes + int64(len(frame)) + frameOverhead; peak > bound {
		t.Errorf("queue peaked at %d bytes, bound %d", peak, bound)
	}
	var ce *websocket.CloseError
	for i := 0; i < 1000; i++ {
		_ = ws.SetReadDeadline(time.Now().Add(astroWait))
		if _, _, err := ws.ReadMessage(); err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("read ended with %v, want close %d", err, CloseSlowClient)
			}
			break
		}
	}
	if ce == nil || ce.Code != CloseSlowClient {
		t.Fatalf("close %v, want %d", ce, CloseSlowClient)
	}
	if _, err := a.WaitConns(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.SlowClosed != 1 || st.QueuedBytes != 0 {
		t.Errorf("stats %+v, want one slow close and nothing queued", st)
	}
	if q := c.QueuedBytes(); q != 0 {
		t.Errorf("a closed conn still holds %d queued bytes", q)
	}
}

// A client that sends requests with large nonces and never reads is cut
// within a bounded time, and its queue stays bounded meanwhile.
func TestNonReadingClientIsCut(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := astroStart(t, AstroOptions{Limits: limitsSmall, PingInterval: -1})
	defer a.Close()
	ctx := astroCtx(t)
	ws := astroDialRaw(t, ctx, a.URL)
	c := astroConns(t, ctx, a, 1)[0]
	req := []byte(`{"type":"subscribe","nonce":"` + strings.Repeat("n", 32<<10) + `","data":{"topic":"channel.tips","token":"t","token_type":"jwt"}}`)
	deadline := time.Now().Add(10 * time.Second)
	var peak int64
	for i := 0; i < 100000 && time.Now().Before(deadline); i++ {
		peak = max(peak, c.QueuedBytes())
		_ = ws.SetWriteDeadline(time.Now().Add(time.Second))
		if err := ws.WriteMessage(websocket.TextMessage, req); err != nil {
			break
		}
		select {
		case <-c.Done():
			i = 100000
		default:
		}
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the non-reading client was not cut")
	}
	if bound := limitsSmall.MaxQueueBytes + int64(len(req)) + 1024; peak > bound {
		t.Errorf("queue peaked at %d bytes, bound %d", peak, bound)
	}
	if _, err := a.WaitConns(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.SlowClosed != 1 {
		t.Errorf("stats %+v, want one slow close", st)
	}
}

// A request whose headers never end is cut after HandshakeTimeout.
func TestSlowlorisCut(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := New(limitsEcho{}, Options{Limits: limitsSmall})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(nc)
	for i := 0; i < 100; i++ {
		if _, err = br.ReadString('\n'); err != nil {
			break
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("still open after %v", time.Since(start))
	}
}

type limitsEcho struct{}

func (limitsEcho) Accept(*http.Request) (int, string, http.Header) { return 0, "", nil }
func (limitsEcho) Open(*Conn)                                      {}
func (limitsEcho) Frame(c *Conn, b []byte)                         { c.Send(b) }
func (limitsEcho) Closed(*Conn)                                    {}

// Issuing sweeps expired and used tickets from the front of its queue,
// and MaxTickets drops the oldest, while a ticket stays one-time.
func TestNeuroTicketQueue(t *testing.T) {
	defer goleak.VerifyNone(t)
	n := neuroStart(t, NeuroOptions{TicketTTL: 200 * time.Millisecond, MaxTickets: 8})
	defer n.Close()
	for range 8 {
		n.IssueTicket("tok")
	}
	if got := n.OutstandingTickets(); got != 8 {
		t.Fatalf("%d outstanding, want 8", got)
	}
	time.Sleep(250 * time.Millisecond)
	n.IssueTicket("tok")
	if got := n.OutstandingTickets(); got != 1 {
		t.Fatalf("%d outstanding after expiry, want 1", got)
	}

	n2 := neuroStart(t, NeuroOptions{MaxTickets: 4})
	defer n2.Close()
	var ids []string
	for range 6 {
		ids = append(ids, n2.IssueTicket("tok"))
	}
	if got := n2.OutstandingTickets(); got != 4 {
		t.Fatalf("%d outstanding, want the cap 4", got)
	}
	ctx := neuroCtx(t)
	if status, body := neuroRefused(t, ctx, n2.URL+"?ticket="+ids[0], nil); status != http.StatusUnauthorized || body != NeuroTextBadTicket {
		t.Fatalf("the evicted ticket got %d %q", status, body)
	}
	ws, _ := neuroDial(t, ctx, n2.URL+"?ticket="+ids[5], nil)
	ws.Close()
	if status, _ := neuroRefused(t, ctx, n2.URL+"?ticket="+ids[5], nil); status != http.StatusUnauthorized {
		t.Fatalf("a used ticket got %d, want 401", status)
	}
}

// A client that reads nothing while the server pushes slowly is cut by
// the write timeout before the queue fills.
func TestWriteTimeoutCutsClient(t *testing.T) {
	defer goleak.VerifyNone(t)
	lim := limitsSmall
	lim.MaxQueueBytes = 64 << 20
	lim.WriteTimeout = 300 * time.Millisecond
	s, err := New(limitsEcho{}, Options{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := astroCtx(t)
	astroDialRaw(t, ctx, s.URL) // never read
	cs, err := s.WaitConns(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	frame := make([]byte, 64<<10)
	for i := 0; i < 4000; i++ {
		select {
		case <-c.Done():
			i = 4000
		case <-time.After(2 * time.Millisecond):
			c.Send(frame)
		}
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the non-reading client was not cut")
	}
	if c.isSlow() {
		t.Error("cut by the queue bound, want the write timeout")
	}
	if _, err := s.WaitConns(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.SlowClosed != 1 {
		t.Errorf("stats %+v, want one slow close", st)
	}
}

func TestOctaveSessionsAreCappedAndSweptInAmortisedTime(t *testing.T) {
	o, err := NewOctave(OctaveOptions{SessionTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for i := 0; i < octaveMaxSessions; i++ {
		if _, ok := o.newSession(); !ok {
			t.Fatalf("refused session %d of %d", i+1, octaveMaxSessions)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, o.SessionURL(), nil)
	req.Header.Set("X-Auth-Company", "c")
	req.Header.Set("X-Auth-Token", "t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("POST /session at the cap = %d, want 429", resp.StatusCode)
	}
	// Expired sessions free their places at the next sweep.
	o.ExpireSessions()
	o.mu.Lock()
	o.prunedAt = time.Time{}
	o.mu.Unlock()
	if _, ok := o.newSession(); !ok {
		t.Fatal("still refused once the sessions expired")
	}
}
