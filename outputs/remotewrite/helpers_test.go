package remotewrite

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"
)

// decodeOne decodes an `outputs:` block with one remote_write entry.
func decodeOne(t testing.TB, doc string) Config {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	cfgs, err := Decode("test.yml", root.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 1 {
		t.Fatalf("got %d entries", len(cfgs))
	}
	return cfgs[0]
}

// startManager runs cfg sending what g gathers; self-metrics go to the
// returned registry. It is stopped at cleanup.
func startManager(t testing.TB, g prometheus.Gatherer, cfgs ...Config) (*Manager, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := NewManager(slog.New(slog.NewTextHandler(testWriter{t}, nil)), g, reg)
	if err := m.Apply(cfgs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m, reg
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

var _ io.Writer = testWriter{}

// selfValue returns the value of the self-metric name whose labels
// include want (summed over the matches; counters and gauges).
func selfValue(t testing.TB, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.Metric {
			for k, v := range want {
				found := false
				for _, l := range m.Label {
					if l.GetName() == k && l.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not true after %s: %s", what, d, last)
}
