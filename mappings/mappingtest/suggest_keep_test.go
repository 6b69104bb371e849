package mappingtest

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestSuggestionKeepsUnmatchedSettings: a rule suggested for unmatched
// records, added as an inline rule where the suggestion says, keeps what the
// records got unmatched (the first mapping file's defaults, when the input
// has no defaults: block), and says no more than it must.
func TestSuggestionKeepsUnmatchedSettings(t *testing.T) {
	const other = "mappings:\n  - match: \"other.*\"\n    name: \"other\"\n"
	for _, tc := range []struct {
		name, first, inputDefaults, record string
		// settings the suggested rule must carry (substrings of its YAML),
		// or none when nothing differs
		want []string
	}{
		{name: "first file histogram", first: "defaults:\n  observer_type: histogram\nmappings:\n  - match: \"a.*\"\n    name: \"a\"\n",
			record: "jobs.x.duration:5|ms", want: []string{"observer_type: histogram"}},
		{name: "first file buckets ttl", first: "defaults:\n  observer_type: histogram\n  ttl: 5m\n  histogram_options:\n    buckets: [1, 2, 3]\nmappings:\n  - match: \"a.*\"\n    name: \"a\"\n",
			record: "jobs.x.duration:5|ms", want: []string{"observer_type: histogram", "ttl: 5m0s", "buckets: [1, 2, 3]"}},
		{name: "first file ttl counter", first: "defaults:\n  ttl: 1h\nmappings:\n  - match: \"a.*\"\n    name: \"a\"\n",
			record: "jobs.x.count:1|c", want: []string{"ttl: 1h0m0s"}},
		{name: "first file summary options", first: "defaults:\n  summary_options:\n    max_age: 1m\n    quantiles: [{quantile: 0.5, error: 0.01}]\nmappings:\n  - match: \"a.*\"\n    name: \"a\"\n",
			record: "jobs.x.duration:5|ms", want: []string{"max_age: 1m0s", "quantiles: [{quantile: 0.5, error: 0.01}]"}},
		{name: "no defaults", first: "mappings:\n  - match: \"a.*\"\n    name: \"a\"\n",
			record: "jobs.x.duration:5|ms"},
		{name: "input defaults", first: "defaults:\n  observer_type: histogram\nmappings:\n  - match: \"a.*\"\n    name: \"a\"\n",
			inputDefaults: "    defaults: {observer_type: histogram, ttl: 2m}\n", record: "jobs.x.duration:5|ms"},
		{name: "input defaults regex", first: "mappings:\n  - match: \"a.*\"\n    name: \"a\"\n",
			inputDefaults: "    defaults: {match_type: regex}\n", record: "jobs.x.count:1|c", want: []string{"match_type: glob"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for f, s := range map[string]string{"first.yml": tc.first, "other.yml": other} {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg := "inputs:\n  - name: s\n    type: statsd\n    mapping_files: [first.yml, other.yml]\n" + tc.inputDefaults
			explain := func(cfg string) (*ExplainReport, *normalize.SeriesOptions) {
				t.Helper()
				file := filepath.Join(dir, "rosetta.yml")
				if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
				env := testEnv(t)
				src, err := env.Load(file, "", "")
				if err != nil {
					t.Fatal(err)
				}
				recs, err := env.Records("statsd", []byte(tc.record+"\n"), src.InputConfig, nil)
				if err != nil || len(recs) != 1 {
					t.Fatal(recs, err)
				}
				rep, err := Explain(io.Discard, src, recs, true)
				if err != nil {
					t.Fatal(err)
				}
				x := src.Rules.Explain(recs[0])
				if x.Sample.Opts == nil {
					t.Fatalf("%s: %s %s", tc.record, x.Outcome, x.Reason)
				}
				return rep, x.Sample.Opts
			}
			rep, before := explain(cfg)
			if rep.Unmatched != 1 || len(rep.Suggestions) != 1 {
				t.Fatalf("unmatched %d, suggestions %+v", rep.Unmatched, rep.Suggestions)
			}
			y := YAML(rep.Suggestions)
			for _, w := range tc.want {
				if !strings.Contains(y, w) {
					t.Errorf("suggestion lacks %q:\n%s", w, y)
				}
			}
			if len(tc.want) == 0 {
				for _, k := range []string{"observer_type", "ttl", "histogram_options", "summary_options", "match_type"} {
					if strings.Contains(y, k) {
						t.Errorf("suggestion has %s though nothing differs:\n%s", k, y)
					}
				}
			}
			// Add the suggestion as the input's inline rules.
			rules, _ := strings.CutPrefix(y, "rules:\n")
			rules = strings.ReplaceAll("\n"+rules, "\n", "\n  ")
			rep2, after := explain(cfg + "    rules:" + rules + "\n")
			if rep2.Mapped != 1 {
				t.Fatalf("suggestion does not match:\n%s", y)
			}
			if !sameSeriesOptions(before, after) {
				t.Errorf("unmatched %+v, with the suggested rule %+v:\n%s", *before, *after, y)
			}
		})
	}
}

func sameSeriesOptions(a, b *normalize.SeriesOptions) bool {
	x, y := *a, *b
	x.Rule, y.Rule = "", ""
	return reflect.DeepEqual(x, y)
}
