package spec

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Document is one AsyncAPI 3 document with its messages sorted into the two
// directions of a WebSocket connection.
type Document struct {
	// Name is the provider name: the file name without extension.
	Name   string
	Root   *Node
	Loader *Loader
	// Messages are every components/messages entry, in document order.
	Messages []*Message
	// Send are messages the client sends; Receive those the server sends.
	Send, Receive []*Message
}

// Message is one components/messages entry.
type Message struct {
	Key     string
	Node    *Node
	Payload *Node // the payload schema node, before $ref resolution
	// CorrelationPointer is the JSON pointer of the correlation id inside
	// the payload ("/nonce"), or "".
	CorrelationPointer string
	// Replies lists the messages a send operation names as its reply.
	Replies []*Message
}

// Load reads an AsyncAPI 3 document and resolves its operations.
func Load(l *Loader, path string) (*Document, error) {
	root, err := l.File(path)
	if err != nil {
		return nil, err
	}
	if v := root.Get("asyncapi").Str(); !strings.HasPrefix(v, "3.") {
		return nil, root.Errorf("asyncapi version %q: want 3.x", v)
	}
	doc := &Document{
		Name:   strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)),
		Root:   root,
		Loader: l,
	}
	byNode := map[*Node]*Message{}
	msgs := root.Lookup("/components/messages")
	if msgs == nil || len(msgs.Keys) == 0 {
		return nil, root.Errorf("no components/messages")
	}
	for i, key := range msgs.Keys {
		n := msgs.Values[i]
		m := &Message{Key: key, Node: n, Payload: n.Get("payload")}
		if m.Payload == nil {
			return nil, n.Errorf("message %s has no payload", key)
		}
		if c := n.Get("correlationId"); c != nil {
			c, err := l.Deref(c)
			if err != nil {
				return nil, err
			}
			loc := c.Get("location").Str()
			const prefix = "$message.payload#"
			if !strings.HasPrefix(loc, prefix) {
				return nil, c.Errorf("correlationId location %q: want %s/<pointer>", loc, prefix)
			}
			m.CorrelationPointer = strings.TrimPrefix(loc, prefix)
		}
		doc.Messages = append(doc.Messages, m)
		byNode[n] = m
	}
	resolveMsgs := func(list *Node) ([]*Message, error) {
		var out []*Message
		if list == nil {
			return nil, nil
		}
		for _, item := range list.Items {
			n, err := l.Deref(item)
			if err != nil {
				return nil, err
			}
			m, ok := byNode[n]
			if !ok {
				return nil, item.Errorf("operation names a message that is not under components/messages")
			}
			out = append(out, m)
		}
		return out, nil
	}
	send, recv := map[*Message]bool{}, map[*Message]bool{}
	ops := root.Get("operations")
	if ops == nil {
		return nil, root.Errorf("no operations")
	}
	for i, name := range ops.Keys {
		op := ops.Values[i]
		action := op.Get("action").Str()
		ms, err := resolveMsgs(op.Get("messages"))
		if err != nil {
			return nil, err
		}
		if len(ms) == 0 {
			return nil, op.Errorf("operation %s lists no messages", name)
		}
		replies, err := resolveMsgs(op.Lookup("/reply/messages"))
		if err != nil {
			return nil, err
		}
		mine, theirs := send, recv
		switch action {
		case "send":
		case "receive":
			mine, theirs = recv, send
		default:
			return nil, op.Errorf("operation %s: action %q", name, action)
		}
		for _, m := range ms {
			mine[m] = true
			if action == "send" {
				m.Replies = appendNew(m.Replies, replies...)
			}
		}
		for _, r := range replies {
			theirs[r] = true
		}
	}
	for _, m := range doc.Messages {
		if send[m] {
			doc.Send = append(doc.Send, m)
		}
		if recv[m] {
			doc.Receive = append(doc.Receive, m)
		}
		if !send[m] && !recv[m] {
			return nil, m.Node.Errorf("message %s is in no operation", m.Key)
		}
	}
	return doc, nil
}

func appendNew(list []*Message, add ...*Message) []*Message {
	for _, a := range add {
		found := false
		for _, m := range list {
			found = found || m == a
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}

// Extensions returns the x-wsbind-* keys of n, sorted, and fails on one
// that is not in known.
func Extensions(n *Node, known ...string) (map[string]*Node, error) {
	out := map[string]*Node{}
	if n == nil || n.Kind != Mapping {
		return out, nil
	}
	for i, k := range n.Keys {
		if !strings.HasPrefix(k, "x-wsbind-") {
			continue
		}
		ok := false
		for _, want := range known {
			ok = ok || want == k
		}
		if !ok {
			sort.Strings(known)
			return nil, n.Values[i].Errorf("unknown extension %s (known here: %s)", k, strings.Join(known, ", "))
		}
		out[k] = n.Values[i]
	}
	return out, nil
}

// Example is one message example.
type Example struct {
	Name    string
	Payload *Node
}

// Examples returns the examples of a message.
func (m *Message) Examples() []Example {
	var out []Example
	list := m.Node.Get("examples")
	if list == nil {
		return nil
	}
	for i, ex := range list.Items {
		name := ex.Get("name").Str()
		if name == "" {
			name = fmt.Sprintf("example%d", i)
		}
		if p := ex.Get("payload"); p != nil {
			out = append(out, Example{Name: name, Payload: p})
		}
	}
	return out
}
