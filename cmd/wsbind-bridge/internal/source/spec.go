package source

import (
	"context"
	"errors"
	"fmt"

	"github.com/wsbind/wsbind/internal/specclient"
	"github.com/wsbind/wsbind/runtime/conn"
)

// DialSpec connects a spec connection's client (internal/specclient) and
// sends the subscription's frames. The client reconnects with backoff,
// redoes the document's auth step and sends the frames again, after every
// reconnect, before anything else; frames reach o.Frame with the
// session's secrets replaced and their verdict, as a typed client's do. The frames are
// checked against the document again, the auth step's token put in.
func DialSpec(ctx context.Context, doc *specclient.Spec, plan specclient.PlanOptions, send specclient.Send, o Options) (Client, error) {
	d, err := doc.Plan(plan)
	if err != nil {
		return nil, err
	}
	out, err := doc.Outgoing(d.ClientCodec(), []specclient.Send{send}, d.Auth)
	if err != nil {
		return nil, errors.New(conn.Redact(err.Error(), d.Secrets))
	}
	down, up := o.lifecycle()
	c, err := specclient.Connect(ctx, d, specclient.Config{
		Conn: conn.Config{
			Logger:    o.Logger,
			Metrics:   o.Metrics,
			Overflow:  conn.Block,
			QueueSize: 16,
		},
		Verdict:        o.Frame, // from the decode that marks replies: one per frame
		OnError:        o.OnError,
		OnDisconnected: down,
		OnRestored:     up,
	})
	if err != nil {
		return nil, err
	}
	for _, f := range out {
		if err := c.Subscribe(ctx, f.Frame); err != nil {
			c.Close()
			return nil, fmt.Errorf("%s %s: %w", doc.Name, f.What, err)
		}
	}
	return c, nil
}
