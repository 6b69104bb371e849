package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestJMXDropInInput: a JMX input with a jmx_exporter_config stands in for
// jmx_exporter when it is the only one; jmx_exporter_drop_in picks one of
// several or turns the default off; two that set it are an error.
func TestJMXDropInInput(t *testing.T) {
	reg, err := newInputRegistry()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	je := writeFile(t, dir, "jmx.yml", "hostPort: 127.0.0.1:1\n")
	in := func(name, extra string) string {
		return "  - {name: " + name + ", type: jmx, config: {" + extra + "}}\n"
	}
	file := "jmx_exporter_config: " + je
	for _, tc := range []struct{ cfg, dropIn, err string }{
		{in("a", "host_port: '127.0.0.1:1'"), "", ""},
		{in("a", file), "a", ""},
		{in("a", file+", jmx_exporter_drop_in: false"), "", ""},
		{in("a", "host_port: '127.0.0.1:1', jmx_exporter_drop_in: true"), "a", ""},
		{in("a", "host_port: '127.0.0.1:1'") + in("b", file), "b", ""},
		{in("a", file) + in("b", file), "", ""},
		{in("a", file) + in("b", file+", jmx_exporter_drop_in: true"), "b", ""},
		{in("a", file+", jmx_exporter_drop_in: false") + in("b", file), "b", ""},
		{in("a", file+", jmx_exporter_drop_in: true") + in("b", file+", jmx_exporter_drop_in: true"), "", "inputs \"a\" and \"b\" both set jmx_exporter_drop_in: at most one"},
	} {
		f := &runFlags{configFile: writeFile(t, dir, "rosetta.yml", "inputs:\n"+tc.cfg)}
		lc, err := loadConfig(f, reg, nil)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.cfg, err, tc.err)
				continue
			}
			// At the second input's jmx_exporter_drop_in value.
			second := strings.Split(tc.cfg, "\n")[1]
			col := strings.LastIndex(second, "jmx_exporter_drop_in: ") + len("jmx_exporter_drop_in: ") + 1
			if want := fmt.Sprintf("%s:3:%d: ", f.configFile, col); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("%s: error %v, want it at %q", tc.cfg, err, want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.cfg, err)
		}
		if lc.jmxDropIn != tc.dropIn {
			t.Errorf("%s: drop-in input %q, want %q", tc.cfg, lc.jmxDropIn, tc.dropIn)
		}
		// The drop-in's jmx_exporter file, whose reloads are counted.
		wantFile := je
		if tc.dropIn == "" || strings.Contains(tc.cfg, "host_port") && tc.dropIn == "a" {
			wantFile = ""
		}
		if lc.jmxDropInFile != wantFile {
			t.Errorf("%s: drop-in file %q, want %q", tc.cfg, lc.jmxDropInFile, wantFile)
		}
	}
}

// onlyFamily collects one family of c.
type onlyFamily struct {
	c    prometheus.Collector
	name string
}

func (o onlyFamily) Describe(chan<- *prometheus.Desc) {}

func (o onlyFamily) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric)
	go func() { o.c.Collect(all); close(all) }()
	for m := range all {
		if strings.Contains(m.Desc().String(), `fqName: "`+o.name+`"`) {
			ch <- m
		}
	}
}

// checkJMXPeer checks that p serves one series each of jmx_scrape_error,
// jmx_scrape_duration_seconds, jmx_scrape_timeout_total and
// jmx_scrape_cached_beans, of these values.
func checkJMXPeer(t *testing.T, p prometheus.Collector, step string, errV, dur, timeouts, cached float64) {
	t.Helper()
	for _, c := range []struct {
		name string
		want float64
	}{{"jmx_scrape_error", errV}, {"jmx_scrape_duration_seconds", dur}, {"jmx_scrape_timeout_total", timeouts}, {"jmx_scrape_cached_beans", cached}} {
		if n := testutil.CollectAndCount(onlyFamily{p, c.name}); n != 1 {
			t.Errorf("%s: %d series of %s, want 1", step, n, c.name)
			continue
		}
		if got := testutil.ToFloat64(onlyFamily{p, c.name}); got != c.want {
			t.Errorf("%s: %s %v, want %v", step, c.name, got, c.want)
		}
	}
}

type fakeJMXDriver struct{ st jmx.PeerStats }

func (*fakeJMXDriver) Run(context.Context, normalize.Appender) error { return nil }
func (d *fakeJMXDriver) PeerStats() jmx.PeerStats                    { return d.st }

// TestJMXPeerFamilies: the families, their help, types and labels, from
// the drop-in input's stats; nothing without a drop-in input; reloads
// counted when the jmx_exporter file changed.
func TestJMXPeerFamilies(t *testing.T) {
	dir := t.TempDir()
	je := writeFile(t, dir, "jmx.yml", "hostPort: 127.0.0.1:1\n")
	mgr := newManager(nil, nil, prometheus.NewRegistry())
	mgr.running["j"] = &runningInput{driver: &fakeJMXDriver{jmx.PeerStats{Error: 1, Duration: 1250 * time.Millisecond, Timeouts: 3, CachedBeans: 8, Polls: 9, Run: 1}}}
	p := newJMXPeer(mgr, &loadedConfig{})
	if n := testutil.CollectAndCount(p); n != 0 {
		t.Errorf("%d series without a drop-in input", n)
	}
	lc := &loadedConfig{jmxDropIn: "j", jmxDropInFile: je}
	p.loaded(lc)

	// A reload without a change to the file is not jmx_exporter's.
	p.reloaded(p.reloading(), lc)
	// The file changes: a good reload, then a bad one (counted until the
	// file loads again), then a good one.
	touch := func(n int) {
		t.Helper()
		mt := time.Now().Add(time.Duration(n) * time.Second)
		if err := os.Chtimes(je, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	touch(1)
	p.reloaded(p.reloading(), lc)
	touch(2)
	p.reloaded(p.reloading(), nil)
	p.reloaded(p.reloading(), nil)
	p.reloaded(p.reloading(), lc)
	p.reloaded(p.reloading(), lc)

	want := `# HELP jmx_config_reload_failure_total Number of times configuration have failed to be reloaded.
# TYPE jmx_config_reload_failure_total counter
jmx_config_reload_failure_total 2
# HELP jmx_config_reload_success_total Number of times configuration have successfully been reloaded.
# TYPE jmx_config_reload_success_total counter
jmx_config_reload_success_total 2
# HELP jmx_exporter_build_info JMX Exporter build information
# TYPE jmx_exporter_build_info gauge
jmx_exporter_build_info{name="jmx_prometheus_standalone",version="1.6.0-POST"} 1
# HELP jmx_http_requests_rejected_total Total number of HTTP requests rejected due to pool saturation.
# TYPE jmx_http_requests_rejected_total counter
jmx_http_requests_rejected_total 0
# HELP jmx_scrape_cached_beans Number of beans with their matching rule cached
# TYPE jmx_scrape_cached_beans gauge
jmx_scrape_cached_beans 8
# HELP jmx_scrape_duration_seconds Time this JMX scrape took, in seconds.
# TYPE jmx_scrape_duration_seconds gauge
jmx_scrape_duration_seconds 1.25
# HELP jmx_scrape_error Non-zero if this scrape failed.
# TYPE jmx_scrape_error gauge
jmx_scrape_error 1
# HELP jmx_scrape_timeout_total Total number of scrape timeouts.
# TYPE jmx_scrape_timeout_total counter
jmx_scrape_timeout_total 3
`
	if err := testutil.CollectAndCompare(p, strings.NewReader(want)); err != nil {
		t.Error(err)
	}

	// A reload restarts the input (its connection changed): until the new
	// driver polls, the last poll's values are the old driver's, and the
	// timeouts go on from the old driver's count.
	next := &fakeJMXDriver{jmx.PeerStats{Run: 2}}
	mgr.running["j"] = &runningInput{driver: next}
	checkJMXPeer(t, p, "new driver, no poll yet", 1, 1.25, 3, 8)
	next.st = jmx.PeerStats{Duration: 40 * time.Millisecond, Timeouts: 1, CachedBeans: 5, Polls: 1, Run: 2}
	checkJMXPeer(t, p, "new driver polled", 0, 0.04, 4, 5)
	next.st.Polls = 2
	checkJMXPeer(t, p, "again", 0, 0.04, 4, 5)

	if got, want := len(jmxPeerFamilyNames()), 8; got != want {
		t.Errorf("%d family names reserved, want %d", got, want)
	}
}

// TestJMXPeerRestartWindow: a reload that restarts the drop-in stops the
// old driver before the new one runs; meanwhile the families keep the
// last values (jmx_exporter's collector is always there), and the carry
// of those values does not keep the stopped driver alive.
func TestJMXPeerRestartWindow(t *testing.T) {
	mgr := newManager(nil, nil, prometheus.NewRegistry())
	released := make(chan struct{})
	func() {
		old := &fakeJMXDriver{jmx.PeerStats{Error: 1, Duration: 20 * time.Millisecond, Timeouts: 2, Polls: 5, Run: 1}}
		runtime.AddCleanup(old, func(ch chan struct{}) { close(ch) }, released)
		mgr.running["j"] = &runningInput{driver: old}
	}()
	p := newJMXPeer(mgr, &loadedConfig{jmxDropIn: "j"})
	if n := testutil.CollectAndCount(p); n != len(jmxPeerFamilies) {
		t.Fatalf("%d series, want %d", n, len(jmxPeerFamilies))
	}
	// The reload stops the old driver (it is no longer running) and has
	// not started the new one yet.
	delete(mgr.running, "j")
	checkJMXPeer(t, p, "no driver running", 1, 0.02, 2, 0)
	gone := false
	for range 20 {
		runtime.GC()
		select {
		case <-released:
			gone = true
		default:
		}
		if gone {
			break
		}
		runtime.Gosched()
	}
	if !gone {
		t.Error("the stopped driver is kept alive by jmx_exporter's families")
	}
	// The new driver: the values go on from the old one's.
	next := &fakeJMXDriver{jmx.PeerStats{Run: 2}}
	mgr.running["j"] = &runningInput{driver: next}
	checkJMXPeer(t, p, "new driver, no poll yet", 1, 0.02, 2, 0)
	next.st = jmx.PeerStats{Duration: 30 * time.Millisecond, Timeouts: 1, Polls: 1, Run: 2}
	checkJMXPeer(t, p, "new driver polled", 0, 0.03, 3, 0)
	// Without a drop-in input, nothing.
	p.loaded(&loadedConfig{})
	if n := testutil.CollectAndCount(p); n != 0 {
		t.Errorf("%d series without a drop-in input", n)
	}
}

// TestPeerNamesOnlyWithStandIn: an exporter's own family names are kept
// from mapped series only while an input stands in for that exporter;
// otherwise Rosetta reading, say, a jmx_exporter agent's /metrics serves its
// jmx_scrape_error.
func TestPeerNamesOnlyWithStandIn(t *testing.T) {
	for _, tc := range []struct {
		lc          loadedConfig
		statsd, jmx bool
	}{
		{lc: loadedConfig{}},
		{lc: loadedConfig{dropIn: "statsd"}, statsd: true},
		{lc: loadedConfig{jmxDropIn: "jvm"}, jmx: true},
		{lc: loadedConfig{dropIn: "statsd", jmxDropIn: "jvm"}, statsd: true, jmx: true},
	} {
		names := tc.lc.peerNames()
		if got := slices.Contains(names, "statsd_exporter_lines_total"); got != tc.statsd {
			t.Errorf("%+v: statsd_exporter_lines_total reserved %v, want %v", tc.lc, got, tc.statsd)
		}
		if got := slices.Contains(names, "jmx_scrape_error"); got != tc.jmx {
			t.Errorf("%+v: jmx_scrape_error reserved %v, want %v", tc.lc, got, tc.jmx)
		}
	}
}
