package mappings

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/statsd_exporter/pkg/mapper"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestFileDefaultsStayWithFile: a mapping file's defaults fill what its own
// rules leave unset and nothing else. What both leave unset comes from the
// input's defaults: block when it has one, else from the built-in defaults,
// whichever files are listed before or after it: a statsd_exporter file
// beside a file with defaults {match_type: regex, regex_dialect: java}
// maps x.b to x_b as statsd_exporter does (not to x_, 'x.*' read as a Java
// regex), its timers are summaries without a ttl, and inline rules are
// globs. Unmatched records take the input's defaults, else the first
// mapping file's.
func TestFileDefaultsStayWithFile(t *testing.T) {
	type decision struct {
		Name     string
		Observer normalize.ObserverType
		TTL      time.Duration
		Buckets  []float64
		MaxAge   time.Duration
	}
	files := map[string]string{
		"a.yml": "defaults:\n  match_type: regex\n  regex_dialect: java\n  observer_type: histogram\n  ttl: 1m\n" +
			"  histogram_options: {buckets: [1, 2]}\n  summary_options: {max_age: 7m}\n" +
			"rules:\n  - {match: 'a\\.(.*)', name: 'a_$1'}\n",
		"s.yml": "mappings:\n  - match: 'x.*'\n    name: 'x_$1'\n" +
			"  - match: 'h.*'\n    name: 'h_$1'\n    observer_type: histogram\n",
		// a statsd_exporter file whose defaults fill its rules' summaries
		"m.yml": "defaults:\n  summary_options: {max_age: 5m}\nmappings:\n  - match: 'm.*'\n    name: 'm_$1'\n",
	}
	read := readFiles(files)
	decide := func(t *testing.T, global, input, match string) decision {
		t.Helper()
		rs := inputRules(t, global+"inputs:\n  - name: in\n    type: statsd\n    "+indent(input)+"\n", Options{ReadFile: read})
		s, o, reason := rs.Map(normalize.Record{Match: match, Value: 1, Type: normalize.TypeObserver})
		if o != normalize.OutcomeMapped && o != normalize.OutcomeUnmatched {
			t.Fatalf("%s: %v %s", match, o, reason)
		}
		d := decision{Name: s.Name}
		if s.Opts != nil {
			d.Observer, d.TTL, d.MaxAge = s.Opts.Observer, s.Opts.TTL, s.Opts.MaxAge
			if d.Observer == normalize.ObserverHistogram {
				d.Buckets = s.Opts.Buckets
			}
		}
		return d
	}
	summary := func(name string, ttl, maxAge time.Duration) decision {
		return decision{Name: name, Observer: normalize.ObserverSummary, TTL: ttl, MaxAge: maxAge}
	}
	histogram := func(name string, ttl time.Duration, buckets ...float64) decision {
		if buckets == nil {
			buckets = normalize.DefaultBuckets
		}
		return decision{Name: name, Observer: normalize.ObserverHistogram, TTL: ttl, Buckets: buckets}
	}
	aQ := histogram("a_q", time.Minute, 1, 2)
	xB := summary("x_b", 0, 0)
	hB := histogram("h_b", 0)
	mB := summary("m_b", 0, 5*time.Minute)
	inline := "rules:\n  - {match: 'i.*', name: 'i_$1'}"
	for _, tc := range []struct {
		name, input string
		global      string
		want        map[string]decision
	}{
		{"statsd file alone", "mapping_files: [s.yml]", "", map[string]decision{"x.b": xB, "h.b": hB, "u.v": summary("u_v", 0, 0)}},
		{"a.yml alone", "mapping_files: [a.yml]", "", map[string]decision{"a.q": aQ, "u.v": histogram("u_v", time.Minute, 1, 2)}},
		// the reviewer's example: x.b was x_ (a Java regex), a histogram with a.yml's ttl
		{"statsd file after a.yml", "mapping_files: [a.yml, s.yml]", "", map[string]decision{
			"x.b": xB, "h.b": hB, "a.q": aQ,
			// unmatched: the first file's defaults
			"u.v": histogram("u_v", time.Minute, 1, 2),
		}},
		{"statsd file before a.yml", "mapping_files: [s.yml, a.yml]", "", map[string]decision{
			"x.b": xB, "h.b": hB, "a.q": aQ, "u.v": summary("u_v", 0, 0),
		}},
		{"inline rules after a.yml", "mapping_files: [a.yml]\n" + inline, "", map[string]decision{
			"i.b": summary("i_b", 0, 0), "a.q": aQ, "u.v": histogram("u_v", time.Minute, 1, 2),
		}},
		{"global ttl", "mapping_files: [a.yml, s.yml]\n" + inline, "global: {ttl: 30s}\n", map[string]decision{
			"x.b": summary("x_b", 30*time.Second, 0), "i.b": summary("i_b", 30*time.Second, 0), "a.q": aQ,
			"u.v": histogram("u_v", time.Minute, 1, 2),
		}},
		// the input's defaults: fill what every file leaves unset
		{"input defaults", "mapping_files: [a.yml, s.yml]\ndefaults: {ttl: 2m, observer_type: histogram}\n" + inline, "", map[string]decision{
			"x.b": histogram("x_b", 2*time.Minute), "h.b": histogram("h_b", 2*time.Minute), "i.b": histogram("i_b", 2*time.Minute),
			"a.q": aQ, "u.v": histogram("u_v", 2*time.Minute),
		}},
		{"input defaults, statsd file first", "mapping_files: [s.yml, a.yml]\ndefaults: {ttl: 2m}", "", map[string]decision{
			"x.b": summary("x_b", 2*time.Minute, 0), "a.q": aQ, "u.v": summary("u_v", 2*time.Minute, 0),
		}},
		// a statsd_exporter file's defaults fill the summaries of its rules
		// without an observer_type, beside the input's defaults too
		{"statsd file defaults beside the input's", "mapping_files: [m.yml]\ndefaults: {ttl: 2m}", "", map[string]decision{
			"m.b": summary("m_b", 2*time.Minute, 5*time.Minute), "u.v": summary("u_v", 2*time.Minute, 0),
		}},
		{"statsd file defaults after a.yml", "mapping_files: [a.yml, m.yml, s.yml]", "", map[string]decision{
			"m.b": mB, "x.b": xB, "a.q": aQ,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for match, want := range tc.want {
				got := decide(t, tc.global, tc.input, match)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: got %+v, want %+v", match, got, want)
				}
			}
		})
	}
}

// readFiles reads a file as the content files gives its base name (an
// Options.ReadFile).
func readFiles(files map[string]string) func(string) ([]byte, error) {
	return func(f string) ([]byte, error) { return []byte(files[filepath.Base(f)]), nil }
}

// inputRuleSetConfig is the rule set config of the first input of the
// config file data, its mapping files read as opts says; an error is fatal.
func inputRuleSetConfig(t *testing.T, data string, opts Options) *normalize.RuleSetConfig {
	t.Helper()
	cfg, err := Parse("config.yml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	rsc, _, err := RuleSetConfigFor(cfg, &cfg.Inputs[0], opts)
	if err != nil {
		t.Fatal(err)
	}
	return rsc
}

// inputRules compiles the rules of the first input of the config file
// data, its mapping files read as opts says; an error is fatal.
func inputRules(t *testing.T, data string, opts Options) *normalize.RuleSet {
	t.Helper()
	rs, err := normalize.NewRuleSet(*inputRuleSetConfig(t, data, opts))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestGlobOrderingWarning: an input's globs share one trie, ordered as the
// input's defaults: say when they set glob_disable_ordering, else as its
// first mapping file's: a later file
// with globs whose own glob_disable_ordering differs is warned about.
func TestGlobOrderingWarning(t *testing.T) {
	files := map[string]string{
		"u.yml": "defaults: {glob_disable_ordering: true}\nmappings:\n  - {match: 'a.*', name: a}\n",
		"o.yml": "mappings:\n  - {match: 'b.*', name: b}\n",
		"r.yml": "defaults: {match_type: regex, glob_disable_ordering: true}\nrules:\n  - {match: 'c', name: c}\n", // no globs
		"d.yml": "defaults: {glob_disable_ordering: true}\n",                                                       // no globs
	}
	read := readFiles(files)
	for _, tc := range []struct{ input, want string }{
		{"mapping_files: [u.yml]", ""},
		{"mapping_files: [o.yml, o.yml, r.yml, d.yml]", ""},
		{"mapping_files: [u.yml, o.yml]", `config.yml:4:28: input "in": o.yml's globs are matched with glob_disable_ordering: true, as the first mapping file's defaults (u.yml) say, not its own false: an input's globs share one trie`},
		{"mapping_files: [o.yml, u.yml]", `config.yml:4:28: input "in": u.yml's globs are matched with glob_disable_ordering: false, as the first mapping file's defaults (o.yml) say, not its own true: an input's globs share one trie`},
		// the input's defaults: that do not set it leave it to the first file
		{"mapping_files: [u.yml]\n    defaults: {ttl: 1m}", ""},
		{"mapping_files: [o.yml, u.yml]\n    defaults: {ttl: 1m}", `config.yml:4:28: input "in": u.yml's globs are matched with glob_disable_ordering: false, as the first mapping file's defaults (o.yml) say, not its own true: an input's globs share one trie`},
		// the input's defaults: that set it decide
		{"mapping_files: [u.yml]\n    defaults: {ttl: 1m, glob_disable_ordering: false}", `config.yml:4:21: input "in": u.yml's globs are matched with glob_disable_ordering: false, as the input's defaults: say, not its own true: an input's globs share one trie`},
		// the input's defaults: fill a file's unset glob_disable_ordering
		{"mapping_files: [u.yml, o.yml]\n    defaults: {glob_disable_ordering: true}", ""},
	} {
		cfg, err := Parse("config.yml", []byte("inputs:\n  - name: in\n    type: statsd\n    "+tc.input+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, _, got, err := ruleSetConfigFor(cfg, &cfg.Inputs[0], Options{ReadFile: read})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		if tc.want != "" {
			want = append(want, tc.want)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.input, got, want)
		}
	}
}

// TestGlobOrderingWarningReported: the glob ordering warning reaches the
// log at load (Input.Warnings) and rosetta check (Warnings), once.
func TestGlobOrderingWarningReported(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"u.yml":      "defaults: {glob_disable_ordering: true}\nmappings:\n  - {match: 'a.*', name: a}\n",
		"o.yml":      "mappings:\n  - {match: 'b.*', name: b}\n",
		"config.yml": "inputs:\n  - name: in\n    type: fake\n    mapping_files: [u.yml, o.yml]\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "config.yml")
	want := fmt.Sprintf("[%s:4:28: input \"in\": %s's globs are matched with glob_disable_ordering: true, as the first mapping file's defaults (%s) say, not its own false: an input's globs share one trie]",
		file, filepath.Join(dir, "o.yml"), filepath.Join(dir, "u.yml"))
	cfg, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := Build(cfg, testRegistry(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ins[0].Warnings); got != want {
		t.Errorf("Build: got %s\nwant %s", got, want)
	}
	if got := fmt.Sprint(Warnings(testRegistry(t), Options{}, file)); got != want {
		t.Errorf("Warnings: got %s\nwant %s", got, want)
	}
}

// TestInputDefaultsLeaveGlobOrdering: an input's defaults: block that does
// not set glob_disable_ordering leaves it to the first mapping file, as
// it leaves every other key to the files: a statsd_exporter file with
// glob_disable_ordering: true, beside defaults: {ttl: 1m}, matches as
// statsd_exporter's mapper does with that file (and the ttl). When the
// block sets it, it decides for every file, with a warning for a file
// whose own differs.
func TestInputDefaultsLeaveGlobOrdering(t *testing.T) {
	const file = "testdata/statsd_unordered.yml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "  glob_disable_ordering: true\n") {
		t.Fatalf("%s no longer sets glob_disable_ordering: true", file)
	}
	dir := t.TempDir()
	abs, _ := filepath.Abs(file)
	ordered := filepath.Join(dir, "ordered.yml") // globs no name below matches
	if err := os.WriteFile(ordered, []byte("mappings:\n  - {match: 'zz.*', name: zz}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	names := []string{"a.b.c", "a.x.c", "a.b.d", "q.b.c", "x.y.w.z", "x.q.w.z", "x.y.w.v", "p.q.r", "p.q", "regex.a"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		names = append(names, randomName(rng))
	}
	for _, tc := range []struct {
		name, files, defaults string
		// the oracle: statsd_exporter's mapper on the file with these
		// defaults in place of its glob_disable_ordering: true
		oracle string
		warn   string
	}{
		{"no input defaults", abs, "", "glob_disable_ordering: true", ""},
		// the reviewer's case: ordered before, as the input's unset key read false
		{"input defaults without the key", abs, "defaults: {ttl: 1m}", "glob_disable_ordering: true\n  ttl: 1m", ""},
		{"input defaults with the key true", abs, "defaults: {ttl: 1m, glob_disable_ordering: true}", "glob_disable_ordering: true\n  ttl: 1m", ""},
		{"input defaults with the key false", abs, "defaults: {ttl: 1m, glob_disable_ordering: false}", "glob_disable_ordering: false\n  ttl: 1m",
			"globs are matched with glob_disable_ordering: false, as the input's defaults: say, not its own true"},
		// without the key in the input's defaults, the first file decides
		{"input defaults without the key, ordered file first", ordered + ", " + abs, "defaults: {ttl: 1m}", "glob_disable_ordering: false\n  ttl: 1m",
			"globs are matched with glob_disable_ordering: false, as the first mapping file's defaults (" + ordered + ") say, not its own true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m mapper.MetricMapper
			if err := m.InitFromYAMLString(strings.Replace(string(data), "glob_disable_ordering: true", tc.oracle, 1)); err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse("c.yml", []byte("inputs:\n  - type: fake\n    mapping_files: ["+tc.files+"]\n    "+tc.defaults+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			ins, err := Build(cfg, testRegistry(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(ins[0].Warnings); tc.warn == "" && len(ins[0].Warnings) > 0 || !strings.Contains(got, tc.warn) {
				t.Errorf("warnings: got %s, want one with %q", got, tc.warn)
			}
			for _, name := range names {
				for _, typ := range statsdTypes {
					// unmatched records take the input's defaults, not the file's
					if want := oracle(&m, name, typ.m); want.Matched {
						if diff := cmp.Diff(want, ours(ins[0].Rules, name, typ.t)); diff != "" {
							t.Fatalf("%s (%s): -statsd_exporter +rosetta\n%s", name, typ.m, diff)
						}
					}
				}
			}
		})
	}
}
