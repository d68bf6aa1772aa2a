package wire

import (
	"strconv"

	"github.com/wsbind/wsbind/runtime/jsonvalue"
)

// Support for validators compiled from draft-07 schemas (gen/check): one
// function per schema node, func(*Scope, *jsonvalue.Value) bool, which
// reports violations to the Scope, or with a nil Scope only returns the
// verdict.

// CheckJSON parses data and checks it with a compiled validator. It
// returns the parse error, or the violations as a *ValidationError of
// type name, or nil.
func CheckJSON(data []byte, check func(*Scope, *jsonvalue.Value) bool, name string) error {
	v, err := jsonvalue.Parse(data)
	if err != nil {
		return &FrameError{Syntax: syntaxError(err)}
	}
	s := GetScope()
	defer PutScope(s)
	if !check(s, &v) && len(s.Violations) == 0 {
		// A verdict of false always reports why; never let it pass unsaid.
		s.Violate("", "invalid")
	}
	return Finish(s, name)
}

// Branch is one alternative of an anyOf or oneOf, as a compiled validator:
// it reports its violations to s and returns whether the value passed.
type Branch func(s *Scope) bool

// Closest reports that no branch of an anyOf or oneOf (keyword) matched.
// It runs every branch against s, keeps the violations of the one that
// came closest (fewest violations, first on a tie) and drops the rest, so
// the error says which alternative the value almost was, and why it is not.
// It runs only on the failure path; the verdict itself came from the
// branches' verdict-only runs.
func Closest(s *Scope, keyword string, branches ...Branch) {
	start := len(s.Violations)
	best, bestN := -1, 0
	var kept []Violation
	for i, b := range branches {
		b(s)
		got := s.Violations[start:]
		if best < 0 || len(got) < bestN {
			best, bestN = i, len(got)
			kept = append(kept[:0], got...)
		}
		s.Violations = s.Violations[:start]
	}
	s.Violate(keyword, "matches none of its "+strconv.Itoa(len(branches))+" branches; closest is branch "+strconv.Itoa(best))
	s.Violations = append(s.Violations, kept...)
}

// TooMany reports a oneOf value that matched more than one branch.
func TooMany(s *Scope, first, second int) {
	s.Violate("oneOf", "matches more than one branch: "+strconv.Itoa(first)+" and "+strconv.Itoa(second))
}

// Enter steps into property key, as Push does; on a nil Scope (a
// verdict-only run of a compiled validator) it does nothing. It returns s,
// so a call can enter and check in one expression.
func (s *Scope) Enter(key string) *Scope {
	if s != nil {
		s.Push(key)
	}
	return s
}

// EnterIndex steps into array element i; a no-op on a nil Scope.
func (s *Scope) EnterIndex(i int) *Scope {
	if s != nil {
		s.PushIndex(i)
	}
	return s
}

// Leave steps out of what Enter or EnterIndex stepped into; a no-op on a
// nil Scope.
func (s *Scope) Leave() {
	if s != nil {
		s.Pop()
	}
}

// CheckRaw checks raw JSON that a typed value holds (a field whose schema
// no Go type carries) with a compiled validator, reporting at s's current
// position. The decoder already checked that raw is JSON.
func CheckRaw(s *Scope, raw []byte, check func(*Scope, *jsonvalue.Value) bool) {
	if len(raw) == 0 {
		return // an optional value that is absent; a missing required one is the decoder's to report
	}
	v, err := jsonvalue.Parse(raw)
	if err != nil {
		s.Violate("type", "not a JSON value")
		return
	}
	if !check(s, &v) && len(s.Violations) == 0 {
		s.Violate("", "invalid")
	}
}
