package app

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/inputs/app/expo"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// familySummary describes families as a set of lines: name, type, help and
// every series with its value(s), for comparing two expositions.
func familySummary(mfs []*dto.MetricFamily) []string {
	var out []string
	for _, mf := range mfs {
		out = append(out, fmt.Sprintf("# %s %s %q", mf.GetName(), mf.GetType(), mf.GetHelp()))
		for _, m := range mf.GetMetric() {
			out = append(out, fmt.Sprintf("%s{%s} %s", mf.GetName(), strings.Join(rtestutil.Labels(m), ","), rtestutil.Value(m, true)))
		}
	}
	sort.Strings(out)
	return out
}

// parseWith runs the prometheus type's parser over body.
func parseWith(t *testing.T, body []byte, ctype string) []normalize.Record {
	t.Helper()
	p, err := (&PrometheusConfig{}).NewParser()
	if err != nil {
		t.Fatal(err)
	}
	var recs []normalize.Record
	if err := p.(parsing.ContentTypeParser).ParseContentType(body, ctype, func(r normalize.Record) { recs = append(recs, r) }); err != nil {
		t.Fatal(err)
	}
	return recs
}

// Real exporters' /metrics (the Prometheus server's own and the node
// exporter's, both from Debian) go through the parser, a pipeline with no
// rules and the store, and come out with the same families, types, help,
// series and values, histogram buckets and summary quantiles included.
func TestPrometheusRoundTripRealExporters(t *testing.T) {
	promBase := startPrometheus(t)
	nePort := rtestutil.FreePort(t)
	startPeer(t, rtestutil.Peer(t, "prometheus-node-exporter", "prometheus-node-exporter", "node_exporter"), fmt.Sprintf("--web.listen-address=127.0.0.1:%d", nePort),
		"--collector.disable-defaults", "--collector.cpu", "--collector.meminfo", "--collector.loadavg", "--collector.netdev")
	neBase := fmt.Sprintf("http://127.0.0.1:%d", nePort)
	waitHTTP(t, neBase+"/metrics")
	// Prometheus scrapes itself every second: wait until its histograms and
	// summaries hold observations.
	rtestutil.Eventually(t, 30*time.Second, "prometheus's own histograms and summaries to fill", func() bool {
		body, _ := httpGet(t, promBase+"/metrics")
		return observed(t, body, dto.MetricType_HISTOGRAM) && observed(t, body, dto.MetricType_SUMMARY)
	})
	for name, url := range map[string]string{"prometheus": promBase + "/metrics", "node_exporter": neBase + "/metrics"} {
		t.Run(name, func(t *testing.T) {
			body, hdr := httpGet(t, url, "Accept", expo.Accept)
			recs := parseWith(t, body, hdr.Get("Content-Type"))
			if len(recs) < 50 {
				t.Fatalf("only %d records", len(recs))
			}
			var hist, summ bool
			for _, r := range recs {
				hist = hist || r.Type == normalize.TypeHistogram
				summ = summ || r.Type == normalize.TypeSummary
			}
			if name == "prometheus" && (!hist || !summ) {
				t.Errorf("histograms %v, summaries %v: want both from the Prometheus server", hist, summ)
			}
			got := familySummary(throughStore(t, recs))
			want := familySummary(parseText(t, body))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("exposition changed on the way through (-exporter +rosetta):\n%s", diff)
			}
		})
	}
}

// OpenMetrics: Debian's exporters only serve the text format, so the
// OpenMetrics body comes from Rosetta's own web server (the second choice
// the issue allows): the same content read as OpenMetrics and as text
// gives the same series.
func TestPrometheusOpenMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jobs_total", Help: "Jobs done."}, []string{"queue"})
	c.WithLabelValues("a").Add(3)
	c.WithLabelValues("b \"x\"").Add(5)
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "job_seconds", Help: "Job time.", Buckets: []float64{0.1, 1}})
	h.Observe(0.05)
	h.Observe(2)
	s := prometheus.NewSummary(prometheus.SummaryOpts{Name: "rpc_seconds", Help: "RPC time.", Objectives: map[float64]float64{0.5: 0.05}})
	s.Observe(0.3)
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "temp_celsius", Help: "Temperature."})
	g.Set(21.5)
	reg.MustRegister(c, h, s, g)
	w, err := outputs.NewWeb(outputs.WebConfig{Gatherer: reg})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	om, hdr := httpGet(t, srv.URL+"/metrics", "Accept", "application/openmetrics-text;version=1.0.0")
	if !strings.Contains(hdr.Get("Content-Type"), "openmetrics") || !bytes.HasSuffix(om, []byte("# EOF\n")) {
		t.Fatalf("not OpenMetrics: %s", hdr.Get("Content-Type"))
	}
	text, thdr := httpGet(t, srv.URL+"/metrics", "Accept", "text/plain;version=0.0.4")
	got := familySummary(throughStore(t, parseWith(t, om, hdr.Get("Content-Type"))))
	want := familySummary(throughStore(t, parseWith(t, text, thdr.Get("Content-Type"))))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OpenMetrics and text disagree (-text +openmetrics):\n%s", diff)
	}
	if len(got) < 8 {
		t.Errorf("too little read: %v", got)
	}
}

func parseText(t *testing.T, body []byte) []*dto.MetricFamily {
	t.Helper()
	tp := expfmt.NewTextParser(model.UTF8Validation)
	m, err := tp.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*dto.MetricFamily, 0, len(m))
	for _, mf := range m {
		out = append(out, mf)
	}
	return out
}

// observed reports whether a family of type typ in the text exposition
// body has a series with observations.
func observed(t *testing.T, body []byte, typ dto.MetricType) bool {
	t.Helper()
	for _, mf := range parseText(t, body) {
		if mf.GetType() != typ {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetHistogram().GetSampleCount() > 0 || m.GetSummary().GetSampleCount() > 0 {
				return true
			}
		}
	}
	return false
}

// throughStore maps recs with no rules into a fresh store and gathers it.
func throughStore(t *testing.T, recs []normalize.Record) []*dto.MetricFamily {
	t.Helper()
	store, err := outputs.NewStore(outputs.StoreConfig{Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := normalize.NewRuleSet(normalize.RuleSetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p := normalize.NewPipeline(normalize.PipelineSettings{Sink: store}, rs)
	if err := p.Replace(t.Context(), "prom/x", recs); err != nil {
		t.Fatal(err)
	}
	mfs, err := store.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// The prometheus type polls a real exporter end to end: up 1, its records
// replace the last poll's, and a rule renames and drops some of them.
func TestPrometheusDriverRealExporter(t *testing.T) {
	base := startPrometheus(t)
	f := factoryOf(t, "prometheus")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 200ms\n", base+"/metrics"))
	rec, reg := startDriver(t, f, cfg)
	source := "app/" + base + "/metrics"
	waitFor(t, "a poll's records", func() bool { return len(rec.get(source)) > 100 })
	if up := testutil.ToFloat64(mustVec(t, reg, "rosetta_input_up", base+"/metrics")); up != 1 {
		t.Errorf("up = %v", up)
	}
	rs, err := normalize.NewRuleSet(normalize.RuleSetConfig{Rules: []normalize.RuleConfig{
		{Match: "^go_(.*)$", MatchType: normalize.MatchRegex, Name: "prom_go_$1", Labels: []normalize.LabelConfig{{Name: "source", Value: "prometheus"}}},
		{Match: "^net_conntrack_.*$", MatchType: normalize.MatchRegex, Action: normalize.ActionDrop},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rec.get(source) {
		s, out, _ := rs.Map(r)
		if out == normalize.OutcomeMapped || out == normalize.OutcomeUnmatched {
			names = append(names, s.Name+s.Labels.String())
		}
	}
	joined := strings.Join(names, "\n")
	if !strings.Contains(joined, `prom_go_goroutines{source="prometheus"}`) || strings.Contains(joined, "net_conntrack_") || strings.Contains(joined, "\ngo_goroutines{") {
		t.Errorf("rules not applied as expected:\n%s", joined)
	}
}
