// Package htmlreport writes the report of wsbind validate --html: one
// self-contained HTML file (inline CSS, JS and SVG, nothing fetched) with
// a timeline of the capture, a sortable table of its messages, the frames
// pretty-printed with every violation and note at its JSON pointer, and
// the drift, coverage and socket panels.
//
// A Collector takes the frames as validate reports them. Its memory is
// bounded whatever the capture's length: counts and the timeline are
// complete, while the frame bodies kept are capped (Options.MaxFrames,
// the first invalid frames preferred) and the report says what it left
// out.
package htmlreport

import (
	"math"
	"strconv"
)

// Defaults of Options.
const (
	DefaultMaxFrames = 20000
	DefaultMaxBytes  = 64 << 20
	DefaultMaxLines  = 400
)

// Options bound a Collector and choose how values are shown.
type Options struct {
	// MaxFrames bounds the frames whose bodies the report keeps.
	MaxFrames int
	// MaxBytes bounds the encoded bodies kept, in bytes.
	MaxBytes int
	// MaxLines bounds the pretty-printed lines of one frame.
	MaxLines int
	// Display shows a value (its JSON text) as validate --show-values
	// does; nil masks every value, showing its JSON type only.
	Display func([]byte) string
}

// Violation is one violation of a frame, as validate reports it.
type Violation struct {
	Pointer, Keyword, Message string
	Value                     *string // with --show-values
}

// Note is one note of a frame.
type Note struct {
	Pointer, Kind, Message string
}

// Frame is one frame as validate reported it. Its slices and Data may be
// reused once Add returns.
type Frame struct {
	Index                        int
	File                         string
	Line                         int
	Socket                       int // index in Meta.Sockets, -1 for none
	Provider, Direction, Message string
	Valid                        bool
	Skipped                      string // why the frame was not validated
	Malformed, Error             string
	Violations                   []Violation
	MoreViolations               int
	Notes                        []Note
	MoreNotes                    int
	Time                         float64 // seconds since the Unix epoch
	HasTime                      bool
	Data                         []byte
}

// Verdicts as the page codes them.
const (
	verdictOK      = 0
	verdictNoted   = 1
	verdictInvalid = 2
	verdictSkipped = 3
)

type msgKey struct{ provider, direction, message string }

type msgStats struct {
	key                   msgKey
	count, invalid, noted int
	firstIndex, lastIndex int
	firstTime, lastTime   float64
	firstTimed, lastTimed bool
}

type sockStats struct {
	frames, invalid, noted, skipped int
	msgs                            map[int]int // frames per message id
}

// frameRow is a frame's entry in the page's index: enough to list and
// filter it without reading its body.
type frameRow struct {
	index, msg, verdict, socket, file, line int
	time                                    float64
	timed                                   bool
}

// Collector gathers what the report shows.
type Collector struct {
	opts Options

	files   map[string]int
	fileIDs []string

	msgs    map[msgKey]int
	stats   []*msgStats
	lastKey msgKey
	lastID  int

	sockets map[int]*sockStats

	byTime, byIndex *timeline
	frames          int // frames added
	timed           int // of which with a time

	store *store
}

// New returns a Collector; zero Options fields take their defaults.
func New(o Options) *Collector {
	if o.MaxFrames <= 0 {
		o.MaxFrames = DefaultMaxFrames
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxLines <= 0 {
		o.MaxLines = DefaultMaxLines
	}
	return &Collector{
		opts:    o,
		files:   map[string]int{},
		msgs:    map[msgKey]int{},
		lastID:  -1,
		sockets: map[int]*sockStats{},
		byTime:  newTimeline(0.001),
		byIndex: newTimeline(1),
		store:   newStore(o.MaxFrames, o.MaxBytes),
	}
}

// Add counts a frame and keeps its body if the bounds allow.
func (c *Collector) Add(f *Frame) {
	c.frames++
	if f.HasTime && (math.IsNaN(f.Time) || math.IsInf(f.Time, 0)) {
		f.HasTime = false
	}
	if f.HasTime {
		c.timed++
	}
	fid, ok := c.files[f.File]
	if !ok {
		fid = len(c.fileIDs)
		c.files[f.File] = fid
		c.fileIDs = append(c.fileIDs, f.File)
	}
	verdict, r := verdictOf(f)
	row := frameRow{index: f.Index, msg: -1, verdict: verdict, socket: f.Socket, file: fid, line: f.Line, time: f.Time, timed: f.HasTime}
	if verdict != verdictSkipped {
		row.msg = c.count(f, verdict)
		if f.HasTime {
			c.byTime.add(f.Time, row.msg, verdict == verdictInvalid, verdict == verdictNoted)
		}
		c.byIndex.add(float64(f.Index), row.msg, verdict == verdictInvalid, verdict == verdictNoted)
	}
	if f.Socket >= 0 {
		s := c.sockets[f.Socket]
		if s == nil {
			s = &sockStats{msgs: map[int]int{}}
			c.sockets[f.Socket] = s
		}
		s.frames++
		if row.msg >= 0 {
			s.msgs[row.msg]++
		}
		switch verdict {
		case verdictInvalid:
			s.invalid++
		case verdictNoted:
			s.noted++
		case verdictSkipped:
			s.skipped++
		}
	}
	var body, data []byte
	if c.store.wants(r) {
		body, data = c.body(f)
	}
	c.store.offer(row, r, body, data)
}

func verdictOf(f *Frame) (int, rank) {
	switch {
	case f.Skipped != "":
		return verdictSkipped, rankPlain
	case !f.Valid:
		return verdictInvalid, rankInvalid
	case len(f.Notes) > 0 || f.MoreNotes > 0:
		return verdictNoted, rankNoted
	}
	return verdictOK, rankPlain
}

func (c *Collector) count(f *Frame, verdict int) int {
	k := msgKey{f.Provider, f.Direction, f.Message}
	id := c.lastID
	if id < 0 || k != c.lastKey {
		var ok bool
		if id, ok = c.msgs[k]; !ok {
			id = len(c.stats)
			c.msgs[k] = id
			c.stats = append(c.stats, &msgStats{key: k, firstIndex: f.Index, firstTime: f.Time, firstTimed: f.HasTime})
		}
		c.lastKey, c.lastID = k, id
	}
	s := c.stats[id]
	s.count++
	switch verdict {
	case verdictInvalid:
		s.invalid++
	case verdictNoted:
		s.noted++
	}
	s.lastIndex, s.lastTime, s.lastTimed = f.Index, f.Time, f.HasTime
	return id
}

// body encodes a kept frame's body as the page reads it, one JSON object:
//
//	"m":  marks, [0 violation | 1 note, pointer, keyword or kind, message, value or null]
//	"mv", "mn": violations and notes left out
//	"e", "x", "s": error, malformed JSON, reason skipped
//	"b":  lines, [depth, text] or [depth, text, pointer]; "bm" lines left out
//	"r":  a frame that is not JSON, as shown
//	"n":  the frame's size in bytes
//
// The lines are rendered when the report is written, for the frames still
// kept then: body returns the object without them nor its closing brace,
// and a copy of the frame to render (nil when there is none, or when a
// large frame was rendered at once).
func (c *Collector) body(f *Frame) (body, data []byte) {
	b := make([]byte, 0, 64)
	b = append(b, `{"n":`...)
	b = strconv.AppendInt(b, int64(len(f.Data)), 10)
	if len(f.Violations)+len(f.Notes) > 0 {
		b = append(b, `,"m":[`...)
		for i, v := range f.Violations {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "[0,"...)
			b = appendStrings(b, v.Pointer, v.Keyword, v.Message)
			b = append(b, ',')
			if v.Value != nil {
				b = appendQuoted(b, *v.Value)
			} else {
				b = append(b, "null"...)
			}
			b = append(b, ']')
		}
		for i, n := range f.Notes {
			if i > 0 || len(f.Violations) > 0 {
				b = append(b, ',')
			}
			b = append(b, "[1,"...)
			b = appendStrings(b, n.Pointer, n.Kind, n.Message)
			b = append(b, ",null]"...)
		}
		b = append(b, ']')
	}
	b = appendField(b, "mv", f.MoreViolations)
	b = appendField(b, "mn", f.MoreNotes)
	for _, kv := range [][2]string{{"e", f.Error}, {"x", f.Malformed}, {"s", f.Skipped}} {
		if kv[1] != "" {
			b = append(b, ',', '"')
			b = append(b, kv[0]...)
			b = append(b, '"', ':')
			b = appendQuoted(b, kv[1])
		}
	}
	if f.Skipped != "" || len(f.Data) == 0 {
		return b, nil
	}
	if len(f.Data) > maxDeferred {
		return c.appendLines(b, f.Data), nil
	}
	return b, append([]byte(nil), f.Data...)
}

// maxDeferred is the largest frame whose rendering waits for Write: a
// larger one is rendered when kept, its lines bounded by MaxLines.
const maxDeferred = 16 << 10

// appendLines appends a frame's pretty-printed lines, or its text when it
// is not JSON, to its body.
func (c *Collector) appendLines(b, data []byte) []byte {
	lines, more, ok := renderBody(data, c.opts.Display, c.opts.MaxLines)
	if !ok {
		raw := "‹not JSON›"
		if c.opts.Display != nil {
			raw = c.opts.Display(data)
		}
		b = append(b, `,"r":`...)
		return appendQuoted(b, raw)
	}
	b = append(b, `,"b":[`...)
	for i, l := range lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(l.depth), 10)
		b = append(b, ',')
		b = appendQuoted(b, l.text)
		if l.value {
			b = append(b, ',')
			b = appendQuoted(b, l.ptr)
		}
		b = append(b, ']')
	}
	b = append(b, ']')
	return appendField(b, "bm", more)
}

// appendStrings appends JSON strings separated by commas.
func appendStrings(b []byte, ss ...string) []byte {
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQuoted(b, s)
	}
	return b
}

// appendField appends ,"name":n unless n is 0.
func appendField(b []byte, name string, n int) []byte {
	if n == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, int64(n), 10)
}
