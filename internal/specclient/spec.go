// Package specclient dials any AsyncAPI document with no generated code:
// it plans the connection (URL, server variables and channel parameters,
// headers, subprotocols, keepalive, the server's x-wsbind-auth step),
// checks the frames to send against the document, and runs a reconnecting
// runtime/conn client that redoes the auth step and sends the
// subscription frames again after every reconnect.
//
// `wsbind record --spec` and wsbind-bridge's spec connections share it:
// Words let each name its own inputs (flags, config keys) in errors.
package specclient

import (
	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/runtime/wire"
)

// MinSecretLen is the shortest credential or header value accepted: a
// shorter value cannot be scrubbed from logs and frames without mangling
// them.
const MinSecretLen = 4

// Spec is a document ready to dial: its provider, whose codecs interpret
// it, and the parts of the document that say where and how to connect.
type Spec struct {
	*interp.Spec
	// Path is the document's file, as given: errors name it.
	Path string
	// secrets maps a server message to the JSON pointers of the values it
	// hands out that must not be shown (x-wsbind-secrets).
	secrets map[string][]string
	// awaited maps a client message to the server messages that answer
	// it; answering marks those, failing the server messages with an
	// x-wsbind-error rule (replies.go).
	awaited    map[string][]string
	answering  map[string]bool
	failing    map[string]*ir.Message
	hasReplies bool
}

// Load reads the document at path as interp.LoadSpec does, keeping each
// server message's x-wsbind-secrets.
func Load(path string, opt interp.Options) (*Spec, error) {
	sp, err := interp.LoadSpec(path, opt)
	if err != nil {
		return nil, err
	}
	s := &Spec{Spec: sp, Path: path, secrets: map[string][]string{}}
	for _, m := range sp.Package.Messages {
		if m.Server && len(m.Secrets) > 0 {
			s.secrets[m.Name] = m.Secrets
		}
	}
	s.indexReplies()
	return s, nil
}

// HasSecrets reports whether some server message hands out secrets.
func (s *Spec) HasSecrets() bool { return len(s.secrets) > 0 }

// HandedOut lists the values a server frame hands out that its message's
// x-wsbind-secrets mark, long enough to replace.
func (s *Spec) HandedOut(r wire.Result) []string {
	ptrs := s.secrets[r.Name]
	m, ok := r.Message.(interface{ Value() any })
	if len(ptrs) == 0 || !ok {
		return nil
	}
	var out []string
	for _, p := range ptrs {
		if v, ok := PointerGet(m.Value(), p); ok {
			if str, ok := v.(string); ok && len(str) >= MinSecretLen {
				out = append(out, str)
			}
		}
	}
	return out
}

// message returns the package's message named name (its Go name), or nil.
func (s *Spec) message(name string) *ir.Message {
	var m *ir.Message
	for _, pm := range s.Package.Messages {
		if pm.Name == name {
			m = pm
		}
	}
	return m
}

// Events are the server messages pushed without being asked for, as
// wire.Provider.Events of a generated package lists them: not replies or
// errors, and not the welcome, the auth ack, keepalives or the resume
// announcement either, which the client consumes itself.
func (s *Spec) Events() []string {
	skip := map[string]bool{}
	if cs := s.Package.ClientSpec; cs != nil {
		for _, m := range []*ir.Message{cs.Welcome, cs.Auth.Ack, cs.Auth.Error, cs.Keepalive.Message, cs.Keepalive.ReplyMessage} {
			if m != nil {
				skip[m.Name] = true
			}
		}
		if cs.Resume != nil && cs.Resume.Message != nil {
			skip[cs.Resume.Message.Name] = true
		}
	}
	var out []string
	for _, name := range s.Provider.Events {
		if !skip[name] {
			out = append(out, name)
		}
	}
	return out
}
