// Package docsexamples holds the built-in specs to the example frames the
// providers' public documentation shows (testdata/docs-examples): each
// carries its source and the verdict the documentation supports.
package docsexamples

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/wire"
)

type example struct {
	Source    string          `json:"source"`
	Direction string          `json:"direction"`
	Message   string          `json:"message"`
	Expect    string          `json:"expect"`
	Frame     json.RawMessage `json:"frame"`
}

// known lists the documented frames whose verdict the specs still get
// wrong (provider file:line, what the docs support, what the spec says).
// Fixing a spec removes its lines here; a new disagreement fails.
var known = map[string]string{
	"astro:12": "docs: notes, spec: valid (ChannelActivitiesMessage)",
	"astro:14": "docs: notes, spec: valid (ChannelChatbotStatusMessage)",
	"astro:15": "docs: notes, spec: valid (ChannelChatbotModulesEmotecomboMessage)",
	"astro:16": "docs: notes, spec: valid (ChannelChatbotModulesPyramidMessage)",
	"astro:2":  "docs: notes, spec: valid (Response)",
	"astro:21": "docs: notes, spec: valid (ChannelStreamStatusMessage)",
	"astro:32": "docs: notes, spec: valid (ChannelSessionUpdateMessage)",
	"astro:34": "docs: notes, spec: valid (ChannelChatbotCountersMessage)",
	"astro:4":  "docs: notes, spec: valid (Response)",
	"astro:55": "docs: notes, spec: valid (Reconnect)",
	"neuro:7":  "docs: notes, spec: valid (Event)",
}

func TestDocumentedExamples(t *testing.T) {
	got := map[string]string{}
	for _, p := range generated.Providers {
		path := filepath.Join("..", "..", "testdata", "docs-examples", p.Name+".jsonl")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		counts := map[string]int{}
		for line := 1; sc.Scan(); line++ {
			var ex example
			if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
				t.Fatalf("%s:%d: %v", path, line, err)
			}
			r := p.Codec(ex.Direction).Check(ex.Frame, true)
			verdict := "valid"
			switch {
			case !r.Valid() || r.Name == "":
				verdict = "invalid"
			case r.Noted():
				verdict = "notes"
			}
			if ex.Message != "" && r.Name != "" && r.Name != ex.Message {
				verdict = "invalid (decoded as " + r.Name + ")"
			}
			counts[ex.Expect]++
			if verdict != ex.Expect {
				got[fmt.Sprintf("%s:%d", p.Name, line)] = fmt.Sprintf("docs: %s, spec: %s (%s)", ex.Expect, verdict, ex.Message)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d documented frames (valid %d, notes %d, invalid %d)", p.Name, counts["valid"]+counts["notes"]+counts["invalid"], counts["valid"], counts["notes"], counts["invalid"])
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%s %s", k, got[k])
	}
	if diff := cmp.Diff(known, got); diff != "" {
		t.Errorf("disagreements with the documentation changed (-known +now):\n%s\nfix the spec, or update known", strings.TrimSpace(diff))
	}
}

// validate --spec reads the same documents without generated code: it
// must give every documented frame the generated package's verdict, its
// message and its notes.
func TestDocumentedExamplesInterpreted(t *testing.T) {
	for _, p := range generated.Providers {
		in, _, err := interp.Load(filepath.Join("..", "..", "specs", p.Name+".yaml"), interp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{p.Name + ".jsonl", filepath.Join("payloads", p.Name+".jsonl")} {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "docs-examples", path))
			if os.IsNotExist(err) {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			for i, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var ex example
				if err := json.Unmarshal([]byte(l), &ex); err != nil {
					t.Fatalf("%s:%d: %v", path, i+1, err)
				}
				gen := p.Codec(ex.Direction).Check(ex.Frame, true)
				got := in.Codec(ex.Direction).Check(ex.Frame, true)
				if got.Name != gen.Name || got.Valid() != gen.Valid() || got.Noted() != gen.Noted() {
					t.Errorf("%s:%d: interpreted %q valid=%v noted=%v %v, generated %q valid=%v noted=%v %v",
						path, i+1, got.Name, got.Valid(), got.Noted(), got.Violations, gen.Name, gen.Valid(), gen.Noted(), gen.Violations)
					continue
				}
				if gen.Valid() {
					if diff := cmp.Diff(noteSet(gen), noteSet(got)); diff != "" {
						t.Errorf("%s:%d: notes differ (-generated +interpreted):\n%s", path, i+1, diff)
					}
				}
			}
		}
	}
}

// noteSet is a result's notes and drift, in a stable order.
func noteSet(r wire.Result) []string {
	var out []string
	for _, n := range r.Notes {
		out = append(out, n.Pointer+" "+n.Kind+" "+n.Message)
	}
	for _, d := range r.Drift {
		out = append(out, d+" drift")
	}
	sort.Strings(out)
	return out
}
