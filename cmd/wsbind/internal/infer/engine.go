package infer

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Options say how to infer.
type Options struct {
	Title       string
	Describes   string // server (default) or client
	MinRequired int    // 0: DefaultMinRequired
	KeepValues  bool   // examples keep credentials (no redaction)
	// Buffer is how many frames of one channel and direction are held to
	// choose the discriminators before the rest is streamed (0: 2000).
	Buffer int
	// Sources names the captures (base names) for the document's
	// description and x-wsbind-inferred.
	Sources []string
	Date    string // of the run, for x-wsbind-inferred
}

// Stats counts what was read.
type Stats struct {
	Frames      int // text frames offered
	JSON        int // of which JSON
	NonJSON     int
	Binary      int // skipped binary frames
	OtherSkip   int // control frames and other skips
	Sockets     int
	BinarySocks int // sockets that carried binary frames only
	Undescribed int // frames of kinds past the message limit
}

// Engine infers a document from frames fed in capture order. It is not
// safe for concurrent use.
type Engine struct {
	opt      Options
	Stats    Stats
	channels map[string]*channel
	corder   []string
	servers  map[string]*server
	sorder   []string
	sockets  []*Socket
	links    []*link
	pairs    map[pairKey]int
}

type server struct {
	name, host, protocol string
}

type channel struct {
	address string
	params  []string // {parameters} of the address, in order
	servers []*server
	query   map[string]bool // parameter name: secret
	qorder  []string
	streams map[string]*stream // by direction
}

// stream is the frames of one channel in one direction.
type stream struct {
	ch      *channel
	dir     string
	pending []*pendingFrame
	bytes   int
	decided bool
	root    *level
	msgs    map[string]*message
	morder  []*message
	nonJSON int
	frames  int
	// undescribed counts frames past maxMessages
	undescribed int
	shapeIDs    [][]string // key sets of shape groups, for frames with no discriminator
}

type pendingFrame struct {
	v   *value
	ref *frameRef
}

// message is one inferred message: frames that share discriminator values
// (or a shape), in one direction.
type message struct {
	key     string
	dir     string
	ch      *channel
	parts   []string          // discriminator values, for the name
	consts  map[string]string // discriminator values by dotted path
	cpaths  [][]string
	shape   []string
	kind    byte // JSON type of the frames
	root    *node
	example *value
	frames  int
	name    string
	// reply detection
	corr string // correlation pointer
}

// Socket is one WebSocket connection of a capture.
type Socket struct {
	ch     *channel
	text   int
	binary int
	recent []recentID // ids of the latest client frames, oldest first
}

// New returns an engine.
func New(opt Options) *Engine {
	if opt.MinRequired <= 0 {
		opt.MinRequired = DefaultMinRequired
	}
	if opt.Buffer <= 0 {
		opt.Buffer = 2000
	}
	if opt.Describes == "" {
		opt.Describes = "server"
	}
	return &Engine{opt: opt, channels: map[string]*channel{}, servers: map[string]*server{}, pairs: map[pairKey]int{}}
}

// maxPendingBytes bounds the frames held before discriminators are chosen.
const maxPendingBytes = 16 << 20

// Socket registers a connection to rawURL and returns it. A URL that does
// not parse is kept as a channel "/" on host "localhost".
func (e *Engine) Socket(rawURL string) *Socket {
	e.Stats.Sockets++
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		u = &url.URL{Scheme: "ws", Host: "localhost", Path: "/"}
	}
	proto := strings.ToLower(u.Scheme)
	switch proto {
	case "https":
		proto = "wss"
	case "http":
		proto = "ws"
	case "ws", "wss":
	default:
		proto = "wss"
	}
	host := strings.ToLower(u.Host)
	srv := e.servers[proto+"://"+host]
	if srv == nil {
		name := serverName(host, len(e.servers))
		for _, k := range e.sorder {
			if e.servers[k].name == name {
				name = fmt.Sprintf("%s-%d", name, len(e.servers)+1)
			}
		}
		srv = &server{name: name, host: host, protocol: proto}
		e.servers[proto+"://"+host] = srv
		e.sorder = append(e.sorder, proto+"://"+host)
	}
	addr, params := channelAddress(u.EscapedPath())
	ch := e.channels[addr]
	if ch == nil {
		ch = &channel{address: addr, params: params, query: map[string]bool{}, streams: map[string]*stream{}}
		e.channels[addr] = ch
		e.corder = append(e.corder, addr)
	}
	if !containsServer(ch.servers, srv) {
		ch.servers = append(ch.servers, srv)
	}
	for k := range u.Query() {
		if _, ok := ch.query[k]; !ok && len(ch.query) < 64 && k != "" {
			ch.qorder = append(ch.qorder, k)
		}
		if len(ch.query) < 64 {
			ch.query[k] = ch.query[k] || SecretKey(k)
		}
	}
	s := &Socket{ch: ch}
	e.sockets = append(e.sockets, s)
	return s
}

func containsServer(list []*server, s *server) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// serverName makes a server key out of a host: letters, digits and '-'.
func serverName(host string, n int) string {
	var b strings.Builder
	for _, r := range host {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" || len(s) > 60 {
		s = fmt.Sprintf("server%d", n+1)
	}
	return s
}

// Skip counts a frame that carries no text (binary or control).
func (e *Engine) Skip(s *Socket, binary bool) {
	if binary {
		e.Stats.Binary++
		if s != nil {
			s.binary++
		}
		return
	}
	e.Stats.OtherSkip++
}

// Frame adds one text frame; dir is "server" (sent by the server) or
// "client".
func (e *Engine) Frame(s *Socket, dir string, data []byte) {
	e.Stats.Frames++
	s.text++
	st := s.ch.streams[dir]
	if st == nil {
		st = &stream{ch: s.ch, dir: dir, msgs: map[string]*message{}}
		s.ch.streams[dir] = st
	}
	st.frames++
	v, err := parse(data)
	if err != nil {
		e.Stats.NonJSON++
		st.nonJSON++
		return
	}
	e.Stats.JSON++
	ref := &frameRef{}
	e.echo(s, dir, v, ref)
	if st.decided {
		if ref.msg = st.classify(v); ref.msg == nil {
			e.Stats.Undescribed++
			return
		}
		ref.msg.add(v)
		return
	}
	st.pending = append(st.pending, &pendingFrame{v, ref})
	st.bytes += len(data)
	if len(st.pending) >= e.opt.Buffer || st.bytes >= maxPendingBytes {
		st.decide()
	}
}

// decide chooses the stream's discriminators from the frames held, then
// files them.
func (st *stream) decide() {
	var objs []*value
	for _, p := range st.pending {
		if p.v.kind == kObject {
			objs = append(objs, p.v)
		}
	}
	st.root = decide(objs, map[string]bool{}, 0)
	st.decided = true
	for _, p := range st.pending {
		if p.ref.msg = st.classify(p.v); p.ref.msg == nil {
			st.undescribed++
			continue
		}
		p.ref.msg.add(p.v)
	}
	st.pending, st.bytes = nil, 0
}

// classify finds (or makes) the message of a frame.
func (st *stream) classify(v *value) *message {
	if v.kind != kObject {
		key := "kind:" + kindName(v.kind)
		if m := st.msgs[key]; m != nil {
			return m
		}
		return st.newMessage(key, []string{kindName(v.kind) + "Frame"}, nil, nil, nil, v.kind)
	}
	var parts []string
	var key strings.Builder
	consts := map[string]string{}
	var cpaths [][]string
	lv := st.root
	for lv != nil {
		val, ok := stringAt(v, lv.path)
		if !ok {
			break
		}
		parts = append(parts, val)
		consts[strings.Join(lv.path, ".")] = val
		cpaths = append(cpaths, lv.path)
		fmt.Fprintf(&key, "%q=%q;", strings.Join(lv.path, "\x1f"), val)
		next, known := lv.kids[val]
		if !known {
			break
		}
		lv = next
	}
	if len(parts) == 0 {
		shape := st.shapeOf(v)
		key.WriteString("shape:" + strings.Join(shape, "\x1f"))
		if m := st.msgs[key.String()]; m != nil {
			return m
		}
		name := shape
		if len(name) > 2 {
			name = name[:2]
		}
		return st.newMessage(key.String(), name, nil, nil, shape, kObject)
	}
	if m := st.msgs[key.String()]; m != nil {
		return m
	}
	return st.newMessage(key.String(), parts, consts, cpaths, nil, kObject)
}

// shapeOf returns the shape group of a frame without discriminator: the
// key set of a group whose keys are mostly the same, or its own.
func (st *stream) shapeOf(v *value) []string {
	keys := shapeKeys(v)
	set := map[string]bool{}
	for _, k := range keys {
		set[k] = true
	}
	best, bestJ := -1, 0.0
	for i, g := range st.shapeIDs {
		gs := map[string]bool{}
		for _, k := range g {
			gs[k] = true
		}
		if j := jaccard(set, gs); j >= 0.5 && j > bestJ {
			best, bestJ = i, j
		}
	}
	if best >= 0 {
		return st.shapeIDs[best]
	}
	if len(st.shapeIDs) < 256 {
		st.shapeIDs = append(st.shapeIDs, keys)
	}
	return keys
}

// maxMessages bounds the messages of one channel and direction; frames of
// further kinds are counted as not described.
const maxMessages = 256

func (st *stream) newMessage(key string, parts []string, consts map[string]string, cpaths [][]string, shape []string, kind byte) *message {
	if len(st.msgs) >= maxMessages {
		return nil
	}
	m := &message{key: key, dir: st.dir, ch: st.ch, parts: parts, consts: consts, cpaths: cpaths, shape: shape, kind: kind, root: newNode()}
	m.root.budget = &budget{}
	st.msgs[key] = m
	st.morder = append(st.morder, m)
	return m
}

// add merges a frame into the message.
func (m *message) add(v *value) {
	m.frames++
	m.root.add(v, false, true)
	if m.example == nil {
		m.example = v
	}
}

// finish decides every stream still holding frames.
func (e *Engine) finish() {
	for _, a := range e.corder {
		ch := e.channels[a]
		for _, dir := range []string{"client", "server"} {
			if st := ch.streams[dir]; st != nil && !st.decided {
				st.decide()
			}
		}
	}
	e.resolveLinks()
	for _, a := range e.corder {
		for _, st := range e.channels[a].streams {
			e.Stats.Undescribed += st.undescribed
			st.undescribed = 0
		}
	}
	e.Stats.BinarySocks = 0
	for _, s := range e.sockets {
		if s.text == 0 && s.binary > 0 {
			e.Stats.BinarySocks++
		}
	}
}

// messages lists every message, channel by channel, client first.
func (e *Engine) messages() []*message {
	var out []*message
	for _, a := range e.corder {
		ch := e.channels[a]
		for _, dir := range []string{"client", "server"} {
			if st := ch.streams[dir]; st != nil {
				out = append(out, st.morder...)
			}
		}
	}
	return out
}

// channelAddress turns a URL path into a channel address. A segment that
// is an id or a credential (Octave's /session/<id>/ws) becomes a
// {parameter} named after the segment before it, so that the address
// holds for every session and keeps no secret.
func channelAddress(path string) (string, []string) {
	if path == "" {
		return "/", nil
	}
	if len(path) > 200 {
		path = path[:200]
	}
	segs := strings.Split(path, "/")
	var params []string
	for i, seg := range segs {
		if seg == "" || !(reIDKey.MatchString(seg) || SecretValue(seg) || highEntropy(seg, 16)) {
			continue
		}
		name := "param"
		if i > 0 && segs[i-1] != "" && !strings.HasPrefix(segs[i-1], "{") {
			name = strings.TrimSuffix(strings.ToLower(segs[i-1][:1])+segs[i-1][1:], "s") + "Id"
			name = strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, name)
		}
		if name == "" || name == "Id" {
			name = "param"
		}
		base := name
		for n := 2; slices.Contains(params, name); n++ {
			name = fmt.Sprintf("%s%d", base, n)
		}
		params = append(params, name)
		segs[i] = "{" + name + "}"
	}
	return strings.Join(segs, "/"), params
}
