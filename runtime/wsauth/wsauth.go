// Package wsauth performs the HTTP steps some providers require before the
// WebSocket handshake: fetching a one-time ticket (Neuro) or creating a
// session (Octave). Credentials go out in headers only and never appear in
// errors.
package wsauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wsbind/wsbind/runtime/conn"
)

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
}

// Do performs r and returns the string at r.Pointer in the JSON answer.
// Refusals that cannot heal come back wrapped in conn.PermanentError, so a
// reconnecting client stops instead of hammering the endpoint.
func Do(ctx context.Context, r Request) (string, error) {
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, nil)
	if err != nil {
		return "", fmt.Errorf("%s request: %w", r.Step, err)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s request: %w", r.Step, scrub(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("%s request: %w", r.Step, err)
	}
	ok := resp.StatusCode == r.Expect || (r.Expect == 0 && resp.StatusCode/100 == 2)
	if !ok {
		e := &Error{Step: r.Step, Status: resp.StatusCode, Code: errorCode(body)}
		if e.Permanent() {
			return "", &conn.PermanentError{Err: e}
		}
		return "", e
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("%s answer is not JSON: %w", r.Step, err)
	}
	v, ok := lookup(doc, r.Pointer)
	if !ok || v == "" {
		return "", fmt.Errorf("%s answer has no string at %s", r.Step, r.Pointer)
	}
	return v, nil
}

// scrub drops the URL from transport errors: it may carry query secrets.
func scrub(err error) error {
	var ue *url.Error
	if e, ok := err.(*url.Error); ok {
		ue = e
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
		return doc.Error.Code
	}
	if len(doc.Head.Errors) > 0 {
		var s string
		if json.Unmarshal(doc.Head.Errors[0], &s) == nil {
			return s
		}
	}
	return ""
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
