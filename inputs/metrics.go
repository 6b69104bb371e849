package inputs

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

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
	f, errs := Registering(reg)
	m := &Metrics{
		Samples: f.NewCounter(prometheus.CounterOpts{
			Name: "rosetta_input_samples_total", Help: "Records the input emitted.",
		}),
		Errors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_errors_total", Help: "Bad or unreadable data, by reason.",
		}, []string{"reason"}),
		Dropped: f.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_dropped_total", Help: "Records dropped, by reason.",
		}, []string{"reason"}),
	}
	return m, errs()
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
	f, errs := Registering(reg)
	m := &PollMetrics{
		Up: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_up", Help: "Whether the last poll of the target succeeded (1) or not (0).",
		}, []string{"target"}),
		Duration: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_poll_duration_seconds", Help: "Duration of the last poll of the target.",
		}, []string{"target"}),
		LastSuccess: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rosetta_input_last_success_timestamp_seconds", Help: "Unix time of the last successful poll of the target.",
		}, []string{"target"}),
		PollErrors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "rosetta_input_poll_errors_total", Help: "Failed polls of the target, by reason.",
		}, []string{"target", "reason"}),
	}
	return m, errs()
}

// Registering returns a promauto factory that registers what it makes
// with reg (nothing when reg is nil) and a function that returns the
// registration errors so far. Inputs build their self-metrics with it, so
// that a metric is listed once, where it is made, and a conflict (two
// inputs on one registry) is an error of New, not promauto's panic.
func Registering(reg prometheus.Registerer) (promauto.Factory, func() error) {
	if reg == nil {
		return promauto.With(nil), func() error { return nil }
	}
	r := &collecting{Registerer: reg}
	return promauto.With(r), func() error { return errors.Join(r.errs...) }
}

// collecting is a Registerer whose MustRegister keeps the errors.
type collecting struct {
	prometheus.Registerer
	errs []error
}

func (r *collecting) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			r.errs = append(r.errs, err)
		}
	}
}
