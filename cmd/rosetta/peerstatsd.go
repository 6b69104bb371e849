package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/inputs/statsd"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// statsd_exporter's own self-metric families, served for the StatsD input
// that stands in for it (statsd_exporter_drop_in) with statsd_exporter
// v0.31.0's names, types, help and label names (its main.go, pkg/relay,
// pkg/mappercache), unlabelled by input so that a query written for
// statsd_exporter returns the same series. They read the counters the
// input, its pipeline, the store and the reloads keep anyway: nothing is
// counted twice on the ingest path. docs/statsd.md lists what each one
// reads.

// peerFamily is one of a peer exporter's families (statsd_exporter's,
// jmx_exporter's), its Desc made once.
type peerFamily struct {
	name string
	typ  prometheus.ValueType
	desc *prometheus.Desc
}

func newPeerFamily(name, help string, typ prometheus.ValueType, labels []string) peerFamily {
	return peerFamily{name: name, typ: typ, desc: prometheus.NewDesc(name, help, labels, nil)}
}

var (
	peerLines              = newPeerFamily("statsd_exporter_lines_total", "The total number of StatsD lines received.", prometheus.CounterValue, nil)
	peerSamples            = newPeerFamily("statsd_exporter_samples_total", "The total number of StatsD samples received.", prometheus.CounterValue, nil)
	peerSampleErrors       = newPeerFamily("statsd_exporter_sample_errors_total", "The total number of errors parsing StatsD samples.", prometheus.CounterValue, []string{"reason"})
	peerTags               = newPeerFamily("statsd_exporter_tags_total", "The total number of DogStatsD tags processed.", prometheus.CounterValue, nil)
	peerTagErrors          = newPeerFamily("statsd_exporter_tag_errors_total", "The number of errors parsing DogStatsD tags.", prometheus.CounterValue, nil)
	peerUDPPackets         = newPeerFamily("statsd_exporter_udp_packets_total", "The total number of StatsD packets received over UDP.", prometheus.CounterValue, nil)
	peerUDPDrops           = newPeerFamily("statsd_exporter_udp_packet_drops_total", "The total number of dropped StatsD packets which received over UDP.", prometheus.CounterValue, nil)
	peerUnixgramPackets    = newPeerFamily("statsd_exporter_unixgram_packets_total", "The total number of StatsD packets received over Unixgram.", prometheus.CounterValue, nil)
	peerTCPConnections     = newPeerFamily("statsd_exporter_tcp_connections_total", "The total number of TCP connections handled.", prometheus.CounterValue, nil)
	peerTCPErrors          = newPeerFamily("statsd_exporter_tcp_connection_errors_total", "The number of errors encountered reading from TCP.", prometheus.CounterValue, nil)
	peerTCPTooLong         = newPeerFamily("statsd_exporter_tcp_too_long_lines_total", "The number of lines discarded due to being too long.", prometheus.CounterValue, nil)
	peerFlushed            = newPeerFamily("statsd_exporter_event_queue_flushed_total", "Number of times events were flushed to exporter", prometheus.CounterValue, nil)
	peerEvents             = newPeerFamily("statsd_exporter_events_total", "The total number of StatsD events seen.", prometheus.CounterValue, []string{"type"})
	peerEventsUnmapped     = newPeerFamily("statsd_exporter_events_unmapped_total", "The total number of StatsD events no mapping was found for.", prometheus.CounterValue, nil)
	peerEventsActions      = newPeerFamily("statsd_exporter_events_actions_total", "The total number of StatsD events by action.", prometheus.CounterValue, []string{"action"})
	peerEventsError        = newPeerFamily("statsd_exporter_events_error_total", "The total number of StatsD events discarded due to errors.", prometheus.CounterValue, []string{"reason"})
	peerEventsConflict     = newPeerFamily("statsd_exporter_events_conflict_total", "The total number of StatsD events with conflicting names.", prometheus.CounterValue, []string{"type", "metric_name"})
	peerMetrics            = newPeerFamily("statsd_exporter_metrics_total", "The total number of metrics.", prometheus.GaugeValue, []string{"type"})
	peerLoadedMappings     = newPeerFamily("statsd_exporter_loaded_mappings", "The current number of configured metric mappings.", prometheus.GaugeValue, nil)
	peerConfigReloads      = newPeerFamily("statsd_exporter_config_reloads_total", "The number of configuration reloads.", prometheus.CounterValue, []string{"outcome"})
	peerCacheLength        = newPeerFamily("statsd_metric_mapper_cache_length", "The count of unique metrics currently cached.", prometheus.GaugeValue, nil)
	peerCacheGets          = newPeerFamily("statsd_metric_mapper_cache_gets_total", "The count of total metric cache gets.", prometheus.CounterValue, nil)
	peerCacheHits          = newPeerFamily("statsd_metric_mapper_cache_hits_total", "The count of total metric cache hits.", prometheus.CounterValue, nil)
	peerRelayPackets       = newPeerFamily("statsd_exporter_relay_packets_total", "The number of StatsD packets relayed.", prometheus.CounterValue, []string{"target"})
	peerRelayLongLines     = newPeerFamily("statsd_exporter_relay_long_lines_total", "The number lines that were too long to relay.", prometheus.CounterValue, []string{"target"})
	peerRelayLinesRelayed  = newPeerFamily("statsd_exporter_relay_lines_relayed_total", "The number of lines that were buffered to be relayed.", prometheus.CounterValue, []string{"target"})
	peerBuildInfoName      = "statsd_exporter_build_info"
	peerFamilies           = []peerFamily{peerLines, peerSamples, peerSampleErrors, peerTags, peerTagErrors, peerUDPPackets, peerUDPDrops, peerUnixgramPackets, peerTCPConnections, peerTCPErrors, peerTCPTooLong, peerFlushed, peerEvents, peerEventsUnmapped, peerEventsActions, peerEventsError, peerEventsConflict, peerMetrics, peerLoadedMappings, peerConfigReloads, peerCacheLength, peerCacheGets, peerCacheHits, peerRelayPackets, peerRelayLongLines, peerRelayLinesRelayed}
	peerSampleErrorReasons = []string{"malformed_line", "mixed_tagging_styles", "not_enough_parts_after_colon", "invalid_extended_aggregate_type",
		"malformed_component", "malformed_value", "invalid_sample_factor", "malformed_container_id", "illegal_event"}
)

// peerMetricTypes are statsd_exporter_metrics_total's type labels.
var peerMetricTypes = map[dto.MetricType]string{dto.MetricType_COUNTER: "counter", dto.MetricType_GAUGE: "gauge",
	dto.MetricType_HISTOGRAM: "histogram", dto.MetricType_SUMMARY: "summary"}

// peerFamilyNames are the names of statsd_exporter's families, which the
// store refuses to mapped series while an input stands in for it
// (loadedConfig.peerNames), as statsd_exporter's registry refuses a second
// registration of them.
func peerFamilyNames() []string {
	return familyNames([]string{peerBuildInfoName}, peerFamilies)
}

// familyNames appends the names of fams to names.
func familyNames(names []string, fams []peerFamily) []string {
	for _, f := range fams {
		names = append(names, f.name)
	}
	return names
}

// peerStatsd is the collector of statsd_exporter's families. Describe
// sends nothing (an unchecked collector): the families appear only while
// an input stands in for statsd_exporter.
type peerStatsd struct {
	mgr     *manager
	store   *outputs.Store
	reloads *reloadMetrics
	// flushInterval and flushThreshold are statsd_exporter's
	// --statsd.event-flush-interval and -threshold, from which
	// statsd_exporter_event_queue_flushed_total is what statsd_exporter
	// would count: a flush per interval since the start (its ticker
	// flushes an empty queue too) and one per threshold events.
	flushInterval  time.Duration
	flushThreshold int
	start          time.Time
	version        prometheus.Collector
}

func newPeerStatsd(mgr *manager, store *outputs.Store, reloads *reloadMetrics, f *statsdFlags) *peerStatsd {
	return &peerStatsd{
		mgr: mgr, store: store, reloads: reloads,
		flushInterval: f.eventFlushInterval, flushThreshold: f.eventFlushThreshold,
		start:   time.Now(),
		version: versioncollector.NewCollector("statsd_exporter"),
	}
}

func (*peerStatsd) Describe(chan<- *prometheus.Desc) {}

// dropIn returns the running input that stands in for statsd_exporter.
func (m *manager) dropIn() (runningInput, *statsd.Config, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.running {
		if c, ok := r.spec.config.(*statsd.Config); ok && c.StatsdExporterDropIn {
			return *r, c, true
		}
	}
	return runningInput{}, nil, false
}

// inputValues are an input's gathered self-metrics.
type inputValues map[string]*dto.MetricFamily

// get sums the values of name's series whose labels include the pairs
// given (name, value, ...).
func (iv inputValues) get(name string, pairs ...string) float64 {
	var sum float64
	for _, m := range iv[name].GetMetric() {
		if hasPairs(m, pairs) {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
		}
	}
	return sum
}

func hasPairs(m *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == pairs[i] && lp.GetValue() == pairs[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (p *peerStatsd) Collect(ch chan<- prometheus.Metric) {
	in, cfg, ok := p.mgr.dropIn()
	if !ok {
		return
	}
	mfs, _ := in.reg.Gather() // what it gathers despite an error is served
	iv := inputValues{}
	for _, mf := range mfs {
		iv[mf.GetName()] = mf
	}
	emit := func(f peerFamily, v float64, labels ...string) {
		if m, err := prometheus.NewConstMetric(f.desc, f.typ, v, labels...); err == nil {
			ch <- m
		}
	}
	// emitSeen is for statsd_exporter's vectors: a series exists once
	// counted.
	emitSeen := func(f peerFamily, v float64, labels ...string) {
		if v > 0 {
			emit(f, v, labels...)
		}
	}
	const (
		errs  = "rosetta_input_errors_total"
		drops = "rosetta_input_dropped_total"
	)

	// The listeners (statsd_exporter's pkg/listener and pkg/line), with
	// what statsd_exporter finds in the DogStatsD events and service
	// checks Rosetta drops.
	var extra statsd.PeerCounts
	if d, ok := in.driver.(interface{ PeerCounts() statsd.PeerCounts }); ok {
		extra = d.PeerCounts()
	}
	reason := func(r string) float64 { return iv.get(errs, "reason", r) + float64(extra.Errors[r]) }
	emit(peerLines, iv.get("rosetta_statsd_lines_total"))
	emit(peerSamples, iv.get("rosetta_statsd_samples_total")+float64(extra.Samples))
	emit(peerTags, iv.get("rosetta_statsd_tagged_samples_total")+float64(extra.Tags))
	emit(peerTagErrors, reason("malformed_tag"))
	for _, r := range peerSampleErrorReasons {
		v := reason(r)
		if r == "malformed_line" {
			v += reason("invalid_utf8") // statsd_exporter's check of a line
		}
		emitSeen(peerSampleErrors, v, r)
	}
	emit(peerUDPPackets, iv.get("rosetta_statsd_packets_total", "transport", "udp"))
	emit(peerUDPDrops, iv.get(drops, "reason", "queue_full")+iv.get(drops, "reason", "queue_bytes_full"))
	emit(peerUnixgramPackets, iv.get("rosetta_statsd_packets_total", "transport", "unixgram"))
	// statsd_exporter handles every connection; Rosetta refuses those
	// over tcp_max_connections.
	emit(peerTCPConnections, iv.get("rosetta_statsd_tcp_connections_total")+iv.get(drops, "reason", "tcp_connection_limit"))
	emit(peerTCPErrors, iv.get("rosetta_statsd_tcp_connection_errors_total"))
	emit(peerTCPTooLong, reason("line_too_long"))

	// The mapping and the registry (statsd_exporter's pkg/exporter).
	ev := in.pipeline.EventCounts()
	pc := p.store.PeerCounts()
	events := iv.get("rosetta_input_samples_total")
	flushes := float64(time.Since(p.start) / max(p.flushInterval, time.Millisecond))
	if p.flushThreshold > 0 {
		flushes += float64(uint64(events) / uint64(p.flushThreshold))
	}
	emit(peerFlushed, flushes)
	for _, t := range []struct {
		label string
		types []normalize.Type
	}{
		{"counter", []normalize.Type{normalize.TypeCounter}},
		{"gauge", []normalize.Type{normalize.TypeGauge}},
		{"observer", []normalize.Type{normalize.TypeObserver, normalize.TypeHistogram, normalize.TypeSummary}},
	} {
		var n, refused uint64
		for _, typ := range t.types {
			n += ev.Stored[typ]
			refused += pc.ConflictsByType[typ]
		}
		emitSeen(peerEvents, float64(n-min(n, refused)), t.label)
	}
	unmapped := iv.get("rosetta_rule_unmapped_total") + float64(ev.RepeatUnmapped)
	dropped := iv.get("rosetta_rule_dropped_total", "reason", "drop_rule") + float64(ev.RepeatDropRule)
	cacheHits := iv.get("rosetta_rule_cache_hits_total")
	records := cacheHits + iv.get("rosetta_rule_cache_misses_total")
	// Events looked up: records, plus the events beyond one of those that
	// stand for several.
	lookups := records + float64(ev.ExtraStored(uint64(iv.get("rosetta_rule_samples_total")))+ev.RepeatDropRule+ev.RepeatDropOther+ev.RepeatInvalid)
	emit(peerEventsUnmapped, unmapped)
	emitSeen(peerEventsActions, dropped, "drop")
	// Every event a rule matched and kept, a refused value's included
	// (statsd_exporter counts the action first), but for an empty name.
	emitSeen(peerEventsActions, lookups-unmapped-dropped-iv.get("rosetta_rule_dropped_total", "reason", "no_value")-
		iv.get("rosetta_rule_invalid_total", "reason", "empty_metric_name"), "map")
	for _, r := range []string{"empty_metric_name", "illegal_negative_counter"} {
		emitSeen(peerEventsError, iv.get("rosetta_rule_invalid_total", "reason", r), r)
	}
	conflicts := map[[2]string]uint64{} // by type label and name
	for k, n := range pc.Conflicts {
		typ := k.Type.String()
		switch k.Type {
		case normalize.TypeHistogram, normalize.TypeSummary:
			typ = "observer"
		}
		conflicts[[2]string{typ, k.Name}] += n
	}
	for k, n := range conflicts {
		emitSeen(peerEventsConflict, float64(n), k[0], k[1])
	}
	for typ, n := range pc.Shapes {
		if label := peerMetricTypes[typ]; label != "" {
			emitSeen(peerMetrics, float64(n), label)
		}
	}
	rules := in.pipeline.RuleSet()
	emit(peerLoadedMappings, float64(rules.Len()))
	// statsd_exporter counts reloads, not the load at start.
	var m dto.Metric
	for _, outcome := range []string{"success", "failure"} {
		m.Reset()
		if p.reloads.reloads.WithLabelValues(outcome).Write(&m) == nil {
			v := m.GetCounter().GetValue()
			if outcome == "success" {
				v--
			}
			emitSeen(peerConfigReloads, v, outcome)
		}
	}

	// The mapping cache (statsd_exporter's pkg/mappercache), when there
	// is one.
	if n, ok := rules.CacheLen(); ok {
		emit(peerCacheLength, float64(n))
		// Per record (a sampled timer's lookup counts once), not per
		// event as statsd_exporter's.
		emit(peerCacheGets, records)
		emit(peerCacheHits, cacheHits)
	}

	// The relay (statsd_exporter's pkg/relay), when there is one.
	if target := cfg.Relay.Address; target != "" {
		emit(peerRelayPackets, iv.get("rosetta_statsd_relay_packets_total"), target)
		emit(peerRelayLongLines, iv.get("rosetta_statsd_relay_dropped_lines_total", "reason", "too_long"), target)
		emit(peerRelayLinesRelayed, iv.get("rosetta_statsd_relay_lines_total")+iv.get("rosetta_statsd_relay_failed_lines_total")+
			iv.get("rosetta_statsd_relay_dropped_lines_total", "reason", "queue_full"), target)
	}

	p.version.Collect(ch)
}
