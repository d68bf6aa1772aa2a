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
	// ErrInsecure refuses ws:// to a host other than loopback.
	ErrInsecure = errors.New("plain ws:// to a non-loopback host is refused; set AllowInsecure")
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
// path). 429, 502 and other 5xx answers are worth retrying.
func (e *HandshakeError) Permanent() bool {
	if e.Transient {
		return false
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
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "REDACTED")
			if esc := url.QueryEscape(sec); esc != sec {
				s = strings.ReplaceAll(s, esc, "REDACTED")
			}
		}
	}
	return s
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
