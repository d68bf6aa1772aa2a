package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wsbind/wsbind/cmd/wsbind/internal/capture"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

func init() {
	register(command{name: "mock", summary: "run a provider's protocol-faithful server on loopback for your app or wscat", run: runMock})
}

func mockUsage(w io.Writer) {
	fmt.Fprintf(w, `Usage: wsbind mock PROVIDER [flags]

Run the provider's test server on a loopback address, so that your own app,
the generated client or a generic client such as wscat can talk to it. It
speaks the protocol as the spec and the provider's docs describe: auth
steps, correlated replies, keepalive, errors. While clients are connected it
replays events to those subscribed to them: the spec's examples by default,
or the server frames of a capture with --script.

Providers: %s

Flags:
  --addr HOST:PORT   listen address, loopback only (default 127.0.0.1:8765)
  --script FILE      replay the server frames of this capture (JSONL or HAR)
  --every DURATION   pause between replayed frames (default 2s)
  --for DURATION     stop after this long (default: until Ctrl-C)

Examples:
  wsbind mock astro
  wscat -c ws://127.0.0.1:8765/ -x '{"type":"subscribe","nonce":"1","data":{"topic":"channel.tips","token":"demo-token","token_type":"jwt"}}'
  wsbind mock dlive --script testdata/captures/dlive.jsonl --every 500ms

Exit codes: 0 stopped cleanly, 2 usage error or the server could not start.
`, strings.Join(testserver.MockNames(), ", "))
}

func runMock(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8765", "")
	script := fs.String("script", "", "")
	every := fs.Duration("every", 2*time.Second, "")
	limit := fs.Duration("for", 0, "")
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
	if len(pos) != 1 {
		return usageError(stderr, "mock", errors.New("name one provider"))
	}
	p := generated.Lookup(pos[0])
	if p == nil {
		return usageError(stderr, "mock", fmt.Errorf("unknown provider %q (have %s)", pos[0], strings.Join(testserver.MockNames(), ", ")))
	}
	if *every <= 0 {
		return usageError(stderr, "mock", errors.New("--every must be positive"))
	}
	frames, err := mockFrames(p, *script)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind mock: %v\n", err)
		return exitUsage
	}
	m, err := testserver.StartMock(p.Name, testserver.MockOptions{Addr: *addr})
	if err != nil {
		fmt.Fprintf(stderr, "wsbind mock: %v\n", err)
		return exitUsage
	}
	defer m.Close()
	fmt.Fprintf(stdout, "%s mock server listening on %s\n", p.Name, m.URL())
	for _, c := range m.Credentials() {
		fmt.Fprintf(stdout, "  %s\n", c)
	}
	fmt.Fprintf(stdout, "replaying %d event frame(s), one every %v, to subscribed clients; Ctrl-C stops\n", len(frames), *every)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *limit)
		defer cancel()
	}
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for i := 0; ; {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, "stopped")
			return exitOK
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
					fmt.Fprintf(stdout, "replayed %s to %d connection(s)\n", f.name, n)
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

// mockFrames picks what the mock replays: the server frames of a capture,
// or the spec's examples of the messages servers push unprompted.
func mockFrames(p *wire.Provider, script string) ([]mockFrame, error) {
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
	err = capture.Read(f, script, capture.Handler{Frame: func(fr *capture.Frame) error {
		if fr.Skip != "" || fr.TooLong || fr.Direction == "client" {
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
	if err != nil {
		return nil, fmt.Errorf("%s: %w", script, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no server frames to replay", script)
	}
	return out, nil
}
