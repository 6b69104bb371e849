package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/inputs"
	itu "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// isolationCase is one driver goroutine made to panic: victim and other
// are two inputs of the driver; send (if set) makes an input do work so
// that it reaches the point, and value reads what it last stored.
type isolationCase struct {
	name  string
	point string // inputs.Fault point that panics, in the victim only
	// setup returns the configuration of inputs "victim" and "other" and
	// a function that makes input (victim or other) store something new
	// and reports the value it expects to be served, or -1 for "any value
	// differing from the last".
	setup func(t *testing.T, dir string) (config string, poke func(input string) float64)
	// selfMetric, if set, is the input's self-metric whose change shows
	// it serving (summed over its series), instead of its stored series.
	selfMetric string
}

// TestDriverGoroutinePanicIsIsolated: a panic in a worker goroutine of a
// real driver (injected at an inputs.Fault point, where a parser bug
// would strike) is recovered and counted in rosetta_input_panics_total;
// the input is restarted and serves again, and the other input of the
// same type runs on untouched. The test process itself staying alive is
// the first assertion.
func TestDriverGoroutinePanicIsIsolated(t *testing.T) {
	cases := []isolationCase{
		{name: "statsd parse worker", point: "statsd.parse", setup: statsdSetup("udp")},
		{name: "statsd UDP reader", point: "statsd.udp", setup: statsdSetup("udp")},
		{name: "statsd TCP connection", point: "statsd.tcp", setup: statsdSetup("tcp")},
		{name: "statsd TCP acceptor", point: "statsd.accept", setup: statsdSetup("tcp")},
		{name: "app target poller", point: "app.parse", setup: appSetup},
		{name: "plugin appender", point: "plugin.append", setup: pluginSetup},
		{name: "jmx bean worker", point: "jmx.bean", setup: jmxSetup, selfMetric: "rosetta_input_samples_total"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runIsolationCase(t, tc) })
	}
}

func gaugeName(input string) string { return input + "_g" }

func runIsolationCase(t *testing.T, tc isolationCase) {
	dir := t.TempDir()
	cfg, poke := tc.setup(t, dir)
	reg, err := newInputRegistry()
	if err != nil {
		t.Fatal(err)
	}
	lc, err := loadConfig(&runFlags{configFile: writeFile(t, dir, "rosetta.yml", cfg)}, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := outputs.NewStore(outputs.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	self := prometheus.NewRegistry()
	m := newManager(slog.New(slog.DiscardHandler), store, self)
	t.Cleanup(m.stop)
	if err := m.apply(context.Background(), lc.specs); err != nil {
		t.Fatal(err)
	}

	// value sums the input's series (a restarted plugin's counter is a
	// new series beside the old one).
	value := func(input string) (float64, bool) {
		gather, prefix := store.Gather, input+"_"
		if tc.selfMetric != "" {
			gather, prefix = m.Gather, tc.selfMetric
		}
		mfs, err := gather()
		if err != nil {
			t.Fatal(err)
		}
		sum, found := 0.0, false
		for _, mf := range mfs {
			if !strings.HasPrefix(mf.GetName(), prefix) {
				continue
			}
			for _, mt := range mf.GetMetric() {
				if tc.selfMetric != "" && !hasLabel(mt, "input", input) {
					continue
				}
				sum += mt.GetGauge().GetValue() + mt.GetCounter().GetValue() + mt.GetUntyped().GetValue()
				found = true
			}
		}
		return sum, found
	}
	// serving waits until input serves what poke made it store: the value
	// of one of this call's pokes (they grow), or any new value.
	serving := func(input, when string) {
		t.Helper()
		before, _ := value(input)
		first := poke(input)
		itu.Eventually(t, 20*time.Second, input+" serving "+when, func() bool {
			poke(input)
			v, ok := value(input)
			if first >= 0 {
				return ok && v >= first
			}
			return ok && v != before
		})
	}
	t0s := time.Now()
	serving("victim", "before the panic")
	serving("other", "before the panic")

	t.Logf("both serving after %v", time.Since(t0s))
	var fired atomic.Bool
	restore := inputs.SetFaultHook(func(input, point string) {
		if input == "victim" && point == tc.point && fired.CompareAndSwap(false, true) {
			var s []int
			_ = s[len(input)] // index out of range: a real runtime panic
		}
	})
	defer restore()
	panics := func(in string) float64 { return testutil.ToFloat64(m.panics.WithLabelValues(in)) }
	restarts := func(in string) float64 { return testutil.ToFloat64(m.restarts.WithLabelValues(in)) }
	itu.Eventually(t, 20*time.Second, "the victim's panic recovered and the input restarted", func() bool {
		poke("victim")
		return panics("victim") == 1 && restarts("victim") >= 1
	})
	t0 := time.Now()
	serving("victim", "after its restart")
	serving("other", "after the victim's panic")
	t.Logf("serving again %v after the restart", time.Since(t0))
	if n := panics("other"); n != 0 {
		t.Errorf("the other input's rosetta_input_panics_total = %v", n)
	}
	if n := restarts("other"); n != 0 {
		t.Errorf("the other input was restarted %v times", n)
	}
	if n := panics("victim"); n != 1 {
		t.Errorf("rosetta_input_panics_total{input=victim} = %v, want 1", n)
	}
}

// statsdSetup runs two StatsD inputs on transport ("udp" or "tcp"); a
// poke sends a gauge with a new value (a new connection each time, for
// TCP) and expects it served.
func statsdSetup(transport string) func(t *testing.T, dir string) (string, func(string) float64) {
	return func(t *testing.T, dir string) (string, func(string) float64) {
		addrs := map[string]string{"victim": itu.FreeAddr(t), "other": itu.FreeAddr(t)}
		listen := func(in string) string {
			if transport == "udp" {
				return fmt.Sprintf("listen_udp: %q\n      listen_tcp: \"\"", addrs[in])
			}
			return fmt.Sprintf("listen_udp: \"\"\n      listen_tcp: %q", addrs[in])
		}
		cfg := fmt.Sprintf("inputs:\n  - name: victim\n    type: statsd\n    config:\n      %s\n  - name: other\n    type: statsd\n    config:\n      %s\n",
			listen("victim"), listen("other"))
		var n atomic.Int64
		poke := func(in string) float64 {
			v := float64(n.Add(1))
			c, err := net.Dial(transport, addrs[in])
			if err != nil {
				return v // restarting: the next poke retries
			}
			defer c.Close()
			_, _ = fmt.Fprintf(c, "%s:%v|g\n", gaugeName(in), v)
			return v
		}
		return cfg, poke
	}
}

// appSetup polls two real HTTP servers of Prometheus text whose counter
// of requests grows with every poll.
func appSetup(t *testing.T, dir string) (string, func(string) float64) {
	urls := map[string]string{}
	for _, in := range []string{"victim", "other"} {
		var requests atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, "# TYPE %s_requests gauge\n%s_requests %d\n", in, in, requests.Add(1))
		}))
		t.Cleanup(srv.Close)
		urls[in] = srv.URL
	}
	cfg := fmt.Sprintf(`inputs:
  - name: victim
    type: prometheus
    config: {targets: [%q], interval: 50ms, timeout: 40ms}
  - name: other
    type: prometheus
    config: {targets: [%q], interval: 50ms, timeout: 40ms}
`, urls["victim"], urls["other"])
	return cfg, func(string) float64 { return -1 }
}

// pluginSetup runs two push plugins (the host's test plugin, a sample
// every 5 ms).
func pluginSetup(t *testing.T, dir string) (string, func(string) float64) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "testplugin")
	build := exec.Command("go", "build", "-o", bin, "./inputs/plugin/testdata/testplugin")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the test plugin: %v\n%s", err, out)
	}
	cfg := "inputs:\n"
	for _, in := range []string{"victim", "other"} {
		cfg += fmt.Sprintf(`  - name: %s
    type: plugin
    config:
      path: %q
      env: {TESTPLUGIN_MODE: steady}
    rules:
      - match: '^test_(.+)$'
        match_type: regex
        name: '%s_${1}'
`, in, bin, in)
	}
	return cfg, func(string) float64 { return -1 }
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// jmxSetup polls one real JVM from two JMX inputs; a successful poll
// adds to the input's rosetta_input_samples_total.
func jmxSetup(t *testing.T, dir string) (string, func(string) float64) {
	port := startShopJVM(t, dir)
	cfg := "inputs:\n"
	for _, in := range []string{"victim", "other"} {
		cfg += fmt.Sprintf("  - name: %s\n    type: jmx\n    config:\n      host_port: 127.0.0.1:%d\n      interval: 200ms\n      include_object_names: [\"shop:*\"]\n", in, port)
	}
	return cfg, func(string) float64 { return -1 }
}
