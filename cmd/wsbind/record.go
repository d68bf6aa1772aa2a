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
	"io/fs"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/internal/specclient"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
)

func init() {
	register(command{name: "record", summary: "connect with a generated client and record every frame, both directions, as JSONL", run: runRecord})
}

// Bounds of record's blocking steps; tests shorten the dial.
var recordDialTimeout = 30 * time.Second

const recordCallTimeout = 15 * time.Second

func recordUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: wsbind record --provider NAME --out FILE.jsonl [flags]
       wsbind record --spec DOC.yaml --out FILE.jsonl [flags]

Connect to a provider with its generated typed client (auth steps,
keepalive and reconnects included), make the requests given with --call, and
write every text frame of the session in both directions to FILE as JSONL,
one envelope per line, the format wsbind validate reads:
    {"type":"send"|"receive","time":"<RFC3339Nano>","data":"<frame>"}
send is client to server, receive server to client. Ctrl-C, --for or
--frames ends the recording: the file is flushed, the connection closed
with a close frame.

With --spec, record connects for any AsyncAPI document instead, with no
generated code: one plain WebSocket connection (pings keep it alive; it is
not redialled) to --url, or else to the document's first ws:// or wss://
server joined with its first channel's address, each {name} in it filled
with --param or the document's default. Once connected it sends the frames
given with --send and --send-example, in order; each is checked against the
document first, and one that breaks it is refused before anything is
dialled. Every frame, both ways, is recorded and gets a verdict line
(client or server, the message it is, ok or INVALID), and a summary ends
the run; INVALID frames are recorded all the same (wsbind validate --spec
DOC.yaml FILE tells more).

record --spec runs the server's x-wsbind-auth as a typed client does:
per-message puts the token (and token_type) into each frame whose message
has them; init-payload sends the init message (its example, else its
constants) with the token first and waits for the ack; ticket and session
fetch a ticket for the query or a session id for the address, from the
host dialled. It waits for the x-wsbind-welcome message before sending,
and sends the x-wsbind-keepalive client message. Credentials are read as
for --provider (WSBIND_<NAME>_<KEY>, then --cred; NAME is the document's,
from its file name); a real endpoint is refused when one is missing, and
a loopback one (a mock) is dialled without the step. security without
x-wsbind-auth is not applied: give what it needs with --header or --url.

FILE is written to a temporary file in its folder and renamed over FILE
only when the recording ends well, so a failed run never truncates or
replaces a capture. An existing FILE is replaced only with --force. What a
failed run recorded is kept next to FILE, as tips.partial.jsonl for
tips.jsonl, and stderr says so. Progress goes to stderr: the URL being
dialed (query values hidden), the connection, a frame count.

Without a loopback --url (127.0.0.1, ::1, localhost: a mock), record dials
a real endpoint, and refuses to unless every credential the spec requires
is given.

Secrets never reach the file: the client replaces the session's tokens,
tickets and session ids, and record also replaces every credential value
given with --cred or the environment, wherever it appears, with REDACTED.
Credentials naming a scheme (keys ending in "type", such as astro's
token_type: jwt, apikey, oauth2) are not secret and are kept, so that the
frames still validate. Credential values shorter than 4 characters are
refused: they cannot be scrubbed reliably. With --spec the secrets are the
--header values, the --url query values, and the values the document's
x-wsbind-secrets marks in server messages, from the frame that hands them
out; what --send frames hold is recorded as given.

Flags:
  --provider NAME       provider to connect to (this or --spec is required)
  --spec DOC            connect for this AsyncAPI document instead, its
                        frames judged as validate --spec judges them
  --out FILE            JSONL file to write (required; - for standard output)
  --url URL             WebSocket URL to dial; default the spec's server
                        (Provider.Servers[0], with its channel address;
                        with --spec its first ws:// or wss:// server)
  --force               replace FILE if it exists (once the new recording
                        has succeeded)
  --cred KEY=VALUE      a credential of the provider's client, or of the
                        document's x-wsbind-auth (repeatable); overrides
                        the environment variable of the same key
  --call 'METHOD ARG...' a request to make once connected (repeatable, in
                        order; default none). Arguments are separated by
                        spaces; quote with '' or "" ("" for an empty
                        argument); missing trailing arguments are empty
  --for DURATION        stop after this long, connecting included (default:
                        until Ctrl-C)
  --frames N            stop once N frames have been received (server to
                        client); later frames are not recorded

With --spec only:
  --describes SIDE      server or client, the side the document describes
                        (default: its x-wsbind-describes, else server)
  --param NAME=VALUE    fill {NAME} in the URL: a channel parameter or a
                        server variable (repeatable)
  --header 'NAME: VALUE' send this header with the handshake (repeatable);
                        VALUE is a secret, 4 characters or more
  --send JSON           a frame to send once connected (repeatable)
  --send-example NAME   send the document's examples of client message NAME
                        (repeatable; in order with --send)

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
  wsbind record --spec quotes.yaml --url ws://127.0.0.1:8080/quotes \
      --send '{"op":"quote","id":1,"symbol":"ACME"}' --frames 3 --out quotes.jsonl
  wsbind record --spec rooms.yaml --param room=lobby --header 'X-Api-Key: ...' \
      --send-example Say --for 1m --out rooms.jsonl
  wsbind validate --spec quotes.yaml quotes.jsonl

Exit codes:
  0  stopped by Ctrl-C, --for or --frames, FILE complete
  1  no connection (refused, interrupted, or --for ran out first), a
     request or a --send failed, or (--spec) the connection ended first:
     FILE left as it was, frames so far in the .partial file
  2  usage error (FILE exists without --force, credentials missing for a
     real endpoint; with --spec: a --send frame that breaks the document, a
     {name} without a value), a document that cannot be loaded, or the
     file could not be written
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
	specFile := fs.String("spec", "", "")
	describes := fs.String("describes", "", "")
	out := fs.String("out", "", "")
	dialURL := fs.String("url", "", "")
	limit := fs.Duration("for", 0, "")
	frames := fs.Int("frames", 0, "")
	force := fs.Bool("force", false, "")
	var calls, creds, params, headers stringsFlag
	var sends []sendItem
	fs.Var(&calls, "call", "")
	fs.Var(&creds, "cred", "")
	fs.Var(&params, "param", "")
	fs.Var(&headers, "header", "")
	fs.Var(sendFlag{&sends, false}, "send", "")
	fs.Var(sendFlag{&sends, true}, "send-example", "")
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
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	run := &recordRun{out: *out, force: *force, limit: *limit, frames: *frames, rawURL: *dialURL}
	switch {
	case *providerName != "" && *specFile != "":
		return usageError(stderr, "record", errors.New("--provider and --spec are alternatives: give one"))
	case *specFile != "":
		if set["call"] {
			return usageError(stderr, "record", errors.New("--call applies to --provider; with --spec, --send and --send-example send frames"))
		}
		if err := run.check("--header"); err != nil {
			return usageError(stderr, "record", err)
		}
		return runSpecRecord(run, specRecordFlags{path: *specFile, describes: *describes, params: params, headers: headers, creds: creds, sends: sends}, stdout, stderr)
	case *providerName == "":
		return usageError(stderr, "record", errors.New("--provider NAME or --spec FILE is required"))
	}
	for _, name := range []string{"describes", "param", "header", "send", "send-example"} {
		if set[name] {
			return usageError(stderr, "record", fmt.Errorf("--%s applies to --spec", name))
		}
	}
	p, err := drivenProvider(*providerName)
	if err != nil {
		return usageError(stderr, "record", err)
	}
	if err := run.check("--cred"); err != nil {
		return usageError(stderr, "record", err)
	}
	credentials, err := resolveCredentials(p, creds, os.LookupEnv)
	if err != nil {
		return usageError(stderr, "record", err)
	}
	secrets, err := specclient.CredentialSecrets(credentials)
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
	// What is printed about the URL: its query values and password may be
	// secrets too.
	redact := func(s string) string {
		return conn.Redact(s, append(specclient.URLSecrets(*dialURL), secrets...))
	}
	where := "the spec's server"
	if len(p.Servers) > 0 {
		where += " " + p.Servers[0].URL
	}
	if run.target != nil {
		where = redact(conn.RedactURL(*dialURL))
	}

	// Refusals come before anything is dialled or written.
	missing := missingCredentials(p, recordServer(p, run.target), credentials)
	loopback := run.target != nil && specclient.IsLoopbackHost(run.target.Hostname())
	if len(missing) > 0 && !loopback {
		return usageError(stderr, "record", fmt.Errorf("%s at %s needs %s; refusing to dial a real endpoint without them (nothing was sent)",
			p.Name, where, credentialList(p.Name, missing)))
	}
	rc, code := run.start(secrets, stdout, stderr)
	if rc == nil {
		return code
	}
	ui, rec := rc.ui, rc.rec
	if len(missing) > 0 {
		ui.errorf("no %s given; dialing loopback with them empty (`wsbind mock %s` lists what it accepts)", credentialList(p.Name, missing), p.Name)
	}
	ctx, sigCtx, stop := run.context()
	defer stop()
	start := time.Now()
	ui.errorf("dialing %s at %s", p.Name, where)
	prog := startRecordProgress(ui, rec, start)
	dialCtx, cancelDial := context.WithTimeout(ctx, recordDialTimeout)
	client, err := p.Driver.Dial(dialCtx, wire.DriverConfig{
		URL:         *dialURL,
		Credentials: credentials,
		Tap:         rec.tap,
		OnError: func(err error) {
			ui.errorf("%s", redact(err.Error()))
		},
	})
	cancelDial()
	if err != nil {
		prog.stop()
		rc.dialFailed(ctx, sigCtx, redact(err.Error()))
		return rc.finish(exitFailure)
	}
	prog.connected()
	ui.errorf("connected after %v; recording to %s (%s)", time.Since(start).Round(time.Millisecond), *out, run.until(start))
	for _, c := range plan {
		if rc.full() {
			break
		}
		callCtx, cancel := context.WithTimeout(ctx, recordCallTimeout)
		err := client.Call(callCtx, c.op, c.args)
		cancel()
		if err != nil && ctx.Err() != nil { // Ctrl-C or --for during the call
			break
		}
		if err != nil {
			// The error names the provider and the method; the call adds
			// its arguments.
			ui.errorf("%s (call: %s)", redact(err.Error()), c)
			code = exitFailure
			break
		}
		ui.statusf("%s: ok\n", c)
	}
	if code == exitOK {
		rc.wait(ctx, nil)
	}
	client.Close()
	prog.stop()
	return rc.finish(code)
}

// recordRun holds the flags both kinds of record share: where the
// recording goes, the URL --url gives, and what ends the recording.
type recordRun struct {
	out    string
	force  bool
	limit  time.Duration // --for; 0: until Ctrl-C
	frames int           // --frames; 0: no limit
	rawURL string        // --url as given
	target *url.URL      // --url parsed; nil: the spec's server
}

// check refuses bad values of the shared flags; secretsFlag names where
// credentials go instead of the URL's userinfo.
func (r *recordRun) check(secretsFlag string) error {
	if r.out == "" {
		return errors.New("--out is required")
	}
	if r.limit < 0 {
		return errors.New("--for must not be negative")
	}
	if r.frames < 0 {
		return errors.New("--frames must not be negative")
	}
	if r.rawURL == "" {
		return nil
	}
	u, err := url.Parse(r.rawURL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return errors.New("--url must be a ws:// or wss:// URL")
	}
	if u.User != nil {
		// The dialer refuses it, and would keep retrying until the
		// timeout; credentials go elsewhere.
		return fmt.Errorf("--url must not hold user:password (use %s)", secretsFlag)
	}
	r.target = u
	return nil
}

// recording is one run's output: the temporary file (nil when the
// recording goes to stdout), what prints, and the recorder.
type recording struct {
	run  *recordRun
	file *recordFile
	ui   *recordUI
	rec  *recorder
}

// start opens the recording once every refusal has been made: FILE's
// temporary file, the UI and the recorder, which scrubs secrets. On
// failure it prints why and returns a nil recording with the exit code.
func (r *recordRun) start(secrets []string, stdout, stderr io.Writer) (*recording, int) {
	rc := &recording{run: r}
	w := stdout
	if r.out != "-" {
		file, err := createRecordFile(r.out, r.force)
		var exists *outExistsError
		if errors.As(err, &exists) {
			return nil, usageError(stderr, "record", err)
		}
		if err != nil {
			fmt.Fprintf(stderr, "wsbind record: %v\n", err)
			return nil, exitUsage
		}
		rc.file, w = file, file.tmp
	}
	rc.ui = newRecordUI(stdout, stderr, r.out == "-")
	rc.rec = newRecorder(w, secrets)
	if r.frames > 0 {
		rc.rec.stopAfter(r.frames)
	}
	return rc, exitOK
}

// context returns the run's context, which Ctrl-C, SIGTERM and --for end
// (--for bounds the whole run, dialling included), and sigCtx, which only
// the signals end.
func (r *recordRun) context() (ctx, sigCtx context.Context, stop func()) {
	sigCtx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if r.limit <= 0 {
		return sigCtx, sigCtx, stopSignals
	}
	ctx, cancel := context.WithTimeout(sigCtx, r.limit)
	return ctx, sigCtx, func() { cancel(); stopSignals() }
}

// until says what will end a recording that started at start.
func (r *recordRun) until(start time.Time) string {
	stops := []string{"Ctrl-C"}
	if r.frames > 0 {
		stops = append(stops, fmt.Sprintf("--frames %d", r.frames))
	}
	at := ""
	if r.limit > 0 {
		stops, at = append(stops, "--for"), " at "+start.Add(r.limit).Format("15:04:05")
	}
	last := len(stops) - 1
	if last == 0 {
		return "Ctrl-C stops it"
	}
	return strings.Join(stops[:last], ", ") + " or " + stops[last] + " stops it" + at
}

// dialFailed says why no connection was made: Ctrl-C, --for, or err.
func (rc *recording) dialFailed(ctx, sigCtx context.Context, err string) {
	switch {
	case sigCtx.Err() != nil:
		rc.ui.errorf("interrupted while connecting")
	case ctx.Err() != nil:
		rc.ui.errorf("--for %v ran out while connecting", rc.run.limit)
	default:
		rc.ui.errorf("connecting: %s", err)
	}
}

// full reports whether --frames frames have been received.
func (rc *recording) full() bool {
	select {
	case <-rc.rec.Full():
		return true
	default:
		return false
	}
}

// wait blocks until Ctrl-C, --for or --frames ends the recording, or lost
// says the connection ended first; it returns that cause, else nil.
func (rc *recording) wait(ctx context.Context, lost <-chan error) error {
	select {
	case <-ctx.Done():
	case <-rc.rec.Full():
	case err := <-lost:
		if !rc.full() && ctx.Err() == nil {
			return err
		}
	}
	if rc.full() {
		rc.ui.errorf("%s received: stopping (--frames)", count(rc.run.frames, "frame"))
	}
	return nil
}

// finish ends the recording with code: see finishRecording.
func (rc *recording) finish(code int) int {
	return finishRecording(rc.rec, rc.file, rc.run.out, rc.ui, code)
}

// finishRecording flushes the recording and, for a file, puts it in place:
// over out when code is exitOK, else next to it as a partial recording, or
// nowhere if nothing was recorded. out itself is never touched on failure.
// It returns code, or exitUsage when the file could not be written.
func finishRecording(rec *recorder, file *recordFile, out string, ui *recordUI, code int) int {
	err := rec.close()
	sent, received := rec.counts()
	frames := fmt.Sprintf("%s (%d sent, %d received)", count(sent+received, "frame"), sent, received)
	if file == nil {
		if err != nil {
			ui.errorf("writing %s: %v", out, err)
			return exitUsage
		}
		ui.statusf("recorded %s to %s\n", frames, out)
		return code
	}
	if err == nil {
		err = file.sync()
	}
	if err != nil {
		file.discard()
		ui.errorf("writing %s: %v; %s", out, err, file.untouched())
		return exitUsage
	}
	if code == exitOK {
		err := file.commit()
		if err == nil {
			ui.statusf("recorded %s to %s\n", frames, out)
			return exitOK
		}
		ui.errorf("%v", err)
		code = exitUsage
	}
	if sent+received == 0 {
		file.discard()
		ui.errorf("nothing recorded; %s", file.untouched())
		return code
	}
	partial, err := file.keepPartial()
	if err != nil {
		file.discard()
		ui.errorf("keeping the partial recording: %v; %s", err, file.untouched())
		return exitUsage
	}
	verb := "are"
	if sent+received == 1 {
		verb = "is"
	}
	ui.errorf("%s; the %s recorded before the failure %s in %s", file.untouched(), frames, verb, partial)
	return code
}

// recordFile is a recording being written to a temporary file next to its
// destination, so that a failed run never truncates or replaces an
// existing capture.
type recordFile struct {
	path    string // destination (--out, symlinks resolved)
	shown   string // --out as given, for messages
	force   bool
	existed bool
	tmp     *os.File
}

// outExistsError refuses to overwrite a capture without --force.
type outExistsError struct{ path string }

func (e *outExistsError) Error() string {
	return fmt.Sprintf("%s already exists; refusing to overwrite it (--force replaces it, and only once the new recording has succeeded)", e.path)
}

// createRecordFile checks out before anything is dialled and opens the
// temporary file in its folder (a rename is atomic only within one file
// system).
func createRecordFile(out string, force bool) (*recordFile, error) {
	f := &recordFile{path: out, shown: out, force: force}
	var mode os.FileMode = 0o600 // recordings hold account traffic
	if fi, err := os.Lstat(out); err == nil {
		if !force {
			return nil, &outExistsError{out}
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			// Replace the file the link points to, not the link.
			if f.path, err = filepath.EvalSymlinks(out); err != nil {
				return nil, err
			}
			if fi, err = os.Stat(f.path); err != nil {
				return nil, err
			}
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file (--out - writes to standard output)", out)
		}
		f.existed, mode = true, fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	dir, base := filepath.Split(f.path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", out, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("cannot write %s: %w", out, err)
	}
	f.tmp = tmp
	return f, nil
}

// sync makes the temporary file durable and closes it.
func (f *recordFile) sync() error {
	err := f.tmp.Sync()
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	return err
}

// commit moves the finished recording to its destination. Without --force
// a file that appeared there meanwhile is not replaced either.
func (f *recordFile) commit() error {
	var err error
	if f.force {
		err = os.Rename(f.tmp.Name(), f.path)
	} else {
		err = renameNoReplace(f.tmp.Name(), f.path)
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s appeared while recording; not replaced (--force replaces it)", f.shown)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", f.shown, err)
	}
	syncDir(filepath.Dir(f.path))
	return nil
}

// keepPartial moves the recording to a free name next to the destination,
// "tips.partial.jsonl", then "tips.partial-2.jsonl" and so on.
func (f *recordFile) keepPartial() (string, error) {
	ext := filepath.Ext(f.path)
	stem := strings.TrimSuffix(f.path, ext)
	for i := 1; i <= 100; i++ {
		name := stem + ".partial" + ext
		if i > 1 {
			name = fmt.Sprintf("%s.partial-%d%s", stem, i, ext)
		}
		err := renameNoReplace(f.tmp.Name(), name)
		if err == nil {
			syncDir(filepath.Dir(name))
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", errors.New("no free .partial name")
}

// discard removes the temporary file.
func (f *recordFile) discard() {
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// untouched says what became of the destination on failure.
func (f *recordFile) untouched() string {
	if f.existed {
		return f.shown + " left as it was"
	}
	return f.shown + " not written"
}

// renameNoReplace renames oldpath to newpath unless newpath exists
// (fs.ErrExist). A hard link makes the check atomic where links work.
func renameNoReplace(oldpath, newpath string) error {
	err := os.Link(oldpath, newpath)
	if err == nil {
		return os.Remove(oldpath)
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(newpath); serr == nil {
		return fs.ErrExist
	}
	return os.Rename(oldpath, newpath)
}

// syncDir makes a rename in dir durable; not every system can, so errors
// are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// recordServer is the spec server u dials: the one with u's host, else the
// first (the client's default); nil when the spec has none.
func recordServer(p *wire.Provider, u *url.URL) *wire.Server {
	if len(p.Servers) == 0 {
		return nil
	}
	if u != nil {
		for i, s := range p.Servers {
			if su, err := url.Parse(s.URL); err == nil && strings.EqualFold(su.Hostname(), u.Hostname()) {
				return &p.Servers[i]
			}
		}
	}
	return &p.Servers[0]
}

// missingCredentials lists the credentials server requires that creds
// lacks. A server without x-wsbind-auth requires none; one with it requires
// every credential of the client except those its headers mark optional
// (octave's X-Auth-User).
func missingCredentials(p *wire.Provider, server *wire.Server, creds map[string]string) []string {
	var optional map[string]string
	if server != nil {
		raw, ok := server.Extensions["x-wsbind-auth"]
		if !ok {
			return nil
		}
		var auth struct {
			Headers map[string]string `json:"headers"`
		}
		_ = json.Unmarshal([]byte(raw), &auth) // malformed: everything is required
		optional = auth.Headers
	}
	var out []string
	for _, k := range p.Driver.Credentials {
		if creds[k] != "" {
			continue
		}
		opt := false
		for h, v := range optional {
			opt = opt || (envWord(h) == envWord(k) && strings.EqualFold(v, "optional"))
		}
		if !opt {
			out = append(out, k)
		}
	}
	return out
}

// credentialList names credentials with both ways to give them.
func credentialList(name string, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%s or --cred %s=...)", k, credentialEnv(name, k), k)
	}
	return strings.Join(parts, ", ")
}

// recordUI serialises what record prints: status lines (stdout, or stderr
// when the recording goes to stdout), and messages and progress on stderr.
// On a terminal the progress is one line redrawn in place, cleared before
// any other line.
type recordUI struct {
	mu     sync.Mutex
	status io.Writer
	stderr io.Writer
	term   bool
	open   bool // a progress line is on the terminal
}

func newRecordUI(stdout, stderr io.Writer, recordingOnStdout bool) *recordUI {
	ui := &recordUI{status: stdout, stderr: stderr, term: newProgress(stderr) != nil}
	if recordingOnStdout {
		ui.status = stderr
	}
	return ui
}

func (u *recordUI) clearLocked() {
	if u.open {
		fmt.Fprint(u.stderr, "\r\033[K")
		u.open = false
	}
}

func (u *recordUI) statusf(format string, args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.clearLocked()
	fmt.Fprintf(u.status, format, args...)
}

// errorf prints one "wsbind record: " line on stderr.
func (u *recordUI) errorf(format string, args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.clearLocked()
	fmt.Fprintf(u.stderr, "wsbind record: "+format+"\n", args...)
}

// progressf shows a progress line: redrawn on a terminal, else printed.
func (u *recordUI) progressf(format string, args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.term {
		fmt.Fprintf(u.stderr, "\r"+format+"\033[K", args...)
		u.open = true
		return
	}
	fmt.Fprintf(u.stderr, "wsbind record: "+format+"\n", args...)
}

// Progress cadence: a terminal line is redrawn every tick; piped output
// gets a line at most every recordLogEvery, and only when there is news.
var (
	recordTick     = time.Second
	recordLogEvery = 5 * time.Second
)

// recordProgress reports, while record runs, that it is still connecting
// or how many frames it has recorded.
type recordProgress struct {
	ui    *recordUI
	rec   *recorder
	start time.Time
	up    chan struct{} // closed once connected
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func startRecordProgress(ui *recordUI, rec *recorder, start time.Time) *recordProgress {
	p := &recordProgress{ui: ui, rec: rec, start: start, up: make(chan struct{}), done: make(chan struct{})}
	p.wg.Add(1)
	go p.run()
	return p
}

func (p *recordProgress) connected() { close(p.up) }

// stop ends the reports and clears a terminal line; safe to call twice.
func (p *recordProgress) stop() {
	p.once.Do(func() {
		close(p.done)
		p.wg.Wait()
		p.ui.mu.Lock()
		p.ui.clearLocked()
		p.ui.mu.Unlock()
	})
}

func (p *recordProgress) run() {
	defer p.wg.Done()
	t := time.NewTicker(recordTick)
	defer t.Stop()
	var logged time.Time
	lastFrames := -1
	for {
		select {
		case <-p.done:
			return
		case now := <-t.C:
			elapsed := now.Sub(p.start).Round(time.Second)
			due := p.ui.term || now.Sub(logged) >= recordLogEvery
			select {
			case <-p.up:
				s, r := p.rec.counts()
				if due && (p.ui.term || s+r != lastFrames) {
					p.ui.progressf("%s (%d sent, %d received) after %v", count(s+r, "frame"), s, r, elapsed)
					logged, lastFrames = now, s+r
				}
			default:
				if due && elapsed >= 2*time.Second {
					p.ui.progressf("still connecting after %v", elapsed)
					logged = now
				}
			}
		}
	}
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
	return resolveCreds(p.Name, p.Driver.Credentials, flags, lookupEnv)
}

// resolveCreds reads credentials keys of provider name, as
// resolveCredentials does.
func resolveCreds(name string, keys, flags []string, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := lookupEnv(credentialEnv(name, k)); ok && v != "" {
			out[k] = v
		}
	}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--cred wants KEY=VALUE, got %q", redactCredFlag(f))
		}
		key := ""
		for _, c := range keys {
			if envWord(c) == envWord(k) {
				key = c
			}
		}
		if key == "" {
			return nil, fmt.Errorf("%s has no credential %q (have %s)", name, k, strings.Join(keys, ", "))
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

// driverCall is one request record or demo makes.
type driverCall struct {
	op   string
	args []string
}

// String is the call as --call takes it: parseCall(p, c.String()) gives c
// back.
func (c driverCall) String() string {
	s := c.op
	for _, a := range c.args {
		s += " " + quoteWord(a)
	}
	return s
}

// quoteWord quotes a for splitWords when it must: empty, or holding a
// space or a quote. There are no escapes, so a word holding both quotes is
// spelled as adjacent quoted parts: it's "x" -> 'it'"'"'s "x"'.
func quoteWord(a string) string {
	if a != "" && !strings.ContainsAny(a, "'\"") && strings.IndexFunc(a, unicode.IsSpace) < 0 {
		return a
	}
	if !strings.Contains(a, `"`) {
		return `"` + a + `"`
	}
	if !strings.Contains(a, "'") {
		return "'" + a + "'"
	}
	var b strings.Builder
	for i, part := range strings.Split(a, "'") {
		if i > 0 {
			b.WriteString(`"'"`)
		}
		if part != "" {
			b.WriteString("'" + part + "'")
		}
	}
	return b.String()
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
		return driverCall{}, fmt.Errorf("%s takes %s (%s), got %d", op.Name, count(len(op.Params), "argument"), strings.Join(op.Params, " "), len(args))
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
	secrets  []string
	forms    []string // secret spellings to replace, longest first
	closed   bool
	err      error
	sent     int
	received int
	limit    int           // received frames to keep (stopAfter); 0: no limit
	full     chan struct{} // closed once limit frames were received
}

func newRecorder(w io.Writer, secrets []string) *recorder {
	return &recorder{w: bufio.NewWriter(w), secrets: secrets, forms: secretForms(secrets)}
}

// stopAfter makes the recorder keep the first n received frames and drop
// every frame after the nth (--frames); Full is closed then.
func (r *recorder) stopAfter(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limit, r.full = n, make(chan struct{})
}

// Full is closed once the recorder has the frames stopAfter asked for; it
// is nil, and never ready, without a limit.
func (r *recorder) Full() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.full
}

// addSecrets adds values to replace in this frame and every later one:
// credentials the server hands out during the session.
func (r *recorder) addSecrets(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	added := false
	for _, v := range values {
		if v != "" && !slices.Contains(r.secrets, v) {
			r.secrets, added = append(r.secrets, v), true
		}
	}
	if added {
		r.forms = secretForms(r.secrets)
	}
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
func (r *recorder) tap(direction string, frame []byte) { r.record(direction, frame) }

// record writes one frame as tap does and reports whether it was kept:
// not once the recording is closed, failed or full.
func (r *recorder) record(direction string, frame []byte) bool {
	typ := "receive"
	if direction == "client" {
		typ = "send"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil || r.isFull() {
		return false
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if r.err = enc.Encode(recordLine{
		Type: typ,
		Time: time.Now().UTC().Format(time.RFC3339Nano),
		Data: string(scrub(slices.Clone(frame), r.forms)),
	}); r.err != nil {
		return false
	}
	if _, r.err = r.w.Write(scrub(b.Bytes(), r.forms)); r.err != nil {
		return false
	}
	if typ == "send" {
		r.sent++
		return true
	}
	r.received++
	if r.limit > 0 && r.received == r.limit {
		close(r.full)
	}
	return true
}

// isFull reports whether the frames stopAfter asked for are in; r.mu held.
func (r *recorder) isFull() bool {
	return r.limit > 0 && r.received >= r.limit
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
