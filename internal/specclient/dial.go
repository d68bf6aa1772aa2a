package specclient

import (
	"context"
	"fmt"
	"slices"

	"github.com/wsbind/wsbind/runtime/conn"
	"github.com/wsbind/wsbind/runtime/wire"
)

// What a planned dial does on each connection attempt: the runtime/conn
// hooks of a spec client are made of these.

// ServerCodec judges the frames the server sends on the channel dialled.
func (d *Dial) ServerCodec() *wire.Codec { return d.spec.Server.ForChannel(d.Channel) }

// ClientCodec judges the frames the client sends on the channel dialled.
func (d *Dial) ClientCodec() *wire.Codec { return d.spec.Client.ForChannel(d.Channel) }

// Target is one attempt's dial target: for ticket and session auth it
// runs the HTTP step first. It returns the values fetched (a ticket, a
// session id), secrets from then on.
func (d *Dial) Target(ctx context.Context) (conn.Target, []string, error) {
	return d.Auth.target(ctx, conn.Target{URL: d.URL, Header: d.Header.Clone(), Subprotocols: d.Subprotocols, Secrets: slices.Clone(d.Secrets)})
}

// Awaits reports whether Open waits for server frames (the auth ack, the
// welcome): Inspect must then mark them with ReplyKeys.
func (d *Dial) Awaits() bool {
	return d.Welcome != "" || (d.Auth != nil && d.Auth.init != nil)
}

// ReplyKeys are the keys Open waits on that a server message name
// answers.
func (d *Dial) ReplyKeys(name string) []string {
	keys := d.Auth.replyKeys(name)
	if name != "" && name == d.Welcome {
		keys = append(keys, "reply:"+name)
	}
	return keys
}

// Open completes the handshake as a typed client does before its first
// request: the init message and its ack, then the welcome.
func (d *Dial) Open(ctx context.Context, sess *conn.Session) error {
	if err := d.Auth.open(ctx, sess); err != nil {
		return err
	}
	if d.Welcome != "" {
		if _, err := sess.Await(ctx, "reply:"+d.Welcome); err != nil {
			return fmt.Errorf("waiting for %s (x-wsbind-welcome): %w", d.Welcome, err)
		}
	}
	return nil
}
