package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wsbind/wsbind/runtime/wire"
)

// Captures for the notes-by-kind reports. notes.jsonl (neuro, generated
// binding): two xFeedUpdate events, whose schema the spec marks deprecated,
// one with an undeclared property in an array item; two welcomes with
// undeclared properties, one with a duplicate key; a ping with a duplicate
// key. ticks.jsonl (testdata/ticks.yaml, interpreted): a message and a
// property the spec marks deprecated, and undeclared properties. Their
// values all start with VALUE_, which no report may show.
var (
	notesCapture = filepath.Join("testdata", "notes.jsonl")
	ticksSpec    = filepath.Join("testdata", "ticks.yaml")
	ticksCapture = filepath.Join("testdata", "ticks.jsonl")
)

// section returns the part of out from the line starting with head up to
// the next blank line, or the end.
func section(t *testing.T, out, head string) string {
	t.Helper()
	i := strings.Index(out, "\n"+head)
	if i < 0 {
		t.Fatalf("output has no %q section:\n%s", head, out)
	}
	s := out[i+1:]
	if j := strings.Index(s, "\n\n"); j >= 0 {
		s = s[:j+1]
	}
	return s
}

func TestValidateDriftByKindAndDeprecatedSeen(t *testing.T) {
	tests := []struct {
		name string
		args []string
		// Exact text sections.
		byKind, deprecated string
		// Exact JSON summary parts.
		wantByKind     map[string]*kindJSON
		wantDeprecated []deprecatedJSON
	}{{
		name: "generated binding: deprecated schema, drift and duplicate keys",
		args: []string{"--provider", "neuro", notesCapture},
		byKind: `drift: notes by kind, most frequent first (array indices as *):
  unknown-property: 4 notes in 3 places
    neuro server Welcome  /data/region                      2
    neuro server Event    /data/eventData/entries/*/edited  1
    neuro server Welcome  /trace                            1
  deprecated: 2 notes in 1 place
    neuro server Event  /data  2
  duplicate-key: 2 notes in 2 places
    neuro client Ping     /data  1
    neuro server Welcome  /type  1
`,
		deprecated: `coverage: deprecated messages seen: none
coverage: deprecated schemas and properties seen (array indices as *):
  neuro server Event  /data  2
`,
		wantByKind: map[string]*kindJSON{
			wire.NoteUnknownProperty: {Count: 4, Items: []driftJSON{
				{"neuro", "server", "Welcome", "/data/region", 2},
				{"neuro", "server", "Event", "/data/eventData/entries/*/edited", 1},
				{"neuro", "server", "Welcome", "/trace", 1},
			}},
			wire.NoteDeprecated: {Count: 2, Items: []driftJSON{{"neuro", "server", "Event", "/data", 2}}},
			wire.NoteDuplicateKey: {Count: 2, Items: []driftJSON{
				{"neuro", "client", "Ping", "/data", 1},
				{"neuro", "server", "Welcome", "/type", 1},
			}},
		},
		wantDeprecated: []deprecatedJSON{{deprecatedProperty, "neuro", "server", "Event", "/data", 2}},
	}, {
		name: "interpreted spec: deprecated message and property",
		args: []string{"--spec", ticksSpec, ticksCapture},
		byKind: `drift: notes by kind, most frequent first (array indices as *):
  unknown-property: 4 notes in 3 places
    ticks server Tick     /legs/*/side  2
    ticks server OldTick  /venue        1
    ticks server Tick     /extra        1
  deprecated: 5 notes in 2 places
    ticks server OldTick  (frame)  3
    ticks server Tick     /venue   2
  duplicate-key: none
`,
		deprecated: `coverage: deprecated messages seen:
  ticks server OldTick  3
coverage: deprecated schemas and properties seen (array indices as *):
  ticks server Tick  /venue  2
`,
		wantByKind: map[string]*kindJSON{
			wire.NoteUnknownProperty: {Count: 4, Items: []driftJSON{
				{"ticks", "server", "Tick", "/legs/*/side", 2},
				{"ticks", "server", "OldTick", "/venue", 1},
				{"ticks", "server", "Tick", "/extra", 1},
			}},
			wire.NoteDeprecated: {Count: 5, Items: []driftJSON{
				{"ticks", "server", "OldTick", "", 3},
				{"ticks", "server", "Tick", "/venue", 2},
			}},
			wire.NoteDuplicateKey: {Items: []driftJSON{}},
		},
		// The message's own note, at the frame, is the message entry and
		// not a property.
		wantDeprecated: []deprecatedJSON{
			{deprecatedMessage, "ticks", "server", "OldTick", "", 3},
			{deprecatedProperty, "ticks", "server", "Tick", "/venue", 2},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"validate", "--drift", "--coverage"}, tt.args...)
			code, out, errOut := wsbind(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d, want 0 (notes do not fail)\n%s\n%s", code, out, errOut)
			}
			if got := section(t, out, "drift: notes by kind"); got != tt.byKind {
				t.Errorf("drift by kind:\n got:\n%s\nwant:\n%s", got, tt.byKind)
			}
			if got := section(t, out, "coverage: deprecated messages seen"); got != tt.deprecated {
				t.Errorf("deprecated seen:\n got:\n%s\nwant:\n%s", got, tt.deprecated)
			}
			if strings.Contains(out+errOut, "VALUE_") {
				t.Errorf("text output shows a value:\n%s", out)
			}

			code, out, _ = wsbind(t, append(args, "--format", "json")...)
			if code != exitOK {
				t.Fatalf("json: exit %d", code)
			}
			_, sum, raw := jsonReport(t, out)
			if diff := cmp.Diff(tt.wantByKind, sum.DriftByKind); diff != "" {
				t.Errorf("driftByKind (-want +got):\n%s", diff)
			}
			if sum.Coverage == nil {
				t.Fatal("no coverage in the summary")
			}
			if diff := cmp.Diff(tt.wantDeprecated, sum.Coverage.DeprecatedSeen); diff != "" {
				t.Errorf("coverage.deprecatedSeen (-want +got):\n%s", diff)
			}
			// Existing keys keep their shape beside the new ones.
			s := raw[len(raw)-1]["summary"].(map[string]any)
			if _, ok := s["drift"].([]any); !ok {
				t.Errorf("summary.drift is no longer an array: %v", s["drift"])
			}
			if _, ok := s["driftByKind"].(map[string]any); !ok {
				t.Errorf("summary.driftByKind missing: %v", s)
			}
			if _, ok := s["coverage"].(map[string]any)["deprecatedSeen"].([]any); !ok {
				t.Errorf("summary.coverage.deprecatedSeen missing: %v", s["coverage"])
			}
			if strings.Contains(out, "VALUE_") {
				t.Errorf("json output shows a value:\n%s", out)
			}
		})
	}
}

// Each flag reports only its own part: coverage alone counts deprecated
// notes but has no drift sections, drift alone no coverage.
func TestValidateDriftAndCoverageApart(t *testing.T) {
	_, out, _ := wsbind(t, "validate", "--provider", "neuro", "--coverage", notesCapture)
	if strings.Contains(out, "drift:") || section(t, out, "coverage: deprecated schemas") != "coverage: deprecated schemas and properties seen (array indices as *):\n  neuro server Event  /data  2\n" {
		t.Errorf("--coverage alone:\n%s", out)
	}
	_, out, _ = wsbind(t, "validate", "--provider", "neuro", "--coverage", "--format", "json", notesCapture)
	_, sum, _ := jsonReport(t, out)
	if sum.DriftByKind != nil || sum.Drift != nil || sum.Coverage == nil || len(sum.Coverage.DeprecatedSeen) != 1 || sum.Coverage.DeprecatedSeen[0].Count != 2 {
		t.Errorf("--coverage alone, json: driftByKind %v, coverage %+v", sum.DriftByKind, sum.Coverage)
	}
	_, out, _ = wsbind(t, "validate", "--provider", "neuro", "--drift", notesCapture)
	if strings.Contains(out, "coverage:") || !strings.Contains(out, "\n  deprecated: 2 notes in 1 place\n") {
		t.Errorf("--drift alone:\n%s", out)
	}
	// Without either flag, neither report.
	_, out, _ = wsbind(t, "validate", "--provider", "neuro", notesCapture)
	if strings.Contains(out, "drift:") || strings.Contains(out, "coverage:") {
		t.Errorf("no flag:\n%s", out)
	}
}

// Kinds are grouped by Note.Kind, not a fixed list: a kind the runtime
// adds gets its section after the known ones, sorted by name, and the
// known kinds always have one.
func TestDriftByKindIsGenericOverKinds(t *testing.T) {
	welcome := msgKey{"astro", "server", "Welcome"}
	v := &validation{stdout: bufio.NewWriter(&bytes.Buffer{}), drift: true}
	v.noteCount = map[noteKey]int{
		{"unknown-variant", welcome, "/data/kind"}:                                    1,
		{"lone-surrogate", welcome, "/data/name"}:                                     3,
		{"lone-surrogate", welcome, "/data/a\tb\nc"}:                                  3,
		{"unknown-value", welcome, "/data/status"}:                                    2,
		{wire.NoteDuplicateKey, welcome, "/type"}:                                     4,
		{"unknown-value", msgKey{"astro", "client", "Subscribe"}, "/data/token_type"}: 2,
	}
	v.noteUncounted = map[string]int{"unknown-variant": 7}
	byKind := v.notesByKind()
	if got, want := kindOrder(byKind), []string{"unknown-property", "deprecated", "duplicate-key", "lone-surrogate", "unknown-value", "unknown-variant"}; !cmp.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	var out bytes.Buffer
	v.stdout = bufio.NewWriter(&out)
	v.writeByKind(byKind)
	v.stdout.Flush()
	// A tab or newline in a key must not break the columns.
	want := `
drift: notes by kind, most frequent first (array indices as *):
  unknown-property: none
  deprecated: none
  duplicate-key: 4 notes in 1 place
    astro server Welcome  /type  4
  lone-surrogate: 6 notes in 2 places
    astro server Welcome  /data/a` + "\uFFFD" + `b` + "\uFFFD" + `c  3
    astro server Welcome  /data/name   3
  unknown-value: 4 notes in 2 places
    astro client Subscribe  /data/token_type  2
    astro server Welcome    /data/status      2
  unknown-variant: 1 note in 1 place
    astro server Welcome  /data/kind  1
    (+7 more notes, not counted past 10000 distinct places)
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// Hostile input cannot grow the by-kind report: past maxNotePlaces
// distinct places notes are only counted, and a kind lists at most
// maxKindItems places.
func TestValidateDriftByKindIsBounded(t *testing.T) {
	const keys = maxNotePlaces + 50
	var b strings.Builder
	b.WriteString(`{"type":"welcome","data":{}`)
	for i := range keys {
		fmt.Fprintf(&b, `,"k%d":1`, i)
	}
	b.WriteString("}")
	path := writeFile(t, "many.jsonl", b.String())

	_, out, _ := wsbind(t, "validate", "--provider", "neuro", "--drift", path)
	got := section(t, out, "drift: notes by kind")
	if n := strings.Count(got, "\n    neuro server Welcome  /k"); n != maxKindItems {
		t.Errorf("%d places listed, want %d", n, maxKindItems)
	}
	for _, w := range []string{
		fmt.Sprintf("  unknown-property: %d notes in %d places\n", maxNotePlaces, maxNotePlaces),
		fmt.Sprintf("    (+%d more places, %d notes, not listed)\n", maxNotePlaces-maxKindItems, maxNotePlaces-maxKindItems),
		fmt.Sprintf("    (+50 more notes, not counted past %d distinct places)\n", maxNotePlaces),
	} {
		if !strings.Contains(got, w) {
			t.Errorf("section lacks %q:\n%.2000s", w, got)
		}
	}
	if len(got) > 200*maxKindItems {
		t.Errorf("section is %d bytes", len(got))
	}

	_, out, _ = wsbind(t, "validate", "--provider", "neuro", "--drift", "--format", "json", path)
	_, sum, _ := jsonReport(t, out)
	k := sum.DriftByKind[wire.NoteUnknownProperty]
	if k == nil || k.Count != maxNotePlaces || len(k.Items) != maxKindItems || k.MoreItems != maxNotePlaces-maxKindItems || k.MoreCount != maxNotePlaces-maxKindItems || k.Uncounted != 50 {
		t.Errorf("unknown-property: %+v", k)
	}
}

// The summary's JSON decodes into the documented keys.
func TestValidateDriftByKindJSONKeys(t *testing.T) {
	_, out, _ := wsbind(t, "validate", "--spec", ticksSpec, "--drift", "--coverage", "--format", "json", ticksCapture)
	last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
	var s struct {
		Summary struct {
			DriftByKind map[string]struct {
				Count int `json:"count"`
				Items []struct {
					Provider, Direction, Message, Pointer string
					Count                                 int
				} `json:"items"`
			} `json:"driftByKind"`
			Coverage struct {
				DeprecatedSeen []struct {
					Item, Message, Pointer string
					Count                  int
				} `json:"deprecatedSeen"`
			} `json:"coverage"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(last), &s); err != nil {
		t.Fatal(err)
	}
	if d := s.Summary.DriftByKind["deprecated"]; d.Count != 5 || len(d.Items) != 2 || d.Items[0].Message != "OldTick" || d.Items[0].Count != 3 {
		t.Errorf("driftByKind.deprecated: %+v", d)
	}
	if ds := s.Summary.Coverage.DeprecatedSeen; len(ds) != 2 || ds[0].Item != "message" || ds[1].Item != "property" || ds[1].Pointer != "/venue" {
		t.Errorf("coverage.deprecatedSeen: %+v", ds)
	}
}
