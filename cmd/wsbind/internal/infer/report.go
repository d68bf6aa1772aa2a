package infer

import (
	"fmt"
	"io"
	"strings"
)

// Report says what infer found and guessed.
type Report struct {
	Stats       Stats
	MinRequired int
	Messages    []MessageReport
	Replies     []string
	Lifted      []string
	Merge       []string // changes --merge made
}

// MessageReport is one message's part of the report.
type MessageReport struct {
	Name      string
	Direction string
	Frames    int
	Fields    int
	Refused   int // places past the per-message bound, left undeclared
	How       string
	Notes     []string
	Open      bool
}

// maxNotesPerMessage bounds the report for a message with many fields.
const maxNotesPerMessage = 12

// Write prints the summary.
func (r *Report) Write(w io.Writer) {
	s := r.Stats
	fmt.Fprintf(w, "read %s in %s: %d JSON", plural(s.Frames, "text frame"), plural(s.Sockets, "socket"), s.JSON)
	if s.NonJSON > 0 {
		fmt.Fprintf(w, ", %d not JSON (skipped)", s.NonJSON)
	}
	if s.Binary > 0 {
		fmt.Fprintf(w, ", %s skipped", plural(s.Binary, "binary frame"))
	}
	if s.BinarySocks > 0 {
		fmt.Fprintf(w, " (%s with binary frames only)", plural(s.BinarySocks, "socket"))
	}
	if s.Undescribed > 0 {
		fmt.Fprintf(w, "; %d of new kinds past %d messages per channel and direction not described", s.Undescribed, maxMessages)
	}
	fmt.Fprintln(w)
	n := 0
	for _, m := range r.Messages {
		if !m.Open {
			n++
		}
	}
	fmt.Fprintf(w, "found %s (a field is required once present in all of at least %d samples):\n", plural(n, "message"), r.MinRequired)
	for _, m := range r.Messages {
		if m.Open {
			fmt.Fprintf(w, "  %-6s %s: %s\n", m.Direction, m.Name, m.How)
			continue
		}
		fmt.Fprintf(w, "  %-6s %s: %s, %s; %s\n", m.Direction, m.Name, plural(m.Frames, "frame"), plural(m.Fields, "field"), m.How)
		if m.Refused > 0 {
			fmt.Fprintf(w, "      %d new places past %d per message left undeclared\n", m.Refused, maxNodes)
		}
		for i, note := range m.Notes {
			if i == maxNotesPerMessage {
				fmt.Fprintf(w, "      (+%d more guesses)\n", len(m.Notes)-i)
				break
			}
			fmt.Fprintf(w, "      %s\n", note)
		}
	}
	if len(r.Replies) > 0 {
		fmt.Fprintln(w, "request/reply, by an echoed id:")
		for _, l := range r.Replies {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	if len(r.Lifted) > 0 {
		fmt.Fprintf(w, "shared schemas lifted into components/schemas: %s\n", strings.Join(r.Lifted, ", "))
	}
	if len(r.Merge) > 0 {
		fmt.Fprintln(w, "merge: changes to the existing document:")
		for _, l := range r.Merge {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}
