package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wsbind/wsbind/cmd/wsbind/internal/capture"
	"github.com/wsbind/wsbind/cmd/wsbind/internal/htmlreport"
)

// validate --html FILE: the run's frames also go to an htmlreport
// Collector, and once the run ends well enough to have a summary the
// report is written to a temporary file next to FILE and renamed into
// place. Stdout and the exit status are what they are without --html; a
// run that fails (an input or usage error) or a report that cannot be
// written leaves an existing FILE alone.

// htmlReport collects one run's frames for --html.
type htmlReport struct {
	path       string
	showValues bool
	files      []string
	col        *htmlreport.Collector
	cur        *capture.Frame // the frame being validated
	buf        htmlreport.Frame

	lastSock *capture.Socket
	lastID   int
}

// htmlMaxFrames is the number of frame bodies a report keeps; tests lower it.
var htmlMaxFrames = htmlreport.DefaultMaxFrames

// newHTMLReport checks that path's directory exists before a long run.
func newHTMLReport(path string, showValues bool, files []string) (*htmlReport, error) {
	if path == "" {
		return nil, errors.New("--html needs a file name")
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("--html: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("--html: %s is not a directory", dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("--html: %s is a directory", path)
	}
	o := htmlreport.Options{MaxFrames: htmlMaxFrames}
	if showValues {
		o.Display = displayValue // the text report's rule: cut, one printable line
	}
	return &htmlReport{path: path, showValues: showValues, files: files, col: htmlreport.New(o), lastID: -1}, nil
}

// frameHandler is the capture handler of a run: onFrame, and with --html
// the frame remembered for report.
func (v *validation) frameHandler() func(*capture.Frame) error {
	if v.html == nil {
		return v.onFrame
	}
	return func(f *capture.Frame) error {
		v.html.cur = f
		err := v.onFrame(f)
		v.html.cur = nil
		return err
	}
}

// add gives the collector the frame report rep describes.
func (h *htmlReport) add(v *validation, rep *frameJSON) {
	f := h.cur
	b := &h.buf
	*b = htmlreport.Frame{
		Index: rep.Index, File: rep.File, Line: rep.Line, Socket: -1,
		Provider: rep.Provider, Direction: rep.Direction, Message: rep.Message,
		Valid: rep.Valid, Skipped: rep.Skipped, Malformed: rep.Malformed, Error: rep.Error,
		MoreViolations: rep.MoreErrors, MoreNotes: rep.MoreNotes,
		Violations: b.Violations[:0], Notes: b.Notes[:0],
	}
	for _, e := range rep.Errors {
		b.Violations = append(b.Violations, htmlreport.Violation{Pointer: e.Pointer, Keyword: e.Keyword, Message: e.Message, Value: e.Value})
	}
	for _, n := range rep.Notes {
		b.Notes = append(b.Notes, htmlreport.Note{Pointer: n.Pointer, Kind: n.Kind, Message: n.Message})
	}
	if f != nil {
		b.Data = f.Data
		b.Time, b.HasTime = frameTime(f)
		if f.Socket != nil {
			b.Socket = h.socketID(v, f.Socket)
		}
	}
	h.col.Add(b)
}

// socketID is the position of s in v.sockets, the summary's order.
func (h *htmlReport) socketID(v *validation, s *capture.Socket) int {
	if s == h.lastSock {
		return h.lastID
	}
	for i := len(v.sockets) - 1; i >= 0; i-- {
		if v.sockets[i].sock == s {
			h.lastSock, h.lastID = s, i
			return i
		}
	}
	return -1
}

// finishHTML writes the report of a run that ended with code, and returns
// the run's exit code: code, or exitUsage when the report cannot be
// written.
func (v *validation) finishHTML(code int) int {
	h := v.html
	if h == nil {
		return code
	}
	if code == exitUsage {
		fmt.Fprintf(v.stderr, "wsbind validate: the run failed: %s not written\n", h.path)
		return code
	}
	if err := h.write(v.htmlMeta()); err != nil {
		fmt.Fprintf(v.stderr, "wsbind validate: writing the HTML report: %v\n", err)
		return exitUsage
	}
	return code
}

// write writes the report to a temporary file beside h.path, then renames
// it into place.
func (h *htmlReport) write(m htmlreport.Meta) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(h.path), "."+filepath.Base(h.path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = h.col.Write(tmp, m); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), h.path)
}

// htmlMeta converts the run's summary for the report.
func (v *validation) htmlMeta() htmlreport.Meta {
	s := &v.sum
	m := htmlreport.Meta{
		Title: "wsbind validate report", Files: v.html.files, ShowValues: v.showValues,
		Summary: htmlreport.Summary{
			Frames: s.Frames, Valid: s.Valid, Noted: s.Noted, Invalid: s.Invalid,
			SkippedBinary: s.SkippedBinary, SkippedOther: s.SkippedOther, NotValidated: s.NotValidated,
			InputErrors: s.InputErrors,
		},
	}
	for _, msg := range s.Messages {
		m.Messages = append(m.Messages, htmlreport.MessageKey{Provider: msg.Provider, Direction: msg.Direction, Message: msg.Message})
	}
	for _, so := range s.Sockets {
		m.Sockets = append(m.Sockets, htmlreport.Socket{File: so.File, Line: so.Line, URL: so.URL, Provider: so.Provider, Frames: so.Frames})
	}
	place := func(d driftJSON) htmlreport.Place {
		return htmlreport.Place{Provider: d.Provider, Direction: d.Direction, Message: d.Message, Pointer: d.Pointer, Count: d.Count}
	}
	if s.Drift != nil {
		d := &htmlreport.Drift{MoreDrift: s.MoreDrift}
		for _, p := range *s.Drift {
			d.Undeclared = append(d.Undeclared, place(p))
		}
		for _, kind := range kindOrder(s.DriftByKind) {
			kj := s.DriftByKind[kind]
			if kj == nil {
				kj = &kindJSON{}
			}
			k := htmlreport.Kind{Name: kind, Count: kj.Count, MoreItems: kj.MoreItems, MoreCount: kj.MoreCount, Uncounted: kj.Uncounted}
			for _, it := range kj.Items {
				k.Items = append(k.Items, place(it))
			}
			d.Kinds = append(d.Kinds, k)
		}
		m.Drift = d
	}
	if c := s.Coverage; c != nil {
		cov := &htmlreport.Coverage{MoreDeprecated: c.MoreDeprecated, DeprecatedUncounted: c.DeprecatedUncounted}
		for _, u := range c.Unseen {
			cov.Unseen = append(cov.Unseen, htmlreport.Unseen{Provider: u.Provider, Direction: u.Direction, Seen: u.Seen, Total: u.Total, Messages: u.Messages})
		}
		for _, o := range c.OptionalNeverFilled {
			cov.Optional = append(cov.Optional, htmlreport.Optional{Provider: o.Provider, Message: o.Message, Pointers: o.Pointers})
		}
		for _, d := range c.DeprecatedSeen {
			cov.Deprecated = append(cov.Deprecated, htmlreport.Deprecated{Item: d.Item, Provider: d.Provider, Direction: d.Direction, Message: d.Message, Pointer: d.Pointer, Count: d.Count})
		}
		m.Coverage = cov
	}
	return m
}
