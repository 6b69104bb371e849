package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

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
		w.Write(doc)
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
		w.Write(doc)
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

func TestJSONExporterConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ metric, want string }{
		{"{name: a, path: '{.values[?(@.state == \"ACTIVE\")]}', type: object, values: {c: '{.count}'}}", "filter expressions"},
		{"{name: a, path: '{..x}'}", "recursive descent"},
		{"{name: a, path: '{.x}', labels: {l: '{.y}'}}", "labels from paths need type: object"},
		{"{name: a, path: '{.x[*]}', type: object, values: {c: '{.a.b}'}}", "only a field of the object"},
		{"{name: a, path: '{.x}', epochTimestamp: '{.ts}'}", "epochTimestamp is not supported"},
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
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.metric, err, tc.want)
		}
	}
}

// With several targets, json_exporter-named series get the target label
// too, so the targets' series stay apart.
func TestJSONExporterConfigTwoTargets(t *testing.T) {
	doc, err := os.ReadFile("../../testdata/app/json/service.json")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(doc) })
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
