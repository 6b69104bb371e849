package plugin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/normalize"
)

func findRecord(recs []normalize.Record, match string, labels map[string]string) *normalize.Record {
	for i := range recs {
		r := &recs[i]
		if r.Match != match {
			continue
		}
		ok := true
		for k, v := range labels {
			if r.Labels.Get(k) != v {
				ok = false
			}
		}
		if ok {
			return r
		}
	}
	return nil
}

// TestE2EProcstat launches the Go example (a pull plugin) and sees the
// stats of this test process, which it finds as its parent (pid 0).
func TestE2EProcstat(t *testing.T) {
	d, reg := newDriver(t, fmt.Sprintf(`
path: %s
interval: 100ms
timeout: 90ms
auto_mtls: true
config:
  pids: [0]
`, bin("procstat")))
	s := newSink()
	run(t, d, s)
	pid := strconv.Itoa(os.Getpid())
	source := "ext/procstat"
	s.waitFor(t, 10*time.Second, "procstat series of this process", func(s *sink) bool {
		return findRecord(s.replaced[source], "process_cpu_seconds_total", map[string]string{"pid": pid}) != nil
	})
	s.mu.Lock()
	recs := s.replaced[source]
	s.mu.Unlock()
	for _, m := range []string{"process_up", "process_resident_memory_bytes", "process_open_fds", "process_threads", "process_start_time_seconds"} {
		r := findRecord(recs, m, map[string]string{"pid": pid})
		if r == nil {
			t.Errorf("no %s{pid=%q} in %d records", m, pid, len(recs))
			continue
		}
		if r.Type != normalize.TypeGauge || r.Value <= 0 || r.Help == "" {
			t.Errorf("%s = %+v, want a positive gauge with help", m, *r)
		}
	}
	if r := findRecord(recs, "process_cpu_seconds_total", nil); r.Type != normalize.TypeCounter || r.Delta {
		t.Errorf("cpu record %+v, want an absolute counter", *r)
	}
	if got := counter(t, reg, "rosetta_input_up", map[string]string{"target": "procstat"}); got != 1 {
		t.Errorf("rosetta_input_up = %v, want 1", got)
	}
	if got := counter(t, reg, "rosetta_plugin_info", map[string]string{"plugin": "procstat", "mode": "pull"}); got != 1 {
		t.Errorf("rosetta_plugin_info = %v, want 1", got)
	}
	if got := counter(t, reg, "rosetta_input_samples_total", nil); got < float64(len(recs)) {
		t.Errorf("rosetta_input_samples_total = %v, want >= %d", got, len(recs))
	}
	// Self-metrics pass promtool's lint.
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
}

// TestE2ENode launches the Node example (a push plugin over grpc-js).
func TestE2ENode(t *testing.T) {
	node := nodePath(t)
	d, reg := newDriver(t, fmt.Sprintf(`
path: %s
args: [../../plugins/examples/node/nodestats.js]
heartbeat_interval: 500ms
stream_timeout: 5s
config:
  interval_ms: 50
  labels: {service: demo}
`, node))
	logs := captureLogs(t, d)
	s := newSink()
	run(t, d, s)
	s.waitFor(t, 15*time.Second, "node samples", func(s *sink) bool {
		return findRecord(s.appended, "nodejs_eventloop_delay_seconds", nil) != nil &&
			findRecord(s.appended, "nodejs_plugin_ticks_total", nil) != nil &&
			len(s.appended) >= 12
	})
	s.mu.Lock()
	recs := append([]normalize.Record(nil), s.appended...)
	s.mu.Unlock()
	heap := findRecord(recs, "nodejs_heap_used_bytes", map[string]string{"service": "demo"})
	if heap == nil || heap.Type != normalize.TypeGauge || heap.Value <= 0 || heap.Help != "V8 heap in use, in bytes." {
		t.Errorf("heap record %+v, want a positive gauge with help and service=demo", heap)
	}
	ticks := findRecord(recs, "nodejs_plugin_ticks_total", nil)
	if ticks.Type != normalize.TypeCounter || !ticks.Delta || ticks.Value != 1 {
		t.Errorf("ticks record %+v, want a delta counter of 1", *ticks)
	}
	delay := findRecord(recs, "nodejs_eventloop_delay_seconds", nil)
	if delay.Type != normalize.TypeSummary || delay.Dist == nil || len(delay.Dist.Quantiles) != 3 || delay.Dist.Quantiles[2].Quantile != 0.99 {
		t.Errorf("delay record %+v, want a summary with 3 quantiles", *delay)
	}
	if got := counter(t, reg, "rosetta_plugin_info", map[string]string{"plugin": "nodestats", "mode": "push"}); got != 1 {
		t.Errorf("rosetta_plugin_info = %v, want 1", got)
	}
	// The plugin's structured log line reached Rosetta's log at its level,
	// with the input's name.
	if l := logs.String(); !strings.Contains(l, `level=INFO msg="nodestats started" input=ext`) || !strings.Contains(l, "interval_ms=50") {
		t.Errorf("plugin log line missing from:\n%s", l)
	}
}

// TestConfigRejected checks that a plugin's config errors come back with
// the position of the bad value in Rosetta's config file.
func TestConfigRejected(t *testing.T) {
	node := nodePath(t)
	tests := []struct {
		name, block string
		want        []string
	}{
		{
			name: "go path",
			block: fmt.Sprintf(`path: %s
config:
  pids: [1, -5]
`, bin("procstat")),
			want: []string{`3:13: plugin input "ext" (plugin "procstat"): config.pids[1]: -5 is not a process ID`},
		},
		{
			name: "go yaml line",
			block: fmt.Sprintf(`path: %s
config:
  pids: [1]
  pidz: [2]
`, bin("procstat")),
			want: []string{`4:9: plugin input "ext" (plugin "procstat"): config.pidz: field pidz not found`},
		},
		{
			name: "go block",
			block: fmt.Sprintf(`path: %s
config: {}
`, bin("procstat")),
			want: []string{`2:9: plugin input "ext" (plugin "procstat"): config: set pids or pid_files`},
		},
		{
			name: "node",
			block: fmt.Sprintf(`path: %s
args: [../../plugins/examples/node/nodestats.js]
config:
  labels: {a: b}
  interval_ms: -1
`, node),
			want: []string{`5:16: plugin input "ext" (plugin "nodestats"): config.interval_ms: -1 must be a positive integer`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, reg := newDriver(t, tc.block)
			err := d.Check(context.Background())
			if !errors.Is(err, ErrConfigRejected) {
				t.Fatalf("Check: %v, want ErrConfigRejected", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
			// Run gives up with the same error instead of restarting.
			if err := d.Run(context.Background(), newSink()); !errors.Is(err, ErrConfigRejected) {
				t.Errorf("Run: %v, want ErrConfigRejected", err)
			}
			if got := counter(t, reg, "rosetta_plugin_failures_total", map[string]string{"reason": "configure"}); got != 1 {
				t.Errorf("failures{configure} = %v, want 1", got)
			}
		})
	}
}

// TestIncompatible checks the errors for plugins of another version.
func TestIncompatible(t *testing.T) {
	tests := []struct {
		mode string
		want []string
	}{
		{"protocol2", []string{bin("testplugin"), "Rosetta speaks plugin protocol version 1", "Plugin version: 2"}},
		{"contract2", []string{`plugin "testplugin"`, bin("testplugin"), `version "0.0.1"`, "speaks contract version 2; this Rosetta speaks 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			d, _ := newDriver(t, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: %s}\n", bin("testplugin"), tc.mode))
			err := d.Check(context.Background())
			if !errors.Is(err, ErrIncompatible) {
				t.Fatalf("Check: %v, want ErrIncompatible", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestStartFailures covers a missing executable, a checksum mismatch and a
// pinned checksum that matches.
func TestStartFailures(t *testing.T) {
	sum := fileSHA256(t, bin("procstat"))
	tests := []struct {
		name, block, want string
	}{
		{"missing", "path: /nonexistent/plugin\n", "/nonexistent/plugin"},
		{"foreign cookie", fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: cookie}\n", bin("testplugin")), "plugin stderr: This binary is a plugin"},
		{"checksum mismatch", fmt.Sprintf("path: %s\nchecksum: sha256:%s\nconfig: {pids: [1]}\n", bin("procstat"), strings.Repeat("0", 64)), "checksums did not match"},
		{"checksum match", fmt.Sprintf("path: %s\nchecksum: sha256:%s\nconfig: {pids: [1]}\n", bin("procstat"), sum), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := newDriver(t, tc.block)
			err := d.Check(context.Background())
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestKill9 kills a push plugin mid-stream and expects a new session
// within 2 s, the gap counted, and samples flowing again.
func TestKill9(t *testing.T) {
	d, reg := newDriver(t, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: steady}\n", bin("testplugin")))
	pids := make(chan int, 4)
	d.onSession = func(pid int) { pids <- pid }
	logs := captureLogs(t, d)
	s := newSink()
	run(t, d, s)
	// Another plugin input beside it must not notice. Its timeout leaves
	// room for a loaded CI machine: at 15 ms a Collect timed out at load 22
	// and counted as a restart that had nothing to do with the kill.
	other, otherReg := newDriver(t, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: pull}\ninterval: 200ms\ntimeout: 200ms\n", bin("testplugin")))
	otherSink := newSink()
	run(t, other, otherSink)
	first := <-pids
	s.waitFor(t, 5*time.Second, "the Go plugin's log line", func(*sink) bool {
		return strings.Contains(logs.String(), `level=WARN msg="testplugin running" input=ext`)
	})
	s.waitFor(t, 5*time.Second, "samples of the first session", func(s *sink) bool {
		return findRecord(s.appended, "test_ticks_total", map[string]string{"pid": strconv.Itoa(first)}) != nil
	})
	killed := time.Now()
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var second int
	select {
	case second = <-pids:
	case <-time.After(2 * time.Second):
		t.Fatal("no new session within 2s of kill -9")
	}
	t.Logf("restarted in %s", time.Since(killed))
	s.waitFor(t, 5*time.Second, "samples of the second session", func(s *sink) bool {
		return findRecord(s.appended, "test_ticks_total", map[string]string{"pid": strconv.Itoa(second)}) != nil
	})
	for name, want := range map[string]float64{
		"rosetta_plugin_gaps_total":     1,
		"rosetta_plugin_restarts_total": 1,
		"rosetta_plugin_up":             1,
	} {
		if got := counter(t, reg, name, nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := counter(t, reg, "rosetta_plugin_failures_total", map[string]string{"reason": failExit}); got != 1 {
		t.Errorf("failures{exit} = %v, want 1", got)
	}
	if got := counter(t, reg, "rosetta_plugin_gap_seconds_total", nil); got <= 0 || got > 2 {
		t.Errorf("gap seconds = %v, want in (0, 2]", got)
	}
	if alive(first) {
		t.Errorf("killed plugin %d still alive", first)
	}
	otherSink.mu.Lock()
	polls := otherSink.replaces
	otherSink.mu.Unlock()
	otherSink.waitFor(t, 5*time.Second, "the other input's polls to go on", func(s *sink) bool { return s.replaces >= polls+3 })
	if got := counter(t, otherReg, "rosetta_plugin_restarts_total", nil) + counter(t, otherReg, "rosetta_input_poll_errors_total", nil); got != 0 {
		t.Errorf("other input: restarts + poll errors = %v, want 0", got)
	}
}

// TestExitRestart: a plugin that exits by itself is restarted, with the
// backoff growing.
func TestExitRestart(t *testing.T) {
	d, reg := newDriver(t, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: exit}\nrestart_backoff: 10ms\nrestart_backoff_max: 40ms\n", bin("testplugin")))
	var mu sync.Mutex
	var sessions []int
	d.onSession = func(pid int) { mu.Lock(); sessions = append(sessions, pid); mu.Unlock() }
	s := newSink()
	run(t, d, s)
	s.waitFor(t, 10*time.Second, "three sessions", func(*sink) bool {
		mu.Lock()
		defer mu.Unlock()
		return len(sessions) >= 3
	})
	if got := counter(t, reg, "rosetta_plugin_restarts_total", nil); got < 2 {
		t.Errorf("restarts = %v, want >= 2", got)
	}
}

// TestHang: a plugin that stops sending (no heartbeats) hits the stream
// deadline and is restarted.
func TestHang(t *testing.T) {
	d, reg := newDriver(t, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: hang}\nheartbeat_interval: 100ms\nstream_timeout: 400ms\n", bin("testplugin")))
	pids := make(chan int, 8)
	d.onSession = func(pid int) { pids <- pid }
	s := newSink()
	run(t, d, s)
	first := <-pids
	select {
	case <-pids:
	case <-time.After(10 * time.Second):
		t.Fatal("hung plugin not restarted within 10s")
	}
	if got := counter(t, reg, "rosetta_plugin_failures_total", map[string]string{"reason": failStalled}); got < 1 {
		t.Errorf("failures{stalled} = %v, want >= 1", got)
	}
	deadline := time.Now().Add(2 * time.Second)
	for alive(first) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(first) {
		t.Errorf("hung plugin %d still alive after its restart", first)
	}
}

// TestFlood: a plugin sending as fast as it can into a slow pipeline gets
// its excess dropped and counted while the host's memory stays bounded.
func TestFlood(t *testing.T) {
	d, reg := newDriver(t, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: flood}\nqueue_batches: 4\n", bin("testplugin")))
	s := newSink()
	s.delay = 2 * time.Millisecond
	run(t, d, s)
	s.waitFor(t, 30*time.Second, "the first samples", func(s *sink) bool { return s.count > 0 })
	// Watch the heap while the plugin floods, until drops were counted
	// and for at least 2 s.
	var peak uint64
	start := time.Now()
	for time.Since(start) < 2*time.Second ||
		(counter(t, reg, "rosetta_input_dropped_total", nil) == 0 && time.Since(start) < 30*time.Second) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		time.Sleep(50 * time.Millisecond)
	}
	dropped := counter(t, reg, "rosetta_input_dropped_total", map[string]string{"reason": "queue_full"})
	samples := counter(t, reg, "rosetta_input_samples_total", nil)
	t.Logf("samples %v, dropped %v, peak heap in use %d MiB", samples, dropped, peak>>20)
	if dropped == 0 {
		t.Error("nothing dropped from a flooding plugin into a slow pipeline")
	}
	if peak > 256<<20 {
		t.Errorf("peak heap in use %d MiB, want <= 256 MiB", peak>>20)
	}
}

// TestPullCollect checks Replace per poll with the testplugin's pull mode
// and that stopping removes the series.
func TestPullCollect(t *testing.T) {
	d, reg := newDriver(t, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: pull}\ninterval: 50ms\ntimeout: 40ms\n", bin("testplugin")))
	s := newSink()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, s) }()
	s.waitFor(t, 10*time.Second, "three polls", func(s *sink) bool { return s.replaces >= 3 })
	s.mu.Lock()
	got := len(s.replaced["ext/testplugin"])
	s.mu.Unlock()
	if got != 3 {
		t.Errorf("%d records replaced, want 3", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, ok := s.replaced["ext/testplugin"]; ok {
		t.Error("series of a stopped pull plugin not removed")
	}
	if got := counter(t, reg, "rosetta_input_last_success_timestamp_seconds", map[string]string{"target": "testplugin"}); got == 0 {
		t.Error("last success timestamp not set")
	}
}

const helperEnv = "ROSETTA_PLUGIN_TEST_HELPER"

// runHelper is a stand-in Rosetta in a child process: it runs a plugin
// input and prints each session's plugin pid.
func runHelper() {
	cfg := DefaultConfig
	cfg.Path = os.Getenv(helperEnv)
	cfg.Env = map[string]string{"TESTPLUGIN_MODE": "steady"}
	d, err := New(inputsSettings(), &cfg)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	d.onSession = func(pid int) { fmt.Println("pid", pid) }
	_ = d.Run(context.Background(), newSink())
}

// TestNoOrphans kills a stand-in Rosetta with SIGKILL and expects its
// plugin to die with it.
func TestNoOrphans(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+bin("testplugin"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	var pid int
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "pid %d", &pid); err == nil {
			break
		}
		t.Logf("helper: %s", sc.Text())
	}
	if pid == 0 {
		t.Fatal("helper printed no plugin pid")
	}
	if !alive(pid) {
		t.Fatalf("plugin %d not running", pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(2 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("plugin %d outlived its killed host", pid)
	}
}

// TestPullCollectError: a pull plugin whose Collect fails has its series
// removed and the poll error counted, and is not restarted for it.
func TestPullCollectError(t *testing.T) {
	d, reg := newDriver(t, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: pullfail}\ninterval: 20ms\ntimeout: 15ms\n", bin("testplugin")))
	s := newSink()
	run(t, d, s)
	var sawRemoval bool
	s.waitFor(t, 10*time.Second, "a failed poll after a good one", func(s *sink) bool {
		if s.replaces >= 2 && s.replaced["ext/testplugin"] == nil {
			sawRemoval = true
		}
		return sawRemoval && s.replaces >= 4
	})
	if got := counter(t, reg, "rosetta_input_poll_errors_total", map[string]string{"target": "testplugin", "reason": "collect"}); got < 1 {
		t.Errorf("poll_errors{collect} = %v, want >= 1", got)
	}
	if got := counter(t, reg, "rosetta_plugin_restarts_total", nil); got != 0 {
		t.Errorf("restarts = %v, want 0", got)
	}
}
