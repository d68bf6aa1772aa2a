package capture

import (
	"bufio"
	"bytes"
	"io"
)

// A JSONL capture is parsed one goroutine ahead of its handler: finding
// the lines and unescaping each envelope's frame costs about as much as a
// generated decoder's checks, so on two cores the two overlap. Batches
// keep the hand-over cheap, and a batch is handed over early whenever the
// input has nothing more buffered, so a live pipe's frames are never held
// back waiting for a full batch.
const (
	batchFrames  = 64
	batchBytes   = 1 << 20 // a batch is handed over once its text passes this
	batchesAhead = 2       // full batches waiting for the handler
)

// jsonlBatch is a run of frames parsed ahead. Their Data lives in text;
// spans locate it there, since text may move while it grows.
type jsonlBatch struct {
	frames []Frame
	spans  []span
	text   []byte
	err    error // a read error after the frames, or nil
	eof    bool  // the input ended after the frames
}

// span is a frame's Data in its batch's text; start < 0 means nil Data.
type span struct{ start, end int }

func (b *jsonlBatch) add(f Frame, data []byte) {
	s := span{start: -1}
	if data != nil {
		s = span{len(b.text), len(b.text) + len(data)}
		b.text = append(b.text, data...)
	}
	f.Data = nil
	b.frames = append(b.frames, f)
	b.spans = append(b.spans, s)
}

// seal points every frame's Data into text, now that text stops growing.
func (b *jsonlBatch) seal() {
	for i, s := range b.spans {
		if s.start >= 0 {
			b.frames[i].Data = b.text[s.start:s.end:s.end]
		}
	}
}

func (b *jsonlBatch) reset() {
	b.frames, b.spans, b.text, b.err, b.eof = b.frames[:0], b.spans[:0], b.text[:0], nil, false
}

func (rd *Reader) jsonl(br *bufio.Reader, name string, h Handler) error {
	if h.Start != nil {
		if err := h.Start(JSONL); err != nil {
			return err
		}
	}
	maxLine := rd.MaxLine
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	full := make(chan *jsonlBatch, batchesAhead)
	free := make(chan *jsonlBatch, batchesAhead+2)
	stop := make(chan struct{})
	// On a handler's error the parser is told to stop and not waited for:
	// it may be blocked reading a pipe that never ends.
	defer close(stop)
	go parseJSONL(br, name, maxLine, full, free, stop)
	for b := range full {
		for i := range b.frames {
			if h.Frame != nil {
				if err := h.Frame(&b.frames[i]); err != nil {
					return err
				}
			}
		}
		if b.err != nil {
			return b.err
		}
		if b.eof {
			return nil
		}
		free <- b // never blocks: at most batchesAhead+2 batches exist
	}
	return nil
}

// parseJSONL reads br's lines into batches, sent on full in order, until
// the input ends, a read fails or stop closes; it closes full when done.
func parseJSONL(br *bufio.Reader, name string, maxLine int, full chan<- *jsonlBatch, free <-chan *jsonlBatch, stop <-chan struct{}) {
	defer close(full)
	var (
		buf  []byte
		data []byte // envelope text, reused like buf
		line int
		b    *jsonlBatch
	)
	send := func() bool {
		b.seal()
		select {
		case full <- b:
			b = nil
			return true
		case <-stop:
			return false
		}
	}
	for {
		if b == nil {
			select {
			case b = <-free:
				b.reset()
			default:
				b = &jsonlBatch{}
			}
		}
		var tooLong bool
		var err error
		buf, tooLong, err = readLine(br, buf[:0], maxLine)
		if err != nil && err != io.EOF {
			b.err = err
			send()
			return
		}
		eof := err == io.EOF
		if eof && len(buf) == 0 && !tooLong {
			b.eof = true
			send()
			return
		}
		line++
		text := bytes.TrimSpace(buf)
		if len(text) > 0 || tooLong {
			f := Frame{File: name, Line: line, TooLong: tooLong}
			var fdata []byte
			if !tooLong {
				if env, ok := parseEnvelope(text, data); ok {
					data = env.data // the grown buffer serves the next line
					f.Direction, f.Opcode, f.Skip = env.direction(), env.opcode, opcodeSkip(env.opcode)
					f.Time, f.HasTime = env.time, env.hasTime
					fdata = env.data
				} else {
					fdata = text
				}
			}
			b.add(f, fdata)
		}
		if eof {
			b.eof = true
			send()
			return
		}
		if (len(b.frames) >= batchFrames || len(b.text) >= batchBytes || br.Buffered() == 0) && len(b.frames) > 0 {
			if !send() {
				return
			}
		}
	}
}
