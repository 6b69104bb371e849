package selfmetric

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Each method makes the metric it names, with the name, help, type and
// labels given, registered with the Factory's registry.
func TestFactoryMakes(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := With(reg)
	f.Counter("c_total", "A counter.").Add(2)
	f.CounterVec("cv_total", "A counter vec.", "a", "b").WithLabelValues("x", "y").Inc()
	f.Gauge("g", "A gauge.").Set(3)
	f.GaugeVec("gv", "A gauge vec.", "a").WithLabelValues("x").Set(4)
	f.GaugeFunc("gf", "A gauge func.", func() float64 { return 5 })
	f.HistogramVec("h_seconds", "A histogram.", []float64{1, 2}, "a").WithLabelValues("x").Observe(1.5)
	want := `
# HELP c_total A counter.
# TYPE c_total counter
c_total 2
# HELP cv_total A counter vec.
# TYPE cv_total counter
cv_total{a="x",b="y"} 1
# HELP g A gauge.
# TYPE g gauge
g 3
# HELP gf A gauge func.
# TYPE gf gauge
gf 5
# HELP gv A gauge vec.
# TYPE gv gauge
gv{a="x"} 4
# HELP h_seconds A histogram.
# TYPE h_seconds histogram
h_seconds_bucket{a="x",le="1"} 0
h_seconds_bucket{a="x",le="2"} 1
h_seconds_bucket{a="x",le="+Inf"} 1
h_seconds_sum{a="x"} 1.5
h_seconds_count{a="x"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

// Metrics made through Registering are registered (nothing without a
// registry); a conflict on the same registry is an error, not a panic.
func TestRegistering(t *testing.T) {
	f, errs := Registering(nil)
	f.Counter("c_total", "h")
	f.Counter("c_total", "h")
	if err := errs(); err != nil {
		t.Fatalf("no registry: %v", err)
	}
	reg := prometheus.NewRegistry()
	f, errs = Registering(reg)
	f.Counter("c_total", "h").Add(3)
	f.Gauge("g", "h")
	if err := errs(); err != nil {
		t.Fatalf("distinct metrics: %v", err)
	}
	if n, err := testutil.GatherAndCount(reg, "c_total"); err != nil || n != 1 {
		t.Errorf("c_total: %d series, %v", n, err)
	}
	f.Counter("c_total", "h")
	f.Gauge("g2", "h")
	if err := errs(); err == nil || !strings.Contains(err.Error(), "duplicate metrics collector registration") {
		t.Errorf("second registration: err = %v, want the conflict", err)
	}
}

// With panics on a conflict, as promauto does.
func TestWithPanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	With(reg).Counter("c_total", "h")
	defer func() {
		if recover() == nil {
			t.Error("second registration did not panic")
		}
	}()
	With(reg).Counter("c_total", "h")
}
