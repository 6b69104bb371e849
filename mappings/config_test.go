package mappings

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/normalize"
)

var update = flag.Bool("update", false, "rewrite the golden .err files")

// fakeFactory is an input type with one setting, decoded strictly.
type fakeFactory struct{}

type fakeConfig struct {
	Listen string `yaml:"listen"`
}

func (c *fakeConfig) Validate() error {
	if c.Listen == "" {
		return errors.New("listen is empty")
	}
	return nil
}

type fakeDriver struct{}

func (fakeDriver) Run(ctx context.Context, _ normalize.Appender) error { <-ctx.Done(); return nil }

func (fakeFactory) Type() string                    { return "fake" }
func (fakeFactory) NewDefaultConfig() inputs.Config { return &fakeConfig{Listen: ":1"} }
func (f fakeFactory) Decode(n *yaml.Node) (inputs.Config, error) {
	c := f.NewDefaultConfig().(*fakeConfig)
	var buf bytes.Buffer
	if err := yaml.NewEncoder(&buf).Encode(n); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, err
	}
	return c, nil
}
func (fakeFactory) New(inputs.Settings, inputs.Config) (inputs.Driver, error) {
	return fakeDriver{}, nil
}

func testRegistry(t testing.TB) *inputs.Registry {
	reg, err := inputs.NewRegistry(fakeFactory{})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

var testLibrary = fstest.MapFS{
	"redis.yml": {Data: []byte("mappings:\n  - match: redis.*.commands\n    name: redis_commands_total\n    labels:\n      cmd: $1\n")},
}

func testOptions() Options { return Options{Library: testLibrary} }

// TestCheckFiles checks every testdata/*.good.yml and *.bad.yml; the
// messages of a bad file are in its golden .err file (go test -update).
func TestCheckFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yml")
	if len(files) < 10 {
		t.Fatalf("only %d test files", len(files))
	}
	for _, file := range files {
		base := filepath.Base(file)
		good := strings.HasSuffix(base, ".good.yml")
		bad := strings.HasSuffix(base, ".bad.yml")
		if !good && !bad {
			continue
		}
		t.Run(base, func(t *testing.T) {
			_, err := Check(testRegistry(t), testOptions(), file)
			if good {
				if err != nil {
					t.Fatalf("unexpected error:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			golden := file + ".err"
			got := err.Error() + "\n"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, rerr := os.ReadFile(golden)
			if rerr != nil {
				t.Fatalf("%v (run go test -update)", rerr)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	cfg, err := Load("testdata/config.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Global.SeriesLimit != 200000 {
		t.Errorf("series limit %d", cfg.Global.SeriesLimit)
	}
	ins, err := Build(cfg, testRegistry(t), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].Name != "statsd" || ins[1].Name != "fake" {
		t.Fatalf("inputs %+v", ins)
	}
	if got := ins[0].Config.(*fakeConfig).Listen; got != ":9125" {
		t.Errorf("listen %q", got)
	}
	if ins[0].Fingerprint == ins[1].Fingerprint {
		t.Error("different configs share a fingerprint")
	}
	want := []string{"testdata/statsd_mapping.yml", "testdata/rules.rosetta.yml"}
	if diff := cmp.Diff(want, ins[0].Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	rs := ins[0].Rules
	if rs.Len() != 37+1+1+2 {
		t.Errorf("rules %d", rs.Len())
	}
	check := func(rs *normalize.RuleSet, rec normalize.Record, wantName string, wantLabels normalize.Labels) *normalize.Sample {
		t.Helper()
		s, out, reason := rs.Map(rec)
		if out != normalize.OutcomeMapped && out != normalize.OutcomeUnmatched {
			t.Fatalf("%s: %v %s", rec.Match, out, reason)
		}
		if s.Name != wantName || !cmp.Equal(s.Labels, wantLabels) {
			t.Errorf("%s: got %s%v, want %s%v", rec.Match, s.Name, s.Labels, wantName, wantLabels)
		}
		return &s
	}
	check(rs, normalize.Record{Match: "app.db.users.queries", Type: normalize.TypeCounter, Value: 1, Delta: true},
		"db_queries_total", labels("db", "users"))
	s := check(rs, normalize.Record{Match: "file.x.thing", Type: normalize.TypeGauge, Value: 1}, "file_thing", labels("which", "x"))
	if s.Help != "A thing from a file." {
		t.Errorf("help %q", s.Help)
	}
	check(rs, normalize.Record{Match: "redis.get.commands", Type: normalize.TypeCounter, Value: 1, Delta: true},
		"redis_commands_total", labels("cmd", "get"))
	s = check(rs, normalize.Record{Match: "inline.x.count", Type: normalize.TypeGauge, Value: 3}, "inline_x_total", labels("source", "inline"))
	if s.Type != normalize.TypeCounter || s.Opts.SeriesLimit != 100 || s.Opts.TTL != 5*60e9 {
		t.Errorf("inline rule: type %v opts %+v", s.Type, s.Opts)
	}
	s = check(rs, normalize.Record{Match: "jvm.heap", Type: normalize.TypeObserver, Value: 3}, "jvm_heap", nil)
	if s.Value != 21 || s.Opts.Observer != normalize.ObserverNativeHistogram || s.Opts.NativeBucketFactor != 1.05 {
		t.Errorf("jvm rule: value %v opts %+v", s.Value, s.Opts)
	}
	// the statsd file's own defaults stay with its rules
	s = check(rs, normalize.Record{Match: "app.http.get.200.size", Type: normalize.TypeObserver, Value: 1}, "http_response_size_bytes",
		labels("code", "200", "method", "get"))
	if s.Opts.TTL != 10*60e9 || s.Opts.NativeMaxBuckets != 160 {
		t.Errorf("statsd rule opts %+v", s.Opts)
	}
	// input defaults for unmatched records
	s = check(rs, normalize.Record{Match: "nothing.here", Type: normalize.TypeObserver, Value: 1}, "nothing_here", nil)
	if s.Opts.Observer != normalize.ObserverHistogram || s.Opts.TTL != 5*60e9 {
		t.Errorf("unmatched opts %+v", s.Opts)
	}
	if _, out, _ := ins[1].Rules.Map(normalize.Record{Match: "X", Type: normalize.TypeGauge}); out != normalize.OutcomeDropped {
		t.Errorf("second input keeps unmatched: %v", out)
	}
}

func TestCheckKinds(t *testing.T) {
	kinds, err := Check(testRegistry(t), testOptions(), "testdata/config.good.yml", "testdata/statsd_mapping.yml", "testdata/rules.rosetta.yml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Kind{KindConfig, KindMapping, KindMapping}, kinds); diff != "" {
		t.Error(diff)
	}
}

func TestLoadStatsdMapping(t *testing.T) {
	rsc, err := LoadStatsdMapping("testdata/statsd_mapping.yml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := normalize.NewRuleSet(*rsc); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadStatsdMapping("testdata/nope.yml"); err == nil {
		t.Error("no error for a missing file")
	}
}

// FuzzParse feeds arbitrary YAML to the config and mapping loaders: they
// must return an error or a config, never panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err == nil {
			f.Add(data)
		}
	}
	reg := testRegistry(f)
	opts := Options{Library: testLibrary, ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		_, _ = CheckData(reg, opts, "fuzz.yml", data)
		if rsc, err := TranslateStatsd("fuzz.yml", data); err == nil {
			rsc.CacheSize = -1
			_, _ = normalize.NewRuleSet(*rsc)
		}
	})
}

func labels(kv ...string) normalize.Labels {
	var ls normalize.Labels
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, normalize.Label{Name: kv[i], Value: kv[i+1]})
	}
	return ls
}

func TestWarnings(t *testing.T) {
	got := Warnings(testRegistry(t), testOptions(), "testdata/statsd_mapping.yml", "testdata/config.good.yml", "testdata/rules.bad.yml")
	const msg = `testdata/statsd_mapping.yml:98:5: rule 15 ("app.*.*"): never matches: an earlier rule has the same glob and metric type, or (statsd_exporter's state machine) an earlier, longer glob passes through its last segment; move it before that rule`
	// config.good.yml loads the same file first: the same warning again
	want := []string{msg, msg}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
