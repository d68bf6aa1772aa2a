package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/internal/specclient"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
)

// specRecordFlags are the flags of record that only --spec reads.
type specRecordFlags struct {
	path, describes        string
	params, headers, creds []string
	sends                  []sendItem
}

// sendItem is one --send JSON or --send-example NAME, in command-line order.
type sendItem struct {
	example bool
	value   string
}

// sendFlag adds the values of --send or --send-example to one ordered list.
type sendFlag struct {
	list    *[]sendItem
	example bool
}

func (f sendFlag) String() string { return "" }

func (f sendFlag) Set(v string) error {
	*f.list = append(*f.list, sendItem{example: f.example, value: v})
	return nil
}

// runSpecRecord is `wsbind record --spec`: it plans the connection and the
// frames to send, refusing before anything is dialled or written, then
// records one connection.
func runSpecRecord(run *recordRun, f specRecordFlags, stdout, stderr io.Writer) int {
	if f.describes != "" && f.describes != spec.Server && f.describes != spec.Client {
		return usageError(stderr, "record", fmt.Errorf("--describes must be server or client, not %q", f.describes))
	}
	s, err := specclient.Load(f.path, interp.Options{Describes: f.describes})
	if err != nil {
		fmt.Fprintf(stderr, "wsbind record: %v\n", err)
		return exitUsage
	}
	for _, n := range s.Warnings {
		fmt.Fprintf(stderr, "wsbind record: note: %s\n", n)
	}
	d, err := planRecordDial(s, run.rawURL, f, os.LookupEnv)
	if err != nil {
		return usageError(stderr, "record", err)
	}
	sess := &specSession{
		spec:   s,
		dial:   d,
		server: d.ServerCodec(),
		client: d.ClientCodec(),
	}
	if sess.sends, err = s.Outgoing(sess.client, recordSends(f.sends), d.Auth); err != nil {
		return usageError(stderr, "record", errors.New(conn.Redact(err.Error(), d.Secrets)))
	}
	for _, n := range d.Notes {
		fmt.Fprintf(stderr, "wsbind record: note: %s\n", n)
	}
	rc, code := run.start(d.Secrets, stdout, stderr)
	if rc == nil {
		return code
	}
	sess.rc = rc
	return sess.run()
}

// parseParams reads --param NAME=VALUE flags; a later one wins.
func parseParams(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("--param wants NAME=VALUE, got %q", f)
		}
		out[k] = v
	}
	return out, nil
}

// recordSends names each --send by its place and each --send-example by
// its flag, as errors show them.
func recordSends(items []sendItem) []specclient.Send {
	out := make([]specclient.Send, 0, len(items))
	sends := 0
	for _, it := range items {
		if it.example {
			out = append(out, specclient.Send{Example: true, Value: it.value, What: "--send-example " + it.value})
			continue
		}
		sends++
		out = append(out, specclient.Send{Value: it.value, What: fmt.Sprintf("--send #%d", sends)})
	}
	return out
}

// errNoRedial stops the client once its connection has ended: record
// --spec holds one connection and never replays its frames on another.
var errNoRedial = errors.New("record --spec does not reconnect")

// specSession is one record --spec connection: it sends the planned
// frames, and judges, prints and records every frame both ways.
type specSession struct {
	spec           *specclient.Spec
	dial           *specclient.Dial
	rc             *recording
	server, client *wire.Codec
	sends          []specclient.Outgoing

	mu             sync.Mutex // orders verdict lines as the recording
	valid, invalid int

	smu     sync.Mutex
	fetched []string // tickets and session ids
}

// redact replaces the session's secrets in text: the credentials and
// those the auth step fetched.
func (s *specSession) redact(text string) string {
	s.smu.Lock()
	defer s.smu.Unlock()
	return conn.Redact(text, append(slices.Clip(s.dial.Secrets), s.fetched...))
}

// addSecrets keeps a ticket or session id out of the recording and out of
// what record prints.
func (s *specSession) addSecrets(values ...string) {
	if len(values) == 0 {
		return
	}
	s.smu.Lock()
	s.fetched = append(s.fetched, values...)
	s.smu.Unlock()
	s.rc.rec.addSecrets(values...)
}

// run connects, sends, waits for the end and puts the recording in place.
func (s *specSession) run() int {
	ui := s.rc.ui
	ctx, sigCtx, stop := s.rc.run.context()
	defer stop()
	start := time.Now()
	// {name} stays readable: the session step fills it.
	shown := strings.NewReplacer("%7B", "{", "%7D", "}").Replace(conn.RedactURL(s.dial.URL))
	ui.errorf("dialing %s at %s", s.spec.Name, s.redact(shown))
	prog := startRecordProgress(ui, s.rc.rec, start)
	lost := make(chan error, 1)
	dialCtx, cancelDial := context.WithTimeout(ctx, recordDialTimeout)
	client, err := s.connect(dialCtx, lost)
	cancelDial()
	if err != nil {
		prog.stop()
		if errors.Is(err, errNoRedial) { // it closed as soon as it opened
			select {
			case cause := <-lost:
				err = fmt.Errorf("the connection ended at once: %w", cause)
			default:
			}
		}
		s.rc.dialFailed(ctx, sigCtx, s.redact(err.Error()))
		return s.rc.finish(exitFailure)
	}
	prog.connected()
	ui.errorf("connected after %v; recording to %s (%s)", time.Since(start).Round(time.Millisecond), s.rc.run.out, s.rc.run.until(start))
	code := exitOK
	if err := s.send(ctx, client); err != nil {
		ui.errorf("%s", s.redact(err.Error()))
		code = exitFailure
	} else if cause := s.rc.wait(ctx, lost); cause != nil {
		ui.errorf("the connection ended before the recording did: %s", s.redact(cause.Error()))
		code = exitFailure
	}
	client.Close()
	prog.stop()
	s.mu.Lock()
	ui.statusf("summary: %s checked: %d valid, %d invalid\n", count(s.valid+s.invalid, "frame"), s.valid, s.invalid)
	s.mu.Unlock()
	return s.rc.finish(code)
}

// connect dials once, after the auth step when the server has one; the
// client's Dial hook refuses a second connection. lost receives why the
// connection ended.
func (s *specSession) connect(ctx context.Context, lost chan<- error) (*conn.Client, error) {
	var connected atomic.Bool
	return conn.Dial(ctx, conn.Config{
		Name:              s.spec.Name,
		PingInterval:      specclient.PingInterval,
		Keepalive:         s.dial.Keepalive,
		KeepaliveInterval: s.dial.KeepaliveEvery,
		Tap:               s.tap,
		Hooks: conn.Hooks{
			Dial: func(ctx context.Context) (conn.Target, error) {
				if connected.Load() {
					return conn.Target{}, &conn.PermanentError{Err: errNoRedial}
				}
				t, fresh, err := s.dial.Target(ctx)
				s.addSecrets(fresh...)
				return t, err
			},
			Connected: func(context.Context, int) { connected.Store(true) },
			// The tap judges and records every frame; nothing is
			// delivered. Only the auth ack is marked, for Open.
			Inspect: s.inspect,
			Open:    func(ctx context.Context, sess *conn.Session, _ bool) error { return s.dial.Open(ctx, sess) },
			Error: func(_ context.Context, err error) {
				if !errors.Is(err, errNoRedial) {
					s.rc.ui.errorf("%s", s.redact(err.Error()))
				}
			},
			Disconnected: func(_ context.Context, cause error) {
				select {
				case lost <- cause:
				default:
				}
			},
		},
	})
}

// inspect marks the frames open waits for: the auth ack and the welcome.
// The tap judges and records every frame; nothing is delivered.
func (s *specSession) inspect(_ *conn.Session, frame []byte, _ uint64) conn.Inbound {
	if !s.dial.Awaits() {
		return conn.Inbound{Drop: true}
	}
	r := s.server.Check(frame, false)
	return conn.Inbound{Drop: true, Msg: r.Message, ReplyKeys: s.dial.ReplyKeys(r.Name)}
}

// send writes the planned frames in order, until --frames, --for or
// Ctrl-C stops the recording.
func (s *specSession) send(ctx context.Context, client *conn.Client) error {
	for _, o := range s.sends {
		if s.rc.full() || ctx.Err() != nil {
			return nil
		}
		sctx, cancel := context.WithTimeout(ctx, recordCallTimeout)
		sess, err := client.Session(sctx)
		if err == nil {
			err = sess.Send(sctx, o.Frame)
		}
		cancel()
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("sending %s: %w", o.What, err)
		}
	}
	return nil
}

// tap is the client's conn.Config.Tap: it judges the frame, takes the
// secrets it hands out, records it and prints its verdict.
func (s *specSession) tap(direction string, frame []byte) {
	c := s.server
	if direction == "client" {
		c = s.client
	}
	r := c.Check(frame, false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if direction == "server" {
		s.rc.rec.addSecrets(s.spec.HandedOut(r)...)
	}
	if !s.rc.rec.record(direction, frame) {
		return
	}
	if r.Valid() && r.Name != "" {
		s.valid++
	} else {
		s.invalid++
	}
	s.rc.ui.statusf("%s\n", verdictLine(direction, r))
}

// verdictLine is one frame's verdict: "  server Quote ok", or INVALID with
// the first violation. It shows no value of the frame.
func verdictLine(direction string, r wire.Result) string {
	name := r.Name
	if name == "" {
		name = unmatched
	}
	switch {
	case r.Syntax != nil:
		return fmt.Sprintf("  %s INVALID: malformed JSON: %v", direction, r.Syntax)
	case r.Valid() && r.Name != "":
		return fmt.Sprintf("  %s %s ok", direction, name)
	}
	line := fmt.Sprintf("  %s %s INVALID", direction, name)
	if len(r.Violations) > 0 {
		line += ": " + r.Violations[0].String()
		if n := len(r.Violations) - 1; n > 0 {
			line += fmt.Sprintf(" (+%s)", count(n, "more violation"))
		}
	}
	return line
}
