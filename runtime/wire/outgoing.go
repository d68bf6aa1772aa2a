package wire

import (
	"context"
	"encoding/json"
	"fmt"
)

// OutgoingError is a message this side was about to send that breaks its
// own schema: the server would reject it, or worse, act on it.
type OutgoingError struct {
	Message string
	Err     error
}

func (e *OutgoingError) Error() string {
	return fmt.Sprintf("outgoing %s breaks its schema: %v", e.Message, e.Err)
}
func (e *OutgoingError) Unwrap() error { return e.Err }

// Encode validates an outgoing message under p and marshals it. With Strict
// an invalid message is returned as an *OutgoingError and never sent; with
// Report it is reported to report (when set) and sent all the same; Off
// skips the check, as it does for inbound frames.
//
// Messages of generated packages are written by their generated encoder
// (JSONAppender), without reflection, in the bytes json.Marshal would
// write. Only a Message implemented by hand without AppendJSON falls back
// to json.Marshal.
func Encode(ctx context.Context, m Message, p Policy, report func(context.Context, error)) ([]byte, error) {
	if p != Off {
		if err := m.Validate(); err != nil {
			oe := &OutgoingError{Message: m.MessageName(), Err: err}
			if p == Strict {
				return nil, oe
			}
			if report != nil {
				report(ctx, oe)
			}
		}
	}
	if a, ok := m.(JSONAppender); ok {
		return Marshal(a)
	}
	return json.Marshal(m)
}
