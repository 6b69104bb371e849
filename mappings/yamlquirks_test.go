package mappings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/statsd_exporter/pkg/mapper"
)

// TestDifferentialStatsdYAMLQuirks: YAML 1.1 and yaml.v2 constructs in
// statsd_exporter mapping files (documents, anchors, merge keys, tags,
// duplicate keys, BOM, tabs, flow styles, nulls, keys of other types):
// Rosetta accepts a file exactly when statsd_exporter's mapper does.
func TestDifferentialStatsdYAMLQuirks(t *testing.T) {
	rule := "mappings:\n  - match: a.*\n    name: a\n"
	files := []string{
		// documents
		"---\n" + rule,
		rule + "...\n",
		"---\n" + rule + "---\nmappings: []\n",
		"---\n" + rule + "---\nfoo: 1\n",
		"---\n---\n" + rule,
		"# only a comment\n",
		"---\n",
		"~\n",
		"null\n",
		"[]\n",
		"3\n",
		"\"\"\n",
		"%YAML 1.1\n---\n" + rule,
		"%YAML 1.2\n---\n" + rule,
		"%TAG !e! tag:example.com,2000:\n---\n" + rule,
		// byte order mark, tabs, line ends
		"\ufeff" + rule,
		"mappings:\n  - match: a.*\n    name:\ta\n",
		"mappings:\n  - match: a.*\n\tname: a\n",
		"mappings:\r\n  - match: a.*\r\n    name: a\r\n",
		"mappings:\r  - match: a.*\r    name: a\r",
		"mappings: [{match: a.*, name: a}]\n",
		"{mappings: [{match: a.*, name: a}]}\n",
		"mappings:\n- match: a.*\n  name: a\n",
		"mappings:\n  - {match: a.*,\n     name: a}\n",
		"mappings:\n  - match: >-\n      a.*\n    name: |-\n      a\n",
		"mappings:\n  - match: |\n      a.*\n    name: a\n",
		"mappings:\n  - match: 'a.*'\n    name: \"a\"\n",
		"mappings:\n  - match: a.*   # comment\n    name: a#b\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      xx: \"\\u00e9\"\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      xx: \"\\x41\"\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      xx: \"\\N\"\n",
		// anchors, aliases, merge keys
		"defaults: &d\n  ttl: 1m\n" + rule,
		"x: &d {ttl: 1m}\ndefaults: *d\n" + rule,
		"defaults: {ttl: &t 1m}\nmappings:\n  - match: a.*\n    name: a\n    ttl: *t\n",
		"mappings:\n  - &r {match: a.*, name: a}\n  - *r\n",
		"mappings:\n  - &r {match: a.*, name: a}\n  - <<: *r\n    match: b.*\n",
		"mappings:\n  - &r {match: a.*, name: a}\n  - <<: [*r]\n    match: b.*\n",
		"mappings:\n  - match: a.*\n    <<: {name: a}\n    name: b\n",
		"mappings:\n  - match: a.*\n    name: a\n    <<: {name: b}\n",
		"mappings:\n  - match: a.*\n    <<: [{name: a}, {name: b}]\n",
		"mappings:\n  - match: a.*\n    <<: [{name: a}, {nme: b}]\n",
		"mappings:\n  - match: a.*\n    <<: 3\n    name: a\n",
		"mappings:\n  - match: a.*\n    <<: ~\n    name: a\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      <<: {xx: y}\n      yy: z\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      <<: {xx: y}\n      xx: z\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      xx: z\n      <<: {xx: y}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      <<: [{xx: y}, {xx: z}]\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      <<: {xx: y}\n      <<: {yy: z}\n",
		"mappings:\n  - match: a.*\n    <<: {name: a}\n    <<: {help: b}\n",
		"mappings:\n  - match: a.*\n    <<: [{name: a}, {name: b}]\n    name: c\n",
		"mappings:\n  - &r {match: b.*, name: r, labels: {xx: a}}\n  - match: a.*\n    <<: *r\n    labels: {xx: b}\n",
		"mappings:\n  - &r {match: b.*, name: r, labels: {xx: a}}\n  - match: a.*\n    labels: {xx: b}\n    <<: *r\n",
		"mappings:\n  - match: a.*\n    name: *x\n",
		"<<: {mappings: [{match: a.*, name: a}]}\n",
		"defaults:\n  <<: {ttl: 1m}\n  ttl: 2m\n" + rule,
		"defaults:\n  summary_options:\n    <<: {buf_cap: 2}\n" + rule,
		// tags
		"mappings:\n  - match: !!str a.*\n    name: !!str a\n",
		"mappings:\n  - !!map {match: a.*, name: a}\n",
		"mappings: !!seq\n  - match: a.*\n    name: a\n",
		"mappings:\n  - match: a.*\n    name: !!int 3\n",
		"mappings:\n  - match: a.*\n    name: !custom a\n",
		"mappings:\n  - match: a.*\n    name: !<tag:yaml.org,2002:str> a\n",
		"mappings:\n  - match: a.*\n    name: !!binary YWJj\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: !!omap [{xx: y}]\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: !!set {xx: y}\n",
		"mappings:\n  - match: a.*\n    name: a\n    honor_labels: !!str true\n",
		"mappings:\n  - match: a.*\n    name: a\n    help: !!null\n",
		"mappings:\n  - match: a.*\n    name: a\n    help: !!float 3\n",
		"!!str mappings:\n  - match: a.*\n    name: a\n",
		// duplicate keys, keys of other types
		"mappings: []\n" + rule,
		"mappings:\n  - match: a.*\n    name: a\n    labels: {xx: a, xx: b}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {xx: a, \"xx\": b}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {yes: a, \"yes\": b}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {yes: a}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {on: a, off: b, null: c}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {10: a}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {x1: a, x01: b}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {[a]: b}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {? xx : a}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels:\n      ? xx\n      : a\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {xx}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {xx: [a]}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {xx: 1.50}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {xx: 0x1F}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {xx: 2001-12-14}\n",
		"mappings:\n  - match: a.*\n    name: a\n    \"name\": b\n",
		"mappings:\n  - match: a.*\n    name: a\n    Name: b\n",
		"mappings:\n  - match: a.*\n    name: a\n    ~: b\n",
		"mappings:\n  - match: a.*\n    name: a\n    1: b\n",
		"mappings:\n  - match: a.*\n    name: a\n    true: b\n",
		"mappings:\n  - match: a.*\n    name: a\n    yes: b\n",
		"mappings:\n  - match: a.*\n    name: a\n    help: yes\n",
		"mappings:\n  - match: a.*\n    name: a\n    help: 0x10\n",
		"mappings:\n  - match: a.*\n    name: a\n    help: [a]\n",
		"mappings:\n  - match: a.*\n    name: a\n    action: DROP\n",
		"mappings:\n  - match: a.*\n    name: a\n    match_type: Glob\n",
		"mappings:\n  - match: a.*\n    name: a\n    match_type: \"\"\n",
		"mappings:\n  - match: a.*\n    name: a\n    observer_type: \"\"\n",
		"mappings:\n  - match: a.*\n    name: a\n    action: \"\"\n",
		"mappings:\n  - match: 1.5\n    name: a\n",
		"mappings:\n  - match: a.*\n    name: a1\n",
		"mappings:\n  - match: a.*\n    name: 1a\n",
		// unknown keys at each level
		"foo: 1\n" + rule,
		"defaults:\n  foo: 1\n" + rule,
		"Mappings: []\n" + rule,
		"mappings:\n  - match: a.*\n    name: a\n    histogram_options: ~\n",
		"mappings:\n  - match: a.*\n    name: a\n    observer_type: histogram\n    histogram_options: {}\n",
		"mappings:\n  - match: a.*\n    name: a\n    observer_type: histogram\n    summary_options: ~\n",
		"mappings:\n  - match: a.*\n    name: a\n    observer_type: histogram\n    summary_options: {}\n",
		"mappings:\n  - match: a.*\n    name: a\n    observer_type: summary\n    histogram_options: {}\n",
		"mappings:\n  - match: a.*\n    name: a\n    histogram_options: {}\n",
		"mappings:\n  - ~\n",
		"mappings:\n  - \n",
		"mappings:\n  - []\n",
		"mappings:\n  - a\n",
		"mappings: {}\n",
		"mappings: a\n",
		"defaults: []\n" + rule,
		"defaults: \"\"\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: ~\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [~]\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{}]\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: []\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: []\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [2, 1]\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [1, 1]\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [.nan]\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [.inf]\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: [-.inf, 1]\n" + rule,
		"defaults:\n  histogram_options:\n    buckets: {a: 1}\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_bucket_factor: 1\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_bucket_factor: 0.5\n" + rule,
		"defaults:\n  histogram_options:\n    native_histogram_bucket_factor: -1\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{quantile: 2, error: 0.1}]\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{quantile: 0.5, error: 2}]\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{quantile: -0.5, error: 0.1}]\n" + rule,
		"defaults:\n  summary_options:\n    quantiles: [{quantile: .nan}]\n" + rule,
		"defaults:\n  summary_options:\n    age_buckets: 0\n    buf_cap: 0\n" + rule,
		"defaults:\n  ttl: 1h1m1s1ms1us1ns\n" + rule,
		"defaults:\n  ttl: 1µs\n" + rule,
		"defaults:\n  ttl: +1m\n" + rule,
		"defaults:\n  ttl: .5m\n" + rule,
		"defaults:\n  ttl: 1M\n" + rule,
		"defaults:\n  ttl: 0\n" + rule,
		"defaults:\n  ttl: -0\n" + rule,
		"defaults:\n  ttl: 9223372036854775807\n" + rule,
		"defaults:\n  ttl: 9223372036854775808\n" + rule,
		"defaults:\n  ttl: -9223372036854775808\n" + rule,
		"defaults:\n  ttl: 18446744073709551615\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 18446744073709551615\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 0x100000000\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: -0\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: +5\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 5.\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: .5\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 5e0\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 5E+0\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 0.5e1\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 1:30\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: -0b1\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 0B1\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 0X1F\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 0O17\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 08\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 0_8\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: _8\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 8_\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 0x_1F\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 1e\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: true\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: 'yes'\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: !!float 5\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: !!int 5.5\n" + rule,
		"defaults:\n  summary_options:\n    buf_cap: !!int 0x10\n" + rule,
		"defaults:\n  glob_disable_ordering: 0\n" + rule,
		"defaults:\n  glob_disable_ordering: 'no'\n" + rule,
		"defaults:\n  glob_disable_ordering: NO\n" + rule,
		"defaults:\n  glob_disable_ordering: nO\n" + rule,
		"defaults:\n  glob_disable_ordering: Yes\n" + rule,
		"defaults:\n  glob_disable_ordering: \"\"\n" + rule,
		"defaults:\n  glob_disable_ordering: !!bool true\n" + rule,
		"defaults:\n  glob_disable_ordering: !!bool \"on\"\n" + rule,
		"defaults:\n  glob_disable_ordering: !!str true\n" + rule,
		"mappings:\n  - match: a.*\n    name: a\n    scale: 1:30\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: \"\"\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 1,5\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 1.5.\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: -.5\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: -0x10\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 1e-400\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 1e400\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 18446744073709551616\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: .INF\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: .iNf\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: NaN\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 1_000.5\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 1__0\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 0b11\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: 2001-12-14\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: !!int 3\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: !!float \"3\"\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: [1]\n",
		"mappings:\n  - match: a.*\n    name: a\n    scale: {}\n",
	}
	for _, data := range files {
		checkStatsdVerdict(t, data)
	}
}

// TestStatsdMergeOrderAsPeer: yaml.v2 decodes a merge key where it stands
// in the mapping (a key merged after an explicit one overrides it; of a
// list of merged mappings the first wins), and Rosetta reads the same
// name, help and labels.
func TestStatsdMergeOrderAsPeer(t *testing.T) {
	for _, data := range []string{
		"mappings:\n  - match: a.*\n    name: c\n    <<: {name: a}\n",
		"mappings:\n  - match: a.*\n    <<: {name: a}\n    name: c\n",
		"mappings:\n  - match: a.*\n    <<: [{name: a}, {name: b}]\n",
		"mappings:\n  - match: a.*\n    name: c\n    <<: [{name: a, help: x}, {name: b, help: y}]\n    help: z\n",
		"mappings:\n  - match: a.*\n    name: c\n    <<: {help: x, <<: {name: d}}\n",
		"mappings:\n  - &r {match: b.*, name: r, labels: {xx: a}}\n  - match: a.*\n    <<: *r\n    labels: {yy: b}\n",
		"mappings:\n  - match: a.*\n    name: a\n    labels: {<<: [{xx: a}, {yy: b}], zz: c}\n",
		"mappings:\n  - &r {match: b.*, name: r, labels: {xx: a}, summary_options: {buf_cap: 3, max_age: 1m}}\n  - match: a.*\n    <<: *r\n    summary_options: {max_age: 2m}\n",
		"mappings:\n  - match: a.*\n    name: a\n    summary_options: {buf_cap: 3, quantiles: [{quantile: 0.5}]}\n    <<: {summary_options: {quantiles: [{quantile: 0.9}]}}\n",
		"defaults: {summary_options: {buf_cap: 3}, <<: {summary_options: {age_buckets: 2}}}\nmappings:\n  - match: a.*\n    name: a\n",
		"mappings:\n  - &r {match: b.*, name: r, labels: {xx: a}}\n  - match: a.*\n    labels: {yy: b}\n    <<: *r\n",
	} {
		var m mapper.MetricMapper
		if err := m.InitFromYAMLString(data); err != nil {
			t.Errorf("%q\nstatsd_exporter: %v", data, err)
			continue
		}
		rsc, err := TranslateStatsd("m.yml", []byte(data))
		if err != nil {
			t.Errorf("%q\nrosetta: %v", data, err)
			continue
		}
		last := len(m.Mappings) - 1
		pm, r := m.Mappings[last], rsc.Rules[last]
		labels := map[string]string{}
		for _, l := range r.Labels {
			labels[l.Name] = l.Value
		}
		if len(pm.Labels) == 0 {
			pm.Labels = map[string]string{}
		}
		if pm.Name != r.Name || pm.HelpText != r.Help || fmt.Sprint(map[string]string(pm.Labels)) != fmt.Sprint(labels) {
			t.Errorf("%q\nstatsd_exporter: name %q help %q labels %v\nrosetta: name %q help %q labels %v",
				data, pm.Name, pm.HelpText, pm.Labels, r.Name, r.Help, labels)
		}
		// summary options as given (before the defaults fill them in)
		var ps, rs string
		if o := pm.SummaryOptions; o != nil && rsc.Rules[last].Summary != nil {
			ps = fmt.Sprint(o.MaxAge, o.BufCap, len(o.Quantiles))
			ro := rsc.Rules[last].Summary
			rs = fmt.Sprint(ro.MaxAge, ro.BufCap, len(ro.Quantiles))
			if len(o.Quantiles) > 0 && len(ro.Quantiles) > 0 {
				ps += fmt.Sprint(o.Quantiles[0].Quantile)
				rs += fmt.Sprint(ro.Quantiles[0].Quantile)
			}
		}
		pd := m.Defaults.SummaryOptions
		ps += fmt.Sprint(" defaults ", pd.BufCap, pd.AgeBuckets)
		rs += fmt.Sprint(" defaults ", rsc.Defaults.Summary.BufCap, rsc.Defaults.Summary.AgeBuckets)
		if ps != rs {
			t.Errorf("%q\nsummary options: statsd_exporter %s, rosetta %s", data, ps, rs)
		}
	}
}

// TestStatsdMergeBomb: merge keys of aliases of aliases multiply; the
// decoder stops at maxMerged keys instead of walking them all.
func TestStatsdMergeBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("mappings:\n  - &l0 {match: a.*, name: a}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "  - &l%d {match: a%d.*, name: a, <<: [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]}\n")
	}
	_, err := TranslateStatsd("m.yml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "excessive aliasing") {
		t.Errorf("err %v", err)
	}
}
