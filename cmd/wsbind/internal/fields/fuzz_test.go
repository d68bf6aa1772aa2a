package fields

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wsbind/wsbind/generated"
)

// FuzzDriftCoverage runs what validate --drift --coverage does with a
// frame: the drift pointers the decoder reports are generalized and
// resolved, and the frame is observed by a tracker of each message's
// optional fields. Seeds are the frames of testdata/captures.
func FuzzDriftCoverage(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "testdata", "captures", "*.jsonl"))
	if len(files) == 0 {
		f.Fatal("no sample captures")
	}
	for _, name := range files {
		p := strings.TrimSuffix(filepath.Base(name), ".jsonl")
		which := 0
		for i, q := range generated.Providers {
			if q.Name == p {
				which = i
			}
		}
		fh, err := os.Open(name)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var env struct{ Type, Data string }
			if json.Unmarshal(sc.Bytes(), &env) != nil || env.Data == "" {
				continue
			}
			f.Add(uint8(which), env.Type == "send", []byte(env.Data))
		}
		fh.Close()
	}
	optional := map[string]map[string][]string{}
	for _, p := range generated.Providers {
		names := append(slices.Clone(p.Server.Messages), p.Client.Messages...)
		opt, err := Optional(p.Schema, names)
		if err != nil {
			f.Fatal(err)
		}
		optional[p.Name] = opt
	}
	f.Fuzz(func(t *testing.T, which uint8, client bool, frame []byte) {
		p := generated.Providers[int(which)%len(generated.Providers)]
		dir := "server"
		if client {
			dir = "client"
		}
		r := p.Codec(dir).Check(frame, true)
		var doc any
		if json.Unmarshal(frame, &doc) != nil {
			doc = nil
		}
		for _, ptr := range r.Drift {
			g := Generalize(ptr, doc)
			if strings.Count(g, "/") != strings.Count(ptr, "/") || (ptr == "") != (g == "") {
				t.Fatalf("Generalize(%q) = %q: segments differ", ptr, g)
			}
			want, have := strings.Split(ptr, "/"), strings.Split(g, "/")
			for i := range want {
				if have[i] != want[i] && (have[i] != Wildcard || !isIndex(want[i])) {
					t.Fatalf("Generalize(%q) = %q: segment %d changed", ptr, g, i)
				}
			}
			if g2 := Generalize(g, doc); g2 != g {
				t.Fatalf("Generalize not idempotent: %q, then %q", g, g2)
			}
			if doc != nil && r.Syntax == nil && !hasDuplicateKeys(frame) {
				if _, ok := Resolve(doc, ptr); !ok {
					t.Fatalf("drift pointer %q does not resolve in %q", ptr, frame)
				}
			}
		}
		if r.Name == "" || r.Syntax != nil {
			return
		}
		declared := optional[p.Name][r.Name]
		tr := NewTracker(declared)
		tr.Observe(doc)
		never := tr.NeverFilled()
		if !slices.IsSorted(never) {
			t.Fatalf("NeverFilled not sorted: %v", never)
		}
		for _, ptr := range never {
			if !slices.Contains(declared, ptr) {
				t.Fatalf("NeverFilled lists %q, not a declared optional field of %s", ptr, r.Name)
			}
		}
	})
}

// hasDuplicateKeys reports whether some object of frame repeats a key: the
// decoder reports drift in every occurrence, encoding/json keeps the last.
func hasDuplicateKeys(frame []byte) bool {
	dec := json.NewDecoder(strings.NewReader(string(frame)))
	type obj struct {
		keys map[string]bool
		key  bool // next string token is a key
	}
	var stack []*obj
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		top := (*obj)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.key {
			if top.keys[s] {
				return true
			}
			top.keys[s] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &obj{keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, nil)
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1] != nil {
			stack[len(stack)-1].key = true
		}
	}
}
