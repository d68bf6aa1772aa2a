package specclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
	"github.com/wsbind/wsbind/runtime/wsauth"
)

// Auth is a server's x-wsbind-auth step, run as a generated client runs
// it, from the same IR instead of compiled:
//   - per-message: the token (and token type) goes into every frame sent
//     whose message has a property at the token pointer;
//   - init-payload: the init message, with the token, is sent after the
//     handshake, and the server's ack is awaited;
//   - ticket and session: an HTTP request before each dial fetches a
//     ticket for the query or a session id for the address.
type Auth struct {
	*ir.Auth
	server string
	creds  map[string]string
	// skip: a loopback URL and no credential given. The dial goes out as
	// is (a mock runs no auth step), and only the init message is sent.
	skip bool
	// init is the init-payload frame, checked against the document.
	init []byte
}

// planAuth works out the auth step of server, with the credentials
// o.Creds returns. A real endpoint that needs credentials not given is
// refused, before anything is dialled.
func (s *Spec) planAuth(server *wire.Server, loopback bool, o PlanOptions) (*Auth, error) {
	var au *ir.Auth
	if server != nil {
		for _, srv := range s.Package.Servers {
			if srv.Name == server.Name {
				au = srv.Auth
			}
		}
	}
	w := o.Words
	if au == nil {
		if o.CredsGiven {
			where := "the URL's server"
			if server != nil {
				where = "server " + server.Name
			}
			return nil, fmt.Errorf("%s: %s of %s has no x-wsbind-auth; give credentials with %s or in %s", w.Cred, where, s.Path, w.HeaderHint, w.URL)
		}
		return nil, nil
	}
	keys := au.Credentials()
	creds := map[string]string{}
	if o.Creds != nil {
		var err error
		if creds, err = o.Creds(keys); err != nil {
			return nil, err
		}
	}
	a := &Auth{Auth: au, server: server.Name, creds: creds}
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
			server.Name, s.Path, au.Kind, w.Creds(missing))
	case len(creds) == 0:
		a.skip = true
	}
	switch {
	case a.Kind == "ticket" && a.QueryParam == "":
		return nil, fmt.Errorf("server %s of %s: its x-wsbind-auth ticket step has no queryParam, so %s does not know where the ticket goes", server.Name, s.Path, w.Tool)
	case a.Kind == "session" && a.AddressParameter == "":
		return nil, fmt.Errorf("server %s of %s: its x-wsbind-auth session step has no addressParameter, so %s does not know where the session id goes", server.Name, s.Path, w.Tool)
	}
	if a.Kind == "init-payload" {
		var err error
		if a.init, err = s.initFrame(a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// notes say what is done of the auth step when it is skipped.
func (a *Auth) notes() []string {
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

// secrets are the credential values, which no frame, error or log may
// show.
func (a *Auth) secrets() ([]string, error) {
	if a == nil {
		return nil, nil
	}
	return CredentialSecrets(a.creds)
}

// CredentialSecrets lists the credential values to keep out of sight,
// refusing values too short to scrub. A key naming a scheme (astro's
// token_type) holds no secret.
func CredentialSecrets(creds map[string]string) ([]string, error) {
	keys := make([]string, 0, len(creds))
	for k := range creds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		v := creds[k]
		if strings.HasSuffix(strings.ToLower(k), "type") || v == "" {
			continue
		}
		if len(v) < MinSecretLen {
			return nil, fmt.Errorf("credential %s is shorter than %d characters: too short to keep out of a recording", k, MinSecretLen)
		}
		out = append(out, v)
	}
	return out, nil
}

// initFrame builds the init-payload message with the token at the token
// pointer. It must be a valid init message before anything is dialled.
func (s *Spec) initFrame(a *Auth) ([]byte, error) {
	puts := map[string]string{}
	if tok := a.creds["token"]; tok != "" && !a.skip {
		puts[a.TokenPointer] = tok
	}
	return s.buildFrame(a.Init, "the x-wsbind-auth init message", puts)
}

// authorize puts the token, and the token type when given, into a frame
// of a message that has a property at their pointers (per-message auth).
// Other frames come back as they were.
func (a *Auth) authorize(s *Spec, name string, frame []byte) ([]byte, error) {
	if a == nil || a.skip || a.Kind != "per-message" || name == "" {
		return frame, nil
	}
	m := s.message(name)
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
// step first, with the same origin policy as the generated clients. It
// returns the values fetched, secrets from then on.
func (a *Auth) target(ctx context.Context, t conn.Target) (conn.Target, []string, error) {
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
func (a *Auth) replyKeys(name string) []string {
	if a == nil || a.init == nil || name == "" {
		return nil
	}
	if name == a.Ack.Name || (a.Error != nil && name == a.Error.Name) {
		return []string{"reply:" + name}
	}
	return nil
}

// open sends the init message and waits for the server's ack; its error
// message is permanent, since retrying cannot help.
func (a *Auth) open(ctx context.Context, s *conn.Session) error {
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

// addressParameter is the {name} of the address the session step of
// server fills ("" when it has none).
func (s *Spec) addressParameter(server *wire.Server) string {
	if server == nil {
		return ""
	}
	for _, srv := range s.Package.Servers {
		if srv.Name == server.Name && srv.Auth != nil && srv.Auth.Kind == "session" {
			return srv.Auth.AddressParameter
		}
	}
	return ""
}

// placeSessionID checks that the URL has the {name} the session id goes
// into, when the session step runs; without the step, the {name} needs a
// param like any other.
func (d *Dial) placeSessionID(s *Spec, name string, loopback bool) error {
	if name == "" {
		return nil
	}
	hole := strings.Contains(d.URL, "{"+name+"}")
	switch {
	case d.Auth.skip && hole:
		return fmt.Errorf("the URL needs {%s}, which the session step fills, and no credential for it was given: give %s", name, d.words.Param(name, "VALUE"))
	case !d.Auth.skip && !hole && !loopback:
		return fmt.Errorf("the URL has no {%s} for the session id the x-wsbind-auth step of server %s of %s returns: give %s with {%s} in it", name, d.Auth.server, s.Path, d.words.URL, name)
	case !d.Auth.skip && !hole:
		d.Notes = append(d.Notes, fmt.Sprintf("the URL has no {%s}: the session id is fetched but not used", name))
	}
	return nil
}
