package jmx

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// processCPU is the process's user and system CPU time (getrusage), the
// collector's work included.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// jvmCPU is process pid's user and system CPU time (/proc/pid/stat, in
// clock ticks of 10 ms).
func jvmCPU(tb testing.TB, pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(data)
	// The fields after the command's closing parenthesis: state is the
	// first, utime and stime the 12th and 13th.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		tb.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond
}

// syscalls is the process's read and write system calls so far
// (/proc/self/io syscr and syscw).
func syscalls(tb testing.TB) (reads, writes int64) {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "syscr":
			reads = n
		case "syscw":
			writes = n
		}
	}
	return reads, writes
}

// BenchmarkPollStore is one poll of the test JVM with 5,030 beans of 4
// attributes (20k) as the rosetta binary makes it with a jmx input without
// rules (jmx_exporter's default export, make bench-jmx's case): the
// scrape handing its records on in parts, the pipeline (no rules, the
// unmatched-name tracker of the mappings page) and the store replacing
// the input's series, under the binary's collector target (GOGC 50,
// which a poll does not lower: minPollGCPercent). cpu-ns/op is the process's CPU per poll
// (getrusage: the collector's work included, the JVM's not), and
// jvm-cpu-ns/op the JVM's serving it (/proc, 10 ms ticks); ns/op is
// the poll's time, which the JVM sharing the cores is part of.
//
//	go test -run '^$' -bench PollStore -benchmem -count 6 ./inputs/jmx
func BenchmarkPollStore(b *testing.B) {
	j := startJVM(b, jvmOptions{props: []string{"-Dbeans=5000", "-DbeanAttributes=4", "-Xmx256m"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := rmi.Dial(ctx, rmi.Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: true, MaxConns: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	store, err := outputs.NewStore(outputs.StoreConfig{})
	if err != nil {
		b.Fatal(err)
	}
	rs, err := normalize.NewRuleSet(normalize.RuleSetConfig{})
	if err != nil {
		b.Fatal(err)
	}
	pipe := normalize.NewPipeline(normalize.PipelineSettings{Input: "bench", Sink: store, Unmatched: normalize.NewTopK(100)}, rs)
	s := &scraper{client: c, exporter: &Exporter{}, workers: 4}
	poll := func() scrapeStats {
		defer beginPollGC()()
		r := pipe.BeginReplace(ctx, "bench/jvm")
		st, err := s.scrapeTo(ctx, r.Add)
		if err != nil {
			b.Fatal(err)
		}
		r.End()
		return st
	}
	poll() // the MBeanInfo cache
	poll() // the rule cache's second misses
	b.ReportAllocs()
	cpu0, jvm0 := processCPU(b), jvmCPU(b, j.cmd.Process.Pid)
	r0, w0 := syscalls(b)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gc0 := ms.NumGC
	var st scrapeStats
	for b.Loop() {
		st = poll()
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64((jvmCPU(b, j.cmd.Process.Pid)-jvm0).Nanoseconds())/float64(b.N), "jvm-cpu-ns/op")
	r1, w1 := syscalls(b)
	b.ReportMetric(float64(r1-r0)/float64(b.N), "reads/op")
	b.ReportMetric(float64(w1-w0)/float64(b.N), "writes/op")
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.NumGC-gc0)/float64(b.N), "gcs/op")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(st.attributes), "attributes")
	b.ReportMetric(float64(store.Len()), "series")
}
