package remotewrite

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestApply changes the configuration as reloads do: an unchanged
// endpoint keeps running (same writer, same queue), a changed one is
// replaced and sends with its new settings, a removed one stops and its
// self-metrics go; a config that cannot be built changes nothing.
func TestApply(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "rw_apply", Help: "x"})
	reg.MustRegister(g)
	entry := func(cluster string) Config {
		return decodeOne(t, fmt.Sprintf("remote_write:\n  - name: main\n    url: %s/push\n    interval: 20ms\n    external_labels: {cluster: %s}\n", srv.URL, cluster))
	}
	m, self := startManager(t, reg, entry("a"))
	first := m.running["main"]
	lastCluster := func() string {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		if len(rcv.accepted) == 0 {
			return ""
		}
		wr := rcv.accepted[len(rcv.accepted)-1]
		for _, l := range wr.Timeseries[0].Labels {
			if l.Name == "cluster" {
				return l.Value
			}
		}
		return "none"
	}
	eventually(t, 10*time.Second, "cluster a arrives", func() (bool, string) { return lastCluster() == "a", lastCluster() })

	if err := m.Apply([]Config{entry("a")}); err != nil {
		t.Fatal(err)
	}
	if m.running["main"] != first {
		t.Error("an unchanged endpoint was restarted")
	}
	if err := m.Apply([]Config{entry("b")}); err != nil {
		t.Fatal(err)
	}
	if m.running["main"] == first {
		t.Error("a changed endpoint kept running")
	}
	eventually(t, 10*time.Second, "cluster b arrives", func() (bool, string) { return lastCluster() == "b", lastCluster() })

	bad := entry("c")
	bad.HTTPClientConfig.TLSConfig.CAFile = "/nonexistent/ca.pem"
	bad.HTTPClientConfig.TLSConfig.CA = "x"
	if err := m.Apply([]Config{bad}); err == nil {
		t.Error("a config that cannot be built was applied")
	}
	if m.running["main"] == nil || m.running["main"].cfg.ExternalLabels["cluster"] != "b" {
		t.Error("a failed apply changed the running endpoint")
	}

	if err := m.Apply(nil); err != nil {
		t.Fatal(err)
	}
	if len(m.running) != 0 {
		t.Errorf("still running: %v", m.running)
	}
	if v := selfValue(t, self, "rosetta_remote_write_samples_total", nil); v != 0 {
		t.Errorf("self-metrics of a removed endpoint remain: %v", v)
	}
}

// TestCheck finds what only building an endpoint finds.
func TestCheck(t *testing.T) {
	good := decodeOne(t, "remote_write:\n  - url: http://127.0.0.1:1/push\n")
	if err := Check([]Config{good}); err != nil {
		t.Errorf("good config: %v", err)
	}
	bad := decodeOne(t, "remote_write:\n  - url: http://127.0.0.1:1/push\n    http_client_config: {tls_config: {ca_file: /nonexistent/ca.pem}}\n")
	if err := Check([]Config{bad}); err == nil || !strings.Contains(err.Error(), "/nonexistent/ca.pem") {
		t.Errorf("missing CA file: %v", err)
	}
}
