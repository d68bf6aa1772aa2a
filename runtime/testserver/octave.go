package testserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// OctaveAckMessage is the note of every successful acknowledgement.
const OctaveAckMessage = "Your request has been processed successfully."

// OctaveSessionRefused is the plain-text body of the 401 that refuses an
// upgrade naming an unknown, expired or already used session.
const OctaveSessionRefused = "session expired or unknown"

// octaveClaimGrace bounds how long a session stays claimed by an upgrade
// that never opened (a handshake that failed after Accept).
const octaveClaimGrace = 10 * time.Second

// octaveMaxSessions caps the live sessions; past it POST /session is 429.
const octaveMaxSessions = 1 << 16

// OctaveOptions configure an Octave server. Zero values take the defaults
// in brackets.
type OctaveOptions struct {
	// Addr to listen on [127.0.0.1:0].
	Addr string
	// Companies maps each company (X-Auth-Company) to its token
	// (X-Auth-Token). [empty: any non-empty company and token]
	Companies map[string]string
	// Users lists, per company, the users (X-Auth-User) a master token may
	// name; a company without an entry accepts any user. A request without
	// X-Auth-User (a restricted token) is not checked against it. [nil]
	Users map[string][]string
	// RequireUser refuses requests without X-Auth-User [false: restricted
	// tokens omit it].
	RequireUser bool
	// SessionTTL is how long a session id stays valid while no connection
	// uses it [60s].
	SessionTTL time.Duration
	// Streams maps each known stream id to its path. [empty: any stream id
	// matching ^s[0-9a-zA-Z]+$ and any path starting with "/"]
	Streams map[string]string
	// Limits bound what one client may cost the server.
	Limits Limits
}

// Octave is a Sierra Wireless Octave event-stream server: POST /session
// issues single-use session ids, /session/{id}/ws upgrades while the id is
// fresh, and clients subscribe to streams by id or path with msgId-echoing
// acknowledgements. Keepalive is undocumented: the server answers client
// pings and sends nothing of its own.
type Octave struct {
	*Server
	opt    OctaveOptions
	paths  map[string]string // path -> stream id, from opt.Streams
	issued atomic.Int64

	mu         sync.Mutex
	sessions   map[string]*octaveSession
	pruneAt    int       // sweep the sessions when there are this many
	prunedAt   time.Time // the last sweep
	conns      map[*Conn]*octaveConn
	failN      int
	failStatus int
}

type octaveSession struct {
	expires   time.Time // while unclaimed
	claimedAt time.Time // zero until an upgrade names it
	conn      *Conn     // set once the connection opened
}

type octaveConn struct {
	session string
	subs    []string // stream ids and paths, as subscribed
}

var octaveStreamIDPattern = regexp.MustCompile(`^s[0-9a-zA-Z]+$`)

// NewOctave starts an Octave server on loopback.
func NewOctave(opt OctaveOptions) (*Octave, error) {
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = 60 * time.Second
	}
	o := &Octave{
		opt:      opt,
		paths:    map[string]string{},
		sessions: map[string]*octaveSession{},
		conns:    map[*Conn]*octaveConn{},
	}
	for id, p := range opt.Streams {
		o.paths[p] = id
	}
	s, err := New(o, Options{Addr: opt.Addr, Path: "/session/", ReadLimit: 1 << 20, Limits: opt.Limits})
	if err != nil {
		return nil, err
	}
	o.Server = s
	s.Mux.HandleFunc("/session", o.octaveServeSession)
	return o, nil
}

// SessionURL is the http:// URL clients POST to for a session id.
func (o *Octave) SessionURL() string { return o.HTTPURL + "/session" }

// WSURL is the ws:// URL of the session with id sessionID.
func (o *Octave) WSURL(sessionID string) string {
	return strings.TrimSuffix(o.URL, "/") + "/" + sessionID + "/ws"
}

// CreateSession issues a session id as a successful POST /session would.
func (o *Octave) CreateSession() string {
	id, _ := o.newSession()
	return id
}

// newSession issues a session id, or reports false when octaveMaxSessions
// are live.
func (o *Octave) newSession() (string, bool) {
	id := octaveNewSessionID()
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	// Sweep when the map has doubled since the last sweep (amortised
	// constant time per session), or at the cap once a second.
	full := len(o.sessions) >= octaveMaxSessions
	if len(o.sessions) >= o.pruneAt || (full && now.Sub(o.prunedAt) > time.Second) {
		o.octavePruneLocked(now)
		o.pruneAt, o.prunedAt = max(64, 2*len(o.sessions)), now
	}
	if len(o.sessions) >= octaveMaxSessions {
		return "", false
	}
	o.sessions[id] = &octaveSession{expires: now.Add(o.opt.SessionTTL)}
	o.issued.Add(1)
	return id, true
}

// SessionsIssued counts the session ids issued so far.
func (o *Octave) SessionsIssued() int { return int(o.issued.Load()) }

// Sessions counts the live sessions: fresh ones no connection used yet and
// those bound to an open connection.
func (o *Octave) Sessions() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.octavePruneLocked(time.Now())
	return len(o.sessions)
}

// ExpireSessions expires every session no connection has used yet, as if
// SessionTTL had passed.
func (o *Octave) ExpireSessions() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for id, s := range o.sessions {
		if s.claimedAt.IsZero() {
			delete(o.sessions, id)
		}
	}
}

// FailNextSessions answers the next n POST /session requests with status
// and the REST error envelope, whatever their credentials.
func (o *Octave) FailNextSessions(n, status int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failN, o.failStatus = n, status
}

// Subscriptions returns c's stream ids and paths in the order subscribed.
func (o *Octave) Subscriptions(c *Conn) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.conns[c]
	if st == nil {
		return nil
	}
	return slices.Clone(st.subs)
}

// Publish sends event as {"type":"message","resource":<stream id>,
// "value":event} to every connection subscribed to the stream, by id or by
// path. streamIDOrPath names the stream; its other name comes from the
// Streams option, else from the event's streamId or path field. resource is
// the stream id when known, else the path. It returns how many connections
// it was sent to (silent ones do not count).
func (o *Octave) Publish(streamIDOrPath string, event map[string]any) int {
	var id, path string
	if strings.HasPrefix(streamIDOrPath, "/") {
		path = streamIDOrPath
		if id = o.paths[path]; id == "" {
			id, _ = event["streamId"].(string)
		}
	} else {
		id = streamIDOrPath
		if path = o.opt.Streams[id]; path == "" {
			path, _ = event["path"].(string)
		}
	}
	resource := id
	if resource == "" {
		resource = path
	}
	var targets []*Conn
	o.mu.Lock()
	for c, st := range o.conns {
		for _, k := range st.subs {
			if (id != "" && k == id) || (path != "" && k == path) {
				targets = append(targets, c)
				break
			}
		}
	}
	o.mu.Unlock()
	frame, err := json.Marshal(map[string]any{"type": "message", "resource": resource, "value": event})
	if err != nil {
		panic(err) // events are plain JSON maps
	}
	n := 0
	for _, c := range targets {
		if c.Silent() {
			continue
		}
		c.Send(frame)
		n++
	}
	return n
}

// NewOctaveEvent returns an Event object as Octave pushes it: a fresh
// "e"+24-hex id, creation, edit and edge-generation times in milliseconds,
// an "i"+24-hex creator, null hash, location and metadata, empty tags,
// version 0, and the given stream, path and elems (nil elems become {}).
func NewOctaveEvent(streamID, path string, elems map[string]any) map[string]any {
	if elems == nil {
		elems = map[string]any{}
	}
	now := time.Now().UnixMilli()
	creator := "i" + octaveHex24()
	return map[string]any{
		"id":            "e" + octaveHex24(),
		"streamId":      streamID,
		"path":          path,
		"creationDate":  now,
		"lastEditDate":  now,
		"generatedDate": now,
		"creatorId":     creator,
		"lastEditorId":  creator,
		"elems":         elems,
		"hash":          nil,
		"location":      nil,
		"metadata":      nil,
		"tags":          map[string]any{},
		"version":       0,
	}
}

func octaveHex24() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// octaveNewSessionID returns an id shaped like the documented one:
// 11 and 32 base64url characters joined by a dot.
func octaveNewSessionID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:8]) + "." + base64.RawURLEncoding.EncodeToString(b[8:])
}

func (o *Octave) octavePruneLocked(now time.Time) {
	for id, s := range o.sessions {
		switch {
		case s.conn != nil:
		case s.claimedAt.IsZero() && now.After(s.expires):
			delete(o.sessions, id)
		case !s.claimedAt.IsZero() && now.Sub(s.claimedAt) > octaveClaimGrace:
			delete(o.sessions, id)
		}
	}
}

// octaveREST writes the REST envelope; errMsg "" means success with body.
func octaveREST(w http.ResponseWriter, status int, errMsg string, body map[string]any) {
	head := map[string]any{"ok": errMsg == "", "status": status, "errors": []string{}}
	if errMsg != "" {
		head["errors"] = []string{errMsg}
	}
	if body == nil {
		body = map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"head": head, "body": body})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (o *Octave) octaveServeSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		octaveREST(w, http.StatusMethodNotAllowed, "Method not allowed", nil)
		return
	}
	o.mu.Lock()
	fail := 0
	if o.failN > 0 {
		o.failN--
		fail = o.failStatus
	}
	o.mu.Unlock()
	if fail != 0 {
		octaveREST(w, fail, http.StatusText(fail), nil)
		return
	}
	if msg := o.octaveCheckCredentials(r.Header); msg != "" {
		octaveREST(w, http.StatusUnauthorized, msg, nil)
		return
	}
	id, ok := o.newSession()
	if !ok {
		// A client creating sessions in a loop costs bounded memory.
		octaveREST(w, http.StatusTooManyRequests, "Too many sessions", nil)
		return
	}
	octaveREST(w, http.StatusCreated, "", map[string]any{"id": id})
}

// octaveCheckCredentials returns why the auth headers are refused, or "".
// The text never includes the token.
func (o *Octave) octaveCheckCredentials(h http.Header) string {
	company, token, user := h.Get("X-Auth-Company"), h.Get("X-Auth-Token"), h.Get("X-Auth-User")
	if company == "" || token == "" {
		return "Missing authentication headers: X-Auth-Company and X-Auth-Token are required"
	}
	if o.opt.RequireUser && user == "" {
		return "Missing authentication header: X-Auth-User is required"
	}
	if len(o.opt.Companies) > 0 {
		want, ok := o.opt.Companies[company]
		if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(token)) != 1 {
			return "Invalid authentication credentials"
		}
	}
	if users, ok := o.opt.Users[company]; ok && user != "" && !slices.Contains(users, user) {
		return "Invalid authentication credentials"
	}
	return ""
}

// octaveSessionIDOf returns the id of a /session/{id}/ws path.
func octaveSessionIDOf(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/session/")
	if !ok {
		return "", false
	}
	id, tail, ok := strings.Cut(rest, "/")
	if !ok || id == "" || tail != "ws" {
		return "", false
	}
	return id, true
}

// Accept implements Handler: a path other than /session/{id}/ws is 404, an
// unknown, expired or used id 401, a request that is not a WebSocket
// upgrade 400 (the session stays usable); otherwise the upgrade claims the
// session, so a second one naming it is refused.
func (o *Octave) Accept(r *http.Request) (int, string, http.Header) {
	id, ok := octaveSessionIDOf(r.URL.Path)
	if !ok {
		return http.StatusNotFound, "404 page not found", nil
	}
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sessions[id]
	if s == nil || !s.claimedAt.IsZero() || now.After(s.expires) {
		return http.StatusUnauthorized, OctaveSessionRefused, nil
	}
	if r.Method != http.MethodGet || !websocket.IsWebSocketUpgrade(r) ||
		r.Header.Get("Sec-Websocket-Version") != "13" || r.Header.Get("Sec-Websocket-Key") == "" {
		return http.StatusBadRequest, "websocket upgrade required", nil
	}
	s.claimedAt = now
	return 0, "", nil
}

// Open implements Handler: it binds the connection to its session.
func (o *Octave) Open(c *Conn) {
	id, _ := octaveSessionIDOf(c.Request.URL.Path)
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sessions[id]
	if s == nil || s.conn != nil {
		c.Drop() // the server is closing or the claim lapsed
		return
	}
	s.conn = c
	o.conns[c] = &octaveConn{session: id}
}

// Closed implements Handler: the session dies with its connection.
func (o *Octave) Closed(c *Conn) {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.conns[c]
	if st == nil {
		return
	}
	delete(o.conns, c)
	if s := o.sessions[st.session]; s != nil && s.conn == c {
		delete(o.sessions, st.session)
	}
}

// octaveAck sends an acknowledgement; errMsg "" means success.
func octaveAck(c *Conn, msgID string, status int, errMsg string) {
	head := map[string]any{"msgId": msgID, "ok": true, "errors": []string{}, "messages": []string{OctaveAckMessage}}
	if errMsg != "" {
		head["ok"] = false
		head["status"] = status
		head["errors"] = []string{errMsg}
		head["messages"] = []string{}
		head["references"] = map[string]any{}
	}
	c.SendJSON(map[string]any{"head": head, "body": map[string]any{}})
}

// Frame implements Handler: subscribe and unsubscribe by streamId or path,
// each answered by an acknowledgement echoing msgId.
func (o *Octave) Frame(c *Conn, frame []byte) {
	o.mu.Lock()
	st := o.conns[c]
	o.mu.Unlock()
	if st == nil {
		return
	}
	req, ok := ParseObject(frame)
	if !ok {
		octaveAck(c, "", http.StatusBadRequest, "Malformed request: expected a JSON object")
		return
	}
	msgID, isStr := req["msgId"].(string)
	if req.Has("msgId") && !isStr {
		octaveAck(c, "", http.StatusBadRequest, "msgId must be a string")
		return
	}
	fail := func(status int, msg string) { octaveAck(c, msgID, status, msg) }
	if obj := req.Str("object"); obj != "event" {
		fail(http.StatusBadRequest, `Invalid object: expected "event"`)
		return
	}
	typ := req.Str("type")
	if typ != "subscribe" && typ != "unsubscribe" {
		fail(http.StatusBadRequest, `Invalid type: expected "subscribe" or "unsubscribe"`)
		return
	}
	hasID, hasPath := req.Has("streamId"), req.Has("path")
	if hasID == hasPath {
		fail(http.StatusBadRequest, "Exactly one of streamId or path is required")
		return
	}
	var key string
	if hasID {
		id, ok := req["streamId"].(string)
		if !ok {
			fail(http.StatusBadRequest, "streamId must be a string")
			return
		}
		key = id
	} else {
		p, ok := req["path"].(string)
		if !ok {
			fail(http.StatusBadRequest, "path must be a string")
			return
		}
		key = p
	}
	if typ == "subscribe" {
		if status, msg := o.octaveCheckStream(hasID, key); msg != "" {
			fail(status, msg)
			return
		}
	}
	o.mu.Lock()
	i := slices.Index(st.subs, key)
	switch {
	case typ == "subscribe" && i < 0:
		st.subs = append(st.subs, key)
	case typ == "unsubscribe" && i >= 0:
		st.subs = slices.Delete(st.subs, i, i+1)
	case typ == "unsubscribe":
		o.mu.Unlock()
		fail(http.StatusNotFound, "Not subscribed to this stream")
		return
	}
	o.mu.Unlock()
	octaveAck(c, msgID, 0, "")
}

// octaveCheckStream returns a status and error text for a stream a
// subscribe cannot name, or 0 and "".
func (o *Octave) octaveCheckStream(byID bool, key string) (int, string) {
	if len(o.opt.Streams) > 0 {
		if byID {
			_, ok := o.opt.Streams[key]
			if !ok {
				return http.StatusNotFound, "Stream not found"
			}
		} else if _, ok := o.paths[key]; !ok {
			return http.StatusNotFound, "Stream not found"
		}
		return 0, ""
	}
	if byID && !octaveStreamIDPattern.MatchString(key) {
		return http.StatusBadRequest, "Invalid streamId"
	}
	if !byID && !strings.HasPrefix(key, "/") {
		return http.StatusBadRequest, `Invalid path: expected a leading "/"`
	}
	return 0, ""
}
