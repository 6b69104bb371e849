package chartcheck

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

func init() {
	// helm's loader logs every symlink it follows with the standard
	// logger; charts/rosetta-sidecar is one on purpose.
	log.SetOutput(io.Discard)
}

var update = flag.Bool("update", false, "rewrite the golden renderings in testdata/")

const (
	helmDir    = "../helm"
	demoChart  = "../helm/rosetta-demo"
	sidecarLib = "../helm/rosetta-sidecar"
)

// caps are the capabilities of a cluster of the given version with the
// Prometheus operator's CRDs installed.
func caps(t testing.TB, kubeVersion string) *chartutil.Capabilities {
	t.Helper()
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	c := chartutil.DefaultCapabilities.Copy()
	c.KubeVersion = *kv
	c.APIVersions = append(c.APIVersions, "monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PodMonitor")
	return c
}

// render renders a chart directory as `helm template` does: dependencies
// processed (aliases, conditions), values coalesced and validated against
// the charts' values.schema.json, templates executed. It returns the
// rendered manifests by template path, without empty ones and NOTES.txt.
func render(t testing.TB, dir string, values map[string]any, kubeVersion string) (map[string]string, error) {
	t.Helper()
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatalf("loading chart %s: %v", dir, err)
	}
	return renderChart(ch, values, caps(t, kubeVersion))
}

func renderChart(ch *chart.Chart, values map[string]any, c *chartutil.Capabilities) (map[string]string, error) {
	if err := chartutil.ProcessDependenciesWithMerge(ch, values); err != nil {
		return nil, fmt.Errorf("dependencies: %w", err)
	}
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{
		Name: "shop", Namespace: "demo", Revision: 1, IsInstall: true,
	}, c)
	if err != nil {
		return nil, err
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		return nil, err
	}
	docs := map[string]string{}
	for name, text := range out {
		if strings.HasSuffix(name, "NOTES.txt") || strings.TrimSpace(text) == "" {
			continue
		}
		docs[name] = text
	}
	return docs, nil
}

// join concatenates rendered templates in path order, as helm template
// prints them.
func join(docs map[string]string) string {
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", n, strings.TrimSpace(docs[n]))
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the rendering (run with -update after checking the change):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the first differing lines, enough to see what changed.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, a, b)
		}
	}
	return ""
}

// TestLint runs helm's linter (the code behind `helm lint`) on both
// charts, at the Kubernetes versions on either side of native sidecars,
// and fails on any warning or error.
func TestLint(t *testing.T) {
	for _, dir := range []string{sidecarLib, demoChart, nodeChart, injectorChart} {
		for _, kv := range []string{"1.28.0", "1.31.0"} {
			t.Run(filepath.Base(dir)+"@"+kv, func(t *testing.T) {
				v, err := chartutil.ParseKubeVersion(kv)
				if err != nil {
					t.Fatal(err)
				}
				l := lint.AllWithKubeVersion(dir, nil, "demo", v)
				for _, m := range l.Messages {
					if m.Severity >= support.WarningSev {
						t.Errorf("%s", m)
					} else {
						t.Logf("%s", m)
					}
				}
			})
		}
	}
}

// valueSets are the value combinations every rendering test covers.
var valueSets = []struct {
	name   string
	values map[string]any
}{
	{name: "defaults", values: map[string]any{}},
	{name: "monitors", values: map[string]any{"podAnnotations": map[string]any{"team": "shop"}, "rosetta": map[string]any{
		"scrapeAnnotations": true,
		"serviceMonitor":    map[string]any{"enabled": true, "labels": map[string]any{"release": "prometheus"}},
		"podMonitor":        map[string]any{"enabled": true, "interval": "15s", "scrapeTimeout": "10s"},
	}}},
	{name: "config-and-existing", values: map[string]any{"rosetta": map[string]any{
		"config":            "inputs:\n  - name: statsd\n    type: statsd\n",
		"existingConfigMap": "my-rosetta-config",
		"nativeSidecar":     false,
		"image":             map[string]any{"digest": "sha256:" + strings.Repeat("ab", 32)},
		"extraArgs":         []any{"--web.telemetry-path=/metrics"},
		"ports":             map[string]any{"statsd": 0},
	}}},
	{name: "forced-native-no-limits", values: map[string]any{"rosetta": map[string]any{
		"nativeSidecar": true,
		"resources":     map[string]any{"requests": map[string]any{"cpu": "5m"}},
		"startupProbe":  nil,
	}}},
}

// TestRenderGolden renders the demo chart at Kubernetes 1.28 (plain
// container) and 1.31 (native sidecar) with default values and compares
// with the golden files, so a change to the output is seen in review.
func TestRenderGolden(t *testing.T) {
	for _, kv := range []string{"1.28.0", "1.31.0"} {
		t.Run(kv, func(t *testing.T) {
			docs, err := render(t, demoChart, map[string]any{}, kv)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "rosetta-demo-k8s-"+kv+".yaml", join(docs))
		})
	}
}

// TestValuesRejected checks that the schema and the templates refuse bad
// values with a message that names the value.
func TestValuesRejected(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]any
		want   string // a regexp the error must match
	}{
		{"typo in a sidecar key", map[string]any{"rosetta": map[string]any{"nativeSidecars": true}}, `nativeSidecars`},
		{"bad nativeSidecar", map[string]any{"rosetta": map[string]any{"nativeSidecar": "sometimes"}}, `nativeSidecar`},
		{"typo at the top", map[string]any{"replicas": 2}, `replicas`},
		{"port out of range", map[string]any{"rosetta": map[string]any{"ports": map[string]any{"web": 70000}}}, `web`},
		{"bad log level", map[string]any{"rosetta": map[string]any{"logLevel": "verbose"}}, `logLevel`},
		{"mapping file not in files", map[string]any{"rosetta": map[string]any{"statsdMappingFile": "nope.yml"}}, `"nope.yml" is not a key of rosetta.files`},
		{"rosetta.yml among files", map[string]any{"rosetta": map[string]any{"files": map[string]any{"rosetta.yml": "x"}}}, `rosetta.yml`},
		{"bad interval", map[string]any{"rosetta": map[string]any{"serviceMonitor": map[string]any{"enabled": true, "interval": "often"}}}, `interval`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render(t, demoChart, tt.values, "1.31.0")
			if err == nil {
				t.Fatalf("values %v rendered without error", tt.values)
			}
			if !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Errorf("error does not match %q:\n%v", tt.want, err)
			}
		})
	}
}

// splitDocs splits a multi-document YAML stream, dropping empty documents.
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(stripComments(d)) == "" {
			continue
		}
		docs = append(docs, []byte(d))
	}
	return docs
}

func stripComments(s string) string {
	var b bytes.Buffer
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// keys returns the sorted keys of a map.
func keys[M ~map[string]V, V any](m M) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
