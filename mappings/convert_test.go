package mappings

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// decisions maps every record through rs and renders what came out, for
// comparing two rule sets.
func decisions(t *testing.T, rs *normalize.RuleSet, recs []normalize.Record) []string {
	t.Helper()
	var out []string
	for _, r := range recs {
		s, o, reason := rs.Map(r)
		line := fmt.Sprintf("%s (%s) -> %s %s", r.Match, r.Type, o, reason)
		if o == normalize.OutcomeMapped || o == normalize.OutcomeUnmatched {
			line += fmt.Sprintf(" %s%s %g %s %q", s.Name, s.Labels, s.Value, s.Type, s.Help)
			if s.Opts != nil {
				line += fmt.Sprintf(" obs=%s buckets=%v q=%v ttl=%s limit=%d", s.Opts.Observer, s.Opts.Buckets, s.Opts.Objectives, s.Opts.TTL, s.Opts.SeriesLimit)
			}
		}
		out = append(out, line)
	}
	return out
}

func convertAndLoad(t *testing.T, file string, data []byte) (orig, conv *normalize.RuleSet, text []byte) {
	t.Helper()
	o, err := TranslateFile(file, data, "")
	if err != nil {
		t.Fatal(err)
	}
	if orig, err = normalize.NewRuleSet(*o); err != nil {
		t.Fatal(err)
	}
	text, notes, err := Convert(file, data, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := TranslateFile("converted.yml", text, "")
	if err != nil {
		t.Fatalf("the converted file does not load: %v\n%s", err, text)
	}
	if c.StatsdGlobQuirks {
		t.Fatal("the converted file was read as a statsd_exporter file")
	}
	if conv, err = normalize.NewRuleSet(*c); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	t.Logf("notes: %v", notes)
	return orig, conv, text
}

// A statsd_exporter mapping file and its conversion make the same decisions
// for the differential test's traffic and for names generated from its own
// globs, with every metric type.
func TestConvertStatsd(t *testing.T) {
	file := "../testdata/e2e/statsd-differential/mapping.yml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	orig, conv, text := convertAndLoad(t, file, data)
	var names []string
	traffic, err := os.ReadFile("../testdata/e2e/statsd-differential/traffic.txt")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(traffic), "\n") {
		if n, _, ok := strings.Cut(l, ":"); ok {
			names = append(names, n)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	segs := []string{"api", "users", "orders", "500", "a", "b", "x-y", "requests", "errors", "latency", "db", "cache", "hits", "get"}
	for range 5000 {
		n := 1 + r.IntN(5)
		var parts []string
		for range n {
			parts = append(parts, segs[r.IntN(len(segs))])
		}
		names = append(names, strings.Join(parts, "."))
	}
	var recs []normalize.Record
	for _, n := range names {
		for _, typ := range []normalize.Type{normalize.TypeCounter, normalize.TypeGauge, normalize.TypeObserver} {
			recs = append(recs, normalize.Record{Match: n, Type: typ, Value: 2, Delta: typ == normalize.TypeCounter})
		}
	}
	if diff := cmp.Diff(decisions(t, orig, recs), decisions(t, conv, recs)); diff != "" {
		t.Errorf("converted rules decide differently (-original +converted):\n%s\n--- converted:\n%s", diff, text)
	}
}

// A jmx_exporter config and its conversion make the same decisions for the
// test application's bean strings.
func TestConvertJMXExporter(t *testing.T) {
	cfg := kafkaStyle + `
  - pattern: 'com.example<type=Stats, zone=(\w+), app="(.+)", key=(.+)><>(\w+): (.*)'
    name: stats_$4
    attrNameSnakeCase: true
    help: "Stats of $2 in $1"
    labels: {path: $3}
  - pattern: 'com.example<type=(\w+)><>(\w+)'
    attrNameSnakeCase: true
`
	orig, conv, text := convertAndLoad(t, "jmx.yml", []byte(cfg))
	if !strings.Contains(string(text), "name_escaping: jmx_exporter") || !strings.Contains(string(text), "duplicate_label: _objectname") {
		t.Errorf("converted jmx_exporter config lacks its naming settings:\n%s", text)
	}
	f, err := os.Open("../inputs/jmx/testdata/golden/example_beans.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x := &jmx.Exporter{Strings: true}
	var recs []normalize.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, " ") {
			continue
		}
		rec, err := x.RecordFromBeanString(l, "an attribute")
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		recs = append(recs, rec)
	}
	if len(recs) < 20 {
		t.Fatalf("only %d bean strings", len(recs))
	}
	if diff := cmp.Diff(decisions(t, orig, recs), decisions(t, conv, recs)); diff != "" {
		t.Errorf("converted rules decide differently (-original +converted):\n%s\n--- converted:\n%s", diff, text)
	}
}

// Rules statsd_exporter never matches are left out, with a note.
func TestConvertStatsdQuirks(t *testing.T) {
	data := []byte(`mappings:
  - match: app.*.*.*
    name: four
  - match: app.*.*
    name: three_never
`)
	text, notes, err := Convert("q.yml", data, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "never matches") || strings.Contains(string(text), `name: "three_never"`) {
		t.Errorf("notes %v\n%s", notes, text)
	}
}

// A statsd_exporter file whose globs statsd_exporter searches without
// backtracking (glob_disable_ordering) misses names its converted rules
// map: Convert says so; with a rule that makes statsd_exporter backtrack
// it has nothing to say.
func TestConvertStatsdGreedyGlobs(t *testing.T) {
	const data = "defaults:\n  glob_disable_ordering: true\nmappings:\n" +
		"  - {match: \"*.*.b\", name: any_b}\n  - {match: c.b, name: cb}\n  - {match: c.b.b, name: cbb}\n"
	_, notes, err := Convert("g.yml", []byte(data), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "does not backtrack") {
		t.Errorf("notes %q", notes)
	}
	_, notes, err = Convert("g.yml", []byte(data+"  - {match: c.*.x, name: cx}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("notes %q", notes)
	}
}

// A statsd_exporter scale of .inf or .nan has no Rosetta rule equivalent:
// Convert says so rather than write a file Rosetta refuses.
func TestConvertStatsdInfiniteScale(t *testing.T) {
	for _, v := range []string{".inf", "-.inf", ".nan"} {
		_, _, err := Convert("m.yml", []byte("mappings:\n  - match: a.*\n    name: a\n    scale: "+v+"\n"), "")
		if err == nil || !strings.Contains(err.Error(), "m.yml:2:5") || !strings.Contains(err.Error(), "finite") {
			t.Errorf("scale %s: %v", v, err)
		}
	}
	out, _, err := Convert("m.yml", []byte("defaults:\n  ttl: -1s\nmappings:\n  - match: a.*\n    name: a\n    ttl: 1.5\n  - match: b.*\n    name: b\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	rsc, err := TranslateFile("c.yml", out, "")
	if err == nil {
		_, err = normalize.NewRuleSet(*rsc)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"defaults:\n  ttl: 1ns\n", "    ttl: 1ns\n", "    ttl: " + statsdNoTTL.String() + "\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("converted file lacks %q:\n%s", want, out)
		}
	}
}

// What only statsd_exporter's or jmx_exporter's reader accepts (a negative
// max_age, a quantile or an error outside [0, 1], a non-finite
// valueFactor, a literal value that is not a number) makes no rule file:
// Convert says so rather than write one Rosetta refuses.
func TestConvertForeignOnly(t *testing.T) {
	rule := "mappings:\n  - match: a.*\n    name: a\n"
	for _, data := range []string{
		"defaults:\n  summary_options:\n    max_age: -1s\n" + rule,
		rule + "    summary_options:\n      quantiles: [{quantile: 1.5, error: 0.1}]\n",
		rule + "    summary_options:\n      quantiles: [{quantile: 0.5, error: 2}]\n",
		"rules:\n  - pattern: 'x'\n    name: x\n    valueFactor: .inf\n",
		"rules:\n  - pattern: 'x'\n    name: x\n    value: true\n",
		// a "$" that is no reference: a literal all the same
		"rules:\n  - pattern: 'x'\n    name: x\n    value: '12\\$'\n",
	} {
		if _, _, err := Convert("m.yml", []byte(data), ""); err == nil || !strings.Contains(err.Error(), "keep this file as it is") {
			t.Errorf("%q: %v", data, err)
		}
	}
}

// javaOnly is a jmx_exporter config whose patterns need java.util.regex:
// lookbehind (positive and negative), possessive quantifiers, an atomic
// group, a Java character property, and Java's case-insensitive flag
// (ASCII only) and dot (no line terminator but \n alone); and a label
// that may be empty or have a name to escape, cache, inferred and
// client_java's counter names.
const javaOnly = `
inferCounterTypeFromName: true
rules:
  - pattern: '(?<=org\.acme<kind=)Pool, id=(\w++)><>(Active|Idle): (\d+)'
    name: acme_pool_$2
    labels: {pool: $1}
  - pattern: 'org\.acme<kind=Queue, name=(\p{javaLowerCase}+)(?<!tmp)><>Depth'
    name: acme_queue_depth
    labels: {queue: $1}
  - pattern: 'org\.acme<kind=Cache, tier=((?>hot|warm))\w*+><>(?i)hits: (.*)'
    name: acme_cache_hits
    labels: {tier: $1, raw: $2}
  - pattern: 'org\.acme<kind=Note, text=(.)><>Size'
    name: acme_note_size
    labels: {ch: $1}
  - pattern: 'org\.acme<kind=Opt(?:, sub=([\w-]*))?><>(?i:k)eys'
    name: acme_opt_keys_total
    labels: {sub: $1, s_$1: x}
  - pattern: 'org\.acme<kind=Lazy><>(\w+): (<cache>|\d+)'
    name: acme_lazy_$1_$2
    cache: true
  - pattern: 'org\.acme<kind=Info><>(\w+)'
    name: acme_$1_info
    type: COUNTER
`

// beanRecords makes records from bean strings as the JMX input does.
func beanRecords(t *testing.T, beans ...string) []normalize.Record {
	t.Helper()
	x := &jmx.Exporter{Strings: true}
	var recs []normalize.Record
	for _, l := range beans {
		rec, err := x.RecordFromBeanString(l, "an attribute")
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// A jmx_exporter config whose patterns only java.util.regex reads converts
// into a rule file that loads and makes the same decisions: the converted
// rules keep Java's regex dialect, jmx_exporter's cache and label
// treatment, client_java's names and inferCounterTypeFromName.
func TestConvertJMXJavaRegex(t *testing.T) {
	orig, conv, text := convertAndLoad(t, "java.yml", []byte(javaOnly))
	recs := beanRecords(t,
		"org.acme<kind=Pool, id=main><>Active: 4",
		"org.acme<kind=Pool, id=main><>Idle: 2",
		"org.acme<kind=Pool, id=main-2><>Idle: 2",
		"org.acme<kind=Queue, name=orders><>Depth: 7",
		"org.acme<kind=Queue, name=ordertmp><>Depth: 7",
		"org.acme<kind=Queue, name=Orders><>Depth: 7",
		"org.acme<kind=Queue, name=écoles><>Depth: 1",
		"org.acme<kind=Cache, tier=hot><>Hits: 9",
		"org.acme<kind=Cache, tier=warmer><>HITS: 9",
		"org.acme<kind=Cache, tier=cold><>hits: 9",
		"org.acme<kind=Cache, tier=hot><>hıts: 9",
		"org.acme<kind=Cache, tier=hot><>ſits: 9",
		"org.acme<kind=Note, text=a><>Size: 1",
		"org.acme<kind=Note, text=\r><>Size: 1",
		"org.acme<kind=Note, text=\u2028><>Size: 1",
		"org.acme<kind=Opt><>Keys: 1",
		"org.acme<kind=Opt, sub=><>Keys: 1",
		"org.acme<kind=Opt, sub=a-b><>keys: 1",
		"org.acme<kind=Opt, sub=b><>\u212aeys: 1",
		"org.acme<kind=Lazy><>Count: 12",
		"org.acme<kind=Info><>Build: 1",
		"org.acme<kind=Info><>Up_total: 1",
		"other<type=X><>Y: 1",
	)
	if diff := cmp.Diff(decisions(t, orig, recs), decisions(t, conv, recs)); diff != "" {
		t.Errorf("converted rules decide differently (-original +converted):\n%s\n--- converted:\n%s", diff, text)
	}
}

// A rule file's regex_dialect: java rule matches with Java's meaning, on
// the whole match string; it needs a regex rule and a rule file's value
// and scale.
func TestConvertRegexDialectKey(t *testing.T) {
	load := func(data string) (*normalize.RuleSet, error) {
		rsc, err := TranslateFile("r.yml", []byte(data), "")
		if err != nil {
			return nil, err
		}
		return normalize.NewRuleSet(*rsc)
	}
	rs, err := load(`rules:
  - match: '.*(?<=a\.)b\.(\w++)'
    match_type: regex
    regex_dialect: java
    name: b_$1
  - match: 'x(?i)Y'
    match_type: regex
    regex_dialect: re2
    name: xy
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{"a.b.c", "b_c"}, {"b.c", ""}, {"z.b.c", ""}, {"a.b.c.d", ""}, {"zxy", "xy"},
	} {
		s, o, _ := rs.Map(normalize.Record{Match: c.in, Type: normalize.TypeGauge, Value: 1})
		got := ""
		if o == normalize.OutcomeMapped {
			got = s.Name
		}
		if got != c.want {
			t.Errorf("%q: got %q (%s), want %q", c.in, got, o, c.want)
		}
	}
	rule := "rules:\n  - match: 'a(b)'\n    match_type: regex\n    regex_dialect: java\n    name: a\n"
	for data, want := range map[string]string{
		"rules:\n  - match: a.*\n    regex_dialect: java\n    name: a\n":                            "r.yml:2:5: rule 1",
		"rules:\n  - match: 'a'\n    match_type: regex\n    regex_dialect: perl\n    name: a\n":     "r.yml:4:20",
		"rules:\n  - match: '(?<=a'\n    match_type: regex\n    regex_dialect: java\n    name: a\n": "invalid regex",
		rule + "    value: up\n":   "r.yml:2:5",
		rule + "    scale: .inf\n": "r.yml:2:5",
		// a literal with a "$" that is no reference is no number either
		"rules:\n  - match: a.*\n    jmx_cache: true\n    name: a\n":            "r.yml:2:5: rule 1 (\"a.*\"): jmx_cache needs match_type regex",
		"rules:\n  - match: a.*\n    attr_name_snake_case: true\n    name: a\n": "r.yml:2:5: rule 1 (\"a.*\"): attr_name_snake_case needs match_type regex",
		"defaults:\n  match_type: glob\nrules:\n  - match: a.*\n    attr_name_snake_case: false\n    name: a\n" +
			"  - match: b.*\n    attr_name_snake_case: true\n": "r.yml:7:5: rule 2 (\"b.*\"): attr_name_snake_case needs match_type regex",
		rule + "    value: '12$'\n": `invalid value "12$"`,
		rule + "    value: '$$'\n":  `invalid value "$$"`,
		"mappings:\n  - match: a.*\n    regex_dialect: java\n    name: a\n": "regex_dialect",
		"mappings:\n  - match: a.*\n    jmx_labels: true\n    name: a\n":    "jmx_labels",
		"mappings:\n  - match: a.*\n    jmx_cache: true\n    name: a\n":     "jmx_cache",
		"client_java_names: yes please\n" + rule:                            "client_java_names",
	} {
		_, err := load(data)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", data, err, want)
		}
		t.Logf("%v", err)
	}
}

// exampleBeans reads the JMX test application's bean strings.
func exampleBeans(t *testing.T) []normalize.Record {
	t.Helper()
	data, err := os.ReadFile("../inputs/jmx/testdata/golden/example_beans.txt")
	if err != nil {
		t.Fatal(err)
	}
	var beans []string
	for l := range strings.SplitSeq(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			beans = append(beans, l)
		}
	}
	return beanRecords(t, beans...)
}

// Every jmx_exporter config of the oracle's converts into a rule file that
// decides as it does on the test application's bean strings: its rules'
// Java regexes, cache and label treatment, client_java's names and
// inferCounterTypeFromName are kept.
func TestConvertJMXExporterConfigs(t *testing.T) {
	files, err := filepath.Glob("../testdata/jmx/oracle/configs/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	recs := exampleBeans(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), "hostPort:") && !strings.Contains(string(data), "jmxUrl:") {
				data = append(data, "\nhostPort: localhost:9999\n"...) // as the oracle's test adds it
			}
			orig, conv, text := convertAndLoad(t, file, data)
			if diff := cmp.Diff(decisions(t, orig, recs), decisions(t, conv, recs)); diff != "" {
				t.Errorf("converted rules decide differently (-original +converted):\n%s\n--- converted:\n%s", diff, text)
			}
		})
	}
}

// statsd_exporter's regexes are Go's (RE2, searched, not anchored), as a
// rule file's are: its regex rules convert as they are written.
func TestConvertStatsdRegex(t *testing.T) {
	cfg := `defaults:
  match_type: regex
mappings:
  - match: 'svc\.(?P<svc>\pL+)\.(\w+)'
    name: svc_${2}
    labels: {svc: $svc}
  - match: '(?i)HITS\.(.)'
    name: hits
    labels: {c: $1}
  - match: '\.x$'
    match_type: regex
    name: x_$0
  - match: '(?s)n\.(.+)'
    name: n
    labels: {rest: $1}
`
	orig, conv, text := convertAndLoad(t, "rx.yml", []byte(cfg))
	if strings.Contains(string(text), "regex_dialect") {
		t.Errorf("a statsd_exporter regex is RE2:\n%s", text)
	}
	var recs []normalize.Record
	for _, n := range []string{"svc.api.latency", "a.svc.été.b.c", "svc.1.b", "hits.a", "xHiTs.ſ", "hits.\n", "a.b.x", "a.b.x.y", "n.a\nb", "n.", "zzz"} {
		for _, typ := range []normalize.Type{normalize.TypeCounter, normalize.TypeGauge, normalize.TypeObserver} {
			recs = append(recs, normalize.Record{Match: n, Type: typ, Value: 1})
		}
	}
	if diff := cmp.Diff(decisions(t, orig, recs), decisions(t, conv, recs)); diff != "" {
		t.Errorf("converted rules decide differently (-original +converted):\n%s\n--- converted:\n%s", diff, text)
	}
}

// What of a jmx_exporter config the jmx input reads and a rule file does
// not hold (connection and bean selection, String attributes for value
// rules) is named in a note: the converted file alone serves other series.
func TestConvertJMXExporterInputNotes(t *testing.T) {
	data := []byte(`hostPort: localhost:9999
lowercaseOutputName: true
includeObjectNames: ["com.example:*"]
rules:
  - pattern: 'com\.example<type=Build><>Version: (.+)'
    name: build_info
    value: 1
    labels: {version: $1}
`)
	_, notes, err := Convert("j.yml", data, "")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"hostPort, includeObjectNames: not rules", "jmx_exporter_drop_in: true", "emit_string_values: true"} {
		if !strings.Contains(all, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if strings.Contains(all, "lowercaseOutputName") {
		t.Errorf("notes %q name lowercaseOutputName, which the rule file keeps", notes)
	}
	_, notes, err = Convert("r.yml", []byte("rules:\n  - pattern: 'a<>b'\n    name: x\n"), FormatJMXExporter)
	if err != nil || len(notes) != 0 {
		t.Errorf("rules only, no value: notes %q, %v", notes, err)
	}
}

// TestConvertRuleFileOptions: a Rosetta rule file's own rule-set keys
// survive rosetta convert: the converted file decides as the original,
// name escaping included (jmx_exporter's collapses runs of '_').
func TestConvertRuleFileOptions(t *testing.T) {
	data := "name_escaping: jmx_exporter\nlowercase_output_name: true\nlowercase_output_label_names: true\n" +
		"infer_counter_type_from_name: true\nduplicate_label: _objectname\n" +
		"rules:\n  - {match: 'a.*', name: 'A_${1}_total', labels: {Key: v}}\n"
	orig, conv, text := convertAndLoad(t, "r.yml", []byte(data))
	var recs []normalize.Record
	for _, m := range []string{"a.b--c", "a.B", "x..Y", "x-y::z", "a.b"} {
		recs = append(recs, normalize.Record{Match: m, Type: normalize.TypeGauge, Value: 1})
	}
	if diff := cmp.Diff(decisions(t, orig, recs), decisions(t, conv, recs)); diff != "" {
		t.Errorf("converted rules decide differently (-original +converted):\n%s\n--- converted:\n%s", diff, text)
	}
}
