package conn

// Metrics receives the runtime's counters and gauges for one client. Set
// Config.Metrics to plug in a collector (Prometheus, expvar, OpenTelemetry);
// the default discards everything. Methods are called on the client's own
// goroutines, the reader's among them, so they must be cheap and must not
// block: add to an atomic counter, set a gauge.
type Metrics interface {
	// FrameIn counts one frame read from the server, of n bytes (after
	// inflating), text or binary.
	FrameIn(n int)
	// Reconnect counts one connection opened after the first: a
	// reconnect, whether or not the session was resumed.
	Reconnect()
	// ValidationFailure counts one server frame that broke its schema or
	// could not be decoded (what the Error hook sees as a *FrameError).
	ValidationFailure()
	// QueueDepth reports the frames waiting for handlers, after each
	// change.
	QueueDepth(n int)
}

// NoMetrics discards every figure; it is the default of Config.Metrics.
type NoMetrics struct{}

func (NoMetrics) FrameIn(int)        {}
func (NoMetrics) Reconnect()         {}
func (NoMetrics) ValidationFailure() {}
func (NoMetrics) QueueDepth(int)     {}
