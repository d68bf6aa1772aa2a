// Package metrics holds the bridge's Prometheus figures and implements the
// runtime's conn.Metrics hook for each bridged connection.
package metrics

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wsbind/wsbind/runtime/conn"
)

// Bridge is one replica's figures, in its own registry.
type Bridge struct {
	Registry *prometheus.Registry

	FramesIn       *prometheus.CounterVec
	BytesIn        *prometheus.CounterVec
	Published      *prometheus.CounterVec // by provider and kind: event, invalid, unknown, gap
	Duplicates     *prometheus.CounterVec
	Invalid        *prometheus.CounterVec
	Unknown        *prometheus.CounterVec
	Gaps           *prometheus.CounterVec
	Reconnects     *prometheus.CounterVec
	ValidationFail *prometheus.CounterVec
	QueueDepth     *prometheus.GaugeVec
	LeasesHeld     prometheus.Gauge
	InFlight       prometheus.Gauge
	Stalls         prometheus.Counter
	StallSeconds   prometheus.Counter
	PublishRetries prometheus.Counter
	Latency        prometheus.Histogram
}

// New registers the bridge's figures in a fresh registry; replica labels
// every series.
func New(replica string) *Bridge {
	r := prometheus.NewRegistry()
	lab := prometheus.Labels{"replica": replica}
	cv := func(name, help string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "wsbind", Subsystem: "bridge", Name: name, Help: help, ConstLabels: lab}, labels)
		r.MustRegister(v)
		return v
	}
	b := &Bridge{
		Registry:       r,
		FramesIn:       cv("frames_in_total", "Frames read from provider sockets.", "provider"),
		BytesIn:        cv("bytes_in_total", "Bytes of the frames read from provider sockets.", "provider"),
		Published:      cv("published_total", "Events acknowledged by JetStream, by kind (event, invalid, unknown, gap).", "provider", "kind"),
		Duplicates:     cv("duplicates_suppressed_total", "Publishes JetStream acknowledged as duplicates of a Nats-Msg-Id in its window.", "provider"),
		Invalid:        cv("invalid_total", "Frames that broke their schema or were not JSON (published to _invalid).", "provider"),
		Unknown:        cv("unknown_total", "Frames no message of the spec matched (published to _unknown).", "provider"),
		Gaps:           cv("gaps_total", "Gap events published for takeovers the provider cannot replay.", "provider"),
		Reconnects:     cv("reconnects_total", "Provider connections reopened after the first.", "provider"),
		ValidationFail: cv("validation_failures_total", "Frames the runtime could not decode.", "provider"),
		QueueDepth: func() *prometheus.GaugeVec {
			v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "wsbind", Subsystem: "bridge", Name: "queue_depth", Help: "Frames waiting in the runtime's delivery queues.", ConstLabels: lab}, []string{"provider"})
			r.MustRegister(v)
			return v
		}(),
		LeasesHeld:     prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "wsbind", Subsystem: "bridge", Name: "leases_held", Help: "Subscription leases this replica holds.", ConstLabels: lab}),
		InFlight:       prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "wsbind", Subsystem: "bridge", Name: "publish_in_flight", Help: "Events published and not yet acknowledged.", ConstLabels: lab}),
		Stalls:         prometheus.NewCounter(prometheus.CounterOpts{Namespace: "wsbind", Subsystem: "bridge", Name: "stalls_total", Help: "Times the in-flight window was full and reading stopped.", ConstLabels: lab}),
		StallSeconds:   prometheus.NewCounter(prometheus.CounterOpts{Namespace: "wsbind", Subsystem: "bridge", Name: "stall_seconds_total", Help: "Time reading stopped on a full window.", ConstLabels: lab}),
		PublishRetries: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "wsbind", Subsystem: "bridge", Name: "publish_retries_total", Help: "Publishes sent again after an error or a missing acknowledgement.", ConstLabels: lab}),
		Latency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "wsbind", Subsystem: "bridge", Name: "publish_latency_seconds", Help: "From publishing an event to its JetStream acknowledgement.", ConstLabels: lab,
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
	}
	r.MustRegister(b.LeasesHeld, b.InFlight, b.Stalls, b.StallSeconds, b.PublishRetries, b.Latency)
	return b
}

// Handler serves /metrics (Prometheus text format) and /healthz, which
// answers 200 while healthy() is true and 503 otherwise.
func (b *Bridge) Handler(healthy func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(b.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if healthy != nil && !healthy() {
			http.Error(w, "unhealthy: NATS unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// Conn returns the conn.Metrics of one connection of provider.
func (b *Bridge) Conn(provider string) conn.Metrics {
	return &connMetrics{
		frames: b.FramesIn.WithLabelValues(provider),
		bytes:  b.BytesIn.WithLabelValues(provider),
		recon:  b.Reconnects.WithLabelValues(provider),
		vfail:  b.ValidationFail.WithLabelValues(provider),
		depth:  b.QueueDepth.WithLabelValues(provider),
	}
}

// connMetrics adapts one client's figures; queue depth is summed over the
// provider's clients by adding each change.
type connMetrics struct {
	frames, bytes, recon, vfail prometheus.Counter
	depth                       prometheus.Gauge
	last                        atomic.Int64
}

func (m *connMetrics) FrameIn(n int)      { m.frames.Inc(); m.bytes.Add(float64(n)) }
func (m *connMetrics) Reconnect()         { m.recon.Inc() }
func (m *connMetrics) ValidationFailure() { m.vfail.Inc() }
func (m *connMetrics) QueueDepth(n int) {
	old := m.last.Swap(int64(n))
	m.depth.Add(float64(int64(n) - old))
}

// Release takes a closed connection's queue depth out of the sum.
func Release(cm conn.Metrics) {
	if m, ok := cm.(*connMetrics); ok {
		m.depth.Sub(float64(m.last.Swap(0)))
	}
}
