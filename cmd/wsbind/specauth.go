package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
	"github.com/wsbind/wsbind/runtime/wsauth"
)

// specAuth is a server's x-wsbind-auth as record --spec runs it: the steps
// a generated client takes, read from the same IR instead of compiled.
//   - per-message: the token (and token type) goes into every --send frame
//     whose message has a property at the token pointer;
//   - init-payload: the init message, with the token, is sent after the
//     handshake, and the server's ack is awaited;
//   - ticket and session: an HTTP request before the dial fetches a ticket
//     for the query or a session id for the address.
type specAuth struct {
	*ir.Auth
	server string
	creds  map[string]string
	// skip: a loopback URL and no credential given. The dial goes out as
	// is (a mock runs no auth step), and only the init message is sent.
	skip bool
	// init is the init-payload frame, checked against the document.
	init []byte
}

// planAuth works out the auth steps of server for rawURL, reading the
// credentials from the environment and --cred. A real endpoint that needs
// credentials not given is refused, before anything is dialled.
func (s *recordSpec) planAuth(server *wire.Server, loopback bool, flags []string, lookupEnv func(string) (string, bool)) (*specAuth, error) {
	var au *ir.Auth
	if server != nil {
		for _, srv := range s.pkg.Servers {
			if srv.Name == server.Name {
				au = srv.Auth
			}
		}
	}
	if au == nil {
		if len(flags) > 0 {
			where := "the URL's server"
			if server != nil {
				where = "server " + server.Name
			}
			return nil, fmt.Errorf("--cred: %s of %s has no x-wsbind-auth; give credentials with --header 'Name: value' or in --url", where, s.path)
		}
		return nil, nil
	}
	keys := au.Credentials()
	creds, err := resolveCreds(s.Name, keys, flags, lookupEnv)
	if err != nil {
		return nil, err
	}
	a := &specAuth{Auth: au, server: server.Name, creds: creds}
	optional := map[string]bool{}
	for _, h := range au.Headers {
		optional[h.Name] = !h.Required
	}
	var missing []string
	for _, k := range keys {
		if creds[k] == "" && !optional[k] {
			missing = append(missing, k)
		}
	}
	switch {
	case len(missing) > 0 && !loopback:
		return nil, fmt.Errorf("server %s of %s authenticates with an x-wsbind-auth %q step, which needs %s; refusing to dial a real endpoint without them (nothing was sent)",
			server.Name, s.path, au.Kind, credentialList(s.Name, missing))
	case len(creds) == 0:
		a.skip = true
	}
	switch {
	case a.Kind == "ticket" && a.QueryParam == "":
		return nil, fmt.Errorf("server %s of %s: its x-wsbind-auth ticket step has no queryParam, so record --spec does not know where the ticket goes", server.Name, s.path)
	case a.Kind == "session" && a.AddressParameter == "":
		return nil, fmt.Errorf("server %s of %s: its x-wsbind-auth session step has no addressParameter, so record --spec does not know where the session id goes", server.Name, s.path)
	}
	if a.Kind == "init-payload" {
		if a.init, err = s.initFrame(a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// notes say what record does of the auth step.
func (a *specAuth) notes() []string {
	if a == nil || !a.skip {
		return nil
	}
	what := fmt.Sprintf("server %s authenticates with an x-wsbind-auth %q step, and no %s was given: dialing loopback without it",
		a.server, a.Kind, strings.Join(a.Credentials(), " or "))
	if a.Kind == "init-payload" {
		what = fmt.Sprintf("server %s authenticates with an x-wsbind-auth %q step, and no %s was given: sending %s without it",
			a.server, a.Kind, strings.Join(a.Credentials(), " or "), a.Init.Name)
	}
	return []string{what}
}

// secrets are the credential values, which no recording, error or log
// may show.
func (a *specAuth) secrets() ([]string, error) {
	if a == nil {
		return nil, nil
	}
	return credentialSecrets(a.creds)
}

// initFrame builds the init-payload message with the token at the token
// pointer. It must be a valid init message before anything is dialled.
func (s *recordSpec) initFrame(a *specAuth) ([]byte, error) {
	puts := map[string]string{}
	if tok := a.creds["token"]; tok != "" && !a.skip {
		puts[a.TokenPointer] = tok
	}
	return s.buildFrame(a.Init, "the x-wsbind-auth init message", puts)
}

// buildFrame builds a client message the runtime sends on its own: the
// document's first example of it, else its constants (interp.Skeleton),
// with puts set at their pointers. what names the frame in errors; a
// frame that breaks the document is refused.
func (s *recordSpec) buildFrame(m *ir.Message, what string, puts map[string]string) ([]byte, error) {
	from := "its constant fields"
	var v any = interp.Skeleton(m)
	if len(m.Examples) > 0 {
		from = "its example " + m.Examples[0].Name
		if err := decodeNumbers(m.Examples[0].JSON, &v); err != nil {
			return nil, fmt.Errorf("%s: example %s of %s: %v", s.path, m.Examples[0].Name, m.Name, err)
		}
	}
	for ptr, val := range puts {
		var ok bool
		if v, ok = pointerPut(v, ptr, val); !ok {
			return nil, fmt.Errorf("%s: %s %s built from %s has no place for %s", s.path, what, m.Name, from, ptr)
		}
	}
	frame, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	r := s.Client.Check(frame, false)
	if r.Name != m.Name || !r.Valid() {
		why := "it is " + r.Name
		if r.Name == "" {
			why = "it matches no client message"
		}
		if len(r.Violations) > 0 {
			why = r.Violations[0].String()
		}
		return nil, fmt.Errorf("%s: %s %s, built from %s, is not a valid %s: %s; nothing was sent", s.path, what, m.Name, from, m.Name, why)
	}
	return frame, nil
}

// authorize puts the token, and the token type when given, into a frame
// of a message that has a property at their pointers (per-message auth).
// Other frames come back as they were.
func (a *specAuth) authorize(pkg *ir.Package, name string, frame []byte) ([]byte, error) {
	if a == nil || a.skip || a.Kind != "per-message" || name == "" {
		return frame, nil
	}
	var m *ir.Message
	for _, pm := range pkg.Messages {
		if pm.Name == name {
			m = pm
		}
	}
	if m == nil || m.Wrapped() {
		return frame, nil
	}
	puts := map[string]string{a.TokenPointer: a.creds["token"]}
	if a.TokenTypePointer != "" && a.creds["token_type"] != "" {
		puts[a.TokenTypePointer] = a.creds["token_type"]
	}
	var v any
	if err := decodeNumbers(frame, &v); err != nil {
		return frame, nil // the check that follows reports it
	}
	changed := false
	for ptr, val := range puts {
		if _, err := ir.FieldPath(m.Type, ptr); err != nil || val == "" {
			continue
		}
		var ok bool
		if v, ok = pointerPut(v, ptr, val); ok {
			changed = true
		}
	}
	if !changed {
		return frame, nil
	}
	return encodeJSON(v)
}

// target is the dial target: for ticket and session auth it runs the HTTP
// step first, with the same origin policy as the generated clients.
func (a *specAuth) target(ctx context.Context, t conn.Target) (conn.Target, []string, error) {
	if a == nil || a.skip {
		return t, nil, nil
	}
	var fresh string
	switch a.Kind {
	case "ticket":
		ticket, err := wsauth.Do(ctx, wsauth.Request{
			Step:    "ticket",
			Method:  http.MethodGet,
			URL:     wsauth.DerivedURL(a.TicketURL, t.URL),
			Header:  http.Header{"Authorization": []string{"Bearer " + a.creds["token"]}},
			Pointer: a.TicketPointer,
		})
		if err != nil {
			return t, nil, err
		}
		t.URL, fresh = wsauth.WithQuery(t.URL, a.QueryParam, ticket), ticket
	case "session":
		h := http.Header{}
		for _, hd := range a.Headers {
			if v := a.creds[hd.Name]; v != "" {
				h.Set(hd.Name, v)
			}
		}
		method := a.Method
		if method == "" {
			method = http.MethodPost
		}
		id, err := wsauth.Do(ctx, wsauth.Request{
			Step:    "session",
			Method:  method,
			URL:     wsauth.DerivedURL(a.SessionURL, t.URL),
			Header:  h,
			Pointer: a.SessionPointer,
			Expect:  a.ExpectStatus,
		})
		if err != nil {
			return t, nil, err
		}
		t.URL, fresh = strings.ReplaceAll(t.URL, "{"+a.AddressParameter+"}", url.PathEscape(id)), id
	default:
		return t, nil, nil
	}
	t.FreshCredential = true
	t.Secrets = append(t.Secrets, fresh)
	return t, []string{fresh}, nil
}

// replyKeys marks the init message's ack and error for the Open hook.
func (a *specAuth) replyKeys(name string) []string {
	if a == nil || a.init == nil || name == "" {
		return nil
	}
	if name == a.Ack.Name || (a.Error != nil && name == a.Error.Name) {
		return []string{"reply:" + name}
	}
	return nil
}

// open sends the init message and waits for the server's ack; its error
// message ends the recording, since retrying cannot help.
func (a *specAuth) open(ctx context.Context, s *conn.Session) error {
	if a == nil || a.init == nil {
		return nil
	}
	keys := []string{"reply:" + a.Ack.Name}
	if a.Error != nil {
		keys = append(keys, "reply:"+a.Error.Name)
	}
	in, err := s.Call(ctx, a.init, keys...)
	if err != nil {
		return fmt.Errorf("waiting for %s after %s: %w", a.Ack.Name, a.Init.Name, err)
	}
	if m, ok := in.Msg.(wire.Message); ok && a.Error != nil && m.MessageName() == a.Error.Name {
		return &conn.PermanentError{Err: fmt.Errorf("the server answered %s with %s: authentication refused", a.Init.Name, a.Error.Name)}
	}
	return nil
}

// decodeNumbers decodes JSON keeping numbers as written.
func decodeNumbers(b []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// encodeJSON encodes v compactly, without escaping HTML characters.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// pointerPut sets val at a JSON pointer, creating the objects on the way
// that are missing; it fails where the way crosses a value that is not an
// object.
func pointerPut(root any, ptr string, val any) (any, bool) {
	if ptr == "" || ptr == "/" {
		return root, false
	}
	if root == nil {
		root = map[string]any{}
	}
	cur, ok := root.(map[string]any)
	if !ok {
		return root, false
	}
	toks := pointerTokens(ptr)
	for _, tok := range toks[:len(toks)-1] {
		next, present := cur[tok]
		if !present || next == nil {
			next = map[string]any{}
			cur[tok] = next
		}
		if cur, ok = next.(map[string]any); !ok {
			return root, false
		}
	}
	cur[toks[len(toks)-1]] = val
	return root, true
}

// addressParameter is the {name} of the address the session step of
// server fills ("" when it has none).
func (s *recordSpec) addressParameter(server *wire.Server) string {
	if server == nil {
		return ""
	}
	for _, srv := range s.pkg.Servers {
		if srv.Name == server.Name && srv.Auth != nil && srv.Auth.Kind == "session" {
			return srv.Auth.AddressParameter
		}
	}
	return ""
}

// placeSessionID checks that the URL has the {name} the session id goes
// into, when the session step runs; without the step, the {name} needs a
// --param like any other.
func (d *specDial) placeSessionID(s *recordSpec, name string, loopback bool) error {
	if name == "" {
		return nil
	}
	hole := strings.Contains(d.url, "{"+name+"}")
	switch {
	case d.auth.skip && hole:
		return fmt.Errorf("the URL needs {%s}, which the session step fills, and no credential for it was given: give --param %s=VALUE", name, name)
	case !d.auth.skip && !hole && !loopback:
		return fmt.Errorf("the URL has no {%s} for the session id the x-wsbind-auth step of server %s of %s returns: give --url with {%s} in it", name, d.auth.server, s.path, name)
	case !d.auth.skip && !hole:
		d.notes = append(d.notes, fmt.Sprintf("the URL has no {%s}: the session id is fetched but not used", name))
	}
	return nil
}

// planKeepalive builds the keepalive frame the server expects
// (x-wsbind-keepalive clientMessage every clientSeconds).
func (d *specDial) planKeepalive(s *recordSpec, server *wire.Server, raw []byte) error {
	var ka struct {
		ClientMessage string `json:"clientMessage"`
		ClientSeconds int    `json:"clientSeconds"`
	}
	if json.Unmarshal(raw, &ka) != nil || ka.ClientMessage == "" {
		return nil
	}
	var m *ir.Message
	for _, pm := range s.pkg.Messages {
		if pm.Name == ka.ClientMessage || pm.Name == ir.GoName(ka.ClientMessage) {
			m = pm
		}
	}
	if m == nil {
		return fmt.Errorf("server %s of %s: x-wsbind-keepalive clientMessage %s names no message", server.Name, s.path, ka.ClientMessage)
	}
	frame, err := s.buildFrame(m, "the x-wsbind-keepalive message", nil)
	if err != nil {
		return err
	}
	d.keepalive, d.keepaliveEvery = frame, time.Duration(max(ka.ClientSeconds, 1))*time.Second
	if ka.ClientSeconds <= 0 {
		d.keepaliveEvery = 30 * time.Second
	}
	return nil
}
