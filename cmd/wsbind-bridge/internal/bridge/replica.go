// Package bridge is one wsbind-bridge replica: it connects to NATS, makes
// sure the stream and the lease buckets exist, claims its share of the
// subscriptions, and publishes every frame of each as a typed, validated
// event (or an _invalid, _unknown or _gap one).
package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/config"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/lease"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/metrics"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/publish"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/rules"
	"github.com/wsbind/wsbind/cmd/wsbind-bridge/internal/source"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Options of a replica beside its config.
type Options struct {
	// NATSURL overrides the config's nats.url (the embedded server's, say).
	NATSURL string
	// Lookup resolves credential variables (default os.LookupEnv).
	Lookup func(string) (string, bool)
	Log    *slog.Logger
	// NATSOptions are added to the connection's (tests shorten timeouts).
	NATSOptions []nats.Option
}

// Replica is one running bridge process's worth of work.
type Replica struct {
	cfg     *config.Config
	opt     Options
	log     *slog.Logger
	nc      *nats.Conn
	js      jetstream.JetStream
	pub     *publish.Publisher
	leases  *lease.Manager
	state   jetstream.KeyValue
	Metrics *metrics.Bridge
	rules   map[string]*rules.Compiled

	cancel  context.CancelFunc
	done    chan struct{}
	httpSrv *http.Server
}

// Connect dials NATS and creates or updates the stream and the buckets.
func Connect(ctx context.Context, cfg *config.Config, opt Options) (*Replica, error) {
	if opt.Lookup == nil {
		opt.Lookup = os.LookupEnv
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	url := opt.NATSURL
	if url == "" {
		url = cfg.NATS.URL
	}
	r := &Replica{cfg: cfg, opt: opt, log: opt.Log.With("replica", cfg.Replica), Metrics: metrics.New(cfg.Replica), rules: map[string]*rules.Compiled{}}
	for _, c := range cfg.Connections {
		rc, err := c.Rules()
		if err != nil {
			return nil, err
		}
		r.rules[c.Name] = rc
	}
	log := r.log
	nopts := append([]nats.Option{
		nats.Name("wsbind-bridge " + cfg.Replica),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: closed on purpose
				log.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("NATS reconnected", "server", nc.ConnectedUrlRedacted()) }),
	}, opt.NATSOptions...)
	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		return nil, fmt.Errorf("nats: connecting: %w", err)
	}
	r.nc = nc
	if r.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	// A cluster that is starting (or electing leaders) answers late: each
	// step is retried until ctx ends.
	var leases, state jetstream.KeyValue
	err = retry(ctx, log, func(ctx context.Context) error {
		if err := EnsureStream(ctx, r.js, cfg); err != nil {
			return err
		}
		var err error
		leases, state, err = lease.Buckets(ctx, r.js, cfg.Leases.Bucket, cfg.Leases.TTL.Duration, cfg.Stream.Replicas)
		return err
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	r.state = state
	for _, c := range cfg.Connections {
		for _, s := range c.Subscriptions {
			sub := lease.Sub{ID: lease.SubID(c.Name, s.Call, s.Args), Connection: c.Name, Call: s.Call, Args: s.Args}
			if err := lease.Ensure(ctx, state, sub); err != nil {
				nc.Close()
				return nil, fmt.Errorf("subscription %s: %w", sub.ID, err)
			}
		}
	}
	if r.pub, err = publish.New(nc, cfg.Publish.MaxInFlight, cfg.Publish.AckTimeout.Duration, r.Metrics, r.log); err != nil {
		nc.Close()
		return nil, err
	}
	r.leases = lease.New(lease.Config{
		Replica: cfg.Replica, TTL: cfg.Leases.TTL.Duration, Leases: leases, State: state,
		Run: r.serve, Log: r.log,
		Held:    func(n int) { r.Metrics.LeasesHeld.Set(float64(n)) },
		HandOff: r.handOff,
	})
	return r, nil
}

func retry(ctx context.Context, log *slog.Logger, f func(context.Context) error) error {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := f(actx)
		cancel()
		if err == nil {
			return nil
		}
		log.Warn("JetStream not ready, retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// EnsureStream creates or updates the stream from the config.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg *config.Config) error {
	ret := map[string]jetstream.RetentionPolicy{"limits": jetstream.LimitsPolicy, "interest": jetstream.InterestPolicy, "workqueue": jetstream.WorkQueuePolicy}[cfg.Stream.Retention]
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream.Name,
		Description: "wsbind-bridge: typed, validated provider events",
		Subjects:    []string{"wsbind.>"},
		Retention:   ret,
		Replicas:    cfg.Stream.Replicas,
		Storage:     jetstream.FileStorage,
		MaxAge:      cfg.Stream.MaxAge.Duration,
		Duplicates:  cfg.Stream.DuplicateWindow.Duration,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", cfg.Stream.Name, err)
	}
	return nil
}

// Start runs the lease manager and, when the config names an address,
// /metrics and /healthz.
func (r *Replica) Start() error {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	if addr := r.cfg.Metrics.Listen; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			cancel()
			return fmt.Errorf("metrics.listen: %w", err)
		}
		r.httpSrv = &http.Server{Handler: r.Metrics.Handler(r.Healthy), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = r.httpSrv.Serve(ln) }()
		r.log.Info("serving /metrics and /healthz", "addr", ln.Addr().String())
	}
	go func() {
		defer close(r.done)
		r.leases.Run(ctx)
	}()
	return nil
}

// Healthy is true while NATS is connected and acknowledging.
func (r *Replica) Healthy() bool { return r.nc.IsConnected() && r.pub.Healthy() }

// Held lists the subscriptions this replica holds.
func (r *Replica) Held() []string { return r.leases.Held() }

// Stop releases every lease (the graceful shutdown of SIGTERM), waits for
// the events in flight until ctx ends, and disconnects.
func (r *Replica) Stop(ctx context.Context) {
	r.stop(ctx, false)
}

// Kill stops as a crashed process would: leases are left to expire and
// nothing in flight is awaited.
func (r *Replica) Kill() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r.stop(ctx, true)
}

func (r *Replica) stop(ctx context.Context, crash bool) {
	if r.cancel != nil {
		if crash {
			r.leases.Crash()
		}
		r.cancel()
		<-r.done
	}
	if r.httpSrv != nil {
		_ = r.httpSrv.Shutdown(ctx)
	}
	r.pub.Close(ctx)
	r.nc.Close()
}

// serve runs one held subscription: dial, subscribe, publish the gap of a
// takeover, and redial whenever the client stops for good, until ctx ends.
func (r *Replica) serve(ctx context.Context, sub lease.Sub, t lease.Takeover, ready func()) {
	c := r.cfg.Connection(sub.Connection)
	if c == nil {
		r.log.Error("subscription names a connection the config does not have", "subscription", sub.ID, "connection", sub.Connection)
		<-ctx.Done()
		return
	}
	provider := c.ProviderName() // a spec connection's: its document's name
	log := r.log.With("subscription", sub.ID, "provider", provider)
	gapPending := !t.GapStart.IsZero()
	for attempt := 0; ctx.Err() == nil; attempt++ {
		b := &builder{
			provider: provider, codec: c.ServerCodec(), events: eventSet(c.Events()), rules: r.rules[c.Name],
			connection: c.Name, sub: sub.ID,
			connID: r.cfg.Replica + "." + sub.ID + "." + strconv.FormatInt(time.Now().UnixNano(), 36),
			prefix: "wsbind." + provider + ".", newMsg: r.pub.NewMsg,
		}
		cm := r.Metrics.Conn(provider)
		// The read loop hands frames to a worker that judges and publishes
		// them, so reading the next frame overlaps with publishing this
		// one. The hand-off is bounded: a worker stuck on a full publish
		// window stops the read loop.
		frames := make(chan judged, frameQueue)
		worker := make(chan struct{})
		go func() {
			defer close(worker)
			for fr := range frames {
				r.frame(ctx, b, fr.frame, fr.verdict)
			}
		}()
		stopWorker := func() {
			close(frames)
			<-worker
		}
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		cl, err := r.dial(dctx, c, source.Options{
			URL: c.URL, Credentials: c.ResolveCredentials(r.opt.Lookup), Call: sub.Call, Args: sub.Args,
			Metrics: cm, Logger: log,
			OnError: func(err error) { log.Debug("client error", "err", err) },
			// A provider reconnect inside this holder: what it sent while
			// the connection was down is not replayed.
			Gap: func(lost, restored time.Time) {
				r.publishGap(ctx, provider, sub, lease.Takeover{Previous: r.cfg.Replica, GapStart: lost}, restored, GapReconnect)
			},
			Frame: func(frame []byte, v *wire.Result) {
				select {
				// Neither is touched again by the client: the worker may keep
				// them (build reads no r.Message, which the next frame reuses).
				case frames <- judged{frame, v}:
				case <-ctx.Done():
				}
			},
		})
		cancel()
		if err != nil {
			stopWorker()
			metrics.Release(cm)
			if ctx.Err() != nil {
				return
			}
			wait := min(time.Duration(1<<min(attempt, 4))*500*time.Millisecond, 8*time.Second)
			log.Warn("subscribing failed", "err", err, "retry_in", wait)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
			continue
		}
		log.Info("subscribed", "call", sub.Call)
		ready()
		if gapPending {
			r.publishGap(ctx, provider, sub, t, time.Now(), GapTakeover)
			gapPending = false
		}
		select {
		case <-ctx.Done():
			cl.Close()
			stopWorker()
			metrics.Release(cm)
			return
		case <-cl.Done():
			log.Warn("client stopped; subscribing again", "err", cl.Err())
			cl.Close()
			stopWorker()
			metrics.Release(cm)
		}
	}
}

// frameQueue bounds the frames read and not yet published, per
// subscription.
const frameQueue = 32

// handOff reports whether sub may move make-before-break: its provider's
// events carry message ids (x-wsbind-dedupe), so JetStream removes what
// the old and the new holder both publish. DLive qualifies for chat only;
// its treasure-chest frames carry none.
func (r *Replica) handOff(sub lease.Sub) bool {
	c := r.cfg.Connection(sub.Connection)
	if c == nil {
		return false
	}
	if c.Document() != nil {
		return r.rules[c.Name].Dedupes(c.Events())
	}
	switch c.Provider {
	case "astro", "octave":
		return true
	case "dlive":
		return sub.Call == "SubscribeStreamMessages"
	}
	return false
}

// dial opens a subscription's client: the typed client of a built-in
// provider, or a spec connection's client sending the subscription's
// frame (internal/specclient).
func (r *Replica) dial(ctx context.Context, c *config.Connection, o source.Options) (source.Client, error) {
	if c.Document() == nil {
		return source.Dial(ctx, c.Provider, o)
	}
	send, err := config.SpecSend(o.Call, o.Args)
	if err != nil {
		return nil, err
	}
	return source.DialSpec(ctx, c.Document(), c.PlanOptions(r.opt.Lookup), send, o)
}

func eventSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// frame publishes one frame; it blocks while the window is full.
// judged is a server frame with the verdict its client's decode gave, or
// nil for none.
type judged struct {
	frame   []byte
	verdict *wire.Result
}

func (r *Replica) frame(ctx context.Context, b *builder, frame []byte, v *wire.Result) {
	msg, kind, ok := b.build(frame, v, time.Now())
	if !ok {
		return
	}
	switch kind {
	case KindInvalid:
		r.Metrics.Invalid.WithLabelValues(b.provider).Inc()
	case KindUnknown:
		r.Metrics.Unknown.WithLabelValues(b.provider).Inc()
	}
	if err := r.pub.Publish(ctx, msg, b.provider, kind); err != nil && !errors.Is(err, context.Canceled) {
		r.log.Warn("event not published", "subject", msg.Subject, "err", err)
	}
}

// Causes of a gap.
const (
	// GapTakeover: the subscription moved from a replica that stopped
	// reading it (dead, or its lease lost).
	GapTakeover = "takeover"
	// GapReconnect: the holder's provider connection was lost and came
	// back.
	GapReconnect = "reconnect"
)

// Gap is the payload of a wsbind.<provider>._gap event.
type Gap struct {
	Cause        string    `json:"cause"`
	Subscription string    `json:"subscription"`
	Connection   string    `json:"connection"`
	Call         string    `json:"call"`
	Args         []string  `json:"args"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Previous     string    `json:"previousReplica"`
	Replica      string    `json:"replica"`
}

func (r *Replica) publishGap(ctx context.Context, provider string, sub lease.Sub, t lease.Takeover, end time.Time, cause string) {
	g := Gap{Cause: cause, Subscription: sub.ID, Connection: sub.Connection, Call: sub.Call, Args: sub.Args, Start: t.GapStart.UTC(), End: end.UTC(), Previous: t.Previous, Replica: r.cfg.Replica}
	data, _ := json.Marshal(g)
	msg := nats.NewMsg("wsbind." + provider + "._gap")
	msg.Data = data
	msg.Header.Set(nats.MsgIdHdr, "gap:"+sub.ID+":"+strconv.FormatInt(t.GapStart.UnixNano(), 36))
	msg.Header.Set(HeaderProvider, provider)
	msg.Header.Set(HeaderConnection, sub.Connection)
	msg.Header.Set(HeaderSubscription, sub.ID)
	msg.Header.Set(HeaderReceivedAt, end.UTC().Format(time.RFC3339Nano))
	r.Metrics.Gaps.WithLabelValues(provider).Inc()
	r.log.Info("gap", "cause", cause, "subscription", sub.ID, "previous", t.Previous, "start", g.Start, "end", g.End)
	if err := r.pub.Publish(ctx, msg, provider, KindGap); err != nil {
		r.log.Warn("gap event not published", "err", err)
	}
}

// State is the bucket of subscriptions (bridge subscribe writes it).
func (r *Replica) State() jetstream.KeyValue { return r.state }
