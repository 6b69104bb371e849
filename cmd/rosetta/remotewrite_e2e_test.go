package main

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/outputs/remotewrite/rwtest"
)

// shopJava is a JVM application with one MBean of constant values, so
// that what Prometheus stores can be compared with /metrics exactly.
const shopJava = `import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

public class Shop {
    public interface OrdersMBean { long getCount(); double getRevenue(); }
    public static class Orders implements OrdersMBean {
        public long getCount() { return 42; }
        public double getRevenue() { return 1234.5; }
    }
    public static void main(String[] args) throws Exception {
        ManagementFactory.getPlatformMBeanServer().registerMBean(new Orders(), new ObjectName("shop:type=Orders,region=eu"));
        System.out.println("registered");
        Thread.sleep(Long.MAX_VALUE);
    }
}
`

// startShopJVM runs Shop.java with remote JMX on a free loopback port.
func startShopJVM(t *testing.T, dir string) int {
	t.Helper()
	java := testutil.Peer(t, "openjdk-17-jdk-headless", "java")
	port := testutil.FreePort(t)
	src := writeFile(t, dir, "Shop.java", shopJava)
	cmd := exec.Command(java,
		fmt.Sprintf("-Dcom.sun.management.jmxremote.port=%d", port),
		fmt.Sprintf("-Dcom.sun.management.jmxremote.rmi.port=%d", port),
		"-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
		"-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
		"-Xmx64m", "-XX:TieredStopAtLevel=1", src)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	testutil.WaitTCP(t, fmt.Sprintf("127.0.0.1:%d", port), 60*time.Second)
	return port
}

// TestRemoteWriteToPrometheus runs Rosetta with a StatsD input, a JMX
// input reading a real JVM and a JSON (pull) input, and
// outputs.remote_write to a real Prometheus that nothing else feeds: the
// series Prometheus serves through its query API (and promtool reads)
// equal Rosetta's /metrics.
func TestRemoteWriteToPrometheus(t *testing.T) {
	prom := rwtest.Start(t, rwtest.Options{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"servers": {"web-1": {"requests": 1234, "state": "running"}, "web-2": {"requests": 99.5, "state": "stopped"}}, "queue": {"depth": 7}}`)
	}))
	defer app.Close()

	dir := t.TempDir()
	jmxPort := startShopJVM(t, dir)
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
  - name: shop-jvm
    type: jmx
    config:
      host_port: 127.0.0.1:%d
      interval: 200ms
      include_object_names: ["shop:*"]
outputs:
  remote_write:
    - url: %s
      interval: 100ms
      external_labels: {cluster: test}
`, statsd, app.URL, jmxPort, prom.WriteURL()))
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
		// StatsD (counter, gauge, summary), JSON and JMX series all there.
		complete := slices.Contains(names, "shop_orders") && slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "requests") }) &&
			slices.ContainsFunc(names, func(n string) bool {
				return strings.HasPrefix(n, "shop_Orders") || strings.HasPrefix(n, "shop_orders_")
			})
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

// TestRemoteWriteReload changes outputs.remote_write through POST
// /-/reload: a changed entry sends with its new settings; an entry that
// cannot be built (its CA file is missing) fails the reload, which then
// changes nothing: neither the outputs nor the inputs of the same file.
func TestRemoteWriteReload(t *testing.T) {
	prom := rwtest.Start(t, rwtest.Options{})
	dir := t.TempDir()
	statsd := testutil.FreeAddr(t)
	statsd2 := testutil.FreeAddr(t)
	config := func(cluster, extra, input string) string {
		return fmt.Sprintf(`
inputs:
  - name: statsd
    type: statsd
    config: {listen_udp: "", listen_tcp: %q}
%s
outputs:
  remote_write:
    - name: prom
      url: %s
      interval: 100ms
      external_labels: {cluster: %s}
%s
`, statsd, input, prom.WriteURL(), cluster, extra)
	}
	cfg := writeFile(t, dir, "rosetta.yml", config("a", "", ""))
	web, p := startRosetta(t, "--config.file="+cfg, "--web.enable-lifecycle")
	sendTCP(t, statsd, []byte("reload.hits:5|c\n"))
	seen := func(cluster string) bool {
		res, err := prom.Query(context.Background(), fmt.Sprintf(`reload_hits{cluster=%q}`, cluster), time.Time{})
		return err == nil && len(res) == 1 && res[0].Value == 5
	}
	testutil.Eventually(t, 30*time.Second, "cluster a in Prometheus", func() bool { return seen("a") })

	reload := func() int {
		resp, err := http.Post("http://"+web+"/-/reload", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	writeFile(t, dir, "rosetta.yml", config("b", "", ""))
	if code := reload(); code != http.StatusOK {
		t.Fatalf("reload: %d", code)
	}
	testutil.Eventually(t, 30*time.Second, "cluster b in Prometheus", func() bool { return seen("b") })

	// A new input and an entry whose CA file is missing: refused whole.
	bad := "      http_client_config: {tls_config: {ca_file: " + filepath.Join(dir, "missing-ca.pem") + "}}"
	input := fmt.Sprintf("  - name: statsd2\n    type: statsd\n    config: {listen_udp: \"\", listen_tcp: %q}", statsd2)
	writeFile(t, dir, "rosetta.yml", config("c", bad, input))
	if code := reload(); code == http.StatusOK {
		t.Fatal("a reload with an unbuildable remote_write entry succeeded")
	}
	// The log line and the answer are written at once; the line reaches
	// the test through the process's stderr pipe a little later.
	if !testutil.Poll(5*time.Second, func() bool { return strings.Contains(p.Output(), "missing-ca.pem") }) {
		t.Errorf("the failed reload's log does not name the CA file:\n%s", p.Output())
	}
	if conn, err := net.DialTimeout("tcp", statsd2, time.Second); err == nil {
		conn.Close()
		t.Error("the failed reload started the new input")
	}
	mfs := scrape(t, "http://"+web+"/metrics")
	if v, _ := metricValue(mfs, "rosetta_config_last_reload_successful", nil); v != 0 {
		t.Errorf("rosetta_config_last_reload_successful = %v after a failed reload", v)
	}
	before, _ := metricValue(mfs, "rosetta_remote_write_last_success_timestamp_seconds", map[string]string{"remote": "prom"})
	testutil.Eventually(t, 30*time.Second, "the old endpoint keeps sending", func() bool {
		v, _ := metricValue(scrape(t, "http://"+web+"/metrics"), "rosetta_remote_write_last_success_timestamp_seconds", map[string]string{"remote": "prom"})
		return v > before
	})
}
