package conn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DialFunc opens a network connection, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

var (
	// ErrInsecure refuses plain ws:// or http:// to a host that is not
	// loopback: credentials would travel in clear.
	ErrInsecure = errors.New("plain ws:// or http:// to a non-loopback host is refused; set AllowInsecure")
	// ErrUserinfo refuses user:password@ in a URL: URLs end up in logs and
	// errors, and the password would go to whichever host the URL names.
	ErrUserinfo = errors.New("user:password@ in a URL is refused; pass credentials in the client's Config")
	// ErrNotLoopback refuses a plain connection whose host name is
	// loopback but whose address is not (a hosts file or resolver that
	// maps localhost elsewhere).
	ErrNotLoopback = errors.New("plain connection to a loopback name resolved to a non-loopback address; refused")
)

// URLError is a URL the transport policy refused. The URL is kept with
// every query value and any userinfo removed.
type URLError struct {
	URL string
	Err error
}

func (e *URLError) Error() string { return fmt.Sprintf("%s: %v", e.URL, e.Err) }
func (e *URLError) Unwrap() error { return e.Err }

// CheckURL is the transport policy that runs before any byte goes to raw:
// the scheme must be ws, wss, http or https; plain ws and http only to a
// loopback host unless allowInsecure; no userinfo. A refusal is permanent,
// since retrying the same URL cannot help.
//
// Loopback means an IP literal in 127.0.0.0/8 or ::1 (the whole /8 is
// loopback, RFC 1122 §3.2.1.3), or the name localhost or a name under
// .localhost (RFC 6761 §6.3). A name is only a claim: LoopbackOnly checks
// the address the connection really reaches.
func CheckURL(raw string, allowInsecure bool) error {
	refuse := func(err error) error {
		return &PermanentError{Err: &URLError{URL: RedactURL(raw), Err: err}}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return &PermanentError{Err: &URLError{URL: "(unparseable URL)", Err: errors.New("not a URL")}}
	}
	if u.User != nil {
		return refuse(ErrUserinfo)
	}
	switch u.Scheme {
	case "wss", "https":
		return nil
	case "ws", "http":
		if allowInsecure || IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return refuse(ErrInsecure)
	}
	return refuse(fmt.Errorf("scheme %q is not ws, wss, http or https", u.Scheme))
}

// IsLoopbackHost reports whether host, a name or IP literal, is loopback
// by the rules of CheckURL.
func IsLoopbackHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// PlainNeedsGuard reports whether a connection to raw goes in clear and was
// allowed only because its host is loopback, so its peer address must be
// checked with LoopbackOnly.
func PlainNeedsGuard(raw string, allowInsecure bool) bool {
	u, err := url.Parse(raw)
	return err == nil && !allowInsecure && (u.Scheme == "ws" || u.Scheme == "http")
}

// LoopbackOnly wraps dial (nil: a plain net.Dialer) so that a connection
// whose peer is not a loopback address is closed before anything is
// written to it. It guards plain-text connections, which CheckURL allowed
// by host name alone.
func LoopbackOnly(dial DialFunc) DialFunc {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if !peerIsLoopback(nc.RemoteAddr()) {
			nc.Close()
			return nil, &PermanentError{Err: ErrNotLoopback}
		}
		return nc, nil
	}
}

func peerIsLoopback(a net.Addr) bool {
	var ip net.IP
	switch v := a.(type) {
	case *net.TCPAddr:
		ip = v.IP
	case *net.UDPAddr:
		ip = v.IP
	default:
		host, _, err := net.SplitHostPort(a.String())
		if err != nil {
			return false
		}
		ip = net.ParseIP(host)
	}
	return ip != nil && ip.IsLoopback()
}
