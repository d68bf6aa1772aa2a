// Package rules says how the bridge names and deduplicates each message:
// its subject token, the key tokens of x-wsbind-subject and the
// x-wsbind-dedupe pointer, per provider.
package rules

import (
	"fmt"
	"slices"
	"sort"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/subject"
	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/wire"
)

// builtin holds the rules gen wrote into each generated provider
// (wire.Provider.Bridge), from its spec's x-wsbind-subject and
// x-wsbind-dedupe.
var builtin = func() map[string][]Rule {
	out := map[string][]Rule{}
	for _, p := range generated.Providers {
		if len(p.Bridge) > 0 {
			out[p.Name] = fromWire(p.Bridge)
		}
	}
	return out
}()

func fromWire(list []wire.BridgeRule) []Rule {
	out := make([]Rule, 0, len(list))
	for _, r := range list {
		out = append(out, Rule{Message: r.Message, Token: r.Token, Template: r.Subject, Dedupe: r.Dedupe})
	}
	return out
}

// Rule is one message's rule, as the spec gives it.
type Rule struct {
	Message  string // Go name, what MessageName returns
	Token    string // subject token of the message
	Template string // x-wsbind-subject, "" for none
	Dedupe   string // x-wsbind-dedupe, "" for none
}

// Compiled is a provider's rules ready for the hot path.
type Compiled struct {
	Provider string
	byName   map[string]*Message
}

// Message is one compiled rule.
type Message struct {
	Token  string
	Key    []Part
	Dedupe subject.Pointer // nil: none
}

// Part is a literal token or a pointer into the frame.
type Part struct {
	Literal string
	Pointer subject.Pointer
}

// Providers lists the providers with built-in rules.
func Providers() []string {
	out := make([]string, 0, len(builtin))
	for k := range builtin {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Builtin returns the rules of a built-in provider, with overrides of
// x-wsbind-subject by message name (from the bridge config), or an error
// naming a bad template.
func Builtin(provider string, subjects map[string]string) (*Compiled, error) {
	list, ok := builtin[provider]
	if !ok {
		return nil, fmt.Errorf("no built-in provider %q (have %v)", provider, Providers())
	}
	return build(provider, list, subjects)
}

// FromProvider returns the rules a provider built at run time carries
// (wire.Provider.Bridge, as gen/interp fills it from a spec connection's
// document), named name in subjects, with overrides of x-wsbind-subject
// by message name. A server message without a rule (the document has no
// bridge extension) takes its name as its subject token, as events
// without a rule do.
func FromProvider(name string, p *wire.Provider, subjects map[string]string) (*Compiled, error) {
	list := fromWire(p.Bridge)
	for msg := range subjects {
		if !slices.ContainsFunc(list, func(r Rule) bool { return r.Message == msg }) && slices.Contains(p.Server.Messages, msg) {
			list = append(list, Rule{Message: msg, Token: subject.Sanitize(msg)})
		}
	}
	return build(name, list, subjects)
}

func build(provider string, list []Rule, subjects map[string]string) (*Compiled, error) {
	c := &Compiled{Provider: provider, byName: map[string]*Message{}}
	for _, r := range list {
		if t, ok := subjects[r.Message]; ok {
			r.Template = t
		}
		m, err := compile(r)
		if err != nil {
			return nil, err
		}
		c.byName[r.Message] = m
	}
	for name := range subjects {
		if _, ok := c.byName[name]; !ok {
			return nil, fmt.Errorf("subjects: %s has no message %q", provider, name)
		}
	}
	return c, nil
}

func compile(r Rule) (*Message, error) {
	m := &Message{Token: r.Token}
	if r.Template != "" {
		parts, err := ir.ParseSubjectTemplate(r.Template)
		if err != nil {
			return nil, fmt.Errorf("subjects: %s: %w", r.Message, err)
		}
		for _, p := range parts {
			if p.Pointer != "" {
				m.Key = append(m.Key, Part{Pointer: subject.ParsePointer(p.Pointer)})
			} else {
				m.Key = append(m.Key, Part{Literal: p.Literal})
			}
		}
	}
	if r.Dedupe != "" {
		m.Dedupe = subject.ParsePointer(r.Dedupe)
	}
	return m, nil
}

// Lookup returns the rule of a message, nil if the provider has none.
func (c *Compiled) Lookup(message string) *Message { return c.byName[message] }

// Dedupes reports whether every one of messages has an x-wsbind-dedupe
// id: then a copy published twice, by two holders in a hand-off, is one
// event in the stream.
func (c *Compiled) Dedupes(messages []string) bool {
	for _, name := range messages {
		if m := c.byName[name]; m == nil || m.Dedupe == nil {
			return false
		}
	}
	return len(messages) > 0
}
