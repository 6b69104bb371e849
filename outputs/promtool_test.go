package outputs

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestPromtoolCheckMetrics renders /metrics (the store's self-metrics,
// promhttp's and well-named series of every type) and runs the real
// `promtool check metrics` over it: it must have nothing to say. Families
// with several label-name sets are among them.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := testutil.Peer(t, "prometheus", "promtool")
	s, reg := newTestStore(t, StoreConfig{})
	hist := &normalize.SeriesOptions{Rule: "h", Observer: normalize.ObserverHistogram, Buckets: []float64{0.1, 1}}
	s.Write([]normalize.Sample{
		{Name: "app_requests_total", Labels: ls("code", "200"), Type: normalize.TypeCounter, Delta: true, Value: 3, Help: "Requests served."},
		{Name: "app_queue_depth", Type: normalize.TypeGauge, Value: 4},
		observe("app_request_duration_seconds", 0.3, hist, "route", "/a"),
		observe("app_response_size_bytes", 512, nil),
		{Name: "app_scraped_seconds", Type: normalize.TypeHistogram, Dist: &normalize.Distribution{Count: 2, Sum: 1, Buckets: []normalize.Bucket{{UpperBound: 1, Count: 2}}}},
		{Name: "app_info", Labels: ls("version", "1.0"), Value: 1},
		// Several label-name sets in one family, as DogStatsD tags sent
		// only sometimes make them.
		gauge("app_queue_depth", 1, false, "queue", "mail"),
		counter("app_requests_total", 1, true),
		observe("app_request_duration_seconds", 2, hist),
		observe("app_request_duration_seconds", 0.05, hist, "route", "/b", "tenant", "t1"),
		observe("app_response_size_bytes", 1024, nil, "route", "/a"),
		// Refused, so that the conflict counters have values.
		gauge("app_requests_total", 1, false, "x", "y"),
		counter("rosetta_x_total", 1, true),
	})
	w, err := NewWeb(WebConfig{Gatherer: Gatherers{reg, s}, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	w.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	for _, line := range []string{"app_queue_depth 4\n", "app_queue_depth{queue=\"mail\"} 1\n", "app_request_duration_seconds_count 1\n", "app_request_duration_seconds_count{route=\"/a\"} 1\n"} {
		if !bytes.Contains(rec.Body.Bytes(), []byte(line)) {
			t.Errorf("/metrics has no %q", line)
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(rec.Body.Bytes())
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s\n--- input:\n%s", err, out, rec.Body.Bytes())
	}
}
