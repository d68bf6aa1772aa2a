package bridge

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/rules"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/subject"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Headers the bridge sets on every event.
const (
	HeaderProvider     = "Wsbind-Provider"
	HeaderMessage      = "Wsbind-Message"
	HeaderConnection   = "Wsbind-Connection"
	HeaderReceivedAt   = "Wsbind-Received-At"
	HeaderNotes        = "Wsbind-Notes"
	HeaderReasons      = "Wsbind-Reasons"
	HeaderSubscription = "Wsbind-Subscription"
)

// Kinds of published events.
const (
	KindEvent   = "event"
	KindInvalid = "invalid"
	KindUnknown = "unknown"
	KindGap     = "gap"
)

// maxHeader bounds one header value: a frame's report is bounded.
const maxHeader = 1024

// builder turns the frames of one bridged connection into messages.
type builder struct {
	provider   string
	codec      *wire.Codec
	checker    *wire.Checker // codec's, made on first use; build runs on one goroutine
	events     map[string]bool
	rules      *rules.Compiled
	connection string // the config connection's name
	sub        string // the subscription's id
	connID     string // this connection's unique id
	seq        atomic.Uint64
	prefix     string // wsbind.<provider>.
	// newMsg, when set, gives a message to fill, with an empty header map
	// (the publisher's recycled ones).
	newMsg func() *nats.Msg
	// scratch and lastSubject spare build an allocation per id and per
	// subject: a subscription's events mostly share their subject.
	scratch     []byte
	lastSubject string
}

// build returns the message to publish for frame and its kind; ok is
// false for frames that are not events (welcome, replies, keepalives). v
// is the verdict of the client's own decode, drift included; when nil,
// build judges the frame itself.
func (b *builder) build(frame []byte, v *wire.Result, now time.Time) (msg *nats.Msg, kind string, ok bool) {
	seq := b.seq.Add(1)
	if v == nil {
		if b.checker == nil {
			b.checker = &wire.Checker{Codec: b.codec}
		}
		// With drift: undeclared properties are notes. The checker decodes
		// into the memory of the frames before; nothing of r outlives build.
		own := b.checker.Check(frame, true)
		v = &own
	}
	r := v
	var subj string
	var reasons string
	var rule *rules.Message
	switch {
	case r.Syntax != nil:
		kind, subj = KindInvalid, b.prefix+"_invalid"
		reasons = "malformed JSON: " + r.Syntax.Error()
	case r.Name == "":
		kind, subj = KindUnknown, b.prefix+"_unknown"
		reasons = violations(r.Violations)
	case len(r.Violations) > 0:
		kind, subj = KindInvalid, b.prefix+"_invalid"
		reasons = violations(r.Violations)
		rule = b.rules.Lookup(r.Name)
	case !b.events[r.Name]:
		return nil, "", false
	default:
		kind = KindEvent
		rule = b.rules.Lookup(r.Name)
		subj = b.subject(rule, r.Name, frame)
	}
	id := ""
	if rule != nil && rule.Dedupe != nil {
		// One event is one frame on one subscription: the same provider
		// message on two subscriptions is two events.
		buf := append(append(b.scratch[:0], b.sub...), ':')
		if buf, found := subject.Append(buf, frame, rule.Dedupe); found && len(buf) > len(b.sub)+1 {
			id = string(buf)
			b.scratch = buf
		}
	}
	if id == "" {
		id = b.connID + ":" + strconv.FormatUint(seq, 10)
	}
	// A recycled map, or one sized for every header; one array behind all
	// values, where Header.Set makes one per header.
	if b.newMsg != nil {
		msg = b.newMsg()
	} else {
		msg = &nats.Msg{Header: make(nats.Header, 8)}
	}
	h := msg.Header
	vals := make([]string, 0, 8)
	set := func(k, v string) {
		vals = append(vals, v)
		h[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	set(nats.MsgIdHdr, id)
	set(HeaderProvider, b.provider)
	if r.Name != "" {
		set(HeaderMessage, r.Name)
	}
	set(HeaderConnection, b.connection)
	set(HeaderSubscription, b.sub)
	set(HeaderReceivedAt, now.UTC().Format(time.RFC3339Nano))
	if len(r.Notes) > 0 || len(r.Drift) > 0 {
		set(HeaderNotes, notes(r))
	}
	if reasons != "" {
		set(HeaderReasons, cut(reasons))
	}
	msg.Subject, msg.Data = subj, frame
	return msg, kind, true
}

func (b *builder) subject(rule *rules.Message, name string, frame []byte) string {
	sb := append(b.scratch[:0], b.prefix...)
	if rule == nil {
		start := len(sb)
		sb = subject.SanitizeTail(append(sb, name...), start)
	} else {
		sb = append(sb, rule.Token...)
		for _, p := range rule.Key {
			sb = append(sb, '.')
			if p.Pointer == nil {
				sb = append(sb, p.Literal...)
				continue
			}
			start := len(sb)
			sb, _ = subject.Append(sb, frame, p.Pointer)
			sb = subject.SanitizeTail(sb, start)
		}
	}
	b.scratch = sb
	if string(sb) != b.lastSubject { // compared without a copy
		b.lastSubject = string(sb)
	}
	return b.lastSubject
}

func violations(vs []wire.Violation) string {
	var sb strings.Builder
	for i, v := range vs {
		if i > 0 {
			sb.WriteString("; ")
		}
		if sb.Len() > maxHeader {
			sb.WriteString("and " + strconv.Itoa(len(vs)-i) + " more")
			break
		}
		p := v.Pointer
		if p == "" {
			p = "/"
		}
		sb.WriteString(p + " " + v.Keyword + ": " + v.Message)
	}
	return sb.String()
}

func notes(r *wire.Result) string {
	var sb strings.Builder
	for _, n := range r.Notes {
		if sb.Len() > 0 {
			sb.WriteString("; ")
		}
		p := n.Pointer
		if p == "" {
			p = "/"
		}
		sb.WriteString(n.Kind + " " + p)
	}
	for _, d := range r.Drift {
		if sb.Len() > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(wire.NoteUnknownProperty + " " + d)
	}
	return cut(sb.String())
}

func cut(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxHeader {
		return s[:maxHeader] + "..."
	}
	return s
}
