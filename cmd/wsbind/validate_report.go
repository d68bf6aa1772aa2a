package main

import (
	"strconv"
	"unicode/utf8"

	"github.com/wsbind/wsbind/runtime/wire"
)

// The per-frame report is written by hand, not by encoding/json or fmt: on
// a large capture reflection and formatting cost as much as reading the
// envelopes. The bytes are the same: appendFrameJSON writes what
// json.Encoder with SetEscapeHTML(false) writes for a *frameJSON (a test
// holds the two to each other, field by field), appendFrameText what
// the Fprintf calls it replaces wrote.

// appendFrameJSON appends rep as one line of --format json, its newline
// included.
func appendFrameJSON(b []byte, rep *frameJSON) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(rep.Index), 10)
	b = append(b, `,"file":`...)
	b = appendJSONString(b, rep.File)
	b = append(b, `,"line":`...)
	b = strconv.AppendInt(b, int64(rep.Line), 10)
	b = append(b, `,"provider":`...)
	b = appendJSONString(b, rep.Provider)
	b = append(b, `,"direction":`...)
	b = appendJSONString(b, rep.Direction)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, rep.Message)
	b = append(b, `,"valid":`...)
	b = strconv.AppendBool(b, rep.Valid)
	if rep.Skipped != "" {
		b = append(b, `,"skipped":`...)
		b = appendJSONString(b, rep.Skipped)
	}
	if rep.Malformed != "" {
		b = append(b, `,"malformed":`...)
		b = appendJSONString(b, rep.Malformed)
	}
	if rep.Error != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, rep.Error)
	}
	b = append(b, `,"errors":`...)
	if rep.Errors == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, e := range rep.Errors {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"pointer":`...)
			b = appendJSONString(b, e.Pointer)
			b = append(b, `,"keyword":`...)
			b = appendJSONString(b, e.Keyword)
			b = append(b, `,"message":`...)
			b = appendJSONString(b, e.Message)
			if e.Value != nil {
				b = append(b, `,"value":`...)
				b = appendJSONString(b, *e.Value)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if rep.MoreErrors != 0 {
		b = append(b, `,"moreErrors":`...)
		b = strconv.AppendInt(b, int64(rep.MoreErrors), 10)
	}
	if rep.Drift != nil {
		b = append(b, `,"drift":`...)
		b = appendJSONStrings(b, *rep.Drift)
	}
	if rep.MoreDrift != 0 {
		b = append(b, `,"moreDrift":`...)
		b = strconv.AppendInt(b, int64(rep.MoreDrift), 10)
	}
	b = append(b, `,"notes":`...)
	if rep.Notes == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, n := range rep.Notes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"pointer":`...)
			b = appendJSONString(b, n.Pointer)
			b = append(b, `,"kind":`...)
			b = appendJSONString(b, n.Kind)
			b = append(b, `,"message":`...)
			b = appendJSONString(b, n.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if rep.MoreNotes != 0 {
		b = append(b, `,"moreNotes":`...)
		b = strconv.AppendInt(b, int64(rep.MoreNotes), 10)
	}
	return append(b, "}\n"...)
}

// appendJSONStrings appends ss as a JSON array; nil is null.
func appendJSONStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString appends s quoted as encoding/json quotes a string with
// HTML escaping off: '"' and '\\' escaped, control characters as \b, \f,
// \n, \r, \t or \u00XX, each byte of invalid UTF-8 as \ufffd, and U+2028
// and U+2029 as \u2028 and \u2029.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFrameText appends rep as the text report's lines for one frame.
func appendFrameText(b []byte, rep *frameJSON) []byte {
	b = append(b, rep.File...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(rep.Line), 10)
	b = append(b, " #"...)
	b = strconv.AppendInt(b, int64(rep.Index), 10)
	b = append(b, ' ')
	b = append(b, rep.Direction...)
	switch {
	case rep.Skipped != "":
		b = append(b, " ("...)
		b = append(b, rep.Skipped...)
		return append(b, ") skipped\n"...)
	case rep.Valid && len(rep.Notes) > 0:
		b = append(b, ' ')
		b = append(b, rep.Message...)
		b = append(b, " ok, with notes\n"...)
	case rep.Valid:
		b = append(b, ' ')
		b = append(b, rep.Message...)
		b = append(b, " ok\n"...)
	default:
		b = append(b, ' ')
		b = append(b, rep.Message...)
		b = append(b, " INVALID\n"...)
	}
	if rep.Malformed != "" {
		b = append(b, "  malformed JSON: "...)
		b = append(b, rep.Malformed...)
		b = append(b, '\n')
	}
	if rep.Error != "" {
		b = append(b, "  "...)
		b = append(b, rep.Error...)
		b = append(b, '\n')
	}
	for _, e := range rep.Errors {
		b = append(b, "  "...)
		b = append(b, wire.Violation{Pointer: e.Pointer, Keyword: e.Keyword, Message: e.Message}.String()...)
		b = append(b, '\n')
		if e.Value != nil {
			b = append(b, "    value: "...)
			b = append(b, *e.Value...)
			b = append(b, '\n')
		}
	}
	if rep.MoreErrors > 0 {
		b = append(b, "  (+"...)
		b = append(b, count(rep.MoreErrors, "more violation")...)
		b = append(b, ")\n"...)
	}
	for _, n := range rep.Notes {
		b = append(b, "  note: "...)
		b = append(b, pointerOrFrame(n.Pointer)...)
		b = append(b, ": "...)
		b = append(b, n.Message...)
		b = append(b, " ("...)
		b = append(b, n.Kind...)
		b = append(b, ")\n"...)
	}
	if rep.MoreNotes > 0 {
		b = append(b, "  (+"...)
		b = append(b, count(rep.MoreNotes, "more note")...)
		b = append(b, ")\n"...)
	}
	return b
}
