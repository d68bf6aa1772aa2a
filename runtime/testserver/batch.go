package testserver

import (
	"net"
	"sync"
)

// batchFlushBytes is how much a held batch collects before it is written
// anyway, so that a long queue does not grow one huge buffer.
const batchFlushBytes = 64 << 10

// batchListener hands out batchConns, so that a connection's write loop
// can give the kernel a run of queued frames in one write, as a busy
// provider's TCP stack does: one syscall per frame would make the mock,
// not the client under test, the cost a benchmark measures.
type batchListener struct{ net.Listener }

func (l batchListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &batchConn{Conn: c}, nil
}

// batchConn collects writes while held; Flush and Release send them.
// Writes from other goroutines (gorilla's control frames) collect too
// and go out with the batch, whole: gorilla writes a frame under its own
// lock. Closing does not flush: Drop is abrupt, and a frame queued before
// a Drop was never promised to arrive; CloseWith flushes its close frame.
type batchConn struct {
	net.Conn
	mu   sync.Mutex
	held bool
	buf  []byte
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.held {
		return b.Conn.Write(p)
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= batchFlushBytes {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Hold starts collecting writes.
func (b *batchConn) Hold() {
	b.mu.Lock()
	b.held = true
	b.mu.Unlock()
}

// Flush writes what was collected and keeps collecting.
func (b *batchConn) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// Release writes what was collected and stops collecting.
func (b *batchConn) Release() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held = false
	return b.flushLocked()
}

func (b *batchConn) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.Conn.Write(b.buf)
	if cap(b.buf) > batchFlushBytes*2 {
		b.buf = nil
	} else {
		b.buf = b.buf[:0]
	}
	return err
}
