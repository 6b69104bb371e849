package inputs

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Metrics made through Registering are registered (nothing without a
// registry); a second input's on the same registry is an error, not a
// panic.
func TestRegistering(t *testing.T) {
	if _, err := NewMetrics(nil); err != nil {
		t.Fatalf("no registry: %v", err)
	}
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.Samples.Add(3)
	if n, err := testutil.GatherAndCount(reg, "rosetta_input_samples_total"); err != nil || n != 1 {
		t.Errorf("rosetta_input_samples_total: %d series, %v", n, err)
	}
	if _, err := NewMetrics(reg); err == nil || !strings.Contains(err.Error(), "duplicate metrics collector registration") {
		t.Errorf("second registration: err = %v, want the conflict", err)
	}
	f, errs := Registering(reg)
	f.NewGauge(prometheus.GaugeOpts{Name: "rosetta_input_up", Help: "other help"})
	f.NewGauge(prometheus.GaugeOpts{Name: "rosetta_input_other", Help: "h"})
	if err := errs(); err != nil {
		t.Errorf("distinct metrics: %v", err)
	}
}
