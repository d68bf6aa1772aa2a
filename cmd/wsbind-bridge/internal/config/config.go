// Package config reads bridge.yaml: the connections to bridge, their
// subscriptions, where NATS is, and the stream, lease and publishing
// settings. Every error names the key it is about.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/rules"
	"github.com/wsbind/wsbind/gen/interp"
	"github.com/wsbind/wsbind/gen/ir"
	"github.com/wsbind/wsbind/gen/spec"
	"github.com/wsbind/wsbind/generated"
	"github.com/wsbind/wsbind/internal/specclient"
	"github.com/wsbind/wsbind/runtime/conn"
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

// Connection is one provider endpoint and its subscriptions: a built-in
// provider's typed client, or (Spec) any AsyncAPI document run with no
// generated code.
type Connection struct {
	Name     string `yaml:"name"`
	Provider string `yaml:"provider"`
	// Spec is the document of a spec connection, relative to the config
	// file's folder; Describes overrides its x-wsbind-describes.
	Spec      string `yaml:"spec"`
	Describes string `yaml:"describes"`
	URL       string `yaml:"url"`
	// Credentials maps the client's credential keys (wsbind record --help
	// lists them; for a spec, those of its x-wsbind-auth step) to the
	// names of environment variables holding them.
	Credentials map[string]string `yaml:"credentials"`
	// Params fill the {name}s of a spec connection's URL: server
	// variables and channel parameters.
	Params map[string]string `yaml:"params"`
	// Headers maps header names to the environment variables holding
	// their values (spec connections).
	Headers map[string]string `yaml:"headers"`
	// Subjects override x-wsbind-subject per message (Go name).
	Subjects      map[string]string `yaml:"subjects"`
	Subscriptions []Subscription    `yaml:"subscriptions"`

	doc  *specclient.Spec // a spec connection's document, loaded by Parse
	plan *specclient.Dial // and its dial as Parse planned it
	key  string           // "connections[2]", naming it in errors
}

// Subscription is one request method of the provider's client with its
// arguments, such as {call: Subscribe, args: [channel.tips, ""]}. A spec
// connection sends frames instead: {send: '<JSON frame>'} or
// {send_example: MessageName} (every example of that client message),
// which Parse turns into call send or send_example with one argument.
type Subscription struct {
	Call        string   `yaml:"call"`
	Args        []string `yaml:"args"`
	Send        string   `yaml:"send"`
	SendExample string   `yaml:"send_example"`
}

// The calls of a spec connection's subscriptions.
const (
	CallSend        = "send"
	CallSendExample = "send_example"
)

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
// os.LookupEnv. Spec paths are relative to the file's folder.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseIn(b, filepath.Dir(path), os.LookupEnv)
}

// Parse reads and checks a config. lookup resolves credential variables;
// spec paths are relative to the working directory.
func Parse(b []byte, lookup func(string) (string, bool)) (*Config, error) {
	return ParseIn(b, ".", lookup)
}

// ParseIn is Parse with spec paths relative to dir.
func ParseIn(b []byte, dir string, lookup func(string) (string, bool)) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.defaults()
	if err := c.check(dir, lookup); err != nil {
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

func (c *Config) check(dir string, lookup func(string) (string, bool)) error {
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
	for i := range c.Connections {
		conn := &c.Connections[i]
		at := fmt.Sprintf("connections[%d]", i)
		if conn.Name == "" {
			add("%s.name: missing", at)
		} else if names[conn.Name] {
			add("%s.name: %q is used twice", at, conn.Name)
		} else if strings.ContainsAny(conn.Name, ".*> \t/") {
			add("%s.name: %q may not hold dots, slashes, spaces or wildcards", at, conn.Name)
		}
		names[conn.Name] = true
		switch {
		case conn.Spec != "" && conn.Provider != "":
			add("%s: give provider (a built-in client) or spec (a document), not both", at)
			continue
		case conn.Spec != "":
			errs = append(errs, conn.checkSpec(at, dir, lookup)...)
			continue
		case conn.Provider == "":
			add("%s: give provider (a built-in client: %s) or spec (an AsyncAPI document)", at, strings.Join(rules.Providers(), ", "))
			continue
		}
		for _, key := range conn.specOnly() {
			add("%s.%s: applies to spec connections only", at, key)
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
			if s.Send != "" || s.SendExample != "" {
				add("%s.subscriptions[%d]: send and send_example apply to spec connections; call a subscribe method of %s", at, j, conn.Provider)
				continue
			}
			if err := CheckSubscription(p, s); err != nil {
				add("%s.subscriptions[%d].%v", at, j, err)
			}
		}
	}
	return errors.Join(errs...)
}

// CheckSubscription checks a subscription against the provider's client:
// its call must be a subscribe method and its arguments complete. A spec
// connection's subscriptions are checked by Connection.CheckSubscription.
func CheckSubscription(p *wire.Provider, s Subscription) error {
	if p == nil || p.Driver == nil {
		return errors.New("call: the connection has no built-in provider (a spec connection's subscriptions are checked by its Connection)")
	}
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

// specOnly lists the keys a built-in provider's connection must not set.
func (c *Connection) specOnly() []string {
	var out []string
	for key, set := range map[string]bool{"describes": c.Describes != "", "params": len(c.Params) > 0, "headers": len(c.Headers) > 0} {
		if set {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// checkSpec loads a spec connection's document, plans its dial as it will
// be made (credentials and headers from lookup) and checks its subject
// overrides and the frames of its subscriptions against the document.
// Each subscription becomes call send or send_example with one argument.
func (c *Connection) checkSpec(at, dir string, lookup func(string) (string, bool)) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Describes != "" && c.Describes != spec.Server && c.Describes != spec.Client {
		add("%s.describes: must be server or client, not %q", at, c.Describes)
		return errs
	}
	path := c.Spec
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	doc, err := specclient.Load(path, interp.Options{Describes: c.Describes})
	if err != nil {
		add("%s.spec: %v", at, err)
		return errs
	}
	c.doc, c.key = doc, at
	if _, err := c.Rules(); err != nil {
		add("%s.%v", at, err)
	}
	errs = append(errs, c.checkHeaders(at, lookup)...)
	d, err := doc.Plan(c.PlanOptions(lookup))
	if err != nil {
		// Errors about an input name its key; the rest the connection.
		if msg := err.Error(); strings.HasPrefix(msg, at+".") {
			errs = append(errs, err)
		} else {
			add("%s: %v", at, err)
		}
		return errs
	}
	c.plan = d
	for j := range c.Subscriptions {
		key := fmt.Sprintf("%s.subscriptions[%d]", at, j)
		s := &c.Subscriptions[j]
		if err := s.normalize(key); err != nil {
			errs = append(errs, err)
			continue
		}
		send, _ := SpecSend(s.Call, s.Args)
		send.What = key + "." + s.Call
		if _, err := doc.Outgoing(d.ClientCodec(), []specclient.Send{send}, d.Auth); err != nil {
			errs = append(errs, errors.New(conn.Redact(err.Error(), d.Secrets)))
		}
	}
	return errs
}

// normalize turns {send: F} into {call: send, args: [F]} and
// {send_example: M} into {call: send_example, args: [M]}, so that the
// subscription's id, derived from call and args, is the same on every
// replica and for `wsbind bridge subscribe ... send F`.
func (s *Subscription) normalize(key string) error {
	const how = "give send: '<JSON frame>' or send_example: MessageName"
	given := 0
	for _, set := range []bool{s.Send != "", s.SendExample != "", s.Call != "" || len(s.Args) > 0} {
		if set {
			given++
		}
	}
	switch {
	case given > 1:
		return fmt.Errorf("%s: give one of send, send_example or call", key)
	case s.Send != "":
		s.Call, s.Args = CallSend, []string{s.Send}
	case s.SendExample != "":
		s.Call, s.Args = CallSendExample, []string{s.SendExample}
	case s.Call == "":
		return fmt.Errorf("%s: a spec connection subscribes by sending frames: %s", key, how)
	}
	if _, err := SpecSend(s.Call, s.Args); err != nil {
		return fmt.Errorf("%s.%v", key, err)
	}
	return nil
}

// SpecSend is the frame a spec connection's subscription sends: call send
// with the JSON frame, or send_example with a client message's name.
func SpecSend(call string, args []string) (specclient.Send, error) {
	switch {
	case call != CallSend && call != CallSendExample:
		return specclient.Send{}, fmt.Errorf("call: %q: a spec connection's call is %s (a JSON frame) or %s (a client message whose examples are sent)", call, CallSend, CallSendExample)
	case len(args) != 1 || args[0] == "":
		return specclient.Send{}, fmt.Errorf("args: %s takes 1, got %d", call, len(args))
	}
	return specclient.Send{Example: call == CallSendExample, Value: args[0], What: call}, nil
}

// CheckSubscription checks a subscription against the connection: a
// subscribe method of its built-in provider, or a frame its document
// accepts (call send or send_example, as Parse makes them).
func (c *Connection) CheckSubscription(s Subscription) error {
	if c.doc == nil {
		return CheckSubscription(generated.Lookup(c.Provider), s)
	}
	send, err := SpecSend(s.Call, s.Args)
	if err != nil {
		return err
	}
	if _, err = c.doc.Outgoing(c.plan.ClientCodec(), []specclient.Send{send}, c.plan.Auth); err != nil {
		return errors.New(conn.Redact(err.Error(), c.plan.Secrets))
	}
	return nil
}

// PlanOptions are the inputs of a spec connection's dial: its URL and
// params, its headers and credentials from the environment variables the
// config names. Errors name the config keys ("connections[2].params.room").
func (c *Connection) PlanOptions(lookup func(string) (string, bool)) specclient.PlanOptions {
	at := c.key
	o := specclient.PlanOptions{
		URL:        c.URL,
		Params:     c.Params,
		CredsGiven: len(c.Credentials) > 0,
		Words: specclient.Words{
			Tool: "wsbind-bridge",
			URL:  at + ".url",
			Param: func(name, value string) string {
				if value == "" {
					return at + ".params." + name
				}
				return at + ".params." + name + ": " + value
			},
			Header:     at + ".headers",
			HeaderHint: at + ".headers",
			Cred:       at + ".credentials",
			Creds: func(keys []string) string {
				parts := make([]string, len(keys))
				for i, k := range keys {
					parts[i] = at + ".credentials." + k
				}
				return strings.Join(parts, ", ")
			},
		},
	}
	for _, name := range slices.Sorted(maps.Keys(c.Headers)) {
		if v, ok := lookup(c.Headers[name]); ok {
			o.Headers = append(o.Headers, name+": "+v)
		}
	}
	o.Creds = func(keys []string) (map[string]string, error) {
		var errs []error
		for _, key := range slices.Sorted(maps.Keys(c.Credentials)) {
			env := c.Credentials[key]
			switch _, set := lookup(env); {
			case !slices.Contains(keys, key):
				errs = append(errs, fmt.Errorf("%s.credentials.%s: %s takes no credential %q (it takes %s)", at, key, c.doc.Name, key, strings.Join(keys, ", ")))
			case env == "":
				errs = append(errs, fmt.Errorf("%s.credentials.%s: name an environment variable", at, key))
			case !set:
				errs = append(errs, fmt.Errorf("%s.credentials.%s: environment variable %s is not set", at, key, env))
			}
		}
		return c.ResolveCredentials(lookup), errors.Join(errs...)
	}
	return o
}

// checkHeaders checks that each header names a set environment variable.
func (c *Connection) checkHeaders(at string, lookup func(string) (string, bool)) []error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(c.Headers)) {
		env := c.Headers[name]
		if env == "" {
			errs = append(errs, fmt.Errorf("%s.headers.%s: name an environment variable", at, name))
		} else if _, ok := lookup(env); !ok {
			errs = append(errs, fmt.Errorf("%s.headers.%s: environment variable %s is not set", at, name, env))
		}
	}
	return errs
}

// Document is a spec connection's document; nil for a built-in provider.
func (c *Connection) Document() *specclient.Spec { return c.doc }

// ProviderName is the connection's provider in subjects and headers: the
// built-in provider, or the spec's name (its file's) as one subject token.
func (c *Connection) ProviderName() string {
	if c.doc != nil {
		return ir.SanitizeToken(c.doc.Name)
	}
	return c.Provider
}

// Wire is the provider whose codecs judge the connection's frames: the
// generated package, or the document interpreted (gen/interp).
func (c *Connection) Wire() *wire.Provider {
	if c.doc != nil {
		return c.doc.Provider
	}
	return generated.Lookup(c.Provider)
}

// ServerCodec judges the frames the server sends: a spec connection's
// those of the channel its URL dials.
func (c *Connection) ServerCodec() *wire.Codec {
	if c.doc != nil {
		return c.plan.ServerCodec()
	}
	return c.Wire().Server
}

// Events names the server messages that are events.
func (c *Connection) Events() []string {
	if c.doc != nil {
		return c.doc.Events()
	}
	return c.Wire().Events
}

// Rules are the connection's subject and dedupe rules, its subject
// overrides applied.
func (c *Connection) Rules() (*rules.Compiled, error) {
	if c.doc != nil {
		return rules.FromProvider(c.ProviderName(), c.doc.Provider, c.Subjects)
	}
	return rules.Builtin(c.Provider, c.Subjects)
}
