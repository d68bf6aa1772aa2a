package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wsbind/wsbind/cmd/wsbind/internal/capture"
	"github.com/wsbind/wsbind/cmd/wsbind/internal/infer"
	"github.com/wsbind/wsbind/gen/interp"
)

func init() {
	register(command{name: "infer", summary: "write an AsyncAPI spec from captured traffic (JSONL or HAR)", run: runInfer})
}

func inferUsage(w io.Writer) {
	fmt.Fprintf(w, `Usage: wsbind infer [--out spec.yaml [--force]] [--title T] [--describes server|client]
                    [--merge existing.yaml] [--url URL] [--keep-values] CAPTURE...

Read captured WebSocket traffic and write an AsyncAPI 3.0 document that
describes it: servers and channels from the sockets' URLs, one message per
discriminator value (type, then topic or eventType, ...), JSON Schema merged
over every sample, request/reply pairs found by an echoed id, and one
example per message with credentials redacted. 'wsbind gen' turns the
document into typed bindings, and 'wsbind validate --spec' checks traffic
against it.

CAPTURE is a JSONL capture, a HAR file (Chrome or Firefox; every socket), or
- for standard input; the formats are those of 'wsbind validate'. Input is
streamed: state per message is bounded, whatever the capture's size.

Flags:
  --out FILE          write the document to FILE (default: standard output).
                      An existing FILE is replaced only with --force, and
                      only once the new document is complete and loads
  --force             replace --out if it exists
  --title T           info.title (default "Inferred WebSocket API")
  --describes SIDE    server (default) or client: the side the document is
                      written for (info.x-wsbind-describes)
  --url URL           the socket URL of JSONL captures (HAR files carry
                      theirs); default ws://localhost/
  --direction DIR     direction of bare JSONL frames: server (default) or client
  --merge FILE        keep the hand-written document FILE and add to it only:
                      new messages, new optional fields and new enum values,
                      each marked x-wsbind-inferred; nothing is removed or
                      tightened. The report lists every change
  --min-required N    samples a message needs before a field present in all
                      of them is required (default %d)
  --keep-values       keep credentials in the examples (no redaction)

Redaction (unless --keep-values): a value under a key that names a
credential (token, ticket, secret, password, auth, session, key, signature,
cookie, ... as a word of the key: sessionId, reconnect_token, X-Api-Key; not
token_type) becomes "%s" (a number 0); so does any JWT-shaped string, and
any string of 32 or more token characters with more than 4.2 bits of
entropy per character. Query parameters keep their names only. Such
fields get neither format nor enum, so no secret reaches the document.

A summary goes to standard error: frames read, the messages found with
their frame and field counts, and every guess with its reason.

Exit codes:
  0  document written
  1  the document could not be built or does not load (nothing written)
  2  usage or input error: a file missing or unreadable, no frames, binary
     frames only, no JSON frame at all, --out exists without --force

Examples:
  wsbind infer --out feed.yaml --title Feed capture.har
  wsbind infer --url wss://api.example.com/ws --out feed.yaml frames.jsonl
  wsbind infer --merge specs/astro.yaml --out astro-new.yaml astro.jsonl
`, infer.DefaultMinRequired, infer.Redacted)
}

func runInfer(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("infer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "")
	force := fs.Bool("force", false, "")
	title := fs.String("title", "", "")
	describes := fs.String("describes", "server", "")
	rawURL := fs.String("url", "ws://localhost/", "")
	direction := fs.String("direction", "server", "")
	merge := fs.String("merge", "", "")
	minReq := fs.Int("min-required", infer.DefaultMinRequired, "")
	keep := fs.Bool("keep-values", false, "")
	files, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		inferUsage(stdout)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "infer", err)
	}
	switch {
	case *describes != "server" && *describes != "client":
		return usageError(stderr, "infer", fmt.Errorf("--describes must be server or client, not %q", *describes))
	case *direction != "server" && *direction != "client":
		return usageError(stderr, "infer", fmt.Errorf("--direction must be server or client, not %q", *direction))
	case *minReq < 1:
		return usageError(stderr, "infer", fmt.Errorf("--min-required must be at least 1, not %d", *minReq))
	case len(files) == 0:
		return usageError(stderr, "infer", errors.New("no capture file given"))
	case *force && (*out == "" || *out == "-"):
		return usageError(stderr, "infer", errors.New("--force applies to --out FILE"))
	}
	var sources []string
	for _, f := range files {
		sources = append(sources, filepath.Base(f))
	}
	date := time.Now().UTC().Format(time.DateOnly)
	eng := infer.New(infer.Options{Title: *title, Describes: *describes, MinRequired: *minReq, KeepValues: *keep, Sources: sources, Date: date})
	// Check --out before reading: a long run must not end in a refusal.
	var dest *recordFile
	if *out != "" && *out != "-" {
		if dest, err = createRecordFile(*out, *force); err != nil {
			fmt.Fprintf(stderr, "wsbind infer: %v\n", err)
			return exitUsage
		}
		defer func() {
			if dest != nil {
				dest.discard()
			}
		}()
	}
	prog := newProgress(stderr)
	for _, name := range files {
		if err := inferFile(eng, name, *rawURL, *direction, prog); err != nil {
			prog.done()
			fmt.Fprintf(stderr, "wsbind infer: %v\n", err)
			return exitUsage
		}
	}
	prog.done()
	res, err := eng.Result()
	if err != nil {
		fmt.Fprintf(stderr, "wsbind infer: %v\n", err)
		if errors.Is(err, infer.ErrNoFrames) || eng.Stats.JSON == 0 {
			return exitUsage
		}
		return exitFailure
	}
	doc := res.YAML
	if *merge != "" {
		merged, changes, err := infer.Merge(*merge, res, strings.Join(sources, ", ")+", "+date)
		if err != nil {
			fmt.Fprintf(stderr, "wsbind infer: --merge: %v\n", err)
			return exitUsage
		}
		doc, res.Report.Merge = merged, changes
	}
	checkDir := os.TempDir()
	switch {
	case dest != nil:
		checkDir = filepath.Dir(dest.path)
	case *merge != "":
		checkDir = filepath.Dir(*merge)
	}
	if err := checkInferred(doc, *describes, checkDir, *merge != ""); err != nil {
		fmt.Fprintf(stderr, "wsbind infer: the inferred document does not load, so it was not written: %v\n", err)
		return exitFailure
	}
	res.Report.Write(stderr)
	if dest == nil {
		if _, err := stdout.Write(doc); err != nil {
			fmt.Fprintf(stderr, "wsbind infer: writing the document: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if _, err := dest.tmp.Write(doc); err != nil {
		fmt.Fprintf(stderr, "wsbind infer: writing %s: %v\n", *out, err)
		return exitUsage
	}
	if err := dest.sync(); err != nil {
		fmt.Fprintf(stderr, "wsbind infer: writing %s: %v\n", *out, err)
		return exitUsage
	}
	if err := dest.commit(); err != nil {
		fmt.Fprintf(stderr, "wsbind infer: %v\n", err)
		return exitUsage
	}
	dest = nil
	fmt.Fprintf(stderr, "wrote %s\n", *out)
	return exitOK
}

// inferFile feeds one capture to the engine.
func inferFile(eng *infer.Engine, name, rawURL, direction string, prog *progress) error {
	src, err := capture.Open(name, stdin)
	if err != nil {
		return err
	}
	defer src.Close()
	socks := map[*capture.Socket]*infer.Socket{}
	var jsonl *infer.Socket
	rd := capture.Reader{MaxLine: maxFrameLine}
	err = src.Read(&rd, capture.Handler{
		Socket: func(s *capture.Socket) error {
			socks[s] = eng.Socket(s.URL)
			return nil
		},
		Frame: func(f *capture.Frame) error {
			prog.frame()
			s := socks[f.Socket]
			if s == nil {
				if jsonl == nil {
					jsonl = eng.Socket(rawURL)
				}
				s = jsonl
			}
			dir := f.Direction
			if dir == "" {
				dir = direction
			}
			switch {
			case f.Skip != "":
				eng.Skip(s, f.Skip == capture.SkipBinary)
			case f.TooLong:
				eng.Frame(s, dir, nil) // counted as not JSON
			default:
				eng.Frame(s, dir, f.Data)
			}
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", src.Name, err)
	}
	return nil
}

// checkInferred loads the document as gen and validate will: what infer
// writes must be usable as it is. It is loaded from dir, where relative
// $refs of a merged document resolve; a merged document keeps its own
// x-wsbind-describes.
func checkInferred(doc []byte, describes, dir string, merged bool) error {
	if merged {
		describes = ""
	}
	f, err := os.CreateTemp(dir, ".wsbind-infer-*.yaml")
	if err != nil {
		f, err = os.CreateTemp("", ".wsbind-infer-*.yaml")
		if err != nil {
			return err
		}
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(doc); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	_, err = interp.LoadSpec(f.Name(), interp.Options{Describes: describes, Package: "inferred"})
	if err != nil {
		// The message names the temporary file: keep only what follows it.
		msg := err.Error()
		if i := strings.Index(msg, filepath.Base(f.Name())); i >= 0 {
			msg = "line " + strings.TrimLeft(msg[i+len(filepath.Base(f.Name())):], ":")
		}
		return errors.New(msg)
	}
	return nil
}
