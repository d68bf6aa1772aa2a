package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/wsbind/wsbind/cmd/wsbind/internal/capture"
	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

func init() {
	register(command{name: "mock", summary: "run a provider's protocol-faithful server on loopback for your app or wscat", run: runMock})
}

func mockUsage(w io.Writer) {
	fmt.Fprintf(w, `Usage: wsbind mock PROVIDER [flags]
       wsbind mock --spec FILE [flags]

Run the provider's test server on a loopback address, so that your own app,
the generated client or a generic client such as wscat can talk to it. It
speaks the protocol as the spec and the provider's docs describe: auth
steps, correlated replies, keepalive, errors. While clients are connected it
replays events to those subscribed to them: the spec's examples by default,
or the server frames of a capture with --script.

Providers: %s

Flags:
  --addr HOST:PORT   listen address, loopback only (default 127.0.0.1:8765)
  --spec FILE        serve any AsyncAPI document instead of a built-in
                     provider (no Go toolchain needed): every connection is
                     accepted, each client frame is checked against the
                     spec and logged, a request is answered with the first
                     example of each of its replies (correlation id copied
                     from the request), and event examples are replayed to
                     every client
  --describes SIDE   with --spec: server or client, the side the document
                     describes (default: its x-wsbind-describes, else server)
  --script FILE      replay the server frames of this capture (JSONL or HAR);
                     a line that is not one JSON frame is skipped with a
                     warning naming its line number
  --every DURATION   pause between replayed frames (default 2s)
  --for DURATION     stop after this long (default: until Ctrl-C)

Limits on each client (a client that does not read is sent close code
1008 and cut; one that never finishes its request is cut):
  --max-queue-bytes N          frames queued for one connection (default %d)
  --write-timeout DURATION     longest write of one frame (default %v)
  --handshake-timeout DURATION longest HTTP request read (default %v)
  --stats-addr HOST:PORT       serve {"goroutines","conns","slow_closed",...}
                               as JSON at http://HOST:PORT/stats (loopback only)

Examples:
  wsbind mock astro
  wscat -c ws://127.0.0.1:8765/ -x '{"type":"subscribe","nonce":"1","data":{"topic":"channel.tips","token":"demo-token","token_type":"jwt"}}'
  wsbind mock dlive --script testdata/captures/dlive.jsonl --every 500ms

Exit codes: 0 stopped cleanly, 2 usage error or the server could not start.
`, strings.Join(testserver.MockNames(), ", "), testserver.DefaultMaxQueueBytes,
		testserver.DefaultWriteTimeout, testserver.DefaultHandshakeTimeout)
}

func runMock(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8765", "")
	script := fs.String("script", "", "")
	specFile := fs.String("spec", "", "")
	describes := fs.String("describes", "", "")
	every := fs.Duration("every", 2*time.Second, "")
	limit := fs.Duration("for", 0, "")
	var lim testserver.Limits
	fs.Int64Var(&lim.MaxQueueBytes, "max-queue-bytes", testserver.DefaultMaxQueueBytes, "")
	fs.DurationVar(&lim.WriteTimeout, "write-timeout", testserver.DefaultWriteTimeout, "")
	fs.DurationVar(&lim.HandshakeTimeout, "handshake-timeout", testserver.DefaultHandshakeTimeout, "")
	statsAddr := fs.String("stats-addr", "", "")
	help := fs.Bool("help", false, "")
	fs.BoolVar(help, "h", false, "")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(stderr, "mock", err)
	}
	if *help {
		mockUsage(stdout)
		return exitOK
	}
	var (
		p    *wire.Provider
		spec *interp.Spec
	)
	switch {
	case *specFile != "" && len(pos) > 0:
		return usageError(stderr, "mock", errors.New("--spec replaces the provider name: give one"))
	case *specFile != "":
		if *describes != "" && *describes != "server" && *describes != "client" {
			return usageError(stderr, "mock", fmt.Errorf("--describes must be server or client, not %q", *describes))
		}
		var err error
		if spec, err = interp.LoadSpec(*specFile, interp.Options{Describes: *describes}); err != nil {
			fmt.Fprintf(stderr, "wsbind mock: %v\n", err)
			return exitUsage
		}
		for _, n := range spec.Warnings {
			fmt.Fprintf(stderr, "wsbind mock: note: %s\n", n)
		}
		p = spec.Provider
	case *describes != "":
		return usageError(stderr, "mock", errors.New("--describes applies to --spec"))
	case len(pos) != 1:
		return usageError(stderr, "mock", errors.New("name one provider, or give --spec FILE"))
	default:
		if p = generated.Lookup(pos[0]); p == nil {
			return usageError(stderr, "mock", fmt.Errorf("unknown provider %q (have %s)", pos[0], strings.Join(testserver.MockNames(), ", ")))
		}
	}
	if *every <= 0 {
		return usageError(stderr, "mock", errors.New("--every must be positive"))
	}
	if lim.MaxQueueBytes <= 0 || lim.WriteTimeout <= 0 || lim.HandshakeTimeout <= 0 {
		return usageError(stderr, "mock", errors.New("--max-queue-bytes, --write-timeout and --handshake-timeout must be positive"))
	}
	if err := checkLoopbackAddr(*addr); err != nil {
		return usageError(stderr, "mock", fmt.Errorf("--addr: %w", err))
	}
	frames, err := mockLoad(p, *script, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind mock: %v\n", err)
		return exitUsage
	}
	stdout = &syncWriter{w: stdout}
	var m testserver.Mock
	if spec != nil {
		m, err = startSpecMock(spec, testserver.MockOptions{Addr: *addr, Limits: lim}, stdout)
	} else {
		m, err = testserver.StartMock(p.Name, testserver.MockOptions{Addr: *addr, Limits: lim})
	}
	if err != nil {
		fmt.Fprintf(stderr, "wsbind mock: %v\n", err)
		return exitUsage
	}
	defer m.Close()
	fmt.Fprintf(stdout, "%s mock server listening on %s\n", p.Name, m.URL())
	if *statsAddr != "" {
		stop, url, err := mockServeStats(*statsAddr, m)
		if err != nil {
			fmt.Fprintf(stderr, "wsbind mock: --stats-addr: %v\n", err)
			return exitUsage
		}
		defer stop()
		fmt.Fprintf(stdout, "stats: %s\n", url)
	}
	for _, c := range m.Credentials() {
		fmt.Fprintf(stdout, "  %s\n", c)
	}
	fmt.Fprintf(stdout, "replaying %s, one every %v, to subscribed clients; Ctrl-C stops\n", count(len(frames), "event frame"), *every)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *limit)
		defer cancel()
	}
	tick := time.NewTicker(*every)
	defer tick.Stop()
	idle := time.NewTicker(mockIdleCheck)
	defer idle.Stop()
	released := 0 // Accepted at the last release
	for i := 0; ; {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, "stopped")
			return exitOK
		case <-idle.C:
			// Once every client has left, hand the heap a burst of them
			// grew back to the OS: without allocation no GC would run to
			// shrink it for minutes. At most once per check, and only
			// after new connections, so it costs nothing while idle.
			if st := m.Stats(); st.Conns == 0 && st.Accepted != released {
				released = st.Accepted
				debug.FreeOSMemory()
			}
		case <-tick.C:
			if len(frames) == 0 {
				continue
			}
			// Try each frame once per tick until one reaches somebody, so
			// clients subscribed to a few topics still see events.
			for range frames {
				f := frames[i%len(frames)]
				i++
				if n := m.Replay(f.data); n > 0 {
					fmt.Fprintf(stdout, "replayed %s to %s\n", f.name, count(n, "connection"))
					break
				}
			}
		}
	}
}

type mockFrame struct {
	name string
	data []byte
}

// mockStats is what --stats-addr serves: the server's load and the
// process's goroutines, so that a test can watch a mock run as a child.
type mockStats struct {
	testserver.Stats
	Goroutines int `json:"goroutines"`
}

// checkLoopbackAddr refuses a listen address that is not loopback: the
// mock and its stats serve demo credentials and are for this machine only.
func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address; the mock listens on 127.0.0.1, ::1 or localhost only", addr)
	}
	return nil
}

// mockServeStats serves m's stats as JSON at /stats on a loopback address
// and returns a stop function and the URL.
func mockServeStats(addr string, m testserver.Mock) (stop func(), url string, err error) {
	if err := checkLoopbackAddr(addr); err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(mockStats{Stats: m.Stats(), Goroutines: runtime.NumGoroutine()})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second,
		WriteTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, "http://" + ln.Addr().String() + "/stats", nil
}

// mockIdleCheck is how often the mock looks for a moment with no clients
// to return memory to the OS.
const mockIdleCheck = 2 * time.Second

// mockMaxWarnings bounds the per-line warnings of one script; a summary
// counts the rest.
const mockMaxWarnings = 20

// mockFrames picks what the mock replays: the server frames of a capture,
// or the spec's examples of the messages servers push unprompted. It
// skips malformed capture lines silently; runMock warns about them.
func mockFrames(p *wire.Provider, script string) ([]mockFrame, error) {
	return mockLoad(p, script, io.Discard)
}

// mockLoad is mockFrames with a warning on warn for each capture line that
// is not one JSON frame (too long, or not valid JSON). Such a line is
// skipped and the rest replayed; a capture with nothing left fails. The
// warning gives the line number only: captures hold tokens.
func mockLoad(p *wire.Provider, script string, warn io.Writer) ([]mockFrame, error) {
	if script == "" {
		events := map[string]bool{}
		for _, e := range p.Events {
			events[e] = true
		}
		var out []mockFrame
		for _, ex := range p.Examples {
			if ex.Direction == "server" && events[ex.Message] {
				out = append(out, mockFrame{name: ex.Message, data: []byte(ex.JSON)})
			}
		}
		return out, nil
	}
	f, err := os.Open(script)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mockFrame
	bad := 0
	err = capture.Read(f, script, capture.Handler{Frame: func(fr *capture.Frame) error {
		if fr.Skip != "" || fr.Direction == "client" {
			return nil
		}
		if fr.TooLong || !json.Valid(fr.Data) {
			if bad++; bad <= mockMaxWarnings {
				why := "not a JSON frame"
				if fr.TooLong {
					why = "line too long"
				}
				fmt.Fprintf(warn, "wsbind mock: warning: %s:%d: %s, skipped\n", script, fr.Line, why)
			}
			return nil
		}
		data := append([]byte(nil), fr.Data...)
		name := "frame"
		if r := p.Server.Check(data, false); r.Name != "" {
			name = r.Name
		}
		out = append(out, mockFrame{name: name, data: data})
		return nil
	}})
	if bad > mockMaxWarnings {
		fmt.Fprintf(warn, "wsbind mock: warning: %s: %s skipped in all\n", script, count(bad, "malformed line"))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", script, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no server frames to replay", script)
	}
	return out, nil
}
