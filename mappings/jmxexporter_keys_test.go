package mappings

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// mapJMX runs bean readings through a jmx_exporter config's rules and
// returns one line per record: "name{labels} value type", or what
// happened to it.
func mapJMX(t *testing.T, config string, beans map[string][]mbean.Attribute) []string {
	t.Helper()
	cfg, err := TranslateFile("jmx.yml", []byte(config), "")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := normalize.NewRuleSet(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := &jmx.Exporter{LowercaseOutputName: cfg.LowercaseOutputName, LowercaseOutputLabelNames: cfg.LowercaseOutputLabelNames, Strings: true}
	var recs []normalize.Record
	for name, attrs := range beans {
		b, err := mbean.ParseBeanName(name)
		if err != nil {
			t.Fatal(err)
		}
		recs = x.Bean(recs, &b, nil, attrs)
	}
	var got []string
	for _, rec := range recs {
		s, out, reason := rs.Map(rec)
		if out != normalize.OutcomeMapped && out != normalize.OutcomeUnmatched {
			got = append(got, rec.Match+" -> "+out.String()+" "+reason)
			continue
		}
		got = append(got, s.Name+s.Labels.String()+" "+strconv.FormatFloat(s.Value, 'g', -1, 64)+" "+s.Type.String())
	}
	return got
}

func num(v float64) mbean.Number {
	return mbean.Number{Float: v, Text: strconv.FormatFloat(v, 'f', -1, 64)}
}

// Every rule key and rule-set key jmx_exporter reads, with its semantics
// (JmxCollector.loadConfig and Receiver.recordBean).
func TestJMXExporterKeySemantics(t *testing.T) {
	bean := map[string][]mbean.Attribute{
		"com.example:type=Pool,name=main,scope=db": {
			{Name: "ActiveCount", Value: num(3)},
			{Name: "RequestsTotal", Value: num(40)},
			{Name: "State", Value: "RUNNING"},
		},
	}
	flags := map[string][]mbean.Attribute{"com.example:type=Pool,name=main,scope=db": append(bean["com.example:type=Pool,name=main,scope=db"],
		mbean.Attribute{Name: "Enabled", Value: true}, mbean.Attribute{Name: "Ready", Value: false})}
	tests := []struct {
		name, config string
		want         []string
	}{{
		// Label names built from captures (weblogic.yml's `tag$3: $4`),
		// lowercased with lowercaseOutputLabelNames.
		name: "label names from captures",
		config: `lowercaseOutputLabelNames: true
rules:
  - pattern: 'com.example<type=(\w+), name=(\w+), (\w+)=(\w+)><>(ActiveCount): (.*)'
    name: pool_$5
    labels:
      Tag_$3: $4
      "$2": "yes"
`,
		want: []string{
			`com.example<type=Pool, name=main, scope=db><>RequestsTotal: 40 -> dropped unmatched`,
			`com.example<type=Pool, name=main, scope=db><>State: RUNNING -> dropped unmatched`,
			`pool_ActiveCount{main="yes", tag_scope="db"} 3 untyped`,
		},
	}, {
		// Label names from captures go through safeName; a label whose
		// name or value is empty is left out.
		name: "label names made safe, empty labels left out",
		config: `rules:
  - pattern: 'com.example<type=(\w+), name=(\w+), (\w+)=(\w+)><>(ActiveCount)(X)?: (.*)'
    name: pool_$5
    labels:
      "$1.$2": v
      unset: $6
      "$6": x
`,
		want: []string{
			`com.example<type=Pool, name=main, scope=db><>RequestsTotal: 40 -> dropped unmatched`,
			`com.example<type=Pool, name=main, scope=db><>State: RUNNING -> dropped unmatched`,
			`pool_ActiveCount{Pool_main="v"} 3 untyped`,
		},
	}, {
		// inferCounterTypeFromName: the final name decides, over the
		// rule's type, for rule names and default names alike.
		name: "inferCounterTypeFromName",
		config: `inferCounterTypeFromName: true
lowercaseOutputName: true
rules:
  - pattern: 'com.example<type=Pool, name=main, scope=db><>(ActiveCount)'
    name: pool_$1_TOTAL
    type: GAUGE
  - pattern: 'com.example<type=Pool, name=main, scope=db><>requests_total'
    attrNameSnakeCase: true
`,
		want: []string{
			`com.example<type=Pool, name=main, scope=db><>State: RUNNING -> dropped unmatched`,
			`com_example_pool_requests_total{name="main", scope="db"} 40 counter`,
			`pool_activecount_total{} 3 counter`,
		},
	}, {
		name: "inferCounterTypeFromName off",
		config: `rules:
  - pattern: 'com.example<type=Pool, name=main, scope=db><>(ActiveCount)'
    name: pool_$1_total
`,
		want: []string{
			`com.example<type=Pool, name=main, scope=db><>RequestsTotal: 40 -> dropped unmatched`,
			`com.example<type=Pool, name=main, scope=db><>State: RUNNING -> dropped unmatched`,
			`pool_ActiveCount{} 3 untyped`, // client_java strips _total from what is no counter
		},
	}, {
		// cache: the rule sees "<cache>" where the value was, so a
		// pattern that reads the value no longer finds it.
		name: "cache",
		config: `rules:
  - pattern: 'com.example<type=Pool, name=main, scope=db><>ActiveCount: 3'
    name: matched_on_value
    cache: true
  - pattern: 'com.example<type=Pool, name=main, scope=db><>ActiveCount: <cache>'
    name: matched_on_cache
    cache: true
  - pattern: 'com.example<type=Pool, name=main, scope=db><>(RequestsTotal): (.*)'
    name: requests
    cache: true
    labels:
      seen: $2
`,
		want: []string{
			`com.example<type=Pool, name=main, scope=db><>State: RUNNING -> dropped unmatched`,
			`matched_on_cache{} 3 untyped`,
			`requests{seen="<cache>"} 40 untyped`,
		},
	}, {
		// type: exactly GAUGE or COUNTER; anything else is untyped.
		name: "type",
		config: `rules:
  - pattern: 'ActiveCount'
    name: a
    type: gauge
  - pattern: 'RequestsTotal'
    name: b
    type: COUNTER
`,
		want: []string{
			`a{} 3 untyped`,
			`b_total{} 40 counter`, // client_java's counters end in _total
			`com.example<type=Pool, name=main, scope=db><>State: RUNNING -> dropped unmatched`,
		},
	}, {
		// value from the match string (an info metric from a String),
		// valueFactor, help, and an empty name that drops.
		name: "value valueFactor help",
		config: `rules:
  - pattern: 'ActiveCount'
    name: ""
  - pattern: '<>State: (\w+)'
    name: state_info
    value: 1
    labels:
      state: $1
  - pattern: 'RequestsTotal'
    name: requests_hundreds
    valueFactor: 0.01
    help: "requests of $0"
`,
		want: []string{
			`com.example<type=Pool, name=main, scope=db><>ActiveCount: 3 -> dropped drop_rule`,
			`requests_hundreds{} 0.4 untyped`,
			`state{state="RUNNING"} 1 untyped`, // client_java strips _info
		},
	}, {
		// A Boolean is 1 or 0 whatever the valueFactor (jmx_exporter
		// scales numbers only), unless a value template gives the value.
		name: "booleans and valueFactor",
		config: `rules:
  - pattern: '<>(Enabled)'
    name: flag_$1
    valueFactor: 10
  - pattern: '<>(Ready): (.*)'
    name: flag_$1
    value: 1
    valueFactor: 10
  - pattern: '<>ActiveCount'
    name: active
    valueFactor: 10
`,
		want: []string{
			`active{} 30 untyped`,
			`com.example<type=Pool, name=main, scope=db><>RequestsTotal: 40 -> dropped unmatched`,
			`com.example<type=Pool, name=main, scope=db><>State: RUNNING -> dropped unmatched`,
			`flag_Enabled{} 1 untyped`,
			`flag_Ready{} 10 untyped`,
		},
	}, {
		// client_java's names: _total, _created, _bucket and _info are
		// stripped (repeatedly), counters get _total back.
		name: "client_java names",
		config: `rules:
  - pattern: '<>ActiveCount'
    name: a_info_bucket_created
  - pattern: '<>RequestsTotal'
    name: _total
    type: COUNTER
`,
		want: []string{
			`a{} 3 untyped`,
			`com.example<type=Pool, name=main, scope=db><>State: RUNNING -> dropped unmatched`,
			`total_total{} 40 counter`,
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			beans := bean
			if strings.Contains(tc.config, "Enabled") {
				beans = flags
			}
			got := mapJMX(t, tc.config, beans)
			sortStrings(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Keys jmx_exporter does not read are accepted with a warning; the file
// is still detected as a jmx_exporter config.
func TestJMXExporterWarnings(t *testing.T) {
	data := `attrNameSnakeCase: true
lowercaseOutputName: true
whitelistObjectNames: ["com.example:*"]
httpServer:
  threads: {minimum: 1}
rules:
  - pattern: 'com.example<type=(\w+)><>(\w+)'
    name: x_$1_$2
    typo: 1
    type: HISTOGRAM
  - pattern: 'com.example<type=(?:(\w))+(?=(\w+)>)(\w+)><>(?<attr>\w+)'
    name: y_$3
    labels: {first: $1, ahead: $2, attr: '${attr}'}
  - pattern: 'com.example<type=(?:(\w))+(?=(\w+)>)(\w+)><>(\w+)'
    name: z_$3_$4
`
	if _, err := TranslateFile("jmx.yml", []byte(data), ""); err != nil {
		t.Fatalf("a file with keys jmx_exporter ignores must load: %v", err)
	}
	want := []string{
		`jmx.yml:1:1: unknown key "attrNameSnakeCase": jmx_exporter ignores it, and so does Rosetta`,
		`jmx.yml:4:1: httpServer: jmx_exporter's own HTTP server and OpenTelemetry settings are not used by Rosetta (configure its web server and outputs instead)`,
		`jmx.yml:9:5: rule 1: unknown key "typo": jmx_exporter ignores it, and so does Rosetta`,
		`jmx.yml:10:11: rule 1: type "HISTOGRAM": jmx_exporter knows GAUGE, COUNTER and UNTYPED (exactly so); it exports this rule's series as untyped, and so does Rosetta`,
		`jmx.yml:11:14: rule 2: $1, $2: a group inside a lookaround, an atomic group or a repeated fixed-length group; java.util.regex keeps such a group's value from an attempt that failed (((a))*a on "a" gives group 2 "a"), Rosetta does not, so this rule's series may differ from jmx_exporter's`,
	}
	if diff := cmp.Diff(want, JMXExporterWarnings("jmx.yml", []byte(data))); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	for data, want := range map[string]bool{
		"attrNameSnakeCase: true\nrules:\n  - pattern: x\n": true,
		"foo: 1\nstartDelaySeconds: 3\n":                    true,
		"foo: 1\n":                                          false,
		"unmatched: drop\nrules:\n  - pattern: x\n":         false,
		"mappings: []\nhostPort: a:1\n":                     false,
	} {
		root, err := parseYAML("f.yml", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		if got := detectJMXExporter(root); got != want {
			t.Errorf("detectJMXExporter(%q) = %v, want %v", data, got, want)
		}
	}
	if w := JMXExporterWarnings("x.yml", []byte(kafkaStyle)); len(w) != 0 {
		t.Errorf("warnings for a file of known keys: %s", strings.Join(w, "\n"))
	}
}

// TestJMXExporterConstructs maps bean strings through a config that uses
// every key and pattern construct of jmx_exporter's example configs
// (testdata/jmx_exporter_constructs.good.yml, Rosetta's own); the
// outcomes are in its golden file (go test -update).
func TestJMXExporterConstructs(t *testing.T) {
	const file = "testdata/jmx_exporter_constructs.good.yml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got := mapJMX(t, string(data), map[string][]mbean.Attribute{
		"shop.app:type=DB,keyspace=users,zone=eu,name=Reads": {{Name: "Value", Value: num(3)}},
		"shop.app:type=DB,zone=eu,name=Writes":               {{Name: "Value", Value: num(4)}},
		"shop.app:type=DB,name=Open":                         {{Name: "Value", Value: num(5)}},
		"shop.app:type=Orders,region=eu-west,tag1=retail":    {{Name: "PaidCount", Value: num(6)}, {Name: "Paid", Value: num(1)}},
		"shop.app:type=Cart":                                 {{Name: "ItemsInCart", Value: num(7)}, {Name: "CheckoutTimeMs", Value: num(8)}, {Name: "Internal", Value: num(9)}, {Name: "Other", Value: num(1)}},
		"shop.app:type=Latency,name=GetMillis":               {{Name: "Mean", Value: num(250)}},
		"shop.app:type=Latency,name=Put":                     {{Name: "Mean", Value: num(500)}},
		"shop.app:type=Build":                                {{Name: "Version", Value: "1.2.3"}, {Name: "Commit", Value: "abc"}},
		`shop.app:type=Path,path=/api/v1/items~x`:            {{Name: "Hits", Value: num(10)}},
		"shop.app:type=Pool-http-io,id=2":                    {{Name: "Size", Value: num(11)}},
		"shop.app:type=Pool-db,id=3x":                        {{Name: "Size", Value: num(12)}},
		"java.lang:type=OperatingSystem":                     {{Name: "ProcessCpuLoad", Value: num(0.5)}, {Name: "Arch", Value: "amd64"}},
	})
	sortStrings(got)
	golden := file[:len(file)-len(".good.yml")] + ".golden"
	text := strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), text); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
