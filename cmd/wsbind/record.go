package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
)

func init() {
	register(command{name: "record", summary: "connect with a generated client and record every frame, both directions, as JSONL", run: runRecord})
}

// Bounds of record's blocking steps; tests shorten the dial.
var recordDialTimeout = 30 * time.Second

const (
	recordCallTimeout = 15 * time.Second
	// minSecretLen is the shortest credential record accepts: a shorter
	// value cannot be scrubbed from a recording without mangling it.
	minSecretLen = 4
)

func recordUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: wsbind record --provider NAME --out FILE.jsonl [flags]

Connect to a provider with its generated typed client (auth steps,
keepalive and reconnects included), make the requests given with --call, and
write every text frame of the session in both directions to FILE as JSONL,
one envelope per line, the format wsbind validate reads:
    {"type":"send"|"receive","time":"<RFC3339Nano>","data":"<frame>"}
send is client to server, receive server to client. Ctrl-C or --for ends
the recording: the file is flushed, the connection closed with a close frame.

Secrets never reach the file: the client replaces the session's tokens,
tickets and session ids, and record also replaces every credential value
given with --cred or the environment, wherever it appears, with REDACTED.
Credentials naming a scheme (keys ending in "type", such as astro's
token_type: jwt, apikey, oauth2) are not secret and are kept, so that the
frames still validate. Credential values shorter than 4 characters are
refused: they cannot be scrubbed reliably.

Flags:
  --provider NAME       provider to connect to (required)
  --out FILE            JSONL file to write (required; - for standard output)
  --url URL             WebSocket URL to dial; default the spec's server
                        (Provider.Servers[0], with its channel address)
  --cred KEY=VALUE      a credential of the provider's client (repeatable);
                        overrides the environment variable of the same key
  --call 'METHOD ARG...' a request to make once connected (repeatable, in
                        order; default none). Arguments are separated by
                        spaces; quote with '' or "" ("" for an empty
                        argument); missing trailing arguments are empty
  --for DURATION        stop after this long once connected (default: until
                        Ctrl-C)

Credentials are read from WSBIND_<PROVIDER>_<KEY> (KEY upper-cased, other
characters than letters and digits as _), then from --cred. Per provider:
`)
	tw := newTabWriter(w)
	for _, p := range generated.Providers {
		if p.Driver == nil {
			continue
		}
		var creds []string
		for _, k := range p.Driver.Credentials {
			creds = append(creds, fmt.Sprintf("%s (%s)", k, credentialEnv(p.Name, k)))
		}
		fmt.Fprintf(tw, "  %s\t%s\n", p.Name, strings.Join(creds, ", "))
	}
	tw.Flush()
	fmt.Fprint(w, "\nRequest methods (--call) per provider:\n")
	tw = newTabWriter(w)
	for _, p := range generated.Providers {
		if p.Driver == nil {
			continue
		}
		for i, op := range p.Driver.Ops {
			name := ""
			if i == 0 {
				name = p.Name
			}
			sub := ""
			if op.Subscribe {
				sub = "\t(subscribes)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s%s\n", name, op.Name, strings.Join(op.Params, " "), sub)
		}
	}
	tw.Flush()
	fmt.Fprint(w, `
Examples:
  WSBIND_ASTRO_TOKEN=... wsbind record --provider astro --cred token_type=jwt \
      --call 'Subscribe channel.tips ""' --out astro.jsonl
  wsbind record --provider octave --cred X-Auth-Company=acme --cred X-Auth-Token=... \
      --call 'SubscribeStream s53b1d1600cf27b75148de0ac' --for 10m --out octave.jsonl
  wsbind validate --provider astro astro.jsonl

Exit codes:
  0  stopped by Ctrl-C or --for, the file complete
  1  the connection or a request failed (what was recorded is kept)
  2  usage error, or the file could not be written
`)
}

func newTabWriter(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 8, 2, ' ', 0) }

// stringsFlag collects the values of a repeatable flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ", ") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func runRecord(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	providerName := fs.String("provider", "", "")
	out := fs.String("out", "", "")
	dialURL := fs.String("url", "", "")
	limit := fs.Duration("for", 0, "")
	var calls, creds stringsFlag
	fs.Var(&calls, "call", "")
	fs.Var(&creds, "cred", "")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		recordUsage(stdout)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "record", err)
	}
	if len(pos) > 0 {
		return usageError(stderr, "record", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if *providerName == "" {
		return usageError(stderr, "record", errors.New("--provider is required"))
	}
	p, err := drivenProvider(*providerName)
	if err != nil {
		return usageError(stderr, "record", err)
	}
	if *out == "" {
		return usageError(stderr, "record", errors.New("--out is required"))
	}
	if *limit < 0 {
		return usageError(stderr, "record", errors.New("--for must not be negative"))
	}
	if *dialURL != "" {
		if u, err := url.Parse(*dialURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return usageError(stderr, "record", errors.New("--url must be a ws:// or wss:// URL"))
		}
	}
	credentials, err := resolveCredentials(p, creds, os.LookupEnv)
	if err != nil {
		return usageError(stderr, "record", err)
	}
	secrets, err := credentialSecrets(credentials)
	if err != nil {
		return usageError(stderr, "record", err)
	}
	var plan []driverCall
	for _, c := range calls {
		dc, err := parseCall(p, c)
		if err != nil {
			return usageError(stderr, "record", err)
		}
		plan = append(plan, dc)
	}

	// Status goes to stdout, unless the recording does.
	status := stdout
	var w io.Writer
	var file *os.File
	if *out == "-" {
		w, status = stdout, stderr
	} else {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(stderr, "wsbind record: %v\n", err)
			return exitUsage
		}
		file, w = f, f
	}
	rec := newRecorder(w, secrets)
	defer func() {
		if file != nil {
			file.Close()
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	where := *dialURL
	if where == "" {
		where = "the spec's server"
		if len(p.Servers) > 0 {
			where += " " + p.Servers[0].URL
		}
	} else {
		where = conn.Redact(conn.RedactURL(where), secrets)
	}
	fmt.Fprintf(status, "recording %s at %s to %s; Ctrl-C stops\n", p.Name, where, *out)

	var errMu sync.Mutex
	dialCtx, cancelDial := context.WithTimeout(ctx, recordDialTimeout)
	client, err := p.Driver.Dial(dialCtx, wire.DriverConfig{
		URL:         *dialURL,
		Credentials: credentials,
		Tap:         rec.tap,
		OnError: func(err error) {
			errMu.Lock()
			defer errMu.Unlock()
			fmt.Fprintf(stderr, "wsbind record: %s\n", conn.Redact(err.Error(), secrets))
		},
	})
	cancelDial()
	if err != nil && ctx.Err() != nil { // Ctrl-C while dialling
		return finishRecording(rec, file, *out, status, stderr, exitOK)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wsbind record: connecting: %s\n", conn.Redact(err.Error(), secrets))
		return finishRecording(rec, file, *out, status, stderr, exitFailure)
	}
	code := exitOK
	for _, c := range plan {
		callCtx, cancel := context.WithTimeout(ctx, recordCallTimeout)
		err := client.Call(callCtx, c.op, c.args)
		cancel()
		if err != nil && ctx.Err() != nil { // Ctrl-C during the call
			break
		}
		if err != nil {
			errMu.Lock()
			fmt.Fprintf(stderr, "wsbind record: %s: %s\n", c, conn.Redact(err.Error(), secrets))
			errMu.Unlock()
			code = exitFailure
			break
		}
		fmt.Fprintf(status, "%s: ok\n", c)
	}
	if code == exitOK {
		if *limit > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, *limit)
			defer cancel()
		}
		<-ctx.Done()
	}
	client.Close()
	return finishRecording(rec, file, *out, status, stderr, code)
}

// finishRecording flushes the recording, reports it and returns code, or
// exitUsage when the file could not be written.
func finishRecording(rec *recorder, file *os.File, out string, status, stderr io.Writer, code int) int {
	err := rec.close()
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "wsbind record: writing %s: %v\n", out, err)
		return exitUsage
	}
	sent, received := rec.counts()
	fmt.Fprintf(status, "recorded %d frames (%d sent, %d received) to %s\n", sent+received, sent, received, out)
	return code
}

// drivenProvider returns the provider named name if it has a generated
// client.
func drivenProvider(name string) (*wire.Provider, error) {
	p := generated.Lookup(name)
	if p == nil {
		return nil, fmt.Errorf("unknown provider %q (have %s)", name, strings.Join(providerNames(), ", "))
	}
	if p.Driver == nil {
		return nil, fmt.Errorf("provider %q has no generated client", name)
	}
	return p, nil
}

// credentialEnv is the environment variable of credential key of provider:
// WSBIND_ASTRO_TOKEN_TYPE, WSBIND_OCTAVE_X_AUTH_COMPANY.
func credentialEnv(provider, key string) string {
	return "WSBIND_" + envWord(provider) + "_" + envWord(key)
}

func envWord(s string) string {
	return strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return unicode.ToUpper(r)
		}
		return '_'
	}, s)
}

// resolveCredentials reads the provider's credentials from the environment
// and then from KEY=VALUE flags. Keys match case-insensitively, with - and
// _ alike.
func resolveCredentials(p *wire.Provider, flags []string, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range p.Driver.Credentials {
		if v, ok := lookupEnv(credentialEnv(p.Name, k)); ok && v != "" {
			out[k] = v
		}
	}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--cred wants KEY=VALUE, got %q", redactCredFlag(f))
		}
		key := ""
		for _, c := range p.Driver.Credentials {
			if envWord(c) == envWord(k) {
				key = c
			}
		}
		if key == "" {
			return nil, fmt.Errorf("%s has no credential %q (have %s)", p.Name, k, strings.Join(p.Driver.Credentials, ", "))
		}
		if v == "" {
			delete(out, key)
		} else {
			out[key] = v
		}
	}
	return out, nil
}

// redactCredFlag shows a malformed --cred value without what may be a
// secret.
func redactCredFlag(f string) string {
	if len(f) <= 3 {
		return f
	}
	return f[:3] + "..."
}

// schemeKey reports whether a credential names a scheme rather than holding
// a secret (astro's token_type).
func schemeKey(key string) bool {
	return strings.HasSuffix(strings.ToLower(envWord(key)), "type")
}

// credentialSecrets lists the credential values a recording must not
// contain, refusing values too short to scrub.
func credentialSecrets(creds map[string]string) ([]string, error) {
	keys := make([]string, 0, len(creds))
	for k := range creds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		v := creds[k]
		if schemeKey(k) || v == "" {
			continue
		}
		if len(v) < minSecretLen {
			return nil, fmt.Errorf("credential %s is shorter than %d characters: too short to keep out of a recording", k, minSecretLen)
		}
		out = append(out, v)
	}
	return out, nil
}

// driverCall is one request record or demo makes.
type driverCall struct {
	op   string
	args []string
}

func (c driverCall) String() string {
	s := c.op
	for _, a := range c.args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = fmt.Sprintf("%q", a)
		}
		s += " " + a
	}
	return s
}

// parseCall parses "Method arg1 arg2" against the provider's request
// methods. Missing trailing arguments are empty.
func parseCall(p *wire.Provider, s string) (driverCall, error) {
	words, err := splitWords(s)
	if err != nil {
		return driverCall{}, fmt.Errorf("--call %q: %w", s, err)
	}
	if len(words) == 0 {
		return driverCall{}, errors.New("--call needs a method name")
	}
	var op *wire.DriverOp
	for i := range p.Driver.Ops {
		if strings.EqualFold(p.Driver.Ops[i].Name, words[0]) {
			op = &p.Driver.Ops[i]
			break
		}
	}
	if op == nil {
		var names []string
		for _, o := range p.Driver.Ops {
			names = append(names, o.Name)
		}
		return driverCall{}, fmt.Errorf("%s has no request method %q (have %s)", p.Name, words[0], strings.Join(names, ", "))
	}
	args := words[1:]
	if len(args) > len(op.Params) {
		return driverCall{}, fmt.Errorf("%s takes %d argument(s) (%s), got %d", op.Name, len(op.Params), strings.Join(op.Params, " "), len(args))
	}
	for len(args) < len(op.Params) {
		args = append(args, "")
	}
	return driverCall{op: op.Name, args: args}, nil
}

// splitWords splits s at spaces; '...' and "..." quote (no escapes).
func splitWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case unicode.IsSpace(r):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// recorder writes tapped frames as JSONL envelopes, scrubbing secrets. Tap
// calls may come from any goroutine.
type recorder struct {
	mu       sync.Mutex
	w        *bufio.Writer
	forms    []string // secret spellings to replace, longest first
	closed   bool
	err      error
	sent     int
	received int
}

func newRecorder(w io.Writer, secrets []string) *recorder {
	return &recorder{w: bufio.NewWriter(w), forms: secretForms(secrets)}
}

// secretForms lists how each secret may be spelled in a frame or in the
// JSONL line holding it: as is, JSON-escaped once or twice, URL-escaped.
func secretForms(secrets []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range secrets {
		for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			add(f)
			once := jsonEscape(f)
			add(once)
			add(jsonEscape(once))
		}
	}
	// Longer spellings first, so an escaped form is replaced whole.
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// jsonEscape is s as it appears inside a JSON string.
func jsonEscape(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(strings.TrimSuffix(b.String(), "\n"), `"`)[1:]
}

// scrub replaces every secret spelling in b.
func scrub(b []byte, forms []string) []byte {
	for _, f := range forms {
		if bytes.Contains(b, []byte(f)) {
			b = bytes.ReplaceAll(b, []byte(f), []byte("REDACTED"))
		}
	}
	return b
}

// recordLine is one JSONL envelope of a recording.
type recordLine struct {
	Type string `json:"type"`
	Time string `json:"time"`
	Data string `json:"data"`
}

// tap is a wire.DriverConfig.Tap: direction "client" is sent, "server"
// received.
func (r *recorder) tap(direction string, frame []byte) {
	typ := "receive"
	if direction == "client" {
		typ = "send"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(recordLine{
		Type: typ,
		Time: time.Now().UTC().Format(time.RFC3339Nano),
		Data: string(scrub(slices.Clone(frame), r.forms)),
	})
	line := scrub(b.Bytes(), r.forms)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	if err != nil {
		r.err = err
		return
	}
	if _, r.err = r.w.Write(line); r.err != nil {
		return
	}
	if typ == "send" {
		r.sent++
	} else {
		r.received++
	}
}

// close flushes the recording; later taps are dropped.
func (r *recorder) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		if r.err == nil {
			r.err = r.w.Flush()
		}
	}
	return r.err
}

func (r *recorder) counts() (sent, received int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent, r.received
}
