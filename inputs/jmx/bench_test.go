package jmx

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
)

// peakRSSKiB reads VmHWM of the current process (0 when unknown).
func peakRSSKiB(testing.TB) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
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

// benchChildEnv makes the test binary a poller: it connects to the
// address, polls 6 times and prints the best time and its peak RSS, like
// the Java reference client does.
const benchChildEnv = "ROSETTA_JMX_BENCH_CHILD"

func TestMain(m *testing.M) {
	if addr := os.Getenv(benchChildEnv); addr != "" {
		benchChild(addr)
		return
	}
	m.Run()
}

func benchChild(addr string) {
	// The rosetta binary's garbage-collector default (cmd/rosetta
	// runtime.go), so that the RSS measured is the one users get.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := rmi.Dial(ctx, rmi.Options{Host: host, Port: port, OverrideStubHost: true, MaxConns: 4})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	defer func() { _ = c.Close(ctx) }()
	s := &scraper{client: c, exporter: &Exporter{}, workers: 4}
	best := time.Duration(1 << 62)
	for range 7 { // the first poll fills the MBeanInfo cache
		t0 := time.Now()
		if _, _, err := s.scrape(ctx); err != nil {
			fmt.Println("error", err)
			return
		}
		best = min(best, time.Since(t0))
	}
	fmt.Println("best seconds", best.Seconds())
	fmt.Println("peak rss kB", peakRSSKiB(nil))

}

// BenchmarkPollVsJava reads every attribute of every MBean of the test JVM
// (about 30 platform and application beans, and 5,000 more) with
// Rosetta's client (ns/op: one poll with a warm MBeanInfo cache, 4
// connections; rosetta-proc-s/op and rosetta-proc-peak-rss-MiB: the best of
// 6 such polls in a process of its own, and its peak RSS) and, in the same
// run, with the JDK's JMX client (testdata/jmx/ref RefClient, jmx_exporter's
// calls on one connection, best of 6 polls): java-s/op and
// java-peak-rss-MiB; and the floor, Jolokia's bulk read in the same JVM
// (testdata/jmx/jolokia: every attribute of every bean read in-process
// and serialized to JSON, one HTTP request, best of 6): jolokia-s/op.
// Run:
//
//	go test -run '^$' -bench PollVsJava -benchtime 5x ./inputs/jmx
func BenchmarkPollVsJava(b *testing.B) {
	for _, extra := range benchSizes() {
		b.Run("beans="+strconv.Itoa(extra+30), func(b *testing.B) {
			jport := rtestutil.FreePort(b)
			j := startJVM(b, jvmOptions{props: []string{"-Dbeans=" + strconv.Itoa(extra), "-Xmx256m"}, jolokiaPort: jport})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			c, err := rmi.Dial(ctx, rmi.Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: true, MaxConns: 4})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close(ctx) }()
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

			// The same polls in a process of their own, for a fair RSS.
			child := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			child.Env = append(os.Environ(), benchChildEnv+"=127.0.0.1:"+strconv.Itoa(j.port))
			cout, err := child.Output()
			if err != nil {
				b.Fatalf("child: %v", err)
			}
			for _, line := range strings.Split(string(cout), "\n") {
				if v, ok := strings.CutPrefix(line, "best seconds "); ok {
					f, _ := strconv.ParseFloat(v, 64)
					b.ReportMetric(f, "rosetta-proc-s/op")
				}
				if v, ok := strings.CutPrefix(line, "peak rss kB "); ok {
					f, _ := strconv.ParseFloat(v, 64)
					b.ReportMetric(f/1024, "rosetta-proc-peak-rss-MiB")
				}
			}

			best := time.Duration(1 << 62)
			for range 6 {
				d, err := jolokiaBulkRead(ctx, "http://127.0.0.1:"+strconv.Itoa(jport)+"/jolokia/?ignoreErrors=true")
				if err != nil {
					b.Fatalf("Jolokia bulk read: %v", err)
				}
				best = min(best, d)
			}
			b.ReportMetric(best.Seconds(), "jolokia-s/op")

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

// jolokiaBulkRead times one read of every attribute of every bean over
// Jolokia, the whole reply read.
func jolokiaBulkRead(ctx context.Context, url string) (time.Duration, error) {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"type":"read","mbean":"*:*"}`))
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	d := time.Since(t0)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"status":200`)) {
		return 0, fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	return d, nil
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
