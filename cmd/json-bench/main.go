// Command json-bench compares Rosetta's json input with json_exporter on the
// same JSON document (about 1 MB) and the same selection, both running at
// once and measured interleaved (a json_exporter probe after each Rosetta
// poll, never at the same time): the time of Rosetta's poll against
// json_exporter's probe, and the heap
// allocations of each (go_memstats_mallocs_total and _alloc_bytes_total
// deltas of each process, read from its own /metrics).
//
// json_exporter is not on the Go module proxy and is never committed here:
// get its source and build it outside the repository, then pass the binary:
//
//	git clone https://github.com/prometheus-community/json_exporter /tmp/json_exporter
//	(cd /tmp/json_exporter && go build -o json_exporter .)
//	go run ./cmd/json-bench -json-exporter /tmp/json_exporter/json_exporter
//
// `make bench-json JSON_EXPORTER=/path/to/json_exporter` does the same.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

type options struct {
	jsonExporter, rosetta string
	probes                int
	servers               int
	logs                  int
}

func main() {
	var o options
	flag.StringVar(&o.jsonExporter, "json-exporter", os.Getenv("JSON_EXPORTER"), "json_exporter binary, built from its repository outside this one (required)")
	flag.StringVar(&o.rosetta, "rosetta", "", "rosetta binary (built from ./cmd/rosetta when empty)")
	flag.IntVar(&o.probes, "probes", 40, "probes (json_exporter) and polls (Rosetta) measured")
	flag.IntVar(&o.servers, "servers", 2000, "server objects in the document (2 selected values each)")
	flag.IntVar(&o.logs, "logs", 4700, "unselected log entries in the document (its bulk)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "json-bench:", err)
		os.Exit(1)
	}
}

// document builds the JSON document: servers with two selected numbers and
// an unselected details object each, and a large unselected log array.
func document(servers, logs int) []byte {
	r := rand.New(rand.NewPCG(7, 11)) //nolint:gosec // G404: a reproducible document, not secrets
	type server struct {
		Name     string         `json:"name"`
		Requests int            `json:"requests"`
		Errors   int            `json:"errors"`
		Details  map[string]any `json:"details"`
	}
	doc := struct {
		Version string           `json:"version"`
		Servers []server         `json:"servers"`
		Logs    []map[string]any `json:"logs"`
	}{Version: "1.0"}
	for i := range servers {
		doc.Servers = append(doc.Servers, server{
			Name: fmt.Sprintf("web-%04d", i), Requests: r.IntN(1e6), Errors: r.IntN(100),
			Details: map[string]any{"zone": "eu-west-1", "tags": []string{"a", "b"}, "load": r.Float64()},
		})
	}
	for i := range logs {
		doc.Logs = append(doc.Logs, map[string]any{"ts": 1700000000 + i, "level": "info", "msg": strings.Repeat("x", 60+r.IntN(60)), "fields": map[string]any{"a": i, "b": "c"}})
	}
	b, _ := json.Marshal(doc)
	return b
}

const jsonExporterConfig = `modules:
  default:
    metrics:
    - name: bench_server
      type: object
      path: '{ .servers[*] }'
      labels:
        name: '{ .name }'
      values:
        requests: '{ .requests }'
        errors: '{ .errors }'
`

// rosettaConfig is Rosetta's config of the one json input measured: it
// polls target every 1.5 s, and more (indented as the keys of its config
// block) says the rest.
func rosettaConfig(target, more string) string {
	return fmt.Sprintf(`inputs:
  - name: bench
    type: json
    config:
      targets: [%q]
      interval: 1500ms
`, target) + more
}

// rosettaObject is Rosetta's own selection of what jsonExporterConfig
// selects.
const rosettaObject = `      metrics:
        - path: servers.*
          labels_from: {name: name}
      skip: [servers.*.details]
    rules:
      - match: servers.*.requests
        name: bench_server_requests
      - match: servers.*.errors
        name: bench_server_errors
`

// benchCase is one selection measured on both.
type benchCase struct {
	title string
	// jsonExporter is json_exporter's config; rosetta gives Rosetta's
	// config for the document's URL and json_exporter's config file.
	jsonExporter string
	rosetta      func(target, jeConfig string) string
	prefix       string // of the series counted on both
}

// filteredConfig uses a filter, nested value paths and a nested label
// (the filter compares with 50.0: jsonpath compares a JSON number, a
// float64, with an integer literal as incompatible types):
// Rosetta reads the same file (json_exporter_config) and evaluates it with
// json_exporter's JSONPath package.
const filteredConfig = `modules:
  default:
    metrics:
    - name: bench_busy
      type: object
      path: '{ .servers[?(@.errors >= 50.0)] }'
      labels:
        name: '{ .name }'
        zone: '{ .details.zone }'
        first_tag: '{ .details.tags[0] }'
      values:
        requests: '{ .requests }'
        load: '{ .details.load }'
`

var cases = []benchCase{
	{
		title:        "object metric over every server, field labels and values (the scanner's fast path)",
		jsonExporter: jsonExporterConfig,
		rosetta:      func(target, _ string) string { return rosettaConfig(target, rosettaObject) },
		prefix:       "bench_server_",
	},
	{
		title:        "a filter, nested value paths and nested labels (json_exporter's config loaded unchanged, JSONPath)",
		jsonExporter: filteredConfig,
		rosetta: func(target, jeConfig string) string {
			return rosettaConfig(target, fmt.Sprintf("      timeout: 1500ms\n      json_exporter_config: %q\n", jeConfig))
		},
		prefix: "bench_busy_",
	},
}

func run(o options) error {
	if o.jsonExporter == "" {
		return errors.New("-json-exporter is required (build it from github.com/prometheus-community/json_exporter; see go doc ./cmd/json-bench)")
	}
	dir, err := os.MkdirTemp("", "json-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.rosetta == "" {
		o.rosetta = filepath.Join(dir, "rosetta")
		if err := benchenv.BuildRosetta(o.rosetta, false); err != nil {
			return err
		}
	}
	doc := document(o.servers, o.logs)
	var served atomic.Int64
	docSrv, docAddr, err := benchenv.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
		if r.URL.RawQuery == "rosetta" {
			served.Add(1)
		}
	}))
	if err != nil {
		return err
	}
	defer docSrv.Close()
	docURL := "http://" + docAddr + "/stats"
	fmt.Printf("Document: %.2f MB, %d servers, %d unselected log entries; %d probes/polls each.\n", float64(len(doc))/1e6, o.servers, o.logs, o.probes)
	for i, c := range cases {
		if err := measure(o, dir, i, c, docURL, &served); err != nil {
			return fmt.Errorf("%s: %w", c.title, err)
		}
	}
	return nil
}

func measure(o options, dir string, i int, c benchCase, docURL string, served *atomic.Int64) error {
	// json_exporter
	jeCfg := filepath.Join(dir, fmt.Sprintf("json_exporter-%d.yml", i))
	if err := os.WriteFile(jeCfg, []byte(c.jsonExporter), 0o600); err != nil {
		return err
	}
	jeAP, err := benchenv.FreeAddr()
	if err != nil {
		return err
	}
	jeAddr := jeAP.String()
	je, err := start(o.jsonExporter, "--config.file="+jeCfg, "--web.listen-address="+jeAddr)
	if err != nil {
		return err
	}
	defer stop(je)
	if err := benchenv.WaitUp(client, "http://"+jeAddr+"/metrics", 20*time.Second); err != nil {
		return fmt.Errorf("json_exporter: %w", err)
	}
	probe := "http://" + jeAddr + "/probe?module=default&target=" + docURL
	var jeSeries int
	for range 3 { // warm up
		body, err := get(probe)
		if err != nil {
			return err
		}
		jeSeries = strings.Count(string(body), "\n"+c.prefix)
	}

	// Rosetta, polling the same document (counted apart: ?rosetta).
	rCfg := filepath.Join(dir, fmt.Sprintf("rosetta-%d.yml", i))
	if err := os.WriteFile(rCfg, []byte(c.rosetta(docURL+"?rosetta", jeCfg)), 0o600); err != nil {
		return err
	}
	rAP, err := benchenv.FreeAddr()
	if err != nil {
		return err
	}
	rAddr := rAP.String()
	ro, err := start(o.rosetta, "--config.file="+rCfg, "--web.listen-address="+rAddr, "--log.level=warn", "--config.watch-interval=0")
	if err != nil {
		return err
	}
	defer stop(ro)
	metricsURL := "http://" + rAddr + "/metrics"
	if err := benchenv.WaitUp(client, metricsURL, 20*time.Second); err != nil {
		return fmt.Errorf("rosetta: %w", err)
	}
	waitPolls := func(n int64) {
		target := served.Load() + n
		for served.Load() < target {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(150 * time.Millisecond) // the poll parses and stores after its fetch
	}
	waitPolls(2)

	// Interleaved: after each Rosetta poll (its duration gauge), one
	// json_exporter probe, timed here; Rosetta polls every 1.5 s, so the
	// two do not run at the same time and share the machine's load alike.
	// Allocations: each process's own counters around the loop (Rosetta's
	// include the small filtered scrapes of its duration gauge).
	durURL := metricsURL + "?name[]=rosetta_input_poll_duration_seconds"
	memURL := metricsURL + "?name[]=go_memstats_mallocs_total&name[]=go_memstats_alloc_bytes_total"
	bothMem := func() (je, ro mem, err error) {
		if je, err = memstats("http://" + jeAddr + "/metrics"); err != nil {
			return je, ro, err
		}
		ro, err = memstats(memURL)
		return je, ro, err
	}
	m0, r0, err := bothMem()
	if err != nil {
		return err
	}
	p0 := served.Load()
	var jeTimes, roTimes []time.Duration
	for range o.probes {
		waitPolls(1)
		v, err := benchenv.FamilyValue(client, durURL, "rosetta_input_poll_duration_seconds")
		if err != nil {
			return err
		}
		roTimes = append(roTimes, time.Duration(v*float64(time.Second)))
		t0 := time.Now()
		if _, err := get(probe); err != nil {
			return err
		}
		jeTimes = append(jeTimes, time.Since(t0))
	}
	m1, r1, err := bothMem()
	if err != nil {
		return err
	}
	polls := float64(served.Load() - p0)
	jeMallocs := (m1.mallocs - m0.mallocs) / float64(o.probes)
	jeBytes := (m1.bytes - m0.bytes) / float64(o.probes)
	roMallocs := (r1.mallocs - r0.mallocs) / polls
	roBytes := (r1.bytes - r0.bytes) / polls
	roSeries, err := countSeries(metricsURL, c.prefix)
	if err != nil {
		return err
	}
	stop(je)

	stop(ro)
	fmt.Printf("\n%s:\n\n", c.title)
	fmt.Printf("| measure | Rosetta (json input poll) | json_exporter (probe) | ratio |\n|---|---|---|---|\n")
	mr, mj := benchenv.Median(roTimes), benchenv.Median(jeTimes)
	fmt.Printf("| time, median | %.1f ms | %.1f ms | %.2fx |\n", ms(mr), ms(mj), float64(mr)/float64(mj))
	pr, pj := benchenv.Percentile(roTimes, 0.9), benchenv.Percentile(jeTimes, 0.9)
	fmt.Printf("| time, p90 | %.1f ms | %.1f ms | %.2fx |\n", ms(pr), ms(pj), float64(pr)/float64(pj))
	fmt.Printf("| heap allocations per poll/probe | %.0f | %.0f | %.2fx |\n", roMallocs, jeMallocs, roMallocs/jeMallocs)
	fmt.Printf("| heap bytes allocated per poll/probe | %.1f MB | %.1f MB | %.2fx |\n", roBytes/1e6, jeBytes/1e6, roBytes/jeBytes)
	fmt.Printf("| series produced | %d | %d | |\n", roSeries, jeSeries)
	if roSeries != jeSeries {
		return fmt.Errorf("the two produced different numbers of series (%d, %d): the comparison is not like for like", roSeries, jeSeries)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func start(bin string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd, cmd.Start()
}

func stop(cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

var client = &http.Client{Timeout: 30 * time.Second}

func get(url string) ([]byte, error) { return benchenv.Get(client, url) }

type mem struct{ mallocs, bytes float64 }

func memstats(url string) (mem, error) {
	f, err := benchenv.Families(client, url)
	if err != nil {
		return mem{}, err
	}
	return mem{f["go_memstats_mallocs_total"], f["go_memstats_alloc_bytes_total"]}, nil
}

func countSeries(url, prefix string) (int, error) {
	b, err := get(url)
	if err != nil {
		return 0, err
	}
	n := 0
	for l := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n, nil
}
