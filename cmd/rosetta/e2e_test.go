package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// startRosetta starts the built binary with args and waits until it is ready.
func startRosetta(t *testing.T, args ...string) (web string, p *process) {
	t.Helper()
	bin := buildRosetta(t)
	web = fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	p = startProcess(t, bin, append([]string{"--web.listen-address=" + web}, args...)...)
	p.waitReady(t, "http://"+web+"/-/ready", 20*time.Second)
	return web, p
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPromtoolCheckSelfMetrics runs `promtool check metrics` (Debian package
// prometheus) over Rosetta's own metrics after some traffic.
func TestPromtoolCheckSelfMetrics(t *testing.T) {
	promtool := testutil.Peer(t, "prometheus", "promtool")
	port := testutil.FreePort(t)
	web, _ := startRosetta(t, fmt.Sprintf("--statsd.listen-tcp=127.0.0.1:%d", port), fmt.Sprintf("--statsd.listen-udp=127.0.0.1:%d", port))
	sendTCP(t, fmt.Sprintf("127.0.0.1:%d", port), []byte("a.b:1|c\nbad line\nc.d:2|g\ne:1|ms\nf:x|c\n"))
	waitFor(t, web, "rosetta_statsd_lines_total", nil, 5) // all five lines read

	resp, err := http.Get("http://" + web + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Keep only Rosetta's own families (and the runtime collectors); the
	// user's StatsD names are the user's business.
	var own bytes.Buffer
	keep := false
	for _, line := range strings.SplitAfter(string(body), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			name := strings.Fields(line)[2]
			keep = strings.HasPrefix(name, "rosetta_") || strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_")
		}
		if keep {
			own.WriteString(line)
		}
	}
	if !strings.Contains(own.String(), "rosetta_build_info") {
		t.Fatalf("rosetta_build_info missing from /metrics:\n%s", body)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &own
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: err=%v\n%s", err, out)
	}
}

// TestReload checks SIGHUP-free reloads through POST /-/reload: a good
// config swaps the rules and keeps existing series' values; a bad one keeps
// the old rules and says so in rosetta_config_last_reload_successful.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	port := testutil.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	mappingPath := writeFile(t, dir, "mapping.yml", "mappings:\n- match: \"app.*.hits\"\n  name: \"hits_total\"\n  labels:\n    app: \"$1\"\n")
	cfg := fmt.Sprintf("inputs:\n  - name: statsd\n    type: statsd\n    config:\n      listen_udp: \"\"\n      listen_tcp: %q\n    mapping_files: [%q]\n", addr, mappingPath)
	cfgPath := writeFile(t, dir, "rosetta.yml", cfg)
	web, _ := startRosetta(t, "--config.file="+cfgPath, "--web.enable-lifecycle")

	sendTCP(t, addr, []byte("app.web.hits:2|c\n"))
	waitFor(t, web, "hits_total", map[string]string{"app": "web"}, 2)

	// as `curl -X POST -d '' http://.../-/reload` sends it
	post := func() int {
		resp, err := http.Post("http://"+web+"/-/reload", "application/x-www-form-urlencoded", strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// A good change: a new rule after the old one.
	writeFile(t, dir, "mapping.yml", "mappings:\n- match: \"app.*.hits\"\n  name: \"hits_total\"\n  labels:\n    app: \"$1\"\n- match: \"app.*.misses\"\n  name: \"misses_total\"\n  labels:\n    app: \"$1\"\n")
	if code := post(); code != http.StatusOK {
		t.Fatalf("reload of a good config: status %d", code)
	}
	sendTCP(t, addr, []byte("app.web.hits:3|c\napp.web.misses:1|c\n"))
	waitFor(t, web, "hits_total", map[string]string{"app": "web"}, 5) // kept its value across the reload
	waitFor(t, web, "misses_total", map[string]string{"app": "web"}, 1)
	waitFor(t, web, "rosetta_config_last_reload_successful", nil, 1)

	// A bad change: the old rules keep running.
	writeFile(t, dir, "mapping.yml", "mappings:\n- match: \"app.*.hits\"\n  name: \"1bad name\"\n")
	if code := post(); code == http.StatusOK {
		t.Fatal("reload of a bad config answered 200")
	}
	waitFor(t, web, "rosetta_config_last_reload_successful", nil, 0)
	sendTCP(t, addr, []byte("app.web.misses:1|c\n"))
	waitFor(t, web, "misses_total", map[string]string{"app": "web"}, 2)
}

// waitFor polls /metrics until the series has the value.
func waitFor(t *testing.T, web, name string, labels map[string]string, want float64) {
	t.Helper()
	var got float64
	var ok bool
	if testutil.Poll(5*time.Second, func() bool {
		got, ok = metricValue(scrape(t, "http://"+web+"/metrics"), name, labels)
		return ok && got == want
	}) {
		return
	}
	t.Fatalf("%s%v: got %v (present %v), want %v", name, labels, got, ok, want)
}

// TestBadInput sends malformed StatsD and a flood of distinct names: the
// process survives, memory stays bounded by the series budget, every kind of
// bad input is counted, and good series are unharmed.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	port := testutil.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	const limit = 20000
	cfg := fmt.Sprintf("global:\n  series_limit: %d\ninputs:\n  - name: statsd\n    type: statsd\n    config:\n      listen_udp: %q\n      listen_tcp: %q\n", limit, addr, addr)
	web, p := startRosetta(t, "--config.file="+writeFile(t, dir, "rosetta.yml", cfg))

	sendTCP(t, addr, []byte("good.counter:5|c\ngood.gauge:7|g\n"))
	bad := strings.Join([]string{
		"no_value_here",
		"bad.value:abc|c",
		"bad.type:1|zz",
		"bad.rate:1|c|@foo",
		"nan.gauge:NaN|g",
		"inf.counter:+Inf|c",
		"\xff\xfe.invalid.utf8:1|c",
		":1|c",
		"bad.tags:1|c|#",
	}, "\n") + "\n"
	sendTCP(t, addr, []byte(bad))
	// An oversized UDP packet and a line far over any sane length.
	u, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = u.Write(bytes.Repeat([]byte("x"), 65000))
	u.Close()
	sendTCP(t, addr, append(bytes.Repeat([]byte("y"), 1<<20), '\n'))

	// A flood of one million distinct names over TCP (lossless, bounded).
	var flood bytes.Buffer
	for i := range 1_000_000 {
		flood.WriteString("flood.name_")
		flood.WriteString(strconv.Itoa(i))
		flood.WriteString(":1|c\n")
		if flood.Len() > 1<<20 {
			sendTCP(t, addr, flood.Bytes())
			flood.Reset()
		}
	}
	sendTCP(t, addr, flood.Bytes())
	sendTCP(t, addr, []byte("good.counter:5|c\n"))

	waitFor(t, web, "good_counter", nil, 10)
	waitFor(t, web, "good_gauge", nil, 7)
	mfs := scrape(t, "http://"+web+"/metrics")
	if n, _ := metricValue(mfs, "rosetta_series", nil); n > limit {
		t.Errorf("rosetta_series = %v, over the budget of %d", n, limit)
	}
	// Each TCP connection is parsed on its own goroutine: the last flood
	// chunks may still be in work after good_counter arrived.
	testutil.Eventually(t, 30*time.Second, "the budget overflow counted", func() bool {
		v, ok := metricValue(scrape(t, "http://"+web+"/metrics"), "rosetta_series_budget_overflow_total", nil)
		return ok && v > 0
	})
	if errs := sumFamily(mfs, "rosetta_input_errors_total"); errs < 8 {
		t.Errorf("rosetta_input_errors_total sums to %v; want every bad line counted", errs)
	}
	rss := rssBytes(t, p.cmd.Process.Pid)
	if rss > 200<<20 { // the README's figure
		t.Errorf("RSS %d MiB after the flood; want it bounded by the budget", rss>>20)
	}
	t.Logf("RSS after 1M distinct names with a %d-series budget: %d MiB", limit, rss>>20)
}

func sumFamily(mfs map[string]*dto.MetricFamily, name string) float64 {
	mf, ok := mfs[name]
	if !ok {
		return 0
	}
	var s float64
	for _, m := range mf.GetMetric() {
		s += m.GetCounter().GetValue()
	}
	return s
}

func rssBytes(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestSIGHUPReload reloads on SIGHUP and counts it.
func TestSIGHUPReload(t *testing.T) {
	port := testutil.FreePort(t)
	web, p := startRosetta(t, fmt.Sprintf("--statsd.listen-tcp=127.0.0.1:%d", port), "--statsd.listen-udp=")
	waitFor(t, web, "rosetta_config_reloads_total", map[string]string{"result": "success"}, 1)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, web, "rosetta_config_reloads_total", map[string]string{"result": "success"}, 2)
	waitFor(t, web, "rosetta_config_last_reload_successful", nil, 1)
}
