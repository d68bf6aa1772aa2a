package jsonvalue

import (
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Length is the string length maxLength and minLength mean: code points,
// not bytes. An invalid UTF-8 byte counts as one, as in santhosh v5.
func Length(s string) int {
	return utf8.RuneCountInString(s)
}

// Format reports santhosh v5's draft-07 verdict for s under the named
// format by calling its own checker, so verdicts agree by construction.
// Unknown formats are annotations only and pass.
func Format(name, s string) bool {
	f, ok := jsonschema.Formats[name]
	return !ok || f(s)
}

// FormatKnown reports whether Format asserts name, so the generator can
// warn about formats that will never be checked.
func FormatKnown(name string) bool {
	_, ok := jsonschema.Formats[name]
	return ok
}
