package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// knownDifferences lists what is deliberately different between Rosetta and
// statsd_exporter on the same traffic and mapping file; README.md explains
// each one ("Differences from statsd_exporter").
var knownDifferences = struct {
	// Families that only one side has by design: each side's self-metrics
	// and the runtime metrics of its process.
	ignorePrefixes []string
}{
	ignorePrefixes: []string{"statsd_exporter_", "statsd_metric_mapper_", "rosetta_", "go_", "process_", "promhttp_"},
}

// TestStatsdExporterDifferential sends the same StatsD traffic with the same
// statsd_exporter mapping file to the real statsd_exporter (built from the
// module cache at the version in go.mod) and to Rosetta, and compares their
// /metrics families, types, label sets and values.
func TestStatsdExporterDifferential(t *testing.T) {
	mapping, traffic := statsdDifferentialFixture(t)

	lines := 0
	for l := range strings.SplitSeq(string(traffic), "\n") {
		if strings.TrimSpace(l) != "" {
			lines++
		}
	}

	servers := startStatsdPair(t, mapping)
	for _, s := range servers {
		testutil.WaitHTTP(t, "http://"+s.web+"/metrics", 20*time.Second, nil)
	}
	for _, s := range servers {
		sendTCP(t, s.statsdAddr, traffic)
	}
	// Both expire series with a 1s TTL on a 1s tick: poll until both have
	// read every line and neither shows those series any more (the
	// traffic, sent once, leaves the other series as they are).
	got := map[string]map[string]string{}
	expired := testutil.Poll(30*time.Second, func() bool {
		observed := map[string]float64{}
		for _, s := range servers {
			mfs := scrape(t, "http://"+s.web+"/metrics")
			got[s.name] = flatten(t, mfs)
			// statsd_exporter counts a line when it parses it and
			// applies it later, from a queue: wait for the series too,
			// and for its observations (170,000 from sampled timers, slow
			// on a loaded machine) to reach Rosetta's count.
			if n, _ := metricValue(mfs, s.linesMetric, nil); n < float64(lines) || len(got[s.name]) < 40 || len(ttlSeries(got[s.name])) > 0 {
				return false
			}
			observed[s.name], _ = metricValue(mfs, "statsd_exporter_events_total", map[string]string{"type": "observer"})
		}
		return observed["statsd_exporter"] >= observed["rosetta"]
	})
	if len(got["statsd_exporter"]) < 40 {
		t.Fatalf("statsd_exporter exposed only %d series; the traffic did not arrive", len(got["statsd_exporter"]))
	}
	alignScrapeOrderSums(t, got["statsd_exporter"], got["rosetta"], false)
	if diff := cmp.Diff(got["statsd_exporter"], got["rosetta"]); diff != "" {
		t.Errorf("series differ (-statsd_exporter +rosetta):\n%s", diff)
	}
	// Optional tags: both sides serve every label-name set of a family,
	// for unmapped names and for mapped labels plus tags.
	for _, key := range []string{
		`opt_tags_count{}`, `opt_tags_count{env="prod"}`, `opt_tags_count{env="dev",region="eu"}`,
		`opt_tags_gauge{}`, `opt_tags_gauge{env="prod"}`,
		`opt_tags_timer{} count`, `opt_tags_timer{env="prod"} count`,
		`api_requests_total{service="users"}`, `api_requests_total{region="eu",service="users"}`,
		`api_requests_total{region="us",service="orders",tier="gold"}`,
		`job_duration_seconds{job="restore"} count`, `job_duration_seconds{env="prod",job="restore"} count`,
		`cache_hits_total{cache="sessions",kind="hit"}`, `cache_hits_total{cache="sessions",kind="hit",node="n1"}`,
	} {
		for _, side := range []string{"statsd_exporter", "rosetta"} {
			if _, ok := got[side][key]; !ok {
				t.Errorf("%s does not serve %s", side, key)
			}
		}
	}
	// Non-finite gauges are served as statsd_exporter serves them, and a
	// later set replaces them.
	wantServed(t, got, map[string]string{`queue_depth{queue="nan"}`: "NaN", `queue_depth{queue="inf"}`: "+Inf", `queue_depth{queue="back"}`: "7"})
	// NaN and +Inf counter increments are added (-Inf is refused as a
	// negative one), non-finite observations observed; a sampled timer
	// counts int(1/rate) observations, beyond the 1,000 Rosetta once
	// capped it at; "%" in a glob rule's label values expands as
	// statsd_exporter's Sprintf expands it.
	wantServed(t, got, map[string]string{
		`nonfinite_nan_count{}`:                     "NaN",
		`nonfinite_inf_count{}`:                     "+Inf",
		`nonfinite_neginf_count{}`:                  "3",
		`nonfinite_rate_count{}`:                    "NaN",
		`job_duration_seconds{job="nan"} count`:     "2",
		`job_duration_seconds{job="nan"} sum`:       "NaN",
		`job_duration_seconds{job="inf"} sum`:       "NaN",
		`job_duration_seconds{job="inf"} le=0.1`:    "1",
		`latency_seconds{op="nonfinite"} count`:     "5",
		`sampled_timer{} count`:                     "11010",
		`sampled_hist{} count`:                      "99999", // int(1/0.00001)
		`job_duration_seconds{job="sampled"} count`: "49999",
		`latency_seconds{op="sampled"} count`:       "5000",
		`latency_seconds{op="mixed"} count`:         "601",
		`dist_sampled_seconds{} count`:              "2000",
		`pct_used_ratio{escaped="disk%",literal="100%",lone="disk%!(NOVERB)",whole="pct.disk.used is 5% of %!v(MISSING)"}`: "0.5",
	})
	// Native histograms are served in the protobuf format only: both sides
	// give every histogram (mapping-file histograms have native buckets
	// too) the same schema, zero bucket, spans and deltas, NaN, ±Inf and
	// repeated observations included.
	native := map[string]map[string]string{}
	for _, s := range servers {
		native[s.name] = nativeParts(scrapeProto(t, "http://"+s.web+"/metrics"))
	}
	if len(native["statsd_exporter"]) < 10 {
		t.Errorf("statsd_exporter serves %d native histograms, want at least 10", len(native["statsd_exporter"]))
	}
	alignScrapeOrderSums(t, native["statsd_exporter"], native["rosetta"], true)
	if diff := cmp.Diff(native["statsd_exporter"], native["rosetta"]); diff != "" {
		t.Errorf("native histograms differ (-statsd_exporter +rosetta):\n%s", diff)
	}
	// statsd_exporter's own families: the same names, types, help and
	// label names on both sides, and the same values where they do not
	// depend on timing or on the mapping cache's policy.
	peerSelf := map[string]map[string]string{}
	for _, s := range servers {
		peerSelf[s.name] = peerSelfMetrics(scrape(t, "http://"+s.web+"/metrics"))
	}
	if len(peerSelf["statsd_exporter"]) < 20 {
		t.Errorf("statsd_exporter serves %d self-metric entries, want at least 20", len(peerSelf["statsd_exporter"]))
	}
	if diff := cmp.Diff(peerSelf["statsd_exporter"], peerSelf["rosetta"]); diff != "" {
		t.Errorf("statsd_exporter's self-metrics differ (-statsd_exporter +rosetta):\n%s", diff)
	}
	// The TTL rules expired their series on both sides.
	if !expired {
		for name, series := range got {
			for _, s := range ttlSeries(series) {
				t.Errorf("%s: series %s should have expired after its 1s ttl", name, s)
			}
		}
	}
}

// peerSelfValueless are statsd_exporter's families whose values depend on
// timing (a flush per 200 ms), on the mapping cache's policy (an LRU of
// 1,000 entries against Rosetta's rule cache) or on the build: the
// differential compares their series' label names, not their values.
var peerSelfValueless = map[string]bool{
	"statsd_exporter_event_queue_flushed_total": true,
	"statsd_metric_mapper_cache_length":         true,
	"statsd_metric_mapper_cache_gets_total":     true,
	"statsd_metric_mapper_cache_hits_total":     true,
	"statsd_exporter_build_info":                true,
}

// peerSelfMetrics flattens statsd_exporter's own families (statsd_exporter_*,
// statsd_metric_mapper_*): type, help and each series with its value, or
// for peerSelfValueless only its label names.
func peerSelfMetrics(mfs map[string]*dto.MetricFamily) map[string]string {
	out := map[string]string{}
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "statsd_exporter_") && !strings.HasPrefix(name, "statsd_metric_mapper_") {
			continue
		}
		out[name+" TYPE"] = mf.GetType().String()
		out[name+" HELP"] = mf.GetHelp()
		for _, m := range mf.GetMetric() {
			if peerSelfValueless[name] {
				out[seriesKey(name, m, false)] = "present"
				continue
			}
			out[seriesKey(name, m, true)] = num(m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue())
		}
	}
	return out
}

// seriesKey is "name{sorted labels}" of m's series: each label as
// name="value", or only its name without values.
func seriesKey(name string, m *dto.Metric, values bool) string {
	var ls []string
	for _, lp := range m.GetLabel() {
		if values {
			ls = append(ls, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
		} else {
			ls = append(ls, lp.GetName())
		}
	}
	sort.Strings(ls)
	return name + "{" + strings.Join(ls, ",") + "}"
}

// scrapeOrderSums are the histograms whose _sum statsd_exporter serves
// depending on when it was scraped: client_golang's histogram keeps two
// sets of counts and swaps them at each scrape, and the observations made
// during one go into the new set before the old set's sum is added to it,
// so they are added in another order. The poll above scrapes every 20 ms,
// and a scrape that lands among the tens of thousands of observations of
// one sampled line (of a value no float64 holds exactly) can change the
// sum's last bits (seen: 349.99300000019343 against Rosetta's
// 349.9930000001975, the sum of the observations one by one, in 2 of 10
// runs). Rosetta's sum equals the loop's by its own tests (outputs:
// addRepeated against the loop, the store against client_golang).
var scrapeOrderSums = []string{`sampled_timer{}`, `job_duration_seconds{job="sampled"}`}

// alignScrapeOrderSums checks the sums of scrapeOrderSums on both sides
// within 1e-12 of each other and then gives statsd_exporter's Rosetta's,
// so that the exact comparison covers everything else. native says the
// maps are nativeParts' ("count=... sum=... ..."), else flatten's.
func alignScrapeOrderSums(t *testing.T, oracle, ours map[string]string, native bool) {
	t.Helper()
	sumOf := func(v string) (float64, string, string, bool) {
		if !native {
			f, err := strconv.ParseFloat(v, 64)
			return f, "", "", err == nil
		}
		pre, rest, ok := strings.Cut(v, " sum=")
		if !ok {
			return 0, "", "", false
		}
		num, post, _ := strings.Cut(rest, " ")
		f, err := strconv.ParseFloat(num, 64)
		return f, pre, post, err == nil
	}
	for _, series := range scrapeOrderSums {
		key := series
		if !native {
			key += " sum"
		}
		ov, ok1 := oracle[key]
		rv, ok2 := ours[key]
		if !ok1 || !ok2 || ov == rv {
			continue
		}
		of, opre, opost, ok1 := sumOf(ov)
		rf, rpre, rpost, ok2 := sumOf(rv)
		if !ok1 || !ok2 || opre != rpre || opost != rpost || math.Abs(of-rf) > 1e-12*math.Abs(rf) {
			continue // left to the exact comparison, which reports it
		}
		t.Logf("%s: statsd_exporter's sum %v, Rosetta's %v (scrape order)", series, of, rf)
		oracle[key] = rv
	}
}

// ttlSeries lists the series of the traffic whose rules have a 1s TTL.
func ttlSeries(series map[string]string) []string {
	var out []string
	for name := range series {
		if strings.HasPrefix(name, "session_ttl_gauge") || strings.HasPrefix(name, "late_ttl_one") {
			out = append(out, name)
		}
	}
	return out
}

// flatten turns families into "name{sorted labels} field" → value strings,
// with the family type and help as extra keys, leaving out the known
// differences.
func flatten(t testing.TB, mfs map[string]*dto.MetricFamily) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, mf := range mfs {
		skip := false
		for _, p := range knownDifferences.ignorePrefixes {
			if strings.HasPrefix(name, p) {
				skip = true
			}
		}
		if skip {
			continue
		}
		out[name+" TYPE"] = mf.GetType().String()
		out[name+" HELP"] = mf.GetHelp()
		for _, m := range mf.GetMetric() {
			key := seriesKey(name, m, true)
			switch {
			case m.Counter != nil:
				out[key] = num(m.GetCounter().GetValue())
			case m.Gauge != nil:
				out[key] = num(m.GetGauge().GetValue())
			case m.Untyped != nil:
				out[key] = num(m.GetUntyped().GetValue())
			case m.Histogram != nil:
				h := m.GetHistogram()
				out[key+" count"] = fmt.Sprint(h.GetSampleCount())
				out[key+" sum"] = num(h.GetSampleSum())
				for _, b := range h.GetBucket() {
					out[fmt.Sprintf("%s le=%s", key, num(b.GetUpperBound()))] = fmt.Sprint(b.GetCumulativeCount())
				}
			case m.Summary != nil:
				s := m.GetSummary()
				out[key+" count"] = fmt.Sprint(s.GetSampleCount())
				out[key+" sum"] = num(s.GetSampleSum())
				for _, q := range s.GetQuantile() {
					out[fmt.Sprintf("%s quantile=%s", key, num(q.GetQuantile()))] = num(q.GetValue())
				}
			}
		}
	}
	return out
}

// nativeParts returns the native part of every histogram that has one,
// keyed by "name{sorted labels}", leaving out the known differences.
func nativeParts(mfs map[string]*dto.MetricFamily) map[string]string {
	out := map[string]string{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			if h == nil || h.Schema == nil {
				continue
			}
			out[seriesKey(name, m, true)] = fmt.Sprintf("count=%d sum=%s schema=%d zt=%g zc=%d pos=%v %v neg=%v %v",
				h.GetSampleCount(), num(h.GetSampleSum()), h.GetSchema(), h.GetZeroThreshold(), h.GetZeroCount(),
				spans(h.GetPositiveSpan()), h.GetPositiveDelta(), spans(h.GetNegativeSpan()), h.GetNegativeDelta())
		}
	}
	return out
}

func spans(ss []*dto.BucketSpan) []string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%d:%d", s.GetOffset(), s.GetLength()))
	}
	return out
}

func num(f float64) string {
	if math.IsNaN(f) {
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// statsdDifferentialFixture returns the absolute path of the differential
// tests' statsd_exporter mapping file and their StatsD traffic.
func statsdDifferentialFixture(t *testing.T) (mapping string, traffic []byte) {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "e2e", "statsd-differential")
	mapping, err := filepath.Abs(filepath.Join(dir, "mapping.yml"))
	if err != nil {
		t.Fatal(err)
	}
	traffic, err = os.ReadFile(filepath.Join(dir, "traffic.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return mapping, traffic
}

// wantServed fails for every key of want that statsd_exporter or Rosetta
// does not serve with that value (got is flatten's or nativeParts' by
// server name).
func wantServed(t *testing.T, got map[string]map[string]string, want map[string]string) {
	t.Helper()
	for key, v := range want {
		for _, side := range []string{"statsd_exporter", "rosetta"} {
			if g := got[side][key]; g != v {
				t.Errorf("%s serves %s = %q, want %q", side, key, g, v)
			}
		}
	}
}
