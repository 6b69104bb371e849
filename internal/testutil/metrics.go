package testutil

import (
	"fmt"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Counter returns the counter value of the first series of the family name
// gathered from g whose labels include every one of labels, or 0 when there
// is none.
func Counter(t testing.TB, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for k, v := range labels {
				found := false
				for _, l := range m.GetLabel() {
					if l.GetName() == k && l.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// Labels returns m's labels as "name=value", sorted.
func Labels(m *dto.Metric) []string {
	var ls []string
	for _, l := range m.GetLabel() {
		ls = append(ls, l.GetName()+"="+l.GetValue())
	}
	slices.Sort(ls)
	return ls
}

// Value describes m's value: a counter's, gauge's or untyped value; a
// histogram's count, sum and cumulative buckets; a summary's count and sum,
// and its quantiles when quantiles is set.
func Value(m *dto.Metric, quantiles bool) string {
	v := ""
	switch {
	case m.Counter != nil:
		v = fmt.Sprint(m.GetCounter().GetValue())
	case m.Gauge != nil:
		v = fmt.Sprint(m.GetGauge().GetValue())
	case m.Untyped != nil:
		v = fmt.Sprint(m.GetUntyped().GetValue())
	case m.Histogram != nil:
		h := m.GetHistogram()
		v = fmt.Sprintf("count=%d sum=%g", h.GetSampleCount(), h.GetSampleSum())
		for _, b := range h.GetBucket() {
			v += fmt.Sprintf(" %g:%d", b.GetUpperBound(), b.GetCumulativeCount())
		}
	case m.Summary != nil:
		s := m.GetSummary()
		v = fmt.Sprintf("count=%d sum=%g", s.GetSampleCount(), s.GetSampleSum())
		if quantiles {
			for _, q := range s.GetQuantile() {
				v += fmt.Sprintf(" %g:%g", q.GetQuantile(), q.GetValue())
			}
		}
	}
	return v
}
