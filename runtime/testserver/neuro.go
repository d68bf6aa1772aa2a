package testserver

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Neuro paths: one server serves the deprecated v1 API and v2.
const (
	NeuroPathV2       = "/api/v2/ws"
	NeuroPathV1       = "/api/ws"
	NeuroTicketPathV2 = "/api/v2/ws/ticket"
	NeuroTicketPathV1 = "/api/ws/ticket"
)

// Plain-text bodies of the refused WebSocket handshakes (https://github.com/Appstun/NeuroInfoAPI-Docs/blob/5aaa024/websocket.md).
// NeuroTextAuthError and NeuroTextUpgradeFailed are never sent on their
// own; pass them to FailUpgrade with status 500.
const (
	NeuroTextNotFound       = "Not Found"
	NeuroTextMissingAuth    = "Missing authentication (ticket or token required)"
	NeuroTextBadTicket      = "Invalid or expired ticket"
	NeuroTextBadToken       = "Invalid or expired token"
	NeuroTextAuthError      = "Authentication error"
	NeuroTextUpgradeFailed  = "Upgrade failed"
	NeuroTextCouldNotParse  = "Could not parse message."
	neuroTextMissingType    = "Missing eventType."
	neuroTextInvalidType    = "Invalid eventType."
	neuroTextUnknownMessage = "Unknown message type."
)

// neuroReserveGrace bounds how long a connection slot stays reserved by an
// upgrade that passed Accept but never opened (a handshake that failed
// afterwards).
const neuroReserveGrace = 10 * time.Second

// NeuroEventTypes returns the twelve event types of the spec's EventType,
// in the order of the newer docs' listEvents example.
func NeuroEventTypes() []string {
	return []string{
		"blogFeedUpdate", "xFeedNewEntries", "xFeedUpdate",
		"scheduleUpdate", "subathonUpdate", "subathonGoalUpdate",
		"streamOnline", "streamUpdate", "streamOffline",
		"secretneuroaccountOnline", "streamRaidIncoming", "streamRaidOutgoing",
	}
}

// NeuroOptions configure a Neuro server. Zero values take the defaults in
// brackets.
type NeuroOptions struct {
	// Addr to listen on [127.0.0.1:0].
	Addr string
	// Tokens are the valid API tokens [empty: any non-empty token].
	Tokens []string
	// UnlimitedTokens are valid tokens exempt from MaxConnections ("unlimited
	// tokens excluded") [none].
	UnlimitedTokens []string
	// MaxConnections caps the open connections of one user, i.e. one API
	// token, however they authenticated [5]; negative means no cap.
	MaxConnections int
	// TicketTTL is how long a ticket stays usable [30s].
	TicketTTL time.Duration
	// TicketRateLimit is how many ticket requests one client address may
	// make within TicketRateWindow before 429 RL4 (v1) / RL6 (v2)
	// [0: no limit].
	TicketRateLimit int
	// TicketRateWindow is the sliding window of TicketRateLimit [1m].
	TicketRateWindow time.Duration
	// PingInterval is the cadence of WebSocket pings [30s]; negative: none.
	PingInterval time.Duration
	// IdleTimeout drops a connection with no client traffic (frames or
	// pongs) for this long [60s]; negative: never.
	IdleTimeout time.Duration
	// StreamUpdateInterval throttles streamUpdate to one broadcast per
	// interval; one published within it is held and sent, the latest only,
	// when it ends [2s]; negative: no throttle.
	StreamUpdateInterval time.Duration
	// EventTypes are the types addEvent accepts and listEvents offers
	// [NeuroEventTypes()].
	EventTypes []string
	// RefuseSubscribe lists event types whose addEvent is answered with
	// subscribed:false [none].
	RefuseSubscribe []string
	// MaxTickets caps the tickets issued within TicketTTL that the server
	// tracks, used or not; issuing one more drops the oldest, so a client
	// that asks for tickets in a loop costs bounded memory [65536].
	MaxTickets int
	// Limits bound what one client may cost the server.
	Limits Limits
}

// Neuro is a NeuroInfoAPI server (appstun): REST ticket endpoints, ticket
// or Bearer auth at the handshake with plain-text refusals, a per-user
// connection cap, welcome, addEvent/removeEvent/listEvents/ping, event
// frames, WebSocket pings and the idle timeout. It serves v2 at
// /api/v2/ws (URL) and the deprecated v1 at /api/ws (URLV1).
type Neuro struct {
	*Server
	opt       NeuroOptions
	tokens    map[string]bool
	unlimited map[string]bool
	known     map[string]bool
	refuse    map[string]bool
	issued    atomic.Int64
	rejected  atomic.Int64

	mu         sync.Mutex
	closed     bool
	stop       chan struct{}
	wg         sync.WaitGroup
	tickets    map[string]*neuroTicket
	ticketq    []neuroQueued // issue order, hence expiry order
	pending    map[*http.Request]*neuroConn
	conns      map[*Conn]*neuroConn
	users      map[string]int // open and reserved connections per token
	rate       map[string][]time.Time
	failN      int
	failStatus int
	failText   string
	suLast     time.Time
	suHeld     *neuroHeld
}

type neuroTicket struct {
	token   string
	expires time.Time
}

// neuroQueued is a ticket in issue order. Every ticket lives TicketTTL, so
// the queue is also in expiry order and issuing expires tickets from its
// front alone, in amortised constant time.
type neuroQueued struct {
	id string
	t  *neuroTicket
}

type neuroConn struct {
	token     string
	version   int
	sessionID string
	reserved  time.Time
	subs      []string // guarded by Neuro.mu
}

type neuroHeld struct {
	frame []byte
}

// NewNeuro starts a Neuro server on loopback.
func NewNeuro(opt NeuroOptions) (*Neuro, error) {
	if opt.MaxConnections == 0 {
		opt.MaxConnections = 5
	}
	if opt.TicketTTL <= 0 {
		opt.TicketTTL = 30 * time.Second
	}
	if opt.MaxTickets <= 0 {
		opt.MaxTickets = 1 << 16
	}
	if opt.TicketRateWindow <= 0 {
		opt.TicketRateWindow = time.Minute
	}
	if opt.PingInterval == 0 {
		opt.PingInterval = 30 * time.Second
	}
	if opt.IdleTimeout == 0 {
		opt.IdleTimeout = 60 * time.Second
	}
	if opt.StreamUpdateInterval == 0 {
		opt.StreamUpdateInterval = 2 * time.Second
	}
	if opt.EventTypes == nil {
		opt.EventTypes = NeuroEventTypes()
	}
	n := &Neuro{
		opt:       opt,
		tokens:    neuroSet(opt.Tokens),
		unlimited: neuroSet(opt.UnlimitedTokens),
		known:     neuroSet(opt.EventTypes),
		refuse:    neuroSet(opt.RefuseSubscribe),
		stop:      make(chan struct{}),
		tickets:   map[string]*neuroTicket{},
		pending:   map[*http.Request]*neuroConn{},
		conns:     map[*Conn]*neuroConn{},
		users:     map[string]int{},
		rate:      map[string][]time.Time{},
	}
	s, err := New(n, Options{Addr: opt.Addr, Path: NeuroPathV2, Limits: opt.Limits})
	if err != nil {
		return nil, err
	}
	n.Server = s
	s.HandleWS(NeuroPathV1)
	s.Mux.HandleFunc("GET "+NeuroTicketPathV2, func(w http.ResponseWriter, r *http.Request) { n.neuroServeTicket(w, r, 2) })
	s.Mux.HandleFunc("GET "+NeuroTicketPathV1, func(w http.ResponseWriter, r *http.Request) { n.neuroServeTicket(w, r, 1) })
	s.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, NeuroTextNotFound, http.StatusNotFound)
	})
	return n, nil
}

func neuroSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// Close stops the server, every connection, keepalive and throttle timer,
// and waits for their goroutines.
func (n *Neuro) Close() {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.stop)
	}
	n.mu.Unlock()
	n.Server.Close()
	n.wg.Wait()
}

// URLV1 is the ws:// URL of the deprecated v1 endpoint (URL is v2's).
func (n *Neuro) URLV1() string {
	return "ws" + strings.TrimPrefix(n.HTTPURL, "http") + NeuroPathV1
}

// TicketURL is the http:// URL of the v2 ticket endpoint.
func (n *Neuro) TicketURL() string { return n.HTTPURL + NeuroTicketPathV2 }

// TicketURLV1 is the http:// URL of the v1 ticket endpoint.
func (n *Neuro) TicketURLV1() string { return n.HTTPURL + NeuroTicketPathV1 }

// IssueTicket issues a ticket for token without the REST round trip, as
// the ticket endpoint would (token is not checked).
func (n *Neuro) IssueTicket(token string) string {
	t := NewToken()
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	// Pop used or expired tickets, and the oldest over the cap. Every
	// outstanding ticket is in the queue, so its length bounds both.
	for len(n.ticketq) > 0 {
		q := n.ticketq[0]
		live := n.tickets[q.id] == q.t
		if live && !now.After(q.t.expires) && len(n.ticketq) < n.opt.MaxTickets {
			break
		}
		if live {
			delete(n.tickets, q.id)
		}
		n.ticketq[0] = neuroQueued{}
		n.ticketq = n.ticketq[1:]
	}
	tk := &neuroTicket{token: token, expires: now.Add(n.opt.TicketTTL)}
	n.tickets[t] = tk
	n.ticketq = append(n.ticketq, neuroQueued{id: t, t: tk})
	n.issued.Add(1)
	return t
}

// OutstandingTickets counts the tickets issued, not yet used and not yet
// swept (an expired ticket may be counted until the next issue).
func (n *Neuro) OutstandingTickets() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.tickets)
}

// TicketsIssued counts the tickets issued so far.
func (n *Neuro) TicketsIssued() int { return int(n.issued.Load()) }

// ExpireTickets makes every outstanding ticket expired.
func (n *Neuro) ExpireTickets() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.tickets)
	n.ticketq = nil
}

// FailUpgrade refuses the next count upgrade attempts, before any auth
// check, with status and the plain-text body text (http.StatusText(status)
// when empty). FailUpgrade(1, 500, NeuroTextAuthError) models the
// documented "500 Authentication error". A refused ticket is not consumed.
func (n *Neuro) FailUpgrade(count, status int, text string) {
	if text == "" {
		text = http.StatusText(status)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.failN, n.failStatus, n.failText = count, status, text
}

// Rejected counts upgrades refused, for any reason.
func (n *Neuro) Rejected() int { return int(n.rejected.Load()) }

// SessionID returns the sessionId the welcome frame gave c.
func (n *Neuro) SessionID(c *Conn) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if st := n.conns[c]; st != nil {
		return st.sessionID
	}
	return ""
}

// SessionIDs returns the session ids of the open connections, oldest first.
func (n *Neuro) SessionIDs() []string {
	conns := n.Conns()
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]string, 0, len(conns))
	for _, c := range conns {
		if st := n.conns[c]; st != nil {
			out = append(out, st.sessionID)
		}
	}
	return out
}

// Version returns 1 or 2, the API version of the endpoint c dialled, or 0
// when c is not open.
func (n *Neuro) Version(c *Conn) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if st := n.conns[c]; st != nil {
		return st.version
	}
	return 0
}

// Subscriptions returns c's subscribed event types in the order they were
// added.
func (n *Neuro) Subscriptions(c *Conn) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if st := n.conns[c]; st != nil {
		return slices.Clone(st.subs)
	}
	return nil
}

// ConnsOf counts the connections of the user with this API token, open or
// being opened.
func (n *Neuro) ConnsOf(token string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.users[token]
}

// Publish sends an event frame to every connection subscribed to
// eventType and returns how many it was sent to (silent ones do not count).
// A streamUpdate within StreamUpdateInterval of the last one is held, to be
// sent when the interval ends, and Publish returns 0.
func (n *Neuro) Publish(eventType string, eventData any) int {
	return n.neuroDeliver(eventType, neuroEventFrame(eventType, eventData))
}

// PublishTo sends c an event frame whether or not it subscribed.
func (n *Neuro) PublishTo(c *Conn, eventType string, eventData any) {
	c.Send(neuroEventFrame(eventType, eventData))
}

// SendInvalid sends c an unprompted invalid frame; message "" leaves the
// message out.
func (n *Neuro) SendInvalid(c *Conn, reason, message string) {
	c.SendJSON(neuroInvalid(reason, message))
}

func neuroEventFrame(eventType string, eventData any) []byte {
	b, err := json.Marshal(map[string]any{"type": "event", "data": map[string]any{
		"eventType": eventType, "eventData": eventData, "timestamp": time.Now().UnixMilli(),
	}})
	if err != nil {
		panic(err) // test servers only marshal what tests give them
	}
	return b
}

func neuroInvalid(reason, message string) map[string]any {
	d := map[string]any{"reason": reason}
	if message != "" {
		d["message"] = message
	}
	return map[string]any{"type": "invalid", "data": d}
}

// neuroDeliver sends frame to the subscribers of eventType, applying the
// streamUpdate throttle.
func (n *Neuro) neuroDeliver(eventType string, frame []byte) int {
	if eventType == "streamUpdate" && n.opt.StreamUpdateInterval > 0 {
		now := time.Now()
		n.mu.Lock()
		if n.closed {
			n.mu.Unlock()
			return 0
		}
		if wait := n.opt.StreamUpdateInterval - now.Sub(n.suLast); !n.suLast.IsZero() && wait > 0 || n.suHeld != nil {
			if n.suHeld != nil {
				n.suHeld.frame = frame // the latest wins
			} else {
				n.suHeld = &neuroHeld{frame: frame}
				n.wg.Add(1)
				go n.neuroReleaseHeld(wait)
			}
			n.mu.Unlock()
			return 0
		}
		n.suLast = now
		n.mu.Unlock()
	}
	return n.neuroSend(eventType, frame)
}

func (n *Neuro) neuroReleaseHeld(wait time.Duration) {
	defer n.wg.Done()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-n.stop:
		return
	case <-t.C:
	}
	n.mu.Lock()
	held := n.suHeld
	n.suHeld = nil
	n.suLast = time.Now()
	n.mu.Unlock()
	if held != nil {
		n.neuroSend("streamUpdate", held.frame)
	}
}

func (n *Neuro) neuroSend(eventType string, frame []byte) int {
	var targets []*Conn
	n.mu.Lock()
	for c, st := range n.conns {
		if slices.Contains(st.subs, eventType) {
			targets = append(targets, c)
		}
	}
	n.mu.Unlock()
	sent := 0
	for _, c := range targets {
		if c.Silent() {
			continue
		}
		c.Send(frame)
		sent++
	}
	return sent
}

// neuroBearer returns the token of an "Authorization: Bearer <token>"
// header, or "".
func neuroBearer(h http.Header) string {
	v := h.Get("Authorization")
	if len(v) < 7 || !strings.EqualFold(v[:7], "Bearer ") {
		return ""
	}
	return strings.TrimSpace(v[7:])
}

func (n *Neuro) neuroValidToken(tok string) bool {
	if tok == "" {
		return false
	}
	if len(n.tokens) == 0 {
		return true
	}
	return n.tokens[tok] || n.unlimited[tok]
}

// neuroServeTicket serves GET /api/ws/ticket (v1) and /api/v2/ws/ticket.
func (n *Neuro) neuroServeTicket(w http.ResponseWriter, r *http.Request, version int) {
	fail := func(status int, code, msg string) {
		e := map[string]any{"code": code, "message": msg}
		if version == 2 {
			e["timestamp"] = time.Now().UnixMilli()
			e["path"] = r.URL.Path
		}
		neuroWriteJSON(w, status, map[string]any{"error": e})
	}
	if n.neuroRateLimited(r) {
		code := map[int]string{1: "RL4", 2: "RL6"}[version]
		fail(http.StatusTooManyRequests, code, fmt.Sprintf("Rate limit exceeded: Maximum %d requests per %s",
			n.opt.TicketRateLimit, neuroWindowText(n.opt.TicketRateWindow)))
		return
	}
	tok := neuroBearer(r.Header)
	if tok == "" {
		if version == 1 {
			fail(http.StatusUnauthorized, "AU1", "Missing or invalid authorization header")
		} else {
			fail(http.StatusUnauthorized, "AU9", "Missing or invalid authorization header. Use: Authorization: Bearer YOUR_TOKEN")
		}
		return
	}
	if !n.neuroValidToken(tok) {
		code := map[int]string{1: "AU2", 2: "AU11"}[version]
		fail(http.StatusUnauthorized, code, "Invalid or expired API token")
		return
	}
	ticket := n.IssueTicket(tok)
	url := n.URL
	if version == 1 {
		url = n.URLV1()
	}
	neuroWriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"ticket":    ticket,
		"expiresIn": int(math.Ceil(n.opt.TicketTTL.Seconds())),
		"usage":     "Connect with " + url + "?ticket=<ticket>",
	}})
}

func neuroWindowText(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "minute"
	case d%time.Second == 0:
		return fmt.Sprintf("%d seconds", int(d/time.Second))
	default:
		return d.String()
	}
}

func neuroWriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// neuroRateLimited records a ticket request from r's client address and
// reports whether it is over TicketRateLimit.
func (n *Neuro) neuroRateLimited(r *http.Request) bool {
	if n.opt.TicketRateLimit <= 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	keep := n.rate[host][:0]
	for _, t := range n.rate[host] {
		if now.Sub(t) < n.opt.TicketRateWindow {
			keep = append(keep, t)
		}
	}
	if len(keep) >= n.opt.TicketRateLimit {
		n.rate[host] = keep
		return true
	}
	n.rate[host] = append(keep, now)
	return false
}

// neuroIsUpgrade reports whether gorilla's Upgrader will accept r, so that
// a connection slot is reserved only for a handshake that will open.
func neuroIsUpgrade(r *http.Request) bool {
	if r.Method != http.MethodGet || !websocket.IsWebSocketUpgrade(r) {
		return false
	}
	if !slices.ContainsFunc(strings.Split(r.Header.Get("Sec-Websocket-Version"), ","), func(s string) bool {
		return strings.TrimSpace(s) == "13"
	}) {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-Websocket-Key"))
	return err == nil && len(key) == 16
}

// Accept implements Handler: FailUpgrade refusals, then ticket or Bearer
// auth and the per-user connection cap, each refused with its documented
// plain-text answer. A ticket is consumed by the handshake naming it.
func (n *Neuro) Accept(r *http.Request) (int, string, http.Header) {
	status, body := n.neuroAccept(r)
	if status != 0 {
		n.rejected.Add(1)
	}
	return status, body, nil
}

func (n *Neuro) neuroAccept(r *http.Request) (int, string) {
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failN > 0 {
		n.failN--
		return n.failStatus, n.failText
	}
	var token string
	if t := r.URL.Query().Get("ticket"); t != "" {
		tk := n.tickets[t]
		delete(n.tickets, t) // one use, valid or not
		if tk == nil || now.After(tk.expires) {
			return http.StatusUnauthorized, NeuroTextBadTicket
		}
		token = tk.token
	} else if token = neuroBearer(r.Header); token != "" {
		if !n.neuroValidToken(token) {
			return http.StatusUnauthorized, NeuroTextBadToken
		}
	} else {
		return http.StatusUnauthorized, NeuroTextMissingAuth
	}
	if !neuroIsUpgrade(r) {
		return 0, "" // the upgrader answers 400 and no slot is taken
	}
	for req, st := range n.pending {
		if now.Sub(st.reserved) > neuroReserveGrace {
			delete(n.pending, req)
			n.neuroReleaseLocked(st.token)
		}
	}
	if limit := n.opt.MaxConnections; limit > 0 && !n.unlimited[token] && n.users[token] >= limit {
		return http.StatusTooManyRequests, fmt.Sprintf("Connection limit reached (max %d)", limit)
	}
	version := 2
	if r.URL.Path == NeuroPathV1 {
		version = 1
	}
	n.pending[r] = &neuroConn{token: token, version: version, reserved: now}
	n.users[token]++
	return 0, ""
}

func (n *Neuro) neuroReleaseLocked(token string) {
	if n.users[token] <= 1 {
		delete(n.users, token)
	} else {
		n.users[token]--
	}
}

// Open implements Handler: it takes over the slot Accept reserved, sends
// the welcome and starts the keepalive.
func (n *Neuro) Open(c *Conn) {
	n.mu.Lock()
	st := n.pending[c.Request]
	delete(n.pending, c.Request)
	if st == nil || n.closed {
		if st != nil {
			n.neuroReleaseLocked(st.token)
		}
		n.mu.Unlock()
		c.Drop()
		return
	}
	st.sessionID = NewToken()[:8]
	n.conns[c] = st
	// Queued under the lock so that no Publish can overtake the welcome.
	c.SendJSON(map[string]any{"type": "welcome", "data": map[string]any{"sessionId": st.sessionID}})
	if n.opt.PingInterval > 0 || n.opt.IdleTimeout > 0 {
		n.wg.Add(1)
		go n.neuroKeepalive(c)
	}
	n.mu.Unlock()
}

// neuroKeepalive pings c every PingInterval and drops it once no client
// frame or pong has arrived for IdleTimeout. A silenced connection sends
// no pings, so it is not held to the idle timeout.
func (n *Neuro) neuroKeepalive(c *Conn) {
	defer n.wg.Done()
	var pingC, idleC <-chan time.Time
	if n.opt.PingInterval > 0 {
		t := time.NewTicker(n.opt.PingInterval)
		defer t.Stop()
		pingC = t.C
	}
	var idle *time.Timer
	if n.opt.IdleTimeout > 0 {
		idle = time.NewTimer(n.opt.IdleTimeout)
		defer idle.Stop()
		idleC = idle.C
	}
	for {
		select {
		case <-n.stop:
			return
		case <-c.Done():
			return
		case <-pingC:
			_ = c.Ping() // a no-op when silent; write errors end the read loop
		case <-idleC:
			if c.Silent() {
				idle.Reset(n.opt.IdleTimeout)
				continue
			}
			quiet := time.Since(time.Unix(0, c.LastActivity.Load()))
			if quiet >= n.opt.IdleTimeout {
				c.Drop()
				return
			}
			idle.Reset(n.opt.IdleTimeout - quiet)
		}
	}
}

// Closed implements Handler: it frees the user's connection slot.
func (n *Neuro) Closed(c *Conn) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if st := n.conns[c]; st != nil {
		delete(n.conns, c)
		n.neuroReleaseLocked(st.token)
	}
}

// Frame implements Handler: addEvent, removeEvent, listEvents, ping, or
// an invalid answer.
func (n *Neuro) Frame(c *Conn, frame []byte) {
	o, ok := ParseObject(frame)
	if !ok {
		c.SendJSON(neuroInvalid("malformed", NeuroTextCouldNotParse))
		return
	}
	typ := o.Str("type")
	switch typ {
	case "ping":
		c.SendJSON(map[string]any{"type": "pong", "data": map[string]any{}})
		return
	case "listEvents":
		subs := n.Subscriptions(c)
		if subs == nil {
			subs = []string{}
		}
		c.SendJSON(map[string]any{"type": "listEvents", "data": map[string]any{
			"subscribedEvents": subs, "availableEvents": slices.Clone(n.opt.EventTypes),
		}})
		return
	case "addEvent", "removeEvent":
	default:
		c.SendJSON(neuroInvalid("malformed", neuroTextUnknownMessage))
		return
	}
	raw, present := o.Obj("data")["eventType"]
	et, isStr := raw.(string)
	switch {
	case !present || raw == nil || (isStr && et == ""):
		c.SendJSON(neuroInvalid("missingEventtype", neuroTextMissingType))
		return
	case !isStr || !n.known[et]:
		c.SendJSON(neuroInvalid("invalidEventtype", neuroTextInvalidType))
		return
	}
	n.mu.Lock()
	st := n.conns[c]
	if st == nil {
		n.mu.Unlock()
		return
	}
	if typ == "addEvent" {
		ok := !n.refuse[et]
		if ok && !slices.Contains(st.subs, et) {
			st.subs = append(st.subs, et)
		}
		n.mu.Unlock()
		c.SendJSON(map[string]any{"type": "addSuccess", "data": map[string]any{"eventType": et, "subscribed": ok}})
		return
	}
	i := slices.Index(st.subs, et)
	if i >= 0 {
		st.subs = slices.Delete(st.subs, i, i+1)
	}
	n.mu.Unlock()
	c.SendJSON(map[string]any{"type": "removeSuccess", "data": map[string]any{"eventType": et, "unsubscribed": i >= 0}})
}

func init() {
	mocks["neuro"] = func(opt MockOptions) (Mock, error) {
		n, err := NewNeuro(NeuroOptions{Addr: opt.Addr, Limits: opt.Limits, Tokens: []string{DemoToken}})
		if err != nil {
			return nil, err
		}
		return neuroMock{n}, nil
	}
}

type neuroMock struct{ *Neuro }

func (m neuroMock) URL() string { return m.Neuro.URL }

func (m neuroMock) Credentials() []string {
	return []string{
		"token: " + DemoToken + " (header Authorization: Bearer " + DemoToken + " on the upgrade)",
		"ticket: GET " + m.TicketURL() + " with that header, then dial " + m.Neuro.URL + "?ticket=<ticket>",
		"v1 (deprecated): " + m.URLV1() + ", tickets from " + m.TicketURLV1(),
	}
}

// Replay sends a captured event frame, as is, to the connections
// subscribed to its eventType; other server frames go to every connection.
func (m neuroMock) Replay(frame []byte) int {
	o, ok := ParseObject(frame)
	if !ok {
		return 0
	}
	if o.Str("type") == "event" {
		return m.neuroDeliver(o.Obj("data").Str("eventType"), frame)
	}
	sent := 0
	for _, c := range m.Conns() {
		if !c.Silent() {
			c.Send(frame)
			sent++
		}
	}
	return sent
}

func (m neuroMock) Close() { m.Neuro.Close() }
