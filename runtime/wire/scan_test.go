package wire

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func lone(ptr string) Note {
	return Note{Pointer: ptr, Kind: NoteLoneSurrogate, Message: loneSurrogateMessage}
}
func loneKey(ptr string) Note {
	return Note{Pointer: ptr, Kind: NoteLoneSurrogate, Message: loneSurrogateKeyMessage}
}
func dup(ptr string) Note {
	return Note{Pointer: ptr, Kind: NoteDuplicateKey, Message: duplicateKeyMessage}
}

func TestScanNotes(t *testing.T) {
	manyKeys := func(n int, dupAt string) string {
		var b strings.Builder
		b.WriteString(`{`)
		for i := 0; i < n; i++ {
			b.WriteString(`"k` + strings.Repeat("x", i) + `":1,`)
		}
		b.WriteString(`"` + dupAt + `":2}`)
		return b.String()
	}
	tests := []struct {
		name  string
		frame string
		dups  bool
		want  []Note
	}{
		{"plain", `{"a":"x","b":[1,true,null,{"c":"d"}]}`, false, nil},
		{"pair", `{"a":"\ud83d\ude00"}`, false, nil},
		{"pair upper case", `{"a":"x\uD83D\uDE00y"}`, false, nil},
		{"pair mixed case", `{"a":"\uD83d\uDe00"}`, false, nil},
		{"non-surrogate escapes", `{"a":"\u00e9\n\"\\\/\u20AC\ud7ff\ue000"}`, false, nil},
		{"lone high", `{"a":"x\ud800y"}`, false, []Note{lone("/a")}},
		{"lone high at end", `{"a":"\udbff"}`, false, []Note{lone("/a")}},
		{"lone low", `{"a":"\udc00"}`, false, []Note{lone("/a")}},
		{"lone low after text", `{"a":"x\udfff"}`, false, []Note{lone("/a")}},
		{"low before high", `{"a":"\udc00\ud800"}`, false, []Note{lone("/a")}},
		{"high then non-low escape", `{"a":"\ud800\u0041"}`, false, []Note{lone("/a")}},
		{"high then other escape", `{"a":"\ud800\n"}`, false, []Note{lone("/a")}},
		{"high then high then low", `{"a":"\ud800\ud800\udc00"}`, false, []Note{lone("/a")}},
		{"high then text low", `{"a":"\ud800udc00"}`, false, []Note{lone("/a")}},
		{"upper-case lone high", `{"a":"\uD800"}`, false, []Note{lone("/a")}},
		{"upper-case lone low", `{"a":"\uDFFF"}`, false, []Note{lone("/a")}},
		{"mixed-case lone", `{"a":"\uDbFf"}`, false, []Note{lone("/a")}},
		{"escaped backslash", `{"a":"\\ud800"}`, false, nil},
		{"escaped backslash then escape", `{"a":"\\\ud800"}`, false, []Note{lone("/a")}},
		{"two in one string", `{"a":"\ud800 \udc00 \ud800"}`, false, []Note{lone("/a")}},
		{"whole frame", `"\ud800"`, false, []Note{lone("")}},
		{"top array", `["\ud800", "ok", "\ud83d\ude00", "\udc00"]`, false, []Note{lone("/0"), lone("/3")}},
		{"nested", `{"a":[1,{"b":["x","\ud800"]}],"c":{"d":{"e":"\udc01"}}}`, false, []Note{lone("/a/1/b/1"), lone("/c/d/e")}},
		{"nested arrays", `[[],[[1,"\ud800"]],[{},{"x":["\ud800"]}]]`, false, []Note{lone("/1/0/1"), lone("/2/1/x/0")}},
		{"after empty containers", `{"a":{},"b":[],"c":[{}],"d":"\ud800"}`, false, []Note{lone("/d")}},
		{"white space", " {\n\t\"a\" :\r [ 1 , \"\\ud800\" ] \n} ", false, []Note{lone("/a/1")}},
		{"keys with ~ and /", `{"a/b":{"c~d":"\udfff","~1":["\ud800"]}}`, false, []Note{lone("/a~1b/c~0d"), lone("/a~1b/~01/0")}},
		{"escaped key", `{"a\/b\u007e":"\ud800"}`, false, []Note{lone("/a~1b~0")}},
		{"lone key", `{"k\ud800":1}`, false, []Note{loneKey("/k\uFFFD")}},
		{"lone key nested", `{"a":[{"ok":1,"\udc00x":{"y":"\ud800"}}]}`, false, []Note{loneKey("/a/0/\uFFFDx"), lone("/a/0/\uFFFDx/y")}},
		{"key pair is fine", `{"\ud83d\ude00":"\ud83d\ude00"}`, false, nil},
		{"scalars", `{"a":-1.5e3,"b":true,"c":null,"d":"\ud800"}`, false, []Note{lone("/d")}},

		{"duplicate unnoted", `{"a":1,"a":2}`, false, nil},
		{"duplicate", `{"a":1,"a":2}`, true, []Note{dup("/a")}},
		{"duplicate thrice", `{"a":1,"b":2,"a":3,"a":4}`, true, []Note{dup("/a"), dup("/a")}},
		{"duplicate nested", `{"x":[{"a":1,"a":{"b":1,"b":2}},{"a":3}]}`, true, []Note{dup("/x/0/a"), dup("/x/0/a/b")}},
		{"same key in sibling objects", `{"a":{"b":1},"c":{"b":2},"d":[{"b":1},{"b":1}]}`, true, nil},
		{"same key in parent and child", `{"a":{"a":{"a":1}}}`, true, nil},
		{"duplicate after child object", `{"a":{"b":1,"c":2},"b":1,"a":2}`, true, []Note{dup("/a")}},
		{"duplicate escaped", `{"a":1,"\u0061":2}`, true, []Note{dup("/a")}},
		{"duplicate with ~ and /", `{"x":{"a/b~":1,"a\/b~":2}}`, true, []Note{dup("/x/a~1b~0")}},
		{"case differs", `{"a":1,"A":2}`, true, nil},
		{"duplicate in big object", manyKeys(100, "kxxx"), true, []Note{dup("/kxxx")}},
		{"no duplicate in big object", manyKeys(100, "other"), true, nil},
		{"duplicate and lone", `{"a":"\ud800","a":1}`, true, []Note{lone("/a"), dup("/a")}},
		{"duplicate lone key", `{"\ud800":1,"\udc00":2}`, true, []Note{loneKey("/\uFFFD"), loneKey("/\uFFFD"), dup("/\uFFFD")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !json.Valid([]byte(tt.frame)) {
				t.Fatalf("test frame is not JSON: %s", tt.frame)
			}
			got := scanNotes([]byte(tt.frame), tt.dups, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scanNotes(%s) (-want +got):\n%s", tt.frame, diff)
			}
			for _, n := range got {
				if strings.Contains(n.Message, "\ufffd") || strings.Contains(n.Message, `\u`) {
					t.Errorf("message names the value: %q", n.Message)
				}
			}
		})
	}
}

// TestScanAppends checks that notes already found are kept, in front.
func TestScanAppends(t *testing.T) {
	prev := []Note{{Pointer: "/x", Kind: NoteDeprecated, Message: "m"}}
	got := scanNotes([]byte(`{"a":"\ud800"}`), false, prev)
	if diff := cmp.Diff([]Note{prev[0], lone("/a")}, got); diff != "" {
		t.Error(diff)
	}
	got = scanNotes([]byte(`{"a":"b"}`), true, prev)
	if diff := cmp.Diff(prev, got); diff != "" {
		t.Error(diff)
	}
}

func TestScanBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteString(`,`)
		}
		b.WriteString(`"\ud800"`)
	}
	b.WriteString(`]`)
	got := scanNotes([]byte(b.String()), false, nil)
	if len(got) != maxScanNotes || got[maxScanNotes-1].Pointer != "/31" {
		t.Errorf("%d notes, last %+v; want %d, last at /31", len(got), got[len(got)-1], maxScanNotes)
	}
	prev := make([]Note, 5)
	if got := scanNotes([]byte(b.String()), false, prev); len(got) != 5+maxScanNotes {
		t.Errorf("%d notes after 5, want %d", len(got), 5+maxScanNotes)
	}
	keys := `{` + strings.Repeat(`"a":1,`, 1000) + `"a":1}`
	if got := scanNotes([]byte(keys), true, nil); len(got) != maxScanNotes {
		t.Errorf("%d duplicate notes, want %d", len(got), maxScanNotes)
	}
}

func TestScanDeep(t *testing.T) {
	deep := strings.Repeat(`[`, maxScanDepth+10) + `"\ud800"` + strings.Repeat(`]`, maxScanDepth+10)
	if got := scanNotes([]byte(deep), false, nil); len(got) != 0 {
		t.Errorf("walked past maxScanDepth: %d notes", len(got))
	}
	ok := strings.Repeat(`{"a":`, 100) + `"\ud800"` + strings.Repeat(`}`, 100)
	got := scanNotes([]byte(ok), false, nil)
	if want := strings.Repeat("/a", 100); len(got) != 1 || got[0].Pointer != want {
		t.Errorf("got %+v, want one note at %s", got, want)
	}
}

// TestScanMalformed: the walk stops without panicking; Check reports the
// syntax error. Notes before the fault may be reported.
func TestScanMalformed(t *testing.T) {
	for _, f := range []string{
		``, ` `, `{`, `[`, `"`, `"\`, `"\u`, `"\ud8`, `"\ud800\`, `"\ud800\u`, `"\ud800\udc`,
		`{"a"`, `{"a":`, `{"a":}`, `{"a" 1}`, `{a:1}`, `{"a":1,}`, `{"a":1,"a"`, `[1,]`, `[,]`, `{]`, `[}`,
		`]]]`, `}}`, `:::`, `,`, `{"a":1}}`, `{"\ud800`, `{"\ud800"`, `{"\x":1}`, `{"\u00zz":1,"\u00zz":1}`,
		`["\ud800" "\ud800"]`, `[1 2]`, "[\"\xff\xfe\\ud800\"]",
	} {
		for _, dups := range []bool{false, true} {
			if got := scanNotes([]byte(f), dups, nil); len(got) > maxScanNotes {
				t.Errorf("%q: %d notes", f, len(got))
			}
		}
	}
}

// TestDuplicateMessage holds the scan's duplicate-key note to the one
// Scope.Forget makes for the generated decoders.
func TestDuplicateMessage(t *testing.T) {
	s := GetScope()
	defer PutScope(s)
	s.lastWins = true
	s.Push("x")
	s.PushIndex(0)
	s.Forget("a/b~")
	got := scanNotes([]byte(`{"x":[{"a/b~":1,"a/b~":2}]}`), true, nil)
	if diff := cmp.Diff(s.Notes, got); diff != "" {
		t.Errorf("scan and Scope.Forget differ (-Forget +scan):\n%s", diff)
	}
}

func TestHasLoneSurrogate(t *testing.T) {
	for in, want := range map[string]bool{
		``: false, `\`: false, `\u`: false, `\ud800`: true, `\ud80`: false, `\udc00`: true,
		`\ud800\udc00`: false, `\ud800\udc0`: true, `\ud800\\udc00`: true, `\\ud800`: false,
		`\\\ud800`: true, `\uD800\uDC00`: false, `\uDBFF\uDFFF`: false, `\uDBFF\uE000`: true,
		`\ud7ff`: false, `\ue000`: false, `\uzzzz\udc00`: true, `\u\ud800`: true,
	} {
		if got := hasLoneSurrogate([]byte(in)); got != want {
			t.Errorf("hasLoneSurrogate(%s) = %v, want %v", in, got, want)
		}
	}
}

// refDuplicates lists the pointers of repeated keys in frame, one per
// occurrence after the first, as encoding/json's tokenizer sees them.
func refDuplicates(frame []byte) ([]string, bool) {
	type level struct {
		obj       bool
		index     int
		key       string
		keys      map[string]bool
		expectKey bool
	}
	var stack []*level
	var out []string
	pointer := func() string {
		var b strings.Builder
		for _, l := range stack {
			b.WriteByte('/')
			if l.obj {
				b.WriteString(EscapePointer(l.key))
			} else {
				b.WriteString(strconv.Itoa(l.index))
			}
		}
		return b.String()
	}
	done := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.obj {
			top.expectKey = true
		} else {
			top.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, true
		}
		if err != nil {
			return nil, false
		}
		if len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].expectKey {
			top := stack[len(stack)-1]
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				done()
				continue
			}
			k, _ := tok.(string)
			top.key, top.expectKey = k, false
			if top.keys[k] {
				out = append(out, pointer())
			}
			top.keys[k] = true
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{obj: true, keys: map[string]bool{}, expectKey: true})
		case json.Delim('['):
			stack = append(stack, &level{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			done()
		}
	}
}

// validPointer reports whether p is an RFC 6901 JSON pointer.
func validPointer(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '~' && (i+1 >= len(p) || (p[i+1] != '0' && p[i+1] != '1')) {
			return false
		}
	}
	return true
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		`{"a":"\ud800","b":[1,{"c":"\udc00"}],"a":2}`,
		`{"a/b":{"c~d":"\udfff"},"\u0061/b":1}`,
		`["\ud83d\ude00","\uD83D","\\ud800",{"k\ud800":{}}]`,
		`{"x":[{"a":1,"a":{"b":1,"b":2}},{"a":3}]}`,
		`"\ud800\ud800\udc00"`,
		`{"a":`, `[[[[`, `{"a":1,}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		for _, dups := range []bool{false, true} {
			notes := scanNotes(frame, dups, nil)
			if len(notes) > maxScanNotes {
				t.Fatalf("%d notes", len(notes))
			}
			nLone, nDup := 0, 0
			for _, n := range notes {
				if !validPointer(n.Pointer) {
					t.Fatalf("bad pointer %q", n.Pointer)
				}
				switch n.Kind {
				case NoteLoneSurrogate:
					nLone++
				case NoteDuplicateKey:
					nDup++
				default:
					t.Fatalf("kind %q", n.Kind)
				}
			}
			if nDup > 0 && !dups {
				t.Fatal("duplicate notes without dups")
			}
			if nLone > 0 && !hasLoneSurrogate(frame) {
				t.Fatal("lone-surrogate note past a negative precheck")
			}
			if !json.Valid(frame) || len(notes) == maxScanNotes {
				continue
			}
			if (nLone > 0) != hasLoneSurrogate(frame) {
				t.Fatalf("%d lone-surrogate notes, precheck says %v", nLone, hasLoneSurrogate(frame))
			}
			// Keys are compared as jx unescapes them, which is how
			// encoding/json does for valid UTF-8 without lone surrogates.
			if !dups || !utf8.Valid(frame) || hasLoneSurrogate(frame) {
				continue
			}
			want, ok := refDuplicates(frame)
			if !ok {
				continue
			}
			var got []string
			for _, n := range notes {
				got = append(got, n.Pointer)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("duplicates of %q (-encoding/json +scan):\n%s", frame, diff)
			}
		}
	})
}

// scanBenchFrame is a chat-like frame of about 1.5 KB: three messages
// with their senders and badges, each message's text holding extra.
func scanBenchFrame(extra string) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"2026-03-20T10:15:00Z","type":"data","payload":{"data":{"messages":[`)
	for i := 0; i < 3; i++ {
		if i > 0 {
			b.WriteString(`,`)
		}
		b.WriteString(`{"__typename":"ChatText","id":"0c6f2a8e-5d3b-4f1a-9e27-6b8c1d4f3a9` + strconv.Itoa(i) + `",` +
			`"content":"Hello everyone, good to see you all here tonight` + extra + `!","createdAt":"1742465700000",` +
			`"sender":{"id":"user:1234` + strconv.Itoa(i) + `","username":"viewer_` + strconv.Itoa(i) + `","displayname":"Viewer ` + strconv.Itoa(i) + `",` +
			`"avatar":"https://images.example.com/avatar/default/0c6f2a8e-5d3b-4f1a.png","partnerStatus":"NONE",` +
			`"badges":["subscriber","moderator"],"effect":null,"roomRole":"Member","subscribing":true},` +
			`"emojis":[0,5,17],"role":"None","subLength":12,"flags":{"highlighted":false,"deleted":false}}`)
	}
	b.WriteString(`]}}}`)
	return []byte(b.String())
}

// BenchmarkScanNotes measures what Check adds per frame: plain is the
// common case, the precheck alone; pairs has escaped emoji, which the
// precheck reads and finds paired; lone and dups walk the frame.
func BenchmarkScanNotes(b *testing.B) {
	for _, bc := range []struct {
		name  string
		frame []byte
		dups  bool
	}{
		{"plain", scanBenchFrame(""), false},
		{"pairs", scanBenchFrame(` \ud83d\ude00`), false},
		{"lone", scanBenchFrame(` \ud83d`), false},
		{"dups", scanBenchFrame(""), true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if !json.Valid(bc.frame) {
				b.Fatal("frame is not JSON")
			}
			b.SetBytes(int64(len(bc.frame)))
			b.ReportAllocs()
			var notes []Note
			for i := 0; i < b.N; i++ {
				notes = scanNotes(bc.frame, bc.dups, notes[:0])
			}
		})
	}
}
