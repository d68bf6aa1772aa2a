package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wsbind/wsbind/cmd/wsbind/internal/capture"
	"github.com/wsbind/wsbind/cmd/wsbind/internal/fields"
	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/testserver"
	"github.com/wsbind/wsbind/runtime/wire"
)

// inferCaptures are the built-in providers' captures and the HAR.
var inferCaptures = []struct{ provider, file string }{
	{"astro", "astro.jsonl"}, {"dlive", "dlive.jsonl"}, {"neuro", "neuro.jsonl"}, {"octave", "octave.jsonl"}, {"", "mixed.har"},
}

// inferSpec runs wsbind infer on captures and returns the document's path.
func inferSpec(t *testing.T, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "inferred.yaml")
	code, stdout, stderr := wsbind(t, append([]string{"infer", "--out", out}, args...)...)
	if code != exitOK {
		t.Fatalf("infer %v: exit %d\n%s%s", args, code, stdout, stderr)
	}
	return out
}

// capturedFrame is one text frame of a capture.
type capturedFrame struct {
	dir  string
	data []byte
}

func readFrames(t *testing.T, path string) []capturedFrame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capturedFrame
	err = capture.Read(f, filepath.Base(path), capture.Handler{Frame: func(fr *capture.Frame) error {
		if fr.Skip == "" {
			dir := fr.Direction
			if dir == "" {
				dir = "server"
			}
			out = append(out, capturedFrame{dir, bytes.Clone(fr.Data)})
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func loadInferred(t *testing.T, path string) *interp.Spec {
	t.Helper()
	s, err := interp.LoadSpec(path, interp.Options{})
	if err != nil {
		t.Fatalf("the inferred document does not load: %v", err)
	}
	return s
}

// Round trip: what infer writes validates every frame it came from.
func TestInferRoundTrip(t *testing.T) {
	for _, c := range inferCaptures {
		t.Run(c.file, func(t *testing.T) {
			spec := inferSpec(t, capturePath(c.file))
			code, stdout, stderr := wsbind(t, "validate", "--spec", spec, capturePath(c.file))
			if code != exitOK {
				t.Fatalf("validate --spec: exit %d\n%s%s", code, lastLines(stdout, 5), stderr)
			}
			if !strings.Contains(stdout, " 0 invalid") {
				t.Errorf("summary: %s", lastLines(stdout, 3))
			}
			// The same capture gives the same document.
			a, _ := os.ReadFile(spec)
			b, _ := os.ReadFile(inferSpec(t, capturePath(c.file)))
			if !bytes.Equal(a, b) {
				t.Error("two runs on the same capture wrote different documents")
			}
		})
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// The inferred documents generate Go code that compiles.
func TestInferGenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages with the go command")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := scratchModule(t, "example.com/inferred", nil)
	for _, c := range inferCaptures {
		spec := inferSpec(t, capturePath(c.file))
		pkg := "inf" + strings.TrimSuffix(strings.TrimSuffix(c.file, ".jsonl"), ".har")
		if code, stdout, stderr := wsbind(t, "gen", "--out", filepath.Join(dir, "gen"), "--package", pkg, spec); code != exitOK {
			t.Fatalf("gen %s: exit %d\n%s%s", c.file, code, stdout, stderr)
		}
	}
	cmd := exec.Command(goTool, "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the generated packages: %v\n%s", err, out)
	}
}

// The official AsyncAPI parser accepts every inferred document, and the
// examples are valid for their messages (ajv).
func TestInferOfficialParser(t *testing.T) {
	node, err := exec.LookPath("node")
	root := moduleRoot(t)
	mods := filepath.Join(root, ".ci", "asyncapi", "node_modules")
	if _, serr := os.Stat(mods); err != nil || serr != nil {
		t.Skip("needs node and .ci/asyncapi/node_modules (make npm-deps)")
	}
	var specs []string
	for _, c := range inferCaptures {
		specs = append(specs, inferSpec(t, capturePath(c.file)))
	}
	for _, script := range []string{"check.mjs", "examples.mjs"} {
		cmd := exec.Command(node, append([]string{filepath.Join(root, ".ci", "asyncapi", script)}, specs...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", script, err, out)
		}
	}
}

// Discrimination: a frame whose discriminator is changed to a number or
// to a value never seen is invalid or noted, never silently valid.
func TestInferDiscriminationMutants(t *testing.T) {
	for _, c := range inferCaptures {
		t.Run(c.file, func(t *testing.T) {
			path := inferSpec(t, capturePath(c.file))
			spec := loadInferred(t, path)
			consts := messageConsts(t, path)
			var total, invalid, noted int
			for _, f := range readFrames(t, capturePath(c.file)) {
				codec := spec.Codec(f.dir)
				r := codec.Check(f.data, false)
				var doc any
				if json.Unmarshal(f.data, &doc) != nil {
					continue
				}
				for _, ptr := range consts[r.Name] {
					for _, repl := range []any{float64(7), "wsbind-never-seen"} {
						m := mutateAt(doc, ptr, repl)
						b, _ := json.Marshal(m)
						mr := codec.Check(b, false)
						total++
						switch {
						case !mr.Valid():
							invalid++
						case mr.Noted():
							noted++
						default:
							t.Errorf("%s %s with %s = %v is valid without a note (as %s)", f.dir, r.Name, ptr, repl, mr.Name)
						}
					}
				}
			}
			if total == 0 {
				t.Fatal("no discriminator to mutate")
			}
			t.Logf("%d mutants: %d invalid, %d noted, %d silently valid", total, invalid, noted, total-invalid-noted)
		})
	}
}

// messageConsts lists, per message of an inferred document, the pointers
// of its payload's const properties (its discriminators).
func messageConsts(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Messages map[string]struct {
				Payload map[string]any `yaml:"payload"`
			} `yaml:"messages"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, m := range doc.Components.Messages {
		var walk func(s map[string]any, ptr string)
		walk = func(s map[string]any, ptr string) {
			props, _ := s["properties"].(map[string]any)
			for k, v := range props {
				ps, _ := v.(map[string]any)
				if _, ok := ps["const"]; ok {
					out[name] = append(out[name], ptr+"/"+k)
				}
				walk(ps, ptr+"/"+k)
			}
		}
		walk(m.Payload, "")
		sort.Strings(out[name])
	}
	return out
}

// mutateAt returns a copy of doc with the value at ptr replaced.
func mutateAt(doc any, ptr string, repl any) any {
	if ptr == "" {
		return repl
	}
	i := strings.IndexByte(ptr[1:], '/')
	key, rest := ptr[1:], ""
	if i >= 0 {
		key, rest = ptr[1:i+1], ptr[i+1:]
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return doc
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	out[key] = mutateAt(m[key], rest, repl)
	return out
}

// splitCapture writes the first and the second half of a capture's frames
// as JSONL envelopes.
func splitCapture(t *testing.T, frames []capturedFrame, alternate bool) (first, second string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, fs []capturedFrame) string {
		var b bytes.Buffer
		for _, f := range fs {
			typ := "receive"
			if f.dir == "client" {
				typ = "send"
			}
			line, _ := json.Marshal(map[string]string{"type": typ, "data": string(f.data)})
			b.Write(line)
			b.WriteByte('\n')
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Alternating frames give each half both directions, which the
	// captures, client frames first, do not in file order.
	var a, b []capturedFrame
	for i, f := range frames {
		if alternate && i%2 == 0 || !alternate && i < (len(frames)+1)/2 {
			a = append(a, f)
		} else {
			b = append(b, f)
		}
	}
	return write("first.jsonl", a), write("second.jsonl", b)
}

// Generalisation: infer from half the frames, validate the other half.
func TestInferGeneralisation(t *testing.T) {
	for _, c := range inferCaptures {
		for _, alternate := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/alternate=%v", c.file, alternate), func(t *testing.T) {
				frames := readFrames(t, capturePath(c.file))
				first, second := splitCapture(t, frames, alternate)
				spec := loadInferred(t, inferSpec(t, first))
				// The half it came from is valid, every frame.
				for _, f := range readFrames(t, first) {
					if r := spec.Codec(f.dir).Check(f.data, false); !r.Valid() {
						t.Fatalf("a frame of the inferred half is invalid: %s %v", r.Name, r.Violations)
					}
				}
				test := readFrames(t, second)
				valid, clean := 0, 0
				for _, f := range test {
					r := spec.Codec(f.dir).Check(f.data, true)
					if r.Valid() {
						valid++
						if !r.Noted() {
							clean++
						}
					}
				}
				split := "first half -> second half"
				if alternate {
					split = "even frames -> odd frames"
				}
				t.Logf("GENERALISATION %s (%s): %d frames, %.0f%% valid, %.0f%% valid with --strict", c.file, split, len(test), pct(valid, len(test)), pct(clean, len(test)))
			})
		}
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// Quality against the hand-written specs, on the messages the capture
// holds: message recall and precision, field recall, required agreement.
func TestInferQuality(t *testing.T) {
	var sum quality
	for _, c := range inferCaptures[:4] {
		t.Run(c.provider, func(t *testing.T) {
			hand := generated.Lookup(c.provider)
			path := inferSpec(t, capturePath(c.file))
			inf := loadInferred(t, path)
			q := measureQuality(t, hand, inf.Provider, readFrames(t, capturePath(c.file)))
			if q.handMessages == 0 || q.inferred == 0 {
				t.Fatal("nothing compared")
			}
			t.Logf("QUALITY %s: hand messages %d, inferred %d, message recall %.0f%%, precision %.0f%%, field recall %.0f%% (%d fields), required agreement %.0f%% (%d fields)",
				c.provider, q.handMessages, q.inferred, pct(q.recalled, q.handMessages), pct(q.pure, q.inferred), pct(q.fieldsBoth, q.fieldsHand), q.fieldsHand, pct(q.reqAgree, q.fieldsBoth), q.fieldsBoth)
			sum.handMessages += q.handMessages
			sum.recalled += q.recalled
			sum.inferred += q.inferred
			sum.pure += q.pure
		})
	}
	// Inferred from these very frames, the documents must tell apart most
	// of what the hand-written ones do, and rarely mix two of their
	// messages into one (Octave's by-shape pairs are the known miss).
	if sum.recalled*4 < sum.handMessages*3 || sum.pure*4 < sum.inferred*3 {
		t.Errorf("over all providers: message recall %d of %d, precision %d of %d", sum.recalled, sum.handMessages, sum.pure, sum.inferred)
	}
}

type quality struct {
	handMessages, recalled, inferred, pure int
	fieldsHand, fieldsBoth, reqAgree       int
}

func measureQuality(t *testing.T, hand, inf *wire.Provider, frames []capturedFrame) quality {
	t.Helper()
	optional := func(p *wire.Provider) map[string]map[string]bool {
		var names []string
		for _, d := range []string{"server", "client"} {
			if c := p.Codec(d); c != nil {
				names = append(names, messagesOf(p, d)...)
			}
		}
		o, err := fields.Optional(p.Schema, names)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]bool{}
		for m, ptrs := range o {
			out[m] = map[string]bool{}
			for _, p := range ptrs {
				out[m][p] = true
			}
		}
		return out
	}
	hOpt, iOpt := optional(hand), optional(inf)
	byInf := map[string]map[string]bool{}  // inferred message -> hand messages
	byHand := map[string]map[string]bool{} // hand message -> inferred messages
	type fieldKey struct{ hand, inf, ptr string }
	handFields := map[string]bool{}
	both := map[fieldKey]bool{}
	for _, f := range frames {
		hr := hand.Codec(f.dir).Check(f.data, true)
		ir := inf.Codec(f.dir).Check(f.data, true)
		if !hr.Valid() || hr.Name == "" || ir.Name == "" {
			continue
		}
		hk, ik := f.dir+" "+hr.Name, f.dir+" "+ir.Name
		if byInf[ik] == nil {
			byInf[ik] = map[string]bool{}
		}
		if byHand[hk] == nil {
			byHand[hk] = map[string]bool{}
		}
		byInf[ik][hk], byHand[hk][ik] = true, true
		var doc any
		if json.Unmarshal(f.data, &doc) != nil {
			continue
		}
		var ptrs []string
		framePointers(doc, "", &ptrs)
		for _, p := range ptrs {
			if undeclared(p, hr.Drift, doc) {
				continue
			}
			handFields[hk+p] = true
			if !undeclared(p, ir.Drift, doc) {
				both[fieldKey{hr.Name, ir.Name, p}] = true
			}
		}
	}
	var q quality
	q.handMessages, q.inferred = len(byHand), len(byInf)
	for _, hs := range byInf {
		if len(hs) == 1 {
			q.pure++
		}
	}
	for _, is := range byHand {
		for i := range is {
			if len(byInf[i]) == 1 {
				q.recalled++
				break
			}
		}
	}
	q.fieldsHand = len(handFields)
	seen := map[string]bool{}
	for k := range both {
		hk := k.hand + k.ptr
		if !seen[hk] {
			seen[hk] = true
			q.fieldsBoth++
		}
	}
	for k := range both {
		if hOpt[k.hand][k.ptr] == iOpt[k.inf][k.ptr] {
			q.reqAgree++
		}
	}
	// Agreement counts (hand field, inferred message) pairs: normalise to
	// hand fields.
	if len(both) > 0 {
		q.reqAgree = q.reqAgree * q.fieldsBoth / len(both)
	}
	return q
}

// framePointers lists the property pointers of a frame, array indices as *.
func framePointers(v any, ptr string, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			p := ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
			*out = append(*out, p)
			framePointers(val, p, out)
		}
	case []any:
		for _, it := range x {
			framePointers(it, ptr+"/*", out)
		}
	}
}

// undeclared reports whether ptr or a parent of it is in drift.
func undeclared(ptr string, drift []string, doc any) bool {
	for _, d := range drift {
		g := fields.Generalize(d, doc)
		if ptr == g || strings.HasPrefix(ptr, g+"/") {
			return true
		}
	}
	return false
}

// The whole loop: a HAR of a made-up API, infer, gen, compile, and the
// typed client against the mock of the inferred document.
func TestInferEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a module with the go command")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	har := filepath.Join("testdata", "infer", "quotes.har")
	spec := filepath.Join(t.TempDir(), "quotes.yaml")
	code, stdout, stderr := wsbind(t, "infer", "--title", "Quotes", "--out", spec, har)
	if code != exitOK {
		t.Fatalf("infer: exit %d\n%s%s", code, stdout, stderr)
	}
	doc, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	// The API key of the URL and the session JWT reach neither the
	// document nor the report.
	for _, secret := range []string{"qk_live_9fK2mZ7xQ4pL8sV1nB6tR3wY0cD5hJ", "eyJhbGciOiJIUzI1NiJ9"} {
		if bytes.Contains(doc, []byte(secret)) || strings.Contains(stdout+stderr, secret) {
			t.Errorf("a secret of the capture was written out (%.6s...)", secret)
		}
	}
	for _, want := range []string{"1 not JSON (skipped), 1 binary frame skipped", "`price`: number, since 9 of 12 samples are not integers", "Subscribe -> Subscribed, by /reqId echoed at /reqId"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the report lacks %q:\n%s", want, stderr)
		}
	}
	if !bytes.Contains(doc, []byte("apiKey:")) || bytes.Contains(doc, []byte("?apiKey")) {
		t.Error("the query parameter is not in the channel's ws binding, or is in the address")
	}
	dir := scratchModule(t, "example.com/e2e", map[string]string{
		"main.go": `package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"example.com/e2e/gen/quotes"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := quotes.NewClient(quotes.Config{URL: os.Args[1]})
	got := make(chan *quotes.Subscribed, 1)
	c.OnSubscribedMessage(func(_ context.Context, m *quotes.Subscribed) { got <- m })
	if err := c.Connect(ctx); err != nil {
		panic(err)
	}
	defer c.Close()
	req, err := quotes.DecodeClientMessage([]byte(` + "`" + `{"op":"subscribe","reqId":"e2e-42","symbols":["ABC"]}` + "`" + `))
	if err != nil {
		panic(err)
	}
	if err := c.Send(ctx, req); err != nil {
		panic(err)
	}
	select {
	case m := <-got:
		b, _ := json.Marshal(m)
		fmt.Println(req.MessageName(), "->", m.MessageName(), string(b))
	case <-ctx.Done():
		panic("no reply")
	}
}
`,
	})
	if code, stdout, stderr := wsbind(t, "gen", "--out", filepath.Join(dir, "gen"), "--package", "quotes", spec); code != exitOK {
		t.Fatalf("gen: exit %d\n%s%s", code, stdout, stderr)
	}
	s, err := interp.LoadSpec(spec, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	m, err := startSpecMock(s, testserver.MockOptions{Addr: "127.0.0.1:0"}, &syncWriter{w: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "run", ".", m.URL())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s\nmock log:\n%s", err, out, log.String())
	}
	t.Logf("typed client: %s", bytes.TrimSpace(out))
	// The mock answered with the reply example, the request's id copied
	// where the inferred correlationId says.
	if !strings.Contains(string(out), "Subscribe -> Subscribed") || !strings.Contains(string(out), `"reqId":"e2e-42"`) {
		t.Errorf("the typed client got %q", out)
	}
}

func TestInferBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	binary := `{"type":"receive","data":"AAEC","opcode":2}` + "\n"
	for _, c := range []struct {
		name, content string
		code          int
		want          string
	}{
		{"empty.jsonl", "", exitUsage, "no frames in the capture"},
		{"binary.jsonl", binary + binary, exitUsage, "only binary frames (2)"},
		{"text.jsonl", "hello\nworld\n", exitUsage, "none of the 2 text frames is JSON"},
		{"missing.jsonl", "", exitUsage, "no such file"},
	} {
		path := filepath.Join(dir, c.name)
		if c.name != "missing.jsonl" {
			path = write(c.name, c.content)
		}
		code, _, stderr := wsbind(t, "infer", path)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, want %d with %q:\n%s", c.name, code, c.code, c.want, stderr)
		}
	}
	// Frames that are not JSON are counted, not fatal.
	mixed := write("mixed.jsonl", "hello\n{\"type\":\"a\"}\n"+binary)
	code, stdout, stderr := wsbind(t, "infer", mixed)
	if code != exitOK || !strings.Contains(stderr, "1 not JSON (skipped), 1 binary frame skipped") || !strings.Contains(stdout, "asyncapi: 3.0.0") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{{"--describes", "both", mixed}, {"--min-required", "0", mixed}, {}, {"--force", mixed}} {
		if code, _, _ := wsbind(t, append([]string{"infer"}, args...)...); code != exitUsage {
			t.Errorf("infer %v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// An existing --out is kept unless --force, and a failed run never
// touches it.
func TestInferOutFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(out, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := wsbind(t, "infer", "--out", out, capturePath("octave.jsonl"))
	if code != exitUsage || !strings.Contains(stderr, "refusing to overwrite") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := wsbind(t, "infer", "--force", "--out", out, empty); code != exitUsage {
		t.Errorf("empty capture: exit %d", code)
	}
	if b, _ := os.ReadFile(out); string(b) != "mine\n" {
		t.Errorf("a failed run changed --out: %q", b)
	}
	if code, _, stderr := wsbind(t, "infer", "--force", "--out", out, capturePath("octave.jsonl")); code != exitOK {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(out); !bytes.HasPrefix(b, []byte("asyncapi: 3.0.0")) {
		t.Errorf("--force did not write the document: %.40q", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") || strings.HasPrefix(e.Name(), ".wsbind-infer") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// --merge keeps the hand-written Astro spec and adds what a capture shows
// that it lacks; the report lists each change.
func TestInferMerge(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"astro.yaml", "common.yaml"} {
		b, err := os.ReadFile(filepath.Join(moduleRoot(t), "specs", f))
		if err != nil {
			t.Fatal(err)
		}
		writeTree(t, dir, map[string]string{f: string(b)})
	}
	capture := writeFile(t, "new.jsonl",
		envelopeLine(t, "server", `{"type":"welcome","id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAB","ts":"2026-03-20T10:15:00Z","data":{"message":"hi","client_id":"01JQ3M8V5XQ4E8GZ2H7C9D3F5M","region":"eu"}}`),
		envelopeLine(t, "server", `{"type":"message","topic":"channel.brandnew","id":"01JQ3M8V5X2N7K4R9T6W1Y0ZAC","ts":"2026-03-20T10:15:00Z","data":{"level":3}}`),
	)
	out := filepath.Join(dir, "merged.yaml")
	code, _, stderr := wsbind(t, "infer", "--merge", filepath.Join(dir, "astro.yaml"), "--out", out, capture)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"Welcome: added optional field /data/region", "UnknownTopicMessage: topic: added channel.brandnew", "added message MessageChannelBrandnew"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, stderr)
		}
	}
	merged, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The merged document, marks and all, validates the old capture as the
	// hand-written one does, and the new frames too.
	if !strings.Contains(string(merged), "x-wsbind-inferred: ") {
		t.Error("the merged document marks nothing x-wsbind-inferred")
	}
	// gen takes the marks as annotations.
	if code, _, stderr := wsbind(t, "gen", "--out", filepath.Join(dir, "gen"), out); code != exitOK {
		t.Errorf("gen of the merged document: exit %d\n%s", code, stderr)
	}
	for _, c := range []string{capturePath("astro.jsonl"), capture} {
		if code, stdout, stderr := wsbind(t, "validate", "--spec", out, c); code != exitOK {
			t.Errorf("validate %s: exit %d\n%s%s", filepath.Base(c), code, lastLines(stdout, 4), stderr)
		}
	}
}

// scratchModule makes a module in a temporary directory that requires
// this checkout's wsbind (a replace onto it, with its go.sum), holding
// files besides go.mod and go.sum.
func scratchModule(t *testing.T, path string, files map[string]string) string {
	t.Helper()
	root := moduleRoot(t)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	tree := map[string]string{
		"go.mod": "module " + path + "\n\ngo 1.26.0\n\nrequire github.com/wsbind/wsbind v0.0.0-00010101000000-000000000000\n\nreplace github.com/wsbind/wsbind => " + root + "\n",
		"go.sum": string(sum),
	}
	for name, text := range files {
		tree[name] = text
	}
	dir := t.TempDir()
	writeTree(t, dir, tree)
	return dir
}
