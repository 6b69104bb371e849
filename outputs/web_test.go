package outputs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/exporter-toolkit/web"
	"golang.org/x/crypto/bcrypt"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// startWeb serves w on a loopback listener until the test ends.
func startWeb(t *testing.T, w *Web) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v after cancel, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return "http://" + l.Addr().String()
}

func testGatherer(t *testing.T) (prometheus.Gatherer, *prometheus.Registry) {
	t.Helper()
	s, reg := newTestStore(t, StoreConfig{})
	s.Write([]normalize.Sample{
		counter("requests", 3, true, "code", "200"),
		gauge("depth", 14, false),
		observe("latency_seconds", 0.2, &normalize.SeriesOptions{Observer: normalize.ObserverHistogram, Buckets: []float64{0.1, 1}}),
	})
	return Gatherers{reg, s}, reg
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.MethodGet, url, header)
}

func do(t *testing.T, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestMetricsNegotiation(t *testing.T) {
	g, reg := testGatherer(t)
	w, err := NewWeb(WebConfig{Gatherer: g, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	base := startWeb(t, w)

	t.Run("text", func(t *testing.T) {
		resp, body := get(t, base+"/metrics", nil)
		if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/plain; version=0.0.4") {
			t.Errorf("Content-Type: got %q, want text/plain; version=0.0.4", got)
		}
		for _, want := range []string{
			"# TYPE requests counter\nrequests{code=\"200\"} 3\n",
			"depth 14\n",
			"latency_seconds_bucket{le=\"1\"} 1\n",
			"rosetta_series 3\n",
			"promhttp_metric_handler_requests_total{code=\"200\"}",
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("text output lacks %q:\n%s", want, body)
			}
		}
	})
	t.Run("openmetrics", func(t *testing.T) {
		resp, body := get(t, base+"/metrics", map[string]string{"Accept": "application/openmetrics-text;version=1.0.0"})
		if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/openmetrics-text; version=1.0.0") {
			t.Errorf("Content-Type: got %q, want application/openmetrics-text", got)
		}
		for _, want := range []string{"# TYPE requests unknown\nrequests{code=\"200\"} 3.0\n", "# TYPE depth gauge\n", "# EOF\n"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("OpenMetrics output lacks %q:\n%s", want, body)
			}
		}
	})
	t.Run("protobuf", func(t *testing.T) {
		resp, body := get(t, base+"/metrics", map[string]string{"Accept": "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"})
		if got := resp.Header.Get("Content-Type"); !strings.Contains(got, "application/vnd.google.protobuf") {
			t.Errorf("Content-Type: got %q, want protobuf", got)
		}
		dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.NewFormat(expfmt.TypeProtoDelim))
		got := map[string]dto.MetricType{}
		for {
			var mf dto.MetricFamily
			if err := dec.Decode(&mf); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatal(err)
			}
			got[mf.GetName()] = mf.GetType()
		}
		for name, typ := range map[string]dto.MetricType{"requests": dto.MetricType_COUNTER, "depth": dto.MetricType_GAUGE, "latency_seconds": dto.MetricType_HISTOGRAM} {
			if got[name] != typ {
				t.Errorf("protobuf family %s: got type %v, want %v", name, got[name], typ)
			}
		}
	})
	t.Run("gzip", func(t *testing.T) {
		resp, body := get(t, base+"/metrics", map[string]string{"Accept-Encoding": "gzip"})
		if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
			t.Fatalf("Content-Encoding: got %q, want gzip", got)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(plain), "depth 14\n") {
			t.Errorf("gunzipped output lacks depth 14:\n%s", plain)
		}
	})
}

func TestLifecycleEndpoints(t *testing.T) {
	g, _ := testGatherer(t)
	var reloads atomic.Int32
	fail := atomic.Bool{}
	w, err := NewWeb(WebConfig{
		Gatherer: g,
		Reload: func(ctx context.Context) error {
			reloads.Add(1)
			if fail.Load() {
				return errors.New("mapping.yml:3:5: bad rule")
			}
			return nil
		},
		Links:    []web.LandingLinks{{Address: "/mappings", Text: "Mappings"}},
		Handlers: map[string]http.Handler{"/mappings": http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(rw, "rules") })},
		Version:  "1.2.3",
	})
	if err != nil {
		t.Fatal(err)
	}
	base := startWeb(t, w)

	type check struct {
		method, path string
		wantCode     int
		wantBody     string
	}
	run := func(checks []check) {
		t.Helper()
		for _, c := range checks {
			resp, body := do(t, c.method, base+c.path, nil)
			if resp.StatusCode != c.wantCode {
				t.Errorf("%s %s: got %d, want %d (%s)", c.method, c.path, resp.StatusCode, c.wantCode, body)
			}
			if !strings.Contains(string(body), c.wantBody) {
				t.Errorf("%s %s: body %q lacks %q", c.method, c.path, body, c.wantBody)
			}
		}
	}
	run([]check{
		{"GET", "/-/healthy", 200, "Healthy"},
		{"HEAD", "/-/healthy", 200, ""},
		{"POST", "/-/healthy", 405, ""},
		{"GET", "/-/ready", 503, "Not ready"},
		{"GET", "/-/reload", 405, "POST"},
		{"POST", "/-/reload", 200, "Reloaded"},
		{"GET", "/", 200, `href="/metrics"`},
		{"GET", "/", 200, `href="/mappings"`},
		{"GET", "/", 200, "1.2.3"},
		{"GET", "/mappings", 200, "rules"},
		{"GET", "/nothing", 404, ""},
		{"GET", "/debug/pprof/", 404, ""},
	})
	w.SetReady(true)
	fail.Store(true)
	run([]check{
		{"GET", "/-/ready", 200, "Ready"},
		{"POST", "/-/reload", 500, "failed to reload config"},
	})
	if got := reloads.Load(); got != 2 {
		t.Errorf("reload called %d times, want 2", got)
	}
	// The failed reload's error quotes config text: it is not in the answer.
	if _, body := do(t, "POST", base+"/-/reload", nil); strings.Contains(string(body), "mapping.yml") {
		t.Errorf("the reload answer carries config text: %q", body)
	}
	// Cross-site browser requests are refused, before the reload runs, whatever
	// their body.
	fail.Store(false)
	n := reloads.Load()
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"},
		{"Origin": "https://evil.example", "Content-Type": "text/plain;charset=UTF-8"},
		// a sibling subdomain's page; a form posted through a cross-site
		// redirect or from a sandboxed frame (Origin: null)
		{"Sec-Fetch-Site": "same-site", "Content-Type": "application/x-www-form-urlencoded"},
		{"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"},
	} {
		if resp, body := do(t, "POST", base+"/-/reload", h); resp.StatusCode < 400 {
			t.Errorf("POST /-/reload with %v: %d %s", h, resp.StatusCode, body)
		}
	}
	if got := reloads.Load(); got != n {
		t.Errorf("a refused request reloaded (%d times)", got-n)
	}
	// Same-origin browser requests and plain clients are fine, with any body
	// type, as in Prometheus and statsd_exporter: `curl -X POST -d ''` sends a
	// form Content-Type, wget --post-data too.
	for _, h := range []map[string]string{
		nil,
		{"Sec-Fetch-Site": "same-origin"},
		{"Content-Type": "application/json"},
		{"Content-Type": "application/x-www-form-urlencoded"},
		{"Content-Type": "text/plain;charset=UTF-8"},
		{"Content-Type": "multipart/form-data; boundary=x"},
		{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"},
	} {
		if resp, body := do(t, "POST", base+"/-/reload", h); resp.StatusCode != http.StatusOK {
			t.Errorf("POST /-/reload with %v: %d %s", h, resp.StatusCode, body)
		}
	}
	// A body is read by no one; a form body with content is fine too.
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		req, err := http.NewRequest(method, base+"/-/reload", strings.NewReader("reload=1"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s /-/reload with a form body: %d", method, resp.StatusCode)
		}
	}
	if resp, _ := do(t, "GET", base+"/", nil); strings.Contains(resp.Header.Get("Content-Type"), "plain") {
		t.Errorf("landing page Content-Type %q", resp.Header.Get("Content-Type"))
	}
}

func TestWebOptions(t *testing.T) {
	g, _ := testGatherer(t)
	w, err := NewWeb(WebConfig{Gatherer: g, TelemetryPath: "/stats", EnablePprof: true})
	if err != nil {
		t.Fatal(err)
	}
	base := startWeb(t, w)
	for path, want := range map[string]int{"/stats": 200, "/metrics": 404, "/debug/pprof/": 200, "/-/reload": 405} {
		if resp, _ := get(t, base+path, nil); resp.StatusCode != want {
			t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
	if resp, _ := do(t, "POST", base+"/-/reload", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /-/reload without a reload func (--web.enable-lifecycle off): got %d, want 403", resp.StatusCode)
	}
	if srv := w.server(); srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("server timeouts: read %v, write %v, idle %v", srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if _, err := NewWeb(WebConfig{}); err == nil {
		t.Error("NewWeb without a gatherer: got nil error")
	}
	if _, err := NewWeb(WebConfig{Gatherer: g, TelemetryPath: "metrics"}); err == nil {
		t.Error("NewWeb with a relative telemetry path: got nil error")
	}
	if _, err := NewWeb(WebConfig{Gatherer: g, Handlers: map[string]http.Handler{"/metrics": http.NotFoundHandler()}}); err == nil {
		t.Error("NewWeb with an extra handler on /metrics: got nil error")
	}
}

// TestWebConfigBasicAuth checks that --web.config.file reaches
// exporter-toolkit: basic auth protects every route.
func TestWebConfigBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(file, []byte("basic_auth_users:\n  prom: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g, _ := testGatherer(t)
	addrs := []string{"127.0.0.1:0"}
	systemd := false
	w, err := NewWeb(WebConfig{Gatherer: g, Flags: &web.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: &systemd, WebConfigFile: &file}})
	if err != nil {
		t.Fatal(err)
	}
	base := startWeb(t, w)
	if resp, _ := get(t, base+"/metrics", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without credentials: got %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.SetBasicAuth("prom", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with credentials: got %d, want 200", resp.StatusCode)
	}
}

func TestWebRun(t *testing.T) {
	g, _ := testGatherer(t)
	// A port that is taken makes Run fail at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addrs := []string{l.Addr().String()}
	systemd := false
	file := ""
	flags := &web.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: &systemd, WebConfigFile: &file}
	w, err := NewWeb(WebConfig{Gatherer: g, Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Run(context.Background()); err == nil {
		t.Error("Run on a taken port: got nil error")
	}

	// Two listen addresses; cancel stops both.
	addrs = []string{testutil.FreeAddr(t), testutil.FreeAddr(t)}
	w, err = NewWeb(WebConfig{Gatherer: g, Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var codes []int
	for _, a := range addrs {
		var resp *http.Response
		for range 100 { // the listeners come up asynchronously
			resp, err = http.Get("http://" + a + "/-/healthy")
			if err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if diff := cmp.Diff([]int{200, 200}, codes); diff != "" {
		t.Errorf("status codes (-want +got):\n%s", diff)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: got %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
