package subject

import "testing"

func TestLookup(t *testing.T) {
	frame := []byte(`{"id":"01J","room":"a.b c","n":12.5,"ok":true,"nil":null,"o":{"x~y":{"a/b":"deep"}},` +
		`"list":[{"id":"first"},{"id":"second"}],"esc":"\u00e9\"q"}`)
	for ptr, want := range map[string]string{
		"/id": "01J", "/room": "a.b c", "/n": "12.5", "/ok": "true",
		"/o/x~0y/a~1b": "deep", "/list/0/id": "first", "/list/1/id": "second", "/esc": "é\"q",
	} {
		got, ok := Lookup(frame, ParsePointer(ptr))
		if !ok || got != want {
			t.Errorf("Lookup(%s) = %q, %v; want %q", ptr, got, ok, want)
		}
		if b, ok := Append([]byte("key:"), frame, ParsePointer(ptr)); !ok || string(b) != "key:"+want {
			t.Errorf("Append(key:, %s) = %q, %v; want %q", ptr, b, ok, "key:"+want)
		}
	}
	for _, ptr := range []string{"/missing", "/nil", "/o", "/list", "/list/2/id", "/list/01/id", "/id/x", "/list/x"} {
		if got, ok := Lookup(frame, ParsePointer(ptr)); ok {
			t.Errorf("Lookup(%s) = %q, want absent", ptr, got)
		}
		if b, ok := Append([]byte("key:"), frame, ParsePointer(ptr)); ok || string(b) != "key:" {
			t.Errorf("Append(key:, %s) = %q, %v; want absent and key: untouched", ptr, b, ok)
		}
	}
	if _, ok := Lookup([]byte(`{"id":`), ParsePointer("/id")); ok {
		t.Error("truncated frame: found a value")
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"":               "_",
		"room-1_A":       "room-1_A",
		"a.b":            "a_b",
		"*":              "_",
		">":              "_",
		"with space":     "with_space",
		"é":              "__",
		"tab\tnew\nline": "tab_new_line",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
		if got := string(SanitizeTail([]byte("wsbind."+in), len("wsbind."))); got != "wsbind."+want {
			t.Errorf("SanitizeTail(%q) = %q, want %q", "wsbind."+in, got, "wsbind."+want)
		}
	}
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'a'
	}
	if got := Sanitize(string(long)); len(got) != 128 {
		t.Errorf("a 300-byte value gives a %d-byte token", len(got))
	}
}

func BenchmarkLookup(b *testing.B) {
	frame := []byte(`{"id":"01JMFBZF7KSRDDXXV0EH7G8X6G","ts":"2025-02-19T15:07:17Z","type":"message","topic":"channel.tips","room":"5ad23dcc18fff500d78c5348","data":{"amount":4.2}}`)
	p := ParsePointer("/room")
	b.ReportAllocs()
	for b.Loop() {
		Lookup(frame, p)
	}
}
