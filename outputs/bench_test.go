package outputs

import (
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/statsd_exporter/pkg/mapper"
	"github.com/prometheus/statsd_exporter/pkg/registry"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// The benchmarks compare the store with statsd_exporter v0.31.0's
// pkg/registry driven the way its pkg/exporter drives it: GetCounter (or
// GetGauge, GetHistogram, GetSummary) per event, then Add/Set/Observe; its
// /metrics is a prometheus.Registry holding the registry's vectors.
//
// Series shape: 100 families of n/100 series each, two labels (a fixed
// job and a distinct instance).

func benchSamples(n int, typ normalize.Type, opts *normalize.SeriesOptions) []normalize.Sample {
	out := make([]normalize.Sample, n)
	for i := range out {
		out[i] = normalize.Sample{
			Name:   fmt.Sprintf("bench_metric_%d", i%100),
			Labels: normalize.Labels{{Name: "instance", Value: fmt.Sprintf("host-%d", i)}, {Name: "job", Value: "bench"}},
			Value:  1,
			Type:   typ,
			Delta:  typ == normalize.TypeCounter,
			Opts:   opts,
		}
	}
	return out
}

type statsdHarness struct {
	reg    *prometheus.Registry
	r      *registry.Registry
	count  *prometheus.GaugeVec
	labels []prometheus.Labels
	names  []string
	ttl    *mapper.MetricMapping
}

func newStatsdHarness(b testing.TB, n int) *statsdHarness {
	m := &mapper.MetricMapper{}
	// Load an (empty) mapping file so the mapper's defaults are set, as
	// they are whenever statsd_exporter runs with --statsd.mapping-config.
	if err := m.InitFromYAMLString(""); err != nil {
		b.Fatal(err)
	}
	h := &statsdHarness{
		reg:   prometheus.NewRegistry(),
		count: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "statsd_exporter_metrics_total"}, []string{"type"}),
		ttl:   &mapper.MetricMapping{},
	}
	h.r = registry.NewRegistry(h.reg, m)
	for i := range n {
		h.names = append(h.names, fmt.Sprintf("bench_metric_%d", i%100))
		h.labels = append(h.labels, prometheus.Labels{"instance": fmt.Sprintf("host-%d", i), "job": "bench"})
	}
	return h
}

func (h *statsdHarness) counter(i int) {
	c, err := h.r.GetCounter(h.names[i], h.labels[i], "help", h.ttl, h.count)
	if err != nil {
		panic(err)
	}
	c.Add(1)
}

func (h *statsdHarness) gauge(i int) {
	g, err := h.r.GetGauge(h.names[i], h.labels[i], "help", h.ttl, h.count)
	if err != nil {
		panic(err)
	}
	g.Set(1)
}

func (h *statsdHarness) histogram(i int, mp *mapper.MetricMapping) {
	o, err := h.r.GetHistogram(h.names[i], h.labels[i], "help", mp, h.count)
	if err != nil {
		panic(err)
	}
	o.Observe(0.3)
}

func (h *statsdHarness) summary(i int) {
	o, err := h.r.GetSummary(h.names[i], h.labels[i], "help", h.ttl, h.count)
	if err != nil {
		panic(err)
	}
	o.Observe(0.3)
}

// BenchmarkUpdate updates existing series, one sample per op.
func BenchmarkUpdate(b *testing.B) {
	const n = 10000
	hist := &normalize.SeriesOptions{Rule: "h", Observer: normalize.ObserverHistogram}
	nativeHist := &normalize.SeriesOptions{Rule: "h", Observer: normalize.ObserverHistogram, NativeBucketFactor: 1.1, NativeMaxBuckets: 256}
	summary := &normalize.SeriesOptions{Rule: "s", Observer: normalize.ObserverSummary}
	cases := []struct {
		name string
		typ  normalize.Type
		opts *normalize.SeriesOptions
	}{
		{"counter", normalize.TypeCounter, nil},
		{"gauge", normalize.TypeGauge, nil},
		{"histogram", normalize.TypeObserver, hist},
		{"histogram_native", normalize.TypeObserver, nativeHist},
		{"summary", normalize.TypeObserver, summary},
	}
	for _, c := range cases {
		b.Run("rosetta/"+c.name, func(b *testing.B) {
			s, _ := newTestStore(b, StoreConfig{})
			smps := benchSamples(n, c.typ, c.opts)
			s.Write(smps)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				s.Write(smps[i%n : i%n+1])
			}
		})
	}
	nativeMapping := &mapper.MetricMapping{ObserverType: mapper.ObserverTypeHistogram, HistogramOptions: &mapper.HistogramOptions{}}
	statsdCases := []struct {
		name string
		f    func(h *statsdHarness, i int)
	}{
		{"counter", (*statsdHarness).counter},
		{"gauge", (*statsdHarness).gauge},
		{"histogram_native", func(h *statsdHarness, i int) { h.histogram(i, nativeMapping) }},
		{"summary", (*statsdHarness).summary},
	}
	for _, c := range statsdCases {
		b.Run("statsd_exporter/"+c.name, func(b *testing.B) {
			h := newStatsdHarness(b, n)
			for i := range n {
				c.f(h, i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				c.f(h, i%n)
			}
		})
	}
}

// BenchmarkWriteBatch writes batches of 100 samples, as inputs do.
func BenchmarkWriteBatch(b *testing.B) {
	const n = 10000
	s, _ := newTestStore(b, StoreConfig{})
	smps := benchSamples(n, normalize.TypeCounter, nil)
	s.Write(smps)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		off := (i * 100) % n
		s.Write(smps[off : off+100])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/sample")
}

// BenchmarkRender gathers and encodes /metrics in the text format.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("rosetta/%d", n), func(b *testing.B) {
			s, _ := newTestStore(b, StoreConfig{})
			s.Write(benchSamples(n, normalize.TypeCounter, nil))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for range b.N {
				render(b, s)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
		b.Run(fmt.Sprintf("statsd_exporter/%d", n), func(b *testing.B) {
			h := newStatsdHarness(b, n)
			for i := range n {
				h.counter(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for range b.N {
				render(b, h.reg)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkGather gathers without encoding.
func BenchmarkGather(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("rosetta/%d", n), func(b *testing.B) {
			s, _ := newTestStore(b, StoreConfig{})
			s.Write(benchSamples(n, normalize.TypeCounter, nil))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := s.Gather(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("statsd_exporter/%d", n), func(b *testing.B) {
			h := newStatsdHarness(b, n)
			for i := range n {
				h.counter(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := h.reg.Gather(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cpuTime is the process's user and system CPU time in nanoseconds: on a
// shared machine it varies less than wall time (GC threads included).
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func render(b *testing.B, g prometheus.Gatherer) {
	mfs, err := g.Gather()
	if err != nil {
		b.Fatal(err)
	}
	enc := expfmt.NewEncoder(io.Discard, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryPerSeries reports the live heap per series (bytes/series)
// after creating n series of each type, for both stores. b.N is ignored
// beyond running the measurement once per iteration.
func BenchmarkMemoryPerSeries(b *testing.B) {
	const n = 100000
	hist := &normalize.SeriesOptions{Rule: "h", Observer: normalize.ObserverHistogram}
	nativeHist := &normalize.SeriesOptions{Rule: "h", Observer: normalize.ObserverHistogram, NativeBucketFactor: 1.1, NativeMaxBuckets: 256}
	nativeMapping := &mapper.MetricMapping{ObserverType: mapper.ObserverTypeHistogram, HistogramOptions: &mapper.HistogramOptions{}}
	rosetta := func(typ normalize.Type, o *normalize.SeriesOptions, count int) func() any {
		return func() any {
			s, err := NewStore(StoreConfig{})
			if err != nil {
				b.Fatal(err)
			}
			smps := benchSamples(count, typ, o)
			for i := range smps {
				smps[i].Value = 0.3
			}
			s.Write(smps)
			return s
		}
	}
	statsd := func(f func(h *statsdHarness, i int), count int) func() any {
		return func() any {
			h := newStatsdHarness(b, count)
			for i := range count {
				f(h, i)
			}
			h.names, h.labels = nil, nil // the inputs are not part of the store
			return h
		}
	}
	builders := []struct {
		name  string
		count int
		f     func() any
	}{
		{"rosetta/counter", n, rosetta(normalize.TypeCounter, nil, n)},
		{"statsd_exporter/counter", n, statsd((*statsdHarness).counter, n)},
		{"rosetta/gauge", n, rosetta(normalize.TypeGauge, nil, n)},
		{"statsd_exporter/gauge", n, statsd((*statsdHarness).gauge, n)},
		{"rosetta/histogram", n / 10, rosetta(normalize.TypeObserver, hist, n/10)},
		{"rosetta/histogram_native", n / 10, rosetta(normalize.TypeObserver, nativeHist, n/10)},
		{"statsd_exporter/histogram_native", n / 10, statsd(func(h *statsdHarness, i int) { h.histogram(i, nativeMapping) }, n/10)},
		{"rosetta/summary", n / 10, rosetta(normalize.TypeObserver, nil, n/10)},
		{"statsd_exporter/summary", n / 10, statsd((*statsdHarness).summary, n/10)},
	}
	for _, bl := range builders {
		b.Run(bl.name, func(b *testing.B) {
			var perSeries float64
			for range b.N {
				before := heapInUse()
				keep := bl.f()
				after := heapInUse()
				runtime.KeepAlive(keep)
				perSeries = float64(after-before) / float64(bl.count)
			}
			b.ReportMetric(perSeries, "bytes/series")
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkWriteParallel writes batches of 100 counters from every
// GOMAXPROCS goroutine at once, as several inputs do.
func BenchmarkWriteParallel(b *testing.B) {
	const n = 10000
	s, _ := newTestStore(b, StoreConfig{})
	smps := benchSamples(n, normalize.TypeCounter, nil)
	s.Write(smps)
	b.ReportAllocs()
	b.ResetTimer()
	var worker atomic.Int32
	b.RunParallel(func(pb *testing.PB) {
		off := int(worker.Add(1)) * 2500 % n // writers start in different places
		for pb.Next() {
			s.Write(smps[off : off+100])
			off = (off + 100) % n
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/sample")
}

// BenchmarkMerge compares serving the store beside the self-metrics
// through outputs.Gatherers and through prometheus.Gatherers (which checks
// and hashes every metric again), 100k series.
func BenchmarkMerge(b *testing.B) {
	s, reg := newTestStore(b, StoreConfig{})
	s.Write(benchSamples(100000, normalize.TypeCounter, nil))
	for name, g := range map[string]prometheus.Gatherer{
		"outputs.Gatherers":    Gatherers{reg, s},
		"prometheus.Gatherers": prometheus.Gatherers{reg, s},
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := g.Gather(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
