package inputs

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

// The common and poll metrics register under their names; a second
// input's on the same registry is an error of Registering, not a panic.
func TestMetricsRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	f, errs := selfmetric.Registering(reg)
	m, p := NewMetrics(f), NewPollMetrics(f)
	if err := errs(); err != nil {
		t.Fatal(err)
	}
	m.Samples.Add(3)
	p.Up.WithLabelValues("t").Set(1)
	for _, name := range []string{"rosetta_input_samples_total", "rosetta_input_up"} {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n != 1 {
			t.Errorf("%s: %d series, %v", name, n, err)
		}
	}
	f, errs = selfmetric.Registering(reg)
	NewMetrics(f)
	if err := errs(); err == nil || !strings.Contains(err.Error(), "duplicate metrics collector registration") {
		t.Errorf("second registration: err = %v, want the conflict", err)
	}
}
