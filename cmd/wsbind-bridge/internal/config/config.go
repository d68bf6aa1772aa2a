// Package config reads bridge.yaml: the connections to bridge, their
// subscriptions, where NATS is, and the stream, lease and publishing
// settings. Every error names the key it is about.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/rules"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Config is a parsed bridge.yaml.
type Config struct {
	// Replica names this process in leases and logs (default host-pid).
	Replica     string       `yaml:"replica"`
	NATS        NATS         `yaml:"nats"`
	Stream      Stream       `yaml:"stream"`
	Leases      Leases       `yaml:"leases"`
	Publish     Publish      `yaml:"publish"`
	Metrics     Metrics      `yaml:"metrics"`
	Connections []Connection `yaml:"connections"`
}

// NATS says where NATS is: a URL, or an embedded server.
type NATS struct {
	URL      string `yaml:"url"`
	Embedded bool   `yaml:"embedded"`
	// Dir holds the embedded server's JetStream files (default ./data).
	Dir string `yaml:"dir"`
	// Listen is the embedded server's client address, loopback only
	// (default 127.0.0.1:4222), which bridge subscribe also dials.
	Listen string `yaml:"listen"`
}

// Stream is the JetStream stream events go to.
type Stream struct {
	Name      string `yaml:"name"`      // default WSBIND
	Replicas  int    `yaml:"replicas"`  // default 1
	Retention string `yaml:"retention"` // limits (default), interest, workqueue
	// MaxAge bounds how long events are kept (default 0: no limit).
	MaxAge Duration `yaml:"max_age"`
	// DuplicateWindow is JetStream's window for Nats-Msg-Id; it must cover
	// the longest takeover (default 2m, at least 3 lease TTLs).
	DuplicateWindow Duration `yaml:"duplicate_window"`
}

// Leases configure the KV buckets of sharding and failover.
type Leases struct {
	Bucket string `yaml:"bucket"` // default wsbind-leases
	// TTL of a lease: a replica that stops renewing loses its
	// subscriptions after this long (default 10s).
	TTL Duration `yaml:"ttl"`
}

// Publish tunes asynchronous publishing.
type Publish struct {
	// MaxInFlight bounds the events published and not yet acknowledged
	// (default 512). A full window stops reading from the providers.
	MaxInFlight int `yaml:"max_in_flight"`
	// AckTimeout is how long an acknowledgement may take before the event
	// is published again with the same Nats-Msg-Id (default 5s).
	AckTimeout Duration `yaml:"ack_timeout"`
}

// Metrics is where /metrics and /healthz are served ("" for nowhere).
type Metrics struct {
	Listen string `yaml:"listen"`
}

// Connection is one provider endpoint and its subscriptions.
type Connection struct {
	Name     string `yaml:"name"`
	Provider string `yaml:"provider"`
	Spec     string `yaml:"spec"`
	URL      string `yaml:"url"`
	// Credentials maps the client's credential keys (wsbind record --help
	// lists them) to the names of environment variables holding them.
	Credentials map[string]string `yaml:"credentials"`
	// Subjects override x-wsbind-subject per message (Go name).
	Subjects      map[string]string `yaml:"subjects"`
	Subscriptions []Subscription    `yaml:"subscriptions"`
}

// Subscription is one request method of the provider's client with its
// arguments, such as {call: Subscribe, args: [channel.tips, ""]}.
type Subscription struct {
	Call string   `yaml:"call"`
	Args []string `yaml:"args"`
}

// Duration reads "10s", "2m".
type Duration struct{ time.Duration }

// UnmarshalYAML parses a Go duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 10s or 2m", n.Line, n.Value)
	}
	d.Duration = v
	return nil
}

// Load reads and checks a config file, with environment lookups by
// os.LookupEnv.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b, os.LookupEnv)
}

// Parse reads and checks a config. lookup resolves credential variables.
func Parse(b []byte, lookup func(string) (string, bool)) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.defaults()
	if err := c.check(lookup); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &c, nil
}

func (c *Config) defaults() {
	if c.Replica == "" {
		h, _ := os.Hostname()
		c.Replica = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if c.NATS.URL == "" && !c.NATS.Embedded {
		c.NATS.Embedded = true
	}
	if c.NATS.Embedded {
		if c.NATS.Dir == "" {
			c.NATS.Dir = "./data"
		}
		if c.NATS.Listen == "" {
			c.NATS.Listen = "127.0.0.1:4222"
		}
	}
	if c.Stream.Name == "" {
		c.Stream.Name = "WSBIND"
	}
	if c.Stream.Replicas == 0 {
		c.Stream.Replicas = 1
	}
	if c.Stream.Retention == "" {
		c.Stream.Retention = "limits"
	}
	if c.Leases.Bucket == "" {
		c.Leases.Bucket = "wsbind-leases"
	}
	if c.Leases.TTL.Duration == 0 {
		c.Leases.TTL.Duration = 10 * time.Second
	}
	if c.Stream.DuplicateWindow.Duration == 0 {
		c.Stream.DuplicateWindow.Duration = max(2*time.Minute, 3*c.Leases.TTL.Duration)
	}
	if c.Publish.MaxInFlight == 0 {
		c.Publish.MaxInFlight = 512
	}
	if c.Publish.AckTimeout.Duration == 0 {
		c.Publish.AckTimeout.Duration = 5 * time.Second
	}
}

func (c *Config) check(lookup func(string) (string, bool)) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.NATS.URL != "" && c.NATS.Embedded {
		add("nats: give url (a cluster) or embedded: true, not both")
	}
	if c.NATS.Embedded {
		host, _, err := net.SplitHostPort(c.NATS.Listen)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			add("nats.listen: %q must be a loopback host:port such as 127.0.0.1:4222", c.NATS.Listen)
		}
	}
	if !slices.Contains([]string{"limits", "interest", "workqueue"}, c.Stream.Retention) {
		add("stream.retention: %q is not limits, interest or workqueue", c.Stream.Retention)
	}
	if c.Stream.Replicas < 1 || c.Stream.Replicas > 5 {
		add("stream.replicas: %d is not between 1 and 5", c.Stream.Replicas)
	}
	if c.Stream.DuplicateWindow.Duration < 2*c.Leases.TTL.Duration {
		add("stream.duplicate_window: %v does not cover a takeover (at least 2 x leases.ttl = %v)", c.Stream.DuplicateWindow.Duration, 2*c.Leases.TTL.Duration)
	}
	if c.Leases.TTL.Duration < time.Second {
		add("leases.ttl: %v is below 1s", c.Leases.TTL.Duration)
	}
	if c.Publish.MaxInFlight < 1 {
		add("publish.max_in_flight: %d must be positive", c.Publish.MaxInFlight)
	}
	names := map[string]bool{}
	for i, conn := range c.Connections {
		at := fmt.Sprintf("connections[%d]", i)
		if conn.Name == "" {
			add("%s.name: missing", at)
		} else if names[conn.Name] {
			add("%s.name: %q is used twice", at, conn.Name)
		} else if strings.ContainsAny(conn.Name, ".*> \t/") {
			add("%s.name: %q may not hold dots, slashes, spaces or wildcards", at, conn.Name)
		}
		names[conn.Name] = true
		if conn.Spec != "" {
			add("%s.spec: bridging a --spec document is not supported yet; name a built-in provider (%s)", at, strings.Join(rules.Providers(), ", "))
			continue
		}
		p := generated.Lookup(conn.Provider)
		if p == nil || p.Driver == nil {
			add("%s.provider: unknown provider %q (have %s)", at, conn.Provider, strings.Join(rules.Providers(), ", "))
			continue
		}
		if _, err := rules.Builtin(conn.Provider, conn.Subjects); err != nil {
			add("%s.%v", at, err)
		}
		for key, env := range conn.Credentials {
			if !slices.Contains(p.Driver.Credentials, key) {
				add("%s.credentials.%s: %s takes no credential %q (it takes %s)", at, key, conn.Provider, key, strings.Join(p.Driver.Credentials, ", "))
				continue
			}
			if env == "" {
				add("%s.credentials.%s: name an environment variable", at, key)
				continue
			}
			if _, ok := lookup(env); !ok {
				add("%s.credentials.%s: environment variable %s is not set", at, key, env)
			}
		}
		for j, s := range conn.Subscriptions {
			if err := CheckSubscription(p, s); err != nil {
				add("%s.subscriptions[%d].%v", at, j, err)
			}
		}
	}
	return errors.Join(errs...)
}

// CheckSubscription checks a subscription against the provider's client:
// its call must be a subscribe method and its arguments complete.
func CheckSubscription(p *wire.Provider, s Subscription) error {
	var ops []string
	for _, op := range p.Driver.Ops {
		if !op.Subscribe {
			continue
		}
		ops = append(ops, op.Name)
		if op.Name == s.Call {
			if len(s.Args) != len(op.Params) {
				return fmt.Errorf("args: %s takes %d (%s), got %d", op.Name, len(op.Params), strings.Join(op.Params, ", "), len(s.Args))
			}
			return nil
		}
	}
	return fmt.Errorf("call: %q is not a subscribe method of %s (have %s)", s.Call, p.Name, strings.Join(ops, ", "))
}

// Credentials resolves a connection's credentials from the environment.
func (c *Connection) ResolveCredentials(lookup func(string) (string, bool)) map[string]string {
	out := map[string]string{}
	for key, env := range c.Credentials {
		if v, ok := lookup(env); ok {
			out[key] = v
		}
	}
	return out
}

// Connection returns the connection named name, or nil.
func (c *Config) Connection(name string) *Connection {
	for i := range c.Connections {
		if c.Connections[i].Name == name {
			return &c.Connections[i]
		}
	}
	return nil
}
