package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestJSONLFramesFromAPipeArriveWithoutWaitingForABatch: a live recording
// piped into validate must see each frame as soon as its line is complete,
// not once a batch of them has piled up.
func TestJSONLFramesFromAPipeArriveWithoutWaitingForABatch(t *testing.T) {
	pr, pw := io.Pipe()
	got := make(chan string)
	done := make(chan error, 1)
	go func() {
		done <- Read(pr, "live.jsonl", Handler{Frame: func(f *Frame) error {
			got <- string(f.Data)
			return nil
		}})
	}()
	for i := range 3 {
		want := fmt.Sprintf(`{"n":%d}`, i)
		if _, err := fmt.Fprintf(pw, `{"type":"receive","data":%q}`+"\n", want); err != nil {
			t.Fatal(err)
		}
		select {
		case g := <-got:
			if g != want {
				t.Fatalf("frame %d: got %s, want %s", i, g, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("frame %d not delivered while the pipe stays open", i)
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestJSONLHandlerErrorReturnsAtOnceFromAnEndlessPipe: when the handler
// fails (validate's stdout closed, say), Read returns without waiting for
// input that may never end.
func TestJSONLHandlerErrorReturnsAtOnceFromAnEndlessPipe(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	boom := errors.New("boom")
	done := make(chan error, 1)
	go func() {
		done <- Read(pr, "live.jsonl", Handler{Frame: func(*Frame) error { return boom }})
	}()
	if _, err := io.WriteString(pw, "{\"type\":\"receive\",\"data\":\"x\"}\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("Read returned %v, want the handler's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still blocked on the pipe after its handler failed")
	}
}

// TestJSONLBatchesKeepEveryFrame reads more lines than several batches
// hold, with long and short frames mixed, and checks each frame's text and
// line, also after the handler has returned for later frames (each batch's
// frames stay intact until the batch is handed back).
func TestJSONLBatchesKeepEveryFrame(t *testing.T) {
	var in strings.Builder
	n := 5*batchFrames + 7
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("x", i%300))
		fmt.Fprintf(&in, "{\"type\":\"send\",\"data\":%q}\n", want[i])
		if i%50 == 0 {
			in.WriteString("\n") // a blank line: counted, never a frame
		}
	}
	var got []string
	var lines []int
	err := Read(strings.NewReader(in.String()), "big.jsonl", Handler{Frame: func(f *Frame) error {
		if f.Direction != "client" {
			return fmt.Errorf("line %d: direction %q", f.Line, f.Direction)
		}
		got = append(got, string(f.Data))
		lines = append(lines, f.Line)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d frames, want %d", len(got), n)
	}
	line := 0
	for i := range n {
		line++
		if got[i] != want[i] || lines[i] != line {
			t.Fatalf("frame %d at line %d: %.40s, want line %d: %.40s", i, lines[i], got[i], line, want[i])
		}
		if i%50 == 0 {
			line++
		}
	}
}

// harStartModel is the rule harHead implements, as a regular expression
// on the first 4096 bytes.
var harStartModel = regexp.MustCompile(`^\{\s*"log"\s*:\s*\{`)

// FuzzHARHead holds the byte-at-a-time sniff to the regular expression it
// replaced, with and without a byte order mark allowed.
func FuzzHARHead(f *testing.F) {
	for _, s := range []string{`{"log":{`, " \n{ \"log\" :\f{", `{"lo g":{`, "\xef\xbb\xbf{\"log\":{", `{"type":"send"}`, "\t\t", `{"log" :[`, "{\f\"log\":{"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, bom := range []bool{false, true} {
			head := in[:min(len(in), 4096)]
			if bom {
				head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
			}
			want := harStartModel.Match(bytes.TrimLeft(head, " \t\r\n"))
			if got := harHead(bufio.NewReader(bytes.NewReader(in)), bom); got != want {
				t.Fatalf("bom %v: harHead(%q) = %v, want %v", bom, in, got, want)
			}
		}
	})
}
