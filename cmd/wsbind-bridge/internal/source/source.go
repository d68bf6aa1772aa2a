// Package source opens one bridged subscription: a typed client of a
// built-in provider (generated/<provider>), connected with its credentials,
// subscribed with one request method, its server frames handed to a
// callback on the read loop. The client reconnects, redoes its auth step
// and restores the subscription on its own.
package source

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wsbind/wsbind/generated/astro"
	"github.com/wsbind/wsbind/generated/dlive"
	"github.com/wsbind/wsbind/generated/neuro"
	"github.com/wsbind/wsbind/generated/octave"
	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
)

// Options describe one subscription.
type Options struct {
	URL         string
	Credentials map[string]string
	Call        string
	Args        []string
	// Frame receives every server frame (session secrets replaced) with
	// the verdict of the decode the client dispatched from (drift
	// included), on the client's read loop: while it blocks, nothing more
	// is read from the socket, and TCP pushes back on the provider. r is
	// nil when the source did not judge the frame. frame and r may be
	// kept, but not r.Message: the next frame may be decoded into it.
	Frame   func(frame []byte, r *wire.Result)
	Metrics conn.Metrics
	Logger  *slog.Logger
	// Gap, when set, hears of each time the connection was lost and came
	// back with the subscription restored: events the provider sent in
	// between are not replayed.
	Gap func(lost, restored time.Time)
	// OnError receives failed attempts and error replies; errors carry no
	// secrets. Plain ws:// is allowed to loopback only (the runtime's
	// CheckURL), so credentials never cross a network unencrypted.
	OnError func(error)
}

// Client is a connected, subscribed provider client.
type Client interface {
	Close() error
	Done() <-chan struct{}
	Err() error
}

func (o *Options) conn(name string) conn.Config {
	return conn.Config{
		Name:      name,
		Logger:    o.Logger,
		Metrics:   o.Metrics,
		Overflow:  conn.Block,
		QueueSize: 16,
	}
}

// lifecycle returns the OnDisconnected and OnRestored hooks that report
// gaps to o.Gap: from the first loss to the next restore.
func (o *Options) lifecycle() (func(context.Context, error), func(context.Context)) {
	var lost atomic.Int64 // unix nanoseconds of the loss not yet restored
	down := func(context.Context, error) { lost.CompareAndSwap(0, time.Now().UnixNano()) }
	up := func(context.Context) {
		if at := lost.Swap(0); at != 0 && o.Gap != nil {
			o.Gap(time.Unix(0, at), time.Now())
		}
	}
	return down, up
}

func (o *Options) onError() func(context.Context, error) {
	return func(_ context.Context, err error) {
		if o.OnError != nil {
			o.OnError(err)
		}
	}
}

func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// Dial connects provider's client and makes the subscription. The client
// rejects nothing itself (wire.Off): the verdict of its one decode goes to
// Options.Frame, and the bridge publishes invalid frames too.
func Dial(ctx context.Context, provider string, o Options) (Client, error) {
	c, sub, err := open(provider, o)
	if err != nil {
		return nil, err
	}
	if err := sub(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s %s: %w", provider, o.Call, err)
	}
	return c, nil
}

func open(provider string, o Options) (Client, func(context.Context) error, error) {
	a := o.Args
	down, up := o.lifecycle()
	switch provider {
	case "astro":
		c := astro.NewClient(astro.Config{URL: o.URL, Token: o.Credentials["token"], TokenType: astro.TokenType(o.Credentials["token_type"]),
			Validation: wire.Off, OnVerdict: o.Frame, OnError: o.onError(), OnDisconnected: down, OnRestored: up, Conn: o.conn(provider)})
		return c, func(ctx context.Context) error {
			if err := c.Connect(ctx); err != nil {
				return err
			}
			switch o.Call {
			case "Subscribe":
				_, err := c.Subscribe(ctx, astro.Topic(arg(a, 0)), arg(a, 1))
				return err
			}
			return fmt.Errorf("no subscribe method %q", o.Call)
		}, nil
	case "dlive":
		c := dlive.NewClient(dlive.Config{URL: o.URL, Token: o.Credentials["token"], Validation: wire.Off, OnVerdict: o.Frame, OnError: o.onError(), OnDisconnected: down, OnRestored: up, Conn: o.conn(provider)})
		return c, func(ctx context.Context) error {
			if err := c.Connect(ctx); err != nil {
				return err
			}
			var err error
			switch o.Call {
			case "SubscribeStreamMessages":
				_, err = c.SubscribeStreamMessages(ctx, arg(a, 0))
			case "SubscribeTreasureChest":
				_, err = c.SubscribeTreasureChest(ctx, arg(a, 0))
			default:
				err = fmt.Errorf("no subscribe method %q", o.Call)
			}
			return err
		}, nil
	case "neuro":
		c := neuro.NewClient(neuro.Config{URL: o.URL, Token: o.Credentials["token"], Validation: wire.Off, OnVerdict: o.Frame, OnError: o.onError(), OnDisconnected: down, OnRestored: up, Conn: o.conn(provider)})
		return c, func(ctx context.Context) error {
			if err := c.Connect(ctx); err != nil {
				return err
			}
			if o.Call != "AddEvent" {
				return fmt.Errorf("no subscribe method %q", o.Call)
			}
			_, err := c.AddEvent(ctx, arg(a, 0))
			return err
		}, nil
	case "octave":
		c := octave.NewClient(octave.Config{URL: o.URL, XAuthCompany: o.Credentials["X-Auth-Company"], XAuthToken: o.Credentials["X-Auth-Token"],
			XAuthUser: o.Credentials["X-Auth-User"], Validation: wire.Off, OnVerdict: o.Frame, OnError: o.onError(), OnDisconnected: down, OnRestored: up, Conn: o.conn(provider)})
		return c, func(ctx context.Context) error {
			if err := c.Connect(ctx); err != nil {
				return err
			}
			var err error
			switch o.Call {
			case "SubscribeStream":
				_, err = c.SubscribeStream(ctx, arg(a, 0))
			case "SubscribePath":
				_, err = c.SubscribePath(ctx, arg(a, 0))
			default:
				err = fmt.Errorf("no subscribe method %q", o.Call)
			}
			return err
		}, nil
	}
	return nil, nil, fmt.Errorf("no built-in provider %q", provider)
}
