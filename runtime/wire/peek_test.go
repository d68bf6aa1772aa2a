package wire

import (
	"testing"

	"github.com/go-faster/jx"
	"github.com/google/go-cmp/cmp"
)

// member is what a walk reports: a key and, when the value is a string,
// its unescaped text.
type member struct {
	Key, Str string
	IsStr    bool
}

// jxMembers is the model: the top-level members of b as jx reads them, or
// ok=false when b is not one well-formed object.
func jxMembers(b []byte) (out []member, ok bool) {
	if jx.DecodeBytes(b).Validate() != nil || jx.DecodeBytes(b).Next() != jx.Object {
		return nil, false
	}
	err := jx.DecodeBytes(b).ObjBytes(func(d *jx.Decoder, key []byte) error {
		m := member{Key: string(key)}
		if d.Next() == jx.String {
			s, err := d.Str()
			if err != nil {
				return err
			}
			m.Str, m.IsStr = s, true
		} else if err := d.Skip(); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err == nil
}

func walk(p Peek) []member {
	var out []member
	for p.Next() {
		m := member{Key: string(p.Key())}
		if s, ok := p.Str(); ok {
			m.Str, m.IsStr = string(s), true
		}
		out = append(out, m)
	}
	return out
}

var peekSeeds = []string{
	`{}`,
	` { "a" : "x" , "b":1,"c":[1,{"d":"}"}],"e":{"f":"]\"["},"g":null,"h":true} `,
	`{"type":"data","payload":{"type":"inner"},"type":"last"}`,
	`{"k\u0065y":"v\u00e9\n","\\":"\\\\","q":"\"","":""}`,
	`{"a":"\\"}`,
	`{"n":-1.5e3,"s":"\ud83d\ude00","t":"x"}`,
	`{"a":[],"b":{},"c":[[[]]],"type":"message"}`,
	`{"a":1,"type":5}`,
	`{"a":1,"type":"x" }` + "\n",
	`{"type":"x\\","type":"y"}`,
	`[{"type":"x"}]`,
	`{"a":"unterminated}`,
	`{"a":{"b":1}`,
	`{"a" "b"}`,
	`{"type":"x"}}`,
	`"type"`,
	``,
}

func checkPeek(t *testing.T, b []byte) {
	want, ok := jxMembers(b)
	got := walk(PeekObject(b))
	if !ok {
		return // malformed: any walk will do, as long as it ends without panicking
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("PeekObject(%q) (-jx +peek):\n%s", b, diff)
	}
	// PeekLast visits the last member alone when it is "type" with a
	// string value, else the whole object.
	last := walk(PeekLast(b, "type"))
	if n := len(want); n > 0 && want[n-1].Key == "type" && want[n-1].IsStr {
		want = want[n-1:]
	}
	if len(last) == 1 && len(want) > 1 {
		t.Fatalf("PeekLast(%q) = %v, want the whole object %v", b, last, want)
	}
	if len(last) > 1 && len(want) == 1 {
		t.Fatalf("PeekLast(%q) walked the whole object; the last member alone was enough", b)
	}
	if diff := cmp.Diff(want[len(want)-len(last):], last); diff != "" {
		t.Fatalf("PeekLast(%q) (-jx +peek):\n%s", b, diff)
	}
}

func TestPeekAgreesWithJX(t *testing.T) {
	for _, s := range peekSeeds {
		checkPeek(t, []byte(s))
	}
}

func FuzzPeek(f *testing.F) {
	for _, s := range peekSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkPeek(t, b) })
}

func TestPeekLastReadsOnlyTheEnd(t *testing.T) {
	frame := []byte(`{"payload":{"a":[1,2,3]},"id":"1","type":"data"}`)
	p := PeekLast(frame, "type")
	if !p.Next() || string(p.Key()) != "type" {
		t.Fatalf("first member: %q", p.Key())
	}
	if start := len(frame) - len(p.b); start != len(`{"payload":{"a":[1,2,3]},"id":"1",`) {
		t.Fatalf("walk started at %d, not at the last member", start)
	}
}

func TestTextSharesTheFrame(t *testing.T) {
	frame := []byte(`{"a":"hello","b":"w\u00f6rld","c":"x"}`)
	s := GetScope()
	defer PutScope(s)
	s.SetFrame(frame)
	var got []string
	allocs := testing.AllocsPerRun(10, func() {
		s.SetFrame(frame)
		got = got[:0]
		_ = jx.DecodeBytes(frame).ObjBytes(func(d *jx.Decoder, key []byte) error {
			b, err := d.StrBytes()
			got = append(got, s.Text(key), s.Text(b))
			return err
		})
	})
	if diff := cmp.Diff([]string{"a", "hello", "b", "wörld", "c", "x"}, got); diff != "" {
		t.Fatal(diff)
	}
	// One string for the frame, one for the escaped value; the decoder
	// itself allocates the rest.
	if allocs > 4 {
		t.Errorf("%v allocations per frame", allocs)
	}
	frame[6] = 'J' // strings must not change when the frame's buffer is reused
	if got[1] != "hello" {
		t.Errorf("text aliases the frame: %q", got[1])
	}
	if s.Text([]byte("hello")) != "hello" {
		t.Error("bytes outside the frame")
	}
}
