package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestStatsdExporterDifferentialNumbers runs statsd_exporter and Rosetta on
// a mapping file with the numbers statsd_exporter's YAML library reads
// and Rosetta once refused or read otherwise (testdata/e2e/statsd-numbers:
// counts and ttls written as floats, negative ttls, non-finite scales,
// octal and 1_0 scales) and compares what they serve for the same traffic.
func TestStatsdExporterDifferentialNumbers(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "e2e", "statsd-numbers")
	mapping, err := filepath.Abs(filepath.Join(dir, "mapping.yml"))
	if err != nil {
		t.Fatal(err)
	}
	traffic, err := os.ReadFile(filepath.Join(dir, "traffic.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(traffic), "\n")
	servers := startStatsdPair(t, mapping)
	for _, s := range servers {
		testutil.WaitHTTP(t, "http://"+s.web+"/metrics", 20*time.Second, nil)
	}
	for _, s := range servers {
		sendTCP(t, s.statsdAddr, traffic)
	}
	// Poll until both have read every line and applied the last one
	// (num_keep_count 3), and the series of the negative and 1.5 (1ns)
	// ttls are gone: statsd_exporter removes them at its next 1s sweep.
	gone := []string{`num_neg_count{}`, `num_short_count{}`, `unmatched_count{}`}
	got := map[string]map[string]string{}
	done := testutil.Poll(15*time.Second, func() bool {
		for _, s := range servers {
			mfs := scrape(t, "http://"+s.web+"/metrics")
			got[s.name] = flatten(t, mfs)
			if n, _ := metricValue(mfs, s.linesMetric, nil); n < float64(lines) || got[s.name][`num_keep_count{}`] != "3" {
				return false
			}
			for _, k := range gone {
				if _, ok := got[s.name][k]; ok {
					return false
				}
			}
		}
		return true
	})
	if !done {
		t.Errorf("not every line applied, or a ttl series not expired:\nstatsd_exporter: %v\nrosetta: %v", got["statsd_exporter"], got["rosetta"])
	}
	if diff := cmp.Diff(got["statsd_exporter"], got["rosetta"]); diff != "" {
		t.Errorf("series differ (-statsd_exporter +rosetta):\n%s", diff)
	}
	// What statsd_exporter serves, pinned: a scale of ±Inf or NaN
	// multiplies every value (a 0ms timer by +Inf is NaN, a counter
	// increment by -Inf is refused as negative); the rules under the -1s
	// default keep their series.
	wantServed(t, got, map[string]string{
		`num_inf_timer{} sum`:            "+Inf",
		`num_inf_timer{} quantile=0.5`:   "+Inf",
		`num_inf_zero{} sum`:             "NaN",
		`num_inf_counter{}`:              "+Inf",
		`num_inf_neg{}`:                  "-Inf",
		`num_neginf_gauge{}`:             "-Inf",
		`num_neginf_timer{} sum`:         "-Inf",
		`num_neginf_counter{}`:           "",
		`num_nan_counter{}`:              "NaN",
		`num_nan_timer{} quantile=0.99`:  "NaN",
		`num_keep_count{}`:               "3",
		`num_summary_lat{} quantile=0.5`: "0.004",
		`num_oct_counter{}`:              "16",
		`num_oct_gauge{}`:                "24",
		`num_under_counter{}`:            "20",
		`num_defhist_sampled{} count`:    "1250000",
	})
	// native_histogram_max_buckets 10.0 and 2.9 are 10 and 2: the
	// histograms are reduced to schema -2 and -4 on both sides.
	native := map[string]map[string]string{}
	for _, s := range servers {
		native[s.name] = nativeParts(scrapeProto(t, "http://"+s.web+"/metrics"))
	}
	if diff := cmp.Diff(native["statsd_exporter"], native["rosetta"]); diff != "" {
		t.Errorf("native histograms differ (-statsd_exporter +rosetta):\n%s", diff)
	}
	for key, schema := range map[string]string{`num_defhist_lat{}`: "schema=-2 ", `num_hist_lat{}`: "schema=-4 "} {
		for _, side := range []string{"statsd_exporter", "rosetta"} {
			if v := native[side][key]; !strings.Contains(v, schema) {
				t.Errorf("%s serves %s as %q, want %s", side, key, v, schema)
			}
		}
	}
}

// TestStatsdExporterNegativeMaxAge: statsd_exporter accepts a mapping
// file with a negative summary max_age and exits on the first observation
// into such a summary (client_golang panics "illegal max age"). Rosetta
// accepts the file too and refuses each such observation
// (rosetta_rule_invalid_total{reason="negative_summary_max_age"}); the
// counter sent before and after is served. (A max_age under age_buckets
// nanoseconds, 1.5 say, hangs statsd_exporter's summary for good, its
// scrapes with it; Rosetta keeps a 1ns window: every observation is
// forgotten at the next one. That is not run here: the peer would hang.)
func TestStatsdExporterNegativeMaxAge(t *testing.T) {
	mapping := filepath.Join(t.TempDir(), "mapping.yml")
	data := "defaults:\n  summary_options:\n    max_age: -1s\nmappings:\n  - match: neg.*\n    name: neg_${1}\n"
	if err := os.WriteFile(mapping, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	servers := startStatsdPair(t, mapping)
	for _, s := range servers {
		s.p.waitReady(t, "http://"+s.web+"/metrics", 20*time.Second)
		sendTCP(t, s.statsdAddr, []byte("neg.count:1|c\nneg.lat:5|ms\nneg.count:1|c\n"))
	}
	peer, ours := servers[0], servers[1]
	select {
	case <-peer.p.done:
		if out := peer.p.Output(); !strings.Contains(out, "illegal max age") {
			t.Errorf("statsd_exporter exited without the panic:\n%s", out)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("statsd_exporter still runs after an observation into a summary with max_age -1s")
	}
	var mfs map[string]*dto.MetricFamily
	ok := testutil.Poll(15*time.Second, func() bool {
		mfs = scrape(t, "http://"+ours.web+"/metrics")
		n, _ := metricValue(mfs, "rosetta_rule_invalid_total", map[string]string{"reason": "negative_summary_max_age"})
		c, _ := metricValue(mfs, "neg_count", nil)
		return n == 1 && c == 2
	})
	if !ok {
		t.Errorf("rosetta: want neg_count 2 and one negative_summary_max_age observation refused:\n%v", flatten(t, mfs))
	}
	if _, ok := mfs["neg_lat"]; ok {
		t.Errorf("rosetta serves neg_lat")
	}
}
