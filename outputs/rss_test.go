package outputs

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/statsd_exporter/pkg/mapper"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// rssChildEnv makes the test binary build one store in a fresh process and
// print its resident set growth; BenchmarkRSSPerSeries runs it.
const rssChildEnv = "ROSETTA_RSS_CHILD"

// TestRSSChild is the child side of BenchmarkRSSPerSeries; without the
// environment variable it does nothing.
func TestRSSChild(t *testing.T) {
	spec := os.Getenv(rssChildEnv)
	if spec == "" {
		return
	}
	impl, typ, _ := strings.Cut(spec, ":")
	typ, ns, _ := strings.Cut(typ, ":")
	n, err := strconv.Atoi(ns)
	if err != nil {
		t.Fatal(err)
	}
	// Rosetta's input samples are built before the first reading (the
	// store copies what it keeps). statsd_exporter's registry keeps the
	// label map of each series' first event, so its harness, which holds
	// those maps, is built after it.
	smps := benchSamples(n, normalize.TypeCounter, nil)
	var h *statsdHarness
	hist := &normalize.SeriesOptions{Rule: "h", Observer: normalize.ObserverHistogram, NativeBucketFactor: 1.1, NativeMaxBuckets: 256}
	nativeMapping := &mapper.MetricMapping{ObserverType: mapper.ObserverTypeHistogram, HistogramOptions: &mapper.HistogramOptions{}}
	switch typ {
	case "gauge":
		smps = benchSamples(n, normalize.TypeGauge, nil)
	case "summary":
		smps = benchSamples(n, normalize.TypeObserver, nil)
	case "histogram":
		smps = benchSamples(n, normalize.TypeObserver, hist)
	}
	runtime.GC()
	debug.FreeOSMemory()
	before := testutil.RSS(t)
	var keep any
	switch impl {
	case "rosetta":
		s, err := NewStore(StoreConfig{})
		if err != nil {
			t.Fatal(err)
		}
		s.Write(smps)
		if _, err := s.Gather(); err != nil { // a scrape, as in a running process
			t.Fatal(err)
		}
		keep = s
	case "statsd_exporter":
		smps = nil
		h = newStatsdHarness(t, n)
		for i := range n {
			switch typ {
			case "counter":
				h.counter(i)
			case "gauge":
				h.gauge(i)
			case "summary":
				h.summary(i)
			case "histogram":
				h.histogram(i, nativeMapping)
			}
		}
		if _, err := h.reg.Gather(); err != nil {
			t.Fatal(err)
		}
		h.names = nil // the label maps stay referenced by the registry
		h.labels = nil
		keep = h
	}
	runtime.GC()
	debug.FreeOSMemory()
	after := testutil.RSS(t)
	runtime.KeepAlive(keep)
	runtime.KeepAlive(smps)
	fmt.Printf("RSS_BYTES_PER_SERIES %f\n", float64(after-before)/float64(n))
}

// BenchmarkRSSPerSeries reports the resident set growth per series
// (rss_bytes/series) of each store holding 100k series (10k for summaries
// and histograms), each measured in a fresh process.
func BenchmarkRSSPerSeries(b *testing.B) {
	for _, typ := range []string{"counter:100000", "gauge:100000", "summary:10000", "histogram:10000"} {
		for _, impl := range []string{"rosetta", "statsd_exporter"} {
			b.Run(impl+"/"+strings.Split(typ, ":")[0], func(b *testing.B) {
				var perSeries float64
				for range b.N {
					cmd := exec.Command(os.Args[0], "-test.run=^TestRSSChild$", "-test.count=1")
					cmd.Env = append(os.Environ(), rssChildEnv+"="+impl+":"+typ)
					out, err := cmd.CombinedOutput()
					if err != nil {
						b.Fatalf("%v\n%s", err, out)
					}
					i := strings.Index(string(out), "RSS_BYTES_PER_SERIES ")
					if i < 0 {
						b.Fatalf("no measurement in:\n%s", out)
					}
					if _, err := fmt.Sscan(string(out[i+len("RSS_BYTES_PER_SERIES "):]), &perSeries); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(perSeries, "rss_bytes/series")
			})
		}
	}
}
