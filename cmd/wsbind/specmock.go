package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/internal/specclient"
	"github.com/wsbind/wsbind/runtime/testserver"
)

// specMock serves any document (`wsbind mock --spec`): it accepts every
// connection, checks each client frame against the spec, answers a
// request with the first example of each of its replies (its correlation
// id copied from the request), and replays event examples to everyone.
type specMock struct {
	spec *interp.Spec
	srv  *testserver.Server
	log  io.Writer // shared with the replay loop: a syncWriter
}

// syncWriter serialises writes from the mock's connections and its
// replay loop.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

func startSpecMock(s *interp.Spec, opt testserver.MockOptions, log io.Writer) (*specMock, error) {
	m := &specMock{spec: s, log: log}
	srv, err := testserver.New(m, testserver.Options{Addr: opt.Addr, Limits: opt.Limits})
	if err != nil {
		return nil, err
	}
	m.srv = srv
	return m, nil
}

func (m *specMock) URL() string { return m.srv.URL + "/" }

func (m *specMock) Credentials() []string {
	return []string{"no auth step: the document's security is not enforced by the mock; any path is served"}
}

func (m *specMock) Replay(frame []byte) int {
	n := 0
	for _, c := range m.srv.Conns() {
		c.Send(frame)
		n++
	}
	return n
}

func (m *specMock) Stats() testserver.Stats { return m.srv.Stats() }

func (m *specMock) Close() { m.srv.Close() }

// Accept takes every upgrade: the mock does not run auth steps.
func (m *specMock) Accept(*http.Request) (int, string, http.Header) { return 0, "", nil }

func (m *specMock) Open(*testserver.Conn) {}

func (m *specMock) Closed(*testserver.Conn) {}

// Frame checks a client frame and answers it when the spec says how.
func (m *specMock) Frame(c *testserver.Conn, frame []byte) {
	r := m.spec.Client.Check(frame, false)
	name := r.Name
	if name == "" {
		name = unmatched
	}
	switch {
	case r.Valid() && r.Name != "":
		m.logf("client %s ok", name)
	case len(r.Violations) > 0:
		v := r.Violations[0]
		m.logf("client %s INVALID: %s: %s (%s)", name, pointerOrFrame(v.Pointer), v.Message, v.Keyword)
		return
	default:
		m.logf("client %s INVALID: malformed JSON", name)
		return
	}
	for _, reply := range m.spec.Replies[r.Name] {
		out, ok := m.answer(r.Name, frame, reply)
		if !ok {
			m.logf("  no example of %s to answer with", reply)
			continue
		}
		c.Send(out)
		m.logf("  answered with %s", reply)
	}
}

// answer is reply's first example, with the request's correlation id put
// where the reply keeps its own.
func (m *specMock) answer(request string, frame []byte, reply string) ([]byte, bool) {
	for _, ex := range m.spec.Examples {
		if ex.Message != reply || ex.Direction != "server" {
			continue
		}
		from, to := m.spec.Correlation[request], m.spec.Correlation[reply]
		if from == "" || to == "" {
			return []byte(ex.JSON), true
		}
		var req, rep any
		if json.Unmarshal(frame, &req) != nil || json.Unmarshal([]byte(ex.JSON), &rep) != nil {
			return []byte(ex.JSON), true
		}
		id, ok := specclient.PointerGet(req, from)
		if !ok {
			return []byte(ex.JSON), true
		}
		rep, ok = pointerSet(rep, to, id)
		if !ok {
			return []byte(ex.JSON), true
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(rep) != nil {
			return []byte(ex.JSON), true
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true
	}
	return nil, false
}

func (m *specMock) logf(format string, args ...any) {
	fmt.Fprintf(m.log, format+"\n", args...)
}

func pointerOrFrame(p string) string {
	if p == "" {
		return "(frame)"
	}
	return p
}

// pointerSet puts val at a JSON pointer whose parent exists, and returns
// the updated root.
func pointerSet(root any, ptr string, val any) (any, bool) {
	toks := specclient.PointerTokens(ptr)
	parent, ok := specclient.PointerGet(root, "/"+strings.Join(escapeTokens(toks[:len(toks)-1]), "/"))
	if len(toks) == 1 {
		parent, ok = root, true
	}
	if !ok {
		return root, false
	}
	last := toks[len(toks)-1]
	switch x := parent.(type) {
	case map[string]any:
		x[last] = val
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i < 0 || i >= len(x) {
			return root, false
		}
		x[i] = val
	default:
		return root, false
	}
	return root, true
}

func escapeTokens(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
	}
	return out
}
