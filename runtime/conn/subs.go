package conn

import (
	"context"
	"errors"
	"sync"
)

// SubAction says what a request does to the set of live subscriptions.
type SubAction int

// Subscription bookkeeping of a Request.
const (
	SubNone SubAction = iota
	// SubAdd remembers the request, to send it again after a reconnect.
	SubAdd
	// SubRemove forgets the subscriptions whose key matches; an empty key
	// part matches any value (Astro: no room means every room).
	SubRemove
)

// Request describes one client request.
type Request struct {
	// Keys are the reply keys to wait for; none means send only.
	Keys []string
	Sub  SubAction
	// SubKey identifies the subscription (topic and room, stream id, ...).
	SubKey []string
}

type subscription struct {
	key   []string
	frame []byte
	keys  []string
}

// subscriptions is the ordered set of live subscriptions.
type subscriptions struct {
	mu   sync.Mutex
	list []subscription
}

func (s *subscriptions) add(key []string, frame []byte, replyKeys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, sub := range s.list {
		if equal(sub.key, key) {
			s.list[i] = subscription{key, frame, replyKeys}
			return
		}
	}
	s.list = append(s.list, subscription{key, frame, replyKeys})
}

func (s *subscriptions) remove(key []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.list[:0]
	for _, sub := range s.list {
		if !matches(key, sub.key) {
			kept = append(kept, sub)
		}
	}
	s.list = kept
}

func (s *subscriptions) snapshot() []subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]subscription(nil), s.list...)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func matches(pattern, key []string) bool {
	if len(pattern) != len(key) {
		return false
	}
	for i := range pattern {
		// An empty part on either side is "any": an unsubscribe without a
		// room covers every room, and a subscription made without one
		// (the server picked the room) is covered by any room.
		if pattern[i] != "" && key[i] != "" && pattern[i] != key[i] {
			return false
		}
	}
	return true
}

// Subscriptions returns how many subscriptions are live.
func (c *Client) Subscriptions() int { return len(c.subs.snapshot()) }

// Request sends frame on the current session, waits for its reply if
// r.Keys is set, and updates the live subscriptions on success. A reply
// that reports a failure returns the reply with its typed error.
func (c *Client) Request(ctx context.Context, frame []byte, r Request) (Inbound, error) {
	s, err := c.Session(ctx)
	if err != nil {
		return Inbound{}, err
	}
	var in Inbound
	if len(r.Keys) > 0 {
		in, err = s.Call(ctx, frame, r.Keys...)
	} else {
		err = s.Send(ctx, frame)
	}
	if err != nil {
		return in, err
	}
	if in.ReplyErr != nil {
		return in, in.ReplyErr
	}
	switch r.Sub {
	case SubAdd:
		c.subs.add(r.SubKey, frame, r.Keys)
	case SubRemove:
		c.subs.remove(r.SubKey)
	}
	return in, nil
}

// Restore sends every live subscription again on s, in the order they were
// made, waiting for each reply. Open hooks call it after a reconnect that
// did not resume the session.
func (c *Client) Restore(ctx context.Context, s *Session) error {
	var errs []error
	for _, sub := range c.subs.snapshot() {
		if len(sub.keys) == 0 {
			if err := s.Send(ctx, sub.frame); err != nil {
				return err
			}
			continue
		}
		in, err := s.Call(ctx, sub.frame, sub.keys...)
		if err != nil {
			return err
		}
		if in.ReplyErr != nil {
			if isPermanent(in.ReplyErr) {
				return in.ReplyErr
			}
			errs = append(errs, in.ReplyErr)
		}
	}
	if len(errs) > 0 {
		c.report(ctx, errors.Join(errs...))
	}
	return nil
}
