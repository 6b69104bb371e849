package benchenv

import (
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDescribesThisMachine(t *testing.T) {
	f := strings.Fields(LoadAverage())
	if len(f) != 3 {
		t.Fatalf("LoadAverage() = %q, want three numbers", LoadAverage())
	}
	for _, v := range f {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			t.Errorf("load average %q: %v", v, err)
		}
	}
	if CPUModel() == "unknown CPU" || Kernel() == "unknown" {
		t.Errorf("CPU %q, kernel %q: /proc was not read", CPUModel(), Kernel())
	}
	if m := Machine(); !strings.Contains(m, "cores, Linux "+Kernel()) {
		t.Errorf("Machine() = %q", m)
	}
}

func TestFreeAddrCanBeBound(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("FreeAddr() = %q, want a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("binding %s: %v", addr, err)
	}
	_ = ln.Close()
}

func TestParseStatCPU(t *testing.T) {
	// A command with spaces and a parenthesis, as /proc allows.
	stat := "1234 (my (odd) cmd) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 0 0"
	got, err := parseStatCPU(stat)
	if err != nil || got != 3*time.Second {
		t.Errorf("got %v, %v; want 3s (250+50 ticks at 100 Hz)", got, err)
	}
	for _, bad := range []string{"garbage", "1 (x) S 1 2"} {
		if _, err := parseStatCPU(bad); err == nil {
			t.Errorf("%q: no error for a malformed stat line", bad)
		}
	}
}

func TestParseStatus(t *testing.T) {
	got := parseStatus("Name:\tx y\nVmPeak:\t  9 kB\nVmRSS:\t   74648 kB\nThreads:\t3\nCpus_allowed_list:\t0-1\n")
	want := map[string]int64{"VmPeak": 9, "VmRSS": 74648, "Threads": 3}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// The /proc readers on this very process.
func TestProcOfThisProcess(t *testing.T) {
	pid := os.Getpid()
	if rss, err := StatusField(pid, "VmRSS"); err != nil || rss <= 0 {
		t.Errorf("VmRSS: %d, %v", rss, err)
	}
	if _, err := StatusField(pid, "NoSuchField"); err == nil {
		t.Error("no error for a missing field")
	}
	if _, err := CPUTime(pid); err != nil {
		t.Errorf("CPUTime: %v", err)
	}
}

func TestSumFamilies(t *testing.T) {
	got, err := SumFamilies(strings.NewReader("# TYPE a counter\na{x=\"1\"} 2\na{x=\"2\"} 3\n# TYPE b gauge\nb 7\nc 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]float64{"a": 5, "b": 7, "c": 1}; !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := SumFamilies(strings.NewReader("a{ 1\n")); err == nil {
		t.Error("no error for a broken exposition")
	}
}

func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ok" {
			http.Error(w, "no such page", http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, "body")
	}))
	defer srv.Close()
	if b, err := Get(srv.Client(), srv.URL+"/ok"); err != nil || string(b) != "body" {
		t.Errorf("Get /ok = %q, %v", b, err)
	}
	b, err := Get(srv.Client(), srv.URL+"/missing")
	if b != nil || err == nil || !strings.Contains(err.Error(), "404 Not Found: no such page") {
		t.Errorf("Get /missing = %q, %v; want the status and the body in the error", b, err)
	}
}
