package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// procCPU returns the CPU time (user+system) the process pid has used, from
// /proc/<pid>/stat (in clock ticks of 10 ms).
func procCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// procRSS returns the peak resident set (VmHWM) of pid.
func procRSS(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func sendUDP(t testing.TB, addr string, packets ...string) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range packets {
		if _, err := c.Write([]byte(p)); err != nil {
			t.Fatalf("sending %d bytes: %v", len(p), err)
		}
	}
}

// TestMappingsPageAttack replays the issue 17 attack on the built binary:
// two UDP packets with names of 8,000 segments and a 64 KB name whose
// segments all become labels, then GETs of /api/v1/mappings. Each GET was
// 8.5 s (and 140 s) of CPU; now the suggestions are linear and cached per
// set of unmatched names.
func TestMappingsPageAttack(t *testing.T) {
	dir := t.TempDir()
	addr := testutil.FreeAddr(t)
	// max_name_length raised so that the names reach the page (the
	// default drops them at the input).
	cfg := fmt.Sprintf("inputs:\n  - name: statsd\n    type: statsd\n    config:\n      listen_udp: %q\n      max_name_length: 65536\n", addr)
	web, p := startRosetta(t, "--config.file="+writeFile(t, dir, "rosetta.yml", cfg))
	a, b := []string{"x"}, []string{"x"}
	for i := range 8000 {
		a = append(a, "s"+strconv.Itoa(i))
		b = append(b, "t"+strconv.Itoa(i))
	}
	long := "a" + strings.Repeat(".-", 31<<10)
	sendUDP(t, addr, strings.Join(a, ".")+":1|c", strings.Join(b, ".")+":1|c", long+":1|g")
	get := func() (string, time.Duration) {
		c0 := procCPU(t, p.cmd.Process.Pid)
		resp, err := http.Get("http://" + web + "/api/v1/mappings")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return string(body), procCPU(t, p.cmd.Process.Pid) - c0
	}
	testutil.Eventually(t, 10*time.Second, "the three names unmatched", func() bool {
		body, _ := get()
		return strings.Contains(body, "s7999") && strings.Contains(body, "t7999") && strings.Contains(body, ".-.-")
	})
	const n = 10
	var total, worst time.Duration
	for range n {
		_, cpu := get()
		total += cpu
		worst = max(worst, cpu)
	}
	t.Logf("%d GETs: %v CPU in all, worst %v", n, total, worst)
	if total/n >= 50*time.Millisecond {
		t.Errorf("a GET costs %v of CPU on average, want < 50ms", total/n)
	}
}

// TestStatsDLongNamesMemory replays the issue 17 flood on the built binary:
// 1,500 unique 60 KB names under a 100-series budget (over TCP, which loses
// nothing; the UDP queue's byte budget has its own test). Tables bounded by
// counts held them all (RSS > 200 MB); now the byte budgets hold the peak
// RSS under 80 MB with the default max_name_length (65,536: the names get
// past the input), and with a lower one they are dropped and counted at the
// input.
func TestStatsDLongNamesMemory(t *testing.T) {
	for _, tc := range []struct {
		name, extra, reason string
	}{
		{"byte budgets", "", ""},
		{"name length", "      max_name_length: 8192\n", "name_too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			addr := testutil.FreeAddr(t)
			cfg := fmt.Sprintf("global:\n  series_limit: 100\ninputs:\n  - name: statsd\n    type: statsd\n    config:\n      listen_tcp: %q\n      listen_udp: \"\"\n%s", addr, tc.extra)
			web, p := startRosetta(t, "--config.file="+writeFile(t, dir, "rosetta.yml", cfg))
			var b strings.Builder
			pad := strings.Repeat("n", 60000)
			const n = 1500
			for i := range n {
				fmt.Fprintf(&b, "%s%d:1|c|#k:v%d\n", pad, i, i)
			}
			sendTCP(t, addr, []byte(b.String()))
			testutil.Eventually(t, 30*time.Second, "the lines read", func() bool {
				v, _ := metricValue(scrape(t, "http://"+web+"/metrics"), "rosetta_statsd_lines_total", nil)
				return v >= n
			})
			rss := procRSS(t, p.cmd.Process.Pid)
			t.Logf("peak RSS %.1f MB after %d lines of 60 KB names", float64(rss)/1e6, n)
			if rss > 80e6 {
				t.Errorf("peak RSS %.1f MB, want < 80 MB", float64(rss)/1e6)
			}
			if tc.reason != "" {
				if v, _ := metricValue(scrape(t, "http://"+web+"/metrics"), "rosetta_input_dropped_total", map[string]string{"reason": tc.reason}); v != n {
					t.Errorf("dropped{reason=%q} = %v after %d lines", tc.reason, v, n)
				}
			}
		})
	}
}

// TestReloadEndpointOffByDefault: without --web.enable-lifecycle, POST
// /-/reload is refused (403) and SIGHUP still reloads.
func TestReloadEndpointOffByDefault(t *testing.T) {
	dir := t.TempDir()
	addr := testutil.FreeAddr(t)
	mapping := writeFile(t, dir, "mapping.yml", "mappings:\n- match: \"a.*\"\n  name: \"a_total\"\n  labels:\n    x: \"$1\"\n")
	cfg := writeFile(t, dir, "rosetta.yml", fmt.Sprintf("inputs:\n  - name: statsd\n    type: statsd\n    config:\n      listen_udp: \"\"\n      listen_tcp: %q\n    mapping_files: [%q]\n", addr, mapping))
	web, p := startRosetta(t, "--config.file="+cfg, "--config.watch-interval=0")
	resp, err := http.Post("http://"+web+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /-/reload without --web.enable-lifecycle: %d, want 403", resp.StatusCode)
	}
	writeFile(t, dir, "mapping.yml", "mappings:\n- match: \"a.*\"\n  name: \"b_total\"\n  labels:\n    x: \"$1\"\n")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, "the SIGHUP reload", func() bool {
		sendTCP(t, addr, []byte("a.y:1|c\n"))
		_, ok := metricValue(scrape(t, "http://"+web+"/metrics"), "b_total", map[string]string{"x": "y"})
		return ok
	})
}
