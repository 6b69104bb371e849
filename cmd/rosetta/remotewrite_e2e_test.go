package main

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/outputs/remotewrite/rwtest"
)

// TestRemoteWriteToPrometheus runs Rosetta with a StatsD input and a JSON
// (pull) input and outputs.remote_write to a real Prometheus that nothing
// else feeds: the series Prometheus serves through its query API (and
// promtool reads) equal Rosetta's /metrics.
func TestRemoteWriteToPrometheus(t *testing.T) {
	prom := rwtest.Start(t, rwtest.Options{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"servers": {"web-1": {"requests": 1234, "state": "running"}, "web-2": {"requests": 99.5, "state": "stopped"}}, "queue": {"depth": 7}}`)
	}))
	defer app.Close()

	dir := t.TempDir()
	statsd := testutil.FreeAddr(t)
	cfg := writeFile(t, dir, "rosetta.yml", fmt.Sprintf(`
inputs:
  - name: statsd
    type: statsd
    config: {listen_udp: "", listen_tcp: %q}
  - name: stats
    type: json
    config:
      targets: [%q]
      metrics:
        - {path: servers.*.requests, labels: [server], type: counter}
        - {path: servers.*.state, labels: [server], values: {running: 1, stopped: 0}}
        - {path: queue.depth, type: gauge}
outputs:
  remote_write:
    - url: %s
      interval: 100ms
      external_labels: {cluster: test}
`, statsd, app.URL, prom.WriteURL()))
	web, _ := startRosetta(t, "--config.file="+cfg)
	sendTCP(t, statsd, []byte("shop.orders:3|c|#region:eu\nshop.orders:2|c|#region:us\nshop.cart.size:17|g\nshop.checkout:120|ms\nshop.checkout:80|ms\n"))

	// The mapped families: everything but Rosetta's own and the runtime's,
	// which change between a scrape and a query.
	user := func(name string) bool {
		return !strings.HasPrefix(name, "rosetta_") && !strings.HasPrefix(name, "promhttp_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_")
	}
	var want, got map[string]float64
	var names []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		mfs := scrape(t, "http://"+web+"/metrics")
		names = names[:0]
		for n := range mfs {
			if user(n) {
				names = append(names, n)
			} else {
				delete(mfs, n)
			}
		}
		vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, slices.Collect(maps.Values(mfs))...)
		if err != nil {
			t.Fatal(err)
		}
		want = map[string]float64{}
		for _, s := range vec {
			s.Metric["cluster"] = "test"
			want[s.Metric.String()] = float64(s.Value)
		}
		got = map[string]float64{}
		res, err := prom.Query(context.Background(), `{cluster="test"}`, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res {
			m := model.Metric{}
			for k, v := range s.Labels {
				m[model.LabelName(k)] = model.LabelValue(v)
			}
			if user(string(m[model.MetricNameLabel])) {
				got[m.String()] = s.Value
			}
		}
		// StatsD (counter, gauge, summary) and JSON series all there.
		complete := len(names) >= 6 && slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "requests") })
		if complete && equalSeries(want, got) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus does not serve /metrics' series after 30s\nfamilies %v\nwant %v\ngot  %v", names, want, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d families, %d series equal: %v", len(names), len(want), names)

	// promtool, Prometheus's own client, reads them too.
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install the Debian package prometheus")
	}
	out, err := exec.Command(promtool, "query", "instant", prom.URL(), `shop_orders{region="eu"}`).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "=> 3 @") {
		t.Errorf("promtool query: %v\n%s", err, out)
	}
}

// equalSeries compares series values, NaN equal to NaN.
func equalSeries(want, got map[string]float64) bool {
	if len(want) != len(got) {
		return false
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok || !(g == v || math.IsNaN(g) && math.IsNaN(v)) {
			return false
		}
	}
	return true
}
