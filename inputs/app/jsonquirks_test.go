package app

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yaml2 "go.yaml.in/yaml/v2"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// -jsonexporter-src names a json_exporter checkout (never in the
// repository): TestJSONExporterYAMLQuirks then rewrites
// configquirks.golden with what its config package reads (jsonCfgOracle,
// run inside the checkout).
var jsonExporterSrc = flag.String("jsonexporter-src", "", "json_exporter checkout: rewrite testdata/app/json/configquirks.golden")

const jsonQuirksDir = "../../testdata/app/json"

// jsonCfgOracle is our recorder: it loads each case with json_exporter's
// config.LoadConfig and prints ERR, or OK and module default as JSON.
const jsonCfgOracle = `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus-community/json_exporter/config"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "cfgoracle")
	defer os.RemoveAll(dir)
	for _, part := range strings.Split(string(data), "=== ")[1:] {
		id, body, _ := strings.Cut(part, "\n")
		f := filepath.Join(dir, "c.yml")
		_ = os.WriteFile(f, []byte(body), 0o600)
		fmt.Printf("=== %s\n", id)
		cfg, err := config.LoadConfig(f)
		if err != nil {
			fmt.Printf("ERR\n")
			continue
		}
		m, ok := cfg.Modules["default"]
		if !ok {
			fmt.Printf("OK nomodule\n")
			continue
		}
		out := map[string]any{"metrics": m.Metrics, "headers": m.Headers, "valid_status_codes": m.ValidStatusCodes, "body": m.Body}
		b, _ := json.Marshal(out)
		fmt.Printf("OK %s\n", b)
	}
}
`

// jeRead is a module as json_exporter's config package reads it.
type jeRead struct {
	Metrics []struct {
		Name, Path, Type, ValueType, EpochTimestamp, Help string
		Labels, Values                                    map[string]string
		AllowMissingKey                                   bool
	} `json:"metrics"`
	Headers          map[string]string `json:"headers"`
	ValidStatusCodes []int             `json:"valid_status_codes"`
	Body             struct {
		Content    string
		Templatize bool
	} `json:"body"`
}

// TestJSONExporterYAMLQuirks: json_exporter configs written with YAML 1.1
// and yaml.v2 constructs (booleans yes/on/y, octal, hex and 1_000
// integers, floats into integers, nulls, tags, duplicate keys, merge keys,
// several documents, BOM, tabs), from configquirks.txt. What
// json_exporter's config package (yaml.v2, not strict) reads, recorded in
// configquirks.golden: Rosetta accepts a config exactly when it does
// and reads the same module (what json_exporter loads but then cannot
// serve, Rosetta loads as a module whose polls fail: unservable).
func TestJSONExporterYAMLQuirks(t *testing.T) {
	if *jsonExporterSrc != "" {
		dir := filepath.Join(*jsonExporterSrc, "cmd", "rosetta-cfgoracle")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(jsonCfgOracle), 0o644); err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(filepath.Join(jsonQuirksDir, "configquirks.txt"))
		cmd := exec.Command("go", "run", "./cmd/rosetta-cfgoracle", abs)
		cmd.Dir = *jsonExporterSrc
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("json_exporter config oracle: %v", err)
		}
		if err := os.WriteFile(filepath.Join(jsonQuirksDir, "configquirks.golden"), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unservable := map[string]string{
		"type-Value":         "a type json_exporter cannot serve (it loads the config, then serves no metric of the module)",
		"name-~":             "no name: json_exporter cannot serve the module (an invalid descriptor)",
		"name-''":            "no name: json_exporter cannot serve the module (an invalid descriptor)",
		"metrics-item-null":  "no name: json_exporter cannot serve the module (an invalid descriptor)",
		"labels-{1: '{.b}'}": "an invalid label name: json_exporter cannot serve the module",
	}
	golden := map[string]string{}
	for _, c := range testutil.Sections(t, filepath.Join(jsonQuirksDir, "configquirks.golden")) {
		golden[c.ID] = strings.TrimSpace(c.Body)
	}
	for _, c := range testutil.Sections(t, filepath.Join(jsonQuirksDir, "configquirks.txt")) {
		g, ok := golden[c.ID]
		if !ok {
			t.Errorf("%s: not in configquirks.golden (rerun with -jsonexporter-src)", c.ID)
			continue
		}
		f := filepath.Join(t.TempDir(), "c.yml")
		if err := os.WriteFile(f, []byte(c.Body), 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := loadJSONExporter(f, "")
		peerOK := strings.HasPrefix(g, "OK")
		if why, ok := unservable[c.ID]; ok {
			if !peerOK || err != nil || m.unservable == nil {
				t.Errorf("%s: unservable (%s), but json_exporter: %s, rosetta: %v, %+v", c.ID, why, g, err, m)
			}
			continue
		}
		if g == "OK nomodule" {
			peerOK = false // json_exporter has no module default to probe either
		}
		if peerOK != (err == nil) {
			t.Errorf("%s: %q\njson_exporter: %s\nrosetta: %v", c.ID, c.Body, g, err)
			continue
		}
		if !peerOK {
			continue
		}
		var peer jeRead
		if err := json.Unmarshal([]byte(strings.TrimPrefix(g, "OK ")), &peer); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		if d := cmp.Diff(jePeerView(peer), jeOurView(m)); d != "" {
			t.Errorf("%s: %q\nread otherwise (-json_exporter +rosetta):\n%s", c.ID, c.Body, d)
		}
	}
}

// jeView is a module in terms both sides can be compared on.
type jeView struct {
	Metrics []string
	Headers map[string]string
	Status  []int
	Body    string
}

func jePeerView(p jeRead) jeView {
	v := jeView{Headers: p.Headers, Status: p.ValidStatusCodes}
	for _, m := range p.Metrics {
		typ := normalize.TypeUntyped
		switch m.ValueType {
		case "gauge":
			typ = normalize.TypeGauge
		case "counter":
			typ = normalize.TypeCounter
		}
		values := m.Values
		if m.Type != "object" {
			values = nil
		}
		v.Metrics = append(v.Metrics, jeMetricView(m.Name, m.Help, m.Path, m.Type == "object", typ, m.AllowMissingKey, m.EpochTimestamp, m.Labels, values))
	}
	sort.Strings(v.Metrics)
	if p.Body.Content != "" {
		v.Body = fmt.Sprintf("%q templatize=%v", p.Body.Content, p.Body.Templatize)
	}
	return v
}

func jeOurView(m *jeModule) jeView {
	v := jeView{Headers: m.headers, Status: m.validStatus}
	specs := slices.Clone(m.fastSpecs)
	for _, s := range m.slow {
		specs = append(specs, s.spec)
	}
	for _, s := range specs {
		labels, values := map[string]string{}, map[string]string{}
		for _, l := range s.labels {
			labels[l.name] = l.t.text
		}
		for _, x := range s.values {
			values[x.name] = x.t.text
		}
		ts := ""
		if s.ts != nil {
			ts = s.ts.text
		}
		v.Metrics = append(v.Metrics, jeMetricView(s.name, s.help, s.path.text, s.object, s.typ, s.allowMissing, ts, labels, values))
	}
	sort.Strings(v.Metrics)
	if b := m.body; b != nil {
		v.Body = fmt.Sprintf("%q templatize=%v", b.content, b.tpl != nil)
	}
	return v
}

func jeMetricView(name, help, path string, object bool, typ normalize.Type, allowMissing bool, ts string, labels, values map[string]string) string {
	l := func(m map[string]string) string {
		var parts []string
		for _, k := range slices.Sorted(mapsKeys(m)) {
			parts = append(parts, k+"="+m[k])
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprintf("name=%q help=%q path=%q object=%v type=%v allow_missing=%v ts=%q labels={%s} values={%s}",
		name, help, path, object, typ, allowMissing, ts, l(labels), l(values))
}

// TestJSONExporterExcessiveAliasing: configs of a few hundred bytes whose
// aliases stand for millions of nodes are refused (excessive aliasing)
// before they are expanded: a billion laughs in headers (json_exporter
// refuses it too: a list is no header value; Rosetta wrote the million
// nodes out for yaml.v2, 4 s, and each level 15 times more) and
// mappings of mappings merged into the same key (copied at each level,
// doubling: 0.3 s at 18 levels; yaml.v2 refuses them as excessive
// aliasing). A config with a few aliases still loads.
func TestJSONExporterExcessiveAliasing(t *testing.T) {
	metric := "    metrics:\n      - name: x\n        path: '{.x}'\n"
	var laughs, merges strings.Builder
	laughs.WriteString("a0: &a0 [a, b, c, d, e, f, g, h, i, j]\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&laughs, "a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				laughs.WriteString(", ")
			}
			fmt.Fprintf(&laughs, "*a%d", i-1)
		}
		laughs.WriteString("]\n")
	}
	laughs.WriteString("modules:\n  default:\n    headers: {X: *a5}\n" + metric)
	merges.WriteString("b0: &b0 {k: v}\n")
	for i := 1; i <= 24; i++ {
		fmt.Fprintf(&merges, "b%d: &b%d {x: *b%d, y: *b%d}\n", i, i, i-1, i-1)
	}
	merges.WriteString("modules:\n  default:\n    headers: {x: *b24, <<: {x: *b24}}\n" + metric)
	few := "base: &base {name: x, path: '{.x}'}\nmodules:\n  default:\n    metrics:\n      - <<: *base\n      - {<<: *base, name: y}\n"
	for _, tc := range []struct {
		name, data, err string
	}{
		{"laughs", laughs.String(), ":9:14: headers: document contains excessive aliasing"},
		{"merges", merges.String(), ": document contains excessive aliasing"},
		{"few", few, ""},
	} {
		var v struct {
			Modules map[string]struct {
				Headers map[string]string
			}
		}
		perr := yaml2.Unmarshal([]byte(tc.data), &v) // json_exporter's library
		if (perr != nil) != (tc.err != "") {
			t.Fatalf("%s: yaml.v2: %v, want refused %v", tc.name, perr, tc.err != "")
		}
		f := filepath.Join(t.TempDir(), "c.yml")
		if err := os.WriteFile(f, []byte(tc.data), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := loadJSONExporter(f, "")
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), f+tc.err)):
			t.Errorf("%s: got %v, want %s", tc.name, err, f+tc.err)
		}
	}
}
