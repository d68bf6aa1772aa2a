package htmlreport

import (
	"fmt"
	"strings"
	"testing"
)

func linesText(lines []bodyLine) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s%s", strings.Repeat("  ", l.depth), l.text)
		if l.value {
			fmt.Fprintf(&b, "  @%q", l.ptr)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestRenderBodyMasksValuesAndTagsPointers(t *testing.T) {
	frame := `{"type":"tip","a/b~c":{"n":1.50,"ok":true,"none":null},"list":[{"x":"secret"},[],{}],"e":""}`
	lines, more, ok := renderBody([]byte(frame), nil, 100)
	if !ok || more != 0 {
		t.Fatalf("ok %v, more %d", ok, more)
	}
	want := `{  @""
  "type": ‹string›,  @"/type"
  "a/b~c": {  @"/a~1b~0c"
    "n": ‹number›,  @"/a~1b~0c/n"
    "ok": ‹boolean›,  @"/a~1b~0c/ok"
    "none": null  @"/a~1b~0c/none"
  },
  "list": [  @"/list"
    {  @"/list/0"
      "x": ‹string›  @"/list/0/x"
    },
    [],  @"/list/1"
    {}  @"/list/2"
  ],
  "e": ‹string›  @"/e"
}
`
	if got := linesText(lines); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(linesText(lines), "secret") || strings.Contains(linesText(lines), "tip") {
		t.Fatal("a value shows through the mask")
	}
}

func TestRenderBodyShowsValuesThroughDisplay(t *testing.T) {
	display := func(b []byte) string { return "<" + string(b) + ">" }
	lines, _, ok := renderBody([]byte(`{"k":"</script>","n":12345678901234567890,"b":false}`), display, 100)
	if !ok {
		t.Fatal("not rendered")
	}
	got := linesText(lines)
	for _, want := range []string{`"k": <"</script>">,`, `"n": <12345678901234567890>,`, `"b": <false>`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in\n%s", want, got)
		}
	}
}

func TestRenderBodyBoundsAndRejects(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("1")
	}
	b.WriteString("]")
	lines, more, ok := renderBody([]byte(b.String()), nil, 10)
	if !ok || len(lines) != 10 || more != 1002-10 {
		t.Fatalf("ok %v, %d lines, %d more; want 10 and %d", ok, len(lines), more, 1002-10)
	}
	for _, bad := range []string{`{"a":`, `not json`, `{"a":1} x`, ``, `{"a" 1}`} {
		if _, _, ok := renderBody([]byte(bad), nil, 10); ok {
			t.Errorf("%q rendered as JSON", bad)
		}
	}
	long := strings.Repeat("k", 500)
	lines, _, _ = renderBody([]byte(`{"`+long+`":1}`), nil, 10)
	if len(lines[1].text) > maxKeyText+20 || lines[1].ptr != "/"+long {
		t.Errorf("a long key shows as %d bytes, pointer %d bytes", len(lines[1].text), len(lines[1].ptr))
	}
}
