// Command wsbind-bridge puts the typed, validated events of provider
// WebSocket APIs onto NATS JetStream, sharded over replicas with failover
// (README.md, "Running at scale").
//
//	wsbind-bridge --config bridge.yaml
//	wsbind-bridge subscribe --config bridge.yaml --connection NAME CALL [ARG...]
//	wsbind-bridge unsubscribe --config bridge.yaml --connection NAME CALL [ARG...]
//	wsbind-bridge --demo
//
// It lives in its own module so that nats-server, nats.go and
// client_golang never enter the module wsbind's users import.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/bridge"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/config"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/demo"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/lease"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/natsrv"
	"github.com/wsbind/wsbind/internal/bridgecli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "subscribe" || args[0] == "unsubscribe") {
		return runSubscribe(args[0], args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("bridge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "")
	level := fs.String("log-level", "info", "")
	demoFlag := fs.Bool("demo", false, "")
	duration := fs.Duration("duration", 10*time.Second, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, bridgecli.Usage)
			return 0
		}
		fmt.Fprintf(stderr, "wsbind bridge: %v\n%s", err, bridgecli.Usage)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "wsbind bridge: unexpected argument %q\n%s", fs.Arg(0), bridgecli.Usage)
		return 2
	}
	levelSet := false
	fs.Visit(func(f *flag.Flag) { levelSet = levelSet || f.Name == "log-level" })
	if *demoFlag && !levelSet {
		*level = "warn" // the demo's story is on stdout
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "wsbind bridge: --log-level: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lv}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *demoFlag {
		if *cfgPath != "" {
			fmt.Fprintln(stderr, "wsbind bridge: --demo runs on its own, without --config")
			return 2
		}
		if err := demo.Run(ctx, demo.Options{Duration: *duration, Out: stdout, Log: log}); err != nil {
			fmt.Fprintf(stderr, "wsbind bridge --demo: %v\n", err)
			return 1
		}
		return 0
	}
	if *cfgPath == "" {
		fmt.Fprintf(stderr, "wsbind bridge: --config is required (or --demo)\n%s", bridgecli.Usage)
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind bridge: %v\n", err)
		return 2
	}
	return serve(ctx, cfg, log, stderr)
}

func loadConfig(path string) (*config.Config, error) { return config.Load(path) }

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, stderr io.Writer) int {
	url := cfg.NATS.URL
	if cfg.NATS.Embedded {
		s, err := natsrv.Start(natsrv.Options{Name: cfg.Replica, Listen: cfg.NATS.Listen, Dir: cfg.NATS.Dir})
		if err != nil {
			fmt.Fprintf(stderr, "wsbind bridge: embedded NATS: %v\n", err)
			return 1
		}
		defer func() { s.Shutdown(); s.WaitForShutdown() }()
		url = s.ClientURL()
		log.Info("embedded nats-server with JetStream (file storage)", "url", url, "dir", cfg.NATS.Dir)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	r, err := bridge.Connect(cctx, cfg, bridge.Options{NATSURL: url, Log: log})
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "wsbind bridge: %v\n", err)
		return 1
	}
	if err := r.Start(); err != nil {
		fmt.Fprintf(stderr, "wsbind bridge: %v\n", err)
		r.Kill()
		return 1
	}
	log.Info("bridge running", "stream", cfg.Stream.Name, "connections", len(cfg.Connections))
	<-ctx.Done()
	log.Info("shutting down: releasing leases")
	sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer scancel()
	r.Stop(sctx)
	log.Info("stopped")
	return 0
}

func runSubscribe(verb string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "")
	connName := fs.String("connection", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, bridgecli.Usage)
			return 0
		}
		fmt.Fprintf(stderr, "wsbind bridge %s: %v\n", verb, err)
		return 2
	}
	if *cfgPath == "" || *connName == "" || fs.NArg() < 1 {
		fmt.Fprintf(stderr, "wsbind bridge %s: --config, --connection and a CALL are required\n%s", verb, bridgecli.Usage)
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind bridge %s: %v\n", verb, err)
		return 2
	}
	c := cfg.Connection(*connName)
	if c == nil {
		fmt.Fprintf(stderr, "wsbind bridge %s: --connection: the config has no connection %q\n", verb, *connName)
		return 2
	}
	s := config.Subscription{Call: fs.Arg(0), Args: fs.Args()[1:]}
	if err := c.CheckSubscription(s); err != nil {
		fmt.Fprintf(stderr, "wsbind bridge %s: %v\n", verb, err)
		return 2
	}
	url := cfg.NATS.URL
	if cfg.NATS.Embedded {
		url = "nats://" + cfg.NATS.Listen
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		fmt.Fprintf(stderr, "wsbind bridge %s: nats: %v\n", verb, err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(stderr, "wsbind bridge %s: %v\n", verb, err)
		return 1
	}
	state, err := js.KeyValue(ctx, cfg.Leases.Bucket+"-state")
	if err != nil {
		fmt.Fprintf(stderr, "wsbind bridge %s: bucket %s-state: %v (is a bridge running?)\n", verb, cfg.Leases.Bucket, err)
		return 1
	}
	sub := lease.Sub{ID: lease.SubID(c.Name, s.Call, s.Args), Connection: c.Name, Call: s.Call, Args: s.Args}
	if verb == "subscribe" {
		err = lease.Put(ctx, state, sub)
	} else {
		err = lease.Remove(ctx, state, sub.ID)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wsbind bridge %s: %v\n", verb, err)
		return 1
	}
	fmt.Fprintf(stdout, "%sd %s\n", verb, sub.ID)
	return 0
}
