package app

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/mappings"
	"github.com/rosetta-adapter/rosetta/mappings/library"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// libraryCase is a curated mapping file with a body recorded from the real
// software (testdata/, rewritten by the real-server tests with -update).
var libraryCases = []struct {
	lib, typ, body string
	want           []string // series that must be there (exposition lines, prefix match)
}{
	{"redis", "redis", "redis-info.txt", []string{
		`redis_commands_total{cmd="set"} 3`,
		`redis_commands_duration_seconds_total{cmd="info"} `,
		`redis_db_keys{db="db0"} 2`,
		`redis_db_keys{db="db3"} 2`,
		`redis_db_keys_expiring{db="db0"} 1`,
		`redis_errors_total{error="ERR"} 1`,
		`redis_connected_clients `,
		`redis_keyspace_hits_total `,
		`redis_memory_used_bytes `,
		`redis_role_info{role="master"} 1`,
		`redis_version_info{redis_version="7.`,
		`redis_latency_percentiles_seconds{cmd="get",percentile="99"} `,
		`redis_active_defrag_hits_total `,
	}},
	{"memcached", "memcached", "memcached-stats.txt", []string{
		`memcached_commands_total{command="get"} 2`,
		`memcached_commands_total{command="set"} 1`,
		`memcached_command_hits_total{command="get"} 1`,
		`memcached_command_misses_total{command="get"} 1`,
		`memcached_current_items 1`,
		`memcached_current_connections `,
		`memcached_version_info{version="1.`,
	}},
	{"expvar", "expvar", "expvar.json", []string{
		`expvar_memstats_alloc_bytes `, `expvar_memstats_alloc_bytes_total `, `expvar_memstats_heap_objects `, `expvar_gc_cycles_total `,
		`expvar_memstats_last_gc_time_seconds `, `requests 43`, `hits{key="home"} 7`, `load 0.75`,
	}},
	{"nginx", "nginx", "nginx-stub-status.txt", []string{
		`nginx_connections_active `, `nginx_connections_accepted_total `, `nginx_http_requests_total `, `nginx_connections_waiting `,
	}},
	{"apache", "apache", "apache-status.txt", []string{
		`apache_accesses_total `, `apache_sent_bytes_total `, `apache_workers{state="busy"} `, `apache_workers{state="idle"} `,
		`apache_scoreboard{state="sending"} `, `apache_scoreboard{state="open_slot"} `, `apache_version_info{server_version="Apache/2.4`,
		`apache_uptime_seconds `,
	}},
}

// Each curated mapping turns a real body into series with Prometheus
// names (promtool check metrics has nothing to say), leaves nothing under
// its raw name, and has the series a user of the usual exporter expects.
func TestLibraryMappings(t *testing.T) {
	promtool := testutil.Peer(t, "prometheus", "promtool")
	for _, tc := range libraryCases {
		t.Run(tc.lib, func(t *testing.T) {
			data, err := library.FS.ReadFile(tc.lib + ".yml")
			if err != nil {
				t.Fatal(err)
			}
			rsc, err := mappings.TranslateFile("library:"+tc.lib, data, "")
			if err != nil {
				t.Fatal(err)
			}
			rs, err := normalize.NewRuleSet(*rsc)
			if err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(filepath.Join("testdata", tc.body))
			if err != nil {
				t.Fatal(err)
			}
			cfg := factoryOf(t, tc.typ).NewDefaultConfig()
			recs, err := ParseBody(cfg, body, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if _, out, reason := rs.Map(r); out == normalize.OutcomeUnmatched || out == normalize.OutcomeInvalid {
					t.Errorf("%s%s: %s %s", r.Match, r.Labels, out, reason)
				}
			}
			// As in the binary: Rosetta's own families are reserved.
			self := prometheus.NewRegistry()
			self.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			reserved, err := outputs.FamilyNames(self)
			if err != nil {
				t.Fatal(err)
			}
			store, err := outputs.NewStore(outputs.StoreConfig{Registerer: prometheus.NewRegistry(), ReservedPrefixes: []string{"rosetta_"}, ReservedNames: reserved})
			if err != nil {
				t.Fatal(err)
			}
			p := normalize.NewPipeline(normalize.PipelineSettings{Sink: store}, rs)
			if err := p.Replace(t.Context(), tc.lib+"/x", recs); err != nil {
				t.Fatal(err)
			}
			text := render(t, store)
			var problems []string
			for _, w := range tc.want {
				if !containsLinePrefix(text, w) {
					problems = append(problems, "missing "+w)
				}
			}
			if len(problems) > 0 {
				t.Errorf("%s\n--- series:\n%s", strings.Join(problems, "\n"), text)
			}
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = strings.NewReader(text)
			if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("promtool check metrics: %v\n%s", err, out)
			}
			if cs := store.RecentConflicts(); len(cs) > 0 {
				t.Errorf("the store refused series: %+v", cs)
			}
			if store.Len() < len(tc.want) {
				t.Errorf("only %d series", store.Len())
			}
		})
	}
}

func containsLinePrefix(text, prefix string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// render serves the store's /metrics in the text format.
func render(t *testing.T, store *outputs.Store) string {
	t.Helper()
	w, err := outputs.NewWeb(outputs.WebConfig{Gatherer: outputs.Gatherers{store}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	b, _ := httpGet(t, srv.URL+"/metrics", "Accept", "text/plain;version=0.0.4")
	return string(b)
}

// The recorded bodies parse to the golden records (testdata/*.records,
// rewritten with -update), for every kv type.
func TestKVGolden(t *testing.T) {
	for _, tc := range libraryCases {
		t.Run(tc.typ, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.body))
			if err != nil {
				t.Fatal(err)
			}
			recs, err := ParseBody(factoryOf(t, tc.typ).NewDefaultConfig(), body, "")
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(recordLines(recs), "\n") + "\n"
			golden := filepath.Join("testdata", strings.TrimSuffix(tc.body, filepath.Ext(tc.body))+".records")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("records of %s (-golden +got):\n%s", tc.body, diff)
			}
		})
	}
}
