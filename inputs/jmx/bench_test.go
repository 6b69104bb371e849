package jmx

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// peakRSSKiB reads VmHWM of the current process.
func peakRSSKiB(tb testing.TB) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skip("no /proc/self/status")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return n
		}
	}
	return 0
}

// BenchmarkPollVsJava reads every attribute of every MBean of the test JVM
// (about 30 platform and application beans, and 5,000 more) with
// Rosetta's client (ns/op: one poll with a warm MBeanInfo cache, 4
// connections) and, in the same run, with the JDK's JMX client
// (testdata/jmx/ref RefClient, best of 5 polls on one connection, after
// a warm-up): java-s/op and java-peak-rss-MiB. rosetta-peak-rss-MiB is the
// test process's peak RSS. Run:
//
//	go test -run '^$' -bench PollVsJava -benchtime 5x ./inputs/jmx
func BenchmarkPollVsJava(b *testing.B) {
	for _, extra := range benchSizes() {
		b.Run("beans="+strconv.Itoa(extra+30), func(b *testing.B) {
			j := startJVM(b, jvmOptions{props: []string{"-Dbeans=" + strconv.Itoa(extra), "-Xmx256m"}})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			c, err := Dial(ctx, Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: true, MaxConns: 4})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(ctx)
			s := &scraper{client: c, exporter: &Exporter{}, workers: 4}
			recs, st, err := s.scrape(ctx) // warm the MBeanInfo cache
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if recs, st, err = s.scrape(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(st.beans), "beans")
			b.ReportMetric(float64(len(recs)), "samples")
			b.ReportMetric(peakRSSKiB(b)/1024, "rosetta-peak-rss-MiB")

			out, err := exec.CommandContext(ctx, javaTool(b, "java"), "-cp", testApp(b), "RefClient",
				"127.0.0.1:"+strconv.Itoa(j.port), "", "6").Output()
			if err != nil {
				b.Fatalf("reference client: %v", err)
			}
			for _, line := range strings.Split(string(out), "\n") {
				if v, ok := strings.CutPrefix(line, "best seconds "); ok {
					f, _ := strconv.ParseFloat(v, 64)
					b.ReportMetric(f, "java-s/op")
				}
				if v, ok := strings.CutPrefix(line, "peak rss kB "); ok {
					f, _ := strconv.ParseFloat(v, 64)
					b.ReportMetric(f/1024, "java-peak-rss-MiB")
				}
			}
		})
	}
}

// benchSizes are the extra beans per run; JMX_BENCH_EXTRA overrides them
// (comma separated).
func benchSizes() []int {
	v := os.Getenv("JMX_BENCH_EXTRA")
	if v == "" {
		return []int{0, 5000}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}
