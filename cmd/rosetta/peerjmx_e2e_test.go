package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestJMXExporterSelfFamiliesE2E runs the binary with a JMX input whose
// jmx_exporter file points at a closed port: jmx_exporter's own families
// are served for it, jmx_scrape_error is 1, and SIGHUP reloads count in
// jmx_config_reload_*_total only when the file changed (a broken file is
// a failure, a fixed one a success).
func TestJMXExporterSelfFamiliesE2E(t *testing.T) {
	dir := t.TempDir()
	good := fmt.Sprintf("hostPort: 127.0.0.1:%d\n", testutil.FreePort(t))
	je := writeFile(t, dir, "jmx.yml", good)
	cfg := "inputs:\n  - name: jvm\n    type: jmx\n    config:\n      interval: 200ms\n      jmx_exporter_config: " + je + "\n"
	web, p := startRosetta(t, "--config.file="+writeFile(t, dir, "rosetta.yml", cfg), "--statsd.listen-udp=", "--statsd.listen-tcp=", "--config.watch-interval=0")
	value := func(name string, labels ...string) float64 {
		want := map[string]string{}
		for i := 0; i+1 < len(labels); i += 2 {
			want[labels[i]] = labels[i+1]
		}
		v, ok := metricValue(scrape(t, "http://"+web+"/metrics"), name, want)
		if !ok {
			return -1
		}
		return v
	}
	testutil.Eventually(t, 20*time.Second, "jmx_scrape_error 1", func() bool { return value("jmx_scrape_error") == 1 })
	if v := value("jmx_exporter_build_info", "name", "jmx_prometheus_standalone", "version", "1.6.0-POST"); v != 1 {
		t.Errorf("jmx_exporter_build_info %v", v)
	}
	reloads := func() float64 {
		return value("rosetta_config_reloads_total", "result", "success") + value("rosetta_config_reloads_total", "result", "failure")
	}
	step := 0
	// reload writes content to the jmx_exporter file (unless empty),
	// sends SIGHUP and checks jmx_exporter's reload counters after it.
	reload := func(content string, success, failure float64) {
		t.Helper()
		n := reloads()
		if content != "" {
			step++
			if err := os.WriteFile(je, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			mt := time.Now().Add(time.Duration(step) * time.Second)
			if err := os.Chtimes(je, mt, mt); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		testutil.Eventually(t, 20*time.Second, "the reload", func() bool { return reloads() > n })
		if s, f := value("jmx_config_reload_success_total"), value("jmx_config_reload_failure_total"); s != success || f != failure {
			t.Errorf("after reload %d (%q): jmx_config_reload_success_total %v, _failure_total %v; want %v, %v", step, content, s, f, success, failure)
		}
	}
	reload("", 0, 0) // the file did not change
	reload(good+"rules: [{pattern: '.*'}]\n", 1, 0)
	reload(good+"rules: [\n", 1, 1)
	reload("", 1, 2) // still broken: counted again, as jmx_exporter at each scrape
	reload(good, 2, 2)
	reload("", 2, 2)
}
