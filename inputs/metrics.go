package inputs

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the self-metrics every input has. They are defined once here
// so that all inputs agree on names, help and labels: main gathers the
// inputs' registries together, and a family whose help differs between two
// inputs would be refused.
type Metrics struct {
	// Samples counts the records the input emitted.
	Samples prometheus.Counter
	// Errors counts bad or unreadable data, by reason.
	Errors *prometheus.CounterVec
	// Dropped counts records the input threw away, by reason.
	Dropped *prometheus.CounterVec
}

// NewMetrics creates the common input metrics, registered with reg when it
// is not nil.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Samples: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rosetta_input_samples_total", Help: "Records the input emitted.",
		}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_errors_total", Help: "Bad or unreadable data, by reason.",
		}, []string{"reason"}),
		Dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_dropped_total", Help: "Records dropped, by reason.",
		}, []string{"reason"}),
	}
	return m, register(reg, m.Samples, m.Errors, m.Dropped)
}

// PollMetrics are the health metrics of a pull input, per target.
type PollMetrics struct {
	Up          *prometheus.GaugeVec   // {target}
	Duration    *prometheus.GaugeVec   // {target}
	LastSuccess *prometheus.GaugeVec   // {target}
	PollErrors  *prometheus.CounterVec // {target, reason}
}

// NewPollMetrics creates the pull-input health metrics, registered with reg
// when it is not nil.
func NewPollMetrics(reg prometheus.Registerer) (*PollMetrics, error) {
	m := &PollMetrics{
		Up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_up", Help: "Whether the last poll of the target succeeded (1) or not (0).",
		}, []string{"target"}),
		Duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_poll_duration_seconds", Help: "Duration of the last poll of the target.",
		}, []string{"target"}),
		LastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_last_success_timestamp_seconds", Help: "Unix time of the last successful poll of the target.",
		}, []string{"target"}),
		PollErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_poll_errors_total", Help: "Failed polls of the target, by reason.",
		}, []string{"target", "reason"}),
	}
	return m, register(reg, m.Up, m.Duration, m.LastSuccess, m.PollErrors)
}

func register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	if reg == nil {
		return nil
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
