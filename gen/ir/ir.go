// Package ir is the generator's model of one provider: named types, fields,
// unions, messages and the dispatch tree that tells messages apart. It is
// built from gen/spec documents and knows nothing of Go syntax beyond the
// names it assigns; gen/golang walks it to write code.
package ir

import "github.com/wsbind/wsbind/gen/schema"

// Kind is the shape of a Type.
type Kind int

// Type kinds. String, Int, Float, Bool, Raw, Slice, Map and Nullable are
// anonymous (each use is its own Type carrying its own checks); Struct, Enum
// and Union are named Go types.
const (
	String Kind = iota
	Int
	Float
	Bool
	Raw
	Slice
	Map
	Nullable
	Struct
	Enum
	Union
)

// Named reports whether values of kind k are declared Go types.
func (k Kind) Named() bool { return k == Struct || k == Enum || k == Union }

// Type is one schema lowered to something Go can hold.
type Type struct {
	Kind Kind
	Name string // Go name, for named kinds
	Doc  string
	Loc  string // where in the spec it came from

	// Checks on scalars. Unset bounds are -1 (lengths, items) or nil.
	Const     any // string, int64 or bool
	Pattern   string
	Format    string
	MinLength int
	MaxLength int
	Minimum   *float64
	Maximum   *float64
	// NumberLits are the literals of a Float's minimum, maximum and const
	// as written ("" when absent): the decoder compares the frame's
	// literal with them exactly, since float64 rounds what it decodes.
	NumberLits [3]string
	// Ints are an Int's numeric keywords as written (bounds, multipleOf,
	// const, enum), checked exactly by a wire.IntegerRule; nil when it
	// has none.
	Ints *IntRule
	// Wide marks an Int whose keywords let a valid value lie beyond
	// int64: its Go type is then wire.Integer instead of int64.
	Wide     bool
	MinItems int
	MaxItems int

	// RawTypes are the JSON types a Raw value may have (nil: any).
	RawTypes []string
	// Check is the full draft-07 meaning of a Raw value's schema, set when
	// no typed lowering carries all of it; Validate runs a validator
	// compiled from it on the raw JSON.
	Check *schema.Schema

	// Values of an Enum, in spec order.
	Values []string
	// Open marks an Enum declared with x-extensible-enum in place of
	// enum: Values are the known values, and any other string is valid
	// with an unknown-value note.
	Open bool

	// Elem of Slice, Map and Nullable.
	Elem *Type

	// Fields of a Struct, in spec order; Closed forbids other properties.
	Fields []*Field
	Closed bool
	// Deprecated is set when the spec marks the schema deprecated: a value
	// of it in a frame is a note.
	Deprecated bool
	// Unions lists the unions this struct is a branch of.
	Unions []*Type
	// Message is set when this struct is a message payload.
	Message *Message
	// KeepRaw gives the struct its JSON as received: the catch-all branch
	// of an open union, whose new variants carry properties no field has.
	KeepRaw bool

	// Disc is a discriminated union's property; "" for a union by JSON type.
	Disc     string
	Branches []*Branch
}

// Field is one property of a Struct.
type Field struct {
	Name     string // on the wire
	GoName   string
	Doc      string
	Required bool
	Type     *Type
	// Dispatch marks a union (or array of unions) whose values the
	// dispatcher routes to per-branch handlers (x-wsbind-dispatch).
	Dispatch bool
	// Deprecated is set when the spec marks the property deprecated: its
	// presence in a frame is a note.
	Deprecated bool
}

// Branch is one alternative of a Union.
type Branch struct {
	// Values are the discriminator values that select this branch.
	Values []string
	// JSONType selects the branch in a union by JSON type ("string").
	JSONType string
	Type     *Type
	// GoName names the wrapper type for a scalar branch of a union by JSON type.
	GoName string
	// Open marks the catch-all branch of a discriminated union
	// (x-wsbind-open): it takes the values no other branch lists, which
	// its schema excludes, with an unknown-variant note.
	Open bool
}

// HasChecks reports whether Validate has anything to look at in t.
func (t *Type) HasChecks() bool {
	return t.hasChecks(map[*Type]bool{})
}

func (t *Type) hasChecks(seen map[*Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind {
	case String:
		return t.Const != nil || t.Pattern != "" || t.Format != "" || t.MinLength >= 0 || t.MaxLength >= 0
	case Int:
		return t.Ints.checks(t.Wide)
	case Float:
		return t.Const != nil || t.Minimum != nil || t.Maximum != nil
	case Bool:
		return t.Const != nil
	case Enum:
		return !t.Open
	case Slice:
		return t.MinItems >= 0 || t.MaxItems >= 0 || t.Elem.hasChecks(seen)
	case Map, Nullable:
		return t.Elem.hasChecks(seen)
	case Raw:
		return t.Check != nil
	case Struct:
		for _, f := range t.Fields {
			if f.Type.hasChecks(seen) {
				return true
			}
		}
	case Union:
		for _, b := range t.Branches {
			if b.Type.hasChecks(seen) {
				return true
			}
		}
	}
	return false
}

// Message is one AsyncAPI message.
type Message struct {
	Name string // the components/messages key, also the Go type name
	Doc  string
	Type *Type
	// Correlation is the path of the correlation id in the payload.
	Correlation []string
	// Deprecated is set when the spec marks the message deprecated.
	Deprecated bool
	// Discriminator is the payload's AsyncAPI discriminator property, if
	// it declares one: dispatch tries it before other const properties.
	Discriminator string
	// Replies names the messages that answer this one.
	Replies  []*Message
	Examples []Example
	// Server and Client tell which directions carry the message.
	Server, Client bool
	// Error says when this message, as a reply, reports a failure.
	Error *ErrorRule
	// EndsSub holds pointers whose values form the key of a subscription
	// this message ends (x-wsbind-ends-subscription).
	EndsSub []string
	// Secrets holds pointers of values the server hands out that must
	// never reach a log or a capture, such as session ids
	// (x-wsbind-secrets).
	Secrets []string
	// Open marks a catch-all message (x-wsbind-open): it takes the frames
	// whose top-level OpenKey holds none of the values the others have,
	// which its schema excludes (not: {enum: Excludes}).
	Open     bool
	OpenKey  string
	Excludes []string
	openAt   interface{ Errorf(string, ...any) error }
}

// Wrapped reports whether m's payload is not an object with properties:
// its Go type is then a struct holding the whole payload in a field Value
// (specs/README.md, "Payloads that are not objects").
func (m *Message) Wrapped() bool { return m.Type.Kind != Struct }

// Example is one message example, as compact JSON.
type Example struct {
	Name string
	JSON []byte
}

// Switch is one level of the dispatch tree. A leaf names its Message.
type Switch struct {
	// Key is the top-level property examined at this level.
	Key string
	// Presence means cases are told apart by which key is present; each
	// case's Values holds its key.
	Presence bool
	// ByType means cases are told apart by the JSON type of the frame;
	// each case's Values holds JSON type names ("string", "object").
	ByType  bool
	Cases   []*Case
	Message *Message
	// Candidates is set on a leaf whose messages nothing in their shape
	// tells apart: the decoder tries each and keeps the one message whose
	// schema the frame satisfies (specs/README.md, "Dispatch").
	Candidates []*Message
	// Default takes a frame whose Key holds none of the cases' values: the
	// direction's catch-all message (x-wsbind-open), whose schema excludes
	// them. Such a frame is valid with an unknown-variant note.
	Default *Message
}

// Leaf reports whether sw selects its message(s) without looking further.
func (sw *Switch) Leaf() bool { return sw.Message != nil || len(sw.Candidates) > 0 }

// Case is one branch of a Switch.
type Case struct {
	Values []string
	Next   *Switch
}

// Direction is the set of messages one side sends, and how to tell them apart.
type Direction struct {
	Name     string // "server" or "client"
	GoName   string // "ServerMessage" or "ClientMessage"
	Messages []*Message
	// Root is nil when the direction carries no message: every frame is
	// unknown.
	Root *Switch
	// Channel is the channel key of a per-channel direction ("" for the
	// whole document's), and Suffix what its function names add
	// ("OnLightMeasured").
	Channel, Address, Suffix string
}

// ChannelDirections are the two directions of one channel. A document
// with several channels gets them so that a caller who knows the channel
// (the socket's URL) decodes with that channel's messages only: messages
// told apart by nothing but their channel.
type ChannelDirections struct {
	Key, Address   string
	Server, Client *Direction
}

// Package is everything generated for one provider.
type Package struct {
	Name     string // provider and Go package name
	Title    string
	Doc      string
	Types    []*Type // named types, sorted by name
	Messages []*Message
	Server   *Direction
	Client   *Direction
	// Channels are per-channel directions, set when the document has more
	// than one channel carrying messages.
	Channels []*ChannelDirections
	// Schema is the JSON Schema bundle (draft 7) with one definition per
	// named schema and message plus ServerMessage and ClientMessage.
	Schema []byte
	// Servers are the spec's servers with their x-wsbind extensions as JSON.
	Servers []Server
	// SourceFiles are the spec files read, for the generated header.
	SourceFiles []string
	// ClientSpec drives the typed client.
	ClientSpec *ClientSpec
	// NoClient says why no typed client fits ("" when one does): the
	// document's servers speak another protocol than WebSocket.
	NoClient string
	// Warnings are what gen accepts but a user should hear of: keywords
	// draft-07 makes annotations, which nothing checks.
	Warnings []string
	// Bridge holds every message's wsbind-bridge rule (x-wsbind-subject,
	// x-wsbind-dedupe); nil when no message has either.
	Bridge []BridgeRule
}

// Server is one entry of the spec's servers.
type Server struct {
	Name       string
	URL        string // protocol://host+pathname
	Doc        string
	Extensions map[string][]byte // x-wsbind-* name to JSON value
	// Auth is the server's x-wsbind-auth, nil when it has none.
	Auth *Auth
}

// Directions lists the document's two directions, then each channel's.
func (p *Package) Directions() []*Direction {
	out := []*Direction{p.Server, p.Client}
	for _, c := range p.Channels {
		out = append(out, c.Server, c.Client)
	}
	return out
}
