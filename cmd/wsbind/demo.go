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
	"os"
	"os/signal"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/internal/specclient"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

func init() {
	register(command{name: "demo", summary: "run a provider's client against its in-process mock, record and validate the session", run: runDemo})
}

func demoUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: wsbind demo [flags] [PROVIDER]

The whole job on a laptop: no account, no network. Start PROVIDER's mock
server in-process on 127.0.0.1 (default astro), connect the generated typed
client to it with the demo credentials, make the provider's first subscribe
request, replay the spec's event examples through the mock, print each typed
message as it arrives (its name and a short summary; secrets never), record
every frame in both directions (as wsbind record does), then validate the
recording (as wsbind validate does) and print the verdict.

Flags:
  --events N          replay N event examples, in spec order, cycling
                      (default: every example once)
  --timeout DURATION  bound on the whole demo (default 20s)
  --out FILE          keep the recording here (default: a temporary file,
                      whose path is printed)
  --call 'METHOD ARG...'  make this request instead of the default subscribe
                      (same syntax as wsbind record --call)
  --spec FILE         run the demo for any AsyncAPI document instead, with
                      no code generated: its mock (as wsbind mock --spec)
                      in-process, a plain WebSocket client sending each
                      valid client example, the answers and the replayed
                      event examples checked as they arrive
  --describes SIDE    with --spec: server or client (default: the
                      document's x-wsbind-describes, else server)

Credentials: each key of the client's credentials gets a demo value: keys
ending in "type" the first value the spec's examples give (jwt), keys naming
a company "demo", keys naming a user none, every other key the mock's demo
token "`+testserver.DemoToken+`".

The subscribe request is the client's first subscribe method, with its
arguments taken from the spec's examples of that request: among the example
frames carrying its parameters, the one whose values the most event examples
match (so the replayed events reach the subscription). Per provider:
`)
	tw := newTabWriter(w)
	for _, p := range demoProviders() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Name, demoCredentialsText(p), demoCallOf(p))
	}
	tw.Flush()
	fmt.Fprint(w, `
Examples:
  wsbind demo
  wsbind demo octave --out octave.jsonl && wsbind validate --provider octave octave.jsonl
  wsbind demo dlive --events 3 --timeout 5s

Exit codes:
  0  the session ran and its recording is valid
  1  the client could not connect or subscribe, the replayed events did not
     all arrive within --timeout, or the recording is invalid
  2  usage error, or the mock server or the recording file failed
`)
}

// demoProviders lists the providers with both a generated client and a
// mock server, in registry order.
func demoProviders() []*wire.Provider {
	mocks := testserver.MockNames()
	var out []*wire.Provider
	for _, p := range generated.Providers {
		if p.Driver != nil && slices.Contains(mocks, p.Name) {
			out = append(out, p)
		}
	}
	return out
}

func demoProviderNames() []string {
	var out []string
	for _, p := range demoProviders() {
		out = append(out, p.Name)
	}
	return out
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	events := fs.Int("events", -1, "")
	timeout := fs.Duration("timeout", 20*time.Second, "")
	out := fs.String("out", "", "")
	callFlag := fs.String("call", "", "")
	specFile := fs.String("spec", "", "")
	describes := fs.String("describes", "", "")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		demoUsage(stdout)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "demo", err)
	}
	if *specFile != "" {
		if len(pos) > 0 || *callFlag != "" || *out != "" || *events != -1 {
			return usageError(stderr, "demo", errors.New("--spec runs on its own: no provider, --call, --out or --events"))
		}
		if *describes != "" && *describes != "server" && *describes != "client" {
			return usageError(stderr, "demo", fmt.Errorf("--describes must be server or client, not %q", *describes))
		}
		spec, err := interp.LoadSpec(*specFile, interp.Options{Describes: *describes})
		if err != nil {
			fmt.Fprintf(stderr, "wsbind demo: %v\n", err)
			return exitUsage
		}
		for _, n := range spec.Warnings {
			fmt.Fprintf(stderr, "wsbind demo: note: %s\n", n)
		}
		return runSpecDemo(spec, *timeout, stdout, stderr)
	}
	if *describes != "" {
		return usageError(stderr, "demo", errors.New("--describes applies to --spec"))
	}
	name := "astro"
	switch len(pos) {
	case 0:
	case 1:
		name = pos[0]
	default:
		return usageError(stderr, "demo", errors.New("name at most one provider"))
	}
	if *events < -1 {
		return usageError(stderr, "demo", errors.New("--events must not be negative"))
	}
	if *timeout <= 0 {
		return usageError(stderr, "demo", errors.New("--timeout must be positive"))
	}
	p := generated.Lookup(name)
	if p == nil || p.Driver == nil || !slices.Contains(testserver.MockNames(), name) {
		return usageError(stderr, "demo", fmt.Errorf("no demo for %q (have %s)", name, strings.Join(demoProviderNames(), ", ")))
	}
	call := demoCallOf(p)
	if *callFlag != "" {
		if call, err = parseCall(p, *callFlag); err != nil {
			return usageError(stderr, "demo", err)
		}
	}
	d := &demo{p: p, stdout: stdout, stderr: stderr, call: call}
	return d.run(*events, *timeout, *out)
}

// demo is one run of the demo command.
type demo struct {
	p      *wire.Provider
	stdout io.Writer
	stderr io.Writer
	call   driverCall

	mu      sync.Mutex // guards the writers and the counters below
	events  map[string]bool
	got     int // event messages received
	typed   int // messages received
	arrived chan struct{}
}

func (d *demo) printf(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.stdout, format, args...)
}

func (d *demo) run(events int, timeout time.Duration, out string) int {
	p := d.p
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// The recording.
	var f *os.File
	var err error
	if out == "" {
		f, err = os.CreateTemp("", "wsbind-demo-"+p.Name+"-*.jsonl")
	} else {
		f, err = os.Create(out)
	}
	if err != nil {
		fmt.Fprintf(d.stderr, "wsbind demo: %v\n", err)
		return exitUsage
	}
	path := f.Name()
	defer f.Close()
	creds := demoCredentials(p)
	secrets, _ := specclient.CredentialSecrets(creds)
	rec := newRecorder(f, secrets)

	m, err := testserver.StartMock(p.Name, testserver.MockOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		fmt.Fprintf(d.stderr, "wsbind demo: starting the %s mock: %v\n", p.Name, err)
		return exitUsage
	}
	defer m.Close()
	d.printf("%s demo: %s mock server on %s (in-process: no account, no network)\n", p.Name, p.Title, m.URL())

	d.events = map[string]bool{}
	for _, e := range p.Events {
		d.events[e] = true
	}
	d.arrived = make(chan struct{}, 1)
	client, err := p.Driver.Dial(ctx, wire.DriverConfig{
		URL:         m.URL(),
		Credentials: creds,
		Tap:         rec.tap,
		OnMessage:   func(msg wire.Message) { d.onMessage(msg, secrets) },
		OnError: func(err error) {
			d.mu.Lock()
			defer d.mu.Unlock()
			fmt.Fprintf(d.stderr, "wsbind demo: %s\n", redactText(err.Error(), secrets))
		},
	})
	if err != nil {
		fmt.Fprintf(d.stderr, "wsbind demo: connecting to the mock: %s\n", redactText(err.Error(), secrets))
		d.finish(rec, f, path, 0, 0)
		return exitFailure
	}
	keys := make([]string, 0, len(creds))
	for k := range creds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d.printf("connected with the demo credentials (%s)\n", strings.Join(keys, ", "))

	if err := client.Call(ctx, d.call.op, d.call.args); err != nil {
		fmt.Fprintf(d.stderr, "wsbind demo: %s (call: %s)\n", redactText(err.Error(), secrets), d.call)
		client.Close()
		d.finish(rec, f, path, 0, 0)
		return exitFailure
	}
	d.printf("%s: ok\n", d.call)

	frames, _ := mockFrames(p, "")
	n := events
	if n < 0 {
		n = len(frames)
	}
	if len(frames) == 0 {
		n = 0
	}
	d.mu.Lock()
	base := d.got // events that came before the replay (greetings)
	d.mu.Unlock()
	d.printf("replaying %s from the spec\n", count(n, "event example"))
	delivered := replayEvents(ctx, m, frames, n)
	// Wait for the delivered events, or the timeout.
	timedOut := false
	for {
		d.mu.Lock()
		got := d.got - base
		d.mu.Unlock()
		if got >= delivered {
			break
		}
		select {
		case <-d.arrived:
			continue
		case <-ctx.Done():
			timedOut = true
		}
		break
	}
	client.Close()
	if timedOut {
		d.mu.Lock()
		fmt.Fprintf(d.stderr, "wsbind demo: stopped after %v with %d of %s received\n", timeout, d.got-base, count(delivered, "delivered event"))
		d.mu.Unlock()
	}
	if code := d.finish(rec, f, path, n, delivered); code != exitOK || timedOut {
		return max(code, exitFailure)
	}
	return exitOK
}

// demoReadyWait bounds how long the demo retries its replay while no event
// reaches the subscription: a server may register a subscription a little
// after the request that made it (DLive's start has no acknowledgement).
const demoReadyWait = 2 * time.Second

// replayEvents replays n event frames (cycling) through m and returns how
// many deliveries were made. While no frame reached anybody the pass is
// retried (up to demoReadyWait); once one has, the frames before it are
// replayed once more, since the subscription may have come in mid-pass.
func replayEvents(ctx context.Context, m testserver.Mock, frames []mockFrame, n int) int {
	if n == 0 || len(frames) == 0 {
		return 0
	}
	deadline := time.Now().Add(demoReadyWait)
	delivered, first := 0, -1
	for {
		for i := range n {
			d := m.Replay(frames[i%len(frames)].data)
			if d > 0 && first < 0 {
				first = i
			}
			delivered += d
		}
		if first >= 0 {
			for i := range first {
				delivered += m.Replay(frames[i%len(frames)].data)
			}
			return delivered
		}
		if time.Now().After(deadline) {
			return 0
		}
		select {
		case <-ctx.Done():
			return 0
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// onMessage prints a typed message as it arrives.
func (d *demo) onMessage(m wire.Message, secrets []string) {
	name := m.MessageName()
	if u, ok := m.(*wire.Unknown); ok {
		name = "(unknown to the spec)"
		if u.Pointer != "" {
			name = "(unknown value at " + u.Pointer + ")"
		}
	}
	line := fmt.Sprintf("  <- %s %T", name, m)
	if s := summarize(m.RawFrame(), secrets); s != "" {
		line += ": " + s
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintln(d.stdout, line)
	d.typed++
	if d.events[m.MessageName()] {
		d.got++
		select {
		case d.arrived <- struct{}{}:
		default:
		}
	}
}

// finish closes the recording, validates it like wsbind validate and
// prints the verdict; it returns validate's exit code.
func (d *demo) finish(rec *recorder, f *os.File, path string, replayed, delivered int) int {
	err := rec.close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(d.stderr, "wsbind demo: writing %s: %v\n", path, err)
		return exitUsage
	}
	sent, received := rec.counts()
	d.mu.Lock()
	defer d.mu.Unlock()
	if replayed > 0 {
		fmt.Fprintf(d.stdout, "%d of %s reached the subscription; %s in all\n", delivered, count(replayed, "replayed example"), count(d.typed, "typed message"))
	}
	fmt.Fprintf(d.stdout, "recorded %s (%d sent, %d received) to %s\n", count(sent+received, "frame"), sent, received, path)
	fmt.Fprintf(d.stdout, "validating: wsbind validate --provider %s %s\n", d.p.Name, path)
	code, report := validateRecording(d.p.Name, path)
	fmt.Fprint(d.stdout, report)
	switch code {
	case exitOK:
		fmt.Fprintln(d.stdout, "verdict: every frame is valid")
	case exitFailure:
		fmt.Fprintln(d.stdout, "verdict: INVALID frames (listed above)")
	default:
		fmt.Fprintln(d.stdout, "verdict: the recording could not be validated")
	}
	return code
}

// validateRecording runs wsbind validate on a recording in-process and
// returns its exit code and a report: the frames that are not ok, with
// their problems, and the summary, indented.
func validateRecording(provider, path string) (int, string) {
	var out, errb bytes.Buffer
	code := runValidate([]string{"--provider", provider, path}, &out, &errb)
	var b strings.Builder
	sc := bufio.NewScanner(io.MultiReader(&out, &errb))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || (frameLineOK.MatchString(line)) {
			continue
		}
		b.WriteString("  " + line + "\n")
	}
	return code, b.String()
}

var frameLineOK = regexp.MustCompile(`^\S+:\d+ #\d+ (server|client) \S+ ok$`)

// demoCredentials gives each credential of p's client its demo value.
func demoCredentials(p *wire.Provider) map[string]string {
	out := map[string]string{}
	for _, k := range p.Driver.Credentials {
		n := strings.ToLower(envWord(k))
		switch {
		case schemeKey(k):
			if v := exampleValue(p, k); v != "" {
				out[k] = v
			} else {
				out[k] = "jwt"
			}
		case strings.Contains(n, "company"):
			out[k] = "demo"
		case strings.Contains(n, "user"):
		default:
			out[k] = testserver.DemoToken
		}
	}
	return out
}

func demoCredentialsText(p *wire.Provider) string {
	c := demoCredentials(p)
	var parts []string
	for _, k := range p.Driver.Credentials {
		if v, ok := c[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// exampleValue is the first string the client examples of p give key.
func exampleValue(p *wire.Provider, key string) string {
	for _, ex := range p.Examples {
		if ex.Direction != "client" {
			continue
		}
		var v any
		if json.Unmarshal([]byte(ex.JSON), &v) != nil {
			continue
		}
		if s, ok := findParam(v, paramKey(key)); ok {
			return s
		}
	}
	return ""
}

// demoCallOf picks the subscribe request of the demo: p's first subscribe
// method, with arguments from the client example frames that carry its
// parameters, preferring the values most event examples match.
func demoCallOf(p *wire.Provider) driverCall {
	var op *wire.DriverOp
	for i := range p.Driver.Ops {
		if p.Driver.Ops[i].Subscribe {
			op = &p.Driver.Ops[i]
			break
		}
	}
	if op == nil {
		if len(p.Driver.Ops) == 0 {
			return driverCall{}
		}
		op = &p.Driver.Ops[0]
	}
	call := driverCall{op: op.Name, args: make([]string, len(op.Params))}
	if len(op.Params) == 0 {
		return call
	}
	frames, _ := mockFrames(p, "")
	var eventLeaves []map[string]bool
	for _, f := range frames {
		var v any
		if json.Unmarshal(f.data, &v) == nil {
			leaves := map[string]bool{}
			collectStrings(v, leaves)
			eventLeaves = append(eventLeaves, leaves)
		}
	}
	best, bestScore, bestNamed := []string(nil), -1, false
	for _, ex := range p.Examples {
		if ex.Direction != "client" {
			continue
		}
		var v any
		if json.Unmarshal([]byte(ex.JSON), &v) != nil {
			continue
		}
		args := make([]string, len(op.Params))
		found := 0
		for i, param := range op.Params {
			if s, ok := findParam(v, paramKey(param)); ok {
				args[i] = s
				found++
			}
		}
		if found == 0 {
			continue
		}
		score := 0
		for _, leaves := range eventLeaves {
			all := true
			for _, a := range args {
				if a != "" && !leaves[a] {
					all = false
				}
			}
			if all {
				score++
			}
		}
		named := ex.Message == op.Name
		if score > bestScore || (score == bestScore && named && !bestNamed) {
			best, bestScore, bestNamed = args, score, named
		}
	}
	if best != nil {
		call.args = best
	}
	return call
}

// paramKey normalizes a parameter or property name: streamID, streamId
// and stream_id are alike.
func paramKey(s string) string {
	return strings.ToLower(strings.ReplaceAll(envWord(s), "_", ""))
}

// findParam finds the first scalar under a property named key (normalized),
// depth first in sorted key order.
func findParam(v any, key string) (string, bool) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if paramKey(k) == key {
				switch s := t[k].(type) {
				case string:
					return s, true
				case float64:
					return strconv.FormatFloat(s, 'f', -1, 64), true
				case bool:
					return strconv.FormatBool(s), true
				}
			}
		}
		for _, k := range keys {
			if s, ok := findParam(t[k], key); ok {
				return s, true
			}
		}
	case []any:
		for _, e := range t {
			if s, ok := findParam(e, key); ok {
				return s, true
			}
		}
	}
	return "", false
}

func collectStrings(v any, into map[string]bool) {
	switch t := v.(type) {
	case string:
		into[t] = true
	case map[string]any:
		for _, e := range t {
			collectStrings(e, into)
		}
	case []any:
		for _, e := range t {
			collectStrings(e, into)
		}
	}
}

// Summaries leave out values under keys that may hold secrets, the
// bookkeeping ones, and identifiers.
var (
	secretKey  = regexp.MustCompile(`(?i)token|ticket|secret|passw|session|auth|cookie|credential|apikey|signature`)
	boringKeys = map[string]bool{"id": true, "_id": true, "ts": true, "nonce": true, "msgId": true, "timestamp": true, "client_id": true, "room": true}
	dateKey    = regexp.MustCompile(`[a-z](At|Date|Time)$`)
	idLike     = regexp.MustCompile(`^(?:[0-9a-fA-F-]{16,}|[0-9A-HJKMNP-TV-Z]{26}|[a-z][0-9a-f]{24})$`)
)

const (
	summaryParts    = 5
	summaryLen      = 120
	summaryValueLen = 32
)

// summarize describes a frame in a few key=value pairs, shallow ones first,
// each named by its last key.
func summarize(frame []byte, secrets []string) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.UseNumber()
	if len(frame) == 0 || dec.Decode(&v) != nil {
		return ""
	}
	type node struct {
		key string
		v   any
	}
	var parts []string
	size := 0
	queue := []node{{"", v}}
	for len(queue) > 0 && len(parts) < summaryParts && size < summaryLen {
		n := queue[0]
		queue = queue[1:]
		switch t := n.v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if !secretKey.MatchString(k) && !boringKeys[k] && !dateKey.MatchString(k) {
					queue = append(queue, node{k, t[k]})
				}
			}
		case []any:
			if len(t) > 0 {
				queue = append(queue, node{n.key, t[0]})
			}
		case string:
			if n.key == "" || t == "" || idLike.MatchString(t) {
				continue
			}
			if r := []rune(t); len(r) > summaryValueLen {
				t = string(r[:summaryValueLen]) + "..."
			}
			p := n.key + "=" + redactText(strconv.Quote(t), secrets)
			parts = append(parts, p)
			size += len(p) + 1
		case json.Number, bool:
			if n.key == "" {
				continue
			}
			p := n.key + "=" + redactText(fmt.Sprint(t), secrets)
			parts = append(parts, p)
			size += len(p) + 1
		}
	}
	return strings.Join(parts, " ")
}

// redactText replaces every secret in s.
func redactText(s string, secrets []string) string {
	return string(scrub([]byte(s), secretForms(secrets)))
}
