// Package fuzz holds one fuzz target per generated provider and direction.
// Each feeds arbitrary frames to everything that sees a received frame: the
// typed decoder, Validate, both dispatchers (every handler registered, and
// only OnUnknown and OnUnhandled), wire.Codec.Check and Codec.Judge, and
// requires the answers to agree with each other and with the frame.
//
// Run one with
//
//	go test -run '^$' -fuzz '^FuzzAstroServer$' -fuzztime 20s ./internal/fuzz/
//
// testdata/fuzz/<Target> holds what earlier runs found interesting.
package fuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/wire"
)

// target is one provider and direction.
type target struct {
	provider *wire.Provider
	dir      string // "server" or "client"
	// decode is the package's typed DecodeServerMessage or DecodeClientMessage.
	decode func([]byte) (wire.Message, error)
	// isUnknown reports whether m is the package's Unknown*Message.
	isUnknown func(m wire.Message) bool
	// dispatcher returns a new dispatcher and its Dispatch.
	dispatcher func(r *recorder, full bool) (any, func(context.Context, wire.Message))
}

func (tg *target) codec() *wire.Codec { return tg.provider.Codec(tg.dir) }

var (
	astroServer = &target{&astro.Provider, "server",
		func(b []byte) (wire.Message, error) { return astro.DecodeServerMessage(b) },
		func(m wire.Message) bool { _, ok := m.(*astro.UnknownServerMessage); return ok },
		astroServerDispatcher}
	astroClient = &target{&astro.Provider, "client",
		func(b []byte) (wire.Message, error) { return astro.DecodeClientMessage(b) },
		func(m wire.Message) bool { _, ok := m.(*astro.UnknownClientMessage); return ok },
		astroClientDispatcher}
	dliveServer = &target{&dlive.Provider, "server",
		func(b []byte) (wire.Message, error) { return dlive.DecodeServerMessage(b) },
		func(m wire.Message) bool { _, ok := m.(*dlive.UnknownServerMessage); return ok },
		dliveServerDispatcher}
	dliveClient = &target{&dlive.Provider, "client",
		func(b []byte) (wire.Message, error) { return dlive.DecodeClientMessage(b) },
		func(m wire.Message) bool { _, ok := m.(*dlive.UnknownClientMessage); return ok },
		dliveClientDispatcher}
	neuroServer = &target{&neuro.Provider, "server",
		func(b []byte) (wire.Message, error) { return neuro.DecodeServerMessage(b) },
		func(m wire.Message) bool { _, ok := m.(*neuro.UnknownServerMessage); return ok },
		neuroServerDispatcher}
	neuroClient = &target{&neuro.Provider, "client",
		func(b []byte) (wire.Message, error) { return neuro.DecodeClientMessage(b) },
		func(m wire.Message) bool { _, ok := m.(*neuro.UnknownClientMessage); return ok },
		neuroClientDispatcher}
	octaveServer = &target{&octave.Provider, "server",
		func(b []byte) (wire.Message, error) { return octave.DecodeServerMessage(b) },
		func(m wire.Message) bool { _, ok := m.(*octave.UnknownServerMessage); return ok },
		octaveServerDispatcher}
	octaveClient = &target{&octave.Provider, "client",
		func(b []byte) (wire.Message, error) { return octave.DecodeClientMessage(b) },
		func(m wire.Message) bool { _, ok := m.(*octave.UnknownClientMessage); return ok },
		octaveClientDispatcher}
)

var targets = []*target{astroServer, astroClient, dliveServer, dliveClient, neuroServer, neuroClient, octaveServer, octaveClient}

func FuzzAstroServer(f *testing.F)  { fuzz(f, astroServer) }
func FuzzAstroClient(f *testing.F)  { fuzz(f, astroClient) }
func FuzzDLiveServer(f *testing.F)  { fuzz(f, dliveServer) }
func FuzzDLiveClient(f *testing.F)  { fuzz(f, dliveClient) }
func FuzzNeuroServer(f *testing.F)  { fuzz(f, neuroServer) }
func FuzzNeuroClient(f *testing.F)  { fuzz(f, neuroClient) }
func FuzzOctaveServer(f *testing.F) { fuzz(f, octaveServer) }
func FuzzOctaveClient(f *testing.F) { fuzz(f, octaveClient) }

// fuzz seeds f with the spec's examples of tg's direction and runs check on
// every input.
func fuzz(f *testing.F, tg *target) {
	n := 0
	for _, ex := range tg.provider.Examples {
		if ex.Direction == tg.dir {
			f.Add([]byte(ex.JSON))
			if n == 0 { // the same with a byte that is not UTF-8 in its first key
				if i := strings.IndexByte(ex.JSON, '"'); i >= 0 {
					f.Add([]byte(ex.JSON[:i+1] + "\xff" + ex.JSON[i+1:]))
				}
			}
			n++
		}
	}
	if n == 0 {
		f.Fatalf("%s %s: the spec has no example", tg.provider.Name, tg.dir)
	}
	h := newHarness(tg)
	f.Fuzz(func(t *testing.T, frame []byte) { h.check(t, frame) })
}

// harness checks frames of one target. Its dispatchers are built once; the
// recorder their handlers report to is reset for every frame (fuzz inputs
// of one process run one at a time).
type harness struct {
	tg         *target
	rec        *recorder
	full, bare func(context.Context, wire.Message)
}

func newHarness(tg *target) *harness {
	h := &harness{tg: tg, rec: &recorder{}}
	_, h.full = tg.dispatcher(h.rec, true)
	_, h.bare = tg.dispatcher(h.rec, false)
	return h
}

func (h *harness) check(t *testing.T, frame []byte) {
	t.Helper()
	tg, c := h.tg, h.tg.codec()
	name := tg.provider.Name + " " + tg.dir

	// encoding/json's verdict and value, the reference for pointers.
	doc, docErr := parseJSON(frame)

	// The typed decoder.
	m, err := tg.decode(frame)
	var fe *wire.FrameError
	if err != nil && !errors.As(err, &fe) {
		t.Fatalf("%s: decode error %T %v is not a *wire.FrameError", name, err, err)
	}
	syntax := fe != nil && fe.Syntax != nil
	if (m == nil) != syntax {
		t.Fatalf("%s: decode returned message %v with error %v: a nil message goes with a syntax error and only with one", name, m, err)
	}
	if syntax != (docErr != nil) {
		t.Fatalf("%s: syntax verdicts differ: decoder %v, encoding/json %v", name, err, docErr)
	}

	// Check, with drift.
	r := c.Check(frame, true)
	if (r.Syntax != nil) != syntax {
		t.Fatalf("%s: Check syntax %v, decode error %v", name, r.Syntax, err)
	}
	if (r.Message == nil) != syntax {
		t.Fatalf("%s: Check returned message %v with syntax %v", name, r.Message, r.Syntax)
	}

	// Judge, with every policy.
	for _, p := range []wire.Policy{wire.Report, wire.Strict, wire.Off} {
		jm, jerr := c.Judge(frame, p)
		if (jm == nil) != syntax {
			t.Fatalf("%s: Judge(%d) returned message %v, syntax error %v", name, p, jm, syntax)
		}
		if p == wire.Off {
			if (jerr != nil) != syntax {
				t.Fatalf("%s: Judge(Off) error %v, syntax error %v", name, jerr, syntax)
			}
			continue
		}
		if (jerr == nil) != r.Valid() {
			t.Fatalf("%s: Judge(%d) error %v but Check valid=%v %v", name, p, jerr, r.Valid(), r.Violations)
		}
		if jerr != nil {
			var jfe *wire.FrameError
			if !errors.As(jerr, &jfe) {
				t.Fatalf("%s: Judge(%d) error %T is not a *wire.FrameError", name, p, jerr)
			}
			if !slices.Equal(jfe.Violations, r.Violations) {
				t.Fatalf("%s: Judge(%d) violations %v, Check (with drift) %v", name, p, jfe.Violations, r.Violations)
			}
		}
		if jm != nil && jm.MessageName() != r.Name {
			t.Fatalf("%s: Judge(%d) decoded %q, Check %q", name, p, jm.MessageName(), r.Name)
		}
	}
	if syntax {
		return
	}

	// Invalid UTF-8 is reported first, at the frame, with the offset of
	// the first bad byte; valid UTF-8 never is.
	hasUTF8 := len(r.Violations) > 0 && r.Violations[0].Keyword == wire.KeywordUTF8
	if utf8.Valid(frame) == hasUTF8 {
		t.Fatalf("%s: utf8.Valid %v, violations %v", name, utf8.Valid(frame), r.Violations)
	}
	if hasUTF8 {
		off := 0
		for off < len(frame) {
			r, n := utf8.DecodeRune(frame[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		if v := r.Violations[0]; v.Pointer != "" || !strings.HasSuffix(v.Message, " offset "+strconv.Itoa(off)) {
			t.Fatalf("%s: utf8 violation %v, first bad byte at %d", name, v, off)
		}
	}

	// The decoded message.
	if m.MessageName() != r.Name {
		t.Fatalf("%s: decoded %q, Check %q", name, m.MessageName(), r.Name)
	}
	if !bytes.Equal(m.RawFrame(), frame) {
		t.Fatalf("%s: %q keeps %q, not its frame", name, m.MessageName(), m.RawFrame())
	}
	unknown := tg.isUnknown(m)
	if unknown != (m.MessageName() == "") {
		t.Fatalf("%s: message %T is named %q", name, m, m.MessageName())
	}
	if !unknown && !slices.Contains(c.Messages, m.MessageName()) {
		t.Fatalf("%s: message %q is not in the codec's list %v", name, m.MessageName(), c.Messages)
	}
	if fe != nil && (len(fe.Violations) == 0 || !hasPrefix(r.Violations, fe.Violations)) {
		t.Fatalf("%s: decode violations %v are not the start of Check's %v", name, fe.Violations, r.Violations)
	}
	verr := m.Validate()
	if unknown && verr != nil {
		t.Fatalf("%s: Validate of an unknown frame: %v", name, verr)
	}
	var ve *wire.ValidationError
	if verr != nil && (!errors.As(verr, &ve) || len(ve.Violations) == 0) {
		t.Fatalf("%s: Validate error %T %v is not a *wire.ValidationError with violations", name, verr, verr)
	}
	if unknown {
		if r.Valid() {
			t.Fatalf("%s: an unknown frame is valid", name)
		}
		if !slices.ContainsFunc(r.Violations, func(v wire.Violation) bool { return v.Pointer == "" && v.Keyword == "oneOf" }) {
			t.Fatalf("%s: an unknown frame has no oneOf violation at the frame: %v", name, r.Violations)
		}
	}

	// Every pointer resolves in the frame.
	for _, v := range r.Violations {
		checkViolation(t, name, frame, doc, v)
	}
	for _, p := range r.Drift {
		if !validPointer(p) {
			t.Fatalf("%s: drift pointer %q is not a JSON pointer", name, p)
		}
		if _, ok := resolve(doc, p); !ok && !hasDuplicateKey(frame) {
			t.Fatalf("%s: drift pointer %q does not resolve in the frame", name, p)
		}
	}

	// The dispatchers.
	h.dispatch(t, name, m, frame, doc, unknown)

	// Round trip.
	if r.Valid() {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("%s: re-encoding valid %q: %v", name, r.Name, err)
		}
		m2, err := tg.decode(b)
		if m2 == nil {
			t.Fatalf("%s: re-encoded %q %s does not decode: %v", name, r.Name, b, err)
		}
		if m2.MessageName() != r.Name {
			t.Fatalf("%s: %q re-encoded as %s decodes as %q", name, r.Name, b, m2.MessageName())
		}
		if r2 := c.Check(b, false); !r2.Valid() {
			t.Fatalf("%s: %q re-encoded as %s is invalid: %v", name, r.Name, b, r2.Err(c))
		}
	}
}

// dispatch hands m to both dispatchers and checks where it went.
func (h *harness) dispatch(t *testing.T, name string, m wire.Message, frame []byte, doc any, unknown bool) {
	t.Helper()
	rec := h.rec
	ctx := context.Background()

	rec.reset(t, name, m, frame, doc)
	h.full(ctx, m)
	switch {
	case unknown && (rec.unknown != 1 || rec.tops+rec.subs+rec.unhandled != 0):
		t.Fatalf("%s: an unknown frame went to %s", name, rec)
	case !unknown && (rec.tops != 1 || rec.unhandled != 0):
		t.Fatalf("%s: %q with every handler registered went to %s", name, m.MessageName(), rec)
	}

	rec.reset(t, name, m, frame, doc)
	h.bare(ctx, m)
	switch {
	case rec.tops+rec.subs != 0:
		t.Fatalf("%s: typed handlers called though none is registered: %s", name, rec)
	case unknown && (rec.unknown != 1 || rec.unhandled != 0):
		t.Fatalf("%s: an unknown frame went to %s", name, rec)
	case !unknown && (rec.unhandled > 1 || rec.unhandled+rec.unknown == 0):
		t.Fatalf("%s: %q with only OnUnknown and OnUnhandled went to %s", name, m.MessageName(), rec)
	}
	rec.reset(nil, "", nil, nil, nil)
}

// recorder counts handler calls and checks their arguments.
type recorder struct {
	t     *testing.T
	name  string
	msg   wire.Message
	frame []byte
	doc   any

	tops, subs, unknown, unhandled int
}

func (r *recorder) reset(t *testing.T, name string, m wire.Message, frame []byte, doc any) {
	*r = recorder{t: t, name: name, msg: m, frame: frame, doc: doc}
}

func (r *recorder) String() string {
	return "typed " + strconv.Itoa(r.tops) + ", union " + strconv.Itoa(r.subs) +
		", OnUnknown " + strconv.Itoa(r.unknown) + ", OnUnhandled " + strconv.Itoa(r.unhandled)
}

func (r *recorder) onTop(m wire.Message) {
	r.tops++
	if m != r.msg {
		r.t.Fatalf("%s: a typed handler got %T, not the dispatched %T", r.name, m, r.msg)
	}
}

func (r *recorder) onSub(parent wire.Message, v interface{ Validate() error }) {
	r.subs++
	if parent != r.msg {
		r.t.Fatalf("%s: a union handler got parent %T, not the dispatched %T", r.name, parent, r.msg)
	}
	_ = v.Validate()
}

func (r *recorder) onUnhandled(m wire.Message) {
	r.unhandled++
	if m != r.msg {
		r.t.Fatalf("%s: OnUnhandled got %T, not the dispatched %T", r.name, m, r.msg)
	}
}

func (r *recorder) onUnknown(_ context.Context, u *wire.Unknown) {
	r.unknown++
	if u.Pointer == "" {
		if !bytes.Equal(u.Raw, r.frame) {
			r.t.Fatalf("%s: OnUnknown for the frame got %q, not the frame", r.name, u.Raw)
		}
		return
	}
	if !validPointer(u.Pointer) {
		r.t.Fatalf("%s: unknown value at %q: not a JSON pointer", r.name, u.Pointer)
	}
	if hasDuplicateKey(r.frame) {
		return // the value at the pointer may be another occurrence of a key
	}
	at, ok := resolve(r.doc, u.Pointer)
	if !ok {
		r.t.Fatalf("%s: unknown value at %q: the pointer does not resolve in the frame", r.name, u.Pointer)
	}
	raw, err := parseJSON(u.Raw)
	if err != nil {
		r.t.Fatalf("%s: unknown value at %q is not JSON: %v", r.name, u.Pointer, err)
	}
	if !reflect.DeepEqual(raw, at) {
		r.t.Fatalf("%s: unknown value at %q is %s, the frame has %v there", r.name, u.Pointer, u.Raw, at)
	}
}

// checkViolation requires v's pointer to be an RFC 6901 pointer that
// resolves in doc, frame decoded by encoding/json: a "required" violation
// points at the object that lacks the property, every other one at the
// offending value. In a frame with a duplicate key only the syntax is
// checked: the decoders check every occurrence, doc holds the last.
func checkViolation(t *testing.T, name string, frame []byte, doc any, v wire.Violation) {
	t.Helper()
	if !validPointer(v.Pointer) {
		t.Fatalf("%s: violation %v: %q is not a JSON pointer", name, v, v.Pointer)
	}
	if hasDuplicateKey(frame) {
		return
	}
	at, ok := resolve(doc, v.Pointer)
	if !ok {
		t.Fatalf("%s: violation %v: the pointer does not resolve in the frame", name, v)
	}
	if v.Keyword != "required" {
		return
	}
	obj, ok := at.(map[string]any)
	if !ok {
		t.Fatalf("%s: violation %v: points at %T, not an object", name, v, at)
	}
	q, found := strings.CutPrefix(v.Message, "missing property ")
	if !found {
		return
	}
	prop, err := strconv.Unquote(q)
	if err != nil {
		return
	}
	if _, has := obj[prop]; has {
		t.Fatalf("%s: violation %v: the object has the property", name, v)
	}
}

// hasDuplicateKey reports whether some object of the JSON value b has a
// key twice (after unescaping), which encoding/json's maps hide.
func hasDuplicateKey(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	type level struct {
		obj  bool
		keys map[string]bool
		key  bool // the next token of an object is a key
	}
	var stack []*level
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.obj && top.key {
			k := tok.(string)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		if top != nil && top.obj {
			top.key = true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &level{obj: d == '{', keys: map[string]bool{}, key: true})
		}
	}
}

func hasPrefix(all, prefix []wire.Violation) bool {
	return len(prefix) <= len(all) && slices.Equal(all[:len(prefix)], prefix)
}

// parseJSON decodes one JSON value as encoding/json does, numbers kept as
// json.Number, and rejects trailing data.
func parseJSON(b []byte) (any, error) {
	if !json.Valid(b) {
		return nil, errors.New("not a JSON value")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
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
		if p[i] == '~' && (i+1 == len(p) || (p[i+1] != '0' && p[i+1] != '1')) {
			return false
		}
	}
	return true
}

// resolve returns the value p points at in doc. Object keys are compared
// after encoding/json's replacement of invalid UTF-8, which doc has had.
func resolve(doc any, p string) (any, bool) {
	if p == "" {
		return doc, true
	}
	cur := doc
	for _, tok := range strings.Split(p[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				if next, ok = v[string([]rune(tok))]; !ok {
					return nil, false
				}
			}
			cur = next
		case []any:
			if tok == "" || (len(tok) > 1 && tok[0] == '0') {
				return nil, false
			}
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// TestEveryHandlerRegistered makes sure the full dispatchers of
// handlers_test.go register every handler the generated dispatchers have.
func TestEveryHandlerRegistered(t *testing.T) {
	for _, tg := range targets {
		d, _ := tg.dispatcher(&recorder{}, true)
		v := reflect.ValueOf(d).Elem()
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.Func && f.IsNil() {
				t.Errorf("%s %s: %s.%s is not registered: regenerate handlers_test.go", tg.provider.Name, tg.dir, v.Type(), v.Type().Field(i).Name)
			}
		}
	}
}

// TestTargets fails when generated.Providers lists a codec without a fuzz
// target: a new provider needs two FuzzXxx functions here.
func TestTargets(t *testing.T) {
	seen := map[*wire.Codec]bool{}
	for _, tg := range targets {
		seen[tg.codec()] = true
	}
	for _, p := range generated.Providers {
		if !seen[p.Server] || !seen[p.Client] {
			t.Errorf("%s: a direction has no fuzz target", p.Name)
		}
	}
}
