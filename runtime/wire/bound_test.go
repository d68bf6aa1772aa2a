package wire

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/go-faster/jx"
)

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc…(+3 bytes)"},
		{"aé", 2, "a…(+2 bytes)"}, // never splits a character
	} {
		if got := Clip(tt.in, tt.max); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestCheckUTF8(t *testing.T) {
	if _, bad := checkUTF8([]byte(`{"a":"é"}`)); bad {
		t.Error("valid UTF-8 reported")
	}
	v, bad := checkUTF8([]byte("{\"a\":\"é\xff\"}"))
	if !bad || v.Pointer != "" || v.Keyword != KeywordUTF8 || v.Message != "invalid UTF-8 at byte offset 8" {
		t.Errorf("got %+v %v", v, bad)
	}
}

func TestSyntaxErrorQuotesNothing(t *testing.T) {
	decode := func(frame string) error {
		d := jx.DecodeStr(frame)
		if err := d.Validate(); err != nil {
			return syntaxError(err)
		}
		return nil
	}
	deep := decode(strings.Repeat("[", 20000) + strings.Repeat("]", 20000))
	if deep == nil || deep.Error() != "nested deeper than 10000 levels" {
		t.Errorf("deep: %v", deep)
	}
	bad := decode(`{"a":tSECRET}`)
	if bad == nil || strings.Contains(bad.Error(), "S") || !strings.Contains(bad.Error(), "offset") {
		t.Errorf("bad byte: %v", bad)
	}
	eof := decode(`{"a":"SECRET`)
	if eof == nil || strings.Contains(eof.Error(), "SECRET") || !errors.Is(eof, io.ErrUnexpectedEOF) {
		t.Errorf("eof: %v", eof)
	}
	long := Violation{Pointer: "/" + strings.Repeat("k", 10000), Keyword: "additionalProperties", Message: "property not allowed"}
	if n := len(long.String()); n > MaxPointerText+MaxMessageText+64 {
		t.Errorf("Violation.String is %d bytes", n)
	}
}
