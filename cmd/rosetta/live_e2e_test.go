package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// liveCase is one input read live: explain --live must show what the
// target gave and what the rules made of it, and record must write a test
// file that rosetta test passes.
type liveCase struct {
	name, config, input string
	explainWants        []string
	args                []string // extra flags (--duration)
	during              func()   // run while listening (push inputs)
}

func runLiveCase(t *testing.T, dir string, tc liveCase) {
	t.Helper()
	cfg := writeFile(t, dir, tc.name+".yml", tc.config)
	// explain --live; a JVM registers its beans after the port opens, so
	// poll with a deadline until everything expected is there.
	var out string
	ok := testutil.Poll(60*time.Second, func() bool {
		var stdout, stderr bytes.Buffer
		if tc.during != nil {
			go tc.during()
		}
		code := Main(append([]string{"explain", "--live", "--config.file", cfg, "--input-name", tc.input}, tc.args...), &stdout, &stderr)
		out = stdout.String() + stderr.String()
		if code != 0 {
			return false
		}
		for _, w := range tc.explainWants {
			if !strings.Contains(out, w) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("explain --live never showed %q; last output:\n%s", tc.explainWants, out)
	}
	test := filepath.Join(dir, tc.name+".test.yml")
	var stdout, stderr bytes.Buffer
	if tc.during != nil {
		go tc.during()
	}
	if code := Main(append([]string{"record", "--config.file", cfg, "--input-name", tc.input, "-o", test}, tc.args...), &stdout, &stderr); code != 0 {
		t.Fatalf("record: exit %d\n%s%s", code, &stdout, &stderr)
	}
	body, err := os.ReadFile(test)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "input:") || !strings.Contains(string(body), "expect:") {
		t.Fatalf("record wrote no input or expect:\n%s", body)
	}
	stdout.Reset()
	stderr.Reset()
	if code := Main([]string{"test", test}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "1 passed, 0 failed") {
		t.Fatalf("rosetta test on the recorded file: exit %d\n%s%s\nfile:\n%s", code, &stdout, &stderr, body)
	}
}

// TestExplainLiveAndRecord: explain --live and record against a real JVM
// (remote JMX over RMI), a real redis-server, a JSON HTTP server and StatsD
// traffic over UDP.
func TestExplainLiveAndRecord(t *testing.T) {
	testutil.SkipShort(t, "a JVM, redis-server and servers on loopback")
	dir := t.TempDir()

	t.Run("jmx", func(t *testing.T) {
		port := startShopJVM(t, dir)
		runLiveCase(t, dir, liveCase{name: "jvm", input: "shop", config: fmt.Sprintf(`inputs:
  - name: shop
    type: jmx
    config:
      host_port: 127.0.0.1:%d
      include_object_names: ["shop:*"]
    rules:
      - match: 'shop<.*><>Count: .*'
        match_type: regex
        name: shop_orders_total
        type: counter
`, port),
			explainWants: []string{"Count: 42", "shop_orders_total", "Revenue: 1234.5", "unmatched"}})
	})

	t.Run("redis", func(t *testing.T) {
		redis := testutil.Peer(t, "redis-server", "redis-server")
		addr := testutil.FreeAddr(t)
		_, port, _ := net.SplitHostPort(addr)
		startProcess(t, redis, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		testutil.WaitTCP(t, addr, 30*time.Second)
		runLiveCase(t, dir, liveCase{name: "redis", input: "cache", config: fmt.Sprintf(`inputs:
  - name: cache
    type: redis
    config:
      targets: [%q]
    mapping_files: [library:redis]
`, addr),
			explainWants: []string{"connected_clients", "library:redis.yml", "redis_connected_clients"}})
	})

	t.Run("json", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"servers": [{"name": "a", "healthy": true, "load": 0.5}, {"name": "b", "healthy": false, "load": 1.5}], "queue": {"depth": 7}}`)
		}))
		defer srv.Close()
		runLiveCase(t, dir, liveCase{name: "json", input: "app", config: fmt.Sprintf(`inputs:
  - name: app
    type: json
    config:
      targets: [%q]
    rules:
      - match: queue.depth
        name: app_queue_depth
        type: gauge
`, srv.URL),
			explainWants: []string{"servers.1.load", `servers_load{index="1"} 1.5`, "queue.depth", "app_queue_depth{} 7"}})
	})

	t.Run("plugin", func(t *testing.T) {
		node := testutil.Peer(t, "nodejs", "node")
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			t.Fatal(err)
		}
		procstat := filepath.Join(dir, "procstat")
		build := exec.Command(testutil.GoTool(t), "build", "-o", procstat, "./plugins/examples/procstat")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building procstat: %v\n%s", err, out)
		}
		// A pull plugin: one Collect.
		runLiveCase(t, dir, liveCase{name: "procstat", input: "procs", config: fmt.Sprintf(`inputs:
  - name: procs
    type: plugin
    config:
      path: %q
      config:
        pids: [%d]
    rules:
      - match: '^process_(.+)$'
        match_type: regex
        name: 'watched_process_${1}'
`, procstat, os.Getpid()),
			explainWants: []string{"process_resident_memory_bytes", "watched_process_resident_memory_bytes"}})
		// A push plugin: what it streams for --duration.
		if _, err := os.Stat(filepath.Join(root, "testdata", "node", "node_modules", "@grpc", "grpc-js")); err != nil {
			t.Fatal("@grpc/grpc-js missing in testdata/node/node_modules: make peers installs it")
		}
		runLiveCase(t, dir, liveCase{name: "nodestats", input: "nodestats", args: []string{"--duration", "2s"}, config: fmt.Sprintf(`inputs:
  - name: nodestats
    type: plugin
    config:
      path: %q
      args: [%q]
      config: {interval_ms: 100, labels: {service: demo}}
`, node, filepath.Join(root, "plugins", "examples", "node", "nodestats.js")),
			explainWants: []string{"nodejs_heap_used_bytes", `service="demo"`}})
	})

	t.Run("statsd", func(t *testing.T) {
		addr := testutil.FreeAddr(t)
		send := func() {
			// Send until the listener has it: it opens when PollOnce starts.
			deadline := time.Now().Add(time.Second)
			for time.Now().Before(deadline) {
				if c, err := net.Dial("udp", addr); err == nil {
					fmt.Fprint(c, "shop.orders:3|c\nshop.latency:12|ms\n")
					c.Close()
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		runLiveCase(t, dir, liveCase{name: "statsd", input: "statsd", args: []string{"--duration", "1500ms"}, during: send, config: fmt.Sprintf(`inputs:
  - name: statsd
    type: statsd
    config:
      listen_udp: %q
      listen_tcp: ""
    rules:
      - match: shop.orders
        name: shop_orders_total
`, addr),
			explainWants: []string{"shop.orders", "shop_orders_total", "shop.latency"}})
	})
}

// TestLiveWarnsOfFailedTarget: when one target of the input answers and
// another fails, explain --live and record go on with the one that
// answered and warn of the other on stderr.
func TestLiveWarnsOfFailedTarget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"queue": {"depth": 7}}`)
	}))
	defer srv.Close()
	dead := "http://" + testutil.FreeAddr(t) // nothing listens there
	dir := t.TempDir()
	cfg := writeFile(t, dir, "two.yml", fmt.Sprintf(`inputs:
  - name: app
    type: json
    config:
      targets: [%q, %q]
      target_label: instance
    rules:
      - match: queue.depth
        name: app_queue_depth
        type: gauge
`, srv.URL, dead))
	for _, c := range []struct {
		name string
		args []string
		want string // in stdout, or in the file written
	}{
		{"explain --live", []string{"explain", "--live"}, "app_queue_depth{} 7"},
		{"record", []string{"record", "-o", filepath.Join(dir, "two.test.yml")}, "app_queue_depth 7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(append(c.args, "--config.file", cfg, "--input-name", "app"), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d\n%s%s", code, &stdout, &stderr)
			}
			out := stdout.String()
			if c.name == "record" {
				body, err := os.ReadFile(filepath.Join(dir, "two.test.yml"))
				if err != nil {
					t.Fatal(err)
				}
				out = string(body)
			}
			if !strings.Contains(out, c.want) || strings.Count(out, srv.URL) != 1 {
				t.Errorf("output lacks %q for the answering target %s:\n%s", c.want, srv.URL, out)
			}
			if w := stderr.String(); !strings.HasPrefix(w, "warning: ") || !strings.Contains(w, dead) {
				t.Errorf("stderr does not warn of the failed target %s:\n%s", dead, w)
			}
		})
	}
}
