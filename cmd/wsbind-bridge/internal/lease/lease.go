// Package lease shards subscriptions over bridge replicas with JetStream
// KV: a lease is a key in a bucket whose TTL drops it when its holder
// stops renewing; claims are KV creates and renewals revision-checked
// updates, so two replicas never hold one subscription. Nothing here
// stores or orders anything itself.
//
// Keys of the lease bucket (with TTL):
//
//	sub.<id>       the holder of subscription <id>
//	replica.<name> a replica's heartbeat: the live replicas
//	handoff.<id>   the holder offers <id> to a replica with room
//	next.<id>      the replica taking the offer (make-before-break)
//	ready.<id>     ... once it reads the subscription too
//
// Keys of the state bucket (no TTL):
//
//	sub.<id>        the subscription: connection, call, arguments (JSON)
//	owner.<id>      its last holder, and when it released it
//	seen.<name>     a replica's last heartbeat, for gaps after its death
package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Sub is one subscription the fleet keeps.
type Sub struct {
	ID         string   `json:"id"`
	Connection string   `json:"connection"`
	Call       string   `json:"call"`
	Args       []string `json:"args"`
}

// SubID is the id of a subscription: its connection and a hash of the
// call and arguments.
func SubID(connection, call string, args []string) string {
	h := fnv.New64a()
	h.Write([]byte(call))
	for _, a := range args {
		h.Write([]byte{0})
		h.Write([]byte(a))
	}
	return fmt.Sprintf("%s.%016x", connection, h.Sum64())
}

// Takeover says how a subscription came to this replica.
type Takeover struct {
	// Previous is the replica that held it before, "" if none ever did.
	Previous string
	// GapStart is the last moment the previous holder is known to have
	// read the subscription (its release, or its last heartbeat); zero
	// when nobody held it before.
	GapStart time.Time
}

// RunFunc serves one held subscription until ctx ends. It calls ready
// once the subscription is made (reading has begun).
type RunFunc func(ctx context.Context, sub Sub, t Takeover, ready func())

// Config of a Manager.
type Config struct {
	Replica string
	TTL     time.Duration
	Leases  jetstream.KeyValue // with TTL
	State   jetstream.KeyValue // without
	Run     RunFunc
	Log     *slog.Logger
	// Held reports the number of leases held after each change.
	Held func(n int)
	// HandOff says whether a subscription may move make-before-break: the
	// new holder subscribes before the old one stops, and the provider's
	// message ids (x-wsbind-dedupe) let JetStream drop what both read.
	// Without it, a move stops first and leaves a gap.
	HandOff func(Sub) bool
}

// Buckets creates (or updates) the lease and state buckets.
func Buckets(ctx context.Context, js jetstream.JetStream, name string, ttl time.Duration, replicas int) (leases, state jetstream.KeyValue, err error) {
	leases, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, TTL: ttl, Replicas: replicas, Storage: jetstream.FileStorage, History: 1})
	if err != nil {
		return nil, nil, fmt.Errorf("lease bucket %s: %w", name, err)
	}
	state, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name + "-state", Replicas: replicas, Storage: jetstream.FileStorage, History: 1})
	if err != nil {
		return nil, nil, fmt.Errorf("state bucket %s-state: %w", name, err)
	}
	return leases, state, nil
}

// Manager claims, renews and releases this replica's leases.
type Manager struct {
	cfg   Config
	mu    sync.Mutex
	held  map[string]*holding
	subs  map[string]Sub // desired subscriptions by id, cached
	start time.Time
	crash bool
}

type holding struct {
	sub    Sub
	rev    uint64 // of sub.<id>, or of next.<id> while pending
	since  time.Time
	cancel context.CancelFunc
	done   chan struct{}
	// pending: taking a handoff, subscribed (or subscribing) beside the
	// holder, not yet owning sub.<id>.
	pending bool
	// offered: this replica offers the subscription (handoff.<id>).
	offered   bool
	offeredAt time.Time
}

type owner struct {
	Replica    string    `json:"replica"`
	ReleasedAt time.Time `json:"releasedAt,omitzero"`
}

// New returns a manager; Run starts it.
func New(cfg Config) *Manager {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Manager{cfg: cfg, held: map[string]*holding{}, subs: map[string]Sub{}}
}

// Put adds a subscription for the fleet (bridge subscribe).
func Put(ctx context.Context, state jetstream.KeyValue, s Sub) error {
	b, _ := json.Marshal(s)
	_, err := state.Put(ctx, "sub."+s.ID, b)
	return err
}

// Ensure adds a subscription unless it exists.
func Ensure(ctx context.Context, state jetstream.KeyValue, s Sub) error {
	b, _ := json.Marshal(s)
	_, err := state.Create(ctx, "sub."+s.ID, b)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return nil
	}
	return err
}

// Remove drops a subscription (bridge unsubscribe); its holder stops it
// at its next renewal.
func Remove(ctx context.Context, state jetstream.KeyValue, id string) error {
	return state.Delete(ctx, "sub."+id)
}

// Held lists the ids of the subscriptions this replica holds.
func (m *Manager) Held() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.held))
	for id := range m.held {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Run heartbeats, renews, claims and rebalances every TTL/3 until ctx
// ends, then releases every lease (a graceful shutdown: the next holder
// reports the gap from now).
func (m *Manager) Run(ctx context.Context) {
	m.start = time.Now()
	tick := m.cfg.TTL / 3
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		m.step(ctx)
		select {
		case <-ctx.Done():
			m.mu.Lock()
			crash := m.crash
			m.mu.Unlock()
			if crash {
				m.kill()
			} else {
				m.shutdown()
			}
			return
		case <-t.C:
		}
	}
}

func (m *Manager) step(ctx context.Context) {
	c := m.cfg
	now := time.Now()
	hb, _ := json.Marshal(now)
	if _, err := c.Leases.Put(ctx, "replica."+c.Replica, hb); err != nil {
		if ctx.Err() == nil {
			c.Log.Warn("lease heartbeat failed", "err", err)
		}
		return
	}
	_, _ = c.State.Put(ctx, "seen."+c.Replica, hb)

	// Renew what is held; a failed update means the lease is gone.
	for id, h := range m.snapshot() {
		key := "sub." + id
		if h.pending {
			key = "next." + id
		}
		rev, err := c.Leases.Update(ctx, key, []byte(c.Replica), h.rev)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.Log.Warn("lease lost", "subscription", id, "err", err)
			m.stop(id, false)
			continue
		}
		h.rev = rev
		if h.offered {
			_, _ = c.Leases.Put(ctx, "handoff."+id, []byte(c.Replica))
		}
	}

	ls, err := m.listLeases(ctx)
	if err != nil {
		return
	}
	desired, err := m.desired(ctx)
	if err != nil {
		return
	}
	for id, h := range m.snapshot() {
		if _, ok := desired[id]; !ok {
			c.Log.Info("unsubscribed", "subscription", id)
			m.stop(id, !h.pending)
			continue
		}
		switch {
		case h.offered && ls.ready[id]:
			// The taker reads it too: stop, and hand the lease over.
			m.handOver(id, h)
		case h.offered && time.Since(h.offeredAt) > 3*c.TTL && !ls.next[id]:
			c.Log.Info("handoff not taken: releasing", "subscription", id)
			_ = c.Leases.Delete(ctx, "handoff."+id)
			m.stop(id, true)
		case h.pending && !ls.leased[id]:
			// The old holder let go (or died): the lease is ours.
			rev, err := c.Leases.Create(ctx, "sub."+id, []byte(c.Replica))
			if err != nil {
				continue
			}
			m.mu.Lock()
			h.rev, h.pending = rev, false
			m.mu.Unlock()
			_ = c.Leases.Delete(ctx, "next."+id)
			_ = c.Leases.Delete(ctx, "ready."+id)
			b, _ := json.Marshal(owner{Replica: c.Replica})
			_, _ = c.State.Put(ctx, "owner."+id, b)
			c.Log.Info("handoff complete", "subscription", id)
		}
	}
	n := max(1, ls.replicas)
	target := (len(desired) + n - 1) / n
	held := m.snapshot()
	if len(held) > target {
		// Shed one per step, the newest, so load moves gradually and each
		// subscription moves at most once.
		var newest *holding
		var nid string
		offering := false
		for id, h := range held {
			offering = offering || h.offered
			if !h.pending && !h.offered && (newest == nil || h.since.After(newest.since)) {
				newest, nid = h, id
			}
		}
		if newest == nil || offering {
			return
		}
		if c.HandOff != nil && c.HandOff(newest.sub) {
			c.Log.Info("rebalancing: offering", "subscription", nid, "held", len(held), "target", target, "replicas", n)
			if _, err := c.Leases.Put(ctx, "handoff."+nid, []byte(c.Replica)); err == nil {
				m.mu.Lock()
				newest.offered, newest.offeredAt = true, time.Now()
				m.mu.Unlock()
			}
			return
		}
		c.Log.Info("rebalancing: releasing", "subscription", nid, "held", len(held), "target", target, "replicas", n)
		m.stop(nid, true)
		return
	}
	// Claims start one step after the first heartbeat, once the replicas
	// that are up see each other.
	if time.Since(m.start) < c.TTL/3 || len(held) >= target {
		return
	}
	var free []string
	for id := range desired {
		if !ls.leased[id] {
			free = append(free, id)
		}
	}
	rand.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	for _, id := range free {
		if len(m.snapshot()) >= target || ctx.Err() != nil {
			break
		}
		rev, err := c.Leases.Create(ctx, "sub."+id, []byte(c.Replica))
		if err != nil {
			continue // someone else claimed it first
		}
		m.begin(ctx, desired[id], rev, false)
	}
	// Then offers: subscribe beside the holder, take the lease after.
	for id, from := range ls.offers {
		s, ok := desired[id]
		if len(m.snapshot()) >= target || ctx.Err() != nil || !ok || from == c.Replica || ls.next[id] || held[id] != nil {
			continue
		}
		rev, err := c.Leases.Create(ctx, "next."+id, []byte(c.Replica))
		if err != nil {
			continue
		}
		c.Log.Info("taking a handoff", "subscription", id, "from", from)
		m.begin(ctx, s, rev, true)
	}
}

// handOver stops a subscription the taker already reads and gives up the
// lease: no gap, the overlap is removed by its message ids.
func (m *Manager) handOver(id string, h *holding) {
	m.mu.Lock()
	delete(m.held, id)
	n := len(m.held)
	m.mu.Unlock()
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
	}
	if m.cfg.Held != nil {
		m.cfg.Held(n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = m.cfg.Leases.Delete(ctx, "sub."+id, jetstream.LastRevision(h.rev))
	_ = m.cfg.Leases.Delete(ctx, "handoff."+id)
	m.cfg.Log.Info("handed over", "subscription", id, "held", n)
}

type leaseList struct {
	replicas int
	leased   map[string]bool
	offers   map[string]string // id: the replica offering it
	next     map[string]bool   // offers taken
	ready    map[string]bool   // takers reading
}

func (m *Manager) snapshot() map[string]*holding {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]*holding, len(m.held))
	for k, v := range m.held {
		out[k] = v
	}
	return out
}

func (m *Manager) listLeases(ctx context.Context) (leaseList, error) {
	ls := leaseList{leased: map[string]bool{}, offers: map[string]string{}, next: map[string]bool{}, ready: map[string]bool{}}
	kl, err := m.cfg.Leases.ListKeys(ctx)
	if err != nil {
		return ls, err
	}
	for k := range kl.Keys() {
		kind, id, _ := strings.Cut(k, ".")
		switch kind {
		case "replica":
			ls.replicas++
		case "sub":
			ls.leased[id] = true
		case "handoff":
			ls.offers[id] = ""
		case "next":
			ls.next[id] = true
		case "ready":
			ls.ready[id] = true
		}
	}
	for id := range ls.offers {
		if e, err := m.cfg.Leases.Get(ctx, "handoff."+id); err == nil {
			ls.offers[id] = string(e.Value())
		}
	}
	return ls, nil
}

func (m *Manager) desired(ctx context.Context) (map[string]Sub, error) {
	kl, err := m.cfg.State.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]Sub{}
	for k := range kl.Keys() {
		id, ok := strings.CutPrefix(k, "sub.")
		if !ok {
			continue
		}
		s, cached := m.subs[id]
		if !cached {
			e, err := m.cfg.State.Get(ctx, k)
			if err != nil || json.Unmarshal(e.Value(), &s) != nil {
				continue
			}
			m.subs[id] = s
		}
		out[id] = s
	}
	for id := range m.subs {
		if _, ok := out[id]; !ok {
			delete(m.subs, id)
		}
	}
	return out, nil
}

// begin starts serving a subscription just claimed, or, pending, one
// being handed over (no gap: the holder still reads it).
func (m *Manager) begin(ctx context.Context, s Sub, rev uint64, pending bool) {
	c := m.cfg
	var t Takeover
	if e, err := c.State.Get(ctx, "owner."+s.ID); err == nil && !pending {
		var o owner
		if json.Unmarshal(e.Value(), &o) == nil && o.Replica != "" {
			t.Previous = o.Replica
			t.GapStart = o.ReleasedAt
			if t.GapStart.IsZero() {
				if se, err := c.State.Get(ctx, "seen."+o.Replica); err == nil {
					_ = json.Unmarshal(se.Value(), &t.GapStart)
				}
				if t.GapStart.IsZero() {
					t.GapStart = e.Created()
				}
			}
		}
	}
	if !pending {
		b, _ := json.Marshal(owner{Replica: c.Replica})
		_, _ = c.State.Put(ctx, "owner."+s.ID, b)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h := &holding{sub: s, rev: rev, since: time.Now(), cancel: cancel, done: make(chan struct{}), pending: pending}
	m.mu.Lock()
	m.held[s.ID] = h
	n := len(m.held)
	m.mu.Unlock()
	c.Log.Info("lease acquired", "subscription", s.ID, "previous", t.Previous, "held", n)
	if c.Held != nil {
		c.Held(n)
	}
	ready := func() {
		if pending {
			rc, cancel := context.WithTimeout(rctx, 5*time.Second)
			defer cancel()
			_, _ = c.Leases.Put(rc, "ready."+s.ID, []byte(c.Replica))
		}
	}
	go func() {
		defer close(h.done)
		c.Run(rctx, s, t, ready)
	}()
}

// stop ends a held subscription. A graceful release records when it
// stopped reading, for the next holder's gap, and deletes the lease.
func (m *Manager) stop(id string, release bool) {
	m.mu.Lock()
	h := m.held[id]
	delete(m.held, id)
	n := len(m.held)
	m.mu.Unlock()
	if h == nil {
		return
	}
	stopped := time.Now()
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		m.cfg.Log.Warn("subscription did not stop within 10s", "subscription", id)
	}
	if m.cfg.Held != nil {
		m.cfg.Held(n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if h.pending {
		// A handoff not completed: the holder still has it.
		_ = m.cfg.Leases.Delete(ctx, "next."+id)
		_ = m.cfg.Leases.Delete(ctx, "ready."+id)
		return
	}
	if h.offered {
		_ = m.cfg.Leases.Delete(ctx, "handoff."+id)
	}
	if !release {
		return
	}
	b, _ := json.Marshal(owner{Replica: m.cfg.Replica, ReleasedAt: stopped})
	_, _ = m.cfg.State.Put(ctx, "owner."+id, b)
	if err := m.cfg.Leases.Delete(ctx, "sub."+id, jetstream.LastRevision(h.rev)); err != nil {
		m.cfg.Log.Warn("lease release failed; it expires instead", "subscription", id, "err", err)
	}
	m.cfg.Log.Info("lease released", "subscription", id, "held", n)
}

func (m *Manager) shutdown() {
	var wg sync.WaitGroup
	for id := range m.snapshot() {
		wg.Add(1)
		go func() { defer wg.Done(); m.stop(id, true) }()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = m.cfg.Leases.Delete(ctx, "replica."+m.cfg.Replica)
}

// Crash makes Run, once its context ends, drop every subscription without
// releasing a lease or its heartbeat, as a killed process would: the
// leases expire after their TTL (tests and the demo).
func (m *Manager) Crash() {
	m.mu.Lock()
	m.crash = true
	m.mu.Unlock()
}

func (m *Manager) kill() {
	for id := range m.snapshot() {
		m.stop(id, false)
	}
}
