package wire

import "github.com/go-faster/jx"

// Notes about open sets: values and variants the spec declares open
// (x-extensible-enum, x-wsbind-open) are valid when unknown, and noted, so
// a provider's new topic or event type is drift, not broken traffic.
const (
	// NoteUnknownValue: a value an open enum (x-extensible-enum) does not
	// list. The value is kept as it is.
	NoteUnknownValue = "unknown-value"
	// NoteUnknownVariant: a discriminator value no message or branch of an
	// open set lists; the frame went to the set's catch-all (x-wsbind-open).
	NoteUnknownVariant = "unknown-variant"
)

// maxKnownText bounds the list of known values a note repeats: a long
// list (Astro's topics) would drown the report.
const maxKnownText = 120

// UnknownValue notes a value outside an open enum's known ones. key names
// the property when s does not point at it yet ("" when it does); known
// lists the values the spec knows, quoted.
func UnknownValue(s *Scope, key, known string) {
	if key != "" {
		s.Push(key)
		defer s.Pop()
	}
	if len(known) > maxKnownText {
		s.Note(NoteUnknownValue, "not one of the values the spec knows; kept as it is")
		return
	}
	s.Note(NoteUnknownValue, "not one of the values the spec knows ("+known+"); kept as it is")
}

// UnknownVariant notes a discriminator value at key that no variant of
// the set lists; into names the catch-all that took the frame.
func UnknownVariant(s *Scope, key, into string) {
	s.NoteAt(key, NoteUnknownVariant, key+" is none of the values the spec knows; taken as "+into)
}

// OpenEnum decodes a string of an open enum. A value known reports false
// for is kept and noted (unknown-value); list names the known values.
func OpenEnum(d *jx.Decoder, s *Scope, key string, known func(string) bool, list string) (string, error) {
	if d.Next() != jx.String {
		return "", s.mismatchAt(d, key, "string")
	}
	b, err := d.StrBytes()
	if err != nil {
		return "", err
	}
	v := s.Text(b)
	if !known(v) {
		UnknownValue(s, key, list)
	}
	return v, nil
}
