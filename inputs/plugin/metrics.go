package plugin

import (
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

type metrics struct {
	*inputs.Metrics
	restarts prometheus.Counter
	failures *prometheus.CounterVec
	gaps     prometheus.Counter
	gapSecs  prometheus.Counter
	up       prometheus.Gauge
	startDur prometheus.Gauge
	info     *prometheus.GaugeVec
	// Pull plugins.
	*inputs.PollMetrics

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

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	f, errs := selfmetric.Registering(reg)
	m := &metrics{
		Metrics:     inputs.NewMetrics(f),
		PollMetrics: inputs.NewPollMetrics(f),
		restarts:    f.Counter("rosetta_plugin_restarts_total", "Times the plugin was launched again after a session ended or failed."),
		failures:    f.CounterVec("rosetta_plugin_failures_total", "Plugin sessions that failed or ended, by reason.", "reason"),
		gaps:        f.Counter("rosetta_plugin_gaps_total", "Interruptions of a running plugin session (crash, exit, stall) that left a gap in its data."),
		gapSecs:     f.Counter("rosetta_plugin_gap_seconds_total", "Time without a running plugin session after an interruption, until the next session was ready."),
		up:          f.Gauge("rosetta_plugin_up", "Whether a plugin session is running (1) or not (0)."),
		startDur:    f.Gauge("rosetta_plugin_start_duration_seconds", "Time the last successful start took: launch, handshake, describe and configure."),
		info:        f.GaugeVec("rosetta_plugin_info", "The running plugin's self-description; always 1.", "plugin", "version", "mode"),
		reasons:     map[string]string{},
	}
	return m, errs()
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
