package specclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Send is one frame to send as given: a JSON frame, or (Example) the name
// of a client message whose examples in the document are sent.
type Send struct {
	Example bool
	Value   string
	// What names it in errors ("--send #2", "subscriptions[0].send"); its
	// value is never shown.
	What string
}

// Outgoing is one frame checked against the document, ready to send.
type Outgoing struct {
	What  string // "--send #2", "example acme of QuoteRequest"
	Frame []byte
}

// Outgoing checks each frame of sends against codec, the client codec of
// the channel dialled, with the token put in where the auth step says
// (per-message). A frame that breaks the document is refused, named by
// its message and first violation; its value is never shown.
func (s *Spec) Outgoing(codec *wire.Codec, sends []Send, auth *Auth) ([]Outgoing, error) {
	var out []Outgoing
	for _, it := range sends {
		if !it.Example {
			out = append(out, Outgoing{What: it.What, Frame: []byte(it.Value)})
			continue
		}
		exs, err := s.clientExamples(it)
		if err != nil {
			return nil, err
		}
		out = append(out, exs...)
	}
	for i, o := range out {
		r := codec.Check(o.Frame, false)
		if frame, err := auth.authorize(s, r.Name, o.Frame); err != nil {
			return nil, fmt.Errorf("%s: putting the token in: %v; nothing was sent", o.What, err)
		} else if !bytes.Equal(frame, o.Frame) {
			out[i].Frame = frame
			r = codec.Check(frame, false)
		}
		switch {
		case r.Syntax != nil:
			return nil, fmt.Errorf("%s is not JSON: %v; nothing was sent", o.What, r.Syntax)
		case r.Name == "":
			return nil, fmt.Errorf("%s matches no client message of %s; nothing was sent", o.What, s.Path)
		case !r.Valid():
			why := r.Violations[0].String()
			if n := len(r.Violations) - 1; n > 0 {
				why += fmt.Sprintf(" (+%s)", count(n, "more violation"))
			}
			return nil, fmt.Errorf("%s is not a valid %s: %s; nothing was sent", o.What, r.Name, why)
		}
	}
	return out, nil
}

// clientExamples returns the document's examples of the client message
// it names.
func (s *Spec) clientExamples(it Send) ([]Outgoing, error) {
	name := it.Value
	var out []Outgoing
	for _, ex := range s.Examples {
		if ex.Direction == "client" && strings.EqualFold(ex.Message, name) {
			out = append(out, Outgoing{What: fmt.Sprintf("example %s of %s", ex.Name, ex.Message), Frame: []byte(ex.JSON)})
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	var have []string
	for _, ex := range s.Examples {
		if ex.Direction == "client" && !slices.Contains(have, ex.Message) {
			have = append(have, ex.Message)
		}
	}
	list := "none has one"
	if len(have) > 0 {
		list = "those with examples: " + strings.Join(have, ", ")
	}
	if slices.ContainsFunc(s.Client.Messages, func(m string) bool { return strings.EqualFold(m, name) }) {
		return nil, fmt.Errorf("%s: the client message has no example (%s)", it.What, list)
	}
	return nil, fmt.Errorf("%s: %s has no client message %s (client messages: %s; %s)", it.What, s.Path, name, strings.Join(s.Client.Messages, ", "), list)
}

// buildFrame builds a client message the runtime sends on its own: the
// document's first example of it, else its constants (interp.Skeleton),
// with puts set at their pointers. what names the frame in errors; a
// frame that breaks the document is refused.
func (s *Spec) buildFrame(m *ir.Message, what string, puts map[string]string) ([]byte, error) {
	from := "its constant fields"
	var v any = interp.Skeleton(m)
	if len(m.Examples) > 0 {
		from = "its example " + m.Examples[0].Name
		if err := decodeNumbers(m.Examples[0].JSON, &v); err != nil {
			return nil, fmt.Errorf("%s: example %s of %s: %v", s.Path, m.Examples[0].Name, m.Name, err)
		}
	}
	for ptr, val := range puts {
		var ok bool
		if v, ok = pointerPut(v, ptr, val); !ok {
			return nil, fmt.Errorf("%s: %s %s built from %s has no place for %s", s.Path, what, m.Name, from, ptr)
		}
	}
	frame, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	r := s.Client.Check(frame, false)
	if r.Name != m.Name || !r.Valid() {
		why := "it is " + r.Name
		if r.Name == "" {
			why = "it matches no client message"
		}
		if len(r.Violations) > 0 {
			why = r.Violations[0].String()
		}
		return nil, fmt.Errorf("%s: %s %s, built from %s, is not a valid %s: %s; nothing was sent", s.Path, what, m.Name, from, m.Name, why)
	}
	return frame, nil
}

// count is n and noun, in the plural unless n is 1 (regular nouns only).
func count(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}

// decodeNumbers decodes JSON keeping numbers as written.
func decodeNumbers(b []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// encodeJSON encodes v compactly, without escaping HTML characters.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func PointerTokens(ptr string) []string {
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks
}

// PointerGet returns the value at a JSON pointer.
func PointerGet(v any, ptr string) (any, bool) {
	for _, tok := range PointerTokens(ptr) {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[tok]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// pointerPut sets val at a JSON pointer, creating the objects on the way
// that are missing; it fails where the way crosses a value that is not an
// object.
func pointerPut(root any, ptr string, val any) (any, bool) {
	if ptr == "" || ptr == "/" {
		return root, false
	}
	if root == nil {
		root = map[string]any{}
	}
	cur, ok := root.(map[string]any)
	if !ok {
		return root, false
	}
	toks := PointerTokens(ptr)
	for _, tok := range toks[:len(toks)-1] {
		next, present := cur[tok]
		if !present || next == nil {
			next = map[string]any{}
			cur[tok] = next
		}
		if cur, ok = next.(map[string]any); !ok {
			return root, false
		}
	}
	cur[toks[len(toks)-1]] = val
	return root, true
}
