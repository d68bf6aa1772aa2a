package wire

import (
	"errors"
	"strconv"
	"strings"
)

// Candidate is one message a frame may be when nothing in the frame's shape
// tells the messages apart: Decode decodes a whole frame as that message,
// recording violations in s.
type Candidate struct {
	Name   string
	Decode func(frame []byte, s *Scope) (Message, error)
}

// Pick decodes frame as each candidate and returns the one message whose
// schema the frame satisfies. Zero or several matches return nil with one
// violation at the frame naming the candidates (and, for zero, the
// violations of the one that came closest), so nothing is guessed. side
// is "server" or "client", for the text. Its error is set only for
// malformed JSON.
func Pick(frame []byte, s *Scope, side string, cands []Candidate) (Message, error) {
	var (
		got      Message
		matched  []string
		best     = -1
		kept     []Violation
		bestSkip []string
	)
	for i, c := range cands {
		sub := GetScope()
		sub.SetFrame(frame)
		sub.CollectDrift = s.CollectDrift
		m, err := c.Decode(frame, sub)
		if err != nil {
			PutScope(sub)
			return nil, err
		}
		vs := verdict(m, sub)
		switch {
		case len(vs) == 0:
			matched = append(matched, c.Name)
			if got == nil {
				got = m
				s.Drift = append(s.Drift, sub.Drift...)
				s.Notes = append(s.Notes, sub.Notes...)
				bestSkip = append(bestSkip[:0], sub.Skipped...)
			}
		case best < 0 || distance(vs) < distance(kept):
			best = i
			kept = append(kept[:0], vs...)
		}
		PutScope(sub)
	}
	switch len(matched) {
	case 1:
		s.Skipped = append(s.Skipped, bestSkip...)
		return got, nil
	case 0:
		s.Violate("oneOf", "matches none of the "+side+" messages "+candidateNames(cands)+"; closest is "+cands[best].Name)
		s.Violations = append(s.Violations, kept...)
	default:
		s.Violate("oneOf", "matches more than one "+side+" message: "+strings.Join(matched, ", ")+"; nothing in the frame tells them apart")
	}
	return nil, nil
}

// verdict is what Codec.Check would report for m: the decoder's
// violations, then Validate's, minus those under values the decoder
// skipped.
func verdict(m Message, s *Scope) []Violation {
	vs := s.Violations
	if err := m.Validate(); err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return append(vs, Violation{Keyword: "invalid", Message: err.Error()})
		}
		for _, v := range ve.Violations {
			if !Covered(s.Skipped, v.Pointer) {
				vs = append(vs, v)
			}
		}
	}
	return vs
}

// distance ranks how far a frame is from a candidate, to name the closest:
// a value of the wrong shape (type, missing or undeclared property) is
// farther than a value of the right shape that breaks a bound.
func distance(vs []Violation) int {
	n := 0
	for _, v := range vs {
		switch v.Keyword {
		case "type", "required", "additionalProperties", "oneOf", "anyOf":
			n += 2
		default:
			n++
		}
	}
	return n
}

func candidateNames(cands []Candidate) string {
	const most = 8 // a spec may have hundreds; the text stays short
	var b strings.Builder
	for i, c := range cands {
		if i == most {
			b.WriteString(" and " + strconv.Itoa(len(cands)-most) + " more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Name)
	}
	return b.String()
}
