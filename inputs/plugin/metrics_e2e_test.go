package plugin

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// TestE2EMetrics runs both example plugins through the rule engine (no
// rules: names kept) into the real store, and reads their series in the
// text exposition format, as /metrics serves it.
func TestE2EMetrics(t *testing.T) {
	node := nodePath(t)
	store, err := outputs.NewStore(outputs.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	goDrv, _ := newDriver(t, fmt.Sprintf("path: %s\ninterval: 100ms\ntimeout: 90ms\nconfig: {pids: [0]}\n", bin("procstat")))
	nodeDrv, _ := newDriver(t, fmt.Sprintf("path: %s\nargs: [../../plugins/examples/node/nodestats.js]\nconfig: {interval_ms: 50, labels: {service: demo}}\n", node))
	run(t, goDrv, normalize.NewPipeline(normalize.PipelineSettings{Input: "procstat", Sink: store}, nil))
	run(t, nodeDrv, normalize.NewPipeline(normalize.PipelineSettings{Input: "node", Sink: store}, nil))

	pid := fmt.Sprint(os.Getpid())
	want := []string{
		"# TYPE process_cpu_seconds_total counter",
		`process_cpu_seconds_total{comm="plugin.test",pid="` + pid + `"}`,
		`process_open_fds{comm="plugin.test",pid="` + pid + `"}`,
		"# HELP nodejs_heap_used_bytes V8 heap in use, in bytes.",
		"# TYPE nodejs_heap_used_bytes gauge",
		`nodejs_heap_used_bytes{service="demo"}`,
		"# TYPE nodejs_plugin_ticks_total counter",
		"# TYPE nodejs_eventloop_delay_seconds summary",
		`nodejs_eventloop_delay_seconds{service="demo",quantile="0.99"}`,
		`nodejs_eventloop_delay_seconds_count{service="demo"}`,
	}
	var text string
	deadline := time.Now().Add(20 * time.Second)
	for {
		mfs, err := store.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		for _, mf := range mfs {
			if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
				t.Fatal(err)
			}
		}
		text = buf.String()
		missing := 0
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q", w)
				}
			}
			t.Fatalf("exposition:\n%s", text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The delta counter adds up: more than one tick by now.
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, `nodejs_plugin_ticks_total{service="demo"} `) {
			var v float64
			if _, err := fmt.Sscan(strings.Fields(line)[1], &v); err != nil || v < 1 {
				t.Errorf("ticks line %q, want a count >= 1", line)
			}
		}
	}
}
