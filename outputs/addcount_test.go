package outputs

import (
	"math"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

func TestAddCount(t *testing.T) {
	tests := []struct{ c, n, want uint64 }{
		{0, 1, 1},
		{5, math.MaxUint32, 5 + math.MaxUint32},
		{maxCount - 1, 1, maxCount},
		{maxCount - 1, 2, maxCount},
		{maxCount, 1, maxCount},
		{maxCount, 0, maxCount},
		{1 << 62, 1 << 62, maxCount},
	}
	for _, tc := range tests {
		if got := addCount(tc.c, tc.n); got != tc.want {
			t.Errorf("addCount(%d, %d) = %d, want %d", tc.c, tc.n, got, tc.want)
		}
	}
}

// TestCountsSaturate: a hostile sender's sampled lines (up to 2^32-1
// observations each) must not wrap an observer's counts into what
// Prometheus reads as a reset; they stop at maxCount. Without addCount,
// nine observations of 2^62 wrapped the count to 2^62.
func TestCountsSaturate(t *testing.T) {
	opts := map[string]*normalize.SeriesOptions{
		"classic": {Observer: normalize.ObserverHistogram, Buckets: []float64{1, 10}},
		"native":  {Observer: normalize.ObserverNativeHistogram, NativeBucketFactor: 1.1},
		"both":    {Observer: normalize.ObserverHistogram, Buckets: []float64{1, 10}, NativeBucketFactor: 1.1},
		"summary": {Observer: normalize.ObserverSummary},
	}
	for name, o := range opts {
		t.Run(name, func(t *testing.T) {
			k, invalid := kindOf(&normalize.Sample{Type: normalize.TypeObserver, Opts: o})
			if invalid != "" {
				t.Fatal(invalid)
			}
			d := newData(k, o, 0)
			for _, v := range []float64{0, 2, 2, 2, 2, 20, 20, 20, 20} {
				d.observe(v, 1<<62, 0)
			}
			var m dto.Metric
			d.write(&m, newArena(1), 0)
			if s := m.GetSummary(); s != nil {
				if got := s.GetSampleCount(); got != maxCount {
					t.Errorf("summary count %d, want %d", got, uint64(maxCount))
				}
				return
			}
			h := m.GetHistogram()
			if got := h.GetSampleCount(); got != maxCount {
				t.Errorf("count %d, want %d", got, uint64(maxCount))
			}
			var prev uint64
			for _, b := range h.GetBucket() {
				if b.GetCumulativeCount() < prev {
					t.Errorf("bucket le=%g: cumulative %d below the last bucket's %d", b.GetUpperBound(), b.GetCumulativeCount(), prev)
				}
				prev = b.GetCumulativeCount()
			}
			var c int64
			for _, d := range h.GetPositiveDelta() {
				if c += d; c < 0 {
					t.Errorf("native bucket count %d below zero (deltas %v)", c, h.GetPositiveDelta())
				}
			}
		})
	}
}
