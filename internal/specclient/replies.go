package specclient

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Replies, as a generated client handles them: a frame whose operation
// awaits a reply waits for it (by correlation id when the request has
// one, else by the reply's name), a server frame that answers an awaited
// operation resolves the wait, and one its x-wsbind-error rule calls a
// failure fails it.

// valueOf is an interpreted message's frame as plain JSON values.
func valueOf(m wire.Message) (any, bool) {
	v, ok := m.(interface{ Value() any })
	if !ok {
		return nil, false
	}
	return v.Value(), true
}

// textAt is the scalar at ptr in v as text (a number's literal), as the
// generated clients read correlation ids and error codes.
func textAt(v any, ptr string) (string, bool) {
	x, ok := PointerGet(v, ptr)
	if !ok {
		return "", false
	}
	switch t := x.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// indexReplies notes which client messages await replies (the
// document's operation replies, less those its x-wsbind-client marks
// await: none) and which server messages answer them.
func (s *Spec) indexReplies() {
	s.awaited, s.answering = map[string][]string{}, map[string]bool{}
	for req, replies := range s.Replies {
		s.awaited[req] = replies
		for _, r := range replies {
			s.answering[r] = true
		}
	}
	if cs := s.Package.ClientSpec; cs != nil {
		for _, op := range cs.Ops {
			if !op.Await {
				delete(s.awaited, op.Message.Name)
			}
		}
	}
	s.failing = map[string]*ir.Message{}
	for _, m := range s.Package.Messages {
		if m.Server && m.Error != nil {
			s.failing[m.Name] = m
		}
	}
	s.hasReplies = len(s.awaited) > 0 || len(s.failing) > 0
}

// awaitKeys lists the reply keys a client frame waits for: its
// correlation id when its message has one, else the names of its
// replies; none when its operation waits for nothing.
func (s *Spec) awaitKeys(m wire.Message) []string {
	if m == nil {
		return nil
	}
	name := m.MessageName()
	replies := s.awaited[name]
	if len(replies) == 0 {
		return nil
	}
	if ptr := s.Correlation[name]; ptr != "" {
		if v, ok := valueOf(m); ok {
			if id, ok := textAt(v, ptr); ok {
				return []string{"corr:" + id}
			}
		}
	}
	keys := make([]string, 0, len(replies))
	for _, r := range replies {
		keys = append(keys, "reply:"+r)
	}
	return keys
}

// resume is the server's x-wsbind-resume, or nil.
func (s *Spec) resume() *ir.Resume {
	if cs := s.Package.ClientSpec; cs != nil && cs.Resume != nil && cs.Resume.Message != nil {
		return cs.Resume
	}
	return nil
}

// HasReplies reports whether some operation awaits a reply or some
// server message reports errors: a client must then inspect frames.
func (s *Spec) HasReplies() bool { return s.hasReplies }

// answer marks a server frame that answers an awaited operation: its
// keys, the failure its x-wsbind-error rule reports, and whether it
// answers the oldest request (an error reply without correlation).
func (s *Spec) answer(in *conn.Inbound, m wire.Message) {
	name := m.MessageName()
	failing := s.failing[name]
	if !s.answering[name] && failing == nil {
		return
	}
	v, _ := valueOf(m)
	if s.answering[name] {
		if ptr := s.Correlation[name]; ptr != "" {
			if id, ok := textAt(v, ptr); ok {
				in.ReplyKeys = append(in.ReplyKeys, "corr:"+id)
			}
		}
		in.ReplyKeys = append(in.ReplyKeys, "reply:"+name)
	}
	if failing != nil {
		in.ReplyErr = replyError(name, failing.Error, v)
		if failing.Error.Always && len(failing.Correlation) == 0 && s.answering[name] {
			in.AnswersOldest = true
		}
	}
}

// ReplyError is a reply in which the server reports that a request
// failed, under the message's x-wsbind-error rule.
type ReplyError struct {
	Message, Code, Text string
}

func (e *ReplyError) Error() string {
	s := e.Message
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// replyError is the failure v reports under rule, or nil, as a generated
// replyError<Message> decides: the rule's condition (always, a pointer
// present, or a pointer equal to a value), then the success pairs; a
// fatal code is permanent.
func replyError(name string, rule *ir.ErrorRule, v any) error {
	if !rule.Always {
		if rule.Present {
			if x, ok := PointerGet(v, rule.Pointer); !ok || x == nil {
				return nil
			}
		} else if when, ok := textAt(v, rule.Pointer); !ok || when != fmt.Sprint(rule.Equals) {
			return nil
		}
	}
	var code, text string
	if rule.Code != "" {
		code, _ = textAt(v, rule.Code)
	}
	if rule.Text != "" {
		text, _ = textAt(v, rule.Text)
	}
	for _, ok := range rule.Success {
		if code == ok[0] && text == ok[1] {
			return nil
		}
	}
	e := &ReplyError{Message: name, Code: code, Text: text}
	for _, f := range rule.Fatal {
		if code == f {
			return &conn.PermanentError{Err: e}
		}
	}
	return e
}
