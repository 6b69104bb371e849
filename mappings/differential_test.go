package mappings

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/statsd_exporter/pkg/mapper"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// decision is what a mapper decides for one (name, type), in terms both
// statsd_exporter's mapper and ours can be compared on.
type decision struct {
	Matched    bool
	Drop       bool
	Name       string
	Labels     map[string]string
	Help       string
	Observer   string
	Buckets    []float64
	Factor     float64
	MaxBuckets uint32
	Quantiles  []normalize.Objective
	TTL        string
	Scale      float64
}

var statsdTypes = []struct {
	m mapper.MetricType
	t normalize.Type
}{
	{mapper.MetricTypeCounter, normalize.TypeCounter},
	{mapper.MetricTypeGauge, normalize.TypeGauge},
	{mapper.MetricTypeObserver, normalize.TypeObserver},
}

// oracle computes the decision with statsd_exporter's mapper, resolving
// options the way its exporter and registry do.
func oracle(m *mapper.MetricMapper, name string, mt mapper.MetricType) decision {
	mapping, labels, present := m.GetMapping(name, mt)
	d := decision{Matched: present, Scale: 1}
	if mapping == nil {
		mapping = &mapper.MetricMapping{Ttl: m.Defaults.Ttl}
	}
	if mapping.Action == mapper.ActionTypeDrop {
		d.Drop = true
		return d
	}
	d.Name = mapper.EscapeMetricName(name)
	if present {
		d.Name = mapper.EscapeMetricName(mapping.Name)
		d.Labels = map[string]string(labels)
		if len(d.Labels) == 0 {
			d.Labels = nil
		}
	}
	d.Help = mapping.HelpText
	if mapping.Scale.Set {
		d.Scale = mapping.Scale.Val
	}
	d.TTL = mapping.Ttl.String()
	if mt != mapper.MetricTypeObserver {
		return d
	}
	t := mapping.ObserverType
	if t == "" {
		t = m.Defaults.ObserverType
	}
	switch t {
	case mapper.ObserverTypeHistogram:
		d.Observer = "histogram"
		d.Buckets = m.Defaults.HistogramOptions.Buckets
		d.Factor = m.Defaults.HistogramOptions.NativeHistogramBucketFactor
		d.MaxBuckets = m.Defaults.HistogramOptions.NativeHistogramMaxBuckets
		if h := mapping.HistogramOptions; h != nil {
			if len(h.Buckets) > 0 {
				d.Buckets = h.Buckets
			}
			if h.NativeHistogramBucketFactor > 0 {
				d.Factor = h.NativeHistogramBucketFactor
			}
			if h.NativeHistogramMaxBuckets > 0 {
				d.MaxBuckets = h.NativeHistogramMaxBuckets
			}
		}
	default:
		d.Observer = "summary"
		qs := m.Defaults.SummaryOptions.Quantiles
		if mapping.SummaryOptions != nil && len(mapping.SummaryOptions.Quantiles) > 0 {
			qs = mapping.SummaryOptions.Quantiles
		}
		for _, q := range qs {
			d.Quantiles = append(d.Quantiles, normalize.Objective{Quantile: q.Quantile, Error: q.Error})
		}
	}
	return d
}

func ours(rs *normalize.RuleSet, name string, t normalize.Type) decision {
	res := rs.Explain(normalize.Record{Match: name, Type: t, Value: 1, Delta: t == normalize.TypeCounter})
	d := decision{Matched: res.Rule != nil, Scale: 1}
	if res.Outcome == normalize.OutcomeDropped {
		d.Drop = true
		return d
	}
	if res.Outcome == normalize.OutcomeInvalid {
		d.Name = "<invalid: " + res.Reason + ">"
		return d
	}
	s := res.Sample
	d.Name = s.Name
	for _, l := range s.Labels {
		if d.Labels == nil {
			d.Labels = map[string]string{}
		}
		d.Labels[l.Name] = l.Value
	}
	d.Help = s.Help
	if s.Value != 1 {
		d.Scale = s.Value
	}
	d.TTL = s.Opts.TTL.String()
	if t != normalize.TypeObserver {
		return d
	}
	switch s.Opts.Observer {
	case normalize.ObserverHistogram:
		d.Observer = "histogram"
		d.Buckets, d.Factor, d.MaxBuckets = s.Opts.Buckets, s.Opts.NativeBucketFactor, s.Opts.NativeMaxBuckets
	default:
		d.Observer = s.Opts.Observer.String()
		d.Quantiles = s.Opts.Objectives
	}
	return d
}

var vocabulary = []string{
	"test", "dispatcher", "signup", "app", "http", "get", "POST", "200", "500", "duration", "size",
	"db", "users", "latency", "queries", "cache", "hits", "misses", "drop", "debug", "user", "alice",
	"login", "queue", "jobs", "depth", "svc", "api", "requests", "errors", "timeout", "jvm", "memory",
	"heap", "used", "gc", "g1", "time", "threads", "live", "kafka", "topic", "0", "lag", "a", "b", "c",
	"x", "y", "z", "nginx", "status", "deep", "r", "42", "regex", "foo", "bar", "timing", "auth",
	"check_in", "drop_me", "counter_only", "gauge", "value", "hist", "foo-bar", "Ab--c", "", "ü",
}

func randomName(rng *rand.Rand) string {
	n := 1 + rng.IntN(7)
	segs := make([]string, n)
	for i := range segs {
		segs[i] = vocabulary[rng.IntN(len(vocabulary))]
	}
	return strings.Join(segs, ".")
}

// otherDefaults is a Rosetta rule file with only defaults, each unlike
// statsd_exporter's.
const otherDefaults = "defaults:\n  match_type: regex\n  regex_dialect: java\n  observer_type: histogram\n  ttl: 1m\n" +
	"  histogram_options: {buckets: [1, 2]}\n  summary_options: {quantiles: [{quantile: 0.3, error: 0.1}]}\n"

// TestDifferentialStatsdMapper loads one statsd_exporter mapping file into
// statsd_exporter's mapper and into ours and compares the decisions for
// many names and every metric type.
func TestDifferentialStatsdMapper(t *testing.T) {
	for _, file := range []string{"testdata/statsd_mapping.yml", "testdata/statsd_unordered.yml", "testdata/anchors.good.yml"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var m mapper.MetricMapper
			if err := m.InitFromYAMLString(string(data)); err != nil {
				t.Fatalf("statsd_exporter rejects %s: %v", file, err)
			}
			rsc, err := TranslateStatsd(file, data)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := normalize.NewRuleSet(*rsc)
			if err != nil {
				t.Fatal(err)
			}
			// The same file referenced from a config, as --statsd.mapping-config
			// is, must decide the same.
			abs, _ := filepath.Abs(file)
			cfg, err := Parse("c.yml", []byte("inputs:\n  - type: fake\n    mapping_files: ["+abs+"]\n"))
			if err != nil {
				t.Fatal(err)
			}
			ins, err := Build(cfg, testRegistry(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			built := ins[0].Rules
			// Listed after a file whose defaults would change every
			// rule of it (regex match type in Java's dialect, histograms,
			// a ttl), the file's rules decide the same: a file's defaults
			// are its own. (Unmatched records take the first file's
			// defaults, and glob_disable_ordering is the first file's for
			// the whole input: statsd_unordered.yml is not compared.)
			var beside *normalize.RuleSet
			if !strings.Contains(file, "unordered") {
				other := filepath.Join(t.TempDir(), "other.yml")
				if err := os.WriteFile(other, []byte(otherDefaults), 0o600); err != nil {
					t.Fatal(err)
				}
				cfg, err := Parse("c.yml", []byte("inputs:\n  - type: fake\n    mapping_files: ["+other+", "+abs+"]\n"))
				if err != nil {
					t.Fatal(err)
				}
				ins, err := Build(cfg, testRegistry(t), Options{})
				if err != nil {
					t.Fatal(err)
				}
				beside = ins[0].Rules
			}
			rng := rand.New(rand.NewPCG(1, 2))
			names := []string{
				"test.dispatcher.p.a.ok", "x.signup.google.ok", "app.http.get.200.duration", "app.db.users.latency",
				"a.b.c", "a.x.c", "a.b.d", "x.y.w.z", "x.q.w.z", "x.y.w.v", "r.42.x", "r.x.x", "regex.a.b",
				"timing.auth.check_in", "drop_me.now", "counter_only.a.b", "gauge.a.b.value", "hist.x",
				"app.user.bob.login", "deep.1.2.3.4.5.6", "svc.api.requests", "jvm.gc.g1.time",
				"pct.disk.used", "pct.50%.used", "pct.%s.used",
			}
			random := 20000
			if testing.Short() {
				random = 2000 // the edit-test loop; make test compares all
			}
			for range random {
				names = append(names, randomName(rng))
			}
			mismatches := 0
			for _, name := range names {
				if name == "" {
					continue // no metric at all; both reject it
				}
				for _, typ := range statsdTypes {
					want := oracle(&m, name, typ.m)
					got := ours(rs, name, typ.t)
					if diff := cmp.Diff(got, ours(built, name, typ.t)); diff != "" {
						t.Fatalf("%s (%s): rule set from a config differs (-direct +built):\n%s", name, typ.m, diff)
					}
					if beside != nil && want.Matched {
						if diff := cmp.Diff(want, ours(beside, name, typ.t)); diff != "" {
							t.Fatalf("%s (%s): after another file's defaults: -statsd_exporter +rosetta\n%s", name, typ.m, diff)
						}
					}
					if diff := cmp.Diff(want, got); diff != "" {
						mismatches++
						if mismatches <= 10 {
							t.Errorf("%s (%s): -statsd_exporter +rosetta\n%s", name, typ.m, diff)
						}
					}
				}
			}
			if mismatches > 0 {
				t.Errorf("%d mismatches in %d decisions", mismatches, len(names)*3)
			}
		})
	}
}

func TestStatsdMappingFileIsLarge(t *testing.T) {
	data, err := os.ReadFile("testdata/statsd_mapping.yml")
	if err != nil {
		t.Fatal(err)
	}
	rsc, err := TranslateStatsd("statsd_mapping.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rsc.Rules) < 30 {
		t.Fatalf("want at least 30 rules, got %d", len(rsc.Rules))
	}
	kinds := map[string]bool{}
	for _, r := range rsc.Rules {
		if r.MatchType == normalize.MatchRegex {
			kinds["regex"] = true
		} else {
			kinds["glob"] = true
		}
		if r.Action == normalize.ActionDrop {
			kinds["drop"] = true
		}
		if r.HonorLabels {
			kinds["honor_labels"] = true
		}
		if r.MatchMetricType != normalize.TypeUntyped {
			kinds["match_metric_type"] = true
		}
		if r.Histogram != nil {
			kinds["histogram_options"] = true
		}
		if r.Summary != nil {
			kinds["summary_options"] = true
		}
		if r.TTL != 0 {
			kinds["ttl"] = true
		}
	}
	var got []string
	for k := range kinds {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{"drop", "glob", "histogram_options", "honor_labels", "match_metric_type", "regex", "summary_options", "ttl"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("features (-want +got):\n%s", diff)
	}
}

// TestDifferentialRandomGlobs builds many small random glob rule sets (with
// and without glob_disable_ordering, with match_metric_type) and compares
// which rule statsd_exporter's mapper and ours pick, and what they capture,
// for every short name over the same alphabet: identical, statsd_exporter's
// misses under glob_disable_ordering included.
func TestDifferentialRandomGlobs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	names := globNames([]string{"a", "b", "c"}, 5)
	compareRandomGlobs(t, rng, 300, func(set int) bool { return set%3 == 0 }, []string{"a", "b", "c", "*"}, names)
}

// TestDifferentialRandomGlobsUnordered is the same with
// glob_disable_ordering only, where statsd_exporter walks greedily unless
// its heuristic predicts a need to backtrack, over more and longer rules and
// segments no rule names (one empty): 400 rule sets (100 with -short),
// 1,554 names of 1 to 4 segments, three types.
func TestDifferentialRandomGlobsUnordered(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	sets := 400
	if testing.Short() {
		sets = 100
	}
	names := globNames([]string{"a", "b", "c", "d", "e", ""}, 4)
	compareRandomGlobs(t, rng, sets, func(int) bool { return true }, []string{"a", "b", "c", "d", "*", "*"}, names)
}

// globNames returns every name of 1 to depth segments over segs.
func globNames(segs []string, depth int) []string {
	var names []string
	var gen func(prefix string, d int)
	gen = func(prefix string, d int) {
		for _, s := range segs {
			n := prefix + s
			names = append(names, n)
			if d < depth {
				gen(n+".", d+1)
			}
		}
	}
	gen("", 1)
	return names
}

// compareRandomGlobs builds sets random statsd_exporter files of 2 to 8
// glob rules over segs (1 to 4 segments, some with match_metric_type),
// with glob_disable_ordering where disable says, and requires both mappers
// to give every name and type the same rule and captures.
func compareRandomGlobs(t *testing.T, rng *rand.Rand, sets int, disable func(int) bool, segs, names []string) {
	t.Helper()
	types := []string{"", "", "counter", "gauge"}
	mismatched, matched, missed := 0, 0, 0
	for set := range sets {
		var b strings.Builder
		fmt.Fprintf(&b, "defaults:\n  glob_disable_ordering: %v\nmappings:\n", disable(set))
		for i := range 2 + rng.IntN(7) {
			n := 1 + rng.IntN(4)
			parts := make([]string, n)
			for j := range parts {
				parts[j] = segs[rng.IntN(len(segs))]
			}
			fmt.Fprintf(&b, "  - match: %q\n    name: r%d\n    labels: {cap: \"$1-$2-$3-$4\"}\n", strings.Join(parts, "."), i)
			if mt := types[rng.IntN(len(types))]; mt != "" {
				fmt.Fprintf(&b, "    match_metric_type: %s\n", mt)
			}
		}
		data := b.String()
		var m mapper.MetricMapper
		if err := m.InitFromYAMLString(data); err != nil {
			t.Fatalf("statsd_exporter rejects:\n%s\n%v", data, err)
		}
		rsc, err := TranslateStatsd("r.yml", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := normalize.NewRuleSet(*rsc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			for _, typ := range statsdTypes {
				mp, labels, ok := m.GetMapping(name, typ.m)
				want := ""
				if ok {
					want = mp.Name + " " + labels["cap"]
				}
				got := ""
				if res := rs.Explain(normalize.Record{Match: name, Type: typ.t}); res.Rule != nil {
					got = res.Rule.Name + " " + res.Sample.Labels.Get("cap")
				}
				switch {
				case got != want:
					mismatched++
					if mismatched <= 5 {
						t.Errorf("%s (%s): statsd_exporter %q, rosetta %q; rules:\n%s", name, typ.m, want, got, data)
					}
				case ok:
					matched++
				default:
					missed++
				}
			}
		}
	}
	if mismatched > 0 {
		t.Errorf("%d of %d decisions differ", mismatched, mismatched+matched+missed)
	}
	t.Logf("%d sets: %d decisions matched a rule in both, %d in neither", sets, matched, missed)
}

// TestGlobDisableOrderingMissesInput: in an input, statsd_exporter's
// heuristic and greedy walk see every glob when its first file with rules
// is a statsd_exporter file, inline rules' and later files' too (as
// statsd_exporter sees globs added to the file): beside *.*.b and c.b,
// which map c.a.b, a glob c.b.b leaves c.a.b unmapped, wherever it comes
// from (docs/config.md). With a Rosetta file first there is no greedy walk.
func TestGlobDisableOrderingMissesInput(t *testing.T) {
	files := map[string]string{
		"s.yml":   "defaults: {glob_disable_ordering: true}\nmappings:\n  - {match: \"*.*.b\", name: any_b}\n  - {match: c.b, name: cb}\n",
		"cbb.yml": "rules:\n  - {match: c.b.b, name: cbb}\n",
		"r.yml":   "defaults: {glob_disable_ordering: true}\nrules:\n  - {match: x.y, name: xy}\n",
	}
	for _, tc := range []struct{ input, want string }{
		{"mapping_files: [s.yml]", "any_b"},
		{"mapping_files: [s.yml]\n    rules: [{match: c.b.b, name: cbb}]", "c_a_b"},
		{"mapping_files: [s.yml, cbb.yml]", "c_a_b"},
		{"mapping_files: [r.yml, s.yml]\n    rules: [{match: c.b.b, name: cbb}]", "any_b"},
	} {
		rs := inputRules(t, "inputs:\n  - name: in\n    type: statsd\n    "+tc.input+"\n", Options{ReadFile: readFiles(files)})
		if got := ours(rs, "c.a.b", normalize.TypeCounter).Name; got != tc.want {
			t.Errorf("%s: c.a.b is %s, want %s", tc.input, got, tc.want)
		}
	}
}

// TestGlobDisableOrderingMisses: with glob_disable_ordering, a
// statsd_exporter file keeps statsd_exporter's misses (its greedy walk,
// where its heuristic sees no need to backtrack), so that it serves the
// same series; a Rosetta rule file finds the rule that matches.
func TestGlobDisableOrderingMisses(t *testing.T) {
	const rules = "defaults:\n  glob_disable_ordering: true\n%s:\n" +
		"  - {match: \"*.*.b\", name: \"any_b_${1}_${2}\"}\n  - {match: c.b, name: cb}\n  - {match: c.b.b, name: cbb}\n%s"
	for _, tc := range []struct {
		extra string // more rules
		name  string
		// want is statsd_exporter's series (and a statsd_exporter
		// file's), rosetta a Rosetta rule file's
		want, rosetta string
	}{
		{"", "c.a.b", "c_a_b", "any_b_c_a"}, // the greedy walk takes c, then has no "a" or "*"
		{"", "c.b.b", "cbb", "cbb"},
		{"", "x.a.b", "any_b_x_a", "any_b_x_a"},
		{"", "c.b", "cb", "cb"},
		// a rule c.*.x makes statsd_exporter's heuristic predict a need to
		// backtrack (c.*.x shares c with c.b.b and neither covers the
		// other): then it finds the match
		{"  - {match: c.*.x, name: cx}\n", "c.a.b", "any_b_c_a", "any_b_c_a"},
		{"  - {match: c.*.x, name: cx}\n", "c.b.x", "cx", "cx"},
	} {
		statsd := fmt.Sprintf(rules, "mappings", tc.extra)
		var m mapper.MetricMapper
		if err := m.InitFromYAMLString(statsd); err != nil {
			t.Fatal(err)
		}
		peer := oracle(&m, tc.name, mapper.MetricTypeCounter).Name
		if peer != tc.want {
			t.Fatalf("%s with %q: statsd_exporter serves %s, the table says %s", tc.name, tc.extra, peer, tc.want)
		}
		for _, f := range []struct {
			format, data, want string
		}{
			{FormatStatsd, statsd, tc.want},
			{FormatRosetta, fmt.Sprintf(rules, "rules", tc.extra), tc.rosetta},
		} {
			rsc, err := TranslateFile("r.yml", []byte(f.data), f.format)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := normalize.NewRuleSet(*rsc)
			if err != nil {
				t.Fatal(err)
			}
			if got := ours(rs, tc.name, normalize.TypeCounter).Name; got != f.want {
				t.Errorf("%s file, %s with %q: %s, want %s", f.format, tc.name, tc.extra, got, f.want)
			}
		}
	}
}
