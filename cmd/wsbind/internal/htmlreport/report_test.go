package htmlreport

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// write builds a report of frames and returns it.
func write(t *testing.T, o Options, m Meta, frames ...Frame) string {
	t.Helper()
	c := New(o)
	for i := range frames {
		c.Add(&frames[i])
	}
	var b bytes.Buffer
	if err := c.Write(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var chunkRE = regexp.MustCompile(`<script type="application/json" class="report-chunk">([^<]*)</script>`)

func TestReportFramesStayData(t *testing.T) {
	hostile := "</script><script>alert(1)</script><!-- \u2028 ]]>"
	frame := `{"` + hostile + `":"` + strings.ReplaceAll(hostile, `"`, `\"`) + `"}`
	show := func(b []byte) string { return string(b) }
	page := write(t, Options{Display: show}, Meta{Title: "<b>t</b>", Files: []string{"<i>f</i>"}, ShowValues: true},
		Frame{Index: 0, File: "</script>", Socket: -1, Provider: "p", Direction: "server", Message: "<m>", Valid: false,
			Violations: []Violation{{Pointer: "/" + hostile, Keyword: "type", Message: "</script>"}}, Data: []byte(frame)})
	if n, m := strings.Count(page, "<script"), strings.Count(page, "</script>"); n != 4 || m != 4 {
		t.Fatalf("%d <script and %d </script>: a frame ended a script element", n, m)
	}
	for _, bad := range []string{"<b>t", "<i>f", "<m>", "<!--", "\u2028"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	// The frame's text survives as data.
	ch := chunkRE.FindStringSubmatch(page)
	if ch == nil {
		t.Fatal("no chunk")
	}
	var bodies []struct {
		M [][5]any `json:"m"`
		B [][]any  `json:"b"`
	}
	if err := json.Unmarshal([]byte(ch[1]), &bodies); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || bodies[0].M[0][1] != "/"+hostile || !strings.Contains(bodies[0].B[1][1].(string), "</script><script>alert(1)") {
		t.Fatalf("the frame did not survive: %+v", bodies)
	}
}

func TestReportSaysWhatItLeftOut(t *testing.T) {
	var frames []Frame
	for i := range 50 {
		frames = append(frames, Frame{Index: i, Socket: -1, Provider: "p", Direction: "server", Message: "m", Valid: i != 40, Data: []byte(`{}`)})
	}
	page := write(t, Options{MaxFrames: 5}, Meta{}, frames...)
	for _, want := range []string{"keeps the bodies of 5 frames", "1 invalid, 0 with notes, 4 others", "Left out: 0 invalid, 0 with notes, 45 others"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	page = write(t, Options{}, Meta{}, frames...)
	if !strings.Contains(page, "All 50 frames are in this report.") {
		t.Error("a complete report does not say so")
	}
}

func TestBodiesAreJSONWhateverTheFrame(t *testing.T) {
	frames := []string{
		"{\"k\xff\x01\":\"v\xfe\u2028\",\"\\ud800\":[1,2,{\"a\":\"\\u0000\"}]}",
		`{"a":{"b":{"c":[[],{},[{}]]}}}`,
		"not json \x00 \xff",
		`{"dup":1,"dup":2}`,
		`"just a string"`,
		``,
		strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		`{"big":"` + strings.Repeat("\\u00e9<", maxDeferred) + `"}`,
	}
	for _, show := range []func([]byte) string{nil, func(b []byte) string { return string(b) }} {
		c := New(Options{Display: show, MaxLines: 50})
		for i, fr := range frames {
			f := Frame{Index: i, Socket: -1, Valid: i%2 == 0, Data: []byte(fr),
				Violations: []Violation{{Pointer: "/k\xff", Keyword: "\x01", Message: "m\"\\"}},
				Notes:      []Note{{Pointer: "/dup", Kind: "duplicate-key", Message: "x"}}}
			b, data := c.body(&f)
			if data != nil {
				b = c.appendLines(b, data)
			}
			if b = append(b, '}'); !json.Valid(b) {
				t.Errorf("frame %d: body is not JSON: %q", i, b)
			}
		}
	}
}
