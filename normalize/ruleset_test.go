package normalize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func f64(v float64) *float64 { return &v }

func mustRuleSet(t testing.TB, cfg RuleSetConfig) *RuleSet {
	t.Helper()
	rs, err := NewRuleSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestMap(t *testing.T) {
	rules := []RuleConfig{
		{Match: "app.*.requests", Name: "requests_total", Labels: []LabelConfig{{Name: "svc", Value: "$1"}, {Name: "env", Value: "prod"}}},
		{Match: "app.*.honor", Name: "honored", HonorLabels: true, Labels: []LabelConfig{{Name: "env", Value: "rule"}}},
		{Match: "app.drop.*", Name: "x", Action: ActionDrop},
		{Match: "app.*.ms", Name: "latency_seconds", Scale: f64(0.001)},
		{Match: `^jvm<type=(\w+)><>(\w+): (.*)$`, MatchType: MatchRegex, Name: "jvm_${1}_$2", Value: "$3", TypeSet: true, Type: TypeGauge,
			Labels: []LabelConfig{{Name: "${2}_kind", Value: "x"}}},
		{Match: `^named\.(?P<svc>\w+)`, MatchType: MatchRegex, Name: "named", Labels: []LabelConfig{{Name: "svc", Value: "${svc}"}, {Name: "all", Value: "$0"}}},
		{Match: "noname.*", Help: "no name here"},
		{Match: "bad.*", Name: "bad", Labels: []LabelConfig{{Name: "$1", Value: "v"}}},
		{Match: "neg.*", Name: "neg_total"},
		{Match: "typed.*", MatchMetricType: TypeGauge, Name: "typed_gauge"},
		{Match: "typed.*", Name: "typed_other"},
	}
	rs := mustRuleSet(t, RuleSetConfig{Rules: rules})
	tests := []struct {
		name    string
		rec     Record
		want    Sample
		outcome Outcome
		reason  string
	}{
		{
			name:    "glob capture and static label, record labels merged",
			rec:     Record{Match: "app.api.requests", Type: TypeCounter, Value: 2, Delta: true, Labels: Labels{{"zone", "a"}, {"env", "dev"}}},
			want:    Sample{Name: "requests_total", Type: TypeCounter, Value: 2, Delta: true, Labels: Labels{{"env", "prod"}, {"svc", "api"}, {"zone", "a"}}},
			outcome: OutcomeMapped,
		},
		{
			name:    "honor_labels keeps the record's value",
			rec:     Record{Match: "app.x.honor", Type: TypeGauge, Value: 1, Labels: Labels{{"env", "dev"}}},
			want:    Sample{Name: "honored", Type: TypeGauge, Value: 1, Labels: Labels{{"env", "dev"}}},
			outcome: OutcomeMapped,
		},
		{
			name:    "honor_labels without the tag uses the rule's",
			rec:     Record{Match: "app.x.honor", Type: TypeGauge, Value: 1},
			want:    Sample{Name: "honored", Type: TypeGauge, Value: 1, Labels: Labels{{"env", "rule"}}},
			outcome: OutcomeMapped,
		},
		{name: "drop", rec: Record{Match: "app.drop.it", Type: TypeCounter, Value: 1}, outcome: OutcomeDropped, reason: "drop_rule"},
		{
			name:    "scale",
			rec:     Record{Match: "app.db.ms", Type: TypeObserver, Value: 250},
			want:    Sample{Name: "latency_seconds", Type: TypeObserver, Value: 0.25},
			outcome: OutcomeMapped,
		},
		{
			name:    "regex with value template, type override and templated label name",
			rec:     Record{Match: "jvm<type=Memory><>HeapUsed: 1234", Type: TypeUntyped, Value: 0},
			want:    Sample{Name: "jvm_Memory_HeapUsed", Type: TypeGauge, Value: 1234, Labels: Labels{{"HeapUsed_kind", "x"}}},
			outcome: OutcomeMapped,
		},
		{
			name:    "regex named group and $0 (the whole match, unanchored)",
			rec:     Record{Match: "named.web.more", Type: TypeGauge, Value: 3},
			want:    Sample{Name: "named", Type: TypeGauge, Value: 3, Labels: Labels{{"all", "named.web"}, {"svc", "web"}}},
			outcome: OutcomeMapped,
		},
		{
			name:    "rule without name uses the record's default name",
			rec:     Record{Match: "noname.x", Type: TypeGauge, Value: 1, DefaultName: "default_name", DefaultLabels: Labels{{"k", "v"}}, Labels: Labels{{"raw", "r"}}},
			want:    Sample{Name: "default_name", Type: TypeGauge, Value: 1, Help: "no name here", Labels: Labels{{"k", "v"}}},
			outcome: OutcomeMapped,
		},
		{
			name:    "rule without name and no default name escapes the match",
			rec:     Record{Match: "noname.x-y", Type: TypeGauge, Value: 1},
			want:    Sample{Name: "noname_x_y", Type: TypeGauge, Value: 1, Help: "no name here"},
			outcome: OutcomeMapped,
		},
		{name: "captured label value not UTF-8", rec: Record{Match: "app.\xff.requests", Type: TypeCounter, Value: 1, Delta: true}, outcome: OutcomeInvalid, reason: "invalid_label_value"},
		{name: "templated label name invalid", rec: Record{Match: "bad.1x", Type: TypeGauge}, outcome: OutcomeInvalid, reason: "invalid_label_name"},
		{name: "negative counter", rec: Record{Match: "neg.x", Type: TypeCounter, Value: -1, Delta: true}, outcome: OutcomeInvalid, reason: "illegal_negative_counter"},
		{name: "-Inf counter", rec: Record{Match: "neg.x", Type: TypeCounter, Value: math.Inf(-1), Delta: true}, outcome: OutcomeInvalid, reason: "illegal_negative_counter"},
		// statsd_exporter adds NaN and +Inf increments (client_golang's
		// counter takes them).
		{name: "+Inf counter", rec: Record{Match: "neg.x", Type: TypeCounter, Value: math.Inf(1), Delta: true}, want: Sample{Name: "neg_total", Type: TypeCounter, Value: math.Inf(1), Delta: true}, outcome: OutcomeMapped},
		{name: "repeated observation", rec: Record{Match: "neg.x", Type: TypeObserver, Value: 2, Repeat: 7}, want: Sample{Name: "neg_total", Type: TypeObserver, Value: 2, Repeat: 7}, outcome: OutcomeMapped},
		{
			name:    "match_metric_type picks the gauge rule",
			rec:     Record{Match: "typed.a", Type: TypeGauge, Value: 1},
			want:    Sample{Name: "typed_gauge", Type: TypeGauge, Value: 1},
			outcome: OutcomeMapped,
		},
		{
			name:    "match_metric_type skips for counters",
			rec:     Record{Match: "typed.a", Type: TypeCounter, Value: 1, Delta: true},
			want:    Sample{Name: "typed_other", Type: TypeCounter, Value: 1, Delta: true},
			outcome: OutcomeMapped,
		},
		{
			name:    "unmatched keeps the escaped name and labels",
			rec:     Record{Match: "other.thing-1", Type: TypeGauge, Value: 5, Labels: Labels{{"b", "2"}, {"a", "1"}, {"b", "3"}}},
			want:    Sample{Name: "other_thing_1", Type: TypeGauge, Value: 5, Labels: Labels{{"a", "1"}, {"b", "3"}}},
			outcome: OutcomeUnmatched,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, outcome, reason := rs.Map(tt.rec)
			if outcome != tt.outcome || reason != tt.reason {
				t.Fatalf("outcome %v %q, want %v %q", outcome, reason, tt.outcome, tt.reason)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Sample{}, "Opts", "Ref"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("sample (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRuleSetOptions(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{
		Unmatched: UnmatchedDrop, LowercaseOutputName: true, LowercaseOutputLabelNames: true,
		Escape: func(s string) string { return strings.ReplaceAll(s, ".", ":") },
		Rules:  []RuleConfig{{Match: "A.*", Name: "Out_$1", Labels: []LabelConfig{{Name: "Key", Value: "V"}}}},
	})
	got, out, _ := rs.Map(Record{Match: "A.B", Type: TypeGauge, Value: 1, Labels: Labels{{"Tag", "x"}}})
	want := Sample{Name: "out_b", Type: TypeGauge, Value: 1, Labels: Labels{{"key", "V"}, {"tag", "x"}}}
	if out != OutcomeMapped {
		t.Fatalf("outcome %v", out)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Sample{}, "Opts", "Ref")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, out, reason := rs.Map(Record{Match: "zzz", Type: TypeGauge}); out != OutcomeDropped || reason != "unmatched" {
		t.Errorf("unmatched: %v %q", out, reason)
	}
}

func TestSeriesOptions(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{
		Defaults: Defaults{Observer: ObserverHistogram, TTL: 60e9},
		Rules: []RuleConfig{
			{Match: "h.*", Name: "h", Histogram: &HistogramOptions{Buckets: []float64{1, 2}}, SeriesLimit: 10},
			{Match: "s.*", Name: "s", Observer: ObserverSummary, Summary: &SummaryOptions{MaxAge: 30e9}},
			{Match: "n.*", Name: "n", Observer: ObserverNativeHistogram, TTL: 5e9},
		},
	})
	opts := func(m string) *SeriesOptions {
		s, _, _ := rs.Map(Record{Match: m, Type: TypeObserver, Value: 1})
		return s.Opts
	}
	tests := []struct {
		match string
		want  SeriesOptions
	}{
		{"h.x", SeriesOptions{Rule: "rule1", TTL: 60e9, Observer: ObserverHistogram, Buckets: []float64{1, 2}, NativeBucketFactor: 1.1, NativeMaxBuckets: 256, SeriesLimit: 10}},
		{"s.x", SeriesOptions{Rule: "rule2", TTL: 60e9, Observer: ObserverSummary, Objectives: DefaultObjectives, MaxAge: 30e9}},
		{"n.x", SeriesOptions{Rule: "rule3", TTL: 5e9, Observer: ObserverNativeHistogram, NativeBucketFactor: 1.1, NativeMaxBuckets: 256}},
		{"unmatched", SeriesOptions{TTL: 60e9, Observer: ObserverHistogram, Buckets: DefaultBuckets, NativeBucketFactor: 1.1, NativeMaxBuckets: 256}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(&tt.want, opts(tt.match), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.match, diff)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	_, err := NewRuleSet(RuleSetConfig{Rules: []RuleConfig{
		{Pos: Pos{"m.yml", 3, 5}, Match: "a.b*", Name: "x"},
		{Pos: Pos{"m.yml", 6, 5}, Match: "(", MatchType: MatchRegex, Name: "x"},
		{Pos: Pos{"m.yml", 9, 5}, Match: "ok.*", Name: "1bad"},
		{Pos: Pos{"m.yml", 12, 5}, Match: "ok.*", Name: "x", Labels: []LabelConfig{{Name: "1abc", Value: "v", Pos: Pos{"m.yml", 14, 7}}}},
		{Pos: Pos{"m.yml", 15, 5}, Match: "ok.*", Name: "x", Observer: ObserverHistogram, Summary: &SummaryOptions{}},
		{Pos: Pos{"m.yml", 18, 5}, Match: "ok.*", Name: "x", Histogram: &HistogramOptions{Buckets: []float64{2, 1}}, Observer: ObserverHistogram},
	}})
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`m.yml:3:5: rule 1 ("a.b*"): invalid glob "a.b*": segment "b*": "*" must be a whole segment`,
		`m.yml:6:5: rule 2 ("("): invalid regex "(": error parsing regexp: missing closing ): ` + "`(`",
		`m.yml:9:5: rule 3 ("ok.*"): invalid metric name "1bad"`,
		`m.yml:14:7: rule 4 ("ok.*"): invalid label name "1abc"`,
		`m.yml:15:5: rule 5 ("ok.*"): cannot use a histogram observer and summary_options at the same time`,
		`m.yml:18:5: rule 6 ("ok.*"): buckets must be in increasing order: 1 after 2`,
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestExplainAndStats(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{
		{Pos: Pos{"/etc/m.yml", 4, 3}, Match: "a.*", Name: "a_$1"},
		{Pos: Pos{"/etc/m.yml", 7, 3}, Match: "d.*", Name: "d", Action: ActionDrop},
	}})
	res := rs.Explain(Record{Match: "a.b", Type: TypeGauge, Value: 1})
	if res.Rule == nil || res.Rule.ID != "m.yml:4" || res.Rule.Pos.String() != "/etc/m.yml:4:3" || res.Sample.Name != "a_b" {
		t.Errorf("explain a.b: %+v", res)
	}
	if diff := cmp.Diff([]string{"a.b", "b"}, res.Captures); diff != "" {
		t.Errorf("captures: %s", diff)
	}
	res = rs.Explain(Record{Match: "d.x", Type: TypeGauge})
	if res.Outcome != OutcomeDropped || res.Reason != "dropped by rule m.yml:7" {
		t.Errorf("explain d.x: %+v", res)
	}
	res = rs.Explain(Record{Match: "zz", Type: TypeGauge})
	if res.Rule != nil || res.Outcome != OutcomeUnmatched || res.Reason != "no rule matched" {
		t.Errorf("explain zz: %+v", res)
	}
	// Explain does not count; a pipeline does.
	var sink captureSink
	p := NewPipeline(PipelineSettings{Sink: &sink}, rs)
	_ = p.Append(t.Context(), []Record{{Match: "a.b", Type: TypeGauge}, {Match: "a.c", Type: TypeGauge}, {Match: "d.x", Type: TypeGauge}})
	st := rs.Stats()
	if st[0].Hits != 2 || st[1].Hits != 1 || st[0].LastMatch.IsZero() {
		t.Errorf("stats: %+v", st)
	}
}

func TestShadowed(t *testing.T) {
	rules := []RuleConfig{
		{Match: "app.*.*.*", Name: "long"},
		{Match: "app.*.*", Name: "short"},
		{Match: "app.*.*.*", Name: "dup"},
		{Match: "app.*.*.*", Name: "typed", MatchMetricType: TypeGauge},
	}
	for _, tt := range []struct {
		quirks bool
		want   []string
	}{
		{false, []string{"dup", "typed"}},
		{true, []string{"short", "dup", "typed"}},
	} {
		rs := mustRuleSet(t, RuleSetConfig{Rules: rules, StatsdGlobQuirks: tt.quirks})
		var got []string
		for _, r := range rs.Shadowed() {
			got = append(got, r.Name)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("quirks %v (-want +got):\n%s", tt.quirks, diff)
		}
		s, _, _ := rs.Map(Record{Match: "app.a.b", Type: TypeCounter, Delta: true})
		if want := map[bool]string{false: "short", true: "app_a_b"}[tt.quirks]; s.Name != want {
			t.Errorf("quirks %v: app.a.b -> %q, want %q", tt.quirks, s.Name, want)
		}
	}
}

// TestExplainGreedyMiss: a glob that matches a name statsd_exporter's
// greedy search misses says so.
func TestExplainGreedyMiss(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{StatsdGlobQuirks: true, Defaults: Defaults{GlobDisableOrdering: true}, Rules: []RuleConfig{
		{Pos: Pos{"m.yml", 1, 3}, Match: "*.*.b", Name: "any_b"},
		{Pos: Pos{"m.yml", 2, 3}, Match: "c.b", Name: "cb"},
		{Pos: Pos{"m.yml", 3, 3}, Match: "c.b.b", Name: "cbb"},
	}})
	if !rs.GreedyGlobs() {
		t.Fatal("not greedy")
	}
	res := rs.Explain(Record{Match: "c.a.b", Type: TypeGauge})
	if res.Rule != nil || len(res.Other) != 1 || res.Other[0].Rule.ID != "m.yml:1" || !strings.Contains(res.Other[0].Why, "does not backtrack") {
		t.Errorf("matched %+v, near misses %+v", res.Rule, res.Other)
	}
}

func TestExplainNearMisses(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{
		{Pos: Pos{"m.yml", 1, 3}, Match: "a.*", Name: "counter_only", MatchMetricType: TypeCounter},
		{Pos: Pos{"m.yml", 2, 3}, Match: "*.b", Name: "star_b"},
		{Pos: Pos{"m.yml", 3, 3}, Match: "a.b", Name: "exact"},
		{Pos: Pos{"m.yml", 4, 3}, Match: `^a\.`, MatchType: MatchRegex, Name: "re"},
		{Pos: Pos{"m.yml", 5, 3}, Match: "x.*", Name: "x"},
	}})
	res := rs.Explain(Record{Match: "a.b", Type: TypeGauge})
	var got []string
	for _, o := range res.Other {
		got = append(got, o.Rule.ID+": "+o.Why)
	}
	want := []string{
		"m.yml:1: only applies to counter records, this one is gauge",
		"m.yml:3: m.yml:2 matched first",
		"m.yml:4: regex rules are tried after all glob rules; m.yml:2 matched first",
	}
	if res.Rule == nil || res.Rule.ID != "m.yml:2" {
		t.Fatalf("matched %+v", res.Rule)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"HeapMemoryUsage": "heap_memory_usage",
		"URLCount":        "urlcount",
		"already_snake":   "already_snake",
		"_Private":        "_private",
		"a1B":             "a1_b",
		"":                "",
		"TotalCPUTime":    "total_cputime",
	} {
		if got := SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHelpTemplate(t *testing.T) {
	rs, err := NewRuleSet(RuleSetConfig{Rules: []RuleConfig{
		{Match: "app.*.requests", Name: "app_requests_total", Help: "Requests of ${1}.", HelpTemplate: true, Labels: []LabelConfig{{Name: "app", Value: "$1"}}},
		{Match: "db.*.queries", Name: "db_queries_total", Help: "Queries of ${1}."},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for match, want := range map[string]string{
		"app.web.requests": "Requests of web.",
		"db.main.queries":  "Queries of ${1}.", // statsd_exporter help is literal
	} {
		s, out, _ := rs.Map(Record{Match: match, Value: 1, Type: TypeCounter})
		if out != OutcomeMapped || s.Help != want {
			t.Errorf("%s: outcome %v, help %q; want %q", match, out, s.Help, want)
		}
	}
	// A reading without a number is dropped unless a value template gives one.
	if _, out, reason := rs.Map(Record{Match: "app.web.requests", NoValue: true}); out != OutcomeDropped || reason != "no_value" {
		t.Errorf("NoValue record: %v %q, want dropped no_value", out, reason)
	}
}

// TestCacheBoundedByBytes: the match cache holds at most DefaultCacheBytes
// of entries however long the names, and its count matches what it holds.
func TestCacheBoundedByBytes(t *testing.T) {
	rs, err := NewRuleSet(RuleSetConfig{Rules: []RuleConfig{{Match: "*.*", MatchType: MatchGlob, Name: "x_${1}"}}})
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("n", maxCachedKey-16)
	for i := range 20000 {
		for range 2 { // a key is cached on its second miss
			rs.lookup(pad+strconv.Itoa(i)+".b", 0, TypeCounter)
		}
	}
	for range 2 {
		rs.lookup(strings.Repeat("m", 60000)+".b", 0, TypeCounter)
	}
	var held int64
	for i := range rs.cache.slots {
		if e := rs.cache.slots[i].Load(); e != nil {
			held += e.size()
			if len(e.key) > maxCachedKey {
				t.Errorf("a %d-byte key was cached", len(e.key))
			}
		}
	}
	t.Logf("cache holds %d entries, %.1f MiB", rs.cache.len(), float64(held)/(1<<20))
	if got := rs.cache.bytes.Load(); got != held || held > DefaultCacheBytes {
		t.Errorf("cache counts %d bytes, holds %d, budget %d", got, held, DefaultCacheBytes)
	}
}

func TestParseType(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Type
		err  string
	}{
		{"counter", TypeCounter, ""},
		{"gauge", TypeGauge, ""},
		{"untyped", TypeUntyped, ""},
		{"observer", TypeUntyped, `"observer" is not counter, gauge or untyped`},
		{"Gauge", TypeUntyped, `"Gauge" is not counter, gauge or untyped`},
		{"", TypeUntyped, `"" is not counter, gauge or untyped`},
	} {
		got, err := ParseType(tc.in)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if got != tc.want || msg != tc.err {
			t.Errorf("ParseType(%q) = %v, %v; want %v, %s", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestStatsNames: a rule's match type and action, as Stats gives them
// (the mappings page shows their String), are resolved: a rule without a
// match type has the rule set's default, glob unless set.
func TestStatsNames(t *testing.T) {
	for _, tc := range []struct {
		def         MatchType
		rule        RuleConfig
		typ, action string
	}{
		{MatchDefault, RuleConfig{Match: "a.*", Name: "a"}, "glob", "map"},
		{MatchRegex, RuleConfig{Match: "a.(.*)", Name: "a"}, "regex", "map"},
		{MatchDefault, RuleConfig{Match: "a.(.*)", MatchType: MatchRegex, Action: ActionDrop}, "regex", "drop"},
		{MatchRegex, RuleConfig{Match: "a.*", MatchType: MatchGlob, Name: "a"}, "glob", "map"},
	} {
		rs, err := NewRuleSet(RuleSetConfig{Defaults: Defaults{MatchType: tc.def}, Rules: []RuleConfig{tc.rule}})
		if err != nil {
			t.Fatal(err)
		}
		st := rs.Stats()[0]
		if got := st.MatchType.String(); got != tc.typ {
			t.Errorf("%+v: match type %q, want %q", tc.rule, got, tc.typ)
		}
		if got := st.Action.String(); got != tc.action {
			t.Errorf("%+v: action %q, want %q", tc.rule, got, tc.action)
		}
	}
}

// A JMX attribute's value is part of its match string: strings that change
// every poll must not fill the cache, strings that repeat must be cached.
func TestCacheSkipsStringsSeenOnce(t *testing.T) {
	rs, err := NewRuleSet(RuleSetConfig{Rules: []RuleConfig{{Match: `^app<name=(\w+)><>Count: `, MatchType: MatchRegex, Name: "app_${1}_count"}}})
	if err != nil {
		t.Fatal(err)
	}
	const beans, polls = 2000, 20
	for poll := range polls {
		for b := range beans {
			rs.lookup(fmt.Sprintf("app<name=b%d><>Count: %d", b, poll*beans+b), 0, TypeCounter) // a counter: new value each poll
			rs.lookup(fmt.Sprintf("app<name=b%d><>Max: 10", b), 0, TypeGauge)                   // a constant
		}
	}
	changing, constant := 0, 0
	for i := range rs.cache.slots {
		if e := rs.cache.slots[i].Load(); e != nil {
			if strings.Contains(e.key, "Count") {
				changing++
			} else {
				constant++
			}
		}
	}
	// At most one first miss in 16 is taken for a second one.
	if limit := polls * beans / 16; changing > limit {
		t.Errorf("%d entries for strings seen once (%d polls of %d), want at most %d", changing, polls, beans, limit)
	}
	if constant != beans {
		t.Errorf("%d of the %d repeated strings cached", constant, beans)
	}
	t.Logf("cached: %d repeated, %d seen once", constant, changing)
}

// TestRuleSetDefaultHelp: a rule set's DefaultHelp reaches every series
// option (matched, unmatched, inline) through one pointer, and no sample's
// Help; without it the options have none.
func TestRuleSetDefaultHelp(t *testing.T) {
	cfg := RuleSetConfig{Unmatched: UnmatchedKeep, Rules: []RuleConfig{{Match: "a.*", Name: "a_${1}"}}}
	plain, err := NewRuleSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultHelp = "Metric autogenerated by statsd_exporter."
	rs, err := NewRuleSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.b", "c.d"} {
		s, out, reason := rs.Map(Record{Match: name, Value: 1, Type: TypeCounter, Delta: true})
		if out != OutcomeMapped && out != OutcomeUnmatched || s.Help != "" || s.Opts == nil || s.Opts.DefaultHelp == nil || *s.Opts.DefaultHelp != cfg.DefaultHelp {
			t.Errorf("%s: %v %s, help %q, options %+v", name, out, reason, s.Help, s.Opts)
		}
		if s, _, _ := plain.Map(Record{Match: name, Value: 1, Type: TypeCounter, Delta: true}); s.Opts == nil || s.Opts.DefaultHelp != nil {
			t.Errorf("%s without default help: options %+v", name, s.Opts)
		}
	}
	if o, err := rs.InlineOptions(RuleConfig{}); err != nil || o.DefaultHelp != rs.UnmatchedOptions().DefaultHelp {
		t.Errorf("inline options %+v, %v", o, err)
	}
	if rs.DefaultHelp() != cfg.DefaultHelp || plain.DefaultHelp() != "" {
		t.Errorf("DefaultHelp() %q, %q", rs.DefaultHelp(), plain.DefaultHelp())
	}
}
