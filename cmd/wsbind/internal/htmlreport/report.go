package htmlreport

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"time"
)

// Meta is what the report shows besides the frames: validate's summary
// and panels, converted by the caller.
type Meta struct {
	Title      string
	Files      []string
	ShowValues bool
	Summary    Summary
	// Messages orders the message table (validate's summary order);
	// messages of the collector it does not list follow.
	Messages []MessageKey
	Sockets  []Socket
	Drift    *Drift    // nil without --drift
	Coverage *Coverage // nil without --coverage
}

// Summary mirrors validate's summary counts.
type Summary struct {
	Frames, Valid, Noted, Invalid, SkippedBinary, SkippedOther, NotValidated int
	InputErrors                                                              []string
}

// MessageKey names a message of one direction of one provider.
type MessageKey struct{ Provider, Direction, Message string }

// Socket is a HAR socket, its URL already stripped of secrets.
type Socket struct {
	File     string
	Line     int
	URL      string
	Provider string // "" when none matched
	Frames   int
}

// Place is a message and pointer with a count.
type Place struct {
	Provider, Direction, Message, Pointer string
	Count                                 int
}

// Drift is --drift's summary.
type Drift struct {
	Undeclared []Place
	MoreDrift  int
	Kinds      []Kind
}

// Kind is one kind of note with its places, most frequent first.
type Kind struct {
	Name                            string
	Count                           int
	Items                           []Place
	MoreItems, MoreCount, Uncounted int
}

// Coverage is --coverage's summary.
type Coverage struct {
	Unseen                              []Unseen
	Optional                            []Optional
	Deprecated                          []Deprecated
	MoreDeprecated, DeprecatedUncounted int
}

// Unseen lists the messages of one direction never seen.
type Unseen struct {
	Provider, Direction string
	Seen, Total         int
	Messages            []string
}

// Optional lists the optional fields of a message never filled.
type Optional struct {
	Provider, Message string
	Pointers          []string
}

// Deprecated is a deprecated item seen.
type Deprecated struct {
	Item, Provider, Direction, Message, Pointer string
	Count                                       int
}

//go:embed report.html.tmpl
var pageText string

//go:embed report.css
var pageCSS string

//go:embed report.js
var pageJS string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pointer": func(p string) string {
		if p == "" {
			return "(frame)"
		}
		return p
	},
}).Parse(pageText))

// chunkFrames is how many frame bodies one script element holds: the page
// parses a chunk when it first shows one of its frames.
const chunkFrames = 500

type tableRow struct {
	ID                    int
	Key                   MessageKey
	Count, Invalid, Noted int
	First, Last           string
	FirstSort, LastSort   float64
}

type socketRow struct {
	ID int
	Socket
	Validated, Invalid, Noted, Skipped int
	Messages                           []socketMessage // busiest first
	MoreMessages                       int
}

type socketMessage struct {
	Name  string
	Count int
}

// maxSocketMessages bounds the messages listed per socket.
const maxSocketMessages = 12

type pageData struct {
	Meta
	CSS       template.CSS
	JS        template.JS
	Generated string
	Timed     bool
	Plot      plot
	Rows      []tableRow
	SocketRow []socketRow
	Kept      int
	Left      leftOut
	Index     any // the page's frame index, encoded by the template
	Info      any
	Chunks    []json.RawMessage
}

type leftOut struct {
	Any                    bool
	Invalid, Noted, Plain  int
	KeptInvalid, KeptNoted int
	KeptPlain, MaxFrames   int
}

// Write writes the report. It may be called once, after the last Add.
func (c *Collector) Write(w io.Writer, m Meta) error {
	timed := c.frames > 0 && c.timed == c.frames
	d := pageData{Meta: m, CSS: template.CSS(pageCSS), JS: template.JS(pageJS), Generated: time.Now().UTC().Format(time.RFC3339), Timed: timed}
	names := make([]string, len(c.stats))
	for i, s := range c.stats {
		names[i] = s.key.provider + " " + s.key.direction + " " + s.key.message
	}
	if timed {
		d.Plot = renderTimeline(c.byTime, names, true)
	} else {
		d.Plot = renderTimeline(c.byIndex, names, false)
	}
	done := map[int]bool{}
	addRow := func(id int) {
		s := c.stats[id]
		done[id] = true
		r := tableRow{ID: id, Key: MessageKey{s.key.provider, s.key.direction, s.key.message}, Count: s.count, Invalid: s.invalid, Noted: s.noted}
		r.First, r.FirstSort = seen(s.firstIndex, s.firstTime-c.byTime.lo, timed)
		r.Last, r.LastSort = seen(s.lastIndex, s.lastTime-c.byTime.lo, timed)
		d.Rows = append(d.Rows, r)
	}
	for _, k := range m.Messages {
		if id, ok := c.msgs[msgKey{k.Provider, k.Direction, k.Message}]; ok {
			addRow(id)
		}
	}
	for id := range c.stats {
		if !done[id] {
			addRow(id)
		}
	}
	for i, s := range m.Sockets {
		r := socketRow{ID: i, Socket: s}
		if st := c.sockets[i]; st != nil {
			r.Validated, r.Invalid, r.Noted, r.Skipped = st.frames, st.invalid, st.noted, st.skipped
			for id, n := range st.msgs {
				r.Messages = append(r.Messages, socketMessage{c.stats[id].key.direction + " " + c.stats[id].key.message, n})
			}
			sort.Slice(r.Messages, func(a, b int) bool {
				x, y := r.Messages[a], r.Messages[b]
				return x.Count > y.Count || x.Count == y.Count && x.Name < y.Name
			})
			if len(r.Messages) > maxSocketMessages {
				r.MoreMessages = len(r.Messages) - maxSocketMessages
				r.Messages = r.Messages[:maxSocketMessages]
			}
		}
		d.SocketRow = append(d.SocketRow, r)
	}

	kept := c.store.kept()
	d.Kept = len(kept)
	st := c.store
	d.Left = leftOut{
		Invalid: st.dropped[rankInvalid], Noted: st.dropped[rankNoted], Plain: st.dropped[rankPlain],
		KeptInvalid: st.seen[rankInvalid] - st.dropped[rankInvalid],
		KeptNoted:   st.seen[rankNoted] - st.dropped[rankNoted],
		KeptPlain:   st.seen[rankPlain] - st.dropped[rankPlain],
		MaxFrames:   c.opts.MaxFrames,
	}
	d.Left.Any = d.Left.Invalid+d.Left.Noted+d.Left.Plain > 0

	// The index: [index, message, verdict, socket, file, line, time].
	index := make([][7]any, len(kept))
	for i, k := range kept {
		var t any
		if k.row.timed {
			t = k.row.time
		}
		index[i] = [7]any{k.row.index, k.row.msg, k.row.verdict, k.row.socket, k.row.file, k.row.line, t}
	}
	d.Index = index
	msgs := make([][3]string, len(c.stats))
	for i, s := range c.stats {
		msgs[i] = [3]string{s.key.provider, s.key.direction, s.key.message}
	}
	sockURLs := make([]string, len(m.Sockets))
	for i, s := range m.Sockets {
		sockURLs[i] = s.URL
	}
	d.Info = map[string]any{"messages": msgs, "files": c.fileIDs, "sockets": sockURLs, "chunk": chunkFrames, "timed": timed, "showValues": m.ShowValues}
	for i := 0; i < len(kept); i += chunkFrames {
		part := kept[i:min(i+chunkFrames, len(kept))]
		b := []byte{'['}
		for j, k := range part {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, k.body...)
			if k.data != nil {
				b = c.appendLines(b, k.data)
			}
			b = append(b, '}')
			k.body, k.data = nil, nil // each chunk's bodies are held once
		}
		b = append(b, ']')
		d.Chunks = append(d.Chunks, json.RawMessage(b))
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	if err := page.Execute(bw, &d); err != nil {
		return err
	}
	return bw.Flush()
}

// seen shows when a message was first or last seen, t seconds after the
// capture's first frame, and a key to sort by.
func seen(index int, t float64, timed bool) (string, float64) {
	if timed {
		return fmt.Sprintf("+%s s (#%d)", strconv.FormatFloat(t, 'f', 3, 64), index), t
	}
	return fmt.Sprintf("#%d", index), float64(index)
}

// formatTime shows seconds since the epoch as UTC, to the millisecond; a
// small value (a relative time) as seconds.
func formatTime(t float64) string {
	if t < 1e8 || t > 1e11 {
		return shortNum(t) + " s"
	}
	sec, frac := math.Modf(t)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC().Format("2006-01-02 15:04:05.000Z")
}
