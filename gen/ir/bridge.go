package ir

import (
	"fmt"
	"strings"

	"github.com/wsbind/wsbind/gen/spec"
)

// Bridge extensions (specs/README.md): how wsbind-bridge names and
// deduplicates the events of a message when it puts them on NATS
// JetStream. They change nothing in the generated package.
//
//   - x-wsbind-subject: a subject template, tokens separated by dots, each
//     a literal ([A-Za-z0-9_-]+) or a JSON pointer into the frame in
//     braces: "{/room}". The tokens follow wsbind.<provider>.<message>.
//   - x-wsbind-dedupe: a JSON pointer to the provider's own message id
//     ("/id"), which becomes the Nats-Msg-Id of the event.
var bridgeExtensions = []string{"x-wsbind-subject", "x-wsbind-dedupe"}

// BridgeRule is what the bridge extensions say about one message.
type BridgeRule struct {
	// Message is the message's Go name (what MessageName returns).
	Message string
	// Token is the message's subject token: its AsyncAPI name (else its
	// key), sanitised ("channel.tips" gives "channel_tips").
	Token string
	// Subject is the parsed x-wsbind-subject, nil without one.
	Subject []SubjectPart
	// Template is x-wsbind-subject as written.
	Template string
	// Dedupe is the x-wsbind-dedupe pointer, "" without one.
	Dedupe string
}

// SubjectPart is one token of a subject template: a literal, or the value
// at a JSON pointer into the frame.
type SubjectPart struct {
	Literal string
	Pointer string
}

// ParseSubjectTemplate parses an x-wsbind-subject template.
func ParseSubjectTemplate(t string) ([]SubjectPart, error) {
	if strings.TrimSpace(t) == "" {
		return nil, fmt.Errorf("empty subject template")
	}
	var out []SubjectPart
	for _, tok := range strings.Split(t, ".") {
		switch {
		case tok == "":
			return nil, fmt.Errorf("subject template %q has an empty token", t)
		case strings.HasPrefix(tok, "{") && strings.HasSuffix(tok, "}"):
			p := tok[1 : len(tok)-1]
			if err := checkPointer(p); err != nil {
				return nil, fmt.Errorf("subject template %q: %w", t, err)
			}
			out = append(out, SubjectPart{Pointer: p})
		default:
			for _, r := range tok {
				if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
					return nil, fmt.Errorf("subject template %q: token %q may hold letters, digits, _ and - only, or a {/json/pointer}", t, tok)
				}
			}
			out = append(out, SubjectPart{Literal: tok})
		}
	}
	return out, nil
}

func checkPointer(p string) error {
	if !strings.HasPrefix(p, "/") || len(p) < 2 {
		return fmt.Errorf("%q is not a JSON pointer into the frame (like /room)", p)
	}
	if strings.ContainsAny(p, "{}. ") {
		return fmt.Errorf("JSON pointer %q holds a brace, dot or space", p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '~' && (i+1 >= len(p) || (p[i+1] != '0' && p[i+1] != '1')) {
			return fmt.Errorf("JSON pointer %q has a bad ~ escape", p)
		}
	}
	return nil
}

// SanitizeToken makes s one NATS subject token: letters, digits, _ and -
// stay, every other byte becomes _, and the empty string is "_".
func SanitizeToken(s string) string {
	if s == "" {
		return "_"
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// checkBridge checks the bridge extensions of one message node.
func checkBridge(n *spec.Node) error {
	if s := n.Get("x-wsbind-subject"); s != nil {
		if _, err := ParseSubjectTemplate(s.Str()); err != nil {
			return s.Errorf("x-wsbind-subject: %v", err)
		}
	}
	if d := n.Get("x-wsbind-dedupe"); d != nil {
		if err := checkPointer(d.Str()); err != nil {
			return d.Errorf("x-wsbind-dedupe: %v", err)
		}
	}
	return nil
}

// BridgeRules lists the bridge rule of every message of a loaded document
// the server sends, in document order.
func BridgeRules(doc *spec.Document) ([]BridgeRule, error) {
	var out []BridgeRule
	for _, m := range doc.Messages {
		if err := checkBridge(m.Node); err != nil {
			return nil, err
		}
		name := m.Node.Get("name").Str()
		if name == "" {
			name = m.Key
		}
		r := BridgeRule{Message: GoName(m.Key), Token: SanitizeToken(name)}
		if s := m.Node.Get("x-wsbind-subject"); s != nil {
			r.Template = s.Str()
			r.Subject, _ = ParseSubjectTemplate(r.Template)
		}
		if d := m.Node.Get("x-wsbind-dedupe"); d != nil {
			r.Dedupe = d.Str()
		}
		out = append(out, r)
	}
	return out, nil
}
