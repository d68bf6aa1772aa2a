package wire

import (
	"strconv"
	"unicode/utf8"
)

// Leaf checks used by generated validators. Each reports at the scope's
// current position and never echoes the value, which may be a secret.

// CheckLength checks minLength/maxLength in characters; -1 means no bound.
func CheckLength(s *Scope, v string, min, max int) {
	n := utf8.RuneCountInString(v)
	if min >= 0 && n < min {
		s.Violate("minLength", "shorter than "+strconv.Itoa(min)+" characters")
	}
	if max >= 0 && n > max {
		s.Violate("maxLength", "longer than "+strconv.Itoa(max)+" characters")
	}
}

// CheckPattern checks a pattern.
func CheckPattern(s *Scope, v string, re *Pattern) {
	if !re.MatchString(v) {
		s.Violate("pattern", "does not match "+strconv.Quote(re.String()))
	}
}

// CheckFormat checks one of the formats the specs use.
func CheckFormat(s *Scope, v string, format string) {
	ok := true
	switch format {
	case "date-time":
		ok = IsDateTime(v)
	case "date":
		ok = IsDate(v)
	case "time":
		ok = IsTime(v)
	case "uri":
		ok = IsURI(v)
	}
	if !ok {
		s.Violate("format", "not a valid "+format)
	}
}

// CheckMinimum checks minimum.
func CheckMinimum(s *Scope, v, min float64) {
	if v < min {
		s.Violate("minimum", "less than "+strconv.FormatFloat(min, 'g', -1, 64))
	}
}

// CheckMaximum checks maximum.
func CheckMaximum(s *Scope, v, max float64) {
	if v > max {
		s.Violate("maximum", "greater than "+strconv.FormatFloat(max, 'g', -1, 64))
	}
}

// CheckItems checks minItems/maxItems; -1 means no bound.
func CheckItems(s *Scope, n, min, max int) {
	if min >= 0 && n < min {
		s.Violate("minItems", "fewer than "+strconv.Itoa(min)+" items")
	}
	if max >= 0 && n > max {
		s.Violate("maxItems", "more than "+strconv.Itoa(max)+" items")
	}
}

// Enum records a value outside its enum.
func Enum(s *Scope, allowed string) {
	s.Violate("enum", "not one of "+allowed)
}

// Const records a value other than its const.
func Const(s *Scope, want string) {
	s.Violate("const", "must be "+want)
}

// Finish turns the violations in s into a *ValidationError, or nil.
func Finish(s *Scope, typeName string) error {
	if len(s.Violations) == 0 {
		return nil
	}
	return &ValidationError{Type: typeName, Violations: append([]Violation(nil), s.Violations...)}
}
