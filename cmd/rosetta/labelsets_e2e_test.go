package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestPrometheusStoresEveryLabelSet sends a name with an optional tag
// (`a.b:1|c|#env:prod` then `a.b:1|c`, as a DogStatsD client that tags only
// some calls sends it) to Rosetta, lets a real Prometheus (Debian package
// prometheus) scrape it in each exposition format, and checks that
// Prometheus stored both series of every such family.
//
// Prometheus 2.42 cannot be told which format to ask for, so each job
// scrapes Rosetta through a proxy on 127.0.0.1 that sets the Accept header
// of one format and passes Rosetta's answer through unchanged.
func TestPrometheusStoresEveryLabelSet(t *testing.T) {
	promBin := testutil.Peer(t, "prometheus", "prometheus")
	statsdAddr := testutil.FreeAddr(t)
	web, _ := startRosetta(t, "--statsd.listen-udp=", "--statsd.listen-tcp="+statsdAddr)
	sendTCP(t, statsdAddr, []byte(strings.Join([]string{
		"a.b:1|c|#env:prod", "a.b:1|c",
		"t.x:5|ms|#env:prod", "t.x:7|ms",
		"g.y:3|g", "g.y:4|g|#env:prod,zone:z1",
	}, "\n")+"\n"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		mfs := scrape(t, "http://"+web+"/metrics")
		if mf := mfs["g_y"]; mf != nil && len(mf.GetMetric()) == 2 && len(mfs["a_b"].GetMetric()) == 2 && len(mfs["t_x"].GetMetric()) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Rosetta does not serve both label sets of a_b, t_x and g_y: %v", mfs)
		}
		time.Sleep(50 * time.Millisecond)
	}

	formats := map[string]string{
		"text":        "text/plain;version=0.0.4",
		"openmetrics": "application/openmetrics-text;version=1.0.0",
		"protobuf":    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
	}
	contentTypes := make(chan string, 64)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept, ok := formats[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://"+web+"/metrics", nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		select {
		case contentTypes <- resp.Header.Get("Content-Type"):
		default:
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer proxy.Close()

	dir := t.TempDir()
	var cfg strings.Builder
	cfg.WriteString("global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n")
	for job := range formats {
		fmt.Fprintf(&cfg, "  - job_name: %s\n    metrics_path: /%s\n    static_configs: [{targets: ['%s']}]\n", job, job, strings.TrimPrefix(proxy.URL, "http://"))
	}
	cfgPath := writeFile(t, dir, "prometheus.yml", cfg.String())
	promAddr := testutil.FreeAddr(t)
	p := startProcess(t, promBin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--enable-feature=native-histograms", "--log.level=warn")
	p.waitReady(t, "http://"+promAddr+"/-/ready", 30*time.Second)

	want := map[string][]string{
		"a_b":       {`{env="prod"}`, `{}`},
		"t_x_count": {`{env="prod"}`, `{}`},
		"t_x":       {`{env="prod",quantile="0.5"}`, `{quantile="0.5"}`},
		"g_y":       {`{env="prod",zone="z1"}`, `{}`},
	}
	var last map[string]map[string][]string
	deadline = time.Now().Add(30 * time.Second)
	for {
		last = map[string]map[string][]string{}
		complete := true
		for job := range formats {
			last[job] = map[string][]string{}
			for name, sets := range want {
				got := promSeries(t, promAddr, fmt.Sprintf(`%s{job=%q}`, name, job))
				if name == "t_x" {
					got = slices.DeleteFunc(got, func(s string) bool { return !strings.Contains(s, `quantile="0.5"`) })
				}
				last[job][name] = got
				if !slices.Equal(got, sortedCopy(sets)) {
					complete = false
				}
			}
		}
		if complete {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not store every label set; got (per job, per name):\n%v\nwant for each job:\n%v", last, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Every scrape succeeded, in the format the job asked for.
	for job := range formats {
		if up := promSeries(t, promAddr, fmt.Sprintf(`up{job=%q} == 1`, job)); len(up) != 1 {
			t.Errorf("job %s: up is not 1", job)
		}
	}
	seen := map[string]bool{}
	for len(contentTypes) > 0 {
		ct := <-contentTypes
		for job, accept := range formats {
			if strings.HasPrefix(ct, strings.SplitN(accept, ";", 2)[0]) {
				seen[job] = true
			}
		}
	}
	for job := range formats {
		if !seen[job] {
			t.Errorf("Rosetta never answered the %s job in its format", job)
		}
	}
}

// promSeries runs an instant query and returns the label sets of the
// result without __name__, instance and job, sorted, as `{a="1"}`.
func promSeries(t *testing.T, addr, query string) []string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		t.Fatalf("querying Prometheus: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("query %s: %v", query, err)
	}
	if body.Status != "success" {
		t.Fatalf("query %s: %s", query, body.Error)
	}
	var out []string
	for _, r := range body.Data.Result {
		var ls []string
		for k, v := range r.Metric {
			if k == "__name__" || k == "instance" || k == "job" {
				continue
			}
			ls = append(ls, fmt.Sprintf("%s=%q", k, v))
		}
		slices.Sort(ls)
		out = append(out, "{"+strings.Join(ls, ",")+"}")
	}
	slices.Sort(out)
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
