package testserver

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// AstroWelcomeMessage is the fixed greeting of Astro's welcome frame.
const AstroWelcomeMessage = "You are in a maze of dank memes, all alike."

// AstroCloseInvalidResume is the close code sent to a connection that
// presents an invalid, used or expired reconnect token. Astro documents no
// close codes; 4000 is this server's choice.
const AstroCloseInvalidResume = 4000

// AstroOptions configure an Astro server. Zero values take the defaults in
// brackets.
type AstroOptions struct {
	// Addr to listen on [127.0.0.1:0].
	Addr string
	// Tokens maps each valid token to its scopes; "*" grants every topic.
	// [empty: every non-empty token is valid with scope "*"]
	Tokens map[string][]string
	// TopicScopes maps each known topic to the scope it needs ("" for none).
	// [AstroTopicScopes()]
	TopicScopes map[string]string
	// MaxSubscriptions caps the topic+room pairs of one connection [100].
	MaxSubscriptions int
	// RateLimit is how many commands a connection may send within
	// RateWindow before it gets rate_limit_exceeded [0: no limit].
	RateLimit int
	// RateWindow is the sliding window of RateLimit [1s].
	RateWindow time.Duration
	// PingInterval is the cadence of WebSocket ping frames [30s]; negative
	// turns pings and the pong deadline off.
	PingInterval time.Duration
	// PongTimeout drops a connection whose last pong is older than this [70s].
	PongTimeout time.Duration
	// RestartGrace is how long AnnounceRestart waits before closing [100ms].
	RestartGrace time.Duration
	// ResumeTTL is how long a reconnect token stays valid [60s].
	ResumeTTL time.Duration
	// Draining starts the server refusing upgrades with 502 (see SetDraining).
	Draining bool
	// Limits bound what one client may cost the server.
	Limits Limits
}

// AstroSubscription is one topic+room a connection is subscribed to.
type AstroSubscription struct {
	Topic string
	Room  string
}

// Astro is a StreamElements Astro gateway: welcome, subscribe/unsubscribe
// with per-request tokens and scopes, topic notifications, ping/pong
// heartbeat, reconnect tokens, and the 502/429 handshake refusals.
type Astro struct {
	*Server
	opt AstroOptions

	draining atomic.Bool
	rejected atomic.Int64

	mu         sync.Mutex
	rejectN    int
	rejectCode int
	rejectWait string
	conns      map[*Conn]*astroConn
	resumes    map[string]*astroResume
	closed     bool
	stop       chan struct{}
	wg         sync.WaitGroup
}

type astroConn struct {
	clientID string
	resumed  bool
	subs     []AstroSubscription // guarded by Astro.mu
	cmds     []time.Time         // guarded by Astro.mu
	lastPong atomic.Int64
}

type astroResume struct {
	state   *astroConn
	expires time.Time
}

// AstroTopicScopes returns the documented topics and the scope each needs
// (https://github.com/StreamElements/docs/blob/4aac1ac/docs/websockets/topics/index.md). It adds
// channel.chatbot.timeout (in development; bot:read assumed, like
// channel.chatbot.status) and the 2023 Astro doc's astro and channel.follow topics
// (no scope), so that the spec's examples subscribe successfully.
func AstroTopicScopes() map[string]string {
	return map[string]string{
		"channel.activities":                 "activities:read",
		"channel.announcements":              "channel:read",
		"channel.chatstats":                  "",
		"channel.tips":                       "tips:read",
		"channel.tips.moderation":            "tips:moderation",
		"channel.chat.message":               "overlays:read",
		"channel.session.update":             "session:read",
		"channel.session.reset":              "session:read",
		"channel.chatbot.status":             "bot:read",
		"channel.chatbot.modules.pyramid":    "bot:read",
		"channel.chatbot.modules.emotecombo": "bot:read",
		"channel.chatbot.modules":            "bot:read",
		"channel.chatbot.commands":           "bot:read",
		"channel.chatbot.timers":             "bot:read",
		"channel.chatbot.counters":           "",
		"channel.chatbot.filters":            "bot:read",
		"channel.chatbot.timeout":            "bot:read",
		"channel.stream.status":              "stream-live:read",
		"channel.overlay.action":             "overlays:read",
		"channel.overlay.broadcast":          "overlays:broadcast",
		"channel.overlay.update":             "overlays:read",
		"channel.kvstore.update":             "kvstore:read",
		"channel.songrequest":                "overlays:read",
		"channel.contests":                   "",
		"channel.giveaways":                  "",
		"channel.loyalty.redemptions":        "store:read",
		"channel.loyalty.items":              "store:read",
		"astro":                              "",
		"channel.follow":                     "",
	}
}

// AstroChannelID is the channel id this server derives for a token: the
// canonical room of a subscribe that names no room. It is the first 24 hex
// digits of the token's SHA-256, shaped like a StreamElements channel id.
func AstroChannelID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])[:24]
}

// NewAstro starts an Astro server on loopback.
func NewAstro(opt AstroOptions) (*Astro, error) {
	if opt.TopicScopes == nil {
		opt.TopicScopes = AstroTopicScopes()
	}
	if opt.MaxSubscriptions <= 0 {
		opt.MaxSubscriptions = 100
	}
	if opt.RateWindow <= 0 {
		opt.RateWindow = time.Second
	}
	if opt.PingInterval == 0 {
		opt.PingInterval = 30 * time.Second
	}
	if opt.PongTimeout <= 0 {
		opt.PongTimeout = 70 * time.Second
	}
	if opt.RestartGrace <= 0 {
		opt.RestartGrace = 100 * time.Millisecond
	}
	if opt.ResumeTTL <= 0 {
		opt.ResumeTTL = 60 * time.Second
	}
	a := &Astro{
		opt:     opt,
		conns:   map[*Conn]*astroConn{},
		resumes: map[string]*astroResume{},
		stop:    make(chan struct{}),
	}
	a.draining.Store(opt.Draining)
	s, err := New(a, Options{Addr: opt.Addr, Limits: opt.Limits})
	if err != nil {
		return nil, err
	}
	a.Server = s
	return a, nil
}

// Close stops the server, every connection and every heartbeat and restart
// timer, and waits for their goroutines.
func (a *Astro) Close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.stop)
	}
	a.mu.Unlock()
	a.Server.Close()
	a.wg.Wait()
}

// SetDraining makes every upgrade fail with 502 Bad Gateway (on) or lets
// upgrades through again (off).
func (a *Astro) SetDraining(on bool) { a.draining.Store(on) }

// RejectNext answers the next n upgrades with status and, when retryAfter
// is not empty, a Retry-After header. RejectNext(1, 429, "2") models the
// connection rate limit.
func (a *Astro) RejectNext(n, status int, retryAfter string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rejectN, a.rejectCode, a.rejectWait = n, status, retryAfter
}

// Rejected counts upgrades refused by draining or RejectNext.
func (a *Astro) Rejected() int { return int(a.rejected.Load()) }

// Subscriptions returns c's subscriptions in the order they were made.
func (a *Astro) Subscriptions(c *Conn) []AstroSubscription {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.conns[c]
	if st == nil {
		return nil
	}
	return append([]AstroSubscription(nil), st.subs...)
}

// Resumed reports whether c was opened with a valid reconnect token.
func (a *Astro) Resumed(c *Conn) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.conns[c]
	return st != nil && st.resumed
}

// ClientID returns the client_id the welcome frame gave c.
func (a *Astro) ClientID(c *Conn) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if st := a.conns[c]; st != nil {
		return st.clientID
	}
	return ""
}

// Publish sends a notification to every connection subscribed to topic in
// room; room "" matches every room of the topic. It returns how many
// connections it was sent to (silent ones do not count).
func (a *Astro) Publish(topic, room string, data any) int {
	return a.publish(topic, room, data, "")
}

// publish is Publish with, when id is set, that envelope id for every
// subscriber (the mock's StampIDs option) instead of a fresh one each.
func (a *Astro) publish(topic, room string, data any, id string) int {
	type target struct {
		c    *Conn
		room string
	}
	var targets []target
	a.mu.Lock()
	for c, st := range a.conns {
		for _, s := range st.subs {
			if s.Topic == topic && (room == "" || s.Room == room) {
				targets = append(targets, target{c, s.Room})
				break
			}
		}
	}
	a.mu.Unlock()
	n := 0
	for _, t := range targets {
		if t.c.Silent() {
			continue
		}
		env := astroNotification(topic, t.room, data)
		if id != "" {
			env["id"] = id
		}
		t.c.SendJSON(env)
		n++
	}
	return n
}

// PublishTo sends a notification to c whether or not it subscribed; room
// "" leaves the room field out, as many documented examples do.
func (a *Astro) PublishTo(c *Conn, topic, room string, data any) {
	c.SendJSON(astroNotification(topic, room, data))
}

func astroNotification(topic, room string, data any) map[string]any {
	m := map[string]any{"id": NewULID(), "ts": Now(), "type": "message", "topic": topic, "data": data}
	if room != "" {
		m["room"] = room
	}
	return m
}

// AnnounceRestart sends c the reconnect frame (no id or ts) with a fresh
// single-use token, closes c after RestartGrace with 1001 going away, and
// returns the token. It returns "" when c is not open.
func (a *Astro) AnnounceRestart(c *Conn) string {
	tok := NewToken()
	now := time.Now()
	a.mu.Lock()
	st := a.conns[c]
	if st == nil || a.closed {
		a.mu.Unlock()
		return ""
	}
	for k, r := range a.resumes {
		if now.After(r.expires) {
			delete(a.resumes, k)
		}
	}
	a.resumes[tok] = &astroResume{state: st, expires: now.Add(a.opt.ResumeTTL)}
	a.wg.Add(1)
	a.mu.Unlock()
	c.SendJSON(map[string]any{
		"type": "reconnect",
		"data": map[string]any{"message": "The server is shutting down.", "reconnect_token": tok},
	})
	go func() {
		defer a.wg.Done()
		t := time.NewTimer(a.opt.RestartGrace)
		defer t.Stop()
		select {
		case <-t.C:
			c.CloseWith(websocket.CloseGoingAway, "server restarting")
		case <-c.Done():
		case <-a.stop:
		}
	}()
	return tok
}

// AnnounceRestartAll announces a restart to every open connection.
func (a *Astro) AnnounceRestartAll() {
	for _, c := range a.Conns() {
		a.AnnounceRestart(c)
	}
}

// Accept implements Handler: draining servers answer 502, RejectNext
// refusals their status and Retry-After.
func (a *Astro) Accept(*http.Request) (int, string, http.Header) {
	if a.draining.Load() {
		a.rejected.Add(1)
		return http.StatusBadGateway, http.StatusText(http.StatusBadGateway), nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rejectN <= 0 {
		return 0, "", nil
	}
	a.rejectN--
	a.rejected.Add(1)
	var h http.Header
	if a.rejectWait != "" {
		h = http.Header{"Retry-After": {a.rejectWait}}
	}
	return a.rejectCode, http.StatusText(a.rejectCode), h
}

// Open implements Handler: it resumes a session named by ?reconnect_token
// (closing with 4000 when the token is bad), sends the welcome and starts
// the heartbeat.
func (a *Astro) Open(c *Conn) {
	st := &astroConn{clientID: NewULID()}
	st.lastPong.Store(time.Now().UnixNano())
	c.OnPong(func() { st.lastPong.Store(time.Now().UnixNano()) })
	tok := c.Request.URL.Query().Get("reconnect_token")

	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		c.Drop()
		return
	}
	if tok != "" {
		r := a.resumes[tok]
		delete(a.resumes, tok) // single use, valid or not
		if r == nil || time.Now().After(r.expires) {
			a.mu.Unlock()
			c.CloseWith(AstroCloseInvalidResume, "invalid reconnect token")
			return
		}
		st.resumed = true
		st.subs = append([]AstroSubscription(nil), r.state.subs...)
	}
	a.conns[c] = st
	// The welcome is queued under the lock so that no Publish to the
	// restored subscriptions can overtake it.
	c.SendJSON(map[string]any{
		"id": NewULID(), "ts": Now(), "type": "welcome",
		"data": map[string]any{"message": AstroWelcomeMessage, "client_id": st.clientID},
	})
	if a.opt.PingInterval > 0 {
		a.wg.Add(1)
		go a.astroHeartbeat(c, st)
	}
	a.mu.Unlock()
}

func (a *Astro) astroHeartbeat(c *Conn, st *astroConn) {
	defer a.wg.Done()
	ping := time.NewTicker(a.opt.PingInterval)
	defer ping.Stop()
	check := time.NewTimer(a.opt.PongTimeout)
	defer check.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-c.Done():
			return
		case <-ping.C:
			_ = c.Ping() // a no-op when silent; write errors end the read loop
		case <-check.C:
			if c.Silent() {
				// A silenced link sends no pings, so it cannot expect pongs.
				st.lastPong.Store(time.Now().UnixNano())
			}
			idle := time.Since(time.Unix(0, st.lastPong.Load()))
			if idle >= a.opt.PongTimeout {
				c.Drop()
				return
			}
			check.Reset(a.opt.PongTimeout - idle)
		}
	}
}

// Closed implements Handler.
func (a *Astro) Closed(c *Conn) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.conns, c)
}

// Frame implements Handler: subscribe, unsubscribe, or an error response.
func (a *Astro) Frame(c *Conn, frame []byte) {
	o, ok := ParseObject(frame)
	nonce, hasNonce := any(nil), false
	if ok && o.Has("nonce") {
		nonce, hasNonce = o["nonce"], true
	}
	reply := func(errCode string, data map[string]any) {
		m := map[string]any{"id": NewULID(), "ts": Now(), "type": "response", "data": data}
		if hasNonce {
			m["nonce"] = nonce
		}
		if errCode != "" {
			m["error"] = errCode
		}
		c.SendJSON(m)
	}
	fail := func(code, msg string) { reply(code, map[string]any{"message": msg}) }

	a.mu.Lock()
	st := a.conns[c]
	limited := false
	if st != nil && a.opt.RateLimit > 0 {
		now := time.Now()
		keep := st.cmds[:0]
		for _, t := range st.cmds {
			if now.Sub(t) < a.opt.RateWindow {
				keep = append(keep, t)
			}
		}
		st.cmds = keep
		if limited = len(st.cmds) >= a.opt.RateLimit; !limited {
			st.cmds = append(st.cmds, now)
		}
	}
	a.mu.Unlock()
	if st == nil {
		return // closing after a bad reconnect token
	}
	if hasNonce {
		if _, isStr := nonce.(string); !isStr {
			hasNonce = false
			fail("err_bad_request", "nonce must be a string")
			return
		}
	}
	switch {
	case limited:
		fail("rate_limit_exceeded", "rate limit exceeded")
		return
	case !ok:
		fail("err_bad_request", "malformed request")
		return
	}
	typ := o.Str("type")
	if typ != "subscribe" && typ != "unsubscribe" {
		fail("invalid_message_type", "unknown message type")
		return
	}
	data := o.Obj("data")
	if data == nil {
		fail("err_bad_request", "missing data")
		return
	}
	topic, _ := data["topic"].(string)
	room, roomOK := data["room"].(string)
	if topic == "" {
		fail("err_bad_request", "missing topic")
		return
	}
	if !roomOK && data.Has("room") {
		fail("err_bad_request", "room must be a string")
		return
	}
	if typ == "unsubscribe" {
		if !a.astroUnsubscribe(st, topic, room) {
			fail("err_bad_request", "not subscribed to topic")
			return
		}
		d := map[string]any{"message": "successfully unsubscribed from topic", "topic": topic}
		if room != "" {
			d["room"] = room
		}
		reply("", d)
		return
	}
	scope, known := a.opt.TopicScopes[topic]
	if !known {
		fail("err_bad_request", "invalid topic")
		return
	}
	token, _ := data["token"].(string)
	scopes, valid := a.astroScopes(token)
	switch tt, _ := data["token_type"].(string); tt {
	case "apikey", "jwt", "oauth", "oauth2":
	default:
		valid = false
	}
	if !valid {
		fail("err_unauthorized", "invalid token")
		return
	}
	if !astroHasScope(scopes, scope) {
		fail("err_unauthorized", "permission denied")
		return
	}
	if room == "" {
		room = AstroChannelID(token)
	}
	if msg := a.astroSubscribe(st, AstroSubscription{Topic: topic, Room: room}); msg != "" {
		fail("err_bad_request", msg)
		return
	}
	reply("", map[string]any{"message": "successfully subscribed to topic", "topic": topic, "room": room})
}

func (a *Astro) astroScopes(token string) ([]string, bool) {
	if token == "" {
		return nil, false
	}
	if len(a.opt.Tokens) == 0 {
		return []string{"*"}, true
	}
	scopes, ok := a.opt.Tokens[token]
	return scopes, ok
}

func astroHasScope(scopes []string, need string) bool {
	if need == "" {
		return true
	}
	for _, s := range scopes {
		if s == "*" || s == need {
			return true
		}
	}
	return false
}

// astroSubscribe adds sub to st, or returns why it cannot.
func (a *Astro) astroSubscribe(st *astroConn, sub AstroSubscription) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range st.subs {
		if s == sub {
			return "already subscribed to topic"
		}
	}
	if len(st.subs) >= a.opt.MaxSubscriptions {
		return "limit exceeded"
	}
	st.subs = append(st.subs, sub)
	return ""
}

// astroUnsubscribe removes topic in room (every room when room is "") and
// reports whether anything was removed.
func (a *Astro) astroUnsubscribe(st *astroConn, topic, room string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	keep := st.subs[:0]
	for _, s := range st.subs {
		if s.Topic != topic || (room != "" && s.Room != room) {
			keep = append(keep, s)
		}
	}
	removed := len(keep) < len(st.subs)
	clear(st.subs[len(keep):])
	st.subs = keep
	return removed
}
