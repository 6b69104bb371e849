package plugin

import (
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	samples  prometheus.Counter
	errors   *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	restarts prometheus.Counter
	failures *prometheus.CounterVec
	gaps     prometheus.Counter
	gapSecs  prometheus.Counter
	up       prometheus.Gauge
	startDur prometheus.Gauge
	info     *prometheus.GaugeVec
	// Pull plugins.
	pollUp      *prometheus.GaugeVec
	pollDur     *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	pollErrors  *prometheus.CounterVec

	mu      sync.Mutex
	reasons map[string]string // plugin reason -> label value
}

// Failure reasons of a session (rosetta_plugin_failures_total).
const (
	failStart     = "start"     // launch or handshake failed
	failDescribe  = "describe"  // Describe failed or was unacceptable
	failConfigure = "configure" // Configure failed or rejected the config
	failExit      = "exit"      // the plugin exited or the connection broke
	failStalled   = "stalled"   // no message within stream_timeout
	failTimeout   = "timeout"   // Collect missed its deadline
	failProtocol  = "protocol"  // the plugin broke the contract
	failEnded     = "ended"     // the plugin ended its stream
)

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		samples: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rosetta_input_samples_total", Help: "Records the input emitted.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_errors_total", Help: "Bad or unreadable data, by reason.",
		}, []string{"reason"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_dropped_total", Help: "Records dropped, by reason.",
		}, []string{"reason"}),
		restarts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rosetta_plugin_restarts_total", Help: "Times the plugin was launched again after a session ended or failed.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_plugin_failures_total", Help: "Plugin sessions that failed or ended, by reason.",
		}, []string{"reason"}),
		gaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rosetta_plugin_gaps_total", Help: "Interruptions of a running plugin session (crash, exit, stall) that left a gap in its data.",
		}),
		gapSecs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rosetta_plugin_gap_seconds_total", Help: "Time without a running plugin session after an interruption, until the next session was ready.",
		}),
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rosetta_plugin_up", Help: "Whether a plugin session is running (1) or not (0).",
		}),
		startDur: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rosetta_plugin_start_duration_seconds", Help: "Time the last successful start took: launch, handshake, describe and configure.",
		}),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_plugin_info", Help: "The running plugin's self-description; always 1.",
		}, []string{"plugin", "version", "mode"}),
		pollUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_up", Help: "Whether the last poll of the target succeeded (1) or not (0).",
		}, []string{"target"}),
		pollDur: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_poll_duration_seconds", Help: "Duration of the last poll of the target.",
		}, []string{"target"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_last_success_timestamp_seconds", Help: "Unix time of the last successful poll of the target.",
		}, []string{"target"}),
		pollErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_poll_errors_total", Help: "Failed polls of the target, by reason.",
		}, []string{"target", "reason"}),
		reasons: map[string]string{},
	}
	if reg != nil {
		reg.MustRegister(m.samples, m.errors, m.dropped, m.restarts, m.failures, m.gaps, m.gapSecs,
			m.up, m.startDur, m.info, m.pollUp, m.pollDur, m.lastSuccess, m.pollErrors)
	}
	return m
}

// maxPluginReasons caps the distinct reasons a plugin can put in our
// label values.
const maxPluginReasons = 16

// pluginReason maps a reason a plugin sent to a bounded, sanitized label
// value: "plugin_<reason>", or "plugin_other" beyond maxPluginReasons.
func (m *metrics) pluginReason(r string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.reasons[r]; ok {
		return v
	}
	if len(m.reasons) >= maxPluginReasons {
		return "plugin_other"
	}
	var b strings.Builder
	b.WriteString("plugin_")
	for _, c := range strings.ToLower(r) {
		if b.Len() >= 40 {
			break
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	v := b.String()
	m.reasons[r] = v
	return v
}
