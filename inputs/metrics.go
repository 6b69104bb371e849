package inputs

import (
	"context"
	"errors"
	"os"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
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

// NewMetrics makes the common input metrics with f (an input's is
// selfmetric.Registering's, so that a conflict is an error of New).
func NewMetrics(f selfmetric.Factory) *Metrics {
	return &Metrics{
		Samples: f.Counter("rosetta_input_samples_total", "Records the input emitted; a sampled StatsD timer counts as the observations it stands for."),
		Errors:  f.CounterVec("rosetta_input_errors_total", "Bad or unreadable data, by reason.", "reason"),
		Dropped: f.CounterVec("rosetta_input_dropped_total", "Records dropped, by reason.", "reason"),
	}
}

// PollMetrics are the health metrics of a pull input, per target.
type PollMetrics struct {
	Up          *prometheus.GaugeVec   // {target}
	Duration    *prometheus.GaugeVec   // {target}
	LastSuccess *prometheus.GaugeVec   // {target}
	PollErrors  *prometheus.CounterVec // {target, reason}
}

// NewPollMetrics makes the pull-input health metrics with f.
func NewPollMetrics(f selfmetric.Factory) *PollMetrics {
	return &PollMetrics{
		Up:          f.GaugeVec("rosetta_input_up", "Whether the last poll of the target succeeded (1) or not (0).", "target"),
		Duration:    f.GaugeVec("rosetta_input_poll_duration_seconds", "Duration of the last poll of the target.", "target"),
		LastSuccess: f.GaugeVec("rosetta_input_last_success_timestamp_seconds", "Unix time of the last successful poll of the target.", "target"),
		PollErrors:  f.CounterVec("rosetta_input_poll_errors_total", "Failed polls of the target, by reason.", "target", "reason"),
	}
}

// TransportReason is the PollErrors reason of the transport failures that
// every pull input names alike: "timeout" when a deadline passed (the
// poll's or the connection's), "refused" when the target refused the
// connection; "" for any other error, which the input names itself.
func TransportReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	}
	return ""
}
