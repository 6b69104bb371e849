package statsd

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

// metrics are the input's self-metrics. The Registerer from main already
// adds input="<name>".
type metrics struct {
	records  prometheus.Counter
	errors   [numReasons]prometheus.Counter
	drops    [numDrops]prometheus.Counter
	packets  map[string]prometheus.Counter // by transport
	lines    prometheus.Counter
	samples  prometheus.Counter
	tags     prometheus.Counter
	tcpConns prometheus.Counter
	tcpOpen  prometheus.Gauge
	tcpErrs  prometheus.Counter
	readErrs *prometheus.CounterVec
	queued   prometheus.GaugeFunc

	// peer are the stats.peer counts, for PeerCounts.
	peerSamples, peerTags atomic.Uint64
	peerErrors            [numReasons]atomic.Uint64
}

// PeerCounts are what statsd_exporter counts in its own self-metrics and
// the input's do not: the samples, tags and errors statsd_exporter finds
// in the DogStatsD events and service checks that give no sample, which it
// parses as metric lines (Rosetta drops and counts them as dogstatsd_event
// and dogstatsd_service_check; parseLikePeer). They complete statsd_exporter_samples_total,
// _tags_total, _tag_errors_total and _sample_errors_total{reason}.
type PeerCounts struct {
	Samples, Tags uint64
	// Errors are by reason, as rosetta_input_errors_total names them.
	Errors map[string]uint64
}

// PeerCounts returns the input's PeerCounts so far.
func (d *Driver) PeerCounts() PeerCounts {
	m := d.m
	c := PeerCounts{Samples: m.peerSamples.Load(), Tags: m.peerTags.Load(), Errors: map[string]uint64{}}
	for r := range m.peerErrors {
		if n := m.peerErrors[r].Load(); n > 0 {
			c.Errors[reasonNames[r]] = n
		}
	}
	return c
}

func newMetrics(reg prometheus.Registerer, queueLen func() float64) (*metrics, error) {
	f, errs := selfmetric.Registering(reg)
	common := inputs.NewMetrics(f)
	packetVec := f.CounterVec("rosetta_statsd_packets_total", "StatsD datagrams received, by transport (statsd_exporter_udp_packets_total, statsd_exporter_unixgram_packets_total).", "transport")
	m := &metrics{
		records:  common.Samples,
		packets:  map[string]prometheus.Counter{},
		lines:    f.Counter("rosetta_statsd_lines_total", "StatsD lines received (statsd_exporter_lines_total)."),
		samples:  f.Counter("rosetta_statsd_samples_total", "StatsD samples (values) parsed, before sample-rate repeats (statsd_exporter_samples_total)."),
		tags:     f.Counter("rosetta_statsd_tagged_samples_total", "StatsD samples that carried tags (statsd_exporter_tags_total)."),
		tcpConns: f.Counter("rosetta_statsd_tcp_connections_total", "TCP connections accepted (statsd_exporter_tcp_connections_total)."),
		tcpOpen:  f.Gauge("rosetta_statsd_tcp_open_connections", "TCP connections open now."),
		tcpErrs:  f.Counter("rosetta_statsd_tcp_connection_errors_total", "TCP connections that ended with a read error (statsd_exporter_tcp_connection_errors_total)."),
		readErrs: f.CounterVec("rosetta_statsd_read_errors_total", "Failed reads and accepts on the listening sockets, by transport.", "transport"),
		queued:   f.GaugeFunc("rosetta_statsd_queued_packets", "Datagrams waiting in the queue for a parse worker.", queueLen),
	}
	for r := range numReasons {
		m.errors[r] = common.Errors.WithLabelValues(reasonNames[r])
	}
	for d := range numDrops {
		m.drops[d] = common.Dropped.WithLabelValues(dropNames[d])
	}
	for _, t := range []string{"udp", "unixgram"} {
		m.packets[t] = packetVec.WithLabelValues(t)
		m.readErrs.WithLabelValues(t)
	}
	m.readErrs.WithLabelValues("tcp")
	return m, errs()
}

// flush adds a parser's counts to the metrics and zeroes them.
func (m *metrics) flush(st *stats) {
	if st.lines > 0 {
		m.lines.Add(float64(st.lines))
	}
	if st.samples > 0 {
		m.samples.Add(float64(st.samples))
	}
	if st.tags > 0 {
		m.tags.Add(float64(st.tags))
	}
	if st.records > 0 {
		m.records.Add(float64(st.records))
	}
	for r, n := range st.errors {
		if n > 0 {
			m.errors[r].Add(float64(n))
		}
	}
	for d, n := range st.drops {
		if n > 0 {
			m.drops[d].Add(float64(n))
		}
	}
	if st.drops[dropEvent]+st.drops[dropServiceCheck] > 0 {
		m.peerSamples.Add(st.peer.samples)
		m.peerTags.Add(st.peer.tags)
		for r, n := range st.peer.errors {
			if n > 0 {
				m.peerErrors[r].Add(n)
			}
		}
	}
	*st = stats{}
}
