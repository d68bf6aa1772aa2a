package infer

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSecretKey(t *testing.T) {
	for k, want := range map[string]bool{
		"token": true, "reconnect_token": true, "sessionId": true, "X-Api-Key": true, "apiKey": true,
		"Authorization": true, "password": true, "client_secret": true, "signature": true, "cookie": true,
		"token_type": false, "topic": false, "monkey": false, "keyboard": false, "author": false, "id": false,
	} {
		if got := SecretKey(k); got != want {
			t.Errorf("SecretKey(%q) = %v, want %v", k, got, want)
		}
	}
}

func TestSecretValue(t *testing.T) {
	for s, want := range map[string]bool{
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl":                true,
		"qk_live_9fK2mZ7xQ4pL8sV1nB6tR3wY0cD5hJ":                           true,
		"Bearer abc":                                                       true,
		"5ad23dcc18fff500d78c5348":                                         false, // a hex id
		"86ccb2b3-eb8d-4b3c-902d-509c3f5ca88c":                             false, // a UUID
		"68ad3a464ae2f860541e98dfe28a64756ef772811d2307298f0fb865b5593566": false, // a hash
		"successfully subscribed to topic":                                 false,
	} {
		if got := SecretValue(s); got != want {
			t.Errorf("SecretValue(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestFormats(t *testing.T) {
	for s, want := range map[string]string{
		"2026-03-20T10:15:00Z":                 "date-time",
		"2026-03-20T10:15:00.123+02:00":        "date-time",
		"2026-02-30":                           "",
		"2026-03-20":                           "date",
		"https://x.com/a/status/1":             "uri",
		"donor@example.com":                    "email",
		"86ccb2b3-eb8d-4b3c-902d-509c3f5ca88c": "uuid",
		"channel.tips":                         "",
		"https://bad host/":                    "",
	} {
		if got := formatName(formatsOf(s)); got != want {
			t.Errorf("format of %q = %q, want %q", s, got, want)
		}
	}
}

// infer runs the engine on frames of one socket and returns the document
// decoded as a generic tree.
func infer(t *testing.T, opt Options, frames ...string) (map[string]any, *Report) {
	t.Helper()
	e := New(opt)
	s := e.Socket("wss://api.example.test/ws?token=abc&room=1")
	for _, f := range frames {
		dir := "server"
		if strings.HasPrefix(f, ">") {
			dir, f = "client", f[1:]
		}
		e.Frame(s, dir, []byte(f))
	}
	res, err := e.Result()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(res.YAML, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, res.Report
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func TestSchemaGuesses(t *testing.T) {
	var frames []string
	for i := range 6 {
		amount := fmt.Sprint(i * 10)
		if i == 2 {
			amount = "2.5"
		}
		frames = append(frames, fmt.Sprintf(`{"type":"tip","amount":%s,"currency":"%s","note":%s,"at":"2026-01-0%dT00:00:00Z","goals":{"%d":{"n":1}},"token":"t-%d"}`,
			amount, []string{"USD", "EUR"}[i%2], map[bool]string{true: "null", false: `"hi"`}[i%3 == 0], i+1, 1000+i, i))
	}
	doc, rep := infer(t, Options{}, frames...)
	p := dig(doc, "components", "messages", "Tip", "payload", "properties").(map[string]any)
	check := func(field, key string, want any) {
		t.Helper()
		if got := dig(p, field, key); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s.%s = %v, want %v", field, key, got, want)
		}
	}
	check("type", "const", "tip")
	check("amount", "type", "number")
	check("currency", "x-extensible-enum", []string{"EUR", "USD"})
	check("note", "type", []string{"string", "null"})
	check("at", "format", "date-time")
	check("goals", "type", "object")
	if dig(p, "goals", "additionalProperties") == nil {
		t.Error("goals, keyed by ids, is not a map")
	}
	if dig(p, "token", "x-extensible-enum") != nil || dig(p, "token", "format") != nil {
		t.Error("a credential field got an enum or a format")
	}
	req := fmt.Sprint(dig(doc, "components", "messages", "Tip", "payload", "required"))
	for _, f := range []string{"type", "amount", "currency", "at"} {
		if !strings.Contains(req, f) {
			t.Errorf("%s is not required: %s", f, req)
		}
	}
	var buf bytes.Buffer
	rep.Write(&buf)
	if !strings.Contains(buf.String(), "`amount`: number, since 1 of 6 samples are not integers") {
		t.Errorf("report lacks the amount guess:\n%s", buf.String())
	}
	// The query parameter is in the ws binding, its value nowhere.
	if dig(doc, "channels", "ws", "bindings", "ws", "query", "properties", "token") == nil {
		t.Errorf("no token in the query binding: %v", dig(doc, "channels"))
	}
}

// Examples are redacted unless KeepValues.
func TestRedactedExamples(t *testing.T) {
	frame := `{"type":"hello","session":{"id":"s-1","n":5},"jwt":"x","note":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl","ok":true}`
	for _, keep := range []bool{false, true} {
		e := New(Options{KeepValues: keep})
		e.Frame(e.Socket("ws://localhost/"), "server", []byte(frame))
		res, err := e.Result()
		if err != nil {
			t.Fatal(err)
		}
		leaked := bytes.Contains(res.YAML, []byte("s-1")) || bytes.Contains(res.YAML, []byte("eyJhbGci"))
		if leaked != keep {
			t.Errorf("keep %v: secrets in the document: %v\n%s", keep, leaked, res.YAML)
		}
	}
}

func TestBadInput(t *testing.T) {
	e := New(Options{})
	if _, err := e.Result(); err != ErrNoFrames {
		t.Errorf("no frames: %v", err)
	}
	e = New(Options{})
	s := e.Socket("wss://x.test/")
	e.Skip(s, true)
	if _, err := e.Result(); err == nil || !strings.Contains(err.Error(), "binary") {
		t.Errorf("binary only: %v", err)
	}
	e = New(Options{})
	s = e.Socket("wss://x.test/")
	e.Frame(s, "server", []byte("hello"))
	e.Frame(s, "server", []byte("{"))
	if _, err := e.Result(); err == nil || !strings.Contains(err.Error(), "none of the 2 text frames is JSON") {
		t.Errorf("no JSON: %v", err)
	}
	e = New(Options{})
	s = e.Socket("wss://x.test/")
	e.Frame(s, "server", []byte("hello"))
	e.Frame(s, "server", []byte(`{"a":1}`))
	if res, err := e.Result(); err != nil || res.Report.Stats.NonJSON != 1 {
		t.Errorf("one JSON frame of two: %v", err)
	}
}

// Random and hostile frames never panic, and state stays bounded: a
// frame with ever new keys turns its object into a map.
func TestHostileFrames(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	e := New(Options{Buffer: 50})
	s := e.Socket("ws://[::1]:80/a%zz?x")
	pieces := []string{`{`, `}`, `[`, `]`, `"type"`, `:`, `,`, `"a"`, `1`, `1.5e999`, `null`, `"\ud800"`, `true`, `"x"`}
	for i := range 2000 {
		var b strings.Builder
		for range rng.Intn(30) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		e.Frame(s, []string{"server", "client"}[i%2], []byte(b.String()))
		e.Frame(s, "server", []byte(fmt.Sprintf(`{"type":"k","data":{"key%d":%d}}`, i, i)))
	}
	e.Frame(s, "server", []byte(strings.Repeat("[", 10000)+strings.Repeat("]", 10000)))
	res, err := e.Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.YAML) > 1<<20 {
		t.Errorf("document of %d bytes from hostile frames", len(res.YAML))
	}
	if !bytes.Contains(res.YAML, []byte("additionalProperties")) {
		t.Error("an object with thousands of keys is not a map")
	}
}

// Merge adds and never removes: a new field, a new message; and a
// document it merged into still holds everything it had.
func TestMerge(t *testing.T) {
	dir := t.TempDir()
	hand := `asyncapi: 3.0.0
info:
  title: Feed
  version: 1.0.0
  x-wsbind-describes: server
channels:
  feed:
    address: /feed
    messages:
      Update:
        $ref: '#/components/messages/Update'
operations:
  sendUpdate:
    action: send
    channel:
      $ref: '#/channels/feed'
    messages:
      - $ref: '#/channels/feed/messages/Update'
components:
  messages:
    Update:
      payload:
        type: object
        required: [type, value]
        properties:
          type:
            type: string
            const: update
          value:
            type: integer # a person wrote this
          kind:
            type: string
            x-extensible-enum: [a, b]
`
	path := filepath.Join(dir, "feed.yaml")
	if err := os.WriteFile(path, []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	e := New(Options{})
	s := e.Socket("wss://x.test/feed")
	for _, f := range []string{`{"type":"update","value":1,"kind":"c","extra":true}`, `{"type":"gone","at":1}`} {
		e.Frame(s, "server", []byte(f))
	}
	res, err := e.Result()
	if err != nil {
		t.Fatal(err)
	}
	out, changes, err := Merge(path, res, "test.jsonl, 2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(changes, "\n")
	for _, want := range []string{"Update: added optional field /extra", "added x-extensible-enum values c", "added message Gone"} {
		if !strings.Contains(text, want) {
			t.Errorf("changes lack %q:\n%s", want, text)
		}
	}
	for _, kept := range []string{"# a person wrote this", "required: [type, value]", "x-extensible-enum: [a, b, c]", "x-wsbind-inferred: test.jsonl, 2026-01-01"} {
		if !bytes.Contains(out, []byte(kept)) {
			t.Errorf("merged document lacks %q:\n%s", kept, out)
		}
	}
}

func TestChannelAddress(t *testing.T) {
	for path, want := range map[string]string{
		"":                                       "/",
		"/":                                      "/",
		"/api/v2/ws":                             "/api/v2/ws",
		"/session/5ad23dcc18fff500d78c5348/ws":   "/session/{sessionId}/ws",
		"/users/123/feed/456":                    "/users/{userId}/feed/{feedId}",
		"/x/qk_live_9fK2mZ7xQ4pL8sV1nB6tR3wY0cD": "/x/{xId}",
	} {
		if got, _ := channelAddress(path); got != want {
			t.Errorf("channelAddress(%q) = %q, want %q", path, got, want)
		}
	}
}

// A message's remembered places are bounded: past the budget new
// properties stay undeclared and the report says how many.
func TestNodeBudget(t *testing.T) {
	e := New(Options{})
	s := e.Socket("ws://localhost/")
	for i := range 128 {
		for j := range 128 {
			e.Frame(s, "server", []byte(fmt.Sprintf(`{"type":"k","a%d":{"b%d":{"c":1}}}`, i, j)))
		}
	}
	res, err := e.Result()
	if err != nil {
		t.Fatal(err)
	}
	var m *MessageReport
	for i := range res.Report.Messages {
		if res.Report.Messages[i].Name == "K" {
			m = &res.Report.Messages[i]
		}
	}
	if m == nil || m.Refused == 0 || m.Fields > maxNodes {
		t.Fatalf("message K: %+v", m)
	}
	var buf bytes.Buffer
	res.Report.Write(&buf)
	if !strings.Contains(buf.String(), "left undeclared") {
		t.Errorf("the report does not say places were left out:\n%.500s", buf.String())
	}
}
