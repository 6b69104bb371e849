// Package selfmetric makes Rosetta's own metrics (rosetta_*). A self-metric
// states three facts, its name, help and label names; a Factory method
// takes just those, one line a metric, and writes the client_golang options
// around them here once. The metric is registered where it is made, so a
// metric is listed once.
package selfmetric

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Factory makes self-metrics registered with its Registerer (none when it
// was made with nil).
type Factory struct{ auto promauto.Factory }

// With returns a Factory that registers with reg and panics when a
// registration fails, as promauto does: for metrics made once per process
// (the store, remote write, reload), where a conflict is a programming
// error.
func With(reg prometheus.Registerer) Factory { return Factory{promauto.With(reg)} }

// Registering returns a Factory that registers with reg and a function that
// returns the registration errors so far. Inputs make their self-metrics
// with it, so that a conflict (two inputs on one registry) is an error of
// New, not a panic.
func Registering(reg prometheus.Registerer) (Factory, func() error) {
	if reg == nil {
		return With(nil), func() error { return nil }
	}
	r := &collecting{Registerer: reg}
	return With(r), func() error { return errors.Join(r.errs...) }
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

// Counter makes a counter.
func (f Factory) Counter(name, help string) prometheus.Counter {
	return f.auto.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// CounterVec makes a counter with the labels.
func (f Factory) CounterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return f.auto.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// Gauge makes a gauge.
func (f Factory) Gauge(name, help string) prometheus.Gauge {
	return f.auto.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

// GaugeVec makes a gauge with the labels.
func (f Factory) GaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return f.auto.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
}

// GaugeFunc makes a gauge whose value is value() at each scrape.
func (f Factory) GaugeFunc(name, help string, value func() float64) prometheus.GaugeFunc {
	return f.auto.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, value)
}

// HistogramVec makes a histogram with the buckets and labels.
func (f Factory) HistogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return f.auto.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
}
