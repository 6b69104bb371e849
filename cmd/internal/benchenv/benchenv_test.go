package benchenv

import (
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

func TestFreeAddrCanBeBoundForTCPAndUDP(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	if !addr.Addr().IsLoopback() || !addr.Addr().Is4() || addr.Port() == 0 {
		t.Errorf("FreeAddr() = %v, want a port of 127.0.0.1", addr)
	}
	ln, err := net.Listen("tcp", addr.String())
	if err != nil {
		t.Fatalf("binding TCP %s: %v", addr, err)
	}
	defer ln.Close()
	u, err := net.ListenPacket("udp", addr.String())
	if err != nil {
		t.Fatalf("binding UDP %s: %v", addr, err)
	}
	_ = u.Close()
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

func TestFamilies(t *testing.T) {
	srv, addr, err := Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/metrics":
			_, _ = io.WriteString(w, "# TYPE a counter\na{x=\"1\"} 2\na{x=\"2\"} 3\n# TYPE b gauge\nb 7\nc 1\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 4\nh_count 1\n")
		case "/broken":
			_, _ = io.WriteString(w, "a{ 1\n")
		default:
			http.Error(w, "no such page", http.StatusNotFound)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := &http.Client{}
	got, err := Families(client, "http://"+addr+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]float64{"a": 5, "b": 7, "c": 1}; !maps.Equal(got, want) {
		t.Errorf("got %v, want %v (a histogram has no sum here)", got, want)
	}
	if v, err := FamilyValue(client, "http://"+addr+"/metrics", "b"); err != nil || v != 7 {
		t.Errorf("FamilyValue of b: %v, %v, want 7", v, err)
	}
	if _, err := FamilyValue(client, "http://"+addr+"/metrics", "h"); err == nil || !strings.Contains(err.Error(), "no h in") {
		t.Errorf("FamilyValue of a family with no value: %v, want an error naming it", err)
	}
	if _, err := Families(client, "http://"+addr+"/broken"); err == nil {
		t.Error("no error for a broken exposition")
	}
	if _, err := Families(client, "http://"+addr+"/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Families of a 404: %v, want the status in the error", err)
	}
}

// okServer answers /ok with body and any other path with a 404 whose
// body is "no such page".
func okServer(body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ok" {
			http.Error(w, "no such page", http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, body)
	}))
}

func TestSave(t *testing.T) {
	srv := okServer("profile")
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "p")
	if err := Save(srv.Client(), srv.URL+"/ok", file); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "profile" {
		t.Errorf("saved %q, %v", b, err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if err := Save(srv.Client(), srv.URL+"/missing", missing); err == nil {
		t.Error("no error for a 404")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a 404's body was saved")
	}
}

func TestWaitUp(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	client := srv.Client()
	if err := WaitUp(client, srv.URL+"/", 0); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("WaitUp on a 404: %v, want the last answer in the error", err)
	}
	srv.Close()
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	if err := WaitUp(up.Client(), up.URL+"/", time.Minute); err != nil {
		t.Errorf("WaitUp on a 200: %v", err)
	}
}

func TestGet(t *testing.T) {
	srv := okServer("body")
	defer srv.Close()
	if b, err := Get(srv.Client(), srv.URL+"/ok"); err != nil || string(b) != "body" {
		t.Errorf("Get /ok = %q, %v", b, err)
	}
	b, err := Get(srv.Client(), srv.URL+"/missing")
	if b != nil || err == nil || !strings.Contains(err.Error(), "404 Not Found: no such page") {
		t.Errorf("Get /missing = %q, %v; want the status and the body in the error", b, err)
	}
}

func TestPercentile(t *testing.T) {
	xs := []time.Duration{5, 1, 4, 2, 3, 9, 8, 7, 6, 10}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0, 1}, {0.5, 6}, {0.9, 10}, {1, 10}} {
		if got := Percentile(xs, c.p); got != c.want {
			t.Errorf("Percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if xs[0] != 5 {
		t.Error("Percentile sorted its argument")
	}
	// The index is len·9/10 (rounded down), as the harnesses computed it.
	for n := 1; n <= 1000; n++ {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		if got := Percentile(s, 0.9); got != n*9/10 {
			t.Fatalf("n=%d: p90 at index %d, want %d", n, got, n*9/10)
		}
		if got := Median(s); got != n/2 {
			t.Fatalf("n=%d: median at index %d, want %d", n, got, n/2)
		}
	}
	if Median([]float64(nil)) != 0 {
		t.Error("the median of nothing is not 0")
	}
}
