package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestPluginsEndToEnd launches both example plugins (the Go procstat pull
// plugin and the Node push plugin) through the rosetta binary and reads
// their series, renamed by a rule, from /metrics.
func TestPluginsEndToEnd(t *testing.T) {
	node := testutil.Peer(t, "nodejs", "node")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "testdata", "node", "node_modules", "@grpc", "grpc-js")); err != nil {
		t.Fatal("@grpc/grpc-js missing in testdata/node/node_modules: make peers installs it")
	}
	dir := t.TempDir()
	procstat := filepath.Join(dir, "procstat")
	build := exec.Command("go", "build", "-o", procstat, "./plugins/examples/procstat")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building procstat: %v\n%s", err, out)
	}
	cfg := fmt.Sprintf(`inputs:
  - name: procs
    type: plugin
    config:
      path: %q
      interval: 1s
      timeout: 500ms
      config:
        pids: [%d]
    rules:
      - match: '^process_(.+)$'
        match_type: regex
        name: 'watched_process_${1}'
  - name: nodestats
    type: plugin
    config:
      path: %q
      args: [%q]
      config: {interval_ms: 100, labels: {service: demo}}
`, procstat, os.Getpid(), node, filepath.Join(root, "plugins", "examples", "node", "nodestats.js"))
	web, _ := startRosetta(t, "--config.file="+writeFile(t, dir, "rosetta.yml", cfg), "--statsd.listen-udp=", "--statsd.listen-tcp=")

	deadline := time.Now().Add(15 * time.Second)
	for {
		mfs := scrape(t, "http://"+web+"/metrics")
		rss, okRSS := metricValue(mfs, "watched_process_resident_memory_bytes", nil)
		heap, okHeap := metricValue(mfs, "nodejs_heap_used_bytes", map[string]string{"service": "demo"})
		if okRSS && okHeap && rss > 0 && heap > 0 {
			if up, _ := metricValue(mfs, "rosetta_plugin_up", map[string]string{"input": "nodestats"}); up != 1 {
				t.Errorf("rosetta_plugin_up{input=nodestats} = %v, want 1", up)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("plugin series missing after 15s: watched_process_resident_memory_bytes=%v (%v), nodejs_heap_used_bytes=%v (%v)", rss, okRSS, heap, okHeap)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
