package mappings

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/normalize"
)

const kafkaStyle = `
hostPort: localhost:9999
lowercaseOutputName: true
lowercaseOutputLabelNames: true
whitelistObjectNames: ["com.example:*"]
rules:
  - pattern: 'com.example<type=(\w+), name=(\w+)><>(Count|IntValue): (.*)'
    name: example_$1_$3
    labels:
      zbean: "$2"
      Abc: "static"
    help: "Example $3"
    type: GAUGE
  - pattern: 'com.example<type=Stats, zone=(\w+), app="(.+)"><>Uptime'
    name: app_uptime_seconds
    valueFactor: 0.001
    labels:
      app: $2
      zone: $1
  - pattern: 'com.example<type=Types, name=all><Latency>(p\d+): (.*)'
    name: latency_$1
    value: "$2"
  - pattern: 'com.example<type=Types, name=all><>Drop'
    name: ""
  - pattern: 'com.example<type=Types, name=all><>(Double)Value'
`

func TestTranslateJMXExporter(t *testing.T) {
	cfg, err := TranslateFile("jmx.yml", []byte(kafkaStyle), "")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.LowercaseOutputName || !cfg.LowercaseOutputLabelNames || cfg.Unmatched != normalize.UnmatchedDrop || len(cfg.Rules) != 5 {
		t.Fatalf("config %+v", cfg)
	}
	r := cfg.Rules[0]
	if r.Match != `^.*(?:com.example<type=(\w+), name=(\w+)><>(Count|IntValue): (.*)).*$` || r.Name != "example_${1}_${3}" || r.Help != "Example ${3}" || !r.HelpTemplate {
		t.Errorf("rule 1: %+v", r)
	}
	if diff := cmp.Diff([]string{"Abc", "zbean"}, []string{r.Labels[0].Name, r.Labels[1].Name}); diff != "" {
		t.Errorf("labels not in sorted key order: %s", diff)
	}
	rs, err := normalize.NewRuleSet(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := mbean.ParseBeanName("com.example:type=Types,name=all")
	st, _ := mbean.ParseBeanName(`com.example:type=Stats,zone=eu,app="my app"`)
	x := &jmx.Exporter{}
	recs := x.Bean(nil, &b, map[string]string{"Count": "the count"}, []mbean.Attribute{
		{Name: "Count", Value: mbean.Number{Float: 42, Text: "42"}},
		{Name: "Latency", Value: &mbean.Composite{Keys: []string{"count", "p50"}, Items: map[string]any{
			"count": mbean.Number{Float: 7, Text: "7"}, "p50": mbean.Number{Float: 1.5, Text: "1.5"}}}},
		{Name: "DoubleValue", Value: mbean.Number{Float: 2.5, Text: "2.5"}},
		{Name: "Unmatched", Value: mbean.Number{Float: 1, Text: "1"}},
	})
	recs = x.Bean(recs, &st, nil, []mbean.Attribute{{Name: "Uptime", Value: mbean.Number{Float: 3600, Text: "3600"}}})
	var got []string
	for _, rec := range recs {
		s, out, reason := rs.Map(rec)
		if out != normalize.OutcomeMapped {
			got = append(got, rec.Match+" -> "+out.String()+" "+reason)
			continue
		}
		got = append(got, s.Name+s.Labels.String()+" "+strconv.FormatFloat(s.Value, 'g', -1, 64)+" "+s.Type.String())
		if s.Name == "example_types_count" && s.Help != "Example Count" {
			t.Errorf("help of %s = %q, want the expanded template", s.Name, s.Help)
		}
	}
	want := []string{
		`example_types_count{abc="static", zbean="all"} 42 gauge`,
		`com.example<type=Types, name=all><Latency>count: 7 -> dropped unmatched`,
		`latency_p50{} 1.5 untyped`,
		`com_example_types_doublevalue{name="all"} 2.5 untyped`,
		`com.example<type=Types, name=all><>Unmatched: 1 -> dropped unmatched`,
		`app_uptime_seconds{app="my app", zone="eu"} 3.6 untyped`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
}

func TestJMXExporterErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"rules:\n  - pattern: 'a**'\n    name: x", `jmx.yml:2:14: rule 1 ("a**"): pattern: column 3: Dangling meta character '*'`},
		{"rules:\n  - pattern: 'a{foo}'\n    name: x", `pattern: column 2: Illegal repetition`},
		{"rules:\n  - pattern: '[z-a]'\n    name: x", `pattern: column 4: Illegal character range`},
		{"rules:\n  - pattern: '(a'\n    name: x", `pattern: column 3: Unclosed group`},
		{"rules:\n  - pattern: '\\p{Foo}'\n    name: x", `Unknown character property name {Foo}`},
		{"rules:\n  - pattern: '(?<a>x)(?<a>y)'\n    name: x", `Named capturing group <a> is already defined`},
		{"rules:\n  - pattern: '(?c)a'\n    name: x", `the flag (?c) is not supported by Rosetta`},
		{"rules:\n  - name: x", `name needs a pattern`},
		{"rules:\n  - pattern: a\n    help: h", `help and labels need a name`},
		{"rules:\n  - pattern: a\n    name: x_$2", `no group 2`},
		{"startDelaySeconds: -1", `jmx.yml:1:20: startDelaySeconds: must not be negative`},
		{"startDelaySeconds: 1.5", `startDelaySeconds: invalid number "1.5" (want an integer)`},
		{"scrapeTimeoutSeconds: 0", `scrapeTimeoutSeconds: must be at least 1`},
		{"hostPort: a:1\njmxUrl: service:jmx:rmi:///jndi/rmi://a:1/jmxrmi", `jmx.yml:2:9: at most one of hostPort and jmxUrl`},
		{"rules:\n  - pattern: a\n    cache: maybe", `cache: invalid boolean "maybe"`},
	}
	for _, tc := range tests {
		_, err := TranslateFile("jmx.yml", []byte(tc.yaml), FormatJMXExporter)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestJavaTemplate(t *testing.T) {
	tests := []struct {
		in     string
		groups int
		name   bool
		want   string
	}{
		{"kafka_$1_$2", 2, true, "kafka_${1}_${2}"},
		{"x_$12", 1, true, "x_${1}2"},
		{"x_$12", 12, true, "x_${12}"},
		{"${name}.total", 1, true, "${name}_total"},
		{"9lives-$1", 1, true, "_9lives_${1}"},
		{`cost \$ $1`, 1, false, "cost $$ ${1}"},
		{"plain.name", 0, true, "plain_name"},
	}
	for _, tc := range tests {
		got, err := javaTemplate(tc.in, tc.groups, tc.name)
		if err != nil || got != tc.want {
			t.Errorf("javaTemplate(%q, %d) = %q, %v; want %q", tc.in, tc.groups, got, err, tc.want)
		}
	}
}

func TestDetectJMXExporter(t *testing.T) {
	for data, want := range map[string]string{
		"hostPort: a:1\n":                        FormatJMXExporter,
		"rules:\n  - pattern: x\n":               FormatJMXExporter,
		"mappings:\n  - match: a.*\n    name: b": FormatStatsd,
		"rules:\n  - match: a.*\n    name: b\n":  FormatRosetta,
	} {
		root, err := parseYAML("f.yml", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		f, ok := detectFormat(root)
		if !ok || f.Name != want {
			t.Errorf("%q detected as %q, want %q", data, f.Name, want)
		}
	}
}

// FuzzTranslateJMXExporter: any file either fails with errors or gives a
// rule set the engine compiles without panicking.
func FuzzTranslateJMXExporter(f *testing.F) {
	f.Add(kafkaStyle)
	f.Add("rules:\n  - pattern: 'a(?=b)'\n    name: x_$1")
	f.Add("rules:\n  - pattern: '(a)(b)'\n    name: ${1}_$2\n    value: $12\n    labels: {x: \\$1}")
	f.Fuzz(func(t *testing.T, data string) {
		cfg, err := TranslateJMXExporter("f.yml", []byte(data))
		if err != nil {
			return
		}
		rs, err := normalize.NewRuleSet(*cfg)
		if err != nil {
			return
		}
		_, _, _ = rs.Map(normalize.Record{Match: "com.example<type=Types, name=all><>Count: 42", Value: 42, DefaultName: "x"})
	})
}

// attrNameSnakeCase and String attributes, as jmx_exporter treats them:
// the snake-case rule sees "heap_memory_usage", the other rule the original
// name; a String attribute becomes a sample only through a value template.
func TestJMXExporterSnakeCaseAndStrings(t *testing.T) {
	const file = `
rules:
  - pattern: 'java.lang<type=Memory><HeapMemoryUsage>(\w+): (.*)'
    attrNameSnakeCase: true
    name: jvm_heap_$1_bytes
  - pattern: 'java.lang<type=Memory><NonHeapMemoryUsage>(\w+)'
    name: jvm_nonheap_$1_bytes
  - pattern: 'java.lang<type=Runtime><>VmVersion: (\d+)\.(.*)'
    name: jvm_version_info
    value: "1"
    labels: {major: $1}
  - pattern: 'java.lang<type=Threading><>(thread_count|current_thread_cpu_time)'
    attrNameSnakeCase: true
  - pattern: 'java.lang<type=Threading><>ThreadCount'
    name: never_reached_by_snake_case_rule_order
  - pattern: 'java.lang<type=Runtime><>.*'
`
	cfg, err := TranslateFile("jmx.yml", []byte(file), FormatJMXExporter)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := normalize.NewRuleSet(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := &jmx.Exporter{Strings: true}
	mem, _ := mbean.ParseBeanName("java.lang:type=Memory")
	rt, _ := mbean.ParseBeanName("java.lang:type=Runtime")
	th, _ := mbean.ParseBeanName("java.lang:type=Threading")
	usage := func(used float64) *mbean.Composite {
		return &mbean.Composite{Keys: []string{"used"}, Items: map[string]any{"used": mbean.Number{Float: used, Text: strconv.FormatFloat(used, 'f', -1, 64)}}}
	}
	recs := x.Bean(nil, &mem, nil, []mbean.Attribute{
		{Name: "HeapMemoryUsage", Value: usage(100)},
		{Name: "NonHeapMemoryUsage", Value: usage(50)},
	})
	recs = x.Bean(recs, &rt, nil, []mbean.Attribute{
		{Name: "VmVersion", Value: "17.0.9+9"},
		{Name: "VmVendor", Value: "Debian"},
		{Name: "Uptime", Value: mbean.Number{Float: 5, Text: "5"}},
	})
	recs = x.Bean(recs, &th, nil, []mbean.Attribute{
		{Name: "ThreadCount", Value: mbean.Number{Float: 12, Text: "12"}},
		{Name: "PeakThreadCount", Value: mbean.Number{Float: 14, Text: "14"}},
	})
	var got []string
	for _, rec := range recs {
		s, out, reason := rs.Map(rec)
		if out != normalize.OutcomeMapped {
			got = append(got, rec.Match+" -> "+out.String()+" "+reason)
			continue
		}
		got = append(got, s.Name+s.Labels.String()+" "+strconv.FormatFloat(s.Value, 'g', -1, 64))
	}
	want := []string{
		`jvm_heap_used_bytes{} 100`,
		`jvm_nonheap_used_bytes{} 50`,
		`jvm_version{major="17"} 1`,
		`java.lang<type=Runtime><>VmVendor: Debian -> dropped no_value`,
		`java_lang_Runtime_Uptime{} 5`,
		`java_lang_Threading_thread_count{} 12`,
		`java.lang<type=Threading><>PeakThreadCount: 14 -> dropped unmatched`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
}
