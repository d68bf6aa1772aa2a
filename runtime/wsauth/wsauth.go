// Package wsauth performs the HTTP steps some providers require before the
// WebSocket handshake: fetching a one-time ticket (Neuro) or creating a
// session (Octave). Credentials go out in headers only and never appear in
// errors. They never leave for another origin either: the URL passes
// conn.CheckURL before the request, and a redirect to another scheme, host
// or port is refused rather than followed.
//
// Requests honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY as
// http.DefaultTransport reads them, or the proxy of the caller's
// transport. A proxy is not another origin: https goes through a CONNECT
// tunnel with TLS end to end, and the redirect check judges the URLs
// requested, not the proxy. Plain http to loopback (the only plain http
// allowed without AllowInsecure) never goes through a proxy, so
// credentials in clear reach the loopback host and nothing else.
package wsauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wsbind/wsbind/runtime/conn"
)

// DefaultTimeout bounds a request, body included, whose context has no
// deadline. conn.Config.AuthTimeout sets it for generated clients.
const DefaultTimeout = 15 * time.Second

// maxRedirects bounds same-origin redirects (a trailing slash, say).
const maxRedirects = 5

// RedirectError is a redirect the auth step refused to follow because it
// leads to another origin, where the credentials must not go.
type RedirectError struct {
	Step string
	// To is the origin (scheme://host:port) the server redirected to.
	To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s request redirected to another origin (%s): refused, credentials never follow a redirect off their origin", e.Step, e.To)
}

// Error is a refused auth request.
type Error struct {
	Step   string // "ticket" or "session"
	Status int
	// Code is the provider's error code from the JSON body, if any.
	Code string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s request refused: HTTP %d", e.Step, e.Status)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	return s
}

// Permanent reports whether retrying cannot help.
func (e *Error) Permanent() bool {
	return e.Status == 400 || e.Status == 401 || e.Status == 403 || e.Status == 404
}

// Request is one auth HTTP call.
type Request struct {
	Step    string
	Method  string
	URL     string
	Header  http.Header
	Pointer string // JSON pointer of the value to return
	Expect  int    // status that means success (0: any 2xx)
	Client  *http.Client
	// AllowInsecure permits plain http:// to a host that is not loopback.
	AllowInsecure bool
}

// Do performs r and returns the string at r.Pointer in the JSON answer.
// Refusals that cannot heal come back wrapped in conn.PermanentError, so a
// reconnecting client stops instead of hammering the endpoint.
func Do(ctx context.Context, r Request) (string, error) {
	if err := conn.CheckURL(r.URL, r.AllowInsecure); err != nil {
		return "", fmt.Errorf("%s request: %w", r.Step, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	client := guarded(r)
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, nil)
	if err != nil {
		return "", fmt.Errorf("%s request: %w", r.Step, err)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		var refused *conn.PermanentError // a redirect the origin policy refused
		if errors.As(err, &refused) {
			return "", refused
		}
		return "", fmt.Errorf("%s request: %w", r.Step, scrub(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("reading the answer: %w", ctx.Err())
		}
		return "", fmt.Errorf("%s request: %w", r.Step, err)
	}
	return answer(r, resp.StatusCode, body)
}

// answer reads the credential out of an auth response, or the refusal.
func answer(r Request, status int, body []byte) (string, error) {
	ok := status == r.Expect || (r.Expect == 0 && status/100 == 2)
	if !ok {
		// The code is the server's text: it must not echo a credential.
		var secrets []string
		for _, vs := range r.Header {
			for _, v := range vs {
				_, cred, _ := strings.Cut(v, " ") // "Bearer <token>"
				secrets = append(secrets, v, cred)
			}
		}
		secrets = append(secrets, conn.URLSecrets(r.URL)...)
		e := &Error{Step: r.Step, Status: status, Code: conn.Redact(errorCode(body), secrets)}
		if e.Permanent() {
			return "", &conn.PermanentError{Err: e}
		}
		return "", e
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("%s answer is not JSON", r.Step)
	}
	v, ok := lookup(doc, r.Pointer)
	if !ok || v == "" {
		return "", fmt.Errorf("%s answer has no string at %s", r.Step, r.Pointer)
	}
	return v, nil
}

// guarded returns r's client (http.DefaultClient when nil) with the origin
// policy: redirects only within the request's origin, and, for plain
// http, connections only to loopback addresses. The caller's client is
// copied, never changed.
func guarded(r Request) *http.Client {
	base := r.Client
	if base == nil {
		base = http.DefaultClient
	}
	c := *base
	origin := originOf(r.URL)
	next := base.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if to := originOf(req.URL.String()); to != origin {
			return &conn.PermanentError{Err: &RedirectError{Step: r.Step, To: to}}
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("%s request: more than %d redirects", r.Step, maxRedirects)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	if conn.PlainNeedsGuard(r.URL, r.AllowInsecure) {
		c.Transport = loopbackTransport(base.Transport)
	}
	return &c
}

// loopbackTransport clones rt so that it connects to loopback addresses
// only. A RoundTripper that is not an *http.Transport cannot be guarded;
// the host name check of conn.CheckURL is then all there is.
func loopbackTransport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return rt
	}
	t = t.Clone()
	t.DialContext = conn.LoopbackOnly(t.DialContext)
	// A proxy would see the credentials in clear, and it is not loopback
	// as far as this policy knows.
	t.Proxy = nil
	// A fresh transport per request: keep no idle connections behind.
	t.DisableKeepAlives = true
	return t
}

// originOf returns scheme://host:port with the default port filled in.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http", "ws":
			port = "80"
		case "https", "wss":
			port = "443"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// scrub drops the URL from transport errors: it may carry query secrets.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func lookup(doc any, ptr string) (string, bool) {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur = m[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
	}
	s, ok := cur.(string)
	return s, ok
}

// errorCode finds a provider error code in {"error":{"code"}} (Neuro) or
// the first of {"head":{"errors":[...]}} (Octave).
func errorCode(body []byte) string {
	var doc struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
		Head struct {
			Errors []json.RawMessage `json:"errors"`
		} `json:"head"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	if doc.Error.Code != "" {
		return clip(doc.Error.Code)
	}
	if len(doc.Head.Errors) > 0 {
		var s string
		if json.Unmarshal(doc.Head.Errors[0], &s) == nil {
			return clip(s)
		}
	}
	return ""
}

// maxCode bounds the server's error code in our errors: it is the
// server's text, and a hostile server could send megabytes.
const maxCode = 64

func clip(code string) string {
	if len(code) <= maxCode {
		return code
	}
	cut := maxCode
	for cut > 0 && !utf8.RuneStart(code[cut]) {
		cut--
	}
	return code[:cut] + "…"
}

// DerivedURL points a spec's auth endpoint at the host the client dials:
// when a test or a mock serves the WebSocket, its ticket or session
// endpoint lives on the same host. The path of the spec URL is kept.
func DerivedURL(specURL, dialURL string) string {
	su, err1 := url.Parse(specURL)
	du, err2 := url.Parse(dialURL)
	if err1 != nil || err2 != nil || su.Host == du.Host {
		return specURL
	}
	su.Host = du.Host
	switch du.Scheme {
	case "ws":
		su.Scheme = "http"
	case "wss":
		su.Scheme = "https"
	}
	return su.String()
}

// WithQuery returns u with key=value added to its query.
func WithQuery(u, key, value string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	q.Set(key, value)
	p.RawQuery = q.Encode()
	return p.String()
}
