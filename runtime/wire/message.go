package wire

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
)

// Message is implemented by every generated message type.
type Message interface {
	// MessageName is the message's key in the spec ("Welcome"); "" for a
	// frame that matched no message.
	MessageName() string
	// RawFrame is the frame the message was decoded from (nil when the value
	// was built in code). It aliases the decoder's input.
	RawFrame() []byte
	// Validate checks the decoded values against the schema's value
	// keywords (enum, const, pattern, format, lengths, bounds).
	Validate() error
}

// Unknown is a frame, or a value inside one, whose discriminator matches no
// message or union branch of the spec. It is never dropped: dispatchers hand
// it to their OnUnknown handler.
type Unknown struct {
	// Pointer locates the value in its frame ("" for the whole frame).
	Pointer string
	// Raw is the value as received.
	Raw json.RawMessage
}

// MessageName is "" for unknown frames.
func (*Unknown) MessageName() string { return "" }

// RawFrame returns the unmatched frame.
func (u *Unknown) RawFrame() []byte { return u.Raw }

// Validate returns nil: an unknown value has no schema to check. That it
// matched nothing is reported by the decoder, as a "oneOf" violation.
func (u *Unknown) Validate() error { return nil }

// MarshalJSON returns the value as received.
func (u *Unknown) MarshalJSON() ([]byte, error) { return u.Raw, nil }

// Codec decodes one direction of one protocol. Generated packages export
// one per direction; runtime/ and cmd/wsbind use them without knowing the
// provider.
type Codec struct {
	Protocol  string
	Direction string // "server" (server to client) or "client"
	// Messages lists the names of every message of this direction.
	Messages []string
	// Decode decodes frame, recording violations and drift in s. Its error
	// is set only for malformed JSON.
	Decode func(frame []byte, s *Scope) (Message, error)
	// Release, when set, puts the memory of a message Decode returned back
	// into a Reuse, for Checker. Generated server codecs set it.
	Release func(m Message, r *Reuse)
	// Deprecated lists the messages the spec marks deprecated: a frame
	// decoded as one gets a note.
	Deprecated []string
	// Channel and Address name the channel of a per-channel codec.
	Channel, Address string
	// Channels are this direction's per-channel codecs, for documents with
	// several channels: on a known channel, only its messages are tried.
	Channels []*Codec
	// ScanDuplicates is set by back ends whose decoder cannot see
	// duplicate keys (encoding/json keeps the last occurrence without a
	// word): Check then finds them in the frame and notes them, at the
	// pointers and in the words of the generated decoders' notes.
	// Generated decoders note them themselves and leave it unset.
	ScanDuplicates bool
}

// ForChannel returns the codec of the channel with key or address name,
// or c itself when c has no such channel.
func (c *Codec) ForChannel(name string) *Codec {
	for _, ch := range c.Channels {
		if ch.Channel == name || (ch.Address != "" && ch.Address == name) {
			return ch
		}
	}
	return c
}

// Result is the verdict on one frame.
type Result struct {
	// Message is the decoded message; nil only when Syntax is set.
	Message Message
	// Name is the matched message's name; "" when unmatched.
	Name       string
	Syntax     error
	Violations []Violation
	// Drift lists JSON pointers of properties the spec does not declare.
	Drift []string
	// Notes are what the frame carries that a consumer should hear of,
	// though it keeps its contract (unknown properties are in Drift).
	Notes []Note
}

// Noted reports whether a valid frame comes with notes or drift.
func (r *Result) Noted() bool { return len(r.Notes) > 0 || len(r.Drift) > 0 }

// Valid reports whether the frame is well-formed and breaks no rule.
func (r *Result) Valid() bool { return r.Syntax == nil && len(r.Violations) == 0 }

// Err returns the verdict as a *FrameError, or nil when valid.
func (r *Result) Err(c *Codec) error {
	if r.Valid() {
		return nil
	}
	return &FrameError{Protocol: c.Protocol, Direction: c.Direction, Message: r.Name, Syntax: r.Syntax, Violations: r.Violations}
}

// Check decodes and validates one frame. With drift set it also lists
// undeclared properties. A frame that is not valid UTF-8 gets a "utf8"
// violation at the frame, first, and is still decoded. A string or key
// holding an escaped lone surrogate gets a NoteLoneSurrogate note, and
// with ScanDuplicates a repeated key a NoteDuplicateKey note; at most 32
// such notes per frame.
func (c *Codec) Check(frame []byte, drift bool) Result {
	return c.check(frame, drift, nil, false)
}

// Checker is Check for a stream of frames, decoding each into the memory
// of the messages it decoded before when its Codec has a Release: the
// Message of a Result is then valid only until the next Check. The zero
// value with Codec set is ready to use; a Checker is not safe for
// concurrent use.
type Checker struct {
	Codec *Codec
	// Stable promises that no frame handed to the Checker is modified
	// afterwards, as long as anything decoded from it is in use: decoded
	// strings then share the frame's memory instead of a copy of it. The
	// runtime sets it for the frames it reads, which it never modifies.
	Stable bool
	r      Reuse
	last   Message
}

// Check decodes and validates one frame as Codec.Check does.
func (k *Checker) Check(frame []byte, drift bool) Result {
	if k.Codec.Release == nil {
		return k.Codec.check(frame, drift, nil, k.Stable)
	}
	if k.last != nil {
		k.Codec.Release(k.last, &k.r)
		k.last = nil
	}
	r := k.Codec.check(frame, drift, &k.r, k.Stable)
	k.last = r.Message
	return r
}

func (c *Codec) check(frame []byte, drift bool, reuse *Reuse, stable bool) Result {
	s := scopeFor(reuse)
	defer release(s)
	s.CollectDrift, s.stable = drift, stable
	bad, badUTF8 := checkUTF8(frame)
	m, err := c.Decode(frame, s)
	if err != nil {
		return Result{Syntax: syntaxError(err)}
	}
	r := Result{Message: m, Name: m.MessageName()}
	if badUTF8 {
		r.Violations = append(r.Violations, bad)
	}
	r.Violations = append(r.Violations, s.Violations...)
	r.Drift = append(r.Drift, s.Drift...)
	r.Notes = append(r.Notes, s.Notes...)
	r.Notes = scanNotes(frame, c.ScanDuplicates, r.Notes)
	if slices.Contains(c.Deprecated, r.Name) {
		r.Notes = append(r.Notes, Note{Kind: NoteDeprecated, Message: "the spec marks message " + r.Name + " deprecated"})
	}
	if verr := m.Validate(); verr != nil {
		var ve *ValidationError
		if errors.As(verr, &ve) {
			for _, v := range ve.Violations {
				if !Covered(s.Skipped, v.Pointer) {
					r.Violations = append(r.Violations, v)
				}
			}
		}
	}
	return r
}

// DecodeFrame runs decode with a pooled scope and folds what it found into
// a *FrameError. Generated DecodeServerMessage and DecodeClientMessage
// call it. The message is returned even when it breaks its schema, so a
// caller's policy can still dispatch it.
func DecodeFrame[M Message](c *Codec, frame []byte, decode func([]byte, *Scope) (M, error)) (M, error) {
	return DecodeFrameReuse(c, frame, decode, nil)
}

// DecodeFrameReuse is DecodeFrame decoding with r's memory (see Reuse);
// a nil r allocates afresh.
func DecodeFrameReuse[M Message](c *Codec, frame []byte, decode func([]byte, *Scope) (M, error), r *Reuse) (M, error) {
	s := scopeFor(r)
	defer release(s)
	bad, badUTF8 := checkUTF8(frame)
	m, err := decode(frame, s)
	if err != nil {
		return m, &FrameError{Protocol: c.Protocol, Direction: c.Direction, Syntax: syntaxError(err)}
	}
	if badUTF8 || len(s.Violations) > 0 {
		var vs []Violation
		if badUTF8 {
			vs = append(vs, bad)
		}
		vs = append(vs, s.Violations...)
		return m, &FrameError{Protocol: c.Protocol, Direction: c.Direction, Message: m.MessageName(), Violations: vs}
	}
	return m, nil
}

// Example is one example from the spec, kept in generated packages for
// tests, mock servers and sample captures.
type Example struct {
	Message   string // message name
	Direction string // "server" or "client"
	Name      string // example name
	JSON      string
}

// Server is one server entry of the spec.
type Server struct {
	Name string
	URL  string
	// Extensions holds the server's x-wsbind-* values as JSON.
	Extensions map[string]string
}

// Provider describes one generated binding for provider-agnostic tools.
type Provider struct {
	Name     string // package name ("astro")
	Title    string
	Server   *Codec // frames the server sends
	Client   *Codec // frames the client sends
	Schema   []byte // JSON Schema bundle
	Examples []Example
	Servers  []Server
	// Events names the server messages pushed without being asked for
	// (not replies, greetings or keepalives): what mocks replay.
	Events []string
	// Driver is set when the package has a generated client.
	Driver *Driver
	// Bridge lists, for wsbind-bridge, how each message's events are
	// named and deduplicated; nil when the spec says nothing of it.
	Bridge []BridgeRule
}

// BridgeRule is one message's x-wsbind-subject and x-wsbind-dedupe
// (specs/README.md): wsbind-bridge publishes its events on
// wsbind.<provider>.<Token>[.<key>...], the keys taken from the frame at
// the pointers of Subject, with the value at Dedupe as Nats-Msg-Id.
type BridgeRule struct {
	Message string // the message's name, as MessageName returns it
	Token   string // its subject token: its AsyncAPI name, sanitised
	Subject string // the x-wsbind-subject template, "" for none
	Dedupe  string // the x-wsbind-dedupe pointer, "" for none
}

// Codec returns the codec for direction "server" or "client".
func (p *Provider) Codec(direction string) *Codec {
	if direction == "client" {
		return p.Client
	}
	return p.Server
}

// Policy says what a client does with a frame that breaks its schema.
type Policy int

const (
	// Report hands invalid frames to the error hook and still dispatches
	// them (the default).
	Report Policy = iota
	// Off skips value validation; malformed JSON is still reported.
	Off
	// Strict hands invalid frames to the error hook only.
	Strict
)

// Judge decodes frame and judges it per p: with Off only malformed JSON is
// an error (invalid UTF-8 is a violation, so Off lets it through);
// otherwise the error lists every violation, as Check does. The
// message is returned whenever the frame is well-formed JSON.
func (c *Codec) Judge(frame []byte, p Policy) (Message, error) {
	if p == Off {
		s := GetScope()
		defer PutScope(s)
		m, err := c.Decode(frame, s)
		if err != nil {
			return nil, &FrameError{Protocol: c.Protocol, Direction: c.Direction, Syntax: syntaxError(err)}
		}
		return m, nil
	}
	r := c.Check(frame, false)
	return r.Message, r.Err(c)
}

// Verdict is Judge for a caller that also wants the whole verdict, drift
// included: one decode serves both the client's dispatch and, say, a bridge
// publishing the frame with its notes. The error follows p as Judge's
// does; the Result always holds every violation.
func (c *Codec) Verdict(frame []byte, p Policy) (Result, error) {
	return c.verdict(c.Check(frame, true), p)
}

// Verdict is Codec.Verdict decoding into the memory of the frames before,
// as Check does: the Result's Message is valid only until the next call.
func (k *Checker) Verdict(frame []byte, p Policy) (Result, error) {
	return k.Codec.verdict(k.Check(frame, true), p)
}

func (c *Codec) verdict(r Result, p Policy) (Result, error) {
	switch {
	case r.Syntax != nil:
		return r, &FrameError{Protocol: c.Protocol, Direction: c.Direction, Syntax: r.Syntax}
	case p == Off:
		return r, nil
	}
	return r, r.Err(c)
}

// Driver lets provider-agnostic tools (wsbind record and demo) use a
// generated typed client: dial with string credentials, call its request
// methods with string arguments, and see every message it receives.
type Driver struct {
	// Credentials names the keys DriverConfig.Credentials may hold.
	Credentials []string
	// Ops lists the request methods with their parameter names.
	Ops  []DriverOp
	Dial func(ctx context.Context, cfg DriverConfig) (DriverClient, error)
}

// DriverOp is one request method of a typed client.
type DriverOp struct {
	Name   string
	Params []string
	// Subscribe marks methods that add a subscription.
	Subscribe bool
}

// DriverConfig configures a driven client.
type DriverConfig struct {
	URL         string
	Credentials map[string]string
	// Tap sees every frame in both directions, secrets already replaced.
	Tap func(direction string, frame []byte)
	// OnMessage sees every message the client dispatches.
	OnMessage func(m Message)
	OnError   func(err error)
	Logger    *slog.Logger
}

// DriverClient is a connected driven client.
type DriverClient interface {
	Call(ctx context.Context, op string, args []string) error
	Close() error
}
