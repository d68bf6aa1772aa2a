package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/wsbind/wsbind/cmd/wsbind/internal/capture"
	"github.com/wsbind/wsbind/cmd/wsbind/internal/fields"
	"github.com/wsbind/wsbind/cmd/wsbind/internal/providers"
	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/wire"
)

func init() {
	register(command{name: "validate", summary: "check captured frames (JSONL or HAR) against the specs", run: runValidate})
}

// Inputs the validate command reads besides its files; tests replace them.
var (
	stdin        io.Reader = os.Stdin
	maxFrameLine           = capture.DefaultMaxLine
)

func validateUsage(w io.Writer) {
	fmt.Fprintf(w, `Usage: wsbind validate [flags] FILE...

Decode and validate every captured WebSocket frame with the generated
binding of its provider, and report each violation by JSON pointer. Frame
contents are never printed (unless --show-values): reports name pointers,
keywords and expectations, never values, and socket URLs lose their query
and any path beyond the spec's. Output is bounded: pointers are cut at %d
bytes, messages at %d, and one frame lists violations up to %d bytes, then
"(+N more violations)".

FILE is a JSONL capture, a HAR file, or - for standard input. Flags may come
before or after the files.

JSONL: one frame per non-empty line. A line is either the frame itself
(any JSON value; validated as a server frame, or as --direction says) or an
envelope, the shape of a HAR _webSocketMessages entry:
    {"type": "send"|"receive", "data": "<frame text>", "time": ..., "opcode": 1}
send is client to server, receive server to client. A line is an envelope
only when it is an object whose keys are type and data, optionally time and
opcode, and no others, with type "send" or "receive" and data a string.
An envelope with opcode 2 (binary) is skipped and counted like in a HAR.

HAR: a .har file, or a file whose top-level object starts with "log" (Chrome
DevTools "Export HAR..."). Entries with _webSocketMessages are sockets. Text
messages (opcode 1) are validated; binary ones (opcode 2) are reported as
skipped and counted, never dropped silently. Without --provider each socket
is matched by its request.url: same host, and a path starting with the path
of one of a provider's servers (scheme and query ignored; the longest path
wins). A socket that no provider matches is reported and its frames are
counted as not validated; when no socket at all matches, the exit code is 2.
Input is streamed. Without --provider a HAR is read twice, first for the
sockets' URLs (Chrome writes them after the messages), then for the frames;
a HAR on standard input is first copied to a temporary file, removed at the
end. A capture with no frame at all is an input error.

Flags:
  --provider NAME   binding to validate with: %s.
                    Required for JSONL; for HAR it applies to every socket.
  --spec FILE       validate with any AsyncAPI document instead, interpreted
                    (no Go toolchain needed; the same verdicts as the code
                    gen would write). JSONL frames take it; HAR sockets are
                    matched to its servers like a provider's
  --describes SIDE  with --spec: server or client, the side the document
                    describes (default: its x-wsbind-describes, else server)
  --channel NAME    for a document with several channels, the channel (key
                    or address) whose messages frames are decoded as; by
                    default a HAR socket's URL picks the channel whose
                    address its path ends with, {parameters} matching any
                    segment, and other frames try every message
  --direction DIR   direction of bare JSONL frames: server (default) or client
  --format FMT      text (default) or json
  --drift           after the frames, list for each message the properties
                    the spec does not declare, array indices as *, with
                    counts; then a section per note kind (unknown-property,
                    deprecated, duplicate-key, and any other kind seen),
                    each place (message and pointer) with its count, most
                    frequent first, at most %d places listed per kind
  --coverage        after the frames, list the messages of each direction
                    that never appeared, the optional fields that no frame
                    of a seen message filled, and the deprecated items seen:
                    messages the spec marks deprecated, and the places of
                    deprecated schemas and properties, with counts
  --strict          fail (exit 1) on notes too, not only on violations
  --show-values     print the value at each violation's pointer, cut at %d
                    bytes with "…(+N bytes)"; captures carry live tokens,
                    so keep this output to yourself
  --html FILE       also write a self-contained HTML report to FILE (no
                    network): a timeline, a sortable message table, the
                    frames pretty-printed with each violation and note at
                    its pointer (values masked unless --show-values), and
                    the drift, coverage and socket panels. It keeps at most
                    20000 frame bodies, invalid ones first, and says what it
                    left out. Stdout and the exit code do not change. FILE
                    is written to a temporary file, then renamed: a run
                    that exits 2, or a report that cannot be written,
                    leaves an existing FILE alone

Text output: one line per frame (INDEX counts frames from 0 across all files),
    FILE:LINE #INDEX DIRECTION MESSAGE ok|INVALID
    FILE:LINE #INDEX DIRECTION (binary frame) skipped
then an indented line per problem:
      POINTER: EXPECTATION (KEYWORD)      "(frame)" for the whole frame
        value: VALUE                      with --show-values
      malformed JSON: CAUSE [at byte offset N]
A frame that is not valid UTF-8 gets "(frame): invalid UTF-8 at byte offset
N (utf8)" and is still decoded.
A frame that matches no message of the spec is INVALID, named "unmatched".
HAR sockets get a line of their own before their frames. A summary follows:
frames, valid, invalid, skipped, counts per message, and the HAR sockets.

JSON output (--format json): one object per line for each frame,
    {"index","file","line","provider","direction","message","valid",
     "skipped","malformed","error",
     "errors":[{"pointer","keyword","message","value" (--show-values)}],
     "moreErrors" (violations left out), "drift":[pointers] (with --drift),
     "moreDrift"}
then {"summary":{"frames","valid","invalid","skippedBinary","skippedOther",
"notValidated","messages":[...],"sockets":[...],"drift":[...],
"driftByKind":{KIND:{"count","items":[{"provider","direction","message",
"pointer","count"}],"moreItems","moreCount","uncounted"}} (with --drift),
"coverage":{"unseen","optionalNeverFilled","deprecatedSeen":[{"item":
"message"|"property","provider","direction","message","pointer","count"}],
"moreDeprecated","deprecatedUncounted"} (with --coverage),
"inputErrors":[...]}}. Up to %d distinct places of notes are counted in
a run; notes at further places are counted as "uncounted". Notes name
pointers, never values.

Exit codes:
  0  every frame is valid (skipped binary frames do not count)
  1  at least one frame is invalid: a violation, no matching message, or
     malformed JSON
  2  usage error, or input error: a file missing or unreadable, a broken HAR,
     a JSONL file without --provider, HAR sockets none of which matched a
     provider, no frames in any file. Other files are still validated and
     reported.

Examples:
  wsbind validate --provider astro testdata/captures/astro.jsonl
  wsbind validate --drift --coverage testdata/captures/mixed.har
  wsbind validate --provider dlive --format json capture.jsonl | jq 'select(.valid == false)'
  some-recorder | wsbind validate --provider neuro --direction client -
`, wire.MaxPointerText, wire.MaxMessageText, maxFrameReport, strings.Join(providerNames(), ", "), maxKindItems, maxValueText, maxNotePlaces)
}

func providerNames() []string {
	names := make([]string, len(generated.Providers))
	for i, p := range generated.Providers {
		names[i] = p.Name
	}
	return names
}

func runValidate(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("validate", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	providerName := fset.String("provider", "", "")
	specFile := fset.String("spec", "", "")
	describes := fset.String("describes", "", "")
	channel := fset.String("channel", "", "")
	format := fset.String("format", "text", "")
	direction := fset.String("direction", "server", "")
	drift := fset.Bool("drift", false, "")
	coverage := fset.Bool("coverage", false, "")
	showValues := fset.Bool("show-values", false, "")
	strict := fset.Bool("strict", false, "")
	htmlFile := fset.String("html", "", "")
	files, err := parseArgs(fset, args)
	if errors.Is(err, flag.ErrHelp) {
		validateUsage(stdout)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "validate", err)
	}
	v := &validation{
		stdout: bufio.NewWriterSize(stdout, 64<<10), stderr: stderr,
		drift: *drift, coverage: *coverage, direction: *direction,
		showValues: *showValues, strict: *strict,
	}
	v.catalog, v.channel = generated.Providers, *channel
	switch {
	case *providerName != "" && *specFile != "":
		return usageError(stderr, "validate", errors.New("--provider and --spec are alternatives: give one"))
	case *describes != "" && *specFile == "":
		return usageError(stderr, "validate", errors.New("--describes applies to --spec"))
	case *providerName != "":
		if v.forced = generated.Lookup(*providerName); v.forced == nil {
			return usageError(stderr, "validate", fmt.Errorf("unknown provider %q (have %s)", *providerName, strings.Join(providerNames(), ", ")))
		}
	case *specFile != "":
		if *describes != "" && *describes != "server" && *describes != "client" {
			return usageError(stderr, "validate", fmt.Errorf("--describes must be server or client, not %q", *describes))
		}
		p, notes, err := interp.Load(*specFile, interp.Options{Describes: *describes})
		if err != nil {
			fmt.Fprintf(stderr, "wsbind validate: %v\n", err)
			return exitUsage
		}
		for _, n := range notes {
			fmt.Fprintf(stderr, "wsbind validate: note: %s\n", n)
		}
		v.spec, v.catalog = p, []*wire.Provider{p}
	}
	switch *format {
	case "text":
	case "json":
		v.json = json.NewEncoder(v.stdout)
		v.json.SetEscapeHTML(false)
	default:
		return usageError(stderr, "validate", fmt.Errorf("--format must be text or json, not %q", *format))
	}
	if *direction != "server" && *direction != "client" {
		return usageError(stderr, "validate", fmt.Errorf("--direction must be server or client, not %q", *direction))
	}
	if len(files) == 0 {
		return usageError(stderr, "validate", errors.New("no capture file given"))
	}
	if *htmlFile != "" {
		if v.html, err = newHTMLReport(*htmlFile, *showValues, files); err != nil {
			return usageError(stderr, "validate", err)
		}
	}
	// A run's live heap is small and bounded (a frame, its report, the
	// counters) while it allocates per frame: at GOGC's default a large
	// capture spends a fifth of its CPU collecting. Unless GOGC is set,
	// the heap may grow validateGCPercent between collections, a few MiB.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(validateGCPercent))
	}
	v.progress = newProgress(stderr)
	for _, name := range files {
		v.file(name)
	}
	v.progress.done()
	return v.finishHTML(v.finish())
}

// validateGCPercent is the GC percent of a validate run (see runValidate).
const validateGCPercent = 200

// checker returns codec's Checker.
func (v *validation) checker(codec *wire.Codec) *wire.Checker {
	k := v.checkers[codec]
	if k == nil {
		if v.checkers == nil {
			v.checkers = map[*wire.Codec]*wire.Checker{}
		}
		k = &wire.Checker{Codec: codec}
		v.checkers[codec] = k
	}
	return k
}

// msgKey identifies a message of one direction of one provider.
type msgKey struct{ provider, direction, message string }

const unmatched = "unmatched"

type msgCount struct{ count, invalid int }

// validation is the state of one validate run.
type validation struct {
	progress *progress // nil unless stderr is a terminal
	stdout   *bufio.Writer
	stderr   io.Writer
	json     *json.Encoder // nil for text output
	html     *htmlReport   // --html, or nil

	forced *wire.Provider // --provider, or nil
	// checkers decode each codec's frames into the memory of its earlier
	// ones (wire.Checker): a Result's message lives until the next frame.
	checkers map[*wire.Codec]*wire.Checker
	// catalog is what HAR sockets are matched against: the built-in
	// providers, or the one --spec interprets (spec).
	catalog    []*wire.Provider
	spec       *wire.Provider
	channel    string // --channel
	strict     bool   // --strict: notes fail like violations
	direction  string // of bare JSONL frames
	drift      bool
	coverage   bool
	showValues bool

	index int // next frame index, across files
	sum   summary

	counts     map[msgKey]*msgCount
	driftCount map[msgKey]map[string]int
	driftKeys  int // distinct pointers in driftCount
	used       map[*wire.Provider]bool
	optional   map[*wire.Provider]map[string][]string // optional pointers per message
	trackers   map[msgKey]*fields.Tracker             // direction left empty: one per message

	// noteCount counts notes of every kind (drift included) per message
	// and generalized pointer, for --drift's sections by kind and
	// --coverage's deprecated items; at most maxNotePlaces keys, past
	// which noteUncounted counts occurrences per kind.
	noteCount     map[noteKey]int
	noteUncounted map[string]int

	// The socket being read (HAR) and the provider it was given.
	socket         *capture.Socket
	socketProvider *wire.Provider
	socketFile     int // sockets of the current file
	sockets        []*socketInfo
	matched        int // sockets given a provider

	inputFailed bool

	// Per-frame scratch, reused from frame to frame: the report's lists,
	// the frame parsed on demand, and the last message counted.
	errBuf    []errorJSON
	noteBuf   []wire.Note
	driftBuf  []string
	doc       lazyDoc
	lastKey   msgKey
	lastCount *msgCount
	lastUsed  *wire.Provider
}

// lazyDoc is a frame parsed with encoding/json the first time drift,
// coverage or a value needs it, and only then.
type lazyDoc struct {
	frame  []byte
	doc    any
	parsed bool
}

func (d *lazyDoc) get() any {
	if !d.parsed {
		d.parsed = true
		d.doc = nil
		if json.Unmarshal(d.frame, &d.doc) != nil {
			d.doc = nil
		}
	}
	return d.doc
}

// noteKey is one place a kind of note was seen: a message and a pointer,
// array indices as *.
type noteKey struct {
	kind    string
	msg     msgKey
	pointer string
}

type socketInfo struct {
	sock     *capture.Socket
	URL      string `json:"url"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Provider string `json:"provider"` // "" when none matched
	Frames   int    `json:"frames"`
}

type summary struct {
	Frames int `json:"frames"`
	Valid  int `json:"valid"`
	// Noted counts the valid frames that come with notes.
	Noted         int `json:"noted"`
	Invalid       int `json:"invalid"`
	SkippedBinary int `json:"skippedBinary"`
	SkippedOther  int `json:"skippedOther"`
	// NotValidated counts the frames of HAR sockets no provider matched;
	// they are not in Frames.
	NotValidated int           `json:"notValidated"`
	Messages     []messageJSON `json:"messages"`
	Sockets      []*socketInfo `json:"sockets,omitempty"`
	Drift        *[]driftJSON  `json:"drift,omitempty"`
	// MoreDrift counts drift pointers not listed: past maxDriftPointers
	// distinct ones, counting stops.
	MoreDrift int `json:"moreDrift,omitempty"`
	// DriftByKind (with --drift) groups the notes by kind: always the
	// kinds wsbind knows, and any other kind that appeared. It sits beside
	// Drift, an array, so that key keeps its shape.
	DriftByKind map[string]*kindJSON `json:"driftByKind,omitempty"`
	Coverage    *coverageJSON        `json:"coverage,omitempty"`
	InputErrors []string             `json:"inputErrors,omitempty"`
}

type messageJSON struct {
	Provider  string `json:"provider"`
	Direction string `json:"direction"`
	Message   string `json:"message"`
	Count     int    `json:"count"`
	Invalid   int    `json:"invalid"`
}

type driftJSON struct {
	Provider  string `json:"provider"`
	Direction string `json:"direction"`
	Message   string `json:"message"`
	Pointer   string `json:"pointer"`
	Count     int    `json:"count"`
}

// kindJSON is one note kind of --drift: the places it was seen, most
// frequent first, at most maxKindItems of them.
type kindJSON struct {
	// Count is the occurrences counted, in Items and past them.
	Count int         `json:"count"`
	Items []driftJSON `json:"items"`
	// MoreItems places, with MoreCount occurrences, are not listed.
	MoreItems int `json:"moreItems,omitempty"`
	MoreCount int `json:"moreCount,omitempty"`
	// Uncounted occurrences came after maxNotePlaces distinct places.
	Uncounted int `json:"uncounted,omitempty"`
}

type coverageJSON struct {
	Unseen              []unseenJSON   `json:"unseen"`
	OptionalNeverFilled []optionalJSON `json:"optionalNeverFilled"`
	// DeprecatedSeen lists the deprecated messages seen, then the values
	// that got a deprecated note (a deprecated schema or property), each
	// part most frequent first.
	DeprecatedSeen []deprecatedJSON `json:"deprecatedSeen"`
	// MoreDeprecated counts the places left out past maxKindItems;
	// DeprecatedUncounted the occurrences past maxNotePlaces.
	MoreDeprecated      int `json:"moreDeprecated,omitempty"`
	DeprecatedUncounted int `json:"deprecatedUncounted,omitempty"`
}

// Items of coverage.deprecatedSeen.
const (
	deprecatedMessage  = "message"  // the spec marks the message deprecated
	deprecatedProperty = "property" // a property or schema at the pointer
)

type deprecatedJSON struct {
	Item      string `json:"item"`
	Provider  string `json:"provider"`
	Direction string `json:"direction"`
	Message   string `json:"message"`
	Pointer   string `json:"pointer"` // "" for a message
	Count     int    `json:"count"`
}

type unseenJSON struct {
	Provider  string   `json:"provider"`
	Direction string   `json:"direction"`
	Seen      int      `json:"seen"`
	Total     int      `json:"total"`
	Messages  []string `json:"messages"`
}

type optionalJSON struct {
	Provider string   `json:"provider"`
	Message  string   `json:"message"`
	Pointers []string `json:"pointers"`
}

// frameJSON is one frame of --format json.
type frameJSON struct {
	Index     int         `json:"index"`
	File      string      `json:"file"`
	Line      int         `json:"line"`
	Provider  string      `json:"provider"`
	Direction string      `json:"direction"`
	Message   string      `json:"message"`
	Valid     bool        `json:"valid"`
	Skipped   string      `json:"skipped,omitempty"`
	Malformed string      `json:"malformed,omitempty"`
	Error     string      `json:"error,omitempty"`
	Errors    []errorJSON `json:"errors"`
	// MoreErrors counts the violations left out past maxFrameReport.
	MoreErrors int       `json:"moreErrors,omitempty"`
	Drift      *[]string `json:"drift,omitempty"`
	MoreDrift  int       `json:"moreDrift,omitempty"`
	// Notes are what a valid frame carries that a consumer should hear
	// of (undeclared properties, deprecated shapes, duplicate keys).
	Notes     []wire.Note `json:"notes"`
	MoreNotes int         `json:"moreNotes,omitempty"`
}

// errorJSON is one violation as reported: pointer and message clipped,
// and the value only with --show-values.
type errorJSON struct {
	Pointer string  `json:"pointer"`
	Keyword string  `json:"keyword"`
	Message string  `json:"message"`
	Value   *string `json:"value,omitempty"`
}

// Output bounds. Frames are input, possibly hostile: one frame's report
// must not grow with it.
const (
	// maxFrameReport bounds the violation text of one frame, in bytes
	// (pointers, keywords, messages and values); at least one is listed.
	maxFrameReport = 4096
	// maxFrameDrift bounds the drift pointers listed for one frame.
	maxFrameDrift = 32
	// maxDriftPointers bounds the distinct drift pointers counted in a run,
	// so that keys made up per frame cannot grow memory or the summary.
	maxDriftPointers = 10000
	// maxValueText bounds a value shown with --show-values, in bytes.
	maxValueText = 80
	// maxURLText bounds a socket URL as shown.
	maxURLText = 200
	// maxNotePlaces bounds the distinct (kind, message, pointer) counted in
	// a run, as maxDriftPointers does for drift.
	maxNotePlaces = 10000
	// maxKindItems bounds the places listed per note kind, and the
	// deprecated properties coverage lists; the rest are counted.
	maxKindItems = 100
	// maxKindText bounds a note kind as counted: kinds come from the
	// decoders, not the frame, but a summary key stays short regardless.
	maxKindText = 32
)

func (v *validation) file(name string) {
	src, err := capture.Open(name, stdin)
	if err != nil {
		v.inputError("", err)
		return
	}
	defer src.Close()
	display := src.Name
	v.socket, v.socketProvider, v.socketFile = nil, nil, 0
	if v.spec != nil {
		v.forced = nil // a JSONL file below takes the spec; a HAR matches sockets to its servers
	}
	var format capture.Format
	// With --provider no socket waits for its URL: frames stream. Without,
	// a HAR is read twice (a file) or spooled first (stdin), so that memory
	// stays bounded whatever the order of its entries.
	rd := capture.Reader{MaxLine: maxFrameLine, Stream: v.forced != nil}
	err = src.Read(&rd, capture.Handler{
		Start: func(f capture.Format) error {
			format = f
			if f == capture.JSONL && v.forced == nil && v.spec != nil {
				v.forced = v.spec
			}
			if f == capture.JSONL && v.forced == nil {
				return fmt.Errorf("a JSONL capture needs --provider (one of %s)", strings.Join(providerNames(), ", "))
			}
			return nil
		},
		Socket: v.onSocket,
		Frame:  v.frameHandler(),
	})
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			display = ""
		}
		v.inputError(display, err)
		return
	}
	if format == capture.HAR && v.socketFile == 0 {
		v.note(display + ": no WebSocket messages in this HAR")
	}
}

func (v *validation) inputError(file string, err error) {
	v.inputFailed = true
	msg := err.Error()
	if file != "" {
		msg = file + ": " + msg
	}
	v.sum.InputErrors = append(v.sum.InputErrors, msg)
	v.note(msg)
}

// note writes a line to stderr after what stdout has so far.
func (v *validation) note(msg string) {
	_ = v.stdout.Flush()
	fmt.Fprintf(v.stderr, "wsbind validate: %s\n", msg)
}

func (v *validation) onSocket(s *capture.Socket) error {
	v.socketFile++
	var (
		p   *wire.Provider
		srv *wire.Server
	)
	if v.forced != nil {
		p = v.forced
		_, srv = providers.Match([]*wire.Provider{p}, s.URL)
	} else {
		p, srv = providers.Match(v.catalog, s.URL)
	}
	v.socket, v.socketProvider = s, p
	info := &socketInfo{sock: s, File: s.File, Line: s.Line}
	if s.URL != "" { // else it follows the messages: see finish
		info.URL = wire.Clip(providers.Display(s.URL, srv), maxURLText)
	}
	v.sockets = append(v.sockets, info)
	if p != nil {
		info.Provider = p.Name
		v.matched++
		v.use(p)
	}
	if v.json != nil {
		return nil
	}
	url := info.URL
	if url == "" {
		url = "(URL after its messages)"
	}
	switch {
	case p == nil:
		fmt.Fprintf(v.stdout, "%s:%d socket %s: no provider matches; its frames are not validated (use --provider)\n", s.File, s.Line, url)
	case v.forced != nil:
		fmt.Fprintf(v.stdout, "%s:%d socket %s: provider %s (--provider)\n", s.File, s.Line, url, p.Name)
	default:
		fmt.Fprintf(v.stdout, "%s:%d socket %s: provider %s\n", s.File, s.Line, url, p.Name)
	}
	return nil
}

func (v *validation) use(p *wire.Provider) {
	if p == v.lastUsed {
		return
	}
	v.lastUsed = p
	if v.used == nil {
		v.used = map[*wire.Provider]bool{}
	}
	v.used[p] = true
}

func (v *validation) onFrame(f *capture.Frame) error {
	v.progress.frame()
	p := v.forced
	if f.Socket != nil {
		if f.Socket != v.socket {
			return errors.New("internal: frame of an unannounced socket")
		}
		p = v.socketProvider
		if p == nil {
			v.sum.NotValidated++
			return nil
		}
	} else {
		v.use(p)
	}
	dir := f.Direction
	if dir == "" {
		dir = v.direction
	}
	if v.errBuf == nil {
		v.errBuf = make([]errorJSON, 0, 4)
	}
	rep := &frameJSON{Index: v.index, File: f.File, Line: f.Line, Provider: p.Name, Direction: dir, Errors: v.errBuf[:0]}
	v.index++
	v.sum.Frames++
	switch {
	case f.Skip != "":
		rep.Skipped = f.Skip
		if f.Skip == capture.SkipBinary {
			v.sum.SkippedBinary++
		} else {
			v.sum.SkippedOther++
		}
		return v.report(rep)
	case f.TooLong:
		rep.Message = unmatched
		rep.Error = fmt.Sprintf("line longer than %d bytes, not validated", maxFrameLine)
		v.count(p, dir, unmatched, false)
		return v.report(rep)
	}

	codec := p.Codec(dir)
	if codec != nil {
		codec = v.channelCodec(codec, f)
	}
	if codec == nil {
		rep.Message = unmatched
		rep.Error = "the spec declares no " + dir + " messages"
		v.count(p, dir, unmatched, false)
		return v.report(rep)
	}
	// Drift is always collected: an undeclared property is a note.
	r := v.checker(codec).Check(f.Data, true)
	rep.Message = r.Name
	if rep.Message == "" {
		rep.Message = unmatched
	}
	rep.Valid = r.Valid() && r.Name != ""
	v.listNotes(rep, r)
	if r.Syntax != nil {
		rep.Malformed = r.Syntax.Error()
	}
	vs := r.Violations
	if r.Name == "" && r.Syntax == nil && len(r.Violations) == 0 {
		vs = []wire.Violation{{Keyword: "oneOf", Message: "matches no " + dir + " message of the spec"}}
	}
	v.count(p, dir, rep.Message, rep.Valid)

	// The frame, parsed once only if drift, coverage or values need it.
	if v.drift || v.coverage || v.showValues {
		v.doc = lazyDoc{frame: f.Data}
	}
	if len(vs) > 0 {
		v.listViolations(rep, vs, f.Data, &v.doc)
	}
	if v.drift || v.coverage {
		v.countNotes(msgKey{p.Name, dir, rep.Message}, r, &v.doc)
	}
	if v.drift {
		if v.driftBuf == nil {
			v.driftBuf = make([]string, 0, 4)
		}
		d := v.driftBuf[:0]
		for _, ptr := range r.Drift[:min(len(r.Drift), maxFrameDrift)] {
			d = append(d, wire.Clip(ptr, wire.MaxPointerText))
		}
		v.driftBuf = d
		rep.Drift = &v.driftBuf
		rep.MoreDrift = len(r.Drift) - len(d)
		if r.Name != "" && len(r.Drift) > 0 {
			k := msgKey{p.Name, dir, r.Name}
			if v.driftCount == nil {
				v.driftCount = map[msgKey]map[string]int{}
			}
			m := v.driftCount[k]
			if m == nil {
				m = map[string]int{}
				v.driftCount[k] = m
			}
			for _, ptr := range r.Drift {
				if fields.HasIndex(ptr) {
					ptr = fields.Generalize(ptr, v.doc.get())
				}
				// Keys are the schema's shape, but made-up ones can be
				// long: clipped, and counted only up to a bound.
				ptr = wire.Clip(ptr, wire.MaxPointerText)
				if _, ok := m[ptr]; !ok {
					if v.driftKeys >= maxDriftPointers {
						v.sum.MoreDrift++
						continue
					}
					v.driftKeys++
				}
				m[ptr]++
			}
		}
	}
	if v.coverage && r.Name != "" && r.Syntax == nil {
		if t := v.tracker(p, r.Name); t != nil {
			t.Observe(v.doc.get())
		}
	}
	return v.report(rep)
}

// listViolations puts vs in rep, clipped, up to maxFrameReport bytes; the
// first is always listed. With --show-values each gets the value at its
// pointer, from doc (the frame parsed), clipped to maxValueText.
func (v *validation) listViolations(rep *frameJSON, vs []wire.Violation, frame []byte, doc *lazyDoc) {
	used := 0
	for i, vi := range vs {
		e := errorJSON{
			Pointer: wire.Clip(vi.Pointer, wire.MaxPointerText),
			Keyword: wire.Clip(vi.Keyword, 32),
			Message: wire.Clip(vi.Message, wire.MaxMessageText),
		}
		if v.showValues {
			if val, ok := valueAt(frame, doc, vi); ok {
				e.Value = &val
			}
		}
		n := len(e.Pointer) + len(e.Keyword) + len(e.Message)
		if e.Value != nil {
			n += len(*e.Value)
		}
		if i > 0 && used+n > maxFrameReport {
			rep.MoreErrors = len(vs) - i
			return
		}
		used += n
		rep.Errors = append(rep.Errors, e)
	}
}

// valueAt returns the value a violation points at, as JSON, clipped for
// display. A frame that is not valid UTF-8 shows its own text there.
func valueAt(frame []byte, doc *lazyDoc, vi wire.Violation) (string, bool) {
	if vi.Keyword == wire.KeywordUTF8 && vi.Pointer == "" {
		return displayValue(frame), true
	}
	node, ok := fields.Resolve(doc.get(), vi.Pointer)
	if !ok {
		return "", false
	}
	b, err := json.Marshal(node)
	if err != nil {
		return "", false
	}
	return displayValue(b), true
}

// displayValue clips b to maxValueText bytes and makes it one printable
// line: invalid UTF-8 and control characters become U+FFFD.
func displayValue(b []byte) string {
	return fields.Printable(wire.Clip(string(b), maxValueText))
}

func (v *validation) count(p *wire.Provider, dir, name string, valid bool) {
	if valid {
		v.sum.Valid++
	} else {
		v.sum.Invalid++
	}
	if v.counts == nil {
		v.counts = map[msgKey]*msgCount{}
	}
	k := msgKey{p.Name, dir, name}
	c := v.lastCount
	if c == nil || k != v.lastKey {
		if c = v.counts[k]; c == nil {
			c = &msgCount{}
			v.counts[k] = c
		}
		v.lastKey, v.lastCount = k, c
	}
	c.count++
	if !valid {
		c.invalid++
	}
}

// tracker returns the optional-field tracker of message name, or nil when
// it declares no optional field.
func (v *validation) tracker(p *wire.Provider, name string) *fields.Tracker {
	k := msgKey{provider: p.Name, message: name}
	if t, ok := v.trackers[k]; ok {
		return t
	}
	if v.optional == nil {
		v.optional = map[*wire.Provider]map[string][]string{}
		v.trackers = map[msgKey]*fields.Tracker{}
	}
	opt, ok := v.optional[p]
	if !ok {
		names := append(messagesOf(p, "server"), messagesOf(p, "client")...)
		var err error
		if opt, err = fields.Optional(p.Schema, names); err != nil {
			v.note(fmt.Sprintf("%s: cannot read the schema bundle for optional fields: %v", p.Name, err))
		}
		v.optional[p] = opt
	}
	var t *fields.Tracker
	if ptrs := opt[name]; len(ptrs) > 0 {
		t = fields.NewTracker(ptrs)
	}
	v.trackers[k] = t
	return t
}

// report writes one frame's report. The lists rep holds are reused for the
// next frame once it returns.
func (v *validation) report(rep *frameJSON) error {
	if v.html != nil {
		v.html.add(v, rep)
	}
	// Appended straight into the writer's free space when it fits.
	if v.json != nil {
		_, err := v.stdout.Write(appendFrameJSON(v.stdout.AvailableBuffer(), rep))
		v.keep(rep)
		return err
	}
	_, _ = v.stdout.Write(appendFrameText(v.stdout.AvailableBuffer(), rep))
	v.keep(rep)
	return nil
}

// keep takes back the lists of rep, grown maybe, for the next frame.
func (v *validation) keep(rep *frameJSON) {
	if rep.Errors != nil {
		v.errBuf = rep.Errors[:0]
	}
	if rep.Notes != nil {
		v.noteBuf = rep.Notes[:0]
	}
}

// maxFrameNotes bounds the notes one frame lists.
const maxFrameNotes = 8

// listNotes puts a frame's notes in its report, undeclared properties
// first, bounded, pointers clipped, and counts a valid frame with notes.
func (v *validation) listNotes(rep *frameJSON, r wire.Result) {
	if v.noteBuf == nil {
		v.noteBuf = make([]wire.Note, 0, 4)
	}
	rep.Notes = v.noteBuf[:0]
	all := len(r.Drift) + len(r.Notes)
	for i := range min(all, maxFrameNotes) {
		var n wire.Note
		if i < len(r.Drift) {
			n = wire.Note{Pointer: r.Drift[i], Kind: wire.NoteUnknownProperty, Message: "not declared by the spec"}
		} else {
			n = r.Notes[i-len(r.Drift)]
		}
		n.Pointer = wire.Clip(n.Pointer, wire.MaxPointerText)
		n.Message = wire.Clip(n.Message, wire.MaxMessageText)
		rep.Notes = append(rep.Notes, n)
	}
	if all > maxFrameNotes {
		rep.MoreNotes = all - maxFrameNotes
	}
	if rep.Valid && all > 0 {
		v.sum.Noted++
	}
}

// countNotes counts a frame's notes, drift included, per kind, message and
// pointer, array indices as *. Coverage alone needs only deprecated
// notes: other kinds then do not use up maxNotePlaces.
func (v *validation) countNotes(k msgKey, r wire.Result, doc *lazyDoc) {
	add := func(kind, ptr string) {
		if !v.drift && kind != wire.NoteDeprecated {
			return
		}
		if fields.HasIndex(ptr) {
			ptr = fields.Generalize(ptr, doc.get())
		}
		nk := noteKey{wire.Clip(kind, maxKindText), k, wire.Clip(ptr, wire.MaxPointerText)}
		if v.noteCount == nil {
			v.noteCount, v.noteUncounted = map[noteKey]int{}, map[string]int{}
		}
		// Pointers hold the frame's keys: past the bound, new places are
		// only counted, so made-up keys cannot grow memory or the report.
		if _, ok := v.noteCount[nk]; !ok && len(v.noteCount) >= maxNotePlaces {
			v.noteUncounted[nk.kind]++
			return
		}
		v.noteCount[nk]++
	}
	for _, ptr := range r.Drift {
		add(wire.NoteUnknownProperty, ptr)
	}
	for _, n := range r.Notes {
		add(n.Kind, n.Pointer)
	}
}

// messagesOf lists the messages of one direction of p (a copy).
func messagesOf(p *wire.Provider, dir string) []string {
	if c := p.Codec(dir); c != nil {
		return slices.Clone(c.Messages)
	}
	return nil
}

// providerRank orders providers as the catalog lists them.
func providerRank(catalog []*wire.Provider, name string) int {
	for i, p := range catalog {
		if p.Name == name {
			return i
		}
	}
	return len(catalog)
}

func dirRank(dir string) int {
	if dir == "server" {
		return 0
	}
	return 1
}

// messageRank orders messages as the spec lists them, unmatched last.
func messageRank(catalog []*wire.Provider, k msgKey) int {
	if p := catalog[min(providerRank(catalog, k.provider), len(catalog)-1)]; p.Name == k.provider {
		for i, m := range messagesOf(p, k.direction) {
			if m == k.message {
				return i
			}
		}
	}
	return 1 << 30
}

func lessKey(catalog []*wire.Provider, a, b msgKey) bool {
	if ra, rb := providerRank(catalog, a.provider), providerRank(catalog, b.provider); ra != rb {
		return ra < rb
	}
	if ra, rb := dirRank(a.direction), dirRank(b.direction); ra != rb {
		return ra < rb
	}
	if ra, rb := messageRank(catalog, a), messageRank(catalog, b); ra != rb {
		return ra < rb
	}
	return a.message < b.message
}

// usedProviders lists the providers frames were validated with, in
// registry order.
func (v *validation) usedProviders() []*wire.Provider {
	var out []*wire.Provider
	for _, p := range v.catalog {
		if v.used[p] {
			out = append(out, p)
		}
	}
	return out
}

func (v *validation) finish() int {
	keys := make([]msgKey, 0, len(v.counts))
	for k := range v.counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lessKey(v.catalog, keys[i], keys[j]) })
	v.sum.Messages = []messageJSON{}
	for _, k := range keys {
		c := v.counts[k]
		v.sum.Messages = append(v.sum.Messages, messageJSON{k.provider, k.direction, k.message, c.count, c.invalid})
	}
	for _, s := range v.sockets {
		s.Frames = s.sock.Frames
		if s.URL == "" {
			var srv *wire.Server
			if v.forced != nil {
				_, srv = providers.Match([]*wire.Provider{v.forced}, s.sock.URL)
			}
			s.URL = wire.Clip(providers.Display(s.sock.URL, srv), maxURLText)
		}
	}
	v.sum.Sockets = v.sockets
	if v.drift {
		d := v.driftReport()
		v.sum.Drift = &d
		v.sum.DriftByKind = v.notesByKind()
	}
	if v.coverage {
		v.sum.Coverage = v.coverageReport()
	}
	if v.json != nil {
		_ = v.json.Encode(struct {
			Summary *summary `json:"summary"`
		}{&v.sum})
	} else {
		v.writeText()
	}
	if err := v.stdout.Flush(); err != nil {
		fmt.Fprintf(v.stderr, "wsbind validate: writing the report: %v\n", err)
		return exitUsage
	}
	switch {
	case v.inputFailed:
		return exitUsage
	case v.forced == nil && len(v.sockets) > 0 && v.matched == 0:
		v.note("no socket matched a provider by URL; name one with --provider")
		return exitUsage
	case v.index == 0 && v.sum.NotValidated == 0:
		// An empty capture proves nothing; passing it would hide a broken
		// recorder or export.
		v.note("no frames in the capture: nothing was validated")
		return exitUsage
	case v.sum.Invalid > 0:
		return exitFailure
	case v.strict && v.sum.Noted > 0:
		return exitFailure
	}
	return exitOK
}

func (v *validation) driftReport() []driftJSON {
	out := []driftJSON{}
	for k, m := range v.driftCount {
		for ptr, n := range m {
			out = append(out, driftJSON{k.provider, k.direction, k.message, ptr, n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ka, kb := msgKey{a.Provider, a.Direction, a.Message}, msgKey{b.Provider, b.Direction, b.Message}
		if ka != kb {
			return lessKey(v.catalog, ka, kb)
		}
		return a.Pointer < b.Pointer
	})
	return out
}

// knownKinds are the note kinds --drift always has a section for, in
// this order; other kinds follow by name.
var knownKinds = []string{wire.NoteUnknownProperty, wire.NoteDeprecated, wire.NoteDuplicateKey}

// kindOrder lists the kinds of byKind: the known ones, then the others
// sorted, so a kind added to the runtime shows up without a change here.
func kindOrder(byKind map[string]*kindJSON) []string {
	var other []string
	for k := range byKind {
		if !slices.Contains(knownKinds, k) {
			other = append(other, k)
		}
	}
	sort.Strings(other)
	return append(slices.Clone(knownKinds), other...)
}

// byCount sorts places most frequent first, then by name.
func byCount(items []driftJSON) {
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if ka, kb := (msgKey{a.Provider, a.Direction, a.Message}), (msgKey{b.Provider, b.Direction, b.Message}); ka != kb {
			return ka.less(kb)
		}
		return a.Pointer < b.Pointer
	})
}

// notesByKind groups the counted notes by kind, each kind's places most
// frequent first, up to maxKindItems listed.
func (v *validation) notesByKind() map[string]*kindJSON {
	out := map[string]*kindJSON{}
	get := func(kind string) *kindJSON {
		kj := out[kind]
		if kj == nil {
			kj = &kindJSON{Items: []driftJSON{}}
			out[kind] = kj
		}
		return kj
	}
	for _, k := range knownKinds {
		get(k)
	}
	all := map[string][]driftJSON{}
	for nk, n := range v.noteCount {
		all[nk.kind] = append(all[nk.kind], driftJSON{nk.msg.provider, nk.msg.direction, nk.msg.message, nk.pointer, n})
	}
	for kind, items := range all {
		byCount(items)
		kj := get(kind)
		for i, it := range items {
			kj.Count += it.Count
			if i < maxKindItems {
				kj.Items = append(kj.Items, it)
			} else {
				kj.MoreItems++
				kj.MoreCount += it.Count
			}
		}
	}
	for kind, n := range v.noteUncounted {
		get(kind).Uncounted = n
	}
	return out
}

// deprecatedSeen lists the deprecated messages frames were decoded as, and
// the places deprecated notes were seen. A deprecated message's own note
// is at the frame (""): it is listed as the message, not again as a place.
func (v *validation) deprecatedSeen(c *coverageJSON) {
	c.DeprecatedSeen = []deprecatedJSON{}
	deprecated := map[msgKey]bool{}
	var msgs []deprecatedJSON
	for _, p := range v.usedProviders() {
		for _, dir := range []string{"server", "client"} {
			codec := p.Codec(dir)
			if codec == nil {
				continue
			}
			for _, m := range codec.Deprecated {
				k := msgKey{p.Name, dir, m}
				if deprecated[k] {
					continue
				}
				deprecated[k] = true
				if n := v.counts[k]; n != nil {
					msgs = append(msgs, deprecatedJSON{deprecatedMessage, p.Name, dir, m, "", n.count})
				}
			}
		}
	}
	var props []driftJSON
	for nk, n := range v.noteCount {
		if nk.kind != wire.NoteDeprecated || (nk.pointer == "" && deprecated[nk.msg]) {
			continue
		}
		props = append(props, driftJSON{nk.msg.provider, nk.msg.direction, nk.msg.message, nk.pointer, n})
	}
	sort.Slice(msgs, func(i, j int) bool {
		a, b := msgs[i], msgs[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return msgKey{a.Provider, a.Direction, a.Message}.less(msgKey{b.Provider, b.Direction, b.Message})
	})
	c.DeprecatedSeen = append(c.DeprecatedSeen, msgs...)
	byCount(props)
	for i, d := range props {
		if i == maxKindItems {
			c.MoreDeprecated = len(props) - i
			break
		}
		c.DeprecatedSeen = append(c.DeprecatedSeen, deprecatedJSON{deprecatedProperty, d.Provider, d.Direction, d.Message, d.Pointer, d.Count})
	}
	c.DeprecatedUncounted = v.noteUncounted[wire.NoteDeprecated]
}

// less orders message keys by name, for ties in counts.
func (a msgKey) less(b msgKey) bool {
	if a.provider != b.provider {
		return a.provider < b.provider
	}
	if a.direction != b.direction {
		return a.direction < b.direction
	}
	return a.message < b.message
}

func (v *validation) coverageReport() *coverageJSON {
	c := &coverageJSON{Unseen: []unseenJSON{}, OptionalNeverFilled: []optionalJSON{}}
	v.deprecatedSeen(c)
	for _, p := range v.usedProviders() {
		for _, dir := range []string{"server", "client"} {
			u := unseenJSON{Provider: p.Name, Direction: dir, Total: len(messagesOf(p, dir)), Messages: []string{}}
			for _, m := range messagesOf(p, dir) {
				if v.counts[msgKey{p.Name, dir, m}] != nil {
					u.Seen++
				} else {
					u.Messages = append(u.Messages, m)
				}
			}
			c.Unseen = append(c.Unseen, u)
		}
		// Optional fields of the messages seen, in spec order.
		done := map[string]bool{}
		for _, dir := range []string{"server", "client"} {
			for _, m := range messagesOf(p, dir) {
				if done[m] || v.counts[msgKey{p.Name, dir, m}] == nil {
					continue
				}
				done[m] = true
				t := v.trackers[msgKey{provider: p.Name, message: m}]
				if t == nil {
					continue
				}
				if ptrs := t.NeverFilled(); len(ptrs) > 0 {
					c.OptionalNeverFilled = append(c.OptionalNeverFilled, optionalJSON{p.Name, m, ptrs})
				}
			}
		}
	}
	return c
}

func (v *validation) writeText() {
	w := v.stdout
	s := &v.sum
	if v.index > 0 || len(v.sockets) > 0 {
		fmt.Fprintln(w)
	}
	noted := ""
	if s.Noted > 0 {
		noted = fmt.Sprintf(" (%d with notes)", s.Noted)
	}
	fmt.Fprintf(w, "summary: %s: %d valid%s, %d invalid, %d skipped (binary)", count(s.Frames, "frame"), s.Valid, noted, s.Invalid, s.SkippedBinary)
	if s.SkippedOther > 0 {
		fmt.Fprintf(w, ", %d skipped (other)", s.SkippedOther)
	}
	if s.NotValidated > 0 {
		unmatchedSockets := 0
		for _, so := range v.sockets {
			if so.Provider == "" {
				unmatchedSockets++
			}
		}
		fmt.Fprintf(w, "; %s of %s not validated (no provider)", count(s.NotValidated, "frame"), count(unmatchedSockets, "socket"))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, m := range s.Messages {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d", m.Provider, m.Direction, m.Message, m.Count)
		if m.Invalid > 0 {
			fmt.Fprintf(tw, "\t(%d invalid)", m.Invalid)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(s.Sockets) > 0 {
		fmt.Fprintln(w, "sockets:")
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		for _, so := range s.Sockets {
			p := so.Provider
			if p == "" {
				p = "(no provider)"
			}
			fmt.Fprintf(tw, "  %s:%d\t%s\t%s\t%s\n", so.File, so.Line, so.URL, p, count(so.Frames, "frame"))
		}
		tw.Flush()
	}

	if s.Drift != nil {
		fmt.Fprintln(w)
		if len(*s.Drift) == 0 {
			fmt.Fprintln(w, "drift: none")
		} else {
			fmt.Fprintln(w, "drift: properties the spec does not declare (array indices as *):")
			var last msgKey
			tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
			for _, d := range *s.Drift {
				if k := (msgKey{d.Provider, d.Direction, d.Message}); k != last {
					fmt.Fprintf(tw, "  %s %s %s\n", d.Provider, d.Direction, d.Message)
					last = k
				}
				fmt.Fprintf(tw, "    %s\t%d\n", fields.Printable(d.Pointer), d.Count)
			}
			tw.Flush()
		}
		if s.MoreDrift > 0 {
			fmt.Fprintf(w, "  (+%s of other pointers, not counted past %d distinct)\n", count(s.MoreDrift, "more occurrence"), maxDriftPointers)
		}
		v.writeByKind(s.DriftByKind)
	}

	if c := s.Coverage; c != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "coverage: messages never seen:")
		if len(c.Unseen) == 0 {
			fmt.Fprintln(w, "  (no frame was validated)")
		}
		for _, u := range c.Unseen {
			if len(u.Messages) == 0 {
				fmt.Fprintf(w, "  %s %s: none (all %d seen)\n", u.Provider, u.Direction, u.Total)
				continue
			}
			fmt.Fprintf(w, "  %s %s: %d of %d never seen:\n", u.Provider, u.Direction, len(u.Messages), u.Total)
			for _, m := range u.Messages {
				fmt.Fprintf(w, "    %s\n", m)
			}
		}
		if len(c.OptionalNeverFilled) == 0 {
			fmt.Fprintln(w, "coverage: optional fields never filled: none")
		} else {
			fmt.Fprintln(w, "coverage: optional fields never filled, in the messages seen:")
			for _, o := range c.OptionalNeverFilled {
				fmt.Fprintf(w, "  %s %s:\n", o.Provider, o.Message)
				for _, p := range o.Pointers {
					fmt.Fprintf(w, "    %s\n", p)
				}
			}
		}
		v.writeDeprecatedSeen(c)
	}
}

// writeByKind writes --drift's section per note kind: each place with its
// count, most frequent first.
func (v *validation) writeByKind(byKind map[string]*kindJSON) {
	w := v.stdout
	fmt.Fprintln(w)
	fmt.Fprintln(w, "drift: notes by kind, most frequent first (array indices as *):")
	for _, kind := range kindOrder(byKind) {
		kj := byKind[kind]
		places := len(kj.Items) + kj.MoreItems
		switch {
		case places == 0 && kj.Uncounted == 0:
			fmt.Fprintf(w, "  %s: none\n", fields.Printable(kind))
			continue
		case places == 0:
			fmt.Fprintf(w, "  %s:\n", fields.Printable(kind))
		default:
			fmt.Fprintf(w, "  %s: %s in %s\n", fields.Printable(kind), count(kj.Count, "note"), count(places, "place"))
		}
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		for _, it := range kj.Items {
			fmt.Fprintf(tw, "    %s %s %s\t%s\t%d\n", it.Provider, it.Direction, it.Message, fields.Printable(pointerOrFrame(it.Pointer)), it.Count)
		}
		tw.Flush()
		if kj.MoreItems > 0 {
			fmt.Fprintf(w, "    (+%s, %s, not listed)\n", count(kj.MoreItems, "more place"), count(kj.MoreCount, "note"))
		}
		if kj.Uncounted > 0 {
			fmt.Fprintf(w, "    (+%s, not counted past %d distinct places)\n", count(kj.Uncounted, "more note"), maxNotePlaces)
		}
	}
}

// writeDeprecatedSeen writes --coverage's deprecated messages and the
// places of deprecated schemas and properties, with counts.
func (v *validation) writeDeprecatedSeen(c *coverageJSON) {
	w := v.stdout
	var msgs, props []deprecatedJSON
	for _, d := range c.DeprecatedSeen {
		if d.Item == deprecatedMessage {
			msgs = append(msgs, d)
		} else {
			props = append(props, d)
		}
	}
	if len(msgs) == 0 {
		fmt.Fprintln(w, "coverage: deprecated messages seen: none")
	} else {
		fmt.Fprintln(w, "coverage: deprecated messages seen:")
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		for _, d := range msgs {
			fmt.Fprintf(tw, "  %s %s %s\t%d\n", d.Provider, d.Direction, d.Message, d.Count)
		}
		tw.Flush()
	}
	if len(props) == 0 && c.MoreDeprecated == 0 && c.DeprecatedUncounted == 0 {
		fmt.Fprintln(w, "coverage: deprecated schemas and properties seen: none")
		return
	}
	fmt.Fprintln(w, "coverage: deprecated schemas and properties seen (array indices as *):")
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, d := range props {
		fmt.Fprintf(tw, "  %s %s %s\t%s\t%d\n", d.Provider, d.Direction, d.Message, fields.Printable(pointerOrFrame(d.Pointer)), d.Count)
	}
	tw.Flush()
	if c.MoreDeprecated > 0 {
		fmt.Fprintf(w, "  (+%s, not listed)\n", count(c.MoreDeprecated, "more place"))
	}
	if c.DeprecatedUncounted > 0 {
		fmt.Fprintf(w, "  (+%s, not counted past %d distinct places)\n", count(c.DeprecatedUncounted, "more note"), maxNotePlaces)
	}
}

// channelCodec narrows codec to one channel's messages: the one --channel
// names, else the one whose address the frame's socket URL ends with. A
// document with one channel, or a URL no address matches, keeps codec.
func (v *validation) channelCodec(codec *wire.Codec, f *capture.Frame) *wire.Codec {
	if len(codec.Channels) == 0 {
		return codec
	}
	if v.channel != "" {
		return codec.ForChannel(v.channel)
	}
	if f.Socket == nil {
		return codec
	}
	u, err := url.Parse(f.Socket.URL)
	if err != nil {
		return codec
	}
	var best *wire.Codec
	for _, ch := range codec.Channels {
		if ch.Address != "" && addressMatches(ch.Address, u.Path) && (best == nil || len(ch.Address) > len(best.Address)) {
			best = ch
		}
	}
	if best == nil {
		return codec
	}
	return best
}

// addressMatches reports whether path ends with a channel address, each
// {parameter} matching one path segment.
func addressMatches(address, path string) bool {
	want := strings.Split(strings.Trim(address, "/"), "/")
	have := strings.Split(strings.Trim(path, "/"), "/")
	if len(want) > len(have) {
		return false
	}
	have = have[len(have)-len(want):]
	for i, w := range want {
		if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") {
			continue
		}
		if w != have[i] {
			return false
		}
	}
	return true
}
