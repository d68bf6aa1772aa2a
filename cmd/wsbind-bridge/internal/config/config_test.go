package config

import (
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
		"both":            "nats: {url: nats://x:4222, embedded: true}\n",
		"listen off loop": "nats: {embedded: true, listen: 0.0.0.0:4222}\n",
		"window":          "leases: {ttl: 60s}\nstream: {duplicate_window: 1m}\n",
		"retention":       "stream: {retention: forever}\n",
		"spec":            "connections: [{name: x, spec: my.yaml}]\n",
	} {
		if _, err := Parse([]byte(doc), env()); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
