package jmx_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/mappings"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// sink keeps the last batch each source replaced.
type sink struct {
	mu   sync.Mutex
	last map[string][]normalize.Sample
	got  chan struct{}
}

func (s *sink) Write([]normalize.Sample) {}

func (s *sink) Replace(source string, batch []normalize.Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The batch and its labels belong to the caller: copy them.
	cp := make([]normalize.Sample, len(batch))
	for i, smp := range batch {
		cp[i] = smp
		cp[i].Labels = append(normalize.Labels(nil), smp.Labels...)
	}
	s.last[source] = cp
	if len(batch) > 0 {
		select {
		case s.got <- struct{}{}:
		default:
		}
	}
}

// TestJMXExporterConfigEndToEnd: an unchanged jmx_exporter YAML drives both
// the connection (jmx_exporter_config) and the rules (the same file as a
// mapping file): a real JVM, the JMX driver, the rule engine, and the
// samples that jmx_exporter's semantics give.
func TestJMXExporterConfigEndToEnd(t *testing.T) {
	port := jmx.StartTestJVM(t)
	file := filepath.Join(t.TempDir(), "jmx_exporter.yml")
	data := `
hostPort: 127.0.0.1:` + strconv.Itoa(port) + `
lowercaseOutputName: true
lowercaseOutputLabelNames: true
includeObjectNames: ["com.example:*", "java.lang:type=Memory"]
rules:
  - pattern: 'com.example<type=Types, name=(\w+)><>(Count|ByteValue): (.*)'
    name: example_$2
    labels:
      bean: $1
    help: "An example attribute"
    type: GAUGE
  - pattern: 'com.example<type=Types, name=all, path=(.+)><Requests>errors'
    name: example_request_errors_total
    type: COUNTER
    labels:
      path: $1
  - pattern: 'com.example<type=Stats, zone=(\w+), app="(.+)"><>Uptime'
    name: app_uptime_minutes
    valueFactor: 0.016666666666666666
    labels:
      zone: $1
      app: $2
  - pattern: 'com.example<type=Types, name=all><Latency>p99: (.*)'
    name: latency_p99_milliseconds
    value: "$1"
  - pattern: 'java.lang<type=Memory><HeapMemoryUsage>(max)'
  - pattern: 'com.example<type=Model><>Size'
  - pattern: 'com.example<type=Stats, zone=eu, app="my app"><>State: (\w+)'
    name: app_state_info
    value: 1
    labels:
      state: $1
`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	rsc, err := mappings.TranslateFile(file, []byte(data), "")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := normalize.NewRuleSet(*rsc)
	if err != nil {
		t.Fatal(err)
	}
	sk := &sink{last: map[string][]normalize.Sample{}, got: make(chan struct{}, 1)}
	pipe := normalize.NewPipeline(normalize.PipelineSettings{Input: "app", Sink: sk}, rs)

	f := jmx.NewFactory()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte("jmx_exporter_config: "+file+"\ninterval: 200ms\n"), &node); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.Decode(node.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	drv, err := f.New(inputs.Settings{Name: "app"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- drv.Run(ctx, pipe) }()
	select {
	case <-sk.got:
	case <-time.After(30 * time.Second):
		t.Fatal("no samples within 30s")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	sk.mu.Lock()
	samples := sk.last["app/127.0.0.1:"+strconv.Itoa(port)]
	sk.mu.Unlock()
	var got []string
	for _, s := range samples {
		line := s.Name + s.Labels.String() + " " + s.Type.String() + " " + strconv.FormatFloat(s.Value, 'g', 6, 64)
		if s.Name == "java_lang_memory_heapmemoryusage_max" {
			line = s.Name + s.Labels.String() + " " + s.Type.String() // value depends on the JVM
		}
		got = append(got, line)
	}
	sort.Strings(got)
	want := []string{
		`app_state{state="RUNNING"} untyped 1`, // client_java strips _info
		`app_uptime_minutes{app="my app", zone="eu"} untyped 60`,
		`com_example_model_size{} untyped 11`,
		`example_bytevalue{bean="all"} gauge -7`,
		`example_count{bean="all"} gauge 42`,
		`example_request_errors_total{path="/a"} counter 1`,
		`example_request_errors_total{path="/b"} counter 0`,
		`java_lang_memory_heapmemoryusage_max{} untyped`,
		`latency_p99_milliseconds{} untyped 12.25`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
	for _, s := range samples {
		if s.Name == "example_count" && s.Help != "An example attribute" {
			t.Errorf("help %q", s.Help)
		}
	}
}

// TestJMXExporterConfigIsTheWholeFile: a jmx_exporter config named once,
// as jmx_exporter_config, brings its rules too (as jmx_exporter reads
// it). Listing it again under mapping_files changes nothing; rules beside
// it add to it.
func TestJMXExporterConfigIsTheWholeFile(t *testing.T) {
	port := jmx.StartTestJVM(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "tomcat-like.yml")
	data := `
hostPort: 127.0.0.1:` + strconv.Itoa(port) + `
lowercaseOutputName: true
includeObjectNames: ["com.example:*"]
rules:
  - pattern: 'com.example<type=Types, name=(\w+)><>(Count): (.*)'
    name: example_$2
    labels:
      bean: $1
    type: GAUGE
  - pattern: 'com.example<type=Stats, zone=(\w+), app="(.+)"><>Uptime'
    name: app_uptime_seconds
    labels:
      zone: $1
`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	reg, err := inputs.NewRegistry(jmx.NewFactory())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`app_uptime_seconds{zone="eu"} untyped 3600`,
		`example_count{bean="all"} gauge 42`,
	}
	tests := []struct {
		name, extra string
		rules       int
		want        []string
	}{
		{"alone", "", 2, want},
		{"listed again under mapping_files", "    mapping_files: [" + file + "]\n", 2, want},
		{"rules beside it add to it", `    rules:
      - match: 'com\.example<type=Model><>(Size): .*'
        match_type: regex
        name: model_${1}
`, 3, append(slices.Clone(want), `model_size{} untyped 11`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := filepath.Join(dir, "rosetta.yml")
			body := "inputs:\n  - name: app\n    type: jmx\n    config:\n      jmx_exporter_config: " + file + "\n      interval: 200ms\n" + tc.extra
			cfg, err := mappings.Parse(conf, []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			ins, err := mappings.Build(cfg, reg, mappings.Options{})
			if err != nil {
				t.Fatal(err)
			}
			in := ins[0]
			if in.Rules.Len() != tc.rules {
				t.Errorf("%d rules, want %d", in.Rules.Len(), tc.rules)
			}
			if len(in.Files) == 0 || in.Files[0] != file {
				t.Errorf("watched files %q, want %s first", in.Files, file)
			}
			got := pollOnce(t, in, "app/127.0.0.1:"+strconv.Itoa(port))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("samples (-want +got):\n%s", diff)
			}
		})
	}
}

// pollOnce runs a built input until its first non-empty poll and returns
// its samples as sorted "name{labels} type value" lines.
func pollOnce(t *testing.T, in mappings.Input, source string) []string {
	t.Helper()
	sk := &sink{last: map[string][]normalize.Sample{}, got: make(chan struct{}, 1)}
	pipe := normalize.NewPipeline(normalize.PipelineSettings{Input: in.Name, Sink: sk}, in.Rules)
	drv, err := in.Factory.New(inputs.Settings{Name: in.Name}, in.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- drv.Run(ctx, pipe) }()
	select {
	case <-sk.got:
	case <-time.After(30 * time.Second):
		t.Fatal("no samples within 30s")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sk.mu.Lock()
	defer sk.mu.Unlock()
	var got []string
	for _, s := range sk.last[source] {
		got = append(got, s.Name+s.Labels.String()+" "+s.Type.String()+" "+strconv.FormatFloat(s.Value, 'g', 6, 64))
	}
	sort.Strings(got)
	return got
}
