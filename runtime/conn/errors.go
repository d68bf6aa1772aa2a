package conn

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrClosed is returned by calls on a closed client.
	ErrClosed = errors.New("connection closed")
	// ErrQueueFull reports a frame dropped because handlers fell behind.
	ErrQueueFull = errors.New("delivery queue full: frame dropped")
	// ErrNotConnected is returned by sends while no connection is up.
	ErrNotConnected = errors.New("not connected")
	// ErrDead reports a link that went silent past its read timeout.
	ErrDead = errors.New("no traffic within the read timeout")
)

// HandshakeError is a failed WebSocket upgrade: the server answered with
// an HTTP status instead of 101.
type HandshakeError struct {
	Status int
	// Text is the start of the response body (servers such as Neuro
	// answer in plain text), with secrets removed.
	Text       string
	RetryAfter time.Duration
	// Transient marks a 401/403 that a fresh one-time credential can heal.
	Transient bool
}

func (e *HandshakeError) Error() string {
	s := "handshake rejected: HTTP " + strconv.Itoa(e.Status)
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// Permanent reports whether retrying cannot help (bad credentials, wrong
// path, a redirect, which credentials never follow). 429, 502 and other
// 5xx answers are worth retrying.
func (e *HandshakeError) Permanent() bool {
	if e.Transient {
		return false
	}
	if e.Status/100 == 3 {
		return true
	}
	switch e.Status {
	case 400, 401, 403, 404, 405, 410:
		return true
	}
	return false
}

// PermanentError wraps an error that ends reconnecting, such as a reply
// saying the credentials are bad.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

func isPermanent(err error) bool {
	var pe *PermanentError
	if errors.As(err, &pe) {
		return true
	}
	var he *HandshakeError
	return errors.As(err, &he) && he.Permanent()
}

// FrameError names the frame a problem came from.
type FrameError struct {
	Seq uint64
	Err error
}

func (e *FrameError) Error() string { return fmt.Sprintf("frame #%d: %v", e.Seq, e.Err) }
func (e *FrameError) Unwrap() error { return e.Err }

// Redact replaces every secret in s, and the values of secret-looking
// query parameters in URLs, with "REDACTED".
func Redact(s string, secrets []string) string {
	for _, sec := range secrets {
		for _, form := range redactable(sec) {
			s = strings.ReplaceAll(s, form, "REDACTED")
		}
	}
	return s
}

// redactable lists the forms of sec that Redact replaces: sec and its
// query escape. A value under 4 bytes has none: replacing it would mangle
// the text around it.
func redactable(sec string) []string {
	if len(sec) < 4 {
		return nil
	}
	if esc := url.QueryEscape(sec); esc != sec {
		return []string{sec, esc}
	}
	return []string{sec}
}

// URLSecrets lists what a URL carries that must not come back in an error
// or a log: every query value, the whole query, and any password. Servers
// echo the request path in their error bodies.
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	var out []string
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
	}
	for _, part := range strings.Split(u.RawQuery, "&") {
		_, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			continue
		}
		// key=value catches values too short to redact on their own.
		out = append(out, part, v)
		if dec, err := url.QueryUnescape(v); err == nil && dec != v {
			out = append(out, dec)
		}
	}
	if p, ok := u.User.Password(); ok {
		out = append(out, p)
	}
	return out
}

// RedactURL returns u with every query value replaced: tickets and resume
// tokens travel there.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	q := p.Query()
	for k := range q {
		q[k] = []string{"REDACTED"}
	}
	p.RawQuery = q.Encode()
	p.User = nil
	return p.String()
}

var stopped = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// Stopped returns a closed channel: the Done of a client that never ran.
func Stopped() <-chan struct{} { return stopped }

// Steps of a connection attempt, as AttemptError names them.
const (
	StepAuth      = "auth"      // the Dial hook: ticket or session request
	StepHandshake = "handshake" // TCP, TLS and the WebSocket upgrade
	StepOpen      = "open"      // the Open hook: welcome, auth frames, restore
)

// AttemptError is one failed connection attempt, reported to the Error hook
// so that a client stuck reconnecting is never silent.
type AttemptError struct {
	// Attempt counts failed attempts in a row, from 1.
	Attempt int
	// Step is where it failed: StepAuth, StepHandshake or StepOpen.
	Step string
	Err  error
}

func (e *AttemptError) Error() string {
	return fmt.Sprintf("attempt %d failed at %s: %v", e.Attempt, e.Step, e.Err)
}
func (e *AttemptError) Unwrap() error { return e.Err }
