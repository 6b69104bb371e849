package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs/app/jsonsel"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// The json type end to end: the selection from testdata/app/json as an
// input config (with basic auth and a POST body), a real HTTP server, and
// the golden records.
func TestJSONInput(t *testing.T) {
	doc, err := os.ReadFile("../../testdata/app/json/service.json")
	if err != nil {
		t.Fatal(err)
	}
	sel, err := os.ReadFile("../../testdata/app/json/selection.yml")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("../../testdata/app/json/service.records")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "mon" || p != "pw" || r.Method != "POST" || r.Header.Get("X-Team") != "core" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/pw", []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgText := fmt.Sprintf("targets: [%q]\ninterval: 100ms\nmethod: POST\nbody: '{\"query\": \"stats\"}'\nheaders: {X-Team: core}\nbasic_auth: {username: mon, password_file: %s/pw}\n%s", srv.URL, dir, sel)
	f := factoryOf(t, "json")
	cfg := decodeTest(t, f, cfgText)
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + srv.URL
	waitFor(t, "json records", func() bool { return len(rec.get(source)) > 0 })
	got := strings.Join(recordLines(rec.get(source)), "\n") + "\n"
	if diff := cmp.Diff(string(golden), got); diff != "" {
		t.Errorf("(-golden +got):\n%s", diff)
	}
}

// A json_exporter config read unchanged gives json_exporter's series: the
// golden file is what the real json_exporter served for the same document
// and config (testdata/app/json/json_exporter.yml says which version).
func TestJSONExporterConfig(t *testing.T) {
	doc, err := os.ReadFile("../../testdata/app/json/service.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../testdata/app/json/json_exporter.prom")
	if err != nil {
		t.Fatal(err)
	}
	var headers http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers = r.Header.Clone()
		_, _ = w.Write(doc)
	}))
	defer srv.Close()
	f := factoryOf(t, "json")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 100ms\njson_exporter_config: ../../testdata/app/json/json_exporter.yml\n", srv.URL))
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + srv.URL
	waitFor(t, "records", func() bool { return len(rec.get(source)) > 0 })
	got := familySummary(throughStore(t, rec.get(source)))
	if diff := cmp.Diff(familySummary(parseText(t, want)), got); diff != "" {
		t.Errorf("series differ from json_exporter's (-json_exporter +rosetta):\n%s", diff)
	}
	if headers.Get("X-Team") != "core" {
		t.Errorf("the module's headers were not sent: %v", headers)
	}
}

// What json_exporter cannot read is refused with its position in the
// json_exporter file (file:line:col, line 4 is the metric's line); what it
// loads loads, filters and all: a path jsonpath rejects too (json_exporter
// fails it at every probe and goes on: TestJSONExporterUnparsedPaths), and
// what makes json_exporter serve nothing of the module (unservable: the
// input's polls fail with that error).
func TestJSONExporterConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		metric, at, want string
		unservable       bool
	}{
		{`{name: a, path: '{.a}', type: list}`, `list`, `type: "list" is not value or object`, true},
		{`{path: '{.a}'}`, `{path`, `name: a metric needs a name`, true},
		{`{name: a, path: '{.a}', labels: {'bad-label': x}}`, `x}}`, `labels: "bad-label" is not a valid label name`, true},
		{`{name: a, path: '{.a}', labels: {l: {nested: map}}}`, `{l:`, `labels: cannot unmarshal !!map into string`, false},
		// Loaded: json_exporter loads these and serves the rest of the module.
		{`{name: a, path: '{.values[?(@.state == "ACTIVE")'}`, "", "", false},
		{`{name: a, path: '{.a[}'}`, "", "", false},
		{`{name: a, path: '{.a'}`, "", "", false},
		{`{name: a, path: '{.a}', labels: {l: 'x{.b'}}`, "", "", false},
		{`{name: a, path: '{.a}', type: object, values: {v: '{.b[x]}'}}`, "", "", false},
		{`{name: a, path: '{.a}', epochtimestamp: '{.t'}`, "", "", false},
		// Loaded: json_exporter serves these.
		{`{name: a, path: '{.values[?(@.state == "ACTIVE")]}', type: object, values: {c: '{.count}'}}`, "", "", false},
		{`{name: a, path: '{..x}'}`, "", "", false},
		{`{name: a, path: '{.x}', labels: {l: 'planet-{.y}'}}`, "", "", false},
		{`{name: a, path: '{.x[*]}', type: object, values: {c: '{.a.b}'}}`, "", "", false},
		{`{name: a, path: '{.x}', epochtimestamp: '{.ts}', epochTimestamp: '{.ts}', valueconverter: {}}`, "", "", false},
		{`{name: a, path: '{.x}', valuetype: histogram}`, "", "", false},
	} {
		file := filepath.Join(dir, "je.yml")
		if err := os.WriteFile(file, []byte("modules:\n  default:\n    metrics:\n    - "+tc.metric+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var n yaml.Node
		if err := yaml.Unmarshal([]byte("targets: [http://a/]\njson_exporter_config: "+file+"\n"), &n); err != nil {
			t.Fatal(err)
		}
		_, err := factoryOf(t, "json").Decode(n.Content[0])
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v, want it loaded", tc.metric, err)
			}
			continue
		}
		// One position, in the json_exporter file: line 4, the column of
		// the value the error is about.
		want := fmt.Sprintf("%s:4:%d: module default: metrics[0]: %s", file, 7+strings.Index(tc.metric, tc.at), tc.want)
		if tc.unservable {
			if err != nil {
				t.Errorf("%s: %v, want it loaded", tc.metric, err)
			}
			mod, err := loadJSONExporter(file, "")
			if err != nil {
				t.Fatal(err)
			}
			p, err := (&JSONConfig{JSONExporterConfig: file}).NewParser()
			if err != nil {
				t.Fatal(err)
			}
			perr := p.Parse([]byte(`{"a": 1}`), func(normalize.Record) { t.Errorf("%s: a record from an unservable module", tc.metric) })
			if mod.unservable == nil || !strings.HasPrefix(mod.unservable.Error(), want) || parsing.Reason(perr, "") != "unservable_module" {
				t.Errorf("%s:\n got %v (poll: %v)\nwant %s", tc.metric, mod.unservable, perr, want)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Count(err.Error(), ":4:") != 1 {
			t.Errorf("%s:\n got %v\nwant %s", tc.metric, err, want)
		}
	}
	// A YAML syntax error: its line in the json_exporter file, the only
	// position.
	file := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(file, []byte("modules:\n  default:\n    metrics:\n    - name: a\n      path: '{.a}'\n     bad: indent\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("targets: [http://a/]\njson_exporter_config: "+file+"\n"), &n); err != nil {
		t.Fatal(err)
	}
	if _, err := factoryOf(t, "json").Decode(n.Content[0]); err == nil || err.Error() != file+":2: did not find expected key" {
		t.Errorf("YAML syntax error: %v, want %s:2: first and no other position", err, file)
	}
}

// The scanner reads what it reads exactly as json_exporter would; the
// rest goes to the JSONPath evaluator (the goldens in jsonoracle check
// both against the real json_exporter).
func TestJSONExporterFastPath(t *testing.T) {
	const file = "../../testdata/app/json/jsonexporter/shop.yml"
	for _, tc := range []struct {
		module     string
		fast, slow int
	}{
		{"fast", 9, 2}, // f_svc ({.services.*}) and f_not_array ({.services[*]}) overlap
		{"filters", 0, 10},
		{"nested", 0, 3},
		{"paths", 2, 6},
	} {
		mod, err := loadJSONExporter(file, tc.module)
		if err != nil {
			t.Fatal(err)
		}
		if len(mod.fast) != tc.fast || len(mod.slow) != tc.slow {
			t.Errorf("module %s: %d fast, %d slow; want %d, %d", tc.module, len(mod.fast), len(mod.slow), tc.fast, tc.slow)
		}
	}
	// Two metrics on the same objects: the scanner reads a node for one
	// selector only, so the second is evaluated with JSONPath.
	dir := t.TempDir()
	cfg := "modules:\n  default:\n    metrics:\n" +
		"    - {name: a, type: object, path: '{.q[*]}', values: {d: '{.d}'}}\n" +
		"    - {name: b, type: object, path: '{.q[*]}', values: {e: '{.e}'}}\n" +
		"    - {name: c, path: '{.x}'}\n"
	if err := os.WriteFile(dir+"/je.yml", []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	mod, err := loadJSONExporter(dir+"/je.yml", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(mod.fast) != 1 || len(mod.slow) != 2 {
		t.Errorf("overlapping metrics: %d fast, %d slow; want 1, 2", len(mod.fast), len(mod.slow))
	}
	recs, err := ParseBody(&JSONConfig{JSONExporterConfig: dir + "/je.yml"}, []byte(`{"q": [{"d": 1, "e": 2}], "x": 3}`), "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range recs {
		got[r.DefaultName] = r.Value
	}
	if diff := cmp.Diff(map[string]float64{"a_d": 1, "b_e": 2, "c": 3}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// With several targets, json_exporter-named series get the target label
// too, so the targets' series stay apart.
func TestJSONExporterConfigTwoTargets(t *testing.T) {
	doc, err := os.ReadFile("../../testdata/app/json/service.json")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(doc) })
	a, b := httptest.NewServer(h), httptest.NewServer(h)
	defer a.Close()
	defer b.Close()
	f := factoryOf(t, "json")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q, %q]\ntarget_label: instance\ninterval: 100ms\njson_exporter_config: ../../testdata/app/json/json_exporter.yml\n", a.URL, b.URL))
	rec, _ := startDriver(t, f, cfg)
	waitFor(t, "both targets", func() bool { return len(rec.get("app/"+a.URL)) > 0 && len(rec.get("app/"+b.URL)) > 0 })
	all := append(append([]normalize.Record(nil), rec.get("app/"+a.URL)...), rec.get("app/"+b.URL)...)
	got := familySummary(throughStore(t, all))
	n := 0
	for _, l := range got {
		if strings.HasPrefix(l, "queue_depth{") && strings.Contains(l, "instance=") {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d queue_depth series with an instance label, want 4 (2 queues × 2 targets):\n%s", n, strings.Join(got, "\n"))
	}
}

// TestJSONExporterUnparsedPaths: json_exporter loads a module whose paths
// jsonpath rejects and fails each of them at every probe, serving the
// rest: the metric of a rejected path is never served, nor an object
// metric's value of one; a label of one is empty; a metric whose
// epochtimestamp is one has no timestamp. Rosetta refused such a module
// before, losing every series of it.
func TestJSONExporterUnparsedPaths(t *testing.T) {
	file := filepath.Join(t.TempDir(), "je.yml")
	cfg := `modules:
  default:
    metrics:
    - {name: good, path: '{.a}'}
    - {name: bad, path: '{.a['}
    - {name: lab, path: '{.a}', labels: {l: 'x{.b', k: '{.c}'}}
    - {name: ts, path: '{.a}', epochtimestamp: '{.t'}
    - {name: obj, type: object, path: '{.objs[*]}', values: {good: '{.v}', bad: '{.v['}}
`
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	mod, err := loadJSONExporter(file, "")
	if err != nil {
		t.Fatal(err)
	}
	scan, err := jsonsel.New(jsonsel.Config{Metrics: mod.fast, SelectNone: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = newJEParser(scan, mod).Parse([]byte(`{"a": 1, "c": "see", "t": 5, "objs": [{"v": 2}]}`), func(r normalize.Record) {
		got = append(got, fmt.Sprintf("%s%v %g ts=%v", r.DefaultName, r.Labels, r.Value, r.HasTimestamp))
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{
		"good{} 1 ts=false",
		`lab{k="see", l=""} 1 ts=false`,
		"obj_good{} 2 ts=false",
		"ts{} 1 ts=false",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("served (-want +got):\n%s", d)
	}
}
