package mappings

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/statsd_exporter/pkg/mapper"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestDifferentialStatsdAccepts: small statsd_exporter mapping files, one
// construct each, in every block the native decoders read (defaults, a
// rule, histogram_options, summary_options and its quantiles): Rosetta
// accepts a file exactly when statsd_exporter's mapper does (unknown keys,
// duplicate keys, values of the wrong type, the native-only keys, numbers
// as yaml.v2 reads them), except the files in laxer, each with its reason.
func TestDifferentialStatsdAccepts(t *testing.T) {
	rule := "mappings:\n  - match: a.*\n    name: a\n"
	files := []string{
		"",
		rule,
		// defaults
		"defaults:\n  observer_type: histogram\n  match_type: regex\n  glob_disable_ordering: true\n  ttl: 1m\n" + rule,
		"defaults:\n  glob_disable_orderin: true\n" + rule,
		"defaults:\n  ttl: 1m\n  ttl: 2m\n" + rule,
		"defaults:\n  glob_disable_ordering: [true]\n" + rule,
		"defaults:\n  ttl: 10\n" + rule,
		"defaults:\n  ttl: x\n" + rule,
		"defaults:\n  observer_type: native_histogram\n" + rule,
		"defaults:\n  observer_type: \"\"\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [1, 2]\n    native_histogram_bucket_factor: 1.5\n    native_histogram_max_buckets: 10\n" + rule,
		"defaults:\n  histogram_options:\n    bucket: [1, 2]\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: 1\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_max_buckets: -1\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_max_buckets: 4294967296\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_max_buckets: 4294967295\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_bucket_factor: x\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [1]\n    buckets: [2]\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{quantile: 0.5, error: 0.05}]\n    max_age: 1m\n    age_buckets: 3\n    buf_cap: 10\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{quantile: 0.5, eror: 0.05}]\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{quantile: 0.5, quantile: 0.9}]\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: {quantile: 0.5}\n" + rule,
		"defaults:\n  summary_options:\n    age_buckets: x\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: -1\n" + rule,
		"defaults:\n  summary_options:\n    max_ag: 1m\n" + rule,
		"defaults:\n  summary_options: 3\n" + rule,
		"defaults:\n  histogram_options:\n" + rule,
		// a rule
		rule + "    match_type: regex\n    match_metric_type: counter\n    labels: {xx: $1}\n    honor_labels: true\n    action: map\n    help: h\n    ttl: 1m\n    scale: 2\n",
		rule + "    nme: b\n",
		rule + "    name: b\n",
		rule + "    match: b.*\n",
		rule + "    type: counter\n",
		rule + "    value: $1\n",
		rule + "    series_limit: 3\n",
		rule + "    attr_name_snake_case: true\n",
		rule + "    honor_labels: x\n",
		rule + "    scale: x\n",
		rule + "    ttl: [1]\n",
		rule + "    labels: [x]\n",
		rule + "    match_metric_type: timer\n",
		rule + "    action: drop\n",
		rule + "    action: keep\n",
		rule + "    observer_type: histogram\n    histogram_options:\n      buckets: [1]\n      native_histogram_max_buckets: 5\n",
		rule + "    observer_type: histogram\n    histogram_options:\n      bucket: [1]\n",
		rule + "    observer_type: summary\n    summary_options:\n      quantiles: [{quantile: 0.9, error: 0.01}]\n      max_age: 1m\n      age_buckets: 2\n      buf_cap: 5\n",
		rule + "    observer_type: summary\n    summary_options:\n      quantiles: [{quantile: 0.9, err: 0.01}]\n",
		rule + "    observer_type: summary\n    summary_options:\n      buf_cap: x\n",
		rule + "    observer_type: summary\n    summary_options:\n      max_age: 1m\n      max_age: 2m\n",
		"mappings:\n  - match: a.*\n    <<: {name: a, help: h}\n",
		"mappings:\n  - match: a.*\n    <<: {name: a, hepl: h}\n",
		// numbers as yaml.v2 reads them into statsd_exporter's fields:
		// a float into a count or a duration is truncated when it fits,
		// durations may be negative, a scale any float
		"defaults:\n  histogram_options:\n    native_histogram_max_buckets: 10.0\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_max_buckets: 4294967295.5\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_max_buckets: 4294967296.0\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_max_buckets: .inf\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 2.7\n    age_buckets: 1e1\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: -0.5\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: -1.0\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: .nan\n" + rule,
		rule + "    observer_type: summary\n    summary_options:\n      buf_cap: 2.7\n",
		rule + "    observer_type: histogram\n    histogram_options:\n      native_histogram_max_buckets: 10.0\n",
		"defaults:\n  ttl: 1.5\n" + rule,
		"defaults:\n  ttl: -1s\n" + rule,
		"defaults:\n  ttl: -10\n" + rule,
		"defaults:\n  ttl: -.inf\n" + rule,
		"defaults:\n  ttl: .inf\n" + rule,
		"defaults:\n  ttl: .nan\n" + rule,
		"defaults:\n  ttl: 1e30\n" + rule,
		rule + "    ttl: 1.5\n",
		rule + "    ttl: -1s\n",
		rule + "    ttl: -2.5\n",
		rule + "    scale: .inf\n",
		rule + "    scale: -.inf\n",
		rule + "    scale: .nan\n",
		rule + "    scale: 1e3\n",
		// max_age is a time.Duration as ttl is
		"defaults:\n  summary_options:\n    max_age: 1.5\n" + rule,
		"defaults:\n  summary_options:\n    max_age: -1s\n" + rule,
		"defaults:\n  summary_options:\n    max_age: -10\n" + rule,
		"defaults:\n  summary_options:\n    max_age: .inf\n" + rule,
		"defaults:\n  summary_options:\n    max_age: 010\n" + rule,
		"defaults:\n  summary_options:\n    max_age: ~\n" + rule,
		rule + "    summary_options:\n      max_age: -1s\n",
		rule + "    observer_type: summary\n    summary_options:\n      max_age: 2.5\n",
		// YAML 1.1 numbers, booleans and nulls as yaml.v2 resolves them
		"defaults:\n  ttl: 010\n" + rule,
		"defaults:\n  ttl: 0x10\n" + rule,
		"defaults:\n  ttl: 0o17\n" + rule,
		"defaults:\n  ttl: 0b11\n" + rule,
		"defaults:\n  ttl: 1_000\n" + rule,
		"defaults:\n  ttl: 1__0_\n" + rule,
		"defaults:\n  ttl: 09\n" + rule,
		"defaults:\n  ttl: 1:30\n" + rule,
		"defaults:\n  ttl: ~\n" + rule,
		"defaults:\n  ttl:\n" + rule,
		"defaults:\n  ttl: !!str 1m\n" + rule,
		"defaults:\n  ttl: !!int \"10\"\n" + rule,
		"defaults:\n  ttl: true\n" + rule,
		"defaults:\n  ttl: 2001-12-14\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 010\n    age_buckets: 0x10\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 1_0\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: ~\n    age_buckets:\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: !!str 10\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: yes\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 0b1_0\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 1e3\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 1_0.5\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{quantile: ~, error: 0_1}]\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [010, 0x10, 1_000, .5, 1.]\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [1, ~]\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_bucket_factor: 0x2\n" + rule,
		rule + "    scale: 010\n",
		rule + "    scale: ~\n",
		rule + "    scale: 1_000\n",
		rule + "    scale: 0x1p-2\n",
		rule + "    scale: inf\n",
		rule + "    scale: Infinity\n",
		rule + "    scale: .Inf\n",
		rule + "    scale: .NaN\n",
		rule + "    scale: +1\n",
		rule + "    scale: 1e+3\n",
		rule + "    scale: yes\n",
		rule + "    scale: !!float 3\n",
		rule + "    scale: !!str 3\n",
		"defaults:\n  glob_disable_ordering: yes\n" + rule,
		"defaults:\n  glob_disable_ordering: y\n" + rule,
		"defaults:\n  glob_disable_ordering: N\n" + rule,
		"defaults:\n  glob_disable_ordering: on\n" + rule,
		"defaults:\n  glob_disable_ordering: Off\n" + rule,
		"defaults:\n  glob_disable_ordering: TRUE\n" + rule,
		"defaults:\n  glob_disable_ordering: tRUE\n" + rule,
		"defaults:\n  glob_disable_ordering: 1\n" + rule,
		"defaults:\n  glob_disable_ordering: ~\n" + rule,
		"defaults:\n  glob_disable_ordering: \"true\"\n" + rule,
		"defaults:\n  glob_disable_ordering: !!bool yes\n" + rule,
		rule + "    honor_labels: on\n",
		rule + "    match_metric_type: ~\n",
		rule + "    match_metric_type: \"\"\n",
		rule + "    action: ~\n",
		rule + "    match_type: ~\n",
		rule + "    observer_type: ~\n",
		rule + "    labels: ~\n",
		rule + "    labels: {xx: ~, yy: yes, zz: 010}\n",
		rule + "    help: ~\n",
		rule + "    summary_options: ~\n",
		"defaults: ~\n" + rule,
		"mappings: ~\n",
		"mappings:\n  - match: a.*\n    name: ~\n",
		"mappings:\n  - match: a.*\n    name: \"\"\n",
		"mappings:\n  - match: a.*\n    name: \"\"\n    action: drop\n",
		"mappings:\n  - match: ~\n    name: a\n",
		"mappings:\n  - match: a.*\n    name: yes\n",
		"mappings:\n  - match: a.*\n    name: !!str a\n",
	}
	// Files statsd_exporter refuses and Rosetta accepts, deliberately:
	// accepting them loses no file statsd_exporter reads.
	laxer := []struct{ data, why string }{
		{"defaults:\n  summary_options:\n    buf_cap: \"10\"\n" + rule, "a quoted number is the number (yaml.v2 will not read a string into a count)"},
		{"defaults:\n  ttl: \"10\"\n" + rule, "a quoted integer is nanoseconds, as the plain one"},
		{rule + "    scale: \"2\"\n", "a quoted scale is the number"},
		{"defaults:\n  ttl: 1d\n" + rule, "Prometheus durations (1d, 1w, 1y) besides Go's; time.ParseDuration has no d"},
		{rule + "    labels: {x: $1}\n", "a one-character label name is a valid Prometheus label name; statsd_exporter's check wants two characters"},
		{rule + "    timer_type: histogram\n", "timer_type, observer_type's older name in statsd_exporter, read as observer_type"},
	}
	for _, c := range laxer {
		var m mapper.MetricMapper
		if m.InitFromYAMLString(c.data) == nil {
			t.Errorf("%s\nstatsd_exporter accepts it now: test it with the others", c.data)
		}
		_, err := translateStatsdRules([]byte(c.data))
		if err != nil {
			t.Errorf("%s\nrosetta refuses it (%v), accepted because %s", c.data, err, c.why)
		}
	}
	for _, data := range files {
		checkStatsdVerdict(t, data)
	}
}

// translateStatsdRules translates a statsd_exporter mapping file and
// builds its rule set, as Rosetta loads one: the error of either step.
func translateStatsdRules(data []byte) (*normalize.RuleSetConfig, error) {
	rsc, err := TranslateStatsd("m.yml", data)
	if err == nil {
		_, err = normalize.NewRuleSet(*rsc)
	}
	return rsc, err
}

// checkStatsdVerdict fails t unless Rosetta accepts the statsd_exporter
// mapping file data exactly when statsd_exporter does.
func checkStatsdVerdict(t *testing.T, data string) {
	t.Helper()
	var m mapper.MetricMapper
	want := m.InitFromYAMLString(data)
	_, err := translateStatsdRules([]byte(data))
	if (err == nil) != (want == nil) {
		t.Errorf("%q\nstatsd_exporter: %v\nrosetta: %v", data, want, err)
	}
}

// TestBoundKeyErrors pins the message and line:col of each error of the
// native decoders that read a key -> destination table: unknown keys,
// duplicate keys and values of the wrong type, in global, mapping_files,
// defaults, a rule and its histogram and summary options.
func TestBoundKeyErrors(t *testing.T) {
	opts := Options{Library: testLibrary, ReadFile: func(string) ([]byte, error) { return []byte("mappings: []\n"), nil }}
	cases := []struct{ data, want string }{
		{"global:\n  series_limit: 1\n  ttl: 1m\n  tll: 1m\n  ttl: 2m\n  series_limit: x\ninputs:\n  - type: fake\n",
			`c.yml:4:3: global: unknown key "tll"` + "\n" + `c.yml:5:3: global: duplicate key "ttl"` + "\n" +
				`c.yml:6:3: global: duplicate key "series_limit"`},
		{"global:\n  series_limit: x\n  ttl: [1]\ninputs:\n  - type: fake\n",
			`c.yml:2:17: series_limit: invalid count "x" (want 0 to 1099511627776)` + "\n" + `c.yml:3:8: ttl: expected a value, got a list`},
		{"global: 3\ninputs:\n  - type: fake\n", `c.yml:1:9: global: expected a mapping, got "3"`},
		{"inputs:\n  - type: fake\n    mapping_files:\n      - {file: a.yml, fromat: statsd_exporter}\n      - {file: a.yml, file: b.yml}\n      - {file: [a]}\n",
			`c.yml:4:23: mapping_files: unknown key "fromat"` + "\n" + `c.yml:5:23: mapping_files: duplicate key "file"` + "\n" +
				`c.yml:6:16: file: expected a value, got a list` + "\n" + `c.yml:6:9: mapping_files: file is missing`},
		{"inputs:\n  - type: fake\n    defaults:\n      ttl: 1m\n      tttl: 1m\n      ttl: 2m\n      glob_disable_ordering: 3\n",
			`c.yml:5:7: defaults: unknown key "tttl"` + "\n" + `c.yml:6:7: defaults: duplicate key "ttl"` + "\n" +
				`c.yml:7:30: glob_disable_ordering: invalid boolean "3"`},
		{"inputs:\n  - type: fake\n    defaults:\n      histogram_options: {buckets: [1], bucket: [2], native_histogram_max_buckets: -1}\n      summary_options: {quantiles: [{quantile: 0.5, eror: 1}], buf_cap: 1, buf_cap: 2, age_buckets: x}\n",
			"c.yml:4:41: histogram_options: unknown key \"bucket\"\n" +
				"c.yml:4:84: native_histogram_max_buckets: invalid count \"-1\" (want 0 to 4294967295)\n" +
				"c.yml:5:53: quantiles: unknown key \"eror\"\n" +
				"c.yml:5:76: summary_options: duplicate key \"buf_cap\"\n" +
				"c.yml:5:101: age_buckets: invalid count \"x\" (want 0 to 4294967295)"},
		{"inputs:\n  - type: fake\n    rules:\n      - match: a.*\n        nme: b\n        match: b.*\n        series_limit: x\n        scale: y\n        histogram_options: {buckts: [1]}\n",
			`c.yml:5:9: rule 1 ("b.*"): rule: unknown key "nme"` + "\n" +
				`c.yml:6:9: rule 1 ("b.*"): rule: duplicate key "match"` + "\n" +
				`c.yml:7:23: rule 1 ("b.*"): series_limit: invalid count "x" (want 0 to 2147483647)` + "\n" +
				`c.yml:8:16: rule 1 ("b.*"): scale: invalid number "y"` + "\n" +
				`c.yml:9:29: rule 1 ("b.*"): histogram_options: unknown key "buckts"`},
	}
	reg := testRegistry(t)
	for _, tc := range cases {
		_, err := CheckData(reg, opts, "c.yml", []byte(tc.data))
		got := "<nil>"
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s\ngot:\n%s\nwant:\n%s", tc.data, got, tc.want)
		}
	}
}

// TestBoundKeyDefaults: a key not given keeps its destination's default,
// in the blocks the native decoders read with tables.
func TestBoundKeyDefaults(t *testing.T) {
	cfg, err := Parse("c.yml", []byte("inputs:\n  - type: fake\n    rules:\n      - match: a.*\n        observer_type: histogram\n        histogram_options: {buckets: [1]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Inputs[0].Rules.Rules[0]
	if r.Scale != nil || r.Summary != nil || r.Histogram == nil || r.Histogram.NativeBucketFactor != 0 || r.Histogram.NativeMaxBuckets != 0 ||
		r.TTL != 0 || r.SeriesLimit != 0 || r.Name != "" || r.Labels != nil || r.Action != normalize.ActionMap || r.TypeSet {
		t.Errorf("rule %+v", r)
	}
	if cfg.Global.TTL != 0 || cfg.Global.SeriesLimit != 0 {
		t.Errorf("global %+v", cfg.Global)
	}
	if !strings.Contains(cfg.Inputs[0].Rules.Rules[0].Pos.String(), "c.yml:4:9") {
		t.Errorf("rule position %v", cfg.Inputs[0].Rules.Rules[0].Pos)
	}
}

// TestStatsdNumbersAsPeer: the numbers yaml.v2 reads into
// statsd_exporter's fields from floats and negative durations, as its
// mapper reads them and as Rosetta carries them (a negative ttl, which
// statsd_exporter's sweep removes at once, as a 1ns one; a rule under a
// negative default ttl keeps its series, which Rosetta says with
// statsdNoTTL).
func TestStatsdNumbersAsPeer(t *testing.T) {
	rule := "mappings:\n  - match: a.*\n    name: a\n"
	// a value as statsd_exporter's mapper reads it and as Rosetta's
	// decoder does
	type read struct {
		data       string
		peer       func(*mapper.MetricMapper) any
		rosetta    func(*normalize.RuleSetConfig) any
		peerWant   any
		rosettaOut any
	}
	maxBuckets := func(m *mapper.MetricMapper) any { return m.Defaults.HistogramOptions.NativeHistogramMaxBuckets }
	bufCap := func(m *mapper.MetricMapper) any { return m.Defaults.SummaryOptions.BufCap }
	defTTL := func(m *mapper.MetricMapper) any { return m.Defaults.Ttl }
	ruleTTL := func(m *mapper.MetricMapper) any { return m.Mappings[0].Ttl }
	scale := func(m *mapper.MetricMapper) any { return fmt.Sprint(m.Mappings[0].Scale.Val) }
	maxAge := func(m *mapper.MetricMapper) any { return m.Defaults.SummaryOptions.MaxAge }
	globOrder := func(m *mapper.MetricMapper) any { return m.Defaults.GlobDisableOrdering }
	rMaxAge := func(c *normalize.RuleSetConfig) any { return c.Defaults.Summary.MaxAge }
	rGlobOrder := func(c *normalize.RuleSetConfig) any { return c.Defaults.GlobDisableOrdering }
	rMaxBuckets := func(c *normalize.RuleSetConfig) any { return c.Defaults.Histogram.NativeMaxBuckets }
	rBufCap := func(c *normalize.RuleSetConfig) any { return c.Defaults.Summary.BufCap }
	rDefTTL := func(c *normalize.RuleSetConfig) any { return c.Defaults.TTL }
	rRuleTTL := func(c *normalize.RuleSetConfig) any { return c.Rules[0].TTL }
	rScale := func(c *normalize.RuleSetConfig) any { return fmt.Sprint(*c.Rules[0].Scale) }
	for _, tc := range []read{
		{"defaults:\n  histogram_options:\n    native_histogram_max_buckets: 10.0\n" + rule, maxBuckets, rMaxBuckets, uint32(10), uint32(10)},
		{"defaults:\n  histogram_options:\n    native_histogram_max_buckets: 4294967295.5\n" + rule, maxBuckets, rMaxBuckets, uint32(4294967295), uint32(4294967295)},
		{"defaults:\n  summary_options:\n    buf_cap: 2.7\n" + rule, bufCap, rBufCap, uint32(2), uint32(2)},
		{"defaults:\n  summary_options:\n    buf_cap: -0.5\n" + rule, bufCap, rBufCap, uint32(0), uint32(0)},
		{"defaults:\n  ttl: 1.5\n" + rule, defTTL, rDefTTL, time.Nanosecond, time.Nanosecond},
		{"defaults:\n  ttl: 1.5\n" + rule, ruleTTL, rRuleTTL, time.Nanosecond, time.Duration(0)}, // inherited later (applyDefaults)
		{"defaults:\n  ttl: -1s\n" + rule, defTTL, rDefTTL, -time.Second, time.Nanosecond},
		{"defaults:\n  ttl: -1s\n" + rule, ruleTTL, rRuleTTL, time.Duration(0), statsdNoTTL},
		{"defaults:\n  ttl: -.inf\n" + rule, defTTL, rDefTTL, time.Duration(math.MinInt64), time.Nanosecond},
		{rule + "    ttl: -1s\n", ruleTTL, rRuleTTL, -time.Second, time.Nanosecond},
		{rule + "    ttl: -2.5\n", ruleTTL, rRuleTTL, -2 * time.Nanosecond, time.Nanosecond},
		{rule + "    ttl: 1.5\n", ruleTTL, rRuleTTL, time.Nanosecond, time.Nanosecond},
		{rule + "    scale: .inf\n", scale, rScale, "+Inf", "+Inf"},
		{rule + "    scale: -.inf\n", scale, rScale, "-Inf", "-Inf"},
		{rule + "    scale: .nan\n", scale, rScale, "NaN", "NaN"},
		{rule + "    scale: 010\n", scale, rScale, "8", "8"},
		{rule + "    scale: 1_000\n", scale, rScale, "1000", "1000"},
		{rule + "    scale: 0x10\n", scale, rScale, "16", "16"},
		{"defaults:\n  ttl: 010\n" + rule, defTTL, rDefTTL, 8 * time.Nanosecond, 8 * time.Nanosecond},
		{"defaults:\n  ttl: 0b11\n" + rule, defTTL, rDefTTL, 3 * time.Nanosecond, 3 * time.Nanosecond},
		{"defaults:\n  ttl: 1_000\n" + rule, defTTL, rDefTTL, time.Microsecond, time.Microsecond},
		{"defaults:\n  ttl: ~\n" + rule, defTTL, rDefTTL, time.Duration(0), time.Duration(0)},
		{"defaults:\n  summary_options:\n    buf_cap: 010\n" + rule, bufCap, rBufCap, uint32(8), uint32(8)},
		{"defaults:\n  summary_options:\n    buf_cap: 1_0.5\n" + rule, bufCap, rBufCap, uint32(10), uint32(10)},
		{"defaults:\n  summary_options:\n    max_age: 1.5\n" + rule, maxAge, rMaxAge, time.Nanosecond, time.Nanosecond},
		{"defaults:\n  summary_options:\n    max_age: -1s\n" + rule, maxAge, rMaxAge, -time.Second, -time.Second},
		{"defaults:\n  summary_options:\n    max_age: 010\n" + rule, maxAge, rMaxAge, 8 * time.Nanosecond, 8 * time.Nanosecond},
		{"defaults:\n  glob_disable_ordering: y\n" + rule, globOrder, rGlobOrder, true, true},
		{"defaults:\n  glob_disable_ordering: on\n" + rule, globOrder, rGlobOrder, true, true},
	} {
		var m mapper.MetricMapper
		if err := m.InitFromYAMLString(tc.data); err != nil {
			t.Errorf("%s\nstatsd_exporter: %v", tc.data, err)
			continue
		}
		rsc, err := translateStatsdRules([]byte(tc.data))
		if err != nil {
			t.Errorf("%s\nrosetta: %v", tc.data, err)
			continue
		}
		if got := tc.peer(&m); got != tc.peerWant {
			t.Errorf("%s\nstatsd_exporter reads %v, want %v", tc.data, got, tc.peerWant)
		}
		if got := tc.rosetta(rsc); got != tc.rosettaOut {
			t.Errorf("%s\nrosetta reads %v, want %v", tc.data, got, tc.rosettaOut)
		}
	}
}

// TestNativeNumbersStrict: Rosetta's own rules keep refusing what
// TestStatsdNumbersAsPeer reads from statsd_exporter files.
func TestNativeNumbersStrict(t *testing.T) {
	opts := Options{Library: testLibrary, ReadFile: func(string) ([]byte, error) { return []byte("mappings: []\n"), nil }}
	reg := testRegistry(t)
	for _, v := range []string{
		"scale: .inf", "scale: .nan", "ttl: -1s", "ttl: 1.5",
		"summary_options: {buf_cap: 2.7}", "histogram_options: {native_histogram_max_buckets: 10.0}",
	} {
		data := "inputs:\n  - type: fake\n    rules:\n      - match: a.*\n        name: a\n        " + v + "\n"
		if _, err := CheckData(reg, opts, "c.yml", []byte(data)); err == nil {
			t.Errorf("%s: accepted", v)
		}
	}
}

// TestNativeNullOptions: in Rosetta's own rules, summary_options: ~ (or
// histogram_options: ~) is given options, refused beside the other
// observer type as any options are; only a statsd_exporter file reads null
// as not given (yaml.v2 leaves the pointer nil), as statsd_exporter does.
func TestNativeNullOptions(t *testing.T) {
	opts := Options{Library: testLibrary, ReadFile: func(string) ([]byte, error) { return []byte("mappings: []\n"), nil }}
	reg := testRegistry(t)
	for _, v := range []string{
		"observer_type: histogram\n        summary_options: ~",
		"observer_type: summary\n        histogram_options: ~",
	} {
		data := "inputs:\n  - type: fake\n    rules:\n      - match: a.*\n        name: a\n        " + v + "\n"
		if _, err := CheckData(reg, opts, "c.yml", []byte(data)); err == nil || !strings.Contains(err.Error(), "at the same time") {
			t.Errorf("%q: got %v, want refused (at the same time)", v, err)
		}
		statsd := "mappings:\n  - match: a.*\n    name: a\n    " + strings.ReplaceAll(v, "\n        ", "\n    ") + "\n"
		_, err := translateStatsdRules([]byte(statsd))
		if err != nil {
			t.Errorf("statsd_exporter file %q: %v", statsd, err)
		}
	}
}

// TestStatsdNegativeMaxAge: statsd_exporter accepts a negative max_age
// and then dies on the first observation into such a summary
// (client_golang's newSummary panics "illegal max age", uncaught: see
// TestStatsdExporterNegativeMaxAge in cmd/rosetta); it accepts a quantile
// outside [0, 1] and then fails every scrape once such a summary has an
// observation (perks indexes outside its buffer; net/http recovers).
// Rosetta accepts the files and refuses each such observation
// (negative_summary_max_age, invalid_summary_quantile); counters, gauges
// and histograms of the same rules go on. A quantile error outside [0, 1]
// works in statsd_exporter, and in Rosetta.
func TestStatsdNegativeMaxAge(t *testing.T) {
	data := "defaults:\n  summary_options:\n    max_age: -1s\nmappings:\n" +
		"  - match: a.*\n    name: a_${1}\n" +
		"  - match: h.*\n    name: h_${1}\n    observer_type: histogram\n" +
		"  - match: p.*\n    name: p_${1}\n    summary_options:\n      max_age: 1m\n" +
		"  - match: n.*\n    name: n_${1}\n    observer_type: summary\n    summary_options:\n      max_age: -2.5\n" +
		"  - match: q.*\n    name: q_${1}\n    summary_options:\n      max_age: 1m\n      quantiles: [{quantile: 0.5, error: 0.1}, {quantile: 1.5, error: 0.1}]\n" +
		"  - match: e.*\n    name: e_${1}\n    summary_options:\n      max_age: 1m\n      quantiles: [{quantile: 0.5, error: 2}, {quantile: 0.9, error: -1}]\n"
	var m mapper.MetricMapper
	if err := m.InitFromYAMLString(data); err != nil {
		t.Fatalf("statsd_exporter: %v", err)
	}
	rsc, err := TranslateStatsd("m.yml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := normalize.NewRuleSet(*rsc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		match   string
		typ     normalize.Type
		invalid bool
	}{
		{"a.t", normalize.TypeObserver, true},
		{"a.c", normalize.TypeCounter, false},
		{"a.g", normalize.TypeGauge, false},
		{"h.t", normalize.TypeObserver, false},
		{"p.t", normalize.TypeObserver, false},
		{"n.t", normalize.TypeObserver, true},
		{"other", normalize.TypeObserver, true}, // unmatched: the defaults' summary
		{"other", normalize.TypeCounter, false},
		{"q.t", normalize.TypeObserver, true},
		{"q.c", normalize.TypeCounter, false},
		{"e.t", normalize.TypeObserver, false},
	} {
		res := rs.Explain(normalize.Record{Match: tc.match, Type: tc.typ, Value: 1, Delta: tc.typ == normalize.TypeCounter})
		if got := res.Outcome == normalize.OutcomeInvalid; got != tc.invalid {
			t.Errorf("%s %v: %v %q, want invalid %v", tc.match, tc.typ, res.Outcome, res.Reason, tc.invalid)
		}
		if want := negativeMaxAgeReason; tc.invalid && res.Reason != want && !(tc.match == "q.t" && res.Reason == "invalid_summary_quantile") {
			t.Errorf("%s: reason %q", tc.match, res.Reason)
		}
	}
}

const negativeMaxAgeReason = "negative_summary_max_age"
