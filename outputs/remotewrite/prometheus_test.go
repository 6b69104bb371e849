package remotewrite

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/outputs/remotewrite/rwtest"
)

// testMetrics registers one metric of every type, with values.
func testMetrics(reg *prometheus.Registry) (gauge prometheus.Gauge) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rw_requests_total", Help: "x"}, []string{"path"})
	c.WithLabelValues("/a").Add(3)
	c.WithLabelValues("/b").Add(1e9 + 0.5)
	gauge = prometheus.NewGauge(prometheus.GaugeOpts{Name: "rw_temperature_celsius", Help: "x", ConstLabels: prometheus.Labels{"room": "lab"}})
	gauge.Set(-12.25)
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rw_latency_seconds", Help: "x", Buckets: []float64{0.1, 1, 2.5}})
	n := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rw_native_seconds", Help: "x", Buckets: []float64{0.5},
		NativeHistogramBucketFactor: 1.1})
	s := prometheus.NewSummary(prometheus.SummaryOpts{Name: "rw_size_bytes", Help: "x", Objectives: map[float64]float64{0.5: 0.05, 0.99: 0.001}})
	for i := range 50 {
		v := float64(i) / 10
		h.Observe(v)
		n.Observe(v)
		s.Observe(v * 100)
	}
	u := prometheus.NewUntypedFunc(prometheus.UntypedOpts{Name: "rw_untyped", Help: "x"}, func() float64 { return 42 })
	reg.MustRegister(c, gauge, h, n, s, u)
	return gauge
}

// expected flattens what reg exposes in the text format into series, with
// prometheus/common's own decoder (not this package's conversion).
func expected(t *testing.T, g prometheus.Gatherer, ext model.LabelSet) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&text, mf); err != nil {
			t.Fatal(err)
		}
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	parsed, err := parser.TextToMetricFamilies(strings.NewReader(text.String()))
	if err != nil {
		t.Fatal(err)
	}
	vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, slices.Collect(maps.Values(parsed))...)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, s := range vec {
		for k, v := range ext {
			if _, ok := s.Metric[k]; !ok {
				s.Metric[k] = v
			}
		}
		out[s.Metric.String()] = float64(s.Value)
	}
	return out
}

func received(ctx context.Context, p *rwtest.Prometheus, sel string) (map[string]float64, map[string]*struct{ Count, Sum float64 }, error) {
	res, err := p.Query(ctx, sel, time.Time{})
	if err != nil {
		return nil, nil, err
	}
	floats := map[string]float64{}
	hists := map[string]*struct{ Count, Sum float64 }{}
	for _, s := range res {
		m := model.Metric{}
		for k, v := range s.Labels {
			m[model.LabelName(k)] = model.LabelValue(v)
		}
		if s.Histogram != nil {
			hists[m.String()] = s.Histogram
		} else {
			floats[m.String()] = s.Value
		}
	}
	return floats, hists, nil
}

func diff(want, got map[string]float64) string {
	var b strings.Builder
	for k, v := range want {
		if g, ok := got[k]; !ok {
			fmt.Fprintf(&b, "missing %s\n", k)
		} else if g != v {
			fmt.Fprintf(&b, "%s = %v, want %v\n", k, g, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "unexpected %s\n", k)
		}
	}
	return b.String()
}

// TestPrometheusReceivesEveryType sends every metric type to a real
// Prometheus and reads the series back through its query API: they equal
// what the text exposition shows, the native histogram arrives as native,
// and a series that goes away is marked stale at once.
func TestPrometheusReceivesEveryType(t *testing.T) {
	prom := rwtest.Start(t, rwtest.Options{Features: []string{"native-histograms"}})
	reg := prometheus.NewRegistry()
	gauge := testMetrics(reg)
	cfg := decodeOne(t, fmt.Sprintf(`
remote_write:
  - url: %s
    interval: 50ms
    send_native_histograms: true
    external_labels: {cluster: eu-1, room: ignored}
`, prom.WriteURL()))
	_, self := startManager(t, reg, cfg)

	ext := model.LabelSet{"cluster": "eu-1", "room": "ignored"}
	want := expected(t, reg, ext)
	ctx := context.Background()
	eventually(t, 30*time.Second, "series in Prometheus equal the exposition", func() (bool, string) {
		got, hists, err := received(ctx, prom, `{__name__=~"rw_.*"}`)
		if err != nil {
			return false, err.Error()
		}
		if d := diff(want, got); d != "" {
			return false, d
		}
		h := hists[`rw_native_seconds{cluster="eu-1", room="ignored"}`]
		if h == nil || h.Count != 50 || h.Sum != 122.5 {
			return false, fmt.Sprintf("native histogram: %+v (all: %v)", h, hists)
		}
		return true, ""
	})
	if n := selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": "sent"}); n < float64(len(want)) {
		t.Errorf("sent %v samples, want at least %d", n, len(want))
	}
	if ts := selfValue(t, self, "rosetta_remote_write_last_success_timestamp_seconds", nil); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("last success %v", ts)
	}

	// A series that goes away gets a staleness marker: an instant query
	// stops returning it at once, not after the 5-minute lookback.
	reg.Unregister(gauge)
	eventually(t, 30*time.Second, "gone series is stale", func() (bool, string) {
		got, _, err := received(ctx, prom, `rw_temperature_celsius`)
		if err != nil {
			return false, err.Error()
		}
		return len(got) == 0, fmt.Sprint(got)
	})
	// The rest stays.
	got, _, err := received(ctx, prom, `rw_requests_total`)
	if err != nil || len(got) != 2 {
		t.Errorf("rw_requests_total after the gauge went: %v %v", got, err)
	}
}

// seqGatherer is a store whose every gather is a new snapshot number, so
// that what arrived shows which snapshots were lost.
type seqGatherer struct {
	seq    float64
	series int
}

func (g *seqGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.seq++
	mf := &dto.MetricFamily{Name: new("rw_seq"), Type: dto.MetricType_GAUGE.Enum()}
	for i := range g.series {
		mf.Metric = append(mf.Metric, &dto.Metric{
			Label: []*dto.LabelPair{{Name: new("n"), Value: new(fmt.Sprint(i))}},
			Gauge: &dto.Gauge{Value: new(g.seq)},
		})
	}
	return []*dto.MetricFamily{mf}, nil
}

// TestOutageDropsOldest stops the receiver long enough for the queue to
// overflow, then restarts it: the oldest snapshots are dropped and
// counted, one contiguous gap; everything newer than the queue's capacity
// arrives, in order, after the restart.
func TestOutageDropsOldest(t *testing.T) {
	prom := rwtest.Start(t, rwtest.Options{})
	const series = 4
	g := &seqGatherer{series: series}
	cfg := decodeOne(t, fmt.Sprintf(`
remote_write:
  - url: %s
    interval: 40ms
    queue: {capacity: 20, max_shards: 1, max_samples_per_send: 4, min_backoff: 10ms, max_backoff: 100ms}
`, prom.WriteURL()))
	m, self := startManager(t, g, cfg)
	sent := func() float64 {
		return selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": "sent"})
	}
	dropped := func() float64 {
		return selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": "dropped"})
	}
	eventually(t, 30*time.Second, "first snapshots sent", func() (bool, string) { return sent() >= 5*series, fmt.Sprint(sent()) })

	prom.Stop()
	maxQueue := 0.0
	eventually(t, 30*time.Second, "queue overflowing while the receiver is down", func() (bool, string) {
		maxQueue = max(maxQueue, selfValue(t, self, "rosetta_remote_write_queue_length", nil))
		return dropped() >= 10*series, fmt.Sprint(dropped())
	})
	if maxQueue > 20 {
		t.Errorf("queue length reached %v, capacity is 20", maxQueue)
	}
	if r := selfValue(t, self, "rosetta_remote_write_retries_total", nil); r == 0 {
		t.Error("no retries counted during the outage")
	}
	prom.Start()
	before := sent()
	eventually(t, 30*time.Second, "sending again after the restart", func() (bool, string) {
		return sent() >= before+10*series, fmt.Sprint(sent())
	})
	m.Stop() // flushes what is queued; g is not gathered any more
	total := int(g.seq)

	res, err := prom.Range(context.Background(), "rw_seq", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != series {
		t.Fatalf("got %d series, want %d: %v", len(res), series, res)
	}
	var seen []int
	for k, pts := range res {
		var vs []int
		for _, p := range pts {
			vs = append(vs, int(p.Value))
		}
		if !slices.IsSorted(vs) {
			t.Errorf("%s: out of order: %v", k, vs)
		}
		if seen == nil {
			seen = vs
		} else if !slices.Equal(seen, vs) {
			t.Errorf("series differ: %v and %v", seen, vs)
		}
	}
	var missing []int
	for i := 1; i <= total; i++ {
		if !slices.Contains(seen, i) {
			missing = append(missing, i)
		}
	}
	t.Logf("%d snapshots, missing %v", total, missing)
	if len(missing) == 0 || missing[len(missing)-1]-missing[0] != len(missing)-1 {
		t.Errorf("missing snapshots %v: want one contiguous gap", missing)
	}
	if d := dropped(); d != float64(series*len(missing)) {
		t.Errorf("dropped %v samples, but %d snapshots of %d series are missing", d, len(missing), series)
	}
	if f := selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": "failed"}); f != 0 {
		t.Errorf("failed %v samples", f)
	}
	if last := seen[len(seen)-1]; last != total {
		t.Errorf("last snapshot received %d, want %d", last, total)
	}
}
