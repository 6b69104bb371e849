package remotewrite

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// benchStore is a real store with n counters: 100 families, two labels
// (a distinct instance and a fixed job).
func benchStore(b testing.TB, n int) *outputs.Store {
	s, err := outputs.NewStore(outputs.StoreConfig{})
	if err != nil {
		b.Fatal(err)
	}
	smps := make([]normalize.Sample, n)
	for i := range smps {
		smps[i] = normalize.Sample{
			Name:   fmt.Sprintf("bench_metric_%d_total", i%100),
			Labels: normalize.Labels{{Name: "instance", Value: fmt.Sprintf("host-%d", i)}, {Name: "job", Value: "bench"}},
			Value:  float64(i),
			Type:   normalize.TypeCounter,
		}
	}
	s.Write(smps)
	return s
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSend100k is one interval's work for a store of 100k series:
// gather, convert, queue, encode, compress and POST to a receiver on
// 127.0.0.1 that reads the body and answers 204 (its reading is in the
// CPU figure too). cpu-ms/send is process CPU (all threads, GC included)
// per send; core-%-at-15s is that over a 15 s interval; extra-rss-MB is
// the resident set growth from before the endpoint started to after the
// sends (after a GC and returning freed memory to the OS): what an idle
// endpoint holds between intervals; peak-extra-heap-MB is the largest
// heap growth seen while a send was under way (garbage of the gather
// included).
func BenchmarkSend100k(b *testing.B) {
	const n = 100_000
	store := benchStore(b, n)
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nb, _ := io.Copy(io.Discard, r.Body)
		received.Add(nb)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	cfg := decodeOne(b, fmt.Sprintf("remote_write:\n  - url: %s/push\n    interval: 1h\n    external_labels: {cluster: bench}\n", srv.URL))
	if _, err := store.Gather(); err != nil { // a scrape, as in a running process
		b.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	rssBefore, heapBefore := testutil.RSS(b), heapInuse()

	reg := prometheus.NewRegistry()
	m := NewManager(slog.New(slog.DiscardHandler), store, reg)
	if err := m.Apply([]Config{cfg}); err != nil {
		b.Fatal(err)
	}
	defer m.Stop()
	w := m.running[cfg.Name]
	sent := func() float64 { return testutilValue(reg, "sent") }
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	var peak int64
	for range b.N {
		before := sent()
		w.snapshot()
		for sent() < before+n {
			peak = max(peak, heapInuse())
			time.Sleep(time.Millisecond)
		}
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	runtime.GC()
	debug.FreeOSMemory()
	extra := testutil.RSS(b) - rssBefore
	b.ReportMetric(float64(heapInuse()-heapBefore)/1e6, "extra-heap-MB")
	b.ReportMetric(float64(peak-heapBefore)/1e6, "peak-extra-heap-MB")
	if f := os.Getenv("ROSETTA_RW_HEAP_PROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.WriteHeapProfile(out)
		out.Close()
	}
	perSend := cpu / time.Duration(b.N)
	b.ReportMetric(float64(perSend.Microseconds())/1000, "cpu-ms/send")
	b.ReportMetric(100*perSend.Seconds()/15, "core-%-at-15s")
	b.ReportMetric(float64(extra)/1e6, "extra-rss-MB")
	b.ReportMetric(float64(received.Load())/float64(b.N)/1e6, "wire-MB/send")
	if f := testutilValue(reg, "dropped") + testutilValue(reg, "failed"); f != 0 {
		b.Fatalf("%v samples dropped or failed", f)
	}
}

func heapInuse() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

func testutilValue(reg *prometheus.Registry, outcome string) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "rosetta_remote_write_samples_total" {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
