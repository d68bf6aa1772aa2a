package conn

import "sync"

// deliveries is the ordered queue between the reader and the handlers. No
// goroutine waits on it while it is empty: the first frame after a quiet
// spell starts a drainer, which exits once the queue is empty again. Idle
// clients, the common case at scale, then cost one goroutine (the reader)
// and no queue storage.
type deliveries struct {
	mu       sync.Mutex
	items    []delivery
	head     int
	draining bool
	space    chan struct{} // signalled when a full queue gets room
}

// keepCap is the most queue storage kept once the queue has drained.
const keepCap = 8

func (q *deliveries) len() int { return len(q.items) - q.head }

// enqueue queues d per the overflow policy and starts a drainer if none
// runs. It returns false when the client is closing.
func (c *Client) enqueue(d delivery) bool {
	q := &c.queue
	for {
		q.mu.Lock()
		if q.len() < c.cfg.QueueSize {
			if q.head > 0 && len(q.items) == cap(q.items) {
				n := copy(q.items, q.items[q.head:])
				clear(q.items[n:])
				q.items, q.head = q.items[:n], 0
			}
			q.items = append(q.items, d)
			start := !q.draining
			q.draining = true
			depth := q.len()
			q.mu.Unlock()
			c.cfg.Metrics.QueueDepth(depth)
			if start {
				c.wg.Add(1) // the reader's goroutine keeps the count above zero
				go c.drain()
			}
			return true
		}
		q.mu.Unlock()
		if c.cfg.Overflow == DropWithError {
			c.report(c.ctx, &FrameError{Seq: d.in.Seq, Err: ErrQueueFull})
			return true
		}
		select {
		case <-q.space:
		case <-c.ctx.Done():
			return false
		}
	}
}

// drain hands frames to handlers one at a time, in arrival order. Frames
// of a connection wait until its Open hook has finished, so that restored
// subscriptions come before new events.
func (c *Client) drain() {
	defer c.wg.Done()
	q := &c.queue
	for {
		q.mu.Lock()
		if q.len() == 0 {
			q.draining = false
			q.head = 0
			if cap(q.items) > keepCap {
				q.items = nil
			} else {
				q.items = q.items[:0]
			}
			q.mu.Unlock()
			return
		}
		d := q.items[q.head]
		q.items[q.head] = delivery{}
		q.head++
		depth := q.len()
		q.mu.Unlock()
		c.cfg.Metrics.QueueDepth(depth)
		select {
		case q.space <- struct{}{}:
		default:
		}

		select {
		case <-d.sess.ready:
		case <-d.sess.dead:
		case <-c.ctx.Done():
			return
		}
		if d.in.Err != nil {
			c.report(c.ctx, &FrameError{Seq: d.in.Seq, Err: d.in.Err})
		}
		if d.in.Msg != nil && !d.in.Quarantine && c.cfg.Hooks.Deliver != nil {
			c.cfg.Hooks.Deliver(c.ctx, d.in)
		}
	}
}
