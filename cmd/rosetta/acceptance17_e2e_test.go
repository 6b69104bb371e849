package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// helpOnlyBody is an OpenMetrics body of HELP lines only (no TYPE): each
// HELP used to look ahead through every line after it.
func helpOnlyBody(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "# HELP m%d some help\n", i)
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// TestHelpOnlyBodyPollTime replays the issue 17 body on the built binary:
// a 300 KiB OpenMetrics body of HELP lines took seconds of CPU per poll
// (each HELP looked ahead through every line after it). The bound is on
// the process's CPU per poll (process_cpu_seconds_total), not on wall
// time, which a loaded CI machine stretches: linear parsing costs a few
// ms per poll, the quadratic one cost seconds. The wall time is logged.
func TestHelpOnlyBodyPollTime(t *testing.T) {
	body := helpOnlyBody(300 << 10)
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
		_, _ = io.WriteString(w, body)
		polls.Add(1)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("inputs:\n  - name: om\n    type: prometheus\n    config:\n      targets: [%q]\n      interval: 1s\n      timeout: 1s\n", srv.URL)
	web, _ := startRosetta(t, "--config.file="+writeFile(t, dir, "rosetta.yml", cfg), "--statsd.listen-udp=", "--statsd.listen-tcp=")
	om := map[string]string{"input": "om"}
	var cpu0 float64
	var polls0 int64
	testutil.Eventually(t, 60*time.Second, "the HELP-only body polled", func() bool {
		mfs := scrape(t, "http://"+web+"/metrics")
		up, _ := metricValue(mfs, "rosetta_input_up", om)
		cpu0, _ = metricValue(mfs, "process_cpu_seconds_total", nil)
		polls0 = polls.Load()
		return up == 1
	})
	// Only the server's counter is watched meanwhile: a scrape costs CPU too.
	const want = 5
	testutil.Eventually(t, 60*time.Second, "five more polls", func() bool { return polls.Load()-polls0 >= want+1 })
	mfs := scrape(t, "http://"+web+"/metrics")
	if up, _ := metricValue(mfs, "rosetta_input_up", om); up != 1 {
		t.Fatalf("rosetta_input_up = %v after %d polls, want 1", up, want)
	}
	cpu, _ := metricValue(mfs, "process_cpu_seconds_total", nil)
	d, _ := metricValue(mfs, "rosetta_input_poll_duration_seconds", om)
	perPoll := time.Duration((cpu - cpu0) / want * float64(time.Second))
	t.Logf("%d KiB HELP-only body: %v of CPU per poll over %d polls, the last poll %.1f ms of wall time", len(body)>>10, perPoll, want, d*1000)
	if perPoll >= 250*time.Millisecond {
		t.Errorf("%v of CPU per poll of the HELP-only body, want well under 250ms (the quadratic parse cost seconds)", perPoll)
	}
}

// TestNoPasswordInLogsOrResponses (issue 17): URLs with passwords (a
// Jolokia URL that is refused and retried, a JSON target that fails, a
// reload to a config whose URL is invalid) never show the password in a
// log line or in any response of the web endpoints.
func TestNoPasswordInLogsOrResponses(t *testing.T) {
	const secret = "pa55w0rdXYZ"
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	defer refusing.Close()
	host := strings.TrimPrefix(refusing.URL, "http://")
	dir := t.TempDir()
	good := fmt.Sprintf(`inputs:
  - name: jvm
    type: jmx
    config:
      jolokia_url: "http://admin:%[1]s@%[2]s/jolokia/"
      interval: 200ms
  - name: app
    type: json
    config:
      targets: ["http://admin:%[1]s@%[2]s/stats.json"]
      interval: 200ms
      timeout: 150ms
`, secret, host)
	cfgFile := writeFile(t, dir, "rosetta.yml", good)
	web, p := startRosetta(t, "--config.file="+cfgFile, "--web.enable-lifecycle", "--statsd.listen-udp=", "--statsd.listen-tcp=", "--log.level=debug")
	testutil.Eventually(t, 30*time.Second, "failed polls of both inputs", func() bool {
		mfs := scrape(t, "http://"+web+"/metrics")
		_, jvm := metricValue(mfs, "rosetta_input_poll_errors_total", map[string]string{"input": "jvm"})
		_, app := metricValue(mfs, "rosetta_input_poll_errors_total", map[string]string{"input": "app"})
		return jvm && app
	})
	// A config whose URL does not parse: the reload fails and says why.
	writeFile(t, dir, "rosetta.yml", strings.Replace(good, "http://admin:", "http://ad min:", 1))
	resp, err := http.Post("http://"+web+"/-/reload", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	reloadBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("a reload to a broken config answered 200")
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, "the failed reloads counted", func() bool {
		v, _ := metricValue(scrape(t, "http://"+web+"/metrics"), "rosetta_config_reloads_total", map[string]string{"result": "failure"})
		return v >= 2
	})
	responses := map[string]string{"POST /-/reload": string(reloadBody)}
	for _, path := range []string{"/metrics", "/mappings", "/api/v1/mappings", "/-/ready", "/"} {
		r, err := http.Get("http://" + web + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		responses["GET "+path] = string(b)
	}
	for what, body := range responses {
		if strings.Contains(body, secret) {
			t.Errorf("%s shows the password", what)
		}
	}
	logs := p.Output()
	n := 0
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, secret) {
			t.Errorf("log line shows the password: %s", l)
		}
		if strings.Contains(l, "xxxxx") {
			n++
		}
	}
	t.Logf("%d log lines, %d with a redacted URL, %d responses checked; none has the password", strings.Count(logs, "\n"), n, len(responses))
	if n == 0 {
		t.Errorf("no log line names the redacted URL: the test did not exercise the logging")
	}
}

// TestReloadAppliesChangedReferencedFile (issue 17): a changed
// json_exporter_config file, with rosetta.yml unchanged, is applied by a
// reload (SIGHUP): the input restarts with the new module.
func TestReloadAppliesChangedReferencedFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"a": 1, "b": 2}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	module := func(name, path string) string {
		return fmt.Sprintf("modules:\n  default:\n    metrics:\n      - name: %s\n        path: '%s'\n        help: x\n", name, path)
	}
	jx := writeFile(t, dir, "json_exporter.yml", module("first_value", "{.a}"))
	cfg := fmt.Sprintf("inputs:\n  - name: app\n    type: json\n    config:\n      targets: [%q]\n      interval: 200ms\n      timeout: 150ms\n      json_exporter_config: %s\n", srv.URL, jx)
	web, p := startRosetta(t, "--config.file="+writeFile(t, dir, "rosetta.yml", cfg), "--statsd.listen-udp=", "--statsd.listen-tcp=", "--config.watch-interval=0")
	value := func(name string) (float64, bool) {
		return metricValue(scrape(t, "http://"+web+"/metrics"), name, nil)
	}
	testutil.Eventually(t, 20*time.Second, "first_value served", func() bool { v, ok := value("first_value"); return ok && v == 1 })
	if err := os.WriteFile(jx, []byte(module("second_value", "{.b}")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 20*time.Second, "second_value served after the reload", func() bool { v, ok := value("second_value"); return ok && v == 2 })
	testutil.Eventually(t, 20*time.Second, "first_value gone", func() bool { _, ok := value("first_value"); return !ok })
}
