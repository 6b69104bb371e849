package jsonsel

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

var update = flag.Bool("update", false, "rewrite golden files")

const dir = "../../../testdata/app/json"

func run(t testing.TB, cfg Config, body string) ([]string, error) {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = p.Parse([]byte(body), func(r normalize.Record) {
		out = append(out, fmt.Sprintf("%s%s %s %g", r.Match, r.Labels, r.Type, r.Value))
	})
	sort.Strings(out)
	return out, err
}

// A document with nested maps, arrays, numeric strings, unit strings and
// states becomes the records a user expects (golden file).
func TestGolden(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(dir, "service.json"))
	if err != nil {
		t.Fatal(err)
	}
	sel, err := os.ReadFile(filepath.Join(dir, "selection.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	if err := yaml.Unmarshal(sel, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		cfg    Config
		golden string
	}{
		{"selection", cfg, "service.records"},
		{"everything", Config{}, "service-all.records"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := run(t, tc.cfg, string(body))
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(got, "\n") + "\n"
			file := filepath.Join(dir, tc.golden)
			if *update {
				if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if diff := cmp.Diff(string(want), text); diff != "" {
				t.Errorf("(-golden +got):\n%s", diff)
			}
		})
	}
}

func TestSelection(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		body string
		want []string
	}{
		{"index and key wildcards", Config{Metrics: []Selector{{Path: "a.*.b.*", Labels: []string{"i", "k"}}}},
			`{"a":[{"b":{"x":1,"y":2}},{"b":{"z":3}}]}`,
			[]string{`a.0.b.x{i="0", k="x"} untyped 1`, `a.0.b.y{i="0", k="y"} untyped 2`, `a.1.b.z{i="1", k="z"} untyped 3`}},
		{"numeric index in a path", Config{Metrics: []Selector{{Path: "a.1"}}}, `{"a":[10,20,30]}`, []string{`a.1{} untyped 20`}},
		{"escaped keys", Config{}, `{"a\"b":1,"\u00e9t\u00e9":2,"x.y":3}`, []string{`a"b{} untyped 1`, `x_y{} untyped 3`, `été{} untyped 2`}},
		{"units and states", Config{Metrics: []Selector{{Path: "*", Labels: []string{"k"}, Values: map[string]float64{"up": 1}}}},
			`{"a":"1.5KB","b":"2KiB","c":"50%","d":"1h","e":"up","f":"down","g":"-3e2","h":"NaN"}`,
			[]string{`a{k="a"} untyped 1500`, `b{k="b"} untyped 2048`, `c{k="c"} untyped 0.5`, `d{k="d"} untyped 3600`, `e{k="e"} untyped 1`, `g{k="g"} untyped -300`}},
		{"skip", Config{Skip: []string{"big"}}, `{"big":{"x":1},"small":2}`, []string{`small{} untyped 2`}},
		{"first selector wins", Config{Metrics: []Selector{{Path: "a.b", Type: "counter"}, {Path: "a.*", Labels: []string{"k"}}}},
			`{"a":{"b":1,"c":2}}`, []string{`a.b{} counter 1`, `a.c{k="c"} untyped 2`}},
		{"labels from fields", Config{Metrics: []Selector{{Path: "jobs.*", LabelsFrom: map[string]string{"job": "name", "prio": "priority"}}}},
			`{"jobs":[{"runs":3,"name":"backup","stats":{"ok":2},"priority":1},{"name":"sync","runs":1}]}`,
			[]string{`jobs.0.runs{job="backup", prio="1"} untyped 3`, `jobs.0.stats.ok{job="backup", prio="1"} untyped 2`, `jobs.1.runs{job="sync"} untyped 1`}},
		{"huge number", Config{}, `{"a":1e400}`, []string{`a{} untyped +Inf`}},
		{"scalar document", Config{}, `42`, []string{`{} untyped 42`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := run(t, tc.cfg, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(tc.want)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct{ body, msg string }{
		{``, "empty document"},
		{`{"a":1`, "at byte 6 (the end): unterminated object"},
		{`{"a":1,}`, "at byte 7: expected a key"},
		{`{"a" 1}`, "expected ':'"},
		{`[1 2]`, "expected ',' or ']'"},
		{`{"a":tru}`, "unexpected"},
		{`{"a":01}`, "expected ',' or '}'"},
		{`{"a":"x`, "unterminated string"},
		{`{"a":"\q"}`, `bad escape \q`},
		{`{"a":1} x`, "after the document"},
		{strings.Repeat("[", 10001) + strings.Repeat("]", 10001), "at byte 10000: nested deeper than 10000"},
		{`{"skipped":{"x":[1,2,}, "a":1}`, "at byte 21"},
	} {
		_, err := run(t, Config{Metrics: []Selector{{Path: "a"}}}, tc.body)
		if err == nil || parsing.Reason(err, "") != "invalid_json" || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%.40q: %v, want invalid_json containing %q", tc.body, err, tc.msg)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Metrics: []Selector{{Path: ""}}}, "metrics[0]: path: empty path"},
		{Config{Metrics: []Selector{{Path: "a..b"}}}, `metrics[0]: path: "a..b" has an empty segment`},
		{Config{Metrics: []Selector{{Path: "a.*", Labels: []string{"x", "y"}}}}, `metrics[0]: labels: 2 names for 1 "*"`},
		{Config{Metrics: []Selector{{Path: "a.*", Labels: []string{"1x"}}}}, `metrics[0]: labels: "1x" is not a valid label name`},
		{Config{Metrics: []Selector{{Path: "a", Type: "histogram"}}}, `metrics[0]: type: "histogram" is not counter, gauge or untyped`},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestParseValue(t *testing.T) {
	for in, want := range map[string]float64{
		"12": 12, " 1.5 ": 1.5, "30%": 0.3, "1.5GB": 1.5e9, "1GiB": 1 << 30, "10kB": 1e4, "7B": 7,
		"12ms": 0.012, "1h30m": 5400, "250us": 0.00025, "1e3": 1000,
	} {
		if got, ok := ParseValue(in); !ok || math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("ParseValue(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "NaN", "Inf", "1.2.3", "%", "GB"} {
		if v, ok := ParseValue(in); ok {
			t.Errorf("ParseValue(%q) = %v, want not a number", in, v)
		}
	}
}

func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(dir, "service.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"a":[1,"2ms",{"b":true}],"c":null}`))
	f.Add([]byte(`"\ud83d\ude00"`))
	sels := []Config{{}, {Metrics: []Selector{{Path: "*.*", Labels: []string{"a", "b"}}, {Path: "a"}}, Skip: []string{"c"}}}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, cfg := range sels {
			p, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Parse(body, func(r normalize.Record) {
				for _, l := range r.Labels {
					if l.Name == "" {
						t.Fatalf("empty label name in %+v", r)
					}
				}
			})
			if r := parsing.Reason(err, ""); err != nil && r != "invalid_json" && r != "too_deep" && r != "too_many_records" {
				t.Fatalf("error without reason invalid_json, too_deep or too_many_records: %v", err)
			}
		}
	})
}
