package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(vars ...string) func(string) (string, bool) {
	m := map[string]string{}
	for _, v := range vars {
		m[v] = "x"
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

const good = `
replica: r1
nats: {url: nats://127.0.0.1:4222}
stream: {name: EVENTS, replicas: 3, retention: limits, duplicate_window: 5m}
leases: {ttl: 5s}
connections:
  - name: astro-main
    provider: astro
    url: wss://astro.streamelements.com/
    credentials: {token: ASTRO_TOKEN, token_type: ASTRO_TOKEN_TYPE}
    subjects: {ChannelTipsMessage: "tips.{/room}"}
    subscriptions:
      - {call: Subscribe, args: [channel.tips, "5ad23dcc18fff500d78c5348"]}
`

func TestParseGood(t *testing.T) {
	c, err := Parse([]byte(good), env("ASTRO_TOKEN", "ASTRO_TOKEN_TYPE"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Stream.Name != "EVENTS" || c.Stream.Replicas != 3 || c.Leases.TTL.Duration != 5*time.Second || c.NATS.Embedded {
		t.Fatalf("parsed %+v", c)
	}
	if c.Publish.MaxInFlight != 512 || c.Leases.Bucket != "wsbind-leases" {
		t.Fatalf("defaults: %+v", c)
	}
	got := c.Connections[0].ResolveCredentials(env("ASTRO_TOKEN"))
	if got["token"] != "x" || len(got) != 1 {
		t.Fatalf("credentials: %v", got)
	}
}

func TestParseEmbeddedDefault(t *testing.T) {
	c, err := Parse([]byte("connections: []\n"), env())
	if err != nil {
		t.Fatal(err)
	}
	if !c.NATS.Embedded || c.NATS.Dir != "./data" || c.NATS.Listen != "127.0.0.1:4222" {
		t.Fatalf("nats: %+v", c.NATS)
	}
}

// Each bad config names the key it is about.
func TestParseErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, edit string
		vars       []string
		want       []string
	}{
		{"unknown provider", `provider: astro`, nil, []string{"connections[0].provider", `unknown provider "twitch"`, "astro, dlive, neuro, octave"}},
		{"missing credential variable", ``, []string{"ASTRO_TOKEN"}, []string{"connections[0].credentials.token_type", "ASTRO_TOKEN_TYPE is not set"}},
		{"bad subject template", `"tips.{/room}"`, nil, []string{"connections[0].subjects", "ChannelTipsMessage", `"tips.{room}"`}},
		{"subject of no message", `ChannelTipsMessage:`, nil, []string{"connections[0].subjects", `no message "Tips"`}},
		{"unknown call", `call: Subscribe`, nil, []string{"connections[0].subscriptions[0].call", `"Listen"`, "Subscribe"}},
		{"unknown key", `leases: {ttl: 5s}`, nil, []string{"field tll not found"}},
		{"bad duration", `leases: {ttl: 5s}`, nil, []string{"not a duration"}},
		{"credential key", `token_type: ASTRO_TOKEN_TYPE`, nil, []string{"connections[0].credentials.secret", "takes no credential"}},
	}
	repl := map[string]string{
		"unknown provider":            `provider: twitch`,
		"missing credential variable": ``,
		"bad subject template":        `"tips.{room}"`,
		"subject of no message":       `Tips:`,
		"unknown call":                `call: Listen`,
		"unknown key":                 `leases: {tll: 5s}`,
		"bad duration":                `leases: {ttl: soon}`,
		"credential key":              `secret: ASTRO_TOKEN_TYPE`,
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := good
			if c.edit != "" {
				if !strings.Contains(doc, c.edit) {
					t.Fatalf("edit %q not in the config", c.edit)
				}
				doc = strings.Replace(doc, c.edit, repl[c.name], 1)
			}
			vars := c.vars
			if vars == nil {
				vars = []string{"ASTRO_TOKEN", "ASTRO_TOKEN_TYPE"}
			}
			_, err := Parse([]byte(doc), env(vars...))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"both":              "nats: {url: nats://x:4222, embedded: true}\n",
		"listen off loop":   "nats: {embedded: true, listen: 0.0.0.0:4222}\n",
		"window":            "leases: {ttl: 60s}\nstream: {duplicate_window: 1m}\n",
		"retention":         "stream: {retention: forever}\n",
		"spec and provider": "connections: [{name: x, provider: astro, spec: my.yaml}]\n",
		"neither":           "connections: [{name: x, url: 'wss://x.example'}]\n",
	} {
		if _, err := Parse([]byte(doc), env()); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

const (
	tickerDoc = "../bridge/testdata/spec/ticker.yaml"
	feedDoc   = "../bridge/testdata/spec/feed.yaml"
)

const goodSpec = `
nats: {url: nats://127.0.0.1:4222}
connections:
  - name: ticker
    spec: ` + tickerDoc + `
    url: ws://127.0.0.1:9/ticker
    subjects: {Tick: "px.{/symbol}"}
    subscriptions:
      - {send: '{"op":"subscribe","symbol":"ACME"}'}
      - {send_example: subscribe}
      - {call: send, args: ['{"op":"subscribe","symbol":"BETA"}']}
  - name: feed
    spec: ` + feedDoc + `
    url: wss://feed.example.com/feed/{topic}
    params: {topic: news}
    credentials: {token: FEED_TOKEN}
    headers: {X-Api-Key: FEED_KEY}
    subscriptions:
      - {send: '{"op":"subscribe","item":"weather"}'}
`

func specEnv(k string) (string, bool) {
	v, ok := map[string]string{"FEED_TOKEN": "feed-token-0d9a", "FEED_KEY": "key-value-77"}[k]
	return v, ok
}

func TestParseSpec(t *testing.T) {
	c, err := Parse([]byte(goodSpec), specEnv)
	if err != nil {
		t.Fatal(err)
	}
	tk := c.Connection("ticker")
	if tk.Document() == nil || tk.ProviderName() != "ticker" || tk.Wire() != tk.Document().Provider {
		t.Fatalf("ticker: %+v", tk)
	}
	if got := tk.Events(); strings.Join(got, ",") != "Tick" {
		t.Errorf("events %v (the welcome and replies are not events)", got)
	}
	subs := tk.Subscriptions
	if subs[0].Call != CallSend || subs[0].Args[0] != `{"op":"subscribe","symbol":"ACME"}` ||
		subs[1].Call != CallSendExample || subs[1].Args[0] != "subscribe" || subs[2].Call != CallSend {
		t.Errorf("subscriptions %+v", subs)
	}
	rc, err := tk.Rules()
	if err != nil {
		t.Fatal(err)
	}
	if m := rc.Lookup("Tick"); m == nil || m.Token != "tick" || len(m.Key) != 2 || m.Key[0].Literal != "px" || strings.Join(m.Dedupe, "/") != "id" {
		t.Errorf("Tick rule %+v", m)
	}
	if err := tk.CheckSubscription(Subscription{Call: CallSend, Args: []string{`{"op":"subscribe","symbol":"x"}`}}); err == nil || !strings.Contains(err.Error(), "is not a valid Subscribe: /symbol") {
		t.Errorf("CheckSubscription: %v", err)
	}
	if err := tk.CheckSubscription(Subscription{Call: CallSendExample, Args: []string{"subscribe"}}); err != nil {
		t.Errorf("CheckSubscription: %v", err)
	}
	o := c.Connection("feed").PlanOptions(specEnv)
	if len(o.Headers) != 1 || o.Headers[0] != "X-Api-Key: key-value-77" {
		t.Errorf("headers %q", o.Headers)
	}
	// A built-in provider's subscriptions are checked as before.
	if err := CheckSubscription(nil, Subscription{Call: "Subscribe"}); err == nil {
		t.Error("a nil provider accepted a subscription")
	}
}

// Load reads a spec path relative to the config file's folder.
func TestLoadSpecRelativeToTheConfig(t *testing.T) {
	dir := t.TempDir()
	doc, err := os.ReadFile(tickerDoc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ticker.yaml"), doc, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := "nats: {url: nats://127.0.0.1:4222}\nconnections: [{name: t, spec: ticker.yaml, url: 'ws://127.0.0.1:9/ticker', subscriptions: [{send_example: subscribe}]}]\n"
	path := filepath.Join(dir, "bridge.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Connections[0].ProviderName() != "ticker" {
		t.Errorf("provider %q", c.Connections[0].ProviderName())
	}
}

// Each bad spec connection names the key it is about, and no error shows
// a credential, a header value or a frame's value.
func TestParseSpecErrorsNameTheKey(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("asyncapi: 3.0.0\ninfo: [not, a, map]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		from, to string
		env      func(string) (string, bool)
		want     []string
	}{
		"no such document": {"spec: " + tickerDoc, "spec: nope.yaml", nil, []string{"connections[0].spec: ", "nope.yaml"}},
		"unparseable":      {"spec: " + tickerDoc, "spec: " + bad, nil, []string{"connections[0].spec: ", "bad.yaml"}},
		"both":             {"spec: " + tickerDoc, "spec: " + tickerDoc + "\n    provider: astro", nil, []string{"connections[0]: give provider (a built-in client) or spec (a document), not both"}},
		"describes":        {"url: ws://127.0.0.1:9/ticker", "url: ws://127.0.0.1:9/ticker\n    describes: both", nil, []string{"connections[0].describes: must be server or client, not \"both\""}},
		"invalid frame": {`{send: '{"op":"subscribe","symbol":"ACME"}'}`, `{send: '{"op":"subscribe","symbol":"secret-value"}'}`, nil,
			[]string{"connections[0].subscriptions[0].send is not a valid Subscribe: /symbol"}},
		"not JSON": {`{send: '{"op":"subscribe","symbol":"ACME"}'}`, `{send: '{"op":"subscribe"'}`, nil, []string{"connections[0].subscriptions[0].send is not JSON"}},
		"wrong op": {`{send: '{"op":"subscribe","symbol":"ACME"}'}`, `{send: '{"op":"buy","symbol":"ACME"}'}`, nil, []string{`connections[0].subscriptions[0].send is not a valid Subscribe: /op: value must be "subscribe"`}},
		"unknown example": {"{send_example: subscribe}", "{send_example: Tick}", nil,
			[]string{"connections[0].subscriptions[1].send_example: " + tickerDoc + " has no client message Tick (client messages: Subscribe"}},
		"send and call":         {"{send_example: subscribe}", "{send_example: subscribe, call: send}", nil, []string{"connections[0].subscriptions[1]: give one of send, send_example or call"}},
		"a call":                {"{send_example: subscribe}", "{call: Subscribe, args: [x]}", nil, []string{`connections[0].subscriptions[1].call: "Subscribe": a spec connection's call is send`}},
		"two args":              {"{send_example: subscribe}", "{call: send_example, args: [a, b]}", nil, []string{"connections[0].subscriptions[1].args: send_example takes 1, got 2"}},
		"nothing to send":       {"{send_example: subscribe}", "{}", nil, []string{"connections[0].subscriptions[1]: a spec connection subscribes by sending frames"}},
		"subject of no message": {`Tick: "px.{/symbol}"`, `Quote: "px"`, nil, []string{`connections[0].subjects: ticker has no message "Quote"`}},
		"bad subject":           {`Tick: "px.{/symbol}"`, `Tick: "px.{symbol}"`, nil, []string{"connections[0].subjects: Tick: subject template", `"symbol" is not a JSON pointer`}},
		"credentials, no auth": {"url: ws://127.0.0.1:9/ticker", "url: ws://127.0.0.1:9/ticker\n    credentials: {token: FEED_TOKEN}", nil,
			[]string{"connections[0].credentials: server local of " + tickerDoc + " has no x-wsbind-auth; give credentials with connections[0].headers or in connections[0].url"}},
		"unknown param":        {"url: ws://127.0.0.1:9/ticker", "url: ws://127.0.0.1:9/ticker\n    params: {floor: '2'}", nil, []string{"connections[0].params.floor: the URL has no {floor}"}},
		"plain ws elsewhere":   {"url: ws://127.0.0.1:9/ticker", "url: ws://10.1.2.3/ticker", nil, []string{"connections[0]: refusing plain ws:// to 10.1.2.3, which is not loopback"}},
		"missing param":        {"params: {topic: news}", "params: {}", nil, []string{"connections[1]: the URL needs {topic} (a parameter of channel feed): give connections[1].params.topic: VALUE, one of news, sport"}},
		"param not in enum":    {"params: {topic: news}", "params: {topic: cars}", nil, []string{"connections[1].params.topic: cars: the document allows only news, sport"}},
		"credential key":       {"credentials: {token: FEED_TOKEN}", "credentials: {token: FEED_TOKEN, secret: FEED_KEY}", nil, []string{`connections[1].credentials.secret: feed takes no credential "secret" (it takes token)`}},
		"credential variable":  {"", "", env(), []string{"connections[1].credentials.token: environment variable FEED_TOKEN is not set", "connections[1].headers.X-Api-Key: environment variable FEED_KEY is not set"}},
		"credential not given": {"credentials: {token: FEED_TOKEN}", "credentials: {}", nil, []string{`connections[1]: server local of ` + feedDoc + ` authenticates with an x-wsbind-auth "init-payload" step, which needs connections[1].credentials.token; refusing to dial a real endpoint`}},
		"short header": {"", "", func(k string) (string, bool) {
			v, ok := specEnv(k)
			if k == "FEED_KEY" {
				v = "abc"
			}
			return v, ok
		}, []string{"connections[1].headers X-Api-Key: the value is shorter than 4 characters"}},
		"spec-only key of a built-in provider": {"spec: " + tickerDoc + "\n    url: ws://127.0.0.1:9/ticker", "provider: astro\n    params: {a: b}", nil, []string{"connections[0].params: applies to spec connections only"}},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(goodSpec, tc.from) {
				t.Fatalf("%q not in the config", tc.from)
			}
			lookup := tc.env
			if lookup == nil {
				lookup = specEnv
			}
			_, err := Parse([]byte(strings.Replace(goodSpec, tc.from, tc.to, 1)), lookup)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, secret := range []string{"feed-token-0d9a", "key-value-77", "secret-value"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows %q: %v", secret, err)
				}
			}
		})
	}
}
