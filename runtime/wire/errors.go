package wire

import (
	"fmt"
	"strings"
)

// Violation is one way a value breaks its schema.
type Violation struct {
	// Pointer is the RFC 6901 JSON pointer of the offending value in the
	// frame ("" is the whole frame).
	Pointer string `json:"pointer"`
	// Keyword is the JSON Schema keyword that failed (type, required, enum,
	// const, pattern, format, minLength, ..., additionalProperties) or
	// "oneOf" for a value that matches no known message or union branch.
	Keyword string `json:"keyword"`
	// Message says what was expected, without echoing the value: frames can
	// carry secrets.
	Message string `json:"message"`
}

// String renders the violation with its pointer and message clipped
// (MaxPointerText, MaxMessageText): a pointer holds the frame's keys, and
// one frame's error text stays bounded however it was built.
func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "(frame)"
	}
	return Clip(p, MaxPointerText) + ": " + Clip(v.Message, MaxMessageText) + " (" + v.Keyword + ")"
}

// FrameError reports a frame that could not be decoded, or that decoded but
// breaks its schema. It never contains frame content.
type FrameError struct {
	// Protocol and Direction name the frame's origin ("astro", "server").
	Protocol  string
	Direction string
	// Message is the message the frame was decoded as ("" if none).
	Message string
	// Syntax is set when the frame is not well-formed JSON.
	Syntax error
	// Violations lists every schema violation found.
	Violations []Violation
}

func (e *FrameError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s frame", e.Protocol, e.Direction)
	if e.Message != "" {
		fmt.Fprintf(&b, " (%s)", e.Message)
	}
	if e.Syntax != nil {
		fmt.Fprintf(&b, ": malformed JSON: %v", e.Syntax)
		return b.String()
	}
	for i, v := range e.Violations {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Violations)-i)
			break
		}
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep)
		b.WriteString(v.String())
	}
	return b.String()
}

// Unwrap returns the syntax error, if any.
func (e *FrameError) Unwrap() error { return e.Syntax }

// ValidationError is returned by generated Validate methods.
type ValidationError struct {
	Type       string
	Violations []Violation
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s invalid", e.Type)
	for i, v := range e.Violations {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Violations)-i)
			break
		}
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep)
		b.WriteString(v.String())
	}
	return b.String()
}

// Note is something a frame carries that a consumer should hear of, though
// the frame keeps its documented contract: a verdict of "valid with
// notes". Like a Violation, it names the place and never the value.
type Note struct {
	Pointer string `json:"pointer"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Note kinds.
const (
	// NoteUnknownProperty: a property the spec does not declare, in an
	// object that allows it (drift).
	NoteUnknownProperty = "unknown-property"
	// NoteDeprecated: a message or property the spec marks deprecated.
	NoteDeprecated = "deprecated"
	// NoteDuplicateKey: an object key that appears twice; the last counts.
	NoteDuplicateKey = "duplicate-key"
	// NoteLoneSurrogate: a string or object key holding an escaped UTF-16
	// surrogate without its other half ("\ud800" alone, or "\udc00" after
	// no high surrogate). Decoders read it as U+FFFD, so the value read is
	// not the value sent. For a key the pointer is the property's.
	NoteLoneSurrogate = "lone-surrogate"
)
